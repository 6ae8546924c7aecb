//! The optimizer's limit and preallocation advice on scripted traces, each checked by
//! replaying the trace against the recommended figure.

mod common;

use common::{MEMORY, STEP, Scripted, collect_once, optimizer};
use wrt_component::{ComponentId, ResourceCategory};
use wrt_foundation::ManualClock;
use wrt_metrics::{
    Change, ComponentFigures, LimitDirection, LimitFigures, OptimizationResult, OptimizerConfig,
    Preallocation, Recommendation, ResourceMetricsCollector, ResourceOptimizer,
};

fn limit_figures(used: u64, limit: u64, refusals: u64, peak_demand: Option<u64>) -> LimitFigures {
    LimitFigures {
        used,
        limit: Some(limit),
        refusals,
        peak_demand,
    }
}

/// Collects one component's memory use at each step of `trace`, then optimizes.
fn advise_limit(trace: &[LimitFigures], config: OptimizerConfig) -> OptimizationResult<8> {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 1>::new(STEP);
    let mut source = Scripted::default();
    for figures in trace {
        source.components = vec![ComponentFigures::new(ComponentId(3)).with(MEMORY, *figures)];
        collector.collect_if_due(&source, &clock).unwrap();
        clock.advance(STEP);
    }
    ResourceOptimizer::new(config).optimize::<0, 1, 8>(collector.metrics())
}

fn only_limit<const R: usize>(result: &OptimizationResult<R>) -> wrt_metrics::LimitRecommendation {
    let limits: Vec<_> = result
        .recommendations
        .iter()
        .filter_map(|r| match r {
            Recommendation::Limit(l) => Some(*l),
            _ => None,
        })
        .collect();
    assert_eq!(limits.len(), 1, "{limits:?}");
    limits[0]
}

#[test]
fn a_limit_far_above_the_peak_is_tightened_and_the_trace_still_fits() {
    let used = [1_000, 9_000, 10_000, 4_000];
    let trace: Vec<_> = used
        .iter()
        .map(|&u| limit_figures(u, 65_536, 0, None))
        .collect();
    let result = advise_limit(&trace, OptimizerConfig::default());
    let advice = only_limit(&result);
    assert_eq!(advice.direction, LimitDirection::Tighten);
    assert_eq!(advice.limit, MEMORY);
    assert_eq!(
        advice.change,
        Change {
            current: 65_536,
            recommended: 12_500
        }
    );
    assert_eq!(
        (result.limit_memory.before, result.limit_memory.after),
        (65_536, 12_500)
    );
    assert_eq!(result.limit_memory.saved(), 65_536 - 12_500);
    assert_eq!(
        result.memory_saved(),
        0,
        "a limit is a cap, not a reservation"
    );
    assert!(
        used.iter().all(|&u| u <= advice.change.recommended),
        "replayed: nothing refused"
    );
}

#[test]
fn a_limit_above_half_of_its_cap_is_left_alone() {
    let trace = [limit_figures(33_000, 65_536, 0, None)];
    let result = advise_limit(&trace, OptimizerConfig::default());
    assert!(
        result
            .recommendations
            .iter()
            .all(|r| !matches!(r, Recommendation::Limit(_)))
    );
    assert_eq!(result.limit_memory.saved(), 0);
}

#[test]
fn a_limit_that_refused_is_raised_to_the_refused_demand_and_the_demand_then_fits() {
    // Used climbs to the cap; the component then asked for 904 more than the cap allowed.
    let trace = [
        limit_figures(2_000, 4_096, 0, None),
        limit_figures(4_096, 4_096, 1, Some(5_000)),
        limit_figures(3_000, 4_096, 3, Some(4_500)),
    ];
    let result = advise_limit(&trace, OptimizerConfig::default());
    let advice = only_limit(&result);
    assert_eq!(advice.direction, LimitDirection::Raise);
    assert_eq!(advice.refusals, 3);
    assert_eq!(
        advice.change,
        Change {
            current: 4_096,
            recommended: 6_250
        }
    );
    let largest_demand = trace.iter().filter_map(|t| t.peak_demand).max().unwrap();
    assert!(
        largest_demand <= advice.change.recommended,
        "replayed: the refused request fits"
    );
}

#[test]
fn a_limit_reached_at_several_collections_is_raised_even_without_refusals() {
    let trace = [
        limit_figures(100, 100, 0, None),
        limit_figures(100, 100, 0, None),
    ];
    let advice = only_limit(&advise_limit(&trace, OptimizerConfig::default()));
    assert_eq!(advice.direction, LimitDirection::Raise);
    assert_eq!(advice.collections_at_limit, 2);
    assert_eq!(advice.change.recommended, 125);

    let once = advise_limit(&trace[..1], OptimizerConfig::default());
    assert!(
        once.recommendations
            .iter()
            .all(|r| !matches!(r, Recommendation::Limit(_)))
    );
}

#[test]
fn unlimited_limits_get_no_advice() {
    let trace = [LimitFigures {
        used: 10,
        limit: None,
        refusals: 0,
        peak_demand: None,
    }];
    let result = advise_limit(&trace, OptimizerConfig::default());
    assert!(result.recommendations.is_empty());
}

#[test]
fn preallocation_follows_peak_live_and_replaces_the_budget() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(STEP);
    let mut source = Scripted {
        memory_budget: Some(10_000),
        ..Scripted::default()
    };
    for (live, memory) in [(3, 1_000), (7, 4_000), (2, 500)] {
        source.category_mut(ResourceCategory::Tables).live = live;
        source.memory_in_use = memory;
        collector.collect_if_due(&source, &clock).unwrap();
        clock.advance(STEP);
    }
    let result = optimizer(25).optimize::<0, 0, 8>(collector.metrics());
    let preallocations: Vec<_> = result
        .recommendations
        .iter()
        .filter_map(|r| match r {
            Recommendation::Preallocate(p) => Some(*p),
            _ => None,
        })
        .collect();
    assert_eq!(
        preallocations,
        [
            Preallocation::Category {
                category: ResourceCategory::Tables,
                peak_live: 7,
                slots: 9
            },
            Preallocation::Memory {
                peak_bytes: 4_000,
                budget: Some(10_000),
                bytes: 5_000
            },
        ]
    );
    let budget = result.budget_memory.unwrap();
    assert_eq!((budget.before, budget.after), (10_000, 5_000));
    assert_eq!(result.memory_saved(), 5_000);
    // Replay: every observed use fits in the preallocation.
    assert!([1_000, 4_000, 500].iter().all(|&m| m <= 5_000));
    assert!([3, 7, 2].iter().all(|&live| live <= 9));
}

#[test]
fn too_few_collections_give_no_advice_and_a_full_result_counts_what_it_omits() {
    let metrics = ResourceMetricsCollector::<0, 0>::new(STEP)
        .metrics()
        .clone();
    let result = ResourceOptimizer::default().optimize::<0, 0, 4>(&metrics);
    assert!(result.recommendations.is_empty());
    assert_eq!(result.reserved().before, 0);

    let mut source = Scripted::default();
    for category in ResourceCategory::ALL {
        source.category_mut(category).live = 1;
    }
    let metrics = collect_once::<_, 0, 0>(&source, &ManualClock::new());
    let result = ResourceOptimizer::default().optimize::<0, 0, 3>(&metrics);
    assert_eq!(
        (result.recommendations.len(), result.omitted),
        (3, ResourceCategory::COUNT - 3)
    );
}
