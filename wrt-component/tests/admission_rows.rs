//! Every row of the admission report, on the committed fixtures.
#![cfg(feature = "alloc")]

mod support;

use support::fixtures::{self, requirements as read};
use wrt_component::admission::{
    AdmissionReport, LimitRow, ModuleRequirements, Origin, Policy, Requirements, Verdict,
    ViolationReason, admit, admit_with,
};
use wrt_component::{LimitKind, ResourceLimits};

const PAGE: u64 = 65_536;

fn module(name: &str) -> ModuleRequirements {
    match read(name) {
        Requirements::Module(module) => module,
        other => panic!("{name} is a {}", other.kind()),
    }
}

fn row(report: &AdmissionReport, kind: LimitKind) -> LimitRow {
    *report.row(kind).unwrap()
}

#[test]
fn module_requirements_count_every_item() {
    let m = module("module_full.wasm");
    assert_eq!((m.memories.len(), m.tables.len()), (1, 1));
    assert_eq!((m.globals.imported, m.globals.defined), (1, 2));
    assert_eq!((m.functions.imported, m.functions.defined), (2, 3));
    assert_eq!(m.functions.total(), 5);
    assert_eq!((m.imports, m.exports), (3, 3));
    assert_eq!((m.element_segments, m.element_items), (2, 4));
    assert!(m.element_bytes > 0);
    assert_eq!((m.data_segments, m.data_bytes), (2, 13));
    let names = &m.custom_sections.names;
    assert!(names.iter().any(|n| n == "producers-note"), "{names:?}");
    assert!(names.iter().any(|n| n == "name-hint"), "{names:?}");
    assert_eq!(m.custom_sections.count as usize, names.len());
    assert_eq!(m.declared_limits, None);
    assert_eq!(
        m.size_bytes,
        std::fs::metadata(fixtures::path("module_full.wasm"))
            .unwrap()
            .len()
    );
}

#[test]
fn defined_memory_row_shows_initial_maximum_limit_and_headroom() {
    let report = admit(&read("memory_defined.wasm"), &ResourceLimits::default());
    let memory = row(&report, LimitKind::Memory);
    assert_eq!(memory.requested, Some(PAGE));
    assert_eq!(memory.worst_case, Some(2 * PAGE));
    assert_eq!(memory.limit, Some(64 << 20));
    assert_eq!(memory.headroom(), Some((64 << 20) - 2 * i128::from(PAGE)));
    assert_eq!((memory.verdict, memory.unbounded), (Verdict::Fits, false));
    assert_eq!(row(&report, LimitKind::Memories).requested, Some(1));
    assert!(report.is_admitted());
}

#[test]
fn imported_memory_is_charged_to_a_top_level_module() {
    let requirements = read("memory_imported.wasm");
    let Requirements::Module(m) = &requirements else {
        panic!()
    };
    assert_eq!(
        m.memories[0].origin,
        Origin::Imported {
            module: "env".into(),
            name: "memory".into()
        }
    );
    let report = admit(&requirements, &ResourceLimits::default());
    let memory = row(&report, LimitKind::Memory);
    assert_eq!(
        (memory.requested, memory.worst_case),
        (Some(2 * PAGE), Some(4 * PAGE))
    );
}

#[test]
fn unbounded_memory_is_judged_at_the_limit_and_flagged() {
    let requirements = read("memory_unbounded.wasm");
    let limits = ResourceLimits {
        max_memory: 4 * PAGE as usize,
        ..ResourceLimits::default()
    };
    let report = admit(&requirements, &limits);
    let memory = row(&report, LimitKind::Memory);
    assert!(memory.unbounded);
    assert_eq!(memory.worst_case, Some(4 * PAGE));
    assert_eq!(memory.headroom(), Some(0));
    assert_eq!(memory.verdict, Verdict::Fits);
    assert!(report.is_admitted());

    let unlimited = admit(&requirements, &ResourceLimits::unlimited());
    assert_eq!(
        row(&unlimited, LimitKind::Memory).worst_case,
        Some(u64::MAX)
    );
    assert_eq!(row(&unlimited, LimitKind::Memory).headroom(), None);
}

#[test]
fn requested_memory_above_the_limit_is_refused() {
    let limits = ResourceLimits {
        max_memory: (PAGE / 2) as usize,
        ..ResourceLimits::default()
    };
    let report = admit(&read("memory_unbounded.wasm"), &limits);
    assert!(!report.is_admitted());
    assert_eq!(row(&report, LimitKind::Memory).verdict, Verdict::Exceeds);
    let violation = report.violations[0];
    assert_eq!(violation.reason, ViolationReason::RequestedExceedsLimit);
    assert_eq!((violation.value, violation.limit), (PAGE, PAGE / 2));
    assert_eq!(violation.kind, LimitKind::Memory);
    assert!(violation.to_string().contains("max_memory"));
}

