//! [`judge`]: the decision an engine adapter's admission gate makes before it compiles, and
//! [`GateError`], the one way every adapter reports a binary that did not pass.

use alloc::boxed::Box;
use core::fmt;

use super::{AdmissionError, AdmissionReport, Policy, admit_with, read_requirements};
use crate::limits::{LimitKind, ResourceLimits};

/// Why a binary did not pass an engine's admission gate; `E` is the engine's compile error.
#[derive(Debug)]
#[non_exhaustive]
pub enum GateError<E> {
    /// Admission refused it: the whole report, with every violated limit.
    Refused(Box<AdmissionReport>),
    /// The bytes are not a valid module or component.
    Malformed(AdmissionError),
    /// The engine could not compile it (a component given to a core-only engine, a proposal
    /// the engine lacks, an implementation limit).
    Compile(E),
    /// The engine could not hold `limit` for this binary: `count` of its items (`what`)
    /// would escape the engine's mechanism for it, so the binary is refused before anything
    /// runs rather than run under a limit that does not hold.
    Unenforceable {
        /// The limit that would not hold.
        limit: LimitKind,
        /// What in the binary escapes it, and why.
        what: &'static str,
        /// How many such items the binary has.
        count: u64,
    },
}

impl<E: fmt::Display> fmt::Display for GateError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(report) => {
                write!(f, "refused by admission:")?;
                for violation in &report.violations {
                    write!(f, " {violation};")?;
                }
                Ok(())
            }
            Self::Malformed(error) => write!(f, "not a valid module or component: {error}"),
            // `{:#}`: an engine error with causes (wasmtime's) names them all.
            Self::Compile(error) => write!(f, "the engine could not compile it: {error:#}"),
            Self::Unenforceable { limit, what, count } => write!(
                f,
                "{limit} cannot be held in this engine for this binary: {count} {what}"
            ),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for GateError<E> {}

/// Reads and judges `bytes` under `limits` and `policy`: the report when admitted, the
/// refusal (with the whole report) or the malformation otherwise. Adapters compile only
/// after this says yes.
pub fn judge<E>(
    bytes: &[u8],
    limits: &ResourceLimits,
    policy: Policy,
) -> Result<AdmissionReport, GateError<E>> {
    let requirements = read_requirements(bytes).map_err(GateError::Malformed)?;
    let report = admit_with(&requirements, limits, policy);
    if report.is_admitted() {
        Ok(report)
    } else {
        Err(GateError::Refused(Box::new(report)))
    }
}
