//! The slot table under the work a handle table does — 64 inserts, 64 checked reads, 64
//! removes — beside `slotmap::SlotMap` (the same generation check) in the same run.
//! Ratios are in the crate README.

use core::hint::black_box;
use core::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wrt_foundation::slots::{HeapSlotTable, InlineSlotTable, Key};

const BATCH: usize = 64;

fn slot_tables(c: &mut Criterion) {
    let mut group = c.benchmark_group("insert_get_remove_64");

    let mut inline: Box<InlineSlotTable<Option<u64>, BATCH>> = Box::new(InlineSlotTable::new());
    group.bench_function("inline_slot_table", |b| {
        let mut keys: Vec<Key> = Vec::with_capacity(BATCH);
        b.iter(|| {
            keys.clear();
            for n in 0..BATCH {
                keys.push(inline.insert(n as u64).unwrap());
            }
            let mut sum = 0u64;
            for key in &keys {
                sum += *inline.get(*key).unwrap();
            }
            for key in &keys {
                black_box(inline.remove(*key).unwrap());
            }
            black_box(sum)
        });
    });

    let mut heap: HeapSlotTable<Option<u64>> = HeapSlotTable::new();
    group.bench_function("heap_slot_table", |b| {
        let mut keys: Vec<Key> = Vec::with_capacity(BATCH);
        b.iter(|| {
            keys.clear();
            for n in 0..BATCH {
                keys.push(heap.insert(n as u64).unwrap());
            }
            let mut sum = 0u64;
            for key in &keys {
                sum += *heap.get(*key).unwrap();
            }
            for key in &keys {
                black_box(heap.remove(*key).unwrap());
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
        .measurement_time(Duration::from_secs(2));
    targets = slot_tables
}
criterion_main!(benches);
