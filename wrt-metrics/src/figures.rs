//! The figures a [`MetricsSource`](crate::MetricsSource) hands to a
//! [`Report`](crate::Report): plain numbers, copied out, never borrowed.

use wrt_component::{ComponentId, LimitKind};

use crate::ratio::Ratio;

/// What a source knows about one [`ResourceCategory`](wrt_component::ResourceCategory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoryFigures {
    /// Resources of the category held right now.
    pub live: usize,
    /// Allocations that succeeded since the source was created (a running total).
    pub succeeded: u64,
    /// Allocations that were refused since the source was created (a running total).
    pub failed: u64,
    /// Most resources held at once since the source was created, when the source keeps
    /// such a high-water mark; `0` otherwise. Lets the collector see peaks that came and
    /// went between two collections.
    pub high_water: usize,
}

/// Free space of a heap-like source, the input to heap fragmentation.
///
/// Only a source that manages variable-sized blocks knows this; a pool of equal blocks has
/// no external fragmentation and reports [`PoolFigures`] instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FreeSpace {
    /// Bytes free in total.
    pub total: usize,
    /// Bytes in the largest contiguous free block: the largest request that can still succeed.
    pub largest: usize,
}

impl FreeSpace {
    /// Sums free blocks given by their sizes.
    ///
    /// ```
    /// use wrt_metrics::FreeSpace;
    ///
    /// let free = FreeSpace::from_blocks([64, 256, 32]);
    /// assert_eq!((free.total, free.largest), (352, 256));
    /// ```
    pub fn from_blocks(blocks: impl IntoIterator<Item = usize>) -> Self {
        blocks.into_iter().fold(Self::default(), |acc, block| Self {
            total: acc.total.saturating_add(block),
            largest: acc.largest.max(block),
        })
    }

    /// Heap fragmentation: `1 − largest / total`, and exactly `0` when nothing is free.
    ///
    /// It is the share of free memory that the largest single request could *not* use:
    /// `0` when all free memory is one block (or there is none), approaching `1` as free
    /// memory splits into many small blocks. A `largest` above `total` (an inconsistent
    /// source) is clamped to `total`, giving `0`.
    ///
    /// ```
    /// use wrt_metrics::{FreeSpace, Ratio};
    ///
    /// let split = FreeSpace::from_blocks([100, 100, 100, 100]);
    /// assert_eq!(split.fragmentation(), Ratio::new(3, 4).unwrap());
    /// assert_eq!(FreeSpace::default().fragmentation(), Ratio::ZERO);
    /// ```
    pub fn fragmentation(&self) -> Ratio {
        let unusable = self.total.saturating_sub(self.largest);
        Ratio::of_usize(unusable, self.total).unwrap_or(Ratio::ZERO)
    }

    /// Combines the free space of two heaps: totals add, the largest block is the larger.
    pub fn merge(self, other: Self) -> Self {
        Self {
            total: self.total.saturating_add(other.total),
            largest: self.largest.max(other.largest),
        }
    }
}

/// What a source knows about one pool of equal-sized blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolFigures {
    /// A label for exporters; pools are matched between collections by their position in
    /// the report together with `name` and geometry, so it need not be unique.
    pub name: &'static str,
    /// Bytes per block.
    pub block_size: usize,
    /// Blocks in the pool.
    pub block_count: usize,
    /// Blocks handed out right now.
    pub blocks_used: usize,
    /// Requests refused because the pool was exhausted (or the request was larger than a
    /// block) since the pool was created.
    pub refusals: u64,
    /// Sum of the sizes callers asked for in the blocks held right now, when the pool's API
    /// takes a size; lets the optimizer measure how much of each block is wasted.
    pub bytes_requested: Option<usize>,
    /// The largest size any caller asked for since the pool was created, when known; the
    /// smallest block size that would have served every request.
    pub largest_request: Option<usize>,
}

impl PoolFigures {
    /// Figures for a pool that knows only its geometry and use; optional fields empty.
    pub const fn new(
        name: &'static str,
        block_size: usize,
        block_count: usize,
        blocks_used: usize,
    ) -> Self {
        Self {
            name,
            block_size,
            block_count,
            blocks_used,
            refusals: 0,
            bytes_requested: None,
            largest_request: None,
        }
    }

    /// `blocks_used / block_count`, or `None` for a pool of no blocks.
    pub fn utilization(&self) -> Option<Ratio> {
        Ratio::of_usize(self.blocks_used, self.block_count)
    }
}

/// Use of one limit by one component, in the limit's [`unit`](LimitKind::unit) (whole
/// microseconds for execution time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitFigures {
    /// Amount held (or spent this period) right now.
    pub used: u64,
    /// The cap, or `None` when the component is not limited here.
    pub limit: Option<u64>,
    /// Requests the limit refused since the component was created (a running total).
    pub refusals: u64,
    /// Largest `used + requested` among refused requests, when the source keeps it: the
    /// demand the limit would have had to meet.
    pub peak_demand: Option<u64>,
}

/// Use of every metered limit by one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentFigures {
    /// The component.
    pub id: ComponentId,
    /// One entry per [`LimitKind`], indexed by [`LimitKind::index`]; `None` where the
    /// source does not meter that limit.
    pub limits: [Option<LimitFigures>; LimitKind::COUNT],
}

impl ComponentFigures {
    /// Figures for `id` with no limit metered yet.
    pub const fn new(id: ComponentId) -> Self {
        Self {
            id,
            limits: [None; LimitKind::COUNT],
        }
    }

    /// Adds the figures of one limit (builder style).
    ///
    /// ```
    /// use wrt_component::{ComponentId, LimitKind};
    /// use wrt_metrics::{ComponentFigures, LimitFigures};
    ///
    /// let used = LimitFigures { used: 4096, limit: Some(65_536), ..Default::default() };
    /// let figures = ComponentFigures::new(ComponentId(1)).with(LimitKind::Memory, used);
    /// assert_eq!(figures.get(LimitKind::Memory), Some(&used));
    /// ```
    #[must_use]
    pub fn with(mut self, limit: LimitKind, figures: LimitFigures) -> Self {
        if let Some(slot) = self.limits.get_mut(limit.index()) {
            *slot = Some(figures);
        }
        self
    }

    /// The figures of `limit`, if metered.
    pub fn get(&self, limit: LimitKind) -> Option<&LimitFigures> {
        self.limits.get(limit.index()).and_then(Option::as_ref)
    }
}

/// The memory ceiling a platform provider reports for the whole process (a cgroup limit on
/// Linux, the static regions on a board): the outer bound every budget lives inside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlatformMemory {
    /// The ceiling in bytes; `None` when the platform sets none.
    pub limit: Option<u64>,
    /// Bytes the platform has charged against the ceiling; `None` when it does not say.
    pub charged: Option<u64>,
}

impl PlatformMemory {
    /// Combines two platforms' figures: known figures add, an unknown or unlimited one makes
    /// the sum unknown or unlimited.
    pub fn merge(self, other: Self) -> Self {
        let add = |a: Option<u64>, b: Option<u64>| a.zip(b).map(|(a, b)| a.saturating_add(b));
        Self {
            limit: add(self.limit, other.limit),
            charged: add(self.charged, other.charged),
        }
    }

    /// `charged / limit`, when both are known and the limit is not zero.
    pub fn utilization(&self) -> Option<Ratio> {
        Ratio::new(self.charged?, self.limit?)
    }
}
