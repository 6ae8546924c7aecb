//! [`ComponentAccount`]: one component's accounting inside a runtime, charged against its
//! limits and the runtime-wide budget together.

use core::time::Duration;

use crate::budget::Budget;
use crate::component_manager::{ComponentResourceManager, UsageChange};
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

    /// See [`ComponentResourceManager::create_memory`]; also charges the budget.
    pub fn create_memory(&mut self, initial_bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::CreateMemory(initial_bytes))
    }

    /// See [`ComponentResourceManager::allocate_memory`]; also charges the budget.
    pub fn allocate_memory(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::AllocateMemory(bytes))
    }

    /// See [`ComponentResourceManager::release_memory`]; also credits the budget.
    pub fn release_memory(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::ReleaseMemory(bytes))
    }

    /// See [`ComponentResourceManager::destroy_memory`]; also credits the budget.
    pub fn destroy_memory(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::DestroyMemory(bytes))
    }

    /// See [`ComponentResourceManager::create_table`].
    pub fn create_table(&mut self, initial_elements: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::CreateTable(initial_elements))
    }

    /// See [`ComponentResourceManager::grow_table`].
    pub fn grow_table(&mut self, elements: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::GrowTable(elements))
    }

    /// See [`ComponentResourceManager::destroy_table`].
    pub fn destroy_table(&mut self, elements: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::DestroyTable(elements))
    }

    /// See [`ComponentResourceManager::add_instance`].
    pub fn add_instance(&mut self) -> Result<(), ResourceError> {
        self.apply(UsageChange::AddInstance)
    }

    /// See [`ComponentResourceManager::remove_instance`].
    pub fn remove_instance(&mut self) -> Result<(), ResourceError> {
        self.apply(UsageChange::RemoveInstance)
    }

    /// See [`ComponentResourceManager::record_function_call`].
    pub fn record_function_call(&mut self) -> Result<(), ResourceError> {
        self.apply(UsageChange::FunctionCall)
    }

    /// See [`ComponentResourceManager::record_host_call`].
    pub fn record_host_call(&mut self) -> Result<(), ResourceError> {
        self.apply(UsageChange::HostCall)
    }

    /// See [`ComponentResourceManager::charge_execution_time`].
    pub fn charge_execution_time(&mut self, spent: Duration) -> Result<(), ResourceError> {
        self.apply(UsageChange::ExecutionTime(spent))
    }

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
    let planned = component.plan(change)?;
    let effect = change.budget_effect();
    if effect.charge {
        budget.used = budget.plan_charge(effect.memory, effect.resources)?;
    } else {
        budget.release(effect.memory, effect.resources);
    }
    component.commit(planned);
    Ok(())
}
