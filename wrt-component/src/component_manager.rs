//! [`ComponentResourceManager`]: one component's limits and usage, changed only by
//! operations that check them.

use core::time::Duration;

use crate::component_id::ComponentId;
use crate::error::ResourceError;
use crate::limit_refusals::LimitRefusals;
use crate::limits::{LimitKind, ResourceLimits};
use crate::usage::ResourceUsage;

/// One accounted operation; [`ComponentResourceManager::plan`] says what it would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsageChange {
    /// A new linear memory of this many bytes (counts against `max_memories` and `max_memory`).
    CreateMemory(usize),
    /// More bytes for an existing memory (`memory.grow`).
    AllocateMemory(usize),
    /// Bytes of linear memory given back.
    ReleaseMemory(usize),
    /// A memory of this many bytes dropped: frees the bytes and the memory's count.
    DestroyMemory(usize),
    /// A new table of this many elements.
    CreateTable(usize),
    /// More elements for an existing table (`table.grow`).
    GrowTable(usize),
    /// Elements given back by a table that stays (a `table.grow` the engine failed after it
    /// was permitted).
    ReleaseTableElements(usize),
    /// A table of this many elements dropped.
    DestroyTable(usize),
    /// A new core module or component instance.
    AddInstance,
    /// An instance gone.
    RemoveInstance,
    /// One function call.
    FunctionCall,
    /// One host (import) call.
    HostCall,
    /// Execution time spent.
    ExecutionTime(Duration),
    /// Fuel burnt, in the engine's units.
    Fuel(u64),
    /// A resource of this many bytes created or received.
    ReserveResource(usize),
    /// A resource of this many bytes dropped or given away.
    ReleaseResource(usize),
}

impl UsageChange {
    /// Bytes this change adds to (positive side) or removes from memory, and resources it
    /// adds or removes: what a runtime-wide budget must also account.
    pub(crate) const fn budget_effect(self) -> BudgetEffect {
        match self {
            Self::CreateMemory(b) | Self::AllocateMemory(b) => BudgetEffect::charge(b, 0),
            Self::ReserveResource(b) => BudgetEffect::charge(b, 1),
            Self::ReleaseMemory(b) | Self::DestroyMemory(b) => BudgetEffect::release(b, 0),
            Self::ReleaseResource(b) => BudgetEffect::release(b, 1),
            _ => BudgetEffect::charge(0, 0),
        }
    }
}

/// An existing memory or table, for [`ComponentResourceManager::grow_counted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Growable {
    Memory,
    Table,
}

/// What a [`UsageChange`] does to the runtime-wide budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BudgetEffect {
    pub(crate) charge: bool,
    pub(crate) memory: usize,
    pub(crate) resources: usize,
}

impl BudgetEffect {
    const fn charge(memory: usize, resources: usize) -> Self {
        Self {
            charge: true,
            memory,
            resources,
        }
    }

    const fn release(memory: usize, resources: usize) -> Self {
        Self {
            charge: false,
            memory,
            resources,
        }
    }
}

/// The limits and usage of one component.
///
/// Every limit is enforced by the operation that would break it, and every operation is
/// atomic: it either updates all its counters or returns an error naming the limit, the
/// amount requested, the amount in use and the cap — and changes nothing. Releases that
/// give back more than is held are refused too, so usage can never underflow.
///
/// Standalone, it accounts one component (admission uses it to plan what a module would
/// hold). Inside a [`ResourceRuntime`](crate::ResourceRuntime) it is reached through
/// [`ComponentAccount`](crate::ComponentAccount), which also charges the runtime-wide budget.
///
/// ```
/// use wrt_component::{ComponentId, ComponentResourceManager, LimitKind, ResourceError, ResourceLimits};
///
/// let limits = ResourceLimits { max_memory: 128 * 1024, max_memories: 1, ..ResourceLimits::default() };
/// let mut component = ComponentResourceManager::new(ComponentId(7), limits);
/// component.create_memory(64 * 1024)?;
/// let err = component.allocate_memory(128 * 1024).unwrap_err();
/// assert_eq!(err, ResourceError::LimitExceeded {
///     component: ComponentId(7),
///     kind: LimitKind::Memory,
///     requested: 128 * 1024,
///     used: 64 * 1024,
///     limit: 128 * 1024,
/// });
/// assert_eq!(component.usage().memory_used, 64 * 1024); // unchanged by the refusal
/// # Ok::<(), ResourceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentResourceManager {
    id: ComponentId,
    limits: ResourceLimits,
    usage: ResourceUsage,
    refusals: LimitRefusals,
}

