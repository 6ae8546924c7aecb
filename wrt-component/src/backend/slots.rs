//! The slot-array-with-free-list logic both backends share; they differ only in where the
//! slots live.

use super::{SlotError, SlotKey};

/// Marks the end of the free list (and is never a valid index).
const NO_SLOT: u32 = u32::MAX;

/// One slot: a value with the generation it was stored under, or (when `value` is `None`)
/// a free slot with the generation its next occupant will get.
///
/// `repr(C)` with the generation first and a value whose own hot fields come first (see
/// `ResourceEntry`): a lookup touches the first cache line of the slot only, however large
/// the value's cold tail (descriptor metadata) is.
#[repr(C)]
pub(crate) struct Slot<E> {
    generation: u32,
    next_free: u32,
    value: Option<E>,
}

impl<E> Slot<E> {
    pub(crate) const fn vacant() -> Self {
        Self {
            generation: 0,
            next_free: NO_SLOT,
            value: None,
        }
    }
}

/// Where slots live: a heapless vector or a heap vector.
pub(crate) trait SlotStorage<E> {
    fn slots(&self) -> &[Slot<E>];
    fn slots_mut(&mut self) -> &mut [Slot<E>];
    /// Appends a slot, or hands it back when there is no room.
    fn try_push(&mut self, slot: Slot<E>) -> Result<(), Slot<E>>;
}

/// A slot array with an intrusive free list threaded through the vacant slots.
pub(crate) struct SlotTable<E, S> {
    storage: S,
    free_head: u32,
    len: usize,
    _values: core::marker::PhantomData<E>,
}

impl<E, S: SlotStorage<E>> SlotTable<E, S> {
    pub(crate) const fn new(storage: S) -> Self {
        Self {
            storage,
            free_head: NO_SLOT,
            len: 0,
            _values: core::marker::PhantomData,
        }
    }

    #[inline]
    pub(crate) fn insert(&mut self, value: E) -> Result<SlotKey, E> {
        let head = self.free_head;
        if head != NO_SLOT {
            let Some(slot) = self.storage.slots_mut().get_mut(head as usize) else {
                return Err(value);
            };
            if slot.value.is_some() {
                // The free list only ever links vacant slots; refuse rather than overwrite.
                return Err(value);
            }
            slot.value = Some(value);
            self.free_head = slot.next_free;
            self.len = self.len.saturating_add(1);
            return Ok(SlotKey {
                index: head,
                generation: slot.generation,
            });
        }
        let index = match u32::try_from(self.storage.slots().len()) {
            Ok(index) if index != NO_SLOT => index,
            _ => return Err(value),
        };
        // Push an empty slot first and fill it after: a refused push then still has the
        // value in hand to give back.
        if self.storage.try_push(Slot::vacant()).is_err() {
            return Err(value);
        }
        let Some(slot) = self.storage.slots_mut().get_mut(index as usize) else {
            return Err(value);
        };
        slot.value = Some(value);
        self.len = self.len.saturating_add(1);
        Ok(SlotKey {
            index,
            generation: 0,
        })
    }

    #[inline]
    fn slot(&self, key: SlotKey) -> Result<&Slot<E>, SlotError> {
        let slots = self.storage.slots();
        slots
            .get(key.index as usize)
            .ok_or(SlotError::Forged { slots: slots.len() })
    }

