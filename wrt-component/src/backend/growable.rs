//! [`GrowableBackend`]: a heap slot vector that grows on demand (feature `alloc`).

use alloc::vec::Vec;

use super::slots::{Slot, SlotStorage, SlotTable, backend_over_slot_table};
use super::{Backend, SlotError, SlotKey};

impl<E> SlotStorage<E> for Vec<Slot<E>> {
    #[inline]
    fn slots(&self) -> &[Slot<E>] {
        self
    }

    #[inline]
    fn slots_mut(&mut self) -> &mut [Slot<E>] {
        self
    }

    #[inline]
    fn try_push(&mut self, slot: Slot<E>) -> Result<(), Slot<E>> {
        // Ask the allocator first so that an out-of-memory condition is a refusal, not an abort.
        if self.try_reserve(1).is_err() {
            return Err(slot);
        }
        self.push(slot);
        Ok(())
    }
}

/// Slots in a heap vector: no fixed cap, for hosted runtimes with many resources.
///
/// Growth goes through `Vec::try_reserve`, so running out of memory is a refused insert,
/// like a full [`FixedBackend`](super::FixedBackend).
///
/// ```
/// use wrt_component::backend::{Backend, GrowableBackend};
///
/// let mut slots = GrowableBackend::new();
/// let keys: Vec<_> = (0..1000).map(|n| slots.insert(n).unwrap()).collect();
/// assert_eq!(slots.len(), 1000);
/// assert_eq!(slots.get(keys[999]), Ok(&999));
/// assert_eq!(slots.capacity(), None);
/// ```
pub struct GrowableBackend<E> {
    table: SlotTable<E, Vec<Slot<E>>>,
}

impl<E> GrowableBackend<E> {
    /// An empty backend; allocates nothing until the first insert.
    pub const fn new() -> Self {
        Self {
            table: SlotTable::new(Vec::new()),
        }
    }
}

impl<E> Default for GrowableBackend<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Backend<E> for GrowableBackend<E> {
    backend_over_slot_table!();

    fn capacity(&self) -> Option<usize> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_reuses_freed_slots_lifo() {
        let mut b = GrowableBackend::new();
        let keys: Vec<SlotKey> = (0..100u32).map(|v| b.insert(v).unwrap()).collect();
        assert_eq!(b.slot_count(), 100);
        b.remove(keys[10]).unwrap();
        b.remove(keys[20]).unwrap();
        let again = b.insert(7).unwrap();
        assert_eq!((again.index, again.generation), (20, 1));
        assert_eq!(b.slot_count(), 100);
        assert_eq!(b.get(keys[20]), Err(SlotError::Stale));
        assert_eq!(b.len(), 99);
    }
}
