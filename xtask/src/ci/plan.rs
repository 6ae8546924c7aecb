//! What `cargo xtask ci` runs: the environments, the steps, and how each is judged.

use std::path::{Path, PathBuf};

use crate::workspace::TOOLING_CRATE;
use crate::{proofs, trace};

/// A feature environment of the library crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Env {
    /// `#![no_std]` without an allocator: no features.
    NoAlloc,
    /// `#![no_std]` with `alloc`: `--no-default-features --features alloc`.
    Alloc,
    /// Hosted: the default features.
    Std,
}

impl Env {
    /// All environments, in table order.
    pub const ALL: [Env; 3] = [Env::NoAlloc, Env::Alloc, Env::Std];

    /// The name used on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Env::NoAlloc => "no_alloc",
            Env::Alloc => "alloc",
            Env::Std => "std",
        }
    }

    /// Parses a name as [`Env::name`] prints it.
    pub fn parse(name: &str) -> Option<Env> {
        Env::ALL.into_iter().find(|env| env.name() == name)
    }

    /// The cargo feature arguments that select this environment.
    pub fn feature_args(self) -> &'static [&'static str] {
        match self {
            Env::NoAlloc => &["--no-default-features"],
            Env::Alloc => &["--no-default-features", "--features", "alloc"],
            Env::Std => &[],
        }
    }
}

/// What `cargo xtask ci` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Environments to run; all three unless `--env` narrowed it.
    pub envs: Vec<Env>,
    /// Whether the docs build and the traceability check run (only in full runs).
    pub docs_and_trace: bool,
    /// Minimum public-type citation share, in percent, for the trace step.
    pub min_coverage: f64,
    /// Library crates that exist in some environments only (an engine that needs a heap or
    /// std), with those environments' names: their `Cargo.toml` says
    /// `[package.metadata.wrt] environments = ["alloc", "std"]`.
    pub restricted: Vec<(String, Vec<String>)>,
}

impl Options {
    /// Whether `krate` exists in `env`: every crate does, unless its manifest lists others.
    pub fn exists_in(&self, krate: &str, env: Env) -> bool {
        self.restricted
            .iter()
            .find(|(name, _)| name == krate)
            .is_none_or(|(_, envs)| envs.iter().any(|name| name == env.name()))
    }
}

/// One thing to run and how to judge it.
#[derive(Debug, Clone)]
pub struct Step {
    /// The name in the progress output and the table.
    pub name: String,
    /// What to do.
    pub action: Action,
}

/// How a step is carried out.
#[derive(Debug, Clone)]
pub enum Action {
    /// A `cargo` command line, run from the workspace root.
    Cargo {
        /// Arguments after `cargo`.
        args: Vec<String>,
        /// Extra environment variables.
        env: Vec<(String, String)>,
        /// How its outcome is judged.
        check: Check,
    },
    /// [`crate::docs::build`].
    Docs,
    /// [`crate::trace::run`].
    Trace,
    /// [`crate::venv::ensure`]: the Python the docs and the metrics tests need.
    Venv,
    /// [`crate::proof_harness::run_proof`] for this proof (a directory name under `proofs/`).
    ProofRun(String),
}