impl ComponentResourceManager {
    /// A component holding nothing.
    pub const fn new(id: ComponentId, limits: ResourceLimits) -> Self {
        Self {
            id,
            limits,
            usage: ResourceUsage::ZERO,
            refusals: LimitRefusals::new(),
        }
    }

    /// The component.
    pub const fn id(&self) -> ComponentId {
        self.id
    }

    /// Its limits.
    pub const fn limits(&self) -> &ResourceLimits {
        &self.limits
    }

    /// What it holds and has done this period.
    pub const fn usage(&self) -> &ResourceUsage {
        &self.usage
    }

    /// How often each of its limits refused since it was created (a new period does not
    /// reset them), counted where the refusal was made.
    pub const fn refusals(&self) -> &LimitRefusals {
        &self.refusals
    }

    /// The usage after `change`, or why it is refused. Changes nothing.
    pub fn plan(&self, change: UsageChange) -> Result<ResourceUsage, ResourceError> {
        let mut u = self.usage;
        match change {
            UsageChange::CreateMemory(bytes) => {
                u.memories = self.add(LimitKind::Memories, 1, u.memories)?;
                u.memory_used = self.add(LimitKind::Memory, bytes, u.memory_used)?;
            }
            UsageChange::AllocateMemory(bytes) => {
                u.memory_used = self.grown(Growable::Memory, bytes)?;
            }
            UsageChange::ReleaseMemory(bytes) => {
                self.sub(LimitKind::Memory, bytes, u.linear_memory())?;
                u.memory_used = self.sub(LimitKind::Memory, bytes, u.memory_used)?;
            }
            UsageChange::DestroyMemory(bytes) => {
                u.memories = self.sub(LimitKind::Memories, 1, u.memories)?;
                self.sub(LimitKind::Memory, bytes, u.linear_memory())?;
                u.memory_used = self.sub(LimitKind::Memory, bytes, u.memory_used)?;
            }
            UsageChange::CreateTable(elements) => {
                u.tables = self.add(LimitKind::Tables, 1, u.tables)?;
                u.table_elements_used =
                    self.add(LimitKind::TableElements, elements, u.table_elements_used)?;
            }
            UsageChange::GrowTable(elements) => {
                u.table_elements_used = self.grown(Growable::Table, elements)?;
            }
            UsageChange::ReleaseTableElements(elements) => {
                u.table_elements_used =
                    self.sub(LimitKind::TableElements, elements, u.table_elements_used)?;
            }
            UsageChange::DestroyTable(elements) => {
                u.tables = self.sub(LimitKind::Tables, 1, u.tables)?;
                u.table_elements_used =
                    self.sub(LimitKind::TableElements, elements, u.table_elements_used)?;
            }
            UsageChange::AddInstance => {
                u.instances = self.add(LimitKind::Instances, 1, u.instances)?;
            }
            UsageChange::RemoveInstance => {
                u.instances = self.sub(LimitKind::Instances, 1, u.instances)?;
            }
            UsageChange::FunctionCall => {
                u.function_calls_made =
                    self.add_u64(LimitKind::FunctionCalls, u.function_calls_made)?;
            }
            UsageChange::HostCall => {
                u.host_calls_made = self.add_u64(LimitKind::HostCalls, u.host_calls_made)?;
            }
            UsageChange::ExecutionTime(spent) => {
                u.execution_time = self.add_time(spent)?;
            }
            UsageChange::Fuel(burnt) => {
                u.fuel_consumed = self.add_fuel(burnt, u.fuel_consumed)?;
            }
            UsageChange::ReserveResource(bytes) => {
                u.resources = self.add(LimitKind::Resources, 1, u.resources)?;
                u.memory_used = self.add(LimitKind::Memory, bytes, u.memory_used)?;
                u.resource_bytes = u.resource_bytes.saturating_add(bytes);
            }
            UsageChange::ReleaseResource(bytes) => {
                u.resources = self.sub(LimitKind::Resources, 1, u.resources)?;
                u.resource_bytes = self.sub(LimitKind::Memory, bytes, u.resource_bytes)?;
                u.memory_used = self.sub(LimitKind::Memory, bytes, u.memory_used)?;
            }
        }
        Ok(u)
    }

