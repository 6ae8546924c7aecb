//! A governed store against wasmtime's own `StoreLimits` under the same work, in one run.
//!
//! Each group runs one workload twice: `wasmtime_store_limits` is a plain `wasmtime::Engine`
//! (default `Config`) whose stores carry `StoreLimits` and no hooks; `governed` is a
//! [`GovernedEngine`] (epoch interruption on and its ticker running, fuel off) whose stores
//! carry the [`Governor`](wrt_wasmtime::Governor) as limiter, the call hook and the epoch
//! deadline. The `budget` group compares [`SharedBudget`] with a `Mutex` doing the same
//! check-and-add under two contending threads.
//!
//! | group | work per iteration | target (governed / baseline) |
//! |---|---|---|
//! | `compute` | one call looping 100 000 times over integer arithmetic | <= 1.05 |
//! | `memory_grow` | a fresh store and instance of `(memory 1)`, grown 1 page 64 times | <= 1.10 |
//! | `host_calls` | one call making 10 000 calls to a no-op host function | <= 1.30 |
//! | `budget` | per thread, 2 threads at once: one charge and one release | <= 0.5 |
//!
//! Each group also runs `governed_counting_imports`: the same governor in a store without
//! the call hook ([`GovernedEngine::store_counting_imports`]), its imports defined by a
//! [`CountingLinker`], which count host calls themselves.
//!
//! `budget` runs [`SharedBudget`] twice: with caps of 1 GiB and 65 536 resources (both
//! counters in one word) and with [`RuntimeBudget::unlimited`] caps (a word per counter).
//!
//! `host_calls` also runs `wasmtime_call_hook_counter`, a reference and not a target: the
//! plain store with a call hook that only counts host calls against a cap, the floor of any
//! limit on host calls that wasmtime's call hook enforces.
//!
//! `host_calls_fuel` is `host_calls` on engines that meter fuel, both sides with fuel to
//! spare (the baseline's store set to [`BASELINE_FUEL`], the governed one's `max_fuel`
//! [`MAX_FUEL`]): there the governed store's hook reads the fuel left on every host crossing
//! (an import called on burnt fuel is refused before it runs), which is what it measures.
//! A reference with no target of its own.

use core::hint::black_box;
use core::time::Duration;
use std::sync::{Barrier, Mutex};
use std::time::Instant;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use wasmtime::{
    CallHook, Caller, Engine, Instance, Linker, Store, StoreLimits, StoreLimitsBuilder,
};
use wrt_component::engine::SharedBudget;
use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
use wrt_test_support::wat::{COMPUTE, HOST_LOOP};
use wrt_wasmtime::{
    AdmittedModule, CountingLinker, EngineOptions, Governed, GovernedEngine, instantiate,
};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(7);

/// Iterations of the compute loop.
const LOOP: i32 = 100_000;
/// Pages grown per fresh store.
const GROWS: i32 = 64;
/// Host calls per Wasm call.
const HOST_CALLS: i32 = 10_000;
/// The governed store's `max_fuel` in `host_calls_fuel`: more than a bench run burns.
const MAX_FUEL: u64 = 1 << 50;
/// The plain store's fuel in `host_calls_fuel`, the same.
const BASELINE_FUEL: u64 = MAX_FUEL;

