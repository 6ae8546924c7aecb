//! The resource lifecycle: [`ResourceState`] and the [`LifecycleAction`]s that move it.

use core::fmt;

use crate::component_id::ComponentId;
use crate::error::ResourceError;
use crate::id::ResourceId;

/// Where a resource is in its life.
///
/// ```text
///               mark_ready               activate(c)
///   Allocated ─────────────► Ready ─────────────────► Active{c}
///      │                     ▲  │ ◄───────────────────  │
///      │                     │  │     release(c)        │ lock(c)
///      │           unlock(c) │  │ lock(c)               │
///      │                     │  ▼                       │
///      │                   Locked{c} ◄──────────────────┘
///      │                         │
///      │ schedule_cleanup        │ schedule_cleanup(c)       (also from Ready and Active{c})
///      ▼                         ▼
///   PendingCleanup ◄─────────────┘
///      │
///      │ deallocate                                    (also from Allocated, Ready,
///      ▼                                                Active{c}, Locked{c} by c)
///   Deallocated
/// ```
///
/// Rules the diagram cannot show:
/// - `Locked{h}`: only `h` may use, unlock, schedule or deallocate it; anyone else gets
///   [`ResourceError::Locked`]. Nobody can lock it again.
/// - `Active{c}`: any permitted component may use it (activity is not exclusive: that is
///   what a lock is for), but only `c` may release, lock, schedule or deallocate it.
/// - `Allocated`, `Ready`, `Active`: usable. `PendingCleanup` and `Deallocated`: not.
/// - Who is *permitted* (owner or grantee) is checked by the runtime before the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceState {
    /// Allocated, not yet initialised.
    Allocated,
    /// Initialised and free to use.
    Ready,
    /// In use by `owner` — the component that activated it (its owner or a grantee).
    Active {
        /// The component using it.
        owner: ComponentId,
    },
    /// Held exclusively by `lock_holder`.
    Locked {
        /// The component holding the lock.
        lock_holder: ComponentId,
    },
    /// Scheduled for deferred cleanup; no longer usable.
    PendingCleanup,
    /// Gone.
    Deallocated,
}

/// Something a component asks of a resource. Most move the state; `Use`, `Grant` and
/// `Transfer` only need the state to allow them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleAction {
    /// Allocated → Ready.
    MarkReady,
    /// Ready → Active.
    Activate,
    /// Active → Ready.
    Release,
    /// Ready or Active → Locked.
    Lock,
    /// Locked → Ready.
    Unlock,
    /// → PendingCleanup.
    ScheduleCleanup,
    /// → Deallocated.
    Deallocate,
    /// Read or write the value.
    Use,
    /// Share with another component.
    Grant,
    /// Hand ownership to another component.
    Transfer,
}

impl ResourceState {
    /// The state after `actor` does `action`, or why it may not. Pure: nothing is changed.
    pub fn next(
        self,
        id: ResourceId,
        action: LifecycleAction,
        actor: ComponentId,
    ) -> Result<ResourceState, ResourceError> {
        use LifecycleAction as A;
        use ResourceState as S;
        let illegal = Err(ResourceError::IllegalTransition {
            id,
            from: self,
            action,
        });
        if let S::Locked { lock_holder } = self
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
        let by_actor = |c: ComponentId| c == actor;
        match (self, action) {
            (S::Allocated, A::MarkReady) => Ok(S::Ready),
            (S::Ready, A::Activate) => Ok(S::Active { owner: actor }),
            (S::Active { owner }, A::Release) if by_actor(owner) => Ok(S::Ready),
            (S::Ready, A::Lock) => Ok(S::Locked { lock_holder: actor }),
            (S::Active { owner }, A::Lock) if by_actor(owner) => {
                Ok(S::Locked { lock_holder: actor })
            }
            (S::Locked { .. }, A::Unlock) => Ok(S::Ready),
            (S::Allocated | S::Ready | S::Locked { .. }, A::ScheduleCleanup) => {
                Ok(S::PendingCleanup)
            }
            (S::Active { owner }, A::ScheduleCleanup) if by_actor(owner) => Ok(S::PendingCleanup),
            (S::Allocated | S::Ready | S::Locked { .. } | S::PendingCleanup, A::Deallocate) => {
                Ok(S::Deallocated)
            }
            (S::Active { owner }, A::Deallocate) if by_actor(owner) => Ok(S::Deallocated),
            (S::Allocated | S::Ready | S::Active { .. } | S::Locked { .. }, A::Use) => Ok(self),
            (S::Allocated | S::Ready | S::Active { .. } | S::Locked { .. }, A::Grant) => Ok(self),
            (S::Allocated | S::Ready, A::Transfer) => Ok(self),
            _ => illegal,
        }
    }

