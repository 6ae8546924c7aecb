//! [`ResourceError`]: every way a resource operation can be refused, with the numbers.

use core::time::Duration;

use crate::budget::BudgetKind;
use crate::component_id::ComponentId;
use crate::id::{ManagerTag, ResourceId};
use crate::lifecycle::{LifecycleAction, ResourceState};
use crate::limits::LimitKind;

/// Why a resource operation was refused. A refused operation changed nothing.
///
/// One enum for the whole crate, so an integrator matches once; each variant says what was
/// asked, what was there and what the cap was, so a log line alone explains a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The manager never issued the id: its index is past every slot the manager has,
    /// or its generation is one the slot has not reached (a made-up or corrupted id).
    #[error("{id} is forged: never issued by this manager")]
    Forged {
        /// The refused id.
        id: ResourceId,
    },
    /// The id's resource was deallocated since the id was issued (and its slot may hold
    /// another resource).
    #[error("{id} is stale: the resource was deallocated")]
    Stale {
        /// The refused id.
        id: ResourceId,
    },
    /// The id was issued by another manager.
    #[error("{id} is foreign: issued by {}, presented to {manager}", id.manager())]
    Foreign {
        /// The refused id.
        id: ResourceId,
        /// The tag of the manager it was presented to.
        manager: ManagerTag,
    },
    /// The resource exists but holds another type than the one asked for.
    #[error("{id} holds {actual}, not {expected}")]
    WrongType {
        /// The id.
        id: ResourceId,
        /// The type the caller asked for.
        expected: &'static str,
        /// The type stored.
        actual: &'static str,
    },
    /// The storage backend has no free slot left.
    #[error("resource storage is full: {capacity} slots in use")]
    StorageFull {
        /// Slots the backend can hold (for a growable backend: slots it managed to hold).
        capacity: usize,
    },
    /// A descriptor's alignment is not a power of two.
    #[error("alignment {alignment} is not a power of two")]
    InvalidAlignment {
        /// The rejected alignment.
        alignment: usize,
    },
    /// One resource's metadata already has as many entries as it can hold.
    #[error("metadata is full: {capacity} entries")]
    MetadataFull {
        /// Entries one resource's metadata can hold.
        capacity: usize,
    },
    /// A manager's metadata side table has no room for another resource's labels.
    #[error("metadata storage is full: {capacity} resources carry metadata")]
    MetadataStorageFull {
        /// Resources whose metadata the side table can hold (for a growable table: the
        /// ones it managed to hold).
        capacity: usize,
    },
    /// A metadata key or value is longer than its fixed capacity.
    #[error("metadata text of {requested} bytes exceeds the {capacity}-byte capacity")]
    MetadataTooLong {
        /// Bytes of the rejected text.
        requested: usize,
        /// Capacity in bytes.
        capacity: usize,
    },
    /// A manager's live bytes (the descriptors' size hints) would pass `usize::MAX`: no
    /// address space holds that much, so the hints are wrong, and counting on would make
    /// every byte figure saturate.
    #[error("live bytes would pass {limit}: requested {requested}, live {live}")]
    BytesOverflow {
        /// The size hint of the refused allocation.
        requested: usize,
        /// Bytes alive in the manager.
        live: usize,
        /// `usize::MAX`.
        limit: usize,
    },
    /// A component limit would be exceeded. Numbers are in the kind's
    /// [`unit`](LimitKind::unit).
    #[error("{component}: {kind} exceeded: requested {requested}, used {used}, limit {limit}")]
    LimitExceeded {
        /// The component asking.
        component: ComponentId,
        /// Which limit; never [`LimitKind::ExecutionTime`], which is refused with
        /// [`ExecutionTimeExceeded`](Self::ExecutionTimeExceeded) and exact durations.
        kind: LimitKind,
        /// Amount the operation asked for.
        requested: u64,
        /// Amount already in use.
        used: u64,
        /// The cap.
        limit: u64,
    },
    /// A component's execution-time limit ([`LimitKind::ExecutionTime`]) would be exceeded.
    #[error(
        "{component}: max_execution_time exceeded: requested {requested:?}, used {used:?}, limit {limit:?}"
    )]
    ExecutionTimeExceeded {
        /// The component asking.
        component: ComponentId,
        /// Time the operation charged.
        requested: Duration,
        /// Time already charged this period.
        used: Duration,
        /// The cap.
        limit: Duration,
    },
    /// A release asked to give back more than is held (a bookkeeping bug in the caller).
    #[error("{component}: cannot release {requested} of {kind}: only {used} held")]
    ReleaseExceedsUsage {
        /// The component asking.
        component: ComponentId,
        /// Which counter.
        kind: LimitKind,
        /// Amount the caller tried to release.
        requested: u64,
        /// Amount held.
        used: u64,
    },
    /// A growth asked of a component that has no memory (or no table) to grow: growth
    /// comes after creation, so the amount could never be released again.
    #[error("{component}: cannot grow by {requested}: it has no {kind} to grow")]
    NothingToGrow {
        /// The component asking.
        component: ComponentId,
        /// `Memories` or `Tables`: what it has none of.
        kind: LimitKind,
        /// Amount the growth asked for.
        requested: u64,
    },
    /// A limit is set that the engine running the component does not meter (`max_fuel` on
    /// an engine built without fuel metering). Nothing is instantiated or entered under it:
    /// a limit nobody counts would let the program run unbounded.
    #[error("{component}: {kind} = {limit} cannot be held: the engine does not meter it")]
    LimitNotMetered {
        /// The component asking.
        component: ComponentId,
        /// Which limit.
        kind: LimitKind,
        /// Its cap.
        limit: u64,
    },
    /// The runtime-wide budget (above every component's limits) would be exceeded.
    #[error("runtime budget {kind} exceeded: requested {requested}, used {used}, limit {limit}")]
    BudgetExceeded {
        /// Which budget.
        kind: BudgetKind,
        /// Amount the operation asked for.
        requested: u64,
        /// Amount used across all components.
        used: u64,
        /// The runtime-wide cap.
        limit: u64,
    },
    /// No live component has this id (never created, or destroyed).
    #[error("{component} does not exist")]
    UnknownComponent {
        /// The id.
        component: ComponentId,
    },
    /// The runtime holds as many components as it can.
    #[error("component table is full: {capacity} components")]
    ComponentsFull {
        /// Components the runtime can hold.
        capacity: usize,
    },
    /// The runtime has handed out every component id (it never reuses one).
    #[error("component ids exhausted")]
    ComponentIdsExhausted,
    /// The component neither owns the resource nor was granted it.
    #[error("{component} may not use {id}: owned by {owner} and not granted")]
    AccessDenied {
        /// The resource.
        id: ResourceId,
        /// The component asking.
        component: ComponentId,
        /// The resource's owner.
        owner: ComponentId,
    },
    /// Only the owner may do this (drop, grant, revoke, transfer, mark ready).
    #[error("{component} is not the owner of {id} (owner: {owner})")]
    NotOwner {
        /// The resource.
        id: ResourceId,
        /// The component asking.
        component: ComponentId,
        /// The resource's owner.
        owner: ComponentId,
    },
    /// The resource is already shared with as many components as it can record.
    #[error("{id} already has {capacity} grants")]
    GrantsFull {
        /// The resource.
        id: ResourceId,
        /// Grants a resource can hold.
        capacity: usize,
    },
    /// Revoking a grant that was never made (or already revoked).
    #[error("{id} was not granted to {component}")]
    NotGranted {
        /// The resource.
        id: ResourceId,
        /// The component named.
        component: ComponentId,
    },
    /// A component tried to grant or transfer a resource to itself.
    #[error("{component} cannot grant or transfer {id} to itself")]
    SelfGrant {
        /// The resource.
        id: ResourceId,
        /// The component.
        component: ComponentId,
    },
    /// The resource is locked by another component.
    #[error("{id} is locked by {lock_holder}; {requester} may not {action}")]
    Locked {
        /// The resource.
        id: ResourceId,
        /// Who holds the lock.
        lock_holder: ComponentId,
        /// Who asked.
        requester: ComponentId,
        /// What they asked.
        action: LifecycleAction,
    },
    /// The lifecycle does not allow this action in the resource's current state.
    #[error("{id}: cannot {action} in state {from}")]
    IllegalTransition {
        /// The resource.
        id: ResourceId,
        /// The state it is in.
        from: ResourceState,
        /// The refused action.
        action: LifecycleAction,
    },
    /// The cleanup queue has no room.
    #[error("cleanup queue is full: {capacity} requests")]
    CleanupQueueFull {
        /// Requests the queue can hold.
        capacity: usize,
    },
}

