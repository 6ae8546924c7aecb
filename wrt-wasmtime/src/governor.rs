//! [`Governor`]: one store's wrt limiter as wasmtime sees it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wasmtime::{Module, ResourceLimiter};
use wrt_component::engine::{Growth, RefusalPolicy, SharedBudget, StoreLimiter};
use wrt_component::{ComponentId, ResourceError, ResourceLimits};
use wrt_foundation::clock::StdClock;
use wrt_foundation::{Clock, Timestamp};
use wrt_metrics::{MetricsSource, Report};

use crate::call_sites::{CallSites, KnownCode, Site};
use crate::trap::LimitTrap;

/// The engine-neutral [`StoreLimiter`] of one store, with the clock and fuel bookkeeping that
/// wasmtime's hooks need. It lives in the store's data ([`Governed`](crate::Governed)), so
/// dropping the store drops it and returns its charges to the shared budget.
pub struct Governor {
    limiter: StoreLimiter<Arc<SharedBudget>>,
    clock: Box<dyn Clock + Send + Sync>,
    running_since: Option<Timestamp>,
    wasm_depth: u32,
    fuel_given: u64,
    /// Whether the store meters fuel (only then is there fuel to book).
    fuel_on: bool,
    /// The crossing from Wasm to the host that is under way, if any.
    crossing: Crossing,
    /// The engine's ticks, and the tick at which the store's epoch deadline falls: once it
    /// is reached, wasmtime's next epoch check is a crossing through the call hook.
    epochs: Option<Arc<AtomicU64>>,
    epoch_deadline: u64,
    /// Whether the store's call hook is on: it then counts Wasm entries, time and fuel.
    call_hook_on: bool,
    /// Whether the call hook counts host calls too, and the functions of a `CountingLinker`
    /// leave the count to it: once an instance in the store can reach a host function that
    /// does not count itself.
    hook_counts_host_calls: bool,
    /// The call sites of the store's admitted code: past `max_host_calls`, where a crossing
    /// left Wasm tells an import from wasmtime's own crossing.
    known_code: KnownCode,
}

/// What the call hook made of the crossing from Wasm to the host under way.
///
/// wasmtime reports its own libcalls (`memory.grow`, `table.grow`, the epoch check, running
/// out of fuel) through the same hook as imports. Under the limit they are told apart by
/// what they do next: an epoch callback inside the crossing shows it was the engine's; a
/// growth callback may be the engine's `memory.grow` or a host function growing a memory
/// itself, so where the crossing left Wasm decides at its return. Past the limit, where it
/// left Wasm decides at once, where that code's call sites are known
/// ([`Governor::calling_host`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crossing {
    /// None under way, or one already shown to be an import or the engine's.
    None,
    /// Counted as a host call, taken back if it proves to be the engine's.
    Counted,
    /// Counted, and something in it grew (or failed to grow) a memory or table: wasmtime's
    /// growth, or a host function's. Taken back at the return unless the crossing left Wasm
    /// at a call instruction (or from no Wasm at all), where only a host function runs.
    Grew,
    /// One host call more than `max_host_calls` allows, made while an epoch check was due,
    /// so it may be wasmtime's: refused as soon as it shows itself to be an import (it calls
    /// a [`CountingLinker`](crate::CountingLinker) function, enters Wasm, or returns without
    /// an engine callback), never if it is the epoch check.
    OverLimit,
}

impl core::fmt::Debug for Governor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Governor")
            .field("limiter", &self.limiter)
            .field("running_since", &self.running_since)
            .field("wasm_depth", &self.wasm_depth)
            .field("fuel_given", &self.fuel_given)
            .field("call_hook_on", &self.call_hook_on)
            .field("hook_counts_host_calls", &self.hook_counts_host_calls)
            .finish_non_exhaustive()
    }
}

impl Governor {
    /// A governor for `component` under `limits`, drawing from `budget`, timed by the
    /// system's monotonic clock.
    pub fn new(
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
        budget: Arc<SharedBudget>,
    ) -> Self {
        Self::with_clock(component, limits, policy, budget, Box::new(StdClock::new()))
    }

