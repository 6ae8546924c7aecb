use super::*;
use crate::memory::{BorrowedStorage, InlineStorage};

const RW: MemoryProtection = MemoryProtection::READ_WRITE;
const PAGE: u64 = PAGE_SIZE as u64;

fn one_page() -> InlineLinearMemory<PAGE_SIZE> {
    InlineLinearMemory::<PAGE_SIZE>::inline(1, None, RW).unwrap()
}

#[test]
fn zero_length_access_at_the_end_is_in_bounds_and_one_past_is_not() {
    let mut m = one_page();
    m.write(PAGE, &[]).unwrap();
    m.fill(PAGE, 0, 1).unwrap();
    m.copy_within(PAGE, PAGE, 0).unwrap();
    assert_eq!(
        m.write(PAGE + 1, &[]),
        Err(MemoryError::OutOfBounds {
            offset: PAGE + 1,
            len: 0,
            size: PAGE
        })
    );
    assert_eq!(
        m.load_u8(PAGE),
        Err(MemoryError::OutOfBounds {
            offset: PAGE,
            len: 1,
            size: PAGE
        })
    );
    m.store_u8(PAGE - 1, 9).unwrap();
    assert_eq!(m.load_u8(PAGE - 1), Ok(9));
}

#[test]
fn overflowing_ranges_are_out_of_bounds_never_wrapped() {
    let mut m = one_page();
    for (offset, len) in [
        (u64::MAX, 1),
        (1, u64::MAX),
        (u64::from(u32::MAX), 2),
        (usize::MAX as u64, 1),
    ] {
        assert_eq!(
            m.fill(offset, len, 0),
            Err(MemoryError::OutOfBounds {
                offset,
                len,
                size: PAGE
            })
        );
    }
    assert!(matches!(
        m.copy_within(0, u64::MAX, 2),
        Err(MemoryError::OutOfBounds { .. })
    ));
    assert!(m.as_bytes().unwrap().iter().all(|&b| b == 0));
}

#[test]
fn little_endian_round_trips_for_every_width() {
    let mut m = one_page();
    m.store_u16(0, 0x0102).unwrap();
    assert_eq!(m.load::<2>(0).unwrap(), [0x02, 0x01]);
    m.store_u32(4, 0x0102_0304).unwrap();
    assert_eq!(m.load::<4>(4).unwrap(), [4, 3, 2, 1]);
    m.store_u64(8, 0x0102_0304_0506_0708).unwrap();
    assert_eq!(m.load_u64(8).unwrap(), 0x0102_0304_0506_0708);
    assert_eq!(m.load_u8(8).unwrap(), 8);
    m.store_i32(16, -2).unwrap();
    assert_eq!(m.load_i32(16).unwrap(), -2);
    assert_eq!(m.load_u32(16).unwrap(), u32::MAX - 1);
    m.store_i64(24, i64::MIN).unwrap();
    assert_eq!(m.load_i64(24).unwrap(), i64::MIN);
    assert_eq!(m.load_u16(0).unwrap(), 0x0102);
}

#[test]
fn copy_within_handles_overlap_like_memmove() {
    let mut m = one_page();
    m.write(0, &[1, 2, 3, 4, 5]).unwrap();
    m.copy_within(0, 2, 5).unwrap();
    let mut out = [0; 7];
    m.read(0, &mut out).unwrap();
    assert_eq!(out, [1, 2, 1, 2, 3, 4, 5]);
    m.copy_within(2, 0, 5).unwrap();
    m.read(0, &mut out).unwrap();
    assert_eq!(out, [1, 2, 3, 4, 5, 4, 5]);
}

#[test]
fn protection_is_checked_before_bounds_and_can_change() {
    let mut m = one_page();
    m.set_protection(MemoryProtection::READ);
    let denied_write = MemoryError::AccessDenied {
        access: Access::Write,
        protection: MemoryProtection::READ,
    };
    assert_eq!(m.store_u8(u64::MAX, 1), Err(denied_write));
    assert_eq!(m.copy_within(0, 1, 1), Err(denied_write));
    assert_eq!(m.as_bytes_mut().map(|b| b.len()), Err(denied_write));
    assert_eq!(m.load_u8(0), Ok(0));
    m.set_protection(MemoryProtection::NONE);
    assert_eq!(
        m.load_u8(0),
        Err(MemoryError::AccessDenied {
            access: Access::Read,
            protection: MemoryProtection::NONE
        })
    );
    assert!(m.as_bytes().is_err());
    m.set_protection(RW);
    m.store_u8(0, 1).unwrap();
}

