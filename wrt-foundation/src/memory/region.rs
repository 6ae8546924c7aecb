//! The region table behind a [`LinearMemoryManager`](super::LinearMemoryManager): region ids,
//! slots, and the fixed and heap tables.

use core::fmt;

use super::{InlineStorage, LinearMemory, MemoryError, MemoryProtection, MemoryStorage, PAGE_SIZE};

/// Names a region of a [`LinearMemoryManager`](super::LinearMemoryManager): slot index plus
/// the generation of the allocation.
///
/// A slot's generation changes every time it is reused, so an id kept after
/// [`release`](super::LinearMemoryManager::release) can never reach the region that took
/// its slot: the manager answers [`MemoryError::UnknownRegion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId {
    index: u32,
    generation: u32,
}

impl RegionId {
    pub(crate) const fn new(index: u32, generation: u32) -> Self {
        Self { index, generation }
    }

    /// The slot index.
    pub const fn index(self) -> u32 {
        self.index
    }

    /// The generation of the allocation (never 0 for an id the manager issued).
    pub const fn generation(self) -> u32 {
        self.generation
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (generation {})", self.index, self.generation)
    }
}

/// What the manager knows about one live region; a snapshot, for reports and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionInfo {
    /// The region's id.
    pub id: RegionId,
    /// Current size in bytes (counted against the budget).
    pub size: usize,
    /// Current size in pages.
    pub pages: u32,
    /// Pages the region may grow to.
    pub maximum_pages: u32,
    /// The region's protection.
    pub protection: MemoryProtection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotState {
    /// Free; `next_free` links the manager's free list.
    Vacant {
        next_free: Option<u32>,
    },
    Occupied,
    /// Its generation is exhausted: never handed out again, so no id can be reused.
    Retired,
}

/// One slot of a region table: a memory (dormant while the slot is vacant) and the
/// generation of its current or last allocation.
///
/// Public only so that [`RegionTable`] can be implemented outside this crate; its state is
/// managed by the manager alone.
pub struct RegionSlot<S> {
    pub(crate) generation: u32,
    pub(crate) state: SlotState,
    pub(crate) memory: LinearMemory<S>,
}

impl<S> RegionSlot<S> {
    /// A vacant slot over `storage`, for a table to hand to the manager.
    pub const fn vacant(storage: S) -> Self {
        Self {
            generation: 0,
            state: SlotState::Vacant { next_free: None },
            memory: LinearMemory::dormant(storage),
        }
    }
}

impl<S: MemoryStorage> RegionSlot<S> {
    pub(crate) fn info(&self, id: RegionId) -> RegionInfo {
        RegionInfo {
            id,
            size: self.memory.size_bytes(),
            pages: self.memory.pages(),
            maximum_pages: self.memory.maximum_pages(),
            protection: self.memory.protection(),
        }
    }
}

/// Shows the slot's state and memory sizes.
impl<S: MemoryStorage> fmt::Debug for RegionSlot<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionSlot")
            .field("generation", &self.generation)
            .field("state", &self.state)
            .field("memory", &self.memory)
            .finish()
    }
}

/// The slots a manager keeps its regions in: a fixed array or a growing vector.
///
/// Slots are only ever added, never removed, so an index stays valid for the life of the
/// table.
pub trait RegionTable {
    /// The storage of each region's memory.
    type Storage: MemoryStorage;

    /// The slots added so far.
    fn slots(&self) -> &[RegionSlot<Self::Storage>];

    /// The slots added so far, writable.
    fn slots_mut(&mut self) -> &mut [RegionSlot<Self::Storage>];

    /// Appends one vacant slot.
    ///
    /// # Errors
    /// [`MemoryError::RegionTableFull`] at capacity, or
    /// [`MemoryError::HostAllocationFailed`]; nothing is added then.
    fn add_slot(&mut self) -> Result<(), MemoryError>;

    /// The most slots the table can hold; `None` when only the host limits it.
    fn capacity(&self) -> Option<usize>;

    /// The largest region, in bytes, one slot's storage can hold (a whole number of pages).
    fn max_region_size(&self) -> usize;
}

