//! [`RefusalPolicy`]: what a refused growth does to the running program.

use crate::error::ResourceError;
use crate::limits::LimitKind;

/// What the engine does when the limiter refuses a `memory.grow` or `table.grow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnRefusal {
    /// The instruction fails the Wasm way (`memory.grow` / `table.grow` return -1) and the
    /// program decides what to do: the behaviour the specification gives an engine that is
    /// out of memory, so well-written programs already handle it.
    Deny,
    /// The program traps at the growing instruction: for integrators who want a runaway
    /// component stopped where it went over, with a backtrace, instead of limping on.
    Trap,
}

/// The integrator's choice of [`OnRefusal`] per limit.
///
/// Only growth can be denied: a refused call, host call, fuel or time charge always traps,
/// because there is no Wasm-level failure value for "you may not run", whatever the policy
/// holds for [`FunctionCalls`](LimitKind::FunctionCalls), [`HostCalls`](LimitKind::HostCalls),
/// [`Fuel`](LimitKind::Fuel) or [`ExecutionTime`](LimitKind::ExecutionTime). Refusals by the
/// runtime-wide budget follow [`budget`](Self::budget).
///
/// ```
/// use wrt_component::LimitKind;
/// use wrt_component::engine::{OnRefusal, RefusalPolicy};
///
/// // Deny memory growth (programs see -1), but trap on a table that grows too far.
/// let policy = RefusalPolicy::deny().with(LimitKind::TableElements, OnRefusal::Trap);
/// assert_eq!(policy.for_limit(LimitKind::Memory), OnRefusal::Deny);
/// assert_eq!(policy.for_limit(LimitKind::TableElements), OnRefusal::Trap);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefusalPolicy {
    per_limit: [OnRefusal; LimitKind::COUNT],
    budget: OnRefusal,
}

impl RefusalPolicy {
    /// Every growth refusal denies: the engines' own default behaviour for limits.
    pub const fn deny() -> Self {
        Self {
            per_limit: [OnRefusal::Deny; LimitKind::COUNT],
            budget: OnRefusal::Deny,
        }
    }

    /// Every growth refusal traps.
    pub const fn trap() -> Self {
        Self {
            per_limit: [OnRefusal::Trap; LimitKind::COUNT],
            budget: OnRefusal::Trap,
        }
    }

    /// This policy with `kind`'s refusals doing `action`.
    #[must_use]
    pub fn with(mut self, kind: LimitKind, action: OnRefusal) -> Self {
        if let Some(slot) = self.per_limit.get_mut(kind.index()) {
            *slot = action;
        }
        self
    }

    /// This policy with the runtime-wide budget's refusals doing `action`.
    #[must_use]
    pub const fn with_budget(mut self, action: OnRefusal) -> Self {
        self.budget = action;
        self
    }

    /// What a refusal of `kind` does.
    pub fn for_limit(&self, kind: LimitKind) -> OnRefusal {
        self.per_limit
            .get(kind.index())
            .copied()
            .unwrap_or(OnRefusal::Trap)
    }

    /// What a refusal by the runtime-wide budget does.
    pub const fn budget(&self) -> OnRefusal {
        self.budget
    }

    /// What refusing a growth with `error` does: the action of the limit or budget it names.
    /// An error that names neither (a bookkeeping error) traps: the ledger can no longer be
    /// trusted, so the program must not go on.
    pub fn for_error(&self, error: &ResourceError) -> OnRefusal {
        match error {
            ResourceError::LimitExceeded { kind, .. } => self.for_limit(*kind),
            ResourceError::BudgetExceeded { .. } => self.budget,
            _ => OnRefusal::Trap,
        }
    }
}

impl Default for RefusalPolicy {
    fn default() -> Self {
        Self::deny()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::BudgetKind;
    use crate::component_id::ComponentId;

    #[test]
    fn errors_map_to_their_limit_or_the_budget() {
        let policy = RefusalPolicy::deny()
            .with(LimitKind::Memory, OnRefusal::Trap)
            .with_budget(OnRefusal::Trap);
        let memory = ResourceError::LimitExceeded {
            component: ComponentId(1),
            kind: LimitKind::Memory,
            requested: 1,
            used: 0,
            limit: 0,
        };
        let table = ResourceError::LimitExceeded {
            component: ComponentId(1),
            kind: LimitKind::TableElements,
            requested: 1,
            used: 0,
            limit: 0,
        };
        let budget = ResourceError::BudgetExceeded {
            kind: BudgetKind::Memory,
            requested: 1,
            used: 0,
            limit: 0,
        };
        assert_eq!(policy.for_error(&memory), OnRefusal::Trap);
        assert_eq!(policy.for_error(&table), OnRefusal::Deny);
        assert_eq!(policy.for_error(&budget), OnRefusal::Trap);
        let bookkeeping = ResourceError::ReleaseExceedsUsage {
            component: ComponentId(1),
            kind: LimitKind::Memory,
            requested: 1,
            used: 0,
        };
        assert_eq!(
            RefusalPolicy::deny().for_error(&bookkeeping),
            OnRefusal::Trap
        );
        for kind in LimitKind::ALL {
            assert_eq!(RefusalPolicy::trap().for_limit(kind), OnRefusal::Trap);
            assert_eq!(RefusalPolicy::default().for_limit(kind), OnRefusal::Deny);
        }
    }
}
