//! [`StoreLimiter`]: the engine-neutral limiter of one store, which engine adapters call.

use core::ops::Deref;
use core::time::Duration;

use super::growth::{Growables, GrowthStats, Pending};
use super::policy::{OnRefusal, RefusalPolicy};
use super::refusals::{Refusal, RefusalLog, Request};
use super::shared_budget::SharedBudget;
use crate::component_id::ComponentId;
use crate::component_manager::{BudgetEffect, ComponentResourceManager, Growable, UsageChange};
use crate::error::ResourceError;
use crate::limits::{LimitKind, ResourceLimits};
use crate::usage::ResourceUsage;

/// What the engine should do with a growth request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Growth {
    /// Go ahead (the charge is taken; a later failure report gives it back).
    Permitted,
    /// Fail the growth the Wasm way: `memory.grow` / `table.grow` return -1, instantiation
    /// fails with an error.
    Denied,
    /// Trap, with the error that refused the growth.
    Trapped(ResourceError),
}

/// Which growable a callback is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Memory,
    Table,
}

/// The limiter of one store: a [`ComponentResourceManager`] ledger (`&mut`, no lock) over a
/// [`SharedBudget`] that all stores share.
///
/// An engine adapter forwards the engine's callbacks here — growth as
/// (current, desired, maximum), failed growth, wasm entries, host calls, time and fuel —
/// and does what the answer says. Every charge is all-or-nothing across the ledger and the
/// budget; every refusal is logged with its full error. Dropping the limiter (with its store)
/// returns everything it charged to the budget.
///
/// `B` is how the store holds the budget: `Arc<SharedBudget>` on a host, `&'static
/// SharedBudget` on a device.
///
/// ```
/// use wrt_component::engine::{Growth, SharedBudget, StoreLimiter};
/// use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
///
/// static BUDGET: SharedBudget = SharedBudget::new(RuntimeBudget::unlimited());
/// let limits = ResourceLimits { max_memory: 3 * 65_536, ..ResourceLimits::default() };
/// let mut store = StoreLimiter::new(ComponentId(1), limits, Default::default(), &BUDGET);
/// assert_eq!(store.memory_growing(0, 65_536, None), Growth::Permitted); // created
/// assert_eq!(store.memory_growing(65_536, 3 * 65_536, None), Growth::Permitted);
/// assert_eq!(store.memory_growing(3 * 65_536, 4 * 65_536, None), Growth::Denied);
/// assert_eq!(store.refusals().total(), 1);
/// assert_eq!(BUDGET.usage().memory, 3 * 65_536);
/// drop(store);
/// assert_eq!(BUDGET.usage().memory, 0);
/// ```
#[derive(Debug)]
pub struct StoreLimiter<B: Deref<Target = SharedBudget>> {
    ledger: ComponentResourceManager,
    budget: B,
    policy: RefusalPolicy,
    memories: Growables,
    tables: Growables,
    /// Whether a growth from 0 is a creation whatever else the store holds: while the engine
    /// builds an instance, before any of its Wasm runs.
    instantiating: bool,
    /// Whether an instantiation is under way (its start functions included): creations
    /// resume when one of its start functions returns.
    instantiation_under_way: bool,
    /// An instance counted by `instance_creating` that the engine has built nothing of yet:
    /// no creation permitted, no growth asked, no Wasm entered, no host called.
    unbuilt_instance: bool,
    /// Whether this period's time refusal is recorded: the charges while the trap unwinds
    /// are the same stop, refused again but not recorded again.
    time_refused: bool,
    /// `max_fuel` is set and the engine meters no fuel: nothing may run.
    fuel_unheld: bool,
    refusals: RefusalLog,
}

