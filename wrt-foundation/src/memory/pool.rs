//! [`MemoryPool`]: fixed-size blocks handed out as handles, O(1), without a heap.

use core::fmt;
use core::ops::Range;

mod blocks;
mod handle;
mod requests;

pub use blocks::InlineBlocks;
pub use handle::BlockHandle;
pub use requests::RequestTally;
use requests::Requested;

use super::{BackingRefused, MemoryError};
use crate::slots::{InlineSlotTable, KeyError, OccupyError, Vacant};

/// `BLOCK_COUNT` blocks of `BLOCK_SIZE` bytes, allocated and freed in O(1); needs no heap.
///
/// Which blocks are taken, and by which handle, is kept by the workspace's one slot table
/// ([`crate::slots`]): a block's handle goes stale when the block is freed, and a handle the
/// pool never issued is forged. The pool adds only the bytes.
///
/// The bytes live in the backing `B`: inline by default ([`InlineBlocks`]), or any
/// `AsRef<[u8]> + AsMut<[u8]>` a platform supplies (a `&mut [u8]` of static RAM, an mmap'd
/// range) through [`with_backing`](Self::with_backing). Every block is zeroed when it is
/// handed out, so nobody reads what the previous owner left.
///
/// ```
/// use wrt_foundation::memory::{MemoryError, MemoryPool};
///
/// let mut pool: MemoryPool<64, 2> = MemoryPool::new();
/// let a = pool.allocate()?;
/// let b = pool.allocate()?;
/// pool.block_mut(&a)?.fill(0xAB);
/// assert_eq!(pool.block(&b)?, &[0; 64][..]);
/// assert_eq!(pool.allocate(), Err(MemoryError::PoolExhausted { block_count: 2 }));
/// assert_eq!(pool.utilization(), 1.0);
///
/// pool.free(a)?;
/// assert_eq!(pool.free(a), Err(MemoryError::StaleHandle { handle: a })); // double free
/// let c = pool.allocate()?; // reuses a's block, zeroed, with a new generation
/// assert_eq!(c.index(), a.index());
/// assert_eq!(pool.block(&a), Err(MemoryError::StaleHandle { handle: a }));
/// # Ok::<(), MemoryError>(())
/// ```
pub struct MemoryPool<
    const BLOCK_SIZE: usize,
    const BLOCK_COUNT: usize,
    B = InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>,
