//! Reading the sections of one core module into [`ModuleRequirements`].
//!
//! Only called on payloads the validator has accepted; a reader error here would mean
//! wasmparser disagrees with itself, and is still reported as [`AdmissionError::Malformed`].

use alloc::string::{String, ToString};

use wasmparser::{ElementItems, ExternalKind, MemoryType, Payload, TableType, TypeRef};

use super::error::AdmissionError;
use super::requirements::{MemoryRequirement, ModuleRequirements, Origin, TableRequirement};

/// Bytes per page when the custom-page-sizes proposal does not say otherwise.
const DEFAULT_PAGE_SIZE: u64 = 65_536;

pub(super) fn read_module_section(
    module: &mut ModuleRequirements,
    payload: &Payload<'_>,
) -> Result<(), AdmissionError> {
    match payload {
        Payload::ImportSection(section) => {
            for import in section.clone().into_imports() {
                let import = import?;
                module.imports = module.imports.saturating_add(1);
                let origin = || Origin::Imported {
                    module: String::from(import.module),
                    name: String::from(import.name),
                };
                match import.ty {
                    TypeRef::Func(_) | TypeRef::FuncExact(_) => {
                        bump(&mut module.functions.imported)
                    }
                    TypeRef::Table(ty) => module.tables.push(table(&ty, origin())),
                    TypeRef::Memory(ty) => module.memories.push(memory(&ty, origin())),
                    TypeRef::Global(_) => bump(&mut module.globals.imported),
                    TypeRef::Tag(_) => bump(&mut module.tags.imported),
                }
            }
        }
        Payload::FunctionSection(section) => module.functions.defined = section.count(),
        Payload::TableSection(section) => {
            for entry in section.clone() {
                module.tables.push(table(&entry?.ty, Origin::Defined));
            }
        }
        Payload::MemorySection(section) => {
            for ty in section.clone() {
                module.memories.push(memory(&ty?, Origin::Defined));
            }
        }
        Payload::GlobalSection(section) => module.globals.defined = section.count(),
        Payload::TagSection(section) => module.tags.defined = section.count(),
        Payload::ExportSection(section) => {
            module.exports = section.count();
            for export in section.clone() {
                let export = export?;
                if export.kind == ExternalKind::Func && export.index < module.functions.imported {
                    bump(&mut module.host_callable_imports);
                }
            }
        }
        // Imports come before the start section, so their count is known here.
        Payload::StartSection { func, .. } if *func < module.functions.imported => {
            bump(&mut module.host_callable_imports);
        }
        Payload::ElementSection(section) => {
            for element in section.clone() {
                let element = element?;
                let items = match &element.items {
                    ElementItems::Functions(items) => items.count(),
                    ElementItems::Expressions(_, items) => items.count(),
                };
                bump(&mut module.element_segments);
                module.element_items = module.element_items.saturating_add(u64::from(items));
                let bytes = element.range.end.saturating_sub(element.range.start);
                module.element_bytes = module.element_bytes.saturating_add(bytes);
            }
        }
        Payload::DataSection(section) => {
            for data in section.clone() {
                let data = data?;
                bump(&mut module.data_segments);
                let bytes = u64::try_from(data.data.len()).unwrap_or(u64::MAX);
                module.data_bytes = module.data_bytes.saturating_add(bytes);
            }
        }
        _ => {}
    }
    Ok(())
}

fn bump(count: &mut u32) {
    *count = count.saturating_add(1);
}

fn memory(ty: &MemoryType, origin: Origin) -> MemoryRequirement {
    let page_size = ty
        .page_size_log2
        .and_then(|log2| 1u64.checked_shl(log2))
        .unwrap_or(DEFAULT_PAGE_SIZE);
    MemoryRequirement {
        origin,
        initial_pages: ty.initial,
        maximum_pages: ty.maximum,
        page_size,
        memory64: ty.memory64,
        shared: ty.shared,
    }
}

fn table(ty: &TableType, origin: Origin) -> TableRequirement {
    TableRequirement {
        origin,
        initial_elements: ty.initial,
        maximum_elements: ty.maximum,
        element_type: ty.element_type.to_string(),
        table64: ty.table64,
    }
}
