//! [`LimitRefusals`]: how often each component limit refused, and the demand it refused.

use crate::error::ResourceError;
use crate::limits::{LimitKind, micros};

/// Refusals per [`LimitKind`] with the largest demand (`used + requested`) each refused.
///
/// Kept by the owner of the limits: a [`ComponentResourceManager`](crate::ComponentResourceManager)
/// counts every refusal of its own limits as it makes it, whoever asked (the runtime, an
/// engine's store limiter, an embedder), so a report reads the figure from the place that
/// enforces it instead of from whoever happened to watch.
///
/// ```
/// use wrt_component::{ComponentId, ComponentResourceManager, LimitKind, ResourceLimits};
///
/// let limits = ResourceLimits { max_memory: 64 * 1024, max_memories: 1, ..ResourceLimits::default() };
/// let mut component = ComponentResourceManager::new(ComponentId(1), limits);
/// component.create_memory(64 * 1024)?;
/// assert!(component.allocate_memory(64 * 1024).is_err());
/// assert_eq!(component.refusals().by_limit(LimitKind::Memory), 1);
/// assert_eq!(component.refusals().peak_demand(LimitKind::Memory), 128 * 1024);
/// # Ok::<(), wrt_component::ResourceError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitRefusals {
    by_limit: [u64; LimitKind::COUNT],
    peak_demand: [u64; LimitKind::COUNT],
}

impl LimitRefusals {
    /// None yet.
    pub const fn new() -> Self {
        Self {
            by_limit: [0; LimitKind::COUNT],
            peak_demand: [0; LimitKind::COUNT],
        }
    }

    /// Counts `error` against its limit when it is a limit's refusal (`LimitExceeded`,
    /// `ExecutionTimeExceeded`, and `LimitNotMetered` with a demand of 0); any other error
    /// is not a limit's doing and is not counted.
    pub fn record(&mut self, error: &ResourceError) {
        match *error {
            ResourceError::LimitExceeded {
                kind,
                requested,
                used,
                ..
            } => self.count(kind, used.saturating_add(requested)),
            ResourceError::ExecutionTimeExceeded {
                requested, used, ..
            } => self.count(
                LimitKind::ExecutionTime,
                micros(used.saturating_add(requested)),
            ),
            // Refused for being set where nothing meters it: no demand was measured.
            ResourceError::LimitNotMetered { kind, .. } => self.count(kind, 0),
            _ => {}
        }
    }

    fn count(&mut self, kind: LimitKind, demand: u64) {
        if let Some(count) = self.by_limit.get_mut(kind.index()) {
            *count = count.saturating_add(1);
        }
        if let Some(peak) = self.peak_demand.get_mut(kind.index()) {
            *peak = (*peak).max(demand);
        }
    }

    /// Refusals by `kind`.
    pub fn by_limit(&self, kind: LimitKind) -> u64 {
        self.by_limit.get(kind.index()).copied().unwrap_or(0)
    }

    /// The largest `used + requested` among the refusals by `kind`, in the kind's
    /// [`unit`](LimitKind::unit) (whole microseconds for execution time); 0 when it refused
    /// nothing.
    pub fn peak_demand(&self, kind: LimitKind) -> u64 {
        self.peak_demand.get(kind.index()).copied().unwrap_or(0)
    }

    /// Refusals by every limit together.
    pub fn total(&self) -> u64 {
        self.by_limit
            .iter()
            .fold(0u64, |sum, count| sum.saturating_add(*count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component_id::ComponentId;
    use core::time::Duration;

    #[test]
    fn limit_refusals_count_by_kind_with_their_peak_demand_and_nothing_else_counts() {
        let mut refusals = LimitRefusals::new();
        let component = ComponentId(1);
        for requested in [10, 30, 20] {
            refusals.record(&ResourceError::LimitExceeded {
                component,
                kind: LimitKind::TableElements,
                requested,
                used: 100,
                limit: 100,
            });
        }
        refusals.record(&ResourceError::ExecutionTimeExceeded {
            component,
            requested: Duration::from_nanos(2_500),
            used: Duration::from_millis(1),
            limit: Duration::from_millis(1),
        });
        refusals.record(&ResourceError::UnknownComponent { component });
        assert_eq!(refusals.by_limit(LimitKind::TableElements), 3);
        assert_eq!(refusals.peak_demand(LimitKind::TableElements), 130);
        assert_eq!(refusals.by_limit(LimitKind::ExecutionTime), 1);
        assert_eq!(refusals.peak_demand(LimitKind::ExecutionTime), 1_002);
        assert_eq!(refusals.by_limit(LimitKind::Memory), 0);
        assert_eq!(refusals.total(), 4);
    }
}
