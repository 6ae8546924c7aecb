//! [`BackingRefused`]: a constructor that refuses hands back the backing it was given.

use core::fmt;

use super::MemoryError;

/// Why a memory or pool was not built over a backing, with the backing itself.
///
/// A backing may be a platform region that must go back to the provider that lent it (an
/// mmap'd range, a QNX partition's block, an embedded provider's RAM): dropping it inside
/// the library would leak it from the provider's books or unmap it behind the caller's
/// back. So [`LinearMemory::new`](super::LinearMemory::new) and
/// [`MemoryPool::with_backing`](super::MemoryPool::with_backing) return it on refusal. `?`
/// turns it into the plain [`MemoryError`] when the caller has no use for it.
///
/// ```
/// use wrt_foundation::memory::{MemoryError, MemoryPool};
///
/// let ram = vec![0u8; 100]; // an owned backing, too small for 4 blocks of 64 bytes
/// let refused = MemoryPool::<64, 4, Vec<u8>>::with_backing(ram).unwrap_err();
/// assert_eq!(
///     refused.error,
///     MemoryError::BackingTooSmall { required: 256, provided: 100 }
/// );
/// let ram = refused.backing; // still the caller's, to return or to reuse
/// assert_eq!(ram.len(), 100);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BackingRefused<B> {
    /// The backing the constructor was given. From
    /// [`LinearMemory::new`](super::LinearMemory::new) it comes back with nothing committed,
    /// whatever the refusal: a new memory discards what its storage held before it checks.
    pub backing: B,
    /// Why.
    pub error: MemoryError,
}

impl<B> BackingRefused<B> {
    /// Pairs a refused backing with the reason.
    #[inline]
    pub const fn new(backing: B, error: MemoryError) -> Self {
        Self { backing, error }
    }
}

impl<B> From<BackingRefused<B>> for MemoryError {
    #[inline]
    fn from(refused: BackingRefused<B>) -> Self {
        refused.error
    }
}

/// The backing is left out: it is bytes, possibly many, and the caller's to show.
impl<B> fmt::Debug for BackingRefused<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackingRefused")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<B> fmt::Display for BackingRefused<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backing handed back: {}", self.error)
    }
}

impl<B> core::error::Error for BackingRefused<B> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}
