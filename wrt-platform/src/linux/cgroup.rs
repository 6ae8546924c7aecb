//! The process's memory cgroup: which limit applies and how much of it is used.
//!
//! Parsing is split from reading so fixtures can stand in for `/proc` and `/sys/fs/cgroup`:
//! [`parse_proc_self_cgroup`] and [`parse_limit`] work on strings, [`read_memory_state`]
//! on a cgroup root directory given as a parameter.
//!
//! Handled layouts:
//! - cgroup v2 (`0::/path`): `memory.max` (`max` = unlimited) and `memory.current`, at
//!   `<root>/<path>` (pure v2) or `<root>/unified/<path>` (hybrid), walking up to the root
//!   because a parent's limit also applies;
//! - cgroup v1 (`N:...memory...:/path`): `memory.limit_in_bytes` and
//!   `memory.usage_in_bytes` under `<root>/memory/<path>`, where the kernel writes
//!   `LONG_MAX` rounded down to a page for "no limit";
//! - no memory controller at all: [`CgroupMemory::NoController`].

use alloc::string::String;
use alloc::vec::Vec;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Values at or above this in a v1 limit file mean "no limit": the kernel stores
/// `LONG_MAX / PAGE_SIZE * PAGE_SIZE`, which is at least this for pages up to 64 KiB.
pub const V1_UNLIMITED_THRESHOLD: u64 = 0x7FFF_FFFF_FFFF_0000;

/// Which file a cgroup error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupFile {
    /// `/proc/self/cgroup`.
    ProcSelfCgroup,
    /// v2 `memory.max`.
    MemoryMax,
    /// v2 `memory.current`.
    MemoryCurrent,
    /// v1 `memory.limit_in_bytes`.
    LimitInBytes,
    /// v1 `memory.usage_in_bytes`.
    UsageInBytes,
}

impl CgroupFile {
    fn name(self) -> &'static str {
        match self {
            CgroupFile::ProcSelfCgroup => "cgroup",
            CgroupFile::MemoryMax => "memory.max",
            CgroupFile::MemoryCurrent => "memory.current",
            CgroupFile::LimitInBytes => "memory.limit_in_bytes",
            CgroupFile::UsageInBytes => "memory.usage_in_bytes",
        }
    }
}

/// A cgroup file could not be read or understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CgroupError {
    /// Reading failed for a reason other than the file not existing.
    #[error("reading {file:?} failed (errno {errno}; 0 when not an OS error)")]
    Io {
        /// The file.
        file: CgroupFile,
        /// The raw errno, 0 when the failure was not an OS error.
        errno: i32,
    },
    /// A line is not in the documented format.
    #[error("{file:?} line {line} is malformed")]
    Malformed {
        /// The file.
        file: CgroupFile,
        /// 1-based line number.
        line: usize,
    },
}

/// cgroup v1 or v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    /// The legacy per-controller hierarchies.
    V1,
    /// The unified hierarchy.
    V2,
}

/// Where the process sits, from `/proc/self/cgroup`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgroupMembership {
    /// The v2 path (`0::/path`), if the unified hierarchy is mounted.
    pub unified: Option<String>,
    /// The v1 path of the hierarchy that has the `memory` controller.
    pub memory_v1: Option<String>,
}

/// The memory limit state of the process's cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMemory {
    /// No memory controller is visible (no cgroup file system, or controller not mounted).
    NoController,
    /// A memory controller applies but no level sets a limit.
    Unlimited {
        /// Where it was found.
        version: CgroupVersion,
    },
    /// The tightest limit on the way from the process's cgroup to the root.
    Limited {
        /// Where it was found.
        version: CgroupVersion,
        /// The limit in bytes.
        limit: u64,
        /// Bytes charged to that cgroup now.
        usage: u64,
    },
}

impl CgroupMemory {
    /// Bytes that can still be charged, `None` when unlimited.
    pub fn available(&self) -> Option<u64> {
        match *self {
            CgroupMemory::Limited { limit, usage, .. } => Some(limit.saturating_sub(usage)),
            _ => None,
        }
    }
}

