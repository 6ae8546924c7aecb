//! A plain-text table for people: a terminal, a log line, a serial console. Written through
//! `core::fmt::Write`, so a board can print it from a fixed buffer.

use core::fmt::{self, Display, Write};

use crate::metrics::ResourceMetrics;
use crate::optimizer::OptimizationResult;
use crate::ratio::Ratio;

/// A ratio as a percentage with one decimal, `-` when absent.
struct Percent(Option<Ratio>);

impl Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // Format into a cell first so the caller's width and alignment apply to it whole.
            Some(r) => f.pad(&PercentDigits(r).to_fixed()),
            None => f.pad("-"),
        }
    }
}

/// Formats a ratio as `12.5%` without allocating.
struct PercentDigits(Ratio);

impl PercentDigits {
    fn to_fixed(&self) -> FixedText {
        let mut text = FixedText::default();
        // 24 bytes hold any f64 percentage printed with one decimal up to 1e20 %.
        if write!(text, "{:.1}%", self.0.as_f64() * 100.0).is_err() {
            text = FixedText::default();
            let _overflowed = text.write_str("?");
        }
        text
    }
}

/// A small inline text buffer for one table cell.
#[derive(Default)]
struct FixedText {
    bytes: [u8; 24],
    len: usize,
}

impl Write for FixedText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len.checked_add(text.len()).ok_or(fmt::Error)?;
        let target = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        target.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl core::ops::Deref for FixedText {
    type Target = str;
    fn deref(&self) -> &str {
        // Only whole `&str`s are ever copied in, so the prefix is valid UTF-8.
        self.bytes
            .get(..self.len)
            .and_then(|bytes| core::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }
}

/// A label as a table cell: control characters (a newline in a pool name) are written as
/// escapes so they cannot break the table's lines, and a backslash is doubled so that an
/// escape cannot be mistaken for the name's own text; width and alignment are honoured.
struct Printable<'a>(&'a str);

impl Printable<'_> {
    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars().flat_map(|ch| {
            let escape = ch.is_control() || ch == '\\';
            let escaped = escape.then(|| ch.escape_debug());
            let plain = (!escape).then_some(ch);
            escaped.into_iter().flatten().chain(plain)
        })
    }
}

impl Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fill = f.width().unwrap_or(0).saturating_sub(self.chars().count());
        let (before, after) = match f.align() {
            Some(fmt::Alignment::Right) => (fill, 0),
            Some(fmt::Alignment::Center) => (fill / 2, fill.saturating_sub(fill / 2)),
            _ => (0, fill),
        };
        for _ in 0..before {
            f.write_char(f.fill())?;
        }
        for ch in self.chars() {
            f.write_char(ch)?;
        }
        for _ in 0..after {
            f.write_char(f.fill())?;
        }
        Ok(())
    }
}

