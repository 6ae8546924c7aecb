//! The admission gate: a binary is judged against the limits before it is compiled, so a
//! refused one never gets near a store and no memory of it is ever allocated.

use wasmtime::component::Component;
use wasmtime::{Engine, Module};
use wrt_component::ResourceLimits;
use wrt_component::admission::{AdmissionReport, Policy, judge};

use crate::call_sites::CallSites;

/// Why a binary did not pass the gate (the shared admission error, with wasmtime's).
pub type GateError = wrt_component::admission::GateError<wasmtime::Error>;

/// What the gate compiles: a core [`Module`] or a [`Component`].
pub trait Binary: Sized + Clone {
    /// Compiles `bytes` for `engine`.
    fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self>;
}

impl Binary for Module {
    fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        Module::new(engine, bytes)
    }
}

impl Binary for Component {
    fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        Component::new(engine, bytes)
    }
}

/// A binary that admission accepted under a component's limits, compiled. Only an admitted
/// binary can be instantiated through [`instantiate`](crate::instantiate), so the gate's
/// report exists for everything a governed store runs.
#[derive(Clone)]
pub struct Admitted<B: Binary> {
    binary: B,
    report: AdmissionReport,
    call_sites: Option<CallSites>,
}

/// An admitted core module.
pub type AdmittedModule = Admitted<Module>;

/// An admitted component.
pub type AdmittedComponent = Admitted<Component>;

impl<B: Binary> core::fmt::Debug for Admitted<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Admitted")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl<B: Binary> Admitted<B> {
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
        let binary = B::compile(engine, bytes).map_err(GateError::Compile)?;
        // Read whatever the limits (a store may be governed by other limits than the ones
        // the binary was admitted under) and whatever the binary: a module's and a
        // component's are read alike.
        let call_sites = CallSites::read(bytes);
        Ok(Self {
            binary,
            report,
            call_sites,
        })
    }

    /// The compiled binary.
    pub const fn binary(&self) -> &B {
        &self.binary
    }

    /// What admission found.
    pub const fn report(&self) -> &AdmissionReport {
        &self.report
    }

    /// The call instructions of the code (for a component, of all its core modules, as
    /// offsets into the component's bytes).
    pub const fn call_sites(&self) -> Option<&CallSites> {
        self.call_sites.as_ref()
    }
}

impl Admitted<Module> {
    /// The compiled module.
    pub const fn module(&self) -> &Module {
        &self.binary
    }
}

impl Admitted<Component> {
    /// The compiled component.
    pub const fn component(&self) -> &Component {
        &self.binary
    }
}
