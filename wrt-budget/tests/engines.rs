//! One behaviour across both engines: every fixture of one table runs in wasmtime and in
//! wasmi under the same limits and policy, and must give the same result, the same refusals
//! (the same `ResourceError`, numbers included) and the same usage — fuel and time aside,
//! since the engines count fuel differently and time is the wall clock's.

use wrt_component::engine::{GrowthStats, OnRefusal, Refusal, RefusalPolicy};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits, ResourceUsage};
use wrt_test_support::wat::{CONSTANT, GROW_MEMORY, GROW_TABLE};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(5);

/// What one engine showed for one fixture.
#[derive(Debug, PartialEq)]
struct Observed {
    /// The value of each call of `run` in turn, or the limit that stopped it.
    results: Vec<Result<i32, Option<ResourceError>>>,
    usage: ResourceUsage,
    memory: GrowthStats,
    table: GrowthStats,
    refusals: Vec<Refusal>,
}

struct Fixture {
    name: &'static str,
    wat: &'static str,
    limits: ResourceLimits,
    policy: RefusalPolicy,
    calls: usize,
}

const CALL_HOST: &str = r#"(module
  (import "host" "tick" (func $tick))
  (func (export "run") (result i32) (loop $again (call $tick) (br $again)) (i32.const 0)))"#;

fn fixtures() -> Vec<Fixture> {
    let limits = ResourceLimits::default();
    let trap = |kind| RefusalPolicy::deny().with(kind, OnRefusal::Trap);
    vec![
        Fixture {
            name: "memory deny",
            wat: GROW_MEMORY,
            limits: ResourceLimits {
                max_memory: 7 * PAGE + 1000,
                ..limits
            },
            policy: RefusalPolicy::deny(),
            calls: 1,
        },
        Fixture {
            name: "memory trap",
            wat: GROW_MEMORY,
            limits: ResourceLimits {
                max_memory: 5 * PAGE,
                ..limits
            },
            policy: trap(LimitKind::Memory),
            calls: 1,
        },
        Fixture {
            name: "table deny",
            wat: GROW_TABLE,
            limits: ResourceLimits {
                max_table_size: 10,
                ..limits
            },
            policy: RefusalPolicy::deny(),
            calls: 1,
        },
        Fixture {
            name: "table trap",
            wat: GROW_TABLE,
            limits: ResourceLimits {
                max_table_size: 10,
                ..limits
            },
            policy: trap(LimitKind::TableElements),
            calls: 1,
        },
        Fixture {
            name: "host calls",
            wat: CALL_HOST,
            limits: ResourceLimits {
                max_host_calls: 7,
                ..limits
            },
            policy: RefusalPolicy::deny(),
            calls: 1,
        },
        Fixture {
            name: "wasm entries",
            wat: CONSTANT,
            limits: ResourceLimits {
                max_function_calls: 2,
                ..limits
            },
            policy: RefusalPolicy::deny(),
            calls: 3,
        },
        Fixture {
            name: "instances",
            wat: CONSTANT,
            limits: ResourceLimits {
                max_instances: 0,
                ..limits
            },
            policy: RefusalPolicy::deny(),
            calls: 1,
        },
    ]
}

/// Fuel and time are the engines' own; everything else must agree.
fn comparable(mut usage: ResourceUsage) -> ResourceUsage {
    usage.fuel_consumed = 0;
    usage.execution_time = core::time::Duration::ZERO;
    usage
}

fn in_wasmtime(fixture: &Fixture) -> Observed {
    use wrt_wasmtime::{AdmittedModule, EngineOptions, GovernedEngine, instantiate, limit_refusal};
    let engine = GovernedEngine::new(EngineOptions::default()).unwrap();
    let bytes = wat::parse_str(fixture.wat).unwrap();
    let module = AdmittedModule::new(engine.engine(), &bytes, &ResourceLimits::default()).unwrap();
    let mut store = engine.store(engine.governor_with(C, fixture.limits, fixture.policy), ());
    let mut linker = wasmtime::Linker::new(engine.engine());
    linker.func_wrap("host", "tick", || {}).unwrap();
    let mut results = Vec::new();
    match instantiate(&mut store, &linker, &module) {
        Ok(instance) => {
            let run = instance
                .get_typed_func::<(), i32>(&mut store, "run")
                .unwrap();
            for _ in 0..fixture.calls {
                results.push(run.call(&mut store, ()).map_err(|e| limit_refusal(&e)));
            }
        }
        Err(e) => results.push(Err(limit_refusal(&e))),
    }
    let limiter = store.data().governor.limiter();
    Observed {
        results,
        usage: comparable(*limiter.usage()),
        memory: *limiter.memory_stats(),
        table: *limiter.table_stats(),
        refusals: limiter.refusals().kept().to_vec(),
    }
}

fn in_wasmi(fixture: &Fixture) -> Observed {
    use wrt_wasmi::{
        AdmittedModule, EngineOptions, GovernedEngine, call, instantiate, limit_refusal,
    };
    let engine = GovernedEngine::new(EngineOptions::default());
    let bytes = wat::parse_str(fixture.wat).unwrap();
    let module = AdmittedModule::new(engine.engine(), &bytes, &ResourceLimits::default()).unwrap();
    let mut store = engine.store(engine.governor_with(C, fixture.limits, fixture.policy), ());
    let mut linker = wasmi::Linker::new(engine.engine());
    linker.func_wrap("host", "tick", || {}).unwrap();
    let mut results = Vec::new();
    match instantiate(&mut store, &linker, &module) {
        Ok(instance) => {
            let run = instance.get_typed_func::<(), i32>(&store, "run").unwrap();
            for _ in 0..fixture.calls {
                results.push(call(&mut store, &run, ()).map_err(|e| limit_refusal(&e)));
            }
        }
        Err(e) => results.push(Err(limit_refusal(&e))),
    }
    let limiter = store.data().governor.limiter();
    Observed {
        results,
        usage: comparable(*limiter.usage()),
        memory: *limiter.memory_stats(),
        table: *limiter.table_stats(),
        refusals: limiter.refusals().kept().to_vec(),
    }
}

#[test]
fn every_fixture_behaves_the_same_in_wasmtime_and_wasmi() {
    for fixture in fixtures() {
        let wasmtime = in_wasmtime(&fixture);
        let wasmi = in_wasmi(&fixture);
        assert_eq!(wasmtime, wasmi, "{}", fixture.name);
        // The table is not vacuous: every fixture but the plain ones met a refusal.
        assert!(
            !wasmtime.refusals.is_empty(),
            "{}: no refusal",
            fixture.name
        );
    }
}
