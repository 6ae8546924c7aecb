//! The ledger against wasmtime's irregular reports: failures it reports for growths it never
//! asked about, and the trap that unwinds after a refusal of time. Each test failed before
//! the limiter handled its case.

use std::time::Duration;

use wasmtime::{Linker, Store};
use wrt_component::engine::{RefusalPolicy, Request};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits};
use wrt_test_support::wat::{HOST_LOOP, START_GROWS_EMPTY_MEMORY, START_TRAPS, TWO_MEMORIES};
use wrt_wasmtime::{
    AdmittedModule, CountingLinker, EngineOptions, Governed, GovernedEngine, instantiate,
    instantiating, limit_refusal,
};

const C: ComponentId = ComponentId(7);

/// `run() -> i64`: ten rounds of growing a 64-bit table by one element and then by 2^64 - 1,
/// which wasmtime fails as an overflow without asking the limiter; returns the final size.
const GROW_THEN_OVERFLOW_TABLE: &str = r#"(module
  (table (export "table") i64 1 funcref)
  (func (export "run") (result i64) (local $i i32)
    (loop $again
      (drop (table.grow (ref.null func) (i64.const 1)))
      (drop (table.grow (ref.null func) (i64.const -1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 10))))
    (table.size)))"#;

/// `error` is the refusal of `max_execution_time`.
#[track_caller]
fn assert_time_refusal(error: &wasmtime::Error) {
    assert!(
        matches!(
            limit_refusal(error),
            Some(ResourceError::ExecutionTimeExceeded { .. })
        ),
        "{error:?}"
    );
}

fn module(engine: &GovernedEngine, wat: &str, limits: &ResourceLimits) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits).unwrap()
}

fn hooked_store(engine: &GovernedEngine, limits: ResourceLimits) -> Store<Governed<()>> {
    engine.store(engine.governor_with(C, limits, RefusalPolicy::deny()), ())
}

fn table_limits() -> ResourceLimits {
    ResourceLimits {
        max_table_size: 4,
        ..ResourceLimits::default()
    }
}

/// Before the fix, each overflow refunded the element granted just before it: the table
/// reached 11 elements under a limit of 4.
#[test]
fn a_failure_wasmtime_never_asked_about_refunds_nothing() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let module = module(&engine, GROW_THEN_OVERFLOW_TABLE, &table_limits());
    let mut store = hooked_store(&engine, table_limits());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance
        .get_typed_func::<(), i64>(&mut store, "run")
        .unwrap();
    // One element to start, three grows granted, the rest denied at the limit.
    assert_eq!(run.call(&mut store, ()).unwrap(), 4);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().table_elements_used, 4);
    assert_eq!(limiter.table_stats().failed_after_permit, 0);
}

#[test]
fn the_same_holds_in_a_store_without_the_call_hook() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let module = module(&engine, GROW_THEN_OVERFLOW_TABLE, &table_limits());
    let governor = engine.governor_with(C, table_limits(), RefusalPolicy::deny());
    let mut store = engine.store_counting_imports(governor, ()).unwrap();
    let instance = CountingLinker::new(engine.engine())
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance
        .get_typed_func::<(), i64>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 4);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().table_elements_used, 4);
}

/// `spin()` loops forever; `five() -> i32` returns 5.
const SPIN_AND_FIVE: &str = r#"(module
  (func (export "spin") (loop $again (br $again)))
  (func (export "five") (result i32) (i32.const 5)))"#;