impl<B: Deref<Target = SharedBudget>> StoreLimiter<B> {
    /// A limiter for a store that holds nothing yet.
    pub fn new(
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
        budget: B,
    ) -> Self {
        Self {
            ledger: ComponentResourceManager::new(component, limits),
            budget,
            policy,
            memories: Growables::default(),
            tables: Growables::default(),
            instantiating: false,
            instantiation_under_way: false,
            unbuilt_instance: false,
            time_refused: false,
            fuel_unheld: false,
            refusals: RefusalLog::default(),
        }
    }

    /// The component's limits.
    pub fn limits(&self) -> &ResourceLimits {
        self.ledger.limits()
    }

    /// What the store holds and has done this period.
    pub fn usage(&self) -> &ResourceUsage {
        self.ledger.usage()
    }

    /// The ledger itself (for metrics and reports).
    pub const fn ledger(&self) -> &ComponentResourceManager {
        &self.ledger
    }

    /// The shared budget this store draws from.
    pub fn budget(&self) -> &SharedBudget {
        &self.budget
    }

    /// The refusal policy.
    pub const fn policy(&self) -> &RefusalPolicy {
        &self.policy
    }

    /// Memory figures: creations, grows granted and refused, peak bytes.
    pub const fn memory_stats(&self) -> &GrowthStats {
        &self.memories.stats
    }

    /// Table figures: creations, grows granted and refused, peak elements.
    pub const fn table_stats(&self) -> &GrowthStats {
        &self.tables.stats
    }

    /// Every refusal this store met.
    pub const fn refusals(&self) -> &RefusalLog {
        &self.refusals
    }

    /// Tells the limiter an instantiation is running: every growth from 0 is then a new
    /// memory or table, except while a start function runs (its growths are growths).
    /// Adapters set it around the engine's instantiate call.
    pub fn set_instantiating(&mut self, instantiating: bool) {
        self.instantiating = instantiating;
        self.instantiation_under_way = instantiating;
    }

    /// An instantiation begins: [`instance_creating`](Self::instance_creating), then every
    /// growth from 0 is a creation, but while Wasm (a start function) runs, until
    /// [`instantiation_ended`](Self::instantiation_ended) is called. Adapters bracket the
    /// engine's instantiate call with the two, and report every outermost Wasm return
    /// ([`wasm_returned`](Self::wasm_returned)).
    ///
    /// # Errors
    /// As `instance_creating`; nothing begins then.
    pub fn instantiation_starting(&mut self) -> Result<(), ResourceError> {
        self.instance_creating()?;
        self.set_instantiating(true);
        Ok(())
    }

    /// The instantiation counted by [`instance_creating`](Self::instance_creating) is over:
    /// it ends the creations, as `set_instantiating(false)` does, and when it failed before
    /// the engine built anything of it (no memory or table created, no growth asked, no Wasm
    /// entered, no host called: a missing import or one of the wrong type) the instance is
    /// given back, so a failed link does not use up `max_instances`. A failure after the
    /// engine built something keeps the charge: the engine keeps what it built (the memories
    /// of an instance whose start function trapped) until the store drops.
    ///
    /// ```
    /// use wrt_component::engine::{SharedBudget, StoreLimiter};
    /// use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
    ///
    /// static BUDGET: SharedBudget = SharedBudget::new(RuntimeBudget::unlimited());
    /// let limits = ResourceLimits { max_instances: 1, ..ResourceLimits::default() };
    /// let mut store = StoreLimiter::new(ComponentId(1), limits, Default::default(), &BUDGET);
    /// store.instance_creating()?; // then the engine fails to link the imports
    /// store.instantiation_ended(false);
    /// assert_eq!(store.usage().instances, 0);
    /// store.instance_creating()?; // the retry fits
    /// let _ = store.memory_growing(0, 65_536, None); // the engine builds its memory
    /// store.instantiation_ended(false); // and then fails: the instance stays counted
    /// assert_eq!(store.usage().instances, 1);
    /// # Ok::<(), wrt_component::ResourceError>(())
    /// ```
    pub fn instantiation_ended(&mut self, succeeded: bool) {
        self.set_instantiating(false);
        if core::mem::take(&mut self.unbuilt_instance) && !succeeded {
            // Counted by `instance_creating` and untouched since, so it is there to take back.
            let _ = self.apply(UsageChange::RemoveInstance);
        }
    }

