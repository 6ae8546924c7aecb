//! [`RuntimeBudget`]: caps over all components together, above each one's own limits.

use core::fmt;

use crate::error::ResourceError;

/// The runtime-wide caps.
///
/// Per-component limits stop one component from hogging the device; this stops many
/// components, each within its limits, from exhausting it together. A
/// [`ResourceRuntime`](crate::ResourceRuntime) checks both on every charge and commits
/// neither unless both allow it.
///
/// ```
/// use wrt_component::RuntimeBudget;
///
/// // A 256 MiB device that keeps 64 MiB for the host.
/// let budget = RuntimeBudget { max_total_memory: 192 << 20, max_total_resources: 4096 };
/// assert!(RuntimeBudget::unlimited().max_total_memory > budget.max_total_memory);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuntimeBudget {
    /// Bytes charged across all components: linear memory plus resources' size hints.
    pub max_total_memory: usize,
    /// Resources alive across all components.
    pub max_total_resources: usize,
}

impl RuntimeBudget {
    /// No runtime-wide cap: only the per-component limits apply.
    pub const fn unlimited() -> Self {
        Self {
            max_total_memory: usize::MAX,
            max_total_resources: usize::MAX,
        }
    }
}

/// What the runtime-wide budget has handed out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BudgetUsage {
    /// Bytes charged across all components.
    pub memory: usize,
    /// Resources alive across all components.
    pub resources: usize,
}

/// Names one runtime-wide cap in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetKind {
    /// `max_total_memory`.
    Memory,
    /// `max_total_resources`.
    Resources,
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Memory => "max_total_memory",
            Self::Resources => "max_total_resources",
        })
    }
}

/// The budget and its usage, with checked arithmetic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub(crate) limits: RuntimeBudget,
    pub(crate) used: BudgetUsage,
}

impl Budget {
    pub(crate) const fn new(limits: RuntimeBudget) -> Self {
        Self {
            limits,
            used: BudgetUsage {
                memory: 0,
                resources: 0,
            },
        }
    }

    /// The usage after adding `memory` bytes and `resources` resources, or the refusal.
    pub(crate) fn plan_charge(
        &self,
        memory: usize,
        resources: usize,
    ) -> Result<BudgetUsage, ResourceError> {
        let memory_total = add_within(
            BudgetKind::Memory,
            memory,
            self.used.memory,
            self.limits.max_total_memory,
        )?;
        let resources_total = add_within(
            BudgetKind::Resources,
            resources,
            self.used.resources,
            self.limits.max_total_resources,
        )?;
        Ok(BudgetUsage {
            memory: memory_total,
            resources: resources_total,
        })
    }

    /// Gives back what a component no longer holds; saturates, since the runtime only ever
    /// releases what it charged.
    pub(crate) fn release(&mut self, memory: usize, resources: usize) {
        self.used.memory = self.used.memory.saturating_sub(memory);
        self.used.resources = self.used.resources.saturating_sub(resources);
    }
}

fn add_within(
    kind: BudgetKind,
    requested: usize,
    used: usize,
    limit: usize,
) -> Result<usize, ResourceError> {
    match used.checked_add(requested) {
        Some(total) if total <= limit => Ok(total),
        _ => {
            let wide = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
            log::debug!("runtime budget {kind}: {requested} requested, {used} used, limit {limit}");
            Err(ResourceError::BudgetExceeded {
                kind,
                requested: wide(requested),
                used: wide(used),
                limit: wide(limit),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_up_to_the_limit_and_no_further() {
        let mut b = Budget::new(RuntimeBudget {
            max_total_memory: 100,
            max_total_resources: 1,
        });
        b.used = b.plan_charge(100, 1).unwrap();
        assert_eq!(
            b.plan_charge(1, 0),
            Err(ResourceError::BudgetExceeded {
                kind: BudgetKind::Memory,
                requested: 1,
                used: 100,
                limit: 100
            })
        );
        assert!(matches!(
            b.plan_charge(0, 1),
            Err(ResourceError::BudgetExceeded {
                kind: BudgetKind::Resources,
                ..
            })
        ));
        b.release(100, 1);
        assert_eq!(b.used, BudgetUsage::default());
    }

    #[test]
    fn overflow_is_a_refusal() {
        let mut b = Budget::new(RuntimeBudget::unlimited());
        b.used.memory = usize::MAX;
        assert!(b.plan_charge(1, 0).is_err());
    }
}
