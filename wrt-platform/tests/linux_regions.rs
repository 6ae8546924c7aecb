//! The Linux provider against the real kernel: bounds, guard pages (a child process that
//! touches one dies with SIGSEGV; `/proc/self/maps` shows `---p` around the region),
//! `mprotect` observed in `/proc/self/maps`, and errno mapping of real failures.
#![cfg(all(target_os = "linux", feature = "std"))]

mod common;

use common::mapping_containing;
use wrt_foundation::MemoryProtection;
use wrt_platform::linux::{
    LinuxConfig, LinuxError, LinuxResourceProvider, PageKind, ReservationRequest, Syscall,
};
use wrt_platform::{PlatformResourceProvider, RegionRequest};

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
    // An empty region is checked the same way.
    assert_eq!(
        provider
            .allocate_region(&RegionRequest::new(0).with_align(3))
            .unwrap_err(),
        LinuxError::BadAlignment { align: 3 }
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

/// How a forked child that writes one byte at `target` ended (a `waitpid` status).
///
/// The child only stores and exits: both are async-signal-safe, which is all POSIX allows
/// after `fork` in a process that may have other threads.
fn touch_in_child(target: *mut u8) -> libc::c_int {
    // SAFETY: `fork` has no preconditions; the child runs only async-signal-safe code.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: deliberately touching a guard page to prove it faults; the child has its
        // own copy of the mapping and ends here either by the signal or by `_exit`.
        unsafe {
            core::ptr::write_volatile(target, 1);
            libc::_exit(0)
        }
    }
    let mut status = 0;
    // SAFETY: `pid` is our child and `status` a valid place for its exit status.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid, "waitpid: {}", std::io::Error::last_os_error());
    status
}

#[test]
fn touching_a_guard_page_kills_with_sigsegv() {
    let provider = LinuxResourceProvider::default();
    let mut region = provider
        .allocate_region(&RegionRequest::new(2 * page()))
        .unwrap();
    let mapped = region.mapped_len();
    let first = region.bytes_mut().unwrap().as_mut_ptr();
    for (which, target) in [
        ("before", first.wrapping_sub(1)),
        ("after", first.wrapping_add(mapped)),
    ] {
        let status = touch_in_child(target);
        assert!(
            libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV,
            "guard {which}: status {status:#x}"
        );
    }
    // The last mapped byte must not fault.
    let control = touch_in_child(first.wrapping_add(mapped - 1));
    assert!(
        libc::WIFEXITED(control) && libc::WEXITSTATUS(control) == 0,
        "the last usable byte must be writable: status {control:#x}"
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

/// A WebAssembly `(memory 0 0)` asks for zero bytes. That is valid, so it gets an empty
/// region: its guard pages and nothing between them, at an aligned address that faults,
/// lending an empty slice and released through the trait like any other region.
#[test]
fn an_empty_region_is_its_guard_pages_only() {
    let mut provider = LinuxResourceProvider::default();
    let mut region = provider
        .allocate(&RegionRequest::new(0).with_align(1 << 16))
        .unwrap();
    assert_eq!((region.size(), region.mapped_len()), (0, 0));
    assert_eq!(region.addr() % (1 << 16), 0);
    assert!(provider.region_bytes_mut(&mut region).unwrap().is_empty());
    assert_eq!(region.bytes().unwrap(), &[] as &[u8]);
    // The guard below ends where the guard above starts; all of it is inaccessible.
    assert_eq!(region.guard_before().end, region.addr());
    assert_eq!(region.guard_after(), region.addr()..region.addr() + page());
    for addr in [
        region.guard_before().start,
        region.addr(),
        region.guard_after().end - 1,
    ] {
        assert_eq!(mapping_containing(addr).unwrap().perms, "---p", "{addr:#x}");
    }
    let status = touch_in_child(region.addr() as *mut u8);
    assert!(
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV,
        "the address of an empty region must fault: status {status:#x}"
    );
    region.write_at(0, &[]).unwrap();
    assert_eq!(
        region.write_at(0, &[1]),
        Err(LinuxError::OutOfBounds {
            offset: 0,
            len: 1,
            size: 0
        })
    );
    // Protection is still recorded and checked, although there is no byte to protect.
    region.set_protection(MemoryProtection::READ).unwrap();
    assert!(matches!(
        region.bytes_mut(),
        Err(LinuxError::AccessDenied { .. })
    ));
    region.set_protection(MemoryProtection::READ_WRITE).unwrap();
    provider.release(region).unwrap();
}

/// Huge pages and NUMA binding have nothing to back or place in an empty region: it is
/// served without trying them (no fallback to report) under any configuration.
#[test]
fn an_empty_region_ignores_huge_pages_and_numa() {
    let provider = LinuxResourceProvider::new(LinuxConfig {
        use_hugetlb: true,
        use_numa: Some(0),
        ..LinuxConfig::default()
    });
    let region = provider.allocate_region(&RegionRequest::new(0)).unwrap();
    assert_eq!(
        (region.page_kind(), region.huge_page_fallback()),
        (PageKind::Normal, None)
    );
    assert_eq!(region.mapped_len(), 0);
    region.release().unwrap();
}

/// An empty reservation (a `(memory 0 0)` that can never grow): only guards, no byte can
/// ever become accessible, and release unmaps it all.
#[test]
fn an_empty_reservation_is_all_guard_and_cannot_grow() {
    let provider = LinuxResourceProvider::default();
    let request = ReservationRequest::new(0, 0)
        .with_guard_after(4 * page())
        .with_align(1 << 16);
    let mut r = provider.reserve_region(&request).unwrap();
    assert_eq!(r.addr() % (1 << 16), 0);
    assert_eq!(
        (r.reserved_len(), r.accessible_len(), r.bytes().len()),
        (0, 0, 0)
    );
    assert!(r.inaccessible().is_empty());
    assert!(r.guard_after().len() >= 5 * page());
    assert_eq!(r.guard_after().start, r.addr());
    for addr in [r.guard_before().start, r.addr(), r.guard_after().end - 1] {
        assert_eq!(mapping_containing(addr).unwrap().perms, "---p", "{addr:#x}");
    }
    r.grow_accessible(0).unwrap();
    assert_eq!(
        r.grow_accessible(1),
        Err(LinuxError::BeyondReservation {
            requested: 1,
            reserved: 0
        })
    );
    assert_eq!(r.accessible_len(), 0);
    r.release().unwrap();
}
