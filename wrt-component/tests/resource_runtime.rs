//! An integrator's view: a runtime hosting a few components, metering them, sharing a
//! device handle between them, and tearing them down.

use core::time::Duration;

use wrt_component::{
    BudgetKind, CleanupConfig, ComponentId, FixedCleanupManager, FixedRuntime, LimitKind,
    ManagerTag, Metadata, ResourceCategory, ResourceDescriptor, ResourceError, ResourceLimits,
    ResourceState, RuntimeBudget,
};
use wrt_foundation::{Clock, ManualClock};

const PAGE: usize = 64 * 1024;

/// What the host keeps per resource: here, a CAN bus handle or a scratch buffer.
#[derive(Debug, PartialEq)]
enum HostResource {
    CanBus { channel: u8, frames_sent: u32 },
    Buffer([u8; 16]),
}

/// An ECU-sized runtime: 32 resources, 4 components, no heap.
/// 32 resources, 4 components, and labels for 8 of the resources.
type EcuRuntime<'c> = FixedRuntime<HostResource, &'c ManualClock, 32, 4, 8>;

fn ecu(clock: &ManualClock) -> EcuRuntime<'_> {
    let budget = RuntimeBudget {
        max_total_memory: 8 * PAGE,
        max_total_resources: 16,
    };
    EcuRuntime::new(ManagerTag(1), budget, clock)
}

fn component_limits() -> ResourceLimits {
    ResourceLimits {
        max_memory: 4 * PAGE,
        max_table_size: 64,
        max_function_calls: 1000,
        max_host_calls: 10,
        max_execution_time: Some(Duration::from_millis(5)),
        max_memories: 1,
        max_tables: 1,
        max_instances: 2,
        max_resources: 4,
        max_fuel: 1_000_000,
    }
}

/// What instantiating a small core module asks of the runtime.
fn instantiate(runtime: &mut EcuRuntime<'_>, component: ComponentId) -> Result<(), ResourceError> {
    let mut account = runtime.account(component)?;
    account.add_instance()?;
    account.create_memory(2 * PAGE)?;
    account.create_table(16)?;
    Ok(())
}

#[test]
fn a_device_handle_is_shared_used_and_reclaimed() {
    let clock = ManualClock::new();
    let mut runtime = ecu(&clock);
    let sensor = runtime.create_component(component_limits()).unwrap();
    let logger = runtime.create_component(component_limits()).unwrap();
    instantiate(&mut runtime, sensor).unwrap();
    instantiate(&mut runtime, logger).unwrap();

    // The sensor opens the bus and lets the logger use it.
    let can = ResourceDescriptor::new(ResourceCategory::IoHandles);
    let labels = Metadata::new().with("bus", "can0").unwrap();
    let bus = runtime
        .create_resource_with_metadata(
            sensor,
            HostResource::CanBus {
                channel: 0,
                frames_sent: 0,
            },
            can,
            &labels,
        )
        .unwrap();
    assert_eq!(
        runtime
            .resources()
            .metadata(bus)
            .unwrap()
            .unwrap()
            .get("bus"),
        Some("can0")
    );
    runtime.mark_ready(sensor, bus).unwrap();
    runtime.grant(sensor, bus, logger).unwrap();

    // The logger takes the bus for a burst of frames; the sensor must wait for the lock.
    runtime.lock(logger, bus).unwrap();
    for _ in 0..3 {
        clock.advance(Duration::from_micros(100));
        runtime.account(logger).unwrap().record_host_call().unwrap();
        if let HostResource::CanBus { frames_sent, .. } = runtime.get_mut(logger, bus).unwrap() {
            *frames_sent += 1;
        }
    }
    assert!(matches!(
        runtime.get(sensor, bus),
        Err(ResourceError::Locked { lock_holder, .. }) if lock_holder == logger
    ));
    runtime.unlock(logger, bus).unwrap();
    assert_eq!(
        runtime.get(sensor, bus).unwrap(),
        &HostResource::CanBus {
            channel: 0,
            frames_sent: 3
        }
    );
    let record = runtime.managed(bus).unwrap();
    assert_eq!(record.access_count(), 4);
    assert_eq!(record.last_accessed(), clock.now());

    // The sensor revokes, and the logger is out.
    runtime.revoke(sensor, bus, logger).unwrap();
    assert!(matches!(
        runtime.get(logger, bus),
        Err(ResourceError::AccessDenied { .. })
    ));
    assert_eq!(runtime.state(bus), Ok(ResourceState::Ready));
}

