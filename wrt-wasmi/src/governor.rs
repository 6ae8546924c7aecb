//! [`Governor`]: one store's wrt limiter as wasmi sees it.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::cell::Cell;
use core::time::Duration;

use wasmi::ResourceLimiter;
use wasmi::errors::{MemoryError, TableError};
use wasmi_core::LimiterError;
use wrt_component::engine::{Growth, RefusalPolicy, SharedBudget, StoreLimiter};
use wrt_component::{ComponentId, ResourceError, ResourceLimits};
use wrt_foundation::{Clock, Timestamp};
use wrt_metrics::{MetricsSource, Report};

/// The engine-neutral [`StoreLimiter`] of one store, with the clock and fuel bookkeeping
/// that wasmi's hooks need. It lives in the store's data ([`Governed`](crate::Governed)), so
/// dropping the store drops it and returns its charges to the shared budget.
pub struct Governor {
    limiter: StoreLimiter<Arc<SharedBudget>>,
    clock: Box<dyn Clock + Send + Sync>,
    running_since: Option<Timestamp>,
    wasm_depth: u32,
    fuel_given: u64,
    /// Whether the store meters fuel (only then is there fuel to book).
    fuel_on: bool,
    /// The refusal behind the last growth the limiter answered with a trap: wasmi's
    /// `LimiterError` carries no payload, so the refusal waits here until
    /// [`call`](crate::call) turns the engine's trap into a [`LimitTrap`](crate::LimitTrap).
    pending_trap: Option<ResourceError>,
    /// wasmi asked for its instance limit, which it does right before it allocates an
    /// instance in the store: the instantiation under way keeps its instance even if it
    /// fails. A `Cell` because wasmi asks through `&self`.
    instance_allocated: Cell<bool>,
}

impl core::fmt::Debug for Governor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Governor")
            .field("limiter", &self.limiter)
            .field("running_since", &self.running_since)
            .field("wasm_depth", &self.wasm_depth)
            .field("fuel_given", &self.fuel_given)
            .field("pending_trap", &self.pending_trap)
            .finish_non_exhaustive()
    }
}

impl Governor {
    /// A governor for `component` under `limits`, drawing from `budget`, timed by the
    /// system's monotonic clock.
    #[cfg(feature = "std")]
    pub fn new(
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
        budget: Arc<SharedBudget>,
    ) -> Self {
        Self::with_clock(
            component,
            limits,
            policy,
            budget,
            Box::new(wrt_foundation::clock::StdClock::new()),
        )
    }

    /// The same with another [`Clock`]: a tick counter on a device (where there is no system
    /// clock, this is the constructor), a scripted clock in tests.
    pub fn with_clock(
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
        budget: Arc<SharedBudget>,
        clock: Box<dyn Clock + Send + Sync>,
    ) -> Self {
        Self {
            limiter: StoreLimiter::new(component, limits, policy, budget),
            clock,
            running_since: None,
            wasm_depth: 0,
            fuel_given: 0,
            fuel_on: false,
            pending_trap: None,
            instance_allocated: Cell::new(false),
        }
    }

    /// The limiter: usage, growth figures, refusals.
    pub const fn limiter(&self) -> &StoreLimiter<Arc<SharedBudget>> {
        &self.limiter
    }

    /// The limiter, for an adapter's own bookkeeping (instances, host resources).
    pub fn limiter_mut(&mut self) -> &mut StoreLimiter<Arc<SharedBudget>> {
        &mut self.limiter
    }

    /// The host enters Wasm: one function entry; the clock starts at the outermost entry.
    #[inline]
    pub(crate) fn entering_wasm(&mut self) -> Result<(), ResourceError> {
        self.limiter.wasm_entering()?;
        if self.wasm_depth == 0 {
            self.running_since = Some(self.clock.now());
        }
        self.wasm_depth = self.wasm_depth.saturating_add(1);
        Ok(())
    }

    /// Wasm returns to the host: the time since the last charge is charged; at the
    /// outermost return the clock stops (and an instantiation's creations resume).
    pub(crate) fn returning_from_wasm(&mut self) -> Result<(), ResourceError> {
        self.wasm_depth = self.wasm_depth.saturating_sub(1);
        let time = self.charge_elapsed();
        if self.wasm_depth == 0 {
            self.running_since = None;
            self.limiter.wasm_returned();
        }
        time
    }

    /// Wasm calls an import: one host call, and control is back with the host, so the time
    /// is charged too when there is a time limit to check.
    #[inline]
    pub(crate) fn calling_host(&mut self) -> Result<(), ResourceError> {
        self.limiter.host_calling()?;
        self.charge_elapsed_if_timed()
    }

    /// The import returns to Wasm: the time it took is charged before Wasm goes on, when
    /// there is a time limit to check.
    #[inline]
    pub(crate) fn returning_from_host(&mut self) -> Result<(), ResourceError> {
        self.charge_elapsed_if_timed()
    }

