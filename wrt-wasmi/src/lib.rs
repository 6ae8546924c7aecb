//! wrt's resource limits held by wasmi itself, in `no_std` + `alloc`.
//!
//! wasmi is the interpreter integrators embed on devices with a heap but no operating system
//! worth the name (QNX ECUs, RTOSes). This crate plugs wrt-component's engine-neutral
//! [`StoreLimiter`](wrt_component::engine::StoreLimiter) into every place where wasmi lets a
//! host decide, so a component moved from a wasmtime server keeps the same limits, the same
//! refusals and the same report:
//!
//! | wasmi mechanism | what it enforces |
//! |---|---|
//! | [`wasmi::ResourceLimiter`] on [`Governor`] | `max_memory`, `max_memories`, `max_table_size`, `max_tables`, `max_instances`, the shared budget |
//! | [`Store::call_hook`](wasmi::Store::call_hook) | `max_function_calls` (entries into Wasm), `max_host_calls`, `max_execution_time` |
//! | fuel ([`Config::consume_fuel`](wasmi::Config::consume_fuel)) | `max_fuel`, deterministic |
//! | [`AdmittedModule`] | admission: refused before any memory exists |
//!
//! wasmi has a call hook, so calls are counted there and no host function is wrapped.
//! The hook sees every crossing Wasm code makes (host → Wasm, Wasm → host and both
//! returns); wasmi grows memories and tables without a crossing, so every host call counted
//! is an import. A function the host calls straight (the start function, an export) runs
//! without the hook, so [`AdmittedModule`] refuses, under a finite `max_host_calls`, a
//! module that makes an import one of those.
//!
//! **Time.** wasmi has no epochs: `max_execution_time` is charged through the wrt
//! [`Clock`](wrt_foundation::Clock) at every crossing of the call hook — where control comes
//! back to the host. A loop that never calls the host is stopped by `max_fuel`, not by time.
//! Without a time limit the clock is read only when Wasm is entered and returns (the usage
//! still shows the time once the call is over): a clock read costs more than a no-op host
//! call.
//!
//! **Fuel.** The hook sees only the store's data, not its fuel, so the fuel the engine burnt
//! is booked by [`call`] and [`instantiate`] on return (or by [`settle`] after a call made
//! straight through wasmi). Enforcement does not depend on it: the store is handed only
//! the fuel left under `max_fuel`, and wasmi stops the program itself. wasmi charges fuel
//! per instruction (its `FuelCosts`: one unit for most, more for loads, stores and bulk
//! operations, charged at the start of each basic block) where wasmtime charges about one
//! unit per operator, so the same program burns different amounts in the two engines.
//!
//! The crate needs `alloc` (wasmi does); `std` only adds the system clock and std error
//! impls.
//!
//! ```
//! # #[cfg(feature = "std")] fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wrt_component::{ComponentId, ResourceLimits};
//! use wrt_wasmi::{AdmittedModule, EngineOptions, GovernedEngine, call, instantiate};
//!
//! let engine = GovernedEngine::new(EngineOptions::default());
//! let limits = ResourceLimits { max_memory: 2 * 65_536, ..ResourceLimits::default() };
//! let wasm = wat::parse_str(r#"(module (memory (export "m") 1)
//!     (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#)?;
//! let module = AdmittedModule::new(engine.engine(), &wasm, &limits)?;
//! let mut store = engine.store(engine.governor(ComponentId(1), limits), ());
//! let linker = wasmi::Linker::new(engine.engine());
//! let instance = instantiate(&mut store, &linker, &module)?;
//! let grow = instance.get_typed_func::<(), i32>(&store, "grow")?;
//! assert_eq!(call(&mut store, &grow, ())?, 1); // 1 -> 2 pages
//! assert_eq!(call(&mut store, &grow, ())?, -1); // refused: max_memory is 2 pages
//! assert_eq!(store.data().governor.limiter().refusals().total(), 1);
//! # Ok(()) }
//! # #[cfg(not(feature = "std"))] fn main() {}
//! ```
#![no_std]
#![forbid(unsafe_code)]
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
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod engine;
mod gate;
mod governor;
mod store;
mod trap;

pub use engine::{EngineOptions, GovernedEngine};
pub use gate::{AdmittedModule, GateError};
pub use governor::Governor;
pub use store::{Governed, HasGovernor, call, instantiate, instantiating, settle};
pub use trap::{LimitTrap, limit_refusal};