impl ResourceError {
    /// The component limit this error says was exceeded: the kind of a
    /// [`LimitExceeded`](Self::LimitExceeded), [`LimitKind::ExecutionTime`] for an
    /// [`ExecutionTimeExceeded`](Self::ExecutionTimeExceeded); `None` for every other error
    /// (a runtime budget, a limit no engine meters, a bad handle). For code that reacts to
    /// which limit stopped a program without matching each variant.
    ///
    /// ```
    /// use wrt_component::{ComponentId, LimitKind, ResourceError};
    ///
    /// let refused = ResourceError::LimitExceeded {
    ///     component: ComponentId(1),
    ///     kind: LimitKind::HostCalls,
    ///     requested: 1,
    ///     used: 10,
    ///     limit: 10,
    /// };
    /// assert_eq!(refused.exceeded_limit(), Some(LimitKind::HostCalls));
    /// assert_eq!(ResourceError::ComponentIdsExhausted.exceeded_limit(), None);
    /// ```
    pub const fn exceeded_limit(&self) -> Option<LimitKind> {
        match self {
            Self::LimitExceeded { kind, .. } => Some(*kind),
            Self::ExecutionTimeExceeded { .. } => Some(LimitKind::ExecutionTime),
            _ => None,
        }
    }

    /// `true` when the id itself is bad (forged, stale, foreign, wrong type): retrying the
    /// same operation with the same id can never succeed.
    pub const fn is_bad_handle(&self) -> bool {
        matches!(
            self,
            Self::Forged { .. }
                | Self::Stale { .. }
                | Self::Foreign { .. }
                | Self::WrongType { .. }
        )
    }
}
