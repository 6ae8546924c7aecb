//! The storage forms by name: an alias and a constructor for each of inline, borrowed and
//! heap linear memories.

use super::{LinearMemory, effective_maximum, whole_pages};
use crate::memory::{MemoryError, MemoryProtection, PAGE_SIZE};

/// A linear memory stored inline in `N` bytes; exists without an allocator.
///
/// `N` should be a multiple of [`PAGE_SIZE`]; the constructors on this alias refuse to
/// compile otherwise. (Through the generic [`LinearMemory::new`] a storage holds
/// `N / PAGE_SIZE` whole pages and the remaining bytes are never used.)
pub type InlineLinearMemory<const N: usize> = LinearMemory<crate::memory::InlineStorage<N>>;

/// A linear memory over bytes lent by a platform (mmap'd range, static RAM).
pub type BorrowedLinearMemory<'a> = LinearMemory<crate::memory::BorrowedStorage<'a>>;

/// A linear memory on the heap that grows on demand.
#[cfg(feature = "alloc")]
pub type HeapLinearMemory = LinearMemory<crate::memory::HeapStorage>;

impl<const N: usize> LinearMemory<crate::memory::InlineStorage<N>> {
    const WHOLE_PAGES: () = assert!(
        N.is_multiple_of(PAGE_SIZE),
        "an inline linear memory's byte capacity N must be a multiple of PAGE_SIZE"
    );

    /// An inline memory of `initial_pages`, growable to `maximum_pages` or `N / PAGE_SIZE`.
    ///
    /// # Errors
    /// As [`new`](Self::new), without the storage: it was made here, and nothing of the
    /// caller's is dropped.
    pub fn inline(
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<Self, MemoryError> {
        let () = Self::WHOLE_PAGES;
        Self::over_fresh(
            crate::memory::InlineStorage::inline(),
            initial_pages,
            maximum_pages,
            protection,
        )
    }

    /// An inline memory of zero pages, built at compile time so it can sit in a `static`
    /// instead of on a small stack; [`grow`](Self::grow) it to the initial size at start-up.
    pub const fn inline_empty(maximum_pages: Option<u32>, protection: MemoryProtection) -> Self {
        let () = Self::WHOLE_PAGES;
        Self {
            storage: crate::memory::InlineStorage::inline(),
            maximum_pages: effective_maximum(maximum_pages, whole_pages(N)),
            protection,
        }
    }
}

impl<'a> LinearMemory<crate::memory::BorrowedStorage<'a>> {
    /// A memory over `bytes` lent by the caller; it can hold `bytes.len() / PAGE_SIZE`
    /// whole pages (bytes after the last whole page are never used). The bytes are zeroed
    /// as pages are committed.
    ///
    /// # Errors
    /// As [`new`](Self::new), without the storage: the caller's borrow of `bytes` ends with
    /// the refusal.
    pub fn borrowed(
        bytes: &'a mut [u8],
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<Self, MemoryError> {
        Self::over_fresh(
            crate::memory::BorrowedStorage::new(bytes),
            initial_pages,
            maximum_pages,
            protection,
        )
    }
}

#[cfg(feature = "alloc")]
impl LinearMemory<crate::memory::HeapStorage> {
    /// A heap memory of `initial_pages`, growable to `maximum_pages` (or [`MAX_PAGES`](crate::memory::MAX_PAGES)).
    ///
    /// # Errors
    /// As [`new`](Self::new), without the storage: it was made here, and nothing of the
    /// caller's is dropped.
    pub fn heap(
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<Self, MemoryError> {
        Self::over_fresh(
            crate::memory::HeapStorage::new(),
            initial_pages,
            maximum_pages,
            protection,
        )
    }
}
