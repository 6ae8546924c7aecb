use core::time::Duration;

use super::*;
use crate::budget::{BudgetKind, BudgetUsage, RuntimeBudget};
use crate::component_id::ComponentId;
use crate::error::ResourceError;
use crate::limits::{LimitKind, ResourceLimits};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(3);

fn limiter(
    limits: ResourceLimits,
    policy: RefusalPolicy,
    budget: &SharedBudget,
) -> StoreLimiter<&SharedBudget> {
    StoreLimiter::new(C, limits, policy, budget)
}

fn unlimited() -> SharedBudget {
    SharedBudget::new(RuntimeBudget::unlimited())
}

#[test]
fn page_by_page_growth_gets_exactly_the_pages_that_fit() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_memory: 10 * PAGE + 100,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    store.set_instantiating(true);
    assert_eq!(store.memory_growing(0, 3 * PAGE, None), Growth::Permitted);
    store.set_instantiating(false);
    let mut pages = 3;
    while store.memory_growing(pages * PAGE, (pages + 1) * PAGE, None) == Growth::Permitted {
        pages += 1;
    }
    assert_eq!(pages, 10);
    assert_eq!(store.memory_stats().grows_granted, 7);
    assert_eq!(store.memory_stats().created, 1);
    assert_eq!(store.memory_stats().peak, 10 * PAGE);
    assert_eq!(
        store.refusals().kept()[0],
        Refusal {
            request: Request::GrowMemory,
            error: ResourceError::LimitExceeded {
                component: C,
                kind: LimitKind::Memory,
                requested: PAGE as u64,
                used: (10 * PAGE) as u64,
                limit: (10 * PAGE + 100) as u64,
            },
            action: OnRefusal::Deny,
        }
    );
}

#[test]
fn a_trap_policy_returns_the_error() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_table_size: 5,
        ..ResourceLimits::unlimited()
    };
    let policy = RefusalPolicy::deny().with(LimitKind::TableElements, OnRefusal::Trap);
    let mut store = limiter(limits, policy, &budget);
    assert_eq!(store.table_growing(0, 5, None), Growth::Permitted);
    let Growth::Trapped(error) = store.table_growing(5, 6, None) else {
        panic!("expected a trap");
    };
    assert!(matches!(
        error,
        ResourceError::LimitExceeded {
            kind: LimitKind::TableElements,
            requested: 1,
            used: 5,
            limit: 5,
            ..
        }
    ));
    assert_eq!(store.refusals().last_trap().map(|r| r.error), Some(error));
    assert_eq!(store.table_stats().refused, 1);
}

#[test]
fn growth_past_the_declared_maximum_is_denied_without_a_charge_or_a_refusal() {
    let budget = unlimited();
    let mut store = limiter(ResourceLimits::unlimited(), RefusalPolicy::trap(), &budget);
    assert_eq!(store.memory_growing(0, PAGE, Some(PAGE)), Growth::Permitted);
    assert_eq!(
        store.memory_growing(PAGE, 2 * PAGE, Some(PAGE)),
        Growth::Denied
    );
    assert_eq!(store.memory_stats().beyond_declared_maximum, 1);
    assert_eq!(store.refusals().total(), 0);
    assert_eq!(store.usage().memory_used, PAGE);
}

#[test]
fn a_growth_the_engine_failed_gives_its_charge_back_once() {
    let budget = unlimited();
    let mut store = limiter(ResourceLimits::unlimited(), RefusalPolicy::deny(), &budget);
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Permitted);
    assert_eq!(
        store.memory_growing(PAGE, 4 * PAGE, None),
        Growth::Permitted
    );
    store.memory_grow_failed();
    store.memory_grow_failed(); // no second refund
    assert_eq!(store.usage().memory_used, PAGE);
    assert_eq!(budget.usage().memory, PAGE);
    assert_eq!(store.memory_stats().failed_after_permit, 1);
    assert_eq!(store.memory_stats().grows_granted, 0);
    assert_eq!(store.table_growing(0, 10, None), Growth::Permitted);
    assert_eq!(store.table_growing(10, 30, None), Growth::Permitted);
    store.table_grow_failed();
    assert_eq!(store.usage().table_elements_used, 10);
    assert_eq!(store.usage().tables, 1);
}

