//! Host functions that look like wasmtime's own crossings from the call hook: one that grows
//! the caller's memory or table itself (as wasmtime's `memory.grow` does inside its
//! crossing), and one the host calls itself, with no Wasm frame on the stack (an export
//! that is an import). Each is a host call, counted under `max_host_calls` and refused past
//! it before its body runs.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::plain_tick;
use wasmtime::{Caller, Linker, Ref, Store};
use wrt_component::engine::RefusalPolicy;
use wrt_component::{ComponentId, LimitKind, ResourceLimits};
use wrt_wasmtime::{
    AdmittedModule, EngineOptions, Governed, GovernedEngine, instantiate, limit_refusal,
};

const C: ComponentId = ComponentId(8);

fn engine() -> GovernedEngine {
    GovernedEngine::new(EngineOptions::default()).unwrap()
}

fn host_calls(max_host_calls: u64) -> ResourceLimits {
    ResourceLimits {
        max_host_calls,
        ..ResourceLimits::default()
    }
}

fn module(engine: &GovernedEngine, wat: &str, limits: &ResourceLimits) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits).unwrap()
}

fn hooked(engine: &GovernedEngine, limits: ResourceLimits) -> Store<Governed<()>> {
    engine.store(engine.governor_with(C, limits, RefusalPolicy::deny()), ())
}

fn host_calls_made(store: &Store<Governed<()>>) -> u64 {
    store.data().governor.limiter().usage().host_calls_made
}

/// Calls the host's `alloc` until something stops it; `alloc` grows what `grow` grows.
const CALLS_ALLOC_FOREVER: &str = r#"(module (import "host" "alloc" (func $alloc))
  (memory (export "memory") 1) (table (export "table") 1 funcref)
  (func (export "run") (loop $again (call $alloc) (br $again))))"#;

/// Runs [`CALLS_ALLOC_FOREVER`] under `max_host_calls: 3` with `alloc` growing the caller's
/// memory or table by one (its body gives up after 20 runs, so the old code ends too): how
/// often the body ran, the host calls counted, and what stopped the run.
fn allocating_host_function(
    grow: fn(&mut Caller<'_, Governed<()>>),
) -> (u64, u64, Option<LimitKind>) {
    let engine = engine();
    let module = module(&engine, CALLS_ALLOC_FOREVER, &host_calls(3));
    let mut store = hooked(&engine, host_calls(3));
    let ran = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&ran);
    let mut linker = Linker::new(engine.engine());
    linker
        .func_wrap(
            "host",
            "alloc",
            move |mut caller: Caller<'_, Governed<()>>| {
                if seen.fetch_add(1, Ordering::Relaxed) >= 20 {
                    return Err(wasmtime::Error::msg("ran 20 times"));
                }
                grow(&mut caller);
                Ok(())
            },
        )
        .unwrap();
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let stopped = run.call(&mut store, ()).unwrap_err();
    let exceeded = limit_refusal(&stopped).and_then(|refusal| refusal.exceeded_limit());
    (
        ran.load(Ordering::Relaxed),
        host_calls_made(&store),
        exceeded,
    )
}

/// Before the fix the growth inside the call took it for wasmtime's `memory.grow`: the call
/// was handed back, and the body ran 21 times with 1 host call counted.
#[test]
fn a_host_function_that_grows_memory_is_a_host_call() {
    let grows_memory = |caller: &mut Caller<'_, Governed<()>>| {
        let memory = caller.get_export("memory").unwrap().into_memory().unwrap();
        memory.grow(&mut *caller, 1).unwrap();
    };
    assert_eq!(
        allocating_host_function(grows_memory),
        (3, 3, Some(LimitKind::HostCalls))
    );
}

#[test]
fn a_host_function_that_grows_a_table_is_a_host_call() {
    let grows_table = |caller: &mut Caller<'_, Governed<()>>| {
        let table = caller.get_export("table").unwrap().into_table().unwrap();
        table.grow(&mut *caller, 1, Ref::Func(None)).unwrap();
    };
    assert_eq!(
        allocating_host_function(grows_table),
        (3, 3, Some(LimitKind::HostCalls))
    );
}

/// The growth the program asks for itself stays the engine's: the same program growing
/// with `memory.grow` between imports counts the imports only.
#[test]
fn the_programs_own_growth_between_imports_is_still_no_host_call() {
    let engine = engine();
    let wat = r#"(module (import "host" "tick" (func $tick)) (memory 1)
      (func (export "run") (result i32)
        (call $tick) (drop (memory.grow (i32.const 1)))
        (call $tick) (memory.grow (i32.const 1))))"#;
    let module = module(&engine, wat, &host_calls(2));
    let mut store = hooked(&engine, host_calls(2));
    let (linker, ran) = plain_tick(&engine);
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 2);
    assert_eq!(
        (ran.load(Ordering::Relaxed), host_calls_made(&store)),
        (2, 2)
    );
}

/// An export that is the import itself: the host's call of it has no Wasm frame under it.
/// Before the fix, past the limit with an epoch check due (the store idle for a few ticks,
/// as a server's store is between requests), the call was let through as possibly the
/// epoch check and refused only after the body ran: 5 runs against a limit of 2.
#[test]
fn an_import_the_host_calls_through_an_export_is_refused_before_it_runs() {
    let engine = engine();
    let wat = r#"(module (import "host" "tick" (func $tick)) (export "run" (func $tick)))"#;
    let module = module(&engine, wat, &host_calls(2));
    let mut store = hooked(&engine, host_calls(2));
    let (linker, ran) = plain_tick(&engine);
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .unwrap();
    let mut refused = Vec::new();
    for _ in 0..5 {
        // Three ticks of the engine's 10 ms epoch: the store's deadline has passed.
        std::thread::sleep(Duration::from_millis(30));
        if let Err(error) = run.call(&mut store, ()) {
            refused.push(limit_refusal(&error).and_then(|refusal| refusal.exceeded_limit()));
        }
    }
    assert_eq!(ran.load(Ordering::Relaxed), 2);
    assert_eq!(refused, [Some(LimitKind::HostCalls); 3]);
    assert_eq!(host_calls_made(&store), 2);
}