/// Writes `metrics` as a table.
///
/// ```
/// use wrt_metrics::{ResourceMetrics, export};
///
/// let mut text = String::new();
/// export::table::write(&mut text, &ResourceMetrics::<0, 0>::new())?;
/// assert!(text.contains("memory in use"));
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
        "resource metrics: {} collection(s)",
        metrics.collections
    )?;
    if let Some(at) = metrics.collected_at {
        write!(out, ", last at {:?}", at.as_duration())?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<16} {:>8} {:>8} {:>10} {:>8} {:>8}",
        "category", "live", "peak", "succeeded", "failed", "success"
    )?;
    for (category, c) in metrics.by_category() {
        writeln!(
            out,
            "{:<16} {:>8} {:>8} {:>10} {:>8} {:>8}",
            category.name(),
            c.live,
            c.peak_live,
            c.succeeded,
            c.failed,
            Percent(c.success_rate())
        )?;
    }
    write!(
        out,
        "memory in use: {} B (peak {} B",
        metrics.memory_in_use, metrics.peak_memory_in_use
    )?;
    if let Some(budget) = metrics.memory_budget {
        write!(out, ", budget {budget} B")?;
    }
    writeln!(out, ")")?;
    write!(
        out,
        "allocations: {} succeeded, {} failed, success {}",
        metrics.allocations_succeeded(),
        metrics.allocations_failed(),
        Percent(metrics.allocation_success_rate())
    )?;
    match metrics.average_allocation_time() {
        Some(mean) => writeln!(
            out,
            ", mean time {mean:?} over {} timed",
            metrics.timed_allocations
        )?,
        None => writeln!(out, ", not timed")?,
    }
    writeln!(out, "contention events: {}", metrics.contention_events)?;
    match metrics.free_space {
        Some(free) => writeln!(
            out,
            "heap: {} B free, largest block {} B, fragmentation {}",
            free.total,
            free.largest,
            Percent(Some(free.fragmentation()))
        )?,
        None => writeln!(out, "heap: free space not reported")?,
    }
    if let Some(platform) = metrics.platform_memory {
        write_platform(out, &platform)?;
    }
    if !metrics.pools.is_empty() {
        writeln!(
            out,
            "{:<4} {:<16} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "pool", "name", "block B", "blocks", "used", "peak", "util", "refused"
        )?;
    }
    for (index, p) in metrics.pools.iter().enumerate() {
        writeln!(
            out,
            "{:<4} {:<16} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}",
            index,
            Printable(p.name),
            p.block_size,
            p.block_count,
            p.blocks_used,
            p.peak_blocks_used,
            Percent(p.utilization()),
            p.refusals
        )?;
    }
    if !metrics.components.is_empty() {
        writeln!(
            out,
            "{:<10} {:<20} {:>12} {:>12} {:>12} {:>8} {:>8}",
            "component", "limit", "used", "peak", "cap", "util", "refused"
        )?;
    }
    for c in metrics.components.iter() {
        for (limit, l) in c.metered() {
            let mut cap = FixedText::default();
            match l.limit {
                Some(value) => write!(cap, "{value}")?,
                None => cap.write_str("unlimited")?,
            }
            writeln!(
                out,
                "{:<10} {:<20} {:>12} {:>12} {:>12} {:>8} {:>8}",
                c.id.get(),
                limit.field_name(),
                l.used,
                l.peak_used,
                &*cap,
                Percent(l.utilization()),
                l.refusals
            )?;
        }
    }
    if metrics.dropped_pools > 0 || metrics.dropped_components > 0 {
        writeln!(
            out,
            "not recorded (storage full): {} pool(s), {} component(s)",
            metrics.dropped_pools, metrics.dropped_components
        )?;
    }
    Ok(())
}

fn write_platform<W: Write + ?Sized>(out: &mut W, platform: &crate::PlatformMemory) -> fmt::Result {
    out.write_str("platform memory: ")?;
    match platform.charged {
        Some(charged) => write!(out, "{charged} B charged")?,
        None => out.write_str("charge unknown")?,
    }
    match platform.limit {
        Some(limit) => writeln!(out, " of {limit} B ({})", Percent(platform.utilization())),
        None => writeln!(out, ", no ceiling"),
    }
}

/// Writes an [`OptimizationResult`]: one line per recommendation, then the computed figures.
pub fn write_advice<W, const R: usize>(out: &mut W, result: &OptimizationResult<R>) -> fmt::Result
where
    W: Write + ?Sized,
{
    for recommendation in result.recommendations.iter() {
        writeln!(out, "- {recommendation}")?;
    }
    if result.omitted > 0 {
        writeln!(out, "- ... {} more not stored", result.omitted)?;
    }
    let reserved = result.reserved();
    writeln!(
        out,
        "reserved memory: {} B -> {} B (saved {} B, added {} B)",
        reserved.before,
        reserved.after,
        result.memory_saved(),
        result.memory_added()
    )?;
    writeln!(
        out,
        "pool waste at peak: {} -> {}",
        Percent(result.pool_waste_before),
        Percent(result.pool_waste_after)
    )
}
