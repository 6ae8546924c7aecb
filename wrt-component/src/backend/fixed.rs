//! [`FixedBackend`]: `N` slots inline, no heap.

use super::slots::{Slot, SlotStorage, SlotTable, backend_over_slot_table};
use super::{Backend, SlotError, SlotKey};

impl<E, const N: usize> SlotStorage<E> for heapless::Vec<Slot<E>, N> {
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
        self.push(slot)
    }
}

/// At most `N` values in slots stored inline: the backend for `no_alloc` builds, and for any
/// build that wants its memory fixed at link time.
///
/// Slots are created on first use, so `new` is `const` and cheap even for large `N`; a
/// `static` table costs `N` slots of `E` plus a few words.
///
/// ```
/// use wrt_component::backend::{Backend, FixedBackend};
///
/// let mut slots: FixedBackend<&str, 1> = FixedBackend::new();
/// let key = slots.insert("uart0").unwrap();
/// assert_eq!(slots.insert("uart1"), Err("uart1")); // full: the value comes back
/// assert_eq!(slots.remove(key), Ok("uart0"));
/// let reused = slots.insert("uart1").unwrap();
/// assert_eq!(reused.index, key.index);
/// assert!(slots.get(key).is_err()); // the old key does not reach the new value
/// ```
pub struct FixedBackend<E, const N: usize> {
    table: SlotTable<E, heapless::Vec<Slot<E>, N>>,
}

impl<E, const N: usize> FixedBackend<E, N> {
    /// An empty backend.
    pub const fn new() -> Self {
        Self {
            table: SlotTable::new(heapless::Vec::new()),
        }
    }

    #[cfg(test)]
    pub(crate) fn force_generation(&mut self, index: u32, to: u32) {
        self.table.force_generation(index, to);
    }
}

impl<E, const N: usize> Default for FixedBackend<E, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, const N: usize> Backend<E> for FixedBackend<E, N> {
    backend_over_slot_table!();

    fn capacity(&self) -> Option<usize> {
        Some(N)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_slots_are_reused_with_a_new_generation() {
        let mut b: FixedBackend<u32, 2> = FixedBackend::new();
        let a = b.insert(1).unwrap();
        let c = b.insert(2).unwrap();
        assert_eq!(b.insert(3), Err(3));
        assert_eq!(b.remove(a), Ok(1));
        assert_eq!(b.remove(a), Err(SlotError::Stale));
        let d = b.insert(4).unwrap();
        assert_eq!((d.index, d.generation), (a.index, a.generation + 1));
        assert_eq!(b.get(a), Err(SlotError::Stale));
        assert_eq!(b.get(d), Ok(&4));
        assert_eq!(b.get(c), Ok(&2));
        assert_eq!(b.len(), 2);
        let forged = SlotKey {
            index: 7,
            generation: 0,
        };
        assert_eq!(b.get(forged), Err(SlotError::Forged { slots: 2 }));
    }

    #[test]
    fn a_slot_at_the_last_generation_is_retired_not_wrapped() {
        let mut b: FixedBackend<u32, 2> = FixedBackend::new();
        let first = b.insert(1).unwrap();
        b.force_generation(first.index, u32::MAX);
        let last = SlotKey {
            index: first.index,
            generation: u32::MAX,
        };
        assert_eq!(b.remove(last), Ok(1));
        // The retired slot is not offered again: the next value goes to a fresh slot...
        let next = b.insert(2).unwrap();
        assert_eq!(next.index, 1);
        // ...and once that is taken the backend is full, though only one value is stored.
        assert_eq!(b.insert(3), Err(3));
        assert_eq!(b.get(last), Err(SlotError::Stale));
        for generation in [0, 1, u32::MAX] {
            let old = SlotKey {
                index: first.index,
                generation,
            };
            assert_eq!(b.get(old), Err(SlotError::Stale));
        }
    }

    #[test]
    fn a_generation_the_slot_never_issued_is_unissued_not_stale() {
        let mut b: FixedBackend<u32, 2> = FixedBackend::new();
        let a = b.insert(1).unwrap();
        let ahead = SlotKey {
            index: a.index,
            generation: a.generation + 3,
        };
        assert_eq!(b.get(ahead), Err(SlotError::Unissued { generation: 0 }));
        assert_eq!(b.remove(ahead), Err(SlotError::Unissued { generation: 0 }));
        assert_eq!(b.get(a), Ok(&1), "a refused key changes nothing");
        assert_eq!(b.remove(a), Ok(1));
        // The vacant slot waits at generation 1 for its next occupant: a key of 1 was never
        // issued, a key of 0 was and is gone.
        let next = SlotKey {
            index: a.index,
            generation: 1,
        };
        assert_eq!(b.get(next), Err(SlotError::Unissued { generation: 1 }));
        assert_eq!(b.get(a), Err(SlotError::Stale));
    }

    #[test]
    fn remove_where_takes_matching_values_in_one_pass() {
        let mut b: FixedBackend<u32, 8> = FixedBackend::new();
        for v in 0..6 {
            b.insert(v).unwrap();
        }
        let mut taken = heapless::Vec::<u32, 8>::new();
        b.remove_where(|v| v % 2 == 0, |_, v| taken.push(v).unwrap());
        assert_eq!(taken.as_slice(), &[0, 2, 4]);
        let left: heapless::Vec<u32, 8> = b.iter().map(|(_, v)| *v).collect();
        assert_eq!(left.as_slice(), &[1, 3, 5]);
        for (_, v) in b.iter_mut() {
            *v += 10;
        }
        assert_eq!(b.iter().map(|(_, v)| *v).sum::<u32>(), 39);
    }
}