    /// Host crossings charge time only under a `max_execution_time`: a clock read costs
    /// more than a no-op import (4.96x the untimed host-call loop, measured), and without
    /// a limit there is nothing to stop. The time is then charged at Wasm's return, so the
    /// usage is the same once the call is over.
    #[inline]
    fn charge_elapsed_if_timed(&mut self) -> Result<(), ResourceError> {
        if self.limiter.limits().max_execution_time.is_some() {
            self.charge_elapsed()
        } else {
            Ok(())
        }
    }

    /// The store meters fuel: from now on it is handed fuel and its burning is booked.
    pub(crate) fn meter_fuel(&mut self) {
        self.fuel_on = true;
    }

    /// Fuel handed to the store; the next [`book_fuel`](Self::book_fuel) counts from it.
    pub(crate) fn fuel_given(&mut self, fuel: u64) {
        self.fuel_given = fuel;
    }

    /// Whether the store meters fuel.
    #[inline]
    pub(crate) const fn fuel_on(&self) -> bool {
        self.fuel_on
    }

    /// The refusal behind the last trapping growth, taken.
    pub(crate) fn take_pending_trap(&mut self) -> Option<ResourceError> {
        self.pending_trap.take()
    }

    /// Whether wasmi allocated an instance since the last time this was asked.
    pub(crate) fn take_instance_allocated(&mut self) -> bool {
        self.instance_allocated.take()
    }

    /// Books what was burnt since the fuel was handed over; `left` is what the store still
    /// holds.
    ///
    /// When wasmi stopped the program for want of fuel (`ran_out`), whatever is left is
    /// stranded — wasmi charges a basic block's fuel at its start, so a store can hold a few
    /// units too few for the next block — and is booked as burnt too; the caller then empties
    /// the store so the ledger and the engine agree. Running out is recorded as a refusal of
    /// one more unit, the least the program needed, as wrt-wasmtime records it. A call that
    /// burns exactly the fuel left did not run out: wasmi says which it was.
    pub(crate) fn book_fuel(&mut self, left: u64, ran_out: bool) -> Result<(), ResourceError> {
        let left = if ran_out { 0 } else { left };
        let burnt = self.fuel_given.saturating_sub(left);
        self.fuel_given = left;
        self.limiter.charge_fuel(burnt)?;
        if ran_out {
            return self.limiter.charge_fuel(1);
        }
        Ok(())
    }

    fn charge_elapsed(&mut self) -> Result<(), ResourceError> {
        let Some(since) = self.running_since else {
            return Ok(());
        };
        let now = self.clock.now();
        self.running_since = Some(now);
        let spent: Duration = now.saturating_duration_since(since);
        self.limiter.charge_time(spent)
    }

    /// wasmi's answer for the core's verdict. A trap cannot carry the refusal through
    /// `LimiterError`, so it is kept for [`take_pending_trap`](Self::take_pending_trap).
    fn answer(&mut self, growth: Growth) -> Result<bool, LimiterError> {
        match growth {
            Growth::Permitted => Ok(true),
            Growth::Denied => Ok(false),
            Growth::Trapped(refusal) => {
                self.pending_trap = Some(refusal);
                Err(LimiterError::ResourceLimiterDeniedAllocation)
            }
        }
    }
}

/// wasmi asks before every memory and table creation and growth.
impl ResourceLimiter for Governor {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        let growth = self.limiter.memory_growing(current, desired, maximum);
        self.answer(growth)
    }

    fn memory_grow_failed(&mut self, error: &MemoryError) -> Result<(), LimiterError> {
        log::debug!("memory growth failed after it was permitted: {error}");
        self.limiter.memory_grow_failed();
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, LimiterError> {
        let growth = self.limiter.table_growing(current, desired, maximum);
        self.answer(growth)
    }

    fn table_grow_failed(&mut self, error: &TableError) -> Result<(), LimiterError> {
        log::debug!("table growth failed after it was permitted: {error}");
        self.limiter.table_grow_failed();
        Ok(())
    }

    // The counts are the ledger's: it refuses an instance, memory or table over its limit
    // when it is created, with the refusal recorded, and gives back an instantiation that
    // failed before anything was built. The engine's own counts never give back and would
    // refuse without a record, so they are set where they never bind.
    fn instances(&self) -> usize {
        self.instance_allocated.set(true);
        usize::MAX
    }

    fn tables(&self) -> usize {
        usize::MAX
    }

    fn memories(&self) -> usize {
        usize::MAX
    }
}

/// The store's live usage, as the limiter keeps it.
impl MetricsSource for Governor {
    fn report(&self, report: &mut Report<'_>) {
        self.limiter.report(report);
    }
}