#[test]
fn an_empty_memory_grows_instead_of_counting_as_a_new_one() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_memories: 1,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    store.set_instantiating(true);
    assert_eq!(store.memory_growing(0, 0, None), Growth::Permitted);
    store.set_instantiating(false);
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Permitted);
    assert_eq!(store.usage().memories, 1);
    assert_eq!(store.memory_stats().grows_granted, 1);
    // With no empty memory left, a growth from zero is a creation, refused by max_memories.
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Denied);
    assert!(matches!(
        store.refusals().kept()[0].error,
        ResourceError::LimitExceeded {
            kind: LimitKind::Memories,
            ..
        }
    ));
}

/// Before the fix, creations ended for good at the first start function, so in a component
/// whose first module has an empty memory, the next module's memory was taken for that
/// memory's growth and `max_memories` was not asked.
#[test]
fn creations_resume_when_a_start_function_returns_during_an_instantiation() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_memories: 2,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    store.instantiation_starting().unwrap();
    assert_eq!(store.memory_growing(0, 0, None), Growth::Permitted); // the empty memory
    store.wasm_entering().unwrap(); // the first module's start function grows it
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Permitted);
    store.wasm_returned();
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Permitted); // the next module's
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Denied); // and one too many
    store.instantiation_ended(false);
    let stats = store.memory_stats();
    assert_eq!(
        (stats.created, stats.grows_granted, stats.refused),
        (2, 1, 1)
    );
    assert_eq!(store.usage().memories, 2);

    // Once the instantiation is over, a return from Wasm resumes nothing: the growth of an
    // empty memory after it is a growth, not a second memory refused by `max_memories: 1`.
    let limits = ResourceLimits {
        max_memories: 1,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    store.instantiation_starting().unwrap();
    assert_eq!(store.memory_growing(0, 0, None), Growth::Permitted);
    store.instantiation_ended(true);
    store.wasm_entering().unwrap();
    store.wasm_returned();
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Permitted);
    assert_eq!(store.memory_stats().grows_granted, 1);
}

#[test]
fn the_shared_budget_refuses_without_charging_the_ledger_and_drop_returns_everything() {
    let budget = SharedBudget::new(RuntimeBudget {
        max_total_memory: 3 * PAGE,
        max_total_resources: 1,
    });
    let mut a = limiter(ResourceLimits::unlimited(), RefusalPolicy::deny(), &budget);
    let mut b = limiter(ResourceLimits::unlimited(), RefusalPolicy::deny(), &budget);
    assert_eq!(a.memory_growing(0, 2 * PAGE, None), Growth::Permitted);
    assert_eq!(b.memory_growing(0, PAGE, None), Growth::Permitted);
    assert_eq!(b.memory_growing(PAGE, 2 * PAGE, None), Growth::Denied);
    assert_eq!(b.usage().memory_used, PAGE);
    assert_eq!(
        b.refusals().kept()[0].error,
        ResourceError::BudgetExceeded {
            kind: BudgetKind::Memory,
            requested: PAGE as u64,
            used: (3 * PAGE) as u64,
            limit: (3 * PAGE) as u64
        }
    );
    a.reserve_resource(10).unwrap_err(); // memory budget is full
    drop(a);
    b.reserve_resource(10).unwrap();
    assert_eq!(
        budget.usage(),
        BudgetUsage {
            memory: PAGE + 10,
            resources: 1
        }
    );
    drop(b);
    assert_eq!(budget.usage(), BudgetUsage::default());
}

