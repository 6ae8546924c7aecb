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

    /// The cap on `kind` in the kind's [`unit`](LimitKind::unit), `u64::MAX` when
    /// unlimited (`usize` caps are widened, saturating where `usize` is wider than `u64`).
    ///
    /// Execution time is whole microseconds, rounded down: a cap of 1.5 µs reads 1, `None`
    /// (and a `Duration` too long for `u64` microseconds) reads `u64::MAX`. The manager
    /// enforces the `Duration` itself, so this number is for reports, not for checks.
    #[inline]
    pub fn cap(&self, kind: LimitKind) -> u64 {
        let wide = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        match kind {
            LimitKind::Memory => wide(self.max_memory),
            LimitKind::Memories => wide(self.max_memories),
            LimitKind::TableElements => wide(self.max_table_size),
            LimitKind::Tables => wide(self.max_tables),
            LimitKind::Instances => wide(self.max_instances),
            LimitKind::Resources => wide(self.max_resources),
            LimitKind::FunctionCalls => self.max_function_calls,
            LimitKind::HostCalls => self.max_host_calls,
            LimitKind::Fuel => self.max_fuel,
            LimitKind::ExecutionTime => self.max_execution_time.map_or(u64::MAX, micros),
        }
    }

    /// The cap on `kind` in the kind's unit, as [`cap`](Self::cap) gives it, or `None` when
    /// `kind` is unlimited.
    pub fn limit(&self, kind: LimitKind) -> Option<u64> {
        let cap = self.cap(kind);
        (cap != u64::MAX).then_some(cap)
    }
}

impl Default for ResourceLimits {
    fn default() -> Self {
        Self::conservative()
    }
}

/// Names one limit of [`ResourceLimits`] in errors, reports, refusal policies and metrics.
///
/// Every kind has one unit, the one all numbers about it are in ([`unit`](Self::unit)):
/// [`ResourceLimits::cap`], [`ResourceUsage::used`](crate::ResourceUsage::used), admission
/// rows, the declared-limits section and metrics. For [`ExecutionTime`](Self::ExecutionTime)
/// that is **whole microseconds, rounded down** from the `Duration`s that
/// [`ResourceLimits::max_execution_time`] and `ResourceUsage::execution_time` hold;
/// enforcement itself compares the `Duration`s, and its refusal is
/// [`ResourceError::ExecutionTimeExceeded`](crate::ResourceError::ExecutionTimeExceeded)
/// with durations, never `LimitExceeded`.
///
/// [`ALL`](Self::ALL) is the one order every report lists limits in: what instantiation
/// holds first (memory, tables, instances), then resources, then the run-time meters. The
/// variants are declared in that order, so `Ord` and [`index`](Self::index) follow it too.
///
/// ```
/// use wrt_component::LimitKind;
///
/// for (position, kind) in LimitKind::ALL.iter().enumerate() {
///     assert_eq!(kind.index(), position);
/// }
/// assert_eq!(LimitKind::ExecutionTime.field_name(), "max_execution_time");
/// assert_eq!(LimitKind::ExecutionTime.unit(), "microseconds");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LimitKind {
    /// `max_memory`, in bytes.
    Memory,
    /// `max_memories`, a count.
    Memories,
    /// `max_table_size`, in elements.
    TableElements,
    /// `max_tables`, a count.
    Tables,
    /// `max_instances`, a count.
    Instances,
    /// `max_resources`, a count.
    Resources,
    /// `max_function_calls`, in calls per period.
    FunctionCalls,
    /// `max_host_calls`, in calls per period.
    HostCalls,
    /// `max_fuel`, in the engine's fuel units per period.
    Fuel,
    /// `max_execution_time`, in whole microseconds per period (rounded down).
    ExecutionTime,
}

impl LimitKind {
    /// Number of kinds: the length of every per-limit table.
    pub const COUNT: usize = 10;

    /// Every kind in report order: what instantiation holds first, run-time meters last.
    pub const ALL: [LimitKind; Self::COUNT] = [
        Self::Memory,
        Self::Memories,
        Self::TableElements,
        Self::Tables,
        Self::Instances,
        Self::Resources,
        Self::FunctionCalls,
        Self::HostCalls,
        Self::Fuel,
        Self::ExecutionTime,
    ];

