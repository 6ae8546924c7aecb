use core::num::NonZeroU32;

use super::*;

fn key(index: u32, generation: u32) -> Key {
    Key::from_parts(index, generation).unwrap()
}

#[test]
fn freed_slots_are_reused_lifo_with_the_next_generation() {
    let mut t: InlineSlotTable<Option<u32>, 3> = InlineSlotTable::new();
    let a = t.insert(1).unwrap();
    let b = t.insert(2).unwrap();
    assert_eq!((a, b), (key(0, 1), key(1, 1)));
    t.remove(a).unwrap();
    t.remove(b).unwrap();
    assert_eq!(t.insert(3), Ok(key(1, 2)));
    assert_eq!(t.insert(4), Ok(key(0, 2)));
    assert_eq!(t.insert(5), Ok(key(2, 1)));
    assert_eq!(t.insert(6), Err(6));
    assert_eq!((t.len(), t.slot_count(), t.capacity()), (3, 3, Some(3)));
}

#[test]
fn stale_and_forged_keys_are_told_apart_and_change_nothing() {
    let mut t: InlineSlotTable<Option<u32>, 4> = InlineSlotTable::new();
    let a = t.insert(1).unwrap();
    assert_eq!(t.remove(a), Ok(1));
    assert_eq!(t.remove(a), Err(KeyError::Stale), "double remove");
    assert_eq!(t.get(a), Err(KeyError::Stale));
    // The vacant slot waits at generation 2: a key of 2 was never issued.
    assert_eq!(t.get(key(0, 2)), Err(KeyError::Forged));
    let b = t.insert(2).unwrap();
    assert_eq!(t.get(key(0, 9)), Err(KeyError::Forged));
    assert_eq!(
        t.get(key(1, 1)),
        Err(KeyError::Forged),
        "inline slot never used"
    );
    assert_eq!(t.get(key(99, 1)), Err(KeyError::Forged), "past every slot");
    assert_eq!(t.get(a), Err(KeyError::Stale), "reused slot");
    assert_eq!(t.get(b), Ok(&2));
    assert_eq!(t.len(), 1);
}

#[test]
fn a_slot_at_the_last_generation_is_retired_not_wrapped() {
    let mut t: InlineSlotTable<Option<u32>, 2> = InlineSlotTable::new();
    let first = t.insert(1).unwrap();
    t.force_generation(first.index(), NonZeroU32::MAX);
    let last = key(first.index(), u32::MAX);
    assert_eq!(t.remove(last), Ok(1));
    assert_eq!(t.retired(), 1);
    let next = t.insert(2).unwrap();
    assert_eq!(next.index(), 1, "the retired slot is not offered again");
    assert_eq!(t.insert(3), Err(3), "full with one value stored");
    assert!(!t.has_vacancy());
    for generation in [1, 2, u32::MAX] {
        assert_eq!(t.get(key(0, generation)), Err(KeyError::Stale));
    }
}

#[test]
fn a_refused_fill_leaves_the_slot_vacant_and_the_next_occupy_takes_it() {
    #[derive(Debug, PartialEq, Default)]
    struct Counter(u64);
    impl Vacant for Counter {
        const VACANT: Self = Counter(0);
    }
    let mut t: InlineSlotTable<Counter, 1> = InlineSlotTable::new();
    let refused = t.try_occupy(|_, payload| {
        payload.0 = 7;
        Err("no")
    });
    assert_eq!(refused, Err(OccupyError::Refused("no")));
    assert_eq!(t.occupied_count(), 0);
    let k = t.try_occupy(|index, payload| {
        assert_eq!(index, 0);
        payload.0 += 1;
        Ok::<(), ()>(())
    });
    let k = k.unwrap();
    assert_eq!(
        t.payload(k),
        Ok(&Counter(8)),
        "the payload stays in place across occupancies"
    );
    assert_eq!(
        t.try_occupy(|_, _| Ok::<(), ()>(())),
        Err(OccupyError::Full(SlotsFull::AtCapacity { capacity: 1 }))
    );
    assert_eq!(t.vacate(k, core::mem::take), Ok(Counter(8)));
}

