//! [`SlotTable`]: the one generational slot array of the workspace.
//!
//! Resource handle tables, the regions of a [`LinearMemoryManager`](crate::LinearMemoryManager)
//! and the blocks of a [`MemoryPool`](crate::MemoryPool) all hand out names for slots and
//! must refuse a name once its slot has moved on. They do it here, by one rule:
//!
//! - a slot's generation starts at 1; vacating the slot adds one, so every key of an earlier
//!   occupancy is [`KeyError::Stale`] from then on, even after the slot is reused;
//! - a key the table never issued (index past every slot, or a generation the slot has not
//!   reached) is [`KeyError::Forged`];
//! - a slot whose generation would wrap is retired: never occupied again, so no key can ever
//!   come back to life.
//!
//! Vacant slots are threaded into an intrusive free list (O(1) occupy and vacate, no
//! search, no allocation beyond the slots themselves). The storage is a type parameter:
//! [`InlineSlots`] (`N` slots, no heap) or [`HeapSlots`] (feature `alloc`).
//!
//! ```
//! use wrt_foundation::slots::{InlineSlotTable, KeyError};
//!
//! let mut uarts: InlineSlotTable<Option<&str>, 2> = InlineSlotTable::new();
//! let a = uarts.insert("uart0").unwrap();
//! uarts.insert("uart1").unwrap();
//! assert_eq!(uarts.insert("uart2"), Err("uart2")); // full: the value comes back
//! assert_eq!(uarts.remove(a), Ok("uart0"));
//! assert_eq!(uarts.remove(a), Err(KeyError::Stale));
//! let b = uarts.insert("uart2").unwrap();
//! assert_eq!((b.index(), b.generation()), (a.index(), a.generation() + 1));
//! assert_eq!(uarts.get(a), Err(KeyError::Stale)); // the old key misses the new value
//! ```

mod key;
mod storage;

use core::marker::PhantomData;

pub use key::{Key, KeyError};
#[cfg(feature = "alloc")]
pub use storage::HeapSlots;
pub use storage::{FixedSlots, InlineSlots, PreparedSlots, Slot, SlotStorage, SlotsFull, Vacant};

use storage::END;

/// A slot table of `N` inline slots.
pub type InlineSlotTable<T, const N: usize> = SlotTable<T, InlineSlots<T, N>>;

/// A slot table on the heap.
#[cfg(feature = "alloc")]
pub type HeapSlotTable<T> = SlotTable<T, HeapSlots<T>>;

/// Why [`SlotTable::try_occupy`] did not occupy a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OccupyError<E> {
    /// There is no vacant slot and none can be added.
    #[error(transparent)]
    Full(SlotsFull),
    /// The payload could not be set up; the slot stayed vacant.
    #[error("the slot's payload was refused: {0}")]
    Refused(E),
}

/// A slot array with per-slot generations and an intrusive free list; see the
/// [module documentation](self).
pub struct SlotTable<T, S> {
    storage: S,
    free: FreeList,
    _payload: PhantomData<T>,
}

/// What a table keeps beside its slots: the head of its free list (threaded through the
/// vacant slots' links) and how many slots retired. Every occupy is completed by
/// [`claim`](Self::claim) and every vacate by [`release`](Self::release), each handed the
/// slot the caller has already checked, so neither looks it up again and neither can fail.
///
/// No count of occupied slots is kept: it would be stored on every insert and remove
/// (measured: a tenth of the resource manager's allocate + get + deallocate), and the
/// manager already counts its resources in its statistics, while the pool and the region
/// manager read the figure only when reporting. [`SlotTable::len`] counts when asked.
struct FreeList {
    head: u32,
    retired: usize,
}

impl FreeList {
    const EMPTY: Self = Self {
        head: END,
        retired: 0,
    };

    /// Occupies `slot` (number `index`, the head of the list) and returns its key.
    #[inline]
    fn claim<T>(&mut self, index: u32, slot: &mut Slot<T>) -> Key {
        self.head = slot.link;
        slot.occupy();
        Key::new(index, slot.generation)
    }

    /// Vacates `slot` (number `index`, occupied): its generation moves on and it heads the
    /// list, or it retires when the generations are used up.
    #[inline]
    fn release<T>(&mut self, index: u32, slot: &mut Slot<T>) {
        match slot.generation.checked_add(1) {
            Some(next) => {
                slot.generation = next;
                slot.link = self.head;
                self.head = index;
            }
            None => {
                slot.retire();
                self.retired = self.retired.saturating_add(1);
                report_retired(index);
            }
        }
    }
}

