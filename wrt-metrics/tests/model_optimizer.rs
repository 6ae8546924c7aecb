//! Property tests of the optimizer: on random workloads observed at every step, the
//! recommended pool geometry serves the workload again, in no more memory, with exactly the
//! waste the result claims; recommended limits hold every observed use.

mod common;

use common::{ModelPool, Op, STEP, Scripted, replay};
use proptest::prelude::*;
use wrt_component::{ComponentId, LimitKind};
use wrt_foundation::ManualClock;
use wrt_metrics::{
    ComponentFigures, LimitDirection, LimitFigures, OptimizerConfig, Ratio, Recommendation,
    ResourceMetricsCollector, ResourceOptimizer,
};

const BLOCK: usize = 4096;
const BLOCKS: usize = 48;

/// Random allocations (sizes up to a block) and frees of live tags; never more than
/// `BLOCKS` live, so the observed pool never refuses.
fn workload() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        (any::<bool>(), 1..=BLOCK, any::<proptest::sample::Index>()),
        1..120,
    )
    .prop_map(|raw| {
        let mut live: Vec<u32> = Vec::new();
        let mut ops = Vec::new();
        for (tag, (alloc, size, pick)) in (0u32..).zip(raw) {
            if (alloc || live.is_empty()) && live.len() < BLOCKS {
                live.push(tag);
                ops.push(Op::Alloc { tag, size });
            } else {
                let index = pick.index(live.len());
                ops.push(Op::Free {
                    tag: live.swap_remove(index),
                });
            }
        }
        ops
    })
}

fn config(headroom_percent: u32, block_alignment: usize) -> OptimizerConfig {
    OptimizerConfig {
        headroom_percent,
        block_alignment,
        ..OptimizerConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn recommended_pool_replays_without_refusal_in_no_more_memory(
        ops in workload(),
        headroom in 0..100u32,
        alignment in prop_oneof![Just(0usize), Just(1), Just(8), Just(64)],
    ) {
        let clock = ManualClock::new();
        let mut collector = ResourceMetricsCollector::<1, 0>::new(STEP);
        let mut observed_pool = ModelPool::new("p", BLOCK, BLOCKS);
        let observed = replay(&ops, &mut observed_pool, &clock, STEP, Some(&mut collector));
        prop_assert_eq!(observed.refusals, 0);

        let result = ResourceOptimizer::new(config(headroom, alignment)).optimize::<1, 0, 4>(collector.metrics());
        let (size, count) = match result.recommendations.iter().find_map(|r| match r {
            Recommendation::Pool(p) => Some(*p),
            _ => None,
        }) {
            Some(p) => (p.block_size.recommended, p.block_count.recommended),
            None => (BLOCK, BLOCKS),
        };
        let mut resized = ModelPool::new("p", size, count);
        let replayed = replay::<0, 0>(&ops, &mut resized, &ManualClock::new(), STEP, None);
        prop_assert_eq!(replayed.refusals, 0, "recommended {} x {} B", count, size);
        let (before, after) = (observed_pool.capacity_bytes() as u64, resized.capacity_bytes() as u64);
        prop_assert_eq!((result.pool_memory.before, result.pool_memory.after), (before, after));
        prop_assert_eq!(result.memory_saved(), before.saturating_sub(after));
        prop_assert_eq!(result.memory_added(), after.saturating_sub(before));
        // Blocks never grow (requests are at most a block), so whenever the peak plus
        // headroom fits in the old count, the advice needs no more memory than before. (A
        // pool nearly full at its peak is grown by the headroom instead: memory_added.)
        prop_assert!(size <= BLOCK);
        if count <= BLOCKS {
            prop_assert!(after <= before);
        }
        let waste = |blocks: usize, block: usize, requested: usize| {
            let reserved = (blocks * block) as u64;
            Ratio::new(reserved - requested as u64, reserved)
        };
        prop_assert_eq!(result.pool_waste_before, waste(observed.peak_blocks, BLOCK, observed.requested_at_peak));
        prop_assert_eq!(result.pool_waste_after, waste(replayed.peak_blocks, size, replayed.requested_at_peak));
        if let Some(reduced) = result.fragmentation_reduced() {
            prop_assert!(reduced >= 0.0, "smaller or equal blocks never waste more: {}", reduced);
        }
    }

    #[test]
    fn recommended_limits_hold_every_observed_use(
        trace in proptest::collection::vec((0..10_000u64, 0..3u64), 1..30),
        cap in 1..12_000u64,
        headroom in 0..100u32,
    ) {
        let clock = ManualClock::new();
        let mut collector = ResourceMetricsCollector::<0, 1>::new(STEP);
        let memory = LimitKind::Memory;
        let mut refusals = 0;
        for (wanted, extra) in &trace {
            // The component holds what the cap allows; what it could not get was refused.
            let used = (*wanted).min(cap);
            let refused = *wanted > cap;
            refusals += u64::from(refused) * (1 + extra);
            let peak_demand = refused.then_some(*wanted);
            let figures = LimitFigures { used, limit: Some(cap), refusals, peak_demand };
            let source = Scripted {
                components: vec![ComponentFigures::new(ComponentId(1)).with(memory, figures)],
                ..Scripted::default()
            };
            collector.collect_if_due(&source, &clock).unwrap();
            clock.advance(STEP);
        }
        let result = ResourceOptimizer::new(config(headroom, 8)).optimize::<0, 1, 4>(collector.metrics());
        let advice = result.recommendations.iter().find_map(|r| match r {
            Recommendation::Limit(l) => Some(*l),
            _ => None,
        });
        let max_wanted = trace.iter().map(|(w, _)| *w).max().unwrap();
        match advice {
            Some(l) if l.direction == LimitDirection::Raise => {
                prop_assert!(l.change.recommended > cap);
                prop_assert!(l.change.recommended >= max_wanted, "every refused demand fits");
            }
            Some(l) => {
                prop_assert_eq!(refusals, 0);
                prop_assert!(l.change.recommended < cap);
                prop_assert!(trace.iter().all(|(w, _)| *w <= l.change.recommended), "nothing would be refused");
            }
            None => prop_assert_eq!(refusals, 0, "a refusal always raises"),
        }
    }
}
