//! wasmtime's own libcalls (`memory.grow`, `table.grow`, `elem.drop`, running out of fuel)
//! cross into the host through the same call hook as imports. None of them may be counted,
//! or refused, as a host call where the code can reach no uncounted host function; running
//! out of fuel is a fuel stop everywhere; and a host function the embedder hands in as a
//! reference is a host call like an import.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{plain_tick, plain_tick_pausing};
use wasmtime::{Caller, Func, Linker, Store};
use wrt_component::engine::RefusalPolicy;
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits};
use wrt_wasmtime::{
    AdmittedModule, CountingLinker, EngineOptions, Governed, GovernedEngine, instantiate,
    limit_refusal,
};

const C: ComponentId = ComponentId(7);

fn engine(fuel: bool) -> GovernedEngine {
    GovernedEngine::new(EngineOptions {
        fuel,
        ..EngineOptions::default()
    })
    .unwrap()
}

fn module(engine: &GovernedEngine, wat: &str, limits: &ResourceLimits) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits).unwrap()
}

fn hooked(engine: &GovernedEngine, limits: ResourceLimits) -> Store<Governed<()>> {
    engine.store(engine.governor_with(C, limits, RefusalPolicy::deny()), ())
}

fn no_host_calls() -> ResourceLimits {
    ResourceLimits {
        max_host_calls: 0,
        ..ResourceLimits::default()
    }
}

/// Runs `run` of `wat`, which imports a plain linker's `host.tick`, in a hooked store under
/// `limits`, expecting it to stop: the store, how often `tick`'s body ran, and the error.
fn stopped_with_a_plain_tick(
    engine: &GovernedEngine,
    wat: &str,
    limits: ResourceLimits,
) -> (Store<Governed<()>>, u64, wasmtime::Error) {
    let module = module(engine, wat, &limits);
    let mut store = hooked(engine, limits);
    let (linker, ran) = plain_tick(engine);
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let stopped = run.call(&mut store, ()).unwrap_err();
    (store, ran.load(Ordering::Relaxed), stopped)
}

fn exceeded(error: &wasmtime::Error) -> Option<LimitKind> {
    limit_refusal(error).and_then(|refusal| refusal.exceeded_limit())
}

const GROW_MEMORY_TWICE: &str = r#"(module (memory 1)
  (func (export "run") (result i32)
    (drop (memory.grow (i32.const 1))) (memory.grow (i32.const 1))))"#;

const GROW_TABLE: &str = r#"(module (table 1 funcref)
  (func (export "run") (result i32) (table.grow (ref.null func) (i32.const 1))))"#;

const GROW_PAST_MAXIMUM: &str = r#"(module (memory 1 2)
  (func (export "run") (result i32)
    (drop (memory.grow (i32.const 5))) (memory.grow (i32.const 5))))"#;

const ELEM_DROP: &str = r#"(module (table 1 funcref) (func $f) (elem $passive func $f)
  (func (export "run") (result i32) (elem.drop $passive) (elem.drop $passive) (i32.const 2)))"#;

/// Before the fix, under `max_host_calls: 0` every one of these trapped as a host call (the
/// call hook refused wasmtime's libcall before it ran), and with room under the limit an
/// `elem.drop` was counted as one.
#[test]
fn the_engines_own_crossings_are_no_host_calls_in_code_that_reaches_no_host_function() {
    let engine = engine(false);
    for (wat, expected) in [
        (GROW_MEMORY_TWICE, 2),
        (GROW_TABLE, 1),
        (GROW_PAST_MAXIMUM, -1),
        (ELEM_DROP, 2),
    ] {
        for max_host_calls in [0, 10] {
            let limits = ResourceLimits {
                max_host_calls,
                ..ResourceLimits::default()
            };
            let module = module(&engine, wat, &limits);
            let mut store = hooked(&engine, limits);
            let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
            let run = instance
                .get_typed_func::<(), i32>(&mut store, "run")
                .unwrap();
            assert_eq!(run.call(&mut store, ()).unwrap(), expected, "{wat}");
            let limiter = store.data().governor.limiter();
            assert_eq!(limiter.usage().host_calls_made, 0, "{wat}");
            assert_eq!(
                limiter.refusals().by_limit(LimitKind::HostCalls),
                0,
                "{wat}"
            );
        }
    }
}

/// One import call, then growth of a memory and a table and an `elem.drop`; `tick` calls
/// the import once more.
const TICK_THEN_GROW: &str = r#"(module (import "host" "tick" (func $tick))
  (memory 1) (table 1 funcref) (func $f) (elem $passive func $f)
  (func (export "run") (result i32)
    (call $tick)
    (drop (table.grow (ref.null func) (i32.const 1)))
    (elem.drop $passive)
    (drop (memory.grow (i32.const 1)))
    (memory.grow (i32.const 1)))
  (func (export "tick") (call $tick)))"#;

