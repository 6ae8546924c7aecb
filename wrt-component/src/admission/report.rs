//! [`AdmissionReport`]: one row per limit and a decision that names every violation.

use alloc::vec::Vec;
use core::fmt;

use crate::limits::LimitKind;
use crate::usage::ResourceUsage;

use super::totals::Totals;

/// How growth beyond the limit is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Refuse when the worst case (every memory and table at its declared maximum) exceeds a
    /// limit. For safety-critical integrators: an admitted binary can never be stopped by a
    /// limit at run time, except for memories and tables that declare no maximum, which are
    /// judged at the limit and flagged [`unbounded`](LimitRow::unbounded).
    #[default]
    WorstCase,
    /// Refuse only when instantiation itself exceeds a limit; growth past a limit is left to
    /// the runtime, which fails `memory.grow`/`table.grow` there
    /// ([`Verdict::GrowthLimited`]).
    Instantiation,
}

/// What a row says about its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Everything known fits under the limit (or there is no limit).
    Fits,
    /// Instantiation fits but the worst case does not; admitted under
    /// [`Policy::Instantiation`], the runtime will stop growth at the limit.
    GrowthLimited,
    /// A violation: see the report's [`violations`](AdmissionReport::violations).
    Exceeds,
    /// A run-time meter (calls, time, resources) the binary does not declare: nothing to judge
    /// before running; the runtime enforces the limit as it goes.
    NotDeclared,
}

impl Verdict {
    /// Short lowercase label for tables and JSON.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Fits => "fits",
            Self::GrowthLimited => "growth-limited",
            Self::Exceeds => "EXCEEDS",
            Self::NotDeclared => "not declared",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One limit of the report. Numbers are in the kind's [`unit`](LimitKind::unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LimitRow {
    /// Which limit.
    pub kind: LimitKind,
    /// Held right after instantiation; `None` for run-time meters.
    pub requested: Option<u64>,
    /// Held with every memory and table at its declared maximum (unbounded ones judged at the
    /// limit); `None` for run-time meters.
    pub worst_case: Option<u64>,
    /// What the binary's declared-limits section says it needs.
    pub declared: Option<u64>,
    /// The cap; `None` is unlimited.
    pub limit: Option<u64>,
    /// Some memory or table here declares no maximum, so `worst_case` is the limit (or
    /// `u64::MAX` with no limit): the runtime, not the binary, bounds its growth.
    pub unbounded: bool,
    /// The judgement.
    pub verdict: Verdict,
}

impl LimitRow {
    /// The largest need known for this row: the worst case, the declared value or the request.
    pub fn need(&self) -> Option<u64> {
        [self.requested, self.worst_case, self.declared]
            .into_iter()
            .flatten()
            .max()
    }

    /// `limit - need`: negative when over, `None` when there is no limit or nothing is known.
    pub fn headroom(&self) -> Option<i128> {
        let limit = i128::from(self.limit?);
        let need = i128::from(self.need()?);
        limit.checked_sub(need)
    }
}

/// Why a limit refuses the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViolationReason {
    /// Instantiation alone needs more than the limit.
    RequestedExceedsLimit,
    /// Growth to the declared maxima would exceed the limit ([`Policy::WorstCase`] only).
    WorstCaseExceedsLimit,
    /// The declared-limits section asks for more than the limit.
    DeclaredExceedsLimit,
}

impl ViolationReason {
    /// Short label for tables and JSON.
    pub const fn label(self) -> &'static str {
        match self {
            Self::RequestedExceedsLimit => "requested exceeds limit",
            Self::WorstCaseExceedsLimit => "worst case exceeds limit",
            Self::DeclaredExceedsLimit => "declared exceeds limit",
        }
    }
}

/// One violated limit, with the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Violation {
    /// Which limit.
    pub kind: LimitKind,
    /// Why.
    pub reason: ViolationReason,
    /// The value that is too large (requested, worst case or declared).
    pub value: u64,
    /// The limit it exceeds.
    pub limit: u64,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = match self.reason {
            ViolationReason::RequestedExceedsLimit => "requested",
            ViolationReason::WorstCaseExceedsLimit => "worst case",
            ViolationReason::DeclaredExceedsLimit => "declared",
        };
        // Counts read best bare: "instances (max_instances): requested 8 exceeds ... 7".
        let unit = match self.kind {
            LimitKind::Memory => " bytes",
            LimitKind::ExecutionTime => " us",
            _ => "",
        };
        write!(
            f,
            "{} ({}): {subject} {}{unit} exceeds the limit of {}{unit}",
            self.kind.label(),
            self.kind.field_name(),
            self.value,
            self.limit,
        )
    }
}

/// The judgement of one binary against one set of limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionReport {
    /// The policy used.
    pub policy: Policy,
    /// One row per limit, in [`LimitKind::ALL`] order.
    pub rows: [LimitRow; LimitKind::COUNT],
    /// Every violated limit, in row order; empty when admitted.
    pub violations: Vec<Violation>,
    /// What instantiation holds, as read from the binary.
    pub totals: Totals,
    /// What a [`ComponentResourceManager`](crate::ComponentResourceManager) holds after
    /// [`plan`](super::plan) reserved the instantiation; `None` until planned.
    pub planned: Option<ResourceUsage>,
}

impl AdmissionReport {
    /// Whether the binary may be instantiated.
    pub fn is_admitted(&self) -> bool {
        self.violations.is_empty()
    }

    /// The row of `kind`.
    pub fn row(&self, kind: LimitKind) -> Option<&LimitRow> {
        self.rows.get(kind.index())
    }

    /// Instantiations of modules or components the binary imports: their needs are not in the
    /// report, so an integrator must budget for them separately.
    pub fn opaque_instantiations(&self) -> u64 {
        self.totals.opaque_instantiations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        requested: Option<u64>,
        worst: Option<u64>,
        declared: Option<u64>,
        limit: Option<u64>,
    ) -> LimitRow {
        LimitRow {
            kind: LimitKind::Instances,
            requested,
            worst_case: worst,
            declared,
            limit,
            unbounded: false,
            verdict: Verdict::Fits,
        }
    }

    #[test]
    fn headroom_is_the_limit_minus_the_largest_known_need() {
        assert_eq!(row(Some(1), Some(3), Some(2), Some(10)).headroom(), Some(7));
        assert_eq!(
            row(Some(1), Some(3), Some(12), Some(10)).headroom(),
            Some(-2)
        );
        assert_eq!(row(None, None, None, Some(10)).headroom(), None);
        assert_eq!(row(Some(1), Some(1), None, None).headroom(), None);
        assert_eq!(
            row(Some(u64::MAX), None, None, Some(0)).headroom(),
            Some(-i128::from(u64::MAX))
        );
    }

    #[test]
    fn violations_read_as_sentences() {
        let violation = Violation {
            kind: LimitKind::Instances,
            reason: ViolationReason::RequestedExceedsLimit,
            value: 8,
            limit: 7,
        };
        assert_eq!(
            alloc::format!("{violation}"),
            "instances (max_instances): requested 8 exceeds the limit of 7"
        );
        assert_eq!(Verdict::GrowthLimited.label(), "growth-limited");
    }
}
