//! Pool and per-component metrics, composite sources and reset, collected with a manual
//! clock from scripted sources; fixed-capacity storage, so they run in all three environments.

mod common;

use common::{MEMORY, SECOND, Scripted, collect_once, ratio};
use wrt_component::ComponentId;
use wrt_foundation::{Clock, ManualClock};
use wrt_metrics::{
    ComponentFigures, LimitFigures, MetricsSource, Named, PoolFigures, Ratio,
    ResourceMetricsCollector,
};

#[test]
fn pool_utilization_per_pool_with_peaks_and_identity() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<2, 0>::new(SECOND);
    let mut source = Scripted::default();
    let mut small = PoolFigures::new("small", 64, 8, 2);
    small.bytes_requested = Some(100);
    source.pools = vec![small, PoolFigures::new("large", 4096, 4, 1)];
    collector.collect_if_due(&source, &clock).unwrap();

    clock.advance(SECOND);
    source.pools[0].blocks_used = 6;
    source.pools[0].bytes_requested = Some(300);
    source.pools[1].blocks_used = 0;
    collector.collect_if_due(&source, &clock).unwrap();

    clock.advance(SECOND);
    source.pools[0].blocks_used = 4;
    source.pools[0].bytes_requested = Some(250);
    let m = collector.collect_if_due(&source, &clock).unwrap();
    let small = m.pools.get(0).unwrap();
    assert_eq!(small.utilization(), Some(ratio(4, 8)));
    assert_eq!(small.peak_utilization(), Some(ratio(6, 8)));
    assert_eq!(small.bytes_requested_at_peak, Some(300));
    let large = m.pools.get(1).unwrap();
    assert_eq!((large.blocks_used, large.peak_blocks_used), (0, 1));
    assert_eq!(large.utilization(), Some(Ratio::ZERO));
    assert_eq!(large.capacity_bytes(), 4 * 4096);

    // The second pool is replaced by one of another geometry: its history starts again.
    clock.advance(SECOND);
    source.pools[1] = PoolFigures::new("large", 8192, 2, 1);
    let m = collector.collect_if_due(&source, &clock).unwrap();
    assert_eq!(m.pools.get(1).unwrap().peak_blocks_used, 1);
    assert_eq!(m.pools.get(0).unwrap().peak_blocks_used, 6);

    // A pool that disappears from the report disappears from the metrics.
    clock.advance(SECOND);
    source.pools.pop();
    assert_eq!(
        collector
            .collect_if_due(&source, &clock)
            .unwrap()
            .pools
            .len(),
        1
    );
    let empty = collect_once::<_, 1, 0>(
        &Scripted {
            pools: vec![PoolFigures::new("none", 8, 0, 0)],
            ..Scripted::default()
        },
        &clock,
    );
    assert_eq!(empty.pools.get(0).unwrap().utilization(), None);
}

#[test]
fn pools_beyond_capacity_are_counted_not_stored() {
    let clock = ManualClock::new();
    let pools = (0..5).map(|i| PoolFigures::new("p", 16, 4, i)).collect();
    let m = collect_once::<_, 3, 0>(
        &Scripted {
            pools,
            ..Scripted::default()
        },
        &clock,
    );
    assert_eq!((m.pools.len(), m.dropped_pools), (3, 2));
}

fn memory_use(id: u32, used: u64, limit: Option<u64>, refusals: u64) -> ComponentFigures {
    ComponentFigures::new(ComponentId(id)).with(
        MEMORY,
        LimitFigures {
            used,
            limit,
            refusals,
            peak_demand: None,
        },
    )
}

#[test]
fn per_component_usage_against_limits() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 2>::new(SECOND);
    let mut source = Scripted::default();
    let script = [(1_000, 0), (4_096, 1), (4_096, 1), (2_000, 3)]; // (used, refusals), cap 4096
    for (used, refusals) in script {
        source.components = vec![memory_use(7, used, Some(4_096), refusals)];
        collector.collect_if_due(&source, &clock).unwrap();
        clock.advance(SECOND);
    }
    let m = collector.metrics();
    let memory = m.component(ComponentId(7)).unwrap().limit(MEMORY).unwrap();
    assert_eq!(memory.used, 2_000);
    assert_eq!(memory.peak_used, 4_096);
    assert_eq!(memory.refusals, 3);
    assert_eq!(memory.collections_at_limit, 2);
    assert_eq!(memory.utilization(), Some(ratio(2_000, 4_096)));
    assert_eq!(memory.peak_utilization(), Some(Ratio::ONE));

    // The component goes away: it keeps its history, its current use drops to zero.
    source.components.clear();
    let m = collector.collect_if_due(&source, &clock).unwrap();
    let gone = m.component(ComponentId(7)).unwrap();
    assert!(!gone.present);
    assert_eq!(
        (
            gone.limit(MEMORY).unwrap().used,
            gone.limit(MEMORY).unwrap().peak_used
        ),
        (0, 4_096)
    );
}

