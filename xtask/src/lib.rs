//! Project automation for the `wrt` workspace, run as `cargo xtask <command>`.
//!
//! | command                      | what it does                                                  |
//! |------------------------------|---------------------------------------------------------------|
//! | `cargo xtask ci`             | every check in every environment, then one summary table      |
//! | `cargo xtask ci --env alloc` | one column of the matrix (`no_alloc`, `alloc` or `std`)       |
//! | `cargo xtask proofs`         | builds the `#![no_std]` proof crates under `proofs/`          |
//! | `cargo xtask docs`           | Sphinx + sphinx-needs HTML (warnings are errors), `needs.json`|
//! | `cargo xtask trace`          | checks every source citation in `docs/` against the code      |
//!
//! xtask depends on no library crate of the workspace and on nothing from crates.io: it must
//! build first, on a fresh machine, and drive everything else.
//!
//! # Citation convention (checked by [`trace`])
//!
//! The docs are sphinx-needs sources (`docs/**/*.rst`). Four need types exist: `req`,
//! `arch_component`, `impl` and `test`. Every `arch_component` and `impl` need cites code:
//!
//! ```rst
//! .. impl:: Refusing a push into a full vector
//!    :id: IMPL_BOUNDED_VEC_PUSH
//!    :implements: REQ_NO_SILENT_LOSS
//!    :source: wrt-foundation/src/bounded/vec.rs:36-42
//!    :symbol: BoundedVec::push
//! ```
//!
//! * `:source:` is `path:start-end`: a path relative to the repository root and a 1-based,
//!   inclusive line range (`path:N` is the one-line range `N-N`).
//! * `:symbol:` is a comma-separated list; **every** symbol must be *defined* inside the range.
//!   See [`trace::rust_source`] for the precise rule. In short:
//!   * `Name` — a line in the range that declares an item called `Name`: after an optional
//!     visibility (`pub`, `pub(crate)`, ...) and qualifiers (`const`, `async`, `unsafe`,
//!     `extern "C"`, `default`), one of the keywords `struct enum union trait type fn const
//!     static mod macro_rules!` followed by exactly `Name`.
//!   * `Type::member` — a line in the range that declares `member` (a `fn`, associated `const`
//!     or `type`, an enum variant or a struct field) whose enclosing block is `impl ... Type`,
//!     `impl Trait for Type`, `trait Type`, `enum Type` or `struct Type`.
//! * A `test` need names test functions in `:test:`, comma-separated, as
//!   `path/to/file.rs::function_name`; the file must hold a `fn function_name` carrying
//!   `#[test]` (directly or among the attributes just above it, as `proptest!` writes them;
//!   see [`trace::inventory`]).
//! * Links: `arch_component` `:satisfies:` requirements, `impl` `:implements:` requirements
//!   or components, `test` `:verifies:` requirements. Every requirement must be satisfied or
//!   implemented by something and verified by at least one test.
//!
//! The coverage figure printed by `cargo xtask trace` is the share of public types
//! (`pub struct`, `pub enum`, `pub trait`, `pub type`, `pub union` in the library crates'
//! `src/`, outside `#[cfg(test)]` modules and `tests.rs` / `tests/` files) whose definition
//! some `arch_component` or `impl`
//! need cites by name in the same file; the check fails below [`trace::DEFAULT_MIN_COVERAGE`]
//! percent.
#![allow(
    // xtask is a hosted tool; the workspace lints that steer the no_std crates toward
    // `core`/`alloc` paths do not apply to it.
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

pub mod ci;
pub mod docs;
pub mod nextest;
pub mod proof_harness;
pub mod proofs;
pub mod report;
pub mod run;
pub mod trace;
pub mod venv;
pub mod workspace;
