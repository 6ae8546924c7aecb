//! [`GovernedEngine`]: a wasmi engine configured so that its stores can be governed.

use alloc::boxed::Box;
use alloc::sync::Arc;

use wasmi::{Config, Engine, Store};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
use wrt_foundation::Clock;

use crate::governor::Governor;
use crate::store::{Governed, HasGovernor, install};

/// How the engine is set up for governing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// Meter fuel, so `max_fuel` can be enforced. Fuel costs every store of the engine some
    /// speed, so it is off unless a limit needs it; with it off, a store whose governor
    /// sets `max_fuel` is refused every instantiation and call
    /// ([`ResourceError::LimitNotMetered`](wrt_component::ResourceError::LimitNotMetered)).
    pub fuel: bool,
}

/// A wasmi [`Engine`] with fuel metering set as asked, and the [`SharedBudget`] every store
/// it makes draws from.
///
/// wasmi has no epochs, so unlike wrt-wasmtime's engine there is no ticker thread:
/// `max_execution_time` is charged at the call hook's crossings (see the crate docs).
#[derive(Debug)]
pub struct GovernedEngine {
    engine: Engine,
    options: EngineOptions,
    budget: Arc<SharedBudget>,
}

impl GovernedEngine {
    /// An engine with wasmi's default configuration and no runtime-wide budget.
    pub fn new(options: EngineOptions) -> Self {
        Self::with_config(
            Config::default(),
            options,
            Arc::new(SharedBudget::new(RuntimeBudget::unlimited())),
        )
    }

    /// An engine from the integrator's `config` (fuel metering is set on it from
    /// `options`) whose stores all draw from `budget`.
    pub fn with_config(
        mut config: Config,
        options: EngineOptions,
        budget: Arc<SharedBudget>,
    ) -> Self {
        config.consume_fuel(options.fuel);
        Self {
            engine: Engine::new(&config),
            options,
            budget,
        }
    }

    /// The wasmi engine, for compiling modules and making linkers.
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
    /// default refusal policy (deny), timed by the system clock.
    #[cfg(feature = "std")]
    pub fn governor(&self, component: ComponentId, limits: ResourceLimits) -> Governor {
        self.governor_with(component, limits, RefusalPolicy::default())
    }

    /// A governor with an explicit refusal policy, timed by the system clock.
    #[cfg(feature = "std")]
    pub fn governor_with(
        &self,
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
    ) -> Governor {
        Governor::new(component, limits, policy, Arc::clone(&self.budget))
    }

    /// A governor timed by `clock`: a tick counter where there is no system clock.
    pub fn governor_with_clock(
        &self,
        component: ComponentId,
        limits: ResourceLimits,
        policy: RefusalPolicy,
        clock: Box<dyn Clock + Send + Sync>,
    ) -> Governor {
        Governor::with_clock(component, limits, policy, Arc::clone(&self.budget), clock)
    }

    /// A store governed by `governor`, with `data` for the embedder: the limiter, the call
    /// hook and (with fuel on) the fuel are all in place before the store is handed out, so
    /// nothing depends on the embedder remembering them.
    pub fn store<T: Send + Sync + 'static>(
        &self,
        governor: Governor,
        data: T,
    ) -> Store<Governed<T>> {
        self.store_with(Governed { governor, data })
    }

    /// A governed store over the embedder's own data type, which holds the [`Governor`].
    pub fn store_with<T: HasGovernor + 'static>(&self, data: T) -> Store<T> {
        let mut store = Store::new(&self.engine, data);
        install(&mut store, self.options.fuel);
        store
    }
}