/// Logs that slot `index` retired: after about four billion occupancies, so out of the way
/// of the common path. It is given only the number, no pointer into the table: a call that
/// could reach the table would make the compiler reload the table's counts from memory on
/// every pass of a caller's loop.
#[cold]
#[inline(never)]
fn report_retired(index: u32) {
    log::warn!("slot {index} retired: its generations are used up");
}

impl<T: Vacant, const N: usize> SlotTable<T, InlineSlots<T, N>> {
    /// An empty table of `N` inline slots; `const`, so it can be a `static`.
    pub const fn new() -> Self {
        Self::over(InlineSlots::new())
    }
}

#[cfg(feature = "alloc")]
impl<T> SlotTable<T, HeapSlots<T>> {
    /// An empty heap table; allocates nothing until the first slot.
    pub const fn new() -> Self {
        Self::over(HeapSlots::new())
    }
}

impl<T, const N: usize> SlotTable<T, PreparedSlots<T, N>> {
    /// An empty table with no slots prepared; `const`.
    pub const fn prepared() -> Self {
        Self::over(PreparedSlots::new())
    }

    /// Prepares one more (vacant) slot holding `payload`, or hands `payload` back when all
    /// `N` are prepared.
    pub fn prepare(&mut self, payload: T) -> Result<(), T> {
        self.storage.prepare(payload)
    }

    /// Slots prepared so far.
    pub fn prepared_count(&self) -> usize {
        self.storage.slots().len()
    }
}

impl<T, S: SlotStorage<T> + Default> Default for SlotTable<T, S> {
    fn default() -> Self {
        Self::over(S::default())
    }
}

impl<T, S> SlotTable<T, S> {
    const fn over(storage: S) -> Self {
        Self {
            storage,
            free: FreeList::EMPTY,
            _payload: PhantomData,
        }
    }
}

impl<T, S: SlotStorage<T>> SlotTable<T, S> {
    /// Occupies a vacant slot, setting its payload up in place with `fill` (given the slot's
    /// index and its vacant payload), and returns the new key.
    ///
    /// # Errors
    /// [`OccupyError::Full`] when no slot is vacant and the storage cannot add one;
    /// [`OccupyError::Refused`] with `fill`'s error, the slot left vacant. The table is
    /// unchanged on error but for a slot the storage may have added (vacant, on the free
    /// list).
    #[inline]
    pub fn try_occupy<E>(
        &mut self,
        fill: impl FnOnce(u32, &mut T) -> Result<(), E>,
    ) -> Result<Key, OccupyError<E>> {
        let (index, slot, free) = self.vacant_slot().map_err(OccupyError::Full)?;
        fill(index, &mut slot.value).map_err(OccupyError::Refused)?;
        Ok(free.claim(index, slot))
    }

    /// The payload `key` names.
    ///
    /// # Errors
    /// [`KeyError::Forged`] or [`KeyError::Stale`] when `key` does not name an occupied slot.
    #[inline]
    pub fn payload(&self, key: Key) -> Result<&T, KeyError> {
        let slot = self
            .storage
            .slots()
            .get(key.index() as usize)
            .ok_or(KeyError::Forged)?;
        if slot.is_occupied_under(key.generation()) {
            Ok(&slot.value)
        } else {
            Err(mismatch(slot, key))
        }
    }

    /// The payload `key` names, writable.
    ///
    /// # Errors
    /// As [`payload`](Self::payload).
    #[inline]
    pub fn payload_mut(&mut self, key: Key) -> Result<&mut T, KeyError> {
        let slot = self
            .storage
            .slots_mut()
            .get_mut(key.index() as usize)
            .ok_or(KeyError::Forged)?;
        if slot.is_occupied_under(key.generation()) {
            Ok(&mut slot.value)
        } else {
            Err(mismatch(slot, key))
        }
    }

    /// The key of slot `index`'s occupancy; `None` when the slot is not occupied (or does
    /// not exist). For an owner that keeps a slot number where a whole key has no room, and
    /// is the only one that vacates that slot.
    #[inline]
    pub fn key_at(&self, index: u32) -> Option<Key> {
        let slot = self.storage.slots().get(index as usize)?;
        slot.is_occupied()
            .then_some(Key::new(index, slot.generation))
    }

    /// `true` when `key` names an occupied slot. (For an `Option` table,
    /// [`contains`](Self::contains) asks whether it names a value.)
    #[inline]
    pub fn is_occupied(&self, key: Key) -> bool {
        self.payload(key).is_ok()
    }

