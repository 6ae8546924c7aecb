//! Resource metrics for `wrt` runtimes: what the runtime really used, collected from any
//! source through one small trait, turned into sizing advice, and exported as Prometheus
//! text, JSON or a table.
//!
//! - [`MetricsSource`] is the one trait a resource holder implements: it writes what it knows
//!   (allocations per category, memory in use, free space, pools, per-component use against
//!   limits, the platform's memory ceiling) into a [`Report`]. The real `wrt` types —
//!   memory pools, the linear memory manager, resource managers, component managers, the
//!   runtime and platform providers — implement it in [`sources`].
//! - [`ResourceMetricsCollector`] asks a source on a [`Clock`](wrt_foundation::Clock)-driven
//!   interval and keeps [`ResourceMetrics`]: current figures and peaks, in fixed storage.
//! - [`AllocationRecorder`] times and counts allocations through the clock for allocators
//!   that keep no statistics.
//! - [`ResourceOptimizer`] computes pool geometries, limit changes and preallocation sizes
//!   from the observations, with the memory saved and waste reduced that follow from them.
//! - [`export`] writes Prometheus text exposition, JSON and a table through `core::fmt::Write`.
//!
//! # Environments
//! Everything above exists with no feature at all (no allocator): storage is fixed by const
//! generics chosen by the integrator, and a test under a counting allocator checks that
//! collecting, optimizing and exporting into a fixed buffer allocate nothing. `alloc` adds
//! the `String`-returning export helpers.
//!
//! ```
//! use core::time::Duration;
//! use wrt_component::ResourceCategory;
//! use wrt_foundation::ManualClock;
//! use wrt_metrics::{AllocationRecorder, ResourceMetricsCollector};
//!
//! let clock = ManualClock::new();
//! let mut recorder = AllocationRecorder::new();
//! let _ = recorder.record(&clock, ResourceCategory::Memory, || Err::<(), _>("no room"));
//! let _ = recorder.record(&clock, ResourceCategory::Memory, || Ok::<_, ()>(()));
//!
//! let mut collector = ResourceMetricsCollector::<4, 4>::new(Duration::from_secs(1));
//! let metrics = collector.collect_if_due(&recorder, &clock).unwrap();
//! assert_eq!(metrics.allocation_success_rate().unwrap().as_f64(), 0.5);
//! ```
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

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod collector;
pub mod export;
pub mod figures;
pub mod metrics;
pub mod optimizer;
pub mod ratio;
pub mod recorder;
pub mod source;
pub mod sources;

pub use collector::ResourceMetricsCollector;
pub use figures::{
    CategoryFigures, ComponentFigures, FreeSpace, LimitFigures, PlatformMemory, PoolFigures,
};
pub use metrics::{CategoryMetrics, ComponentMetrics, LimitMetrics, PoolMetrics, ResourceMetrics};
pub use optimizer::{
    Change, LimitDirection, LimitRecommendation, MemoryChange, OptimizationResult, OptimizerConfig,
    PoolRecommendation, Preallocation, Recommendation, ResourceOptimizer,
};
pub use ratio::Ratio;
pub use recorder::AllocationRecorder;
pub use source::{MetricsSource, Named, Report};
