//! Where a [`SlotTable`](super::SlotTable)'s slots live: inline ([`InlineSlots`], every
//! environment) or on the heap ([`HeapSlots`], feature `alloc`).

use core::num::NonZeroU32;

use super::Key;

/// The payload a slot holds while nobody occupies it.
///
/// A slot keeps its payload across occupancies, so an owner whose payload is large (a
/// region's inline memory) sets it up and tears it down in place instead of moving it in
/// and out; an owner of plain values uses `Option<V>`, vacant as `None`.
pub trait Vacant {
    /// The vacant payload.
    const VACANT: Self;
}

impl<V> Vacant for Option<V> {
    const VACANT: Self = None;
}

impl Vacant for () {
    const VACANT: Self = ();
}

/// The state word of a slot: the next free slot, or one of two markers.
const OCCUPIED: u32 = u32::MAX;
const RETIRED: u32 = u32::MAX - 1;
/// Ends the free list. Indices stop below the three markers.
pub(super) const END: u32 = u32::MAX - 2;

/// One slot: a payload, the generation of its current occupancy (or, while vacant, of its
/// next one) and its place in the table's free list.
///
/// `repr(C)`, generation and link first: a lookup reads the slot's first bytes and then the
/// payload's, which for a value whose hot fields come first is one cache line.
#[repr(C)]
pub struct Slot<T> {
    pub(super) generation: NonZeroU32,
    /// `OCCUPIED`, `RETIRED`, or (vacant) the next free slot's index or `END`.
    pub(super) link: u32,
    pub(super) value: T,
}

impl<T: Vacant> Slot<T> {
    const FRESH: Self = Self {
        generation: Key::FIRST_GENERATION,
        link: END,
        value: T::VACANT,
    };
}

impl<T> Slot<T> {
    #[inline]
    pub(super) const fn is_occupied(&self) -> bool {
        self.link == OCCUPIED
    }

    /// `true` when the slot is occupied under `generation`: the check behind every key.
    ///
    /// Two 32-bit comparisons, not one of the pair as a 64-bit word: a block freed right
    /// after it was allocated would load that word while the store of its link is still in
    /// flight, which the processor cannot forward to a wider load (measured: the pool's
    /// allocate + free pair took half as long again).
    #[inline]
    pub(super) const fn is_occupied_under(&self, generation: u32) -> bool {
        (self.generation.get() == generation) & (self.link == OCCUPIED)
    }

    #[inline]
    pub(super) const fn is_retired(&self) -> bool {
        self.link == RETIRED
    }

    #[inline]
    pub(super) fn occupy(&mut self) {
        self.link = OCCUPIED;
    }

    #[inline]
    pub(super) fn retire(&mut self) {
        self.link = RETIRED;
    }
}

/// Why no vacant slot could be found or made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SlotsFull {
    /// Every slot is occupied or retired and the storage holds no more.
    #[error("all {capacity} slots are occupied or retired")]
    AtCapacity {
        /// Slots the storage can hold.
        capacity: usize,
    },
    /// The heap storage asked the allocator for room for more slots and was refused.
    #[error("the allocator refused {requested} bytes for more slots")]
    HostAllocationFailed {
        /// Bytes asked for.
        requested: usize,
    },
}

mod sealed {
    pub trait Sealed {}
}

/// The storage of a [`SlotTable`](super::SlotTable): a slice of slots that can gain slots at
/// its end. Implemented by [`FixedSlots`] ([`InlineSlots`], [`PreparedSlots`]) and
/// [`HeapSlots`] only.
pub trait SlotStorage<T>: sealed::Sealed {
    /// Every slot a key may index. It may include slots never handed out yet (vacant at the
    /// first generation, off the free list), which a key can only match as forged.
    fn slots(&self) -> &[Slot<T>];
    /// As [`slots`](Self::slots), writable.
    fn slots_mut(&mut self) -> &mut [Slot<T>];
    /// Slots handed out at least once, occupied, free or retired: the first `used` of
    /// [`slots`](Self::slots).
    fn used(&self) -> usize;
    /// Brings one more slot into use (vacant, at the first generation) and returns its index.
    ///
    /// # Errors
    /// [`SlotsFull`] when there is none; nothing changes then.
    fn add_slot(&mut self) -> Result<u32, SlotsFull>;
    /// The most slots the storage can hold as it stands (for [`PreparedSlots`], those
    /// prepared so far); `None` when only the host limits it.
    fn capacity(&self) -> Option<usize>;
}

/// Slots of a fixed capacity: those `A` holds (an array, or a vector the owner fills), of
/// which the first `used` have been handed out, in order. The storage of [`InlineSlots`] and
/// [`PreparedSlots`], which differ only in `A`.
pub struct FixedSlots<A> {
    slots: A,
    used: u32,
}

