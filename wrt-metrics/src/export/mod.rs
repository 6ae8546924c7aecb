//! Exporters: the same [`crate::ResourceMetrics`] as Prometheus text, JSON
//! or a human-readable table.
//!
//! Each writes through `core::fmt::Write`, so all three work in every environment: into a
//! fixed-capacity buffer without an allocator (a `heapless::String`, a UART writer), or into
//! a `String` — the `*_string` helpers — once `alloc` is on. A writer that runs out of room
//! returns `fmt::Error`; what was written before stays written.

mod escape;
pub mod json;
pub mod prometheus;
pub mod table;

#[cfg(feature = "alloc")]
use alloc::string::String;

#[cfg(feature = "alloc")]
use crate::metrics::ResourceMetrics;

/// Runs `write` into a new `String`. Writing into a `String` cannot run out of room and the
/// exporters return errors only from the writer, so the text is always complete.
#[cfg(feature = "alloc")]
fn to_string(write: impl FnOnce(&mut String) -> core::fmt::Result) -> String {
    let mut text = String::new();
    if write(&mut text).is_err() {
        log::warn!("exporter failed writing into a String; output is truncated");
    }
    text
}

/// [`prometheus::write`] into a new `String`.
#[cfg(feature = "alloc")]
pub fn prometheus_string<const POOLS: usize, const COMPONENTS: usize>(
    metrics: &ResourceMetrics<POOLS, COMPONENTS>,
) -> String {
    to_string(|out| prometheus::write(out, metrics))
}

/// [`json::write`] into a new `String`.
#[cfg(feature = "alloc")]
pub fn json_string<const POOLS: usize, const COMPONENTS: usize>(
    metrics: &ResourceMetrics<POOLS, COMPONENTS>,
) -> String {
    to_string(|out| json::write(out, metrics))
}

/// [`table::write`] into a new `String`.
#[cfg(feature = "alloc")]
pub fn table_string<const POOLS: usize, const COMPONENTS: usize>(
    metrics: &ResourceMetrics<POOLS, COMPONENTS>,
) -> String {
    to_string(|out| table::write(out, metrics))
}
