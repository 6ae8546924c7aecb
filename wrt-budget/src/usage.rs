//! The usage report of `wrt-budget run`: what the program held and did, and how it ended.

use std::time::Duration;

use serde::Serialize;
use std::sync::Arc;
use wrt_component::ResourceError;

use wrt_component::engine::{GrowthStats, OnRefusal, Refusal, SharedBudget, StoreLimiter};
use wrt_wasmtime::Governor;

const PAGE: u64 = 65_536;

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The program exited (returned from `_start` or `run`, or called `proc_exit`).
    Exited {
        /// Its exit code.
        code: i32,
    },
    /// The program trapped.
    Trapped {
        /// The trap as wasmtime tells it.
        message: String,
        /// The refusal that stopped it, when a wrt limit did.
        limit: Option<String>,
    },
}

/// One exported linear memory at the end of the run (memories never shrink, so its size
/// then is its peak).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryFigures {
    /// Its export name.
    pub name: String,
    /// Bytes.
    pub peak_bytes: u64,
    /// Wasm pages of its page size.
    pub peak_pages: u64,
}

/// One refusal as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalFigures {
    /// What was asked (`GrowMemory`, `HostCall`, ...).
    pub request: String,
    /// `deny` (the instruction returned -1) or `trap`.
    pub action: &'static str,
    /// The full error, with requested, used and limit.
    pub error: String,
}

/// Growth figures of memories or tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GrowthFigures {
    /// Created.
    pub created: u64,
    /// Growths granted.
    pub grows_granted: u64,
    /// Growths and creations refused by a limit.
    pub grows_refused: u64,
    /// Most held at once, over all of them (bytes for memories, elements for tables).
    pub peak: u64,
}

impl From<&GrowthStats> for GrowthFigures {
    fn from(stats: &GrowthStats) -> Self {
        Self {
            created: stats.created,
            grows_granted: stats.grows_granted,
            grows_refused: stats.refused,
            peak: u64::try_from(stats.peak).unwrap_or(u64::MAX),
        }
    }
}

/// Everything `run` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageReport {
    /// The file run.
    pub file: String,
    /// `module` (WASI preview1) or `component` (WASI preview2).
    pub kind: &'static str,
    /// Exported memories at the end.
    pub memories: Vec<MemoryFigures>,
    /// Memories over all, from the limiter.
    pub memory: GrowthFigures,
    /// Peak of all linear memory, in 64 KiB pages.
    pub memory_peak_pages: u64,
    /// Tables over all.
    pub tables: GrowthFigures,
    /// Instances created.
    pub instances: u64,
    /// Entries from the host into Wasm.
    pub wasm_entries: u64,
    /// Calls from Wasm into the host.
    pub host_calls: u64,
    /// Fuel burnt (`None` when fuel was off).
    pub fuel: Option<u64>,
    /// Execution time charged, in microseconds.
    pub execution_time_us: u64,
    /// Every refusal kept, in order (the first 32; `refusals_total` counts all).
    pub refusals: Vec<RefusalFigures>,
    /// Refusals over all.
    pub refusals_total: u64,
    /// How it ended.
    pub outcome: Outcome,
}

impl UsageReport {
    /// The report of a store's limiter after the run (either engine's governor has one).
    pub fn new(
        file: String,
        kind: &'static str,
        limiter: &StoreLimiter<Arc<SharedBudget>>,
        memories: Vec<MemoryFigures>,
        fuel_on: bool,
        outcome: Outcome,
    ) -> Self {
        let usage = limiter.usage();
        let memory = GrowthFigures::from(limiter.memory_stats());
        Self {
            file,
            kind,
            memories,
            memory_peak_pages: memory.peak / PAGE,
            memory,
            tables: GrowthFigures::from(limiter.table_stats()),
            instances: u64::try_from(usage.instances).unwrap_or(u64::MAX),
            wasm_entries: usage.function_calls_made,
            host_calls: usage.host_calls_made,
            fuel: fuel_on.then_some(usage.fuel_consumed),
            execution_time_us: micros(usage.execution_time),
            refusals: limiter.refusals().kept().iter().map(refusal).collect(),
            refusals_total: limiter.refusals().total(),
            outcome,
        }
    }

