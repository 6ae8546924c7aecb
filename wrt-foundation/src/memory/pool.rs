//! [`MemoryPool`]: fixed-size blocks handed out as handles, O(1), without a heap.

use core::fmt;
use core::ops::Range;

mod blocks;
mod handle;

pub use blocks::InlineBlocks;
pub use handle::BlockHandle;

use super::MemoryError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockState {
    /// Not allocated; `next_free` links the free list (blocks never handed out are not on
    /// it: they are taken in index order from `never_used`).
    Free {
        next_free: Option<u32>,
    },
    Allocated,
    /// Generations used up: never handed out again, so no handle can be reused.
    Retired,
}

#[derive(Debug, Clone, Copy)]
struct BlockSlot {
    generation: u32,
    state: BlockState,
}

impl BlockSlot {
    const UNUSED: Self = Self {
        generation: 0,
        state: BlockState::Free { next_free: None },
    };
}

/// `BLOCK_COUNT` blocks of `BLOCK_SIZE` bytes, allocated and freed in O(1) through a free
/// list of indices; needs no heap.
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
/// assert!(matches!(pool.free(a), Err(MemoryError::DoubleFree { .. })));
/// let c = pool.allocate()?; // reuses a's block, zeroed, with a new generation
/// assert_eq!(c.index(), a.index());
/// assert!(matches!(pool.block(&a), Err(MemoryError::StaleHandle { .. })));
/// # Ok::<(), MemoryError>(())
/// ```
pub struct MemoryPool<
    const BLOCK_SIZE: usize,
    const BLOCK_COUNT: usize,
    B = InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>,
