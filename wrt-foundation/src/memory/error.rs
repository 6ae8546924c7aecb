//! [`MemoryError`]: every way a memory operation can be refused, with the numbers that explain
//! the refusal.

use super::{Access, BlockHandle, MemoryProtection, RegionId};

/// Why a linear memory, region manager or memory pool refused an operation.
///
/// A refused operation changes nothing: the memory, the budget and the pool are exactly as
/// they were before the call. Every variant carries the figures a user needs to see why
/// (what was asked for, what was there), so an error log line is enough to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryError {
    /// `offset + len` reaches past the end of the memory, or overflows `u64`.
    ///
    /// The end is never computed with wrapping arithmetic, so an overflowing request is
    /// reported with the `offset` and `len` the caller gave.
    #[error("access of {len} bytes at offset {offset} is outside the memory of {size} bytes")]
    OutOfBounds {
        /// First byte the caller asked for.
        offset: u64,
        /// Number of bytes asked for.
        len: u64,
        /// Current size of the memory in bytes.
        size: u64,
    },
    /// The memory's protection does not allow this kind of access.
    #[error("{access} access denied by protection {protection}")]
    AccessDenied {
        /// The access that was attempted.
        access: Access,
        /// The protection in force.
        protection: MemoryProtection,
    },
    /// Growing by `requested` pages would pass the memory's maximum.
    #[error(
        "cannot grow by {requested} pages: {available} pages available below the maximum of {maximum}"
    )]
    GrowLimitExceeded {
        /// Pages the caller asked to add.
        requested: u32,
        /// Pages that could still be added.
        available: u32,
        /// The memory's maximum in pages (declared maximum or storage capacity, the lower).
        maximum: u32,
    },
    /// A memory's initial size is above its maximum (declared or imposed by its storage).
    #[error("initial size of {initial} pages exceeds the maximum of {maximum} pages")]
    InvalidLimits {
        /// Initial size in pages.
        initial: u32,
        /// Effective maximum in pages.
        maximum: u32,
    },
    /// The request would take the manager past its `max_memory` budget.
    #[error("allocation of {requested} bytes exceeds the budget: {available} bytes available")]
    AllocationLimitExceeded {
        /// Bytes the caller asked for.
        requested: usize,
        /// Bytes left in the budget.
        available: usize,
    },
    /// A single region larger than the manager's storage can hold.
    #[error("region of {requested} bytes is larger than the maximum region size of {max_size}")]
    SizeTooLarge {
        /// Bytes the caller asked for.
        requested: usize,
        /// Largest region the manager can hold, in bytes.
        max_size: usize,
    },
    /// A region size that is not a whole number of WebAssembly pages.
    #[error("region size {size} is not a multiple of the page size {page_size}")]
    UnalignedSize {
        /// Bytes the caller asked for.
        size: usize,
        /// The page size the size must be a multiple of.
        page_size: usize,
    },
    /// Every slot of a fixed region table is in use or retired (a slot whose generation
    /// would wrap is never reused).
    #[error("region table is full: all {capacity} slots are in use or retired")]
    RegionTableFull {
        /// Number of slots in the table.
        capacity: usize,
    },
    /// The region was released since the id was issued (its slot may hold another region).
    #[error("region {id} was released")]
    StaleRegion {
        /// The id the caller gave.
        id: RegionId,
    },
    /// The manager never issued the id: its index is past every slot the manager has handed
    /// out, or its generation is one the slot has not reached (an id of another manager, say).
    #[error("region {id} was never issued by this manager ({slots} slots handed out so far)")]
    ForgedRegion {
        /// The id the caller gave.
        id: RegionId,
        /// Slots the manager has handed out so far (occupied, free or retired): every id it
        /// issued indexes below this. Not its capacity, which may be larger.
        slots: usize,
    },
    /// Every block of the pool is allocated (or retired).
    #[error("memory pool exhausted: all {block_count} blocks are in use or retired")]
    PoolExhausted {
        /// Number of blocks in the pool.
        block_count: usize,
    },
    /// A pool was asked for more bytes than one of its blocks holds.
    #[error("{requested} bytes asked of a pool whose blocks hold {block_size}")]
    RequestTooLarge {
        /// Bytes asked for.
        requested: usize,
        /// Bytes per block.
        block_size: usize,
    },
    /// The handle's block was freed since the handle was issued (a use after free, a
    /// double free, or the block is handed out again).
    #[error("{handle} was freed")]
    StaleHandle {
        /// The handle the caller gave.
        handle: BlockHandle,
    },
    /// The pool never issued the handle: its index is not below the block count, or its
    /// generation is one the block has not reached (a handle of another pool, say).
    #[error("{handle} was never issued by this pool of {block_count} blocks")]
    ForgedHandle {
        /// The handle the caller gave.
        handle: BlockHandle,
        /// Number of blocks in the pool.
        block_count: usize,
    },
    /// External backing bytes are fewer than the pool or memory needs.
    #[error("backing of {provided} bytes is smaller than the {required} bytes required")]
    BackingTooSmall {
        /// Bytes required.
        required: usize,
        /// Bytes provided.
        provided: usize,
    },
    /// The host allocator could not provide the bytes (only with `alloc`).
    #[error("host allocator failed to provide {requested} bytes")]
    HostAllocationFailed {
        /// Bytes asked of the host allocator.
        requested: usize,
    },
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::MemoryError;
    use alloc::string::ToString;

    /// Audit finding: after a slot retires (about 4.3e9 cycles, too long for this run; the
    /// retirement itself is tested in the slot table) the refusal said every slot was
    /// "in use" while no region was.
    #[test]
    fn full_table_and_pool_messages_allow_for_retired_slots() {
        let table = MemoryError::RegionTableFull { capacity: 1 }.to_string();
        assert_eq!(
            table,
            "region table is full: all 1 slots are in use or retired"
        );
        let pool = MemoryError::PoolExhausted { block_count: 2 }.to_string();
        assert_eq!(
            pool,
            "memory pool exhausted: all 2 blocks are in use or retired"
        );
    }
}
