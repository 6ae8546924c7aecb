//! [`AllocationStats`]: what a [`ResourceManager`](crate::ResourceManager) has handed out,
//! per category, in counts and bytes.

use crate::category::ResourceCategory;

/// Counters of one category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CategoryStats {
    /// Successful allocations, ever.
    pub allocations: u64,
    /// Deallocations, ever.
    pub deallocations: u64,
    /// Refused allocations, ever.
    pub failures: u64,
    /// Most resources of this category alive at once, ever: the peak a collector that
    /// samples now and then would miss.
    pub peak_live: u64,
}

impl CategoryStats {
    /// Resources of this category alive now.
    pub fn live(&self) -> u64 {
        self.allocations.wrapping_sub(self.deallocations)
    }
}

/// Allocation statistics of one manager.
///
/// Updated in the same step as the storage, so they always agree with it (a refused
/// allocation counts one failure and changes nothing else). Bytes are the descriptors'
/// `size_hint`s, the same figure a runtime charges against memory limits.
///
/// Only what cannot be derived is stored — four figures per allocation, three per
/// deallocation — because this runs on every handle operation; totals are sums over the
/// categories, computed when read. A category's live bytes are a sum over the stored
/// descriptors too, read with
/// [`ResourceManager::live_bytes_of`](crate::ResourceManager::live_bytes_of): a read scans,
/// so that no allocation has to keep them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AllocationStats {
    /// Per category, indexed by [`ResourceCategory::index`].
    pub by_category: [CategoryStats; ResourceCategory::COUNT],
    /// Highest [`live_bytes`](Self::live_bytes) seen.
    pub peak_bytes: usize,
    /// Bytes alive now over all categories. It never passes `usize::MAX`: the manager
    /// refuses an allocation that would take it there ([`ResourceError::BytesOverflow`]),
    /// so every figure here is exact, never saturated.
    ///
    /// [`ResourceError::BytesOverflow`]: crate::ResourceError::BytesOverflow
    live_bytes: usize,
}

impl AllocationStats {
    /// All zero.
    pub const fn new() -> Self {
        Self {
            by_category: [ZERO_STATS; ResourceCategory::COUNT],
            peak_bytes: 0,
            live_bytes: 0,
        }
    }

    /// The counters of `category`.
    pub fn category(&self, category: ResourceCategory) -> &CategoryStats {
        // `index()` is always below COUNT; the fallback only keeps this panic-free.
        self.by_category
            .get(category.index())
            .unwrap_or(&ZERO_STATS)
    }

    /// Bytes alive now, over all categories.
    pub fn live_bytes(&self) -> usize {
        self.live_bytes
    }

    /// The live bytes after an allocation of `bytes`, or `None` when they would pass
    /// `usize::MAX`: asked before the allocation, so that a refusal changes nothing.
    ///
    /// This and the three `record_` methods are the steps a [`ResourceManager`] takes on
    /// every allocation and deallocation, public for an owner of some other table that
    /// keeps the same figures (the handles bench's slotmap baseline, say): ask first, then
    /// record the granted allocation with the figure returned here.
    ///
    /// ```
    /// use wrt_component::{AllocationStats, ResourceCategory};
    ///
    /// let mut stats = AllocationStats::new();
    /// let live = stats.live_bytes_after(64).unwrap();
    /// stats.record_allocation(ResourceCategory::IoHandles, live);
    /// stats.record_deallocation(ResourceCategory::IoHandles, 64);
    /// assert_eq!((stats.live(), stats.live_bytes(), stats.peak_bytes), (0, 0, 64));
    /// ```
    ///
    /// [`ResourceManager`]: crate::ResourceManager
    #[inline]
    pub fn live_bytes_after(&self, bytes: usize) -> Option<usize> {
        self.live_bytes.checked_add(bytes)
    }

    /// Successful allocations, ever, over all categories.
    pub fn successes(&self) -> u64 {
        self.sum(|c| c.allocations)
    }

    /// Refused allocations, ever, over all categories.
    pub fn failures(&self) -> u64 {
        self.sum(|c| c.failures)
    }

    /// Deallocations, ever, over all categories.
    pub fn deallocations(&self) -> u64 {
        self.sum(|c| c.deallocations)
    }

    /// Resources alive now, over all categories.
    pub fn live(&self) -> u64 {
        self.sum(CategoryStats::live)
    }