#[test]
fn shared_memory_worst_case_depends_on_policy() {
    let requirements = read("memory_shared.wasm");
    let Requirements::Module(m) = &requirements else {
        panic!()
    };
    assert!(m.memories[0].shared);
    let limits = ResourceLimits {
        max_memory: 8 * PAGE as usize,
        ..ResourceLimits::default()
    };
    let strict = admit(&requirements, &limits);
    assert!(!strict.is_admitted());
    assert_eq!(
        strict.violations[0].reason,
        ViolationReason::WorstCaseExceedsLimit
    );
    assert_eq!(strict.violations[0].value, 16 * PAGE);

    let lenient = admit_with(&requirements, &limits, Policy::Instantiation);
    assert!(lenient.is_admitted());
    assert_eq!(
        row(&lenient, LimitKind::Memory).verdict,
        Verdict::GrowthLimited
    );
    assert_eq!(
        row(&lenient, LimitKind::Memory).headroom(),
        Some(-8 * i128::from(PAGE))
    );
}

#[test]
fn memory64_is_read_and_sized() {
    let m = module("memory64.wasm");
    assert!(m.memories[0].memory64);
    assert_eq!(
        (m.memories[0].initial_pages, m.memories[0].maximum_pages),
        (1, Some(3))
    );
    assert_eq!(m.memories[0].maximum_bytes(), Some(3 * PAGE));
}

#[test]
fn memories_count_row_refuses_too_many_memories() {
    let requirements = read("multi_memory.wasm");
    let limits = ResourceLimits {
        max_memories: 2,
        ..ResourceLimits::default()
    };
    let report = admit(&requirements, &limits);
    let memories = row(&report, LimitKind::Memories);
    assert_eq!(
        (memories.requested, memories.verdict),
        (Some(3), Verdict::Exceeds)
    );
    assert_eq!(row(&report, LimitKind::Memory).requested, Some(4 * PAGE));
    assert_eq!(report.violations.len(), 1);
}

#[test]
fn table_elements_row_refuses_by_request_and_by_worst_case() {
    let requirements = read("table_defined.wasm");
    let by_worst = admit(
        &requirements,
        &ResourceLimits {
            max_table_size: 15,
            ..Default::default()
        },
    );
    let elements = row(&by_worst, LimitKind::TableElements);
    assert_eq!(
        (elements.requested, elements.worst_case),
        (Some(10), Some(20))
    );
    assert_eq!(
        by_worst.violations[0].reason,
        ViolationReason::WorstCaseExceedsLimit
    );
    let by_request = admit(
        &requirements,
        &ResourceLimits {
            max_table_size: 5,
            ..Default::default()
        },
    );
    assert_eq!(
        by_request.violations[0].reason,
        ViolationReason::RequestedExceedsLimit
    );
    let Requirements::Module(m) = &requirements else {
        panic!()
    };
    assert_eq!(m.tables[0].element_type, "funcref");
}

#[test]
fn imported_unbounded_table_and_tables_count() {
    let requirements = read("table_imported.wasm");
    let Requirements::Module(m) = &requirements else {
        panic!()
    };
    assert!(m.tables[0].origin.is_imported());
    assert_eq!(m.tables[0].element_type, "externref");
    assert_eq!(m.tables[0].maximum_elements, None);
    let limits = ResourceLimits {
        max_tables: 1,
        max_table_size: 100,
        ..Default::default()
    };
    let report = admit(&requirements, &limits);
    let elements = row(&report, LimitKind::TableElements);
    assert!(elements.unbounded);
    assert_eq!(
        (elements.requested, elements.worst_case),
        (Some(8), Some(100))
    );
    assert_eq!(row(&report, LimitKind::Tables).verdict, Verdict::Exceeds);
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].kind, LimitKind::Tables);
}

#[test]
fn component_charges_what_it_instantiates() {
    let requirements = read("component_nested.wasm");
    let Requirements::Component(c) = &requirements else {
        panic!()
    };
    let instantiations: Vec<u32> = c.modules.iter().map(|m| m.instantiations).collect();
    assert_eq!(instantiations, [2, 1, 0]);
    assert_eq!((c.core_instances, c.component_instances), (3, 1));
    assert_eq!((c.resource_types.len(), c.imported_resource_types), (1, 1));
    assert_eq!(c.components.len(), 1);
    assert_eq!(c.components[0].instantiations, 1);
    assert_eq!(c.components[0].modules[0].memories.len(), 1);
    let t = requirements.totals();
    assert_eq!((t.instances, t.memories, t.tables), (8, 6, 2));
    assert_eq!(
        (t.memory_initial_bytes, t.memory_maximum_bytes),
        (8 * PAGE, 12 * PAGE)
    );
    assert_eq!(
        (t.table_initial_elements, t.table_maximum_elements),
        (8, 16)
    );
    assert_eq!((t.resource_types, t.opaque_instantiations), (1, 0));

    let report = admit(
        &requirements,
        &ResourceLimits {
            max_instances: 7,
            ..Default::default()
        },
    );
    assert_eq!(row(&report, LimitKind::Instances).requested, Some(8));
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].kind, LimitKind::Instances);
}

#[test]
fn imported_module_instantiation_is_opaque() {
    let report = admit(&read("component_opaque.wasm"), &ResourceLimits::default());
    assert_eq!(report.opaque_instantiations(), 1);
    assert_eq!(row(&report, LimitKind::Instances).requested, Some(2));
}

