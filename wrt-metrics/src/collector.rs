//! [`ResourceMetricsCollector`]: asks a [`MetricsSource`] for its figures when a collection
//! interval has passed, and folds them into [`ResourceMetrics`] without allocating.

use core::time::Duration;

use wrt_component::{LimitKind, ResourceCategory};
use wrt_foundation::{Clock, Timestamp};

use crate::figures::{
    CategoryFigures, ComponentFigures, FreeSpace, LimitFigures, PlatformMemory, PoolFigures,
};
use crate::metrics::{ComponentMetrics, LimitMetrics, PoolMetrics, ResourceMetrics};
use crate::source::{MetricsSource, Report, Sink};

/// Collects [`ResourceMetrics`] from any [`MetricsSource`] at most once per interval.
///
/// Storage is fixed: `POOLS` pools and `COMPONENTS` components, chosen by the integrator,
/// in every environment — so the collector allocates nothing, and the no-allocator build
/// runs the same code as the hosted one.
///
/// ```
/// use core::time::Duration;
/// use wrt_component::ResourceCategory;
/// use wrt_foundation::ManualClock;
/// use wrt_metrics::{MetricsSource, Report, ResourceMetricsCollector};
///
/// struct Heap { in_use: usize }
/// impl MetricsSource for Heap {
///     fn report(&self, report: &mut Report<'_>) { report.memory_in_use(self.in_use); }
/// }
///
/// let clock = ManualClock::new();
/// let mut collector = ResourceMetricsCollector::<4, 4>::new(Duration::from_secs(10));
/// assert!(collector.collect_if_due(&Heap { in_use: 300 }, &clock).is_some()); // first: due
/// clock.advance(Duration::from_secs(5));
/// assert!(collector.collect_if_due(&Heap { in_use: 900 }, &clock).is_none()); // too early
/// clock.advance(Duration::from_secs(5));
/// let metrics = collector.collect_if_due(&Heap { in_use: 100 }, &clock).unwrap();
/// assert_eq!((metrics.memory_in_use, metrics.peak_memory_in_use), (100, 300));
/// ```
#[derive(Debug, Clone)]
pub struct ResourceMetricsCollector<const POOLS: usize, const COMPONENTS: usize> {
    metrics: ResourceMetrics<POOLS, COMPONENTS>,
    interval: Duration,
}

impl<const POOLS: usize, const COMPONENTS: usize> ResourceMetricsCollector<POOLS, COMPONENTS> {
    /// A collector that collects at most once per `interval` through
    /// [`collect_if_due`](Self::collect_if_due); a zero interval collects on every call.
    pub const fn new(interval: Duration) -> Self {
        Self {
            metrics: ResourceMetrics::new(),
            interval,
        }
    }

    /// The collection interval.
    pub const fn interval(&self) -> Duration {
        self.interval
    }

    /// Changes the collection interval; the next collection is due `interval` after the last.
    pub fn set_interval(&mut self, interval: Duration) {
        self.interval = interval;
    }

    /// What has been collected so far.
    pub const fn metrics(&self) -> &ResourceMetrics<POOLS, COMPONENTS> {
        &self.metrics
    }

    /// When the next collection is due: now if none was made, `None` if the due time is
    /// beyond what a [`Timestamp`] can hold (only a forced collection will then happen).
    pub fn next_due(&self) -> Option<Timestamp> {
        match self.metrics.collected_at {
            None => Some(Timestamp::ZERO),
            Some(last) => last.checked_add(self.interval),
        }
    }

    /// `true` when a collection is due at `now`.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.next_due().is_some_and(|due| now >= due)
    }

    /// Collects from `source` if the interval has passed since the last collection (or none
    /// was made yet), and returns the updated metrics; `None` — with nothing read from the
    /// source and nothing changed — when it is not yet due.
    pub fn collect_if_due<S, C>(
        &mut self,
        source: &S,
        clock: &C,
    ) -> Option<&ResourceMetrics<POOLS, COMPONENTS>>
    where
        S: MetricsSource + ?Sized,
        C: Clock + ?Sized,
    {
        let now = clock.now();
        if self.is_due(now) {
            Some(self.collect_at(source, now))
        } else {
            None
        }
    }

    /// Collects from `source` now, whatever the interval says (after a burst, on shutdown).
    pub fn collect_now<S, C>(
        &mut self,
        source: &S,
        clock: &C,
    ) -> &ResourceMetrics<POOLS, COMPONENTS>
    where
        S: MetricsSource + ?Sized,
        C: Clock + ?Sized,
    {
        self.collect_at(source, clock.now())
    }

    /// Forgets everything collected, peaks included (after a reconfiguration).
    pub fn reset(&mut self) {
        self.metrics = ResourceMetrics::new();
    }

    fn collect_at<S: MetricsSource + ?Sized>(
        &mut self,
        source: &S,
        now: Timestamp,
    ) -> &ResourceMetrics<POOLS, COMPONENTS> {
        let mut collection = Collection::begin(&mut self.metrics);
        source.report(&mut Report::new(&mut collection));
        collection.finish(now);
        &self.metrics
    }
}

