//! Memory partitions with byte budgets: the bookkeeping half of the QNX provider, plain
//! data so it is compiled and tested on every host.

/// Index of a partition in its provider, in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitionId(pub(crate) usize);

impl PartitionId {
    /// The index (0 for the first partition created).
    pub const fn index(self) -> usize {
        self.0
    }
}

/// A budget and what is charged against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// Bytes the partition may hold.
    pub budget: usize,
    /// Bytes charged now.
    pub used: usize,
}

impl Partition {
    /// Bytes that can still be charged.
    pub const fn available(&self) -> usize {
        self.budget.saturating_sub(self.used)
    }
}
