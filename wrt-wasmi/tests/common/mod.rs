//! What the budget tests share: the module they grow and a clock for stores without a time
//! limit.

use std::sync::Arc;

use wrt_component::engine::SharedBudget;
use wrt_component::{ResourceLimits, RuntimeBudget};
use wrt_foundation::{Clock, Timestamp};
use wrt_test_support::wat::GROWER;
use wrt_wasmi::{AdmittedModule, EngineOptions, GovernedEngine};

/// A clock that never moves: these stores have no time limit.
pub struct Still;

impl Clock for Still {
    fn now(&self) -> Timestamp {
        Timestamp::ZERO
    }
}

/// A budget of `bytes`, an engine whose stores draw from it, and [`GROWER`] admitted.
pub fn growers_sharing(bytes: usize) -> (Arc<SharedBudget>, GovernedEngine, AdmittedModule) {
    let budget = Arc::new(SharedBudget::new(RuntimeBudget {
        max_total_memory: bytes,
        max_total_resources: usize::MAX,
    }));
    let engine = GovernedEngine::with_config(
        wasmi::Config::default(),
        EngineOptions::default(),
        Arc::clone(&budget),
    );
    let module = AdmittedModule::new(
        engine.engine(),
        &wat::parse_str(GROWER).unwrap(),
        &ResourceLimits::default(),
    )
    .unwrap();
    (budget, engine, module)
}