/// One collection in progress: current figures are rebuilt from the reports, history kept.
struct Collection<'m, const POOLS: usize, const COMPONENTS: usize> {
    metrics: &'m mut ResourceMetrics<POOLS, COMPONENTS>,
    pools_reported: usize,
    /// Sum of the high-water marks sources reported in this collection.
    memory_high_water: usize,
    live_high_water: [usize; ResourceCategory::COUNT],
    /// Per stored component (by position), which limits were reported in this collection:
    /// the first report of a limit replaces last collection's figures, later ones add.
    limits_reported: [[bool; LimitKind::COUNT]; COMPONENTS],
}

impl<'m, const POOLS: usize, const COMPONENTS: usize> Collection<'m, POOLS, COMPONENTS> {
    fn begin(metrics: &'m mut ResourceMetrics<POOLS, COMPONENTS>) -> Self {
        for category in &mut metrics.categories {
            category.live = 0;
            category.succeeded = 0;
            category.failed = 0;
        }
        metrics.memory_in_use = 0;
        metrics.memory_budget = None;
        metrics.timed_allocations = 0;
        metrics.total_allocation_time = Duration::ZERO;
        metrics.contention_events = 0;
        metrics.free_space = None;
        metrics.platform_memory = None;
        metrics.dropped_pools = 0;
        metrics.dropped_components = 0;
        for component in metrics.components.iter_mut() {
            component.present = false;
            for limit in component.limits.iter_mut().flatten() {
                limit.used = 0;
            }
        }
        Self {
            metrics,
            pools_reported: 0,
            memory_high_water: 0,
            live_high_water: [0; ResourceCategory::COUNT],
            limits_reported: [[false; LimitKind::COUNT]; COMPONENTS],
        }
    }

    fn finish(self, now: Timestamp) {
        let metrics = self.metrics;
        while metrics.pools.len() > self.pools_reported {
            metrics.pools.pop();
        }
        metrics.peak_memory_in_use = metrics
            .peak_memory_in_use
            .max(metrics.memory_in_use)
            .max(self.memory_high_water);
        for (category, high_water) in metrics.categories.iter_mut().zip(self.live_high_water) {
            category.peak_live = category.peak_live.max(category.live).max(high_water);
        }
        for pool in metrics.pools.iter_mut() {
            if pool.blocks_used > pool.peak_blocks_used {
                pool.peak_blocks_used = pool.blocks_used;
                pool.bytes_requested_at_peak = pool.bytes_requested;
            }
        }
        for component in metrics.components.iter_mut().filter(|c| c.present) {
            for limit in component.limits.iter_mut().flatten() {
                limit.peak_used = limit.peak_used.max(limit.used);
                let at_limit = limit.used > 0 && limit.limit.is_some_and(|cap| limit.used >= cap);
                if at_limit {
                    limit.collections_at_limit = limit.collections_at_limit.saturating_add(1);
                }
            }
        }
        if metrics.dropped_pools > 0 || metrics.dropped_components > 0 {
            log::warn!(
                "metrics storage full: {} pool(s) beyond {POOLS} and {} component(s) beyond {COMPONENTS} not recorded",
                metrics.dropped_pools,
                metrics.dropped_components
            );
        }
        metrics.collections = metrics.collections.saturating_add(1);
        metrics.collected_at = Some(now);
    }
}

