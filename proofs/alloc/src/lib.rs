//! The alloc proof: the heap-backed forms of the `wrt` crates used from a `#![no_std]` static
//! library that brings its own `#[global_allocator]`, exactly as a bare-metal integrator with
//! a heap but no operating system would.
//!
//! The allocator is a bump allocator over a static arena: allocation reserves the next
//! aligned piece with one atomic compare-and-swap, and freeing does nothing (the arena is
//! only reused when the program restarts). That is enough to show the crates need nothing
//! from `std`, and small enough to check by reading.
//!
//! Each exported function returns 0 when every result was the expected one, else the number
//! of the first unexpected step.
#![no_std]

extern crate alloc;

mod engine;

use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::panic::PanicInfo;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

use wrt_component::admission::{admit, read_requirements};
use wrt_component::{
    GrowableResourceManager, LookupError, ManagerTag, ResourceCategory, ResourceDescriptor,
    ResourceLimits,
};
use wrt_foundation::memory::{
    HeapLinearMemory, HeapMemoryManager, MemoryError, MemoryProtection, PAGE_SIZE,
};
use wrt_foundation::{BoundedVec, ManualClock};
use wrt_metrics::export::prometheus_string;
use wrt_metrics::{AllocationRecorder, ResourceMetricsCollector};

/// Bytes the bump allocator can hand out over the program's lifetime: wasmi reallocates a
/// linear memory on every grow and nothing is ever freed, so the engine checks need megabytes.
const ARENA_SIZE: usize = 8 * 1024 * 1024;

/// A bump allocator: `next` is the offset of the first byte not yet handed out.
struct BumpAllocator {
    arena: UnsafeCell<[u8; ARENA_SIZE]>,
    next: AtomicUsize,
}

// SAFETY: the arena's bytes are only ever reached through pointers returned by `alloc`, and
// each successful compare-and-swap on `next` reserves a range `[start, end)` that no other
// call can reserve again (`next` only grows). Distinct callers therefore never receive
// overlapping bytes, so sharing the allocator between threads is sound.
unsafe impl Sync for BumpAllocator {}

// SAFETY: `alloc` returns either null or a pointer to `layout.size()` bytes inside the arena,
// aligned to `layout.align()`, that no other allocation overlaps (see the `Sync` impl), and
// that stay valid for the rest of the program (nothing is ever reused). `dealloc` does
// nothing, which GlobalAlloc permits.
unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.arena.get().cast::<u8>();
        let mut current = self.next.load(Ordering::Relaxed);
        loop {
            // Align the address, not just the offset: the arena itself is only byte-aligned.
            let padding = base.wrapping_add(current).align_offset(layout.align());
            let Some(start) = current.checked_add(padding) else {
                return ptr::null_mut();
            };
            let Some(end) = start.checked_add(layout.size()) else {
                return ptr::null_mut();
            };
            if end > ARENA_SIZE {
                return ptr::null_mut();
            }
            match self.next.compare_exchange_weak(
                current,
                end,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                // `start + size <= ARENA_SIZE`, so the pointer stays inside the arena.
                Ok(_) => return base.wrapping_add(start),
                Err(observed) => current = observed,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator {
    arena: UnsafeCell::new([0; ARENA_SIZE]),
    next: AtomicUsize::new(0),
};

/// No unwinding, no printing: a bare-metal integrator would reset or log to a register here.
#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// `0` when every check held, else the 1-based number of the first that did not.
fn all(checks: &[bool]) -> u32 {
    let mut step = 0_u32;
    for &ok in checks {
        step = step.wrapping_add(1);
        if !ok {
            return step;
        }
    }
    0
}

/// The heap-backed LinearMemory: grows on the consumer's heap, bounds still checked.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_linear_memory() -> u32 {
    let Ok(mut memory) = HeapLinearMemory::heap(1, Some(3), MemoryProtection::READ_WRITE) else {
        return 100;
    };
    let grew = memory.grow(1) == Ok(1);
    let written = memory
        .write((2 * PAGE_SIZE - 4) as u64, &[9, 9, 9, 9])
        .is_ok();
    let past_end = memory.write((2 * PAGE_SIZE - 2) as u64, &[0; 4]).is_err();
    all(&[
        grew,
        written,
        past_end,
        memory.size_bytes() == 2 * PAGE_SIZE,
    ])
}

/// The heap-backed LinearMemoryManager: any number of regions, one byte budget.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_memory_manager() -> u32 {
    let mut manager = HeapMemoryManager::new(Some(2 * PAGE_SIZE));
    let first = manager.allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE);
    let second = manager.allocate_memory(PAGE_SIZE, MemoryProtection::READ);
    let over_budget = matches!(
        manager.allocate_memory(PAGE_SIZE, MemoryProtection::READ),
        Err(MemoryError::AllocationLimitExceeded { .. })
    );
    all(&[
        first.is_ok(),
        second.is_ok(),
        over_budget,
        manager.total_allocated() == 2 * PAGE_SIZE,
    ])
}

/// Heap and fixed collections side by side: `alloc` adds, it never removes.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_collections() -> u32 {
    let mut heap: Vec<u32> = Vec::new();
    heap.extend(0..100);
    let mut fixed: BoundedVec<u32, 2> = BoundedVec::new();
    let fixed_ok = fixed.push(1).is_ok() && fixed.push(2).is_ok() && fixed.push(3).is_err();
    all(&[
        heap.len() == 100,
        heap.iter().sum::<u32>() == 4950,
        fixed_ok,
    ])
}

/// The growable ResourceManager: grows on the consumer's heap, ids still checked.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_resource_manager() -> u32 {
    let mut handles: GrowableResourceManager<u64> = GrowableResourceManager::new(ManagerTag(9));
    let descriptor = ResourceDescriptor::new(ResourceCategory::HostFunctions);
    let ids: Vec<_> = (0..100)
        .filter_map(|n| handles.allocate(n, descriptor).ok())
        .collect();
    let Some(&first) = ids.first() else {
        return 100;
    };
    let freed = handles.deallocate(first) == Ok(0);
    let stale = matches!(handles.get(first), Err(LookupError::Stale { .. }));
    all(&[ids.len() == 100, freed, stale, handles.len() == 99])
}

/// Admission without std: wasmparser validates and reads a module on the consumer's heap.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_admission() -> u32 {
    // (module (memory 1)): the header, then a memory section with one memory of min 1 page.
    const MODULE: [u8; 13] = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
    ];
    let Ok(requirements) = read_requirements(&MODULE) else {
        return 100;
    };
    let admitted = admit(&requirements, &ResourceLimits::default()).is_admitted();
    let tight = ResourceLimits {
        max_memory: PAGE_SIZE / 2,
        ..ResourceLimits::default()
    };
    let refused = !admit(&requirements, &tight).is_admitted();
    let garbage = read_requirements(&[0xff; 16]).is_err();
    all(&[admitted, refused, garbage])
}

/// Metrics exported as Prometheus text into a heap `String`.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_metrics_export() -> u32 {
    let clock = ManualClock::new();
    let mut recorder = AllocationRecorder::new();
    let _ = recorder.record(&clock, ResourceCategory::Memory, || Ok::<_, ()>(()));
    let mut collector = ResourceMetricsCollector::<1, 1>::new(core::time::Duration::from_secs(1));
    let text = prometheus_string(collector.collect_now(&recorder, &clock));
    all(&[!text.is_empty(), text.contains("# TYPE")])
}
