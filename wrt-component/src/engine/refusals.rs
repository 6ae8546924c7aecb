//! [`RefusalLog`]: every refusal a store met, with its full error, for the usage report.

use heapless::Vec;

use super::policy::OnRefusal;
use crate::error::ResourceError;
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
    by_limit: [u64; LimitKind::COUNT],
    time: u64,
    budget: u64,
    peak_demand: [u64; LimitKind::COUNT],
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
        match refusal.error {
            ResourceError::LimitExceeded {
                kind,
                requested,
                used,
                ..
            } => {
                let index = limit_index(kind);
                if let Some(count) = self.by_limit.get_mut(index) {
                    *count = count.saturating_add(1);
                }
                if let Some(peak) = self.peak_demand.get_mut(index) {
                    *peak = (*peak).max(used.saturating_add(requested));
                }
            }
            ResourceError::ExecutionTimeExceeded { .. } => self.time = self.time.saturating_add(1),
            ResourceError::BudgetExceeded { .. } => self.budget = self.budget.saturating_add(1),
            _ => {}
        }
        // Past the capacity only the count grows: that is the documented behaviour.
        let _ = self.kept.push(refusal);
    }

    /// The refusals kept, oldest first.
    pub fn kept(&self) -> &[Refusal] {
        &self.kept
    }

    /// Refusals by the component limit `kind`, kept or not.
    pub fn by_limit(&self, kind: LimitKind) -> u64 {
        self.by_limit.get(limit_index(kind)).copied().unwrap_or(0)
    }

    /// The largest `used + requested` among the refusals by `kind`: the demand the limit
    /// would have had to meet (0 when it refused nothing).
    pub fn peak_demand(&self, kind: LimitKind) -> u64 {
        self.peak_demand
            .get(limit_index(kind))
            .copied()
            .unwrap_or(0)
    }

    /// Refusals by `max_execution_time`.
    pub const fn by_execution_time(&self) -> u64 {
        self.time
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

/// Position of `kind` in [`LimitKind::ALL`], for per-limit arrays.
pub(crate) fn limit_index(kind: LimitKind) -> usize {
    LimitKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}
