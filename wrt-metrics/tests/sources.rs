//! The `MetricsSource` impls of the real `wrt` types, and the optimizer's pool advice
//! replayed on a real `wrt_foundation` `MemoryPool` of the recommended geometry.

mod common;

use core::time::Duration;

use common::{MEMORY, Op, STEP, burst_workload};
use wrt_component::{
    ComponentId, ComponentResourceManager, FixedResourceManager, FixedRuntime, LimitKind,
    ManagerTag, ResourceCategory, ResourceDescriptor, ResourceError, ResourceLimits, RuntimeBudget,
};
use wrt_foundation::ManualClock;
use wrt_foundation::memory::{
    BlockHandle, FixedMemoryManager, MemoryPool, MemoryProtection, PAGE_SIZE,
};
use wrt_metrics::{
    Change, MetricsSource, Named, OptimizerConfig, PlatformMemory, Ratio, Recommendation,
    ResourceMetrics, ResourceMetricsCollector, ResourceOptimizer,
};
use wrt_platform::PlatformResourceProvider;
use wrt_platform::embedded::EmbeddedResourceProvider;

fn collect<S: MetricsSource + ?Sized>(source: &S) -> ResourceMetrics<4, 4> {
    common::collect_once(source, &ManualClock::new())
}

#[test]
fn memory_pool_reports_its_geometry_and_use() {
    let mut pool: MemoryPool<128, 8> = MemoryPool::new();
    let handles: Vec<_> = (0..3).map(|_| pool.allocate().unwrap()).collect();
    let m = collect(&Named::new("frames", &pool));
    let reported = m.pools.get(0).unwrap();
    assert_eq!(
        (reported.name, reported.block_size, reported.block_count),
        ("frames", 128, 8)
    );
    assert_eq!(reported.utilization(), Some(Ratio::new(3, 8).unwrap()));
    assert_eq!(
        reported.utilization().unwrap().as_f64() as f32,
        pool.utilization()
    );
    pool.free(handles[0]).unwrap();
    assert_eq!(collect(&pool).pools.get(0).unwrap().blocks_used, 2);
    assert_eq!(collect(&pool).pools.get(0).unwrap().name, "memory_pool");
}

#[test]
fn linear_memory_manager_reports_bytes_high_water_and_budget() {
    let mut manager = FixedMemoryManager::<2, { 2 * PAGE_SIZE }>::new(Some(3 * PAGE_SIZE));
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(Duration::from_secs(1));
    collector.collect_if_due(&manager, &clock).unwrap();
    let a = manager
        .allocate_memory(2 * PAGE_SIZE, MemoryProtection::READ_WRITE)
        .unwrap();
    manager.release(a).unwrap(); // the burst comes and goes between two collections
    manager
        .allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE)
        .unwrap();
    clock.advance(Duration::from_secs(1));
    let m = collector.collect_if_due(&manager, &clock).unwrap();
    assert_eq!(m.memory_in_use, PAGE_SIZE);
    assert_eq!(
        m.peak_memory_in_use,
        2 * PAGE_SIZE,
        "the manager's own high-water mark"
    );
    assert_eq!(m.memory_budget, Some(3 * PAGE_SIZE));
}

#[test]
fn resource_manager_reports_categories_with_failures_and_byte_high_water() {
    let mut files: FixedResourceManager<u32, 2> = FixedResourceManager::new(ManagerTag(1));
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(Duration::from_secs(1));
    let io = ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(100);
    let first = files.allocate(1, io).unwrap();
    files.allocate(2, io).unwrap();
    collector.collect_if_due(&files, &clock).unwrap();
    assert!(files.allocate(3, io).is_err());
    files.deallocate(first).unwrap();
    let third = files.allocate(3, io).unwrap();
    files.deallocate(third).unwrap(); // bytes peak again between collections

    clock.advance(Duration::from_secs(1));
    let m = collector.collect_if_due(&files, &clock).unwrap();
    let io = m.category(ResourceCategory::IoHandles);
    assert_eq!(
        (io.live, io.peak_live, io.succeeded, io.failed),
        (1, 2, 3, 1)
    );
    assert_eq!(m.allocation_success_rate(), Some(Ratio::new(3, 4).unwrap()));
    assert_eq!((m.memory_in_use, m.peak_memory_in_use), (100, 200));
}