    /// Applies `change` if every limit allows it; otherwise changes nothing but the count
    /// of the limit's refusals.
    pub fn apply(&mut self, change: UsageChange) -> Result<(), ResourceError> {
        self.usage = self.plan_counted(change)?;
        Ok(())
    }

    /// [`plan`](Self::plan) for an operation that will commit the plan if it can: a refusal
    /// is counted in [`refusals`](Self::refusals). Everything that enforces the limits plans
    /// through this, so no refusal goes uncounted.
    pub(crate) fn plan_counted(
        &mut self,
        change: UsageChange,
    ) -> Result<ResourceUsage, ResourceError> {
        let planned = self.plan(change);
        if let Err(error) = &planned {
            self.refusals.record(error);
        }
        planned
    }

    /// One call against `max_function_calls` or `max_host_calls`: the same check and error as
    /// [`apply`](Self::apply) with [`UsageChange::FunctionCall`] / [`UsageChange::HostCall`],
    /// touching one counter instead of planning a whole usage — engine hooks call it on every
    /// crossing between host and Wasm.
    ///
    /// The refusal is built out of line: the common case is one compare and one store, and
    /// an error of several words built in place would give every caller a stack frame.
    #[inline]
    pub(crate) fn count_call(&mut self, host: bool) -> Result<(), ResourceError> {
        let (used, limit) = if host {
            (&mut self.usage.host_calls_made, self.limits.max_host_calls)
        } else {
            (
                &mut self.usage.function_calls_made,
                self.limits.max_function_calls,
            )
        };
        if *used < limit {
            // Below `limit`, so one more fits in a u64.
            *used = used.wrapping_add(1);
            Ok(())
        } else {
            Err(self.call_refused(host))
        }
    }

    /// The refusal of one more call than `max_host_calls` / `max_function_calls` allow.
    #[cold]
    #[inline(never)]
    fn call_refused(&mut self, host: bool) -> ResourceError {
        let (kind, used, limit) = if host {
            (
                LimitKind::HostCalls,
                self.usage.host_calls_made,
                self.limits.max_host_calls,
            )
        } else {
            (
                LimitKind::FunctionCalls,
                self.usage.function_calls_made,
                self.limits.max_function_calls,
            )
        };
        let error = self.exceeded(kind, 1, used, limit);
        self.refusals.record(&error);
        error
    }

    /// One growth of an existing memory (by `added` bytes) or table (by `added` elements),
    /// with its refusal counted: the checks of planning [`UsageChange::AllocateMemory`] or
    /// [`UsageChange::GrowTable`], touching one counter instead of planning and copying a
    /// whole usage, because engines ask on every `memory.grow`. `also` (the shared budget's
    /// charge) runs once the checks pass and before anything changes; when it refuses,
    /// nothing changes here either.
    #[inline]
    pub(crate) fn grow_counted(
        &mut self,
        growable: Growable,
        added: usize,
        also: impl FnOnce() -> Result<(), ResourceError>,
    ) -> Result<(), ResourceError> {
        let total = match self.grown(growable, added) {
            Ok(total) => total,
            Err(error) => return Err(self.refused(error)),
        };
        also()?;
        match growable {
            Growable::Memory => self.usage.memory_used = total,
            Growable::Table => self.usage.table_elements_used = total,
        }
        Ok(())
    }

    /// The memory bytes or table elements held after growing an existing one by `added`,
    /// or why not. Changes nothing.
    #[inline]
    fn grown(&self, growable: Growable, added: usize) -> Result<usize, ResourceError> {
        let u = &self.usage;
        let (count_kind, count, kind, used) = match growable {
            Growable::Memory => (
                LimitKind::Memories,
                u.memories,
                LimitKind::Memory,
                u.memory_used,
            ),
            Growable::Table => (
                LimitKind::Tables,
                u.tables,
                LimitKind::TableElements,
                u.table_elements_used,
            ),
        };
        self.existing(count_kind, count, added)?;
        self.add(kind, added, used)
    }

