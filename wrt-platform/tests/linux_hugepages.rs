//! The huge page chain for real: hugetlb (`MAP_HUGETLB`) when the kernel grants it,
//! otherwise transparent huge pages (`MADV_HUGEPAGE`, visible as `hg` in `VmFlags`),
//! otherwise normal pages — and the region says which it got and why.
#![cfg(all(target_os = "linux", feature = "std"))]

mod common;

use common::{fixture_dir, vm_flags, write};
use wrt_platform::linux::sysinfo::{SystemPaths, ThpMode};
use wrt_platform::linux::{
    HugePageFallback, LinuxConfig, LinuxResourceProvider, NumaPlacement, PageKind,
};
use wrt_platform::{PlatformResourceProvider, RegionRequest};

fn hugetlb_provider(page_size: Option<usize>, paths: SystemPaths) -> LinuxResourceProvider {
    LinuxResourceProvider::new(LinuxConfig {
        use_hugetlb: true,
        hugetlb_page_size: page_size,
        paths,
        ..LinuxConfig::default()
    })
}

fn free_pages(size: usize) -> u64 {
    let caps = LinuxResourceProvider::default().get_capabilities();
    caps.huge_page_sizes
        .iter()
        .find(|h| h.size == size)
        .map_or(0, |h| h.free)
}

/// What the real system's THP setting leads to.
fn expected_without_hugetlb(paths: &SystemPaths) -> PageKind {
    match (paths.thp_mode(), paths.thp_page_size()) {
        (Some(ThpMode::Always | ThpMode::Madvise), Some(size)) => {
            PageKind::TransparentHuge { size }
        }
        _ => PageKind::Normal,
    }
}

#[test]
fn hugetlb_request_on_this_machine_gets_hugetlb_or_reports_the_fallback() {
    let paths = SystemPaths::default();
    let Some(default_size) = paths.default_huge_page_size() else {
        // No hugetlb support in this kernel at all.
        let region = hugetlb_provider(None, paths.clone())
            .allocate_region(&RegionRequest::new(1 << 20))
            .unwrap();
        assert_eq!(
            region.huge_page_fallback(),
            Some(HugePageFallback::NoHugeTlbPool)
        );
        return;
    };
    let free_before = free_pages(default_size);
    let mut region = hugetlb_provider(None, paths.clone())
        .allocate_region(&RegionRequest::new(4 << 20))
        .unwrap();
    region.bytes_mut().unwrap().fill(0xA5);
    if free_before >= 2 {
        assert_eq!(region.page_kind(), PageKind::HugeTlb { size: default_size });
        assert_eq!(region.huge_page_fallback(), None);
        return;
    }
    // No free huge pages (the case on the build machines): the kernel refused MAP_HUGETLB.
    match region.huge_page_fallback() {
        Some(HugePageFallback::HugeTlbRefused {
            page_size,
            free_pages,
            errno,
        }) => {
            assert_eq!(page_size, default_size);
            assert!(free_pages < 2);
            assert_eq!(errno, libc::ENOMEM);
        }
        other => panic!("expected a hugetlb refusal, got {other:?}"),
    }
    let expected = expected_without_hugetlb(&paths);
    assert_eq!(region.page_kind(), expected);
    let flags = vm_flags(region.addr()).unwrap();
    let advised = flags.iter().any(|f| f == "hg");
    assert_eq!(
        advised,
        matches!(expected, PageKind::TransparentHuge { .. }),
        "{flags:?}"
    );
    if let PageKind::TransparentHuge { size } = expected {
        assert_eq!(
            region.addr() % size,
            0,
            "large THP regions are huge-page aligned"
        );
    }
}

#[test]
fn one_gib_pages_with_none_free_fall_back() {
    let size = 1 << 30;
    let free = free_pages(size);
    let region = hugetlb_provider(Some(size), SystemPaths::default())
        .allocate_region(&RegionRequest::new(8192))
        .unwrap();
    assert_eq!(region.size(), 8192);
    if free > 0 {
        // A machine with 1 GiB pages reserved: the fallback cannot be forced, so check
        // that the page it has is the one handed out.
        assert_eq!(region.page_kind(), PageKind::HugeTlb { size });
        assert_eq!(region.huge_page_fallback(), None);
        return;
    }
    assert!(matches!(
        region.huge_page_fallback(),
        Some(HugePageFallback::HugeTlbRefused { page_size, free_pages: 0, .. }) if page_size == size
    ));
}