/// `grow(n)`: n times `memory.grow 1`; the page count at the end (-1 if a grow failed).
const GROW: &str = r#"(module
  (memory 1)
  (func (export "grow") (param $n i32) (result i32) (local $i i32)
    (loop $again
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
        (then (return (i32.const -1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (memory.size)))"#;

/// The same caps on both sides: room for the 65 pages, a few memories, tables, instances.
/// Calls are counted by the governed store (and never run out over a bench run).
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

fn plain_engine() -> Engine {
    Engine::default()
}

fn governed_engine() -> GovernedEngine {
    GovernedEngine::new(EngineOptions::default()).expect("a governed engine")
}

fn plain_store(engine: &Engine) -> Store<StoreLimits> {
    let mut store = Store::new(engine, store_limits());
    store.limiter(|limits| limits);
    store
}

fn governed_store(engine: &GovernedEngine) -> Store<Governed<()>> {
    engine.store(engine.governor(C, wrt_limits()), ())
}

/// The same governor in a store without the call hook, linked by a `CountingLinker`.
fn hookless_store(engine: &GovernedEngine) -> Store<Governed<()>> {
    engine
        .store_counting_imports(engine.governor(C, wrt_limits()), ())
        .expect("no limit here needs the hook")
}

fn admitted(engine: &GovernedEngine, wat: &str) -> AdmittedModule {
    AdmittedModule::new(engine.engine(), &wasm(wat), &wrt_limits()).expect("admitted")
}

/// Checks that `instance` computes `expected`, then measures its `run(LOOP)`.
fn bench_compute<T>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    mut store: Store<T>,
    instance: Instance,
    expected: i32,
) {
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .expect("run");
    assert_eq!(run.call(&mut store, LOOP).expect("runs"), expected);
    group.bench_function(name, |b| {
        b.iter(|| run.call(&mut store, black_box(LOOP)).expect("runs"));
    });
}

fn compute(c: &mut Criterion) {
    let mut group = c.benchmark_group("compute");

    let engine = plain_engine();
    let module = wasmtime::Module::new(&engine, wasm(COMPUTE)).expect("compiled");
    let mut store = plain_store(&engine);
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiated");
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .expect("run");
    let expected = run.call(&mut store, LOOP).expect("runs");
    group.bench_function("wasmtime_store_limits", |b| {
        b.iter(|| run.call(&mut store, black_box(LOOP)).expect("runs"));
    });

    let engine = governed_engine();
    let module = admitted(&engine, COMPUTE);
    let mut store = governed_store(&engine);
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).expect("inst");
    bench_compute(&mut group, "governed", store, instance, expected);

    let mut store = hookless_store(&engine);
    let instance = CountingLinker::new(engine.engine())
        .instantiate(&mut store, &module)
        .expect("inst");
    bench_compute(
        &mut group,
        "governed_counting_imports",
        store,
        instance,
        expected,
    );

    group.finish();
}

/// One memory_grow iteration: `GROWS` pages grown in `instance` of a fresh `store`, which
/// is handed back so its drop is measured too.
fn grown<T>(mut store: Store<T>, instance: Instance) -> Store<T> {
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .expect("grow");
    assert_eq!(
        grow.call(&mut store, black_box(GROWS)).expect("runs"),
        GROWS + 1
    );
    store
}

fn memory_grow(c: &mut Criterion) {
    let mut group = c.benchmark_group("memory_grow");

    let engine = plain_engine();
    let module = wasmtime::Module::new(&engine, wasm(GROW)).expect("compiled");
    let linker = Linker::new(&engine);
    group.bench_function("wasmtime_store_limits", |b| {
        b.iter(|| {
            let mut store = plain_store(&engine);
            let instance = linker.instantiate(&mut store, &module).expect("inst");
            grown(store, instance)
        });
    });

    let engine = governed_engine();
    let module = admitted(&engine, GROW);
    let linker = Linker::new(engine.engine());
    group.bench_function("governed", |b| {
        b.iter(|| {
            let mut store = governed_store(&engine);
            let instance = instantiate(&mut store, &linker, &module).expect("inst");
            grown(store, instance)
        });
    });

    let linker = CountingLinker::new(engine.engine());
    group.bench_function("governed_counting_imports", |b| {
        b.iter(|| {
            let mut store = hookless_store(&engine);
            let instance = linker.instantiate(&mut store, &module).expect("inst");
            grown(store, instance)
        });
    });

    group.finish();
}

/// Store data of the reference hook: wasmtime's limits and a bare host-call counter.
struct Counted {
    limits: StoreLimits,
    host_calls: u64,
    max_host_calls: u64,
}

impl Default for Counted {
    fn default() -> Self {
        Self {
            limits: store_limits(),
            host_calls: 0,
            max_host_calls: wrt_limits().max_host_calls,
        }
    }
}

fn governed_host_calls(data: &Governed<()>) -> u64 {
    data.governor.limiter().usage().host_calls_made
}

/// Checks that one `run(HOST_CALLS)` of `instance` is counted as that many host calls by
/// `counted`, then measures it.
fn bench_host_loop<T>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    mut store: Store<T>,
    instance: Instance,
    counted: impl Fn(&T) -> u64,
) {
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .expect("run");
    let before = counted(store.data());
    run.call(&mut store, HOST_CALLS).expect("runs");
    assert_eq!(
        counted(store.data()) - before,
        u64::from(HOST_CALLS.unsigned_abs())
    );
    group.bench_function(name, |b| {
        b.iter(|| run.call(&mut store, black_box(HOST_CALLS)).expect("runs"));
    });
}

