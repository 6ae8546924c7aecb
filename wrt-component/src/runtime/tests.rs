//! Unit tests of `ResourceRuntime`: ownership, isolation, atomicity and destruction.

use wrt_foundation::{ManualClock, Timestamp};

use super::*;
use crate::budget::BudgetKind;
use crate::category::ResourceCategory;
use crate::cleanup::{CleanupConfig, FixedCleanupManager};
use crate::descriptor::ResourceDescriptor;
use crate::id::ResourceId;
use crate::lifecycle::{LifecycleAction, ResourceState};
use crate::limits::LimitKind;

type Rt<'c> = FixedRuntime<u32, &'c ManualClock, 4, 3>;

fn io(bytes: usize) -> ResourceDescriptor {
    ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(bytes)
}

/// Everything an operation could change, to assert a refusal changed nothing.
fn snapshot(rt: &Rt<'_>) -> (BudgetUsage, usize, [Option<ResourceUsage>; 3]) {
    let usage = |raw| rt.component(ComponentId(raw)).ok().map(|c| *c.usage());
    (
        rt.budget_usage(),
        rt.resources().len(),
        [usage(1), usage(2), usage(3)],
    )
}

/// The error of a refused creation, after checking that the value came back unharmed.
fn refusal(
    created: Result<ResourceId, crate::Refused<u32>>,
    value: u32,
) -> Result<ResourceId, ResourceError> {
    created.map_err(|refused| {
        assert_eq!(refused.value, value, "the refused value must come back");
        refused.error
    })
}

#[test]
fn component_ids_are_never_reused_and_the_table_is_bounded() {
    let clock = ManualClock::new();
    let mut rt: FixedRuntime<u32, &ManualClock, 4, 2> =
        FixedRuntime::new(ManagerTag(0), RuntimeBudget::unlimited(), &clock);
    let a = rt.create_component(ResourceLimits::default()).unwrap();
    let b = rt.create_component(ResourceLimits::default()).unwrap();
    assert_eq!(
        rt.create_component(ResourceLimits::default()),
        Err(ResourceError::ComponentsFull { capacity: 2 })
    );
    rt.destroy_component(a).unwrap();
    let c = rt.create_component(ResourceLimits::default()).unwrap();
    assert!(c != a && c != b);
    assert_eq!(
        rt.destroy_component(a),
        Err(ResourceError::UnknownComponent { component: a })
    );
}

#[test]
fn refused_creations_change_nothing_whichever_check_refuses() {
    let clock = ManualClock::new();
    let budget = RuntimeBudget {
        max_total_memory: 150,
        max_total_resources: 10,
    };
    let mut rt: Rt<'_> = FixedRuntime::new(ManagerTag(0), budget, &clock);
    let limits = ResourceLimits {
        max_memory: 100,
        max_resources: 3,
        ..ResourceLimits::default()
    };
    let a = rt.create_component(limits).unwrap();
    let b = rt.create_component(limits).unwrap();
    rt.create_resource(a, 1, io(100)).unwrap();
    let before = snapshot(&rt);
    // Component limit.
    assert!(matches!(
        refusal(rt.create_resource(a, 2, io(1)), 2),
        Err(ResourceError::LimitExceeded {
            kind: LimitKind::Memory,
            requested: 1,
            used: 100,
            limit: 100,
            ..
        })
    ));
    // Runtime-wide budget: b is within its own limits.
    assert_eq!(
        refusal(rt.create_resource(b, 3, io(60)), 3),
        Err(ResourceError::BudgetExceeded {
            kind: BudgetKind::Memory,
            requested: 60,
            used: 100,
            limit: 150
        })
    );
    assert_eq!(snapshot(&rt), before);
    // Storage: 4 slots.
    for v in 0..3 {
        rt.create_resource(b, v, io(0)).unwrap();
    }
    let before = snapshot(&rt);
    assert_eq!(
        refusal(rt.create_resource(a, 9, io(0)), 9),
        Err(ResourceError::StorageFull { capacity: 4 })
    );
    assert_eq!(snapshot(&rt), before);
    assert_eq!(rt.resources().stats().failures(), 1);
    // The component limit counted its one refusal; the budget's and the storage's are not
    // the component's.
    let refusals = |c| *rt.component(c).unwrap().refusals();
    assert_eq!(refusals(a).by_limit(LimitKind::Memory), 1);
    assert_eq!(refusals(a).peak_demand(LimitKind::Memory), 101);
    assert_eq!((refusals(a).total(), refusals(b).total()), (1, 0));
}

