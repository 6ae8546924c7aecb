//! Resource operations of [`ResourceRuntime`]: create, use, lifecycle, sharing, dropping.
//!
//! Every operation checks, in this order, and stops at the first refusal with nothing
//! changed: the acting (and any target) component exists; the id is this runtime's, in
//! range and current; the actor is permitted (owner, or owner or grantee for use); the
//! lifecycle allows the action; limits and budget allow the charge; there is room.

use wrt_foundation::Clock;

use super::{ComponentStore, ResourceRuntime, RuntimeEntry};
use crate::backend::Backend;
use crate::cleanup::{CleanupQueue, CleanupTarget, ResourceCleanupManager};
use crate::component_id::ComponentId;
use crate::component_manager::UsageChange;
use crate::descriptor::ResourceDescriptor;
use crate::error::ResourceError;
use crate::id::ResourceId;
use crate::lifecycle::{LifecycleAction, ResourceState};
use crate::managed::ManagedResource;
use crate::manager::ResourceManager;
use crate::metadata::Metadata;
use crate::refused::Refused;

/// Who may do an action: the owner only, or anyone the resource is shared with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Owner,
    Permitted,
}

fn permitted<T, B: Backend<RuntimeEntry<T>>, M: Backend<Metadata>>(
    resources: &mut ResourceManager<ManagedResource<T>, B, M>,
    id: ResourceId,
    component: ComponentId,
    need: Need,
) -> Result<&mut ManagedResource<T>, ResourceError> {
    let resource = resources.entry_mut(id)?.value_mut();
    let owner = resource.owner();
    match need {
        Need::Owner if owner != component => Err(ResourceError::NotOwner {
            id,
            component,
            owner,
        }),
        Need::Permitted if !resource.is_permitted(component) => Err(ResourceError::AccessDenied {
            id,
            component,
            owner,
        }),
        _ => Ok(resource),
    }
}

/// `resource`, when its lifecycle lets `component` do `action` now; changes nothing.
fn lifecycle_allows<T>(
    resource: &mut ManagedResource<T>,
    id: ResourceId,
    action: LifecycleAction,
    component: ComponentId,
) -> Result<&mut ManagedResource<T>, ResourceError> {
    resource.state().next(id, action, component)?;
    Ok(resource)
}

/// One more contention event when `result` was refused because another component holds
/// the resource's lock.
#[inline]
fn count_contention<R>(events: &mut u64, result: &Result<R, ResourceError>) {
    if let Err(ResourceError::Locked { .. }) = result {
        *events = events.saturating_add(1);
    }
}

