//! The portable part of the QNX provider, on the host: partitions with budgets, charges
//! and refunds, refusals with requested/available, the mutex configuration, and a
//! model-based property test. The `nto` system-call layer is not built here.

use proptest::prelude::*;
use wrt_platform::embedded::{EmbeddedError, EmbeddedResourceProvider};
use wrt_platform::qnx::{
    MutexConfig, MutexProtocol, PartitionId, QnxError, QnxRegion, QnxResourceProvider,
};
use wrt_platform::{MemoryLimit, PlatformResourceProvider, RegionRequest};

type Backend<'a> = EmbeddedResourceProvider<'a>;

fn backend(ram: &mut [u8]) -> Backend<'_> {
    let mut b = Backend::new();
    b.add_region(ram).unwrap();
    b
}

#[test]
fn partitions_charge_refuse_and_refund() {
    let mut ram = [0u8; 8192];
    let mut qnx: QnxResourceProvider<_, 2> = QnxResourceProvider::new(backend(&mut ram), true);
    let audio = qnx.create_partition(1000).unwrap();
    let video = qnx.create_partition(3000).unwrap();
    assert_eq!(
        qnx.create_partition(1).unwrap_err(),
        QnxError::PartitionTableFull { max: 2 }
    );

    let a = qnx.allocate_in(audio, &RegionRequest::new(700)).unwrap();
    assert_eq!((a.partition(), a.charged()), (audio, 700));
    assert_eq!(
        qnx.allocate_in(audio, &RegionRequest::new(301))
            .unwrap_err(),
        QnxError::PartitionExhausted {
            partition: 0,
            requested: 301,
            available: 300
        }
    );
    // The other partition is unaffected.
    let v = qnx.allocate_in(video, &RegionRequest::new(2500)).unwrap();
    assert_eq!(qnx.partition(audio).unwrap().used, 700);
    assert_eq!(qnx.partition(video).unwrap().available(), 500);

    qnx.release(a).unwrap();
    assert_eq!(qnx.partition(audio).unwrap().used, 0);
    let again = qnx.allocate_in(audio, &RegionRequest::new(1000)).unwrap();
    qnx.release(again).unwrap();
    qnx.release(v).unwrap();
}

#[test]
fn backend_refusal_charges_nothing() {
    let mut ram = [0u8; 100];
    let mut qnx: QnxResourceProvider<_> = QnxResourceProvider::new(backend(&mut ram), false);
    let p = qnx.create_partition(10_000).unwrap();
    let err = qnx.allocate_in(p, &RegionRequest::new(500)).unwrap_err();
    assert!(matches!(
        err,
        QnxError::Platform(EmbeddedError::NoFit { requested: 500, .. })
    ));
    assert_eq!(qnx.partition(p).unwrap().used, 0);
}

#[test]
fn selection_budgets_and_unknown_partitions() {
    let mut ram = [0u8; 1000];
    let mut qnx: QnxResourceProvider<_> = QnxResourceProvider::new(backend(&mut ram), true);
    assert_eq!(
        qnx.allocate(&RegionRequest::new(1)).unwrap_err(),
        QnxError::NoPartitionSelected
    );
    let p = qnx.create_partition(100).unwrap();
    qnx.select_partition(p).unwrap();
    let mut r = qnx.allocate(&RegionRequest::new(60)).unwrap();
    qnx.region_bytes_mut(&mut r).unwrap().fill(3);
    assert_eq!(
        qnx.set_budget(p, 50).unwrap_err(),
        QnxError::BudgetBelowUsage {
            partition: 0,
            budget: 50,
            used: 60
        }
    );
    qnx.set_budget(p, 200).unwrap();
    assert_eq!(qnx.partition(p).unwrap().budget, 200);
    let caps = qnx.get_capabilities();
    assert_eq!(
        caps.memory_limit,
        MemoryLimit::Limited {
            limit: 200,
            in_use: 60
        }
    );
    let ghost = {
        let mut other_ram = [0u8; 10];
        let mut other: QnxResourceProvider<_> =
            QnxResourceProvider::new(backend(&mut other_ram), true);
        other.create_partition(1).unwrap();
        other.create_partition(1).unwrap()
    };
    assert_eq!(
        qnx.select_partition(ghost).unwrap_err(),
        QnxError::UnknownPartition {
            partition: 1,
            partitions: 1
        }
    );
    qnx.release(r).unwrap();
}

