//! Model-based test of the collector: random sequences of source changes, clock moves and
//! collections, checked against a plain reference model after every step.

mod common;

use core::time::Duration;
use std::collections::BTreeMap;

use common::{MEMORY, Scripted};
use proptest::prelude::*;
use wrt_component::{ComponentId, ResourceCategory};
use wrt_foundation::{Clock, ManualClock};
use wrt_metrics::{ComponentFigures, LimitFigures, PoolFigures, ResourceMetricsCollector};

const INTERVAL: Duration = Duration::from_millis(10);
const POOLS: usize = 2;
const COMPONENTS: usize = 3;
const POOL_BLOCKS: usize = 16;

#[derive(Debug, Clone)]
enum Step {
    SetMemory(usize),
    SetLive(usize, usize),
    SetPoolUsed(usize, usize),
    SetComponent {
        id: u32,
        used: u64,
        limit: Option<u64>,
    },
    RemoveComponent(u32),
    Advance(u64),
    CollectIfDue,
    CollectNow,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..10_000usize).prop_map(Step::SetMemory),
        (0..ResourceCategory::COUNT, 0..50usize).prop_map(|(c, n)| Step::SetLive(c, n)),
        (0..POOLS, 0..=POOL_BLOCKS).prop_map(|(p, n)| Step::SetPoolUsed(p, n)),
        (0..5u32, 0..1_000u64, proptest::option::of(0..1_000u64))
            .prop_map(|(id, used, limit)| Step::SetComponent { id, used, limit }),
        (0..5u32).prop_map(Step::RemoveComponent),
        (0..25u64).prop_map(Step::Advance),
        Just(Step::CollectIfDue),
        Just(Step::CollectNow),
    ]
}

/// What one component should look like in the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ExpectedComponent {
    present: bool,
    used: u64,
    limit: Option<u64>,
    peak: u64,
    at_limit: u64,
}

/// The reference model: the source's state and the metrics a collector should hold.
#[derive(Debug, Default)]
struct Model {
    memory: usize,
    live: [usize; ResourceCategory::COUNT],
    pool_used: [usize; POOLS],
    components: BTreeMap<u32, (u64, Option<u64>)>,
    // expected metrics
    collections: u64,
    last: Option<Duration>,
    seen_memory: usize,
    peak_memory: usize,
    seen_live: [usize; ResourceCategory::COUNT],
    peak_live: [usize; ResourceCategory::COUNT],
    peak_pool: [usize; POOLS],
    seen_pool: [usize; POOLS],
    stored: Vec<(u32, ExpectedComponent)>,
    dropped_components: usize,
}

impl Model {
    fn source(&self) -> Scripted {
        let mut source = Scripted {
            memory_in_use: self.memory,
            ..Scripted::default()
        };
        for category in ResourceCategory::ALL {
            source.category_mut(category).live = self.live[category.index()];
        }
        source.pools = (0..POOLS)
            .map(|p| PoolFigures::new("p", 64, POOL_BLOCKS, self.pool_used[p]))
            .collect();
        source.components = self
            .components
            .iter()
            .map(|(&id, &(used, limit))| {
                let figures = LimitFigures {
                    used,
                    limit,
                    ..LimitFigures::default()
                };
                ComponentFigures::new(ComponentId(id)).with(MEMORY, figures)
            })
            .collect();
        source
    }

