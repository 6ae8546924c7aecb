//! Helpers shared by the Linux integration tests: reading this process's mappings and
//! building fixture directories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One line of `/proc/self/maps` (or header of `/proc/self/smaps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapEntry {
    pub start: usize,
    pub end: usize,
    pub perms: String,
}

fn parse_header(line: &str) -> Option<MapEntry> {
    let mut fields = line.split_whitespace();
    let range = fields.next()?;
    let perms = fields.next()?;
    let (start, end) = range.split_once('-')?;
    Some(MapEntry {
        start: usize::from_str_radix(start, 16).ok()?,
        end: usize::from_str_radix(end, 16).ok()?,
        perms: perms.to_string(),
    })
}

/// The mapping of this process that contains `addr`.
pub fn mapping_containing(addr: usize) -> Option<MapEntry> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter_map(parse_header)
        .find(|e| e.start <= addr && addr < e.end)
}

/// The `VmFlags` of the mapping containing `addr`, from `/proc/self/smaps`.
pub fn vm_flags(addr: usize) -> Option<Vec<String>> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let mut inside = false;
    for line in smaps.lines() {
        // Field lines start with `Name:`, which never parses as an address range.
        if let Some(e) = parse_header(line) {
            inside = e.start <= addr && addr < e.end;
            continue;
        }
        if let (true, Some(flags)) = (inside, line.strip_prefix("VmFlags:")) {
            return Some(flags.split_whitespace().map(String::from).collect());
        }
    }
    None
}

/// A fresh, empty directory for one test's fixtures.
pub fn fixture_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wrt-platform-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `contents` to `root/relative`, creating parent directories.
pub fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}
