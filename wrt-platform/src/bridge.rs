//! The bridge to `wrt_foundation::memory`: linear memories, a `LinearMemoryManager` and
//! memory pools whose bytes come from a [`PlatformResourceProvider`] instead of the heap or
//! inline arrays.
//!
//! Two ways, both without allocation:
//! - **borrowed** (every provider, every environment): a region's bytes, lent by
//!   [`PlatformResourceProvider::region_bytes_mut`] or by
//!   [`EmbeddedResourceProvider::blocks_mut`](crate::embedded::EmbeddedResourceProvider::blocks_mut)
//!   for several at once, become a `BorrowedLinearMemory`, a pool over `&mut [u8]`, or the
//!   slots of a manager ([`ProviderRegions`]);
//! - **owned** (Linux): a [`ReadWriteRegion`](crate::linux::ReadWriteRegion) *is* a backing, so a
//!   memory, pool or manager owns its mmap'd, guard-paged regions and unmaps them when dropped
//!   (`guarded_*` functions).

use thiserror::Error;
use wrt_foundation::memory::{
    BorrowedLinearMemory, FixedStorage, LinearMemory, MemoryError, MemoryPool, MemoryProtection,
    PAGE_SIZE, RegionSlots, RegionTable,
};
use wrt_foundation::slots::{PreparedSlots, SlotTable};

use crate::provider::{PlatformResourceProvider, RegionRequest};

/// Why a provider-backed memory, pool or manager could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BridgeError<E> {
    /// The provider refused the region or its bytes.
    #[error("platform: {0}")]
    Platform(#[source] E),
    /// The memory, pool or manager refused (limits, backing too small).
    #[error("memory: {0}")]
    Memory(#[source] MemoryError),
    /// More regions were asked for than the table has slots.
    #[error("{requested} regions asked for; the table has {capacity} slots")]
    TooManyRegions {
        /// Regions asked for.
        requested: usize,
        /// Slots in the table.
        capacity: usize,
    },
}

/// A request for `pages` WebAssembly pages, page-aligned; `None` when the byte size
/// overflows `usize`.
pub fn pages_request(pages: u32) -> Option<RegionRequest> {
    let bytes = usize::try_from(pages).ok()?.checked_mul(PAGE_SIZE)?;
    Some(RegionRequest::new(bytes).with_align(PAGE_SIZE))
}

/// A linear memory over `region`'s bytes, borrowed from `provider` for the memory's life.
///
/// ```
/// use wrt_foundation::memory::{MemoryProtection, PAGE_SIZE};
/// use wrt_platform::bridge::{borrowed_linear_memory, pages_request};
/// use wrt_platform::embedded::EmbeddedResourceProvider;
/// use wrt_platform::PlatformResourceProvider;
///
/// let mut ram = vec![0u8; 3 * PAGE_SIZE];
/// let mut provider: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
/// provider.add_region(&mut ram).map_err(|e| e.to_string())?;
/// let mut block = provider.allocate(&pages_request(2).unwrap())?;
/// let mut memory =
///     borrowed_linear_memory(&mut provider, &mut block, 1, None, MemoryProtection::READ_WRITE)?;
/// memory.store_u32(8, 42)?;
/// assert_eq!(memory.grow(1)?, 1); // grows inside the block, up to its two pages
/// assert!(memory.grow(1).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn borrowed_linear_memory<'r, P: PlatformResourceProvider>(
    provider: &'r mut P,
    region: &'r mut P::Region,
    initial_pages: u32,
    maximum_pages: Option<u32>,
    protection: MemoryProtection,
) -> Result<BorrowedLinearMemory<'r>, BridgeError<P::Error>> {
    let bytes = provider
        .region_bytes_mut(region)
        .map_err(BridgeError::Platform)?;
    LinearMemory::borrowed(bytes, initial_pages, maximum_pages, protection)
        .map_err(BridgeError::Memory)
}

/// A pool of `BLOCK_COUNT` blocks of `BLOCK_SIZE` bytes over `region`'s bytes.
pub fn borrowed_pool<'r, const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, P>(
    provider: &'r mut P,
    region: &'r mut P::Region,
) -> Result<MemoryPool<BLOCK_SIZE, BLOCK_COUNT, &'r mut [u8]>, BridgeError<P::Error>>
where
    P: PlatformResourceProvider,
{
    let bytes = provider
        .region_bytes_mut(region)
        .map_err(BridgeError::Platform)?;
    MemoryPool::with_backing(bytes).map_err(|refused| BridgeError::Memory(refused.error))
}

/// A [`RegionTable`] whose slots are backed by provider regions (any `AsRef<[u8]> +
/// AsMut<[u8]>` backing: a borrowed `&mut [u8]`, or an owned
/// [`ReadWriteRegion`](crate::linux::ReadWriteRegion)), so a [`LinearMemoryManager`] keeps
/// its memories in platform memory.
///
/// Fill it with [`push_backing`](Self::push_backing), then hand it to
/// `LinearMemoryManager::with_table`. Each slot can hold a memory as large as the smallest
/// backing (in whole pages).
///
/// [`LinearMemoryManager`]: wrt_foundation::memory::LinearMemoryManager
pub struct ProviderRegions<B, const N: usize> {
    slots:
        SlotTable<LinearMemory<FixedStorage<B>>, PreparedSlots<LinearMemory<FixedStorage<B>>, N>>,
    smallest: usize,
}

impl<B: AsRef<[u8]>, const N: usize> core::fmt::Debug for ProviderRegions<B, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProviderRegions")
            .field("backings", &self.slots.prepared_count())
            .field("in_use", &self.slots.slot_count())
            .field("max_region_size", &self.max_region_size_bytes())
            .finish()
    }
}

impl<B: AsRef<[u8]>, const N: usize> Default for ProviderRegions<B, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: AsRef<[u8]>, const N: usize> ProviderRegions<B, N> {
    /// A table with no backings.
    pub const fn new() -> Self {
        Self {
            slots: SlotTable::prepared(),
            smallest: usize::MAX,
        }
    }

    /// Adds one backing for one slot; handed back when all `N` are filled.
    pub fn push_backing(&mut self, backing: B) -> Result<(), B> {
        let len = backing.as_ref().len();
        self.slots
            .prepare(LinearMemory::dormant(FixedStorage::new(backing)))
            .map_err(|memory| memory.into_storage().into_backing())?;
        self.smallest = self.smallest.min(len);
        Ok(())
    }

    /// Backings handed in.
    pub fn backings(&self) -> usize {
        self.slots.prepared_count()
    }

    fn max_region_size_bytes(&self) -> usize {
        if self.slots.prepared_count() == 0 {
            return 0;
        }
        self.smallest
            .checked_div(PAGE_SIZE)
            .unwrap_or(0)
            .saturating_mul(PAGE_SIZE)
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize> RegionTable for ProviderRegions<B, N> {
    type Storage = FixedStorage<B>;
    type Slots = PreparedSlots<LinearMemory<Self::Storage>, N>;

    fn slots(&self) -> &RegionSlots<Self::Storage, Self::Slots> {
        &self.slots
    }

    fn slots_mut(&mut self) -> &mut RegionSlots<Self::Storage, Self::Slots> {
        &mut self.slots
    }

    fn max_region_size(&self) -> usize {
        self.max_region_size_bytes()
    }
}

#[cfg(all(target_os = "linux", feature = "std"))]
mod guarded;
#[cfg(all(target_os = "linux", feature = "std"))]
pub use guarded::{
    GuardedLinearMemory, GuardedMemoryManager, GuardedPool, guarded_linear_memory,
    guarded_memory_manager, guarded_pool,
};
