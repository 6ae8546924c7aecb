//! `cargo xtask docs`: the Sphinx + sphinx-needs HTML, with every warning an error, and the
//! `needs.json` export.
//!
//! Sphinx runs from the project's venv ([`crate::venv`]), built with `-W --keep-going -E`
//! (every warning is an error; `-E` re-reads every page so no warning hides in a cache).
//! Output: `<target>/docs/html`, `<target>/docs/needs.json` and
//! `<target>/docs/wrt-docs-<commit>.tar.gz`, the HTML in one archive to hand over.
//!
//! After the build, `docs/check_html.py` checks the HTML as an assessor uses it (every
//! citation opens its lines, every page with needs has its diagram, every page its stamp,
//! the stamp is `git rev-parse HEAD`); it first runs its self-test, so a checker that
//! stopped finding faults fails too. The diagrams need graphviz's `dot` (`.ci/run`
//! installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{self, Sink};
use crate::venv;
use crate::workspace::Workspace;

/// Where the HTML goes.
pub fn html_dir(ws: &Workspace) -> PathBuf {
    ws.target_dir.join("docs").join("html")
}

/// Builds the docs; `Ok` carries a one-line summary, `Err` the reason it failed.
pub fn build(ws: &Workspace, sink: &Sink) -> Result<String, String> {
    venv::ensure(ws, sink)?;
    if Command::new("dot").arg("-V").output().is_err() {
        return Err("(graphviz's `dot` is not installed: apt-get install graphviz)".into());
    }
    let out = html_dir(ws);
    // A fresh output: pages of an earlier build (a source page of a range no longer cited)
    // would otherwise stay, with an old stamp, in the HTML and the archive.
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .map_err(|e| format!("(cannot clear {}: {e})", out.display()))?;
    }
    let doctrees = ws.target_dir.join("docs").join("doctrees");
    let mut sphinx = Command::new(venv::python(ws));
    sphinx
        .current_dir(&ws.root)
        .args([
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-E",
            "-q",
            "-b",
            "html",
            "-d",
        ])
        .arg(&doctrees)
        .arg(ws.root.join("docs"))
        .arg(&out);
    let finished = run::run(&mut sphinx, sink).map_err(|e| format!("cannot run sphinx: {e}"))?;
    if !finished.success {
        return Err("(sphinx-build reported warnings or errors)".into());
    }
    let needs_json = out.join("needs.json");
    let exported = ws.target_dir.join("docs").join("needs.json");
    std::fs::copy(&needs_json, &exported)
        .map_err(|e| format!("(no needs.json export at {}: {e})", needs_json.display()))?;
    // one `"is_external": false` per need of this project (the schema names the key only)
    let needs = std::fs::read_to_string(&exported)
        .map(|text| text.matches("\"is_external\": false").count())
        .unwrap_or(0);
    let commit = head_commit(ws)?;
    let checked = check_html(ws, &out, &commit, sink)?;
    let archive = archive(ws, &out, &commit, sink)?;
    Ok(format!(
        "({needs} needs; {checked}; html in {}, {}, {})",
        out.display(),
        exported.display(),
        archive.display()
    ))
}

/// `git rev-parse HEAD`: the commit the docs are stamped with.
fn head_commit(ws: &Workspace) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(&ws.root)
        .args(["rev-parse", "HEAD"])
        .output()
        .map_err(|e| format!("(cannot run git: {e})"))?;
    if !output.status.success() {
        return Err("(git rev-parse HEAD failed: the docs are stamped with a commit)".into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Runs the HTML check's self-test, then the check; `Ok` carries its summary line.
fn check_html(ws: &Workspace, out: &Path, commit: &str, sink: &Sink) -> Result<String, String> {
    let script = ws.root.join("docs").join("check_html.py");
    let mut self_test = Command::new(venv::python(ws));
    self_test.arg(&script).arg("--self-test");
    let tested = run::run(&mut self_test, sink).map_err(|e| format!("cannot run python: {e}"))?;
    if !tested.success {
        return Err(
            "(the HTML check's self-test failed: it no longer finds planted faults)".into(),
        );
    }
    let mut check = Command::new(venv::python(ws));
    check.arg(&script).arg(out).arg(&ws.root).arg(commit);
    let checked = run::run(&mut check, sink).map_err(|e| format!("cannot run python: {e}"))?;
    if !checked.success {
        return Err("(the built HTML failed its check: see the log)".into());
    }
    Ok(checked
        .output
        .lines()
        .rev()
        .find(|line| line.starts_with("check_html:"))
        .map_or_else(
            || "HTML checked".into(),
            |line| line.trim_start_matches("check_html: ").to_string(),
        ))
}

/// `<target>/docs/wrt-docs-<commit>.tar.gz`: the HTML, entries sorted and dated 0 so the
/// same commit gives the same archive.
fn archive(ws: &Workspace, out: &Path, commit: &str, sink: &Sink) -> Result<PathBuf, String> {
    let path = ws
        .target_dir
        .join("docs")
        .join(format!("wrt-docs-{commit}.tar.gz"));
    let mut tar = Command::new("tar");
    tar.args([
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--mtime=@0",
    ])
    .args(["--use-compress-program", "gzip -n", "-cf"])
    .arg(&path)
    .arg("-C")
    .arg(out)
    .arg(".");
    let done = run::run(&mut tar, sink).map_err(|e| format!("cannot run tar: {e}"))?;
    if !done.success {
        return Err(format!("(tar could not write {})", path.display()));
    }
    Ok(path)
}

/// `cargo xtask docs`.
pub fn main(ws: &Workspace) -> bool {
    match build(ws, &Sink::Terminal) {
        Ok(summary) => {
            println!("docs: built {summary}");
            true
        }
        Err(error) => {
            eprintln!("docs: FAILED {error}");
            false
        }
    }
}
