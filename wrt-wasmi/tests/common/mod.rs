//! What the wasmi test files share: the module the budget tests grow, clocks (one that
//! never moves, one a test or a host function moves), and the admission of a fixture.
//! Each test file uses part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

/// A clock the test moves by hand and a host function can move too (wrt-foundation's
/// `ManualClock` is a `Cell`, not `Sync`, so it cannot sit in a store that is `Send`).
#[derive(Debug, Default)]
pub struct SharedClock(AtomicU64);

impl SharedClock {
    pub fn advance(&self, span: Duration) {
        let nanos = u64::try_from(span.as_nanos()).unwrap();
        self.0.fetch_add(nanos, Ordering::SeqCst);
    }
}

impl Clock for SharedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_duration(Duration::from_nanos(self.0.load(Ordering::SeqCst)))
    }
}

/// A store's handle on a [`SharedClock`].
pub struct ClockHandle(pub Arc<SharedClock>);

impl Clock for ClockHandle {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
}

/// `wat`, parsed and admitted under `limits`.
pub fn module(engine: &GovernedEngine, wat: &str, limits: &ResourceLimits) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits).unwrap()
}
