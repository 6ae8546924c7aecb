//! Command line and the run loop, kept apart from `main` so tests can drive it in-process.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use wrt_component::admission::{
    PlanError, Policy, admit_with, plan, proposals_used, read_requirements,
};
use wrt_component::{ComponentId, ComponentResourceManager, ResourceLimits};
use wrt_metrics::ResourceMetricsCollector;

use crate::json;
use crate::limit_args::{LimitArgs, load};
use crate::render::{self, FileResult, Outcome, PlanMetrics};

/// Every file admitted.
pub const EXIT_ADMITTED: u8 = crate::EXIT_OK;
pub use crate::{EXIT_ERROR, EXIT_REFUSED};

/// `wrt-budget check`: judge WebAssembly modules and components against a component's
/// resource limits before instantiating them.
///
/// Limits start from wrt-component's conservative defaults, then the --limits file, then the
/// flags. Exit status: 0 all admitted, 1 some refused, 2 an error.
#[derive(Debug, Parser)]
#[command(name = "wrt-budget check", version)]
pub struct Args {
    /// Binaries to judge: .wasm modules or components (.wat text is compiled first).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The limits.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// worst-case: refuse if growth to the declared maxima would exceed a limit;
    /// instantiation: refuse only if instantiation itself would.
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
    /// After each plan, print the resource metrics of what the component now holds
    /// (collected by wrt-metrics from the planned ComponentResourceManager).
    #[arg(long)]
    pub metrics: bool,
    /// No progress lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Judge every file of `args`.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (limits, policy) = match args.limits.resolve(args.policy.as_deref()) {
        Ok(found) => found,
        Err(message) => {
            let _ = writeln!(err, "wrt-budget: {message}");
            return EXIT_ERROR;
        }
    };
    let total = args.files.len();
    let mut results = Vec::with_capacity(total);
    for (index, path) in args.files.iter().enumerate() {
        if total > 1 && !args.quiet {
            let _ = writeln!(err, "[{}/{total}] {}", index + 1, path.display());
        }
        let result = FileResult {
            path: path.display().to_string(),
            outcome: judge(path, &limits, policy, args.metrics),
        };
        if !args.json {
            let _ = write!(out, "{}", render::text(&result));
        }
        results.push(result);
    }
    if args.json {
        let _ = writeln!(out, "{}", json::json(&results));
    } else {
        let _ = write!(out, "{}", render::summary(&results));
    }
    match render::counts(&results) {
        (_, _, errors) if errors > 0 => EXIT_ERROR,
        (_, refused, _) if refused > 0 => EXIT_REFUSED,
        _ => EXIT_ADMITTED,
    }
}

fn judge(path: &Path, limits: &ResourceLimits, policy: Policy, metrics: bool) -> Outcome {
    let bytes = match load(path) {
        Ok(bytes) => bytes,
        Err(message) => return Outcome::Failed { message },
    };
    match read_requirements(&bytes) {
        Ok(requirements) => {
            let mut report = admit_with(&requirements, limits, policy);
            // Reserve the admitted instantiation in a fresh component, as a runtime would.
            let mut component = ComponentResourceManager::new(ComponentId(0), *limits);
            let plan_error = match plan(&mut report, &mut component) {
                Ok(_) | Err(PlanError::NotAdmitted { .. }) => None,
                Err(error) => Some(error.to_string()),
            };
            let plan_metrics = metrics.then(|| plan_metrics(&component));
            Outcome::Judged {
                requirements: Box::new(requirements),
                report: Box::new(report),
                plan_error,
                plan_metrics,
                proposals: proposals_used(&bytes),
            }
        }
        Err(error) => Outcome::Failed {
            message: error.to_string(),
        },
    }
}

/// The metrics of the planned component as wrt-metrics collects and prints them: what an
/// operator would see for this component right after instantiation.
fn plan_metrics(component: &ComponentResourceManager) -> PlanMetrics {
    let clock = wrt_foundation::clock::StdClock::new();
    let mut collector = ResourceMetricsCollector::<0, 1>::new(Duration::ZERO);
    let metrics = collector.collect_now(component, &clock);
    PlanMetrics {
        table: wrt_metrics::export::table_string(metrics),
        json: wrt_metrics::export::json_string(metrics),
    }
}