/// Runs `run` of [`TICK_THEN_GROW`] (its growth must go through past `max_host_calls: 1`)
/// and then `tick` (refused): the error of `tick`.
fn grow_past_the_limit_then_tick(
    store: &mut Store<Governed<()>>,
    instance: wasmtime::Instance,
) -> wasmtime::Error {
    let run = instance
        .get_typed_func::<(), i32>(&mut *store, "run")
        .unwrap();
    assert_eq!(run.call(&mut *store, ()).unwrap(), 2);
    let tick = instance
        .get_typed_func::<(), ()>(&mut *store, "tick")
        .unwrap();
    tick.call(&mut *store, ()).unwrap_err()
}

fn one_host_call() -> ResourceLimits {
    ResourceLimits {
        max_host_calls: 1,
        ..ResourceLimits::default()
    }
}

/// Before the fix, once a hooked store had made its last allowed host call, the next
/// `memory.grow` trapped as one host call too many, counting imports or not.
#[test]
fn counting_imports_in_a_hooked_store_leave_growth_alone_past_the_limit() {
    let engine = engine(false);
    let module = module(&engine, TICK_THEN_GROW, &one_host_call());
    let mut store = hooked(&engine, one_host_call());
    let ran = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&ran);
    let mut linker = CountingLinker::new(engine.engine());
    linker
        .func_wrap("host", "tick", move |_: Caller<'_, Governed<()>>| {
            seen.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let refused = grow_past_the_limit_then_tick(&mut store, instance);
    // The limit still holds for imports, before their function runs.
    assert_eq!(exceeded(&refused), Some(LimitKind::HostCalls));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
    assert_eq!(store.data().governor.limiter().usage().host_calls_made, 1);
}

/// Before the fix, a store whose hook counts host calls (a plain linker's imports) refused
/// every growth and `elem.drop` past `max_host_calls` as a host call. Now the crossing's
/// site decides: a growth is no call instruction, so it goes through, and the import at a
/// call instruction is refused before its function runs.
#[test]
fn past_the_limit_where_the_crossing_left_wasm_tells_an_import_from_the_engines_own() {
    let engine = engine(false);
    let module = module(&engine, TICK_THEN_GROW, &one_host_call());
    let mut store = hooked(&engine, one_host_call());
    let (linker, ran) = plain_tick(&engine);
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    assert!(store.data().governor.hook_counts());
    let refused = grow_past_the_limit_then_tick(&mut store, instance);
    assert_eq!(exceeded(&refused), Some(LimitKind::HostCalls));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().host_calls_made, 1);
    assert_eq!(limiter.refusals().by_limit(LimitKind::HostCalls), 1);
}

/// An endless loop in code that imports a plain linker's function (so the hook counts host
/// calls), never calling it.
const IMPORTS_BUT_SPINS: &str = r#"(module (import "host" "tick" (func $tick))
  (func (export "run") (loop $again (br $again))))"#;

/// Before the fix, wasmtime's out-of-fuel libcall was counted as one host call (with room
/// under `max_host_calls`) or refused as one (with none).
#[test]
fn running_out_of_fuel_is_a_fuel_stop_and_no_host_call() {
    let engine = engine(true);
    for max_host_calls in [0, 10] {
        let limits = ResourceLimits {
            max_host_calls,
            max_fuel: 10_000,
            ..ResourceLimits::default()
        };
        let (store, _, stopped) = stopped_with_a_plain_tick(&engine, IMPORTS_BUT_SPINS, limits);
        assert_eq!(exceeded(&stopped), Some(LimitKind::Fuel), "{stopped:?}");
        let limiter = store.data().governor.limiter();
        assert_eq!(limiter.usage().host_calls_made, 0);
        assert_eq!(limiter.usage().fuel_consumed, 10_000);
        assert_eq!(limiter.refusals().by_limit(LimitKind::HostCalls), 0);
        assert_eq!(limiter.refusals().by_limit(LimitKind::Fuel), 1);
    }
}

/// Eleven units of straight-line work, then the import: no fuel check comes between them.
const WORK_THEN_TICK: &str = r#"(module (import "host" "tick" (func $tick))
  (func (export "run")
    (drop (i32.add
      (i32.add (i32.add (i32.const 1) (i32.const 2)) (i32.add (i32.const 3) (i32.const 4)))
      (i32.add (i32.const 5) (i32.const 6))))
    (call $tick)))"#;

/// Before the fix, an import called after the program had burnt its fuel (the spare unit
/// past `max_fuel` too) ran, and the call was refused only as it returned.
#[test]
fn an_import_called_on_burnt_fuel_is_refused_before_it_runs() {
    let engine = engine(true);
    let limits = ResourceLimits {
        max_fuel: 2,
        ..ResourceLimits::default()
    };
    let (store, ran, stopped) = stopped_with_a_plain_tick(&engine, WORK_THEN_TICK, limits);
    assert_eq!(
        limit_refusal(&stopped),
        Some(ResourceError::LimitExceeded {
            component: C,
            kind: LimitKind::Fuel,
            requested: 1,
            used: 2,
            limit: 2
        })
    );
    assert_eq!(ran, 0);
    let limiter = store.data().governor.limiter();
    assert_eq!(limiter.usage().host_calls_made, 0);
    // One stop, one refusal: the booking at the return finds nothing new.
    assert_eq!(limiter.refusals().by_limit(LimitKind::Fuel), 1);
}

