//! The project's Python environment: one virtual environment at `<root>/.venv` (git-ignored)
//! holding Sphinx and sphinx-needs for the docs and `prometheus_client` for the metrics
//! exporter tests, each pinned in a requirements file.
//!
//! Created with `python3` (or `$WRT_BOOTSTRAP_PYTHON`) `-m venv` when missing. The
//! requirements are installed whenever their text differs from what was last installed (a
//! copy is kept in `.venv/wrt-requirements.txt`), so a second run does not touch the network.

use std::path::PathBuf;
use std::process::Command;

use crate::run::{self, Sink};
use crate::workspace::Workspace;

/// Requirements files installed into the venv, relative to the repository root.
pub const REQUIREMENT_FILES: [&str; 2] = ["docs/requirements.txt", ".ci/requirements-tests.txt"];

/// The venv's directory.
pub fn dir(ws: &Workspace) -> PathBuf {
    ws.root.join(".venv")
}

/// The venv's Python interpreter.
pub fn python(ws: &Workspace) -> PathBuf {
    dir(ws).join("bin").join("python")
}

/// Creates the venv if needed and installs the requirements when they changed.
pub fn ensure(ws: &Workspace, sink: &Sink) -> Result<String, String> {
    let python = python(ws);
    if !python.exists() {
        let bootstrap = std::env::var("WRT_BOOTSTRAP_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut create = Command::new(bootstrap);
        create.arg("-m").arg("venv").arg(dir(ws));
        let finished =
            run::run(&mut create, sink).map_err(|e| format!("(cannot create the venv: {e})"))?;
        if !finished.success {
            return Err("(python3 -m venv failed)".into());
        }
    }
    let mut wanted = String::new();
    for file in REQUIREMENT_FILES {
        let text = std::fs::read_to_string(ws.root.join(file))
            .map_err(|e| format!("(cannot read {file}: {e})"))?;
        wanted.push_str(&format!("# {file}\n{text}\n"));
    }
    let stamp = dir(ws).join("wrt-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == wanted) {
        return Ok(format!("({} up to date)", dir(ws).display()));
    }
    let mut install = Command::new(&python);
    install.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "-q",
    ]);
    for file in REQUIREMENT_FILES {
        install.arg("-r").arg(ws.root.join(file));
    }
    let finished = run::run(&mut install, sink).map_err(|e| format!("(cannot run pip: {e})"))?;
    if !finished.success {
        return Err(format!(
            "(pip install -r {} failed)",
            REQUIREMENT_FILES.join(" -r ")
        ));
    }
    std::fs::write(&stamp, wanted)
        .map_err(|e| format!("(cannot write {}: {e})", stamp.display()))?;
    Ok(format!("(installed into {})", dir(ws).display()))
}
