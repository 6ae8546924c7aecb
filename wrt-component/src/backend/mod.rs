//! Storage backends for [`ResourceManager`](crate::ResourceManager): slot arrays with a free
//! list, chosen by type.
//!
//! A handle table is looked up by index, so it is a slot array, not a map: O(1) get, insert
//! and remove, no hashing. Each slot carries a generation that is bumped when the slot is
//! freed, which is what makes stale ids detectable.
//!
//! - [`FixedBackend<E, N>`]: `N` slots inline (heapless), every environment, no heap.
//! - `GrowableBackend<E>` (feature `alloc`): a `Vec` of slots that grows on demand and
//!   refuses (instead of aborting) when the allocator says no.

mod fixed;
#[cfg(feature = "alloc")]
mod growable;
mod slots;

pub use fixed::FixedBackend;
#[cfg(feature = "alloc")]
pub use growable::GrowableBackend;

/// Where a value sits in a backend: slot index and the slot's generation when it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotKey {
    /// Slot index.
    pub index: u32,
    /// Generation of the slot when the value was stored.
    pub generation: u32,
}

/// Why a backend refused a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotError {
    /// The index is past every slot the backend has.
    Forged {
        /// Slots the backend has.
        slots: usize,
    },
    /// The key's value was released: the slot is empty or has moved on to a later
    /// generation.
    Stale,
    /// The key names a generation the slot has not issued yet: it was made up.
    Unissued {
        /// The slot's generation now.
        generation: u32,
    },
}

/// Slot storage for a handle table.
///
/// Contract (what [`ResourceManager`](crate::ResourceManager) relies on for its id checks):
/// a key is honoured only while the value it was returned for is stored; after `remove`,
/// the same key is refused forever, even once the slot is reused.
pub trait Backend<E> {
    /// Stores `value`, or hands it back when there is no room.
    fn insert(&mut self, value: E) -> Result<SlotKey, E>;
    /// The value stored under `key`.
    fn get(&self, key: SlotKey) -> Result<&E, SlotError>;
    /// The value stored under `key`, for modification.
    fn get_mut(&mut self, key: SlotKey) -> Result<&mut E, SlotError>;
    /// Takes the value out and frees the slot for a later generation.
    fn remove(&mut self, key: SlotKey) -> Result<E, SlotError>;
    /// Values stored.
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
    fn iter<'a>(&'a self) -> impl Iterator<Item = (SlotKey, &'a E)>
    where
        E: 'a;
    /// Every stored value with its key, for modification.
    fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (SlotKey, &'a mut E)>
    where
        E: 'a;
    /// Removes every value for which `remove` answers `true`, handing each to `removed`.
    /// One pass, no allocation.
    fn remove_where(&mut self, remove: impl FnMut(&E) -> bool, removed: impl FnMut(SlotKey, E));
}
