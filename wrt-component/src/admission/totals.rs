//! [`Totals`]: what one instantiation holds, summed over everything it instantiates.

use super::requirements::{MemoryRequirement, TableRequirement};

/// Sums over every memory, table and instance one instantiation creates. All arithmetic
/// saturates: a component that instantiates a module a million times a million times reports
/// `u64::MAX`, which no limit admits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Totals {
    /// Core module and component instances, the outermost one included.
    pub instances: u64,
    /// Linear memories.
    pub memories: u64,
    /// Bytes of all memories at instantiation.
    pub memory_initial_bytes: u64,
    /// Bytes of all memories at their declared maximum; memories with no maximum contribute
    /// their initial size here and are counted in `unbounded_memories`.
    pub memory_maximum_bytes: u64,
    /// Memories with no declared maximum.
    pub unbounded_memories: u64,
    /// Tables.
    pub tables: u64,
    /// Elements of all tables at instantiation.
    pub table_initial_elements: u64,
    /// Elements of all tables at their declared maximum; tables with no maximum contribute
    /// their initial size here and are counted in `unbounded_tables`.
    pub table_maximum_elements: u64,
    /// Tables with no declared maximum.
    pub unbounded_tables: u64,
    /// Resource types defined (each component instance defines fresh ones).
    pub resource_types: u64,
    /// Instantiations of imported or aliased-from-an-instance modules and components: their
    /// contents are not in this binary, so their needs are not in these totals.
    pub opaque_instantiations: u64,
    /// Imported functions the host can call straight (a start function or an export that is
    /// an import), over every core module instance.
    pub host_callable_imports: u64,
}

impl Totals {
    /// Charge one memory.
    pub fn add_memory(&mut self, memory: &MemoryRequirement) {
        let initial = memory.initial_bytes();
        self.memories = self.memories.saturating_add(1);
        self.memory_initial_bytes = self.memory_initial_bytes.saturating_add(initial);
        let maximum = memory.maximum_bytes().unwrap_or(initial);
        self.memory_maximum_bytes = self.memory_maximum_bytes.saturating_add(maximum);
        if memory.maximum_pages.is_none() {
            self.unbounded_memories = self.unbounded_memories.saturating_add(1);
        }
    }

    /// Charge one table.
    pub fn add_table(&mut self, table: &TableRequirement) {
        let initial = table.initial_elements;
        self.tables = self.tables.saturating_add(1);
        self.table_initial_elements = self.table_initial_elements.saturating_add(initial);
        let maximum = table.maximum_elements.unwrap_or(initial);
        self.table_maximum_elements = self.table_maximum_elements.saturating_add(maximum);
        if table.maximum_elements.is_none() {
            self.unbounded_tables = self.unbounded_tables.saturating_add(1);
        }
    }

    /// Add `times` instantiations of something that holds `other`.
    pub fn add_times(&mut self, other: &Totals, times: u64) {
        let add = |mine: &mut u64, theirs: u64| {
            *mine = mine.saturating_add(theirs.saturating_mul(times));
        };
        add(&mut self.instances, other.instances);
        add(&mut self.memories, other.memories);
        add(&mut self.memory_initial_bytes, other.memory_initial_bytes);
        add(&mut self.memory_maximum_bytes, other.memory_maximum_bytes);
        add(&mut self.unbounded_memories, other.unbounded_memories);
        add(&mut self.tables, other.tables);
        add(
            &mut self.table_initial_elements,
            other.table_initial_elements,
        );
        add(
            &mut self.table_maximum_elements,
            other.table_maximum_elements,
        );
        add(&mut self.unbounded_tables, other.unbounded_tables);
        add(&mut self.resource_types, other.resource_types);
        add(&mut self.opaque_instantiations, other.opaque_instantiations);
        add(&mut self.host_callable_imports, other.host_callable_imports);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::Origin;
    use alloc::string::String;

    #[test]
    fn unbounded_memory_counts_its_initial_size_as_maximum() {
        let mut totals = Totals::default();
        totals.add_memory(&MemoryRequirement {
            origin: Origin::Defined,
            initial_pages: 2,
            maximum_pages: None,
            page_size: 65_536,
            memory64: false,
            shared: false,
        });
        assert_eq!(totals.memory_maximum_bytes, 2 * 65_536);
        assert_eq!(totals.unbounded_memories, 1);
    }

    #[test]
    fn add_times_saturates() {
        let mut one = Totals::default();
        one.add_table(&TableRequirement {
            origin: Origin::Defined,
            initial_elements: u64::MAX / 2,
            maximum_elements: Some(u64::MAX),
            element_type: String::from("funcref"),
            table64: true,
        });
        let mut many = Totals::default();
        many.add_times(&one, 3);
        assert_eq!(many.tables, 3);
        assert_eq!(many.table_initial_elements, u64::MAX);
        assert_eq!(many.table_maximum_elements, u64::MAX);
    }
}
