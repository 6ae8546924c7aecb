//! [`MetricsSource`](crate::MetricsSource) for the real `wrt` types, so a runtime can hand
//! its managers straight to a collector — alone, or together as a tuple.
//!
//! | type | reports |
//! |---|---|
//! | `wrt_foundation::memory::MemoryPool` | one pool: geometry and blocks in use |
//! | `wrt_foundation::memory::LinearMemoryManager` | memory in use, its high-water mark, the budget |
//! | `wrt_component::ResourceManager` | per category: live, allocations, failures; bytes of size hints and their high-water mark |
//! | `wrt_component::ComponentResourceManager` | the component's use of every limit |
//! | `wrt_component::ResourceRuntime` | its resource manager's categories, every component, the runtime budget |
//! | `wrt_platform::PlatformCapabilities` (any provider's `get_capabilities()`) | the platform memory ceiling |
//! | `wrt_platform::embedded::EmbeddedResourceProvider` | its capabilities, as above |
//!
//! What these types do not count is not reported: none of them keeps refusal counts per
//! component limit or the sizes callers asked a pool for, and none exposes its free blocks
//! (so heap fragmentation needs a source that does). Wrap allocations in an
//! [`AllocationRecorder`](crate::AllocationRecorder) for timing and contention.

mod component;
mod foundation;
mod platform;
