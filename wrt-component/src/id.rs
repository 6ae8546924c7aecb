//! [`ResourceId`]: a handle that cannot reach a reused slot or another manager's slots.

use core::fmt;

/// Names one resource in one [`ResourceManager`](crate::ResourceManager).
///
/// Three parts, all checked on every access:
/// - `index`: the slot. An index past the manager's slots is **forged**.
/// - `generation`: bumped each time the slot is freed. A mismatch is **stale** — the
///   resource it named was deallocated, and the slot may already hold another one.
/// - `manager`: the [`ManagerTag`] of the manager that issued it. A mismatch is
///   **foreign** — it belongs to another manager (another runtime, another table).
///
/// A slot whose generation would wrap is retired instead of reused, so no id is ever
/// honoured for a resource other than the one it was issued for.
///
/// ```
/// use wrt_component::{ResourceId, ManagerTag};
///
/// let id = ResourceId::from_parts(ManagerTag(3), 7, 1);
/// assert_eq!((id.manager(), id.index(), id.generation()), (ManagerTag(3), 7, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    index: u32,
    generation: u32,
    manager: ManagerTag,
}

impl ResourceId {
    /// Reassembles an id from its parts, e.g. after it crossed an FFI boundary. Nothing is
    /// trusted: a made-up id is refused by the manager as forged, stale or foreign.
    #[inline]
    pub const fn from_parts(manager: ManagerTag, index: u32, generation: u32) -> Self {
        Self {
            index,
            generation,
            manager,
        }
    }

    /// The slot index.
    #[inline]
    pub const fn index(self) -> u32 {
        self.index
    }

    /// The generation the slot had when this id was issued.
    #[inline]
    pub const fn generation(self) -> u32 {
        self.generation
    }

    /// The manager that issued the id.
    #[inline]
    pub const fn manager(self) -> ManagerTag {
        self.manager
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "resource {}v{}@m{}",
            self.index, self.generation, self.manager.0
        )
    }
}

/// Tells apart the ids of different managers.
///
/// Chosen by the integrator (no global counter: that would need atomics some targets lack,
/// and would make ids depend on construction order across the program). Give each manager in
/// one process its own tag; a [`ResourceRuntime`](crate::ResourceRuntime) takes one too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ManagerTag(pub u16);

impl fmt::Display for ManagerTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}
