//! "The collector allocates nothing", checked at run time: collecting from the real
//! fixed-capacity `wrt` types, recording allocations, optimizing and exporting into a
//! fixed buffer run under a counting global allocator, and the count must stay zero.

use core::time::Duration;

use wrt_component::{
    FixedRuntime, ManagerTag, ResourceCategory, ResourceDescriptor, ResourceLimits, RuntimeBudget,
};
use wrt_foundation::ManualClock;
use wrt_foundation::memory::{FixedMemoryManager, MemoryPool, MemoryProtection, PAGE_SIZE};
use wrt_metrics::{
    AllocationRecorder, Named, OptimizerConfig, ResourceMetricsCollector, ResourceOptimizer, export,
};

use wrt_test_support::counting_allocator::{CountingAllocator, allocations_during};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

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
