//! A global allocator for tests: it forwards every call to the system allocator and counts
//! what the *current thread* asks for, so a test can show that a code path allocates
//! nothing, or nothing near a size an input claimed.
//!
//! Shared by the test crates of several workspace members through `#[path]` (one copy of the
//! `unsafe` forwarding code instead of one per crate). A test crate installs it with
//!
//! ```ignore
//! #[path = "../../testing/counting_allocator.rs"]
//! mod counting_allocator;
//! #[global_allocator]
//! static GLOBAL: counting_allocator::CountingAllocator = counting_allocator::CountingAllocator;
//! ```
//!
//! Counting per thread keeps the figures exact while the test harness runs other tests on
//! other threads.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// What one thread requested from the allocator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requested {
    /// Calls to `alloc` and `realloc`.
    pub allocations: usize,
    /// Bytes asked for, summed over those calls.
    pub bytes: usize,
    /// The largest single request in bytes.
    pub largest: usize,
}

std::thread_local! {
    static REQUESTED: Cell<Requested> = const {
        Cell::new(Requested { allocations: 0, bytes: 0, largest: 0 })
    };
}

fn count(size: usize) {
    REQUESTED.with(|r| {
        let seen = r.get();
        r.set(Requested {
            allocations: seen.allocations.saturating_add(1),
            bytes: seen.bytes.saturating_add(size),
            largest: seen.largest.max(size),
        });
    });
}

/// Forwards to [`System`] and counts per thread.
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator; the only addition is a
// thread-local counter with const initialisation and no destructor, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` came from this allocator with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `work` and returns its result with what this thread requested meanwhile.
pub fn requested_during<R>(work: impl FnOnce() -> R) -> (R, Requested) {
    // Start from zero so `largest` is the largest request of `work` alone; the totals from
    // before are added back afterwards.
    let before = REQUESTED.with(|r| r.replace(Requested::default()));
    let result = work();
    let during = REQUESTED.with(Cell::get);
    REQUESTED.with(|r| {
        r.set(Requested {
            allocations: before.allocations.saturating_add(during.allocations),
            bytes: before.bytes.saturating_add(during.bytes),
            largest: before.largest.max(during.largest),
        });
    });
    (result, during)
}

/// Number of allocations this thread made while `work` ran.
pub fn allocations_during(work: impl FnOnce()) -> usize {
    requested_during(work).1.allocations
}

/// Compiled into every test crate that includes this file: without it, a broken counter
/// would make every "allocates nothing" test pass.
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
}
