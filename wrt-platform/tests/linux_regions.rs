//! The Linux provider against the real kernel: bounds, guard pages (a child process that
//! touches one dies with SIGSEGV; `/proc/self/maps` shows `---p` around the region),
//! `mprotect` observed in `/proc/self/maps`, and errno mapping of real failures.
#![cfg(all(target_os = "linux", feature = "std"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use support::mapping_containing;
use wrt_foundation::MemoryProtection;
use wrt_platform::linux::{LinuxError, LinuxResourceProvider, Syscall};
use wrt_platform::{PlatformResourceProvider, RegionRequest};

const CHILD_ENV: &str = "WRT_PLATFORM_GUARD_CHILD";

fn page() -> usize {
    LinuxResourceProvider::default()
        .get_capabilities()
        .page_size
}

#[test]
fn region_is_usable_exactly_up_to_its_size() {
    let provider = LinuxResourceProvider::default();
    let size = 3 * page() + 123;
    let mut region = provider.allocate_region(&RegionRequest::new(size)).unwrap();
    assert_eq!(region.size(), size);
    assert_eq!(region.mapped_len(), 4 * page());
    let bytes = region.bytes_mut().unwrap();
    assert_eq!(bytes.len(), size);
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    region.write_at(size - 4, &[9, 9, 9, 9]).unwrap();
    let mut tail = [0u8; 4];
    region.read_at(size - 4, &mut tail).unwrap();
    assert_eq!(tail, [9; 4]);
    assert_eq!(
        region.write_at(size - 3, &[1, 2, 3, 4]),
        Err(LinuxError::OutOfBounds {
            offset: size - 3,
            len: 4,
            size
        })
    );
    assert_eq!(
        region.read_at(usize::MAX, &mut tail),
        Err(LinuxError::OutOfBounds {
            offset: usize::MAX,
            len: 4,
            size
        })
    );
    // The refused write changed nothing.
    region.read_at(size - 4, &mut tail).unwrap();
    assert_eq!(tail, [9; 4]);
}

#[test]
fn alignment_is_honoured() {
    let provider = LinuxResourceProvider::default();
    let region = provider
        .allocate_region(&RegionRequest::new(100).with_align(1 << 20))
        .unwrap();
    assert_eq!(region.addr() % (1 << 20), 0);
    assert_eq!(
        provider
            .allocate_region(&RegionRequest::new(100).with_align(3))
            .unwrap_err(),
        LinuxError::BadAlignment { align: 3 }
    );
    assert_eq!(
        provider
            .allocate_region(&RegionRequest::new(0))
            .unwrap_err(),
        LinuxError::ZeroSize
    );
}

#[test]
fn proc_maps_shows_guard_pages_around_the_region() {
    let provider = LinuxResourceProvider::default();
    let region = provider
        .allocate_region(&RegionRequest::new(5 * page()))
        .unwrap();
    let body = mapping_containing(region.addr()).unwrap();
    assert_eq!(
        (body.start, body.end),
        (region.addr(), region.addr() + 5 * page())
    );
    assert_eq!(body.perms, "rw-p");
    let before = mapping_containing(region.guard_before().start).unwrap();
    let after = mapping_containing(region.guard_after().start).unwrap();
    assert_eq!(before.perms, "---p");
    assert_eq!(after.perms, "---p");
    assert_eq!(before.end, region.addr());
    assert_eq!(after.start, region.addr() + region.mapped_len());
    let (addr, len) = (region.addr(), region.mapped_len());
    drop(region);
    // Unmapped on drop: the body's range is no longer a mapping of its own.
    assert!(mapping_containing(addr).is_none_or(|e| (e.start, e.end) != (addr, addr + len)));
}

#[test]
fn release_unmaps_through_the_trait() {
    let mut provider = LinuxResourceProvider::default();
    let mut region = provider.allocate(&RegionRequest::new(1000)).unwrap();
    provider.region_bytes_mut(&mut region).unwrap()[999] = 1;
    let addr = region.addr();
    provider.release(region).unwrap();
    assert!(mapping_containing(addr).is_none_or(|e| e.start != addr || e.perms != "rw-p"));
}

/// Runs only as a child of `touching_a_guard_page_kills_with_sigsegv`.
#[test]
fn guard_child_touch() {
    let Ok(which) = std::env::var(CHILD_ENV) else {
        return;
    };
    let provider = LinuxResourceProvider::default();
    let mut region = provider
        .allocate_region(&RegionRequest::new(2 * page()))
        .unwrap();
    let mapped = region.mapped_len();
    let first = region.bytes_mut().unwrap().as_mut_ptr();
    let target = match which.as_str() {
        "before" => first.wrapping_sub(1),
        "after" => first.wrapping_add(mapped),
        _ => first.wrapping_add(mapped - 1), // the last mapped byte: must not fault
    };
    // SAFETY: deliberately touching a guard page to prove it faults; this process is a
    // throw-away child.
    unsafe { core::ptr::write_volatile(target, 1) };
    std::process::exit(0);
}

