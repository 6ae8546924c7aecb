//! The exporters, each checked by a real parser: Python's `prometheus_client` for the
//! Prometheus text format, `serde_json` for JSON; the table into a fixed buffer.

mod common;

use core::time::Duration;
use std::io::Write as _;
use std::process::{Command, Stdio};

use common::Scripted;
use serde_json::Value;
use wrt_component::{ComponentId, LimitKind, ResourceCategory};
use wrt_foundation::ManualClock;
use wrt_metrics::{
    CategoryFigures, ComponentFigures, FreeSpace, LimitFigures, OptimizerConfig, PoolFigures,
    ResourceMetrics, ResourceMetricsCollector, ResourceOptimizer, export,
};

/// A pool name that needs every kind of escaping.
const AWKWARD: &str = "dma \"fast\" \\ pool\nline2\ttab\u{1}";

/// Metrics exercising every family, collected over two steps of a scripted workload.
fn rich_metrics() -> ResourceMetrics<4, 4> {
    let clock = ManualClock::new();
    let mut collector = ResourceMetricsCollector::<4, 4>::new(Duration::from_secs(1));
    let mut source = Scripted {
        memory_in_use: 8_192,
        memory_budget: Some(65_536),
        timing: Some((4, Duration::from_micros(100))),
        contention: 3,
        free: Some(FreeSpace::from_blocks([100, 300])),
        ..Scripted::default()
    };
    *source.category_mut(ResourceCategory::Memory) = CategoryFigures {
        live: 2,
        succeeded: 6,
        failed: 2,
        high_water: 0,
    };
    let mut pool = PoolFigures::new(AWKWARD, 256, 8, 6);
    pool.refusals = 1;
    pool.bytes_requested = Some(1_000);
    pool.largest_request = Some(250);
    source.pools = vec![pool, PoolFigures::new("plain", 64, 4, 1)];
    let memory = LimitKind::Memory;
    source.components = vec![
        ComponentFigures::new(ComponentId(7))
            .with(
                memory,
                LimitFigures {
                    used: 4_096,
                    limit: Some(8_192),
                    refusals: 2,
                    peak_demand: Some(9_000),
                },
            )
            .with(
                LimitKind::ExecutionTime,
                LimitFigures {
                    used: 1_500,
                    limit: None,
                    refusals: 0,
                    peak_demand: None,
                },
            ),
    ];
    collector.collect_if_due(&source, &clock).unwrap();
    clock.advance(Duration::from_secs(1));
    source.memory_in_use = 4_096;
    source.pools[0].blocks_used = 3;
    collector.collect_if_due(&source, &clock).unwrap();
    collector.metrics().clone()
}

/// Parses `text` with `prometheus_client.parser.text_string_to_metric_families` and returns
/// every sample as `[family, type, sample name, labels, value]`.
fn parse_with_prometheus_client(text: &str) -> Option<Vec<Value>> {
    let (accepted, output) = run_prometheus_client(text)?;
    assert!(
        accepted,
        "prometheus_client rejected the exposition:\n{output}\n--- text ---\n{text}"
    );
    Some(serde_json::from_str(&output).unwrap())
}

/// Runs the parser on `text`: whether it accepted it, and its stdout (or stderr if not).
fn run_prometheus_client(text: &str) -> Option<(bool, String)> {
    const SCRIPT: &str = r#"
import json, sys
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.exit(3)
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append([family.name, family.type, s.name, s.labels, s.value])
print(json.dumps(out))
"#;
    let python = std::env::var("WRT_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut child = match Command::new(&python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => return skip_or_fail(&format!("cannot run `{python}`: {error}")),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.code() == Some(3) {
        return skip_or_fail(&format!(
            "prometheus_client is not importable by `{python}`"
        ));
    }
    let accepted = output.status.success();
    let shown = if accepted {
        output.stdout
    } else {
        output.stderr
    };
    Some((accepted, String::from_utf8_lossy(&shown).into_owned()))
}

fn skip_or_fail<T>(why: &str) -> Option<T> {
    if std::env::var("WRT_SKIP_PY").as_deref() == Ok("1") {
        eprintln!("skipped (WRT_SKIP_PY=1): {why}");
        return None;
    }
    panic!(
        "{why}. Install it (`pip install prometheus_client`), point WRT_PYTHON at an interpreter \
         that has it, or set WRT_SKIP_PY=1 to skip this check deliberately."
    );
}

