//! cgroup memory limits: the real files of this machine, and fixtures for the limited,
//! unlimited, missing, v1 and hybrid cases, including the provider refusing an
//! allocation that would cross the limit.
#![cfg(all(target_os = "linux", feature = "std"))]

mod common;

use std::path::{Path, PathBuf};

use common::{fixture_dir, write};
use wrt_platform::linux::cgroup::{
    CgroupFile, CgroupMemory, CgroupVersion, V1_UNLIMITED_THRESHOLD, parse_limit,
    parse_proc_self_cgroup, read_memory_state, read_self_memory_state,
};
use wrt_platform::linux::sysinfo::SystemPaths;
use wrt_platform::linux::{LinuxConfig, LinuxError, LinuxResourceProvider, ReservationRequest};
use wrt_platform::{MemoryLimit, PlatformResourceProvider, RegionRequest};

/// A fake `/proc` and cgroup root: returns (proc_root, cgroup_root).
fn fixture(name: &str, proc_self_cgroup: &str, files: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let root = fixture_dir(name);
    write(&root, "proc/self/cgroup", proc_self_cgroup);
    for (path, contents) in files {
        write(&root, &format!("cgroup/{path}"), contents);
    }
    (root.join("proc"), root.join("cgroup"))
}

fn state(name: &str, proc_self_cgroup: &str, files: &[(&str, &str)]) -> CgroupMemory {
    let (proc_root, cgroup_root) = fixture(name, proc_self_cgroup, files);
    read_self_memory_state(&proc_root, &cgroup_root).unwrap()
}

#[test]
fn v2_limited_and_unlimited() {
    let limited = state(
        "v2-limited",
        "0::/app.slice/wrt.service\n",
        &[
            ("app.slice/wrt.service/memory.max", "1048576\n"),
            ("app.slice/wrt.service/memory.current", "4096\n"),
            ("app.slice/memory.max", "max\n"),
            ("app.slice/memory.current", "999999\n"),
        ],
    );
    assert_eq!(
        limited,
        CgroupMemory::Limited {
            version: CgroupVersion::V2,
            limit: 1_048_576,
            usage: 4096
        }
    );
    assert_eq!(limited.available(), Some(1_048_576 - 4096));
    let unlimited = state(
        "v2-unlimited",
        "0::/a\n",
        &[("a/memory.max", "max\n"), ("a/memory.current", "1\n")],
    );
    assert_eq!(
        unlimited,
        CgroupMemory::Unlimited {
            version: CgroupVersion::V2
        }
    );
}

#[test]
fn v2_parent_limit_applies_when_tighter() {
    let s = state(
        "v2-parent",
        "0::/outer/inner\n",
        &[
            ("outer/inner/memory.max", "max\n"),
            ("outer/inner/memory.current", "100\n"),
            ("outer/memory.max", "5000\n"),
            ("outer/memory.current", "3000\n"),
        ],
    );
    assert_eq!(
        s,
        CgroupMemory::Limited {
            version: CgroupVersion::V2,
            limit: 5000,
            usage: 3000
        }
    );
}

#[test]
fn container_namespace_root_with_a_limit() {
    let s = state(
        "v2-container",
        "0::/\n",
        &[("memory.max", "268435456\n"), ("memory.current", "1000\n")],
    );
    assert_eq!(s.available(), Some(268_435_456 - 1000));
}

#[test]
fn v1_limited_unlimited_and_hybrid() {
    let v1 = state(
        "v1-limited",
        "4:memory:/job\n0::/\n",
        &[
            ("memory/job/memory.limit_in_bytes", "2097152\n"),
            ("memory/job/memory.usage_in_bytes", "1048576\n"),
            ("memory/memory.limit_in_bytes", "9223372036854771712\n"),
            ("unified/cgroup.procs", ""),
        ],
    );
    assert_eq!(
        v1,
        CgroupMemory::Limited {
            version: CgroupVersion::V1,
            limit: 2_097_152,
            usage: 1_048_576
        }
    );
    let unlimited = state(
        "v1-unlimited",
        "4:memory:/job\n",
        &[
            ("memory/job/memory.limit_in_bytes", "9223372036854771712\n"),
            ("memory/job/memory.usage_in_bytes", "5\n"),
        ],
    );
    assert_eq!(
        unlimited,
        CgroupMemory::Unlimited {
            version: CgroupVersion::V1
        }
    );
}

#[test]
fn missing_files_and_missing_proc_mean_no_controller() {
    let none = state("missing", "0::/gone\n1:cpu:/x\n", &[]);
    assert_eq!(none, CgroupMemory::NoController);
    let root = fixture_dir("no-proc");
    assert_eq!(
        read_self_memory_state(&root.join("proc"), &root.join("cgroup")).unwrap(),
        CgroupMemory::NoController
    );
}

#[test]
fn malformed_values_are_errors_not_guesses() {
    let (proc_root, cgroup_root) = fixture(
        "malformed",
        "0::/a\n",
        &[("a/memory.max", "lots\n"), ("a/memory.current", "1\n")],
    );
    assert!(read_self_memory_state(&proc_root, &cgroup_root).is_err());
    assert!(parse_limit("12ab", CgroupFile::MemoryMax).is_err());
}

fn provider_over(proc_root: &Path, cgroup_root: &Path) -> LinuxResourceProvider {
    LinuxResourceProvider::new(LinuxConfig {
        memory_cgroups: true,
        paths: SystemPaths {
            proc_root: proc_root.to_path_buf(),
            cgroup_root: cgroup_root.to_path_buf(),
            ..SystemPaths::default()
        },
        ..LinuxConfig::default()
    })
}

