//! Model-based test of wrt-wasmi over one [`SharedBudget`]: random sequences of stores
//! created, memories grown by the program itself (`memory.grow` inside wasmi) and stores
//! dropped, checked step by step against a reference model that knows only page counts.
//!
//! The model predicts every answer wasmi gives (the old size, or -1), which limit refused
//! (the store's `max_memory` before the runtime budget, as the limiter checks them), and the
//! budget: after every step it equals the pages wasmi itself reports for the live stores,
//! never exceeds its cap, and is exactly zero once every store is gone.

mod common;

use common::{Still, growers_sharing};

use std::sync::Arc;

use proptest::prelude::*;
use wasmi::{Linker, Memory, Store, TypedFunc};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_component::{ComponentId, LimitKind, ResourceLimits};
use wrt_wasmi::{AdmittedModule, Governed, GovernedEngine, call, instantiate};

const PAGE: usize = 65_536;
/// The runtime-wide cap in pages: small, so sequences reach it often.
const BUDGET_PAGES: usize = 12;
/// Live stores at most (further creations are skipped, as a full slot table would).
const MAX_STORES: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    /// A store whose `max_memory` is this many pages; instantiating it takes one page.
    Create { max_pages: usize },
    /// The program of live store `store % live` grows its memory by `pages`.
    Grow { store: usize, pages: u32 },
    /// Live store `store % live` is dropped.
    Drop { store: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0_usize..6).prop_map(|max_pages| Op::Create { max_pages }),
        5 => (any::<usize>(), 0_u32..4).prop_map(|(store, pages)| Op::Grow { store, pages }),
        1 => any::<usize>().prop_map(|store| Op::Drop { store }),
    ]
}

/// A store under test, with what the model knows of it.
struct Live {
    store: Store<Governed<()>>,
    memory: Memory,
    grow: TypedFunc<i32, i32>,
    max_pages: usize,
    pages: usize,
    refused_by_limit: u64,
    refused_by_budget: u64,
}

struct Harness {
    budget: Arc<SharedBudget>,
    engine: GovernedEngine,
    module: AdmittedModule,
    live: Vec<Live>,
}

impl Harness {
    fn new() -> Self {
        let (budget, engine, module) = growers_sharing(BUDGET_PAGES * PAGE);
        Self {
            budget,
            engine,
            module,
            live: Vec::new(),
        }
    }

    /// Pages the model says the budget holds.
    fn model_pages(&self) -> usize {
        self.live.iter().map(|live| live.pages).sum()
    }

    fn create(&mut self, max_pages: usize) {
        if self.live.len() == MAX_STORES {
            return;
        }
        let limits = ResourceLimits {
            max_memory: max_pages * PAGE,
            ..ResourceLimits::default()
        };
        let governor = self.engine.governor_with_clock(
            ComponentId(self.live.len() as u32),
            limits,
            RefusalPolicy::deny(),
            Box::new(Still),
        );
        let mut store = self.engine.store(governor, ());
        let expect_ok = max_pages >= 1 && self.model_pages() < BUDGET_PAGES;
        let instance = instantiate(&mut store, &Linker::new(self.engine.engine()), &self.module);
        assert_eq!(instance.is_ok(), expect_ok, "{instance:?}");
        let Ok(instance) = instance else {
            return; // the refused store is dropped here; the model holds nothing for it
        };
        let memory = instance.get_memory(&store, "memory").unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
        self.live.push(Live {
            store,
            memory,
            grow,
            max_pages,
            pages: 1,
            refused_by_limit: 0,
            refused_by_budget: 0,
        });
    }

    fn grow(&mut self, index: usize, pages: u32) {
        let held = self.model_pages();
        let Some(live) = self.live.get_mut(index) else {
            return;
        };
        let delta = pages as usize;
        let over_limit = live.pages + delta > live.max_pages;
        let over_budget = held + delta > BUDGET_PAGES;
        let answer = call(&mut live.store, &live.grow, pages as i32).unwrap();
        if delta == 0 {
            // memory.grow 0 asks nothing: wasmi answers the size without a callback.
            assert_eq!(answer, live.pages as i32);
        } else if over_limit || over_budget {
            assert_eq!(answer, -1);
            if over_limit {
                live.refused_by_limit += 1;
            } else {
                live.refused_by_budget += 1;
            }
        } else {
            assert_eq!(answer, live.pages as i32);
            live.pages += delta;
        }
        let refusals = live.store.data().governor.limiter().refusals();
        assert_eq!(refusals.by_limit(LimitKind::Memory), live.refused_by_limit);
        assert_eq!(refusals.by_budget(), live.refused_by_budget);
    }

    /// The budget against the model and against wasmi's own memory sizes.
    fn check(&self) {
        let engine_pages: usize = self
            .live
            .iter()
            .map(|live| live.memory.size(&live.store) as usize)
            .sum();
        let charged = self.budget.usage().memory;
        assert_eq!(engine_pages, self.model_pages());
        assert_eq!(charged, engine_pages * PAGE);
        assert!(charged <= BUDGET_PAGES * PAGE);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn stores_sharing_a_budget_agree_with_the_model_and_give_everything_back(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        let mut harness = Harness::new();
        for op in ops {
            match op {
                Op::Create { max_pages } => harness.create(max_pages),
                Op::Grow { store, pages } if !harness.live.is_empty() => {
                    harness.grow(store % harness.live.len(), pages);
                }
                Op::Drop { store } if !harness.live.is_empty() => {
                    harness.live.swap_remove(store % harness.live.len());
                }
                Op::Grow { .. } | Op::Drop { .. } => {}
            }
            harness.check();
        }
        harness.live.clear();
        prop_assert_eq!(harness.budget.usage().memory, 0);
        prop_assert_eq!(harness.budget.usage().resources, 0);
    }
}
