//! One WAT fixture per limit, run in wasmtime under a governed store.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::plain_tick;
use wasmtime::{Linker, Store};
use wrt_component::engine::{OnRefusal, RefusalPolicy, Request};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits};
use wrt_test_support::wat::{
    CALL_HOST, CONSTANT, GROW_MEMORY, GROW_TABLE, MEMORY_100_PAGES, SPIN, SPIN_OR_FIVE,
};
use wrt_wasmtime::{
    AdmittedModule, EngineOptions, GateError, Governed, GovernedEngine, instantiate, limit_refusal,
};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(42);

fn module(engine: &GovernedEngine, wat: &str, limits: &ResourceLimits) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits).unwrap()
}

fn store(
    engine: &GovernedEngine,
    limits: ResourceLimits,
    policy: RefusalPolicy,
) -> Store<Governed<()>> {
    engine.store(engine.governor_with(C, limits, policy), ())
}

fn run_i32(
    engine: &GovernedEngine,
    wat: &str,
    limits: ResourceLimits,
    policy: RefusalPolicy,
) -> (Store<Governed<()>>, wasmtime::Result<i32>) {
    let module = module(engine, wat, &limits);
    let mut store = store(engine, limits, policy);
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    let result = run.call(&mut store, ());
    (store, result)
}

#[test]
fn memory_grows_page_by_page_until_the_limit_then_denies() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limit = 7 * PAGE + 1000;
    let limits = ResourceLimits {
        max_memory: limit,
        ..ResourceLimits::default()
    };
    let (store, result) = run_i32(&engine, GROW_MEMORY, limits, RefusalPolicy::deny());
    let expected = (limit - 2 * PAGE) / PAGE;
    assert_eq!(result.unwrap() as usize, expected);
    let governor = &store.data().governor;
    assert_eq!(
        governor.limiter().memory_stats().grows_granted as usize,
        expected
    );
    assert_eq!(governor.limiter().usage().memory_used, 7 * PAGE);
    let refusal = governor.limiter().refusals().kept()[0];
    assert_eq!(refusal.request, Request::GrowMemory);
    assert_eq!(refusal.action, OnRefusal::Deny);
    assert_eq!(
        refusal.error,
        ResourceError::LimitExceeded {
            component: C,
            kind: LimitKind::Memory,
            requested: PAGE as u64,
            used: (7 * PAGE) as u64,
            limit: limit as u64
        }
    );
}

#[test]
fn memory_growth_past_the_limit_traps_when_the_policy_says_so() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limit = 5 * PAGE;
    let limits = ResourceLimits {
        max_memory: limit,
        ..ResourceLimits::default()
    };
    let policy = RefusalPolicy::deny().with(LimitKind::Memory, OnRefusal::Trap);
    let (store, result) = run_i32(&engine, GROW_MEMORY, limits, policy);
    let error = result.unwrap_err();
    assert_eq!(
        limit_refusal(&error).and_then(|e| e.exceeded_limit()),
        Some(LimitKind::Memory)
    );
    assert_eq!(
        store.data().governor.limiter().memory_stats().grows_granted,
        3
    );
}

#[test]
fn tables_grow_element_by_element_until_the_limit() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_table_size: 10,
        ..ResourceLimits::default()
    };
    let (store, result) = run_i32(&engine, GROW_TABLE, limits, RefusalPolicy::deny());
    assert_eq!(result.unwrap(), 7);
    assert_eq!(
        store.data().governor.limiter().usage().table_elements_used,
        10
    );
    let policy = RefusalPolicy::deny().with(LimitKind::TableElements, OnRefusal::Trap);
    let (store, result) = run_i32(&engine, GROW_TABLE, limits, policy);
    assert!(matches!(
        limit_refusal(&result.unwrap_err()),
        Some(ResourceError::LimitExceeded {
            kind: LimitKind::TableElements,
            used: 10,
            ..
        })
    ));
    assert_eq!(
        store.data().governor.limiter().table_stats().grows_granted,
        7
    );
}

#[test]
fn a_host_call_loop_stops_after_exactly_max_host_calls() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_host_calls: 7,
        ..ResourceLimits::default()
    };
    let module = module(&engine, CALL_HOST, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let (linker, calls) = plain_tick(&engine);
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let error = run.call(&mut store, ()).unwrap_err();
    assert_eq!(calls.load(Ordering::Relaxed), 7);
    assert!(matches!(
        limit_refusal(&error),
        Some(ResourceError::LimitExceeded {
            kind: LimitKind::HostCalls,
            used: 7,
            limit: 7,
            ..
        })
    ));
    assert_eq!(store.data().governor.limiter().usage().host_calls_made, 7);
}

