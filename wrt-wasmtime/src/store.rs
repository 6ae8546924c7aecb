//! [`Governed`]: the data of a governed store, and the hooks installed on it.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use wasmtime::{
    AsContextMut, CallHook, Instance, Linker, Store, StoreContextMut, UpdateDeadline, WasmBacktrace,
};

use crate::call_sites::Site;
use crate::gate::{AdmittedComponent, AdmittedModule};
use crate::governor::Governor;
use crate::reach::reaches_uncounted_host;
use crate::trap::LimitTrap;

/// Store data that holds a [`Governor`]: implement it on your own store data type (next to
/// a WASI context, host state), or use [`Governed`].
pub trait HasGovernor {
    /// The store's governor.
    fn governor(&mut self) -> &mut Governor;
}

/// The simplest governed store data: the [`Governor`] and the embedder's own data.
#[derive(Debug)]
pub struct Governed<T> {
    /// The store's limiter.
    pub governor: Governor,
    /// The embedder's data.
    pub data: T,
}

impl<T> HasGovernor for Governed<T> {
    fn governor(&mut self) -> &mut Governor {
        &mut self.governor
    }
}

/// Installs the limiter, the call hook (if `hook`) and the epoch deadline (one tick of
/// `ticks` from now), and hands out the fuel (or, on an engine without fuel, tells the
/// limiter that a `max_fuel` cannot be held).
pub(crate) fn install<T: HasGovernor + Send + 'static>(
    store: &mut Store<T>,
    fuel: bool,
    hook: bool,
    ticks: Arc<AtomicU64>,
) {
    store.limiter(|state| state.governor());
    if hook {
        install_call_hook(store);
    }
    store.set_epoch_deadline(1);
    store.data_mut().governor().watch_epochs(ticks);
    store.epoch_deadline_callback(|mut context: StoreContextMut<'_, T>| {
        context
            .data_mut()
            .governor()
            .epoch_tick()
            .map(|()| UpdateDeadline::Continue(1))
            .map_err(LimitTrap::error)
    });
    if fuel {
        store.data_mut().governor().meter_fuel();
        refuel(&mut store.as_context_mut());
    } else {
        // A max_fuel nothing meters is refused at every instantiation and Wasm entry.
        store.data_mut().governor().limiter_mut().fuel_not_metered();
    }
}

/// Puts the call hook on: it counts Wasm entries, time and fuel, and host calls once
/// [`hook_counts_host_calls`] says so.
fn install_call_hook<T: HasGovernor + 'static>(store: &mut Store<T>) {
    store.call_hook(call_hook);
    store.data_mut().governor().call_hook_installed();
}

/// Runs twice per host call, so the two host arms are a few instructions with no stack
/// frame; the Wasm arms (once per entry from the host, with clock and fuel reads) and every
/// refusal are out of line.
#[inline]
fn call_hook<T: HasGovernor>(
    mut context: StoreContextMut<'_, T>,
    hook: CallHook,
) -> wasmtime::Result<()> {
    match hook {
        CallHook::CallingHost => match context.data_mut().governor().host_crossing_at_once() {
            Some(crossed) => crossed.map_err(LimitTrap::error),
            None => host_crossing(context),
        },
        CallHook::ReturningFromHost => match context.data_mut().governor().returning_from_host() {
            Some(returned) => returned.map_err(LimitTrap::error),
            None => grown_crossing_returning(context),
        },
        CallHook::CallingWasm => wasm_crossing(context, true),
        CallHook::ReturningFromWasm => wasm_crossing(context, false),
    }
}

/// A crossing that needs to know what the store holds: the fuel left (in a store that
/// meters it) and, past `max_host_calls`, where the crossing left Wasm.
#[inline(never)]
fn host_crossing<T: HasGovernor>(mut context: StoreContextMut<'_, T>) -> wasmtime::Result<()> {
    let governor = context.data_mut().governor();
    let (fuel_on, wants_site) = (governor.fuel_on(), governor.wants_crossing_site());
    // Reading the fuel of a store without fuel builds an error: ask only when on.
    let fuel_left = if fuel_on {
        context.get_fuel().ok()
    } else {
        None
    };
    let site = if wants_site {
        Some(crossing_site(&context))
    } else {
        None
    };
    context
        .data_mut()
        .governor()
        .host_crossing(fuel_left, site)
        .map_err(LimitTrap::error)
}