    /// Counts `error`, a refusal made where it is returned, and hands it back.
    #[cold]
    #[inline(never)]
    fn refused(&mut self, error: ResourceError) -> ResourceError {
        self.refusals.record(&error);
        error
    }

    /// Takes back one host call counted by [`count_call`](Self::count_call).
    #[inline]
    pub(crate) fn uncount_host_call(&mut self) {
        self.usage.host_calls_made = self.usage.host_calls_made.saturating_sub(1);
    }

    /// Commits a usage computed by [`plan`](Self::plan) (the runtime plans on the component
    /// and the budget before committing either).
    pub(crate) fn commit(&mut self, planned: ResourceUsage) {
        self.usage = planned;
    }

    // `create_memory` ... `charge_execution_time`: one list shared with `ComponentAccount`,
    // the `usage_operations!` macro at the end of this file.
    crate::component_manager::usage_operations!("");

    /// A resource of `bytes` held (standalone accounting; a runtime does this itself).
    pub fn reserve_resource(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::ReserveResource(bytes))
    }

    /// A resource of `bytes` no longer held.
    pub fn release_resource(&mut self, bytes: usize) -> Result<(), ResourceError> {
        self.apply(UsageChange::ReleaseResource(bytes))
    }

    /// Starts a new accounting period: call counts, fuel and execution time back to zero; what
    /// the component holds is untouched.
    pub fn reset_period(&mut self) {
        self.usage.function_calls_made = 0;
        self.usage.host_calls_made = 0;
        self.usage.execution_time = Duration::ZERO;
        self.usage.fuel_consumed = 0;
    }

    #[inline]
    fn add(&self, kind: LimitKind, requested: usize, used: usize) -> Result<usize, ResourceError> {
        let limit = self.limits.cap(kind);
        match used.checked_add(requested) {
            Some(total) if u64::try_from(total).is_ok_and(|t| t <= limit) => Ok(total),
            _ => Err(self.exceeded(kind, wide(requested), wide(used), limit)),
        }
    }

    fn add_u64(&self, kind: LimitKind, used: u64) -> Result<u64, ResourceError> {
        let limit = self.limits.cap(kind);
        match used.checked_add(1) {
            Some(total) if total <= limit => Ok(total),
            _ => Err(self.exceeded(kind, 1, used, limit)),
        }
    }

    fn add_fuel(&self, burnt: u64, used: u64) -> Result<u64, ResourceError> {
        let limit = self.limits.max_fuel;
        match used.checked_add(burnt) {
            Some(total) if total <= limit => Ok(total),
            _ => Err(self.exceeded(LimitKind::Fuel, burnt, used, limit)),
        }
    }

    fn add_time(&self, spent: Duration) -> Result<Duration, ResourceError> {
        let used = self.usage.execution_time;
        let total = used.checked_add(spent);
        match (total, self.limits.max_execution_time) {
            (Some(total), None) => Ok(total),
            (Some(total), Some(limit)) if total <= limit => Ok(total),
            (_, limit) => {
                let limit = limit.unwrap_or(Duration::MAX);
                log::debug!(
                    "{}: max_execution_time: {spent:?} requested, {used:?} used, limit {limit:?}",
                    self.id
                );
                Err(ResourceError::ExecutionTimeExceeded {
                    component: self.id,
                    requested: spent,
                    used,
                    limit,
                })
            }
        }
    }

    fn sub(&self, kind: LimitKind, requested: usize, used: usize) -> Result<usize, ResourceError> {
        used.checked_sub(requested)
            .ok_or(ResourceError::ReleaseExceedsUsage {
                component: self.id,
                kind,
                requested: wide(requested),
                used: wide(used),
            })
    }

    /// Growth needs something to grow: `count` memories or tables of `kind` exist.
    #[inline]
    fn existing(
        &self,
        kind: LimitKind,
        count: usize,
        requested: usize,
    ) -> Result<(), ResourceError> {
        if count == 0 {
            return Err(self.nothing_to_grow(kind, requested));
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn nothing_to_grow(&self, kind: LimitKind, requested: usize) -> ResourceError {
        ResourceError::NothingToGrow {
            component: self.id,
            kind,
            requested: wide(requested),
        }
    }

    /// Out of line, with its log: the granted path of every check is a compare.
    #[cold]
    #[inline(never)]
    fn exceeded(&self, kind: LimitKind, requested: u64, used: u64, limit: u64) -> ResourceError {
        log::debug!(
            "{}: {kind}: {requested} requested, {used} used, limit {limit}",
            self.id
        );
        ResourceError::LimitExceeded {
            component: self.id,
            kind,
            requested,
            used,
            limit,
        }
    }
}

fn wide(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// The operations a runtime calls for one component, each one [`UsageChange`] applied with
/// `self.apply`. [`ComponentResourceManager`] and
/// [`ComponentAccount`](crate::ComponentAccount) both offer them; generating both sets from
/// this one list means they can never differ in which operations exist or which change each
/// one makes. `$budget` is appended to the rustdoc of the operations that move memory bytes.
macro_rules! usage_operations {
    ($budget:literal) => {
        #[doc = concat!(
            "A new linear memory of `initial_bytes`, as instantiation or a `memory` ",
            "definition creates it: counts against `max_memories` and `max_memory`.",
            $budget
        )]
        pub fn create_memory(&mut self, initial_bytes: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::CreateMemory(initial_bytes))
        }

        #[doc = concat!(
            "`bytes` more linear memory, as `memory.grow` asks: counts against `max_memory`.",
            $budget
        )]
        pub fn allocate_memory(&mut self, bytes: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::AllocateMemory(bytes))
        }

        #[doc = concat!(
            "Gives back `bytes` of linear memory; refused when that is more than the linear ",
            "memory held, so it can never eat into the bytes charged for resources.",
            $budget
        )]
        pub fn release_memory(&mut self, bytes: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::ReleaseMemory(bytes))
        }

        #[doc = concat!(
            "Drops a linear memory of `bytes`: frees the bytes and the memory's count.",
            $budget
        )]
        pub fn destroy_memory(&mut self, bytes: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::DestroyMemory(bytes))
        }

        /// A new table of `initial_elements`: counts against `max_tables` and
        /// `max_table_size`.
        pub fn create_table(&mut self, initial_elements: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::CreateTable(initial_elements))
        }

        /// `elements` more table elements, as `table.grow` asks: counts against
        /// `max_table_size`.
        pub fn grow_table(&mut self, elements: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::GrowTable(elements))
        }

        /// Drops a table of `elements`: frees the elements and the table's count.
        pub fn destroy_table(&mut self, elements: usize) -> Result<(), ResourceError> {
            self.apply(UsageChange::DestroyTable(elements))
        }

        /// A new core module or component instance: counts against `max_instances`.
        pub fn add_instance(&mut self) -> Result<(), ResourceError> {
            self.apply(UsageChange::AddInstance)
        }

        /// An instance gone.
        pub fn remove_instance(&mut self) -> Result<(), ResourceError> {
            self.apply(UsageChange::RemoveInstance)
        }

        /// One function call; refused once `max_function_calls` were made this period.
        pub fn record_function_call(&mut self) -> Result<(), ResourceError> {
            self.apply(UsageChange::FunctionCall)
        }

        /// One host call; refused once `max_host_calls` were made this period.
        pub fn record_host_call(&mut self) -> Result<(), ResourceError> {
            self.apply(UsageChange::HostCall)
        }

        /// Charges `spent` execution time; refused when it would pass `max_execution_time`
        /// (the runtime should then stop the component).
        pub fn charge_execution_time(&mut self, spent: Duration) -> Result<(), ResourceError> {
            self.apply(UsageChange::ExecutionTime(spent))
        }

        /// Books `burnt` fuel; refused when it would pass `max_fuel`.
        pub fn charge_fuel(&mut self, burnt: u64) -> Result<(), ResourceError> {
            self.apply(UsageChange::Fuel(burnt))
        }
    };
}
pub(crate) use usage_operations;

#[cfg(test)]
#[path = "component_manager_tests.rs"]
mod tests;
