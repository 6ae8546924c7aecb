//! [`InlineBlocks`]: the default, inline backing of a [`MemoryPool`](super::MemoryPool).

/// Inline backing for a pool: `BLOCK_COUNT` blocks of `BLOCK_SIZE` bytes.
///
/// An array of arrays, because a flat `[u8; BLOCK_SIZE * BLOCK_COUNT]` cannot be written
/// with const generics on stable Rust; it lends its bytes flat.
#[derive(Clone, PartialEq, Eq)]
pub struct InlineBlocks<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize>(
    [[u8; BLOCK_SIZE]; BLOCK_COUNT],
);

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> InlineBlocks<BLOCK_SIZE, BLOCK_COUNT> {
    /// Zeroed blocks, usable in `const` and `static` items.
    pub const fn new() -> Self {
        Self([[0; BLOCK_SIZE]; BLOCK_COUNT])
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> Default
    for InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> AsRef<[u8]>
    for InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>
{
    fn as_ref(&self) -> &[u8] {
        self.0.as_flattened()
    }
}

impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize> AsMut<[u8]>
    for InlineBlocks<BLOCK_SIZE, BLOCK_COUNT>
{
    fn as_mut(&mut self) -> &mut [u8] {
        self.0.as_flattened_mut()
    }
}
