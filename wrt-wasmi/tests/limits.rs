//! One WAT fixture per limit, run in wasmi under a governed store: the fixtures
//! (`wrt_test_support::wat`), limits and expected numbers of wrt-wasmtime's `tests/limits.rs`,
//! so both engines answer alike.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{ClockHandle, SharedClock, module};
use wasmi::{Caller, Linker, Store};
use wrt_component::engine::{OnRefusal, RefusalPolicy, Request, SharedBudget};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits, RuntimeBudget};
use wrt_test_support::wat::{CALL_HOST, CONSTANT, GROW_MEMORY, GROW_TABLE, MEMORY_100_PAGES, SPIN};
use wrt_wasmi::{
    AdmittedModule, EngineOptions, GateError, Governed, GovernedEngine, call, instantiate,
    limit_refusal,
};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(42);

fn store(
    engine: &GovernedEngine,
    limits: ResourceLimits,
    policy: RefusalPolicy,
) -> Store<Governed<()>> {
    // The clock every environment has (the system clock is a `std` convenience).
    let clock = Box::new(ClockHandle(Arc::new(SharedClock::default())));
    engine.store(engine.governor_with_clock(C, limits, policy, clock), ())
}

fn run_i32(
    engine: &GovernedEngine,
    wat: &str,
    limits: ResourceLimits,
    policy: RefusalPolicy,
) -> (Store<Governed<()>>, Result<i32, wasmi::Error>) {
    let module = module(engine, wat, &limits);
    let mut store = store(engine, limits, policy);
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    let result = call(&mut store, &run, ());
    (store, result)
}

#[test]
fn memory_grows_page_by_page_until_the_limit_then_denies() {
    let engine = GovernedEngine::new(EngineOptions::default());
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
    let engine = GovernedEngine::new(EngineOptions::default());
    let limit = 5 * PAGE;
    let limits = ResourceLimits {
        max_memory: limit,
        ..ResourceLimits::default()
    };
    let policy = RefusalPolicy::deny().with(LimitKind::Memory, OnRefusal::Trap);
    let (store, result) = run_i32(&engine, GROW_MEMORY, limits, policy);
    let error = result.unwrap_err();
    assert_eq!(
        limit_refusal(&error),
        Some(ResourceError::LimitExceeded {
            component: C,
            kind: LimitKind::Memory,
            requested: PAGE as u64,
            used: (5 * PAGE) as u64,
            limit: limit as u64
        }),
        "{error:?}"
    );
    assert_eq!(
        store.data().governor.limiter().memory_stats().grows_granted,
        3
    );
}

