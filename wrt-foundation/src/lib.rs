//! The ground every other `wrt` crate stands on: collections whose capacity is fixed at
//! compile time, WebAssembly linear memory and memory pools that refuse (never panic) when
//! a request does not fit, and a clock that works without `std`.
//!
//! # Environments
//! | feature set          | environment        | what it adds                                  |
//! |----------------------|--------------------|-----------------------------------------------|
//! | (none)               | `no_std`, no heap  | everything below except the heap-backed forms |
//! | `alloc`              | `no_std` + `alloc` | heap-backed memories, region and slot tables  |
//! | `std` (the default)  | hosted             | `clock::StdClock` on `std::time::Instant`     |
//!
//! Features only ever *add* items: the fixed-capacity types exist in every environment, so
//! the code a bare-metal user runs is also compiled and tested in the ordinary host run.
#![no_std]
#![forbid(unsafe_code)]
#![warn(
    clippy::std_instead_of_core,
    clippy::alloc_instead_of_core,
    clippy::std_instead_of_alloc
)]
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

pub mod bounded;
pub mod clock;
pub mod memory;
pub mod slots;

pub use bounded::{BoundedMap, BoundedString, BoundedVec, CapacityError, StringCapacityError};
pub use clock::{Clock, ManualClock, Timestamp};
pub use memory::{
    BlockHandle, FixedMemoryManager, InlineLinearMemory, LinearMemory, LinearMemoryManager,
    MemoryError, MemoryPool, MemoryProtection, PAGE_SIZE, RegionId,
};
