//! Running an admitted WASI preview1 command module in wasmi (`--engine wasmi`), under the
//! same limits and with the same report as in wasmtime.

use wasmi::Linker;
use wasmi_wasi::{WasiCtx, WasiCtxBuilder, ambient_authority};
use wrt_component::ComponentId;
use wrt_component::ResourceLimits;
use wrt_component::admission::Policy;
use wrt_component::engine::RefusalPolicy;
use wrt_wasmi::{
    AdmittedModule, EngineOptions, GovernedEngine, Governor, HasGovernor, call, instantiate,
};

use super::{Args, Failure};
use crate::EXIT_ERROR;
use crate::usage::{MemoryFigures, Outcome, UsageReport, as_recorded};

/// The store data of a module in wasmi.
struct WasmiState {
    governor: Governor,
    wasi: WasiCtx,
}

impl HasGovernor for WasmiState {
    fn governor(&mut self) -> &mut Governor {
        &mut self.governor
    }
}

/// What one wasmi run needs.
pub(super) struct WasmiJob<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) limits: ResourceLimits,
    pub(super) policy: Policy,
    pub(super) refusals: RefusalPolicy,
    pub(super) file: String,
}

fn error(error: impl core::fmt::Display) -> Failure {
    Failure(EXIT_ERROR, error.to_string())
}

/// wasmi's WASI context for `args`: stdio inherited, the program's arguments and
/// environment, the preopened directories.
fn context(args: &Args) -> Result<WasiCtx, Failure> {
    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stdio();
    let program = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    wasi.arg(&program).map_err(error)?;
    for arg in &args.args {
        wasi.arg(arg).map_err(error)?;
    }
    for pair in &args.envs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| error(format_args!("--env {pair:?}: expected KEY=VALUE")))?;
        wasi.env(key, value).map_err(error)?;
    }
    for dir in &args.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
        let opened = wasmi_wasi::Dir::open_ambient_dir(host, ambient_authority())
            .map_err(|e| error(format_args!("--dir {dir}: {e}")))?;
        wasi.preopened_dir(opened, guest)
            .map_err(|e| error(format_args!("--dir {dir}: {e}")))?;
    }
    Ok(wasi.build())
}

fn outcome(error: Option<wasmi::Error>, governor: &Governor) -> Outcome {
    let Some(error) = error else {
        return Outcome::Exited { code: 0 };
    };
    if let Some(code) = error.i32_exit_status() {
        return Outcome::Exited { code };
    }
    let recorded = governor.limiter().refusals().last_trap();
    match wrt_wasmi::limit_refusal(&error) {
        // A limit's stop is told with the figures the log recorded for it.
        Some(trapped) => {
            let limit = as_recorded(trapped, recorded).to_string();
            Outcome::Trapped {
                message: format!("stopped by a wrt limit: {limit}"),
                limit: Some(limit),
            }
        }
        None => Outcome::Trapped {
            message: error.to_string(),
            limit: None,
        },
    }
}

impl WasmiJob<'_> {
    /// Runs the module's `_start` in a governed wasmi store.
    pub(super) fn run(self, args: &Args) -> Result<UsageReport, Failure> {
        let fuel_on = self.limits.max_fuel != u64::MAX;
        let engine = GovernedEngine::new(EngineOptions { fuel: fuel_on });
        let module =
            AdmittedModule::with_policy(engine.engine(), self.bytes, &self.limits, self.policy)?;
        let mut linker: Linker<WasmiState> = Linker::new(engine.engine());
        wasmi_wasi::add_to_linker(&mut linker, |state: &mut WasmiState| &mut state.wasi)
            .map_err(error)?;
        let governor = engine.governor_with(ComponentId(1), self.limits, self.refusals);
        let mut store = engine.store_with(WasmiState {
            governor,
            wasi: context(args)?,
        });
        let report = |store: &wasmi::Store<WasmiState>, memories, outcome| {
            UsageReport::new(
                self.file.clone(),
                "module",
                store.data().governor.limiter(),
                memories,
                fuel_on,
                outcome,
            )
        };
        let instance = match instantiate(&mut store, &linker, &module) {
            Ok(instance) => instance,
            Err(e) if e.as_trap_code().is_some() || wrt_wasmi::limit_refusal(&e).is_some() => {
                return Ok(report(
                    &store,
                    Vec::new(),
                    outcome(Some(e), &store.data().governor),
                ));
            }
            Err(e) => return Err(error(e)),
        };
        let start = instance
            .get_typed_func::<(), ()>(&store, "_start")
            .map_err(|e| {
                error(format_args!(
                    "not a WASI command (no `_start` of type () -> ()): {e}"
                ))
            })?;
        let stopped = call(&mut store, &start, ()).err();
        let outcome = outcome(stopped, &store.data().governor);
        let memories = instance
            .exports(&store)
            .filter_map(|export| {
                let name = export.name().to_string();
                export.into_memory().map(|memory| (name, memory))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(name, memory)| {
                let bytes = u64::try_from(memory.data_size(&store)).unwrap_or(u64::MAX);
                // wasmi has no custom page sizes: every page is 64 KiB.
                let page = 65_536;
                MemoryFigures {
                    name,
                    peak_bytes: bytes,
                    peak_pages: bytes / page,
                }
            })
            .collect();
        Ok(report(&store, memories, outcome))
    }
}
