//! Model-based tests: `BoundedVec` against `Vec`, `BoundedMap` against `BTreeMap` and
//! `BoundedString` against `String`, compared after every operation of random sequences.

extern crate alloc;

use alloc::collections::BTreeMap;

use proptest::prelude::*;
use wrt_foundation::{BoundedMap, BoundedString, BoundedVec, CapacityError, StringCapacityError};

const N: usize = 6;

#[derive(Debug, Clone)]
enum VecOp {
    Push(u8),
    Pop,
    Insert(usize, u8),
    Remove(usize),
    SwapRemove(usize),
    Get(usize),
    Set(usize, u8),
    Extend(Vec<u8>),
    RetainEven,
    Clear,
}

fn vec_op() -> impl Strategy<Value = VecOp> {
    // Indices up to N + 2 reach past the end; pushes dominate so the vector fills up.
    let index = 0..N + 2;
    prop_oneof![
        4 => any::<u8>().prop_map(VecOp::Push),
        1 => Just(VecOp::Pop),
        2 => (index.clone(), any::<u8>()).prop_map(|(i, v)| VecOp::Insert(i, v)),
        1 => index.clone().prop_map(VecOp::Remove),
        1 => index.clone().prop_map(VecOp::SwapRemove),
        1 => index.clone().prop_map(VecOp::Get),
        1 => (index, any::<u8>()).prop_map(|(i, v)| VecOp::Set(i, v)),
        1 => proptest::collection::vec(any::<u8>(), 0..4).prop_map(VecOp::Extend),
        1 => Just(VecOp::RetainEven),
        1 => Just(VecOp::Clear),
    ]
}

fn apply_vec(vec: &mut BoundedVec<u8, N>, model: &mut Vec<u8>, op: VecOp) {
    let full = |rejected| {
        Err(CapacityError {
            capacity: N,
            rejected,
        })
    };
    match op {
        VecOp::Push(v) => {
            let expected = if model.len() == N { full(v) } else { Ok(()) };
            assert_eq!(vec.push(v), expected);
            if expected.is_ok() {
                model.push(v);
            }
        }
        VecOp::Pop => assert_eq!(vec.pop(), model.pop()),
        VecOp::Insert(i, v) => {
            let expected = if model.len() == N { full(v) } else { Ok(()) };
            assert_eq!(vec.insert(i, v), expected);
            if expected.is_ok() {
                model.insert(i.min(model.len()), v);
            }
        }
        VecOp::Remove(i) => {
            let expected = (i < model.len()).then(|| model.remove(i));
            assert_eq!(vec.remove(i), expected);
        }
        VecOp::SwapRemove(i) => {
            let expected = (i < model.len()).then(|| model.swap_remove(i));
            assert_eq!(vec.swap_remove(i), expected);
        }
        VecOp::Get(i) => assert_eq!(vec.get(i), model.get(i)),
        VecOp::Set(i, v) => {
            if let Some(slot) = vec.get_mut(i) {
                *slot = v;
            }
            if let Some(slot) = model.get_mut(i) {
                *slot = v;
            }
        }
        VecOp::Extend(values) => {
            let fits = model.len() + values.len() <= N;
            let expected = if fits {
                Ok(())
            } else {
                Err(CapacityError {
                    capacity: N,
                    rejected: values.len(),
                })
            };
            assert_eq!(vec.extend_from_slice(&values), expected);
            if fits {
                model.extend_from_slice(&values);
            }
        }
        VecOp::RetainEven => {
            vec.retain(|v| v % 2 == 0);
            model.retain(|v| v % 2 == 0);
        }
        VecOp::Clear => {
            vec.clear();
            model.clear();
        }
    }
}

#[derive(Debug, Clone)]
enum MapOp {
    Insert(u8, u16),
    Remove(u8),
    Get(u8),
    Bump(u8),
    Clear,
}