fn sample<'a>(samples: &'a [Value], name: &str, labels: &[(&str, &str)]) -> &'a Value {
    let found: Vec<_> = samples
        .iter()
        .filter(|s| s[2] == name && labels.iter().all(|(k, v)| s[3][k] == *v))
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?} in {samples:?}");
    &found[0][4]
}

#[test]
fn prometheus_exposition_is_accepted_by_prometheus_client_with_the_right_values() {
    let metrics = rich_metrics();
    let mut text = String::new();
    export::prometheus::write(&mut text, &metrics).unwrap();
    let Some(samples) = parse_with_prometheus_client(&text) else {
        return;
    };

    assert_eq!(sample(&samples, "wrt_metrics_collections_total", &[]), 2.0);
    assert_eq!(
        sample(&samples, "wrt_resources_live", &[("category", "memory")]),
        2.0
    );
    assert_eq!(
        sample(
            &samples,
            "wrt_resources_live",
            &[("category", "io_handles")]
        ),
        0.0
    );
    let succeeded = [("category", "memory"), ("outcome", "succeeded")];
    assert_eq!(sample(&samples, "wrt_allocations_total", &succeeded), 6.0);
    assert_eq!(sample(&samples, "wrt_allocation_success_ratio", &[]), 0.75);
    assert_eq!(
        sample(&samples, "wrt_allocation_duration_seconds_count", &[]),
        4.0
    );
    assert_eq!(
        sample(&samples, "wrt_allocation_duration_seconds_sum", &[]),
        0.0001
    );
    assert_eq!(sample(&samples, "wrt_contention_events_total", &[]), 3.0);
    assert_eq!(sample(&samples, "wrt_memory_in_use_bytes", &[]), 4096.0);
    assert_eq!(
        sample(&samples, "wrt_memory_in_use_peak_bytes", &[]),
        8192.0
    );
    assert_eq!(sample(&samples, "wrt_memory_budget_bytes", &[]), 65536.0);
    assert_eq!(sample(&samples, "wrt_heap_fragmentation_ratio", &[]), 0.25);
    // The awkward name survives escaping and parsing unchanged.
    let awkward = [("pool", AWKWARD), ("index", "0")];
    assert_eq!(sample(&samples, "wrt_pool_blocks_used", &awkward), 3.0);
    assert_eq!(sample(&samples, "wrt_pool_blocks_used_peak", &awkward), 6.0);
    assert_eq!(
        sample(&samples, "wrt_pool_utilization_ratio", &awkward),
        0.375
    );
    assert_eq!(sample(&samples, "wrt_pool_refusals_total", &awkward), 1.0);
    assert_eq!(
        sample(&samples, "wrt_pool_blocks", &[("pool", "plain")]),
        4.0
    );
    let memory = [
        ("component", "7"),
        ("limit", "max_memory"),
        ("unit", "bytes"),
    ];
    assert_eq!(sample(&samples, "wrt_component_usage", &memory), 4096.0);
    assert_eq!(sample(&samples, "wrt_component_limit", &memory), 8192.0);
    assert_eq!(
        sample(&samples, "wrt_component_limit_utilization_ratio", &memory),
        0.5
    );
    assert_eq!(
        sample(&samples, "wrt_component_limit_refusals_total", &memory),
        2.0
    );
    let time = [("component", "7"), ("limit", "max_execution_time")];
    assert_eq!(sample(&samples, "wrt_component_usage", &time), 1500.0);
    assert!(
        !samples
            .iter()
            .any(|s| s[2] == "wrt_component_limit" && s[3]["limit"] == "max_execution_time"),
        "an unlimited cap is absent, not infinite"
    );
    assert_eq!(
        sample(&samples, "wrt_metrics_dropped", &[("kind", "pools")]),
        0.0
    );
    let types: std::collections::BTreeMap<String, String> = samples
        .iter()
        .map(|s| {
            (
                s[0].as_str().unwrap().to_owned(),
                s[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(types["wrt_allocations"], "counter");
    assert_eq!(types["wrt_allocation_duration_seconds"], "summary");
    assert_eq!(types["wrt_pool_utilization_ratio"], "gauge");
}

#[test]
fn the_parser_check_has_teeth_it_rejects_malformed_exposition() {
    for broken in [
        "wrt_x{pool=\"unterminated} 1\n",
        "wrt_x{pool=\"a\"} not_a_number\n",
    ] {
        let Some((accepted, _)) = run_prometheus_client(broken) else {
            return;
        };
        assert!(!accepted, "accepted: {broken}");
    }
}

#[test]
fn prometheus_exposition_of_empty_metrics_is_accepted_and_omits_undefined_figures() {
    let mut text = String::new();
    export::prometheus::write(&mut text, &ResourceMetrics::<0, 0>::new()).unwrap();
    assert!(!text.contains("NaN") && !text.contains("success_ratio"));
    let Some(samples) = parse_with_prometheus_client(&text) else {
        return;
    };
    assert_eq!(sample(&samples, "wrt_metrics_collections_total", &[]), 0.0);
}

#[test]
fn json_is_valid_and_carries_every_figure() {
    let metrics = rich_metrics();
    let mut text = String::new();
    export::json::write(&mut text, &metrics).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(json["collections"], 2);
    assert_eq!(json["collected_at_ns"], 1_000_000_000u64);
    assert_eq!(json["categories"]["memory"]["succeeded"], 6);
    assert_eq!(json["categories"]["memory"]["success_rate"], 0.75);
    assert_eq!(json["categories"]["tables"]["success_rate"], Value::Null);
    assert_eq!(json["memory"]["peak_in_use"], 8_192);
    assert_eq!(json["allocations"]["average_time_ns"], 25_000);
    assert_eq!(json["heap"]["fragmentation"], 0.25);
    assert_eq!(json["pools"][0]["name"], AWKWARD);
    assert_eq!(json["pools"][0]["peak_utilization"], 0.75);
    assert_eq!(json["pools"][1]["bytes_requested"], Value::Null);
    let component = &json["components"][0];
    assert_eq!(component["id"], 7);
    assert_eq!(component["limits"]["max_memory"]["peak_demand"], 9_000);
    assert_eq!(
        component["limits"]["max_execution_time"]["limit"],
        Value::Null
    );
    assert_eq!(
        component["limits"]["max_execution_time"]["unit"],
        "microseconds"
    );

    let mut empty = String::new();
    export::json::write(&mut empty, &ResourceMetrics::<0, 0>::new()).unwrap();
    let empty: Value = serde_json::from_str(&empty).unwrap();
    assert_eq!(empty["heap"], Value::Null);
}

#[test]
fn table_fits_a_fixed_buffer_and_reports_overflow() {
    let metrics = rich_metrics();
    let mut fixed: heapless::String<4096> = heapless::String::new();
    export::table::write(&mut fixed, &metrics).unwrap();
    assert!(fixed.contains("memory in use: 4096 B (peak 8192 B, budget 65536 B)"));
    assert!(fixed.contains("mean time 25µs over 4 timed"));
    assert!(fixed.contains("fragmentation 25.0%"));
    assert!(
        fixed
            .lines()
            .any(|l| l.starts_with("memory") && l.ends_with("75.0%"))
    );
    assert!(
        fixed
            .lines()
            .any(|l| l.contains("max_memory") && l.contains("8192") && l.contains("50.0%"))
    );

    // A backslash in the name is written doubled, so that the name's own `\n` cannot be
    // told apart from an escaped newline (outside audit: it was written as it is).
    assert!(
        fixed.contains(r#"0    dma "fast" \\ pool\nline2\ttab\u{1}        256"#),
        "{fixed}"
    );

    let mut tiny: heapless::String<64> = heapless::String::new();
    assert!(export::table::write(&mut tiny, &metrics).is_err());
}

#[test]
fn advice_table_lists_recommendations_and_computed_figures() {
    let metrics = rich_metrics();
    let result = ResourceOptimizer::new(OptimizerConfig::default()).optimize::<4, 4, 8>(&metrics);
    let mut text = String::new();
    export::table::write_advice(&mut text, &result).unwrap();
    let reserved = result.reserved();
    assert!(
        text.contains(&format!(
            "reserved memory: {} B -> {} B",
            reserved.before, reserved.after
        )),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("- ")).count(),
        result.recommendations.len()
    );
}

#[cfg(feature = "alloc")]
#[test]
fn string_helpers_match_the_writers() {
    let metrics = rich_metrics();
    let mut text = String::new();
    export::prometheus::write(&mut text, &metrics).unwrap();
    assert_eq!(export::prometheus_string(&metrics), text);
    text.clear();
    export::json::write(&mut text, &metrics).unwrap();
    assert_eq!(export::json_string(&metrics), text);
    text.clear();
    export::table::write(&mut text, &metrics).unwrap();
    assert_eq!(export::table_string(&metrics), text);
}
