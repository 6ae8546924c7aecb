//! [`ResourceRuntime`]: the components of one runtime, their resources, and the
//! runtime-wide budget above them.
//!
//! Why one owner for all of it: a resource belongs to a component but may be granted to
//! others, a component's usage must follow its resources, and the runtime-wide budget must
//! follow every component. Keeping components, the single resource table and the budget in
//! one struct makes each operation one `&mut self` call that checks everything and then
//! commits everything — no cross-object bookkeeping that could be left half done, and no
//! interior mutability or reference counting (so it works the same without a heap).
//!
//! Storage is chosen by type: [`FixedRuntime`] (heapless, every environment) and
//! `GrowableRuntime` (feature `alloc`).

mod account;
mod resources;
mod store;

pub use account::ComponentAccount;
#[cfg(feature = "alloc")]
pub use store::HashComponents;
pub use store::{ComponentStore, FixedComponents};

use wrt_foundation::Clock;

use crate::backend::{Backend, FixedBackend};
use crate::budget::{Budget, BudgetUsage, RuntimeBudget};
use crate::component_id::ComponentId;
use crate::component_manager::ComponentResourceManager;
use crate::error::ResourceError;
use crate::id::ManagerTag;
use crate::limits::ResourceLimits;
use crate::managed::ManagedResource;
use crate::manager::{NoMetadata, ResourceEntry, ResourceManager};
use crate::metadata::Metadata;
use crate::usage::ResourceUsage;

/// What one slot of a runtime's resource table holds.
pub type RuntimeEntry<T> = ResourceEntry<ManagedResource<T>>;

/// A runtime with room for `R` resources, `C` components and the metadata of `M` resources
/// (none unless asked for), all inline: no heap.
pub type FixedRuntime<T, K, const R: usize, const C: usize, const M: usize = 0> = ResourceRuntime<
    T,
    FixedBackend<RuntimeEntry<T>, R>,
    FixedComponents<C>,
    K,
    FixedBackend<Metadata, M>,
>;

/// A runtime whose resource table, metadata and component map grow on the heap (feature
/// `alloc`).
#[cfg(feature = "alloc")]
pub type GrowableRuntime<T, K> = ResourceRuntime<
    T,
    crate::backend::GrowableBackend<RuntimeEntry<T>>,
    HashComponents,
    K,
    crate::backend::GrowableBackend<Metadata>,
>;

/// What destroying a component released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestroyedComponent {
    /// The destroyed component.
    pub id: ComponentId,
    /// Its usage just before destruction: everything in it was given back.
    pub usage: ResourceUsage,
    /// Resources it owned, now deallocated (their ids are stale).
    pub resources_released: usize,
    /// Grants other components had made to it, now removed.
    pub grants_removed: usize,
}

/// Components, their resources and the runtime-wide budget; see the [module docs](self).
///
/// Every operation names the acting component. A component may use resources it owns or
/// was granted, and only the owner may drop, grant, revoke or transfer. Destroying a
/// component deallocates everything it owns — ids it had shared become stale for everyone.
///
/// ```
/// use wrt_component::{
///     ComponentId, FixedRuntime, ManagerTag, ResourceCategory, ResourceDescriptor,
///     ResourceError, ResourceLimits, RuntimeBudget,
/// };
/// use wrt_foundation::ManualClock;
///
/// let clock = ManualClock::new();
/// let mut runtime: FixedRuntime<&str, &ManualClock, 16, 4> =
///     FixedRuntime::new(ManagerTag(1), RuntimeBudget::unlimited(), &clock);
/// let app = runtime.create_component(ResourceLimits::default())?;
/// let plugin = runtime.create_component(ResourceLimits::default())?;
///
/// let log = runtime.create_resource(app, "log", ResourceDescriptor::new(ResourceCategory::IoHandles))?;
/// runtime.mark_ready(app, log)?;
/// assert!(matches!(runtime.get(plugin, log), Err(ResourceError::AccessDenied { .. })));
/// runtime.grant(app, log, plugin)?;
/// assert_eq!(runtime.get(plugin, log), Ok(&"log"));
///
/// runtime.destroy_component(app)?;
/// assert_eq!(runtime.get(plugin, log), Err(ResourceError::Stale { id: log }));
/// # Ok::<(), ResourceError>(())
/// ```
pub struct ResourceRuntime<T, B, S, K, M = NoMetadata> {
    resources: ResourceManager<ManagedResource<T>, B, M>,
    components: S,
    budget: Budget,
    next_component: Option<u32>,
    clock: K,
    /// Accesses and transitions refused because another component held the lock.
    contention: u64,
}