/// A host-call group's baseline, `wasmtime_store_limits`: the loop in a plain store of
/// `engine` with `StoreLimits` and no hooks, holding `fuel` when the engine meters it.
fn bench_plain_host_loop(
    group: &mut BenchmarkGroup<'_, WallTime>,
    engine: &Engine,
    fuel: Option<u64>,
) {
    let module = wasmtime::Module::new(engine, wasm(HOST_LOOP)).expect("compiled");
    let mut linker = Linker::new(engine);
    linker.func_wrap("host", "tick", || {}).expect("linked");
    let mut store = plain_store(engine);
    if let Some(fuel) = fuel {
        store.set_fuel(fuel).expect("fuel is on");
    }
    let instance = linker.instantiate(&mut store, &module).expect("inst");
    let run = instance
        .get_typed_func::<i32, ()>(&mut store, "run")
        .expect("run");
    group.bench_function("wasmtime_store_limits", |b| {
        b.iter(|| run.call(&mut store, black_box(HOST_CALLS)).expect("runs"));
    });
}

fn host_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("host_calls");

    let engine = plain_engine();
    bench_plain_host_loop(&mut group, &engine, None);
    let module = wasmtime::Module::new(&engine, wasm(HOST_LOOP)).expect("compiled");

    // Reference, not a target: the same plain store with a call hook that only counts host
    // calls against a cap, the least any hook-based host-call limit costs in wasmtime.
    let mut store = Store::new(&engine, Counted::default());
    store.limiter(|counted| &mut counted.limits);
    store.call_hook(|mut context, hook| {
        if matches!(hook, CallHook::CallingHost) {
            let counted = context.data_mut();
            if counted.host_calls >= counted.max_host_calls {
                return Err(wasmtime::Error::msg("host calls exhausted"));
            }
            counted.host_calls += 1;
        }
        Ok(())
    });
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "tick", || {}).expect("linked");
    let instance = linker.instantiate(&mut store, &module).expect("inst");
    bench_host_loop(
        &mut group,
        "wasmtime_call_hook_counter",
        store,
        instance,
        |data| data.host_calls,
    );

    let engine = governed_engine();
    let module = admitted(&engine, HOST_LOOP);
    let mut linker = Linker::new(engine.engine());
    linker.func_wrap("host", "tick", || {}).expect("linked");
    let mut store = governed_store(&engine);
    let instance = instantiate(&mut store, &linker, &module).expect("inst");
    bench_host_loop(&mut group, "governed", store, instance, governed_host_calls);

    let mut linker = CountingLinker::new(engine.engine());
    linker
        .func_wrap("host", "tick", |_: Caller<'_, Governed<()>>| {})
        .expect("linked");
    let mut store = hookless_store(&engine);
    let instance = linker.instantiate(&mut store, &module).expect("inst");
    bench_host_loop(
        &mut group,
        "governed_counting_imports",
        store,
        instance,
        governed_host_calls,
    );

    group.finish();
}

