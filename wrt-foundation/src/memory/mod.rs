//! Safe memory: WebAssembly linear memory, a manager that keeps regions inside a budget, and
//! a pool of fixed-size blocks reached through handles.
//!
//! Every type here exists in every environment; only `HeapStorage` (and the aliases built
//! on it) needs `alloc`. Which storage a memory, manager or pool uses is chosen by its type
//! parameter, so the code a bare-metal build runs is the code the host tests run.
//!
//! | need                                      | type                                       |
//! |-------------------------------------------|--------------------------------------------|
//! | one Wasm memory                           | [`LinearMemory<S>`] with a [`MemoryStorage`] |
//! | many memories under one byte budget       | [`LinearMemoryManager<T>`] with a [`RegionTable`] |
//! | fixed-size blocks, O(1), no heap          | [`MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>`](MemoryPool) |

mod error;
mod linear;
mod manager;
mod pool;
mod protection;
mod refused;
mod region;
pub mod storage;

pub use error::MemoryError;
#[cfg(feature = "alloc")]
pub use linear::HeapLinearMemory;
pub use linear::{BorrowedLinearMemory, InlineLinearMemory, LinearMemory};
#[cfg(feature = "alloc")]
pub use manager::HeapMemoryManager;
pub use manager::{FixedMemoryManager, LinearMemoryManager, RegionMemory};
pub use pool::{BlockHandle, InlineBlocks, MemoryPool, RequestTally};
pub use protection::{Access, MemoryProtection};
pub use refused::BackingRefused;
#[cfg(feature = "alloc")]
pub use region::HeapRegions;
pub use region::{FixedRegions, RegionId, RegionInfo, RegionSlots, RegionTable};
#[cfg(feature = "alloc")]
pub use storage::HeapStorage;
pub use storage::{BorrowedStorage, FixedStorage, InlineStorage, MemoryStorage};

/// Bytes in one WebAssembly page.
pub const PAGE_SIZE: usize = 65_536;

/// The most pages a wasm32 memory can have (4 GiB).
pub const MAX_PAGES: u32 = 65_536;