    /// The engine has built the instance being instantiated and keeps it until the store
    /// drops, though the limiter heard of nothing it built: the instantiation keeps its
    /// count even if it fails. For an adapter that learns it from the engine rather than from
    /// a creation or a Wasm entry (wasmi asks for its instance limit right before it
    /// allocates the instance; a wasmtime store without the call hook does not see the
    /// start-up code enter, but sees it trap).
    pub fn instance_built(&mut self) {
        self.unbuilt_instance = false;
    }

    /// The engine is done with the growth it last asked about. A failure it reports after
    /// this is of a growth it never asked about (wasmtime reports a table growth that
    /// overflows without asking first), so it gives nothing back. Adapters call it at every
    /// crossing that separates one growth from the next; without one, the last permit
    /// stays open and a later unasked failure would refund it.
    #[inline]
    pub fn growth_settled(&mut self) {
        self.memories.pending = None;
        self.tables.pending = None;
    }

    /// The engine asks to create (`current == 0`) or grow a linear memory, in bytes.
    #[inline(never)]
    pub fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Growth {
        self.growing(Kind::Memory, current, desired, maximum)
    }

    /// The engine failed a memory growth it was permitted: the charge goes back.
    pub fn memory_grow_failed(&mut self) {
        self.grow_failed(Kind::Memory);
    }

    /// The engine asks to create (`current == 0`) or grow a table, in elements.
    #[inline(never)]
    pub fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Growth {
        self.growing(Kind::Table, current, desired, maximum)
    }

    /// The engine failed a table growth it was permitted: the charge goes back.
    pub fn table_grow_failed(&mut self) {
        self.grow_failed(Kind::Table);
    }

    /// The engine running the store meters no fuel. With `max_fuel` set, every
    /// instantiation and every entry into Wasm is then refused
    /// ([`ResourceError::LimitNotMetered`], recorded as a trap): a fuel limit that nothing
    /// counts would let the program run unbounded. Adapters call it when they set a store
    /// up on such an engine; with `max_fuel` unlimited it changes nothing.
    ///
    /// ```
    /// use wrt_component::engine::{SharedBudget, StoreLimiter};
    /// use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits, RuntimeBudget};
    ///
    /// static BUDGET: SharedBudget = SharedBudget::new(RuntimeBudget::unlimited());
    /// let limits = ResourceLimits { max_fuel: 10_000, ..ResourceLimits::default() };
    /// let mut store = StoreLimiter::new(ComponentId(1), limits, Default::default(), &BUDGET);
    /// store.fuel_not_metered();
    /// let refused = ResourceError::LimitNotMetered {
    ///     component: ComponentId(1),
    ///     kind: LimitKind::Fuel,
    ///     limit: 10_000,
    /// };
    /// assert_eq!(store.instance_creating(), Err(refused));
    /// assert_eq!(store.wasm_entering(), Err(refused));
    /// assert_eq!(store.refusals().total(), 2);
    /// ```
    pub fn fuel_not_metered(&mut self) {
        self.fuel_unheld = self.limits().max_fuel != u64::MAX;
    }

    /// An instance is about to be created: counts against `max_instances`. Refused, before
    /// anything is counted, when a limit is set that the engine does not meter
    /// ([`fuel_not_metered`](Self::fuel_not_metered)).
    pub fn instance_creating(&mut self) -> Result<(), ResourceError> {
        if self.fuel_unheld {
            return self.refuse_unmetered(Request::Instance);
        }
        self.checked(Request::Instance, UsageChange::AddInstance)?;
        self.unbuilt_instance = true;
        Ok(())
    }