/// An unlimited runtime with two components, `owner` holding one `Ready` resource.
fn owner_guest_and_a_ready_resource(
    clock: &ManualClock,
) -> (Rt<'_>, ComponentId, ComponentId, ResourceId) {
    let mut rt: Rt<'_> = FixedRuntime::new(ManagerTag(0), RuntimeBudget::unlimited(), clock);
    let owner = rt.create_component(ResourceLimits::default()).unwrap();
    let guest = rt.create_component(ResourceLimits::default()).unwrap();
    let id = rt.create_resource(owner, 7, io(8)).unwrap();
    rt.mark_ready(owner, id).unwrap();
    (rt, owner, guest, id)
}

#[test]
fn accesses_refused_by_another_components_lock_are_counted_as_contention() {
    let clock = ManualClock::new();
    let (mut rt, owner, guest, id) = owner_guest_and_a_ready_resource(&clock);
    rt.grant(owner, id, guest).unwrap();
    rt.lock(guest, id).unwrap();
    // The holder's own accesses are not contention; a refusal for another reason is not.
    rt.get(guest, id).unwrap();
    let stranger = rt.create_component(ResourceLimits::default()).unwrap();
    assert!(matches!(
        rt.get(stranger, id),
        Err(ResourceError::AccessDenied { .. })
    ));
    assert_eq!(rt.contention_events(), 0);
    // The owner meets the lock twice: an access and a lock attempt.
    assert!(matches!(
        rt.get(owner, id),
        Err(ResourceError::Locked { .. })
    ));
    assert!(matches!(
        rt.lock(owner, id),
        Err(ResourceError::Locked { .. })
    ));
    assert_eq!(rt.contention_events(), 2);
    rt.unlock(guest, id).unwrap();
    rt.get(owner, id).unwrap();
    assert_eq!(rt.contention_events(), 2);
}

/// Before the fix, only accesses and lifecycle transitions counted: the owner's drop,
/// cleanup and transfer refused by a guest's lock were not contention events.
#[test]
fn owner_actions_refused_by_another_components_lock_are_contention_too() {
    let clock = ManualClock::new();
    let (mut rt, owner, guest, id) = owner_guest_and_a_ready_resource(&clock);
    let third = rt.create_component(ResourceLimits::default()).unwrap();
    rt.grant(owner, id, guest).unwrap();
    rt.lock(guest, id).unwrap();
    let mut queue: FixedCleanupManager<4> = FixedCleanupManager::new(CleanupConfig::default());
    let locked = |result: Result<(), ResourceError>| {
        assert!(
            matches!(result, Err(ResourceError::Locked { .. })),
            "{result:?}"
        );
    };
    locked(rt.drop_resource(owner, id).map(drop));
    locked(rt.schedule_cleanup(owner, id, &mut queue));
    locked(rt.transfer(owner, id, third));
    assert_eq!(rt.contention_events(), 3);
    // Granting stays the owner's decision under a lock; a refusal for another reason is
    // not contention.
    rt.grant(owner, id, third).unwrap();
    assert!(matches!(
        rt.grant(owner, id, owner),
        Err(ResourceError::SelfGrant { .. })
    ));
    assert_eq!(rt.contention_events(), 3);
}

