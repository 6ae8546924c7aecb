//! wasmi runs a function the host calls straight (the start function, an export) without
//! its call hook. When that function is an import, the host function would run uncounted,
//! so under a finite `max_host_calls` admission refuses such a module, before it is
//! compiled. The outside audit that found it saw a start function that is the import run
//! under `max_host_calls: 0`, and an export that is the import run 10 times under a limit
//! of 2, with 0 host calls counted; before the fix both modules were admitted.

mod common;

use common::Still;
use wasmi::Linker;
use wrt_component::admission::GateError;
use wrt_component::engine::RefusalPolicy;
use wrt_component::{ComponentId, LimitKind, ResourceLimits};
use wrt_wasmi::{AdmittedModule, EngineOptions, GovernedEngine, call, instantiate};

const START_IS_THE_IMPORT: &str = r#"(module (import "host" "tick" (func $tick)) (start $tick))"#;
const EXPORT_IS_THE_IMPORT: &str =
    r#"(module (import "host" "tick" (func $tick)) (export "run" (func $tick)))"#;
const BOTH: &str = r#"(module (import "host" "tick" (func $tick))
  (start $tick) (export "run" (func $tick)) (export "again" (func $tick)))"#;
/// Calls the import from Wasm: the hook sees that, so nothing escapes.
const WASM_CALLS_THE_IMPORT: &str = r#"(module (import "host" "tick" (func $tick))
  (func $run (call $tick)) (start $run) (export "run" (func $run)))"#;

fn host_calls(max_host_calls: u64) -> ResourceLimits {
    ResourceLimits {
        max_host_calls,
        ..ResourceLimits::default()
    }
}

fn admitted(wat: &str, limits: &ResourceLimits) -> Result<AdmittedModule, GateError<wasmi::Error>> {
    let engine = GovernedEngine::new(EngineOptions::default());
    AdmittedModule::new(engine.engine(), &wat::parse_str(wat).unwrap(), limits)
}

/// How many imports `wat` lets the host call straight, as the refusal under `limits` says.
fn refused_count(wat: &str, limits: &ResourceLimits) -> Option<u64> {
    match admitted(wat, limits) {
        Err(GateError::Unenforceable {
            limit: LimitKind::HostCalls,
            count,
            ..
        }) => Some(count),
        _ => None,
    }
}

#[test]
fn an_import_the_host_would_call_straight_is_refused_under_a_host_call_limit() {
    for limit in [0, 2, u64::MAX - 1] {
        let limits = host_calls(limit);
        assert_eq!(refused_count(START_IS_THE_IMPORT, &limits), Some(1));
        assert_eq!(refused_count(EXPORT_IS_THE_IMPORT, &limits), Some(1));
        assert_eq!(refused_count(BOTH, &limits), Some(3));
    }
    let refusal = admitted(BOTH, &host_calls(2)).unwrap_err().to_string();
    assert!(
        refusal.starts_with("max_host_calls cannot be held in this engine for this binary: 3 "),
        "{refusal}"
    );
}

#[test]
fn without_a_host_call_limit_or_with_wasm_in_between_the_module_runs() {
    for wat in [START_IS_THE_IMPORT, EXPORT_IS_THE_IMPORT, BOTH] {
        assert!(admitted(wat, &ResourceLimits::default()).is_ok(), "{wat}");
    }
    // The same import called from Wasm code is counted by the hook: admitted, and held.
    let limits = host_calls(1);
    let engine = GovernedEngine::new(EngineOptions::default());
    let wasm = wat::parse_str(WASM_CALLS_THE_IMPORT).unwrap();
    let module = AdmittedModule::new(engine.engine(), &wasm, &limits).unwrap();
    let governor = engine.governor_with_clock(
        ComponentId(3),
        limits,
        RefusalPolicy::deny(),
        Box::new(Still),
    );
    let mut store = engine.store(governor, ());
    let mut linker = Linker::new(engine.engine());
    linker.func_wrap("host", "tick", || {}).unwrap();
    let instance = instantiate(&mut store, &linker, &module).unwrap();
    let run = instance.get_typed_func::<(), ()>(&store, "run").unwrap();
    assert!(call(&mut store, &run, ()).is_err(), "the second host call");
    assert_eq!(store.data().governor.limiter().usage().host_calls_made, 1);
}
