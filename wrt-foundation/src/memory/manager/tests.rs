use super::*;
use crate::memory::Access;
use crate::slots::Key;
use core::fmt::Write;

const RW: MemoryProtection = MemoryProtection::READ_WRITE;
const PAGE: usize = PAGE_SIZE;

type Small = FixedMemoryManager<2, { 2 * PAGE }>;

#[test]
fn budget_is_charged_on_allocate_and_grow_and_refunded_on_release() {
    let mut m = Small::new(Some(3 * PAGE));
    let a = m.allocate_memory(PAGE, RW).unwrap();
    let b = m.allocate_memory(PAGE, RW).unwrap();
    assert_eq!((m.total_allocated(), m.available()), (2 * PAGE, Some(PAGE)));
    assert_eq!(m.grow(a, 1), Ok(1));
    assert_eq!(
        m.grow(b, 1),
        Err(MemoryError::AllocationLimitExceeded {
            requested: PAGE,
            available: 0
        })
    );
    assert_eq!(
        m.memory(b).unwrap().pages(),
        1,
        "refused grow changed nothing"
    );
    let info = m.release(a).unwrap();
    assert_eq!((info.id, info.size, info.pages), (a, 2 * PAGE, 2));
    assert_eq!((m.total_allocated(), m.peak_allocated()), (PAGE, 3 * PAGE));
    assert_eq!(m.grow(b, 1), Ok(1));
    assert_eq!(m.region(b).unwrap().size, 2 * PAGE);
}

#[test]
fn lowering_the_budget_below_use_never_underflows() {
    let mut m = Small::new(None);
    m.allocate_memory(2 * PAGE, RW).unwrap();
    m.set_max_memory(Some(PAGE));
    assert_eq!(m.available(), Some(0));
    assert_eq!(
        m.allocate_memory(PAGE, RW),
        Err(MemoryError::AllocationLimitExceeded {
            requested: PAGE,
            available: 0
        })
    );
    assert_eq!(m.largest_allocatable(), 0);
    assert_eq!(m.allocate_memory(0, RW).map(|_| m.region_count()), Ok(2));
}

#[test]
fn each_refusal_carries_its_numbers_and_changes_nothing() {
    let mut m = Small::new(None);
    assert_eq!(
        m.allocate_memory(PAGE + 1, RW),
        Err(MemoryError::UnalignedSize {
            size: PAGE + 1,
            page_size: PAGE
        })
    );
    assert_eq!(
        m.allocate_memory(3 * PAGE, RW),
        Err(MemoryError::SizeTooLarge {
            requested: 3 * PAGE,
            max_size: 2 * PAGE
        })
    );
    assert_eq!(
        m.allocate_pages(2, Some(1), RW),
        Err(MemoryError::InvalidLimits {
            initial: 2,
            maximum: 1
        })
    );
    assert_eq!(
        m.allocate_pages(u32::MAX, None, RW),
        Err(MemoryError::SizeTooLarge {
            requested: u32::MAX as usize * PAGE,
            max_size: 2 * PAGE
        })
    );
    assert_eq!((m.region_count(), m.total_allocated()), (0, 0));
    m.allocate_memory(0, RW).unwrap();
    m.allocate_memory(0, RW).unwrap();
    assert_eq!(
        m.allocate_memory(0, RW),
        Err(MemoryError::RegionTableFull { capacity: 2 })
    );
    assert_eq!(m.region_count(), 2);
}

#[test]
fn released_ids_never_reach_the_reused_slot() {
    let mut m = Small::new(None);
    let old = m.allocate_memory(PAGE, RW).unwrap();
    m.memory_mut(old).unwrap().store_u8(0, 1).unwrap();
    m.release(old).unwrap();
    let new = m.allocate_memory(PAGE, RW).unwrap();
    assert_eq!(new.index(), old.index());
    assert_ne!(new.generation(), old.generation());
    let unknown = MemoryError::StaleRegion { id: old };
    assert_eq!(m.release(old), Err(unknown));
    assert_eq!(m.region(old), Err(unknown));
    assert_eq!(m.grow(old, 1), Err(unknown));
    assert!(m.memory(old).is_err());
    assert_eq!(
        m.memory(new).unwrap().load_u8(0),
        Ok(0),
        "reused slot is zeroed"
    );
}

