//! The engine-neutral store limiter: what wasmtime, wasmi or any other engine calls at the
//! moment a program takes a resource, so that a limit holds without the embedder's help.
//!
//! Engines report growth as (current, desired, maximum) — bytes for memories, elements for
//! tables — and call hooks around every crossing between host and Wasm. A [`StoreLimiter`]
//! turns those reports into charges of a
//! [`ComponentResourceManager`](crate::ComponentResourceManager) ledger and of a
//! [`SharedBudget`] that every store on every thread draws from:
//!
//! | engine event | limiter call | limit |
//! |---|---|---|
//! | memory created (`current == 0`) | [`StoreLimiter::memory_growing`] | `max_memories`, `max_memory`, budget |
//! | `memory.grow` | [`StoreLimiter::memory_growing`] | `max_memory`, budget |
//! | growth failed after it was permitted | [`StoreLimiter::memory_grow_failed`] | charge given back |
//! | table created / `table.grow` | [`StoreLimiter::table_growing`] | `max_tables`, `max_table_size` |
//! | instantiation | [`StoreLimiter::instantiation_starting`] | `max_instances` |
//! | instantiation over (failed before anything was built: given back) | [`StoreLimiter::instantiation_ended`] | `max_instances` |
//! | host calls Wasm | [`StoreLimiter::wasm_entering`] | `max_function_calls` |
//! | Wasm calls the host | [`StoreLimiter::host_calling`] | `max_host_calls` |
//! | epoch tick, return to host | [`StoreLimiter::charge_time`] | `max_execution_time` |
//! | fuel burnt | [`StoreLimiter::charge_fuel`] | `max_fuel` |
//!
//! What a refused growth does — deny (the instruction returns -1) or trap — is the
//! integrator's choice per limit, in a [`RefusalPolicy`]; every refusal lands in the store's
//! [`RefusalLog`] with its full [`ResourceError`](crate::ResourceError).
//!
//! The core has no engine dependency and builds in every environment: the adapters
//! (`wrt-wasmtime`, `wrt-wasmi`) hold no policy of their own.

mod growth;
mod policy;
mod refusals;
mod shared_budget;
mod store_limiter;

pub use growth::GrowthStats;
pub use policy::{OnRefusal, RefusalPolicy};
pub use refusals::{Refusal, RefusalLog, Request};
pub use shared_budget::SharedBudget;
pub use store_limiter::{Growth, StoreLimiter};

#[cfg(test)]
mod tests;
