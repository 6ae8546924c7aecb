//! JSON (RFC 8259), hand-written through `core::fmt::Write`: no serializer dependency in the
//! library, and it works into a fixed buffer. Figures that do not exist yet are `null`.
//!
//! Shape (every count an integer, every ratio a number in `0..=1`, times in nanoseconds except
//! a component's limits, which are in each limit's `"unit"`: `max_execution_time` in
//! microseconds):
//! `{"collections", "collected_at_ns", "categories": {name: {...}}, "memory": {...},
//! "allocations": {...}, "contention_events", "heap", "platform", "pools": [...], "components": [...],
//! "dropped": {...}}`.

use core::fmt::{self, Display, Write};
use core::time::Duration;

use crate::export::escape::json_string;
use crate::metrics::{LimitMetrics, PoolMetrics, ResourceMetrics};
use crate::ratio::Ratio;

/// Writes an optional figure, `null` when absent.
struct Nullable<T>(Option<T>);

impl<T: Display> Display for Nullable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("null"),
        }
    }
}

fn ratio(r: Option<Ratio>) -> Nullable<f64> {
    Nullable(r.map(Ratio::as_f64))
}

fn nanos(d: Duration) -> u128 {
    d.as_nanos()
}

/// Writes `metrics` as one JSON object.
///
/// ```
/// use wrt_metrics::{ResourceMetrics, export};
///
/// let mut text = String::new();
/// export::json::write(&mut text, &ResourceMetrics::<0, 0>::new())?;
/// assert!(text.starts_with(r#"{"collections":0,"collected_at_ns":null,"#));
/// # Ok::<(), core::fmt::Error>(())
/// ```
pub fn write<W, const POOLS: usize, const COMPONENTS: usize>(
    out: &mut W,
    metrics: &ResourceMetrics<POOLS, COMPONENTS>,
) -> fmt::Result
where
    W: Write + ?Sized,
{
    write!(
        out,
        "{{\"collections\":{},\"collected_at_ns\":{},\"categories\":{{",
        metrics.collections,
        Nullable(metrics.collected_at.map(|t| nanos(t.as_duration())))
    )?;
    for (position, (category, c)) in metrics.by_category().enumerate() {
        if position > 0 {
            out.write_char(',')?;
        }
        json_string(out, category.name())?;
        write!(
            out,
            ":{{\"live\":{},\"peak_live\":{},\"succeeded\":{},\"failed\":{},\"success_rate\":{}}}",
            c.live,
            c.peak_live,
            c.succeeded,
            c.failed,
            ratio(c.success_rate())
        )?;
    }
    write!(
        out,
        "}},\"memory\":{{\"in_use\":{},\"peak_in_use\":{},\"budget\":{}}}",
        metrics.memory_in_use,
        metrics.peak_memory_in_use,
        Nullable(metrics.memory_budget)
    )?;
    write!(
        out,
        ",\"allocations\":{{\"succeeded\":{},\"failed\":{},\"success_rate\":{},\"timed\":{},\"total_time_ns\":{},\"average_time_ns\":{}}}",
        metrics.allocations_succeeded(),
        metrics.allocations_failed(),
        ratio(metrics.allocation_success_rate()),
        metrics.timed_allocations,
        nanos(metrics.total_allocation_time),
        Nullable(metrics.average_allocation_time().map(nanos))
    )?;
    write!(
        out,
        ",\"contention_events\":{},\"heap\":",
        metrics.contention_events
    )?;
    match metrics.free_space {
        Some(free) => write!(
            out,
            "{{\"free_bytes\":{},\"largest_free_block\":{},\"fragmentation\":{}}}",
            free.total,
            free.largest,
            free.fragmentation().as_f64()
        )?,
        None => out.write_str("null")?,
    }
    match metrics.platform_memory {
        Some(platform) => write!(
            out,
            ",\"platform\":{{\"memory_limit\":{},\"memory_charged\":{}}}",
            Nullable(platform.limit),
            Nullable(platform.charged)
        )?,
        None => out.write_str(",\"platform\":null")?,
    }
    out.write_str(",\"pools\":[")?;
    for (index, pool) in metrics.pools.iter().enumerate() {
        if index > 0 {
            out.write_char(',')?;
        }
        write_pool(out, index, pool)?;
    }
    out.write_str("],\"components\":[")?;
    for (position, component) in metrics.components.iter().enumerate() {
        if position > 0 {
            out.write_char(',')?;
        }
        write!(
            out,
            "{{\"id\":{},\"present\":{},\"limits\":{{",
            component.id.get(),
            component.present
        )?;
        for (nth, (limit, l)) in component.metered().enumerate() {
            if nth > 0 {
                out.write_char(',')?;
            }
            json_string(out, limit.field_name())?;
            out.write_str(":{\"unit\":")?;
            json_string(out, limit.unit())?;
            write_limit(out, l)?;
        }
        out.write_str("}}")?;
    }
    write!(
        out,
        "],\"dropped\":{{\"pools\":{},\"components\":{}}}}}",
        metrics.dropped_pools, metrics.dropped_components
    )
}

fn write_pool<W: Write + ?Sized>(out: &mut W, index: usize, pool: &PoolMetrics) -> fmt::Result {
    write!(out, "{{\"index\":{index},\"name\":")?;
    json_string(out, pool.name)?;
    write!(
        out,
        ",\"block_size\":{},\"block_count\":{},\"blocks_used\":{},\"peak_blocks_used\":{},\"utilization\":{},\"peak_utilization\":{},\"refusals\":{},\"bytes_requested\":{},\"largest_request\":{}}}",
        pool.block_size,
        pool.block_count,
        pool.blocks_used,
        pool.peak_blocks_used,
        ratio(pool.utilization()),
        ratio(pool.peak_utilization()),
        pool.refusals,
        Nullable(pool.bytes_requested),
        Nullable(pool.largest_request)
    )
}

fn write_limit<W: Write + ?Sized>(out: &mut W, l: &LimitMetrics) -> fmt::Result {
    write!(
        out,
        ",\"used\":{},\"limit\":{},\"peak_used\":{},\"utilization\":{},\"refusals\":{},\"peak_demand\":{},\"collections_at_limit\":{}}}",
        l.used,
        Nullable(l.limit),
        l.peak_used,
        ratio(l.utilization()),
        l.refusals,
        Nullable(l.peak_demand),
        l.collections_at_limit
    )
}