#[test]
fn wasm_entries_count_against_max_function_calls() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_function_calls: 2,
        ..ResourceLimits::default()
    };
    let module = module(&engine, CONSTANT, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 5);
    assert_eq!(run.call(&mut store, ()).unwrap(), 5);
    let error = run.call(&mut store, ()).unwrap_err();
    assert!(matches!(
        limit_refusal(&error),
        Some(ResourceError::LimitExceeded {
            kind: LimitKind::FunctionCalls,
            used: 2,
            limit: 2,
            ..
        })
    ));
    assert_eq!(
        store.data().governor.limiter().usage().function_calls_made,
        2
    );
}

#[test]
fn an_endless_loop_is_stopped_by_max_execution_time_within_one_tick() {
    let tick = Duration::from_millis(10);
    let engine = GovernedEngine::new(EngineOptions { tick, fuel: false }).unwrap();
    let deadline = Duration::from_millis(100);
    let limits = ResourceLimits {
        max_execution_time: Some(deadline),
        ..ResourceLimits::default()
    };
    let module = module(&engine, SPIN, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let started = Instant::now();
    let error = run.call(&mut store, ()).unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("max_execution_time {deadline:?}, tick {tick:?}: stopped after {elapsed:?}");
    assert!(
        matches!(
            limit_refusal(&error),
            Some(ResourceError::ExecutionTimeExceeded { .. })
        ),
        "{error:?}"
    );
    assert!(
        elapsed >= deadline,
        "stopped after {elapsed:?}, before the deadline"
    );
    // One tick late at most; the sleep of the ticker thread itself may overshoot on a busy
    // 2-core machine, so allow one more tick of scheduling slack.
    assert!(elapsed <= deadline + 2 * tick, "stopped after {elapsed:?}");
    assert_eq!(
        store.data().governor.limiter().usage().execution_time,
        deadline
    );
}

fn fuel_engine() -> GovernedEngine {
    GovernedEngine::new(EngineOptions {
        fuel: true,
        ..EngineOptions::default()
    })
    .unwrap()
}

fn fuel_limits(max_fuel: u64) -> ResourceLimits {
    ResourceLimits {
        max_fuel,
        ..ResourceLimits::default()
    }
}

#[test]
fn an_endless_loop_is_stopped_by_max_fuel_deterministically() {
    let engine = fuel_engine();
    let limits = fuel_limits(10_000);
    let mut consumed = Vec::new();
    for _ in 0..2 {
        let module = module(&engine, SPIN, &limits);
        let mut store = store(&engine, limits, RefusalPolicy::deny());
        let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
        let run = instance
            .get_typed_func::<(), ()>(&mut store, "run")
            .unwrap();
        let error = run.call(&mut store, ()).unwrap_err();
        // wasmtime trapped with OutOfFuel; on the way out the governor booked the fuel and
        // replaced the trap with the refusal that names the limit.
        assert_eq!(
            limit_refusal(&error).and_then(|e| e.exceeded_limit()),
            Some(LimitKind::Fuel),
            "{error:?}"
        );
        let limiter = store.data().governor.limiter();
        consumed.push(limiter.usage().fuel_consumed);
        let refusal = limiter.refusals().last_trap().unwrap();
        assert_eq!(refusal.request, Request::Fuel);
        assert_eq!(
            refusal.error,
            ResourceError::LimitExceeded {
                component: C,
                kind: LimitKind::Fuel,
                requested: 1,
                used: 10_000,
                limit: 10_000
            }
        );
    }
    assert_eq!(consumed, [10_000, 10_000]);
}

/// Straight-line work, no loop and no call: wasmtime checks fuel only on entry, so the
/// call ends with whatever fuel is left, however little.
const STRAIGHT_LINE: &str = r#"(module (func (export "run") (result i32)
  (i32.add (i32.mul (i32.const 6) (i32.const 7)) (i32.sub (i32.const 9) (i32.const 4)))))"#;

/// Two calls of [`STRAIGHT_LINE`] in one store under `max_fuel`: their results, and the
/// store after them.
fn two_straight_calls(
    engine: &GovernedEngine,
    max_fuel: u64,
) -> (Store<Governed<()>>, [wasmtime::Result<i32>; 2]) {
    let limits = fuel_limits(max_fuel);
    let module = module(engine, STRAIGHT_LINE, &limits);
    let mut store = store(engine, limits, RefusalPolicy::deny());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    let results = [run.call(&mut store, ()), run.call(&mut store, ())];
    (store, results)
}