    /// Vacates `key`'s slot, tearing its payload down in place with `empty`, and returns
    /// what `empty` returned. From now on `key` is stale.
    ///
    /// The slot is freed before `empty` runs (it cannot be reused meanwhile: `empty` has no
    /// way to reach the table), so nothing `empty` returns is held across the free-list
    /// update, which keeps a loop of removes in registers.
    ///
    /// # Errors
    /// As [`payload`](Self::payload); nothing changes then.
    #[inline]
    pub fn vacate<R>(&mut self, key: Key, empty: impl FnOnce(&mut T) -> R) -> Result<R, KeyError> {
        let slot = self
            .storage
            .slots_mut()
            .get_mut(key.index() as usize)
            .ok_or(KeyError::Forged)?;
        if !slot.is_occupied_under(key.generation()) {
            return Err(mismatch(slot, key));
        }
        self.free.release(key.index(), slot);
        Ok(empty(&mut slot.value))
    }

    /// Vacates every occupied slot whose payload `pick` chooses, in slot order, handing each
    /// to `emptied` (with its now stale key) to tear down. One pass, no allocation.
    pub fn vacate_where(
        &mut self,
        mut pick: impl FnMut(&T) -> bool,
        mut emptied: impl FnMut(Key, &mut T),
    ) {
        let used = self.storage.used();
        let slots = self.storage.slots_mut().iter_mut().take(used);
        for (slot, index) in slots.zip(0u32..) {
            if slot.is_occupied() && pick(&slot.value) {
                let key = Key::new(index, slot.generation);
                self.free.release(index, slot);
                emptied(key, &mut slot.value);
            }
        }
    }

    /// Occupied slots, counted: one pass over the slots handed out so far. The table keeps no
    /// count, so that an insert or remove stores nothing beyond its slot and the free list's
    /// head; an owner that reads the figure often keeps its own. (For an `Option` table,
    /// [`len`](Self::len) counts the values.)
    pub fn occupied_count(&self) -> usize {
        self.payloads().count()
    }

    /// Slots handed out at least once (occupied, vacant or retired).
    #[inline]
    pub fn slot_count(&self) -> usize {
        self.storage.used()
    }

    /// Slots retired because their generations ran out (after about four billion
    /// occupancies each); normally 0.
    #[inline]
    pub fn retired(&self) -> usize {
        self.free.retired
    }

    /// The most slots the table can hold as it stands: `N` for an inline table; for a
    /// prepared table the slots prepared so far (each [`prepare`](Self::prepare) raises it,
    /// up to `N`); `None` for a heap table, which only the host limits.
    #[inline]
    pub fn capacity(&self) -> Option<usize> {
        self.storage.capacity()
    }

    /// `true` when an occupy would find or add a slot without asking the allocator, or when
    /// the heap storage may still grow.
    pub fn has_vacancy(&self) -> bool {
        self.free.head != END
            || self
                .storage
                .capacity()
                .is_none_or(|capacity| self.storage.used() < capacity)
    }

    /// Every occupied slot's key and payload, in slot order.
    pub fn payloads(&self) -> impl Iterator<Item = (Key, &T)> {
        let used = self.storage.used();
        self.storage
            .slots()
            .iter()
            .take(used)
            .zip(0u32..)
            .filter(|(slot, _)| slot.is_occupied())
            .map(|(slot, index)| (Key::new(index, slot.generation), &slot.value))
    }

    /// Every occupied slot's key and payload, writable.
    pub fn payloads_mut(&mut self) -> impl Iterator<Item = (Key, &mut T)> {
        let used = self.storage.used();
        self.storage
            .slots_mut()
            .iter_mut()
            .take(used)
            .zip(0u32..)
            .filter(|(slot, _)| slot.is_occupied())
            .map(|(slot, index)| (Key::new(index, slot.generation), &mut slot.value))
    }

    /// The slot the next occupy fills, with its index and the free list: the list's head,
    /// or a slot the storage adds, linked in as the head so that a refused fill leaves it
    /// free.
    #[inline]
    fn vacant_slot(&mut self) -> Result<(u32, &mut Slot<T>, &mut FreeList), SlotsFull> {
        let added = self.free.head == END;
        let index = if added {
            self.storage.add_slot()?
        } else {
            self.free.head
        };
        // The head and an added index both lie below `used`, so the lookup cannot miss; if
        // it did, the table would refuse as full rather than panic.
        let capacity = self.storage.used();
        let slot = self
            .storage
            .slots_mut()
            .get_mut(index as usize)
            .ok_or(SlotsFull::AtCapacity { capacity })?;
        if added {
            slot.link = END;
            self.free.head = index;
        }
        Ok((index, slot, &mut self.free))
    }

