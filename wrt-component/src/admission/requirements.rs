//! What a binary will ask for: [`Requirements`] of a core module or a component.

use alloc::string::String;
use alloc::vec::Vec;

use super::declared::DeclaredLimits;
use super::totals::Totals;

/// Where a memory or table comes from. Imported ones are still listed: for a top-level module
/// the embedder must create them, so they count against its budget.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Defined by the module itself.
    Defined,
    /// Imported as `module`.`name`.
    Imported {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
}

impl Origin {
    /// Whether this is an import.
    pub fn is_imported(&self) -> bool {
        matches!(self, Self::Imported { .. })
    }
}

/// One linear memory, as declared by its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemoryRequirement {
    /// Defined or imported.
    pub origin: Origin,
    /// Pages allocated at instantiation.
    pub initial_pages: u64,
    /// Most pages `memory.grow` may reach; `None` is unbounded (judged at the limit).
    pub maximum_pages: Option<u64>,
    /// Bytes per page: 65 536 unless the custom-page-sizes proposal says otherwise.
    pub page_size: u64,
    /// Indexed with 64-bit addresses (memory64).
    pub memory64: bool,
    /// Shared between threads (threads proposal).
    pub shared: bool,
}

impl MemoryRequirement {
    /// Bytes allocated at instantiation (saturating: memory64 can declare more than `u64`).
    pub fn initial_bytes(&self) -> u64 {
        self.initial_pages.saturating_mul(self.page_size)
    }

    /// Bytes at the declared maximum, `None` when unbounded.
    pub fn maximum_bytes(&self) -> Option<u64> {
        self.maximum_pages
            .map(|pages| pages.saturating_mul(self.page_size))
    }
}

/// One table, as declared by its type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableRequirement {
    /// Defined or imported.
    pub origin: Origin,
    /// Elements allocated at instantiation.
    pub initial_elements: u64,
    /// Most elements `table.grow` may reach; `None` is unbounded (judged at the limit).
    pub maximum_elements: Option<u64>,
    /// Element type as WAT spells it: `funcref`, `externref`, `(ref null 3)`, ...
    pub element_type: String,
    /// Indexed with 64-bit indices (memory64 proposal's table64).
    pub table64: bool,
}

/// How many items of one kind a module imports and defines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ItemCount {
    /// Imported.
    pub imported: u32,
    /// Defined by the module.
    pub defined: u32,
}

impl ItemCount {
    /// Imported plus defined: the size of the index space.
    pub fn total(&self) -> u64 {
        u64::from(self.imported).saturating_add(u64::from(self.defined))
    }
}

/// Custom sections seen: every one is counted, the first
/// [`MAX_RECORDED_NAMES`](super::MAX_RECORDED_NAMES) names are kept (each cut to
/// [`MAX_RECORDED_NAME_LEN`](super::MAX_RECORDED_NAME_LEN) bytes) so hostile inputs cannot
/// make the report large.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CustomSections {
    /// Number of custom sections.
    pub count: u32,
    /// Names in binary order, possibly fewer than `count`.
    pub names: Vec<String>,
    /// Total payload bytes of all custom sections.
    pub bytes: u64,
}

/// Everything one core module asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleRequirements {
    /// Byte offset of the module's header in the input (0 for a top-level module).
    pub offset: u64,
    /// Size of the module's encoding in bytes.
    pub size_bytes: u64,
    /// Memories, imported ones first (index-space order).
    pub memories: Vec<MemoryRequirement>,
    /// Tables, imported ones first (index-space order).
    pub tables: Vec<TableRequirement>,
    /// Globals.
    pub globals: ItemCount,
    /// Functions.
    pub functions: ItemCount,
    /// Tags (exception handling).
    pub tags: ItemCount,
    /// Import entries of every kind.
    pub imports: u32,
    /// Export entries of every kind.
    pub exports: u32,
    /// Imported functions the host can call straight, with no Wasm code of the module in
    /// between: the start function when it is an import, and each export of an imported
    /// function. Such a call crosses from the host to the host, which an engine's call hook
    /// may not see (wasmi's does not).
    pub host_callable_imports: u32,
    /// Element segments.
    pub element_segments: u32,
    /// Elements (function indices or expressions) over all element segments.
    pub element_items: u64,
    /// Encoded bytes of all element segments.
    pub element_bytes: u64,
    /// Data segments.
    pub data_segments: u32,
    /// Bytes of data over all data segments (what instantiation copies or keeps for
    /// `memory.init`).
    pub data_bytes: u64,
    /// Custom sections.
    pub custom_sections: CustomSections,
    /// The module's declared-limits section, if it carries one.
    pub declared_limits: Option<DeclaredLimits>,
    /// How often the enclosing component instantiates this module (0 for a top-level module,
    /// which the embedder instantiates).
    pub instantiations: u32,
}