    /// Successful allocations / all allocation attempts, or `None` before the first attempt.
    pub fn success_rate(&self) -> Option<f64> {
        let successes = self.successes();
        let attempts = successes.saturating_add(self.failures());
        // u64 → f64 loses precision only above 2^53 attempts, harmless for a ratio.
        #[allow(clippy::cast_precision_loss)]
        (attempts > 0).then(|| successes as f64 / attempts as f64)
    }

    fn sum(&self, field: impl Fn(&CategoryStats) -> u64) -> u64 {
        self.by_category
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(field(c)))
    }

    // Event counters are u64 and grow by one: wrapping would take centuries at any real
    // rate, so they use the cheaper wrapping increment. The byte total uses plain wrapping
    // steps too, and is exact: it was checked not to pass `usize::MAX`
    // ([`live_bytes_after`](Self::live_bytes_after)), and a deallocation subtracts exactly
    // what its allocation added (the descriptor is stored).

    /// Counts an allocation of `category` that leaves `live_bytes` alive, the figure
    /// [`live_bytes_after`](Self::live_bytes_after) returned for it.
    #[inline]
    pub fn record_allocation(&mut self, category: ResourceCategory, live_bytes: usize) {
        self.live_bytes = live_bytes;
        // Peaks are written only when passed: once a workload has reached its peak, the
        // common allocation stores nothing here (a `max` would store on every call).
        if live_bytes > self.peak_bytes {
            self.peak_bytes = live_bytes;
        }
        if let Some(c) = self.by_category.get_mut(category.index()) {
            c.allocations = c.allocations.wrapping_add(1);
            let live = c.live();
            if live > c.peak_live {
                c.peak_live = live;
            }
        }
    }

    /// Counts a refused allocation of `category`.
    #[inline]
    pub fn record_failure(&mut self, category: ResourceCategory) {
        if let Some(c) = self.by_category.get_mut(category.index()) {
            c.failures = c.failures.wrapping_add(1);
        }
    }

    /// Counts the deallocation of a resource of `category` that was allocated with `bytes`.
    #[inline]
    pub fn record_deallocation(&mut self, category: ResourceCategory, bytes: usize) {
        self.live_bytes = self.live_bytes.wrapping_sub(bytes);
        if let Some(c) = self.by_category.get_mut(category.index()) {
            c.deallocations = c.deallocations.wrapping_add(1);
        }
    }
}

const ZERO_STATS: CategoryStats = CategoryStats {
    allocations: 0,
    deallocations: 0,
    failures: 0,
    peak_live: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_sums_over_categories() {
        let mut s = AllocationStats::new();
        assert_eq!(s.success_rate(), None);
        assert!(allocated(&mut s, ResourceCategory::Memory, 10));
        assert!(allocated(&mut s, ResourceCategory::Tables, 5));
        s.record_failure(ResourceCategory::Tables);
        s.record_deallocation(ResourceCategory::Memory, 10);
        assert_eq!(
            (s.successes(), s.failures(), s.deallocations(), s.live()),
            (2, 1, 1, 1)
        );
        assert_eq!((s.live_bytes(), s.peak_bytes), (5, 15));
        assert_eq!(s.category(ResourceCategory::Tables).live(), 1);
        assert_eq!(s.success_rate(), Some(2.0 / 3.0));
    }

    /// What the manager does: asks for the new total first, counts only when it is granted.
    fn allocated(s: &mut AllocationStats, category: ResourceCategory, bytes: usize) -> bool {
        s.live_bytes_after(bytes)
            .map(|live| s.record_allocation(category, live))
            .is_some()
    }

    #[test]
    fn the_total_is_never_saturated_so_it_stays_exact() {
        // Regression: the sum saturated on the way up and was subtracted in full on the way
        // down, so it ended at usize::MAX - 10 with usize::MAX bytes still alive. Now the
        // allocation that would pass usize::MAX is not granted, and the figures stay exact.
        let mut s = AllocationStats::new();
        assert!(allocated(&mut s, ResourceCategory::Memory, usize::MAX - 5));
        assert!(!allocated(&mut s, ResourceCategory::Memory, 10));
        assert!(allocated(&mut s, ResourceCategory::Tables, 5));
        assert_eq!(s.live_bytes(), usize::MAX);
        s.record_deallocation(ResourceCategory::Tables, 5);
        assert_eq!(s.live_bytes(), usize::MAX - 5);
        s.record_deallocation(ResourceCategory::Memory, usize::MAX - 5);
        assert_eq!((s.live_bytes(), s.peak_bytes), (0, usize::MAX));
    }
}