#[test]
fn calls_host_calls_fuel_and_time_trap_at_their_limits() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_function_calls: 2,
        max_host_calls: 3,
        max_fuel: 100,
        max_execution_time: Some(Duration::from_millis(10)),
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    store.wasm_entering().unwrap();
    store.wasm_entering().unwrap();
    assert!(store.wasm_entering().is_err());
    for _ in 0..3 {
        store.host_calling().unwrap();
    }
    assert!(matches!(
        store.host_calling(),
        Err(ResourceError::LimitExceeded {
            kind: LimitKind::HostCalls,
            used: 3,
            limit: 3,
            ..
        })
    ));
    store.charge_fuel(60).unwrap();
    assert_eq!(store.fuel_left(), 40);
    assert!(store.charge_fuel(41).is_err());
    store.charge_time(Duration::from_millis(7)).unwrap();
    assert!(store.charge_time(Duration::from_millis(7)).is_err());
    assert_eq!(store.usage().execution_time, Duration::from_millis(10));
    assert_eq!(store.refusals().total(), 4);
    assert!(
        store
            .refusals()
            .kept()
            .iter()
            .all(|r| r.action == OnRefusal::Trap)
    );
    store.reset_period();
    store.host_calling().unwrap();
}

#[test]
fn instances_count_against_max_instances() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_instances: 1,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    store.instance_creating().unwrap();
    assert!(store.instance_creating().is_err());
    assert_eq!(store.refusals().kept()[0].request, Request::Instance);
}

#[test]
fn only_an_instantiation_that_failed_before_anything_was_built_gives_its_instance_back() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_instances: 2,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    // Built (its start function entered), then failed: kept.
    store.instance_creating().unwrap();
    store.wasm_entering().unwrap();
    store.instantiation_ended(false);
    // Succeeded: kept.
    store.instance_creating().unwrap();
    store.instantiation_ended(true);
    assert_eq!(store.usage().instances, 2);
    // Refused, and the failure reported anyway: nothing of the others goes back.
    assert!(store.instance_creating().is_err());
    store.instantiation_ended(false);
    assert_eq!(store.usage().instances, 2);
}

/// Before the fix, an instantiation whose start code was refused a host call or a growth
/// (an adapter that does not see Wasm enter hears of nothing else) gave its instance back,
/// though the engine keeps it: only running code calls the host or grows an imported
/// memory, so either means the instance is built.
#[test]
fn a_refused_host_call_or_growth_during_an_instantiation_keeps_its_instance() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_instances: 3,
        max_host_calls: 0,
        max_memory: PAGE,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::trap(), &budget);
    assert_eq!(store.memory_growing(0, PAGE, None), Growth::Permitted); // imported
    store.instantiation_starting().unwrap();
    assert!(store.host_calling().is_err());
    store.instantiation_ended(false);
    store.instantiation_starting().unwrap();
    assert!(matches!(
        store.memory_growing(PAGE, 2 * PAGE, None),
        Growth::Trapped(_)
    ));
    store.instantiation_ended(false);
    assert_eq!(store.usage().instances, 2);
    // A refused creation builds nothing: that instance goes back.
    store.instantiation_starting().unwrap();
    assert!(matches!(
        store.memory_growing(0, PAGE, None),
        Growth::Trapped(_)
    ));
    store.instantiation_ended(false);
    assert_eq!(store.usage().instances, 2);
}

#[test]
fn the_log_keeps_the_first_refusals_and_counts_all() {
    let budget = unlimited();
    let limits = ResourceLimits {
        max_memory: 0,
        ..ResourceLimits::unlimited()
    };
    let mut store = limiter(limits, RefusalPolicy::deny(), &budget);
    for _ in 0..100 {
        assert_eq!(store.memory_growing(0, PAGE, None), Growth::Denied);
    }
    assert_eq!(store.refusals().total(), 100);
    assert_eq!(store.refusals().kept().len(), RefusalLog::CAPACITY);
    assert_eq!(store.refusals().last_trap(), None);
}
