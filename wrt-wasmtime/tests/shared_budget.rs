//! Many stores on many threads drawing from one budget, checked against wasmtime's own
//! memory sizes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::{Linker, Memory, Store, TypedFunc};
use wrt_component::engine::SharedBudget;
use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
use wrt_test_support::wat::GROWER;
use wrt_wasmtime::{AdmittedModule, EngineOptions, Governed, GovernedEngine, instantiate};

const PAGE: usize = 65_536;
const BUDGET_PAGES: usize = 40;
const THREADS: usize = 4;
const STORES_PER_THREAD: usize = 3;
const STEPS: usize = 300;

struct Live {
    store: Store<Governed<()>>,
    memory: Memory,
    grow: TypedFunc<i32, i32>,
}

fn live(engine: &GovernedEngine, module: &AdmittedModule, id: u32) -> Option<Live> {
    let limits = ResourceLimits {
        max_memory: 16 * PAGE,
        ..ResourceLimits::default()
    };
    let mut store = engine.store(engine.governor(ComponentId(id), limits), ());
    // Instantiation itself is refused when the budget has no page left for the initial memory.
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), module).ok()?;
    let memory = instance.get_memory(&mut store, "memory")?;
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .ok()?;
    Some(Live {
        store,
        memory,
        grow,
    })
}

#[test]
fn threads_of_stores_never_hold_more_than_the_budget_and_give_it_all_back() {
    let budget = Arc::new(SharedBudget::new(RuntimeBudget {
        max_total_memory: BUDGET_PAGES * PAGE,
        max_total_resources: usize::MAX,
    }));
    let engine = GovernedEngine::with_config(
        wasmtime::Config::new(),
        EngineOptions::default(),
        Arc::clone(&budget),
    )
    .unwrap();
    let module = AdmittedModule::new(
        engine.engine(),
        &wat::parse_str(GROWER).unwrap(),
        &ResourceLimits::default(),
    )
    .unwrap();
    // Per thread: the bytes its stores' memories have, as wasmtime reports them. A slot is
    // raised after a growth and lowered before a drop, so it never exceeds what is charged.
    let seen: Vec<AtomicUsize> = (0..THREADS).map(|_| AtomicUsize::new(0)).collect();
    let refused = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (engine, module, seen, refused, budget) =
                (&engine, &module, &seen, &refused, &budget);
            scope.spawn(move || {
                let mut stores: Vec<Option<Live>> = (0..STORES_PER_THREAD).map(|_| None).collect();
                let mut state = 0x9e37_79b9_u32.wrapping_mul(thread as u32 + 1);
                for step in 0..STEPS {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    let slot = (state as usize) % STORES_PER_THREAD;
                    match (state >> 8) % 4 {
                        0 => {
                            if let Some(old) = stores[slot].take() {
                                seen[thread]
                                    .fetch_sub(old.memory.data_size(&old.store), Ordering::SeqCst);
                                drop(old);
                            }
                        }
                        _ => {
                            if stores[slot].is_none() {
                                stores[slot] = live(engine, module, (thread * 1000 + step) as u32);
                                if let Some(new) = &stores[slot] {
                                    seen[thread].fetch_add(
                                        new.memory.data_size(&new.store),
                                        Ordering::SeqCst,
                                    );
                                }
                            } else if let Some(live) = &mut stores[slot] {
                                let before = live.memory.data_size(&live.store);
                                let pages = 1 + (state >> 12) % 3;
                                if live.grow.call(&mut live.store, pages as i32).unwrap() == -1 {
                                    refused.fetch_add(1, Ordering::Relaxed);
                                }
                                let after = live.memory.data_size(&live.store);
                                seen[thread].fetch_add(after - before, Ordering::SeqCst);
                            }
                        }
                    }
                    let total: usize = seen.iter().map(|s| s.load(Ordering::SeqCst)).sum();
                    assert!(
                        total <= BUDGET_PAGES * PAGE,
                        "wasmtime holds {total} bytes, budget {}",
                        BUDGET_PAGES * PAGE
                    );
                    assert!(budget.usage().memory <= BUDGET_PAGES * PAGE);
                }
                for live in stores.iter_mut().filter_map(Option::take) {
                    seen[thread].fetch_sub(live.memory.data_size(&live.store), Ordering::SeqCst);
                }
            });
        }
    });
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "the budget never refused: the test proves nothing"
    );
    assert_eq!(budget.usage().memory, 0);
    assert_eq!(
        seen.iter().map(|s| s.load(Ordering::SeqCst)).sum::<usize>(),
        0
    );
}
