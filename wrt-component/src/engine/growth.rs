//! Per-kind growth bookkeeping of a store: which growths are creations, which permit is
//! still waiting for the engine, and what was granted and refused.

/// Growth figures of one kind (memories or tables) in one store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GrowthStats {
    /// Memories or tables created.
    pub created: u64,
    /// Growths permitted and not given back (creations excluded).
    pub grows_granted: u64,
    /// Growths and creations refused by a limit or the budget.
    pub refused: u64,
    /// Growths past the memory's or table's own declared maximum: the engine fails them
    /// whatever the limiter says, so they are denied without a charge and are not refusals.
    pub beyond_declared_maximum: u64,
    /// Permitted growths that the engine then reported as failed; their charge went back.
    pub failed_after_permit: u64,
    /// The most held at once: bytes for memories, elements for tables.
    pub peak: usize,
}

/// A permitted growth until the engine reports it failed (or the next growth starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) amount: usize,
    pub(crate) created: bool,
    pub(crate) from_empty: bool,
}

/// The state of one kind: the figures, the pending permit, and the empty ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Growables {
    pub(crate) stats: GrowthStats,
    pub(crate) pending: Option<Pending>,
    /// Memories or tables created with size 0: the only ones whose growth the engine
    /// reports, like a creation, with `current == 0`.
    pub(crate) empty: usize,
}

impl Growables {
    /// Whether a callback from `current` is a creation. The engines report a creation as a
    /// growth from 0; so is the growth of an empty one. While instantiating, every such
    /// callback is a creation; afterwards it is a growth when an empty one exists.
    pub(crate) fn is_creation(&self, current: usize, desired: usize, instantiating: bool) -> bool {
        current == 0 && (instantiating || desired == 0 || self.empty == 0)
    }
}
