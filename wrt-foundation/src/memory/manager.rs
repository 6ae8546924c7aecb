//! [`LinearMemoryManager`]: linear memories kept inside one byte budget.

mod budget;
mod region_memory;

pub use region_memory::RegionMemory;

use super::linear::{pages_to_bytes, whole_pages};
use super::region::SlotState;
use super::{
    FixedRegions, LinearMemory, MemoryError, MemoryProtection, PAGE_SIZE, RegionId, RegionInfo,
    RegionTable,
};
use budget::Budget;

/// Owns linear memories ("regions") and keeps their total size within `max_memory`.
///
/// The manager owns the memories, rather than handing them out, so that growing one is
/// charged to the budget too: [`grow`](Self::grow) and [`RegionMemory::grow`] are the only
/// ways to grow a managed memory. Regions are named by [`RegionId`]s (slot index plus
/// generation), so a released id cannot reach a reused slot.
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
/// assert!(matches!(manager.memory(a), Err(MemoryError::UnknownRegion { .. })));
/// # Ok::<(), MemoryError>(())
/// ```
pub struct LinearMemoryManager<T: RegionTable> {
    table: T,
    free_head: Option<u32>,
    budget: Budget,
    region_count: usize,
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
            free_head: None,
            budget: Budget {
                allocated: 0,
                peak: 0,
                max: max_memory,
            },
            region_count: 0,
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
        let index = self.take_slot()?;
        let slot = self.slot_mut(index)?;
        let activated = match slot.generation.checked_add(1) {
            Some(generation) => slot
                .memory
                .activate(initial_pages, maximum_pages, protection)
                .map(|()| generation),
            None => Err(MemoryError::RegionTableFull {
                capacity: self.table.capacity().unwrap_or(usize::MAX),
            }),
        };
        let generation = match activated {
            Ok(generation) => generation,
            Err(err) => {
                self.put_back(index);
                return Err(err);
            }
        };
        let slot = self.slot_mut(index)?;
        slot.generation = generation;
        slot.state = SlotState::Occupied;
        let size = slot.memory.size_bytes();
        self.budget.charge(size);
        self.region_count = self.region_count.saturating_add(1);
        Ok(RegionId::new(index, generation))
    }

    /// Releases a region: its memory is un-committed, its bytes return to the budget and
    /// its id stops working. Returns what the region was at release.
    ///
    /// # Errors
    /// [`MemoryError::UnknownRegion`] for an id that is not live (released twice, never
    /// issued, or from another manager whose slot is empty here).
    pub fn release(&mut self, id: RegionId) -> Result<RegionInfo, MemoryError> {
        let index = self.live_index(id)?;
        let free_head = self.free_head;
        let slot = self.slot_mut(index)?;
        let info = slot.info(id);
        slot.memory.deactivate();
        if slot.generation == u32::MAX {
            slot.state = SlotState::Retired;
            log::warn!("region slot {index} retired: its generations are used up");
        } else {
            slot.state = SlotState::Vacant {
                next_free: free_head,
            };
            self.free_head = Some(index);
        }
        self.budget.refund(info.size);
        self.region_count = self.region_count.saturating_sub(1);
        Ok(info)
    }

    /// What the region `id` is now.
    ///
    /// # Errors
    /// [`MemoryError::UnknownRegion`] for an id that is not live.
    pub fn region(&self, id: RegionId) -> Result<RegionInfo, MemoryError> {
        let index = self.live_index(id)?;
        self.slot(index).map(|slot| slot.info(id))
    }

    /// The live regions, in slot order.
    pub fn regions(&self) -> impl Iterator<Item = RegionInfo> + '_ {
        self.table
            .slots()
            .iter()
            .zip(0u32..)
            .filter(|(slot, _)| slot.state == SlotState::Occupied)
            .map(|(slot, index)| slot.info(RegionId::new(index, slot.generation)))
    }

    /// The region's memory, for reading.
    ///
    /// # Errors
    /// [`MemoryError::UnknownRegion`] for an id that is not live.
    pub fn memory(&self, id: RegionId) -> Result<&LinearMemory<T::Storage>, MemoryError> {
        let index = self.live_index(id)?;
        self.slot(index).map(|slot| &slot.memory)
    }

    /// The region's memory, for writing and growing within the budget.
    ///
    /// # Errors
    /// [`MemoryError::UnknownRegion`] for an id that is not live.
    pub fn memory_mut(
        &mut self,
        id: RegionId,
    ) -> Result<RegionMemory<'_, T::Storage>, MemoryError> {
        let index = self.live_index(id)?;
        let slot = self
            .table
            .slots_mut()
            .get_mut(usize::try_from(index).unwrap_or(usize::MAX))
            .ok_or(MemoryError::UnknownRegion { id })?;
        Ok(RegionMemory {
            memory: &mut slot.memory,
            budget: &mut self.budget,
        })
    }

    /// Grows region `id` by `delta` pages, charged to the budget; returns its previous size
    /// in pages.
    ///
    /// # Errors
    /// As [`RegionMemory::grow`], or [`MemoryError::UnknownRegion`].
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
        self.region_count
    }

    /// The most regions the table can hold; `None` when only the host limits it.
    pub fn region_capacity(&self) -> Option<usize> {
        self.table.capacity()
    }

    /// The largest single region the table's storage can hold, in bytes.
    pub fn max_region_size(&self) -> usize {
        self.table.max_region_size()
    }

    /// The largest region [`allocate_memory`](Self::allocate_memory) would accept now: limited
    /// by the region size, the budget (rounded down to whole pages) and a free slot (0 when
    /// a fixed table is full). A heap allocation may still fail on the host.
    pub fn largest_allocatable(&self) -> usize {
        let slot_free = self.free_head.is_some()
            || self
                .table
                .capacity()
                .is_none_or(|capacity| self.table.slots().len() < capacity);
        if !slot_free {
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

    fn slot(&self, index: u32) -> Result<&super::RegionSlot<T::Storage>, MemoryError> {
        self.table
            .slots()
            .get(usize::try_from(index).unwrap_or(usize::MAX))
            .ok_or(MemoryError::UnknownRegion {
                id: RegionId::new(index, 0),
            })
    }

    fn slot_mut(&mut self, index: u32) -> Result<&mut super::RegionSlot<T::Storage>, MemoryError> {
        self.table
            .slots_mut()
            .get_mut(usize::try_from(index).unwrap_or(usize::MAX))
            .ok_or(MemoryError::UnknownRegion {
                id: RegionId::new(index, 0),
            })
    }

    /// The slot index of a live region.
    fn live_index(&self, id: RegionId) -> Result<u32, MemoryError> {
        match self.slot(id.index()) {
            Ok(slot) if slot.generation == id.generation() && slot.state == SlotState::Occupied => {
                Ok(id.index())
            }
            _ => Err(MemoryError::UnknownRegion { id }),
        }
    }

    /// A vacant slot, from the free list or newly added to the table.
    fn take_slot(&mut self) -> Result<u32, MemoryError> {
        if let Some(index) = self.free_head {
            let slot = self.slot_mut(index)?;
            if let SlotState::Vacant { next_free } = slot.state {
                slot.state = SlotState::Vacant { next_free: None };
                self.free_head = next_free;
                return Ok(index);
            }
        }
        let index =
            u32::try_from(self.table.slots().len()).map_err(|_| MemoryError::RegionTableFull {
                capacity: self.table.slots().len(),
            })?;
        self.table.add_slot().inspect_err(|err| {
            log::debug!("region refused: {err}");
        })?;
        Ok(index)
    }

    /// Returns a vacant slot taken by [`take_slot`](Self::take_slot) to the free list.
    fn put_back(&mut self, index: u32) {
        let free_head = self.free_head;
        if let Ok(slot) = self.slot_mut(index) {
            slot.state = SlotState::Vacant {
                next_free: free_head,
            };
            self.free_head = Some(index);
        }
    }
}

#[cfg(test)]
mod tests;