impl<T, B, S, K, M> ResourceRuntime<T, B, S, K, M>
where
    B: Backend<RuntimeEntry<T>> + Default,
    S: ComponentStore + Default,
    K: Clock,
    M: Backend<Metadata> + Default,
{
    /// An empty runtime whose resource ids carry `tag`.
    pub fn new(tag: ManagerTag, budget: RuntimeBudget, clock: K) -> Self {
        let resources = ResourceManager::new(tag);
        Self::with_parts(resources, budget, clock, S::default())
    }
}

impl<T, B, S, K, M> ResourceRuntime<T, B, S, K, M>
where
    B: Backend<RuntimeEntry<T>>,
    S: ComponentStore,
    K: Clock,
    M: Backend<Metadata>,
{
    /// A runtime over a given resource table (whose tag its ids carry) and component store;
    /// `const`, so a fixed runtime can be a `static`. Hand it empty ones: resources or
    /// components already in them were never charged to any usage or to the budget, so
    /// their owners could not release them.
    pub const fn with_parts(
        resources: ResourceManager<ManagedResource<T>, B, M>,
        budget: RuntimeBudget,
        clock: K,
        components: S,
    ) -> Self {
        Self {
            resources,
            components,
            budget: Budget::new(budget),
            next_component: Some(1),
            clock,
            contention: 0,
        }
    }

    /// Adds a component with `limits` and returns its id. Ids are never reused.
    pub fn create_component(
        &mut self,
        limits: ResourceLimits,
    ) -> Result<ComponentId, ResourceError> {
        let raw = self
            .next_component
            .ok_or(ResourceError::ComponentIdsExhausted)?;
        let id = ComponentId(raw);
        self.components
            .insert(ComponentResourceManager::new(id, limits))
            .map_err(|_| {
                let capacity = self.components.capacity().unwrap_or(self.components.len());
                log::debug!("component table full ({capacity}): {id} refused");
                ResourceError::ComponentsFull { capacity }
            })?;
        self.next_component = raw.checked_add(1);
        Ok(id)
    }

    /// Destroys `component`: deallocates every resource it owns, gives its usage back to
    /// the runtime-wide budget, and removes the grants others made to it (releasing any
    /// lock or activity it held on them).
    pub fn destroy_component(
        &mut self,
        component: ComponentId,
    ) -> Result<DestroyedComponent, ResourceError> {
        let removed = self
            .components
            .remove(component)
            .ok_or(ResourceError::UnknownComponent { component })?;
        let usage = *removed.usage();
        let mut resources_released = 0usize;
        self.resources.deallocate_where(
            |entry| entry.value().owner() == component,
            |_, _| resources_released = resources_released.saturating_add(1),
        );
        let mut grants_removed = 0usize;
        for (_, entry) in self.resources.iter_mut() {
            if entry.value_mut().remove_grant(component) {
                grants_removed = grants_removed.saturating_add(1);
            }
        }
        self.budget.release(usage.memory_used, usage.resources);
        Ok(DestroyedComponent {
            id: component,
            usage,
            resources_released,
            grants_removed,
        })
    }

    /// The accounting of `component`, read-only.
    pub fn component(
        &self,
        component: ComponentId,
    ) -> Result<&ComponentResourceManager, ResourceError> {
        self.components
            .get(component)
            .ok_or(ResourceError::UnknownComponent { component })
    }

    /// Every live component.
    pub fn components(&self) -> impl Iterator<Item = &ComponentResourceManager> {
        self.components.iter()
    }

    /// Charges memory, tables, instances, calls and time to `component`, within its limits
    /// and the runtime-wide budget.
    pub fn account(
        &mut self,
        component: ComponentId,
    ) -> Result<ComponentAccount<'_>, ResourceError> {
        let manager = self
            .components
            .get_mut(component)
            .ok_or(ResourceError::UnknownComponent { component })?;
        Ok(ComponentAccount::new(manager, &mut self.budget))
    }

    /// The runtime-wide caps.
    pub const fn budget(&self) -> &RuntimeBudget {
        &self.budget.limits
    }

    /// What the runtime-wide budget has handed out.
    pub const fn budget_usage(&self) -> BudgetUsage {
        self.budget.used
    }

    /// The resource table, read-only: statistics, counts, iteration. Values stay reachable
    /// only through the checked accessors ([`get`](Self::get) and friends).
    pub const fn resources(&self) -> &ResourceManager<ManagedResource<T>, B, M> {
        &self.resources
    }

    /// Accesses (`get`, `get_mut`), lifecycle actions and the owner's drop, cleanup and
    /// transfer refused since the runtime was created because another component held the
    /// resource's lock: the runtime's own count of lock contention, what a metrics report
    /// shows as contention events.
    pub const fn contention_events(&self) -> u64 {
        self.contention
    }

    /// The clock the runtime stamps accesses with.
    pub const fn clock(&self) -> &K {
        &self.clock
    }
}

#[cfg(test)]
mod tests;
