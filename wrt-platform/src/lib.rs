//! Where a WebAssembly runtime's memory really comes from: [`PlatformResourceProvider`] and
//! providers for Linux (mmap'd regions with guard pages, hugetlb/THP, NUMA, cgroup limits),
//! QNX (budgeted partitions, priority-inheritance mutex configuration) and bare-metal
//! embedded targets (static RAM regions, an interrupt handler table).
//!
//! # Environments and what is built where
//! | item                                   | built when                               | tested on this host |
//! |----------------------------------------|------------------------------------------|---------------------|
//! | [`PlatformResourceProvider`], types    | always                                   | yes                 |
//! | [`embedded`]                           | always (no heap, no `std`, no `unsafe`)  | yes, all features   |
//! | [`qnx`] portable part                  | always                                   | yes, all features   |
//! | `qnx::sys` (typed memory, mutex attrs) | `target_os = "nto"` + feature `std`      | **no** (not built)  |
//! | [`linux`]                              | `target_os = "linux"` + feature `std`    | yes, for real       |
//! | [`bridge`] (borrowed backings)         | always                                   | yes, all features   |
//! | `bridge::guarded_*` (owned mmap)       | `target_os = "linux"` + feature `std`    | yes, for real       |
//!
//! `unsafe` is denied crate-wide and allowed only in the system-call modules
//! (`linux::sys`, `qnx::sys`); every block there carries a `// SAFETY:` argument.
#![no_std]
#![deny(unsafe_code)]
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

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod bridge;
pub mod embedded;
#[cfg(all(target_os = "linux", feature = "std"))]
pub mod linux;
mod provider;
pub mod qnx;

pub use provider::{
    HugePageSize, MAX_HUGE_PAGE_SIZES, MemoryLimit, PlatformCapabilities, PlatformResourceProvider,
    ProtectionSupport, RegionRequest, ReleaseError,
};
