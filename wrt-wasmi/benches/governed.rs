//! A governed wasmi store against wasmi's own `StoreLimits` under the same work, in one run.
//!
//! `wasmi_store_limits` is a plain `wasmi::Engine` whose stores carry `StoreLimits` and no
//! hooks; `governed` is a [`GovernedEngine`] whose stores carry the
//! [`Governor`](wrt_wasmi::Governor) as limiter and call hook, called through
//! [`wrt_wasmi::call`] (which books the fuel on return).
//!
//! | group | work per iteration | target (governed / baseline) |
//! |---|---|---|
//! | `compute` | one call looping 100 000 times over integer arithmetic, fuel metered on both sides | <= 1.10 |
//! | `host_calls` | one call making 10 000 calls to a no-op host function, fuel off | <= 1.30 |
//!
//! `host_calls` also runs `wasmi_call_hook_counter`, a reference and not a target: the plain
//! store with a call hook that only counts host calls against a cap, the floor of any
//! host-call limit that wasmi's call hook enforces; and `governed_with_time_limit`, the
//! governed store under a `max_execution_time`, which wasmi (having no epochs) can only
//! check by reading the clock at every host crossing.

use core::hint::black_box;
use core::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wasmi::{
    CallHook, Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, TypedFunc,
};
use wrt_component::engine::SharedBudget;
use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
use wrt_test_support::wat::{COMPUTE, HOST_LOOP};
use wrt_wasmi::{AdmittedModule, EngineOptions, Governed, GovernedEngine, call, instantiate};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(7);

/// Iterations of the compute loop.
const LOOP: i32 = 100_000;
/// Host calls per Wasm call.
const HOST_CALLS: i32 = 10_000;

/// The same caps on both sides; calls and fuel never run out over a bench run.
fn wrt_limits() -> ResourceLimits {
    ResourceLimits {
        max_memory: 128 * PAGE,
        ..ResourceLimits::default()
    }
}

fn store_limits() -> StoreLimits {
    let limits = wrt_limits();
    StoreLimitsBuilder::new()
        .memory_size(limits.max_memory)
        .table_elements(limits.max_table_size)
        .memories(limits.max_memories)
        .tables(limits.max_tables)
        .instances(limits.max_instances)
        .build()
}

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("the fixture is valid WAT")
}

fn plain_engine(fuel: bool) -> Engine {
    let mut config = Config::default();
    config.consume_fuel(fuel);
    Engine::new(&config)
}

fn plain_store(engine: &Engine, fuel: bool) -> Store<StoreLimits> {
    let mut store = Store::new(engine, store_limits());
    store.limiter(|limits| limits);
    if fuel {
        store.set_fuel(u64::MAX).expect("fuel is on");
    }
    store
}

fn governed_engine(fuel: bool) -> GovernedEngine {
    GovernedEngine::with_config(
        Config::default(),
        EngineOptions { fuel },
        std::sync::Arc::new(SharedBudget::new(RuntimeBudget::unlimited())),
    )
}

fn governed_store(engine: &GovernedEngine) -> Store<Governed<()>> {
    engine.store(engine.governor(C, wrt_limits()), ())
}

fn admitted(engine: &GovernedEngine, wat: &str) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wasm(wat), &wrt_limits()).expect("admitted")
}

fn compute(c: &mut Criterion) {
    let mut group = c.benchmark_group("compute");

    let engine = plain_engine(true);
    let module = Module::new(&engine, wasm(COMPUTE)).expect("compiled");
    let mut store = plain_store(&engine, true);
    let instance = Linker::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .expect("instantiated");
    let run = instance
        .get_typed_func::<i32, i32>(&store, "run")
        .expect("run");
    let expected = run.call(&mut store, LOOP).expect("runs");
    group.bench_function("wasmi_store_limits", |b| {
        b.iter(|| run.call(&mut store, black_box(LOOP)).expect("runs"));
    });

    let engine = governed_engine(true);
    let module = admitted(&engine, COMPUTE);
    let mut store = governed_store(&engine);
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).expect("inst");
    let run = instance
        .get_typed_func::<i32, i32>(&store, "run")
        .expect("run");
    assert_eq!(call(&mut store, &run, LOOP).expect("runs"), expected);
    assert!(store.data().governor.limiter().usage().fuel_consumed > 0);
    group.bench_function("governed", |b| {
        b.iter(|| call(&mut store, &run, black_box(LOOP)).expect("runs"));
    });

    group.finish();
}

