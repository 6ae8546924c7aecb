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
use wrt_test_support::wat::{
    CONSTANT, HOST_LOOP, SPIN_OR_FIVE, START_GROWS_EMPTY_MEMORY, START_TRAPS, TWO_MEMORIES,
};
use wrt_wasmi::{
    EngineOptions, Governed, GovernedEngine, call, instantiate, instantiating, limit_refusal,
};

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
    let engine = GovernedEngine::new(EngineOptions::default());
    let module = module(&engine, HOST_LOOP, &one_instance());
    let mut store = store(&engine, one_instance(), &Arc::default());
    let mut linker = Linker::new(engine.engine());
    let error = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(limit_refusal(&error), None, "a link error: {error:?}");
    assert_eq!(store.data().governor.limiter().usage().instances, 0);
    linker
        .func_wrap("host", "tick", |_: Caller<'_, Governed<()>>| {})
        .unwrap();
    instantiate(&mut store, &linker, &module).unwrap();
    assert_eq!(store.data().governor.limiter().usage().instances, 1);
}

/// An instance whose start function trapped keeps its charge: wasmi keeps its memory until
/// the store drops.
#[test]
fn an_instance_whose_start_trapped_stays_counted() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let module = module(&engine, START_TRAPS, &one_instance());
    let mut store = store(&engine, one_instance(), &Arc::default());
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

/// Before the fix, wasmi refused the second memory itself (its own count, set to our limit)
/// and no refusal was recorded. A module past the admission gate shows it.
#[test]
fn a_memory_over_max_memories_is_refused_with_a_record() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let limits = ResourceLimits {
        max_memories: 1,
        ..ResourceLimits::default()
    };
    let raw = wasmi::Module::new(engine.engine(), wat::parse_str(TWO_MEMORIES).unwrap()).unwrap();
    let mut store = store(&engine, limits, &Arc::default());
    let linker = Linker::new(engine.engine());
    instantiating(&mut store, |store| {
        linker.instantiate_and_start(&mut *store, &raw)
    })
    .unwrap_err();
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.refusals().by_limit(LimitKind::Memories), 1);
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
    // The first memory was built, so the failed instantiation keeps its charges.
    assert_eq!(
        (limiter.usage().instances, limiter.usage().memories),
        (1, 1)
    );
}

/// Before the fix, the store got its fuel once, when it was made: after a new period began
/// ([`reset_period`](wrt_component::engine::StoreLimiter::reset_period)) the ledger allowed
/// `max_fuel` again while the store held nothing, so every call went on being refused. Now
/// [`call`] hands the store the period's fuel left before it runs.
#[test]
fn a_new_period_gives_the_store_its_fuel_again() {
    let engine = GovernedEngine::new(EngineOptions { fuel: true });
    let limits = ResourceLimits {
        max_fuel: 10_000,
        ..ResourceLimits::default()
    };
    let module = module(&engine, SPIN_OR_FIVE, &limits);
    let mut store = store(&engine, limits, &Arc::default());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    let spin = instance.get_typed_func::<(), ()>(&store, "spin").unwrap();
    let five = instance.get_typed_func::<(), i32>(&store, "five").unwrap();
    let is_fuel_refusal = |error: &wasmi::Error| {
        limit_refusal(error).and_then(|e| e.exceeded_limit()) == Some(LimitKind::Fuel)
    };
    assert_eq!(call(&mut store, &five, ()).unwrap(), 5);
    assert!(is_fuel_refusal(&call(&mut store, &spin, ()).unwrap_err()));
    assert!(is_fuel_refusal(&call(&mut store, &five, ()).unwrap_err()));

    store.data_mut().governor.limiter_mut().reset_period();
    assert_eq!(call(&mut store, &five, ()).unwrap(), 5);
    assert!(is_fuel_refusal(&call(&mut store, &spin, ()).unwrap_err()));
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().fuel_consumed, 10_000);
    assert_eq!(limiter.refusals().by_limit(LimitKind::Fuel), 3);
}

/// A data segment past the end of the one-page memory it imports: the instantiation fails
/// after linking, when wasmi writes the segment.
const SEGMENT_PAST_IMPORTED_MEMORY: &str =
    r#"(module (import "host" "memory" (memory 1)) (data (i32.const 70000) "x"))"#;

/// Before the fix, an instantiation that failed after linking, with nothing created or run
/// (a data segment past the end of an imported memory), gave its instance back, while wasmi
/// had already allocated the instance in the store and keeps it until the store drops: a
/// retry loop could pile up instances under `max_instances: 1`. Now the instance wasmi
/// allocates is counted.
#[test]
fn a_failed_instantiation_the_engine_keeps_stays_counted() {
    let engine = GovernedEngine::new(EngineOptions::default());
    let module = module(&engine, SEGMENT_PAST_IMPORTED_MEMORY, &one_instance());
    let mut store = store(&engine, one_instance(), &Arc::default());
    let memory = wasmi::Memory::new(&mut store, wasmi::MemoryType::new(1, None)).unwrap();
    let mut linker = Linker::new(engine.engine());
    linker.define("host", "memory", memory).unwrap();
    let failed = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(limit_refusal(&failed), None, "the segment: {failed:?}");
    assert_eq!(store.data().governor.limiter().usage().instances, 1);
    let refused = instantiate(&mut store, &linker, &module).unwrap_err();
    assert_eq!(
        limit_refusal(&refused).and_then(|e| e.exceeded_limit()),
        Some(LimitKind::Instances),
        "{refused:?}"
    );
}