/// A table of `MAX_REGIONS` slots, each with an inline memory of `MAX_REGION_SIZE` bytes;
/// needs no allocator, and can be built at compile time.
///
/// `MAX_REGION_SIZE` must be a multiple of [`PAGE_SIZE`]; [`new`](Self::new) refuses to
/// compile otherwise.
pub struct FixedRegions<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize> {
    slots: [RegionSlot<InlineStorage<MAX_REGION_SIZE>>; MAX_REGIONS],
    added: usize,
}

impl<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize>
    FixedRegions<MAX_REGIONS, MAX_REGION_SIZE>
{
    const VALID: () = {
        assert!(
            MAX_REGION_SIZE.is_multiple_of(PAGE_SIZE),
            "MAX_REGION_SIZE must be a multiple of PAGE_SIZE"
        );
        assert!(MAX_REGIONS <= u32::MAX as usize, "region indices are u32");
    };

    /// A table with every slot vacant.
    pub const fn new() -> Self {
        let () = Self::VALID;
        Self {
            slots: [const { RegionSlot::vacant(InlineStorage::inline()) }; MAX_REGIONS],
            added: 0,
        }
    }
}

impl<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize> Default
    for FixedRegions<MAX_REGIONS, MAX_REGION_SIZE>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize> RegionTable
    for FixedRegions<MAX_REGIONS, MAX_REGION_SIZE>
{
    type Storage = InlineStorage<MAX_REGION_SIZE>;

    fn slots(&self) -> &[RegionSlot<Self::Storage>] {
        self.slots.get(..self.added).unwrap_or(&[])
    }

    fn slots_mut(&mut self) -> &mut [RegionSlot<Self::Storage>] {
        self.slots.get_mut(..self.added).unwrap_or(&mut [])
    }

    fn add_slot(&mut self) -> Result<(), MemoryError> {
        if self.added >= MAX_REGIONS {
            return Err(MemoryError::RegionTableFull {
                capacity: MAX_REGIONS,
            });
        }
        self.added = self.added.saturating_add(1);
        Ok(())
    }

    fn capacity(&self) -> Option<usize> {
        Some(MAX_REGIONS)
    }

    fn max_region_size(&self) -> usize {
        MAX_REGION_SIZE
    }
}

/// A table on the heap that adds slots as regions are allocated; each region's memory is a
/// `HeapStorage`.
#[cfg(feature = "alloc")]
#[derive(Default)]
pub struct HeapRegions {
    slots: alloc::vec::Vec<RegionSlot<super::HeapStorage>>,
}

#[cfg(feature = "alloc")]
impl HeapRegions {
    /// An empty table; allocates nothing until the first region.
    pub const fn new() -> Self {
        Self {
            slots: alloc::vec::Vec::new(),
        }
    }
}

#[cfg(feature = "alloc")]
impl RegionTable for HeapRegions {
    type Storage = super::HeapStorage;

    fn slots(&self) -> &[RegionSlot<Self::Storage>] {
        &self.slots
    }

    fn slots_mut(&mut self) -> &mut [RegionSlot<Self::Storage>] {
        &mut self.slots
    }

    fn add_slot(&mut self) -> Result<(), MemoryError> {
        // Indices are u32: the table stops there.
        let capacity = u32::MAX as usize;
        if self.slots.len() >= capacity {
            return Err(MemoryError::RegionTableFull { capacity });
        }
        self.slots
            .try_reserve(1)
            .map_err(|_| MemoryError::HostAllocationFailed {
                requested: core::mem::size_of::<RegionSlot<Self::Storage>>(),
            })?;
        self.slots
            .push(RegionSlot::vacant(super::HeapStorage::new()));
        Ok(())
    }

    fn capacity(&self) -> Option<usize> {
        None
    }

    /// [`MAX_PAGES`](super::MAX_PAGES) pages, or what fits in `isize::MAX` bytes on hosts
    /// with a narrower address space.
    fn max_region_size(&self) -> usize {
        usize::try_from(super::linear::whole_pages(isize::MAX.unsigned_abs()))
            .unwrap_or(0)
            .saturating_mul(PAGE_SIZE)
    }
}
