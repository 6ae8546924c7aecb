//! `wrt-budget run`: admit a WASI command, run it in wasmtime under the limits, report.

mod wasi;
mod wasmi_job;

use wasi::Job;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wrt_component::admission::{GateError, admit_with, read_requirements};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
use wrt_platform::linux::LinuxConfig;
use wrt_wasmtime::{EngineOptions, GovernedEngine, PlatformMemoryCreator};

use crate::limit_args::{LimitArgs, load};
use crate::render::{self, FileResult};
use crate::usage::{Outcome, UsageReport};
use crate::{EXIT_ERROR, EXIT_REFUSED, EXIT_TRAPPED};

/// The engine a program runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// wasmtime, with wasmtime-wasi (preview1 modules, preview2 components).
    Wasmtime,
    /// wasmi, with wasmi's WASI (preview1 modules).
    Wasmi,
}

/// `wrt-budget run`: run a WASI command (a preview1 module exporting `_start`, or a
/// preview2 component exporting `wasi:cli/run`) in wasmtime, held to a component's limits
/// by the engine itself, and report what it used on stderr.
///
/// Exit status: the program's own exit code when it exits; 1 refused by admission; 2 an
/// error (unreadable, malformed, bad flags, missing import); 3 the program trapped.
#[derive(Debug, Parser)]
#[command(name = "wrt-budget run", version)]
pub struct Args {
    /// The limits.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// worst-case or instantiation: the admission policy (see `check`).
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// Preopen a host directory for the program, as HOST or HOST::GUEST.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub dirs: Vec<String>,
    /// Set an environment variable of the program.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub envs: Vec<String>,
    /// The engine: wasmtime (modules and components) or wasmi (core modules; the
    /// interpreter of devices without an operating system).
    #[arg(long, value_enum, default_value_t = Engine::Wasmtime)]
    pub engine: Engine,
    /// A refused memory.grow or table.grow traps instead of returning -1.
    #[arg(long)]
    pub trap: bool,
    /// Write the usage report as one JSON document (still on stderr).
    #[arg(long)]
    pub json: bool,
    /// Back linear memories with wrt-platform Linux regions (guard pages around each,
    /// grown in place) instead of wasmtime's own mappings.
    #[arg(long)]
    pub platform_memory: bool,
    /// The program: a .wasm module or component (.wat text is compiled first).
    pub file: PathBuf,
    /// Arguments for the program, after `--`.
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// A failure before the program ran: its exit status and message.
pub(crate) struct Failure(pub(crate) u8, pub(crate) String);

impl<E: core::fmt::Display> From<GateError<E>> for Failure {
    fn from(error: GateError<E>) -> Self {
        let status = match error {
            GateError::Refused(_) | GateError::Unenforceable { .. } => EXIT_REFUSED,
            GateError::Malformed(_) | GateError::Compile(_) => EXIT_ERROR,
            // A gate failure added later is an error, not a refusal: only `Refused` carries
            // a report that says the binary does not fit.
            _ => EXIT_ERROR,
        };
        Self(status, error.to_string())
    }
}

/// Runs `args.file`; the usage report goes to `err`.
pub fn run(args: &Args, _out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match execute(args, err) {
        Ok(report) => {
            let status = match report.outcome {
                Outcome::Exited { code } => u8::try_from(code & 0xff).unwrap_or(EXIT_ERROR),
                Outcome::Trapped { .. } => EXIT_TRAPPED,
            };
            let text = if args.json {
                serde_json::to_string_pretty(&report)
                    .map(|json| json + "\n")
                    .unwrap_or_default()
            } else {
                report.text()
            };
            let _ = write!(err, "{text}");
            status
        }
        // Said already (the admission report, as JSON).
        Err(Failure(status, message)) if message.is_empty() => status,
        Err(Failure(status, message)) if args.json => {
            let failure = serde_json::json!({
                "file": args.file.display().to_string(),
                "error": message,
                "exit_status": status,
            });
            let _ = writeln!(err, "{failure:#}");
            status
        }
        Err(Failure(status, message)) => {
            let _ = writeln!(err, "wrt-budget run: {}: {message}", args.file.display());
            status
        }
    }
}

fn execute(args: &Args, err: &mut dyn Write) -> Result<UsageReport, Failure> {
    let (limits, policy, names_max_resources) = args
        .limits
        .resolve_naming(args.policy.as_deref())
        .map_err(|message| Failure(EXIT_ERROR, message))?;
    refuse_unheld_limits(args, &limits, names_max_resources)?;
    let bytes = load(&args.file).map_err(|message| Failure(EXIT_ERROR, message))?;
    // Admission first, so a refusal shows the same report as `check`, and nothing runs.
    let requirements = read_requirements(&bytes).map_err(|e| Failure(EXIT_ERROR, e.to_string()))?;
    let report = admit_with(&requirements, &limits, policy);
    if !report.is_admitted() {
        let result = FileResult {
            path: args.file.display().to_string(),
            outcome: render::Outcome::Judged {
                requirements: Box::new(requirements),
                report: Box::new(report),
                plan_error: None,
                plan_metrics: None,
                proposals: wrt_component::admission::proposals_used(&bytes),
            },
        };
        if args.json {
            // `check --json`'s document for the one file: its rows and violations.
            let _ = writeln!(err, "{}", crate::json::json(core::slice::from_ref(&result)));
            return Err(Failure(EXIT_REFUSED, String::new()));
        }
        let _ = write!(err, "{}", render::text(&result));
        return Err(Failure(
            EXIT_REFUSED,
            "refused by admission: nothing was run".into(),
        ));
    }
    let refusals = if args.trap {
        RefusalPolicy::trap()
    } else {
        RefusalPolicy::deny()
    };
    let file = args.file.display().to_string();
    let is_component = wasmparser::Parser::is_component(&bytes);
    if args.engine == Engine::Wasmi {
        if is_component {
            return Err(Failure(
                EXIT_ERROR,
                "wasmi runs core modules only: run components with --engine wasmtime".into(),
            ));
        }
        let job = wasmi_job::WasmiJob {
            bytes: &bytes,
            limits,
            policy,
            refusals,
            file,
        };
        return job.run(args);
    }
    let options = EngineOptions {
        fuel: limits.max_fuel != u64::MAX,
        ..EngineOptions::default()
    };
    let mut config = wasmtime::Config::new();
    if args.platform_memory {
        PlatformMemoryCreator::new(LinuxConfig::default()).install(&mut config);
    }
    let budget = Arc::new(SharedBudget::new(RuntimeBudget::unlimited()));
    let engine = GovernedEngine::with_config(config, options, budget)
        .map_err(|e| Failure(EXIT_ERROR, format!("{e:#}")))?;
    let governor = engine.governor_with(ComponentId(1), limits, refusals);
    let wasi = wasi_context(args)?;
    let job = Job {
        engine: &engine,
        bytes: &bytes,
        limits: &limits,
        policy,
        file,
    };
    if is_component {
        job.component(governor, wasi)
    } else {
        job.module(governor, wasi)
    }
}

/// A limit asked for that this run could not hold is refused before anything is read:
/// a limit that does not hold is not one.
fn refuse_unheld_limits(
    args: &Args,
    limits: &ResourceLimits,
    names_max_resources: bool,
) -> Result<(), Failure> {
    if names_max_resources {
        return Err(Failure(
            EXIT_ERROR,
            format!(
                "max_resources ({}) is not held while a program runs: `run` counts no WASI \
                 handles (files, sockets); leave it out, or judge it with `check`",
                limits.max_resources
            ),
        ));
    }
    if args.engine == Engine::Wasmi
        && limits.max_fuel == u64::MAX
        && let Some(time) = limits.max_execution_time
    {
        return Err(Failure(
            EXIT_ERROR,
            format!(
                "max_execution_time ({time:?}) alone cannot stop a program in wasmi: wasmi \
                 has no epochs and reads the clock only when the program calls the host, \
                 so a loop that never does runs on; add --max-fuel to bound it"
            ),
        ));
    }
    Ok(())
}

fn wasi_context(args: &Args) -> Result<WasiCtxBuilder, Failure> {
    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stdio();
    let program = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    wasi.arg(program);
    wasi.args(&args.args);
    for pair in &args.envs {
        let (key, value) = pair
            .split_once('=')
            .filter(|(key, _)| !key.is_empty())
            .ok_or_else(|| Failure(EXIT_ERROR, format!("--env {pair:?}: expected KEY=VALUE")))?;
        wasi.env(key, value);
    }
    for dir in &args.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        wasi.preopened_dir(host, guest, FsPerms::ReadWrite)
            .map_err(|e| Failure(EXIT_ERROR, format!("--dir {dir}: {e:#}")))?;
    }
    Ok(wasi)
}
