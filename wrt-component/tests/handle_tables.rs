//! An integrator's view of the plain handle tables: a driver keeps its open handles in a
//! `ResourceManager`, with or without a heap, and frees them lazily.

use wrt_component::{
    CleanupConfig, FixedCleanupManager, FixedResourceManager, LookupError, ManagerTag, Metadata,
    ResourceCategory, ResourceDescriptor, ResourceError, ResourceId,
};
use wrt_foundation::Timestamp;

#[derive(Debug, PartialEq)]
struct Uart {
    port: u8,
    baud: u32,
}

fn uart_descriptor() -> ResourceDescriptor {
    ResourceDescriptor::new(ResourceCategory::IoHandles)
        .with_size_hint(256)
        .with_alignment(8)
        .unwrap()
}

fn uart_labels() -> Metadata {
    Metadata::new().with("driver", "uart").unwrap()
}

#[test]
fn a_driver_table_without_a_heap() {
    fixed_table_scenario();
}

/// Everything here runs in `no_alloc` builds too: the table is 4 inline slots.
fn fixed_table_scenario() {
    let mut uarts: FixedResourceManager<Uart, 4, 4> = FixedResourceManager::new(ManagerTag(7));
    let ids: Vec<ResourceId> = (0..4)
        .map(|port| {
            uarts
                .allocate_with_metadata(
                    Uart { port, baud: 9600 },
                    uart_descriptor(),
                    &uart_labels(),
                )
                .unwrap()
        })
        .collect();
    // Full: the refused handle comes back to be closed by its owner.
    let refused = uarts
        .allocate(Uart { port: 9, baud: 0 }, uart_descriptor())
        .unwrap_err();
    assert_eq!(refused.value, Uart { port: 9, baud: 0 });
    assert_eq!(refused.error, ResourceError::StorageFull { capacity: 4 });
    uarts.get_mut(ids[2]).unwrap().baud = 115_200;
    assert_eq!(uarts.get(ids[2]).unwrap().baud, 115_200);
    assert_eq!(
        uarts
            .metadata(ids[0])
            .unwrap()
            .and_then(|m| m.get("driver")),
        Some("uart")
    );

    // Close port 1; its id is dead even after the slot is reused by port 5.
    assert_eq!(uarts.deallocate(ids[1]).unwrap().port, 1);
    let reopened = uarts
        .allocate(
            Uart {
                port: 5,
                baud: 9600,
            },
            uart_descriptor(),
        )
        .unwrap();
    assert_eq!(reopened.index(), ids[1].index());
    assert_eq!(uarts.get(ids[1]), Err(LookupError::Stale { id: ids[1] }));
    assert_eq!(uarts.get(reopened).unwrap().port, 5);

    let stats = uarts.stats();
    let io = stats.category(ResourceCategory::IoHandles);
    assert_eq!(
        (io.live(), io.allocations, io.deallocations, io.failures),
        (4, 5, 1, 1)
    );
    assert_eq!(stats.live_bytes(), 4 * 256);
    assert_eq!(uarts.iter_category(ResourceCategory::IoHandles).count(), 4);
    assert_eq!(uarts.iter_category(ResourceCategory::Memory).count(), 0);
}

#[test]
fn lazy_close_through_the_cleanup_queue() {
    let mut uarts: FixedResourceManager<Uart, 8> = FixedResourceManager::new(ManagerTag(7));
    let mut cleanup: FixedCleanupManager<8> = FixedCleanupManager::new(CleanupConfig::default());
    for port in 0..6 {
        let id = uarts
            .allocate(Uart { port, baud: 9600 }, uart_descriptor())
            .unwrap();
        if port % 2 == 1 {
            cleanup.schedule(id).unwrap();
        }
    }
    assert_eq!(cleanup.pending(), 3);
    let cycle = cleanup.perform_cleanup(&mut uarts, Timestamp::ZERO);
    assert_eq!((cycle.resources_cleaned, cycle.memory_freed), (3, 768));
    let left: Vec<u8> = uarts.iter().map(|(_, e)| e.value().port).collect();
    assert_eq!(left, [0, 2, 4]);
}

#[test]
fn ids_of_one_table_mean_nothing_to_another() {
    let mut a: FixedResourceManager<u8, 2> = FixedResourceManager::new(ManagerTag(1));
    let mut b: FixedResourceManager<u8, 2> = FixedResourceManager::new(ManagerTag(2));
    let in_a = a.allocate(1, uart_descriptor()).unwrap();
    b.allocate(2, uart_descriptor()).unwrap();
    assert_eq!(
        b.deallocate(in_a),
        Err(LookupError::Foreign {
            id: in_a,
            manager: ManagerTag(2)
        })
    );
    assert_eq!(b.len(), 1);
}

#[cfg(feature = "alloc")]
#[test]
fn a_hosted_table_of_mixed_handle_types() {
    use wrt_component::{GrowableAnyResourceManager, GrowableResourceManager};

    let mut many: GrowableResourceManager<u64> = GrowableResourceManager::new(ManagerTag(3));
    let ids: Vec<_> = (0..10_000u64)
        .map(|n| {
            many.allocate(n, ResourceDescriptor::new(ResourceCategory::Platform))
                .unwrap()
        })
        .collect();
    assert_eq!(many.capacity(), None);
    assert_eq!(
        ids.iter().map(|id| *many.get(*id).unwrap()).sum::<u64>(),
        49_995_000
    );

    let mut mixed = GrowableAnyResourceManager::new(ManagerTag(4));
    let uart = mixed
        .allocate(
            Uart {
                port: 1,
                baud: 9600,
            },
            uart_descriptor(),
        )
        .unwrap();
    let label = mixed.allocate("console", uart_descriptor()).unwrap();
    assert_eq!(mixed.get::<Uart>(uart).unwrap().port, 1);
    match mixed.get::<Uart>(label) {
        Err(ResourceError::WrongType {
            id,
            expected,
            actual,
        }) => {
            assert_eq!(id, label);
            assert!(expected.ends_with("Uart"));
            assert_eq!(actual, "&str");
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    assert_eq!(mixed.inner().len(), 2);
}
