//! What the budget tests share: the module they grow and a clock for stores without a time
//! limit.

use std::sync::Arc;

use wrt_component::engine::SharedBudget;
use wrt_component::{ResourceLimits, RuntimeBudget};
use wrt_foundation::{Clock, Timestamp};
use wrt_wasmi::{AdmittedModule, EngineOptions, GovernedEngine};

/// `grow(n)`: memory.grow by n pages; the old size, or -1.
pub const GROWER: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

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
