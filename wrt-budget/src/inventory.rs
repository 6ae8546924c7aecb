//! Every memory and table of a binary, nested modules included, as `check` lists them.

use serde::Serialize;
use wrt_component::admission::{
    ComponentRequirements, MemoryRequirement, ModuleRequirements, Origin, Requirements,
    TableRequirement,
};

/// One linear memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemoryEntry {
    /// The module it belongs to: `module` or a path like `component/module[1]`.
    pub module: String,
    /// Its index in that module's memory index space.
    pub index: usize,
    /// `module.name` when imported.
    pub imported_from: Option<String>,
    /// Pages at instantiation.
    pub initial_pages: u64,
    /// Most pages, `None` when unbounded.
    pub maximum_pages: Option<u64>,
    /// Bytes per page.
    pub page_size: u64,
    /// Shared between threads.
    pub shared: bool,
    /// 64-bit addresses.
    pub memory64: bool,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableEntry {
    /// The module it belongs to.
    pub module: String,
    /// Its index in that module's table index space.
    pub index: usize,
    /// `module.name` when imported.
    pub imported_from: Option<String>,
    /// Elements at instantiation.
    pub initial: u64,
    /// Most elements, `None` when unbounded.
    pub maximum: Option<u64>,
    /// The element type as WAT spells it.
    pub element_type: String,
}

/// The memories and tables of `requirements`, in binary order.
pub fn inventory(requirements: &Requirements) -> (Vec<MemoryEntry>, Vec<TableEntry>) {
    let mut modules = Vec::new();
    match requirements {
        Requirements::Module(module) => modules.push(("module".to_string(), module)),
        Requirements::Component(component) => collect(component, "component", &mut modules),
    }
    let mut memories = Vec::new();
    let mut tables = Vec::new();
    for (path, module) in modules {
        memories.extend(
            module
                .memories
                .iter()
                .enumerate()
                .map(|(index, m)| memory(&path, index, m)),
        );
        tables.extend(
            module
                .tables
                .iter()
                .enumerate()
                .map(|(index, t)| table(&path, index, t)),
        );
    }
    (memories, tables)
}

fn collect<'r>(
    component: &'r ComponentRequirements,
    path: &str,
    out: &mut Vec<(String, &'r ModuleRequirements)>,
) {
    for (i, module) in component.modules.iter().enumerate() {
        out.push((format!("{path}/module[{i}]"), module));
    }
    for (i, nested) in component.components.iter().enumerate() {
        collect(nested, &format!("{path}/component[{i}]"), out);
    }
}

fn imported_from(origin: &Origin) -> Option<String> {
    match origin {
        Origin::Defined => None,
        Origin::Imported { module, name } => Some(format!("{module}.{name}")),
    }
}

fn memory(path: &str, index: usize, m: &MemoryRequirement) -> MemoryEntry {
    MemoryEntry {
        module: path.to_string(),
        index,
        imported_from: imported_from(&m.origin),
        initial_pages: m.initial_pages,
        maximum_pages: m.maximum_pages,
        page_size: m.page_size,
        shared: m.shared,
        memory64: m.memory64,
    }
}

fn table(path: &str, index: usize, t: &TableRequirement) -> TableEntry {
    TableEntry {
        module: path.to_string(),
        index,
        imported_from: imported_from(&t.origin),
        initial: t.initial_elements,
        maximum: t.maximum_elements,
        element_type: t.element_type.clone(),
    }
}

/// The listing lines `check` prints under a file's table.
pub fn lines(memories: &[MemoryEntry], tables: &[TableEntry], proposals: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    for m in memories {
        let max = m
            .maximum_pages
            .map_or_else(|| "unbounded".to_string(), |p| p.to_string());
        let mut flags = String::new();
        if m.shared {
            flags.push_str(", shared");
        }
        if m.memory64 {
            flags.push_str(", 64-bit");
        }
        let origin = m.imported_from.as_ref().map_or_else(
            || "defined".to_string(),
            |from| format!("imported from {from}"),
        );
        lines.push(format!(
            "memory {}#{}: {origin}, {} .. {max} pages of {} B{flags}",
            m.module, m.index, m.initial_pages, m.page_size
        ));
    }
    for t in tables {
        let max = t
            .maximum
            .map_or_else(|| "unbounded".to_string(), |n| n.to_string());
        let origin = t.imported_from.as_ref().map_or_else(
            || "defined".to_string(),
            |from| format!("imported from {from}"),
        );
        lines.push(format!(
            "table {}#{}: {origin}, {} .. {max} {}",
            t.module, t.index, t.initial, t.element_type
        ));
    }
    if !proposals.is_empty() {
        lines.push(format!("proposals used: {}", proposals.join(", ")));
    }
    lines
}
