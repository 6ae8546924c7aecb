//! Stores without a call hook, whose host calls a `CountingLinker`'s imports count.

use std::time::Duration;

use wasmtime::{Caller, Linker, Store};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits};
use wrt_test_support::wat::{CALL_HOST, GROW_MEMORY, HOST_LOOP};
use wrt_wasmtime::{
    AdmittedModule, CountingLinker, EngineOptions, Governed, GovernedEngine, instantiate,
    limit_refusal,
};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(9);

fn engine() -> GovernedEngine {
    GovernedEngine::new(EngineOptions::default()).unwrap()
}

fn module(engine: &GovernedEngine, wat: &str, limits: &ResourceLimits) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits).unwrap()
}

fn hookless(engine: &GovernedEngine, limits: ResourceLimits) -> Store<Governed<()>> {
    engine
        .store_counting_imports(engine.governor(C, limits), ())
        .unwrap()
}

fn ticking(engine: &GovernedEngine) -> CountingLinker<Governed<()>> {
    let mut linker = CountingLinker::new(engine.engine());
    linker
        .func_wrap("host", "tick", |_: Caller<'_, Governed<()>>| {})
        .unwrap();
    linker
}

fn host_calls(store: &Store<Governed<()>>) -> u64 {
    store.data().governor.limiter().usage().host_calls_made
}

#[test]
fn an_import_loop_is_stopped_after_exactly_max_host_calls_without_the_hook() {
    let engine = engine();
    let limits = ResourceLimits {
        max_host_calls: 250,
        ..ResourceLimits::default()
    };
    let module = module(&engine, CALL_HOST, &limits);
    let mut store = hookless(&engine, limits);
    let instance = ticking(&engine).instantiate(&mut store, &module).unwrap();
    assert!(!store.data().governor.call_hook_on());
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let stopped = run.call(&mut store, ()).unwrap_err();
    assert_eq!(
        limit_refusal(&stopped),
        Some(ResourceError::LimitExceeded {
            component: C,
            kind: LimitKind::HostCalls,
            requested: 1,
            used: 250,
            limit: 250,
        })
    );
    assert_eq!(host_calls(&store), 250);
    assert_eq!(
        store
            .data()
            .governor
            .limiter()
            .refusals()
            .by_limit(LimitKind::HostCalls),
        1
    );
    assert_eq!(
        store.data().governor.limiter().usage().instances,
        1,
        "the counting linker counts its instance"
    );
}

#[test]
fn values_pass_through_a_counting_import_and_each_call_counts_once() {
    let engine = engine();
    let limits = ResourceLimits::default();
    let wat = r#"(module (import "host" "add" (func $add (param i32 i64) (result i64)))
        (func (export "run") (result i64)
          (call $add (i32.const 2) (call $add (i32.const 40) (i64.const 0)))))"#;
    let module = module(&engine, wat, &limits);
    let mut linker = CountingLinker::new(engine.engine());
    linker
        .func_wrap(
            "host",
            "add",
            |_: Caller<'_, Governed<()>>, a: i32, b: i64| i64::from(a) + b,
        )
        .unwrap();
    let mut store = hookless(&engine, limits);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<(), i64>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 42);
    assert_eq!(host_calls(&store), 2);
}

#[test]
fn a_counting_import_in_a_hooked_store_is_counted_once() {
    let engine = engine();
    let limits = ResourceLimits::default();
    let module = module(&engine, HOST_LOOP, &limits);
    let mut store = engine.store(engine.governor(C, limits), ());
    let instance = ticking(&engine).instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();
    run.call(&mut store, 1_000).unwrap();
    assert_eq!(host_calls(&store), 1_000);
    assert_eq!(
        store.data().governor.limiter().usage().function_calls_made,
        1
    );
    // The imports count themselves: the module reaches no other host function.
    assert!(!store.data().governor.hook_counts());
}

#[test]
fn a_plain_linker_puts_the_hook_on_and_no_call_is_counted_twice() {
    let engine = engine();
    let limits = ResourceLimits::default();
    let module = module(&engine, HOST_LOOP, &limits);
    let mut store = hookless(&engine, limits);
    let counted = ticking(&engine).instantiate(&mut store, &module).unwrap();
    let run = counted
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();
    run.call(&mut store, 100).unwrap();
    assert_eq!(host_calls(&store), 100);

    let mut plain = Linker::new(engine.engine());
    plain.func_wrap("host", "tick", || {}).unwrap();
    let uncounting = instantiate(&mut store, &plain, &module).unwrap();
    assert!(store.data().governor.call_hook_on());
    let plain_run = uncounting
        .get_typed_func::<i32, ()>(&mut store, "run")
        .unwrap();
    plain_run.call(&mut store, 30).unwrap();
    run.call(&mut store, 7).unwrap();
    assert_eq!(host_calls(&store), 137);
}