    /// The host calls into Wasm: counts against `max_function_calls`, and is refused when
    /// the period's execution time is all spent (the least a call needs, one nanosecond,
    /// no longer fits), or when a limit is set that the engine does not meter
    /// ([`fuel_not_metered`](Self::fuel_not_metered)). A refusal traps. An entry settles
    /// the last growth, and ends an instantiation's creations: Wasm running during one is
    /// its start function, until [`wasm_returned`](Self::wasm_returned).
    #[inline]
    pub fn wasm_entering(&mut self) -> Result<(), ResourceError> {
        self.instantiating = false;
        self.unbuilt_instance = false;
        self.growth_settled();
        if self.fuel_unheld {
            return self.refuse_unmetered(Request::WasmEntry);
        }
        if self.time_spent() {
            return self.checked(
                Request::WasmEntry,
                UsageChange::ExecutionTime(Duration::from_nanos(1)),
            );
        }
        let counted = self.ledger.count_call(false);
        self.record_trap(Request::WasmEntry, counted)
    }

    /// The host's outermost call into Wasm returned. During an instantiation that was a start
    /// function, and the creations resume: a component builds its core instances one after
    /// another, the start function of one running before the next one's memories and tables
    /// are made, each reported like every creation as a growth from 0.
    #[inline]
    pub fn wasm_returned(&mut self) {
        self.instantiating = self.instantiation_under_way;
    }

    /// Refuses `request` because `max_fuel` is set and the engine meters no fuel.
    #[cold]
    #[inline(never)]
    fn refuse_unmetered(&mut self, request: Request) -> Result<(), ResourceError> {
        let error = ResourceError::LimitNotMetered {
            component: self.ledger.id(),
            kind: LimitKind::Fuel,
            limit: self.limits().max_fuel,
        };
        self.record_trapped(request, error);
        Err(error)
    }

    /// Whether the period's execution time is all spent.
    #[inline]
    fn time_spent(&self) -> bool {
        self.limits()
            .max_execution_time
            .is_some_and(|max| self.usage().execution_time >= max)
    }

    /// Wasm calls the host: counts against `max_host_calls`. A refusal traps.
    ///
    /// Only running code calls the host, so during an instantiation the instance is built
    /// from here on and keeps its count whatever follows, a refusal of this very call
    /// included. Where an adapter does not see Wasm enter (a wasmtime store without the call
    /// hook), this is how the limiter learns it.
    #[inline]
    pub fn host_calling(&mut self) -> Result<(), ResourceError> {
        self.unbuilt_instance = false;
        let counted = self.ledger.count_call(true);
        self.record_trap(Request::HostCall, counted)
    }

    /// Whether one more host call fits `max_host_calls`: for an adapter that must see what
    /// a crossing is before it counts or refuses it. Nothing is counted or recorded.
    #[inline]
    pub fn host_call_fits(&self) -> bool {
        self.usage().host_calls_made < self.limits().max_host_calls
    }

    /// The host call counted last was the engine's own crossing (wasmtime reports its
    /// `memory.grow`, `table.grow` and epoch libcalls through the same hook as imports):
    /// it is taken back, so `max_host_calls` counts the program's imports only.
    #[inline]
    pub fn engine_call(&mut self) {
        self.ledger.uncount_host_call();
    }

    /// Charges execution time; a refusal traps. When the charge does not fit, what still
    /// fits is charged, so the usage shows the whole limit spent. The first refusal of a
    /// period is recorded; the charges that follow while its trap unwinds (each Wasm frame
    /// returning to the host) are refused with their own figures but are the same stop.
    pub fn charge_time(&mut self, spent: Duration) -> Result<(), ResourceError> {
        let Err(error) = self.apply(UsageChange::ExecutionTime(spent)) else {
            return Ok(());
        };
        let used = self.ledger.usage().execution_time;
        if let Some(rest) = self
            .limits()
            .max_execution_time
            .and_then(|max| max.checked_sub(used))
        {
            let _ = self.ledger.apply(UsageChange::ExecutionTime(rest));
        }
        if !self.time_refused {
            self.time_refused = true;
            self.record_trapped(Request::ExecutionTime, error);
        }
        Err(error)
    }