#[test]
fn declared_limits_fill_the_run_time_rows() {
    let requirements = read("declared_limits.wasm");
    let report = admit(&requirements, &ResourceLimits::default());
    assert!(report.is_admitted());
    let declared = |budget| report.row(budget).unwrap().declared;
    assert_eq!(declared(LimitKind::Memory), Some(131_072));
    assert_eq!(declared(LimitKind::Resources), Some(32));
    assert_eq!(declared(LimitKind::FunctionCalls), Some(1_000_000));
    assert_eq!(declared(LimitKind::HostCalls), Some(500));
    assert_eq!(declared(LimitKind::ExecutionTime), Some(20_000));
    assert_eq!(row(&report, LimitKind::HostCalls).verdict, Verdict::Fits);

    let bare = admit(&read("memory_defined.wasm"), &ResourceLimits::default());
    assert_eq!(
        row(&bare, LimitKind::HostCalls).verdict,
        Verdict::NotDeclared
    );
    assert_eq!(
        bare.row(LimitKind::ExecutionTime).unwrap().verdict,
        Verdict::NotDeclared
    );
}

#[test]
fn declared_need_above_a_limit_is_refused() {
    let limits = ResourceLimits {
        max_host_calls: 100,
        max_execution_time: Some(core::time::Duration::from_millis(10)),
        ..ResourceLimits::default()
    };
    let report = admit(&read("declared_limits.wasm"), &limits);
    let budgets: Vec<LimitKind> = report.violations.iter().map(|v| v.kind).collect();
    assert_eq!(budgets, [LimitKind::HostCalls, LimitKind::ExecutionTime]);
    for violation in &report.violations {
        assert_eq!(violation.reason, ViolationReason::DeclaredExceedsLimit);
    }
    assert_eq!(
        (report.violations[1].value, report.violations[1].limit),
        (20_000, 10_000)
    );
}

#[test]
fn a_refusal_lists_every_violated_limit() {
    let zero = ResourceLimits {
        max_memory: 0,
        max_table_size: 0,
        max_function_calls: 0,
        max_host_calls: 0,
        max_execution_time: Some(core::time::Duration::ZERO),
        max_memories: 0,
        max_tables: 0,
        max_instances: 0,
        max_resources: 0,
        max_fuel: 0,
    };
    let report = admit(&read("declared_limits.wasm"), &zero);
    let mut violated: Vec<LimitKind> = report.violations.iter().map(|v| v.kind).collect();
    violated.sort();
    let mut expected: Vec<LimitKind> = LimitKind::ALL
        .into_iter()
        .filter(|b| {
            !matches!(
                b,
                // No table in the binary; fuel cannot be declared in version 1.
                LimitKind::TableElements | LimitKind::Tables | LimitKind::Fuel
            )
        })
        .collect();
    expected.sort();
    assert_eq!(violated, expected);
    // What the binary holds at instantiation is over already; the run-time meters are over
    // by what the section declares.
    for violation in &report.violations {
        let reason = if violation.kind.is_structural() {
            ViolationReason::RequestedExceedsLimit
        } else {
            ViolationReason::DeclaredExceedsLimit
        };
        assert_eq!(violation.reason, reason, "{violation}");
    }
    for row in &report.rows {
        assert_eq!(
            row.verdict == Verdict::Exceeds,
            violated.contains(&row.kind),
            "{row:?}"
        );
    }
}

#[test]
fn every_budget_has_exactly_one_row_in_order() {
    let report = admit(&read("component_nested.wasm"), &ResourceLimits::default());
    let budgets: Vec<LimitKind> = report.rows.iter().map(|r| r.kind).collect();
    assert_eq!(budgets, LimitKind::ALL);
}

/// A start function or an export that is an imported function lets the host call the import
/// with no Wasm in between (an engine whose hook misses such calls refuses it under a host
/// call limit); a defined function in either place, or an import called from code, does not.
#[test]
fn imports_the_host_can_call_straight_are_counted() {
    let count = |wat: &str| {
        let Requirements::Module(module) =
            wrt_component::admission::read_requirements(&wat::parse_str(wat).unwrap()).unwrap()
        else {
            panic!("not a module: {wat}");
        };
        let totals = admit(
            &Requirements::Module(module.clone()),
            &ResourceLimits::default(),
        )
        .totals;
        (module.host_callable_imports, totals.host_callable_imports)
    };
    let import = r#"(import "host" "a" (func $a)) (import "host" "b" (func $b))"#;
    assert_eq!(count(&format!("(module {import} (start $b))")), (1, 1));
    assert_eq!(
        count(&format!(
            r#"(module {import} (export "a" (func $a)) (export "a2" (func $a)) (export "b" (func $b)))"#
        )),
        (3, 3)
    );
    assert_eq!(
        count(&format!(
            r#"(module {import} (func $f (call $a) (call $b)) (start $f) (export "f" (func $f)))"#
        )),
        (0, 0)
    );
}