#[test]
fn mutex_configuration_follows_priority_inheritance() {
    let mut ram = [0u8; 10];
    let with = QnxResourceProvider::<_>::new(backend(&mut ram), true);
    assert_eq!(with.mutex_config().protocol, MutexProtocol::PriorityInherit);
    assert_eq!(with.mutex_config(), MutexConfig::PRIORITY_INHERIT);
    let mut ram2 = [0u8; 10];
    let without = QnxResourceProvider::<_>::new(backend(&mut ram2), false);
    assert_eq!(without.mutex_config().protocol, MutexProtocol::None);
    assert!(without.mutex_config().validate().is_ok());
}

#[cfg(all(target_os = "linux", feature = "std"))]
#[test]
fn over_the_linux_provider_charges_whole_pages() {
    use wrt_platform::linux::LinuxResourceProvider;
    let linux = LinuxResourceProvider::default();
    let page = linux.get_capabilities().page_size;
    let mut qnx: QnxResourceProvider<_> = QnxResourceProvider::new(linux, true);
    let p = qnx.create_partition(3 * page).unwrap();
    let mut r = qnx.allocate_in(p, &RegionRequest::new(page + 1)).unwrap();
    assert_eq!(r.charged(), 2 * page);
    assert_eq!(qnx.region_bytes_mut(&mut r).unwrap().len(), page + 1);
    assert_eq!(
        qnx.allocate_in(p, &RegionRequest::new(2 * page))
            .unwrap_err(),
        QnxError::PartitionExhausted {
            partition: 0,
            requested: 2 * page,
            available: page
        }
    );
    qnx.release(r).unwrap();
    assert_eq!(qnx.partition(p).unwrap().used, 0);
}

/// An empty region (a WebAssembly `(memory 0 0)`) charges nothing, so a partition serves it
/// even with no budget left or none at all; releasing it refunds nothing.
#[test]
fn an_empty_region_charges_nothing_even_in_a_full_partition() {
    let mut ram = [0u8; 256];
    let mut qnx: QnxResourceProvider<_> = QnxResourceProvider::new(backend(&mut ram), true);
    let none = qnx.create_partition(0).unwrap();
    let full = qnx.create_partition(100).unwrap();
    let filler = qnx.allocate_in(full, &RegionRequest::new(100)).unwrap();
    for p in [none, full] {
        let mut r = qnx.allocate_in(p, &RegionRequest::new(0)).unwrap();
        assert_eq!((r.partition(), r.charged()), (p, 0));
        assert!(qnx.region_bytes_mut(&mut r).unwrap().is_empty());
        qnx.release(r).unwrap();
    }
    assert_eq!(
        (
            qnx.partition(none).unwrap().used,
            qnx.partition(full).unwrap().used
        ),
        (0, 100)
    );
    assert!(matches!(
        qnx.allocate_in(full, &RegionRequest::new(1)),
        Err(QnxError::PartitionExhausted {
            requested: 1,
            available: 0,
            ..
        })
    ));
    qnx.release(filler).unwrap();
    assert_eq!(qnx.partition(full).unwrap().used, 0);
}

#[cfg(all(target_os = "linux", feature = "std"))]
#[test]
fn an_empty_region_over_the_linux_provider_charges_no_page() {
    use wrt_platform::linux::LinuxResourceProvider;
    let mut qnx: QnxResourceProvider<_> =
        QnxResourceProvider::new(LinuxResourceProvider::default(), true);
    let p = qnx.create_partition(0).unwrap();
    qnx.select_partition(p).unwrap();
    let mut r = qnx.allocate(&RegionRequest::new(0)).unwrap();
    assert_eq!(
        (r.charged(), r.inner().size(), r.inner().mapped_len()),
        (0, 0, 0)
    );
    assert!(qnx.region_bytes_mut(&mut r).unwrap().is_empty());
    qnx.release(r).unwrap();
    assert_eq!(qnx.partition(p).unwrap().used, 0);
}

