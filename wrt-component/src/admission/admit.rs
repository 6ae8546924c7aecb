//! [`admit`]: judge [`Requirements`] against [`ResourceLimits`].

use alloc::vec::Vec;

use crate::limits::{LimitKind, ResourceLimits};

use super::report::{AdmissionReport, LimitRow, Policy, Verdict, Violation, ViolationReason};
use super::requirements::Requirements;
use super::totals::Totals;

/// Judge `requirements` against `limits` with the default [`Policy::WorstCase`].
///
/// Every [`LimitKind`] gets a row, in [`LimitKind::ALL`] order; every violated limit gets a
/// [`Violation`], so a refusal says all that must change, not only the first problem.
///
/// ```
/// use wrt_component::admission::{admit, read_requirements};
/// use wrt_component::{LimitKind, ResourceLimits};
///
/// // (module (memory 1 2))
/// let bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 2];
/// let requirements = read_requirements(&bytes).unwrap();
/// let limits = ResourceLimits { max_memory: 65_536, ..ResourceLimits::default() };
/// let report = admit(&requirements, &limits);
/// assert!(!report.is_admitted()); // grows to 2 pages, the limit is 1
/// let row = report.row(LimitKind::Memory).unwrap();
/// assert_eq!((row.requested, row.worst_case, row.headroom()), (Some(65_536), Some(131_072), Some(-65_536)));
/// ```
pub fn admit(requirements: &Requirements, limits: &ResourceLimits) -> AdmissionReport {
    admit_with(requirements, limits, Policy::default())
}

/// Judge `requirements` against `limits` under `policy`.
pub fn admit_with(
    requirements: &Requirements,
    limits: &ResourceLimits,
    policy: Policy,
) -> AdmissionReport {
    let totals = requirements.totals();
    let declared = requirements.declared_limits().copied().unwrap_or_default();
    let mut violations = Vec::new();
    let rows = LimitKind::ALL.map(|kind| {
        let limit = limits.limit(kind);
        let (requested, worst_case, unbounded) = structural(&totals, kind, limit);
        let declared = declared.get(kind);
        let (verdict, reason) = judge(requested, worst_case, declared, limit, policy);
        let row = LimitRow {
            kind,
            requested,
            worst_case,
            declared,
            limit,
            unbounded,
            verdict,
        };
        if let Some(violation) = reason.and_then(|reason| violation_of(&row, reason)) {
            violations.push(violation);
        }
        row
    });
    if !violations.is_empty() {
        log::debug!("admission: refused, {} limit(s) violated", violations.len());
    }
    AdmissionReport {
        policy,
        rows,
        violations,
        totals,
        planned: None,
    }
}

/// Requested, worst case and unboundedness of a limit the binary's structure determines.
fn structural(
    totals: &Totals,
    kind: LimitKind,
    limit: Option<u64>,
) -> (Option<u64>, Option<u64>, bool) {
    // An unbounded memory or table may grow until the runtime stops it at the limit.
    let grow = |initial: u64, bounded_max: u64, unbounded: u64| {
        let worst = if unbounded > 0 {
            bounded_max.max(limit.unwrap_or(u64::MAX))
        } else {
            bounded_max
        };
        (Some(initial), Some(worst), unbounded > 0)
    };
    let count = |n: u64| (Some(n), Some(n), false);
    match kind {
        LimitKind::Memory => grow(
            totals.memory_initial_bytes,
            totals.memory_maximum_bytes,
            totals.unbounded_memories,
        ),
        LimitKind::TableElements => grow(
            totals.table_initial_elements,
            totals.table_maximum_elements,
            totals.unbounded_tables,
        ),
        LimitKind::Memories => count(totals.memories),
        LimitKind::Tables => count(totals.tables),
        LimitKind::Instances => count(totals.instances),
        LimitKind::Resources
        | LimitKind::FunctionCalls
        | LimitKind::HostCalls
        | LimitKind::Fuel
        | LimitKind::ExecutionTime => (None, None, false),
    }
}

fn judge(
    requested: Option<u64>,
    worst_case: Option<u64>,
    declared: Option<u64>,
    limit: Option<u64>,
    policy: Policy,
) -> (Verdict, Option<ViolationReason>) {
    let over = |value: Option<u64>| matches!((value, limit), (Some(v), Some(l)) if v > l);
    if over(requested) {
        (
            Verdict::Exceeds,
            Some(ViolationReason::RequestedExceedsLimit),
        )
    } else if over(worst_case) && policy == Policy::WorstCase {
        (
            Verdict::Exceeds,
            Some(ViolationReason::WorstCaseExceedsLimit),
        )
    } else if over(declared) {
        (
            Verdict::Exceeds,
            Some(ViolationReason::DeclaredExceedsLimit),
        )
    } else if over(worst_case) {
        (Verdict::GrowthLimited, None)
    } else if requested.is_none() && declared.is_none() {
        (Verdict::NotDeclared, None)
    } else {
        (Verdict::Fits, None)
    }
}

/// The violation `judge` found in `row`, with the offending value and the limit (both are
/// always known when there is a reason: a value can only exceed a limit that exists).
fn violation_of(row: &LimitRow, reason: ViolationReason) -> Option<Violation> {
    let value = match reason {
        ViolationReason::RequestedExceedsLimit => row.requested?,
        ViolationReason::WorstCaseExceedsLimit => row.worst_case?,
        ViolationReason::DeclaredExceedsLimit => row.declared?,
    };
    Some(Violation {
        kind: row.kind,
        reason,
        value,
        limit: row.limit?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judge_orders_reasons_from_strongest() {
        use ViolationReason::*;
        let w = Policy::WorstCase;
        let i = Policy::Instantiation;
        let cases = [
            (
                (Some(5), Some(9), Some(9), Some(4), w),
                (Verdict::Exceeds, Some(RequestedExceedsLimit)),
            ),
            (
                (Some(3), Some(9), Some(9), Some(4), w),
                (Verdict::Exceeds, Some(WorstCaseExceedsLimit)),
            ),
            (
                (Some(3), Some(9), Some(9), Some(4), i),
                (Verdict::Exceeds, Some(DeclaredExceedsLimit)),
            ),
            (
                (Some(3), Some(9), None, Some(4), i),
                (Verdict::GrowthLimited, None),
            ),
            (
                (Some(3), Some(4), Some(4), Some(4), w),
                (Verdict::Fits, None),
            ),
            ((None, None, None, Some(4), w), (Verdict::NotDeclared, None)),
            ((None, None, Some(5), None, w), (Verdict::Fits, None)),
            (
                (Some(u64::MAX), Some(u64::MAX), None, None, w),
                (Verdict::Fits, None),
            ),
        ];
        for ((requested, worst, declared, limit, policy), expected) in cases {
            assert_eq!(judge(requested, worst, declared, limit, policy), expected);
        }
    }

    #[test]
    fn unbounded_growth_is_judged_at_the_limit() {
        let totals = Totals {
            memory_initial_bytes: 10,
            memory_maximum_bytes: 10,
            unbounded_memories: 1,
            ..Totals::default()
        };
        let memory = LimitKind::Memory;
        assert_eq!(
            structural(&totals, memory, Some(100)),
            (Some(10), Some(100), true)
        );
        assert_eq!(
            structural(&totals, memory, Some(5)),
            (Some(10), Some(10), true)
        );
        assert_eq!(
            structural(&totals, memory, None),
            (Some(10), Some(u64::MAX), true)
        );
        assert_eq!(
            structural(&totals, LimitKind::ExecutionTime, None),
            (None, None, false)
        );
    }
}
