//! Handle tables under the same work: allocate 64 resources, read each, deallocate each.
//!
//! `ResourceManager` with the fixed and the growable backend, every check on (manager tag,
//! index bound, generation, statistics, a descriptor per resource), against `slab::Slab`
//! (no generation check) and `slotmap::SlotMap` (generation check) doing the same work.
//! Ratios are in the crate README.

use core::hint::black_box;
use core::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wrt_component::{
    FixedResourceManager, GrowableResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor,
};

const BATCH: usize = 64;

fn descriptor() -> ResourceDescriptor {
    ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(64)
}

fn handles(c: &mut Criterion) {
    let mut group = c.benchmark_group("alloc_get_dealloc_64");

    let mut fixed: FixedResourceManager<u64, BATCH> = FixedResourceManager::new(ManagerTag(1));
    group.bench_function("fixed_backend", |b| {
        let mut ids = Vec::with_capacity(BATCH);
        b.iter(|| {
            ids.clear();
            for n in 0..BATCH {
                ids.push(fixed.allocate(n as u64, descriptor()).unwrap());
            }
            let mut sum = 0u64;
            for id in &ids {
                sum += *fixed.get(*id).unwrap();
            }
            for id in &ids {
                black_box(fixed.deallocate(*id).unwrap());
            }
            black_box(sum)
        });
    });

    let mut growable: GrowableResourceManager<u64> = GrowableResourceManager::new(ManagerTag(1));
    group.bench_function("growable_backend", |b| {
        let mut ids = Vec::with_capacity(BATCH);
        b.iter(|| {
            ids.clear();
            for n in 0..BATCH {
                ids.push(growable.allocate(n as u64, descriptor()).unwrap());
            }
            let mut sum = 0u64;
            for id in &ids {
                sum += *growable.get(*id).unwrap();
            }
            for id in &ids {
                black_box(growable.deallocate(*id).unwrap());
            }
            black_box(sum)
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
