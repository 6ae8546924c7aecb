//! A global allocator for tests: it forwards every call to the system allocator and counts
//! what the *current thread* asks for, so a test can show that a code path allocates
//! nothing, or nothing near a size an input claimed.
//!
//! One copy of the `unsafe` forwarding code for every test crate of the workspace. A test
//! crate installs it with
//!
//! ```
//! use wrt_test_support::counting_allocator::{CountingAllocator, allocations_during};
//!
//! #[global_allocator]
//! static GLOBAL: CountingAllocator = CountingAllocator;
//!
//! # fn main() {
//! assert_eq!(allocations_during(|| drop(Box::new(7u32))), 1);
//! # }
//! ```
//!
//! Counting per thread keeps the figures exact while the test harness runs other tests on
//! other threads. A test binary that forgot the `#[global_allocator]` line would count
//! nothing and pass every "allocates nothing" test, so [`requested_during`] first checks that
//! a probe allocation is seen, and panics if it is not.

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

std::thread_local! {
    /// Requests above this many bytes are refused (null), on this thread only.
    static CEILING: Cell<usize> = const { Cell::new(usize::MAX) };
    /// The size of the last request refused on this thread.
    static LAST_REFUSED: Cell<Option<usize>> = const { Cell::new(None) };
}

/// `true` when this thread's ceiling refuses a request of `size` bytes (and records it).
fn refuses(size: usize) -> bool {
    let refused = size > CEILING.with(Cell::get);
    if refused {
        LAST_REFUSED.with(|r| r.set(Some(size)));
    }
    refused
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
        if refuses(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        if refuses(new_size) {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from this allocator with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `work` and returns its result with what this thread requested meanwhile.
///
/// # Panics
///
/// When [`CountingAllocator`] is not this binary's global allocator: a probe allocation made
/// first must be counted.
pub fn requested_during<R>(work: impl FnOnce() -> R) -> (R, Requested) {
    // Start from zero so `largest` is the largest request of `work` alone; the totals from
    // before (the probe included) are added back afterwards.
    let before = REQUESTED.with(|r| r.replace(Requested::default()));
    drop(std::hint::black_box(Box::new(0u64)));
    let probe = REQUESTED.with(|r| r.replace(Requested::default()));
    assert_eq!(
        probe.allocations, 1,
        "the counting allocator saw no allocation: install it with \
         #[global_allocator] static GLOBAL: CountingAllocator = CountingAllocator;"
    );
    let result = work();
    let during = REQUESTED.with(Cell::get);
    REQUESTED.with(|r| {
        r.set(Requested {
            allocations: before
                .allocations
                .saturating_add(probe.allocations)
                .saturating_add(during.allocations),
            bytes: before
                .bytes
                .saturating_add(probe.bytes)
                .saturating_add(during.bytes),
            largest: before.largest.max(probe.largest).max(during.largest),
        });
    });
    (result, during)
}

/// Number of allocations this thread made while `work` ran.
pub fn allocations_during(work: impl FnOnce()) -> usize {
    requested_during(work).1.allocations
}

/// Runs `work` with every request of this thread above `ceiling` bytes refused (the
/// allocator returns null, as a host out of memory does), and returns its result with the
/// size of the last refused request: what a refusal's `requested` figure should say.
///
/// # Panics
///
/// When [`CountingAllocator`] is not this binary's global allocator (as [`requested_during`]).
pub fn refusing_above<R>(ceiling: usize, work: impl FnOnce() -> R) -> (R, Option<usize>) {
    /// Puts the previous ceiling back however `work` ends, a panic included, so one failed
    /// test cannot leave the thread refusing for the next one the harness runs on it.
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            CEILING.with(|c| c.set(self.0));
        }
    }
    LAST_REFUSED.with(|r| r.set(None));
    let (result, _) = requested_during(|| {
        let _restore = Restore(CEILING.with(|c| c.replace(ceiling)));
        work()
    });
    (result, LAST_REFUSED.with(Cell::get))
}

#[cfg(test)]
mod tests {
    /// The unit-test binary has the system allocator: counting there must refuse, not pass.
    #[test]
    #[should_panic(expected = "the counting allocator saw no allocation")]
    fn counting_without_the_allocator_installed_panics() {
        let _ = super::allocations_during(|| {});
    }
}