    fn collect(&mut self, now: Duration) {
        self.collections += 1;
        self.last = Some(now);
        self.seen_memory = self.memory;
        self.peak_memory = self.peak_memory.max(self.memory);
        self.seen_live = self.live;
        for c in 0..ResourceCategory::COUNT {
            self.peak_live[c] = self.peak_live[c].max(self.live[c]);
        }
        self.seen_pool = self.pool_used;
        for p in 0..POOLS {
            self.peak_pool[p] = self.peak_pool[p].max(self.pool_used[p]);
        }
        for (_, stored) in &mut self.stored {
            stored.present = false;
            stored.used = 0;
        }
        self.dropped_components = 0;
        for (&id, &(used, limit)) in &self.components {
            let at_limit = u64::from(used > 0 && limit.is_some_and(|l| used >= l));
            let stored_len = self.stored.len();
            match self.stored.iter_mut().find(|(i, _)| *i == id) {
                Some((_, c)) => {
                    *c = ExpectedComponent {
                        present: true,
                        used,
                        limit,
                        peak: c.peak.max(used),
                        at_limit: c.at_limit + at_limit,
                    };
                }
                None if stored_len < COMPONENTS => {
                    let fresh = ExpectedComponent {
                        present: true,
                        used,
                        limit,
                        peak: used,
                        at_limit,
                    };
                    self.stored.push((id, fresh));
                }
                None => self.dropped_components += 1,
            }
        }
    }
}

fn check(
    collector: &ResourceMetricsCollector<POOLS, COMPONENTS>,
    model: &Model,
) -> Result<(), TestCaseError> {
    let m = collector.metrics();
    prop_assert_eq!(m.collections, model.collections);
    prop_assert_eq!(m.collected_at.map(|t| t.as_duration()), model.last);
    prop_assert_eq!(m.memory_in_use, model.seen_memory);
    prop_assert_eq!(m.peak_memory_in_use, model.peak_memory);
    for category in ResourceCategory::ALL {
        let c = m.category(category);
        prop_assert_eq!(
            (c.live, c.peak_live),
            (
                model.seen_live[category.index()],
                model.peak_live[category.index()]
            )
        );
    }
    let expected_pools = if model.collections == 0 { 0 } else { POOLS };
    prop_assert_eq!(m.pools.len(), expected_pools);
    for (p, pool) in m.pools.iter().enumerate() {
        prop_assert_eq!(
            (pool.blocks_used, pool.peak_blocks_used),
            (model.seen_pool[p], model.peak_pool[p])
        );
    }
    prop_assert_eq!(m.components.len(), model.stored.len());
    prop_assert_eq!(m.dropped_components, model.dropped_components);
    for (component, (id, expected)) in m.components.iter().zip(&model.stored) {
        prop_assert_eq!(component.id, ComponentId(*id));
        prop_assert_eq!(component.present, expected.present);
        let limit = component.limit(MEMORY).unwrap();
        prop_assert_eq!(
            (
                limit.used,
                limit.limit,
                limit.peak_used,
                limit.collections_at_limit
            ),
            (
                expected.used,
                expected.limit,
                expected.peak,
                expected.at_limit
            )
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn collector_matches_the_reference_model(steps in proptest::collection::vec(step(), 1..60)) {
        let clock = ManualClock::new();
        let mut collector = ResourceMetricsCollector::<POOLS, COMPONENTS>::new(INTERVAL);
        let mut model = Model::default();
        for step in steps {
            match step {
                Step::SetMemory(bytes) => model.memory = bytes,
                Step::SetLive(category, n) => model.live[category] = n,
                Step::SetPoolUsed(pool, n) => model.pool_used[pool] = n,
                Step::SetComponent { id, used, limit } => { model.components.insert(id, (used, limit)); }
                Step::RemoveComponent(id) => { model.components.remove(&id); }
                Step::Advance(ms) => clock.advance(Duration::from_millis(ms)),
                Step::CollectIfDue => {
                    let now = clock.now().as_duration();
                    let due = model.last.is_none_or(|last| now >= last + INTERVAL);
                    let collected = collector.collect_if_due(&model.source(), &clock).is_some();
                    prop_assert_eq!(collected, due);
                    if due {
                        model.collect(now);
                    }
                }
                Step::CollectNow => {
                    collector.collect_now(&model.source(), &clock);
                    model.collect(clock.now().as_duration());
                }
            }
            check(&collector, &model)?;
        }
    }
}