/// Parses `/proc/self/cgroup` (`hierarchy-ID:controller-list:path` per line).
pub fn parse_proc_self_cgroup(contents: &str) -> Result<CgroupMembership, CgroupError> {
    let mut membership = CgroupMembership::default();
    for (index, line) in contents.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let malformed = CgroupError::Malformed {
            file: CgroupFile::ProcSelfCgroup,
            line: index.saturating_add(1),
        };
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed);
        };
        if id.parse::<u32>().is_err() || !path.starts_with('/') {
            return Err(malformed);
        }
        if id == "0" && controllers.is_empty() {
            membership.unified = Some(path.into());
        } else if controllers.split(',').any(|c| c == "memory") {
            membership.memory_v1 = Some(path.into());
        }
    }
    Ok(membership)
}

/// Parses a limit file: `Ok(None)` for no limit (`max` in v2, a value at or above
/// [`V1_UNLIMITED_THRESHOLD`] in v1).
pub fn parse_limit(text: &str, file: CgroupFile) -> Result<Option<u64>, CgroupError> {
    let value = text.trim();
    if value == "max" {
        return Ok(None);
    }
    let bytes = parse_bytes(value, file)?;
    Ok((bytes < V1_UNLIMITED_THRESHOLD).then_some(bytes))
}

fn parse_bytes(text: &str, file: CgroupFile) -> Result<u64, CgroupError> {
    text.trim()
        .parse()
        .map_err(|_| CgroupError::Malformed { file, line: 1 })
}

/// Reads `file` in `dir`; `Ok(None)` when it does not exist.
fn read_file(dir: &Path, file: CgroupFile) -> Result<Option<String>, CgroupError> {
    match std::fs::read_to_string(dir.join(file.name())) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == ErrorKind::InvalidData => {
            Err(CgroupError::Malformed { file, line: 1 })
        }
        Err(e) => Err(CgroupError::Io {
            file,
            errno: e.raw_os_error().unwrap_or(0),
        }),
    }
}

/// `mount/a/b`, `mount/a`, `mount` for the cgroup path `/a/b` (components `.` and `..`
/// are dropped: the kernel never writes them, and they must not lead outside `mount`).
fn levels(mount: &Path, cgroup_path: &str) -> Vec<PathBuf> {
    let mut dir = mount.to_path_buf();
    let mut out = alloc::vec![dir.clone()];
    for part in cgroup_path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            continue;
        }
        dir.push(part);
        out.push(dir.clone());
    }
    out.reverse();
    out
}

