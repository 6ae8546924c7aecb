//! [`MetricsSource`](crate::MetricsSource) for the real `wrt` types, so a runtime can hand
//! its managers straight to a collector — alone, or together as a tuple.
//!
//! | type | reports |
//! |---|---|
//! | `wrt_foundation::memory::MemoryPool` | one pool: geometry, blocks in use, refusals, bytes requested, largest request |
//! | `wrt_foundation::memory::LinearMemoryManager` | memory in use, its high-water mark, the budget |
//! | `wrt_component::ResourceManager` | per category: live, allocations, failures; bytes of size hints and their high-water mark |
//! | `wrt_component::ComponentResourceManager` | the component's use of every limit, its refusals and peak demand per limit |
//! | `wrt_component::ResourceRuntime` | its resource manager's categories, every component, the runtime budget |
//! | `wrt_platform::PlatformCapabilities` (any provider's `get_capabilities()`) | the platform memory ceiling |
//! | `wrt_platform::embedded::EmbeddedResourceProvider` | its capabilities, as above, and the free spans of its regions (heap fragmentation) |
//!
//! What these types do not count is not reported. A `LinearMemoryManager` gives each region
//! an allocation of its own, so it has no shared free space to fragment and reports none.
//! Wrap allocations in an [`AllocationRecorder`](crate::AllocationRecorder) for timing.

mod component;
mod foundation;
mod platform;
