//! [`ComponentAccount`]: one component's accounting inside a runtime, charged against its
//! limits and the runtime-wide budget together.

use core::time::Duration;

use crate::budget::Budget;
use crate::component_manager::{ComponentResourceManager, UsageChange, usage_operations};
use crate::error::ResourceError;
use crate::limits::ResourceLimits;
use crate::usage::ResourceUsage;

/// Borrowed from [`ResourceRuntime::account`](super::ResourceRuntime::account).
///
/// Each operation plans the change on the component (its limits), then on the runtime-wide
/// budget, and commits both only when both allow it. Component limits are checked first, so
/// an error names the tighter constraint a component can act on. Resource counts are not
/// here: they follow [`create_resource`](super::ResourceRuntime::create_resource) and friends.
///
/// ```
/// use wrt_component::{FixedRuntime, ManagerTag, ResourceError, ResourceLimits, RuntimeBudget, BudgetKind};
/// use wrt_foundation::ManualClock;
///
/// let budget = RuntimeBudget { max_total_memory: 96 * 1024, ..RuntimeBudget::unlimited() };
/// let mut runtime: FixedRuntime<(), ManualClock, 4, 2> =
///     FixedRuntime::new(ManagerTag(0), budget, ManualClock::new());
/// let a = runtime.create_component(ResourceLimits::default())?;
/// let b = runtime.create_component(ResourceLimits::default())?;
/// runtime.account(a)?.create_memory(64 * 1024)?;
/// // b is well within its own 64 MiB limit, but the device budget is not.
/// let err = runtime.account(b)?.create_memory(64 * 1024).unwrap_err();
/// assert!(matches!(err, ResourceError::BudgetExceeded { kind: BudgetKind::Memory, used: 65536, .. }));
/// assert_eq!(runtime.component(b)?.usage().memories, 0);
/// # Ok::<(), ResourceError>(())
/// ```
pub struct ComponentAccount<'a> {
    component: &'a mut ComponentResourceManager,
    budget: &'a mut Budget,
}

impl<'a> ComponentAccount<'a> {
    pub(crate) fn new(component: &'a mut ComponentResourceManager, budget: &'a mut Budget) -> Self {
        Self { component, budget }
    }

    /// The component's limits.
    pub fn limits(&self) -> &ResourceLimits {
        self.component.limits()
    }

    /// The component's usage.
    pub fn usage(&self) -> &ResourceUsage {
        self.component.usage()
    }

    // `create_memory` ... `charge_execution_time`, the very list `ComponentResourceManager`
    // offers (see `usage_operations!` in component_manager.rs), each also through the budget.
    usage_operations!(
        "\n\nThe runtime-wide budget is charged (or credited) the same bytes: the component \
         and the budget change together or not at all."
    );

    /// See [`ComponentResourceManager::reset_period`].
    pub fn reset_period(&mut self) {
        self.component.reset_period();
    }

    fn apply(&mut self, change: UsageChange) -> Result<(), ResourceError> {
        apply_with_budget(self.component, self.budget, change)
    }
}

/// Plans `change` on the component and the budget, and commits both or neither.
pub(crate) fn apply_with_budget(
    component: &mut ComponentResourceManager,
    budget: &mut Budget,
    change: UsageChange,
) -> Result<(), ResourceError> {
    let planned = component.plan_counted(change)?;
    let effect = change.budget_effect();
    if effect.charge {
        budget.used = budget.plan_charge(effect.memory, effect.resources)?;
    } else {
        budget.release(effect.memory, effect.resources);
    }
    component.commit(planned);
    Ok(())
}
