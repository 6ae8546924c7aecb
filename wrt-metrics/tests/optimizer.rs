//! The optimizer's recommendations and figures on scripted workloads, each checked by
//! replaying the workload with the recommended sizes.

mod common;

use common::{ModelPool, Op, STEP, Scripted, burst_workload, collect_once, optimizer, replay};
use wrt_foundation::ManualClock;
use wrt_metrics::{
    Change, OptimizationResult, PoolRecommendation, Ratio, Recommendation, ResourceMetricsCollector,
};

fn pool_advice<const R: usize>(result: &OptimizationResult<R>) -> Vec<PoolRecommendation> {
    result
        .recommendations
        .iter()
        .filter_map(|r| match r {
            Recommendation::Pool(p) => Some(*p),
            _ => None,
        })
        .collect()
}

/// Observes `ops` on a pool of the given geometry, collecting after every op.
fn observe(
    ops: &[Op],
    block_size: usize,
    block_count: usize,
) -> (ResourceMetricsCollector<1, 0>, common::ReplayOutcome) {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<1, 0>::new(STEP);
    let mut pool = ModelPool::new("frames", block_size, block_count);
    let outcome = replay(ops, &mut pool, &clock, STEP, Some(&mut collector));
    (collector, outcome)
}

fn waste(blocks: usize, block_size: usize, requested: usize) -> Ratio {
    let reserved = (blocks * block_size) as u64;
    Ratio::new(reserved - requested as u64, reserved).unwrap()
}

#[test]
fn pool_geometry_serves_the_peak_with_headroom_and_replay_fits_in_less_memory() {
    let sizes = [200, 900, 512, 64];
    let ops = burst_workload(8, &sizes);
    let (collector, observed) = observe(&ops, 4096, 16);
    assert_eq!(observed.refusals, 0);
    let metrics = collector.metrics();
    assert_eq!(
        metrics.pools.get(0).unwrap().peak_blocks_used,
        observed.peak_blocks
    );

    let result = optimizer(25).optimize::<1, 0, 8>(metrics);
    let [advice] = pool_advice(&result)[..] else {
        panic!("one pool recommendation")
    };
    // Largest request 900 rounded up to the 8-byte alignment; peak 8 blocks + 25 % = 10.
    let largest = *sizes.iter().max().unwrap();
    assert_eq!(
        advice.block_size,
        Change {
            current: 4096,
            recommended: largest.div_ceil(8) * 8
        }
    );
    assert_eq!(
        advice.block_count,
        Change {
            current: 16,
            recommended: (observed.peak_blocks * 125).div_ceil(100)
        }
    );
    assert_eq!(result.pool_memory.before, 16 * 4096);
    assert_eq!(
        result.pool_memory.after,
        (advice.block_size.recommended * advice.block_count.recommended) as u64
    );
    assert_eq!(
        result.memory_saved(),
        result.pool_memory.before - result.pool_memory.after
    );
    assert_eq!(result.memory_added(), 0);

    // Replay with the recommended geometry: every request fits, in less memory.
    let mut resized = ModelPool::new(
        "frames",
        advice.block_size.recommended,
        advice.block_count.recommended,
    );
    let replayed = replay::<0, 0>(&ops, &mut resized, &ManualClock::new(), STEP, None);
    assert_eq!(replayed.refusals, 0);
    assert_eq!(replayed.peak_blocks, observed.peak_blocks);
    assert!(resized.capacity_bytes() < 16 * 4096);
    assert_eq!(
        16 * 4096 - resized.capacity_bytes() as u64,
        result.memory_saved()
    );

    // The waste figures are what the two replays measure at their peak.
    let before = waste(observed.peak_blocks, 4096, observed.requested_at_peak);
    let after = waste(
        replayed.peak_blocks,
        resized.block_size,
        replayed.requested_at_peak,
    );
    assert_eq!(result.pool_waste_before, Some(before));
    assert_eq!(result.pool_waste_after, Some(after));
    let reduced = result.fragmentation_reduced().unwrap();
    assert_eq!(reduced, before.as_f64() - after.as_f64());
    assert!(reduced > 0.0);
}

#[test]
fn an_exhausted_pool_is_grown_and_the_replay_then_fits() {
    // Six live at once in a pool of four blocks: two refusals.
    let ops: Vec<_> = (0..6).map(|tag| Op::Alloc { tag, size: 64 }).collect();
    let (collector, observed) = observe(&ops, 64, 4);
    assert_eq!(observed.refusals, 2);

    let result = optimizer(50).optimize::<1, 0, 8>(collector.metrics());
    let [advice] = pool_advice(&result)[..] else {
        panic!("one pool recommendation")
    };
    // The demand beyond the pool is unknown: the current count plus 50 % headroom.
    assert_eq!(
        advice.block_count,
        Change {
            current: 4,
            recommended: 6
        }
    );
    assert_eq!(
        advice.block_size,
        Change {
            current: 64,
            recommended: 64
        }
    );
    assert_eq!(result.memory_added(), 2 * 64);
    assert_eq!(result.memory_saved(), 0);

    let mut resized = ModelPool::new("frames", 64, 6);
    assert_eq!(
        replay::<0, 0>(&ops, &mut resized, &ManualClock::new(), STEP, None).refusals,
        0
    );
}

#[test]
fn sampling_that_misses_a_burst_gives_advice_that_does_not_fit() {
    // Five allocations and four frees between two collections: the collector sees one.
    let mut ops: Vec<_> = (0..5).map(|tag| Op::Alloc { tag, size: 8 }).collect();
    ops.extend((1..5).map(|tag| Op::Free { tag }));
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<1, 0>::new(STEP * 100);
    let mut pool = ModelPool::new("frames", 8, 16);
    collector.collect_now(&pool, &clock);
    let observed = replay(&ops, &mut pool, &clock, STEP, Some(&mut collector));
    collector.collect_now(&pool, &clock);
    assert_eq!(observed.peak_blocks, 5);
    assert_eq!(
        collector.metrics().pools.get(0).unwrap().peak_blocks_used,
        1
    );

    let result = optimizer(0).optimize::<1, 0, 8>(collector.metrics());
    let [advice] = pool_advice(&result)[..] else {
        panic!("one pool recommendation")
    };
    let mut resized = ModelPool::new(
        "frames",
        advice.block_size.recommended,
        advice.block_count.recommended,
    );
    let replayed = replay::<0, 0>(&ops, &mut resized, &ManualClock::new(), STEP, None);
    assert!(
        replayed.refusals > 0,
        "documented limitation: peaks are sampled"
    );
}

#[test]
fn pools_without_request_sizes_keep_their_block_size_and_have_no_waste_figure() {
    let source = Scripted {
        pools: vec![wrt_metrics::PoolFigures::new("opaque", 512, 32, 4)],
        ..Scripted::default()
    };
    let metrics = collect_once::<_, 1, 0>(&source, &ManualClock::new());
    let result = optimizer(25).optimize::<1, 0, 4>(&metrics);
    let [advice] = pool_advice(&result)[..] else {
        panic!("one pool recommendation")
    };
    assert_eq!(
        advice.block_size,
        Change {
            current: 512,
            recommended: 512
        }
    );
    assert_eq!(
        advice.block_count,
        Change {
            current: 32,
            recommended: 5
        }
    );
    assert_eq!(result.pool_waste_before, None);
    assert_eq!(result.fragmentation_reduced(), None);
    assert_eq!(result.memory_saved(), (32 - 5) * 512);
}
