//! Region allocate + release: the Linux provider's guarded mmap region against a zeroed
//! `Vec<u8>` of the same size, for 64 KiB and 16 MiB, in one run.

use core::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[cfg(target_os = "linux")]
fn regions(c: &mut Criterion) {
    use wrt_platform::RegionRequest;
    use wrt_platform::linux::LinuxResourceProvider;

    let provider = LinuxResourceProvider::default();
    let mut group = c.benchmark_group("region_allocate_release");
    for (label, size) in [("64KiB", 64 * 1024), ("16MiB", 16 * 1024 * 1024)] {
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("linux_region", label),
            &size,
            |b, &size| {
                let request = RegionRequest::new(size);
                b.iter(|| {
                    let region = provider.allocate_region(black_box(&request)).unwrap();
                    black_box(region.addr());
                    region.release().map_err(|(_, e)| e).unwrap();
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("vec_zeroed", label), &size, |b, &size| {
            b.iter(|| {
                let v = vec![0u8; black_box(size)];
                black_box(v.as_ptr());
                drop(v);
            });
        });
    }
    group.finish();
}

#[cfg(not(target_os = "linux"))]
fn regions(_: &mut Criterion) {}

criterion_group!(benches, regions);
criterion_main!(benches);
