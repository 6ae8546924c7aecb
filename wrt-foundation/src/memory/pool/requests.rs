//! [`RequestTally`]: what callers asked a [`MemoryPool`](super::MemoryPool) for, counted by
//! the pool itself at the moment it answers, so a pool-sizing tool reads figures that no
//! wrapper had to remember to keep.

use crate::slots::Vacant;

/// The bytes a block's holder asked for; 0 while the block is free. Kept in the block's
/// slot, so freeing the block knows what to take off the tally without a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Requested(pub(super) usize);

impl Vacant for Requested {
    const VACANT: Self = Self(0);
}

/// A pool's running figures about requests.
///
/// ```
/// use wrt_foundation::memory::{MemoryError, MemoryPool};
///
/// let mut pool: MemoryPool<64, 1> = MemoryPool::new();
/// let header = pool.allocate_for(24)?;
/// assert_eq!(pool.allocate_for(8), Err(MemoryError::PoolExhausted { block_count: 1 }));
/// assert_eq!(
///     pool.allocate_for(100),
///     Err(MemoryError::RequestTooLarge { requested: 100, block_size: 64 })
/// );
/// let tally = pool.requests();
/// assert_eq!((tally.refusals, tally.bytes_held, tally.largest), (2, 24, Some(100)));
/// pool.free(header)?;
/// assert_eq!(pool.requests().bytes_held, 0);
/// # Ok::<(), MemoryError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RequestTally {
    /// Requests refused since the pool was created: every block taken, or more bytes asked
    /// for than a block has.
    pub refusals: u64,
    /// Bytes asked for by the holders of the blocks allocated now (a whole block for
    /// [`allocate`](super::MemoryPool::allocate)); the rest of those blocks is waste.
    pub bytes_held: usize,
    /// The most bytes one request asked for since the pool was created, granted or not:
    /// the smallest block size that would have served every caller. `None` before the
    /// first request.
    pub largest: Option<usize>,
}

impl RequestTally {
    /// Nothing asked yet.
    pub(super) const NONE: Self = Self {
        refusals: 0,
        bytes_held: 0,
        largest: None,
    };

    /// A request of `bytes` arrived (before it is answered). Stored only when it is a new
    /// largest, so the common allocation writes nothing here.
    #[inline]
    pub(super) fn asked(&mut self, bytes: usize) {
        if self.largest.is_none_or(|largest| bytes > largest) {
            self.largest = Some(bytes);
        }
    }

    /// The request was refused.
    #[cold]
    pub(super) fn refused(&mut self) {
        self.refusals = self.refusals.wrapping_add(1);
    }

    /// A block was handed out for `bytes` (at most a block, so the sum of what is held
    /// never passes the pool's size, which fits in `usize`).
    #[inline]
    pub(super) fn granted(&mut self, bytes: usize) {
        self.bytes_held = self.bytes_held.wrapping_add(bytes);
    }

    /// A block held for `bytes` came back.
    #[inline]
    pub(super) fn returned(&mut self, bytes: usize) {
        self.bytes_held = self.bytes_held.wrapping_sub(bytes);
    }
}
