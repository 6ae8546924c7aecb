//! [`RefusalLog`]: every refusal a store met, with its full error, for the usage report.

use heapless::Vec;

use super::policy::OnRefusal;
use crate::error::ResourceError;
use crate::limit_refusals::LimitRefusals;
use crate::limits::LimitKind;

/// What was being asked for when a refusal happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Request {
    /// A new linear memory (instantiation or `Memory::new`).
    CreateMemory,
    /// `memory.grow` (or `Memory::grow`).
    GrowMemory,
    /// A new table.
    CreateTable,
    /// `table.grow`.
    GrowTable,
    /// A new instance.
    Instance,
    /// A call from the host into Wasm.
    WasmEntry,
    /// A call from Wasm into the host.
    HostCall,
    /// Execution time charged at an epoch tick or a return to the host.
    ExecutionTime,
    /// Fuel booked after the engine reported it burnt.
    Fuel,
    /// A host resource (a file, a socket) reserved for the store.
    Resource,
}

/// One refusal: what was asked, why it was refused, and what the program saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// What was asked.
    pub request: Request,
    /// The error, with requested, used and limit.
    pub error: ResourceError,
    /// What the program saw: -1 from the instruction, or a trap.
    pub action: OnRefusal,
}

/// The refusals of one store: the first [`RefusalLog::CAPACITY`] in full, and a count of all.
///
/// A program that retries a refused `memory.grow` in a loop would otherwise make the log as
/// big as the loop; the first refusals say why, the count says how often.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefusalLog {
    kept: Vec<Refusal, { RefusalLog::CAPACITY }>,
    total: u64,
    last_trap: Option<Refusal>,
    limits: LimitRefusals,
    budget: u64,
}

impl RefusalLog {
    /// Refusals kept in full.
    pub const CAPACITY: usize = 32;

    /// Records one refusal.
    pub(crate) fn record(&mut self, refusal: Refusal) {
        self.total = self.total.saturating_add(1);
        if refusal.action == OnRefusal::Trap {
            self.last_trap = Some(refusal);
        }
        if let ResourceError::BudgetExceeded { .. } = refusal.error {
            self.budget = self.budget.saturating_add(1);
        }
        self.limits.record(&refusal.error);
        // Past the capacity only the count grows: that is the documented behaviour.
        let _ = self.kept.push(refusal);
    }

    /// The refusals kept, oldest first.
    pub fn kept(&self) -> &[Refusal] {
        &self.kept
    }

    /// Refusals by the component limit `kind` (execution time included), kept or not.
    pub fn by_limit(&self, kind: LimitKind) -> u64 {
        self.limits.by_limit(kind)
    }

    /// The largest `used + requested` among the refusals by `kind`, in the kind's
    /// [`unit`](LimitKind::unit) (whole microseconds for execution time): the demand the
    /// limit would have had to meet (0 when it refused nothing).
    pub fn peak_demand(&self, kind: LimitKind) -> u64 {
        self.limits.peak_demand(kind)
    }

    /// Refusals by the runtime-wide budget.
    pub const fn by_budget(&self) -> u64 {
        self.budget
    }

    /// Every refusal, kept or not.
    pub const fn total(&self) -> u64 {
        self.total
    }

    /// The most recent refusal that trapped, kept or not: what stopped the program, if a
    /// limit did.
    pub const fn last_trap(&self) -> Option<&Refusal> {
        self.last_trap.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component_id::ComponentId;
    use core::time::Duration;

    #[test]
    fn execution_time_refusals_count_by_their_kind_in_microseconds() {
        let mut log = RefusalLog::default();
        log.record(Refusal {
            request: Request::ExecutionTime,
            error: ResourceError::ExecutionTimeExceeded {
                component: ComponentId(1),
                requested: Duration::from_nanos(2_500),
                used: Duration::from_millis(1),
                limit: Duration::from_millis(1),
            },
            action: OnRefusal::Trap,
        });
        assert_eq!(log.by_limit(LimitKind::ExecutionTime), 1);
        assert_eq!(log.peak_demand(LimitKind::ExecutionTime), 1_002);
        assert_eq!(log.by_limit(LimitKind::Fuel), 0);
        assert_eq!(log.total(), 1);
    }
}