    /// Position in [`ALL`](Self::ALL), `0..COUNT`, for per-limit arrays.
    pub const fn index(self) -> usize {
        match self {
            Self::Memory => 0,
            Self::Memories => 1,
            Self::TableElements => 2,
            Self::Tables => 3,
            Self::Instances => 4,
            Self::Resources => 5,
            Self::FunctionCalls => 6,
            Self::HostCalls => 7,
            Self::Fuel => 8,
            Self::ExecutionTime => 9,
        }
    }

    /// The [`ResourceLimits`] field this kind names, e.g. `"max_memory"`: what errors and
    /// metrics call it, so an operator can find the knob to turn.
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::Memory => "max_memory",
            Self::Memories => "max_memories",
            Self::TableElements => "max_table_size",
            Self::Tables => "max_tables",
            Self::Instances => "max_instances",
            Self::Resources => "max_resources",
            Self::FunctionCalls => "max_function_calls",
            Self::HostCalls => "max_host_calls",
            Self::Fuel => "max_fuel",
            Self::ExecutionTime => "max_execution_time",
        }
    }

    /// A short human label for tables: `"memory"`, `"table elements"`, ...
    pub const fn label(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Memories => "memories",
            Self::TableElements => "table elements",
            Self::Tables => "tables",
            Self::Instances => "instances",
            Self::Resources => "resources",
            Self::FunctionCalls => "function calls",
            Self::HostCalls => "host calls",
            Self::Fuel => "fuel",
            Self::ExecutionTime => "execution time",
        }
    }

    /// What this kind's numbers count: `"bytes"`, `"count"`, `"elements"`, `"calls"`,
    /// `"fuel"` or `"microseconds"`.
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Memory => "bytes",
            Self::Memories | Self::Tables | Self::Instances | Self::Resources => "count",
            Self::TableElements => "elements",
            Self::FunctionCalls | Self::HostCalls => "calls",
            Self::Fuel => "fuel",
            Self::ExecutionTime => "microseconds",
        }
    }

    /// Whether a binary's structure alone tells what instantiation needs (memory, tables,
    /// instances), as opposed to a run-time meter that only a declared-limits section can
    /// speak for before the binary runs.
    pub const fn is_structural(self) -> bool {
        matches!(
            self,
            Self::Memory | Self::Memories | Self::TableElements | Self::Tables | Self::Instances
        )
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field_name())
    }
}

/// `duration` in whole microseconds, rounded down, saturating at `u64::MAX`: how
/// [`LimitKind::ExecutionTime`] is counted.
pub(crate) fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
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
        assert_eq!(limits.limit(LimitKind::ExecutionTime), None);
    }

    #[test]
    fn index_follows_all_and_names_are_distinct() {
        for (position, kind) in LimitKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), position);
        }
        for a in LimitKind::ALL {
            for b in LimitKind::ALL {
                assert_eq!(a == b, a.field_name() == b.field_name());
                assert_eq!(a == b, a.label() == b.label());
                assert_eq!(a < b, a.index() < b.index());
            }
        }
    }

    #[test]
    fn execution_time_reads_in_whole_microseconds() {
        let limits = ResourceLimits {
            max_execution_time: Some(Duration::from_nanos(1_500)),
            ..ResourceLimits::unlimited()
        };
        assert_eq!(limits.cap(LimitKind::ExecutionTime), 1);
        assert_eq!(limits.limit(LimitKind::ExecutionTime), Some(1));
        let forever = ResourceLimits {
            max_execution_time: Some(Duration::MAX),
            ..ResourceLimits::unlimited()
        };
        assert_eq!(forever.limit(LimitKind::ExecutionTime), None);
        let conservative = ResourceLimits::conservative();
        assert_eq!(conservative.limit(LimitKind::Tables), Some(16));
        assert_eq!(conservative.limit(LimitKind::Memory), Some(64 << 20));
        assert_eq!(conservative.limit(LimitKind::ExecutionTime), None);
    }

    #[test]
    fn default_is_the_conservative_profile() {
        assert_eq!(ResourceLimits::default(), ResourceLimits::conservative());
        assert_eq!(ResourceLimits::default().cap(LimitKind::Memory), 64 << 20);
    }
}
