//! [`ManagedResource`]: a value with its lifecycle state, owner, grants and access times.

use wrt_foundation::{BoundedVec, Timestamp};

use crate::component_id::ComponentId;
use crate::error::ResourceError;
use crate::id::ResourceId;
use crate::lifecycle::{LifecycleAction, ResourceState};

/// Components a resource can be granted to at once.
pub const MAX_GRANTS: usize = 8;

/// A value with its lifecycle: state, owner, grants, and when and how often it was used.
///
/// The value is reachable only through a [`ResourceRuntime`](crate::ResourceRuntime), which
/// checks ownership, grants and state on every access; this type itself hands it out only
/// by [`into_value`](Self::into_value).
///
/// It is not `Clone`, shows no value in `Debug` and cannot be compared: each would hand the
/// value (or a guessing oracle for it) to whoever can read the record
/// ([`ResourceRuntime::managed`](crate::ResourceRuntime::managed)), past the checked
/// accessors.
///
/// ```compile_fail
/// // Does not compile: the record cannot be cloned to take the value out.
/// fn leak(record: &wrt_component::ManagedResource<u32>) -> u32 {
///     record.clone().into_value()
/// }
/// ```
pub struct ManagedResource<T> {
    value: T,
    state: ResourceState,
    owner: ComponentId,
    grants: BoundedVec<ComponentId, MAX_GRANTS>,
    created_at: Timestamp,
    last_accessed: Timestamp,
    access_count: u64,
}

impl<T> core::fmt::Debug for ManagedResource<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ManagedResource")
            .field(
                "value",
                &format_args!("<only through the checked accessors>"),
            )
            .field("state", &self.state)
            .field("owner", &self.owner)
            .field("grants", &self.grants)
            .field("created_at", &self.created_at)
            .field("last_accessed", &self.last_accessed)
            .field("access_count", &self.access_count)
            .finish()
    }
}

impl<T> ManagedResource<T> {
    /// A freshly allocated resource owned by `owner`, created `now`.
    pub fn new(value: T, owner: ComponentId, now: Timestamp) -> Self {
        Self {
            value,
            state: ResourceState::Allocated,
            owner,
            grants: BoundedVec::new(),
            created_at: now,
            last_accessed: now,
            access_count: 0,
        }
    }

    /// The current state.
    pub const fn state(&self) -> ResourceState {
        self.state
    }

    /// The owning component.
    pub const fn owner(&self) -> ComponentId {
        self.owner
    }

    /// Components this resource is granted to.
    pub fn grants(&self) -> &[ComponentId] {
        self.grants.as_slice()
    }

    /// `true` when `component` owns it or was granted it.
    pub fn is_permitted(&self, component: ComponentId) -> bool {
        self.owner == component || self.grants.iter().any(|&c| c == component)
    }

    /// When it was created.
    pub const fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// When it was last used (creation counts as a use of the clock, not of the count).
    pub const fn last_accessed(&self) -> Timestamp {
        self.last_accessed
    }

    /// How many times its value was reached.
    pub const fn access_count(&self) -> u64 {
        self.access_count
    }

    /// The value, ending the lifecycle.
    pub fn into_value(self) -> T {
        self.value
    }

    /// Applies `action` by `actor`: the new state, or an error and no change.
    pub(crate) fn apply(
        &mut self,
        id: ResourceId,
        action: LifecycleAction,
        actor: ComponentId,
    ) -> Result<ResourceState, ResourceError> {
        self.state = self.state.next(id, action, actor)?;
        Ok(self.state)
    }

    /// Checks `actor` may use the value now and records the access.
    pub(crate) fn access(
        &mut self,
        id: ResourceId,
        actor: ComponentId,
        now: Timestamp,
    ) -> Result<&mut T, ResourceError> {
        self.state.next(id, LifecycleAction::Use, actor)?;
        self.last_accessed = now;
        self.access_count = self.access_count.saturating_add(1);
        Ok(&mut self.value)
    }

    pub(crate) fn add_grant(
        &mut self,
        to: ComponentId,
        id: ResourceId,
    ) -> Result<(), ResourceError> {
        if self.grants.iter().any(|&c| c == to) {
            return Ok(());
        }
        self.grants
            .push(to)
            .map_err(|full| ResourceError::GrantsFull {
                id,
                capacity: full.capacity,
            })
    }

    /// Removes `from`'s grant; a lock or activity `from` held is released with it, so a
    /// revoked component cannot keep the owner out.
    pub(crate) fn remove_grant(&mut self, from: ComponentId) -> bool {
        let before = self.grants.len();
        self.grants.retain(|&c| c != from);
        let removed = self.grants.len() != before;
        if removed {
            match self.state {
                ResourceState::Active { owner } if owner == from => {
                    self.state = ResourceState::Ready;
                }
                ResourceState::Locked { lock_holder } if lock_holder == from => {
                    self.state = ResourceState::Ready;
                }
                _ => {}
            }
        }
        removed
    }

    pub(crate) fn set_owner(&mut self, owner: ComponentId) {
        self.owner = owner;
        self.grants.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::ManagerTag;
    use LifecycleAction as A;
    use ResourceState as S;

    const ID: ResourceId = ResourceId::from_parts(ManagerTag(0), 0, 0);
    const C1: ComponentId = ComponentId(1);
    const C2: ComponentId = ComponentId(2);

    #[test]
    fn revoking_a_grant_frees_what_the_grantee_held() {
        let mut r = ManagedResource::new(5u8, C1, Timestamp::ZERO);
        r.add_grant(C2, ID).unwrap();
        r.apply(ID, A::MarkReady, C1).unwrap();
        r.apply(ID, A::Lock, C2).unwrap();
        assert!(r.remove_grant(C2));
        assert_eq!(r.state(), S::Ready);
        assert!(!r.is_permitted(C2));
        assert!(!r.remove_grant(C2));
    }

    #[test]
    fn access_is_counted_and_stamped_only_when_allowed() {
        let mut r = ManagedResource::new(1u8, C1, Timestamp::ZERO);
        let later = Timestamp::from_duration(core::time::Duration::from_secs(1));
        r.apply(ID, A::MarkReady, C1).unwrap();
        r.apply(ID, A::Lock, C1).unwrap();
        assert!(r.access(ID, C2, later).is_err());
        assert_eq!((r.access_count(), r.last_accessed()), (0, Timestamp::ZERO));
        *r.access(ID, C1, later).unwrap() += 1;
        assert_eq!((r.access_count(), r.last_accessed()), (1, later));
        assert_eq!(r.state(), S::Locked { lock_holder: C1 });
        assert_eq!(r.into_value(), 2);
    }
}
