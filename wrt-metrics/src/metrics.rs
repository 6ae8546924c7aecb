//! [`ResourceMetrics`]: what a [`ResourceMetricsCollector`](crate::ResourceMetricsCollector)
//! has learned so far — the latest figures and the peaks seen across collections.
//!
//! Every *peak* here is the highest value seen **at a collection** — or, where sources keep
//! their own high-water marks ([`CategoryFigures::high_water`](crate::CategoryFigures),
//! [`Report::memory_high_water`](crate::Report::memory_high_water)), at least the sum of
//! those. Without such marks a burst that comes and goes between two collections is not
//! seen: collect after bursts (or on a short interval) when peaks drive sizing decisions.

use core::time::Duration;

use wrt_component::{ComponentId, LimitKind, ResourceCategory};
use wrt_foundation::{BoundedVec, Timestamp};

use crate::figures::{FreeSpace, PlatformMemory};
use crate::ratio::Ratio;

/// One resource category: now, at its peak, and its allocation totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryMetrics {
    /// Resources held at the last collection.
    pub live: usize,
    /// Most resources held at any collection (or per the sources' high-water marks).
    pub peak_live: usize,
    /// Allocations that succeeded (the sources' running total at the last collection).
    pub succeeded: u64,
    /// Allocations refused (the sources' running total at the last collection).
    pub failed: u64,
}

impl CategoryMetrics {
    /// `succeeded / (succeeded + failed)`, or `None` before any attempt.
    pub fn success_rate(&self) -> Option<Ratio> {
        Ratio::new(self.succeeded, self.succeeded.saturating_add(self.failed))
    }
}

/// One pool of equal blocks: its geometry, use now and at its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolMetrics {
    /// The pool's label.
    pub name: &'static str,
    /// Bytes per block.
    pub block_size: usize,
    /// Blocks in the pool.
    pub block_count: usize,
    /// Blocks in use at the last collection.
    pub blocks_used: usize,
    /// Most blocks in use at any collection.
    pub peak_blocks_used: usize,
    /// Refused requests (the pool's running total).
    pub refusals: u64,
    /// Bytes callers asked for in the blocks in use at the last collection, when known.
    pub bytes_requested: Option<usize>,
    /// Bytes callers asked for at the collection that set `peak_blocks_used`, when known.
    pub bytes_requested_at_peak: Option<usize>,
    /// Largest single request ever seen, when known.
    pub largest_request: Option<usize>,
}

impl PoolMetrics {
    /// `blocks_used / block_count` (the seed's per-pool utilization), `None` for an empty pool.
    pub fn utilization(&self) -> Option<Ratio> {
        Ratio::of_usize(self.blocks_used, self.block_count)
    }

    /// `peak_blocks_used / block_count`, `None` for an empty pool.
    pub fn peak_utilization(&self) -> Option<Ratio> {
        Ratio::of_usize(self.peak_blocks_used, self.block_count)
    }

    /// Bytes the pool reserves: `block_size × block_count` (saturating).
    pub fn capacity_bytes(&self) -> usize {
        self.block_size.saturating_mul(self.block_count)
    }
}

/// One limit of one component: use now and at its peak, and how often it was hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitMetrics {
    /// Amount used at the last collection (zero when the component was not reported).
    pub used: u64,
    /// The cap at the last collection; `None` is unlimited.
    pub limit: Option<u64>,
    /// Most used at any collection.
    pub peak_used: u64,
    /// Requests refused by this limit (the source's running total).
    pub refusals: u64,
    /// Largest refused `used + requested` the source reported, when it keeps one.
    pub peak_demand: Option<u64>,
    /// Collections at which a non-zero use had reached the cap.
    pub collections_at_limit: u64,
}

impl LimitMetrics {
    /// `used / limit`, `None` when unlimited or the cap is zero.
    pub fn utilization(&self) -> Option<Ratio> {
        self.limit.and_then(|limit| Ratio::new(self.used, limit))
    }

    /// `peak_used / limit`, `None` when unlimited or the cap is zero.
    pub fn peak_utilization(&self) -> Option<Ratio> {
        self.limit
            .and_then(|limit| Ratio::new(self.peak_used, limit))
    }
}

/// One component's use of its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentMetrics {
    /// The component.
    pub id: ComponentId,
    /// `true` when the component was reported at the last collection. An absent component
    /// keeps its history (its peaks still say what it needed) with its current use at zero.
    pub present: bool,
    /// Per [`LimitKind`], indexed by [`LimitKind::index`]; `None` when never metered.
    pub limits: [Option<LimitMetrics>; LimitKind::COUNT],
}

impl ComponentMetrics {
    /// The metrics of `limit`, if it was ever metered.
    pub fn limit(&self, limit: LimitKind) -> Option<&LimitMetrics> {
        self.limits.get(limit.index()).and_then(Option::as_ref)
    }

    /// Every metered limit with its metrics, in [`LimitKind::ALL`] order.
    pub fn metered(&self) -> impl Iterator<Item = (LimitKind, &LimitMetrics)> {
        LimitKind::ALL
            .iter()
            .zip(self.limits.iter())
            .filter_map(|(name, metrics)| metrics.as_ref().map(|m| (*name, m)))
    }
}