#[test]
fn only_owners_and_grantees_reach_a_resource_and_only_owners_manage_it() {
    let clock = ManualClock::new();
    let (mut rt, owner, guest, id) = owner_guest_and_a_ready_resource(&clock);
    let denied = ResourceError::AccessDenied {
        id,
        component: guest,
        owner,
    };
    assert_eq!(rt.get(guest, id), Err(denied));
    assert_eq!(rt.lock(guest, id), Err(denied));
    rt.grant(owner, id, guest).unwrap();
    clock.advance(core::time::Duration::from_millis(3));
    *rt.get_mut(guest, id).unwrap() += 1;
    let managed = rt.managed(id).unwrap();
    assert_eq!(managed.access_count(), 1);
    assert_eq!(managed.last_accessed().as_duration().as_millis(), 3);
    assert_eq!(managed.created_at(), Timestamp::ZERO);
    let not_owner = ResourceError::NotOwner {
        id,
        component: guest,
        owner,
    };
    assert_eq!(rt.drop_resource(guest, id), Err(not_owner));
    assert_eq!(rt.transfer(guest, id, guest), Err(not_owner));
    assert_eq!(rt.revoke(guest, id, guest), Err(not_owner));
    assert_eq!(
        rt.grant(owner, id, owner),
        Err(ResourceError::SelfGrant {
            id,
            component: owner
        })
    );
    // The guest locks it: now even the owner is kept out, until the grant is revoked.
    rt.lock(guest, id).unwrap();
    assert_eq!(
        rt.get(owner, id),
        Err(ResourceError::Locked {
            id,
            lock_holder: guest,
            requester: owner,
            action: LifecycleAction::Use
        })
    );
    assert!(matches!(
        rt.drop_resource(owner, id),
        Err(ResourceError::Locked { .. })
    ));
    rt.revoke(owner, id, guest).unwrap();
    assert_eq!(rt.state(id), Ok(ResourceState::Ready));
    assert_eq!(rt.get(guest, id), Err(denied));
    assert_eq!(
        rt.revoke(owner, id, guest),
        Err(ResourceError::NotGranted {
            id,
            component: guest
        })
    );
    assert_eq!(rt.drop_resource(owner, id), Ok(8));
    assert!(rt.component(owner).unwrap().usage().is_zero());
}

#[test]
fn grant_and_revoke_name_an_unregistered_component_alike() {
    let clock = ManualClock::new();
    let (mut rt, owner, guest, id) = owner_guest_and_a_ready_resource(&clock);
    rt.grant(owner, id, guest).unwrap();
    rt.destroy_component(guest).unwrap();
    let unknown = Err(ResourceError::UnknownComponent { component: guest });
    assert_eq!(rt.grant(owner, id, guest), unknown);
    assert_eq!(rt.revoke(owner, id, guest), unknown);
    assert_eq!(rt.state(id), Ok(ResourceState::Ready));
}

#[test]
fn transfer_moves_the_charge_within_the_receivers_limits() {
    let clock = ManualClock::new();
    let mut rt: Rt<'_> = FixedRuntime::new(ManagerTag(0), RuntimeBudget::unlimited(), &clock);
    let a = rt.create_component(ResourceLimits::default()).unwrap();
    let small = ResourceLimits {
        max_memory: 10,
        ..ResourceLimits::default()
    };
    let b = rt.create_component(small).unwrap();
    let c = rt.create_component(ResourceLimits::default()).unwrap();
    let id = rt.create_resource(a, 1, io(20)).unwrap();
    rt.grant(a, id, c).unwrap();
    let before = snapshot(&rt);
    assert!(matches!(
        rt.transfer(a, id, b),
        Err(ResourceError::LimitExceeded {
            kind: LimitKind::Memory,
            requested: 20,
            ..
        })
    ));
    assert_eq!(snapshot(&rt), before);
    rt.mark_ready(a, id).unwrap();
    rt.activate(c, id).unwrap();
    assert!(matches!(
        rt.transfer(a, id, c),
        Err(ResourceError::IllegalTransition {
            action: LifecycleAction::Transfer,
            ..
        })
    ));
    rt.release(c, id).unwrap();
    rt.transfer(a, id, c).unwrap();
    assert_eq!(rt.managed(id).unwrap().owner(), c);
    assert!(rt.managed(id).unwrap().grants().is_empty());
    assert_eq!(rt.component(a).unwrap().usage().resources, 0);
    assert_eq!(rt.component(c).unwrap().usage().memory_used, 20);
    assert_eq!(rt.budget_usage().memory, 20);
    assert!(matches!(
        rt.get(a, id),
        Err(ResourceError::AccessDenied { .. })
    ));
}

