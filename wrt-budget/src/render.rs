//! Text tables for people, JSON for machines.

use core::fmt::Write as _;

use wrt_component::LimitKind;
use wrt_component::admission::{AdmissionReport, LimitRow, Policy, Requirements, Verdict};

/// The outcome for one input file.
pub enum Outcome {
    /// Read and judged.
    Judged {
        requirements: Box<Requirements>,
        report: Box<AdmissionReport>,
        /// Why the plan step failed for an admitted binary (it cannot for a fresh component
        /// under the same limits, but the tool says so rather than hide it).
        plan_error: Option<String>,
        /// The planned component's metrics, when `--metrics` asked for them.
        plan_metrics: Option<PlanMetrics>,
        /// The WebAssembly proposals the binary uses (wasmparser's feature names).
        proposals: Vec<String>,
    },
    /// Could not be read or judged.
    Failed { message: String },
}

/// The planned component's metrics, in both of the tool's forms.
pub struct PlanMetrics {
    /// wrt-metrics' table, for the text output.
    pub table: String,
    /// wrt-metrics' JSON document, for `--json`.
    pub json: String,
}

/// One file's result, as printed.
pub struct FileResult {
    pub path: String,
    pub outcome: Outcome,
}

/// A readable table for one file.
pub fn text(result: &FileResult) -> String {
    let mut out = String::new();
    let (requirements, report, plan_error, plan_metrics, proposals) = match &result.outcome {
        Outcome::Failed { message } => {
            // One line per file, whatever the message: wasmparser's span several.
            let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(out, "{}: ERROR: {message}", result.path);
            return out;
        }
        Outcome::Judged {
            requirements,
            report,
            plan_error,
            plan_metrics,
            proposals,
        } => (requirements, report, plan_error, plan_metrics, proposals),
    };
    let decision = match (report.is_admitted(), plan_error) {
        (true, None) => "ADMITTED",
        (true, Some(_)) => "REFUSED (plan failed)",
        (false, _) => "REFUSED",
    };
    let _ = writeln!(
        out,
        "{}: {}, {} bytes: {decision} (policy: {})",
        result.path,
        requirements.kind(),
        requirements.size_bytes(),
        policy_name(report.policy)
    );
    let header = [
        "resource", "initial", "maximum", "declared", "limit", "headroom", "verdict",
    ];
    let mut lines = vec![header.map(String::from).to_vec()];
    for row in &report.rows {
        lines.push(vec![
            row.kind.label().to_string(),
            amount(row.kind, row.requested),
            maximum(row),
            amount(row.kind, row.declared),
            limit(row),
            headroom(row),
            verdict(row),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                if c == 0 || c == header.len() - 1 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
    }
    for violation in &report.violations {
        let _ = writeln!(out, "  refused: {violation}");
    }
    if report.opaque_instantiations() > 0 {
        let _ = writeln!(
            out,
            "  note: {} instantiation(s) of imported modules/components are not counted",
            report.opaque_instantiations()
        );
    }
    let _ = writeln!(out, "  holds: {}", holdings(requirements));
    let (memories, tables) = crate::inventory::inventory(requirements);
    for line in crate::inventory::lines(&memories, &tables, proposals) {
        let _ = writeln!(out, "  {line}");
    }
    if let Some(held) = &report.planned {
        let _ = writeln!(
            out,
            "  plan: reserved in a ComponentResourceManager: {} instance(s), {} memory(ies) \
             with {}, {} table(s) with {} element(s)",
            held.instances,
            held.memories,
            bytes(held.memory_used as u64),
            held.tables,
            held.table_elements_used
        );
    }
    if let Some(error) = plan_error {
        let _ = writeln!(out, "  plan failed: {error}");
    }
    if let Some(metrics) = plan_metrics {
        for line in metrics.table.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// The closing summary line.
pub fn summary(results: &[FileResult]) -> String {
    let (admitted, refused, errors) = counts(results);
    format!(
        "summary: {} file(s): {admitted} admitted, {refused} refused, {errors} error(s)\n",
        results.len()
    )
}

/// (admitted, refused, errors).
pub fn counts(results: &[FileResult]) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    for result in results {
        match &result.outcome {
            Outcome::Judged {
                report,
                plan_error: None,
                ..
            } if report.is_admitted() => {
                counts.0 += 1;
            }
            Outcome::Judged { .. } => counts.1 += 1,
            Outcome::Failed { .. } => counts.2 += 1,
        }
    }
    counts
}

pub fn policy_name(policy: Policy) -> &'static str {
    match policy {
        Policy::WorstCase => "worst-case",
        Policy::Instantiation => "instantiation",
    }
}

fn amount(kind: LimitKind, value: Option<u64>) -> String {
    match value {
        None => "-".to_string(),
        Some(u64::MAX) => "unbounded".to_string(),
        Some(v) => match kind {
            LimitKind::Memory => bytes(v),
            LimitKind::ExecutionTime => micros(v),
            _ => v.to_string(),
        },
    }
}

fn maximum(row: &LimitRow) -> String {
    let shown = amount(row.kind, row.worst_case);
    if row.unbounded && row.limit.is_some() {
        format!("{shown}*")
    } else {
        shown
    }
}

fn limit(row: &LimitRow) -> String {
    row.limit
        .map_or_else(|| "unlimited".to_string(), |l| amount(row.kind, Some(l)))
}

fn headroom(row: &LimitRow) -> String {
    match row.headroom() {
        None => "-".to_string(),
        Some(h) if h < 0 => {
            format!(
                "-{}",
                amount(row.kind, Some(u64::try_from(-h).unwrap_or(u64::MAX)))
            )
        }
        Some(h) => amount(row.kind, Some(u64::try_from(h).unwrap_or(u64::MAX))),
    }
}

fn verdict(row: &LimitRow) -> String {
    match (row.verdict, row.unbounded) {
        (Verdict::Fits | Verdict::GrowthLimited, true) => {
            format!("{} (unbounded, *judged at limit)", row.verdict)
        }
        (verdict, _) => verdict.to_string(),
    }
}

/// `131072` → `128 KiB`; exact multiples only, otherwise bytes.
fn bytes(value: u64) -> String {
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if value >= scale && value.is_multiple_of(scale) {
            return format!("{} {unit}", value / scale);
        }
    }
    format!("{value} B")
}

fn micros(value: u64) -> String {
    if value >= 1_000_000 && value.is_multiple_of(1_000_000) {
        format!("{} s", value / 1_000_000)
    } else if value >= 1000 && value.is_multiple_of(1000) {
        format!("{} ms", value / 1000)
    } else {
        format!("{value} us")
    }
}

fn holdings(requirements: &Requirements) -> String {
    let totals = requirements.totals();
    let mut parts = vec![format!(
        "{} instance(s), {} memory(ies), {} table(s)",
        totals.instances, totals.memories, totals.tables
    )];
    match requirements {
        Requirements::Module(m) => {
            parts.push(format!(
                "{} function(s) ({} imported), {} global(s), {} import(s), {} export(s)",
                m.functions.total(),
                m.functions.imported,
                m.globals.total(),
                m.imports,
                m.exports
            ));
            parts.push(format!(
                "{} data segment(s) ({}), {} element segment(s) ({} items)",
                m.data_segments,
                bytes(m.data_bytes),
                m.element_segments,
                m.element_items
            ));
            if !m.custom_sections.names.is_empty() {
                // Quoted and escaped: a name is the binary's to choose, and must not be
                // able to print a line of its own into the report.
                let names: Vec<String> = m
                    .custom_sections
                    .names
                    .iter()
                    .map(|name| format!("{name:?}"))
                    .collect();
                parts.push(format!("custom sections: {}", names.join(", ")));
            }
        }
        Requirements::Component(c) => parts.push(format!(
            "{} nested module(s), {} nested component(s), {} resource type(s) defined, {} imported",
            c.modules.len(),
            c.components.len(),
            c.resource_types.len(),
            c.imported_resource_types
        )),
    }
    parts.join("; ")
}
