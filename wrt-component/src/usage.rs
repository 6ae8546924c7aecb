//! [`ResourceUsage`]: what one component currently holds and has done this period.

use core::time::Duration;

use crate::limits::{LimitKind, ResourceLimits, micros};

/// Counters matching [`ResourceLimits`] field for field.
///
/// Held counts (memory, tables, instances, resources) go up and down with the operations of
/// [`ComponentResourceManager`](crate::ComponentResourceManager); period counters (calls,
/// execution time) only go up until `reset_period`. They are plain numbers so that a metrics
/// collector can copy them out without locking anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ResourceUsage {
    /// Bytes of linear memory and resource `size_hint`s held (against `max_memory`).
    pub memory_used: usize,
    /// Table elements held, summed over tables (against `max_table_size`).
    pub table_elements_used: usize,
    /// Function calls this period (against `max_function_calls`).
    pub function_calls_made: u64,
    /// Host calls this period (against `max_host_calls`).
    pub host_calls_made: u64,
    /// Execution time charged this period (against `max_execution_time`).
    pub execution_time: Duration,
    /// Fuel burnt this period (against `max_fuel`).
    pub fuel_consumed: u64,
    /// Linear memories alive (against `max_memories`).
    pub memories: usize,
    /// Tables alive (against `max_tables`).
    pub tables: usize,
    /// Instances alive (against `max_instances`).
    pub instances: usize,
    /// Resources owned (against `max_resources`).
    pub resources: usize,
    /// The part of `memory_used` charged by owned resources' size hints (the rest is
    /// linear memory). Kept apart so that releasing linear memory can never eat into it.
    pub resource_bytes: usize,
}

impl ResourceUsage {
    /// Nothing held, nothing done.
    pub const ZERO: Self = Self {
        memory_used: 0,
        table_elements_used: 0,
        function_calls_made: 0,
        host_calls_made: 0,
        execution_time: Duration::ZERO,
        fuel_consumed: 0,
        memories: 0,
        tables: 0,
        instances: 0,
        resources: 0,
        resource_bytes: 0,
    };

    /// The counter for `kind` in the kind's [`unit`](LimitKind::unit), widened to `u64`.
    ///
    /// Execution time is whole microseconds, rounded down (saturating), like
    /// [`ResourceLimits::cap`]: rounding both down keeps `used <= cap` whenever the
    /// durations are within the limit.
    pub fn used(&self, kind: LimitKind) -> u64 {
        let wide = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        match kind {
            LimitKind::Memory => wide(self.memory_used),
            LimitKind::Memories => wide(self.memories),
            LimitKind::TableElements => wide(self.table_elements_used),
            LimitKind::Tables => wide(self.tables),
            LimitKind::Instances => wide(self.instances),
            LimitKind::Resources => wide(self.resources),
            LimitKind::FunctionCalls => self.function_calls_made,
            LimitKind::HostCalls => self.host_calls_made,
            LimitKind::Fuel => self.fuel_consumed,
            LimitKind::ExecutionTime => micros(self.execution_time),
        }
    }

    /// `true` when every counter is at or below its cap in `limits` (execution time compared
    /// as `Duration`s, not as rounded microseconds). The manager keeps this true at all
    /// times; the method exists for tests, assertions and metrics.
    pub fn is_within(&self, limits: &ResourceLimits) -> bool {
        LimitKind::ALL.iter().all(|&kind| match kind {
            LimitKind::ExecutionTime => limits
                .max_execution_time
                .is_none_or(|max| self.execution_time <= max),
            _ => self.used(kind) <= limits.cap(kind),
        })
    }

    /// How much of `kind` is still available under `limits` (zero, never negative), in the
    /// kind's unit. For execution time both sides are whole microseconds rounded down, so the
    /// answer may be a microsecond off the exact `Duration` difference.
    pub fn headroom(&self, limits: &ResourceLimits, kind: LimitKind) -> u64 {
        limits.cap(kind).saturating_sub(self.used(kind))
    }

    /// Bytes of linear memory held: `memory_used` minus `resource_bytes`.
    pub fn linear_memory(&self) -> usize {
        self.memory_used.saturating_sub(self.resource_bytes)
    }

    /// `true` when nothing is held and nothing was done.
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_never_underflows() {
        let limits = ResourceLimits {
            max_memory: 10,
            ..ResourceLimits::unlimited()
        };
        let usage = ResourceUsage {
            memory_used: 25,
            ..ResourceUsage::ZERO
        };
        assert_eq!(usage.headroom(&limits, LimitKind::Memory), 0);
        assert!(!usage.is_within(&limits));
    }

    #[test]
    fn execution_time_counts_towards_is_within() {
        let limits = ResourceLimits {
            max_execution_time: Some(Duration::from_millis(5)),
            ..ResourceLimits::unlimited()
        };
        let mut usage = ResourceUsage::ZERO;
        usage.execution_time = Duration::from_millis(5);
        assert!(usage.is_within(&limits));
        usage.execution_time = Duration::from_millis(6);
        assert!(!usage.is_within(&limits));
        assert_eq!(usage.used(LimitKind::ExecutionTime), 6_000);
        assert_eq!(usage.headroom(&limits, LimitKind::ExecutionTime), 0);
        // Past the limit by less than a microsecond: the rounded numbers tie, the check does not.
        usage.execution_time = Duration::from_millis(5) + Duration::from_nanos(1);
        assert_eq!(usage.used(LimitKind::ExecutionTime), 5_000);
        assert!(!usage.is_within(&limits));
        assert!(ResourceUsage::default().is_zero());
    }
}