#[test]
fn tables_grow_element_by_element_until_the_limit() {
    let engine = GovernedEngine::new(EngineOptions::default());
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
    let error = result.unwrap_err();
    assert!(
        matches!(
            limit_refusal(&error),
            Some(ResourceError::LimitExceeded {
                kind: LimitKind::TableElements,
                used: 10,
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(
        store.data().governor.limiter().table_stats().grows_granted,
        7
    );
}

#[test]
fn a_host_call_loop_stops_after_exactly_max_host_calls() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let limits = ResourceLimits {
        max_host_calls: 7,
        ..ResourceLimits::default()
    };
    let module = module(&engine, CALL_HOST, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let calls = Arc::new(AtomicU64::new(0));
    let mut linker = Linker::new(engine.engine());
    let seen = Arc::clone(&calls);
    linker
        .func_wrap("host", "tick", move || {
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    let error = call(&mut store, &run, ()).unwrap_err();
    assert_eq!(calls.load(Ordering::Relaxed), 7);
    assert!(
        matches!(
            limit_refusal(&error),
            Some(ResourceError::LimitExceeded {
                kind: LimitKind::HostCalls,
                used: 7,
                limit: 7,
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(store.data().governor.limiter().usage().host_calls_made, 7);
}

#[test]
fn wasm_entries_count_against_max_function_calls() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let limits = ResourceLimits {
        max_function_calls: 2,
        ..ResourceLimits::default()
    };
    let module = module(&engine, CONSTANT, &limits);
    let mut store = store(&engine, limits, RefusalPolicy::deny());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(call(&mut store, &run, ()).unwrap(), 5);
    // A call straight through wasmi is counted by the hook all the same.
    assert_eq!(run.call(&mut store, ()).unwrap(), 5);
    let error = call(&mut store, &run, ()).unwrap_err();
    assert!(
        matches!(
            limit_refusal(&error),
            Some(ResourceError::LimitExceeded {
                kind: LimitKind::FunctionCalls,
                used: 2,
                limit: 2,
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(
        store.data().governor.limiter().usage().function_calls_made,
        2
    );
}

#[test]
fn execution_time_is_charged_at_host_crossings_and_traps_exactly_at_the_limit() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let deadline = Duration::from_millis(100);
    let limits = ResourceLimits {
        max_execution_time: Some(deadline),
        ..ResourceLimits::default()
    };
    let clock = Arc::new(SharedClock::default());
    let module = module(&engine, CALL_HOST, &limits);
    let governor = engine.governor_with_clock(
        C,
        limits,
        RefusalPolicy::deny(),
        Box::new(ClockHandle(Arc::clone(&clock))),
    );
    let mut store = engine.store(governor, ());
    let calls = Arc::new(AtomicU64::new(0));
    let mut linker = Linker::new(engine.engine());
    let (seen, time) = (Arc::clone(&calls), Arc::clone(&clock));
    linker
        .func_wrap("host", "tick", move |_: Caller<'_, Governed<()>>| {
            seen.fetch_add(1, Ordering::Relaxed);
            time.advance(Duration::from_millis(10));
        })
        .unwrap();
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    let error = call(&mut store, &run, ()).unwrap_err();
    assert!(
        matches!(
            limit_refusal(&error),
            Some(ResourceError::ExecutionTimeExceeded { .. })
        ),
        "{error:?}"
    );
    // Ten calls of 10 ms fill the 100 ms exactly; the eleventh goes over on its return.
    assert_eq!(calls.load(Ordering::Relaxed), 11);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().execution_time, deadline);
    assert_eq!(limiter.refusals().by_limit(LimitKind::ExecutionTime), 1);
    assert_eq!(
        limiter.refusals().last_trap().unwrap().request,
        Request::ExecutionTime
    );
}

#[test]
fn an_endless_loop_is_stopped_by_max_fuel_deterministically() {
    let engine = GovernedEngine::new(EngineOptions { fuel: true });
    let limits = ResourceLimits {
        max_fuel: 10_000,
        ..ResourceLimits::default()
    };
    let mut consumed = Vec::new();
    for _ in 0..2 {
        let module = module(&engine, SPIN, &limits);
        let mut store = store(&engine, limits, RefusalPolicy::deny());
        let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
        let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
        let error = call(&mut store, &run, ()).unwrap_err();
        // wasmi trapped with OutOfFuel; on the way out `call` booked the fuel and replaced
        // the trap with the refusal that names the limit.
        assert_eq!(
            limit_refusal(&error).and_then(|e| e.exceeded_limit()),
            Some(LimitKind::Fuel),
            "{error:?}"
        );
        assert_eq!(store.get_fuel().unwrap(), 0);
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

/// Before the fix, a `max_fuel` on an engine without fuel metering was accepted (with a
/// log line) and the endless loop ran unbounded. Now nothing is instantiated or entered
/// under it.
#[test]
fn max_fuel_on_an_engine_without_fuel_is_refused_before_anything_runs() {
    let engine = GovernedEngine::new(EngineOptions { fuel: false });
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
    let instance = linker
        .instantiate_and_start(&mut store, module.module())
        .unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    let error = call(&mut store, &run, ()).unwrap_err();
    assert_eq!(limit_refusal(&error), Some(unmetered), "{error:?}");
    let refusals = store.data().governor.limiter().refusals();
    let requests: Vec<Request> = refusals.kept().iter().map(|r| r.request).collect();
    assert_eq!(requests, [Request::Instance, Request::WasmEntry]);
    assert_eq!(refusals.by_limit(LimitKind::Fuel), 2);
}

#[test]
fn the_gate_refuses_an_oversized_module_before_instantiation_with_its_report() {
    let engine = GovernedEngine::new(EngineOptions::default());
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
    let engine = GovernedEngine::new(EngineOptions::default());
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
        Some(LimitKind::Instances),
        "{error:?}"
    );
    let usage = store.data().governor.limiter().usage();
    assert_eq!(
        (usage.instances, usage.memories, usage.memory_used),
        (1, 1, 2 * PAGE)
    );
}

#[test]
fn dropping_a_store_returns_its_memory_to_the_shared_budget() {
    let budget = Arc::new(SharedBudget::new(RuntimeBudget {
        max_total_memory: 4 * PAGE,
        max_total_resources: usize::MAX,
    }));
    let engine = GovernedEngine::with_config(
        wasmi::Config::default(),
        EngineOptions::default(),
        Arc::clone(&budget),
    );
    let limits = ResourceLimits::default();
    let (store, result) = run_i32(&engine, GROW_MEMORY, limits, RefusalPolicy::deny());
    assert_eq!(result.unwrap(), 2); // 2 pages created, 2 grown, then the budget refuses
    assert_eq!(budget.usage().memory, 4 * PAGE);
    assert_eq!(store.data().governor.limiter().refusals().by_budget(), 1);
    drop(store);
    assert_eq!(budget.usage().memory, 0);
}
