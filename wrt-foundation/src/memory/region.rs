//! The region table behind a [`LinearMemoryManager`](super::LinearMemoryManager): region ids
//! and the fixed and heap tables, each the workspace's one slot table ([`crate::slots`])
//! over slots that hold a memory.

use core::fmt;

use super::{InlineStorage, LinearMemory, MemoryProtection, MemoryStorage, PAGE_SIZE};
use crate::slots::{InlineSlotTable, Key, SlotStorage, SlotTable, Vacant};

/// Names a region of a [`LinearMemoryManager`](super::LinearMemoryManager): slot index plus
/// the generation of the allocation.
///
/// A slot's generation changes every time it is released, so an id kept after
/// [`release`](super::LinearMemoryManager::release) can never reach the region that took
/// its slot: the manager answers [`MemoryError::StaleRegion`](super::MemoryError::StaleRegion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(Key);

impl RegionId {
    pub(crate) const fn new(key: Key) -> Self {
        Self(key)
    }

    pub(crate) const fn key(self) -> Key {
        self.0
    }

    /// The slot index.
    pub const fn index(self) -> u32 {
        self.0.index()
    }

    /// The generation of the allocation (never 0).
    pub const fn generation(self) -> u32 {
        self.0.generation()
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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

impl RegionInfo {
    pub(crate) fn of<S: MemoryStorage>(id: RegionId, memory: &LinearMemory<S>) -> Self {
        Self {
            id,
            size: memory.size_bytes(),
            pages: memory.pages(),
            maximum_pages: memory.maximum_pages(),
            protection: memory.protection(),
        }
    }
}

/// The slot table a manager keeps its regions in: every slot holds a memory, dormant while
/// the slot is vacant, so that a fixed table's inline bytes are never moved.
pub type RegionSlots<S, Slots> = SlotTable<LinearMemory<S>, Slots>;

/// What a manager needs of its table: the slot table and the largest region a slot holds.
///
/// Implemented by [`FixedRegions`], `HeapRegions` and by platform tables whose slots are
/// provider regions.
pub trait RegionTable {
    /// The storage of each region's memory.
    type Storage: MemoryStorage;
    /// Where the slots live.
    type Slots: SlotStorage<LinearMemory<Self::Storage>>;

    /// The slots.
    fn slots(&self) -> &RegionSlots<Self::Storage, Self::Slots>;

    /// The slots, writable.
    fn slots_mut(&mut self) -> &mut RegionSlots<Self::Storage, Self::Slots>;

    /// The largest region, in bytes, one slot's storage can hold (a whole number of pages).
    fn max_region_size(&self) -> usize;
}

impl<const N: usize> Vacant for LinearMemory<InlineStorage<N>> {
    const VACANT: Self = LinearMemory::dormant(InlineStorage::inline());
}

/// A table of `MAX_REGIONS` slots, each with an inline memory of `MAX_REGION_SIZE` bytes;
/// needs no allocator, and can be built at compile time.
///
/// `MAX_REGION_SIZE` must be a multiple of [`PAGE_SIZE`]; [`new`](Self::new) refuses to
/// compile otherwise.
pub struct FixedRegions<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize> {
    slots: InlineSlotTable<LinearMemory<InlineStorage<MAX_REGION_SIZE>>, MAX_REGIONS>,
}

impl<const MAX_REGIONS: usize, const MAX_REGION_SIZE: usize>
    FixedRegions<MAX_REGIONS, MAX_REGION_SIZE>
{
    const VALID: () = assert!(
        MAX_REGION_SIZE.is_multiple_of(PAGE_SIZE),
        "MAX_REGION_SIZE must be a multiple of PAGE_SIZE"
    );

    /// A table with every slot vacant.
    pub const fn new() -> Self {
        let () = Self::VALID;
        Self {
            slots: InlineSlotTable::new(),
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
    type Slots = crate::slots::InlineSlots<LinearMemory<Self::Storage>, MAX_REGIONS>;

    fn slots(&self) -> &RegionSlots<Self::Storage, Self::Slots> {
        &self.slots
    }

    fn slots_mut(&mut self) -> &mut RegionSlots<Self::Storage, Self::Slots> {
        &mut self.slots
    }

    fn max_region_size(&self) -> usize {
        MAX_REGION_SIZE
    }
}

#[cfg(feature = "alloc")]
impl Vacant for LinearMemory<super::HeapStorage> {
    const VACANT: Self = LinearMemory::dormant(super::HeapStorage::new());
}

/// A table on the heap that adds slots as regions are allocated; each region's memory is a
/// `HeapStorage`.
#[cfg(feature = "alloc")]
#[derive(Default)]
pub struct HeapRegions {
    slots: crate::slots::HeapSlotTable<LinearMemory<super::HeapStorage>>,
}

#[cfg(feature = "alloc")]
impl HeapRegions {
    /// An empty table; allocates nothing until the first region.
    pub const fn new() -> Self {
        Self {
            slots: crate::slots::HeapSlotTable::new(),
        }
    }
}

#[cfg(feature = "alloc")]
impl RegionTable for HeapRegions {
    type Storage = super::HeapStorage;
    type Slots = crate::slots::HeapSlots<LinearMemory<Self::Storage>>;

    fn slots(&self) -> &RegionSlots<Self::Storage, Self::Slots> {
        &self.slots
    }

    fn slots_mut(&mut self) -> &mut RegionSlots<Self::Storage, Self::Slots> {
        &mut self.slots
    }

    /// [`MAX_PAGES`](super::MAX_PAGES) pages, or what fits in `isize::MAX` bytes on hosts
    /// with a narrower address space.
    fn max_region_size(&self) -> usize {
        usize::try_from(super::linear::whole_pages(isize::MAX.unsigned_abs()))
            .unwrap_or(0)
            .saturating_mul(PAGE_SIZE)
    }
}