#[derive(Debug, Clone)]
enum Op {
    Alloc { partition: usize, size: usize },
    Release { pick: usize },
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// Model: bytes charged per partition. A request is refused by the partition exactly
    /// when it exceeds the model's available bytes; usage always equals the model's.
    #[test]
    fn charges_match_a_per_partition_model(
        budgets in proptest::collection::vec(0usize..600, 1..4),
        ops in proptest::collection::vec(
            prop_oneof![
                (0usize..4, 1usize..300).prop_map(|(partition, size)| Op::Alloc { partition, size }),
                any::<usize>().prop_map(|pick| Op::Release { pick }),
            ],
            1..60,
        ),
    ) {
        let mut ram = [0u8; 4096];
        let mut qnx: QnxResourceProvider<_, 4> = QnxResourceProvider::new(backend(&mut ram), true);
        let ids: Vec<PartitionId> = budgets.iter().map(|b| qnx.create_partition(*b).unwrap()).collect();
        let mut used = vec![0usize; budgets.len()];
        let mut live: Vec<QnxRegion<_>> = Vec::new();
        for op in ops {
            match op {
                Op::Alloc { partition, size } => {
                    let partition = partition % ids.len();
                    let id = ids[partition];
                    let available = budgets[partition] - used[partition];
                    match qnx.allocate_in(id, &RegionRequest::new(size)) {
                        Ok(region) => {
                            prop_assert!(size <= available);
                            used[partition] += size;
                            live.push(region);
                        }
                        Err(QnxError::PartitionExhausted { requested, available: a, .. }) => {
                            prop_assert!(size > available);
                            prop_assert_eq!((requested, a), (size, available));
                        }
                        Err(QnxError::Platform(_)) => prop_assert!(size <= available),
                        Err(e) => prop_assert!(false, "unexpected {e:?}"),
                    }
                }
                Op::Release { pick } if !live.is_empty() => {
                    let region = live.swap_remove(pick % live.len());
                    used[region.partition().index()] -= region.charged();
                    qnx.release(region).unwrap();
                }
                Op::Release { .. } => {}
            }
            for (i, id) in ids.iter().enumerate() {
                prop_assert_eq!(qnx.partition(*id).unwrap().used, used[i]);
                prop_assert!(used[i] <= budgets[i]);
            }
        }
        for region in live {
            qnx.release(region).unwrap();
        }
    }
}

/// Audit finding: a region of provider A released into provider B used to be accepted (only
/// the partition index was checked) and credited to B's partition, which then granted past
/// its budget while A still counted the region as charged.
#[cfg(all(target_os = "linux", feature = "std"))]
#[test]
fn a_region_of_another_provider_is_refused_and_credits_nothing() {
    use wrt_platform::linux::LinuxResourceProvider;
    let mut a: QnxResourceProvider<LinuxResourceProvider> =
        QnxResourceProvider::new(LinuxResourceProvider::default(), false);
    let mut b: QnxResourceProvider<LinuxResourceProvider> =
        QnxResourceProvider::new(LinuxResourceProvider::default(), false);
    let pa = a.create_partition(1 << 20).unwrap();
    let pb = b.create_partition(64 << 10).unwrap();
    let foreign = a.allocate_in(pa, &RegionRequest::new(64 << 10)).unwrap();
    let held = b.allocate_in(pb, &RegionRequest::new(64 << 10)).unwrap();

    let refused = b.release(foreign).unwrap_err();
    assert_eq!(refused.error, QnxError::ForeignRegion { partition: 0 });
    assert_eq!(b.partition(pb).unwrap().used, 64 << 10);
    assert!(matches!(
        b.allocate_in(pb, &RegionRequest::new(64 << 10)),
        Err(QnxError::PartitionExhausted {
            requested: 65536,
            available: 0,
            ..
        })
    ));
    // The refused region is still whole and still A's to release.
    a.release(refused.region).map_err(|e| e.error).unwrap();
    assert_eq!(a.partition(pa).unwrap().used, 0);
    b.release(held).map_err(|e| e.error).unwrap();
    assert_eq!(b.partition(pb).unwrap().used, 0);
}
