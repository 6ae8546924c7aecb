//! Scripted sources and workloads shared by the integration tests.
#![allow(dead_code)]

use core::time::Duration;

use wrt_component::{LimitKind, ResourceCategory};
use wrt_foundation::{Clock, ManualClock};
use wrt_metrics::{
    CategoryFigures, ComponentFigures, FreeSpace, MetricsSource, OptimizerConfig, PoolFigures,
    Ratio, Report, ResourceMetrics, ResourceMetricsCollector, ResourceOptimizer,
};

/// The clock step of replayed workloads and traces.
pub const STEP: Duration = Duration::from_millis(1);

/// The collection interval of the interval tests.
pub const SECOND: Duration = Duration::from_secs(1);

/// The component limit most tests meter.
pub const MEMORY: LimitKind = LimitKind::Memory;

/// `n / d`, for exact comparisons.
pub fn ratio(n: u64, d: u64) -> Ratio {
    Ratio::new(n, d).unwrap()
}

/// The default optimizer policy with another headroom.
pub fn optimizer(headroom_percent: u32) -> ResourceOptimizer {
    ResourceOptimizer::new(OptimizerConfig {
        headroom_percent,
        ..OptimizerConfig::default()
    })
}

/// A source whose every figure the test sets directly.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    pub categories: [CategoryFigures; ResourceCategory::COUNT],
    pub memory_in_use: usize,
    pub memory_budget: Option<usize>,
    pub timing: Option<(u64, Duration)>,
    pub contention: u64,
    pub free: Option<FreeSpace>,
    pub pools: Vec<PoolFigures>,
    pub components: Vec<ComponentFigures>,
}

impl Scripted {
    pub fn category_mut(&mut self, category: ResourceCategory) -> &mut CategoryFigures {
        &mut self.categories[category.index()]
    }
}

impl MetricsSource for Scripted {
    fn report(&self, report: &mut Report<'_>) {
        for category in ResourceCategory::ALL {
            report.category(category, self.categories[category.index()]);
        }
        report.memory_in_use(self.memory_in_use);
        if let Some(budget) = self.memory_budget {
            report.memory_budget(budget);
        }
        if let Some((attempts, total)) = self.timing {
            report.allocation_time(attempts, total);
        }
        report.contention_events(self.contention);
        if let Some(free) = self.free {
            report.free_space(free);
        }
        for pool in &self.pools {
            report.pool(*pool);
        }
        for component in &self.components {
            report.component(*component);
        }
    }
}

/// One step of a scripted pool workload: `Alloc` names the allocation so `Free` can find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Alloc { tag: u32, size: usize },
    Free { tag: u32 },
}

/// A faithful model of a fixed-block pool with a runtime geometry: one request per block,
/// refused when no block is free or the request is larger than a block. Records the request
/// sizes, which the real pool does not, so the waste figures can be checked.
#[derive(Debug, Clone)]
pub struct ModelPool {
    pub name: &'static str,
    pub block_size: usize,
    pub blocks: Vec<Option<(u32, usize)>>,
    pub refusals: u64,
    pub largest_request: Option<usize>,
}

impl ModelPool {
    pub fn new(name: &'static str, block_size: usize, block_count: usize) -> Self {
        Self {
            name,
            block_size,
            blocks: vec![None; block_count],
            refusals: 0,
            largest_request: None,
        }
    }

    pub fn used(&self) -> usize {
        self.blocks.iter().filter(|b| b.is_some()).count()
    }

    pub fn requested(&self) -> usize {
        self.blocks.iter().flatten().map(|(_, size)| size).sum()
    }

    pub fn capacity_bytes(&self) -> usize {
        self.block_size * self.blocks.len()
    }

    /// Applies one op; `false` when an allocation was refused.
    pub fn apply(&mut self, op: Op) -> bool {
        match op {
            Op::Alloc { tag, size } => {
                self.largest_request = Some(self.largest_request.unwrap_or(0).max(size));
                let free = self.blocks.iter_mut().find(|b| b.is_none());
                match free {
                    Some(slot) if size <= self.block_size => {
                        *slot = Some((tag, size));
                        true
                    }
                    _ => {
                        self.refusals += 1;
                        false
                    }
                }
            }
            Op::Free { tag } => {
                if let Some(slot) = self
                    .blocks
                    .iter_mut()
                    .find(|b| b.is_some_and(|(t, _)| t == tag))
                {
                    *slot = None;
                }
                true
            }
        }
    }
}

impl MetricsSource for ModelPool {
    fn report(&self, report: &mut Report<'_>) {
        let mut figures =
            PoolFigures::new(self.name, self.block_size, self.blocks.len(), self.used());
        figures.refusals = self.refusals;
        figures.bytes_requested = Some(self.requested());
        figures.largest_request = self.largest_request;
        report.pool(figures);
    }
}

/// What a replay observed directly (not through the collector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayOutcome {
    pub refusals: u64,
    pub peak_blocks: usize,
    /// Requested bytes at the first moment the peak was reached.
    pub requested_at_peak: usize,
}

/// Replays `ops` on `pool`, advancing `clock` by `step` before each op and giving the
/// collector (if any) a chance to collect after each op.
pub fn replay<const P: usize, const C: usize>(
    ops: &[Op],
    pool: &mut ModelPool,
    clock: &ManualClock,
    step: Duration,
    mut collector: Option<&mut ResourceMetricsCollector<P, C>>,
) -> ReplayOutcome {
    let mut outcome = ReplayOutcome::default();
    for &op in ops {
        clock.advance(step);
        pool.apply(op);
        if pool.used() > outcome.peak_blocks {
            outcome.peak_blocks = pool.used();
            outcome.requested_at_peak = pool.requested();
        }
        if let Some(collector) = collector.as_deref_mut() {
            collector.collect_if_due(&*pool, clock);
        }
    }
    outcome.refusals = pool.refusals;
    outcome
}

/// A workload with a burst: allocations of mixed sizes rising to `peak` live, then falling.
pub fn burst_workload(peak: u32, sizes: &[usize]) -> Vec<Op> {
    let mut ops = Vec::new();
    for tag in 0..peak {
        ops.push(Op::Alloc {
            tag,
            size: sizes[tag as usize % sizes.len()],
        });
    }
    for tag in (0..peak).step_by(2) {
        ops.push(Op::Free { tag });
    }
    for tag in peak..peak + peak / 2 {
        ops.push(Op::Alloc {
            tag,
            size: sizes[tag as usize % sizes.len()],
        });
    }
    for tag in 0..peak + peak / 2 {
        ops.push(Op::Free { tag });
    }
    ops
}

/// Collects once from `source` at the clock's current time.
pub fn collect_once<S: MetricsSource + ?Sized, const P: usize, const C: usize>(
    source: &S,
    clock: &impl Clock,
) -> ResourceMetrics<P, C> {
    let mut collector = ResourceMetricsCollector::<P, C>::new(Duration::ZERO);
    collector.collect_now(source, clock).clone()
}