/// `true` when `a` leaves no more room than `b` (a limit is tighter than no limit).
fn at_least_as_tight(a: CgroupMemory, b: CgroupMemory) -> bool {
    match (a.available(), b.available()) {
        (Some(a), Some(b)) => a <= b,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Walks one hierarchy. `None` when no level has the limit file (controller absent there).
fn walk(
    mount: &Path,
    cgroup_path: &str,
    version: CgroupVersion,
    (limit_file, usage_file): (CgroupFile, CgroupFile),
) -> Result<Option<CgroupMemory>, CgroupError> {
    let mut found = None;
    for dir in levels(mount, cgroup_path) {
        let Some(limit_text) = read_file(&dir, limit_file)? else {
            continue;
        };
        let limit = parse_limit(&limit_text, limit_file)?;
        let here = match limit {
            None => CgroupMemory::Unlimited { version },
            Some(limit) => {
                let usage = match read_file(&dir, usage_file)? {
                    Some(text) => parse_bytes(&text, usage_file)?,
                    None => 0,
                };
                CgroupMemory::Limited {
                    version,
                    limit,
                    usage,
                }
            }
        };
        found = Some(match found {
            Some(prev) if at_least_as_tight(prev, here) => prev,
            _ => here,
        });
    }
    Ok(found)
}

/// The memory limit state for `membership`, with the cgroup file system mounted at
/// `cgroup_root` (normally `/sys/fs/cgroup`).
pub fn read_memory_state(
    cgroup_root: &Path,
    membership: &CgroupMembership,
) -> Result<CgroupMemory, CgroupError> {
    let v2_files = (CgroupFile::MemoryMax, CgroupFile::MemoryCurrent);
    if let Some(path) = &membership.unified {
        for mount in [cgroup_root.to_path_buf(), cgroup_root.join("unified")] {
            if let Some(state) = walk(&mount, path, CgroupVersion::V2, v2_files)? {
                return Ok(state);
            }
        }
    }
    if let Some(path) = &membership.memory_v1 {
        let v1_files = (CgroupFile::LimitInBytes, CgroupFile::UsageInBytes);
        let mount = cgroup_root.join("memory");
        if let Some(state) = walk(&mount, path, CgroupVersion::V1, v1_files)? {
            return Ok(state);
        }
    }
    Ok(CgroupMemory::NoController)
}

/// Reads `<proc_root>/self/cgroup`, then [`read_memory_state`]. A missing
/// `/proc/self/cgroup` (kernel without cgroups) means [`CgroupMemory::NoController`].
pub fn read_self_memory_state(
    proc_root: &Path,
    cgroup_root: &Path,
) -> Result<CgroupMemory, CgroupError> {
    let Some(text) = read_file(&proc_root.join("self"), CgroupFile::ProcSelfCgroup)? else {
        return Ok(CgroupMemory::NoController);
    };
    let membership = parse_proc_self_cgroup(&text)?;
    read_memory_state(cgroup_root, &membership)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hybrid_and_pure_v2_and_v1_lines() {
        let hybrid = "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n";
        let m = parse_proc_self_cgroup(hybrid).unwrap();
        assert_eq!(m.unified.as_deref(), Some("/"));
        assert_eq!(m.memory_v1.as_deref(), Some("/process_api/abc"));
        let v2 = parse_proc_self_cgroup("0::/user.slice/a:b.scope\n").unwrap();
        assert_eq!(v2.unified.as_deref(), Some("/user.slice/a:b.scope"));
        assert_eq!(v2.memory_v1, None);
        let merged = parse_proc_self_cgroup("3:cpu,memory,pids:/x\n").unwrap();
        assert_eq!(merged.memory_v1.as_deref(), Some("/x"));
        assert_eq!(
            parse_proc_self_cgroup("").unwrap(),
            CgroupMembership::default()
        );
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let err = parse_proc_self_cgroup("0::/\nnonsense\n").unwrap_err();
        assert_eq!(
            err,
            CgroupError::Malformed {
                file: CgroupFile::ProcSelfCgroup,
                line: 2
            }
        );
        assert!(parse_proc_self_cgroup("x:memory:/\n").is_err());
        assert!(parse_proc_self_cgroup("1:memory:relative\n").is_err());
    }

    #[test]
    fn limits_max_numbers_and_v1_unlimited() {
        let f = CgroupFile::MemoryMax;
        assert_eq!(parse_limit("max\n", f), Ok(None));
        assert_eq!(parse_limit("1048576\n", f), Ok(Some(1_048_576)));
        assert_eq!(
            parse_limit("9223372036854771712\n", CgroupFile::LimitInBytes),
            Ok(None)
        );
        assert_eq!(
            parse_limit("-1", f),
            Err(CgroupError::Malformed { file: f, line: 1 })
        );
        assert!(parse_limit("", f).is_err());
    }

    #[test]
    fn levels_go_from_leaf_to_root_and_ignore_dot_dot() {
        let l = levels(Path::new("/r"), "/a/../b");
        let want: Vec<PathBuf> = ["/r/a/b", "/r/a", "/r"].iter().map(PathBuf::from).collect();
        assert_eq!(l, want);
        assert_eq!(levels(Path::new("/r"), "/"), std::vec![PathBuf::from("/r")]);
    }
}
