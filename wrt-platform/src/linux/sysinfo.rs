//! What this Linux system offers, read from `/proc` and `/sys` under configurable roots so
//! fixtures can stand in for them: huge page pools, transparent huge pages, NUMA nodes,
//! the map count limit. Parsers are pure functions over strings.

use alloc::string::String;
use alloc::vec::Vec;
use core::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use wrt_foundation::BoundedVec;

use crate::provider::{HugePageSize, MAX_HUGE_PAGE_SIZES};

/// Where the provider looks for `/proc`, `/sys` and the cgroup file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemPaths {
    /// Normally `/proc`.
    pub proc_root: PathBuf,
    /// Normally `/sys`.
    pub sys_root: PathBuf,
    /// Normally `/sys/fs/cgroup`.
    pub cgroup_root: PathBuf,
}

impl Default for SystemPaths {
    fn default() -> Self {
        Self {
            proc_root: PathBuf::from("/proc"),
            sys_root: PathBuf::from("/sys"),
            cgroup_root: PathBuf::from("/sys/fs/cgroup"),
        }
    }
}

/// The system-wide transparent huge page mode (`/sys/kernel/mm/transparent_hugepage/enabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThpMode {
    /// Every anonymous mapping may get huge pages.
    Always,
    /// Only ranges advised with `MADV_HUGEPAGE`.
    Madvise,
    /// Never, whatever the advice.
    Never,
}

impl ThpMode {
    /// `true` when `madvise(MADV_HUGEPAGE)` can lead to huge pages.
    pub fn honours_advice(self) -> bool {
        matches!(self, ThpMode::Always | ThpMode::Madvise)
    }
}

/// The selected mode is the bracketed word: `always [madvise] never`.
pub fn parse_thp_mode(text: &str) -> Option<ThpMode> {
    let start = text.find('[')?;
    let rest = text.get(start.saturating_add(1)..)?;
    let word = rest.get(..rest.find(']')?)?;
    match word {
        "always" => Some(ThpMode::Always),
        "madvise" => Some(ThpMode::Madvise),
        "never" => Some(ThpMode::Never),
        _ => None,
    }
}

/// `hugepages-2048kB` → 2 MiB.
pub fn parse_huge_page_dir(name: &str) -> Option<usize> {
    let kib: usize = name
        .strip_prefix("hugepages-")?
        .strip_suffix("kB")?
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// A kernel node list such as `0`, `0-3` or `0,2-3,8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeList(Vec<RangeInclusive<u32>>);

impl NodeList {
    /// How many nodes the list names.
    pub fn count(&self) -> u32 {
        self.0.iter().fold(0u32, |sum, r| {
            sum.saturating_add(r.end().saturating_sub(*r.start()).saturating_add(1))
        })
    }

    /// `true` when `node` is in the list.
    pub fn contains(&self, node: u32) -> bool {
        self.0.iter().any(|r| r.contains(&node))
    }
}

/// Parses a node list; `None` when malformed.
pub fn parse_node_list(text: &str) -> Option<NodeList> {
    let mut ranges = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        let (lo, hi) = match part.split_once('-') {
            Some((lo, hi)) => (lo.parse().ok()?, hi.parse().ok()?),
            None => {
                let n = part.parse().ok()?;
                (n, n)
            }
        };
        if lo > hi {
            return None;
        }
        ranges.push(lo..=hi);
    }
    Some(NodeList(ranges))
}

/// The default huge page pool from `/proc/meminfo` (`Hugepagesize`, `HugePages_Total`,
/// `HugePages_Free`), for kernels without `/sys/kernel/mm/hugepages`.
pub fn parse_meminfo_huge_pages(meminfo: &str) -> Option<HugePageSize> {
    let field = |name: &str| -> Option<u64> {
        let line = meminfo.lines().find(|l| l.starts_with(name))?;
        line.get(name.len()..)?
            .trim_start_matches(':')
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let size_kib = usize::try_from(field("Hugepagesize")?).ok()?;
    Some(HugePageSize {
        size: size_kib.checked_mul(1024)?,
        total: field("HugePages_Total")?,
        free: field("HugePages_Free")?,
    })
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().into())
}

fn read_u64(path: &Path) -> Option<u64> {
    read_trimmed(path)?.parse().ok()
}

