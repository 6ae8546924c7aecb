//! [`EmbeddedError`]: why the embedded provider refused, with the numbers.

use thiserror::Error;
use wrt_foundation::MemoryProtection;

/// Why an embedded allocation or access was refused; nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmbeddedError {
    /// The alignment is not a power of two.
    #[error("alignment {align} is not a power of two")]
    BadAlignment {
        /// The alignment asked for.
        align: usize,
    },
    /// Without an MPU only read-write memory can be honestly given.
    #[error("protection {requested} cannot be enforced without an MPU; only rw- is served")]
    ProtectionUnsupported {
        /// The protection asked for.
        requested: MemoryProtection,
    },
    /// No region has a free span large enough.
    #[error(
        "no static region can hold {requested} bytes aligned to {align}: largest free span is {largest_free} bytes"
    )]
    NoFit {
        /// Bytes asked for.
        requested: usize,
        /// Alignment asked for.
        align: usize,
        /// The largest free span over all regions that can take another block.
        largest_free: usize,
    },
    /// Every region that could fit the request already has its maximum of live blocks.
    #[error("region {region} has {max_blocks} live blocks, its maximum")]
    BlockLimit {
        /// The first region that had the space.
        region: usize,
        /// Live blocks a region may hold (`F - 1`).
        max_blocks: usize,
    },
    /// The block does not belong to this provider, or was already released.
    #[error("block at offset {offset} of region {region} was not allocated by this provider")]
    ForeignBlock {
        /// Region index recorded in the block.
        region: usize,
        /// Offset recorded in the block.
        offset: usize,
    },
}