impl ModuleRequirements {
    /// What one instance of this module holds. `count_imports` says whether imported
    /// memories and tables are charged: yes for a top-level module (the embedder creates
    /// them), no inside a component (another core instance of the component defines them).
    pub fn totals(&self, count_imports: bool) -> Totals {
        let mut totals = Totals {
            instances: 1,
            host_callable_imports: u64::from(self.host_callable_imports),
            ..Totals::default()
        };
        for memory in self
            .memories
            .iter()
            .filter(|m| count_imports || !m.origin.is_imported())
        {
            totals.add_memory(memory);
        }
        for table in self
            .tables
            .iter()
            .filter(|t| count_imports || !t.origin.is_imported())
        {
            totals.add_table(table);
        }
        totals
    }
}

/// A defined resource type (`(type (resource (rep i32) ...))`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceTypeRequirement {
    /// Whether the resource names a destructor the runtime must call on drop.
    pub has_destructor: bool,
}

/// Everything one component asks for, with its nested modules and components.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentRequirements {
    /// Byte offset of the component's header in the input.
    pub offset: u64,
    /// Size of the component's encoding in bytes.
    pub size_bytes: u64,
    /// Core modules defined directly in this component, in binary order.
    pub modules: Vec<ModuleRequirements>,
    /// Components defined directly in this component, in binary order.
    pub components: Vec<ComponentRequirements>,
    /// Core instances created by instantiating a module.
    pub core_instances: u32,
    /// Component instances created by instantiating a component.
    pub component_instances: u32,
    /// Instances (core or component) assembled from exports: no state of their own.
    pub instances_from_exports: u32,
    /// Resource types defined by this component.
    pub resource_types: Vec<ResourceTypeRequirement>,
    /// Resource types imported (`(import "r" (type (sub resource)))`).
    pub imported_resource_types: u32,
    /// Import entries.
    pub imports: u32,
    /// Export entries.
    pub exports: u32,
    /// How often the enclosing component instantiates this one (0 at top level).
    pub instantiations: u32,
    /// Custom sections.
    pub custom_sections: CustomSections,
    /// The component's declared-limits section, if it carries one.
    pub declared_limits: Option<DeclaredLimits>,
    /// What one instance of this component holds, nested instantiations included.
    pub totals: Totals,
}

/// What a binary asks for: the result of [`read_requirements`](super::read_requirements).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirements {
    /// A core module.
    Module(ModuleRequirements),
    /// A component.
    Component(ComponentRequirements),
}

impl Requirements {
    /// What instantiating the binary holds, summed over everything it instantiates.
    pub fn totals(&self) -> Totals {
        match self {
            Self::Module(module) => module.totals(true),
            Self::Component(component) => component.totals,
        }
    }

    /// The top-level declared-limits section (nested modules' sections are kept in their
    /// own requirements but do not speak for the whole binary).
    pub fn declared_limits(&self) -> Option<&DeclaredLimits> {
        match self {
            Self::Module(module) => module.declared_limits.as_ref(),
            Self::Component(component) => component.declared_limits.as_ref(),
        }
    }

    /// Size of the binary in bytes.
    pub fn size_bytes(&self) -> u64 {
        match self {
            Self::Module(module) => module.size_bytes,
            Self::Component(component) => component.size_bytes,
        }
    }

    /// `"module"` or `"component"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Module(_) => "module",
            Self::Component(_) => "component",
        }
    }
}