> {
    backing: B,
    slots: [BlockSlot; BLOCK_COUNT],
    free_head: Option<u32>,
    never_used: usize,
    allocated: usize,
    retired: usize,
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
    const INDICES_FIT: () = assert!(BLOCK_COUNT <= u32::MAX as usize, "block indices are u32");

    const fn from_backing(backing: B) -> Self {
        let () = Self::INDICES_FIT;
        Self {
            backing,
            slots: [BlockSlot::UNUSED; BLOCK_COUNT],
            free_head: None,
            never_used: 0,
            allocated: 0,
            retired: 0,
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
        self.allocated
    }

    /// Blocks that [`allocate`](Self::allocate) can still hand out.
    pub fn available(&self) -> usize {
        BLOCK_COUNT
            .saturating_sub(self.allocated)
            .saturating_sub(self.retired)
    }

    /// Blocks taken out of service because their generation counter ran out (after about
    /// four billion reuses each); normally 0.
    pub fn retired(&self) -> usize {
        self.retired
    }

    /// `allocated() / capacity()` in `[0.0, 1.0]`; 0.0 for a pool of no blocks. For exact
    /// figures use [`allocated`](Self::allocated) and [`capacity`](Self::capacity).
    pub fn utilization(&self) -> f32 {
        if BLOCK_COUNT == 0 {
            0.0
        } else {
            self.allocated as f32 / BLOCK_COUNT as f32
        }
    }

    /// `true` while `handle` names an allocated block of this pool.
    pub fn is_live(&self, handle: &BlockHandle) -> bool {
        self.live_index(handle).is_ok()
    }

    /// The slot index of `handle`'s block if the handle is live, else why not.
    fn live_index(&self, handle: &BlockHandle) -> Result<usize, MemoryError> {
        let BlockHandle { index, generation } = *handle;
        let out_of_range = MemoryError::HandleOutOfRange {
            index,
            block_count: BLOCK_COUNT,
        };
        let slot_index = usize::try_from(index).map_err(|_| out_of_range)?;
        let slot = self.slots.get(slot_index).ok_or(out_of_range)?;
        if slot.generation != generation {
            return Err(MemoryError::StaleHandle {
                index,
                generation,
                current_generation: slot.generation,
            });
        }
        match slot.state {
            BlockState::Allocated => Ok(slot_index),
            BlockState::Free { .. } | BlockState::Retired => {
                Err(MemoryError::UseAfterFree { index, generation })
            }
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
    /// [`MemoryError::BackingTooSmall`] when it holds fewer bytes.
    pub fn with_backing(backing: B) -> Result<Self, MemoryError> {
        let provided = backing.as_ref().len();
        match BLOCK_SIZE.checked_mul(BLOCK_COUNT) {
            Some(required) if provided >= required => Ok(Self::from_backing(backing)),
            _ => Err(Self::backing_too_small(provided)),
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
    fn bytes_mut(&mut self, slot_index: usize) -> Result<&mut [u8], MemoryError> {
        let provided = self.backing.as_ref().len();
        Self::block_range(slot_index)
            .and_then(|range| self.backing.as_mut().get_mut(range))
            .ok_or(Self::backing_too_small(provided))
    }

    /// Hands out a zeroed block, in O(1) (plus zeroing `BLOCK_SIZE` bytes).
    ///
    /// # Errors
    /// [`MemoryError::PoolExhausted`] when every block is allocated (or retired); the pool
    /// is unchanged.
    pub fn allocate(&mut self) -> Result<BlockHandle, MemoryError> {
        let exhausted = MemoryError::PoolExhausted {
            block_count: BLOCK_COUNT,
        };
        let (slot_index, next_free) = match self.free_head {
            Some(index) => {
                let slot_index = usize::try_from(index).map_err(|_| exhausted)?;
                match self.slots.get(slot_index).map(|slot| slot.state) {
                    Some(BlockState::Free { next_free }) => (slot_index, next_free),
                    _ => return Err(exhausted),
                }
            }
            None if self.never_used < BLOCK_COUNT => (self.never_used, None),
            None => {
                log::debug!("memory pool of {BLOCK_COUNT} blocks exhausted");
                return Err(exhausted);
            }
        };
        let index = u32::try_from(slot_index).map_err(|_| exhausted)?;
        let current = self.slots.get(slot_index).ok_or(exhausted)?.generation;
        // Slots whose generation is at u32::MAX are retired and never reach here.
        let generation = current.checked_add(1).ok_or(exhausted)?;
        self.bytes_mut(slot_index)?.fill(0);
        let slot = self.slots.get_mut(slot_index).ok_or(exhausted)?;
        slot.generation = generation;
        slot.state = BlockState::Allocated;
        if self.free_head.is_some() {
            self.free_head = next_free;
        } else {
            self.never_used = self.never_used.saturating_add(1);
        }
        self.allocated = self.allocated.saturating_add(1);
        Ok(BlockHandle { index, generation })
    }

    /// Returns `handle`'s block to the pool, in O(1).
    ///
    /// # Errors
    /// [`MemoryError::DoubleFree`] when the block was already freed through this handle,
    /// [`MemoryError::StaleHandle`] when it has been reused since,
    /// [`MemoryError::HandleOutOfRange`] for an index beyond the pool. Nothing changes on
    /// error.
    pub fn free(&mut self, handle: BlockHandle) -> Result<(), MemoryError> {
        let slot_index = self.live_index(&handle).map_err(|err| match err {
            MemoryError::UseAfterFree { index, generation } => {
                MemoryError::DoubleFree { index, generation }
            }
            other => other,
        })?;
        let free_head = self.free_head;
        let slot = self
            .slots
            .get_mut(slot_index)
            .ok_or(MemoryError::HandleOutOfRange {
                index: handle.index,
                block_count: BLOCK_COUNT,
            })?;
        if slot.generation == u32::MAX {
            slot.state = BlockState::Retired;
            self.retired = self.retired.saturating_add(1);
            log::warn!(
                "pool block {} retired: its generations are used up",
                handle.index
            );
        } else {
            slot.state = BlockState::Free {
                next_free: free_head,
            };
            self.free_head = Some(handle.index);
        }
        self.allocated = self.allocated.saturating_sub(1);
        Ok(())
    }

    /// The bytes of `handle`'s block.
    ///
    /// # Errors
    /// [`MemoryError::UseAfterFree`], [`MemoryError::StaleHandle`] or
    /// [`MemoryError::HandleOutOfRange`] when the handle is not live.
    pub fn block(&self, handle: &BlockHandle) -> Result<&[u8], MemoryError> {
        self.bytes(self.live_index(handle)?)
    }

    /// The bytes of `handle`'s block, writable.
    ///
    /// # Errors
    /// As [`block`](Self::block).
    pub fn block_mut(&mut self, handle: &BlockHandle) -> Result<&mut [u8], MemoryError> {
        let slot_index = self.live_index(handle)?;
        self.bytes_mut(slot_index)
    }

    #[cfg(test)]
    pub(crate) fn set_generation_for_test(
        &mut self,
        handle: &BlockHandle,
        generation: u32,
    ) -> BlockHandle {
        if let Some(slot) = usize::try_from(handle.index)
            .ok()
            .and_then(|i| self.slots.get_mut(i))
        {
            slot.generation = generation;
        }
        BlockHandle {
            index: handle.index,
            generation,
        }
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
            .field("allocated", &self.allocated)
            .field("retired", &self.retired)
            .finish()
    }
}

#[cfg(test)]
mod tests;