impl<T, B, S, K, M> ResourceRuntime<T, B, S, K, M>
where
    B: Backend<RuntimeEntry<T>>,
    S: ComponentStore,
    K: Clock,
    M: Backend<Metadata>,
{
    /// Creates a resource owned by `owner`, in state `Allocated`.
    ///
    /// Charges one resource and the descriptor's size hint to `owner` (`max_resources`,
    /// `max_memory`) and to the runtime-wide budget. A refusal charges nothing and hands
    /// the value back in the [`Refused`].
    pub fn create_resource(
        &mut self,
        owner: ComponentId,
        value: T,
        descriptor: ResourceDescriptor,
    ) -> Result<ResourceId, Refused<T>> {
        self.create(owner, value, descriptor, None)
    }

    /// [`create_resource`](Self::create_resource) with a copy of `metadata` kept in the
    /// resource table's side table (read it with `resources().metadata(id)`).
    pub fn create_resource_with_metadata(
        &mut self,
        owner: ComponentId,
        value: T,
        descriptor: ResourceDescriptor,
        metadata: &Metadata,
    ) -> Result<ResourceId, Refused<T>> {
        self.create(owner, value, descriptor, Some(metadata))
    }

    fn create(
        &mut self,
        owner: ComponentId,
        value: T,
        descriptor: ResourceDescriptor,
        metadata: Option<&Metadata>,
    ) -> Result<ResourceId, Refused<T>> {
        let bytes = descriptor.charged_bytes();
        // One lookup, held across the other checks: they touch other fields only.
        let Some(component) = self.components.get_mut(owner) else {
            return Err(Refused::new(
                value,
                ResourceError::UnknownComponent { component: owner },
            ));
        };
        let planned = match component.plan_counted(UsageChange::ReserveResource(bytes)) {
            Ok(planned) => planned,
            Err(error) => return Err(Refused::new(value, error)),
        };
        let budget_planned = match self.budget.plan_charge(bytes, 1) {
            Ok(planned) => planned,
            Err(error) => return Err(Refused::new(value, error)),
        };
        let managed = ManagedResource::new(value, owner, self.clock.now());
        let stored = match metadata {
            None => self.resources.allocate(managed, descriptor),
            Some(labels) => self
                .resources
                .allocate_with_metadata(managed, descriptor, labels),
        };
        let id = stored.map_err(|refused| refused.map(ManagedResource::into_value))?;
        component.commit(planned);
        self.budget.used = budget_planned;
        Ok(id)
    }

    /// The value, for `component` (owner or grantee) in a usable state. Takes `&mut self`
    /// because every access is recorded: the resource's access count and last-access time.
    pub fn get(&mut self, component: ComponentId, id: ResourceId) -> Result<&T, ResourceError> {
        self.get_mut(component, id).map(|value| &*value)
    }

    /// The value for modification, under the same checks as [`get`](Self::get).
    pub fn get_mut(
        &mut self,
        component: ComponentId,
        id: ResourceId,
    ) -> Result<&mut T, ResourceError> {
        self.require(component)?;
        let now = self.clock.now();
        let accessed = permitted(&mut self.resources, id, component, Need::Permitted)
            .and_then(|resource| resource.access(id, component, now));
        count_contention(&mut self.contention, &accessed);
        accessed
    }

    /// `Allocated` → `Ready`: the owner has initialised it.
    pub fn mark_ready(
        &mut self,
        component: ComponentId,
        id: ResourceId,
    ) -> Result<(), ResourceError> {
        self.transition(component, id, LifecycleAction::MarkReady, Need::Owner)
    }

    /// `Ready` → `Active{component}`.
    pub fn activate(
        &mut self,
        component: ComponentId,
        id: ResourceId,
    ) -> Result<(), ResourceError> {
        self.transition(component, id, LifecycleAction::Activate, Need::Permitted)
    }

    /// `Active{component}` → `Ready`.
    pub fn release(&mut self, component: ComponentId, id: ResourceId) -> Result<(), ResourceError> {
        self.transition(component, id, LifecycleAction::Release, Need::Permitted)
    }

    /// `Ready` or `Active{component}` → `Locked{component}`: nobody else may use it.
    pub fn lock(&mut self, component: ComponentId, id: ResourceId) -> Result<(), ResourceError> {
        self.transition(component, id, LifecycleAction::Lock, Need::Permitted)
    }

    /// `Locked{component}` → `Ready`.
    pub fn unlock(&mut self, component: ComponentId, id: ResourceId) -> Result<(), ResourceError> {
        self.transition(component, id, LifecycleAction::Unlock, Need::Permitted)
    }

    /// The resource's lifecycle record (state, owner, grants, access times), read-only.
    pub fn managed(&self, id: ResourceId) -> Result<&ManagedResource<T>, ResourceError> {
        Ok(self.resources.get(id)?)
    }

    /// The resource's state.
    pub fn state(&self, id: ResourceId) -> Result<ResourceState, ResourceError> {
        self.managed(id).map(ManagedResource::state)
    }

    /// Lets `to` use the resource (the owner's decision). Granting twice is a no-op.
    pub fn grant(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        to: ComponentId,
    ) -> Result<(), ResourceError> {
        self.owner_hands_to(component, id, to, LifecycleAction::Grant)?
            .add_grant(to, id)
    }

    /// Withdraws `from`'s grant; a lock or activity `from` held ends with it.
    pub fn revoke(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        from: ComponentId,
    ) -> Result<(), ResourceError> {
        self.require(component)?;
        // As `grant`: a component that is not registered is named as such (destroying one
        // removes its grants, so "not granted" would be true but say less).
        self.require(from)?;
        let resource = permitted(&mut self.resources, id, component, Need::Owner)?;
        if resource.remove_grant(from) {
            Ok(())
        } else {
            Err(ResourceError::NotGranted {
                id,
                component: from,
            })
        }
    }

    /// Makes `to` the owner. Only in `Allocated` or `Ready` (nobody is using it); the
    /// resource's count and bytes move from the old owner's usage to `to`'s, within `to`'s
    /// limits. Grants are cleared: sharing is the new owner's decision.
    pub fn transfer(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        to: ComponentId,
    ) -> Result<(), ResourceError> {
        self.owner_hands_to(component, id, to, LifecycleAction::Transfer)?;
        let bytes = self.resources.descriptor(id)?.charged_bytes();
        let to_planned = self
            .require_mut(to)?
            .plan_counted(UsageChange::ReserveResource(bytes))?;
        let from_planned = self
            .require_mut(component)?
            .plan_counted(UsageChange::ReleaseResource(bytes))?;
        // The last fallible step comes before the first commit: all or nothing.
        let resource = self.resources.entry_mut(id)?.value_mut();
        if let Some(c) = self.components.get_mut(to) {
            c.commit(to_planned);
        }
        if let Some(c) = self.components.get_mut(component) {
            c.commit(from_planned);
        }
        resource.set_owner(to);
        Ok(())
    }

    /// Deallocates the resource now and returns its value (owner only; a lock must be the
    /// owner's own). Its id is stale for everyone from now on.
    pub fn drop_resource(
        &mut self,
        component: ComponentId,
        id: ResourceId,
    ) -> Result<T, ResourceError> {
        self.owner_may(component, id, LifecycleAction::Deallocate)?;
        self.deallocate_owned(id, component)
    }

    /// Moves the resource to `PendingCleanup` and queues it on `queue`, whose next cycle
    /// deallocates it (owner only). Refused with nothing changed when the queue is full.
    pub fn schedule_cleanup<Q: CleanupQueue>(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        queue: &mut ResourceCleanupManager<Q>,
    ) -> Result<(), ResourceError> {
        let resource = self.owner_may(component, id, LifecycleAction::ScheduleCleanup)?;
        queue.schedule(id)?;
        resource.apply(id, LifecycleAction::ScheduleCleanup, component)?;
        Ok(())
    }

    /// Checks, changing nothing, that `component` exists, owns `id`, and may do `action` in
    /// the resource's state; hands back the resource for the caller to act on.
    fn owner_may(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        action: LifecycleAction,
    ) -> Result<&mut ManagedResource<T>, ResourceError> {
        self.require(component)?;
        let checked = permitted(&mut self.resources, id, component, Need::Owner)
            .and_then(|resource| lifecycle_allows(resource, id, action, component));
        count_contention(&mut self.contention, &checked);
        checked
    }

    /// [`owner_may`](Self::owner_may) for an action that involves a second component `to`
    /// (grant, transfer): `to` must exist too, and be someone other than the owner. Checked
    /// in the order of the module docs, so the first failing check names the refusal.
    fn owner_hands_to(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        to: ComponentId,
        action: LifecycleAction,
    ) -> Result<&mut ManagedResource<T>, ResourceError> {
        self.require(component)?;
        self.require(to)?;
        let checked =
            permitted(&mut self.resources, id, component, Need::Owner).and_then(|resource| {
                if to == component {
                    return Err(ResourceError::SelfGrant { id, component });
                }
                lifecycle_allows(resource, id, action, component)
            });
        count_contention(&mut self.contention, &checked);
        checked
    }

    fn transition(
        &mut self,
        component: ComponentId,
        id: ResourceId,
        action: LifecycleAction,
        need: Need,
    ) -> Result<(), ResourceError> {
        self.require(component)?;
        let applied = permitted(&mut self.resources, id, component, need)
            .and_then(|resource| resource.apply(id, action, component));
        count_contention(&mut self.contention, &applied);
        applied.map(drop)
    }

    fn require(
        &self,
        component: ComponentId,
    ) -> Result<&crate::component_manager::ComponentResourceManager, ResourceError> {
        self.components
            .get(component)
            .ok_or(ResourceError::UnknownComponent { component })
    }

    fn require_mut(
        &mut self,
        component: ComponentId,
    ) -> Result<&mut crate::component_manager::ComponentResourceManager, ResourceError> {
        self.components
            .get_mut(component)
            .ok_or(ResourceError::UnknownComponent { component })
    }

    /// Deallocates a resource whose lifecycle check passed, and gives its count and bytes
    /// back to `owner` and the budget. Plans the release before removing anything.
    fn deallocate_owned(&mut self, id: ResourceId, owner: ComponentId) -> Result<T, ResourceError> {
        let bytes = self.resources.descriptor(id)?.charged_bytes();
        let component = self
            .components
            .get_mut(owner)
            .ok_or(ResourceError::UnknownComponent { component: owner })?;
        let planned = component.plan_counted(UsageChange::ReleaseResource(bytes))?;
        let entry = self.resources.deallocate_entry(id)?;
        component.commit(planned);
        self.budget.release(bytes, 1);
        Ok(entry.into_value().into_value())
    }
}

/// A runtime's cleanup cycle deallocates resources its owners scheduled.
impl<T, B, S, K, M> CleanupTarget for ResourceRuntime<T, B, S, K, M>
where
    B: Backend<RuntimeEntry<T>>,
    S: ComponentStore,
    K: Clock,
    M: Backend<Metadata>,
{
    fn cleanup_size(&self, id: ResourceId) -> Result<usize, ResourceError> {
        Ok(self.resources.descriptor(id)?.charged_bytes())
    }

    fn cleanup(&mut self, id: ResourceId) -> Result<(), ResourceError> {
        let resource = self.resources.get(id)?;
        let state = resource.state();
        if state != ResourceState::PendingCleanup {
            return Err(ResourceError::IllegalTransition {
                id,
                from: state,
                action: LifecycleAction::Deallocate,
            });
        }
        let owner = resource.owner();
        self.deallocate_owned(id, owner).map(drop)
    }
}
