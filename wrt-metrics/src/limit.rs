//! [`MeteredLimit`]: the per-component limits a metrics source can report usage against.

use core::fmt;

use wrt_component::LimitKind;

/// One limit of a component that metrics follow: every counted [`LimitKind`] plus execution
/// time, which `wrt-component` keeps as a `Duration` and metrics count in nanoseconds.
///
/// Per-component tables are arrays indexed by [`MeteredLimit::index`], so they need no heap.
///
/// ```
/// use wrt_component::LimitKind;
/// use wrt_metrics::MeteredLimit;
///
/// for (position, limit) in MeteredLimit::ALL.iter().enumerate() {
///     assert_eq!(limit.index(), position);
/// }
/// assert_eq!(MeteredLimit::Counted(LimitKind::Memory).name(), "max_memory");
/// assert_eq!(MeteredLimit::ExecutionTime.unit(), "nanoseconds");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MeteredLimit {
    /// A limit `wrt-component` counts as a number.
    Counted(LimitKind),
    /// `max_execution_time`, counted in nanoseconds.
    ExecutionTime,
}

impl MeteredLimit {
    /// Number of metered limits; the length of every per-component limit table.
    pub const COUNT: usize = LimitKind::COUNT + 1;

    /// Every metered limit, in [`index`](Self::index) order.
    pub const ALL: [MeteredLimit; Self::COUNT] = [
        Self::Counted(LimitKind::Memory),
        Self::Counted(LimitKind::TableElements),
        Self::Counted(LimitKind::FunctionCalls),
        Self::Counted(LimitKind::HostCalls),
        Self::Counted(LimitKind::Memories),
        Self::Counted(LimitKind::Tables),
        Self::Counted(LimitKind::Instances),
        Self::Counted(LimitKind::Resources),
        Self::Counted(LimitKind::Fuel),
        Self::ExecutionTime,
    ];

    /// Position in [`ALL`](Self::ALL): `0..COUNT`.
    pub const fn index(self) -> usize {
        match self {
            Self::Counted(LimitKind::Memory) => 0,
            Self::Counted(LimitKind::TableElements) => 1,
            Self::Counted(LimitKind::FunctionCalls) => 2,
            Self::Counted(LimitKind::HostCalls) => 3,
            Self::Counted(LimitKind::Memories) => 4,
            Self::Counted(LimitKind::Tables) => 5,
            Self::Counted(LimitKind::Instances) => 6,
            Self::Counted(LimitKind::Resources) => 7,
            Self::Counted(LimitKind::Fuel) => 8,
            Self::ExecutionTime => 9,
        }
    }

    /// The `ResourceLimits` field this limit names (`"max_memory"`, `"max_execution_time"`),
    /// used as the metric label so an operator can find the knob to turn.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Counted(kind) => kind.field_name(),
            Self::ExecutionTime => "max_execution_time",
        }
    }

    /// What the numbers count.
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Counted(LimitKind::Memory) => "bytes",
            Self::Counted(LimitKind::TableElements) => "elements",
            Self::Counted(LimitKind::FunctionCalls | LimitKind::HostCalls) => "calls",
            Self::Counted(
                LimitKind::Memories
                | LimitKind::Tables
                | LimitKind::Instances
                | LimitKind::Resources,
            ) => "count",
            Self::Counted(LimitKind::Fuel) => "fuel",
            Self::ExecutionTime => "nanoseconds",
        }
    }

    /// `true` for the one limit measured in bytes of memory: only its changes count
    /// towards the optimizer's memory saved or added.
    pub const fn is_memory(self) -> bool {
        matches!(self, Self::Counted(LimitKind::Memory))
    }
}

impl From<LimitKind> for MeteredLimit {
    fn from(kind: LimitKind) -> Self {
        Self::Counted(kind)
    }
}

impl fmt::Display for MeteredLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_follows_all_and_names_are_distinct() {
        for (position, limit) in MeteredLimit::ALL.iter().enumerate() {
            assert_eq!(limit.index(), position);
        }
        for a in MeteredLimit::ALL {
            for b in MeteredLimit::ALL {
                assert_eq!(a == b, a.name() == b.name());
            }
        }
        assert!(MeteredLimit::from(LimitKind::Memory).is_memory());
        assert!(!MeteredLimit::ExecutionTime.is_memory());
    }
}
