//! wrt's resource limits held by wasmtime itself.
//!
//! wasmtime's own `StoreLimits` caps one store's memories and tables separately and knows no
//! calls, host resources or time. This crate plugs wrt-component's engine-neutral
//! [`StoreLimiter`](wrt_component::engine::StoreLimiter) into every place where wasmtime lets
//! a host decide:
//!
//! | wasmtime mechanism | what it enforces |
//! |---|---|
//! | [`wasmtime::ResourceLimiter`] on [`Governor`] | `max_memory`, `max_memories`, `max_table_size`, `max_tables`, `max_instances`, the shared budget |
//! | [`Store::call_hook`](wasmtime::Store::call_hook) | `max_function_calls` (entries into Wasm), `max_host_calls` |
//! | or, where no instance can reach an uncounted host function, [`CountingLinker`]'s imports | `max_host_calls`, with no libcall of wasmtime's taken for a host call |
//! | epoch interruption, ticked by [`GovernedEngine`] | `max_execution_time`, charged through the wrt `Clock` |
//! | fuel | `max_fuel`, deterministic |
//! | [`AdmittedModule`] / [`AdmittedComponent`] | admission: refused before any memory exists |
//!
//! ```
//! use wrt_component::{ComponentId, ResourceLimits};
//! use wrt_wasmtime::{AdmittedModule, EngineOptions, GovernedEngine, instantiate};
//!
//! let engine = GovernedEngine::new(EngineOptions::default())?;
//! let limits = ResourceLimits { max_memory: 2 * 65_536, ..ResourceLimits::default() };
//! let wasm = wat::parse_str(r#"(module (memory (export "m") 1)
//!     (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#)?;
//! let module = AdmittedModule::new(engine.engine(), &wasm, &limits)?;
//! let mut store = engine.store(engine.governor(ComponentId(1), limits), ());
//! let linker = wasmtime::Linker::new(engine.engine());
//! let instance = instantiate(&mut store, &linker, &module)?;
//! let grow = instance.get_typed_func::<(), i32>(&mut store, "grow")?;
//! assert_eq!(grow.call(&mut store, ())?, 1); // 1 -> 2 pages
//! assert_eq!(grow.call(&mut store, ())?, -1); // refused: max_memory is 2 pages
//! assert_eq!(store.data().governor.limiter().refusals().total(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// `unsafe` is denied everywhere but in `platform_memory`, whose wasmtime traits are unsafe.
#![deny(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod call_sites;
mod counting;
mod engine;
mod gate;
mod governor;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod platform_memory;
mod reach;
mod store;
mod ticker;
mod trap;

pub use call_sites::CallSites;
pub use counting::{CountedFunc, CountingLinker};
pub use engine::{CallHookNeeded, EngineOptions, GovernedEngine};
pub use gate::{Admitted, AdmittedComponent, AdmittedModule, Binary, GateError};
pub use governor::Governor;
#[cfg(target_os = "linux")]
pub use platform_memory::{DEFAULT_RESERVATION, PlatformMemoryCreator, PlatformMemoryError};
pub use store::{Governed, HasGovernor, instantiate, instantiate_component, instantiating};
pub use ticker::EpochTicker;
pub use trap::{LimitTrap, limit_refusal};
