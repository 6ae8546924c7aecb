//! Storage backends for [`ResourceManager`](crate::ResourceManager): the workspace's one
//! generational slot table, [`wrt_foundation::slots`], chosen by storage.
//!
//! A handle table is looked up by index, so it is a slot array, not a map: O(1) get, insert
//! and remove, no hashing. Each slot carries a generation that moves on when the slot is
//! freed, which is what makes stale ids detectable; the rule (and the one error pair for
//! forged and stale keys) is the slot table's, shared with the memory manager's regions and
//! the memory pool's blocks.
//!
//! - [`FixedBackend<E, N>`]: `N` slots inline, every environment, no heap.
//! - `GrowableBackend<E>` (feature `alloc`): slots on the heap that grow on demand and
//!   refuse (instead of aborting) when the allocator says no.
//!
//! ```
//! use wrt_component::backend::{Backend, FixedBackend, KeyError};
//!
//! let mut slots: FixedBackend<&str, 1> = FixedBackend::new();
//! let key = slots.insert("uart0").unwrap();
//! assert_eq!(slots.insert("uart1"), Err("uart1")); // full: the value comes back
//! assert_eq!(slots.remove(key), Ok("uart0"));
//! let reused = slots.insert("uart1").unwrap();
//! assert_eq!(reused.index(), key.index());
//! assert_eq!(slots.get(key), Err(KeyError::Stale)); // the old key misses the new value
//! ```

use wrt_foundation::slots::{InlineSlotTable, SlotStorage, SlotTable};
pub use wrt_foundation::slots::{Key, KeyError};

/// At most `N` values in slots stored inline: the backend for `no_alloc` builds, and for
/// any build that wants its memory fixed at link time. `new` is `const`, so a table can be
/// a `static`.
pub type FixedBackend<E, const N: usize> = InlineSlotTable<Option<E>, N>;

/// Slots on the heap: no fixed cap, for hosted runtimes with many resources. Running out
/// of memory is a refused insert, like a full [`FixedBackend`].
#[cfg(feature = "alloc")]
pub type GrowableBackend<E> = wrt_foundation::slots::HeapSlotTable<Option<E>>;

/// Slot storage for a handle table.
///
/// Contract (what [`ResourceManager`](crate::ResourceManager) relies on for its id checks):
/// a key is honoured only while the value it was returned for is stored; after `remove`,
/// the same key is refused forever, even once the slot is reused.
pub trait Backend<E> {
    /// Stores `value`, or hands it back when there is no room.
    fn insert(&mut self, value: E) -> Result<Key, E>;
    /// The value stored under `key`.
    fn get(&self, key: Key) -> Result<&E, KeyError>;
    /// The value stored under `key`, for modification.
    fn get_mut(&mut self, key: Key) -> Result<&mut E, KeyError>;
    /// Takes the value out and frees the slot for a later generation.
    fn remove(&mut self, key: Key) -> Result<E, KeyError>;
    /// The key of the value in slot `index`, or `None` when that slot holds none: for an
    /// owner that keeps a slot number where there is no room for a whole key, and is the
    /// only one that empties that slot.
    fn key_at(&self, index: u32) -> Option<Key>;
    /// Takes the value out and hands it to `open`: [`remove`](Self::remove) for a caller
    /// that keeps only some of its parts.
    fn remove_with<R>(&mut self, key: Key, open: impl FnOnce(E) -> R) -> Result<R, KeyError>;
    /// Values stored. The slot table counts them when asked (a pass over its slots): an
    /// owner that reads the figure on a hot path keeps its own count.
    fn len(&self) -> usize;
    /// `true` when no value is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Slots created so far (occupied, free or retired).
    fn slot_count(&self) -> usize;
    /// The most values this backend can ever hold, or `None` when it grows.
    fn capacity(&self) -> Option<usize>;
    /// Every stored value with its key, in slot order.
    fn iter<'a>(&'a self) -> impl Iterator<Item = (Key, &'a E)>
    where
        E: 'a;
    /// Every stored value with its key, for modification.
    fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (Key, &'a mut E)>
    where
        E: 'a;
    /// Removes every value for which `remove` answers `true`, handing each to `removed`.
    /// One pass, no allocation.
    fn remove_where(&mut self, remove: impl FnMut(&E) -> bool, removed: impl FnMut(Key, E));
}

/// The slot table is the backend; this impl only names its methods for generic code.
impl<E, S: SlotStorage<Option<E>>> Backend<E> for SlotTable<Option<E>, S> {
    #[inline]
    fn insert(&mut self, value: E) -> Result<Key, E> {
        SlotTable::insert(self, value)
    }

    #[inline]
    fn get(&self, key: Key) -> Result<&E, KeyError> {
        SlotTable::get(self, key)
    }

    #[inline]
    fn get_mut(&mut self, key: Key) -> Result<&mut E, KeyError> {
        SlotTable::get_mut(self, key)
    }

    #[inline]
    fn remove(&mut self, key: Key) -> Result<E, KeyError> {
        SlotTable::remove(self, key)
    }

    #[inline]
    fn remove_with<R>(&mut self, key: Key, open: impl FnOnce(E) -> R) -> Result<R, KeyError> {
        SlotTable::remove_with(self, key, open)
    }

    #[inline]
    fn key_at(&self, index: u32) -> Option<Key> {
        SlotTable::key_at(self, index)
    }

    fn len(&self) -> usize {
        SlotTable::len(self)
    }

    fn slot_count(&self) -> usize {
        SlotTable::slot_count(self)
    }

    fn capacity(&self) -> Option<usize> {
        SlotTable::capacity(self)
    }

    fn iter<'a>(&'a self) -> impl Iterator<Item = (Key, &'a E)>
    where
        E: 'a,
    {
        SlotTable::iter(self)
    }

    fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (Key, &'a mut E)>
    where
        E: 'a,
    {
        SlotTable::iter_mut(self)
    }

    fn remove_where(&mut self, remove: impl FnMut(&E) -> bool, removed: impl FnMut(Key, E)) {
        SlotTable::remove_where(self, remove, removed);
    }
}