#[test]
fn vacate_where_takes_matching_values_in_one_pass() {
    let mut t: InlineSlotTable<Option<u32>, 8> = InlineSlotTable::new();
    let keys: heapless::Vec<Key, 8> = (0..6).map(|v| t.insert(v).unwrap()).collect();
    let mut taken = heapless::Vec::<(Key, u32), 8>::new();
    t.remove_where(|v| v % 2 == 0, |k, v| taken.push((k, v)).unwrap());
    let even: heapless::Vec<u32, 8> = taken.iter().map(|(_, v)| *v).collect();
    assert_eq!(even.as_slice(), &[0, 2, 4]);
    assert!(taken.iter().all(|(k, _)| t.get(*k) == Err(KeyError::Stale)));
    for (_, v) in t.iter_mut() {
        *v += 10;
    }
    let left: heapless::Vec<u32, 8> = t.iter().map(|(_, v)| *v).collect();
    assert_eq!(left.as_slice(), &[11, 13, 15]);
    assert_eq!(t.get(keys[1]), Ok(&11));
}

#[test]
fn an_occupied_slot_without_a_value_reads_stale_and_remove_vacates_it() {
    let mut t: InlineSlotTable<Option<u32>, 2> = InlineSlotTable::new();
    let a = t.insert(1).unwrap();
    assert_eq!(t.payload_mut(a).map(Option::take), Ok(Some(1)));
    assert_eq!(t.get(a), Err(KeyError::Stale));
    assert_eq!(t.get_mut(a), Err(KeyError::Stale));
    let b = t.try_occupy(|_, _| Ok::<(), ()>(())).unwrap();
    assert_eq!(
        t.get(b),
        Err(KeyError::Stale),
        "occupied, never given a value"
    );
    assert_eq!(t.remove(a), Err(KeyError::Stale));
    assert_eq!(t.occupied_count(), 1, "the empty occupancy ended");
    assert_eq!(t.insert(2), Ok(key(0, 2)));
}

/// Outside audit: a slot whose value was taken through `payload_mut` was live to `contains`
/// and `len` and stale to `get` and `iter`. The value methods now agree with each other;
/// only the generic occupancy methods still see the empty occupancy.
#[test]
fn the_value_methods_agree_on_an_occupied_slot_whose_value_was_taken() {
    let mut t: InlineSlotTable<Option<u32>, 2> = InlineSlotTable::new();
    let a = t.insert(1).unwrap();
    let b = t.insert(2).unwrap();
    assert_eq!(t.payload_mut(a).map(Option::take), Ok(Some(1)));
    assert_eq!(t.get(a), Err(KeyError::Stale));
    assert!(!t.contains(a), "contains agrees with get");
    assert!(t.contains(b));
    assert_eq!(t.len(), 1, "len counts what iter yields");
    assert_eq!(
        t.iter()
            .map(|(k, v)| (k, *v))
            .collect::<heapless::Vec<_, 2>>(),
        [(b, 2)]
    );
    assert_eq!((t.occupied_count(), t.is_occupied(a)), (2, true));
    t.remove(b).unwrap();
    assert!(
        t.is_empty(),
        "no value is stored, though slot a is occupied"
    );
    assert_eq!(t.remove(a), Err(KeyError::Stale));
    assert_eq!(t.occupied_count(), 0, "remove vacated the empty occupancy");
}

#[test]
fn a_vacant_slot_left_holding_a_value_does_not_open_to_a_forged_key() {
    let mut t: InlineSlotTable<Option<u32>, 1> = InlineSlotTable::new();
    let refused = t.try_occupy(|_, slot| {
        *slot = Some(7);
        Err("no")
    });
    assert_eq!(refused, Err(OccupyError::Refused("no")));
    // The slot is vacant, waiting at generation 1, with the 7 left in it.
    assert_eq!(t.get(key(0, 1)), Err(KeyError::Forged));
    assert_eq!(t.get_mut(key(0, 1)), Err(KeyError::Forged));
    assert_eq!(t.remove(key(0, 1)), Err(KeyError::Forged));
    assert_eq!(t.len(), 0);
}

