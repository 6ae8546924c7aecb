//! [`ResourceLimits`]: what one component may hold and do, and [`LimitKind`] to name a limit.

use core::fmt;
use core::time::Duration;

/// The caps a runtime puts on one component.
///
/// Every field is enforced by an operation the runtime calls on
/// [`ComponentResourceManager`](crate::ComponentResourceManager) (the field's rustdoc names
/// it). A cap of `usize::MAX` / `u64::MAX` / `None` means "no limit".
///
/// [`Default`] is a deliberately modest profile for an untrusted component on a shared
/// device: 64 MiB of linear memory (1024 Wasm pages), 10 000 table elements, 16 memories,
/// 16 tables, 16 instances and 1024 resources — enough for real components built from
/// several core modules, small enough that a handful of them cannot starve a 1 GiB device.
/// Call, fuel and time caps are workload policy, so they default to unlimited; set them when you
/// meter a component per request or per period.
///
/// ```
/// use core::time::Duration;
/// use wrt_component::ResourceLimits;
///
/// let limits = ResourceLimits {
///     max_memory: 2 * 65_536,
///     max_execution_time: Some(Duration::from_millis(50)),
///     ..ResourceLimits::default()
/// };
/// assert_eq!(limits.max_tables, 16);
/// assert!(ResourceLimits::unlimited().max_execution_time.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceLimits {
    /// Bytes of linear memory (and of resources' `size_hint`s) held at once.
    /// Enforced by `create_memory`, `allocate_memory` and `reserve_resource`.
    pub max_memory: usize,
    /// Table elements held at once, summed over all the component's tables.
    /// Enforced by `create_table` and `grow_table`.
    pub max_table_size: usize,
    /// Function calls in the current accounting period. Enforced by `record_function_call`.
    pub max_function_calls: u64,
    /// Host (import) calls in the current accounting period. Enforced by `record_host_call`.
    pub max_host_calls: u64,
    /// Execution time in the current accounting period; `None` is unlimited.
    /// Enforced by `charge_execution_time`.
    pub max_execution_time: Option<Duration>,
    /// Linear memories alive at once. Enforced by `create_memory`.
    pub max_memories: usize,
    /// Tables alive at once. Enforced by `create_table`.
    pub max_tables: usize,
    /// Core module or component instances alive at once. Enforced by `add_instance`.
    pub max_instances: usize,
    /// Resources (handles in a resource manager) owned at once. Enforced by `reserve_resource`.
    pub max_resources: usize,
    /// Fuel (the engine's deterministic instruction count) in the current accounting period.
    /// An engine adapter hands this much fuel to the store, so the engine itself stops the
    /// program when it is spent; `charge_fuel` books what was burnt.
    pub max_fuel: u64,
}

impl ResourceLimits {
    /// No limit at all: for trusted components, and as the neutral element when a runtime
    /// only wants the runtime-wide budget.
    pub const fn unlimited() -> Self {
        Self {
            max_memory: usize::MAX,
            max_table_size: usize::MAX,
            max_function_calls: u64::MAX,
            max_host_calls: u64::MAX,
            max_execution_time: None,
            max_memories: usize::MAX,
            max_tables: usize::MAX,
            max_instances: usize::MAX,
            max_resources: usize::MAX,
            max_fuel: u64::MAX,
        }
    }

    /// The [`Default`] profile as a `const`, for `static` configuration tables.
    pub const fn conservative() -> Self {
        Self {
            max_memory: 64 * 1024 * 1024,
            max_table_size: 10_000,
            max_function_calls: u64::MAX,
            max_host_calls: u64::MAX,
            max_execution_time: None,
            max_memories: 16,
            max_tables: 16,
            max_instances: 16,
            max_resources: 1024,
            max_fuel: u64::MAX,
        }
    }

    /// The cap for a counted limit, widened to `u64` (`usize` always fits on supported targets;
    /// saturates otherwise).
    pub fn cap(&self, kind: LimitKind) -> u64 {
        let wide = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        match kind {
            LimitKind::Memory => wide(self.max_memory),
            LimitKind::TableElements => wide(self.max_table_size),
            LimitKind::FunctionCalls => self.max_function_calls,
            LimitKind::HostCalls => self.max_host_calls,
            LimitKind::Memories => wide(self.max_memories),
            LimitKind::Tables => wide(self.max_tables),
            LimitKind::Instances => wide(self.max_instances),
            LimitKind::Resources => wide(self.max_resources),
            LimitKind::Fuel => self.max_fuel,
        }
    }
}

impl Default for ResourceLimits {
    fn default() -> Self {
        Self::conservative()
    }
}

/// Names one counted limit of [`ResourceLimits`] in errors, reports and metrics.
///
/// Execution time is not here: it is a [`Duration`], and its errors carry durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LimitKind {
    /// `max_memory`, in bytes.
    Memory,
    /// `max_table_size`, in elements.
    TableElements,
    /// `max_function_calls`.
    FunctionCalls,
    /// `max_host_calls`.
    HostCalls,
    /// `max_memories`.
    Memories,
    /// `max_tables`.
    Tables,
    /// `max_instances`.
    Instances,
    /// `max_resources`.
    Resources,
    /// `max_fuel`, in the engine's fuel units.
    Fuel,
}

impl LimitKind {
    /// Number of kinds.
    pub const COUNT: usize = 9;

    /// Every kind, for reports that list all limits.
    pub const ALL: [LimitKind; Self::COUNT] = [
        Self::Memory,
        Self::TableElements,
        Self::FunctionCalls,
        Self::HostCalls,
        Self::Memories,
        Self::Tables,
        Self::Instances,
        Self::Resources,
        Self::Fuel,
    ];

    /// The [`ResourceLimits`] field this kind names, e.g. `"max_memory"`.
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::Memory => "max_memory",
            Self::TableElements => "max_table_size",
            Self::FunctionCalls => "max_function_calls",
            Self::HostCalls => "max_host_calls",
            Self::Memories => "max_memories",
            Self::Tables => "max_tables",
            Self::Instances => "max_instances",
            Self::Resources => "max_resources",
            Self::Fuel => "max_fuel",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_caps_are_maximal() {
        let limits = ResourceLimits::unlimited();
        for kind in LimitKind::ALL {
            assert_eq!(limits.cap(kind), u64::MAX);
        }
        assert_eq!(limits.max_execution_time, None);
    }

    #[test]
    fn default_is_the_conservative_profile() {
        assert_eq!(ResourceLimits::default(), ResourceLimits::conservative());
        assert_eq!(ResourceLimits::default().cap(LimitKind::Memory), 64 << 20);
    }
}
