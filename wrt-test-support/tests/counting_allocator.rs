//! The counting allocator installed as a test binary's global allocator, as the other
//! crates' tests install it: without this check, a broken counter would make every
//! "allocates nothing" test pass.

use wrt_test_support::counting_allocator::{
    CountingAllocator, Requested, allocations_during, requested_during,
};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn the_counter_sees_a_heap_allocation() {
    let (_, requested) = requested_during(|| drop(std::hint::black_box(vec![0u8; 100_000])));
    assert_eq!(
        requested,
        Requested {
            allocations: 1,
            bytes: 100_000,
            largest: 100_000
        }
    );
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(Box::new([0u8; 32])))),
        1
    );
    assert_eq!(allocations_during(|| {}), 0);
}

#[test]
fn a_realloc_counts_with_its_new_size() {
    let mut grown = Vec::<u8>::with_capacity(16);
    let (_, requested) = requested_during(|| grown.reserve_exact(4_096));
    assert_eq!(requested.allocations, 1);
    assert!(requested.bytes >= 4_096 && requested.largest >= 4_096);
}