#[test]
fn option_keys_cost_nothing_and_lookups_stay_two_words() {
    use core::mem::size_of;
    assert_eq!(size_of::<Option<Key>>(), size_of::<Key>());
    assert_eq!(size_of::<KeyError>(), 1);
    assert_eq!(size_of::<Result<&u64, KeyError>>(), 2 * size_of::<usize>());
    assert_eq!(size_of::<Slot<()>>(), 8);
}

#[cfg(feature = "alloc")]
#[test]
fn the_heap_table_grows_and_reuses_freed_slots() {
    let mut t: HeapSlotTable<Option<u32>> = HeapSlotTable::new();
    let keys: alloc::vec::Vec<Key> = (0..100u32).map(|v| t.insert(v).unwrap()).collect();
    assert_eq!((t.slot_count(), t.capacity()), (100, None));
    t.remove(keys[10]).unwrap();
    t.remove(keys[20]).unwrap();
    assert_eq!(t.insert(7), Ok(key(20, 2)));
    assert_eq!(t.slot_count(), 100);
    assert_eq!(t.get(keys[20]), Err(KeyError::Stale));
    assert_eq!(t.get(keys[99]), Ok(&99));
    assert_eq!(t.len(), 99);
}

#[test]
fn key_at_names_only_an_occupied_slot() {
    let mut t: InlineSlotTable<Option<u32>, 3> = InlineSlotTable::new();
    let a = t.insert(1).unwrap();
    assert_eq!(t.key_at(0), Some(a));
    assert_eq!(t.key_at(1), None, "never handed out");
    assert_eq!(t.key_at(99), None, "past every slot");
    t.remove(a).unwrap();
    assert_eq!(t.key_at(0), None, "vacated");
    let b = t.insert(2).unwrap();
    assert_eq!(t.key_at(0), Some(b));
    assert_ne!(
        Some(a),
        t.key_at(0),
        "the next occupancy's key, not the old one"
    );
}

#[test]
fn remove_with_hands_over_the_value_and_refuses_like_remove() {
    let mut t: InlineSlotTable<Option<(u32, u64)>, 2> = InlineSlotTable::new();
    let a = t.insert((7, 70)).unwrap();
    assert_eq!(t.remove_with(a, |(x, _)| x), Ok(7));
    assert_eq!(t.remove_with(a, |(x, _)| x), Err(KeyError::Stale));
    assert_eq!(t.remove_with(key(1, 1), |(x, _)| x), Err(KeyError::Forged));
    assert!(t.is_empty());
}

/// Outside audit: `capacity` was documented as "the most slots the table can ever hold",
/// while a prepared table's is the slots prepared so far, which each `prepare` raises.
#[test]
fn a_prepared_tables_capacity_is_the_slots_prepared_so_far() {
    let mut t: SlotTable<u8, PreparedSlots<u8, 3>> = SlotTable::prepared();
    assert_eq!(t.capacity(), Some(0));
    assert!(!t.has_vacancy());
    t.prepare(1).unwrap();
    assert_eq!((t.capacity(), t.prepared_count()), (Some(1), 1));
    let k = t.try_occupy(|_, _| Ok::<(), ()>(())).unwrap();
    assert_eq!(
        t.try_occupy(|_, _| Ok::<(), ()>(())),
        Err(OccupyError::Full(SlotsFull::AtCapacity { capacity: 1 }))
    );
    t.prepare(2).unwrap();
    t.prepare(3).unwrap();
    assert_eq!(t.prepare(4), Err(4), "all N prepared");
    assert_eq!(t.capacity(), Some(3));
    assert_eq!(t.payload(k), Ok(&1));
}
