//! [`GovernedEngine`]: a wasmtime engine configured so that its stores can be governed.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Engine, Store};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_component::{ComponentId, LimitKind, ResourceLimits, RuntimeBudget};

use crate::governor::Governor;
use crate::store::{Governed, HasGovernor, install};
use crate::ticker::EpochTicker;

/// How the engine is set up for governing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineOptions {
    /// Epoch interval: `max_execution_time` is enforced to within one tick.
    pub tick: Duration,
    /// Compile with fuel metering, so `max_fuel` can be enforced. Fuel costs every store of
    /// the engine some speed, so it is off unless a limit needs it; with it off, a store
    /// whose governor sets `max_fuel` is refused every instantiation and call
    /// ([`ResourceError::LimitNotMetered`](wrt_component::ResourceError::LimitNotMetered)).
    pub fuel: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(10),
            fuel: false,
        }
    }
}

/// A wasmtime [`Engine`] with epoch interruption (and, if asked, fuel) on, its epoch
/// ticker, and the [`SharedBudget`] every store it makes draws from.
#[derive(Debug)]
pub struct GovernedEngine {
    engine: Engine,
    options: EngineOptions,
    budget: Arc<SharedBudget>,
    // Dropped last: the engine outlives its ticker thread's use of it.
    ticker: EpochTicker,
}

impl GovernedEngine {
    /// An engine with wasmtime's default configuration and no runtime-wide budget.
    pub fn new(options: EngineOptions) -> wasmtime::Result<Self> {
        Self::with_config(
            Config::new(),
            options,
            Arc::new(SharedBudget::new(RuntimeBudget::unlimited())),
        )
    }

    /// An engine from the integrator's `config` (epoch interruption and fuel are set on it)
    /// whose stores all draw from `budget`.
    pub fn with_config(
        mut config: Config,
        options: EngineOptions,
        budget: Arc<SharedBudget>,
    ) -> wasmtime::Result<Self> {
        config.epoch_interruption(true);
        config.consume_fuel(options.fuel);
        let engine = Engine::new(&config)?;
        let ticker =
            EpochTicker::start(engine.clone(), options.tick).map_err(wasmtime::Error::new)?;
        Ok(Self {
            engine,
            options,
            budget,
            ticker,
        })
    }

    /// The wasmtime engine, for compiling modules and making linkers.
    pub const fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The options it was made with.
    pub const fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The budget its stores share.
    pub fn budget(&self) -> &Arc<SharedBudget> {
        &self.budget
    }

    /// A governor for one component's store, drawing from this engine's budget, with the
    /// default refusal policy (deny).
    pub fn governor(&self, component: ComponentId, limits: ResourceLimits) -> Governor {
        self.governor_with(component, limits, RefusalPolicy::default())
    }

    /// A governor with an explicit refusal policy.
    pub fn governor_with(
        &self,
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
    ) -> Governor {
        Governor::new(component, limits, policy, Arc::clone(&self.budget))
    }

    /// A store governed by `governor`, with `data` for the embedder: the limiter, the call
    /// hook, the epoch deadline and (with fuel on) the fuel are all in place before the
    /// store is handed out, so nothing depends on the embedder remembering them.
    pub fn store<T: Send + 'static>(&self, governor: Governor, data: T) -> Store<Governed<T>> {
        self.store_with(Governed { governor, data })
    }

    /// A governed store over the embedder's own data type, which holds the [`Governor`].
    pub fn store_with<T: HasGovernor + Send + 'static>(&self, data: T) -> Store<T> {
        let mut store = Store::new(&self.engine, data);
        install(&mut store, self.options.fuel, true, self.ticker.ticks());
        store
    }

    /// A governed store with no call hook, whose host calls are counted by the imports of a
    /// [`CountingLinker`](crate::CountingLinker): wasmtime's hook costs two boxed calls per
    /// import call, the counting import one increment. The limiter, the epoch deadline and
    /// `max_host_calls` hold as in [`store`](Self::store).
    ///
    /// Without the hook nothing sees Wasm being entered, so a governor with a limit that is
    /// counted there — `max_function_calls`, `max_execution_time`, or fuel on this engine —
    /// is refused (and handed back in the error), never run with that limit unheld.
    /// Instantiating code that can reach a host function that does not count itself
    /// (through a plain linker's imports, [`instantiate`](crate::instantiate) or
    /// [`instantiating`](crate::instantiating), or a function handed in) puts the hook on
    /// first, so those calls are counted too.
    pub fn store_counting_imports<T: Send + 'static>(
        &self,
        governor: Governor,
        data: T,
    ) -> Result<Store<Governed<T>>, CallHookNeeded<Governed<T>>> {
        self.store_counting_imports_with(Governed { governor, data })
    }

    /// [`store_counting_imports`](Self::store_counting_imports) over the embedder's own
    /// data type, which holds the [`Governor`].
    pub fn store_counting_imports_with<T: HasGovernor + Send + 'static>(
        &self,
        mut data: T,
    ) -> Result<Store<T>, CallHookNeeded<T>> {
        let limits = *data.governor().limiter().limits();
        let needed = if limits.max_function_calls != u64::MAX {
            Some((
                LimitKind::FunctionCalls,
                limits.cap(LimitKind::FunctionCalls),
            ))
        } else if limits.max_execution_time.is_some() {
            Some((
                LimitKind::ExecutionTime,
                limits.cap(LimitKind::ExecutionTime),
            ))
        } else if self.options.fuel {
            Some((LimitKind::Fuel, limits.max_fuel))
        } else {
            None
        };
        if let Some((limit, cap)) = needed {
            return Err(CallHookNeeded {
                limit,
                cap,
                data: Box::new(data),
            });
        }
        let mut store = Store::new(&self.engine, data);
        install(&mut store, false, false, self.ticker.ticks());
        Ok(store)
    }
}

/// A store without a call hook was asked for with a limit that only the hook can hold. The
/// store data comes back untouched in `data`.
pub struct CallHookNeeded<T> {
    /// The limit that needs the hook (fuel: the engine meters it, and fuel is booked as Wasm
    /// returns).
    pub limit: LimitKind,
    /// Its cap, in the limit's unit (`u64::MAX`: unlimited, as fuel may be).
    pub cap: u64,
    /// The store data, handed back (boxed: a governor is a few kilobytes, and the error
    /// should not make every `Result` that size).
    pub data: Box<T>,
}

impl<T> core::fmt::Debug for CallHookNeeded<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CallHookNeeded")
            .field("limit", &self.limit)
            .field("cap", &self.cap)
            .finish_non_exhaustive()
    }
}

impl<T> core::fmt::Display for CallHookNeeded<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} = {} {} is counted by the call hook: a store without it cannot hold it",
            self.limit.field_name(),
            self.cap,
            self.limit.unit()
        )
    }
}

impl<T> std::error::Error for CallHookNeeded<T> {}
