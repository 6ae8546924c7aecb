//! `cargo xtask docs`: the Sphinx + sphinx-needs HTML, with every warning an error, and the
//! `needs.json` export.
//!
//! Sphinx runs from the project's venv ([`crate::venv`]), built with `-W --keep-going -E`
//! (every warning is an error; `-E` re-reads every page so no warning hides in a cache).
//! Output: `<target>/docs/html` and `<target>/docs/needs.json`.

use std::path::PathBuf;
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
    let out = html_dir(ws);
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
    Ok(format!(
        "({needs} needs; html in {}, {})",
        out.display(),
        exported.display()
    ))
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
