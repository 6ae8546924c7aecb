//! The admission gate: a binary is judged against the limits before it is compiled, so a
//! refused one never gets near a store and no memory of it is ever allocated.

use wasmi::{Engine, Module};
use wrt_component::admission::{AdmissionReport, Policy, judge};
use wrt_component::{LimitKind, ResourceLimits};

/// What keeps `max_host_calls` from holding in wasmi: it runs a function the host calls
/// straight (the start function, an export) without its call hook, so an import reached
/// that way would run uncounted.
const HOST_CALLABLE_IMPORTS: &str = "imported function(s) the host would call straight (a start \
     function or an export that is an import), which wasmi runs without its call hook";

/// Why a binary did not pass the gate (the shared admission error, with wasmi's).
pub type GateError = wrt_component::admission::GateError<wasmi::Error>;

/// A core module that admission accepted under a component's limits, compiled by wasmi.
/// Only an admitted module can be instantiated through [`instantiate`](crate::instantiate),
/// so the gate's report exists for everything a governed store runs.
#[derive(Clone)]
pub struct AdmittedModule {
    module: Module,
    report: AdmissionReport,
}

impl core::fmt::Debug for AdmittedModule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AdmittedModule")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl AdmittedModule {
    /// Judges `bytes` against `limits` (instantiation policy: refused only if instantiating
    /// it would already break a limit) and compiles it when admitted.
    ///
    /// Under a finite `max_host_calls`, a module whose start function or one of whose
    /// exports is an imported function is refused
    /// ([`GateError::Unenforceable`](wrt_component::admission::GateError::Unenforceable)):
    /// wasmi runs a function the host calls straight without its call hook, so that import
    /// would run uncounted. (wasmtime's hook sees such calls; the same module runs there.)
    ///
    /// ```
    /// use wrt_component::admission::GateError;
    /// use wrt_component::{LimitKind, ResourceLimits};
    /// use wrt_wasmi::{AdmittedModule, EngineOptions, GovernedEngine};
    ///
    /// let engine = GovernedEngine::new(EngineOptions::default());
    /// let reexport = wat::parse_str(
    ///     r#"(module (import "host" "tick" (func $tick)) (export "run" (func $tick)))"#,
    /// )
    /// .unwrap();
    /// let limits = ResourceLimits { max_host_calls: 10, ..ResourceLimits::default() };
    /// let refused = AdmittedModule::new(engine.engine(), &reexport, &limits).unwrap_err();
    /// assert!(matches!(
    ///     refused,
    ///     GateError::Unenforceable { limit: LimitKind::HostCalls, count: 1, .. }
    /// ));
    /// // With no limit on host calls there is nothing to escape.
    /// assert!(AdmittedModule::new(engine.engine(), &reexport, &ResourceLimits::default()).is_ok());
    /// ```
    pub fn new(engine: &Engine, bytes: &[u8], limits: &ResourceLimits) -> Result<Self, GateError> {
        Self::with_policy(engine, bytes, limits, Policy::Instantiation)
    }

    /// The same under an explicit admission policy (`Policy::WorstCase` also refuses
    /// growth that the declared maxima would allow past a limit).
    pub fn with_policy(
        engine: &Engine,
        bytes: &[u8],
        limits: &ResourceLimits,
        policy: Policy,
    ) -> Result<Self, GateError> {
        let report = judge(bytes, limits, policy)?;
        let count = report.totals.host_callable_imports;
        if count > 0 && limits.max_host_calls != u64::MAX {
            return Err(GateError::Unenforceable {
                limit: LimitKind::HostCalls,
                what: HOST_CALLABLE_IMPORTS,
                count,
            });
        }
        let module = Module::new(engine, bytes).map_err(GateError::Compile)?;
        Ok(Self { module, report })
    }

    /// The compiled module.
    pub const fn module(&self) -> &Module {
        &self.module
    }

    /// What admission found.
    pub const fn report(&self) -> &AdmissionReport {
        &self.report
    }
}
