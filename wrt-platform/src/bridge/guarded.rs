//! Owned, guard-paged backings from the Linux provider: the memory, pool or manager owns
//! its mmap'd regions, and dropping it unmaps them.

use wrt_foundation::memory::{
    FixedStorage, LinearMemory, LinearMemoryManager, MemoryPool, MemoryProtection, PAGE_SIZE,
};

use super::{BridgeError, ProviderRegions, pages_request};
use crate::linux::{LinuxError, LinuxResourceProvider, ReadWriteRegion};
use crate::provider::RegionRequest;

/// A linear memory in its own mmap'd region, with a guard page on each side.
pub type GuardedLinearMemory = LinearMemory<FixedStorage<ReadWriteRegion>>;

/// A manager whose regions are mmap'd, each with its guard pages.
pub type GuardedMemoryManager<const N: usize> =
    LinearMemoryManager<ProviderRegions<ReadWriteRegion, N>>;

/// A pool whose blocks live in one mmap'd region.
pub type GuardedPool<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> =
    MemoryPool<BLOCK_SIZE, BLOCK_COUNT, ReadWriteRegion>;

fn rw_region(
    provider: &LinuxResourceProvider,
    request: &RegionRequest,
) -> Result<ReadWriteRegion, BridgeError<LinuxError>> {
    let request = request.with_protection(MemoryProtection::READ_WRITE);
    let region = provider
        .allocate_region(&request)
        .map_err(BridgeError::Platform)?;
    region.into_read_write().map_err(|region| {
        BridgeError::Platform(LinuxError::AccessDenied {
            access: wrt_foundation::memory::Access::Write,
            protection: region.protection(),
        })
    })
}

fn pages(pages: u32) -> Result<RegionRequest, BridgeError<LinuxError>> {
    pages_request(pages).ok_or(BridgeError::Platform(LinuxError::SizeTooLarge {
        requested: usize::try_from(pages)
            .unwrap_or(usize::MAX)
            .saturating_mul(PAGE_SIZE),
    }))
}

/// A linear memory of `initial_pages`, growable to `maximum_pages`, in a region of
/// `maximum_pages` reserved up front (untouched pages cost address space, not memory).
/// Its software protection is `protection`; the mapping stays read-write.
///
/// ```
/// use wrt_foundation::memory::MemoryProtection;
/// use wrt_platform::bridge::guarded_linear_memory;
/// use wrt_platform::linux::LinuxResourceProvider;
///
/// let provider = LinuxResourceProvider::default();
/// let mut memory = guarded_linear_memory(&provider, 1, 4, MemoryProtection::READ_WRITE)?;
/// memory.store_u64(0, 7)?;
/// memory.grow(3)?;
/// assert!(memory.grow(1).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn guarded_linear_memory(
    provider: &LinuxResourceProvider,
    initial_pages: u32,
    maximum_pages: u32,
    protection: MemoryProtection,
) -> Result<GuardedLinearMemory, BridgeError<LinuxError>> {
    let region = rw_region(provider, &pages(maximum_pages)?)?;
    // A refused region is dropped here, which unmaps it: it was mapped for this memory only.
    LinearMemory::new(
        FixedStorage::new(region),
        initial_pages,
        Some(maximum_pages),
        protection,
    )
    .map_err(|refused| BridgeError::Memory(refused.error))
}

/// A manager with `regions` slots (at most `N`), each an mmap'd region of `region_pages`
/// pages, under `max_memory` bytes in total.
pub fn guarded_memory_manager<const N: usize>(
    provider: &LinuxResourceProvider,
    regions: usize,
    region_pages: u32,
    max_memory: Option<usize>,
) -> Result<GuardedMemoryManager<N>, BridgeError<LinuxError>> {
    if regions > N {
        return Err(BridgeError::TooManyRegions {
            requested: regions,
            capacity: N,
        });
    }
    let request = pages(region_pages)?;
    let mut table = ProviderRegions::<ReadWriteRegion, N>::new();
    for _ in 0..regions {
        let region = rw_region(provider, &request)?;
        table
            .push_backing(region)
            .map_err(|_| BridgeError::TooManyRegions {
                requested: regions,
                capacity: N,
            })?;
    }
    Ok(LinearMemoryManager::with_table(table, max_memory))
}

/// A pool of `BLOCK_COUNT` blocks of `BLOCK_SIZE` bytes in one mmap'd region.
pub fn guarded_pool<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize>(
    provider: &LinuxResourceProvider,
) -> Result<GuardedPool<BLOCK_SIZE, BLOCK_COUNT>, BridgeError<LinuxError>> {
    let bytes = BLOCK_SIZE
        .checked_mul(BLOCK_COUNT)
        .ok_or(BridgeError::Platform(LinuxError::SizeTooLarge {
            requested: usize::MAX,
        }))?;
    let region = rw_region(provider, &RegionRequest::new(bytes))?;
    // A refused region is dropped here, which unmaps it: it was mapped for this pool only.
    MemoryPool::with_backing(region).map_err(|refused| BridgeError::Memory(refused.error))
}
