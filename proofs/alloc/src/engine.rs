//! A real engine under limits without std: wasmi runs Wasm compiled from `wat/` at build
//! time, governed by `wrt-wasmi` (`default-features = false`), on this crate's own heap.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use wasmi::{Linker, Store};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits, RuntimeBudget};
use wrt_foundation::memory::PAGE_SIZE;
use wrt_foundation::{Clock, Timestamp};
use wrt_wasmi::{
    AdmittedModule, EngineOptions, Governed, GovernedEngine, call, instantiate, limit_refusal,
};

use crate::all;

/// Grows its memory (1 page) one page at a time until refused; returns the grows.
const GROW: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/grow.wasm"));
/// Calls the import `host.tick` forever.
const CALL_HOST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/call_host.wasm"));

/// No system clock here: a clock that never moves (none of these checks limits time).
struct Stopped;

impl Clock for Stopped {
    fn now(&self) -> Timestamp {
        Timestamp::ZERO
    }
}

fn engine(budget: &Arc<SharedBudget>) -> GovernedEngine {
    GovernedEngine::with_config(
        wasmi::Config::default(),
        EngineOptions::default(),
        Arc::clone(budget),
    )
}

fn store(engine: &GovernedEngine, limits: ResourceLimits) -> Store<Governed<()>> {
    let governor =
        engine.governor_with_clock(ComponentId(7), limits, RefusalPolicy::deny(), Box::new(Stopped));
    engine.store(governor, ())
}

/// memory.grow is granted up to `max_memory` (4 pages from 1: three grows) and answers -1
/// past it, with the refusal recorded; the shared budget holds exactly the 4 pages while
/// the store lives and nothing once it is dropped.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_wasmi_memory_limit() -> u32 {
    let budget = Arc::new(SharedBudget::new(RuntimeBudget::unlimited()));
    let engine = engine(&budget);
    let limits = ResourceLimits {
        max_memory: 4 * PAGE_SIZE,
        ..ResourceLimits::default()
    };
    let Ok(module) = AdmittedModule::new(engine.engine(), GROW, &limits) else {
        return 100;
    };
    let mut store = store(&engine, limits);
    let Ok(instance) = instantiate(&mut store, &Linker::new(engine.engine()), &module) else {
        return 101;
    };
    let Ok(run) = instance.get_typed_func::<(), i32>(&store, "run") else {
        return 102;
    };
    let grows = call(&mut store, &run, ());
    let refusals = store.data().governor.limiter().refusals();
    let refused_memory = refusals.kept().first().is_some_and(|refusal| {
        matches!(
            refusal.error,
            ResourceError::LimitExceeded { kind: LimitKind::Memory, limit, .. }
                if limit == 4 * PAGE_SIZE as u64
        )
    });
    let held_while_alive = budget.usage().memory == 4 * PAGE_SIZE;
    let refusal_count = refusals.total();
    drop(store);
    all(&[
        grows.ok() == Some(3),
        refusal_count == 1,
        refused_memory,
        held_while_alive,
        budget.usage().memory == 0,
        budget.usage().resources == 0,
    ])
}

/// Host calls made by the program's loop; a static because wasmi's host functions must be
/// `'static` and this crate has no thread-local storage.
static TICKS: AtomicU32 = AtomicU32::new(0);

/// A program calling the host in an endless loop is stopped after exactly `max_host_calls`
/// calls, with the full refusal as the trap.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_alloc_wasmi_host_call_limit() -> u32 {
    let budget = Arc::new(SharedBudget::new(RuntimeBudget::unlimited()));
    let engine = engine(&budget);
    let limits = ResourceLimits {
        max_host_calls: 5,
        ..ResourceLimits::default()
    };
    let Ok(module) = AdmittedModule::new(engine.engine(), CALL_HOST, &limits) else {
        return 100;
    };
    let mut store = store(&engine, limits);
    let mut linker = Linker::new(engine.engine());
    if linker
        .func_wrap("host", "tick", || {
            TICKS.fetch_add(1, Ordering::Relaxed);
        })
        .is_err()
    {
        return 101;
    }
    let Ok(instance) = instantiate(&mut store, &linker, &module) else {
        return 102;
    };
    let Ok(run) = instance.get_typed_func::<(), ()>(&store, "run") else {
        return 103;
    };
    let stopped_by = call(&mut store, &run, ()).err();
    let stopped_by_limit = stopped_by.as_ref().and_then(limit_refusal).is_some_and(|refusal| {
        matches!(
            refusal,
            ResourceError::LimitExceeded { kind: LimitKind::HostCalls, used: 5, limit: 5, .. }
        )
    });
    let made = store.data().governor.limiter().usage().host_calls_made;
    drop(store);
    all(&[
        stopped_by_limit,
        TICKS.load(Ordering::Relaxed) == 5,
        made == 5,
        budget.usage().memory == 0,
    ])
}
