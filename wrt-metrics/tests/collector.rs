//! Every metric of `ResourceMetrics`, collected with a manual clock from scripted sources.
//! The collector's storage is fixed-capacity, so these run unchanged in all three
//! environments (`--no-default-features`, `--features alloc`, default).

mod common;

use core::time::Duration;

use common::{SECOND, Scripted, collect_once, ratio};
use wrt_component::ResourceCategory;
use wrt_foundation::{ManualClock, Timestamp};
use wrt_metrics::{
    AllocationRecorder, CategoryFigures, FreeSpace, MetricsSource, Ratio, ResourceMetricsCollector,
};

#[test]
fn collects_only_when_the_interval_has_passed_unless_forced() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(10 * SECOND);
    let mut source = Scripted::default();
    assert_eq!(collector.next_due(), Some(Timestamp::ZERO));

    source.memory_in_use = 1;
    assert!(collector.collect_if_due(&source, &clock).is_some());
    assert_eq!(
        collector.next_due(),
        Some(Timestamp::from_duration(10 * SECOND))
    );

    clock.advance(9 * SECOND);
    source.memory_in_use = 50;
    assert!(collector.collect_if_due(&source, &clock).is_none());
    assert_eq!(
        collector.metrics().collections,
        1,
        "not due: nothing changed"
    );
    assert_eq!(collector.metrics().peak_memory_in_use, 1);

    let forced = collector.collect_now(&source, &clock);
    assert_eq!((forced.collections, forced.memory_in_use), (2, 50));
    assert_eq!(
        forced.collected_at,
        Some(Timestamp::from_duration(9 * SECOND))
    );

    clock.advance(9 * SECOND);
    assert!(
        collector.collect_if_due(&source, &clock).is_none(),
        "interval restarts at the forced one"
    );
    clock.advance(SECOND);
    assert!(collector.collect_if_due(&source, &clock).is_some());
}

#[test]
fn an_interval_past_the_end_of_time_only_collects_when_forced() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(Duration::MAX);
    clock.advance(SECOND);
    assert!(
        collector
            .collect_if_due(&Scripted::default(), &clock)
            .is_some()
    );
    assert_eq!(collector.next_due(), None);
    clock.advance(Duration::MAX);
    assert!(
        collector
            .collect_if_due(&Scripted::default(), &clock)
            .is_none()
    );
    assert_eq!(
        collector
            .collect_now(&Scripted::default(), &clock)
            .collections,
        2
    );
}

#[test]
fn allocations_by_category_and_their_peaks() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(SECOND);
    let mut source = Scripted::default();
    let script = [(3, 2), (7, 1), (4, 5)]; // (memory live, tables live) per collection
    for (memory, tables) in script {
        source.category_mut(ResourceCategory::Memory).live = memory;
        source.category_mut(ResourceCategory::Tables).live = tables;
        collector.collect_if_due(&source, &clock).unwrap();
        clock.advance(SECOND);
    }
    let m = collector.metrics();
    assert_eq!(m.category(ResourceCategory::Memory).live, 4);
    assert_eq!(m.category(ResourceCategory::Memory).peak_live, 7);
    assert_eq!(m.category(ResourceCategory::Tables).live, 5);
    assert_eq!(m.category(ResourceCategory::Tables).peak_live, 5);
    assert_eq!(m.category(ResourceCategory::IoHandles).peak_live, 0);
    assert_eq!(m.by_category().count(), ResourceCategory::COUNT);
}

#[test]
fn high_water_marks_reported_by_sources_raise_the_peaks_between_collections() {
    struct Marks {
        live: usize,
        high_water: usize,
        memory: usize,
        memory_high_water: usize,
    }
    impl MetricsSource for Marks {
        fn report(&self, report: &mut wrt_metrics::Report<'_>) {
            let figures = CategoryFigures {
                live: self.live,
                high_water: self.high_water,
                ..CategoryFigures::default()
            };
            report.category(ResourceCategory::Components, figures);
            report.memory_in_use(self.memory);
            report.memory_high_water(self.memory_high_water);
        }
    }
    let clock = ManualClock::new();
    let burst = Marks {
        live: 2,
        high_water: 9,
        memory: 100,
        memory_high_water: 700,
    };
    let m = collect_once::<_, 0, 0>(&(&burst, &burst), &clock);
    assert_eq!(m.category(ResourceCategory::Components).live, 4);
    assert_eq!(m.category(ResourceCategory::Components).peak_live, 18);
    assert_eq!((m.memory_in_use, m.peak_memory_in_use), (200, 1_400));
}

#[test]
fn current_and_peak_memory() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(SECOND);
    let mut source = Scripted {
        memory_budget: Some(10_000),
        ..Scripted::default()
    };
    for in_use in [100, 4_000, 2_500, 3_999] {
        source.memory_in_use = in_use;
        collector.collect_if_due(&source, &clock).unwrap();
        clock.advance(SECOND);
    }
    let m = collector.metrics();
    assert_eq!((m.memory_in_use, m.peak_memory_in_use), (3_999, 4_000));
    assert_eq!(m.memory_budget, Some(10_000));
}