/// Before the fix, a call that burnt exactly the fuel it was allowed came back as a fuel
/// refusal (`requested 1, used 8, limit 8`): the store was given `max_fuel`, so ending on
/// the last unit and running out both left it empty. Now the call that fits returns its
/// result with nothing refused, and the next call, which finds no fuel, is refused.
#[test]
fn a_call_that_burns_exactly_the_fuel_left_succeeds() {
    let engine = fuel_engine();
    let (store, [first, _]) = two_straight_calls(&engine, 1_000_000);
    assert_eq!(first.unwrap(), 47);
    let twice = store.data().governor.limiter().usage().fuel_consumed;
    let needed = twice / 2;
    assert!(needed > 1 && twice == 2 * needed, "{twice}");

    let (store, [first, second]) = two_straight_calls(&engine, needed);
    assert_eq!(first.unwrap(), 47, "the call fit its fuel exactly");
    let refused = ResourceError::LimitExceeded {
        component: C,
        kind: LimitKind::Fuel,
        requested: 1,
        used: needed,
        limit: needed,
    };
    assert_eq!(limit_refusal(&second.unwrap_err()), Some(refused));
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().fuel_consumed, needed);
    assert_eq!(limiter.refusals().by_limit(LimitKind::Fuel), 1);

    // One unit short: the first call is refused, with the same figures.
    let (store, [first, _]) = two_straight_calls(&engine, needed - 1);
    let refused = ResourceError::LimitExceeded {
        component: C,
        kind: LimitKind::Fuel,
        requested: 1,
        used: needed - 1,
        limit: needed - 1,
    };
    assert_eq!(limit_refusal(&first.unwrap_err()), Some(refused));
    assert_eq!(
        store.data().governor.limiter().usage().fuel_consumed,
        needed - 1
    );
}

/// Before the fix, a `max_fuel` on an engine without fuel metering was accepted and the
/// endless loop ran unbounded. Now nothing is instantiated or entered under it.
#[test]
fn max_fuel_on_an_engine_without_fuel_is_refused_before_anything_runs() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_fuel: 10_000,
        ..ResourceLimits::default()
    };
    let unmetered = ResourceError::LimitNotMetered {
        component: C,
        kind: LimitKind::Fuel,
        limit: 10_000,
    };
    let module = module(&engine, SPIN, &limits);
    let linker = Linker::new(engine.engine());
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let error = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(limit_refusal(&error), Some(unmetered), "{error:?}");
    assert_eq!(store.data().governor.limiter().usage().instances, 0);

    // An instance made past the governed path is still refused at its first entry.
    let instance = linker.instantiate(&mut store, module.module()).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let error = run.call(&mut store, ()).unwrap_err();
    assert_eq!(limit_refusal(&error), Some(unmetered), "{error:?}");
    let refusals = store.data().governor.limiter().refusals();
    let requests: Vec<Request> = refusals.kept().iter().map(|r| r.request).collect();
    assert_eq!(requests, [Request::Instance, Request::WasmEntry]);
    assert_eq!(refusals.by_limit(LimitKind::Fuel), 2);
}

#[test]
fn the_gate_refuses_an_oversized_module_before_instantiation_with_its_report() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_memory: 4 * PAGE,
        ..ResourceLimits::default()
    };
    let wasm = wat::parse_str(MEMORY_100_PAGES).unwrap();
    let before = engine.budget().usage();
    let Err(GateError::Refused(report)) = AdmittedModule::new(engine.engine(), &wasm, &limits)
    else {
        panic!("admitted a module that needs 100 pages under a 4-page limit");
    };
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].kind, LimitKind::Memory);
    assert_eq!(engine.budget().usage(), before);
}

#[test]
fn instantiation_counts_memories_and_tables_against_their_limits() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_instances: 1,
        ..ResourceLimits::default()
    };
    let module = module(&engine, GROW_MEMORY, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let linker = Linker::new(engine.engine());
    instantiate(&mut store, &linker, &module).unwrap();
    let error = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(
        limit_refusal(&error).and_then(|e| e.exceeded_limit()),
        Some(LimitKind::Instances)
    );
    let usage = store.data().governor.limiter().usage();
    assert_eq!(
        (usage.instances, usage.memories, usage.memory_used),
        (1, 1, 2 * PAGE)
    );
}

/// Before the fix, the store got its fuel once, when it was made: after a new period began
/// ([`reset_period`](wrt_component::engine::StoreLimiter::reset_period)) the ledger allowed
/// `max_fuel` again while the store still held what the last period left, nothing after a
/// refusal, so every call went on being refused. Now every call from the host runs on the
/// period's fuel left.
#[test]
fn a_new_period_gives_the_store_its_fuel_again() {
    let engine = fuel_engine();
    let limits = fuel_limits(10_000);
    let module = module(&engine, SPIN_OR_FIVE, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    let five = instance
        .get_typed_func::<(), i32>(&mut store, "five")
        .unwrap();
    let is_fuel_refusal = |error: &wasmtime::Error| {
        limit_refusal(error).and_then(|e| e.exceeded_limit()) == Some(LimitKind::Fuel)
    };
    assert_eq!(five.call(&mut store, ()).unwrap(), 5);
    assert!(is_fuel_refusal(&spin.call(&mut store, ()).unwrap_err()));
    assert!(is_fuel_refusal(&five.call(&mut store, ()).unwrap_err()));

    store.data_mut().governor.limiter_mut().reset_period();
    assert_eq!(five.call(&mut store, ()).unwrap(), 5);
    assert!(is_fuel_refusal(&spin.call(&mut store, ()).unwrap_err()));
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().fuel_consumed, 10_000);
    assert_eq!(limiter.refusals().by_limit(LimitKind::Fuel), 3);
}
