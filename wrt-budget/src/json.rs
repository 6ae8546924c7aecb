//! The whole run as one JSON document (`--json`), for machines.

use serde::Serialize;

use crate::inventory::{MemoryEntry, TableEntry, inventory};
use crate::render::{FileResult, Outcome, counts, policy_name};

#[derive(Serialize)]
struct JsonOutput<'a> {
    files: Vec<JsonFile<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    admitted: usize,
    refused: usize,
    errors: usize,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    admitted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'static str>,
    rows: Vec<JsonRow>,
    violations: Vec<JsonViolation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opaque_instantiations: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    planned: Option<JsonPlanned>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan_error: Option<&'a str>,
    /// wrt-metrics' JSON document of the planned component (`--metrics`).
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<serde_json::Value>,
    memories: Vec<MemoryEntry>,
    tables: Vec<TableEntry>,
    proposals: Vec<String>,
}

#[derive(Serialize)]
struct JsonPlanned {
    instances: usize,
    memories: usize,
    memory_bytes: usize,
    tables: usize,
    table_elements: usize,
}

#[derive(Serialize)]
struct JsonRow {
    resource: &'static str,
    field: &'static str,
    unit: &'static str,
    requested: Option<u64>,
    worst_case: Option<u64>,
    declared: Option<u64>,
    limit: Option<u64>,
    headroom: Option<i128>,
    unbounded: bool,
    verdict: &'static str,
}

#[derive(Serialize)]
struct JsonViolation {
    field: &'static str,
    reason: &'static str,
    value: u64,
    limit: u64,
}

/// The whole run as one JSON document.
pub fn json(results: &[FileResult]) -> String {
    let (admitted, refused, errors) = counts(results);
    let files = results.iter().map(json_file).collect();
    let output = JsonOutput {
        files,
        summary: JsonSummary {
            files: results.len(),
            admitted,
            refused,
            errors,
        },
    };
    serde_json::to_string_pretty(&output).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn json_file(result: &FileResult) -> JsonFile<'_> {
    let mut file = JsonFile {
        path: &result.path,
        error: None,
        kind: None,
        size_bytes: None,
        admitted: None,
        policy: None,
        rows: Vec::new(),
        violations: Vec::new(),
        opaque_instantiations: None,
        planned: None,
        plan_error: None,
        metrics: None,
        memories: Vec::new(),
        tables: Vec::new(),
        proposals: Vec::new(),
    };
    match &result.outcome {
        Outcome::Failed { message } => file.error = Some(message),
        Outcome::Judged {
            requirements,
            report,
            plan_error,
            plan_metrics,
            proposals,
            ..
        } => {
            // wrt-metrics writes valid JSON; a document it could not write is left out
            // rather than printed broken.
            file.metrics = plan_metrics
                .as_ref()
                .and_then(|metrics| serde_json::from_str(&metrics.json).ok());
            (file.memories, file.tables) = inventory(requirements);
            file.proposals.clone_from(proposals);
            file.plan_error = plan_error.as_deref();
            file.planned = report.planned.map(|held| JsonPlanned {
                instances: held.instances,
                memories: held.memories,
                memory_bytes: held.memory_used,
                tables: held.tables,
                table_elements: held.table_elements_used,
            });
            file.kind = Some(requirements.kind());
            file.size_bytes = Some(requirements.size_bytes());
            file.admitted = Some(report.is_admitted());
            file.policy = Some(policy_name(report.policy));
            file.opaque_instantiations = Some(report.opaque_instantiations());
            file.rows = report
                .rows
                .iter()
                .map(|row| JsonRow {
                    resource: row.kind.label(),
                    field: row.kind.field_name(),
                    unit: row.kind.unit(),
                    requested: row.requested,
                    worst_case: row.worst_case,
                    declared: row.declared,
                    limit: row.limit,
                    headroom: row.headroom(),
                    unbounded: row.unbounded,
                    verdict: row.verdict.label(),
                })
                .collect();
            file.violations = report
                .violations
                .iter()
                .map(|v| JsonViolation {
                    field: v.kind.field_name(),
                    reason: v.reason.label(),
                    value: v.value,
                    limit: v.limit,
                })
                .collect();
        }
    }
    file
}