#[test]
fn time_spent_is_refused_once_per_stop_and_an_exhausted_store_is_not_entered() {
    let tick = Duration::from_millis(5);
    let engine = GovernedEngine::new(EngineOptions { tick, fuel: false }).unwrap();
    let limits = ResourceLimits {
        max_execution_time: Some(Duration::from_millis(30)),
        ..ResourceLimits::default()
    };
    let module = module(&engine, SPIN_AND_FIVE, &limits);
    let mut store = hooked_store(&engine, limits);
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let spin = instance
        .get_typed_func::<(), ()>(&mut store, "spin")
        .unwrap();
    let stopped = spin.call(&mut store, ()).unwrap_err();
    assert_time_refusal(&stopped);
    // The tick's refusal stopped it; the return that the trap unwinds through is the same
    // stop, not a second refusal.
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.refusals().by_limit(LimitKind::ExecutionTime), 1);
    // No time is left this period: the next call is refused at the door, however short.
    let five = instance
        .get_typed_func::<(), i32>(&mut store, "five")
        .unwrap();
    let refused = five.call(&mut store, ()).unwrap_err();
    assert_time_refusal(&refused);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.refusals().by_limit(LimitKind::ExecutionTime), 2);
    assert_eq!(
        limiter.refusals().last_trap().unwrap().request,
        Request::WasmEntry
    );
    // A new period lets it in again.
    store.data_mut().governor.limiter_mut().reset_period();
    assert_eq!(five.call(&mut store, ()).unwrap(), 5);
}

/// Before the fix, the start function's growth from 0 counted as a second memory and was
/// refused under `max_memories: 1`.
#[test]
fn a_start_function_growing_an_empty_memory_grows_it() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_memories: 1,
        ..ResourceLimits::default()
    };
    let module = module(&engine, START_GROWS_EMPTY_MEMORY, &limits);
    let mut store = hooked_store(&engine, limits);
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 1);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.memory_stats().created, 1);
    assert_eq!(limiter.memory_stats().grows_granted, 1);
    assert_eq!(limiter.usage().memories, 1);
    assert_eq!(limiter.refusals().total(), 0);
}

/// `run(n) -> i32`: one import call, then `n` rounds of arithmetic (long enough for epoch
/// ticks to pass).
const IMPORT_THEN_COMPUTE: &str = r#"(module
  (import "host" "tick" (func $tick))
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (call $tick)
    (loop $again
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))"#;

/// Before the fix, the first epoch check after the last allowed import trapped as one
/// host call too many.
#[test]
fn epoch_ticks_after_the_last_allowed_host_call_are_not_host_calls() {
    let engine = GovernedEngine::new(EngineOptions {
        tick: Duration::from_millis(1),
        fuel: false,
    })
    .unwrap();
    let limits = ResourceLimits {
        max_host_calls: 1,
        ..ResourceLimits::default()
    };
    let module = module(&engine, IMPORT_THEN_COMPUTE, &limits);
    let mut store = hooked_store(&engine, limits);
    let mut linker = Linker::new(engine.engine());
    linker
        .func_wrap("host", "tick", |_: wasmtime::Caller<'_, Governed<()>>| {})
        .unwrap();
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    let started = std::time::Instant::now();
    let result = run.call(&mut store, 200_000_000);
    let ran = started.elapsed();
    assert_eq!(result.unwrap(), 200_000_000);
    assert!(ran > Duration::from_millis(5), "no tick passed in {ran:?}");
    assert_eq!(store.data().governor.limiter().usage().host_calls_made, 1);
}

fn one_instance() -> ResourceLimits {
    ResourceLimits {
        max_instances: 1,
        ..ResourceLimits::default()
    }
}

/// Before the fix, a failed link kept its instance: under `max_instances: 1` the retry with
/// the import defined was refused.
#[test]
fn a_failed_link_gives_its_instance_back() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let module = module(&engine, HOST_LOOP, &one_instance());
    let mut store = hooked_store(&engine, one_instance());
    let mut linker = Linker::new(engine.engine());
    let error = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(limit_refusal(&error), None, "a link error: {error:?}");
    assert_eq!(store.data().governor.limiter().usage().instances, 0);
    linker
        .func_wrap("host", "tick", |_: wasmtime::Caller<'_, Governed<()>>| {})
        .unwrap();
    instantiate(&mut store, &linker, &module).unwrap();
    assert_eq!(store.data().governor.limiter().usage().instances, 1);
}

/// An instance whose start function trapped keeps its charge: wasmtime keeps its memory
/// until the store drops.
#[test]
fn an_instance_whose_start_trapped_stays_counted() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let module = module(&engine, START_TRAPS, &one_instance());
    let mut store = hooked_store(&engine, one_instance());
    let linker = Linker::new(engine.engine());
    instantiate(&mut store, &linker, &module).unwrap_err();
    let usage = store.data().governor.limiter().usage();
    assert_eq!((usage.instances, usage.memories), (1, 1));
    let error = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(
        limit_refusal(&error).and_then(|e| e.exceeded_limit()),
        Some(LimitKind::Instances),
        "{error:?}"
    );
}

