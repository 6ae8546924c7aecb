//! [`ResourceCategory`]: the seven kinds of resource a runtime hands out.

use core::fmt;

/// What kind of thing a resource is.
///
/// Statistics, limits and metrics are kept per category, so a runtime can see at a glance
/// whether memory or, say, I/O handles are what a component is hoarding. The set is closed
/// on purpose: per-category tables are fixed-size arrays indexed by [`ResourceCategory::index`],
/// which is what lets them live without a heap.
///
/// ```
/// use wrt_component::ResourceCategory;
///
/// let mut per_category = [0u32; ResourceCategory::COUNT];
/// for category in ResourceCategory::ALL {
///     per_category[category.index()] += 1;
/// }
/// assert_eq!(per_category, [1; 7]);
/// assert_eq!(ResourceCategory::IoHandles.name(), "io_handles");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceCategory {
    /// Linear memory regions.
    Memory,
    /// WebAssembly tables.
    Tables,
    /// Component (and core module) instances.
    Components,
    /// Handles to host functions.
    HostFunctions,
    /// I/O handles: files, sockets, devices.
    IoHandles,
    /// Synchronization primitives: mutexes, semaphores, futexes.
    Synchronization,
    /// Anything platform-specific that fits none of the above.
    Platform,
}

impl ResourceCategory {
    /// Number of categories; the length of every per-category table.
    pub const COUNT: usize = 7;

    /// Every category, in [`index`](Self::index) order.
    pub const ALL: [ResourceCategory; Self::COUNT] = [
        Self::Memory,
        Self::Tables,
        Self::Components,
        Self::HostFunctions,
        Self::IoHandles,
        Self::Synchronization,
        Self::Platform,
    ];

    /// Position of this category in [`ALL`](Self::ALL): `0..COUNT`, stable across releases,
    /// so per-category arrays can be indexed with it.
    #[inline]
    pub const fn index(self) -> usize {
        match self {
            Self::Memory => 0,
            Self::Tables => 1,
            Self::Components => 2,
            Self::HostFunctions => 3,
            Self::IoHandles => 4,
            Self::Synchronization => 5,
            Self::Platform => 6,
        }
    }

    /// The category at `index`, the inverse of [`index`](Self::index).
    pub const fn from_index(index: usize) -> Option<Self> {
        match index {
            0 => Some(Self::Memory),
            1 => Some(Self::Tables),
            2 => Some(Self::Components),
            3 => Some(Self::HostFunctions),
            4 => Some(Self::IoHandles),
            5 => Some(Self::Synchronization),
            6 => Some(Self::Platform),
            _ => None,
        }
    }

    /// A stable `snake_case` name, fit for metric labels and log lines.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Tables => "tables",
            Self::Components => "components",
            Self::HostFunctions => "host_functions",
            Self::IoHandles => "io_handles",
            Self::Synchronization => "synchronization",
            Self::Platform => "platform",
        }
    }
}

impl fmt::Display for ResourceCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_from_index_round_trip_in_all_order() {
        for (position, category) in ResourceCategory::ALL.iter().enumerate() {
            assert_eq!(category.index(), position);
            assert_eq!(ResourceCategory::from_index(position), Some(*category));
        }
        assert_eq!(ResourceCategory::from_index(ResourceCategory::COUNT), None);
    }

    #[test]
    fn names_are_distinct() {
        for a in ResourceCategory::ALL {
            for b in ResourceCategory::ALL {
                assert_eq!(a == b, a.name() == b.name());
            }
        }
    }
}