fn run_child(which: &str) -> std::process::ExitStatus {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "guard_child_touch",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, which)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
}

#[test]
fn touching_a_guard_page_kills_with_sigsegv() {
    for which in ["before", "after"] {
        let status = run_child(which);
        assert_eq!(
            status.signal(),
            Some(libc::SIGSEGV),
            "guard {which}: {status:?}"
        );
    }
    let control = run_child("inside");
    assert!(
        control.success(),
        "the last usable byte must be writable: {control:?}"
    );
}

#[test]
fn mprotect_changes_are_visible_in_proc_maps() {
    let provider = LinuxResourceProvider::default();
    let mut region = provider
        .allocate_region(&RegionRequest::new(page()))
        .unwrap();
    region.bytes_mut().unwrap()[0] = 42;
    let perms = |r: &wrt_platform::linux::LinuxRegion| mapping_containing(r.addr()).unwrap().perms;
    assert_eq!(perms(&region), "rw-p");

    region.set_protection(MemoryProtection::READ).unwrap();
    assert_eq!(perms(&region), "r--p");
    assert_eq!(region.bytes().unwrap()[0], 42);
    assert!(matches!(
        region.bytes_mut(),
        Err(LinuxError::AccessDenied { .. })
    ));

    region.set_protection(MemoryProtection::NONE).unwrap();
    assert_eq!(perms(&region), "---p");
    assert!(region.bytes().is_err());

    region
        .set_protection(MemoryProtection::READ_EXECUTE)
        .unwrap();
    assert_eq!(perms(&region), "r-xp");

    region.set_protection(MemoryProtection::READ_WRITE).unwrap();
    assert_eq!(perms(&region), "rw-p");
    region.bytes_mut().unwrap()[0] += 1;
    assert_eq!(region.bytes().unwrap()[0], 43);
    // Guard pages never change.
    assert_eq!(
        mapping_containing(region.guard_before().start)
            .unwrap()
            .perms,
        "---p"
    );
}

#[test]
fn initial_protection_is_applied() {
    let provider = LinuxResourceProvider::default();
    let region = provider
        .allocate_region(&RegionRequest::new(10).with_protection(MemoryProtection::READ))
        .unwrap();
    assert_eq!(mapping_containing(region.addr()).unwrap().perms, "r--p");
    assert_eq!(region.bytes().unwrap(), &[0; 10]);
}

#[test]
fn absurd_size_is_out_of_memory_from_the_kernel() {
    let provider = LinuxResourceProvider::default();
    // 4 EiB: fits the arithmetic, exceeds any user address space (47 or 56 bits).
    let err = provider
        .allocate_region(&RegionRequest::new(1 << 62))
        .unwrap_err();
    match err {
        LinuxError::OutOfMemory { call, errno, .. } => {
            assert_eq!((call, errno), (Syscall::Mmap, libc::ENOMEM));
        }
        LinuxError::InvalidArgument { call, errno, .. } => {
            assert_eq!((call, errno), (Syscall::Mmap, libc::EINVAL));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        provider
            .allocate_region(&RegionRequest::new(usize::MAX - 10))
            .unwrap_err(),
        LinuxError::SizeTooLarge {
            requested: usize::MAX - 10
        }
    );
}

#[test]
fn capabilities_match_the_system_files() {
    let caps = LinuxResourceProvider::default().get_capabilities();
    assert!(caps.page_size >= 4096 && caps.page_size.is_power_of_two());
    assert!(caps.protection.guard_pages && caps.protection.change_protection);
    let online = std::fs::read_to_string("/sys/devices/system/node/online").ok();
    if let Some(online) = online {
        let nodes = wrt_platform::linux::sysinfo::parse_node_list(&online).unwrap();
        assert_eq!(caps.numa_nodes, nodes.count());
    }
    for h in caps.huge_page_sizes.iter() {
        let dir = format!("/sys/kernel/mm/hugepages/hugepages-{}kB", h.size / 1024);
        let nr: u64 = std::fs::read_to_string(format!("{dir}/nr_hugepages"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(h.total, nr);
    }
    let max_map: usize = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(caps.max_regions, max_map / 3);
}
