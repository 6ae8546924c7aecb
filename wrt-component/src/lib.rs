//! Per-component resource management for WebAssembly runtimes: what a runtime calls every
//! time a component creates, uses, shares or drops a resource, and what stops one component
//! from exhausting the device or touching another's resources.
//!
//! # Layers
//! | layer | types | what it adds |
//! |-------|-------|--------------|
//! | handle table | [`ResourceManager`] over a [`backend`] | ids that cannot reach a reused, forged or foreign slot; [`AllocationStats`] |
//! | lifecycle | [`ResourceState`], [`ManagedResource`] | legal transitions only; owner, grants, access times via [`wrt_foundation::Clock`] |
//! | accounting | [`ComponentResourceManager`], [`ResourceLimits`], [`ResourceUsage`] | every limit enforced by the operation that would break it, atomically |
//! | runtime | [`ResourceRuntime`], [`RuntimeBudget`] | components, ownership and isolation, a budget over all components |
//! | cleanup | [`ResourceCleanupManager`] | deferred deallocation with bounded retries |
//! | engine | [`engine::StoreLimiter`], [`engine::SharedBudget`] | the limits held by the engine itself: growth callbacks, call hooks, fuel, time |
//! | admission (`alloc`) | `admission` | what a Wasm binary will ask for, before it runs |
//!
//! # Environments
//! Storage is chosen by type, never by feature: [`FixedResourceManager`], [`FixedRuntime`]
//! and [`FixedCleanupManager`] are heapless and exist in every build (so the `no_alloc`
//! code is what the ordinary host tests run); `alloc` adds `GrowableResourceManager`,
//! `GrowableRuntime`, `GrowableCleanupManager` and the type-erased `AnyResourceManager`
//! (heap slot vectors, a hash map of components, a `VecDeque`). Errors are one enum,
//! [`ResourceError`], whose variants carry the numbers: requested, used, limit, the id and
//! the state.
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

pub mod backend;
pub mod budget;
pub mod category;
pub mod cleanup;
pub mod component_id;
pub mod component_manager;
pub mod descriptor;
pub mod engine;
#[cfg(feature = "alloc")]
pub mod erased;
pub mod error;
pub mod id;
pub mod lifecycle;
pub mod limit_refusals;
pub mod limits;
pub mod lookup;
pub mod managed;
pub mod manager;
pub mod metadata;
pub mod refused;
pub mod runtime;
pub mod stats;
pub mod usage;

pub use budget::{BudgetKind, BudgetUsage, RuntimeBudget};
pub use category::ResourceCategory;
#[cfg(feature = "alloc")]
pub use cleanup::GrowableCleanupManager;
pub use cleanup::{CleanupConfig, CleanupStats, FixedCleanupManager, ResourceCleanupManager};
pub use component_id::ComponentId;
pub use component_manager::{ComponentResourceManager, UsageChange};
pub use descriptor::ResourceDescriptor;
#[cfg(feature = "alloc")]
pub use erased::{AnyResourceManager, ErasedValue, GrowableAnyResourceManager};
pub use error::ResourceError;
pub use id::{ManagerTag, ResourceId};
pub use lifecycle::{LifecycleAction, ResourceState};
pub use limit_refusals::LimitRefusals;
pub use limits::{LimitKind, ResourceLimits};
pub use lookup::LookupError;
pub use managed::{MAX_GRANTS, ManagedResource};
#[cfg(feature = "alloc")]
pub use manager::GrowableResourceManager;
pub use manager::{FixedResourceManager, NoMetadata, ResourceEntry, ResourceManager};
pub use metadata::Metadata;
pub use refused::Refused;
#[cfg(feature = "alloc")]
pub use runtime::GrowableRuntime;
pub use runtime::{ComponentAccount, DestroyedComponent, FixedRuntime, ResourceRuntime};
pub use stats::{AllocationStats, CategoryStats};
pub use usage::ResourceUsage;

#[cfg(feature = "alloc")]
pub mod admission;
