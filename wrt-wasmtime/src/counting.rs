//! [`CountingLinker`]: host functions that count their own calls, for stores without a call
//! hook.
//!
//! wasmtime runs a store's call hook twice per import call through a boxed closure; a
//! bare counter in that hook already makes a no-op import loop about 1.5-1.8x slower
//! (measured, `host_calls` bench). A function defined here counts itself against
//! `max_host_calls` at the moment it is called, in the function wasmtime already calls, so
//! a store whose imports all come from a `CountingLinker` needs no hook for host calls. Such
//! a store comes from [`GovernedEngine::store_counting_imports`](crate::GovernedEngine::store_counting_imports).

use wasmtime::{Caller, Engine, Instance, Linker, Store, WasmRet, WasmTy};

use crate::gate::AdmittedModule;
use crate::store::{HasGovernor, admit_reach, instantiating_counted};
use crate::trap::LimitTrap;

/// A wasmtime [`Linker`] whose every function counts a host call when Wasm calls it.
///
/// It holds only counting functions: there is no way to add an uncounted one, so an
/// instance linked by it cannot call the host uncounted. The functions count themselves in
/// any store, hooked or not, until an instance that can reach an uncounted host function
/// makes the call hook count (then the hook counts and the functions do not), so every call
/// is counted once whichever store runs it.
///
/// ```
/// use wrt_component::{ComponentId, LimitKind, ResourceError, ResourceLimits};
/// use wrt_wasmtime::{AdmittedModule, CountingLinker, EngineOptions, GovernedEngine, limit_refusal};
///
/// let engine = GovernedEngine::new(EngineOptions::default())?;
/// let limits = ResourceLimits { max_host_calls: 3, ..ResourceLimits::default() };
/// let wasm = wat::parse_str(r#"(module (import "host" "tick" (func $tick))
///     (func (export "run") (loop $l (call $tick) (br $l))))"#)?;
/// let module = AdmittedModule::new(engine.engine(), &wasm, &limits)?;
/// let mut store = engine.store_counting_imports(engine.governor(ComponentId(1), limits), ())?;
/// let mut linker = CountingLinker::new(engine.engine());
/// linker.func_wrap("host", "tick", |_caller: wasmtime::Caller<'_, _>| {})?;
/// let instance = linker.instantiate(&mut store, &module)?;
/// let run = instance.get_typed_func::<(), ()>(&mut store, "run")?;
/// let stopped = run.call(&mut store, ()).unwrap_err();
/// assert!(matches!(
///     limit_refusal(&stopped),
///     Some(ResourceError::LimitExceeded { kind: LimitKind::HostCalls, limit: 3, .. })
/// ));
/// assert_eq!(store.data().governor.limiter().usage().host_calls_made, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CountingLinker<T: 'static> {
    linker: Linker<T>,
}

impl<T: 'static> core::fmt::Debug for CountingLinker<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CountingLinker").finish_non_exhaustive()
    }
}

impl<T: HasGovernor + 'static> CountingLinker<T> {
    /// An empty linker for `engine`.
    pub fn new(engine: &Engine) -> Self {
        Self {
            linker: Linker::new(engine),
        }
    }

    /// Defines `module`.`name` as `func`, counted on every call. `func` takes the
    /// [`Caller`] and up to six Wasm values, and returns what a wasmtime host function may
    /// return (values, a tuple of them, or a `wasmtime::Result` of those).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl CountedFunc<T, Params, Results>,
    ) -> wasmtime::Result<&mut Self> {
        func.define(&mut self.linker, module, name)?;
        Ok(self)
    }

    /// Instantiates an admitted core module in a governed store, counted against
    /// `max_instances` as [`instantiate`](crate::instantiate) does. Its imports count
    /// themselves; only if the module can be handed some other host function (a table, a
    /// reference-typed global or parameter) does the store's call hook count host calls
    /// from now on (and go on, in a store made without it).
    pub fn instantiate(
        &self,
        store: &mut Store<T>,
        module: &AdmittedModule,
    ) -> wasmtime::Result<Instance> {
        admit_reach(store, module, true);
        instantiating_counted(store, |store| {
            self.linker.instantiate(&mut *store, module.module())
        })
    }
}

/// A host function that [`CountingLinker::func_wrap`] can define: closures taking a
/// [`Caller`] and zero to six Wasm values. Implemented for you; not meant to be
/// implemented by hand.
pub trait CountedFunc<T, Params, Results>: Send + Sync + 'static {
    /// Defines the counting function in `linker`.
    fn define(self, linker: &mut Linker<T>, module: &str, name: &str) -> wasmtime::Result<()>;
}

/// One host call, counted before the function runs; a refusal traps before it runs.
#[inline]
fn count<T: HasGovernor>(caller: &mut Caller<'_, T>) -> wasmtime::Result<()> {
    caller
        .data_mut()
        .governor()
        .import_calling()
        .map_err(LimitTrap::error)
}

macro_rules! counted_func {
    ($($value:ident: $ty:ident),*) => {
        impl<T, F, R, $($ty,)*> CountedFunc<T, ($($ty,)*), R> for F
        where
            T: HasGovernor + 'static,
            F: Fn(Caller<'_, T>, $($ty),*) -> R + Send + Sync + 'static,
            $($ty: WasmTy,)*
            R: WasmRet,
        {
            fn define(
                self,
                linker: &mut Linker<T>,
                module: &str,
                name: &str,
            ) -> wasmtime::Result<()> {
                linker.func_wrap(
                    module,
                    name,
                    move |mut caller: Caller<'_, T>, $($value: $ty),*| -> wasmtime::Result<R> {
                        count(&mut caller)?;
                        Ok(self(caller, $($value),*))
                    },
                )?;
                Ok(())
            }
        }
    };
}

counted_func!();
counted_func!(a: A);
counted_func!(a: A, b: B);
counted_func!(a: A, b: B, c: C);
counted_func!(a: A, b: B, c: C, d: D);
counted_func!(a: A, b: B, c: C, d: D, e: E);
counted_func!(a: A, b: B, c: C, d: D, e: E, f: G);
