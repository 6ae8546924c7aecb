//! Model-based test of `SlotTable`, the generational slot array the resource handle tables,
//! the memory manager's regions and the memory pool's blocks all stand on: random inserts,
//! removes and lookups through live, stale and made-up keys, checked after every step
//! against a model that knows every key ever issued — for the inline and the heap table.

use proptest::prelude::*;
#[cfg(feature = "alloc")]
use wrt_foundation::slots::HeapSlotTable;
use wrt_foundation::slots::{InlineSlotTable, Key, KeyError, SlotStorage, SlotTable};

const SLOTS: usize = 5;

#[derive(Debug, Clone)]
enum Op {
    Insert(u16),
    /// Remove through the n-th key ever issued (modulo), live or not.
    Remove(usize),
    /// Read through the n-th key ever issued.
    Get(usize),
    /// Read through a key that may never have been issued.
    Made(u32, u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u16>().prop_map(Op::Insert),
        3 => any::<usize>().prop_map(Op::Remove),
        2 => any::<usize>().prop_map(Op::Get),
        1 => (0u32..8, 0u32..6).prop_map(|(i, g)| Op::Made(i, g)),
    ]
}

/// Per slot index: the generation its next or current occupant has, and the value it
/// holds; the free list as a stack; every key issued.
#[derive(Default)]
struct Model {
    generations: Vec<u32>,
    values: Vec<Option<u16>>,
    free: Vec<u32>,
    issued: Vec<Key>,
}

impl Model {
    fn expected(&self, key: Key) -> Result<u16, KeyError> {
        let Some(&generation) = self.generations.get(key.index() as usize) else {
            return Err(KeyError::Forged);
        };
        match self.values[key.index() as usize] {
            Some(v) if generation == key.generation() => Ok(v),
            _ if key.generation() < generation => Err(KeyError::Stale),
            _ => Err(KeyError::Forged),
        }
    }

    fn insert(&mut self, value: u16, capacity: Option<usize>) -> Option<Key> {
        let index = match self.free.pop() {
            Some(index) => index,
            None if capacity.is_none_or(|c| self.generations.len() < c) => {
                self.generations.push(1);
                self.values.push(None);
                (self.generations.len() - 1) as u32
            }
            None => return None,
        };
        self.values[index as usize] = Some(value);
        let key = Key::from_parts(index, self.generations[index as usize]).unwrap();
        self.issued.push(key);
        Some(key)
    }

    fn remove(&mut self, key: Key) -> Result<u16, KeyError> {
        let value = self.expected(key)?;
        let i = key.index() as usize;
        self.values[i] = None;
        self.generations[i] += 1;
        self.free.push(key.index());
        Ok(value)
    }
}

fn run<S: SlotStorage<Option<u16>>>(
    mut table: SlotTable<Option<u16>, S>,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let capacity = table.capacity();
    let mut model = Model::default();
    for op in ops {
        match op {
            Op::Insert(v) => {
                let expected = model.insert(v, capacity);
                prop_assert_eq!(table.insert(v).ok(), expected);
            }
            Op::Remove(n) if !model.issued.is_empty() => {
                let key = model.issued[n % model.issued.len()];
                prop_assert_eq!(table.remove(key), model.remove(key));
            }
            Op::Get(n) if !model.issued.is_empty() => {
                let key = model.issued[n % model.issued.len()];
                prop_assert_eq!(table.get(key).copied(), model.expected(key));
            }
            Op::Made(index, generation) => match Key::from_parts(index, generation) {
                Some(key) => prop_assert_eq!(table.get(key).copied(), model.expected(key)),
                None => prop_assert_eq!(generation, 0),
            },
            Op::Remove(_) | Op::Get(_) => {}
        }
        let live = model.values.iter().flatten().count();
        prop_assert_eq!(table.len(), live);
        prop_assert_eq!(table.slot_count(), model.generations.len());
        prop_assert_eq!(table.iter().count(), live);
        for (key, value) in table.iter() {
            prop_assert_eq!(model.expected(key), Ok(*value));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_inline_table_follows_the_model(ops in prop::collection::vec(op(), 1..120)) {
        run(InlineSlotTable::<Option<u16>, SLOTS>::new(), ops)?;
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn the_heap_table_follows_the_model(ops in prop::collection::vec(op(), 1..120)) {
        run(HeapSlotTable::<Option<u16>>::new(), ops)?;
    }
}
