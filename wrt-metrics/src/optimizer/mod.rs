//! [`ResourceOptimizer`]: sizing advice computed from what the collector observed.
//!
//! Every number it produces follows from [`ResourceMetrics`] and [`OptimizerConfig`] by the
//! rules written on each field; nothing is estimated. Peaks are the peaks seen at collections
//! (see [`crate::metrics`]), so advice is only as good as the sampling behind it.

mod recommendation;
mod result;

pub use recommendation::{
    Change, LimitDirection, LimitRecommendation, PoolRecommendation, Preallocation, Recommendation,
};
pub use result::{MemoryChange, OptimizationResult};

use wrt_component::LimitKind;

use crate::metrics::{LimitMetrics, PoolMetrics, ResourceMetrics};
use crate::ratio::{Ratio, widen};

/// The policy behind the advice. [`Default`] says why each default was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptimizerConfig {
    /// Capacity on top of an observed peak, in percent: a recommended size is
    /// `⌈peak × (100 + headroom_percent) / 100⌉`.
    pub headroom_percent: u32,
    /// A finite limit is "far above" use — and tightened to peak plus headroom — when the
    /// peak stayed below this percentage of it.
    pub tighten_below_percent: u32,
    /// A limit is "hit often", and raised, when it refused at least this many requests
    /// (`0` disables this trigger).
    pub raise_after_refusals: u64,
    /// ... or when it had been reached at least at this many collections (`0` disables).
    pub raise_after_collections_at_limit: u64,
    /// Recommended block sizes are rounded up to a multiple of this (`0` or `1`: no rounding).
    pub block_alignment: usize,
    /// No advice from fewer collections than this: too little has been seen.
    pub min_collections: u64,
}

impl Default for OptimizerConfig {
    /// 25 % headroom (a quarter above the worst seen: room for variance without doubling);
    /// tighten below 50 % (a limit more than twice the peak); raise after one refusal (a
    /// refusal is real work turned away) or two collections at the limit (once may be a
    /// coincidence); 8-byte block alignment (what `u64` and pointers need on 64-bit
    /// targets); at least one collection.
    fn default() -> Self {
        Self {
            headroom_percent: 25,
            tighten_below_percent: 50,
            raise_after_refusals: 1,
            raise_after_collections_at_limit: 2,
            block_alignment: 8,
            min_collections: 1,
        }
    }
}

/// Turns observed [`ResourceMetrics`] into [`Recommendation`]s.
///
/// ```
/// use wrt_foundation::ManualClock;
/// use wrt_metrics::{
///     MetricsSource, OptimizerConfig, PoolFigures, Recommendation, Report, ResourceMetricsCollector,
///     ResourceOptimizer,
/// };
///
/// // A pool of 16 blocks of 4 KiB that never held more than 4 blocks, none above 1000 B.
/// struct Pool;
/// impl MetricsSource for Pool {
///     fn report(&self, report: &mut Report<'_>) {
///         let mut figures = PoolFigures::new("frames", 4096, 16, 4);
///         figures.bytes_requested = Some(3900);
///         figures.largest_request = Some(1000);
///         report.pool(figures);
///     }
/// }
/// let mut collector = ResourceMetricsCollector::<1, 0>::new(core::time::Duration::ZERO);
/// let metrics = collector.collect_now(&Pool, &ManualClock::new());
///
/// let result = ResourceOptimizer::new(OptimizerConfig::default()).optimize::<1, 0, 4>(metrics);
/// let Some(Recommendation::Pool(pool)) = result.recommendations.get(0) else { panic!() };
/// assert_eq!((pool.block_count.recommended, pool.block_size.recommended), (5, 1000));
/// assert_eq!(result.memory_saved(), 16 * 4096 - 5 * 1000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceOptimizer {
    config: OptimizerConfig,
}

impl ResourceOptimizer {
    /// An optimizer applying `config`.
    pub const fn new(config: OptimizerConfig) -> Self {
        Self { config }
    }