#[test]
fn destroying_a_component_releases_everything_and_invalidates_its_ids() {
    let clock = ManualClock::new();
    let mut rt: Rt<'_> = FixedRuntime::new(ManagerTag(0), RuntimeBudget::unlimited(), &clock);
    let a = rt.create_component(ResourceLimits::default()).unwrap();
    let b = rt.create_component(ResourceLimits::default()).unwrap();
    let shared = rt.create_resource(a, 1, io(10)).unwrap();
    rt.create_resource(a, 2, io(5)).unwrap();
    let borrowed = rt.create_resource(b, 3, io(1)).unwrap();
    rt.account(a).unwrap().create_memory(1000).unwrap();
    rt.grant(a, shared, b).unwrap();
    rt.grant(b, borrowed, a).unwrap();
    rt.mark_ready(b, borrowed).unwrap();
    rt.lock(a, borrowed).unwrap();
    let report = rt.destroy_component(a).unwrap();
    assert_eq!(report.resources_released, 2);
    assert_eq!(report.grants_removed, 1);
    assert_eq!(report.usage.memory_used, 1015);
    assert_eq!(rt.get(b, shared), Err(ResourceError::Stale { id: shared }));
    // The lock a held on b's resource ended with it.
    assert_eq!(rt.state(borrowed), Ok(ResourceState::Ready));
    assert_eq!(
        rt.budget_usage(),
        BudgetUsage {
            memory: 1,
            resources: 1
        }
    );
    assert_eq!(
        rt.get(a, borrowed),
        Err(ResourceError::UnknownComponent { component: a })
    );
}

#[test]
fn scheduled_cleanup_frees_the_owners_charge_and_a_full_queue_changes_nothing() {
    let clock = ManualClock::new();
    let mut rt: Rt<'_> = FixedRuntime::new(ManagerTag(0), RuntimeBudget::unlimited(), &clock);
    let a = rt.create_component(ResourceLimits::default()).unwrap();
    let first = rt.create_resource(a, 1, io(10)).unwrap();
    let second = rt.create_resource(a, 2, io(20)).unwrap();
    let mut queue: FixedCleanupManager<1> = FixedCleanupManager::new(CleanupConfig::default());
    rt.schedule_cleanup(a, first, &mut queue).unwrap();
    assert_eq!(
        rt.schedule_cleanup(a, second, &mut queue),
        Err(ResourceError::CleanupQueueFull { capacity: 1 })
    );
    assert_eq!(rt.state(second), Ok(ResourceState::Allocated));
    assert!(matches!(
        rt.get(a, first),
        Err(ResourceError::IllegalTransition {
            from: ResourceState::PendingCleanup,
            ..
        })
    ));
    let cycle = queue.perform_cleanup(&mut rt, clock.now());
    assert_eq!((cycle.resources_cleaned, cycle.memory_freed), (1, 10));
    assert_eq!(rt.component(a).unwrap().usage().memory_used, 20);
    assert_eq!(rt.budget_usage().memory, 20);
    // A resource that is not pending cleanup is not deallocated behind its owner's back.
    queue.schedule(second).unwrap();
    let cycle = queue.perform_cleanup(&mut rt, clock.now());
    assert_eq!(
        (
            cycle.resources_cleaned,
            cycle.cleanup_errors,
            cycle.requeued
        ),
        (0, 1, 1)
    );
    assert_eq!(rt.get(a, second), Ok(&2));
}

#[test]
fn ids_from_another_runtime_are_foreign() {
    let clock = ManualClock::new();
    let mut one: Rt<'_> = FixedRuntime::new(ManagerTag(1), RuntimeBudget::unlimited(), &clock);
    let mut two: Rt<'_> = FixedRuntime::new(ManagerTag(2), RuntimeBudget::unlimited(), &clock);
    let a1 = one.create_component(ResourceLimits::default()).unwrap();
    let a2 = two.create_component(ResourceLimits::default()).unwrap();
    let id = one.create_resource(a1, 1, io(0)).unwrap();
    two.create_resource(a2, 2, io(0)).unwrap();
    assert_eq!(
        two.get(a2, id),
        Err(ResourceError::Foreign {
            id,
            manager: ManagerTag(2)
        })
    );
    let forged = ResourceId::from_parts(ManagerTag(1), 3, 0);
    assert!(matches!(
        one.get(a1, forged),
        Err(ResourceError::Forged { .. })
    ));
}
