//! Costs of measuring, each beside a baseline in the same run:
//! - `collect`: a collection through `MetricsSource`/`Report` vs. reading the same figures
//!   straight out of the source (the least any collector must do);
//! - `allocate`: a pool allocation timed by `AllocationRecorder` (two clock reads) vs. the
//!   bare allocation;
//! - `export`: each exporter vs. writing just the numbers with `write!`.

use core::fmt::Write;
use core::hint::black_box;
use core::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wrt_component::{ComponentId, LimitKind, ResourceCategory};
use wrt_foundation::clock::StdClock;
use wrt_foundation::memory::MemoryPool;
use wrt_metrics::{
    AllocationRecorder, CategoryFigures, ComponentFigures, LimitFigures, MetricsSource,
    PoolFigures, Report, ResourceMetrics, ResourceMetricsCollector, export,
};

const POOLS: usize = 8;
const COMPONENTS: usize = 16;

/// A runtime-sized source: every category, 8 pools, 16 components with two limits each.
struct Fleet {
    categories: [CategoryFigures; ResourceCategory::COUNT],
    pools: [PoolFigures; POOLS],
    components: [ComponentFigures; COMPONENTS],
}

impl Fleet {
    fn new() -> Self {
        let categories = core::array::from_fn(|i| CategoryFigures {
            live: i * 3,
            succeeded: 100 + i as u64,
            failed: i as u64,
            high_water: i * 4,
        });
        let pools = core::array::from_fn(|i| PoolFigures::new("pool", 64 << i, 32, i * 3));
        let components = core::array::from_fn(|i| {
            let memory = LimitFigures {
                used: 4096 * i as u64,
                limit: Some(1 << 20),
                ..LimitFigures::default()
            };
            let time = LimitFigures {
                used: 1000 * i as u64,
                limit: None,
                ..LimitFigures::default()
            };
            ComponentFigures::new(ComponentId(i as u32))
                .with(LimitKind::Memory, memory)
                .with(LimitKind::ExecutionTime, time)
        });
        Self {
            categories,
            pools,
            components,
        }
    }
}

impl MetricsSource for Fleet {
    fn report(&self, report: &mut Report<'_>) {
        for (category, figures) in ResourceCategory::ALL.into_iter().zip(self.categories) {
            report.category(category, figures);
        }
        report.memory_in_use(1 << 20);
        for pool in &self.pools {
            report.pool(*pool);
        }
        for component in &self.components {
            report.component(*component);
        }
    }
}

/// The baseline: touch every figure once, with no collector in between.
fn read_directly(fleet: &Fleet) -> u64 {
    let categories: u64 = fleet
        .categories
        .iter()
        .map(|c| c.live as u64 + c.succeeded + c.failed)
        .sum();
    let pools: u64 = fleet.pools.iter().map(|p| p.blocks_used as u64).sum();
    let components: u64 = fleet
        .components
        .iter()
        .flat_map(|c| c.limits.iter().flatten())
        .map(|l| l.used)
        .sum();
    categories + pools + components
}

fn collect(c: &mut Criterion) {
    let fleet = Fleet::new();
    let clock = StdClock::new();
    let mut collector = ResourceMetricsCollector::<POOLS, COMPONENTS>::new(Duration::ZERO);
    let mut group = c.benchmark_group("collect");
    group.bench_function("baseline_read_figures_directly", |b| {
        b.iter(|| read_directly(black_box(&fleet)))
    });
    group.bench_function("collector_collect_now", |b| {
        b.iter(|| {
            collector
                .collect_now(black_box(&fleet), &clock)
                .memory_in_use
        })
    });
    group.finish();
}

fn allocate(c: &mut Criterion) {
    let clock = StdClock::new();
    let mut pool: MemoryPool<64, 64> = MemoryPool::new();
    let mut recorder = AllocationRecorder::new();
    let mut group = c.benchmark_group("allocate");
    group.bench_function("baseline_pool_allocate_free", |b| {
        b.iter(|| {
            let block = pool.allocate().unwrap();
            pool.free(black_box(block)).unwrap();
        })
    });
    group.bench_function("recorded_pool_allocate_free", |b| {
        b.iter(|| {
            let block = recorder
                .record(&clock, ResourceCategory::Memory, || pool.allocate())
                .unwrap();
            pool.free(black_box(block)).unwrap();
            recorder.record_release(ResourceCategory::Memory);
        })
    });
    group.finish();
}

/// The baseline: every number the exporters write, with `write!` and nothing else.
fn write_numbers(out: &mut String, m: &ResourceMetrics<POOLS, COMPONENTS>) {
    for (_, c) in m.by_category() {
        write!(
            out,
            "{} {} {} {} ",
            c.live, c.peak_live, c.succeeded, c.failed
        )
        .unwrap();
    }
    for p in m.pools.iter() {
        write!(
            out,
            "{} {} {} {} {} ",
            p.block_size, p.block_count, p.blocks_used, p.peak_blocks_used, p.refusals
        )
        .unwrap();
    }
    for c in m.components.iter() {
        for (_, l) in c.metered() {
            write!(
                out,
                "{} {} {:?} {} ",
                l.used, l.peak_used, l.limit, l.refusals
            )
            .unwrap();
        }
    }
}

/// An exporter, as the benchmark calls it.
type Exporter = fn(&mut String, &ResourceMetrics<POOLS, COMPONENTS>) -> core::fmt::Result;

fn exporters(c: &mut Criterion) {
    let mut collector = ResourceMetricsCollector::<POOLS, COMPONENTS>::new(Duration::ZERO);
    let metrics = collector
        .collect_now(&Fleet::new(), &StdClock::new())
        .clone();
    let baseline: Exporter = |out, metrics| {
        write_numbers(out, metrics);
        Ok(())
    };
    let exporters: [(&str, Exporter); 4] = [
        ("baseline_write_numbers", baseline),
        ("prometheus", export::prometheus::write),
        ("json", export::json::write),
        ("table", export::table::write),
    ];
    let mut out = String::with_capacity(64 * 1024);
    // Output sizes, so the times can be compared per byte.
    let mut sizes = String::from("export sizes:");
    for (name, export) in exporters {
        out.clear();
        export(&mut out, &metrics).unwrap();
        write!(sizes, " {name} {} B", out.len()).unwrap();
    }
    eprintln!("{sizes}");
    let mut group = c.benchmark_group("export");
    for (name, export) in exporters {
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                export(&mut out, black_box(&metrics)).unwrap();
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, collect, allocate, exporters);
criterion_main!(benches);
