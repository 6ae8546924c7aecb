//! Model-based test of `LinearMemory` against a `Vec<u8>`: random reads, writes, fills,
//! copies, loads, stores, grows and protection changes, with offsets and lengths drawn
//! around every edge (the end of memory, `u32::MAX`, `usize::MAX`, `u64::MAX`) so that
//! `offset + len` overflows `u32`, `usize` and `u64`. Run for the inline, borrowed and
//! (with `alloc`) heap storage forms; contents are compared after every step.

use proptest::prelude::*;
use wrt_foundation::memory::{
    Access, BorrowedLinearMemory, InlineLinearMemory, LinearMemory, MemoryError, MemoryProtection,
    MemoryStorage, PAGE_SIZE,
};

/// An offset or length, resolved against the memory's size when the operation runs.
#[derive(Debug, Clone, Copy)]
enum Num {
    Small(u64),
    /// `size - k` (saturating) .. `size + k`.
    NearEnd(i64),
    Huge(u64),
}

impl Num {
    fn resolve(self, size: u64) -> u64 {
        match self {
            Num::Small(n) | Num::Huge(n) => n,
            Num::NearEnd(k) => size.saturating_add_signed(k),
        }
    }
}

fn num() -> impl Strategy<Value = Num> {
    let huge = prop_oneof![
        Just(u64::from(u32::MAX)),
        Just(u64::from(u32::MAX) - 1),
        Just(u64::from(u32::MAX) + 1),
        Just(usize::MAX as u64),
        Just(u64::MAX),
        Just(u64::MAX - 3),
    ];
    prop_oneof![
        3 => (0u64..64).prop_map(Num::Small),
        3 => (-9i64..=9).prop_map(Num::NearEnd),
        1 => huge.prop_map(Num::Huge),
    ]
}

/// Lengths of real buffers must stay small; their offsets still reach every edge.
fn buf_len() -> impl Strategy<Value = usize> {
    prop_oneof![0usize..16, Just(PAGE_SIZE)]
}

#[derive(Debug, Clone)]
enum Op {
    Read(Num, usize),
    Write(Num, usize, u8),
    Fill(Num, Num, u8),
    Copy(Num, Num, Num),
    Load(Num, u8),
    Store(Num, u8, u64),
    Grow(u32),
    Protect(bool, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let width = prop_oneof![Just(1u8), Just(2), Just(4), Just(8)];
    let delta = prop_oneof![0u32..=3, Just(u32::MAX), Just(u32::MAX - 1)];
    prop_oneof![
        2 => (num(), buf_len()).prop_map(|(o, l)| Op::Read(o, l)),
        3 => (num(), buf_len(), any::<u8>()).prop_map(|(o, l, b)| Op::Write(o, l, b)),
        2 => (num(), num(), any::<u8>()).prop_map(|(o, l, b)| Op::Fill(o, l, b)),
        2 => (num(), num(), num()).prop_map(|(s, d, l)| Op::Copy(s, d, l)),
        2 => (num(), width.clone()).prop_map(|(o, w)| Op::Load(o, w)),
        3 => (num(), width, any::<u64>()).prop_map(|(o, w, v)| Op::Store(o, w, v)),
        1 => delta.prop_map(Op::Grow),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(r, w)| Op::Protect(r, w)),
    ]
}

struct Model {
    bytes: Vec<u8>,
    maximum_pages: u32,
    protection: MemoryProtection,
}

impl Model {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn permit(&self, access: Access) -> Result<(), MemoryError> {
        if self.protection.allows(access) {
            Ok(())
        } else {
            Err(MemoryError::AccessDenied {
                access,
                protection: self.protection,
            })
        }
    }

    /// The range, computed in `u128` so nothing can overflow in the model.
    fn bounds(&self, offset: u64, len: u64) -> Result<core::ops::Range<usize>, MemoryError> {
        if u128::from(offset) + u128::from(len) > u128::from(self.size()) {
            return Err(MemoryError::OutOfBounds {
                offset,
                len,
                size: self.size(),
            });
        }
        Ok(offset as usize..(offset + len) as usize)
    }

    fn check(
        &self,
        access: Access,
        offset: u64,
        len: u64,
    ) -> Result<core::ops::Range<usize>, MemoryError> {
        self.permit(access)?;
        self.bounds(offset, len)
    }
}

