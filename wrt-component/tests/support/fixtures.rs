//! The committed fixtures in `tests/fixtures`, by file name.

use std::path::{Path, PathBuf};

use wrt_component::admission::{Requirements, read_requirements};

/// The fixtures directory.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The path of fixture `name`.
pub fn path(name: &str) -> PathBuf {
    dir().join(name)
}

/// The bytes of fixture `name`.
pub fn bytes(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The requirements read from fixture `name`, which must be a valid binary.
pub fn requirements(name: &str) -> Requirements {
    read_requirements(&bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}
