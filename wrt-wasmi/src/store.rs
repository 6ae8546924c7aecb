//! [`Governed`]: the data of a governed store, the hooks installed on it, and the calls that
//! book what the hook cannot see.

use wasmi::errors::ErrorKind;
use wasmi::errors::{MemoryError, TableError};
use wasmi::{
    CallHook, Error, Instance, Linker, Store, TrapCode, TypedFunc, WasmParams, WasmResults,
};
use wrt_component::ResourceError;

use crate::gate::AdmittedModule;
use crate::governor::Governor;
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

/// Installs the limiter and the call hook, and hands out the fuel (or, on an engine without
/// fuel, tells the limiter that a `max_fuel` cannot be held).
pub(crate) fn install<T: HasGovernor + 'static>(store: &mut Store<T>, fuel: bool) {
    store.limiter(|state| state.governor());
    store.call_hook(call_hook);
    if fuel {
        store.data_mut().governor().meter_fuel();
        refuel(store);
    } else {
        // A max_fuel nothing meters is refused at every instantiation and Wasm entry.
        store.data_mut().governor().limiter_mut().fuel_not_metered();
    }
}

fn call_hook<T: HasGovernor>(data: &mut T, hook: CallHook) -> Result<(), Error> {
    let governor = data.governor();
    let outcome = match hook {
        CallHook::CallingWasm => governor.entering_wasm(),
        CallHook::ReturningFromWasm => governor.returning_from_wasm(),
        CallHook::CallingHost => governor.calling_host(),
        CallHook::ReturningFromHost => governor.returning_from_host(),
    };
    outcome.map_err(LimitTrap::error)
}

/// Fills the store's fuel with what the period has left: when the store is made, and before
/// every [`call`] and [`instantiating`], so that after a new period
/// ([`reset_period`](wrt_component::engine::StoreLimiter::reset_period)) or a refused call
/// the store holds what the ledger allows, no more and no less. (wasmi's call hook is given
/// the store's data only, so it cannot do this at every entry as wrt-wasmtime does.)
fn refuel<T: HasGovernor>(store: &mut Store<T>) {
    if !store.data_mut().governor().fuel_on() {
        return;
    }
    let wanted = store.data_mut().governor().limiter().fuel_left();
    // `set_fuel` only fails when fuel is off, and it is on here; what the store really holds
    // is what the booking counts from.
    let _ = store.set_fuel(wanted);
    let given = store.get_fuel().unwrap_or(0);
    store.data_mut().governor().fuel_given(given);
}

/// Books the fuel the store burnt since the last booking. [`call`] and [`instantiate`] do
/// it on return; call it yourself after calling a function straight through wasmi
/// (`Func::call`, `TypedFunc::call`), before reading the usage. The fuel limit holds
/// either way: the store never holds more than the fuel left (a call straight through wasmi
/// after a new period runs on what the last one left, until [`call`] refills the store).
///
/// # Errors
/// The fuel refusal when the store has run out (recorded as a refusal of one more unit).
pub fn settle<T: HasGovernor>(store: &mut Store<T>) -> Result<(), ResourceError> {
    book(store, false)
}

/// Books the fuel; `ran_out` when wasmi stopped the program for want of it.
fn book<T: HasGovernor>(store: &mut Store<T>, ran_out: bool) -> Result<(), ResourceError> {
    if !store.data_mut().governor().fuel_on() {
        return Ok(());
    }
    let left = store.get_fuel().unwrap_or(0);
    let booked = store.data_mut().governor().book_fuel(left, ran_out);
    if ran_out && left > 0 {
        // The stranded rest was booked as burnt: the store must not run on it.
        let _ = store.set_fuel(0);
    }
    booked
}

/// Whether `error` is wasmi's report of a growth the limiter refused with a trap.
fn limiter_trapped(error: &Error) -> bool {
    matches!(error.as_trap_code(), Some(TrapCode::GrowthOperationLimited))
        || matches!(
            error.kind(),
            ErrorKind::Memory(MemoryError::ResourceLimiterDeniedAllocation)
                | ErrorKind::Table(TableError::ResourceLimiterDeniedAllocation)
        )
}

/// Books the fuel after a call into the store and turns wasmi's payload-less reports of a
/// limit (a refused growth that traps, running out of fuel) into a [`LimitTrap`].
fn settled<T: HasGovernor, R>(store: &mut Store<T>, result: Result<R, Error>) -> Result<R, Error> {
    let ran_out =
        matches!(&result, Err(error) if error.as_trap_code() == Some(TrapCode::OutOfFuel));
    let booked = book(store, ran_out);
    let pending = store.data_mut().governor().take_pending_trap();
    match result {
        Ok(value) => booked.map(|()| value).map_err(LimitTrap::error),
        Err(error) => match (pending, booked) {
            (Some(refusal), _) if limiter_trapped(&error) => Err(LimitTrap::error(refusal)),
            (_, Err(refusal)) if ran_out => Err(LimitTrap::error(refusal)),
            _ => Err(error),
        },
    }
}

/// Calls `func` in a governed store and books what the call hook cannot see: the fuel
/// burnt, and the refusal behind a trap wasmi reports without one. A refusal comes back as
/// a [`LimitTrap`] error ([`limit_refusal`](crate::limit_refusal) reads it).
///
/// # Errors
/// The program's own trap, or the limit that stopped it.
pub fn call<T: HasGovernor, P: WasmParams, R: WasmResults>(
    store: &mut Store<T>,
    func: &TypedFunc<P, R>,
    params: P,
) -> Result<R, Error> {
    refuel(store);
    let result = func.call(&mut *store, params);
    settled(store, result)
}

/// Runs `instantiate` as one instantiation of the store's component: counts it against
/// `max_instances` first (and gives it back if it fails before the engine built anything
/// of it, as a link error does), and tells the limiter that growths from zero are
/// creations while it runs. Use it for linkers of any kind (WASI); [`instantiate`] is the shorthand.
///
/// # Errors
/// `max_instances` refused, or `instantiate`'s own error (with a limit's refusal as a
/// [`LimitTrap`]).
pub fn instantiating<T: HasGovernor, R>(
    store: &mut Store<T>,
    instantiate: impl FnOnce(&mut Store<T>) -> Result<R, Error>,
) -> Result<R, Error> {
    store
        .data_mut()
        .governor()
        .limiter_mut()
        .instantiation_starting()
        .map_err(LimitTrap::error)?;
    refuel(store);
    // Only an allocation made by this instantiation counts for it.
    store.data_mut().governor().take_instance_allocated();
    let result = instantiate(store);
    let governor = store.data_mut().governor();
    // wasmi allocates the instance before it reads the module's memories and segments, so
    // a failure after that leaves the instance in the store.
    if governor.take_instance_allocated() {
        governor.limiter_mut().instance_built();
    }
    governor.limiter_mut().instantiation_ended(result.is_ok());
    settled(store, result)
}

/// Instantiates an admitted module in a governed store and runs its start function
/// (wasmi 2's `Linker::instantiate_and_start`).
///
/// # Errors
/// A missing import, a refused limit, or a trap in the start function.
pub fn instantiate<T: HasGovernor>(
    store: &mut Store<T>,
    linker: &Linker<T>,
    module: &AdmittedModule,
) -> Result<Instance, Error> {
    instantiating(store, |store| {
        linker.instantiate_and_start(&mut *store, module.module())
    })
}