fn map_op() -> impl Strategy<Value = MapOp> {
    // Few distinct keys: replacements, removals of present keys and a full map all happen.
    let key = 0u8..10;
    prop_oneof![
        5 => (key.clone(), any::<u16>()).prop_map(|(k, v)| MapOp::Insert(k, v)),
        2 => key.clone().prop_map(MapOp::Remove),
        1 => key.clone().prop_map(MapOp::Get),
        1 => key.prop_map(MapOp::Bump),
        1 => Just(MapOp::Clear),
    ]
}

fn apply_map(map: &mut BoundedMap<u8, u16, N>, model: &mut BTreeMap<u8, u16>, op: MapOp) {
    match op {
        MapOp::Insert(k, v) => {
            let expected = if model.len() == N && !model.contains_key(&k) {
                Err(CapacityError {
                    capacity: N,
                    rejected: (k, v),
                })
            } else {
                Ok(model.insert(k, v))
            };
            assert_eq!(map.insert(k, v), expected);
        }
        MapOp::Remove(k) => assert_eq!(map.remove(&k), model.remove(&k)),
        MapOp::Get(k) => {
            assert_eq!(map.get(&k), model.get(&k));
            assert_eq!(map.contains_key(&k), model.contains_key(&k));
        }
        MapOp::Bump(k) => {
            if let Some(v) = map.get_mut(&k) {
                *v = v.wrapping_add(1);
            }
            if let Some(v) = model.get_mut(&k) {
                *v = v.wrapping_add(1);
            }
        }
        MapOp::Clear => {
            map.clear();
            model.clear();
        }
    }
}

fn text_piece() -> impl Strategy<Value = String> {
    // One- to four-byte characters, so the capacity edge falls inside characters too.
    proptest::collection::vec(
        prop_oneof![Just('a'), Just('é'), Just('€'), Just('𝄞')],
        0..4,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bounded_vec_behaves_like_vec_within_capacity(ops in proptest::collection::vec(vec_op(), 1..64)) {
        let mut vec: BoundedVec<u8, N> = BoundedVec::new();
        let mut model = Vec::new();
        for op in ops {
            apply_vec(&mut vec, &mut model, op);
            prop_assert_eq!(vec.as_slice(), model.as_slice());
            prop_assert_eq!(vec.len(), model.len());
            prop_assert_eq!(vec.is_full(), model.len() == N);
            prop_assert_eq!(vec.remaining(), N - model.len());
            prop_assert!(vec.iter().eq(model.iter()));
        }
    }

    #[test]
    fn bounded_map_behaves_like_btreemap_within_capacity(ops in proptest::collection::vec(map_op(), 1..64)) {
        let mut map: BoundedMap<u8, u16, N> = BoundedMap::new();
        let mut model = BTreeMap::new();
        for op in ops {
            apply_map(&mut map, &mut model, op);
            let mut entries: Vec<(u8, u16)> = map.iter().map(|(k, v)| (*k, *v)).collect();
            entries.sort_unstable();
            let expected: Vec<(u8, u16)> = model.iter().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(entries, expected);
            prop_assert_eq!(map.len(), model.len());
            prop_assert_eq!(map.is_full(), model.len() == N);
        }
    }

    #[test]
    fn bounded_string_appends_whole_or_not_at_all(pieces in proptest::collection::vec(text_piece(), 1..16)) {
        const CAP: usize = 9;
        let mut text: BoundedString<CAP> = BoundedString::new();
        let mut model = String::new();
        for piece in pieces {
            let expected = if model.len() + piece.len() <= CAP {
                model.push_str(&piece);
                Ok(())
            } else {
                Err(StringCapacityError {
                    requested: piece.len(),
                    available: CAP - model.len(),
                    capacity: CAP,
                })
            };
            prop_assert_eq!(text.push_str(&piece), expected);
            prop_assert_eq!(text.as_str(), model.as_str());
        }
    }
}