/// The return of a counted crossing that grew a memory or table: where it left Wasm tells
/// wasmtime's growth from a host function's (growths are rare, so the backtrace is too).
#[cold]
#[inline(never)]
fn grown_crossing_returning<T: HasGovernor>(
    mut context: StoreContextMut<'_, T>,
) -> wasmtime::Result<()> {
    let site = crossing_site(&context);
    context
        .data_mut()
        .governor()
        .grown_crossing_returning(&site);
    Ok(())
}

/// Where the crossing under way left Wasm: the module and offset of the innermost Wasm
/// frame's instruction (a call for an import; a growth, `elem.drop`, loop header or function
/// start for wasmtime's own), or no Wasm frame at all (the host called a host function
/// itself). Captured whatever the engine's backtrace setting, which only shapes traps.
#[cold]
#[inline(never)]
fn crossing_site<T>(context: &StoreContextMut<'_, T>) -> Site {
    let backtrace = WasmBacktrace::force_capture(context);
    match backtrace.frames().first() {
        None => Site::NoWasm,
        Some(frame) => match frame.module_offset() {
            Some(offset) => Site::At(frame.module().clone(), offset),
            None => Site::Unknown,
        },
    }
}

/// Fills the store's fuel with what the period has left (and the spare unit the booking
/// needs, see [`Governor::book_fuel`]), when the governor asks for it: when the store is
/// made, and at every entry from the host, so that a new period
/// ([`reset_period`](wrt_component::engine::StoreLimiter::reset_period)) or a refused call
/// leaves the store holding what the ledger allows, no more and no less.
fn refuel<T: HasGovernor>(context: &mut StoreContextMut<'_, T>) {
    if let Some(wanted) = context.data_mut().governor().fuel_wanted() {
        // `set_fuel` only fails when fuel is off, and it is on here; what the store really
        // holds (wasmtime caps it internally) is what the booking counts from.
        let _ = context.set_fuel(wanted);
        let given = context.get_fuel().unwrap_or(0);
        context.data_mut().governor().fuel_given(given);
    }
}

#[inline(never)]
fn wasm_crossing<T: HasGovernor>(
    mut context: StoreContextMut<'_, T>,
    entering: bool,
) -> wasmtime::Result<()> {
    let outcome = if entering {
        let entered = context.data_mut().governor().entering_wasm();
        if entered.is_ok() {
            refuel(&mut context);
        }
        entered
    } else {
        // Reading the fuel of a store without fuel builds an error: ask only when on.
        let fuel_left = if context.data_mut().governor().fuel_on() {
            context.get_fuel().ok()
        } else {
            None
        };
        context.data_mut().governor().returning_from_wasm(fuel_left)
    };
    outcome.map_err(LimitTrap::error)
}

/// Runs `instantiate` as one instantiation of the store's component: counts it against
/// `max_instances` first (and gives it back if it fails before the engine built anything
/// of it, as a link error does), and tells the limiter that growths from zero are
/// creations while it runs. Use it for linkers of any kind; [`instantiate`] (core modules)
/// and [`instantiate_component`] (components, WASI command components) are the shorthands
/// for admitted binaries, and know more (below).
///
/// The imports of such a linker do not count themselves, so from here on the store's call
/// hook counts host calls (a store made without it,
/// [`GovernedEngine::store_counting_imports`](crate::GovernedEngine::store_counting_imports),
/// gets it first): they are counted whichever linker is used. The code instantiated here is
/// not seen, so past `max_host_calls` no crossing of the store's code that is not known
/// otherwise can be told from an import: each is refused, the safe side.
pub fn instantiating<T: HasGovernor + 'static, R>(
    store: &mut Store<T>,
    instantiate: impl FnOnce(&mut Store<T>) -> wasmtime::Result<R>,
) -> wasmtime::Result<R> {
    store.data_mut().governor().runs_unread_code();
    hook_counts_host_calls(store);
    instantiating_counted(store, instantiate)
}

