//! Prometheus text exposition format (version 0.0.4), written through `core::fmt::Write` so
//! it works into a fixed buffer as well as into a `String`.
//!
//! Figures that do not exist yet (a success rate before any attempt, fragmentation of a
//! source that does not know its free space) are left out rather than written as `NaN`.
//! Timestamps are not written: a [`Clock`](wrt_foundation::Clock) counts from its own origin,
//! not from the Unix epoch Prometheus expects.

use core::fmt::{self, Display, Write};

use crate::export::escape::PrometheusEscape;
use crate::metrics::{LimitMetrics, PoolMetrics, ResourceMetrics};

/// A sample value: counts stay exact integers, fractions are floats.
#[derive(Clone, Copy)]
enum Value {
    Count(u64),
    Float(f64),
}

impl Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Float(x) => write!(f, "{x}"),
        }
    }
}

fn count(n: usize) -> Value {
    Value::Count(crate::ratio::widen(n))
}

type Labels<'l> = &'l [(&'l str, &'l dyn Display)];

struct Exposition<'a, W: Write + ?Sized> {
    out: &'a mut W,
}

impl<W: Write + ?Sized> Exposition<'_, W> {
    fn family(&mut self, name: &str, kind: &str, help: &str) -> fmt::Result {
        write!(self.out, "# HELP {name} ")?;
        PrometheusEscape {
            out: &mut *self.out,
            help: true,
        }
        .write_str(help)?;
        writeln!(self.out, "\n# TYPE {name} {kind}")
    }

    fn sample(&mut self, name: &str, labels: Labels<'_>, value: Value) -> fmt::Result {
        self.out.write_str(name)?;
        for (position, (label, label_value)) in labels.iter().enumerate() {
            let open = if position == 0 { "{" } else { "," };
            write!(self.out, "{open}{label}=\"")?;
            write!(
                PrometheusEscape {
                    out: &mut *self.out,
                    help: false,
                },
                "{label_value}"
            )?;
            self.out.write_char('"')?;
        }
        if !labels.is_empty() {
            self.out.write_char('}')?;
        }
        writeln!(self.out, " {value}")
    }

    fn single(&mut self, name: &str, kind: &str, help: &str, value: Value) -> fmt::Result {
        self.family(name, kind, help)?;
        self.sample(name, &[], value)
    }
}

type PoolFamily = (
    &'static str,
    &'static str,
    &'static str,
    fn(&PoolMetrics) -> Option<Value>,
);

const POOL_FAMILIES: [PoolFamily; 6] = [
    (
        "wrt_pool_block_size_bytes",
        "gauge",
        "Bytes per block of the pool.",
        |p| Some(count(p.block_size)),
    ),
    ("wrt_pool_blocks", "gauge", "Blocks in the pool.", |p| {
        Some(count(p.block_count))
    }),
    (
        "wrt_pool_blocks_used",
        "gauge",
        "Blocks in use at the last collection.",
        |p| Some(count(p.blocks_used)),
    ),
    (
        "wrt_pool_blocks_used_peak",
        "gauge",
        "Most blocks in use at any collection.",
        |p| Some(count(p.peak_blocks_used)),
    ),
    (
        "wrt_pool_utilization_ratio",
        "gauge",
        "Blocks in use over blocks in the pool.",
        |p| p.utilization().map(|r| Value::Float(r.as_f64())),
    ),
    (
        "wrt_pool_refusals_total",
        "counter",
        "Requests the pool refused.",
        |p| Some(Value::Count(p.refusals)),
    ),
];

type LimitFamily = (
    &'static str,
    &'static str,
    &'static str,
    fn(&LimitMetrics) -> Option<Value>,
);

const LIMIT_FAMILIES: [LimitFamily; 6] = [
    (
        "wrt_component_usage",
        "gauge",
        "Use of a component limit at the last collection.",
        |l| Some(Value::Count(l.used)),
    ),
    (
        "wrt_component_usage_peak",
        "gauge",
        "Most use of a component limit at any collection.",
        |l| Some(Value::Count(l.peak_used)),
    ),
    (
        "wrt_component_limit",
        "gauge",
        "The cap of a component limit (absent when unlimited).",
        |l| l.limit.map(Value::Count),
    ),
    (
        "wrt_component_limit_utilization_ratio",
        "gauge",
        "Use over cap of a component limit.",
        |l| l.utilization().map(|r| Value::Float(r.as_f64())),
    ),
    (
        "wrt_component_limit_refusals_total",
        "counter",
        "Requests a component limit refused.",
        |l| Some(Value::Count(l.refusals)),
    ),
    (
        "wrt_component_limit_reached_collections_total",
        "counter",
        "Collections at which a component limit had been reached.",
        |l| Some(Value::Count(l.collections_at_limit)),
    ),
];