#[test]
fn provider_refuses_an_allocation_crossing_the_limit() {
    let (proc_root, cgroup_root) = fixture(
        "provider-limit",
        "0::/wrt\n",
        &[
            ("wrt/memory.max", "1048576\n"),
            ("wrt/memory.current", "917504\n"),
        ],
    );
    let provider = provider_over(&proc_root, &cgroup_root);
    let page = provider.get_capabilities().page_size as u64;
    assert_eq!(
        provider.get_capabilities().memory_limit,
        MemoryLimit::Limited {
            limit: 1_048_576,
            in_use: 917_504
        }
    );
    let available = 1_048_576 - 917_504;
    let err = provider
        .allocate_region(&RegionRequest::new(200 * 1024))
        .unwrap_err();
    assert_eq!(
        err,
        LinuxError::CgroupLimit {
            requested: (200 * 1024u64).next_multiple_of(page),
            available,
            limit: 1_048_576
        }
    );
    let ok = provider
        .allocate_region(&RegionRequest::new(64 * 1024))
        .unwrap();
    assert_eq!(ok.size(), 64 * 1024);
    // Without the cgroup option the same fixture does not restrict.
    let free = LinuxResourceProvider::new(LinuxConfig {
        memory_cgroups: false,
        ..provider.config().clone()
    });
    assert!(
        free.allocate_region(&RegionRequest::new(200 * 1024))
            .is_ok()
    );
}

/// An empty region or reservation charges nothing, so a cgroup with no byte left still
/// serves it, while a single byte is refused.
#[test]
fn an_empty_region_is_served_at_the_limit() {
    let (proc_root, cgroup_root) = fixture(
        "provider-at-limit",
        "0::/wrt\n",
        &[
            ("wrt/memory.max", "1048576\n"),
            ("wrt/memory.current", "1048576\n"),
        ],
    );
    let provider = provider_over(&proc_root, &cgroup_root);
    let region = provider.allocate_region(&RegionRequest::new(0)).unwrap();
    assert_eq!(region.size(), 0);
    let reserved = provider
        .reserve_region(&ReservationRequest::new(0, 0))
        .unwrap();
    assert_eq!(reserved.reserved_len(), 0);
    // A reservation with nothing accessible at first charges nothing either.
    let page = provider.get_capabilities().page_size;
    assert!(
        provider
            .reserve_region(&ReservationRequest::new(page, 0))
            .is_ok()
    );
    assert!(matches!(
        provider.allocate_region(&RegionRequest::new(1)),
        Err(LinuxError::CgroupLimit { available: 0, .. })
    ));
}

#[test]
fn the_real_files_of_this_machine() {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let membership = parse_proc_self_cgroup(&text).unwrap();
    let real = read_memory_state(Path::new("/sys/fs/cgroup"), &membership).unwrap();
    // Recompute independently what the leaf files say.
    let v2_leaf = membership
        .unified
        .as_ref()
        .map(|p| format!("/sys/fs/cgroup{}/memory.max", p.trim_end_matches('/')));
    let v1_leaf = membership.memory_v1.as_ref().map(|p| {
        format!(
            "/sys/fs/cgroup/memory{}/memory.limit_in_bytes",
            p.trim_end_matches('/')
        )
    });
    let read = |p: &Option<String>| p.as_ref().and_then(|p| std::fs::read_to_string(p).ok());
    match real {
        CgroupMemory::Limited { version, limit, .. } => {
            assert!(limit < V1_UNLIMITED_THRESHOLD);
            let leaf = if version == CgroupVersion::V2 {
                &v2_leaf
            } else {
                &v1_leaf
            };
            if let Some(text) = read(leaf) {
                // A leaf limit, when set, is never looser than the effective one.
                if let Ok(Some(leaf_limit)) = parse_limit(&text, CgroupFile::MemoryMax) {
                    assert!(limit <= leaf_limit);
                }
            }
        }
        CgroupMemory::Unlimited {
            version: CgroupVersion::V1,
        } => {
            let text = read(&v1_leaf).expect("a v1 answer needs the v1 file");
            assert!(text.trim().parse::<u64>().unwrap() >= V1_UNLIMITED_THRESHOLD);
        }
        CgroupMemory::Unlimited {
            version: CgroupVersion::V2,
        } => {
            // Some level from the leaf up has `memory.max`, and every one that has it says
            // "max" (pure v2 at the root, hybrid under `unified`).
            let path = membership
                .unified
                .as_deref()
                .expect("a v2 answer needs a v2 path");
            let texts: Vec<String> = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
                .iter()
                .flat_map(|mount| {
                    Path::new(path)
                        .ancestors()
                        .map(move |dir| Path::new(mount).join(dir.strip_prefix("/").unwrap()))
                })
                .filter_map(|dir| std::fs::read_to_string(dir.join("memory.max")).ok())
                .collect();
            assert!(
                !texts.is_empty() && texts.iter().all(|t| t.trim() == "max"),
                "{texts:?}"
            );
        }
        CgroupMemory::NoController => {
            assert!(read(&v1_leaf).is_none() && read(&v2_leaf).is_none());
        }
    }
    // The provider reads the same thing and does not refuse a small region under it.
    let provider = LinuxResourceProvider::new(LinuxConfig {
        memory_cgroups: true,
        ..LinuxConfig::default()
    });
    let again = provider.cgroup_memory().unwrap();
    let limit_of = |m: CgroupMemory| match m {
        CgroupMemory::Limited { version, limit, .. } => (Some(version), Some(limit)),
        CgroupMemory::Unlimited { version } => (Some(version), None),
        CgroupMemory::NoController => (None, None),
    };
    assert_eq!(limit_of(again), limit_of(real)); // usage moves between reads; limits do not
    assert!(provider.allocate_region(&RegionRequest::new(4096)).is_ok());
}
