//! [`OptimizationResult`]: the recommendations and the figures computed from them.

use wrt_foundation::BoundedVec;

use super::recommendation::Recommendation;
use crate::ratio::Ratio;

/// Bytes before and after applying the recommendations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryChange {
    /// Bytes as configured now.
    pub before: u64,
    /// Bytes as recommended.
    pub after: u64,
}

impl MemoryChange {
    /// Bytes no longer needed (`before − after`, zero when growing).
    pub fn saved(&self) -> u64 {
        self.before.saturating_sub(self.after)
    }

    /// Bytes more needed (`after − before`, zero when shrinking).
    pub fn added(&self) -> u64 {
        self.after.saturating_sub(self.before)
    }

    pub(crate) fn add(&mut self, before: u64, after: u64) {
        self.before = self.before.saturating_add(before);
        self.after = self.after.saturating_add(after);
    }
}

/// What [`ResourceOptimizer::optimize`](crate::ResourceOptimizer::optimize) found: up to `R`
/// recommendations, and figures computed from the observations and the recommendations —
/// never estimated.
///
/// The seed's "allocation time improved" is deliberately absent: nothing observed says how
/// long an allocator with another geometry would take; measure it with the benches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptimizationResult<const R: usize> {
    /// The recommendations, pools first, then limits, then preallocations.
    pub recommendations: BoundedVec<Recommendation, R>,
    /// Recommendations computed but not stored because `R` was reached; the figures below
    /// include them.
    pub omitted: usize,
    /// Bytes all pools reserve (`block_size × block_count`, summed), now and as recommended.
    pub pool_memory: MemoryChange,
    /// The reported memory budget now, and the memory preallocation recommended instead;
    /// `None` when no source reported a budget or no memory was seen in use.
    pub budget_memory: Option<MemoryChange>,
    /// Finite `max_memory` limits summed over components, now and as recommended. Limits are
    /// caps, not reservations, so they are not part of [`memory_saved`](Self::memory_saved).
    pub limit_memory: MemoryChange,
    /// Internal waste of the pools at their observed peak with today's block sizes:
    /// `Σ (peak blocks × block size − bytes requested) / Σ (peak blocks × block size)` over
    /// the pools that know their request sizes; `None` when none does.
    pub pool_waste_before: Option<Ratio>,
    /// The same waste with the recommended block sizes, for the same requests.
    pub pool_waste_after: Option<Ratio>,
}

impl<const R: usize> OptimizationResult<R> {
    /// Reserved bytes no longer needed: pools plus the budget replaced by a preallocation.
    /// These are distinct reservations (pool blocks are not counted in the budget), so the
    /// sum counts nothing twice.
    pub fn memory_saved(&self) -> u64 {
        self.reserved().saved()
    }

    /// Reserved bytes more needed (pools that were exhausted, a budget below the peak plus
    /// headroom).
    pub fn memory_added(&self) -> u64 {
        self.reserved().added()
    }

    /// Pool and budget reservations together, before and after.
    pub fn reserved(&self) -> MemoryChange {
        let mut total = self.pool_memory;
        if let Some(budget) = self.budget_memory {
            total.add(budget.before, budget.after);
        }
        total
    }

    /// How much the pools' internal fragmentation (waste) drops: `before − after`, a
    /// fraction of reserved bytes at peak; `None` when request sizes are unknown.
    pub fn fragmentation_reduced(&self) -> Option<f64> {
        let before = self.pool_waste_before?.as_f64();
        let after = self.pool_waste_after?.as_f64();
        Some(before - after)
    }
}