    /// The same with another [`Clock`] (a tick counter on a device, a manual clock in tests).
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
            crossing: Crossing::None,
            epochs: None,
            epoch_deadline: 0,
            call_hook_on: false,
            hook_counts_host_calls: false,
            known_code: KnownCode::default(),
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
        // Only an import enters Wasm from inside a crossing.
        if core::mem::replace(&mut self.crossing, Crossing::None) == Crossing::OverLimit {
            return self.limiter.host_calling();
        }
        self.limiter.wasm_entering()?;
        if self.wasm_depth == 0 {
            self.running_since = Some(self.clock.now());
        }
        self.wasm_depth = self.wasm_depth.saturating_add(1);
        Ok(())
    }

    /// Wasm returns to the host: at the outermost return, the time since the last charge is
    /// charged, the fuel burnt is booked and an instantiation's creations resume.
    pub(crate) fn returning_from_wasm(
        &mut self,
        fuel_left: Option<u64>,
    ) -> Result<(), ResourceError> {
        self.wasm_depth = self.wasm_depth.saturating_sub(1);
        if self.wasm_depth > 0 {
            return Ok(());
        }
        self.limiter.wasm_returned();
        let time = self.charge_elapsed();
        self.running_since = None;
        let fuel = fuel_left.map_or(Ok(()), |left| self.book_fuel(left));
        time.and(fuel)
    }

    /// The store's epoch deadline is one tick from now (as wasmtime's is, when it is set to
    /// 1 or continued by 1).
    pub(crate) fn watch_epochs(&mut self, ticks: Arc<AtomicU64>) {
        self.epochs = Some(ticks);
        self.epoch_deadline_renewed();
    }

    /// wasmtime's deadline moved to one tick from now: so does the one kept here.
    fn epoch_deadline_renewed(&mut self) {
        if let Some(ticks) = &self.epochs {
            self.epoch_deadline = ticks.load(Ordering::Acquire).saturating_add(1);
        }
    }

    /// Whether wasmtime's next epoch check calls out: its deadline is reached.
    fn epoch_due(&self) -> bool {
        self.epochs
            .as_ref()
            .is_some_and(|ticks| ticks.load(Ordering::Acquire) >= self.epoch_deadline)
    }

    /// An epoch tick passed while Wasm runs: charge the time since the last charge.
    pub(crate) fn epoch_tick(&mut self) -> Result<(), ResourceError> {
        self.engine_crossing();
        self.epoch_deadline_renewed();
        self.charge_elapsed()
    }

    /// The common crossing, decided with nothing read from the store: in a store without
    /// fuel, either the hook does not count host calls or there is room under the limit.
    /// `None` when the crossing needs [`host_crossing`](Self::host_crossing) (the fuel
    /// left, or where it left Wasm).
    #[inline]
    pub(crate) fn host_crossing_at_once(&mut self) -> Option<Result<(), ResourceError>> {
        if self.fuel_on {
            return None;
        }
        if !self.hook_counts_host_calls {
            return Some(Ok(()));
        }
        self.limiter
            .host_call_fits()
            .then(|| self.calling_host(None))
    }

    /// Wasm leaves for the host, as the call hook sees it: an import or one of wasmtime's
    /// own libcalls. `fuel_left` is what the store holds, when it meters fuel.
    ///
    /// A store left with no fuel has burnt the spare unit past `max_fuel`: whichever the
    /// crossing is (wasmtime's out-of-fuel stop, or an import called after the last unit),
    /// it is refused for fuel here, before an import could run, and not counted as a host
    /// call. Otherwise it is counted as a host call only where the hook counts them
    /// ([`calling_host`](Self::calling_host)); elsewhere every import counts itself and no
    /// crossing of the engine's is ever taken for one.
    #[inline]
    pub(crate) fn host_crossing(
        &mut self,
        fuel_left: Option<u64>,
        site: Option<Site>,
    ) -> Result<(), ResourceError> {
        if fuel_left == Some(0) {
            self.book_fuel(0)?;
        }
        if self.hook_counts_host_calls {
            return self.calling_host(site);
        }
        Ok(())
    }

    /// Whether the hook should find out where the crossing it is reporting left Wasm (a
    /// backtrace, a few microseconds): only past `max_host_calls`, where the answer decides
    /// between refusing an import and letting wasmtime's own crossing through (a crossing
    /// from no Wasm at all is a host function the host called itself, whatever code the
    /// store runs).
    #[inline]
    pub(crate) fn wants_crossing_site(&self) -> bool {
        self.hook_counts_host_calls && !self.limiter.host_call_fits()
    }

    /// `module` is instantiated in this store; `sites` are its call sites, if read.
    pub(crate) fn runs_module(&mut self, module: &Module, sites: Option<&CallSites>) {
        self.known_code.add_module(module, sites);
    }

    /// An admitted component is instantiated in this store; `sites` are its call sites.
    pub(crate) fn runs_component(&mut self, sites: Option<&CallSites>) {
        self.known_code.add_component(sites);
    }

    /// Code nobody has read is instantiated in this store (through
    /// [`instantiating`](crate::instantiating)).
    pub(crate) fn runs_unread_code(&mut self) {
        self.known_code.add_unread();
    }

    /// A crossing in a store whose hook counts host calls: counted as a host call until it
    /// shows itself to be one of the engine's own libcalls.
    ///
    /// One over `max_host_calls` is decided by `site`, where the crossing left Wasm: from no
    /// Wasm at all it is a host function the host called itself, refused before it runs.
    /// Where that code's call sites are known (an admitted module or component): at a call
    /// instruction it is an import, refused before its function runs; anywhere else it is
    /// wasmtime's own (a growth, `elem.drop`, the epoch check) and goes through uncounted.
    /// Otherwise (code instantiated through `instantiating`) it is refused at once, unless
    /// an epoch check is due: an epoch tick after the last allowed import must not trap as
    /// a host call, so that crossing is refused only once it shows itself to be an import.
    ///
    /// What this cannot tell: under the limit, an `elem.drop`, a `memory.grow 0` and a
    /// `table.grow 0` (wasmtime answers a growth by 0 without asking the limiter) are
    /// counted as host calls, and in code whose call sites are not known a host function
    /// that grows a memory or table is taken for wasmtime's growth and not counted; past
    /// the limit, in such code, a `memory.grow`, `table.grow` or `elem.drop` is refused as
    /// a host call, and an import through a plain linker called while an epoch check is due
    /// runs before it is refused at its return. Refusing too early is the safe side of the
    /// choice.
    #[inline]
    fn calling_host(&mut self, site: Option<Site>) -> Result<(), ResourceError> {
        self.crossing = Crossing::None;
        if self.limiter.host_call_fits() {
            self.limiter.host_calling()?;
            self.crossing = Crossing::Counted;
        } else if let Some(at_call) = site.and_then(|site| self.known_code.is_host_call_at(&site)) {
            if at_call {
                return self.limiter.host_calling();
            }
        } else if self.epoch_due() {
            self.crossing = Crossing::OverLimit;
        } else {
            return self.limiter.host_calling();
        }
        Ok(())
    }

    /// A `CountingLinker` function was called: one host call, unless the call hook, which
    /// sees every call, has counted it already.
    #[inline]
    pub(crate) fn import_calling(&mut self) -> Result<(), ResourceError> {
        if !self.hook_counts_host_calls {
            return self.limiter.host_calling();
        }
        match core::mem::replace(&mut self.crossing, Crossing::None) {
            // Refused before the function runs.
            Crossing::OverLimit => self.limiter.host_calling(),
            Crossing::Counted | Crossing::Grew | Crossing::None => Ok(()),
        }
    }

    /// The store's call hook is on from now.
    pub(crate) fn call_hook_installed(&mut self) {
        self.call_hook_on = true;
    }

    /// An instance of the store can reach a host function that does not count itself: from
    /// now on the call hook (which must be on) counts host calls.
    pub(crate) fn hook_counts_host_calls(&mut self) {
        self.hook_counts_host_calls = true;
    }

    /// Whether the call hook counts host calls: from the instantiation of the first code in
    /// the store that can reach a host function that does not count itself (a plain
    /// linker's import, a function handed in). Until then every import counts itself.
    pub const fn hook_counts(&self) -> bool {
        self.hook_counts_host_calls
    }

    /// Whether the store's call hook is on. Without it (a store from
    /// [`GovernedEngine::store_counting_imports`](crate::GovernedEngine::store_counting_imports)
    /// whose instances all came from a [`CountingLinker`](crate::CountingLinker)), host
    /// calls are counted by the imports, and entries into Wasm, the time and the fuel they
    /// take are not counted: such a store is refused any limit on them.
    pub const fn call_hook_on(&self) -> bool {
        self.call_hook_on
    }

    /// The host returns to Wasm, which settles any growth made in the crossing (wasmtime
    /// runs this after a trapping crossing too). A crossing over `max_host_calls` that showed no sign of
    /// being the engine's was an import through a plain linker: its function has run, and
    /// its result is refused with a trap (a [`CountingLinker`](crate::CountingLinker)
    /// function is refused before it runs).
    ///
    /// `None` when the crossing grew something: then where it left Wasm decides
    /// ([`grown_crossing_returning`](Self::grown_crossing_returning)).
    #[inline]
    pub(crate) fn returning_from_host(&mut self) -> Option<Result<(), ResourceError>> {
        if self.crossing == Crossing::Grew {
            return None;
        }
        self.limiter.growth_settled();
        if core::mem::replace(&mut self.crossing, Crossing::None) == Crossing::OverLimit {
            return Some(self.limiter.host_calling());
        }
        Some(Ok(()))
    }

    /// The host returns to Wasm from a counted crossing in which a memory or table grew,
    /// which left Wasm at `site`. At a call instruction (or from no Wasm at all) a host
    /// function ran and grew it: the crossing stays a host call. Anywhere else it was
    /// wasmtime's `memory.grow` or `table.grow`, and is taken back; so it is where the code
    /// is not known (code nobody read), the side that keeps growth from counting as host
    /// calls.
    pub(crate) fn grown_crossing_returning(&mut self, site: &Site) {
        self.limiter.growth_settled();
        self.crossing = Crossing::None;
        if self.known_code.is_host_call_at(site) != Some(true) {
            self.limiter.engine_call();
        }
    }

    /// Whether a failure report may give a permit's charge back. wasmtime also reports
    /// failures it never asked about (a table growth that overflows), so a failure refunds
    /// only where the call hook brackets each of wasmtime's growths and closes the permit
    /// after it ([`StoreLimiter::growth_settled`]). Without the hook nothing separates one
    /// growth from the next, so a failed growth keeps its charge: the ledger then holds more
    /// than the store, never less.
    const fn refunds_failures(&self) -> bool {
        self.call_hook_on
    }

    /// The crossing under way is one of wasmtime's libcalls (the epoch check): not a host
    /// call.
    #[inline]
    fn engine_crossing(&mut self) {
        if matches!(
            core::mem::replace(&mut self.crossing, Crossing::None),
            Crossing::Counted | Crossing::Grew
        ) {
            self.limiter.engine_call();
        }
    }

    /// A memory or table grows (or failed to) in the crossing under way. A counted crossing
    /// is decided at its return ([`Crossing::Grew`]); one over the limit that was let through
    /// as possibly the epoch check was the engine's after all, as a host function past the
    /// limit of code whose call sites are known never runs.
    #[inline]
    fn growth_crossing(&mut self) {
        self.crossing = match self.crossing {
            Crossing::Counted | Crossing::Grew => Crossing::Grew,
            Crossing::OverLimit | Crossing::None => Crossing::None,
        };
    }

    /// The store meters fuel: from now on it is handed fuel and its burning is booked.
    pub(crate) fn meter_fuel(&mut self) {
        self.fuel_on = true;
    }

    /// The fuel the store should hold now, when it is for the governor to say: in a store
    /// that meters fuel, outside Wasm or at the host's entry into it (not at an import's
    /// call back into Wasm, which runs on the fuel of the call it is part of). One unit more
    /// than the period has left: the spare [`book_fuel`](Self::book_fuel) reads.
    pub(crate) fn fuel_wanted(&self) -> Option<u64> {
        (self.fuel_on && self.wasm_depth <= 1).then(|| self.limiter.fuel_left().saturating_add(1))
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

    /// Books what was burnt since the fuel was handed over.
    ///
    /// The store holds one unit more than the limit allows
    /// ([`fuel_wanted`](Self::fuel_wanted)), because an empty store is all wasmtime shows
    /// here: it does not say whether the call ended on its last unit or ran out, and its own
    /// check refuses at zero left. With the spare, a store left empty burnt more than
    /// allowed, and that is recorded as a refusal of one more unit; a call that ended on its
    /// last allowed unit leaves the spare and is booked in full.
    /// A program can burn the spare before wasmtime's next fuel check stops it (those checks
    /// are at function entries and loop headers, so any straight stretch may pass the limit
    /// by its length anyway), but it never returns a result: its call ends in the refusal.
    /// A store already empty at the last booking (the refusal was recorded then, at the
    /// crossing that found it empty) burnt nothing since and is not refused again.
    fn book_fuel(&mut self, left: u64) -> Result<(), ResourceError> {
        let given = self.fuel_given;
        let burnt = given.saturating_sub(left);
        self.fuel_given = left;
        let allowed = self.limiter.fuel_left();
        self.limiter.charge_fuel(burnt.min(allowed))?;
        if left == 0 && given > 0 && self.limiter.limits().max_fuel != u64::MAX {
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
}

fn answer(growth: Growth) -> wasmtime::Result<bool> {
    match growth {
        Growth::Permitted => Ok(true),
        Growth::Denied => Ok(false),
        Growth::Trapped(refusal) => Err(LimitTrap::error(refusal)),
    }
}

/// wasmtime asks before every memory and table creation and growth.
impl ResourceLimiter for Governor {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.growth_crossing();
        answer(self.limiter.memory_growing(current, desired, maximum))
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        log::debug!("memory growth failed: {error}");
        self.growth_crossing();
        if self.refunds_failures() {
            self.limiter.memory_grow_failed();
        }
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.growth_crossing();
        answer(self.limiter.table_growing(current, desired, maximum))
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        log::debug!("table growth failed: {error}");
        self.growth_crossing();
        if self.refunds_failures() {
            self.limiter.table_grow_failed();
        }
        Ok(())
    }

    // The counts are the ledger's: it refuses an instance, memory or table over its limit
    // when it is created, with the refusal recorded, and gives back an instantiation that
    // failed before anything was built. The engine's own counts never give back and would
    // refuse without a record, so they are set where they never bind.
    fn instances(&self) -> usize {
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
