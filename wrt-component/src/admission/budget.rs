//! [`Budget`]: one line of [`ResourceLimits`] as admission sees it, including execution time.

use core::fmt;

use crate::limits::{LimitKind, ResourceLimits};

/// One budget a binary is judged against: each counted [`LimitKind`] plus execution time.
///
/// [`LimitKind`] leaves execution time out because it is a `Duration`; admission reports and
/// the declared-limits section treat it as a count of microseconds so that every row of a
/// report has the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Budget {
    /// A counted limit of [`ResourceLimits`].
    Counted(LimitKind),
    /// `max_execution_time`, in microseconds.
    ExecutionTime,
}

impl Budget {
    /// Number of budgets: one report row each.
    pub const COUNT: usize = LimitKind::COUNT + 1;

    /// Every budget in report order: what instantiation holds first, run-time meters last.
    pub const ALL: [Budget; Self::COUNT] = [
        Self::Counted(LimitKind::Memory),
        Self::Counted(LimitKind::Memories),
        Self::Counted(LimitKind::TableElements),
        Self::Counted(LimitKind::Tables),
        Self::Counted(LimitKind::Instances),
        Self::Counted(LimitKind::Resources),
        Self::Counted(LimitKind::FunctionCalls),
        Self::Counted(LimitKind::HostCalls),
        Self::Counted(LimitKind::Fuel),
        Self::ExecutionTime,
    ];

    /// Position in [`ALL`](Self::ALL), for per-budget arrays.
    pub const fn index(self) -> usize {
        match self {
            Self::Counted(LimitKind::Memory) => 0,
            Self::Counted(LimitKind::Memories) => 1,
            Self::Counted(LimitKind::TableElements) => 2,
            Self::Counted(LimitKind::Tables) => 3,
            Self::Counted(LimitKind::Instances) => 4,
            Self::Counted(LimitKind::Resources) => 5,
            Self::Counted(LimitKind::FunctionCalls) => 6,
            Self::Counted(LimitKind::HostCalls) => 7,
            Self::Counted(LimitKind::Fuel) => 8,
            Self::ExecutionTime => 9,
        }
    }

    /// The [`ResourceLimits`] field this budget reads, e.g. `"max_memory"`.
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::Counted(kind) => kind.field_name(),
            Self::ExecutionTime => "max_execution_time",
        }
    }

    /// A short human label for tables: `"memory"`, `"table elements"`, ...
    pub const fn label(self) -> &'static str {
        match self {
            Self::Counted(LimitKind::Memory) => "memory",
            Self::Counted(LimitKind::Memories) => "memories",
            Self::Counted(LimitKind::TableElements) => "table elements",
            Self::Counted(LimitKind::Tables) => "tables",
            Self::Counted(LimitKind::Instances) => "instances",
            Self::Counted(LimitKind::Resources) => "resources",
            Self::Counted(LimitKind::FunctionCalls) => "function calls",
            Self::Counted(LimitKind::HostCalls) => "host calls",
            Self::Counted(LimitKind::Fuel) => "fuel",
            Self::ExecutionTime => "execution time",
        }
    }

    /// The unit of this budget's numbers: `"bytes"`, `"us"` or `"count"`.
    pub const fn unit(self) -> &'static str {
        match self {
            Self::Counted(LimitKind::Memory) => "bytes",
            Self::ExecutionTime => "us",
            Self::Counted(_) => "count",
        }
    }

    /// Whether the binary alone tells what instantiation needs (memory, tables, instances),
    /// as opposed to a run-time meter that only a declared-limits section can speak for.
    pub const fn is_structural(self) -> bool {
        matches!(
            self,
            Self::Counted(
                LimitKind::Memory
                    | LimitKind::Memories
                    | LimitKind::TableElements
                    | LimitKind::Tables
                    | LimitKind::Instances
            )
        )
    }

    /// The cap `limits` puts on this budget, `None` when unlimited (`u64::MAX` or no
    /// execution-time cap). Execution time is converted to microseconds, saturating.
    pub fn cap(self, limits: &ResourceLimits) -> Option<u64> {
        let cap = match self {
            Self::Counted(kind) => limits.cap(kind),
            Self::ExecutionTime => {
                let time = limits.max_execution_time?;
                u64::try_from(time.as_micros()).unwrap_or(u64::MAX)
            }
        };
        (cap != u64::MAX).then_some(cap)
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    #[test]
    fn index_matches_all_order() {
        for (position, budget) in Budget::ALL.iter().enumerate() {
            assert_eq!(budget.index(), position);
        }
    }

    #[test]
    fn every_limit_kind_has_a_budget() {
        for kind in LimitKind::ALL {
            assert!(Budget::ALL.contains(&Budget::Counted(kind)));
        }
    }

    #[test]
    fn caps_read_limits_and_treat_max_as_unlimited() {
        let limits = ResourceLimits {
            max_execution_time: Some(Duration::from_millis(3)),
            ..ResourceLimits::unlimited()
        };
        assert_eq!(Budget::ExecutionTime.cap(&limits), Some(3000));
        assert_eq!(Budget::Counted(LimitKind::Memory).cap(&limits), None);
        let conservative = ResourceLimits::conservative();
        assert_eq!(
            Budget::Counted(LimitKind::Tables).cap(&conservative),
            Some(16)
        );
        assert_eq!(Budget::ExecutionTime.cap(&conservative), None);
    }
}