#[test]
fn component_manager_reports_every_limit_and_reaching_one_counts() {
    let limits = ResourceLimits {
        max_memory: 4096,
        max_execution_time: Some(Duration::from_millis(2)),
        ..ResourceLimits::unlimited()
    };
    let mut component = ComponentResourceManager::new(ComponentId(9), limits);
    component.create_memory(0).unwrap();
    component.allocate_memory(4096).unwrap();
    assert!(component.allocate_memory(1).is_err());
    component
        .charge_execution_time(Duration::from_micros(1500))
        .unwrap();

    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 1>::new(STEP);
    collector.collect_if_due(&component, &clock).unwrap();
    clock.advance(STEP);
    let m = collector.collect_if_due(&component, &clock).unwrap();
    let c = m.component(ComponentId(9)).unwrap();
    let memory = c.limit(MEMORY).unwrap();
    assert_eq!(
        (memory.used, memory.limit, memory.collections_at_limit),
        (4096, Some(4096), 2)
    );
    let time = c.limit(LimitKind::ExecutionTime).unwrap();
    assert_eq!(
        (time.used, time.limit),
        (1_500, Some(2_000)),
        "in microseconds"
    );
    let calls = c.limit(LimitKind::HostCalls).unwrap();
    assert_eq!(calls.limit, None, "u64::MAX is no limit");
    assert_eq!(c.metered().count(), LimitKind::COUNT);

    // The component counted its own refusal, with the demand it refused (4096 + 1).
    assert_eq!((memory.refusals, memory.peak_demand), (1, Some(4097)));

    // Reached at two collections and refused once: the optimizer raises it to a quarter
    // above the refused demand.
    let result = ResourceOptimizer::default().optimize::<0, 1, 16>(m);
    let raised = result.recommendations.iter().find_map(|r| match r {
        Recommendation::Limit(l) if l.limit == MEMORY => Some(*l),
        _ => None,
    });
    assert_eq!(
        raised.unwrap().change,
        Change {
            current: 4096,
            recommended: 5122
        }
    );
}

#[test]
fn runtime_reports_resources_components_and_budget_and_locks_count_as_contention() {
    let clock = ManualClock::new();
    let budget = RuntimeBudget {
        max_total_memory: 10_000,
        max_total_resources: 8,
    };
    let mut runtime: FixedRuntime<u8, &ManualClock, 8, 4> =
        FixedRuntime::new(ManagerTag(2), budget, &clock);
    let app = runtime.create_component(ResourceLimits::default()).unwrap();
    let plugin = runtime.create_component(ResourceLimits::default()).unwrap();
    let table = ResourceDescriptor::new(ResourceCategory::Tables).with_size_hint(640);
    let id = runtime.create_resource(app, 1, table).unwrap();
    runtime.mark_ready(app, id).unwrap();
    runtime.grant(app, id, plugin).unwrap();
    runtime.lock(app, id).unwrap();
    // The runtime counts the refused access itself: no recorder wrapped around it.
    let denied = runtime.get(plugin, id).copied();
    assert!(matches!(denied, Err(ResourceError::Locked { .. })));

    let m = collect(&runtime);
    assert_eq!(m.category(ResourceCategory::Tables).live, 1);
    assert_eq!((m.memory_in_use, m.memory_budget), (640, Some(10_000)));
    assert_eq!(m.components.len(), 2);
    let app_memory = m.component(app).unwrap().limit(MEMORY).unwrap();
    assert_eq!(app_memory.used, 640);
    assert_eq!(m.contention_events, 1);
}

#[test]
fn platform_capabilities_report_the_memory_ceiling() {
    let mut ram = [0u8; 1024];
    let mut board: EmbeddedResourceProvider<'_> = EmbeddedResourceProvider::new();
    board.add_region(&mut ram).unwrap();
    let _block = board
        .allocate(&wrt_platform::RegionRequest::new(256))
        .unwrap();
    let expected = PlatformMemory {
        limit: Some(1024),
        charged: Some(board.allocated_bytes() as u64),
    };
    assert_eq!(collect(&board).platform_memory, Some(expected));
    assert_eq!(
        collect(&board.get_capabilities()).platform_memory,
        Some(expected)
    );
    assert!(expected.utilization().unwrap() >= Ratio::new(256, 1024).unwrap());
    // Two platforms: known figures add.
    assert_eq!(
        collect(&(&board, &board)).platform_memory.unwrap().limit,
        Some(2048)
    );
}

