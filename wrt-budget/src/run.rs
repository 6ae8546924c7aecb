//! `wrt-budget run`: admit a WASI command, run it in wasmtime under the limits, report.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use wasmtime::component::{Linker as ComponentLinker, ResourceTable};
use wasmtime::{Extern, Linker};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wrt_component::ComponentId;
use wrt_component::ResourceLimits;
use wrt_component::RuntimeBudget;
use wrt_component::admission::{Policy, admit_with, read_requirements};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_platform::linux::LinuxConfig;
use wrt_wasmtime::{
    AdmittedComponent, AdmittedModule, EngineOptions, GateError, GovernedEngine, Governor,
    HasGovernor, PlatformMemoryCreator, instantiate, instantiating,
};

use crate::limit_args::{LimitArgs, load};
use crate::render::{self, FileResult};
use crate::usage::{MemoryFigures, Outcome, UsageReport, limit_of};
use crate::{EXIT_ERROR, EXIT_OK, EXIT_REFUSED, EXIT_TRAPPED};

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

/// The store data of a preview1 module.
struct ModuleState {
    governor: Governor,
    wasi: WasiP1Ctx,
}

impl HasGovernor for ModuleState {
    fn governor(&mut self) -> &mut Governor {
        &mut self.governor
    }
}

/// The store data of a preview2 component.
struct ComponentState {
    governor: Governor,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HasGovernor for ComponentState {
    fn governor(&mut self) -> &mut Governor {
        &mut self.governor
    }
}

impl WasiView for ComponentState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Parses `argv` (program name first) and runs; returns the exit status.
pub fn main_with<I, T>(argv: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match Args::try_parse_from(argv) {
        Ok(args) => run(&args, out, err),
        Err(error) => {
            let _ = write!(err, "{}", error.render());
            if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            }
        }
    }
}

/// A failure before the program ran: its exit status and message.
struct Failure(u8, String);

impl From<GateError> for Failure {
    fn from(error: GateError) -> Self {
        let status = match error {
            GateError::Refused(_) => EXIT_REFUSED,
            GateError::Malformed(_) | GateError::Compile(_) => EXIT_ERROR,
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
        Err(Failure(status, message)) => {
            let _ = writeln!(err, "wrt-budget run: {}: {message}", args.file.display());
            status
        }
    }
}

fn execute(args: &Args, err: &mut dyn Write) -> Result<UsageReport, Failure> {
    let (limits, policy) = args
        .limits
        .resolve(args.policy.as_deref())
        .map_err(|message| Failure(EXIT_ERROR, message))?;
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
        let _ = write!(err, "{}", render::text(&result));
        return Err(Failure(
            EXIT_REFUSED,
            "refused by admission: nothing was run".into(),
        ));
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
    let refusals = if args.trap {
        RefusalPolicy::trap()
    } else {
        RefusalPolicy::deny()
    };
    let governor = engine.governor_with(ComponentId(1), limits, refusals);
    let wasi = wasi_context(args)?;
    let file = args.file.display().to_string();
    if wasmparser::Parser::is_component(&bytes) {
        run_component(&engine, &bytes, &limits, policy, governor, wasi, file)
    } else {
        run_module(&engine, &bytes, &limits, policy, governor, wasi, file)
    }
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

fn outcome(error: Option<wasmtime::Error>, governor: &Governor) -> Outcome {
    let Some(error) = error else {
        return Outcome::Exited { code: 0 };
    };
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return Outcome::Exited { code: exit.0 };
    }
    Outcome::Trapped {
        message: format!("{error:#}"),
        limit: limit_of(&error, governor).map(|refusal| refusal.to_string()),
    }
}

/// An instantiation error: a trap (the start function, a limit) or a link error.
fn instantiation_failure(error: &wasmtime::Error) -> bool {
    error.downcast_ref::<wasmtime::Trap>().is_some() || wrt_wasmtime::limit_refusal(error).is_some()
}

#[allow(clippy::too_many_arguments)]
fn run_module(
    engine: &GovernedEngine,
    bytes: &[u8],
    limits: &ResourceLimits,
    policy: Policy,
    governor: Governor,
    mut wasi: WasiCtxBuilder,
    file: String,
) -> Result<UsageReport, Failure> {
    let module = AdmittedModule::with_policy(engine.engine(), bytes, limits, policy)?;
    let mut linker: Linker<ModuleState> = Linker::new(engine.engine());
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut ModuleState| &mut state.wasi)
        .map_err(|e| Failure(EXIT_ERROR, format!("{e:#}")))?;
    let mut store = engine.store_with(ModuleState {
        governor,
        wasi: wasi.build_p1(),
    });
    let fuel_on = engine.options().fuel;
    let instance = match instantiate(&mut store, &linker, &module) {
        Ok(instance) => instance,
        Err(error) if instantiation_failure(&error) => {
            let outcome = outcome(Some(error), &store.data().governor);
            return Ok(UsageReport::new(
                file,
                "module",
                &store.data().governor,
                Vec::new(),
                fuel_on,
                outcome,
            ));
        }
        Err(error) => return Err(Failure(EXIT_ERROR, format!("{error:#}"))),
    };
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|e| {
            Failure(
                EXIT_ERROR,
                format!("not a WASI command (no `_start`): {e:#}"),
            )
        })?;
    let result = start.call(&mut store, ()).err();
    let outcome = outcome(result, &store.data().governor);
    let exports: Vec<(String, Extern)> = instance
        .exports(&mut store)
        .map(|export| (export.name().to_string(), export.into_extern()))
        .collect();
    let memories = exports
        .into_iter()
        .filter_map(|(name, export)| export.into_memory().map(|memory| (name, memory)))
        .map(|(name, memory)| {
            let bytes = u64::try_from(memory.data_size(&store)).unwrap_or(u64::MAX);
            let page = memory.ty(&store).page_size().max(1);
            MemoryFigures {
                name,
                peak_bytes: bytes,
                peak_pages: bytes / page,
            }
        })
        .collect();
    Ok(UsageReport::new(
        file,
        "module",
        &store.data().governor,
        memories,
        fuel_on,
        outcome,
    ))
}