/// Store data of the reference hook: wasmi's limits and a bare host-call counter.
struct Counted {
    limits: StoreLimits,
    host_calls: u64,
    max_host_calls: u64,
}

#[derive(Debug)]
struct Exhausted;

impl core::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("host calls exhausted")
    }
}

impl core::error::Error for Exhausted {}
impl wasmi::errors::HostError for Exhausted {}

/// `HOST_LOOP` instantiated in a plain store, its import a no-op; its `run`.
fn ticking<T>(engine: &Engine, store: &mut Store<T>, module: &Module) -> TypedFunc<i32, ()> {
    let mut linker = Linker::new(engine);
    linker.func_wrap("host", "tick", || {}).expect("linked");
    let instance = linker
        .instantiate_and_start(&mut *store, module)
        .expect("inst");
    instance
        .get_typed_func::<i32, ()>(&*store, "run")
        .expect("run")
}

fn host_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("host_calls");

    let engine = plain_engine(false);
    let module = Module::new(&engine, wasm(HOST_LOOP)).expect("compiled");
    let mut store = plain_store(&engine, false);
    let run = ticking(&engine, &mut store, &module);
    group.bench_function("wasmi_store_limits", |b| {
        b.iter(|| run.call(&mut store, black_box(HOST_CALLS)).expect("runs"));
    });

    // Reference, not a target: the plain store with a call hook that only counts host calls.
    let mut store = Store::new(
        &engine,
        Counted {
            limits: store_limits(),
            host_calls: 0,
            max_host_calls: wrt_limits().max_host_calls,
        },
    );
    store.limiter(|counted| &mut counted.limits);
    store.call_hook(|counted, hook| {
        if matches!(hook, CallHook::CallingHost) {
            if counted.host_calls >= counted.max_host_calls {
                return Err(wasmi::Error::host(Exhausted));
            }
            counted.host_calls += 1;
        }
        Ok(())
    });
    let run = ticking(&engine, &mut store, &module);
    run.call(&mut store, HOST_CALLS).expect("runs");
    assert_eq!(
        store.data().host_calls,
        u64::from(HOST_CALLS.unsigned_abs())
    );
    group.bench_function("wasmi_call_hook_counter", |b| {
        b.iter(|| run.call(&mut store, black_box(HOST_CALLS)).expect("runs"));
    });

    let engine = governed_engine(false);
    let module = admitted(&engine, HOST_LOOP);
    let mut linker = Linker::new(engine.engine());
    linker.func_wrap("host", "tick", || {}).expect("linked");
    let mut store = governed_store(&engine);
    let instance = instantiate(&mut store, &linker, &module).expect("inst");
    let run = instance
        .get_typed_func::<i32, ()>(&store, "run")
        .expect("run");
    let before = store.data().governor.limiter().usage().host_calls_made;
    call(&mut store, &run, HOST_CALLS).expect("runs");
    let counted = store.data().governor.limiter().usage().host_calls_made - before;
    assert_eq!(counted, u64::from(HOST_CALLS.unsigned_abs()));
    group.bench_function("governed", |b| {
        b.iter(|| call(&mut store, &run, black_box(HOST_CALLS)).expect("runs"));
    });

    // Reference, not a target: the same under a `max_execution_time` (an hour, never
    // reached), which wasmi can only check by reading the clock at every host crossing.
    let timed = ResourceLimits {
        max_execution_time: Some(Duration::from_secs(3600)),
        ..wrt_limits()
    };
    let mut store = engine.store(engine.governor(C, timed), ());
    let instance = instantiate(&mut store, &linker, &module).expect("inst");
    let run = instance
        .get_typed_func::<i32, ()>(&store, "run")
        .expect("run");
    group.bench_function("governed_with_time_limit", |b| {
        b.iter(|| call(&mut store, &run, black_box(HOST_CALLS)).expect("runs"));
    });
    assert!(store.data().governor.limiter().usage().execution_time > Duration::ZERO);

    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = compute, host_calls
}
criterion_main!(benches);