    /// `true` for `Allocated`, `Ready`, `Active` and `Locked`: states in which the value
    /// may still be reached by someone.
    pub const fn is_live(self) -> bool {
        !matches!(self, Self::PendingCleanup | Self::Deallocated)
    }
}

impl fmt::Display for ResourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allocated => f.write_str("Allocated"),
            Self::Ready => f.write_str("Ready"),
            Self::Active { owner } => write!(f, "Active{{{owner}}}"),
            Self::Locked { lock_holder } => write!(f, "Locked{{{lock_holder}}}"),
            Self::PendingCleanup => f.write_str("PendingCleanup"),
            Self::Deallocated => f.write_str("Deallocated"),
        }
    }
}

impl fmt::Display for LifecycleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MarkReady => "mark ready",
            Self::Activate => "activate",
            Self::Release => "release",
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::ScheduleCleanup => "schedule cleanup",
            Self::Deallocate => "deallocate",
            Self::Use => "use",
            Self::Grant => "grant",
            Self::Transfer => "transfer",
        })
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
    fn the_happy_path_of_the_diagram() {
        let mut s = S::Allocated;
        for (action, expect) in [
            (A::MarkReady, S::Ready),
            (A::Activate, S::Active { owner: C1 }),
            (A::Lock, S::Locked { lock_holder: C1 }),
            (A::Unlock, S::Ready),
            (A::ScheduleCleanup, S::PendingCleanup),
            (A::Deallocate, S::Deallocated),
        ] {
            s = s.next(ID, action, C1).unwrap();
            assert_eq!(s, expect);
        }
    }

    #[test]
    fn a_lock_keeps_everyone_but_its_holder_out() {
        let locked = S::Locked { lock_holder: C1 };
        for action in [
            A::Use,
            A::Lock,
            A::Unlock,
            A::Deallocate,
            A::ScheduleCleanup,
        ] {
            assert_eq!(
                locked.next(ID, action, C2),
                Err(ResourceError::Locked {
                    id: ID,
                    lock_holder: C1,
                    requester: C2,
                    action
                })
            );
        }
        assert_eq!(locked.next(ID, A::Use, C1), Ok(locked));
        assert!(matches!(
            locked.next(ID, A::Lock, C1),
            Err(ResourceError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn only_the_active_component_releases_or_drops_but_anyone_permitted_uses() {
        let active = S::Active { owner: C1 };
        assert_eq!(active.next(ID, A::Use, C2), Ok(active));
        for action in [A::Release, A::Deallocate, A::Lock, A::Activate, A::Transfer] {
            assert!(active.next(ID, action, C2).is_err(), "{action}");
        }
    }

    #[test]
    fn exactly_the_states_that_allow_use_are_live() {
        let states = [
            S::Allocated,
            S::Ready,
            S::Active { owner: C1 },
            S::Locked { lock_holder: C1 },
            S::PendingCleanup,
            S::Deallocated,
        ];
        for state in states {
            assert_eq!(
                state.is_live(),
                state.next(ID, A::Use, C1).is_ok(),
                "{state}"
            );
        }
    }

    #[test]
    fn nothing_but_deallocation_leaves_pending_cleanup() {
        for action in [
            A::MarkReady,
            A::Activate,
            A::Release,
            A::Lock,
            A::Unlock,
            A::ScheduleCleanup,
            A::Use,
            A::Grant,
            A::Transfer,
        ] {
            assert!(S::PendingCleanup.next(ID, action, C1).is_err());
            assert!(S::Deallocated.next(ID, action, C1).is_err());
        }
        assert!(S::Deallocated.next(ID, A::Deallocate, C1).is_err());
    }
}
