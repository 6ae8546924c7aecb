//! "The collector allocates nothing", checked at run time: collecting from the real
//! fixed-capacity `wrt` types, recording allocations, optimizing and exporting into a
//! fixed buffer run under a counting global allocator, and the count must stay zero.

use core::time::Duration;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wrt_component::{
    FixedRuntime, ManagerTag, ResourceCategory, ResourceDescriptor, ResourceLimits, RuntimeBudget,
};
use wrt_foundation::ManualClock;
use wrt_foundation::memory::{FixedMemoryManager, MemoryPool, MemoryProtection, PAGE_SIZE};
use wrt_metrics::{
    AllocationRecorder, Named, OptimizerConfig, ResourceMetricsCollector, ResourceOptimizer, export,
};

std::thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator; the only addition is
// a thread-local counter with const initialisation and no destructor, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: `ptr` came from this allocator with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_a_heap_allocation() {
    // Without this, a broken counter would make the test below pass.
    let n = allocations_during(|| drop(std::hint::black_box(Box::new([0u8; 32]))));
    assert_eq!(n, 1);
}

#[test]
fn collecting_recording_optimizing_and_exporting_allocate_nothing() {
    // Set-up outside the counted section: the sources themselves are fixed-capacity too.
    let clock = ManualClock::new();
    let mut runtime: FixedRuntime<u8, &ManualClock, 8, 2> =
        FixedRuntime::new(ManagerTag(1), RuntimeBudget::unlimited(), &clock);
    let mut pool: MemoryPool<256, 8> = MemoryPool::new();
    let mut memories = FixedMemoryManager::<2, PAGE_SIZE>::new(Some(2 * PAGE_SIZE));
    let mut recorder = AllocationRecorder::new();
    let mut collector = ResourceMetricsCollector::<2, 2>::new(Duration::from_millis(1));
    let mut text: heapless::String<16_384> = heapless::String::new();

    let n = allocations_during(|| {
        let app = runtime.create_component(ResourceLimits::default()).unwrap();
        let table = ResourceDescriptor::new(ResourceCategory::Tables).with_size_hint(64);
        runtime.create_resource(app, 7, table).unwrap();
        for _ in 0..3 {
            recorder
                .record(&clock, ResourceCategory::Memory, || pool.allocate())
                .unwrap();
            clock.advance(Duration::from_millis(1));
            let sources = (&runtime, Named::new("frames", &pool), &memories, &recorder);
            collector.collect_if_due(&sources, &clock).unwrap();
        }
        memories
            .allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE)
            .unwrap();
        collector.collect_now(&(&runtime, &pool, &memories), &clock);
        let result = ResourceOptimizer::new(OptimizerConfig::default())
            .optimize::<2, 2, 16>(collector.metrics());
        export::prometheus::write(&mut text, collector.metrics()).unwrap();
        text.clear();
        export::json::write(&mut text, collector.metrics()).unwrap();
        text.clear();
        export::table::write(&mut text, collector.metrics()).unwrap();
        export::table::write_advice(&mut text, &result).unwrap();
    });
    assert_eq!(n, 0, "heap allocations in the fixed-capacity metrics path");
    assert_eq!(collector.metrics().pools.len(), 1);
    assert!(text.contains("memory in use"));
}