#[test]
fn metering_stops_a_runaway_component_and_a_new_period_lets_it_run_again() {
    let clock = ManualClock::new();
    let mut runtime = ecu(&clock);
    let app = runtime.create_component(component_limits()).unwrap();
    let mut calls = 0;
    let refusal = loop {
        match runtime.account(app).unwrap().record_function_call() {
            Ok(()) => calls += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(calls, 1000);
    assert_eq!(
        refusal,
        ResourceError::LimitExceeded {
            component: app,
            kind: LimitKind::FunctionCalls,
            requested: 1,
            used: 1000,
            limit: 1000
        }
    );
    let mut account = runtime.account(app).unwrap();
    account
        .charge_execution_time(Duration::from_millis(4))
        .unwrap();
    assert!(matches!(
        account.charge_execution_time(Duration::from_millis(2)),
        Err(ResourceError::ExecutionTimeExceeded { .. })
    ));
    account.reset_period();
    account.record_function_call().unwrap();
    account
        .charge_execution_time(Duration::from_millis(2))
        .unwrap();
    assert_eq!(account.usage().function_calls_made, 1);
}

#[test]
fn the_device_budget_holds_when_every_component_is_within_its_own_limits() {
    let clock = ManualClock::new();
    let mut runtime = ecu(&clock);
    let mut admitted = Vec::new();
    let mut refusal = None;
    let mut refused_component = None;
    for _ in 0..4 {
        let c = runtime.create_component(component_limits()).unwrap();
        match runtime.account(c).unwrap().create_memory(3 * PAGE) {
            Ok(()) => admitted.push(c),
            Err(e) => {
                refusal = Some(e);
                refused_component = Some(c);
                break;
            }
        }
    }
    // 8 pages of device budget fit two components of 3 pages each, not a third.
    assert_eq!(admitted.len(), 2);
    assert_eq!(
        refusal,
        Some(ResourceError::BudgetExceeded {
            kind: BudgetKind::Memory,
            requested: 3 * PAGE as u64,
            used: 6 * PAGE as u64,
            limit: 8 * PAGE as u64
        })
    );
    assert!(runtime.budget_usage().memory <= runtime.budget().max_total_memory);
    // Memory grows page by page until the device says no, even to a component holding
    // a single page of its four.
    runtime
        .account(admitted[0])
        .unwrap()
        .allocate_memory(PAGE)
        .unwrap();
    runtime
        .account(admitted[1])
        .unwrap()
        .allocate_memory(PAGE)
        .unwrap();
    let third = refused_component.unwrap();
    assert!(matches!(
        runtime.account(third).unwrap().create_memory(PAGE),
        Err(ResourceError::BudgetExceeded { .. })
    ));
    assert_eq!(runtime.component(third).unwrap().usage().memories, 0);
}

#[test]
fn shutdown_returns_every_counter_to_zero() {
    let clock = ManualClock::new();
    let mut runtime = ecu(&clock);
    let mut cleanup: FixedCleanupManager<8> = FixedCleanupManager::new(CleanupConfig::default());
    let a = runtime.create_component(component_limits()).unwrap();
    let b = runtime.create_component(component_limits()).unwrap();
    instantiate(&mut runtime, a).unwrap();
    instantiate(&mut runtime, b).unwrap();
    let buffer = |n| ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(n);
    let scratch = runtime
        .create_resource(a, HostResource::Buffer([0; 16]), buffer(16))
        .unwrap();
    let kept = runtime
        .create_resource(a, HostResource::Buffer([1; 16]), buffer(16))
        .unwrap();
    let theirs = runtime
        .create_resource(b, HostResource::Buffer([2; 16]), buffer(16))
        .unwrap();
    runtime.grant(a, kept, b).unwrap();

    // a frees its scratch buffer lazily; the cleanup cycle reports what it freed.
    runtime.schedule_cleanup(a, scratch, &mut cleanup).unwrap();
    let cycle = cleanup.perform_cleanup(&mut runtime, clock.now());
    assert_eq!((cycle.resources_cleaned, cycle.memory_freed), (1, 16));

    let report = runtime.destroy_component(a).unwrap();
    assert_eq!(report.resources_released, 1);
    assert_eq!(report.usage.memory_used, 2 * PAGE + 16);
    // b's grant died with a: a typed error, not a dangling access.
    assert_eq!(runtime.get(b, kept), Err(ResourceError::Stale { id: kept }));
    assert_eq!(
        runtime.drop_resource(b, theirs).unwrap(),
        HostResource::Buffer([2; 16])
    );
    runtime.destroy_component(b).unwrap();

    assert_eq!(runtime.components().count(), 0);
    assert_eq!(runtime.budget_usage().memory, 0);
    assert_eq!(runtime.budget_usage().resources, 0);
    assert!(runtime.resources().is_empty());
    let stats = runtime.resources().stats();
    assert_eq!((stats.live(), stats.live_bytes()), (0, 0));
    assert_eq!(stats.category(ResourceCategory::Memory).allocations, 3);
    assert_eq!(stats.peak_bytes, 48);
}

#[cfg(feature = "std")]
#[test]
fn a_hosted_runtime_grows_on_the_heap_and_reads_the_std_clock() {
    use wrt_component::{GrowableCleanupManager, GrowableRuntime};
    use wrt_foundation::clock::StdClock;

    let mut runtime: GrowableRuntime<String, StdClock> =
        GrowableRuntime::new(ManagerTag(2), RuntimeBudget::unlimited(), StdClock::new());
    let limits = ResourceLimits {
        max_resources: 10_000,
        ..ResourceLimits::default()
    };
    let components: Vec<_> = (0..50)
        .map(|_| runtime.create_component(limits).unwrap())
        .collect();
    let mut cleanup = GrowableCleanupManager::new(CleanupConfig::default());
    for (n, c) in components.iter().enumerate() {
        for k in 0..100 {
            let d = ResourceDescriptor::new(ResourceCategory::Platform).with_size_hint(8);
            let id = runtime.create_resource(*c, format!("{n}/{k}"), d).unwrap();
            if k % 2 == 0 {
                runtime.schedule_cleanup(*c, id, &mut cleanup).unwrap();
            }
        }
    }
    assert_eq!(runtime.resources().len(), 5000);
    let now = runtime.clock().now();
    let cycle = cleanup.perform_cleanup(&mut runtime, now);
    assert_eq!(
        (cycle.resources_cleaned, cycle.memory_freed),
        (2500, 20_000)
    );
    for c in components {
        runtime.destroy_component(c).unwrap();
    }
    assert_eq!(runtime.budget_usage().resources, 0);
    assert!(runtime.resources().is_empty());
}

#[test]
fn the_lifecycle_record_does_not_show_the_value() {
    // Regression: `{:?}` of `runtime.managed(id)` printed the value, and `.clone()` of it
    // (now impossible: see the compile_fail example on `ManagedResource`) took it out,
    // without naming a component and past a lock.
    let clock = ManualClock::new();
    let mut runtime = ecu(&clock);
    let owner = runtime.create_component(component_limits()).unwrap();
    let buffer = runtime
        .create_resource(
            owner,
            HostResource::Buffer([0x5A; 16]),
            ResourceDescriptor::new(ResourceCategory::Memory),
        )
        .unwrap();
    runtime.mark_ready(owner, buffer).unwrap();
    runtime.lock(owner, buffer).unwrap();
    let shown = format!("{:?}", runtime.managed(buffer).unwrap());
    assert!(
        !shown.contains("Buffer") && !shown.contains("90"),
        "{shown}"
    );
    assert!(
        shown.contains("state"),
        "the record itself still shows: {shown}"
    );
    assert_eq!(
        runtime.get(owner, buffer).unwrap(),
        &HostResource::Buffer([0x5A; 16])
    );
}