impl<const POOLS: usize, const COMPONENTS: usize> Sink for Collection<'_, POOLS, COMPONENTS> {
    fn category(&mut self, category: ResourceCategory, figures: CategoryFigures) {
        if let Some(c) = self.metrics.categories.get_mut(category.index()) {
            c.live = c.live.saturating_add(figures.live);
            c.succeeded = c.succeeded.saturating_add(figures.succeeded);
            c.failed = c.failed.saturating_add(figures.failed);
        }
        if let Some(sum) = self.live_high_water.get_mut(category.index()) {
            *sum = sum.saturating_add(figures.high_water);
        }
    }

    fn memory_in_use(&mut self, bytes: usize) {
        self.metrics.memory_in_use = self.metrics.memory_in_use.saturating_add(bytes);
    }

    fn memory_high_water(&mut self, bytes: usize) {
        self.memory_high_water = self.memory_high_water.saturating_add(bytes);
    }

    fn memory_budget(&mut self, bytes: usize) {
        let budget = self
            .metrics
            .memory_budget
            .unwrap_or(0)
            .saturating_add(bytes);
        self.metrics.memory_budget = Some(budget);
    }

    fn allocation_time(&mut self, attempts: u64, total: Duration) {
        let m = &mut *self.metrics;
        m.timed_allocations = m.timed_allocations.saturating_add(attempts);
        m.total_allocation_time = m.total_allocation_time.saturating_add(total);
    }

    fn contention_events(&mut self, events: u64) {
        self.metrics.contention_events = self.metrics.contention_events.saturating_add(events);
    }

    fn free_space(&mut self, free: FreeSpace) {
        let merged = self
            .metrics
            .free_space
            .map_or(free, |known| known.merge(free));
        self.metrics.free_space = Some(merged);
    }

    fn platform_memory(&mut self, memory: PlatformMemory) {
        let merged = self
            .metrics
            .platform_memory
            .map_or(memory, |known| known.merge(memory));
        self.metrics.platform_memory = Some(merged);
    }

    fn pool(&mut self, figures: PoolFigures) {
        let position = self.pools_reported;
        let pools = &mut self.metrics.pools;
        match pools.get_mut(position) {
            Some(known) if same_pool(known, &figures) => update_pool(known, &figures),
            Some(known) => {
                log::debug!("pool #{position} changed identity; its peaks start again");
                *known = new_pool(&figures);
            }
            None => {
                if pools.push(new_pool(&figures)).is_err() {
                    self.metrics.dropped_pools = self.metrics.dropped_pools.saturating_add(1);
                    return;
                }
            }
        }
        self.pools_reported = position.saturating_add(1);
    }

    fn component(&mut self, figures: ComponentFigures) {
        let components = &mut self.metrics.components;
        let position = match components.iter().position(|c| c.id == figures.id) {
            Some(position) => position,
            None => {
                let fresh = ComponentMetrics {
                    id: figures.id,
                    present: false,
                    limits: [None; LimitKind::COUNT],
                };
                if components.push(fresh).is_err() {
                    self.metrics.dropped_components =
                        self.metrics.dropped_components.saturating_add(1);
                    return;
                }
                components.len().saturating_sub(1)
            }
        };
        let (Some(known), Some(seen)) = (
            components.get_mut(position),
            self.limits_reported.get_mut(position),
        ) else {
            return;
        };
        known.present = true;
        let reports = known.limits.iter_mut().zip(figures.limits.iter());
        for ((slot, reported), seen) in reports.zip(seen.iter_mut()) {
            if let Some(reported) = reported {
                merge_limit(slot, reported, !*seen);
                *seen = true;
            }
        }
    }
}

fn same_pool(known: &PoolMetrics, figures: &PoolFigures) -> bool {
    known.name == figures.name
        && known.block_size == figures.block_size
        && known.block_count == figures.block_count
}

fn new_pool(figures: &PoolFigures) -> PoolMetrics {
    PoolMetrics {
        name: figures.name,
        block_size: figures.block_size,
        block_count: figures.block_count,
        blocks_used: figures.blocks_used,
        peak_blocks_used: 0,
        refusals: figures.refusals,
        bytes_requested: figures.bytes_requested,
        bytes_requested_at_peak: None,
        largest_request: figures.largest_request,
    }
}

fn update_pool(known: &mut PoolMetrics, figures: &PoolFigures) {
    known.blocks_used = figures.blocks_used;
    known.refusals = figures.refusals;
    known.bytes_requested = figures.bytes_requested;
    known.largest_request = max_known(known.largest_request, figures.largest_request);
}

/// Folds one reported limit into its slot: the first report of that limit in a collection
/// replaces the figures of the last one, later ones (another source metering the same
/// limit of the same component) add to them.
fn merge_limit(slot: &mut Option<LimitMetrics>, reported: &LimitFigures, first: bool) {
    let metrics = slot.get_or_insert_with(LimitMetrics::default);
    if first {
        metrics.used = reported.used;
        metrics.limit = reported.limit;
        metrics.refusals = reported.refusals;
    } else {
        metrics.used = metrics.used.saturating_add(reported.used);
        metrics.limit = metrics
            .limit
            .zip(reported.limit)
            .map(|(a, b)| a.saturating_add(b));
        metrics.refusals = metrics.refusals.saturating_add(reported.refusals);
    }
    metrics.peak_demand = max_known(metrics.peak_demand, reported.peak_demand);
}

fn max_known<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
