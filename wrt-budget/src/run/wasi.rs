//! Running an admitted WASI command: a preview1 module (`_start`) or a preview2 component
//! (`wasi:cli/run`), each in a governed store of its own data type.

use wasmtime::component::{Linker as ComponentLinker, ResourceTable};
use wasmtime::{Extern, Linker};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wrt_component::ResourceLimits;
use wrt_component::admission::Policy;
use wrt_wasmtime::{
    AdmittedComponent, AdmittedModule, GovernedEngine, Governor, HasGovernor, instantiate,
    instantiate_component,
};

use super::Failure;
use crate::EXIT_ERROR;
use crate::usage::{MemoryFigures, Outcome, UsageReport, limit_of};

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

/// What one run needs: the engine, the admitted bytes and the limits they were admitted under.
pub(super) struct Job<'a> {
    pub(super) engine: &'a GovernedEngine,
    pub(super) bytes: &'a [u8],
    pub(super) limits: &'a ResourceLimits,
    pub(super) policy: Policy,
    pub(super) file: String,
}

fn error(error: impl core::fmt::Display) -> Failure {
    Failure(EXIT_ERROR, error.to_string())
}

impl Job<'_> {
    fn report(
        &self,
        kind: &'static str,
        governor: &Governor,
        memories: Vec<MemoryFigures>,
        outcome: Outcome,
    ) -> UsageReport {
        let fuel_on = self.engine.options().fuel;
        UsageReport::new(
            self.file.clone(),
            kind,
            governor.limiter(),
            memories,
            fuel_on,
            outcome,
        )
    }

    /// The instance, or the report of an instantiation that trapped (a start function, a
    /// limit); a link error (a missing import) is a failure.
    fn instantiated<I>(
        &self,
        kind: &'static str,
        result: wasmtime::Result<I>,
        governor: &Governor,
    ) -> Result<Result<I, UsageReport>, Failure> {
        match result {
            Ok(instance) => Ok(Ok(instance)),
            Err(e)
                if e.downcast_ref::<wasmtime::Trap>().is_some()
                    || wrt_wasmtime::limit_refusal(&e).is_some() =>
            {
                Ok(Err(self.report(
                    kind,
                    governor,
                    Vec::new(),
                    outcome(Some(e), governor),
                )))
            }
            Err(e) => Err(error(format_args!("{e:#}"))),
        }
    }

    /// Runs a preview1 command module's `_start`.
    pub(super) fn module(
        self,
        governor: Governor,
        mut wasi: WasiCtxBuilder,
    ) -> Result<UsageReport, Failure> {
        let module = AdmittedModule::with_policy(
            self.engine.engine(),
            self.bytes,
            self.limits,
            self.policy,
        )?;
        let mut linker: Linker<ModuleState> = Linker::new(self.engine.engine());
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut ModuleState| {
            &mut state.wasi
        })
        .map_err(|e| error(format_args!("{e:#}")))?;
        let mut store = self.engine.store_with(ModuleState {
            governor,
            wasi: wasi.build_p1(),
        });
        let instance = instantiate(&mut store, &linker, &module);
        let instance = match self.instantiated("module", instance, &store.data().governor)? {
            Ok(instance) => instance,
            Err(report) => return Ok(report),
        };
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|e| {
                error(format_args!(
                    "not a WASI command (no `_start` of type () -> ()): {e:#}"
                ))
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
        Ok(self.report("module", &store.data().governor, memories, outcome))
    }

    /// Runs a preview2 command component's `wasi:cli/run`.
    pub(super) fn component(
        self,
        governor: Governor,
        mut wasi: WasiCtxBuilder,
    ) -> Result<UsageReport, Failure> {
        let engine = self.engine.engine();
        let component =
            AdmittedComponent::with_policy(engine, self.bytes, self.limits, self.policy)?;
        let mut linker: ComponentLinker<ComponentState> = ComponentLinker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| error(format_args!("{e:#}")))?;
        let state = ComponentState {
            governor,
            wasi: wasi.build(),
            table: ResourceTable::new(),
        };
        let mut store = self.engine.store_with(state);
        let run_interface = component
            .component()
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_string())
            .find(|name| name.starts_with("wasi:cli/run@0.2"))
            .ok_or_else(|| error("not a WASI command component (no `wasi:cli/run@0.2` export)"))?;
        let instance = instantiate_component(&mut store, &linker, &component);
        let instance = match self.instantiated("component", instance, &store.data().governor)? {
            Ok(instance) => instance,
            Err(report) => return Ok(report),
        };
        let interface = instance
            .get_export_index(&mut store, None, &run_interface)
            .ok_or_else(|| error(format_args!("`{run_interface}` is not exported")))?;
        let run_index = instance
            .get_export_index(&mut store, Some(&interface), "run")
            .ok_or_else(|| error(format_args!("`{run_interface}` has no `run`")))?;
        let run = instance
            .get_typed_func::<(), (Result<(), ()>,)>(&mut store, &run_index)
            .map_err(|e| error(format_args!("`run` has an unexpected type: {e:#}")))?;
        let outcome = match run.call(&mut store, ()) {
            Ok((Ok(()),)) => Outcome::Exited { code: 0 },
            Ok((Err(()),)) => Outcome::Exited { code: 1 },
            Err(e) => outcome(Some(e), &store.data().governor),
        };
        Ok(self.report("component", &store.data().governor, Vec::new(), outcome))
    }
}

fn outcome(error: Option<wasmtime::Error>, governor: &Governor) -> Outcome {
    let Some(error) = error else {
        return Outcome::Exited { code: 0 };
    };
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return Outcome::Exited { code: exit.0 };
    }
    let limit = limit_of(&error, governor).map(|refusal| refusal.to_string());
    // A limit's stop is told with the figures the log recorded for it (see `as_recorded`).
    let message = match (&limit, wrt_wasmtime::limit_refusal(&error)) {
        (Some(limit), Some(_)) => format!("stopped by a wrt limit: {limit}"),
        _ => format!("{error:#}"),
    };
    Outcome::Trapped { message, limit }
}
