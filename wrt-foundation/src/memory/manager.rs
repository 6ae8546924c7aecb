//! [`LinearMemoryManager`]: linear memories kept inside one byte budget.

mod budget;
mod region_memory;

pub use region_memory::RegionMemory;

use super::linear::{pages_to_bytes, whole_pages};
use super::{
    FixedRegions, LinearMemory, MemoryError, MemoryProtection, PAGE_SIZE, RegionId, RegionInfo,
    RegionTable,
};
use crate::slots::{KeyError, OccupyError, SlotsFull};
use budget::Budget;

/// Owns linear memories ("regions") and keeps their total size within `max_memory`.
///
/// The manager owns the memories, rather than handing them out, so that growing one is
/// charged to the budget too: [`grow`](Self::grow) and [`RegionMemory::grow`] are the only
/// ways to grow a managed memory. Regions are named by [`RegionId`]s (slot index plus
/// generation, kept by the workspace's one slot table, [`crate::slots`]), so a released id
/// cannot reach a reused slot.
///
/// The table type chooses the environment: [`FixedMemoryManager`] (no allocator; a fixed
/// number of slots, each with an inline memory of at most `MAX_REGION_SIZE` bytes) or
/// `HeapMemoryManager` (with `alloc`).
///
/// ```
/// use wrt_foundation::memory::{FixedMemoryManager, MemoryError, MemoryProtection, PAGE_SIZE};
///
/// // Two slots of up to two pages each; a budget of three pages in total.
/// let mut manager = FixedMemoryManager::<2, { 2 * PAGE_SIZE }>::new(Some(3 * PAGE_SIZE));
/// let a = manager.allocate_memory(2 * PAGE_SIZE, MemoryProtection::READ_WRITE)?;
/// assert_eq!(
///     manager.allocate_memory(2 * PAGE_SIZE, MemoryProtection::READ_WRITE),
///     Err(MemoryError::AllocationLimitExceeded { requested: 2 * PAGE_SIZE, available: PAGE_SIZE })
/// );
/// manager.memory_mut(a)?.store_u32(0, 7)?;
/// assert_eq!(manager.memory(a)?.load_u32(0)?, 7);
///
/// manager.release(a)?; // its bytes return to the budget
/// assert_eq!(manager.total_allocated(), 0);
/// assert_eq!(manager.memory(a).err(), Some(MemoryError::StaleRegion { id: a }));
/// # Ok::<(), MemoryError>(())
/// ```
pub struct LinearMemoryManager<T: RegionTable> {
    table: T,
    budget: Budget,
}

/// A manager with no allocator: `MAX_REGIONS` slots of inline memories of up to
/// `MAX_REGION_SIZE` bytes (a multiple of [`PAGE_SIZE`]), all reserved up front.
pub type FixedMemoryManager<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize> =
    LinearMemoryManager<FixedRegions<MAX_REGIONS, MAX_REGION_SIZE>>;

/// A manager whose slots and memories live on the heap.
#[cfg(feature = "alloc")]
pub type HeapMemoryManager = LinearMemoryManager<super::HeapRegions>;

impl<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize>
    LinearMemoryManager<FixedRegions<MAX_REGIONS, MAX_REGION_SIZE>>
{
    /// A manager with every slot vacant, under `max_memory` bytes in total (`None`: only
    /// the slots limit it). `const`, so it can be placed in a `static`.
    pub const fn new(max_memory: Option<usize>) -> Self {
        Self::with_table(FixedRegions::new(), max_memory)
    }
}

#[cfg(feature = "alloc")]
impl LinearMemoryManager<super::HeapRegions> {
    /// An empty manager under `max_memory` bytes in total (`None`: unlimited).
    pub const fn new(max_memory: Option<usize>) -> Self {
        Self::with_table(super::HeapRegions::new(), max_memory)
    }
}

