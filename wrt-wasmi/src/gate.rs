//! The admission gate: a binary is judged against the limits before it is compiled, so a
//! refused one never gets near a store and no memory of it is ever allocated.

use alloc::boxed::Box;

use wasmi::{Engine, Module};
use wrt_component::ResourceLimits;
use wrt_component::admission::{
    AdmissionError, AdmissionReport, Policy, admit_with, read_requirements,
};

/// Why a binary did not pass the gate.
#[derive(Debug)]
pub enum GateError {
    /// Admission refused it: the whole report, with every violated limit.
    Refused(Box<AdmissionReport>),
    /// The bytes are not a valid module or component.
    Malformed(AdmissionError),
    /// wasmi could not compile it: a component (wasmi runs core modules only), a proposal
    /// wasmi lacks, an implementation limit.
    Compile(wasmi::Error),
}

impl core::fmt::Display for GateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Refused(report) => {
                write!(f, "refused by admission:")?;
                for violation in &report.violations {
                    write!(f, " {violation:?};")?;
                }
                Ok(())
            }
            Self::Malformed(error) => write!(f, "not a valid module: {error}"),
            Self::Compile(error) => write!(f, "wasmi could not compile it: {error}"),
        }
    }
}

impl core::error::Error for GateError {}

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
        let requirements = read_requirements(bytes).map_err(GateError::Malformed)?;
        let report = admit_with(&requirements, limits, policy);
        if !report.is_admitted() {
            return Err(GateError::Refused(Box::new(report)));
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