    /// Books fuel the engine reports burnt; a refusal traps (the engine normally stops the
    /// program itself, because adapters hand it only the fuel that is left).
    pub fn charge_fuel(&mut self, burnt: u64) -> Result<(), ResourceError> {
        self.checked(Request::Fuel, UsageChange::Fuel(burnt))
    }

    /// Fuel still available this period: what an adapter hands the engine.
    pub fn fuel_left(&self) -> u64 {
        self.limits()
            .max_fuel
            .saturating_sub(self.usage().fuel_consumed)
    }

    /// Reserves a host resource of `bytes` for the store (a file, a socket), against the
    /// component's limits and the budget.
    pub fn reserve_resource(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.checked(Request::Resource, UsageChange::ReserveResource(bytes))
    }

    /// Gives back a resource reserved with [`reserve_resource`](Self::reserve_resource).
    pub fn release_resource(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::ReleaseResource(bytes))
    }

    /// Starts a new accounting period (calls, fuel and time back to zero).
    pub fn reset_period(&mut self) {
        self.ledger.reset_period();
        self.time_refused = false;
    }

    fn growables(&mut self, kind: Kind) -> &mut Growables {
        match kind {
            Kind::Memory => &mut self.memories,
            Kind::Table => &mut self.tables,
        }
    }

    /// Inline, so that each of the two callers is compiled for its own kind.
    #[inline(always)]
    fn growing(
        &mut self,
        kind: Kind,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Growth {
        let instantiating = self.instantiating;
        let state = self.growables(kind);
        state.pending = None;
        let Some(added) = desired.checked_sub(current) else {
            return Growth::Permitted; // a shrink: engines never ask, and it takes nothing
        };
        if maximum.is_some_and(|max| desired > max) {
            state.stats.beyond_declared_maximum =
                state.stats.beyond_declared_maximum.saturating_add(1);
            return Growth::Denied;
        }
        let created = state.is_creation(current, desired, instantiating);
        // A growth, as opposed to a creation, is asked by running code: the instance is
        // built, and keeps its count even if this growth is refused.
        self.unbuilt_instance &= created;
        let from_empty = current == 0 && !created;
        let (request, applied) = match (kind, created) {
            (Kind::Memory, true) => (
                Request::CreateMemory,
                self.apply(UsageChange::CreateMemory(desired)),
            ),
            (Kind::Table, true) => (
                Request::CreateTable,
                self.apply(UsageChange::CreateTable(desired)),
            ),
            (Kind::Memory, false) => (Request::GrowMemory, self.apply_growth(kind, added)),
            (Kind::Table, false) => (Request::GrowTable, self.apply_growth(kind, added)),
        };
        match applied {
            Ok(()) => {
                self.unbuilt_instance = false;
                let held = self.held(kind);
                let state = self.growables(kind);
                state.pending = Some(Pending {
                    amount: added,
                    created,
                    from_empty,
                });
                if created {
                    state.stats.created = state.stats.created.saturating_add(1);
                } else {
                    state.stats.grows_granted = state.stats.grows_granted.saturating_add(1);
                }
                state.empty = match (created && desired == 0, from_empty) {
                    (true, _) => state.empty.saturating_add(1),
                    (false, true) => state.empty.saturating_sub(1),
                    (false, false) => state.empty,
                };
                state.stats.peak = state.stats.peak.max(held);
                Growth::Permitted
            }
            Err(error) => {
                let action = self.policy.for_error(&error);
                let state = self.growables(kind);
                state.stats.refused = state.stats.refused.saturating_add(1);
                self.refusals.record(Refusal {
                    request,
                    error,
                    action,
                });
                match action {
                    OnRefusal::Deny => Growth::Denied,
                    OnRefusal::Trap => Growth::Trapped(error),
                }
            }
        }
    }

    fn grow_failed(&mut self, kind: Kind) {
        let Some(pending) = self.growables(kind).pending.take() else {
            return; // a failure the limiter never permitted (the engine's own check)
        };
        let change = match (kind, pending.created) {
            (Kind::Memory, true) => UsageChange::DestroyMemory(pending.amount),
            (Kind::Memory, false) => UsageChange::ReleaseMemory(pending.amount),
            (Kind::Table, true) => UsageChange::DestroyTable(pending.amount),
            (Kind::Table, false) => UsageChange::ReleaseTableElements(pending.amount),
        };
        let refunded = self.apply(change);
        if refunded.is_err() {
            return; // nothing was released: the charge stays (and the ledger stays consistent)
        }
        let state = self.growables(kind);
        state.stats.failed_after_permit = state.stats.failed_after_permit.saturating_add(1);
        if pending.created {
            state.stats.created = state.stats.created.saturating_sub(1);
            if pending.amount == 0 {
                state.empty = state.empty.saturating_sub(1);
            }
        } else {
            state.stats.grows_granted = state.stats.grows_granted.saturating_sub(1);
            if pending.from_empty {
                state.empty = state.empty.saturating_add(1);
            }
        }
    }

    fn held(&self, kind: Kind) -> usize {
        let usage = self.ledger.usage();
        match kind {
            Kind::Memory => usage.linear_memory(),
            Kind::Table => usage.table_elements_used,
        }
    }

    /// [`apply`](Self::apply), recording a refusal as a trap.
    fn checked(&mut self, request: Request, change: UsageChange) -> Result<(), ResourceError> {
        let applied = self.apply(change);
        self.record_trap(request, applied)
    }

    /// Records a refused `outcome` as a trap of `request`.
    #[inline]
    fn record_trap(
        &mut self,
        request: Request,
        outcome: Result<(), ResourceError>,
    ) -> Result<(), ResourceError> {
        outcome.inspect_err(|error| self.record_trapped(request, *error))
    }

    /// Out of line, so that a hook's common (granted) path needs no room for a refusal.
    #[cold]
    #[inline(never)]
    fn record_trapped(&mut self, request: Request, error: ResourceError) {
        self.refusals.record(Refusal {
            request,
            error,
            action: OnRefusal::Trap,
        });
    }

    /// [`apply`](Self::apply) of the growth of an existing memory or table (the change
    /// engines ask for most), without planning a whole usage.
    #[inline]
    fn apply_growth(&mut self, kind: Kind, added: usize) -> Result<(), ResourceError> {
        let (growable, change) = match kind {
            Kind::Memory => (Growable::Memory, UsageChange::AllocateMemory(added)),
            Kind::Table => (Growable::Table, UsageChange::GrowTable(added)),
        };
        let budget = &self.budget;
        self.ledger
            .grow_counted(growable, added, || book(budget, change.budget_effect()))
    }

    /// Applies `change` to the ledger and the budget, both or neither.
    fn apply(&mut self, change: UsageChange) -> Result<(), ResourceError> {
        let planned = self.ledger.plan_counted(change)?;
        book(&self.budget, change.budget_effect())?;
        self.ledger.commit(planned);
        Ok(())
    }
}

/// Books a change's `effect` on the shared budget: a charge may be refused, a release
/// cannot; calls, time, fuel and counts are nothing the budget holds.
#[inline]
fn book(budget: &SharedBudget, effect: BudgetEffect) -> Result<(), ResourceError> {
    if effect.memory == 0 && effect.resources == 0 {
        Ok(())
    } else if effect.charge {
        budget.charge(effect.memory, effect.resources)
    } else {
        budget.release(effect.memory, effect.resources);
        Ok(())
    }
}

impl<B: Deref<Target = SharedBudget>> Drop for StoreLimiter<B> {
    fn drop(&mut self) {
        let usage = self.ledger.usage();
        self.budget.release(usage.memory_used, usage.resources);
    }
}