/// A real `MemoryPool` driven by a workload whose frees name the request they undo (by
/// tag), with the peak the collector must see. Sizes, refusals and the largest request are
/// the pool's own figures, reported by the pool itself; the sizes are also kept here, and
/// the pool's sum is checked against them after every step.
struct TaggedPool<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> {
    pool: MemoryPool<BLOCK_SIZE, BLOCK_COUNT>,
    held: Vec<(u32, BlockHandle, usize)>,
    /// Blocks and bytes held when the most blocks were.
    peak: (usize, usize),
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> TaggedPool<BLOCK_SIZE, BLOCK_COUNT> {
    fn new() -> Self {
        Self {
            pool: MemoryPool::new(),
            held: Vec::new(),
            peak: (0, 0),
        }
    }

    fn refusals(&self) -> u64 {
        self.pool.requests().refusals
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Alloc { tag, size } => {
                if let Ok(handle) = self.pool.allocate_for(size) {
                    self.held.push((tag, handle, size));
                }
            }
            Op::Free { tag } => {
                if let Some(i) = self.held.iter().position(|(t, _, _)| *t == tag) {
                    let (_, handle, _) = self.held.swap_remove(i);
                    self.pool.free(handle).unwrap();
                }
            }
        }
        let requested: usize = self.held.iter().map(|(_, _, size)| size).sum();
        assert_eq!(self.pool.requests().bytes_held, requested);
        if self.pool.allocated() > self.peak.0 {
            self.peak = (self.pool.allocated(), requested);
        }
    }

    fn reserved_bytes(&self) -> usize {
        self.pool.block_size() * self.pool.capacity()
    }
}

#[test]
fn pool_advice_replayed_on_a_real_memory_pool_fits_in_less_memory() {
    let sizes = [200, 900, 512, 64];
    let ops = burst_workload(8, &sizes);
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<1, 0>::new(STEP);
    let mut observed: Box<TaggedPool<4096, 16>> = Box::new(TaggedPool::new());
    for &op in &ops {
        clock.advance(STEP);
        observed.apply(op);
        collector.collect_if_due(&observed.pool, &clock).unwrap();
    }
    assert_eq!(observed.refusals(), 0);

    let config = OptimizerConfig::default();
    let result = ResourceOptimizer::new(config).optimize::<1, 0, 4>(collector.metrics());
    let Some(Recommendation::Pool(advice)) = result.recommendations.get(0).copied() else {
        panic!("pool advice first: {:?}", result.recommendations)
    };
    // The geometry below is instantiated at compile time, so check it is the computed one:
    // the largest request rounded up to the alignment, the peak plus the headroom.
    const SIZE: usize = 904;
    const COUNT: usize = 10;
    let largest = *sizes.iter().max().unwrap();
    assert_eq!(
        SIZE,
        largest.div_ceil(config.block_alignment) * config.block_alignment
    );
    assert_eq!(
        COUNT,
        (observed.peak.0 * (100 + config.headroom_percent as usize)).div_ceil(100)
    );
    assert_eq!(
        (
            advice.block_size.recommended,
            advice.block_count.recommended
        ),
        (SIZE, COUNT)
    );

    let mut resized: TaggedPool<SIZE, COUNT> = TaggedPool::new();
    for &op in &ops {
        resized.apply(op);
    }
    assert_eq!(resized.refusals(), 0, "every request of the workload fits");
    assert!(resized.reserved_bytes() < observed.reserved_bytes());
    assert_eq!(
        (observed.reserved_bytes() - resized.reserved_bytes()) as u64,
        result.memory_saved()
    );
    let waste = |(blocks, requested): (usize, usize), size: usize| {
        Ratio::new((blocks * size - requested) as u64, (blocks * size) as u64)
    };
    assert_eq!(result.pool_waste_before, waste(observed.peak, 4096));
    assert_eq!(result.pool_waste_after, waste(resized.peak, SIZE));
}

#[test]
fn the_embedded_free_list_reports_the_fragmentation_it_has() {
    let mut ram = [0u8; 1024];
    let mut board: EmbeddedResourceProvider<'_> = EmbeddedResourceProvider::new();
    board.add_region(&mut ram).unwrap();
    // One free span: no fragmentation.
    assert_eq!(collect(&board).heap_fragmentation(), Some(Ratio::ZERO));
    let blocks: Vec<_> = (0..4)
        .map(|_| {
            board
                .allocate(&wrt_platform::RegionRequest::new(128))
                .unwrap()
        })
        .collect();
    let mut blocks = blocks.into_iter();
    let (first, _second, third, _fourth) = (
        blocks.next().unwrap(),
        blocks.next().unwrap(),
        blocks.next().unwrap(),
        blocks.next().unwrap(),
    );
    board.release(first).unwrap();
    board.release(third).unwrap();
    // Free: 128 + 128 between live blocks, and the 512 tail: largest 512 of 768.
    let free = collect(&board).free_space.unwrap();
    assert_eq!((free.total, free.largest), (768, 512));
    assert_eq!(
        collect(&board).heap_fragmentation(),
        Some(Ratio::new(256, 768).unwrap())
    );
}