impl<T: RegionTable> LinearMemoryManager<T> {
    /// A manager over `table`, which must have no slots added yet, under `max_memory`.
    pub const fn with_table(table: T, max_memory: Option<usize>) -> Self {
        Self {
            table,
            budget: Budget {
                allocated: 0,
                peak: 0,
                max: max_memory,
            },
        }
    }

    /// Allocates a zeroed memory of `size` bytes (a whole number of pages) with
    /// `protection`; it may later grow as far as its storage and the budget allow.
    ///
    /// # Errors
    /// [`MemoryError::UnalignedSize`], then as [`allocate_pages`](Self::allocate_pages).
    pub fn allocate_memory(
        &mut self,
        size: usize,
        protection: MemoryProtection,
    ) -> Result<RegionId, MemoryError> {
        if !size.is_multiple_of(PAGE_SIZE) {
            return Err(MemoryError::UnalignedSize {
                size,
                page_size: PAGE_SIZE,
            });
        }
        let max_size = self.table.max_region_size();
        let pages = u32::try_from(size / PAGE_SIZE).map_err(|_| MemoryError::SizeTooLarge {
            requested: size,
            max_size,
        })?;
        self.allocate_pages(pages, None, protection)
    }

    /// Allocates a zeroed memory of `initial_pages` that may grow to `maximum_pages`, as a
    /// WebAssembly memory type declares it.
    ///
    /// # Errors
    /// In this order: [`MemoryError::SizeTooLarge`] above the largest region,
    /// [`MemoryError::InvalidLimits`] when `initial_pages > maximum_pages`,
    /// [`MemoryError::AllocationLimitExceeded`] beyond the budget,
    /// [`MemoryError::RegionTableFull`] with every slot in use, and
    /// [`MemoryError::HostAllocationFailed`]. Nothing changes on error.
    pub fn allocate_pages(
        &mut self,
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<RegionId, MemoryError> {
        let requested = pages_to_bytes(initial_pages).unwrap_or(usize::MAX);
        let max_size = self.table.max_region_size();
        if requested > max_size {
            log::debug!("region of {requested} bytes refused: at most {max_size}");
            return Err(MemoryError::SizeTooLarge {
                requested,
                max_size,
            });
        }
        if let Some(maximum) = maximum_pages.filter(|&max| max < initial_pages) {
            return Err(MemoryError::InvalidLimits {
                initial: initial_pages,
                maximum,
            });
        }
        self.budget.check(requested)?;
        let occupied = self
            .table
            .slots_mut()
            .try_occupy(|_, memory| memory.activate(initial_pages, maximum_pages, protection));
        let id = match occupied {
            Ok(key) => RegionId::new(key),
            Err(OccupyError::Refused(err)) => return Err(err),
            Err(OccupyError::Full(SlotsFull::HostAllocationFailed { requested })) => {
                return Err(MemoryError::HostAllocationFailed { requested });
            }
            Err(OccupyError::Full(full)) => {
                log::debug!("region refused: {full}");
                return Err(MemoryError::RegionTableFull {
                    capacity: self.table.slots().capacity().unwrap_or(usize::MAX),
                });
            }
        };
        let size = self.memory(id).map_or(0, LinearMemory::size_bytes);
        self.budget.charge(size);
        Ok(id)
    }

    /// Releases a region: its memory is un-committed, its bytes return to the budget and
    /// its id stops working. Returns what the region was at release.
    ///
    /// # Errors
    /// [`MemoryError::StaleRegion`] for an id already released,
    /// [`MemoryError::ForgedRegion`] for one this manager never issued.
    pub fn release(&mut self, id: RegionId) -> Result<RegionInfo, MemoryError> {
        let released = self.table.slots_mut().vacate(id.key(), |memory| {
            let info = RegionInfo::of(id, memory);
            memory.deactivate();
            info
        });
        let info = released.map_err(|error| self.region_error(id, error))?;
        self.budget.refund(info.size);
        Ok(info)
    }

    /// What the region `id` is now.
    ///
    /// # Errors
    /// [`MemoryError::StaleRegion`] or [`MemoryError::ForgedRegion`] for an id that is not
    /// live.
    pub fn region(&self, id: RegionId) -> Result<RegionInfo, MemoryError> {
        self.memory(id).map(|memory| RegionInfo::of(id, memory))
    }

    /// The live regions, in slot order.
    pub fn regions(&self) -> impl Iterator<Item = RegionInfo> + '_ {
        self.table
            .slots()
            .payloads()
            .map(|(key, memory)| RegionInfo::of(RegionId::new(key), memory))
    }

