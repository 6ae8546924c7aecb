//! [`BlockHandle`]: how a pool's user names a block without borrowing the pool.

#[cfg(doc)]
use super::MemoryPool;
#[cfg(doc)]
use crate::memory::MemoryError;
use crate::slots::Key;

/// Names an allocated block of a [`MemoryPool`]: block index plus the generation of the
/// allocation.
///
/// A handle is a value, not a borrow of the pool, so many blocks can be held at once while
/// the pool keeps serving others. Each allocation of a block bumps its generation, so a
/// handle kept after [`free`](MemoryPool::free) is refused ([`MemoryError::StaleHandle`])
/// instead of reaching someone else's data.
///
/// Handles do not record which pool issued them: a handle from another pool of the same
/// shape is checked only by index and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockHandle(Key);

impl BlockHandle {
    pub(super) const fn new(key: Key) -> Self {
        Self(key)
    }

    pub(super) const fn key(self) -> Key {
        self.0
    }

    /// The block index.
    pub const fn index(self) -> u32 {
        self.0.index()
    }

    /// The generation of the allocation (never 0).
    pub const fn generation(self) -> u32 {
        self.0.generation()
    }
}

impl core::fmt::Display for BlockHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "block {}", self.0)
    }
}
