//! Platform resource providers (to be filled by the platform issue): the
//! `PlatformResourceProvider` trait, and Linux (mmap with guard pages, hugetlb, NUMA, cgroups),
//! QNX (partitions, priority inheritance) and bare-metal embedded providers.
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
