//! The plan step: an admitted instantiation reserved in a ComponentResourceManager.
#![cfg(feature = "alloc")]

mod support;

use support::fixtures;
use wrt_component::admission::{
    AdmissionReport, MAX_PLANNED_ITEMS, PlanError, Policy, admit, admit_with, plan,
};
use wrt_component::{
    ComponentId, ComponentResourceManager, LimitKind, ResourceError, ResourceLimits,
};

const PAGE: usize = 65_536;

fn report(name: &str, limits: &ResourceLimits) -> AdmissionReport {
    admit(&fixtures::requirements(name), limits)
}

#[test]
fn a_component_plan_holds_every_instance_memory_and_table_at_initial_size() {
    let limits = ResourceLimits::default();
    let mut report = report("component_nested.wasm", &limits);
    let mut manager = ComponentResourceManager::new(ComponentId(3), limits);
    let held = plan(&mut report, &mut manager).unwrap();
    assert_eq!((held.instances, held.memories, held.tables), (8, 6, 2));
    assert_eq!((held.memory_used, held.table_elements_used), (8 * PAGE, 8));
    assert_eq!(*manager.usage(), held);
    assert_eq!(report.planned, Some(held));
}

#[test]
fn a_refused_report_plans_nothing() {
    let limits = ResourceLimits {
        max_memories: 2,
        ..ResourceLimits::default()
    };
    let mut report = report("multi_memory.wasm", &limits);
    let mut manager = ComponentResourceManager::new(ComponentId(1), limits);
    let before = manager.clone();
    assert_eq!(
        plan(&mut report, &mut manager),
        Err(PlanError::NotAdmitted { violations: 1 })
    );
    assert_eq!(manager, before);
    assert_eq!(report.planned, None);
}

#[test]
fn a_manager_that_already_holds_memory_refuses_and_changes_nothing() {
    // 2 pages, at most 4: the worst case exceeds 3 pages, so judge under the instantiation
    // policy, which admits; then plan into a manager that already holds two pages.
    let limits = ResourceLimits {
        max_memory: 3 * PAGE,
        ..ResourceLimits::default()
    };
    let mut report = admit_with(
        &fixtures::requirements("memory_imported.wasm"),
        &limits,
        Policy::Instantiation,
    );
    assert!(report.is_admitted());
    let mut manager = ComponentResourceManager::new(ComponentId(9), limits);
    manager.create_memory(2 * PAGE).unwrap();
    let before = manager.clone();
    let error = plan(&mut report, &mut manager).unwrap_err();
    assert_eq!(
        error,
        PlanError::Refused(ResourceError::LimitExceeded {
            component: ComponentId(9),
            kind: LimitKind::Memory,
            requested: 2 * PAGE as u64,
            used: 2 * PAGE as u64,
            limit: 3 * PAGE as u64,
        })
    );
    assert_eq!(manager, before, "a failed plan changes nothing");
    assert_eq!(report.planned, None);
}

#[test]
fn absurd_instantiation_counts_are_refused_without_looping() {
    let limits = ResourceLimits::unlimited();
    let mut report = report("memory_defined.wasm", &limits);
    report.totals.instances = MAX_PLANNED_ITEMS + 1;
    let mut manager = ComponentResourceManager::new(ComponentId(1), limits);
    let error = plan(&mut report, &mut manager).unwrap_err();
    assert_eq!(
        error,
        PlanError::TooManyItems {
            what: "instances",
            count: MAX_PLANNED_ITEMS + 1,
            cap: MAX_PLANNED_ITEMS
        }
    );
    assert_eq!(manager.usage().instances, 0);
}
