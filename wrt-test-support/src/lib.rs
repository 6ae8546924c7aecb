//! What the workspace's tests and benches share, so that every crate's test and bench
//! targets stay inside its own directory and `cargo package` packs them as they are.
//!
//! - [`counting_allocator`]: a global allocator that counts what the current thread asks
//!   for, so a test can show that a code path allocates nothing.
//! - [`wat`]: the WAT fixtures that more than one crate runs (wasmtime's and wasmi's tests
//!   and benches, the CLI's engine crossing), one copy each, so both engines are tried on the
//!   same text.
//!
//! The crate is `publish = false` and used only as a path dev-dependency
//! (`wrt-test-support.workspace = true` under `[dev-dependencies]`), which `cargo package`
//! drops from a packed manifest.

pub mod counting_allocator;
pub mod wat;