    /// The report as text, one figure a line, for stderr.
    pub fn text(&self) -> String {
        let mut text = format!("--- wrt-budget usage: {} ({})\n", self.file, self.kind);
        for memory in &self.memories {
            text.push_str(&format!(
                "memory {:<18} peak {} bytes ({} pages)\n",
                memory.name, memory.peak_bytes, memory.peak_pages
            ));
        }
        let growth = |name: &str, g: &GrowthFigures, unit: &str| {
            format!(
                "{name:<25} {} created, {} grows granted, {} refused, peak {} {unit}\n",
                g.created, g.grows_granted, g.grows_refused, g.peak
            )
        };
        text.push_str(&growth("memories", &self.memory, "bytes"));
        text.push_str(&format!(
            "memory peak (all)         {} pages\n",
            self.memory_peak_pages
        ));
        text.push_str(&growth("tables", &self.tables, "elements"));
        text.push_str(&format!("instances                 {}\n", self.instances));
        text.push_str(&format!(
            "wasm entries              {}\n",
            self.wasm_entries
        ));
        text.push_str(&format!("host calls                {}\n", self.host_calls));
        match self.fuel {
            Some(fuel) => text.push_str(&format!("fuel                      {fuel}\n")),
            None => text.push_str("fuel                      off\n"),
        }
        text.push_str(&format!(
            "execution time            {} us\n",
            self.execution_time_us
        ));
        text.push_str(&format!(
            "refusals                  {}\n",
            self.refusals_total
        ));
        for r in &self.refusals {
            text.push_str(&format!("  {} ({}): {}\n", r.request, r.action, r.error));
        }
        match &self.outcome {
            Outcome::Exited { code } => {
                text.push_str(&format!("outcome                   exited with {code}\n"))
            }
            Outcome::Trapped {
                message,
                limit: Some(limit),
            } => {
                // The engine's own words only where they add to the limit's (its fuel trap).
                if message.ends_with(limit.as_str()) {
                    text.push_str(&format!(
                        "outcome                   trapped by a limit: {limit}\n"
                    ));
                } else {
                    text.push_str(&format!(
                        "outcome                   trapped by a limit: {limit} ({message})\n"
                    ));
                }
            }
            Outcome::Trapped {
                message,
                limit: None,
            } => {
                text.push_str(&format!("outcome                   trapped: {message}\n"));
            }
        }
        text
    }
}

fn refusal(r: &Refusal) -> RefusalFigures {
    RefusalFigures {
        request: format!("{:?}", r.request),
        action: match r.action {
            OnRefusal::Deny => "deny",
            OnRefusal::Trap => "trap",
        },
        error: r.error.to_string(),
    }
}

/// The refusal that stopped the program, from its trap or from the log.
pub fn limit_of(error: &wasmtime::Error, governor: &Governor) -> Option<ResourceError> {
    let recorded = governor.limiter().refusals().last_trap();
    match wrt_wasmtime::limit_refusal(error) {
        Some(trapped) => Some(as_recorded(trapped, recorded)),
        // wasmtime's own fuel trap: the governor booked it as a refusal of max_fuel.
        None => match error.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => recorded.map(|r| r.error),
            _ => None,
        },
    }
}

/// The stop `trapped` reports, with the figures the refusal log recorded for it. A time
/// limit refuses the charge that passed it and then, with their own figures, the charges
/// made while its trap unwinds (one per Wasm frame); the error that reaches the host is
/// one of the latter, the log holds the first. The outcome must say what the log says.
pub fn as_recorded(trapped: ResourceError, recorded: Option<&Refusal>) -> ResourceError {
    match recorded {
        Some(first) if first.error.exceeded_limit() == trapped.exceeded_limit() => first.error,
        _ => trapped,
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}
