//! [`ComponentId`]: which component instance a resource, limit or usage belongs to.

use core::fmt;

/// Identifies one component instance inside a runtime.
///
/// A plain number so that it can cross any boundary (logs, metrics labels, FFI). A
/// [`ResourceRuntime`](crate::ResourceRuntime) mints them from a counter and never hands the
/// same number out twice, so an id kept after its component was destroyed names nobody
/// rather than a newcomer. A standalone [`ComponentResourceManager`](crate::ComponentResourceManager)
/// accepts any id the integrator chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub u32);

impl ComponentId {
    /// The raw number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "component#{}", self.0)
    }
}

impl From<u32> for ComponentId {
    fn from(raw: u32) -> Self {
        Self(raw)
    }
}