/// `N` slots inline, set up at compile time: no heap, every environment.
pub type InlineSlots<T, const N: usize> = FixedSlots<[Slot<T>; N]>;

impl<T: Vacant, const N: usize> InlineSlots<T, N> {
    const INDICES_FIT: () = assert!(N <= END as usize, "slot indices are u32 below the markers");

    /// `N` vacant slots; `const`, so a table can be a `static`.
    pub const fn new() -> Self {
        let () = Self::INDICES_FIT;
        Self {
            slots: [const { Slot::FRESH }; N],
            used: 0,
        }
    }
}

impl<T: Vacant, const N: usize> Default for InlineSlots<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A> sealed::Sealed for FixedSlots<A> {}

impl<T, A: AsRef<[Slot<T>]> + AsMut<[Slot<T>]>> SlotStorage<T> for FixedSlots<A> {
    #[inline]
    fn slots(&self) -> &[Slot<T>] {
        self.slots.as_ref()
    }

    #[inline]
    fn slots_mut(&mut self) -> &mut [Slot<T>] {
        self.slots.as_mut()
    }

    #[inline]
    fn used(&self) -> usize {
        self.used as usize
    }

    #[inline]
    fn add_slot(&mut self) -> Result<u32, SlotsFull> {
        let capacity = self.slots.as_ref().len();
        if self.used() >= capacity {
            return Err(SlotsFull::AtCapacity { capacity });
        }
        let index = self.used;
        self.used = index.saturating_add(1);
        Ok(index)
    }

    /// Every slot `A` holds (for [`PreparedSlots`], the slots prepared so far: no more can
    /// come into use).
    #[inline]
    fn capacity(&self) -> Option<usize> {
        Some(self.slots.as_ref().len())
    }
}

/// Up to `N` slots whose vacant payloads the owner hands in one by one (each slot its own
/// backing, say a platform region), inline. A prepared slot comes into use when an occupy
/// finds no freed slot, in the order the payloads were prepared.
pub type PreparedSlots<T, const N: usize> = FixedSlots<heapless::Vec<Slot<T>, N>>;

impl<T, const N: usize> PreparedSlots<T, N> {
    const INDICES_FIT: () = assert!(N <= END as usize, "slot indices are u32 below the markers");

    /// No slots prepared.
    pub const fn new() -> Self {
        let () = Self::INDICES_FIT;
        Self {
            slots: heapless::Vec::new(),
            used: 0,
        }
    }

    /// Adds a slot holding `payload` (vacant), or hands `payload` back when all `N` are
    /// prepared.
    pub(super) fn prepare(&mut self, payload: T) -> Result<(), T> {
        self.slots
            .push(Slot {
                generation: Key::FIRST_GENERATION,
                link: END,
                value: payload,
            })
            .map_err(|slot| slot.value)
    }
}

impl<T, const N: usize> Default for PreparedSlots<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Slots in a heap vector that grows one slot at a time and refuses (instead of aborting)
/// when the allocator says no.
#[cfg(feature = "alloc")]
pub struct HeapSlots<T> {
    slots: alloc::vec::Vec<Slot<T>>,
}

#[cfg(feature = "alloc")]
impl<T> HeapSlots<T> {
    /// No slots; allocates nothing until the first is needed.
    pub const fn new() -> Self {
        Self {
            slots: alloc::vec::Vec::new(),
        }
    }
}

#[cfg(feature = "alloc")]
impl<T> Default for HeapSlots<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "alloc")]
impl<T> sealed::Sealed for HeapSlots<T> {}

#[cfg(feature = "alloc")]
impl<T: Vacant> SlotStorage<T> for HeapSlots<T> {
    #[inline]
    fn slots(&self) -> &[Slot<T>] {
        &self.slots
    }

    #[inline]
    fn slots_mut(&mut self) -> &mut [Slot<T>] {
        &mut self.slots
    }

    #[inline]
    fn used(&self) -> usize {
        self.slots.len()
    }

    fn add_slot(&mut self) -> Result<u32, SlotsFull> {
        let index = match u32::try_from(self.slots.len()) {
            Ok(index) if index < END => index,
            _ => {
                return Err(SlotsFull::AtCapacity {
                    capacity: END as usize,
                });
            }
        };
        if self.slots.len() == self.slots.capacity() {
            // Doubling (at least 4 slots), as `Vec` itself grows, but reserved exactly so
            // the refusal can say how many bytes the allocator was asked for.
            let wanted = self.slots.capacity().saturating_mul(2).max(4);
            self.slots
                .try_reserve_exact(wanted.saturating_sub(self.slots.len()))
                .map_err(|_| SlotsFull::HostAllocationFailed {
                    requested: wanted.saturating_mul(core::mem::size_of::<Slot<T>>()),
                })?;
        }
        self.slots.push(Slot::FRESH);
        Ok(index)
    }

    #[inline]
    fn capacity(&self) -> Option<usize> {
        None
    }
}