#[test]
fn without_a_pool_and_with_thp_never_pages_are_normal() {
    let sys = fixture_dir("thp-never");
    write(
        &sys,
        "kernel/mm/transparent_hugepage/enabled",
        "always madvise [never]\n",
    );
    write(
        &sys,
        "kernel/mm/transparent_hugepage/hpage_pmd_size",
        "2097152\n",
    );
    let paths = SystemPaths {
        proc_root: sys.join("no-proc"),
        sys_root: sys.clone(),
        cgroup_root: sys.join("no-cgroup"),
    };
    let region = hugetlb_provider(None, paths)
        .allocate_region(&RegionRequest::new(4 << 20))
        .unwrap();
    assert_eq!(
        region.huge_page_fallback(),
        Some(HugePageFallback::NoHugeTlbPool)
    );
    assert_eq!(region.page_kind(), PageKind::Normal);
    assert!(!vm_flags(region.addr()).unwrap().iter().any(|f| f == "hg"));
}

#[test]
fn without_hugetlb_nothing_is_advised() {
    let region = LinuxResourceProvider::default()
        .allocate_region(&RegionRequest::new(4 << 20))
        .unwrap();
    assert_eq!(region.page_kind(), PageKind::Normal);
    assert_eq!(region.huge_page_fallback(), None);
    assert_eq!(region.numa_placement(), NumaPlacement::NotRequested);
}

#[test]
fn numa_binding_reports_a_single_node_machine() {
    let provider = LinuxResourceProvider::new(LinuxConfig {
        use_numa: Some(0),
        ..LinuxConfig::default()
    });
    let nodes = provider.get_capabilities().numa_nodes;
    let region = provider
        .allocate_region(&RegionRequest::new(1 << 16))
        .unwrap();
    if nodes == 1 {
        assert_eq!(region.numa_placement(), NumaPlacement::SingleNode);
    } else {
        assert_eq!(region.numa_placement(), NumaPlacement::Bound { node: 0 });
    }
}

/// Providers binding to a node of a fixture whose online nodes are `online` (sysfs syntax).
fn numa_provider(fixture: &str, online: &str) -> impl Fn(u32) -> LinuxResourceProvider {
    let sys = fixture_dir(fixture);
    write(&sys, "devices/system/node/online", &format!("{online}\n"));
    let paths = SystemPaths {
        sys_root: sys,
        ..SystemPaths::default()
    };
    move |node| {
        LinuxResourceProvider::new(LinuxConfig {
            use_numa: Some(node),
            paths: paths.clone(),
            ..LinuxConfig::default()
        })
    }
}

#[test]
fn a_node_that_does_not_exist_is_refused_on_a_one_node_machine_too() {
    // Regression: on a one-node machine node 5 was accepted as "single node", while a
    // two-node machine refused it.
    let provider = numa_provider("numa-one", "0");
    assert_eq!(
        provider(5)
            .allocate_region(&RegionRequest::new(4096))
            .unwrap_err(),
        wrt_platform::linux::LinuxError::NumaNodeOffline { node: 5, online: 1 }
    );
    let region = provider(0)
        .allocate_region(&RegionRequest::new(4096))
        .unwrap();
    assert_eq!(region.numa_placement(), NumaPlacement::SingleNode);
}

#[test]
fn numa_binding_on_a_fixture_with_two_nodes_refuses_an_offline_node() {
    let provider = numa_provider("numa-two", "0-1");
    assert_eq!(
        provider(5)
            .allocate_region(&RegionRequest::new(4096))
            .unwrap_err(),
        wrt_platform::linux::LinuxError::NumaNodeOffline { node: 5, online: 2 }
    );
    // Node 0 exists on every machine, so the real mbind succeeds and shows in numa_maps.
    let mut region = provider(0)
        .allocate_region(&RegionRequest::new(4096))
        .unwrap();
    assert_eq!(region.numa_placement(), NumaPlacement::Bound { node: 0 });
    region.bytes_mut().unwrap()[0] = 1;
    let numa_maps = std::fs::read_to_string("/proc/self/numa_maps").unwrap();
    let prefix = format!("{:x} ", region.addr());
    let line = numa_maps.lines().find(|l| l.starts_with(&prefix)).unwrap();
    assert!(line.contains("bind:0"), "{line}");
}

#[test]
fn a_page_size_the_system_has_no_pool_of_is_named_as_such() {
    // Regression: asking for 3 MiB pages on a system with a 2 MiB pool was reported as "the
    // system has no hugetlb pool".
    let sys = fixture_dir("pool-2m-only");
    write(
        &sys,
        "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
        "4\n",
    );
    write(
        &sys,
        "kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
        "4\n",
    );
    let paths = SystemPaths {
        proc_root: sys.join("no-proc"),
        sys_root: sys.clone(),
        cgroup_root: sys.join("no-cgroup"),
    };
    for asked in [3 << 20, 1 << 30] {
        let region = hugetlb_provider(Some(asked), paths.clone())
            .allocate_region(&RegionRequest::new(4 << 20))
            .unwrap();
        assert_eq!(
            region.huge_page_fallback(),
            Some(HugePageFallback::NoPoolOfSize {
                page_size: asked,
                pools: 1
            })
        );
        assert_ne!(region.page_kind(), PageKind::HugeTlb { size: asked });
    }
}