/// Instantiates an admitted component in a governed store, as [`instantiating`] does, and
/// tells the governor the component's call sites: past `max_host_calls`, a crossing of its
/// code at a call instruction is an import, refused before it runs, and any other (a
/// `memory.grow`, say) is wasmtime's own and goes through.
///
/// ```
/// use wasmtime::component::Linker;
/// use wrt_component::{ComponentId, ResourceLimits};
/// use wrt_wasmtime::{AdmittedComponent, EngineOptions, GovernedEngine, instantiate_component};
///
/// let engine = GovernedEngine::new(EngineOptions::default())?;
/// // No host call allowed; the component's `memory.grow` is not one.
/// let limits = ResourceLimits { max_host_calls: 0, ..ResourceLimits::default() };
/// let wasm = wat::parse_str(r#"(component
///     (core module $m (memory 1)
///       (func (export "grow") (result i32) (memory.grow (i32.const 1))))
///     (core instance $i (instantiate $m))
///     (func (export "grow") (result s32) (canon lift (core func $i "grow"))))"#)?;
/// let component = AdmittedComponent::new(engine.engine(), &wasm, &limits)?;
/// let mut store = engine.store(engine.governor(ComponentId(1), limits), ());
/// let linker = Linker::new(engine.engine());
/// let instance = instantiate_component(&mut store, &linker, &component)?;
/// let grow = instance.get_typed_func::<(), (i32,)>(&mut store, "grow")?;
/// assert_eq!(grow.call(&mut store, ())?, (1,));
/// assert_eq!(store.data().governor.limiter().usage().host_calls_made, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn instantiate_component<T: HasGovernor + 'static>(
    store: &mut Store<T>,
    linker: &wasmtime::component::Linker<T>,
    component: &AdmittedComponent,
) -> wasmtime::Result<wasmtime::component::Instance> {
    store
        .data_mut()
        .governor()
        .runs_component(component.call_sites());
    hook_counts_host_calls(store);
    instantiating_counted(store, |store| {
        linker.instantiate(&mut *store, component.component())
    })
}

/// From now on the store's call hook counts host calls: an instance is about to be able to
/// reach a host function that does not count itself.
pub(crate) fn hook_counts_host_calls<T: HasGovernor + 'static>(store: &mut Store<T>) {
    if !store.data_mut().governor().call_hook_on() {
        install_call_hook(store);
    }
    store.data_mut().governor().hook_counts_host_calls();
}

/// Prepares the store for an instance of `module`: if its code can reach a host function
/// that does not count itself (see [`reaches_uncounted_host`]), the call hook counts host
/// calls from now on; and the governor learns the module's call sites, if admission read
/// them.
pub(crate) fn admit_reach<T: HasGovernor + 'static>(
    store: &mut Store<T>,
    module: &AdmittedModule,
    imports_count_themselves: bool,
) {
    store
        .data_mut()
        .governor()
        .runs_module(module.module(), module.call_sites());
    if reaches_uncounted_host(module.module(), imports_count_themselves) {
        hook_counts_host_calls(store);
    }
}

/// [`instantiating`] for a linker whose imports count themselves: the call hook is left as
/// it is.
pub(crate) fn instantiating_counted<T: HasGovernor, R>(
    store: &mut Store<T>,
    instantiate: impl FnOnce(&mut Store<T>) -> wasmtime::Result<R>,
) -> wasmtime::Result<R> {
    store
        .data_mut()
        .governor()
        .limiter_mut()
        .instantiation_starting()
        .map_err(LimitTrap::error)?;
    let result = instantiate(store);
    let limiter = store.data_mut().governor().limiter_mut();
    // A trap comes from the instance's start-up code (segments, start function): wasmtime
    // built the instance and keeps it, even where no call hook saw the code enter.
    if result
        .as_ref()
        .is_err_and(|error| error.is::<wasmtime::Trap>())
    {
        limiter.instance_built();
    }
    limiter.instantiation_ended(result.is_ok());
    result
}

/// Instantiates an admitted core module in a governed store.
///
/// The linker's functions do not count themselves, so if the module imports one (or can be
/// handed one: a table, a reference-typed global or parameter), the store's call hook
/// counts host calls from now on, as [`instantiating`] does. A module that can reach no
/// host function leaves the count as it is: every crossing of its code into the host is
/// then one of wasmtime's own (a `memory.grow`, say), never a host call.
pub fn instantiate<T: HasGovernor + 'static>(
    store: &mut Store<T>,
    linker: &Linker<T>,
    module: &AdmittedModule,
) -> wasmtime::Result<Instance> {
    admit_reach(store, module, false);
    instantiating_counted(store, |store| {
        linker.instantiate(store.as_context_mut(), module.module())
    })
}
