//! Unit tests of `ComponentResourceManager`: every limit refuses at its edge, and a refused
//! operation changes nothing.

use super::*;

const C: ComponentId = ComponentId(9);

fn tight() -> ResourceLimits {
    ResourceLimits {
        max_memory: 100,
        max_table_size: 10,
        max_function_calls: 2,
        max_host_calls: 1,
        max_execution_time: Some(Duration::from_millis(10)),
        max_memories: 1,
        max_tables: 2,
        max_instances: 1,
        max_resources: 2,
        max_fuel: 100,
    }
}

/// Applies a change that must be refused: nothing changes but the refusal count of the
/// limit that refused it (other errors, such as an over-release, count nowhere).
fn refused_without_change(m: &mut ComponentResourceManager, change: UsageChange) -> ResourceError {
    let before = m.clone();
    let err = m.apply(change).unwrap_err();
    assert_eq!(
        (m.id(), m.limits(), m.usage()),
        (before.id(), before.limits(), before.usage()),
        "{change:?} changed something"
    );
    let counted = matches!(
        err,
        ResourceError::LimitExceeded { .. } | ResourceError::ExecutionTimeExceeded { .. }
    );
    assert_eq!(
        m.refusals().total(),
        before.refusals().total() + u64::from(counted),
        "{change:?}: {err:?} counted wrongly"
    );
    err
}

fn exceeded(kind: LimitKind, requested: u64, used: u64, limit: u64) -> ResourceError {
    ResourceError::LimitExceeded {
        component: C,
        kind,
        requested,
        used,
        limit,
    }
}

#[test]
fn every_counted_limit_refuses_at_its_edge_with_the_numbers() {
    let mut m = ComponentResourceManager::new(C, tight());
    m.create_memory(60).unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::CreateMemory(0)),
        exceeded(LimitKind::Memories, 1, 1, 1)
    );
    assert_eq!(
        refused_without_change(&mut m, UsageChange::AllocateMemory(41)),
        exceeded(LimitKind::Memory, 41, 60, 100)
    );
    m.allocate_memory(40).unwrap();
    m.create_table(4).unwrap();
    m.create_table(6).unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::GrowTable(1)),
        exceeded(LimitKind::TableElements, 1, 10, 10)
    );
    assert_eq!(
        refused_without_change(&mut m, UsageChange::CreateTable(0)),
        exceeded(LimitKind::Tables, 1, 2, 2)
    );
    m.add_instance().unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::AddInstance),
        exceeded(LimitKind::Instances, 1, 1, 1)
    );
    m.record_function_call().unwrap();
    m.record_function_call().unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::FunctionCall),
        exceeded(LimitKind::FunctionCalls, 1, 2, 2)
    );
    m.record_host_call().unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::HostCall),
        exceeded(LimitKind::HostCalls, 1, 1, 1)
    );
    assert!(m.usage().is_within(m.limits()));
}

#[test]
fn resources_count_and_weigh() {
    let mut m = ComponentResourceManager::new(C, tight());
    m.create_memory(50).unwrap();
    m.reserve_resource(30).unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::ReserveResource(21)),
        exceeded(LimitKind::Memory, 21, 80, 100)
    );
    m.reserve_resource(0).unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::ReserveResource(0)),
        exceeded(LimitKind::Resources, 1, 2, 2)
    );
    assert_eq!(
        (
            m.usage().memory_used,
            m.usage().resource_bytes,
            m.usage().linear_memory()
        ),
        (80, 30, 50)
    );
    // Linear memory cannot be released into the resources' share.
    assert_eq!(
        refused_without_change(&mut m, UsageChange::ReleaseMemory(51)),
        ResourceError::ReleaseExceedsUsage {
            component: C,
            kind: LimitKind::Memory,
            requested: 51,
            used: 50
        }
    );
    m.release_resource(30).unwrap();
    m.release_resource(0).unwrap();
    m.destroy_memory(50).unwrap();
    assert!(m.usage().is_zero());
}

