//! [`LimitTrap`]: how a wrt refusal travels through wasmtime as a trap, and back.

use wrt_component::ResourceError;

/// The error a governed store traps with when a limit refuses: the full [`ResourceError`].
///
/// wasmtime carries it unchanged to the caller of the Wasm function, so
/// [`limit_refusal`] can tell a limit's trap from the program's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitTrap(pub ResourceError);

impl core::fmt::Display for LimitTrap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "stopped by a wrt limit: {}", self.0)
    }
}

impl std::error::Error for LimitTrap {}

impl LimitTrap {
    /// The refusal as a wasmtime error, ready to return from a hook. Cold: it allocates, and
    /// only a refusal takes this path.
    #[cold]
    pub fn error(refusal: ResourceError) -> wasmtime::Error {
        wasmtime::Error::new(Self(refusal))
    }
}

/// The refusal that stopped a call, if a wrt limit stopped it (and not the program itself,
/// nor wasmtime's own fuel, which a [`Governor`](crate::Governor) reports in its log).
pub fn limit_refusal(error: &wasmtime::Error) -> Option<ResourceError> {
    error.downcast_ref::<LimitTrap>().map(|trap| trap.0)
}