fn run_component(
    engine: &GovernedEngine,
    bytes: &[u8],
    limits: &ResourceLimits,
    policy: Policy,
    governor: Governor,
    mut wasi: WasiCtxBuilder,
    file: String,
) -> Result<UsageReport, Failure> {
    let component = AdmittedComponent::new(engine.engine(), bytes, limits, policy)?;
    let mut linker: ComponentLinker<ComponentState> = ComponentLinker::new(engine.engine());
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
        .map_err(|e| Failure(EXIT_ERROR, format!("{e:#}")))?;
    let state = ComponentState {
        governor,
        wasi: wasi.build(),
        table: ResourceTable::new(),
    };
    let mut store = engine.store_with(state);
    let fuel_on = engine.options().fuel;
    let run_interface = component
        .component()
        .component_type()
        .exports(engine.engine())
        .map(|(name, _)| name.to_string())
        .find(|name| name.starts_with("wasi:cli/run@0.2"))
        .ok_or_else(|| {
            Failure(
                EXIT_ERROR,
                "not a WASI command component (no `wasi:cli/run@0.2` export)".into(),
            )
        })?;
    let instance = match instantiating(&mut store, |store| {
        linker.instantiate(store, component.component())
    }) {
        Ok(instance) => instance,
        Err(error) if instantiation_failure(&error) => {
            let outcome = outcome(Some(error), &store.data().governor);
            return Ok(UsageReport::new(
                file,
                "component",
                &store.data().governor,
                Vec::new(),
                fuel_on,
                outcome,
            ));
        }
        Err(error) => return Err(Failure(EXIT_ERROR, format!("{error:#}"))),
    };
    let interface = instance
        .get_export_index(&mut store, None, &run_interface)
        .ok_or_else(|| Failure(EXIT_ERROR, format!("`{run_interface}` is not exported")))?;
    let run_index = instance
        .get_export_index(&mut store, Some(&interface), "run")
        .ok_or_else(|| Failure(EXIT_ERROR, format!("`{run_interface}` has no `run`")))?;
    let run = instance
        .get_typed_func::<(), (Result<(), ()>,)>(&mut store, &run_index)
        .map_err(|e| Failure(EXIT_ERROR, format!("`run` has an unexpected type: {e:#}")))?;
    let outcome = match run.call(&mut store, ()) {
        Ok((Ok(()),)) => Outcome::Exited { code: 0 },
        Ok((Err(()),)) => Outcome::Exited { code: 1 },
        Err(error) => outcome(Some(error), &store.data().governor),
    };
    Ok(UsageReport::new(
        file,
        "component",
        &store.data().governor,
        Vec::new(),
        fuel_on,
        outcome,
    ))
}