> {
    backing: B,
    blocks: InlineSlotTable<Requested, BLOCK_COUNT>,
    requests: RequestTally,
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize>
    MemoryPool<BLOCK_SIZE, BLOCK_COUNT, InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>>
{
    /// A pool with its blocks inline; `const`, so it can live in a `static`.
    pub const fn new() -> Self {
        Self::from_backing(InlineBlocks::new())
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> Default
    for MemoryPool<BLOCK_SIZE, BLOCK_COUNT, InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, B> MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B> {
    const fn from_backing(backing: B) -> Self {
        Self {
            backing,
            blocks: InlineSlotTable::new(),
            requests: RequestTally::NONE,
        }
    }

    /// Hands the backing back.
    pub fn into_backing(self) -> B {
        self.backing
    }

    /// Bytes per block.
    pub const fn block_size(&self) -> usize {
        BLOCK_SIZE
    }

    /// Number of blocks.
    pub const fn capacity(&self) -> usize {
        BLOCK_COUNT
    }

    /// Blocks handed out and not yet freed.
    pub fn allocated(&self) -> usize {
        self.blocks.occupied_count()
    }

    /// Blocks that [`allocate`](Self::allocate) can still hand out.
    pub fn available(&self) -> usize {
        BLOCK_COUNT
            .saturating_sub(self.blocks.occupied_count())
            .saturating_sub(self.blocks.retired())
    }

    /// Blocks taken out of service because their generation counter ran out (after about
    /// four billion reuses each); normally 0.
    pub fn retired(&self) -> usize {
        self.blocks.retired()
    }

    /// `allocated() / capacity()` in `[0.0, 1.0]`; 0.0 for a pool of no blocks. For exact
    /// figures use [`allocated`](Self::allocated) and [`capacity`](Self::capacity).
    pub fn utilization(&self) -> f32 {
        if BLOCK_COUNT == 0 {
            0.0
        } else {
            self.blocks.occupied_count() as f32 / BLOCK_COUNT as f32
        }
    }

    /// What callers have asked for: refusals, bytes held, the largest request.
    pub const fn requests(&self) -> &RequestTally {
        &self.requests
    }

    /// `true` while `handle` names an allocated block of this pool.
    pub fn is_live(&self, handle: &BlockHandle) -> bool {
        self.live_index(handle).is_ok()
    }

    /// The slot index of `handle`'s block if the handle is live, else why not.
    #[inline]
    fn live_index(&self, handle: &BlockHandle) -> Result<usize, MemoryError> {
        match self.blocks.payload(handle.key()) {
            Ok(_) => Ok(handle.index() as usize),
            Err(error) => Err(Self::handle_error(*handle, error)),
        }
    }

    #[cold]
    fn handle_error(handle: BlockHandle, error: KeyError) -> MemoryError {
        match error {
            KeyError::Stale => MemoryError::StaleHandle { handle },
            _ => MemoryError::ForgedHandle {
                handle,
                block_count: BLOCK_COUNT,
            },
        }
    }

    /// The byte range of block `slot_index` in the backing; `None` if it overflows.
    fn block_range(slot_index: usize) -> Option<Range<usize>> {
        let start = slot_index.checked_mul(BLOCK_SIZE)?;
        Some(start..start.checked_add(BLOCK_SIZE)?)
    }

    /// The refusal for a backing of `provided` bytes that cannot hold every block.
    fn backing_too_small(provided: usize) -> MemoryError {
        MemoryError::BackingTooSmall {
            required: BLOCK_SIZE.saturating_mul(BLOCK_COUNT),
            provided,
        }
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, B: AsRef<[u8]> + AsMut<[u8]>>
    MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>
{
    /// A pool whose blocks live in `backing`, which must hold at least
    /// `BLOCK_SIZE * BLOCK_COUNT` bytes (any bytes after that are not used).
    ///
    /// ```
    /// use wrt_foundation::memory::MemoryPool;
    ///
    /// let mut ram = [0u8; 256];
    /// let mut pool = MemoryPool::<64, 4, &mut [u8]>::with_backing(&mut ram[..])?;
    /// let block = pool.allocate()?;
    /// pool.block_mut(&block)?[0] = 1;
    /// # Ok::<(), wrt_foundation::memory::MemoryError>(())
    /// ```
    ///
    /// # Errors
    /// [`MemoryError::BackingTooSmall`] when it holds fewer bytes; the backing comes back,
    /// untouched, in the [`BackingRefused`].
    pub fn with_backing(backing: B) -> Result<Self, BackingRefused<B>> {
        let provided = backing.as_ref().len();
        match BLOCK_SIZE.checked_mul(BLOCK_COUNT) {
            Some(required) if provided >= required => Ok(Self::from_backing(backing)),
            _ => Err(BackingRefused::new(
                backing,
                Self::backing_too_small(provided),
            )),
        }
    }

    /// The bytes of block `slot_index`; an error only if the backing shrank since
    /// [`with_backing`](Self::with_backing) checked it (an `AsRef` that lies).
    fn bytes(&self, slot_index: usize) -> Result<&[u8], MemoryError> {
        let backing = self.backing.as_ref();
        Self::block_range(slot_index)
            .and_then(|range| backing.get(range))
            .ok_or(Self::backing_too_small(backing.len()))
    }

    /// As [`bytes`](Self::bytes), writable.
    fn bytes_mut(backing: &mut B, slot_index: usize) -> Result<&mut [u8], MemoryError> {
        let provided = backing.as_ref().len();
        Self::block_range(slot_index)
            .and_then(|range| backing.as_mut().get_mut(range))
            .ok_or(Self::backing_too_small(provided))
    }

    /// Hands out a zeroed block, in O(1) (plus zeroing `BLOCK_SIZE` bytes), for a caller
    /// that wants all of it: the same as [`allocate_for`](Self::allocate_for)`(BLOCK_SIZE)`.
    ///
    /// # Errors
    /// [`MemoryError::PoolExhausted`] when every block is allocated (or retired); the pool
    /// is unchanged but for its [`requests`](Self::requests) figures (one more request
    /// asked, and refused).
    #[inline]
    pub fn allocate(&mut self) -> Result<BlockHandle, MemoryError> {
        self.allocate_for(BLOCK_SIZE)
    }

    /// Hands out a zeroed block for `bytes` bytes, and counts the request in
    /// [`requests`](Self::requests) (what a pool-sizing tool needs to choose a block size).
    /// The whole block is the caller's; `bytes` only says how much of it is used.
    ///
    /// # Errors
    /// [`MemoryError::RequestTooLarge`] when `bytes` is more than a block;
    /// [`MemoryError::PoolExhausted`] when every block is allocated (or retired). Either
    /// way the pool is unchanged but for its request figures.
    #[inline]
    pub fn allocate_for(&mut self, bytes: usize) -> Result<BlockHandle, MemoryError> {
        self.requests.asked(bytes);
        let answer = self.occupy_for(bytes);
        match answer {
            Ok(_) => self.requests.granted(bytes),
            Err(_) => self.requests.refused(),
        }
        answer
    }

    /// Occupies a zeroed block for `bytes`, leaving the tally to the caller.
    #[inline]
    fn occupy_for(&mut self, bytes: usize) -> Result<BlockHandle, MemoryError> {
        if bytes > BLOCK_SIZE {
            return Err(MemoryError::RequestTooLarge {
                requested: bytes,
                block_size: BLOCK_SIZE,
            });
        }
        let backing = &mut self.backing;
        let occupied = self.blocks.try_occupy(|index, requested| {
            Self::bytes_mut(backing, index as usize).map(|block| block.fill(0))?;
            *requested = Requested(bytes);
            Ok(())
        });
        match occupied {
            Ok(key) => Ok(BlockHandle::new(key)),
            Err(OccupyError::Refused(error)) => Err(error),
            Err(OccupyError::Full(_)) => {
                log::debug!("memory pool of {BLOCK_COUNT} blocks exhausted");
                Err(MemoryError::PoolExhausted {
                    block_count: BLOCK_COUNT,
                })
            }
        }
    }

    /// Returns `handle`'s block to the pool, in O(1).
    ///
    /// # Errors
    /// [`MemoryError::StaleHandle`] when the block was freed since the handle was issued
    /// (a double free, or the block is reused), [`MemoryError::ForgedHandle`] for a handle
    /// this pool never issued. Nothing changes on error.
    #[inline]
    pub fn free(&mut self, handle: BlockHandle) -> Result<(), MemoryError> {
        let requested = self
            .blocks
            .vacate(handle.key(), |requested| {
                core::mem::replace(requested, Requested::VACANT)
            })
            .map_err(|error| Self::handle_error(handle, error))?;
        self.requests.returned(requested.0);
        Ok(())
    }

    /// The bytes of `handle`'s block.
    ///
    /// # Errors
    /// [`MemoryError::StaleHandle`] or [`MemoryError::ForgedHandle`] when the handle is not
    /// live.
    pub fn block(&self, handle: &BlockHandle) -> Result<&[u8], MemoryError> {
        self.bytes(self.live_index(handle)?)
    }

    /// The bytes of `handle`'s block, writable.
    ///
    /// # Errors
    /// As [`block`](Self::block).
    pub fn block_mut(&mut self, handle: &BlockHandle) -> Result<&mut [u8], MemoryError> {
        let slot_index = self.live_index(handle)?;
        Self::bytes_mut(&mut self.backing, slot_index)
    }

    #[cfg(test)]
    pub(crate) fn set_generation_for_test(
        &mut self,
        handle: &BlockHandle,
        generation: core::num::NonZeroU32,
    ) -> BlockHandle {
        self.blocks.force_generation(handle.index(), generation);
        BlockHandle::new(crate::slots::Key::new(handle.index(), generation))
    }
}

/// Shows the counts, not the block contents.
impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, B> fmt::Debug
    for MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryPool")
            .field("block_size", &BLOCK_SIZE)
            .field("block_count", &BLOCK_COUNT)
            .field("allocated", &self.blocks.occupied_count())
            .field("retired", &self.blocks.retired())
            .finish()
    }
}

#[cfg(test)]
mod tests;