#[test]
fn success_rate_counts_every_category_and_is_none_before_any_attempt() {
    let clock = ManualClock::new();
    assert_eq!(
        collect_once::<_, 0, 0>(&Scripted::default(), &clock).allocation_success_rate(),
        None
    );

    let mut source = Scripted::default();
    *source.category_mut(ResourceCategory::Memory) = CategoryFigures {
        live: 0,
        succeeded: 6,
        failed: 2,
        high_water: 0,
    };
    *source.category_mut(ResourceCategory::IoHandles) = CategoryFigures {
        live: 0,
        succeeded: 0,
        failed: 2,
        high_water: 0,
    };
    let m = collect_once::<_, 0, 0>(&source, &clock);
    assert_eq!(m.allocations_succeeded(), 6);
    assert_eq!(m.allocations_failed(), 4);
    assert_eq!(m.allocation_success_rate(), Some(ratio(6, 10)));
    assert_eq!(
        m.category(ResourceCategory::Memory).success_rate(),
        Some(ratio(3, 4))
    );
    assert_eq!(
        m.category(ResourceCategory::IoHandles).success_rate(),
        Some(Ratio::ZERO)
    );
}

#[test]
fn average_allocation_time_is_read_through_the_clock() {
    let clock = ManualClock::new();
    let mut recorder = AllocationRecorder::new();
    for micros in [10, 20, 60] {
        let result = recorder.record(&clock, ResourceCategory::Memory, || {
            clock.advance(Duration::from_micros(micros));
            Ok::<_, ()>(())
        });
        assert!(result.is_ok());
    }
    let refused = recorder.record(&clock, ResourceCategory::Tables, || {
        clock.advance(Duration::from_micros(10));
        Err::<(), _>("full")
    });
    assert_eq!(refused, Err("full"));
    recorder.record_release(ResourceCategory::Memory);

    let m = collect_once::<_, 0, 0>(&recorder, &clock);
    assert_eq!(m.timed_allocations, 4);
    assert_eq!(m.total_allocation_time, Duration::from_micros(100));
    assert_eq!(m.average_allocation_time(), Some(Duration::from_micros(25)));
    assert_eq!(
        m.category(ResourceCategory::Memory),
        wrt_metrics::CategoryMetrics {
            live: 2,
            peak_live: 3, // the recorder's high-water mark, before the release
            succeeded: 3,
            failed: 0
        }
    );
    assert_eq!(m.category(ResourceCategory::Tables).failed, 1);
    assert_eq!(
        collect_once::<_, 0, 0>(&Scripted::default(), &clock).average_allocation_time(),
        None
    );
}

#[test]
fn contention_events_are_running_totals_not_summed_over_collections() {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<0, 0>::new(Duration::ZERO);
    let mut recorder = AllocationRecorder::new();
    recorder.record_contention();
    recorder.record_contention();
    assert_eq!(
        collector.collect_now(&recorder, &clock).contention_events,
        2
    );
    recorder.record_contention();
    assert_eq!(
        collector.collect_now(&recorder, &clock).contention_events,
        3
    );
    assert_eq!(
        collector
            .collect_now(&(&recorder, &recorder), &clock)
            .contention_events,
        6
    );
}

#[test]
fn heap_fragmentation_is_one_minus_largest_over_total_and_zero_when_nothing_is_free() {
    let clock = ManualClock::new();
    let none = collect_once::<_, 0, 0>(&Scripted::default(), &clock);
    assert_eq!(
        none.heap_fragmentation(),
        None,
        "no source knows its free space"
    );

    let full = Scripted {
        free: Some(FreeSpace::default()),
        ..Scripted::default()
    };
    assert_eq!(
        collect_once::<_, 0, 0>(&full, &clock).heap_fragmentation(),
        Some(Ratio::ZERO)
    );

    let one_block = Scripted {
        free: Some(FreeSpace::from_blocks([4096])),
        ..Scripted::default()
    };
    assert_eq!(
        collect_once::<_, 0, 0>(&one_block, &clock).heap_fragmentation(),
        Some(Ratio::ZERO)
    );

    // Two heaps: 100+300 free and 200+400 free; largest anywhere 400 of 1000 free.
    let a = Scripted {
        free: Some(FreeSpace::from_blocks([100, 300])),
        ..Scripted::default()
    };
    let b = Scripted {
        free: Some(FreeSpace::from_blocks([200, 400])),
        ..Scripted::default()
    };
    let m = collect_once::<_, 0, 0>(&(a, b), &clock);
    assert_eq!(
        m.free_space,
        Some(FreeSpace {
            total: 1000,
            largest: 400
        })
    );
    assert_eq!(m.heap_fragmentation(), Some(ratio(6, 10)));

    let inconsistent = Scripted {
        free: Some(FreeSpace {
            total: 10,
            largest: 20,
        }),
        ..Scripted::default()
    };
    assert_eq!(
        collect_once::<_, 0, 0>(&inconsistent, &clock).heap_fragmentation(),
        Some(Ratio::ZERO)
    );
}