#[test]
fn grow_reports_previous_size_and_refuses_without_change() {
    let mut m = InlineLinearMemory::<{ 3 * PAGE_SIZE }>::inline(0, Some(2), RW).unwrap();
    assert_eq!(m.maximum_pages(), 2);
    assert_eq!(m.grow(0), Ok(0));
    assert_eq!(m.grow(1), Ok(0));
    m.store_u8(PAGE - 1, 7).unwrap();
    assert_eq!(
        m.grow(2),
        Err(MemoryError::GrowLimitExceeded {
            requested: 2,
            available: 1,
            maximum: 2
        })
    );
    assert_eq!(
        m.grow(u32::MAX),
        Err(MemoryError::GrowLimitExceeded {
            requested: u32::MAX,
            available: 1,
            maximum: 2
        })
    );
    assert_eq!((m.pages(), m.size_bytes()), (1, PAGE_SIZE));
    assert_eq!(m.grow(1), Ok(1));
    assert_eq!(m.load_u8(PAGE - 1), Ok(7));
    assert_eq!(m.load_u8(PAGE), Ok(0), "new pages are zero");
}

#[test]
fn initial_above_maximum_or_capacity_is_invalid() {
    assert_eq!(
        InlineLinearMemory::<PAGE_SIZE>::inline(2, None, RW).unwrap_err(),
        MemoryError::InvalidLimits {
            initial: 2,
            maximum: 1
        }
    );
    assert_eq!(
        InlineLinearMemory::<{ 2 * PAGE_SIZE }>::inline(2, Some(1), RW).unwrap_err(),
        MemoryError::InvalidLimits {
            initial: 2,
            maximum: 1
        }
    );
}

#[test]
fn borrowed_memory_zeroes_foreign_bytes_and_uses_whole_pages_only() {
    let mut ram = [0xEEu8; PAGE_SIZE + PAGE_SIZE / 2];
    {
        let mut m = BorrowedLinearMemory::borrowed(&mut ram, 0, None, RW).unwrap();
        assert_eq!(m.maximum_pages(), 1, "half a page is never used");
        assert_eq!(m.grow(1), Ok(0));
        assert!(m.as_bytes().unwrap().iter().all(|&b| b == 0));
        m.store_u32(0, 0xAABB_CCDD).unwrap();
    }
    assert_eq!(&ram[..5], &[0xDD, 0xCC, 0xBB, 0xAA, 0]);
    assert_eq!(ram[PAGE_SIZE], 0xEE, "bytes past the last page untouched");
}

#[test]
fn new_discards_previously_committed_bytes() {
    let mut storage = InlineStorage::<PAGE_SIZE>::inline();
    storage.grow_to(8).unwrap();
    storage.bytes_mut().fill(5);
    let m = LinearMemory::new(storage, 1, None, RW).unwrap();
    assert!(m.as_bytes().unwrap().iter().all(|&b| b == 0));
    let mut small = [1u8; 10];
    let tiny = LinearMemory::new(BorrowedStorage::new(&mut small[..]), 0, None, RW).unwrap();
    assert_eq!(tiny.maximum_pages(), 0);
}

static MEMORY_IN_A_STATIC: InlineLinearMemory<PAGE_SIZE> =
    InlineLinearMemory::<PAGE_SIZE>::inline_empty(Some(5), MemoryProtection::READ_WRITE);

#[test]
fn inline_empty_is_const_and_capped_by_capacity() {
    assert_eq!(MEMORY_IN_A_STATIC.pages(), 0);
    assert_eq!(MEMORY_IN_A_STATIC.maximum_pages(), 1);
    let mut m = InlineLinearMemory::<PAGE_SIZE>::inline_empty(None, RW);
    assert_eq!(m.grow(1), Ok(0));
    assert_eq!(
        std::format!("{m:?}"),
        "LinearMemory { pages: 1, maximum_pages: 1, protection: MemoryProtection { read: true, write: true, execute: false } }"
    );
}

#[cfg(feature = "alloc")]
#[test]
fn heap_memory_grows_to_the_wasm_limit_by_default() {
    let mut m = HeapLinearMemory::heap(1, None, RW).unwrap();
    assert_eq!(m.maximum_pages(), MAX_PAGES);
    assert_eq!(m.grow(2), Ok(1));
    m.store_u64(3 * PAGE - 8, u64::MAX).unwrap();
    assert_eq!(m.load_u64(3 * PAGE - 8), Ok(u64::MAX));
    assert_eq!(m.storage().bytes().len(), 3 * PAGE_SIZE);
}