/// Before the fix, wasmtime refused the second memory itself (its own count, set to our
/// limit) and no refusal was recorded. A module past the admission gate shows it.
#[test]
fn a_memory_over_max_memories_is_refused_with_a_record() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let limits = ResourceLimits {
        max_memories: 1,
        ..ResourceLimits::default()
    };
    let raw =
        wasmtime::Module::new(engine.engine(), wat::parse_str(TWO_MEMORIES).unwrap()).unwrap();
    let mut store = hooked_store(&engine, limits);
    let linker = Linker::new(engine.engine());
    instantiating(&mut store, |store| linker.instantiate(store, &raw)).unwrap_err();
    assert_second_memory_refused(&store);
}

/// The store's one refusal is its second memory's, under `max_memories: 1`; the first
/// memory was built, so the failed instantiation keeps its charges.
#[track_caller]
fn assert_second_memory_refused(store: &Store<Governed<()>>) {
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.refusals().total(), 1);
    let refusal = limiter.refusals().kept().first().copied().unwrap();
    assert_eq!(refusal.request, Request::CreateMemory);
    assert_eq!(
        refusal.error,
        ResourceError::LimitExceeded {
            component: C,
            kind: LimitKind::Memories,
            requested: 1,
            used: 1,
            limit: 1
        }
    );
    assert_eq!(
        (limiter.usage().instances, limiter.usage().memories),
        (1, 1)
    );
}

/// A component of two core modules: the first has an empty memory and a start function,
/// the second a memory of one page, built after the first's start function has run.
const EMPTY_MEMORY_START_THEN_ANOTHER_MEMORY: &str = r#"(component
  (core module $first (memory 0) (func $start) (start $start))
  (core module $second (memory 1))
  (core instance (instantiate $first))
  (core instance (instantiate $second)))"#;

/// Before the fix, creations ended at the first start function: the second module's memory,
/// reported (like every creation) as a growth from 0, was taken for the growth of the first
/// module's empty memory, so a component made two memories under `max_memories: 1`. Now
/// creations resume when the start function returns and the second memory is refused.
#[test]
fn a_component_counts_the_memories_built_after_a_start_function() {
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let component = wasmtime::component::Component::new(
        engine.engine(),
        wat::parse_str(EMPTY_MEMORY_START_THEN_ANOTHER_MEMORY).unwrap(),
    )
    .unwrap();
    let linker = wasmtime::component::Linker::<Governed<()>>::new(engine.engine());
    let instantiate_under = |max_memories| {
        let limits = ResourceLimits {
            max_memories,
            ..ResourceLimits::default()
        };
        let mut store = hooked_store(&engine, limits);
        let result = instantiating(&mut store, |store| linker.instantiate(store, &component));
        (store, result.map(|_| ()))
    };

    let (store, result) = instantiate_under(2);
    result.unwrap();
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.memory_stats().created, 2);
    assert_eq!(limiter.usage().memories, 2);

    let (store, result) = instantiate_under(1);
    // Denied: wasmtime fails the instantiation with its own error, and the limiter keeps
    // the refusal with its figures.
    assert!(result.is_err());
    assert_second_memory_refused(&store);
}
