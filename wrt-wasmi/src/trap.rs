//! [`LimitTrap`]: how a wrt refusal travels through wasmi as a trap, and back.

use wasmi::errors::HostError;
use wrt_component::ResourceError;

/// The error a governed store traps with when a limit refuses: the full [`ResourceError`].
///
/// wasmi carries a host error unchanged to the caller of the Wasm function, so
/// [`limit_refusal`] can tell a limit's trap from the program's own. Refusals wasmi cannot
/// carry itself — a growth refused by the [`ResourceLimiter`](wasmi::ResourceLimiter), whose
/// error type has no room for a payload, and running out of fuel — are turned into this
/// error by [`call`](crate::call) and [`instantiate`](crate::instantiate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitTrap(pub ResourceError);

impl core::fmt::Display for LimitTrap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "stopped by a wrt limit: {}", self.0)
    }
}

impl core::error::Error for LimitTrap {}

impl HostError for LimitTrap {}

impl LimitTrap {
    /// The refusal as a wasmi error, ready to return from a hook.
    pub fn error(refusal: ResourceError) -> wasmi::Error {
        wasmi::Error::host(Self(refusal))
    }
}

/// The refusal that stopped a call, if a wrt limit stopped it (and not the program itself).
pub fn limit_refusal(error: &wasmi::Error) -> Option<ResourceError> {
    error.downcast_ref::<LimitTrap>().map(|trap| trap.0)
}
