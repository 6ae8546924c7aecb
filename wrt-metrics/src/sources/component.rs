//! Sources for `wrt-component`: resource managers, component managers and the runtime.

use wrt_component::backend::Backend;
use wrt_component::engine::{SharedBudget, StoreLimiter};
use wrt_component::runtime::{ComponentStore, RuntimeEntry};
use wrt_component::{
    AllocationStats, ComponentResourceManager, LimitKind, Metadata, ResourceCategory,
    ResourceEntry, ResourceManager, ResourceRuntime,
};
use wrt_foundation::Clock;

use crate::figures::{CategoryFigures, ComponentFigures, LimitFigures};
use crate::ratio::widen;
use crate::source::{MetricsSource, Report};

fn report_categories(stats: &AllocationStats, report: &mut Report<'_>) {
    for category in ResourceCategory::ALL {
        let c = stats.category(category);
        report.category(
            category,
            CategoryFigures {
                live: usize::try_from(c.live()).unwrap_or(usize::MAX),
                succeeded: c.allocations,
                failed: c.failures,
                high_water: usize::try_from(c.peak_live).unwrap_or(usize::MAX),
            },
        );
    }
}

/// Per category: live resources, allocations and failures; memory in use is the bytes of
/// the live resources' size hints, with the manager's high-water mark of those bytes.
impl<T, B: Backend<ResourceEntry<T>>, M: Backend<Metadata>> MetricsSource
    for ResourceManager<T, B, M>
{
    fn report(&self, report: &mut Report<'_>) {
        let stats = self.stats();
        report_categories(stats, report);
        report.memory_in_use(stats.live_bytes());
        report.memory_high_water(stats.peak_bytes);
    }
}

/// `u64::MAX` is how `ResourceLimits` spells "no limit".
fn finite(cap: u64) -> Option<u64> {
    (cap != u64::MAX).then_some(cap)
}

/// The component's figures: use of every limit, in its unit (execution time in whole
/// microseconds), with the refusals the component counted per limit and the demand the
/// largest of them would have needed.
impl From<&ComponentResourceManager> for ComponentFigures {
    fn from(component: &ComponentResourceManager) -> Self {
        let (limits, usage) = (component.limits(), component.usage());
        let refusals = component.refusals();
        let mut figures = ComponentFigures::new(component.id());
        for kind in LimitKind::ALL {
            let refused = refusals.by_limit(kind);
            let used = LimitFigures {
                used: usage.used(kind),
                limit: finite(limits.cap(kind)),
                refusals: refused,
                peak_demand: (refused > 0).then(|| refusals.peak_demand(kind)),
            };
            figures = figures.with(kind, used);
        }
        figures
    }
}

/// The component's use of every limit.
impl MetricsSource for ComponentResourceManager {
    fn report(&self, report: &mut Report<'_>) {
        report.component(ComponentFigures::from(self));
    }
}

/// The runtime's resources per category, every component, the runtime-wide budget and the
/// runtime's lock contention: memory in use is what the budget has charged (linear memory
/// plus resources' size hints).
impl<T, B, S, K, M> MetricsSource for ResourceRuntime<T, B, S, K, M>
where
    B: Backend<RuntimeEntry<T>>,
    S: ComponentStore,
    K: Clock,
    M: Backend<Metadata>,
{
    fn report(&self, report: &mut Report<'_>) {
        report_categories(self.resources().stats(), report);
        report.memory_in_use(self.budget_usage().memory);
        report.contention_events(self.contention_events());
        let budget = self.budget().max_total_memory;
        if finite(widen(budget)).is_some() {
            report.memory_budget(budget);
        }
        for component in self.components() {
            component.report(report);
        }
    }
}

/// A store governed by an engine: the ledger's use of every limit, with the refusals the
/// store met per limit and the demand they would have needed; memory in use is the store's
/// linear memory with the peak the limiter saw.
impl<B: core::ops::Deref<Target = SharedBudget>> MetricsSource for StoreLimiter<B> {
    fn report(&self, report: &mut Report<'_>) {
        let refusals = self.refusals();
        let mut figures = ComponentFigures::from(self.ledger());
        for kind in LimitKind::ALL {
            if let Some(Some(limit)) = figures.limits.get_mut(kind.index()) {
                limit.refusals = refusals.by_limit(kind);
                limit.peak_demand = (limit.refusals > 0).then(|| refusals.peak_demand(kind));
            }
        }
        report.component(figures);
        report.memory_in_use(self.usage().linear_memory());
        report.memory_high_water(self.memory_stats().peak);
    }
}
