//! Where the bytes of a [`LinearMemory`](super::LinearMemory) live.
//!
//! One trait, [`MemoryStorage`], and three forms chosen by type:
//!
//! | form                  | type                     | environment | capacity                    |
//! |-----------------------|--------------------------|-------------|-----------------------------|
//! | inline array          | [`InlineStorage<N>`]     | every one   | `N` bytes, fixed at compile |
//! | borrowed foreign bytes| [`BorrowedStorage<'a>`]  | every one   | the slice's length          |
//! | heap                  | `HeapStorage`          | `alloc`     | grows on demand             |
//!
//! The inline and borrowed forms are one implementation, [`FixedStorage<B>`], generic over
//! any backing that can lend its bytes (`AsRef<[u8]> + AsMut<[u8]>`): a platform crate can
//! back a memory with an mmap'd range or static RAM by implementing those two traits for its
//! own owning type, or by lending a `&mut [u8]`.

use core::fmt;

use super::MemoryError;

/// The bytes behind a linear memory: a committed prefix that can only grow.
///
/// Implementations must keep these promises; [`LinearMemory`](super::LinearMemory) relies on
/// them for WebAssembly semantics (it never relies on them for memory safety, and never
/// panics if they are broken):
/// - [`bytes`](Self::bytes) and [`bytes_mut`](Self::bytes_mut) return the committed bytes,
///   whose length changes only through [`grow_to`](Self::grow_to) and [`clear`](Self::clear);
/// - `grow_to(n)` with `n <= max_len()` commits exactly `n` bytes, the new ones all zero, or
///   fails and changes nothing;
/// - `clear()` un-commits everything (a heap form gives the memory back).
pub trait MemoryStorage {
    /// The committed bytes.
    fn bytes(&self) -> &[u8];

    /// The committed bytes, writable.
    fn bytes_mut(&mut self) -> &mut [u8];

    /// The most bytes this storage can ever commit.
    fn max_len(&self) -> usize;

    /// Commits bytes up to `new_len`, zeroing the new ones.
    ///
    /// # Errors
    /// [`MemoryError::SizeTooLarge`] above [`max_len`](Self::max_len) and
    /// [`MemoryError::HostAllocationFailed`] when a heap form cannot get the bytes; in both
    /// cases nothing changes. A `new_len` at or below the committed length does nothing.
    fn grow_to(&mut self, new_len: usize) -> Result<(), MemoryError>;

    /// Un-commits every byte, so the storage can serve a new memory.
    fn clear(&mut self);
}

/// Storage over a backing of fixed size that can lend its bytes: the inline and the
/// borrowed forms share this one implementation.
///
/// The committed length starts at zero; growing zeroes the newly committed bytes, so a
/// backing handed in with old contents (static RAM, a reused buffer) never leaks them into a
/// memory.
///
/// ```
/// use wrt_foundation::memory::{BorrowedStorage, MemoryStorage};
///
/// let mut ram = [0xAAu8; 16];
/// let mut storage = BorrowedStorage::new(&mut ram[..]);
/// storage.grow_to(4)?;
/// assert_eq!(storage.bytes(), &[0, 0, 0, 0]);
/// assert_eq!(storage.max_len(), 16);
/// # Ok::<(), wrt_foundation::memory::MemoryError>(())
/// ```
#[derive(Clone)]
pub struct FixedStorage<B> {
    backing: B,
    len: usize,
}

/// Inline storage of `N` bytes: exists without an allocator and can be built in a `const`.
pub type InlineStorage<const N: usize> = FixedStorage<[u8; N]>;

/// Storage lent by someone else (an mmap'd range, a static buffer) for the lifetime `'a`.
pub type BorrowedStorage<'a> = FixedStorage<&'a mut [u8]>;

impl<B> FixedStorage<B> {
    /// Storage over `backing` with nothing committed yet.
    pub const fn new(backing: B) -> Self {
        Self { backing, len: 0 }
    }

    /// Hands the backing back.
    pub fn into_backing(self) -> B {
        self.backing
    }
}

impl<B: AsRef<[u8]>> FixedStorage<B> {
    /// The committed bytes: what `bytes` lends and what equality compares (a read-only
    /// backing suffices for both).
    fn committed(&self) -> &[u8] {
        self.backing.as_ref().get(..self.len).unwrap_or(&[])
    }
}

impl<const N: usize> FixedStorage<[u8; N]> {
    /// Zeroed inline storage of `N` bytes, usable in `const` and `static` items.
    pub const fn inline() -> Self {
        Self::new([0; N])
    }
}

/// Shows the lengths, not the (possibly megabytes of) contents.
impl<B: AsRef<[u8]>> fmt::Debug for FixedStorage<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedStorage")
            .field("len", &self.len)
            .field("max_len", &self.backing.as_ref().len())
            .finish()
    }
}

/// Equal when the committed bytes and the capacity are: bytes past the committed length are
/// not the memory's (they are zeroed when committed), so they take no part.
impl<B: AsRef<[u8]>> PartialEq for FixedStorage<B> {
    fn eq(&self, other: &Self) -> bool {
        self.committed() == other.committed()
            && self.backing.as_ref().len() == other.backing.as_ref().len()
    }
}

