//! What the optimizer advises: each recommendation carries the current and recommended
//! figure and the observations it was computed from, so it can be checked, not trusted.

use core::fmt;

use wrt_component::{ComponentId, LimitKind, ResourceCategory};

use crate::ratio::widen;

/// A figure as it is now and as recommended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<T> {
    /// The figure as configured now.
    pub current: T,
    /// The figure the observations call for.
    pub recommended: T,
}

/// One piece of sizing advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommendation {
    /// Give a pool another geometry.
    Pool(PoolRecommendation),
    /// Move a component limit.
    Limit(LimitRecommendation),
    /// Reserve this much up front.
    Preallocate(Preallocation),
}

/// A pool geometry that would have served the observed peak with the configured headroom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolRecommendation {
    /// Position of the pool in the metrics.
    pub index: usize,
    /// The pool's label.
    pub name: &'static str,
    /// Bytes per block: the largest request seen, rounded up to the block alignment (at
    /// least one alignment unit); kept as it is when request sizes are unknown.
    pub block_size: Change<usize>,
    /// Blocks: `⌈peak × (100 + headroom) / 100⌉`, at least one so the pool stays usable.
    /// A pool that was nearly full at its peak therefore grows by the headroom (counted as
    /// memory added). When the pool was exhausted and refused requests, the demand beyond
    /// it is unknown: the current count plus headroom, and at least one more block.
    pub block_count: Change<usize>,
    /// The observed peak of blocks in use.
    pub peak_blocks_used: usize,
    /// The pool's refusals.
    pub refusals: u64,
}

impl PoolRecommendation {
    /// Bytes the pool reserves now and as recommended (`block_size × block_count`).
    pub fn bytes(&self) -> Change<u64> {
        let bytes = |size: usize, count: usize| widen(size).saturating_mul(widen(count));
        Change {
            current: bytes(self.block_size.current, self.block_count.current),
            recommended: bytes(self.block_size.recommended, self.block_count.recommended),
        }
    }
}

/// Which way a limit should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitDirection {
    /// The limit sits far above anything the component used.
    Tighten,
    /// The limit was hit often: it refused requests or was reached at collections.
    Raise,
}

/// A component limit moved to fit what the component was seen to use.
///
/// Raised to `⌈max(peak used, peak demand, current) × (100 + headroom) / 100⌉` (at least one
/// more than now); tightened to `⌈peak used × (100 + headroom) / 100⌉` (only when that is
/// below the current cap). Unlimited limits get no advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRecommendation {
    /// The component.
    pub component: ComponentId,
    /// Which limit.
    pub limit: LimitKind,
    /// The cap now and as recommended.
    pub change: Change<u64>,
    /// Which way and why.
    pub direction: LimitDirection,
    /// The observed peak use.
    pub peak_used: u64,
    /// Refusals by the limit.
    pub refusals: u64,
    /// Collections at which the limit had been reached.
    pub collections_at_limit: u64,
}

/// An amount to reserve up front (the no-allocator strategy: static layout, no growth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preallocation {
    /// Slots for resources of one category: its peak live count plus headroom.
    Category {
        /// The category.
        category: ResourceCategory,
        /// The observed peak of live resources.
        peak_live: usize,
        /// Slots to reserve.
        slots: usize,
    },
    /// Bytes of non-pool memory: the peak in use plus headroom; in place of the reported
    /// budget, when there is one.
    Memory {
        /// The observed peak of memory in use.
        peak_bytes: usize,
        /// The budget the sources reported, if any.
        budget: Option<usize>,
        /// Bytes to reserve.
        bytes: usize,
    },
}

impl fmt::Display for Recommendation {
    /// One line an operator can act on.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pool(p) => write!(
                f,
                "pool #{} \"{}\": {} x {} B -> {} x {} B (peak {} blocks, {} refusals)",
                p.index,
                p.name,
                p.block_count.current,
                p.block_size.current,
                p.block_count.recommended,
                p.block_size.recommended,
                p.peak_blocks_used,
                p.refusals
            ),
            Self::Limit(l) => write!(
                f,
                "{} {}: {} {} -> {} {} (peak {}, {} refusals, at limit {} times)",
                l.component,
                l.limit,
                match l.direction {
                    LimitDirection::Tighten => "tighten",
                    LimitDirection::Raise => "raise",
                },
                l.change.current,
                l.change.recommended,
                l.limit.unit(),
                l.peak_used,
                l.refusals,
                l.collections_at_limit
            ),
            Self::Preallocate(Preallocation::Category {
                category,
                peak_live,
                slots,
            }) => write!(f, "preallocate {slots} {category} slots (peak {peak_live})"),
            Self::Preallocate(Preallocation::Memory {
                peak_bytes,
                budget,
                bytes,
            }) => {
                write!(f, "preallocate {bytes} B of memory (peak {peak_bytes} B")?;
                match budget {
                    Some(budget) => write!(f, ", budget {budget} B)"),
                    None => f.write_str(")"),
                }
            }
        }
    }
}