    /// The policy in force.
    pub const fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// Computes the advice for `metrics`, keeping at most `R` recommendations.
    pub fn optimize<const POOLS: usize, const COMPONENTS: usize, const R: usize>(
        &self,
        metrics: &ResourceMetrics<POOLS, COMPONENTS>,
    ) -> OptimizationResult<R> {
        let mut result = OptimizationResult {
            recommendations: wrt_foundation::BoundedVec::new(),
            omitted: 0,
            pool_memory: MemoryChange::default(),
            budget_memory: None,
            limit_memory: MemoryChange::default(),
            pool_waste_before: None,
            pool_waste_after: None,
        };
        if metrics.collections < self.config.min_collections {
            log::debug!(
                "no advice: {} collection(s), {} needed",
                metrics.collections,
                self.config.min_collections
            );
            return result;
        }
        self.advise_pools(metrics, &mut result);
        self.advise_limits(metrics, &mut result);
        self.advise_preallocation(metrics, &mut result);
        result
    }

    fn advise_pools<const P: usize, const C: usize, const R: usize>(
        &self,
        metrics: &ResourceMetrics<P, C>,
        result: &mut OptimizationResult<R>,
    ) {
        let mut waste = WasteSums::default();
        for (index, pool) in metrics.pools.iter().enumerate() {
            let advice = self.pool_advice(index, pool);
            let bytes = advice.bytes();
            result.pool_memory.add(bytes.current, bytes.recommended);
            waste.add(pool, advice.block_size.recommended);
            let changed = advice.block_size.current != advice.block_size.recommended
                || advice.block_count.current != advice.block_count.recommended;
            if changed {
                push(result, Recommendation::Pool(advice));
            }
        }
        result.pool_waste_before = Ratio::new(waste.wasted_before, waste.reserved_before);
        result.pool_waste_after = Ratio::new(waste.wasted_after, waste.reserved_after);
    }

    fn pool_advice(&self, index: usize, pool: &PoolMetrics) -> PoolRecommendation {
        let block_size = pool.largest_request.map_or(pool.block_size, |largest| {
            round_up(largest, self.config.block_alignment)
        });
        let exhausted = pool.refusals > 0 && pool.peak_blocks_used >= pool.block_count;
        let block_count = if exhausted {
            narrow(self.grow(widen(pool.block_count))).max(pool.block_count.saturating_add(1))
        } else {
            narrow(self.grow(widen(pool.peak_blocks_used))).max(1)
        };
        PoolRecommendation {
            index,
            name: pool.name,
            block_size: Change {
                current: pool.block_size,
                recommended: block_size,
            },
            block_count: Change {
                current: pool.block_count,
                recommended: block_count,
            },
            peak_blocks_used: pool.peak_blocks_used,
            refusals: pool.refusals,
        }
    }

    fn advise_limits<const P: usize, const C: usize, const R: usize>(
        &self,
        metrics: &ResourceMetrics<P, C>,
        result: &mut OptimizationResult<R>,
    ) {
        for component in metrics.components.iter() {
            for (limit, observed) in component.metered() {
                let Some(current) = observed.limit else {
                    continue;
                };
                let advice = self.limit_advice(current, observed);
                let recommended = advice.map_or(current, |(value, _)| value);
                if limit == LimitKind::Memory {
                    result.limit_memory.add(current, recommended);
                }
                if let Some((recommended, direction)) = advice {
                    let change = Change {
                        current,
                        recommended,
                    };
                    push(
                        result,
                        Recommendation::Limit(LimitRecommendation {
                            component: component.id,
                            limit,
                            change,
                            direction,
                            peak_used: observed.peak_used,
                            refusals: observed.refusals,
                            collections_at_limit: observed.collections_at_limit,
                        }),
                    );
                }
            }
        }
    }