fn host_calls_fuel(c: &mut Criterion) {
    let mut group = c.benchmark_group("host_calls_fuel");

    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).expect("an engine with fuel");
    bench_plain_host_loop(&mut group, &engine, Some(BASELINE_FUEL));

    let engine = GovernedEngine::new(EngineOptions {
        fuel: true,
        ..EngineOptions::default()
    })
    .expect("a governed engine with fuel");
    let limits = ResourceLimits {
        max_fuel: MAX_FUEL,
        ..wrt_limits()
    };
    let module = AdmittedModule::new(engine.engine(), &wasm(HOST_LOOP), &limits).expect("admitted");
    let mut linker = Linker::new(engine.engine());
    linker.func_wrap("host", "tick", || {}).expect("linked");
    let mut store = engine.store(engine.governor(C, limits), ());
    let instance = instantiate(&mut store, &linker, &module).expect("inst");
    bench_host_loop(&mut group, "governed", store, instance, governed_host_calls);

    group.finish();
}

/// What one charge takes: a page and a resource.
const CHARGE: (usize, usize) = (PAGE, 1);
const CAPS: RuntimeBudget = RuntimeBudget {
    max_total_memory: 1 << 30,
    max_total_resources: 1 << 16,
};

/// The lock-based equivalent of [`SharedBudget`]: the same check-and-add on both counters.
struct LockedBudget {
    used: Mutex<(usize, usize)>,
}

impl LockedBudget {
    fn charge(&self, memory: usize, resources: usize) -> bool {
        let mut used = self.used.lock().expect("not poisoned");
        let fits = used
            .0
            .checked_add(memory)
            .filter(|total| *total <= CAPS.max_total_memory)
            .zip(
                used.1
                    .checked_add(resources)
                    .filter(|total| *total <= CAPS.max_total_resources),
            );
        match fits {
            Some(total) => {
                *used = total;
                true
            }
            None => false,
        }
    }

    fn release(&self, memory: usize, resources: usize) {
        let mut used = self.used.lock().expect("not poisoned");
        used.0 = used.0.saturating_sub(memory);
        used.1 = used.1.saturating_sub(resources);
    }
}

/// Two threads each run `work` `iters` times, released together; the time until both end.
fn contended(iters: u64, work: impl Fn() + Sync) -> Duration {
    let start = Barrier::new(3);
    std::thread::scope(|scope| {
        let threads = [(); 2].map(|()| {
            scope.spawn(|| {
                start.wait();
                for _ in 0..iters {
                    work();
                }
            })
        });
        start.wait();
        let began = Instant::now();
        for thread in threads {
            thread.join().expect("the worker ran");
        }
        began.elapsed()
    })
}

fn budget(c: &mut Criterion) {
    let mut group = c.benchmark_group("budget");

    let locked = LockedBudget {
        used: Mutex::new((0, 0)),
    };
    group.bench_function("mutex", |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                assert!(locked.charge(black_box(CHARGE.0), black_box(CHARGE.1)));
                locked.release(black_box(CHARGE.0), black_box(CHARGE.1));
            })
        });
    });
    assert_eq!(*locked.used.lock().expect("not poisoned"), (0, 0));

    let shared = SharedBudget::new(CAPS);
    // Caps too wide to share a word: the layout with a counter per word, for comparison.
    let split = SharedBudget::new(RuntimeBudget::unlimited());
    assert!(shared.is_packed() && !split.is_packed());
    bench_shared_budget(&mut group, "shared_budget", &shared);
    bench_shared_budget(&mut group, "shared_budget_unlimited_caps", &split);

    group.finish();
}

/// Charge+release of `CHARGE` on `budget` by two contending threads; the budget must be back
/// at zero afterwards.
fn bench_shared_budget(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    budget: &SharedBudget,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            contended(iters, || {
                assert!(
                    budget
                        .charge(black_box(CHARGE.0), black_box(CHARGE.1))
                        .is_ok()
                );
                budget.release(black_box(CHARGE.0), black_box(CHARGE.1));
            })
        });
    });
    assert_eq!(budget.usage(), wrt_component::BudgetUsage::default());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = compute, memory_grow, host_calls, host_calls_fuel, budget
}
criterion_main!(benches);
