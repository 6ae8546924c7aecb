//! The admission gate: a binary is judged against the limits before it is compiled, so a
//! refused one never gets near a store and no memory of it is ever allocated.

use wasmi::{Engine, Module};
use wrt_component::ResourceLimits;
use wrt_component::admission::{AdmissionReport, Policy, judge};

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
