//! Per-component resource management (to be filled by the resource-manager issue): resource
//! ids that cannot reach a reused slot, fixed and growable storage backends, per-component
//! limits and usage, the resource lifecycle, deferred cleanup, and admission of Wasm binaries.
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

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;