#[test]
fn unlimited_and_zero_limits_are_never_at_limit() {
    let clock = ManualClock::new();
    let source = Scripted {
        components: vec![memory_use(1, 9_999, None, 0), memory_use(2, 0, Some(0), 0)],
        ..Scripted::default()
    };
    let m = collect_once::<_, 0, 2>(&source, &clock);
    let unlimited = m.component(ComponentId(1)).unwrap().limit(MEMORY).unwrap();
    assert_eq!(
        (unlimited.collections_at_limit, unlimited.utilization()),
        (0, None)
    );
    let zero = m.component(ComponentId(2)).unwrap().limit(MEMORY).unwrap();
    assert_eq!((zero.collections_at_limit, zero.utilization()), (0, None));
}

#[test]
fn the_same_component_reported_twice_adds_up_and_overflow_is_counted() {
    let clock = ManualClock::new();
    let source = Scripted {
        components: vec![
            memory_use(1, 100, Some(1_000), 1),
            memory_use(1, 50, Some(500), 2),
            memory_use(2, 1, Some(1), 0),
            memory_use(3, 1, Some(1), 0),
        ],
        ..Scripted::default()
    };
    let m = collect_once::<_, 0, 2>(&source, &clock);
    let merged = m.component(ComponentId(1)).unwrap().limit(MEMORY).unwrap();
    assert_eq!(
        (merged.used, merged.limit, merged.refusals),
        (150, Some(1_500), 3)
    );
    assert_eq!((m.components.len(), m.dropped_components), (2, 1));
}

#[test]
fn two_sources_metering_different_limits_of_one_component_each_keep_their_own() {
    // One source meters the component's memory, another its tables: neither report may
    // be added to (or erase) the other's limit, in the first collection or any later one.
    let tables = wrt_component::LimitKind::Tables;
    let table_use = LimitFigures {
        used: 3,
        limit: Some(10),
        refusals: 2,
        peak_demand: None,
    };
    let source = Scripted {
        components: vec![
            memory_use(1, 100, Some(1_000), 1),
            ComponentFigures::new(ComponentId(1)).with(tables, table_use),
        ],
        ..Scripted::default()
    };
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 1>::new(SECOND);
    for _ in 0..3 {
        let m = collector.collect_now(&source, &clock);
        let component = m.component(ComponentId(1)).unwrap();
        let memory = component.limit(MEMORY).unwrap();
        assert_eq!(
            (memory.used, memory.limit, memory.refusals),
            (100, Some(1_000), 1)
        );
        let table = component.limit(tables).unwrap();
        assert_eq!(
            (table.used, table.limit, table.refusals, table.peak_used),
            (3, Some(10), 2, 3)
        );
        clock.advance(SECOND);
    }
}

#[test]
fn composite_sources_add_up_and_named_renames_pools() {
    struct Pool(usize);
    impl MetricsSource for Pool {
        fn report(&self, report: &mut wrt_metrics::Report<'_>) {
            report.pool(PoolFigures::new("anonymous", 32, 4, self.0));
            report.memory_in_use(self.0);
        }
    }
    let clock = ManualClock::new();
    let sources = [Named::new("first", Pool(1)), Named::new("second", Pool(2))];
    let slice: &[&dyn MetricsSource] = &[&sources, &Pool(3), &Some(Pool(4)), &None::<Pool>];
    let m = collect_once::<_, 8, 0>(&slice, &clock);
    let names: Vec<_> = m.pools.iter().map(|p| (p.name, p.blocks_used)).collect();
    assert_eq!(
        names,
        [
            ("first", 1),
            ("second", 2),
            ("anonymous", 3),
            ("anonymous", 4)
        ]
    );
    assert_eq!(m.memory_in_use, 10);
}

#[test]
fn reset_forgets_peaks() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(SECOND);
    collector.collect_now(
        &Scripted {
            memory_in_use: 500,
            ..Scripted::default()
        },
        &clock,
    );
    collector.reset();
    assert_eq!(collector.metrics().collections, 0);
    let m = collector.collect_now(
        &Scripted {
            memory_in_use: 5,
            ..Scripted::default()
        },
        &clock,
    );
    assert_eq!(m.peak_memory_in_use, 5);
    assert_eq!(m.collected_at, Some(clock.now()));
}
