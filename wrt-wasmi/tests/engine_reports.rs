//! The ledger against wasmi where its reports need care: the start function's growths, a
//! store whose time is spent, and fuel that runs out exactly at the end of a call. Each test
//! failed before the limiter handled its case.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ClockHandle, SharedClock, module};
use wasmi::{Caller, Linker, Store};
use wrt_component::engine::{RefusalPolicy, Request};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits};
use wrt_test_support::wat::{CONSTANT, START_GROWS_EMPTY_MEMORY};
use wrt_wasmi::{EngineOptions, Governed, GovernedEngine, call, instantiate, limit_refusal};

const C: ComponentId = ComponentId(7);

/// `error` is the refusal of `max_execution_time`.
#[track_caller]
fn assert_time_refusal(error: &wasmi::Error) {
    assert!(
        matches!(
            limit_refusal(error),
            Some(ResourceError::ExecutionTimeExceeded { .. })
        ),
        "{error:?}"
    );
}

fn store(
    engine: &GovernedEngine,
    limits: ResourceLimits,
    clock: &Arc<SharedClock>,
) -> Store<Governed<()>> {
    let clock = Box::new(ClockHandle(Arc::clone(clock)));
    let governor = engine.governor_with_clock(C, limits, RefusalPolicy::deny(), clock);
    engine.store(governor, ())
}

/// Before the fix, the start function's growth from 0 counted as a second memory and was
/// refused under `max_memories: 1`.
#[test]
fn a_start_function_growing_an_empty_memory_grows_it() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let limits = ResourceLimits {
        max_memories: 1,
        ..ResourceLimits::default()
    };
    let module = module(&engine, START_GROWS_EMPTY_MEMORY, &limits);
    let mut store = store(&engine, limits, &Arc::default());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(call(&mut store, &run, ()).unwrap(), 1);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.memory_stats().created, 1);
    assert_eq!(limiter.memory_stats().grows_granted, 1);
    assert_eq!(limiter.usage().memories, 1);
    assert_eq!(limiter.refusals().total(), 0);
}

/// `run()` calls `host.tick` once; `five() -> i32` returns 5.
const TICK_ONCE_AND_FIVE: &str = r#"(module
  (import "host" "tick" (func $tick))
  (func (export "run") (call $tick))
  (func (export "five") (result i32) (i32.const 5)))"#;

/// Before the fix, a call into a store with no time left ran (wasmi charges time only at
/// crossings, and a short call has none before its return).
#[test]
fn a_store_whose_time_is_spent_is_refused_at_the_next_entry() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let limits = ResourceLimits {
        max_execution_time: Some(Duration::from_millis(10)),
        ..ResourceLimits::default()
    };
    let clock = Arc::new(SharedClock::default());
    let module = module(&engine, TICK_ONCE_AND_FIVE, &limits);
    let mut store = store(&engine, limits, &clock);
    let mut linker = Linker::new(engine.engine());
    let time = Arc::clone(&clock);
    linker
        .func_wrap("host", "tick", move |_: Caller<'_, Governed<()>>| {
            time.advance(Duration::from_millis(15));
        })
        .unwrap();
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    let stopped = call(&mut store, &run, ()).unwrap_err();
    assert_time_refusal(&stopped);
    let five = instance.get_typed_func::<(), i32>(&store, "five").unwrap();
    let refused = call(&mut store, &five, ()).unwrap_err();
    assert_time_refusal(&refused);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.refusals().by_limit(LimitKind::ExecutionTime), 2);
    assert_eq!(
        limiter.refusals().last_trap().unwrap().request,
        Request::WasmEntry
    );
    store.data_mut().governor.limiter_mut().reset_period();
    assert_eq!(call(&mut store, &five, ()).unwrap(), 5);
}

/// Before the fix, a call that left exactly no fuel was reported as running out.
#[test]
fn a_call_that_burns_exactly_the_fuel_left_succeeds() {
    let engine = GovernedEngine::new(EngineOptions { fuel: true });
    let one_call_then_another = |max_fuel: u64| {
        let limits = ResourceLimits {
            max_fuel,
            ..ResourceLimits::default()
        };
        let module = module(&engine, CONSTANT, &limits);
        let mut store = store(&engine, limits, &Arc::default());
        let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
        let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
        let first = call(&mut store, &run, ()).ok();
        // The first call's fuel: wasmi's first call of a function also pays its compilation.
        let burnt = store.data().governor.limiter().usage().fuel_consumed;
        let second = call(&mut store, &run, ()).map_err(|e| limit_refusal(&e));
        (
            first,
            second,
            burnt,
            store.data().governor.limiter().refusals().total(),
        )
    };
    let (_, _, needed, _) = one_call_then_another(1_000_000);
    assert!(needed > 0);
    let (first, second, burnt, refusals) = one_call_then_another(needed);
    assert_eq!(first, Some(5), "the call fit its fuel exactly");
    assert_eq!(burnt, needed);
    // The second call finds the tank empty: that, and only that, is a refusal.
    assert!(
        matches!(
            second,
            Err(Some(ResourceError::LimitExceeded {
                kind: LimitKind::Fuel,
                ..
            }))
        ),
        "{second:?}"
    );
    assert_eq!(refusals, 1);
}