impl SystemPaths {
    /// Huge page pools, smallest size first (at most [`MAX_HUGE_PAGE_SIZES`]).
    pub fn huge_page_sizes(&self) -> BoundedVec<HugePageSize, MAX_HUGE_PAGE_SIZES> {
        let mut found: Vec<HugePageSize> = Vec::new();
        let dir = self.sys_root.join("kernel/mm/hugepages");
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(size) = name.to_str().and_then(parse_huge_page_dir) else {
                    continue;
                };
                let path = entry.path();
                found.push(HugePageSize {
                    size,
                    total: read_u64(&path.join("nr_hugepages")).unwrap_or(0),
                    free: read_u64(&path.join("free_hugepages")).unwrap_or(0),
                });
            }
        } else if let Some(default) = std::fs::read_to_string(self.proc_root.join("meminfo"))
            .ok()
            .and_then(|m| parse_meminfo_huge_pages(&m))
        {
            found.push(default);
        }
        found.sort_by_key(|h| h.size);
        let mut out = BoundedVec::new();
        for h in found.into_iter().take(MAX_HUGE_PAGE_SIZES) {
            let _ = out.push(h);
        }
        out
    }

    /// The size `MAP_HUGETLB` uses by default (`Hugepagesize` in `/proc/meminfo`).
    pub fn default_huge_page_size(&self) -> Option<usize> {
        std::fs::read_to_string(self.proc_root.join("meminfo"))
            .ok()
            .and_then(|m| parse_meminfo_huge_pages(&m))
            .map(|h| h.size)
    }

    /// The transparent huge page mode; `None` when the kernel has no THP support.
    pub fn thp_mode(&self) -> Option<ThpMode> {
        read_trimmed(&self.sys_root.join("kernel/mm/transparent_hugepage/enabled"))
            .and_then(|t| parse_thp_mode(&t))
    }

    /// The PMD huge page size THP uses (2 MiB on x86-64), when THP exists.
    pub fn thp_page_size(&self) -> Option<usize> {
        read_u64(
            &self
                .sys_root
                .join("kernel/mm/transparent_hugepage/hpage_pmd_size"),
        )
        .and_then(|v| usize::try_from(v).ok())
    }

    /// NUMA nodes online; `None` on a kernel without NUMA support (one node).
    pub fn numa_nodes(&self) -> Option<NodeList> {
        read_trimmed(&self.sys_root.join("devices/system/node/online"))
            .and_then(|t| parse_node_list(&t))
    }

    /// `vm.max_map_count`: how many mappings the process may have.
    pub fn max_map_count(&self) -> Option<u64> {
        read_u64(&self.proc_root.join("sys/vm/max_map_count"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thp_mode_is_the_bracketed_word() {
        assert_eq!(
            parse_thp_mode("always [madvise] never\n"),
            Some(ThpMode::Madvise)
        );
        assert_eq!(
            parse_thp_mode("[always] madvise never"),
            Some(ThpMode::Always)
        );
        assert_eq!(
            parse_thp_mode("always madvise [never]"),
            Some(ThpMode::Never)
        );
        assert_eq!(parse_thp_mode("always madvise never"), None);
        assert!(!ThpMode::Never.honours_advice());
    }

    #[test]
    fn node_lists() {
        let l = parse_node_list("0,2-3,8\n").unwrap();
        assert_eq!(l.count(), 4);
        assert!(l.contains(3) && !l.contains(1));
        assert_eq!(parse_node_list("0").unwrap().count(), 1);
        assert!(parse_node_list("3-1").is_none());
        assert!(parse_node_list("x").is_none());
    }

    #[test]
    fn huge_page_names_and_meminfo() {
        assert_eq!(parse_huge_page_dir("hugepages-2048kB"), Some(2 << 20));
        assert_eq!(parse_huge_page_dir("hugepages-1048576kB"), Some(1 << 30));
        assert_eq!(parse_huge_page_dir("other"), None);
        let meminfo = "MemTotal: 100 kB\nHugePages_Total:       4\nHugePages_Free:        3\n\
                       HugePages_Rsvd:        0\nHugepagesize:       2048 kB\n";
        assert_eq!(
            parse_meminfo_huge_pages(meminfo),
            Some(HugePageSize {
                size: 2 << 20,
                total: 4,
                free: 3
            })
        );
        assert_eq!(parse_meminfo_huge_pages("MemTotal: 1 kB\n"), None);
    }
}