/// How the outcome of a cargo step is judged.
#[derive(Debug, Clone)]
pub enum Check {
    /// Passes when the command exits with 0.
    Exit,
    /// A nextest run: exit 0 passes, and the summary fills the table cell.
    Nextest {
        /// The crate tested.
        krate: String,
        /// The environment it was tested in.
        env: Env,
    },
    /// `cargo test --doc`: exit 0 passes; libtest's counts go into the detail.
    DocTests,
    /// A negative check: passes only when the command FAILS and its output contains this text.
    MustFailWith(&'static str),
}

/// A cargo step with the arguments given as string slices.
pub fn cargo_step(name: String, args: &[&str], check: Check) -> Step {
    Step {
        name,
        action: Action::Cargo {
            args: args.iter().map(|arg| (*arg).to_string()).collect(),
            env: Vec::new(),
            check,
        },
    }
}

/// The steps of a run, in order. `packaged` are the library crates `cargo package` packs (those
/// not `publish = false`, see [`crate::workspace::is_unpublished`]).
pub fn plan(
    libraries: &[String],
    options: &Options,
    target_dir: &Path,
    packaged: &[String],
) -> Vec<Step> {
    let mut steps = Vec::new();
    // The metrics exporter tests run Python with prometheus_client: unless the caller chose an
    // interpreter (WRT_PYTHON), set up the project's venv first; the test steps then use it.
    if options.docs_and_trace || std::env::var_os("WRT_PYTHON").is_none() {
        steps.push(Step {
            name: "python venv (.venv)".into(),
            action: Action::Venv,
        });
    }
    steps.push(cargo_step(
        "fmt".into(),
        &["fmt", "--all", "--", "--check", "--color", "never"],
        Check::Exit,
    ));
    for &env in &options.envs {
        let in_env: Vec<&String> = libraries
            .iter()
            .filter(|krate| options.exists_in(krate, env))
            .collect();
        for &krate in &in_env {
            let mut args = vec!["clippy", "-p", krate, "--all-targets"];
            args.extend(env.feature_args());
            args.extend(["--", "-D", "warnings"]);
            steps.push(cargo_step(
                format!("clippy {krate} ({})", env.name()),
                &args,
                Check::Exit,
            ));
        }
        for &krate in &in_env {
            steps.push(nextest_step(krate, env));
        }
    }
    if options.envs.contains(&Env::Std) {
        steps.push(cargo_step(
            format!("clippy {TOOLING_CRATE}"),
            &[
                "clippy",
                "-p",
                TOOLING_CRATE,
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            Check::Exit,
        ));
        steps.push(nextest_step(TOOLING_CRATE, Env::Std));
        for krate in libraries {
            steps.push(cargo_step(
                format!("doctests {krate}"),
                &["test", "--doc", "-p", krate],
                Check::DocTests,
            ));
        }
        for krate in libraries.iter().map(String::as_str).chain([TOOLING_CRATE]) {
            let mut step = cargo_step(
                format!("rustdoc {krate}"),
                &["doc", "-p", krate, "--no-deps"],
                Check::Exit,
            );
            if let Action::Cargo { env, .. } = &mut step.action {
                env.push(("RUSTDOCFLAGS".into(), "-D warnings".into()));
            }
            steps.push(step);
        }
    }
    steps.extend(proofs::steps(&options.envs, target_dir));
    if options.docs_and_trace {
        steps.push(Step {
            name: "docs (sphinx-needs, -W)".into(),
            action: Action::Docs,
        });
        steps.push(Step {
            name: "trace (source citations)".into(),
            action: Action::Trace,
        });
        if !packaged.is_empty() {
            steps.push(package_step(packaged, target_dir));
        }
    }
    steps
}

/// `cargo package` of every publishable library crate in one command: each is packed as
/// crates.io would get it and built from that `.crate`, its dependencies resolved from the
/// registry. The crates depend on each other by version and none is on crates.io yet, so
/// they are packed together: cargo then resolves the siblings from a local registry of the
/// `.crate` files it just packed (a crate packed alone would find no `wrt-foundation`).
///
/// `--allow-dirty`: the check is of the tree as it is, committed or not. `--locked`: packing
/// must not change `Cargo.lock`. The verification builds go to one directory for all the
/// packed crates ([`package_target_dir`], emptied before every run) with no debug info: they
/// are only compiled, never run, and share no artefact with the test builds anyway
/// (dev-dependencies change the features of wasmtime's dependencies).
fn package_step(crates: &[String], target_dir: &Path) -> Step {
    let target = package_target_dir(target_dir);
    let target = target.to_string_lossy();
    let mut args = vec![
        "package",
        "--locked",
        "--allow-dirty",
        "--config",
        "profile.dev.debug=false",
        "--target-dir",
        &target,
    ];
    for krate in crates {
        args.extend(["-p", krate.as_str()]);
    }
    cargo_step(
        format!("package ({} crates, built from their .crate)", crates.len()),
        &args,
        Check::Exit,
    )
}

/// Where `cargo package` builds: a directory of its own under the run's target directory.
///
/// Emptied before every run (see `ci::main`): cargo treats a crate from a registry as never
/// changing, so sibling crates it built from an earlier run's `.crate` files (same name,
/// same version) would be linked again without a rebuild, and a second run would verify
/// against the first run's code.
pub fn package_target_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("package-verify")
}

fn nextest_step(krate: &str, env: Env) -> Step {
    let mut args = vec!["nextest", "run", "-p", krate];
    args.extend(env.feature_args());
    args.push("--no-fail-fast");
    cargo_step(
        format!("nextest {krate} ({})", env.name()),
        &args,
        Check::Nextest {
            krate: krate.to_string(),
            env,
        },
    )
}

/// Parses the arguments after `cargo xtask ci`.
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut envs = Vec::new();
    let mut min_coverage = trace::DEFAULT_MIN_COVERAGE;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--env" => {
                let name = iter.next().ok_or("--env needs no_alloc, alloc or std")?;
                let env = Env::parse(name).ok_or_else(|| {
                    format!("unknown environment {name:?}: use no_alloc, alloc or std")
                })?;
                if !envs.contains(&env) {
                    envs.push(env);
                }
            }
            "--min-coverage" => {
                let value = iter.next().ok_or("--min-coverage needs a percentage")?;
                min_coverage = value
                    .parse()
                    .map_err(|_| format!("--min-coverage: not a number: {value:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let docs_and_trace = envs.is_empty();
    if envs.is_empty() {
        envs = Env::ALL.to_vec();
    }
    envs.sort();
    Ok(Options {
        envs,
        docs_and_trace,
        min_coverage,
        restricted: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn libs() -> Vec<String> {
        vec!["wrt-a".into(), "wrt-b".into()]
    }

    #[test]
    fn full_run_covers_every_crate_in_every_environment() {
        let options = parse_args(&[]).unwrap();
        assert!(options.docs_and_trace);
        let steps = plan(&libs(), &options, Path::new("target"), &libs());
        for env in Env::ALL {
            for krate in libs() {
                assert!(
                    steps
                        .iter()
                        .any(|s| s.name == format!("nextest {krate} ({})", env.name()))
                );
                assert!(
                    steps
                        .iter()
                        .any(|s| s.name == format!("clippy {krate} ({})", env.name()))
                );
            }
        }
        assert!(matches!(steps[0].action, Action::Venv));
        let Some(Action::Cargo { args, .. }) = steps
            .iter()
            .find(|s| s.name.starts_with("package "))
            .map(|s| &s.action)
        else {
            panic!("no packaging step");
        };
        assert_eq!(args[0], "package");
        assert!(args.windows(2).any(|w| w == ["-p", "wrt-a"]));
        assert!(args.windows(2).any(|w| w == ["-p", "wrt-b"]));
        assert!(
            args.windows(2)
                .any(|w| w == ["--target-dir", "target/package-verify"])
        );
        assert!(!args.iter().any(|a| a == "--no-verify"));
        assert!(steps.iter().any(|s| matches!(s.action, Action::Docs)));
        assert!(steps.iter().any(|s| matches!(s.action, Action::Trace)));
        assert!(
            steps
                .iter()
                .any(|s| s.name.starts_with("no_alloc proof rejects"))
        );
    }

    #[test]
    fn one_environment_runs_one_column_without_docs() {
        let options = parse_args(&["--env".into(), "alloc".into()]).unwrap();
        assert_eq!(options.envs, [Env::Alloc]);
        let steps = plan(&libs(), &options, Path::new("target"), &libs());
        assert!(
            steps
                .iter()
                .all(|s| !s.name.contains("(std)") && !s.name.contains("(no_alloc)"))
        );
        assert!(
            !steps
                .iter()
                .any(|s| matches!(s.action, Action::Docs | Action::Trace))
        );
        assert!(!steps.iter().any(|s| s.name.starts_with("package ")));
        let Some(Action::Cargo { args, .. }) = steps
            .iter()
            .find(|s| s.name == "nextest wrt-a (alloc)")
            .map(|s| &s.action)
        else {
            panic!("no nextest step for wrt-a");
        };
        assert_eq!(
            args,
            &[
                "nextest",
                "run",
                "-p",
                "wrt-a",
                "--no-default-features",
                "--features",
                "alloc",
                "--no-fail-fast"
            ]
        );
    }

    #[test]
    fn restricted_crates_run_in_their_environments_only() {
        let mut options = parse_args(&[]).unwrap();
        options.restricted = vec![("wrt-b".into(), vec!["std".into()])];
        let steps = plan(&libs(), &options, Path::new("target"), &libs());
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"nextest wrt-b (std)"));
        assert!(names.contains(&"clippy wrt-b (std)"));
        assert!(
            !names
                .iter()
                .any(|n| n.contains("wrt-b (alloc)") || n.contains("wrt-b (no_alloc)"))
        );
        assert!(names.contains(&"nextest wrt-a (no_alloc)"));
    }

    #[test]
    fn nothing_to_pack_means_no_packaging_step() {
        let steps = plan(&libs(), &parse_args(&[]).unwrap(), Path::new("target"), &[]);
        assert!(!steps.iter().any(|s| s.name.starts_with("package ")));
    }

    #[test]
    fn publish_false_in_the_package_table_only_marks_a_crate_unpublished() {
        assert!(crate::workspace::is_unpublished(
            "[package]\nname = \"a\"\npublish = false # test code\n\n[dependencies]\n"
        ));
        assert!(!crate::workspace::is_unpublished(
            "[package]\nname = \"a\"\n"
        ));
        assert!(!crate::workspace::is_unpublished(
            "[package]\nname = \"a\"\n\n[package.metadata.x]\npublish = false\n"
        ));
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse_args(&["--env".into(), "embedded".into()]).is_err());
        assert!(parse_args(&["--env".into()]).is_err());
        assert!(parse_args(&["--fast".into()]).is_err());
    }
}
