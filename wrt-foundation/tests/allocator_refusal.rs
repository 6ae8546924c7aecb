//! The heap forms under an allocator that says no: the refusal's `requested` figure is what
//! the allocator was asked for, and nothing changes. (Outside audit: the slot table used to
//! report one slot's size where the whole grown vector was asked for, and heap storage the
//! increment where the whole grown buffer was.)
#![cfg(feature = "alloc")]

use wrt_foundation::memory::{
    HeapStorage, LinearMemory, MemoryError, MemoryProtection, MemoryStorage, PAGE_SIZE,
};
use wrt_foundation::slots::{HeapSlotTable, OccupyError, SlotsFull};
use wrt_test_support::counting_allocator::{CountingAllocator, refusing_above};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn a_heap_slot_table_reports_the_bytes_asked_for_its_grown_slots() {
    let mut table: HeapSlotTable<Option<[u8; 1000]>> = HeapSlotTable::new();
    for _ in 0..4 {
        table.insert([0; 1000]).unwrap();
    }
    let (refused, asked) = refusing_above(5000, || {
        table.try_occupy(|_, v: &mut Option<[u8; 1000]>| {
            *v = Some([1; 1000]);
            Ok::<(), ()>(())
        })
    });
    let asked = asked.expect("the allocator was asked for more than 5000 bytes");
    assert!(asked > 5000);
    match refused {
        Err(OccupyError::Full(SlotsFull::HostAllocationFailed { requested })) => {
            assert_eq!(requested, asked);
        }
        other => panic!("expected a host allocation refusal, got {other:?}"),
    }
    assert_eq!(table.len(), 4);
}

#[test]
fn heap_storage_reports_the_whole_grown_buffer() {
    let mut storage = HeapStorage::new();
    storage.grow_to(100).unwrap();
    let (refused, asked) = refusing_above(150, || storage.grow_to(200));
    assert_eq!(asked, Some(200));
    assert_eq!(
        refused,
        Err(MemoryError::HostAllocationFailed { requested: 200 })
    );
    assert_eq!(storage.bytes().len(), 100);
}

#[test]
fn a_heap_memory_refused_growth_reports_the_bytes_asked_and_keeps_its_contents() {
    let mut memory = LinearMemory::heap(1, None, MemoryProtection::READ_WRITE).unwrap();
    memory.store_u8(5, 9).unwrap();
    let (refused, asked) = refusing_above(PAGE_SIZE + PAGE_SIZE / 2, || memory.grow(1));
    assert_eq!(asked, Some(2 * PAGE_SIZE));
    assert_eq!(
        refused,
        Err(MemoryError::HostAllocationFailed {
            requested: 2 * PAGE_SIZE
        })
    );
    assert_eq!(memory.pages(), 1);
    assert_eq!(memory.load_u8(5), Ok(9));
}
