//! Where the workspace is, where its build output goes, and which crates are libraries.

use std::io;
use std::path::{Path, PathBuf};

/// The member that is tooling, not a library: it is never part of the feature matrix.
pub const TOOLING_CRATE: &str = "xtask";

/// The repository checkout xtask works on.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Directory holding the root `Cargo.toml`.
    pub root: PathBuf,
    /// Cargo's target directory: `$CARGO_TARGET_DIR`, else `<root>/target`. Proof builds,
    /// docs and logs go below it so one `rm -rf target` starts everything afresh.
    pub target_dir: PathBuf,
}

impl Workspace {
    /// The workspace xtask was built from.
    ///
    /// `cargo run` sets `CARGO_MANIFEST_DIR` for the process; the compile-time value is the
    /// fallback for a binary started directly.
    pub fn locate() -> Self {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(manifest_dir);
        Self::at(root)
    }

    /// The workspace rooted at `root` (used by tests on fixture trees).
    pub fn at(root: PathBuf) -> Self {
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() {
                    dir
                } else {
                    std::env::current_dir().unwrap_or_default().join(dir)
                }
            }
            None => root.join("target"),
        };
        Self { root, target_dir }
    }

    /// The library crates: the `members` of the root `Cargo.toml` except [`TOOLING_CRATE`],
    /// in the order listed, so a crate added to the workspace joins the matrix by itself.
    pub fn library_crates(&self) -> io::Result<Vec<String>> {
        let manifest = std::fs::read_to_string(self.root.join("Cargo.toml"))?;
        Ok(parse_members(&manifest)
            .into_iter()
            .filter(|member| member != TOOLING_CRATE)
            .collect())
    }
}

impl Workspace {
    /// The library crates that are published (not `publish = false`, see
    /// [`is_unpublished`]): what `cargo xtask ci` packs and what the traceability check
    /// counts public types of. The test support crate is neither shipped nor cited.
    pub fn published_crates(&self) -> io::Result<Vec<String>> {
        let mut published = Vec::new();
        for krate in self.library_crates()? {
            let manifest = std::fs::read_to_string(self.root.join(&krate).join("Cargo.toml"))?;
            if !is_unpublished(&manifest) {
                published.push(krate);
            }
        }
        Ok(published)
    }

    /// The library crates whose manifest names the environments they exist in, with
    /// `[package.metadata.wrt]` `environments = ["alloc", "std"]`, and those names. A crate
    /// that names none exists in every environment.
    pub fn restricted_crates(&self) -> io::Result<Vec<(String, Vec<String>)>> {
        let mut restricted = Vec::new();
        for krate in self.library_crates()? {
            let manifest = std::fs::read_to_string(self.root.join(&krate).join("Cargo.toml"))?;
            if let Some(environments) = declared_environments(&manifest) {
                restricted.push((krate, environments));
            }
        }
        Ok(restricted)
    }
}

/// A manifest line without its comment and without any whitespace (`publish = false  # x`
/// becomes `publish=false`), so that simple keys compare as one string however spaced.
pub fn squeezed(line: &str) -> String {
    line.split('#')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

/// Whether a crate manifest says `publish = false` in its `[package]` table: such a crate (the
/// test support crate) is never packed.
pub fn is_unpublished(manifest: &str) -> bool {
    let mut in_package = false;
    manifest.lines().any(|line| {
        let line = squeezed(line);
        if line.starts_with('[') {
            in_package = line == "[package]";
            return false;
        }
        in_package && (line == "publish=false" || line == "publish=[]")
    })
}

/// The `environments = [...]` list of a crate manifest's `[package.metadata.wrt]` table.
pub fn declared_environments(manifest: &str) -> Option<Vec<String>> {
    let start = manifest.find("[package.metadata.wrt]")?;
    let table = &manifest[start..];
    let table = table[1..]
        .find("\n[")
        .map_or(table, |end| &table[..end + 1]);
    table.lines().find_map(|line| {
        let line = squeezed(line);
        let list = line.strip_prefix("environments=[")?.strip_suffix(']')?;
        Some(
            list.split(',')
                .map(|name| name.trim_matches('"').to_string())
                .filter(|name| !name.is_empty())
                .collect(),
        )
    })
}

#[cfg(test)]
mod environment_tests {
    use super::declared_environments;

    #[test]
    fn only_the_wrt_metadata_table_counts() {
        assert_eq!(
            declared_environments(
                "[package]\nname = \"a\"\n\n[package.metadata.wrt]\nenvironments = [\"alloc\", \"std\"]\n"
            ),
            Some(vec!["alloc".to_string(), "std".to_string()])
        );
        assert_eq!(declared_environments("[package]\nname = \"a\"\n"), None);
        assert_eq!(
            declared_environments(
                "[package.metadata.wrt]\n\n[features]\nenvironments = [\"std\"]\n"
            ),
            None
        );
    }
}

/// The strings of the `members = [...]` array of a workspace manifest (which may span lines).
///
/// A deliberately small reader: xtask has no TOML dependency, and the workspace manifest
/// lists members as plain quoted paths.
pub fn parse_members(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members") else {
        return Vec::new();
    };
    let rest = &manifest[start..];
    let Some(open) = rest.find('[') else {
        return Vec::new();
    };
    let Some(close) = rest[open..].find(']') else {
        return Vec::new();
    };
    let list = &rest[open + 1..open + close];
    list.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|line| line.split(','))
        .map(|item| item.trim().trim_matches('"').to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_on_one_line_and_across_lines() {
        let one = "[workspace]\nmembers = [\"a\", \"b\", \"xtask\"]\nexclude = [\"proofs\"]\n";
        assert_eq!(parse_members(one), ["a", "b", "xtask"]);
        let many = "[workspace]\nmembers = [\n  \"a\", # first\n  \"b\",\n]\n";
        assert_eq!(parse_members(many), ["a", "b"]);
    }

    #[test]
    fn no_members_gives_nothing() {
        assert!(parse_members("[package]\nname = \"x\"\n").is_empty());
    }
}