/// Calls whatever function the host hands in.
const CALLS_WHAT_IT_IS_GIVEN: &str = r#"(module (table 1 funcref) (type $unit (func))
  (func (export "run") (param funcref)
    (table.set (i32.const 0) (local.get 0))
    (call_indirect (type $unit) (i32.const 0))))"#;

/// Before the fix, a store without the hook whose module came through a `CountingLinker`
/// counted only the linker's imports: a host function handed in as an argument ran
/// uncounted, past `max_host_calls: 0`.
#[test]
fn a_host_function_handed_in_as_a_reference_is_a_counted_host_call() {
    let engine = engine(false);
    let module = module(&engine, CALLS_WHAT_IT_IS_GIVEN, &no_host_calls());
    let mut store = engine
        .store_counting_imports(engine.governor(C, no_host_calls()), ())
        .unwrap();
    let instance = CountingLinker::new(engine.engine())
        .instantiate(&mut store, &module)
        .unwrap();
    let ran = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&ran);
    let host = Func::wrap(&mut store, move || {
        seen.fetch_add(1, Ordering::Relaxed);
    });
    let run = instance
        .get_typed_func::<Option<Func>, ()>(&mut store, "run")
        .unwrap();
    let refused = run.call(&mut store, Some(host)).unwrap_err();
    assert_eq!(exceeded(&refused), Some(LimitKind::HostCalls));
    assert_eq!(ran.load(Ordering::Relaxed), 0);
    assert!(store.data().governor.hook_counts());
}

/// Two import calls in a row: no epoch check comes between them.
const TICK_TWICE: &str = r#"(module (import "host" "tick" (func $tick))
  (func (export "run") (call $tick) (call $tick)))"#;

/// Before the fix, an import called past `max_host_calls` while an epoch check was due (the
/// ticker had moved on during the allowed call) ran, and was refused only at its return:
/// the hook could not tell it from the epoch check. Its call instruction now tells.
#[test]
fn an_import_past_the_limit_is_refused_before_it_runs_even_with_an_epoch_check_due() {
    let engine = GovernedEngine::new(EngineOptions {
        tick: Duration::from_millis(1),
        fuel: false,
    })
    .unwrap();
    let module = module(&engine, TICK_TWICE, &one_host_call());
    let mut store = hooked(&engine, one_host_call());
    // Long enough for the ticker to pass the store's epoch deadline.
    let (linker, ran) = plain_tick_pausing(&engine, Duration::from_millis(20));
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let refused = run.call(&mut store, ()).unwrap_err();
    assert_eq!(exceeded(&refused), Some(LimitKind::HostCalls));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
}

/// A component whose core module calls the host's `tick`, then grows its memory; `tick`
/// calls it once more.
const COMPONENT_TICK_THEN_GROW: &str = r#"(component
  (import "tick" (func $tick))
  (core func $lowered (canon lower (func $tick)))
  (core instance $host (export "tick" (func $lowered)))
  (core module $m
    (import "host" "tick" (func $tick))
    (memory 1)
    (func (export "run") (result i32)
      (call $tick) (drop (memory.grow (i32.const 1))) (memory.grow (i32.const 1)))
    (func (export "tick") (call $tick)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (func (export "run") (result u32) (canon lift (core func $i "run")))
  (func (export "tick") (canon lift (core func $i "tick"))))"#;

/// Before the fix, a component's growth past `max_host_calls` was refused as a host call:
/// nothing knew its code. Its call sites now tell (wasmtime reports its core modules'
/// frames at offsets into the component's bytes).
#[test]
fn a_components_growth_past_the_limit_goes_through_and_its_import_is_refused() {
    use wasmtime::component::Linker as ComponentLinker;
    use wrt_wasmtime::{AdmittedComponent, instantiate_component};

    let engine = engine(false);
    let bytes = wat::parse_str(COMPONENT_TICK_THEN_GROW).unwrap();
    let component = AdmittedComponent::new(engine.engine(), &bytes, &one_host_call()).unwrap();
    let mut store = hooked(&engine, one_host_call());
    let ran = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&ran);
    let mut linker = ComponentLinker::new(engine.engine());
    linker
        .root()
        .func_wrap("tick", move |_, (): ()| {
            seen.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    let instance = instantiate_component(&mut store, &linker, &component).unwrap();
    let run = instance
        .get_typed_func::<(), (u32,)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), (2,));
    let tick = instance
        .get_typed_func::<(), ()>(&mut store, "tick")
        .unwrap();
    let refused = tick.call(&mut store, ()).unwrap_err();
    assert_eq!(exceeded(&refused), Some(LimitKind::HostCalls));
    assert_eq!(ran.load(Ordering::Relaxed), 1);
    assert_eq!(store.data().governor.limiter().usage().host_calls_made, 1);
}