/// Writes `metrics` in the Prometheus text exposition format.
///
/// ```
/// use wrt_metrics::{ResourceMetrics, export};
///
/// let mut text = String::new();
/// export::prometheus::write(&mut text, &ResourceMetrics::<0, 0>::new())?;
/// assert!(text.contains("# TYPE wrt_memory_in_use_bytes gauge\nwrt_memory_in_use_bytes 0\n"));
/// # Ok::<(), core::fmt::Error>(())
/// ```
pub fn write<W, const POOLS: usize, const COMPONENTS: usize>(
    out: &mut W,
    metrics: &ResourceMetrics<POOLS, COMPONENTS>,
) -> fmt::Result
where
    W: Write + ?Sized,
{
    let mut x = Exposition { out };
    x.single(
        "wrt_metrics_collections_total",
        "counter",
        "Collections made.",
        Value::Count(metrics.collections),
    )?;
    x.family(
        "wrt_resources_live",
        "gauge",
        "Resources held at the last collection.",
    )?;
    for (category, c) in metrics.by_category() {
        x.sample(
            "wrt_resources_live",
            &[("category", &category)],
            count(c.live),
        )?;
    }
    x.family(
        "wrt_resources_live_peak",
        "gauge",
        "Most resources held at any collection.",
    )?;
    for (category, c) in metrics.by_category() {
        x.sample(
            "wrt_resources_live_peak",
            &[("category", &category)],
            count(c.peak_live),
        )?;
    }
    x.family(
        "wrt_allocations_total",
        "counter",
        "Allocation attempts by outcome.",
    )?;
    for (category, c) in metrics.by_category() {
        for (outcome, n) in [("succeeded", c.succeeded), ("failed", c.failed)] {
            let labels: Labels<'_> = &[("category", &category), ("outcome", &outcome)];
            x.sample("wrt_allocations_total", labels, Value::Count(n))?;
        }
    }
    if let Some(rate) = metrics.allocation_success_rate() {
        x.single(
            "wrt_allocation_success_ratio",
            "gauge",
            "Successful over attempted allocations.",
            Value::Float(rate.as_f64()),
        )?;
    }
    x.family(
        "wrt_allocation_duration_seconds",
        "summary",
        "Time of timed allocation attempts, read through the runtime clock.",
    )?;
    let seconds = Value::Float(metrics.total_allocation_time.as_secs_f64());
    x.sample("wrt_allocation_duration_seconds_sum", &[], seconds)?;
    x.sample(
        "wrt_allocation_duration_seconds_count",
        &[],
        Value::Count(metrics.timed_allocations),
    )?;
    x.single(
        "wrt_contention_events_total",
        "counter",
        "Accesses that found a resource locked or busy.",
        Value::Count(metrics.contention_events),
    )?;
    x.single(
        "wrt_memory_in_use_bytes",
        "gauge",
        "Non-pool memory in use at the last collection.",
        count(metrics.memory_in_use),
    )?;
    x.single(
        "wrt_memory_in_use_peak_bytes",
        "gauge",
        "Most non-pool memory in use at any collection.",
        count(metrics.peak_memory_in_use),
    )?;
    if let Some(budget) = metrics.memory_budget {
        x.single(
            "wrt_memory_budget_bytes",
            "gauge",
            "Non-pool memory the sources may use at most.",
            count(budget),
        )?;
    }
    if let Some(free) = metrics.free_space {
        x.single(
            "wrt_heap_free_bytes",
            "gauge",
            "Free heap bytes.",
            count(free.total),
        )?;
        x.single(
            "wrt_heap_largest_free_block_bytes",
            "gauge",
            "Largest contiguous free heap block.",
            count(free.largest),
        )?;
        let fragmentation = Value::Float(free.fragmentation().as_f64());
        x.single(
            "wrt_heap_fragmentation_ratio",
            "gauge",
            "1 - largest free block / total free; 0 when nothing is free.",
            fragmentation,
        )?;
    }
    if let Some(platform) = metrics.platform_memory {
        if let Some(limit) = platform.limit {
            x.single(
                "wrt_platform_memory_limit_bytes",
                "gauge",
                "The platform's memory ceiling for the process.",
                Value::Count(limit),
            )?;
        }
        if let Some(charged) = platform.charged {
            x.single(
                "wrt_platform_memory_charged_bytes",
                "gauge",
                "Bytes the platform has charged against its ceiling.",
                Value::Count(charged),
            )?;
        }
    }
    for (name, kind, help, value) in POOL_FAMILIES {
        let mut samples = metrics
            .pools
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p, value(p)?)))
            .peekable();
        if samples.peek().is_some() {
            x.family(name, kind, help)?;
        }
        for (index, pool, v) in samples {
            x.sample(name, &[("pool", &pool.name), ("index", &index)], v)?;
        }
    }
    if !metrics.components.is_empty() {
        x.family(
            "wrt_component_present",
            "gauge",
            "1 when the component was reported at the last collection.",
        )?;
        for c in metrics.components.iter() {
            x.sample(
                "wrt_component_present",
                &[("component", &c.id.get())],
                Value::Count(u64::from(c.present)),
            )?;
        }
    }
    for (name, kind, help, value) in LIMIT_FAMILIES {
        let mut samples = metrics
            .components
            .iter()
            .flat_map(|c| {
                c.metered()
                    .filter_map(move |(limit, l)| Some((c.id.get(), limit, value(l)?)))
            })
            .peekable();
        if samples.peek().is_some() {
            x.family(name, kind, help)?;
        }
        for (id, limit, v) in samples {
            let labels: Labels<'_> = &[
                ("component", &id),
                ("limit", &limit),
                ("unit", &limit.unit()),
            ];
            x.sample(name, labels, v)?;
        }
    }
    x.family(
        "wrt_metrics_dropped",
        "gauge",
        "Figures reported at the last collection that did not fit the collector's storage.",
    )?;
    x.sample(
        "wrt_metrics_dropped",
        &[("kind", &"pools")],
        count(metrics.dropped_pools),
    )?;
    x.sample(
        "wrt_metrics_dropped",
        &[("kind", &"components")],
        count(metrics.dropped_components),
    )
}