    #[cfg(test)]
    pub(crate) fn force_generation(&mut self, index: u32, to: core::num::NonZeroU32) {
        if let Some(slot) = self.storage.slots_mut().get_mut(index as usize) {
            slot.generation = to;
        }
    }
}

/// The payload-is-a-value form: `Option<V>` slots, vacant as `None`. Each method is the
/// generic one with the value put in or taken out, and every one of them sees the values
/// only: a slot occupied with no value in it (its value taken through
/// [`payload_mut`](SlotTable::payload_mut), say) reads as [`KeyError::Stale`], is left out
/// of [`iter`](Self::iter), [`len`](Self::len) and [`contains`](Self::contains), and is
/// vacated by [`remove`](Self::remove). The generic
/// [`occupied_count`](SlotTable::occupied_count) and [`is_occupied`](SlotTable::is_occupied)
/// still see the occupancy.
impl<V, S: SlotStorage<Option<V>>> SlotTable<Option<V>, S> {
    /// Stores `value` and returns its key, or hands `value` back when no slot is vacant and
    /// none can be added.
    #[inline]
    pub fn insert(&mut self, value: V) -> Result<Key, V> {
        match self.vacant_slot() {
            Ok((index, slot, free)) => {
                slot.value = Some(value);
                Ok(free.claim(index, slot))
            }
            Err(_) => Err(value),
        }
    }

    /// The value `key` names.
    ///
    /// # Errors
    /// As [`payload`](Self::payload).
    #[inline]
    pub fn get(&self, key: Key) -> Result<&V, KeyError> {
        self.payload(key)?.as_ref().ok_or(KeyError::Stale)
    }

    /// The value `key` names, writable.
    ///
    /// # Errors
    /// As [`payload`](Self::payload).
    #[inline]
    pub fn get_mut(&mut self, key: Key) -> Result<&mut V, KeyError> {
        self.payload_mut(key)?.as_mut().ok_or(KeyError::Stale)
    }

    /// Takes the value out; `key` is stale from now on.
    ///
    /// # Errors
    /// As [`payload`](Self::payload); nothing changes then. (A slot occupied with no value
    /// is vacated, and reported stale.)
    #[inline]
    pub fn remove(&mut self, key: Key) -> Result<V, KeyError> {
        self.vacate(key, Option::take)?.ok_or(KeyError::Stale)
    }

    /// Takes the value out and hands it to `open`, returning what `open` returns; `key` is
    /// stale from now on. For an owner that keeps only some of the value's parts: they are
    /// picked out where the value lies instead of the whole value being moved first.
    ///
    /// # Errors
    /// As [`remove`](Self::remove).
    #[inline]
    pub fn remove_with<R>(&mut self, key: Key, open: impl FnOnce(V) -> R) -> Result<R, KeyError> {
        self.vacate(key, |slot| slot.take().map(open))?
            .ok_or(KeyError::Stale)
    }

    /// Removes every value `pick` chooses, handing each to `removed` with its now stale key.
    pub fn remove_where(
        &mut self,
        mut pick: impl FnMut(&V) -> bool,
        mut removed: impl FnMut(Key, V),
    ) {
        self.vacate_where(
            |slot| slot.as_ref().is_some_and(&mut pick),
            |key, slot| {
                if let Some(value) = slot.take() {
                    removed(key, value);
                }
            },
        );
    }

    /// `true` when `key` names a stored value: exactly when [`get`](Self::get) is `Ok`.
    #[inline]
    pub fn contains(&self, key: Key) -> bool {
        self.get(key).is_ok()
    }

    /// Values stored, counted: one pass over the slots handed out so far, as
    /// [`occupied_count`](SlotTable::occupied_count); the items [`iter`](Self::iter) yields.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// `true` when no value is stored; stops at the first.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Every stored value with its key, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &V)> {
        self.payloads()
            .filter_map(|(key, slot)| slot.as_ref().map(|value| (key, value)))
    }

    /// Every stored value with its key, writable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Key, &mut V)> {
        self.payloads_mut()
            .filter_map(|(key, slot)| slot.as_mut().map(|value| (key, value)))
    }
}

/// Why a key does not open its slot. A slot's generation is that of its occupant or, while
/// vacant, of its next one: a key of an earlier generation was issued and its value left
/// (stale); a key of that generation or later was never issued (forged), unless the slot is
/// retired, which has issued every generation there is.
#[cold]
fn mismatch<T>(slot: &Slot<T>, key: Key) -> KeyError {
    if slot.is_retired() || key.generation() < slot.generation.get() {
        KeyError::Stale
    } else {
        KeyError::Forged
    }
}

#[cfg(test)]
mod tests;
