//! [`plan`]: after admission, reserve what instantiation holds in a
//! [`ComponentResourceManager`], so the report shows what the runtime would really hold.

use crate::component_manager::{ComponentResourceManager, UsageChange};
use crate::error::ResourceError;
use crate::usage::ResourceUsage;

use super::report::AdmissionReport;

/// Most memories, tables or instances the plan step creates one by one. A component that
/// multiplies instantiations past this is refused by the planner rather than looped over.
pub const MAX_PLANNED_ITEMS: u64 = 1 << 16;

/// Why the plan step reserved nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The report refuses the binary: there is nothing to plan.
    #[error("not admitted: {violations} limit(s) violated")]
    NotAdmitted {
        /// Number of violations in the report.
        violations: usize,
    },
    /// More items to create than [`MAX_PLANNED_ITEMS`].
    #[error("{count} {what} to create, the planner creates at most {cap}")]
    TooManyItems {
        /// "instances", "memories" or "tables".
        what: &'static str,
        /// How many instantiation would create.
        count: u64,
        /// [`MAX_PLANNED_ITEMS`].
        cap: u64,
    },
    /// The manager refused a reservation: it already holds something, so the remaining
    /// headroom is smaller than the limits the report was judged against.
    #[error("the component cannot hold it: {0}")]
    Refused(#[from] ResourceError),
}

/// Reserve, in `manager`, the instances, memories (at their initial size) and tables (at
/// their initial size) that instantiating the binary of `report` creates, and record the
/// usage it leaves in [`AdmissionReport::planned`].
///
/// Atomic: on any error `manager` and `report` are unchanged. The manager may already hold
/// things (a live component adding an instance), in which case the plan fits what is left.
/// The first memory carries the summed initial bytes of all memories and the others are
/// created empty (likewise for tables): the manager counts totals, so the usage it ends
/// with is exactly what instantiation would leave, without one call per byte range.
///
/// ```
/// use wrt_component::admission::{admit, plan, read_requirements};
/// use wrt_component::{ComponentId, ComponentResourceManager, ResourceLimits};
///
/// // (module (memory 1 2))
/// let bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 2];
/// let limits = ResourceLimits::default();
/// let mut report = admit(&read_requirements(&bytes).unwrap(), &limits);
/// let mut manager = ComponentResourceManager::new(ComponentId(1), limits);
/// let held = plan(&mut report, &mut manager).unwrap();
/// assert_eq!((held.memories, held.memory_used, held.instances), (1, 65_536, 1));
/// assert_eq!(report.planned, Some(held));
/// ```
pub fn plan(
    report: &mut AdmissionReport,
    manager: &mut ComponentResourceManager,
) -> Result<ResourceUsage, PlanError> {
    if !report.is_admitted() {
        return Err(PlanError::NotAdmitted {
            violations: report.violations.len(),
        });
    }
    let totals = report.totals;
    let mut trial = manager.clone();
    repeat(&mut trial, "instances", totals.instances, |_| {
        UsageChange::AddInstance
    })?;
    let memory_bytes = wide(totals.memory_initial_bytes);
    repeat(&mut trial, "memories", totals.memories, |first| {
        UsageChange::CreateMemory(if first { memory_bytes } else { 0 })
    })?;
    let table_elements = wide(totals.table_initial_elements);
    repeat(&mut trial, "tables", totals.tables, |first| {
        UsageChange::CreateTable(if first { table_elements } else { 0 })
    })?;
    *manager = trial;
    let held = *manager.usage();
    report.planned = Some(held);
    Ok(held)
}

fn repeat(
    manager: &mut ComponentResourceManager,
    what: &'static str,
    count: u64,
    change: impl Fn(bool) -> UsageChange,
) -> Result<(), PlanError> {
    if count > MAX_PLANNED_ITEMS {
        return Err(PlanError::TooManyItems {
            what,
            count,
            cap: MAX_PLANNED_ITEMS,
        });
    }
    for index in 0..count {
        manager.apply(change(index == 0)).inspect_err(|error| {
            log::debug!("admission plan: {what} #{index} refused: {error}");
        })?;
    }
    Ok(())
}

/// `u64` to `usize`, saturating. Only on a target whose `usize` is narrower than the size
/// does this saturate, and then the plan asks for `usize::MAX`, which every finite limit
/// refuses; an unlimited component is charged `usize::MAX`, never less than it needs.
fn wide(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}