impl<B: AsRef<[u8]>> Eq for FixedStorage<B> {}

impl<const N: usize> Default for FixedStorage<[u8; N]> {
    fn default() -> Self {
        Self::inline()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> MemoryStorage for FixedStorage<B> {
    fn bytes(&self) -> &[u8] {
        self.committed()
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        self.backing.as_mut().get_mut(..self.len).unwrap_or(&mut [])
    }

    fn max_len(&self) -> usize {
        self.backing.as_ref().len()
    }

    fn grow_to(&mut self, new_len: usize) -> Result<(), MemoryError> {
        if new_len <= self.len {
            return Ok(());
        }
        let max_size = self.max_len();
        let fresh =
            self.backing
                .as_mut()
                .get_mut(self.len..new_len)
                .ok_or(MemoryError::SizeTooLarge {
                    requested: new_len,
                    max_size,
                })?;
        fresh.fill(0);
        self.len = new_len;
        Ok(())
    }

    fn clear(&mut self) {
        self.len = 0;
    }
}

/// Heap storage that grows on demand; allocation failure is an error, never an abort.
///
/// ```
/// use wrt_foundation::memory::{HeapStorage, MemoryStorage};
///
/// let mut storage = HeapStorage::new();
/// storage.grow_to(3)?;
/// assert_eq!(storage.bytes(), &[0, 0, 0]);
/// # Ok::<(), wrt_foundation::memory::MemoryError>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeapStorage {
    bytes: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl HeapStorage {
    /// Empty storage; allocates nothing until it grows.
    pub const fn new() -> Self {
        Self {
            bytes: alloc::vec::Vec::new(),
        }
    }
}

/// Shows the length, not the contents.
#[cfg(feature = "alloc")]
impl fmt::Debug for HeapStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeapStorage")
            .field("len", &self.bytes.len())
            .finish()
    }
}

#[cfg(feature = "alloc")]
impl MemoryStorage for HeapStorage {
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// The most a `Vec<u8>` may hold: `isize::MAX` bytes.
    fn max_len(&self) -> usize {
        isize::MAX.unsigned_abs()
    }

    fn grow_to(&mut self, new_len: usize) -> Result<(), MemoryError> {
        let Some(additional) = new_len.checked_sub(self.bytes.len()) else {
            return Ok(());
        };
        if new_len > self.max_len() {
            return Err(MemoryError::SizeTooLarge {
                requested: new_len,
                max_size: self.max_len(),
            });
        }
        // The allocator is asked for the whole grown buffer, so that is the figure reported.
        self.bytes
            .try_reserve_exact(additional)
            .map_err(|_| MemoryError::HostAllocationFailed { requested: new_len })?;
        // Cannot reallocate: the room was reserved above.
        self.bytes.resize(new_len, 0);
        Ok(())
    }

    fn clear(&mut self) {
        self.bytes = alloc::vec::Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outside audit: the derived equality compared the uncommitted bytes too, so two
    /// storages with the same committed bytes and capacity compared unequal.
    #[test]
    fn fixed_storage_equality_ignores_uncommitted_bytes() {
        let mut a = InlineStorage::<8>::inline();
        a.grow_to(4).unwrap();
        a.bytes_mut().fill(7);
        a.clear();
        assert_eq!(a, InlineStorage::<8>::inline());
        a.grow_to(2).unwrap();
        let mut b = InlineStorage::<8>::inline();
        b.grow_to(2).unwrap();
        assert_eq!(a, b);
        b.bytes_mut().fill(1);
        assert_ne!(a, b);
    }

    #[test]
    fn fixed_storage_zeroes_reused_backing_on_every_grow() {
        let mut raw = [7u8; 8];
        let mut s = BorrowedStorage::new(&mut raw[..]);
        assert!(s.bytes().is_empty());
        s.grow_to(3).unwrap();
        s.bytes_mut().fill(9);
        s.clear();
        s.grow_to(8).unwrap();
        assert_eq!(s.bytes(), &[0; 8]);
    }

    #[test]
    fn fixed_storage_refuses_past_backing_and_keeps_length() {
        let mut s = InlineStorage::<4>::inline();
        s.grow_to(2).unwrap();
        assert_eq!(
            s.grow_to(5),
            Err(MemoryError::SizeTooLarge {
                requested: 5,
                max_size: 4
            })
        );
        assert_eq!(s.bytes().len(), 2);
        s.grow_to(1).unwrap();
        assert_eq!(s.bytes().len(), 2, "growing to a smaller length is a no-op");
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn heap_storage_reports_allocation_failure_instead_of_aborting() {
        let mut s = HeapStorage::new();
        // Within isize::MAX, but no host can provide it.
        let huge = isize::MAX.unsigned_abs() / 2;
        assert_eq!(
            s.grow_to(huge),
            Err(MemoryError::HostAllocationFailed { requested: huge })
        );
        assert!(s.bytes().is_empty());
        assert!(matches!(
            s.grow_to(usize::MAX),
            Err(MemoryError::SizeTooLarge { .. })
        ));
        s.grow_to(5).unwrap();
        s.clear();
        assert!(s.bytes().is_empty());
    }
}
