//! The model's lifecycle: which action is allowed from which state, and use.

use wrt_component::{ComponentId, LifecycleAction, ResourceError, ResourceId, ResourceState};
use wrt_foundation::Timestamp;

use super::{Action, Answer, Model, Outcome};

/// The lifecycle, as a table of which action is allowed from which state.
pub(super) fn next(
    state: ResourceState,
    id: ResourceId,
    action: LifecycleAction,
    actor: ComponentId,
) -> Result<ResourceState, ResourceError> {
    use LifecycleAction as A;
    use ResourceState as S;
    if let S::Locked { lock_holder } = state
        && lock_holder != actor
        && action != A::Grant
    {
        return Err(ResourceError::Locked {
            id,
            lock_holder,
            requester: actor,
            action,
        });
    }
    let live = matches!(
        state,
        S::Allocated | S::Ready | S::Active { .. } | S::Locked { .. }
    );
    let mine = state == S::Active { owner: actor };
    let allowed = match action {
        A::MarkReady => (state == S::Allocated).then_some(S::Ready),
        A::Activate => (state == S::Ready).then_some(S::Active { owner: actor }),
        A::Release => mine.then_some(S::Ready),
        A::Lock => (state == S::Ready || mine).then_some(S::Locked { lock_holder: actor }),
        A::Unlock => matches!(state, S::Locked { .. }).then_some(S::Ready),
        A::ScheduleCleanup => (matches!(state, S::Allocated | S::Ready | S::Locked { .. }) || mine)
            .then_some(S::PendingCleanup),
        A::Deallocate => (matches!(
            state,
            S::Allocated | S::Ready | S::Locked { .. } | S::PendingCleanup
        ) || mine)
            .then_some(S::Deallocated),
        A::Use | A::Grant => live.then_some(state),
        A::Transfer => matches!(state, S::Allocated | S::Ready).then_some(state),
    };
    allowed.ok_or(ResourceError::IllegalTransition {
        id,
        from: state,
        action,
    })
}

impl Model {
    pub fn get(&mut self, c: ComponentId, id: ResourceId, write: bool, now: Timestamp) -> Answer {
        self.exists(c)?;
        let at = self.permitted(c, id, false)?;
        let r = &mut self.resources[at].1;
        next(r.state, id, LifecycleAction::Use, c)?;
        r.access_count += 1;
        r.last_accessed = now;
        if write {
            r.value += 1;
        }
        Ok(Outcome::Value(r.value))
    }

    pub fn lifecycle(&mut self, c: ComponentId, id: ResourceId, action: Action) -> Answer {
        let (action, owner_only) = match action {
            Action::MarkReady => (LifecycleAction::MarkReady, true),
            Action::Activate => (LifecycleAction::Activate, false),
            Action::Release => (LifecycleAction::Release, false),
            Action::Lock => (LifecycleAction::Lock, false),
            Action::Unlock => (LifecycleAction::Unlock, false),
        };
        self.exists(c)?;
        let at = self.permitted(c, id, owner_only)?;
        let r = &mut self.resources[at].1;
        r.state = next(r.state, id, action, c)?;
        Ok(Outcome::Done)
    }
}