    /// The region's memory, for reading.
    ///
    /// # Errors
    /// As [`region`](Self::region).
    pub fn memory(&self, id: RegionId) -> Result<&LinearMemory<T::Storage>, MemoryError> {
        self.table
            .slots()
            .payload(id.key())
            .map_err(|error| self.region_error(id, error))
    }

    /// The region's memory, for writing and growing within the budget.
    ///
    /// # Errors
    /// As [`region`](Self::region).
    pub fn memory_mut(
        &mut self,
        id: RegionId,
    ) -> Result<RegionMemory<'_, T::Storage>, MemoryError> {
        let slots = self.table.slots().slot_count();
        match self.table.slots_mut().payload_mut(id.key()) {
            Ok(memory) => Ok(RegionMemory {
                memory,
                budget: &mut self.budget,
            }),
            Err(error) => Err(region_error(id, error, slots)),
        }
    }

    /// Grows region `id` by `delta` pages, charged to the budget; returns its previous size
    /// in pages.
    ///
    /// # Errors
    /// As [`RegionMemory::grow`] and [`region`](Self::region).
    pub fn grow(&mut self, id: RegionId, delta: u32) -> Result<u32, MemoryError> {
        self.memory_mut(id)?.grow(delta)
    }

    /// Bytes held by live regions now.
    pub fn total_allocated(&self) -> usize {
        self.budget.allocated
    }

    /// The most bytes live regions have held at once since the manager was created.
    pub fn peak_allocated(&self) -> usize {
        self.budget.peak
    }

    /// The budget, if there is one.
    pub fn max_memory(&self) -> Option<usize> {
        self.budget.max
    }

    /// Replaces the budget. Lowering it below what is allocated releases nothing; it only
    /// refuses further allocation and growth until regions are released.
    pub fn set_max_memory(&mut self, max_memory: Option<usize>) {
        self.budget.max = max_memory;
    }

    /// Bytes left in the budget (`None` when there is no budget).
    pub fn available(&self) -> Option<usize> {
        self.budget.available()
    }

    /// Number of live regions.
    pub fn region_count(&self) -> usize {
        self.table.slots().occupied_count()
    }

    /// The most regions the table can hold; `None` when only the host limits it.
    pub fn region_capacity(&self) -> Option<usize> {
        self.table.slots().capacity()
    }

    /// The largest single region the table's storage can hold, in bytes.
    pub fn max_region_size(&self) -> usize {
        self.table.max_region_size()
    }

    /// The largest region [`allocate_memory`](Self::allocate_memory) would accept now: limited
    /// by the region size, the budget (rounded down to whole pages) and a free slot (0 when
    /// a fixed table is full). A heap allocation may still fail on the host.
    pub fn largest_allocatable(&self) -> usize {
        if !self.table.slots().has_vacancy() {
            return 0;
        }
        let limit = self
            .budget
            .available()
            .map_or(self.table.max_region_size(), |available| {
                available.min(self.table.max_region_size())
            });
        usize::try_from(whole_pages(limit))
            .unwrap_or(0)
            .saturating_mul(PAGE_SIZE)
    }

    #[cold]
    fn region_error(&self, id: RegionId, error: KeyError) -> MemoryError {
        region_error(id, error, self.table.slots().slot_count())
    }
}

#[cold]
fn region_error(id: RegionId, error: KeyError, slots: usize) -> MemoryError {
    match error {
        KeyError::Stale => MemoryError::StaleRegion { id },
        _ => MemoryError::ForgedRegion { id, slots },
    }
}

#[cfg(test)]
mod tests;