/// Everything the collector knows, in fixed-capacity storage: at most `POOLS` pools and
/// `COMPONENTS` components (figures beyond that are counted in `dropped_*`, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMetrics<const POOLS: usize, const COMPONENTS: usize> {
    /// Collections made so far.
    pub collections: u64,
    /// When the last collection was made; `None` before the first.
    pub collected_at: Option<Timestamp>,
    /// Per category, indexed by [`ResourceCategory::index`].
    pub categories: [CategoryMetrics; ResourceCategory::COUNT],
    /// Bytes in use at the last collection.
    pub memory_in_use: usize,
    /// Most bytes in use at any collection (or per the sources' high-water marks).
    pub peak_memory_in_use: usize,
    /// Bytes the sources may use at most, when any source reported a budget.
    pub memory_budget: Option<usize>,
    /// Allocations timed through a clock (the sources' running total).
    pub timed_allocations: u64,
    /// Time those allocations took together.
    pub total_allocation_time: Duration,
    /// Contention events (the sources' running total).
    pub contention_events: u64,
    /// Free space of the heap-like sources at the last collection, when any reported it.
    pub free_space: Option<FreeSpace>,
    /// The platform's memory ceiling at the last collection, when a provider reported it.
    pub platform_memory: Option<PlatformMemory>,
    /// Pools in report order.
    pub pools: BoundedVec<PoolMetrics, POOLS>,
    /// Components in order of first report.
    pub components: BoundedVec<ComponentMetrics, COMPONENTS>,
    /// Pools reported at the last collection that did not fit in `POOLS`.
    pub dropped_pools: usize,
    /// Components reported at the last collection that did not fit in `COMPONENTS`.
    pub dropped_components: usize,
}

impl<const POOLS: usize, const COMPONENTS: usize> ResourceMetrics<POOLS, COMPONENTS> {
    /// Nothing collected yet.
    pub const fn new() -> Self {
        Self {
            collections: 0,
            collected_at: None,
            categories: [CategoryMetrics {
                live: 0,
                peak_live: 0,
                succeeded: 0,
                failed: 0,
            }; ResourceCategory::COUNT],
            memory_in_use: 0,
            peak_memory_in_use: 0,
            memory_budget: None,
            timed_allocations: 0,
            total_allocation_time: Duration::ZERO,
            contention_events: 0,
            free_space: None,
            platform_memory: None,
            pools: BoundedVec::new(),
            components: BoundedVec::new(),
            dropped_pools: 0,
            dropped_components: 0,
        }
    }

    /// The metrics of one category.
    pub fn category(&self, category: ResourceCategory) -> CategoryMetrics {
        self.categories
            .get(category.index())
            .copied()
            .unwrap_or_default()
    }

    /// Every category with its metrics, in [`ResourceCategory::ALL`] order.
    pub fn by_category(&self) -> impl Iterator<Item = (ResourceCategory, &CategoryMetrics)> {
        ResourceCategory::ALL
            .into_iter()
            .zip(self.categories.iter())
    }

    /// Allocations that succeeded, over all categories.
    pub fn allocations_succeeded(&self) -> u64 {
        self.categories
            .iter()
            .fold(0, |sum, c| sum.saturating_add(c.succeeded))
    }

    /// Allocations refused, over all categories.
    pub fn allocations_failed(&self) -> u64 {
        self.categories
            .iter()
            .fold(0, |sum, c| sum.saturating_add(c.failed))
    }

    /// `succeeded / (succeeded + failed)` over all categories; `None` before any attempt.
    pub fn allocation_success_rate(&self) -> Option<Ratio> {
        let succeeded = self.allocations_succeeded();
        Ratio::new(
            succeeded,
            succeeded.saturating_add(self.allocations_failed()),
        )
    }

    /// Mean time of a timed allocation (rounded down to the nanosecond); `None` when no
    /// allocation was timed.
    pub fn average_allocation_time(&self) -> Option<Duration> {
        let mean = self
            .total_allocation_time
            .as_nanos()
            .checked_div(u128::from(self.timed_allocations))?;
        Some(Duration::from_nanos(
            u64::try_from(mean).unwrap_or(u64::MAX),
        ))
    }

    /// Heap fragmentation of the last collection, `1 − largest free block / total free`
    /// (see [`FreeSpace::fragmentation`]); `None` when no source knows its free space.
    pub fn heap_fragmentation(&self) -> Option<Ratio> {
        self.free_space.map(|free| free.fragmentation())
    }

    /// The metrics of component `id`, if it was ever reported.
    pub fn component(&self, id: ComponentId) -> Option<&ComponentMetrics> {
        self.components.iter().find(|c| c.id == id)
    }
}

impl<const POOLS: usize, const COMPONENTS: usize> Default for ResourceMetrics<POOLS, COMPONENTS> {
    fn default() -> Self {
        Self::new()
    }
}