    fn limit_advice(&self, current: u64, observed: &LimitMetrics) -> Option<(u64, LimitDirection)> {
        let c = &self.config;
        let refused = c.raise_after_refusals > 0 && observed.refusals >= c.raise_after_refusals;
        let reached = c.raise_after_collections_at_limit > 0
            && observed.collections_at_limit >= c.raise_after_collections_at_limit;
        if refused || reached {
            let demand = observed
                .peak_used
                .max(observed.peak_demand.unwrap_or(0))
                .max(current);
            let raised = self.grow(demand).max(current.saturating_add(1));
            return Some((raised, LimitDirection::Raise));
        }
        let peak_scaled = u128::from(observed.peak_used).saturating_mul(100);
        let threshold = u128::from(current).saturating_mul(u128::from(c.tighten_below_percent));
        let tightened = self.grow(observed.peak_used);
        (peak_scaled < threshold && tightened < current)
            .then_some((tightened, LimitDirection::Tighten))
    }

    fn advise_preallocation<const P: usize, const C: usize, const R: usize>(
        &self,
        metrics: &ResourceMetrics<P, C>,
        result: &mut OptimizationResult<R>,
    ) {
        for (category, observed) in metrics.by_category() {
            if observed.peak_live > 0 {
                let slots = narrow(self.grow(widen(observed.peak_live)));
                push(
                    result,
                    Recommendation::Preallocate(Preallocation::Category {
                        category,
                        peak_live: observed.peak_live,
                        slots,
                    }),
                );
            }
        }
        if metrics.peak_memory_in_use > 0 {
            let bytes = narrow(self.grow(widen(metrics.peak_memory_in_use)));
            result.budget_memory = metrics.memory_budget.map(|budget| MemoryChange {
                before: widen(budget),
                after: widen(bytes),
            });
            push(
                result,
                Recommendation::Preallocate(Preallocation::Memory {
                    peak_bytes: metrics.peak_memory_in_use,
                    budget: metrics.memory_budget,
                    bytes,
                }),
            );
        }
    }

    /// `⌈value × (100 + headroom) / 100⌉`, saturating at `u64::MAX`.
    fn grow(&self, value: u64) -> u64 {
        let factor = u128::from(self.config.headroom_percent).saturating_add(100);
        let grown = u128::from(value).saturating_mul(factor).div_ceil(100);
        u64::try_from(grown).unwrap_or(u64::MAX)
    }
}

/// Stores a recommendation or counts it as omitted.
fn push<const R: usize>(result: &mut OptimizationResult<R>, recommendation: Recommendation) {
    if result.recommendations.push(recommendation).is_err() {
        result.omitted = result.omitted.saturating_add(1);
    }
}

/// Running sums for the pools' internal waste at peak, before and after resizing blocks.
#[derive(Default)]
struct WasteSums {
    wasted_before: u64,
    reserved_before: u64,
    wasted_after: u64,
    reserved_after: u64,
}

impl WasteSums {
    fn add(&mut self, pool: &PoolMetrics, new_block_size: usize) {
        let Some(requested) = pool.bytes_requested_at_peak else {
            return;
        };
        let requested = widen(requested);
        let blocks = widen(pool.peak_blocks_used);
        let before = blocks.saturating_mul(widen(pool.block_size));
        let after = blocks.saturating_mul(widen(new_block_size));
        self.wasted_before = self
            .wasted_before
            .saturating_add(before.saturating_sub(requested));
        self.reserved_before = self.reserved_before.saturating_add(before);
        self.wasted_after = self
            .wasted_after
            .saturating_add(after.saturating_sub(requested));
        self.reserved_after = self.reserved_after.saturating_add(after);
    }
}

/// `value` rounded up to a multiple of `alignment` (saturating; `0`/`1` leave it alone).
fn round_up(value: usize, alignment: usize) -> usize {
    if alignment <= 1 {
        return value;
    }
    value
        .div_ceil(alignment)
        .saturating_mul(alignment)
        .max(alignment)
}

/// `u64` back to `usize`, saturating.
fn narrow(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}
