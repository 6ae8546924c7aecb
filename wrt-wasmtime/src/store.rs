//! [`Governed`]: the data of a governed store, and the hooks installed on it.

use wasmtime::{AsContextMut, CallHook, Instance, Linker, Store, StoreContextMut, UpdateDeadline};

use crate::gate::AdmittedModule;
use crate::governor::Governor;
use crate::trap::LimitTrap;

/// What a governed store holds: the [`Governor`] and the embedder's own data (a WASI
/// context, host state).
#[derive(Debug)]
pub struct Governed<T> {
    /// The store's limiter.
    pub governor: Governor,
    /// The embedder's data.
    pub data: T,
}

/// Installs the limiter, the call hook and the epoch deadline, and hands out the fuel.
pub(crate) fn install<T: Send + 'static>(store: &mut Store<Governed<T>>, fuel: bool) {
    store.limiter(|state| &mut state.governor);
    store.call_hook(call_hook);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut context: StoreContextMut<'_, Governed<T>>| {
        context
            .data_mut()
            .governor
            .epoch_tick()
            .map(|()| UpdateDeadline::Continue(1))
            .map_err(LimitTrap::error)
    });
    if fuel {
        let wanted = store.data().governor.limiter().fuel_left();
        // `set_fuel` only fails when fuel is off, and it is on here; what the store really
        // holds (wasmtime caps it internally) is what later bookings count from.
        let _ = store.set_fuel(wanted);
        let given = store.get_fuel().unwrap_or(0);
        store.data_mut().governor.fuel_given(given);
    }
}

fn call_hook<T>(
    mut context: StoreContextMut<'_, Governed<T>>,
    hook: CallHook,
) -> wasmtime::Result<()> {
    let outcome = match hook {
        CallHook::CallingWasm => context.data_mut().governor.entering_wasm(),
        CallHook::ReturningFromWasm => {
            let fuel_left = context.get_fuel().ok();
            context.data_mut().governor.returning_from_wasm(fuel_left)
        }
        CallHook::CallingHost => context.data_mut().governor.limiter_mut().host_calling(),
        CallHook::ReturningFromHost => Ok(()),
    };
    outcome.map_err(LimitTrap::error)
}

/// Runs `instantiate` as one instantiation of the store's component: counts it against
/// `max_instances` first, and tells the limiter that growths from zero are creations while
/// it runs. Use it for components and linkers of any kind (WASI command components);
/// [`instantiate`] is the shorthand for core modules.
pub fn instantiating<T, R>(
    store: &mut Store<Governed<T>>,
    instantiate: impl FnOnce(&mut Store<Governed<T>>) -> wasmtime::Result<R>,
) -> wasmtime::Result<R> {
    store
        .data_mut()
        .governor
        .limiter_mut()
        .instance_creating()
        .map_err(LimitTrap::error)?;
    store
        .data_mut()
        .governor
        .limiter_mut()
        .set_instantiating(true);
    let result = instantiate(store);
    store
        .data_mut()
        .governor
        .limiter_mut()
        .set_instantiating(false);
    result
}

/// Instantiates an admitted core module in a governed store.
pub fn instantiate<T>(
    store: &mut Store<Governed<T>>,
    linker: &Linker<Governed<T>>,
    module: &AdmittedModule,
) -> wasmtime::Result<Instance> {
    instantiating(store, |store| {
        linker.instantiate(store.as_context_mut(), module.module())
    })
}