#[test]
fn execution_time_is_capped_and_a_new_period_starts_from_zero() {
    let mut m = ComponentResourceManager::new(C, tight());
    m.charge_execution_time(Duration::from_millis(7)).unwrap();
    assert_eq!(
        refused_without_change(&mut m, UsageChange::ExecutionTime(Duration::from_millis(4))),
        ResourceError::ExecutionTimeExceeded {
            component: C,
            requested: Duration::from_millis(4),
            used: Duration::from_millis(7),
            limit: Duration::from_millis(10)
        }
    );
    m.charge_execution_time(Duration::from_millis(3)).unwrap();
    m.record_function_call().unwrap();
    m.create_table(1).unwrap();
    m.reset_period();
    assert_eq!(m.usage().execution_time, Duration::ZERO);
    assert_eq!(m.usage().function_calls_made, 0);
    assert_eq!(m.usage().table_elements_used, 1);
}

#[test]
fn releases_never_underflow() {
    let mut m = ComponentResourceManager::new(C, ResourceLimits::unlimited());
    for change in [
        UsageChange::ReleaseMemory(1),
        UsageChange::DestroyMemory(0),
        UsageChange::DestroyTable(0),
        UsageChange::RemoveInstance,
        UsageChange::ReleaseResource(0),
    ] {
        assert!(matches!(
            refused_without_change(&mut m, change),
            ResourceError::ReleaseExceedsUsage { .. }
        ));
    }
}

#[test]
fn overflow_is_a_refusal_even_when_unlimited() {
    let mut m = ComponentResourceManager::new(C, ResourceLimits::unlimited());
    m.create_memory(usize::MAX).unwrap();
    assert!(matches!(
        refused_without_change(&mut m, UsageChange::AllocateMemory(1)),
        ResourceError::LimitExceeded {
            kind: LimitKind::Memory,
            ..
        }
    ));
    m.charge_execution_time(Duration::MAX).unwrap();
    assert!(matches!(
        refused_without_change(&mut m, UsageChange::ExecutionTime(Duration::from_nanos(1))),
        ResourceError::ExecutionTimeExceeded { .. }
    ));
}

#[test]
fn growth_needs_an_existing_table_or_memory() {
    // Regression: with no table (even under max_tables = 0) grow_table was accepted, and the
    // elements it charged could never be released; allocate_memory likewise with no memory.
    let mut m = ComponentResourceManager::new(
        C,
        ResourceLimits {
            max_tables: 0,
            ..ResourceLimits::default()
        },
    );
    assert_eq!(
        refused_without_change(&mut m, UsageChange::GrowTable(5)),
        ResourceError::NothingToGrow {
            component: C,
            kind: LimitKind::Tables,
            requested: 5
        }
    );
    assert_eq!(
        refused_without_change(&mut m, UsageChange::AllocateMemory(64)),
        ResourceError::NothingToGrow {
            component: C,
            kind: LimitKind::Memories,
            requested: 64
        }
    );
    m.create_memory(0).unwrap();
    m.allocate_memory(64).unwrap();
    m.release_memory(64).unwrap();
    assert_eq!(m.usage().memory_used, 0);
}

#[test]
fn every_refusal_is_counted_against_its_limit_with_the_demand_it_refused() {
    let mut m = ComponentResourceManager::new(C, tight());
    m.create_memory(60).unwrap();
    assert!(m.allocate_memory(50).is_err());
    assert!(m.allocate_memory(45).is_err());
    m.record_host_call().unwrap();
    assert!(m.record_host_call().is_err());
    assert!(m.charge_execution_time(Duration::from_millis(11)).is_err());
    let refusals = m.refusals();
    assert_eq!(refusals.by_limit(LimitKind::Memory), 2);
    assert_eq!(refusals.peak_demand(LimitKind::Memory), 110);
    assert_eq!(refusals.by_limit(LimitKind::HostCalls), 1);
    assert_eq!(refusals.peak_demand(LimitKind::HostCalls), 2);
    assert_eq!(refusals.by_limit(LimitKind::ExecutionTime), 1);
    assert_eq!(refusals.peak_demand(LimitKind::ExecutionTime), 11_000);
    assert_eq!(refusals.total(), 4);
    // A new period resets what was spent, not what was refused.
    m.reset_period();
    assert_eq!(m.refusals().total(), 4);
}