#[test]
fn region_memory_writes_and_respects_protection_and_maximum() {
    let mut m = Small::new(None);
    let id = m
        .allocate_pages(1, Some(1), MemoryProtection::READ)
        .unwrap();
    let mut mem = m.memory_mut(id).unwrap();
    assert_eq!(
        mem.store_u32(0, 1),
        Err(MemoryError::AccessDenied {
            access: Access::Write,
            protection: MemoryProtection::READ
        })
    );
    mem.set_protection(RW);
    mem.store_u32(0, 0x0403_0201).unwrap();
    mem.store_u16(4, 0x0605).unwrap();
    mem.store_u8(6, 7).unwrap();
    mem.store_u64(8, 1).unwrap();
    mem.store_i32(16, -1).unwrap();
    mem.store_i64(20, -1).unwrap();
    mem.store(28, [9]).unwrap();
    mem.write(29, &[10]).unwrap();
    mem.fill(30, 2, 11).unwrap();
    mem.copy_within(0, 32, 4).unwrap();
    mem.as_bytes_mut().unwrap()[36] = 12;
    assert_eq!(mem.load_u32(32), Ok(0x0403_0201));
    assert_eq!(
        mem.grow(1),
        Err(MemoryError::GrowLimitExceeded {
            requested: 1,
            available: 0,
            maximum: 1
        })
    );
    assert_eq!(m.total_allocated(), PAGE);
    let info = m.region(id).unwrap();
    assert_eq!((info.protection, info.maximum_pages), (RW, 1));
    assert_eq!(
        m.memory(id).unwrap().load::<7>(30),
        Ok([11, 11, 1, 2, 3, 4, 12])
    );
}

#[test]
fn figures_for_metrics() {
    let mut m = Small::new(Some(3 * PAGE + 100));
    assert_eq!(m.region_capacity(), Some(2));
    assert_eq!(m.max_region_size(), 2 * PAGE);
    assert_eq!(m.largest_allocatable(), 2 * PAGE);
    let a = m.allocate_memory(2 * PAGE, RW).unwrap();
    assert_eq!(
        m.largest_allocatable(),
        PAGE,
        "budget rounded down to pages"
    );
    let b = m.allocate_memory(0, RW).unwrap();
    assert_eq!(m.largest_allocatable(), 0, "no slot left");
    assert!(m.regions().map(|r| r.id).eq([a, b]));
    assert_eq!(m.max_memory(), Some(3 * PAGE + 100));
}

#[test]
fn exhausted_generation_retires_the_slot() {
    let mut m = FixedMemoryManager::<1, PAGE>::new(None);
    let id = m.allocate_memory(0, RW).unwrap();
    m.table
        .slots_mut()
        .force_generation(id.index(), core::num::NonZeroU32::MAX);
    let id = RegionId::new(crate::slots::Key::new(
        id.index(),
        core::num::NonZeroU32::MAX,
    ));
    m.release(id).unwrap();
    assert_eq!(
        m.allocate_memory(0, RW),
        Err(MemoryError::RegionTableFull { capacity: 1 })
    );
    assert_eq!(m.largest_allocatable(), 0);
}

static MANAGER_IN_A_STATIC: FixedMemoryManager<2, PAGE> = FixedMemoryManager::new(Some(PAGE));

#[test]
fn fixed_manager_is_const() {
    assert_eq!(MANAGER_IN_A_STATIC.available(), Some(PAGE));
    assert_eq!(MANAGER_IN_A_STATIC.region_count(), 0);
}

#[cfg(feature = "alloc")]
#[test]
fn heap_manager_adds_slots_and_reuses_freed_ones() {
    let mut m = HeapMemoryManager::new(Some(4 * PAGE));
    assert_eq!(m.region_capacity(), None);
    assert_eq!(
        m.max_region_size(),
        crate::memory::MAX_PAGES as usize * PAGE
    );
    let ids: alloc::vec::Vec<RegionId> = (0..4)
        .map(|_| m.allocate_memory(PAGE, RW).unwrap())
        .collect();
    assert!(matches!(
        m.allocate_memory(PAGE, RW),
        Err(MemoryError::AllocationLimitExceeded { .. })
    ));
    m.release(ids[1]).unwrap();
    let again = m.allocate_memory(PAGE, RW).unwrap();
    assert_eq!(again.index(), 1);
    assert_eq!(m.grow(again, 0), Ok(1));
    m.set_max_memory(None);
    assert_eq!(m.grow(again, 3), Ok(1));
    assert_eq!(m.total_allocated(), 7 * PAGE);
}

/// Outside audit: the forged-id refusal said "this manager of 1 slots" of a manager of four
/// slots: its figure is the slots handed out so far (an id indexing at or past them was
/// never issued), not the capacity. The message and the field's rustdoc now say so.
#[test]
fn a_forged_id_is_refused_with_the_slots_handed_out_so_far() {
    let mut m = FixedMemoryManager::<4, PAGE>::new(None);
    m.allocate_memory(PAGE, RW).unwrap();
    let forged = RegionId::new(Key::new(3, Key::FIRST_GENERATION));
    let refused = m.region(forged).unwrap_err();
    assert_eq!(
        refused,
        MemoryError::ForgedRegion {
            id: forged,
            slots: 1
        }
    );
    let mut message: heapless::String<96> = heapless::String::new();
    write!(message, "{refused}").unwrap();
    assert_eq!(
        message,
        "region 3 (generation 1) was never issued by this manager (1 slots handed out so far)"
    );
}
