//! Handle tables under the same work: allocate 64 resources, read each, deallocate each.
//!
//! `ResourceManager` with the fixed and the growable backend, every check on (manager tag,
//! index bound, generation, statistics, a descriptor per resource; then with 4 metadata
//! labels per resource in the side table), against `slab::Slab`
//! (no generation check) and `slotmap::SlotMap` (generation check) doing the same work.
//! `slotmap_same_entry` is slotmap storing as many bytes per resource as a manager's slot
//! does (the value and its descriptor: 24 bytes, the labels' slot number sitting in the
//! descriptor's padding), to tell the cost of the entry's size from the cost of the
//! manager's checks. `slotmap_same_job` is that slotmap with the caller keeping the
//! manager's statistics beside it (an `AllocationStats` of its own, updated in the manager's
//! steps): what an integrator would have to write
//! with slotmap to get what a manager gives, but for the manager tag. Ratios are in the
//! crate README.

use core::hint::black_box;
use core::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wrt_component::backend::Backend;
use wrt_component::{
    AllocationStats, FixedResourceManager, GrowableResourceManager, ManagerTag, Metadata, Refused,
    ResourceCategory, ResourceDescriptor, ResourceEntry, ResourceId, ResourceManager,
};

const BATCH: usize = 64;

fn descriptor() -> ResourceDescriptor {
    ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(64)
}

fn four_labels() -> Metadata {
    let labels = ["driver", "bus", "node", "owner"]
        .into_iter()
        .try_fold(Metadata::new(), |labels, key| {
            labels.with(key, "a-label-value")
        });
    labels.unwrap()
}

/// One measured iteration, the same work as the baselines': allocate `BATCH` resources
/// with `allocate` (their ids into `ids`), read each, free each.
fn cycle<B, M>(
    manager: &mut ResourceManager<u64, B, M>,
    ids: &mut Vec<ResourceId>,
    mut allocate: impl FnMut(&mut ResourceManager<u64, B, M>, u64) -> Result<ResourceId, Refused<u64>>,
) -> u64
where
    B: Backend<ResourceEntry<u64>>,
    M: Backend<Metadata>,
{
    ids.clear();
    for n in 0..BATCH {
        ids.push(allocate(manager, n as u64).unwrap());
    }
    let mut sum = 0u64;
    for id in ids.iter() {
        sum += *manager.get(*id).unwrap();
    }
    for id in ids.iter() {
        black_box(manager.deallocate(*id).unwrap());
    }
    black_box(sum)
}

fn handles(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_get_dealloc_64");

    let mut fixed: FixedResourceManager<u64, BATCH> = FixedResourceManager::new(ManagerTag(1));
    group.bench_function("fixed_backend", |b| {
        let mut ids = Vec::with_capacity(BATCH);
        b.iter(|| cycle(&mut fixed, &mut ids, |m, n| m.allocate(n, descriptor())));
    });

    let mut growable: GrowableResourceManager<u64> = GrowableResourceManager::new(ManagerTag(1));
    group.bench_function("growable_backend", |b| {
        let mut ids = Vec::with_capacity(BATCH);
        b.iter(|| cycle(&mut growable, &mut ids, |m, n| m.allocate(n, descriptor())));
    });

    // Every resource with 4 labels: the side table's cost, beside the plain cases.
    let labels = four_labels();
    let mut fixed_labelled: FixedResourceManager<u64, BATCH, BATCH> =
        FixedResourceManager::new(ManagerTag(1));
    group.bench_function("fixed_backend_4_metadata", |b| {
        let mut ids = Vec::with_capacity(BATCH);
        b.iter(|| {
            cycle(&mut fixed_labelled, &mut ids, |m, n| {
                m.allocate_with_metadata(n, descriptor(), &labels)
            })
        });
    });
    let mut growable_labelled: GrowableResourceManager<u64> =
        GrowableResourceManager::new(ManagerTag(1));
    group.bench_function("growable_backend_4_metadata", |b| {
        let mut ids = Vec::with_capacity(BATCH);
        b.iter(|| {
            cycle(&mut growable_labelled, &mut ids, |m, n| {
                m.allocate_with_metadata(n, descriptor(), &labels)
            })
        });
    });

    let mut slab = slab::Slab::<u64>::new();
    group.bench_function("slab", |b| {
        let mut keys = Vec::with_capacity(BATCH);
        b.iter(|| {
            keys.clear();
            for n in 0..BATCH {
                keys.push(slab.insert(n as u64));
            }
            let mut sum = 0u64;
            for key in &keys {
                sum += *slab.get(*key).unwrap();
            }
            for key in &keys {
                black_box(slab.remove(*key));
            }
            black_box(sum)
        });
    });

    let mut slots = slotmap::SlotMap::<slotmap::DefaultKey, u64>::new();
    group.bench_function("slotmap", |b| {
        let mut keys = Vec::with_capacity(BATCH);
        b.iter(|| {
            keys.clear();
            for n in 0..BATCH {
                keys.push(slots.insert(n as u64));
            }
            let mut sum = 0u64;
            for key in &keys {
                sum += *slots.get(*key).unwrap();
            }
            for key in &keys {
                black_box(slots.remove(*key).unwrap());
            }
            black_box(sum)
        });
    });

    // As many bytes as a manager stores per resource (`ResourceEntry<u64>`), in slotmap. Each
    // baseline's loop is written out: sharing one generic body between the two slotmap
    // cases was measured to move them (u64 230 -> 242 ns, this one 637 -> 570 ns).
    type SameEntry = (u64, ResourceDescriptor);
    const _: () = assert!(size_of::<SameEntry>() == size_of::<ResourceEntry<u64>>());
    let mut same = slotmap::SlotMap::<slotmap::DefaultKey, SameEntry>::new();
    group.bench_function("slotmap_same_entry", |b| {
        let mut keys = Vec::with_capacity(BATCH);
        b.iter(|| {
            keys.clear();
            for n in 0..BATCH {
                keys.push(same.insert((n as u64, descriptor())));
            }
            let mut sum = 0u64;
            for key in &keys {
                sum += same.get(*key).unwrap().0;
            }
            for key in &keys {
                black_box(same.remove(*key).unwrap());
            }
            black_box(sum)
        });
    });

    // The same entry, and the manager's statistics kept by the caller.
    let mut job = slotmap::SlotMap::<slotmap::DefaultKey, SameEntry>::new();
    let mut stats = AllocationStats::new();
    group.bench_function("slotmap_same_job", |b| {
        let mut keys = Vec::with_capacity(BATCH);
        b.iter(|| {
            keys.clear();
            for n in 0..BATCH {
                let d = descriptor();
                let Some(live_bytes) = stats.live_bytes_after(d.charged_bytes()) else {
                    stats.record_failure(d.category());
                    continue;
                };
                keys.push(job.insert((n as u64, d)));
                stats.record_allocation(d.category(), live_bytes);
            }
            let mut sum = 0u64;
            for key in &keys {
                sum += job.get(*key).unwrap().0;
            }
            for key in &keys {
                let (value, d) = job.remove(*key).unwrap();
                stats.record_deallocation(d.category(), d.charged_bytes());
                black_box(value);
            }
            black_box(sum)
        });
    });
    black_box(&stats);

    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = handles
}
criterion_main!(benches);