fn step<S: MemoryStorage>(memory: &mut LinearMemory<S>, model: &mut Model, op: Op) {
    let size = model.size();
    match op {
        Op::Read(offset, len) => {
            let offset = offset.resolve(size);
            let mut buf = vec![0xA5; len];
            let expected = model.check(Access::Read, offset, len as u64);
            assert_eq!(memory.read(offset, &mut buf), expected.clone().map(|_| ()));
            match expected {
                Ok(range) => assert_eq!(buf, model.bytes[range]),
                Err(_) => assert!(buf.iter().all(|&b| b == 0xA5), "buffer touched on error"),
            }
        }
        Op::Write(offset, len, byte) => {
            let offset = offset.resolve(size);
            let data: Vec<u8> = (0..len).map(|i| byte.wrapping_add(i as u8)).collect();
            let expected = model.check(Access::Write, offset, len as u64);
            assert_eq!(memory.write(offset, &data), expected.clone().map(|_| ()));
            if let Ok(range) = expected {
                model.bytes[range].copy_from_slice(&data);
            }
        }
        Op::Fill(offset, len, byte) => {
            let (offset, len) = (offset.resolve(size), len.resolve(size));
            let expected = model.check(Access::Write, offset, len);
            assert_eq!(memory.fill(offset, len, byte), expected.clone().map(|_| ()));
            if let Ok(range) = expected {
                model.bytes[range].fill(byte);
            }
        }
        Op::Copy(src, dst, len) => {
            let (src, dst, len) = (src.resolve(size), dst.resolve(size), len.resolve(size));
            let expected = model
                .permit(Access::Read)
                .and_then(|()| model.permit(Access::Write))
                .and_then(|()| Ok((model.bounds(src, len)?, model.bounds(dst, len)?)));
            assert_eq!(
                memory.copy_within(src, dst, len),
                expected.clone().map(|_| ())
            );
            if let Ok((from, to)) = expected {
                model.bytes.copy_within(from, to.start);
            }
        }
        Op::Load(offset, width) => {
            let offset = offset.resolve(size);
            let expected = model
                .check(Access::Read, offset, u64::from(width))
                .map(|range| {
                    let mut le = [0u8; 8];
                    le[..usize::from(width)].copy_from_slice(&model.bytes[range]);
                    u64::from_le_bytes(le)
                });
            let actual = match width {
                1 => memory.load_u8(offset).map(u64::from),
                2 => memory.load_u16(offset).map(u64::from),
                4 => memory.load_u32(offset).map(u64::from),
                _ => memory.load_u64(offset),
            };
            assert_eq!(actual, expected);
            if width == 4 {
                assert_eq!(memory.load_i32(offset), expected.map(|v| v as u32 as i32));
            }
        }
        Op::Store(offset, width, value) => {
            let offset = offset.resolve(size);
            let expected = model.check(Access::Write, offset, u64::from(width));
            let actual = match width {
                1 => memory.store_u8(offset, value as u8),
                2 => memory.store_u16(offset, value as u16),
                4 => memory.store_u32(offset, value as u32),
                _ => memory.store_i64(offset, value as i64),
            };
            assert_eq!(actual, expected.clone().map(|_| ()));
            if let Ok(range) = expected {
                model.bytes[range].copy_from_slice(&value.to_le_bytes()[..usize::from(width)]);
            }
        }
        Op::Grow(delta) => {
            let pages = (model.bytes.len() / PAGE_SIZE) as u32;
            let available = model.maximum_pages - pages;
            let expected = if delta > available {
                Err(MemoryError::GrowLimitExceeded {
                    requested: delta,
                    available,
                    maximum: model.maximum_pages,
                })
            } else {
                model
                    .bytes
                    .resize(model.bytes.len() + delta as usize * PAGE_SIZE, 0);
                Ok(pages)
            };
            assert_eq!(memory.grow(delta), expected);
        }
        Op::Protect(read, write) => {
            model.protection = MemoryProtection {
                read,
                write,
                execute: false,
            };
            memory.set_protection(model.protection);
        }
    }
}

fn run<S: MemoryStorage>(mut memory: LinearMemory<S>, ops: Vec<Op>) {
    let mut model = Model {
        bytes: vec![0; memory.size_bytes()],
        maximum_pages: memory.maximum_pages(),
        protection: memory.protection(),
    };
    for op in ops {
        step(&mut memory, &mut model, op);
        assert_eq!(memory.storage().bytes(), model.bytes.as_slice());
        assert_eq!(memory.pages() as usize * PAGE_SIZE, model.bytes.len());
        assert_eq!(memory.protection(), model.protection);
    }
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..48)
}

const RW: MemoryProtection = MemoryProtection::READ_WRITE;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn inline_memory_matches_vec_model(ops in ops(), initial in 0u32..=2) {
        run(InlineLinearMemory::<{ 2 * PAGE_SIZE }>::inline(initial, None, RW).unwrap(), ops);
    }

    #[test]
    fn borrowed_memory_matches_vec_model(ops in ops(), initial in 0u32..=1, garbage in any::<u8>()) {
        // Two and a half pages lent, so two usable; stale contents must never show.
        let mut ram = vec![garbage; 2 * PAGE_SIZE + PAGE_SIZE / 2];
        run(BorrowedLinearMemory::borrowed(&mut ram, initial, Some(2), RW).unwrap(), ops);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn heap_memory_matches_vec_model(ops in ops(), initial in 0u32..=1) {
        run(wrt_foundation::memory::HeapLinearMemory::heap(initial, Some(3), RW).unwrap(), ops);
    }
}

#[test]
fn overflow_of_u32_usize_and_u64_is_out_of_bounds_in_every_form() {
    fn check<S: MemoryStorage>(mut memory: LinearMemory<S>) {
        let size = memory.size_bytes() as u64;
        for (offset, len) in [
            (u64::from(u32::MAX), 1),     // end just past u32
            (u64::from(u32::MAX) - 1, 4), // straddles the u32 boundary
            (usize::MAX as u64, 1),       // overflows usize (and u64 on 64-bit hosts)
            (u64::MAX, 1),                // overflows u64
            (1, u64::MAX),
            (size, 1),
        ] {
            let oob = Err(MemoryError::OutOfBounds { offset, len, size });
            assert_eq!(memory.fill(offset, len, 1), oob);
            assert_eq!(memory.copy_within(offset, 0, len), oob);
            assert_eq!(memory.copy_within(0, offset, len).map_err(|_| ()), Err(()));
        }
        assert!(memory.storage().bytes().iter().all(|&b| b == 0));
    }
    check(InlineLinearMemory::<PAGE_SIZE>::inline(1, None, RW).unwrap());
    let mut ram = vec![0u8; PAGE_SIZE];
    check(BorrowedLinearMemory::borrowed(&mut ram, 1, None, RW).unwrap());
    #[cfg(feature = "alloc")]
    check(wrt_foundation::memory::HeapLinearMemory::heap(1, None, RW).unwrap());
}
