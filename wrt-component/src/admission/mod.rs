//! Admission: before instantiating a Wasm binary, learn what it will hold and decide whether it
//! fits a component's [`ResourceLimits`](crate::ResourceLimits) — and say why not.
//!
//! 1. [`read_requirements`] validates the binary with wasmparser's `Validator` (memory64,
//!    threads, multi-memory, custom page sizes and the component model enabled) and reads its
//!    [`Requirements`]: memories, tables, globals, functions, imports, exports, segments,
//!    custom sections, and for components the nested modules, instances and resource types.
//! 2. [`admit`] judges the requirements against limits and returns an [`AdmissionReport`]: one
//!    [`LimitRow`] per [`LimitKind`](crate::LimitKind) (requested at instantiation, worst case at the declared
//!    maxima, declared, limit, headroom) and every [`Violation`].
//! 3. [`plan`] reserves the admitted instantiation (instances, memories, tables at their
//!    initial sizes) in a [`ComponentResourceManager`](crate::ComponentResourceManager) and
//!    records what the runtime would then hold in [`AdmissionReport::planned`].
//!
//! A binary may state what it expects in a [declared-limits section](DeclaredLimits)
//! (`wrt.limits`, specified in `docs/declared-limits.md`).
//!
//! # Environments
//! Admission exists with `alloc` (and so `std`): wasmparser needs a heap for its validator
//! and its readers. The no_alloc environment has no admission; judge binaries on a host (the
//! `wrt-budget` tool) and ship only the admitted ones to a bare-metal device.
//!
//! # Hostile input
//! No input panics. wasmparser caps every count (functions, types, segments, nested modules
//! and components...), components may nest at most [`MAX_NESTING_DEPTH`] deep, and only the
//! first [`MAX_RECORDED_NAMES`] custom section names are kept, so time and memory stay linear
//! in the input's size.

mod admit;
mod declared;
mod error;
mod gate;
mod leb128;
mod plan;
mod read;
mod read_component;
mod read_module;
mod report;
mod requirements;
mod totals;

pub use admit::{admit, admit_with};
pub use declared::{
    DECLARED_LIMITS_SECTION, DECLARED_LIMITS_VERSION, DeclaredLimits, DeclaredLimitsError,
};
pub use error::AdmissionError;
pub use gate::{GateError, judge};
pub use plan::{MAX_PLANNED_ITEMS, PlanError, plan};
pub use read::{
    MAX_NESTING_DEPTH, MAX_RECORDED_NAME_LEN, MAX_RECORDED_NAMES, proposals_used,
    read_requirements, validation_features,
};
pub use report::{AdmissionReport, LimitRow, Policy, Verdict, Violation, ViolationReason};
pub use requirements::{
    ComponentRequirements, CustomSections, ItemCount, MemoryRequirement, ModuleRequirements,
    Origin, Requirements, ResourceTypeRequirement, TableRequirement,
};
pub use totals::Totals;

/// Re-exported so callers can name the feature set [`validation_features`] returns without
/// depending on wasmparser themselves.
pub use wasmparser::WasmFeatures;