    #[inline]
    pub(crate) fn get(&self, key: SlotKey) -> Result<&E, SlotError> {
        let slot = self.slot(key)?;
        match &slot.value {
            Some(value) if slot.generation == key.generation => Ok(value),
            _ => Err(mismatch(slot.generation, key.generation)),
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, key: SlotKey) -> Result<&mut E, SlotError> {
        let slots = self.storage.slots_mut();
        let count = slots.len();
        let slot = slots
            .get_mut(key.index as usize)
            .ok_or(SlotError::Forged { slots: count })?;
        match &mut slot.value {
            Some(value) if slot.generation == key.generation => Ok(value),
            _ => Err(mismatch(slot.generation, key.generation)),
        }
    }

    #[inline]
    pub(crate) fn remove(&mut self, key: SlotKey) -> Result<E, SlotError> {
        let free_head = self.free_head;
        let slots = self.storage.slots_mut();
        let count = slots.len();
        let slot = slots
            .get_mut(key.index as usize)
            .ok_or(SlotError::Forged { slots: count })?;
        if slot.generation != key.generation {
            return Err(mismatch(slot.generation, key.generation));
        }
        let value = slot
            .value
            .take()
            .ok_or_else(|| mismatch(slot.generation, key.generation))?;
        // A slot whose generation would wrap is retired: left vacant and off the free list,
        // so no id of an earlier generation can ever match it again.
        match key.generation.checked_add(1) {
            Some(next) => {
                slot.generation = next;
                slot.next_free = free_head;
                self.free_head = key.index;
            }
            None => slot.next_free = NO_SLOT,
        }
        self.len = self.len.saturating_sub(1);
        Ok(value)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn slot_count(&self) -> usize {
        self.storage.slots().len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (SlotKey, &E)> {
        self.storage
            .slots()
            .iter()
            .zip(0u32..)
            .filter_map(|(slot, index)| {
                let generation = slot.generation;
                slot.value
                    .as_ref()
                    .map(|value| (SlotKey { index, generation }, value))
            })
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (SlotKey, &mut E)> {
        self.storage
            .slots_mut()
            .iter_mut()
            .zip(0u32..)
            .filter_map(|(slot, index)| {
                let generation = slot.generation;
                slot.value
                    .as_mut()
                    .map(|value| (SlotKey { index, generation }, value))
            })
    }

    pub(crate) fn remove_where(
        &mut self,
        mut remove: impl FnMut(&E) -> bool,
        mut removed: impl FnMut(SlotKey, E),
    ) {
        for index in 0..self.slot_count() {
            let key = match self.storage.slots().get(index) {
                Some(Slot {
                    generation,
                    value: Some(value),
                    ..
                }) if remove(value) => SlotKey {
                    index: u32::try_from(index).unwrap_or(NO_SLOT),
                    generation: *generation,
                },
                _ => continue,
            };
            if let Ok(value) = self.remove(key) {
                removed(key, value);
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn force_generation(&mut self, index: u32, to: u32) {
        if let Some(slot) = self.storage.slots_mut().get_mut(index as usize) {
            slot.generation = to;
        }
    }
}

/// The [`Backend`](super::Backend) methods of a backend whose `table` field is a
/// [`SlotTable`], all but `capacity` (the one answer that depends on the storage). Both
/// backends are that one table over different storage, so they answer the trait by the same
/// code, written once.
macro_rules! backend_over_slot_table {
    () => {
        #[inline]
        fn insert(&mut self, value: E) -> Result<SlotKey, E> {
            self.table.insert(value)
        }

        #[inline]
        fn get(&self, key: SlotKey) -> Result<&E, SlotError> {
            self.table.get(key)
        }

        #[inline]
        fn get_mut(&mut self, key: SlotKey) -> Result<&mut E, SlotError> {
            self.table.get_mut(key)
        }

        #[inline]
        fn remove(&mut self, key: SlotKey) -> Result<E, SlotError> {
            self.table.remove(key)
        }

        fn len(&self) -> usize {
            self.table.len()
        }

        fn slot_count(&self) -> usize {
            self.table.slot_count()
        }

        fn iter<'a>(&'a self) -> impl Iterator<Item = (SlotKey, &'a E)>
        where
            E: 'a,
        {
            self.table.iter()
        }

        fn iter_mut<'a>(&'a mut self) -> impl Iterator<Item = (SlotKey, &'a mut E)>
        where
            E: 'a,
        {
            self.table.iter_mut()
        }

        fn remove_where(
            &mut self,
            remove: impl FnMut(&E) -> bool,
            removed: impl FnMut(SlotKey, E),
        ) {
            self.table.remove_where(remove, removed);
        }
    };
}
pub(crate) use backend_over_slot_table;

/// Why a key does not open its slot. A slot's generation is that of its occupant, or, when
/// vacant, the one its next occupant will get, so a key of an earlier generation was issued
/// and released (stale), while a key of that generation or later was never issued here
/// (made up). A retired slot stays vacant at `u32::MAX`, the generation of the last key it
/// issued: a key of that generation is stale.
#[cold]
fn mismatch(slot_generation: u32, key_generation: u32) -> SlotError {
    if key_generation < slot_generation || key_generation == u32::MAX {
        SlotError::Stale
    } else {
        SlotError::Unissued {
            generation: slot_generation,
        }
    }
}