#[test]
fn memory_grow_is_not_a_host_call_without_the_hook() {
    let engine = engine();
    let limits = ResourceLimits {
        max_memory: 5 * PAGE,
        ..ResourceLimits::default()
    };
    let module = module(&engine, GROW_MEMORY, &limits);
    let mut store = hookless(&engine, limits);
    let instance = CountingLinker::new(engine.engine())
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 3, "2 pages -> 5 pages");
    assert_eq!(host_calls(&store), 0);
    assert_eq!(
        store.data().governor.limiter().usage().memory_used,
        5 * PAGE
    );
}

#[test]
fn limits_only_the_hook_can_hold_are_refused_with_the_store_data_back() {
    let engine = engine();
    let refused = |limits: ResourceLimits| {
        engine
            .store_counting_imports(engine.governor(C, limits), "mine")
            .unwrap_err()
    };
    let calls = refused(ResourceLimits {
        max_function_calls: 12,
        ..ResourceLimits::default()
    });
    assert_eq!((calls.limit, calls.cap), (LimitKind::FunctionCalls, 12));
    assert_eq!(calls.data.data, "mine");
    assert_eq!(
        calls.data.governor.limiter().limits().max_function_calls,
        12
    );
    assert_eq!(
        calls.to_string(),
        "max_function_calls = 12 calls is counted by the call hook: a store without it cannot hold it"
    );

    let time = refused(ResourceLimits {
        max_execution_time: Some(Duration::from_millis(3)),
        ..ResourceLimits::default()
    });
    assert_eq!((time.limit, time.cap), (LimitKind::ExecutionTime, 3_000));

    let fueled = GovernedEngine::new(EngineOptions {
        fuel: true,
        ..EngineOptions::default()
    })
    .unwrap();
    let fuel = fueled
        .store_counting_imports(
            fueled.governor(
                C,
                ResourceLimits {
                    max_fuel: 500,
                    ..ResourceLimits::default()
                },
            ),
            (),
        )
        .unwrap_err();
    assert_eq!((fuel.limit, fuel.cap), (LimitKind::Fuel, 500));
}

/// A start function that traps, in a module with no memory or table: the engine builds
/// nothing the limiter hears of before it fails.
const BARE_START_TRAPS: &str = r#"(module (func $start unreachable) (start $start))"#;

/// Before the fix, a store without the hook gave back the instance of an instantiation whose
/// start function trapped (it saw no Wasm entered and nothing created), while wasmtime
/// keeps the instance in the store until it drops: a retry loop could pile up instances
/// under `max_instances: 1`. Now a trap counts as the engine having built the instance.
#[test]
fn an_instance_whose_start_trapped_stays_counted_without_the_hook() {
    let engine = engine();
    let limits = ResourceLimits {
        max_instances: 1,
        ..ResourceLimits::default()
    };
    let module = module(&engine, BARE_START_TRAPS, &limits);
    let mut store = hookless(&engine, limits);
    let linker = ticking(&engine);
    let trapped = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(trapped.is::<wasmtime::Trap>(), "{trapped:?}");
    assert_the_instance_is_kept(&linker, &mut store, &module);
}

/// The failed instantiation's instance is counted, so under `max_instances: 1` a retry is
/// refused for instances.
fn assert_the_instance_is_kept(
    linker: &CountingLinker<Governed<()>>,
    store: &mut Store<Governed<()>>,
    module: &AdmittedModule,
) {
    assert_eq!(store.data().governor.limiter().usage().instances, 1);
    let again = linker.instantiate(store, module).unwrap_err();
    assert_eq!(
        limit_refusal(&again).and_then(|e| e.exceeded_limit()),
        Some(LimitKind::Instances),
        "{again:?}"
    );
}

/// A start function that calls the host once, in a module with no memory or table.
const START_CALLS_HOST: &str = r#"(module
  (import "host" "tick" (func $tick))
  (func $start call $tick)
  (start $start))"#;

/// Before the fix, a store without the hook gave back the instance of an instantiation whose
/// start function was stopped by one of our own refusals (only wasmtime's traps counted as
/// the engine having built it): here the start function's one host call is refused under
/// `max_host_calls: 0`, and a retry was let through `max_instances: 1`. A host call needs
/// running code, so the instance is kept.
#[test]
fn an_instance_whose_start_was_refused_a_host_call_stays_counted_without_the_hook() {
    let engine = engine();
    let limits = ResourceLimits {
        max_instances: 1,
        max_host_calls: 0,
        ..ResourceLimits::default()
    };
    let module = module(&engine, START_CALLS_HOST, &limits);
    let mut store = hookless(&engine, limits);
    let linker = ticking(&engine);
    let refused = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(
        limit_refusal(&refused).and_then(|e| e.exceeded_limit()),
        Some(LimitKind::HostCalls),
        "{refused:?}"
    );
    assert_the_instance_is_kept(&linker, &mut store, &module);
}
