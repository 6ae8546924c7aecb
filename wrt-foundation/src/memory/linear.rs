//! [`LinearMemory`]: WebAssembly linear memory with every access bounds- and
//! protection-checked.

use core::fmt;
use core::ops::Range;

use super::{
    Access, BackingRefused, MAX_PAGES, MemoryError, MemoryProtection, MemoryStorage, PAGE_SIZE,
};

/// WebAssembly linear memory: a byte array of whole 64 KiB pages that can grow up to a
/// maximum, where every access is checked against the bounds and the protection.
///
/// The storage is chosen by type (see [`storage`](super::storage)); the API is the same for
/// all of them. Aliases name the common forms: [`InlineLinearMemory`],
/// [`BorrowedLinearMemory`] and, with `alloc`, `HeapLinearMemory`.
///
/// # Addresses
/// Offsets are `u64` effective addresses: a wasm32 address plus its static offset (both
/// `u32`) cannot overflow `u64`, and memory64 addresses fit as they are, so the caller adds
/// without checks and this type does the one bounds check. `offset + len` is computed with
/// checked arithmetic; a sum that overflows `u64` (or `usize` on the host) is
/// [`MemoryError::OutOfBounds`], never a wrapped address. A zero-length access at
/// `offset == size` is in bounds, as in WebAssembly.
///
/// # Protection
/// Reads need [`MemoryProtection::read`], writes need [`MemoryProtection::write`], and
/// `copy_within` needs both. Protection is checked before bounds.
///
/// ```
/// use wrt_foundation::memory::{InlineLinearMemory, MemoryError, MemoryProtection, PAGE_SIZE};
///
/// // Room for two pages inline, starting with one.
/// let mut memory = InlineLinearMemory::<{ 2 * PAGE_SIZE }>::inline(1, None, MemoryProtection::READ_WRITE)?;
/// memory.store_u32(8, 0xDEAD_BEEF)?;
/// assert_eq!(memory.load_u32(8)?, 0xDEAD_BEEF);
/// assert_eq!(memory.load_u8(8)?, 0xEF); // little-endian
///
/// // The last four bytes are in bounds, one more is not.
/// let end = PAGE_SIZE as u64;
/// memory.store_u32(end - 4, 1)?;
/// assert!(matches!(memory.store_u32(end - 3, 1), Err(MemoryError::OutOfBounds { .. })));
///
/// assert_eq!(memory.grow(1)?, 1); // previous size in pages
/// assert_eq!(
///     memory.grow(1),
///     Err(MemoryError::GrowLimitExceeded { requested: 1, available: 0, maximum: 2 })
/// );
/// # Ok::<(), MemoryError>(())
/// ```
#[derive(Clone)]
pub struct LinearMemory<S> {
    storage: S,
    maximum_pages: u32,
    protection: MemoryProtection,
}

/// Bytes in `pages` pages, if that fits in `usize`.
pub(crate) fn pages_to_bytes(pages: u32) -> Option<usize> {
    usize::try_from(pages).ok()?.checked_mul(PAGE_SIZE)
}

#[cfg(feature = "alloc")]
pub use forms::HeapLinearMemory;
pub use forms::{BorrowedLinearMemory, InlineLinearMemory};

/// Whole pages in `bytes`, at most [`MAX_PAGES`].
pub(crate) const fn whole_pages(bytes: usize) -> u32 {
    let pages = bytes / PAGE_SIZE;
    if pages > MAX_PAGES as usize {
        MAX_PAGES
    } else {
        pages as u32
    }
}

/// The effective maximum: the declared one, the Wasm limit and the storage, the lowest.
const fn effective_maximum(declared: Option<u32>, storage_pages: u32) -> u32 {
    let declared = match declared {
        Some(pages) if pages < storage_pages => pages,
        _ => storage_pages,
    };
    if declared > MAX_PAGES {
        MAX_PAGES
    } else {
        declared
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl<S> LinearMemory<S> {
    /// A memory of no access that cannot grow: what a vacant region slot holds until a
    /// [`LinearMemoryManager`](super::LinearMemoryManager) activates it. It has zero pages
    /// when `storage` has nothing committed, as every storage starts; bytes already committed
    /// are kept (this is a `const fn` and cannot clear them), so hand it fresh storage.
    pub const fn dormant(storage: S) -> Self {
        Self {
            storage,
            maximum_pages: 0,
            protection: MemoryProtection::NONE,
        }
    }

    /// Gives the storage back, with its committed bytes.
    pub fn into_storage(self) -> S {
        self.storage
    }
}

impl<S: MemoryStorage> LinearMemory<S> {
    /// A memory of `initial_pages` zeroed pages over `storage`, growable to
    /// `maximum_pages` (or as far as the storage and [`MAX_PAGES`] allow).
    ///
    /// Whatever `storage` had committed is discarded: a new memory always starts zeroed.
    ///
    /// # Errors
    /// [`MemoryError::InvalidLimits`] when `initial_pages` is above the effective maximum,
    /// and [`MemoryError::HostAllocationFailed`] when a heap storage cannot get the bytes.
    /// Either way the storage comes back in the [`BackingRefused`], with nothing committed:
    /// a platform region behind it is still the caller's to return.
    pub fn new(
        storage: S,
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<Self, BackingRefused<S>> {
        let mut memory = Self::dormant(storage);
        match memory.activate(initial_pages, maximum_pages, protection) {
            Ok(()) => Ok(memory),
            Err(error) => Err(BackingRefused::new(memory.into_storage(), error)),
        }
    }

    /// [`new`](Self::new) over a storage the constructor made itself, so nothing of the
    /// caller's is at stake in a refusal: the storage is not handed back, which keeps a
    /// large inline one from being carried (and, unoptimised, copied) through the error.
    fn over_fresh(
        storage: S,
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<Self, MemoryError> {
        let mut memory = Self::dormant(storage);
        memory.activate(initial_pages, maximum_pages, protection)?;
        Ok(memory)
    }

    /// Re-initialises the memory in place (no move of a possibly large inline storage).
    /// On error the memory is left dormant.
    pub(crate) fn activate(
        &mut self,
        initial_pages: u32,
        maximum_pages: Option<u32>,
        protection: MemoryProtection,
    ) -> Result<(), MemoryError> {
        self.deactivate();
        let maximum = effective_maximum(maximum_pages, whole_pages(self.storage.max_len()));
        let invalid = MemoryError::InvalidLimits {
            initial: initial_pages,
            maximum,
        };
        if initial_pages > maximum {
            return Err(invalid);
        }
        self.storage
            .grow_to(pages_to_bytes(initial_pages).ok_or(invalid)?)?;
        self.maximum_pages = maximum;
        self.protection = protection;
        Ok(())
    }

    /// Returns the memory to the dormant state, un-committing its storage.
    pub(crate) fn deactivate(&mut self) {
        self.storage.clear();
        self.maximum_pages = 0;
        self.protection = MemoryProtection::NONE;
    }

    /// Current size in pages.
    pub fn pages(&self) -> u32 {
        whole_pages(self.storage.bytes().len())
    }

    /// The most pages the memory can grow to: the declared maximum, [`MAX_PAGES`] and the
    /// storage's capacity, whichever is lowest.
    pub fn maximum_pages(&self) -> u32 {
        self.maximum_pages
    }

    /// Current size in bytes: `pages() * PAGE_SIZE` for every memory built by `new` and
    /// grown by `grow` (a [`dormant`](Self::dormant) one over committed storage reports those
    /// bytes).
    pub fn size_bytes(&self) -> usize {
        self.storage.bytes().len()
    }

    /// The protection checked on every access.
    pub fn protection(&self) -> MemoryProtection {
        self.protection
    }

    /// Replaces the protection; later accesses are checked against the new one.
    pub fn set_protection(&mut self, protection: MemoryProtection) {
        self.protection = protection;
    }

    /// The storage, for inspection (a platform may want the backing's address).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Adds `delta` zeroed pages and returns the previous size in pages, as `memory.grow`.
    ///
    /// # Errors
    /// [`MemoryError::GrowLimitExceeded`] when the result would pass
    /// [`maximum_pages`](Self::maximum_pages), [`MemoryError::HostAllocationFailed`] when a
    /// heap storage cannot get the bytes. On error the memory is unchanged.
    pub fn grow(&mut self, delta: u32) -> Result<u32, MemoryError> {
        let previous = self.pages();
        let available = self.maximum_pages.saturating_sub(previous);
        let refused = MemoryError::GrowLimitExceeded {
            requested: delta,
            available,
            maximum: self.maximum_pages,
        };
        if delta > available {
            return Err(refused);
        }
        let new_len = previous
            .checked_add(delta)
            .and_then(pages_to_bytes)
            .ok_or(refused)?;
        self.storage.grow_to(new_len)?;
        Ok(previous)
    }

    /// Refuses `access` if the protection forbids it.
    fn permit(&self, access: Access) -> Result<(), MemoryError> {
        if self.protection.allows(access) {
            Ok(())
        } else {
            Err(MemoryError::AccessDenied {
                access,
                protection: self.protection,
            })
        }
    }

    /// The byte range `offset..offset + len`, if it lies inside the committed bytes.
    fn bounds(&self, offset: u64, len: u64) -> Result<Range<usize>, MemoryError> {
        let size = self.storage.bytes().len();
        let out_of_bounds = MemoryError::OutOfBounds {
            offset,
            len,
            size: as_u64(size),
        };
        let end = offset.checked_add(len).ok_or(out_of_bounds)?;
        if end > as_u64(size) {
            return Err(out_of_bounds);
        }
        let start = usize::try_from(offset).map_err(|_| out_of_bounds)?;
        let end = usize::try_from(end).map_err(|_| out_of_bounds)?;
        Ok(start..end)
    }

    /// The byte range for `access`: protection first, then bounds.
    fn range(&self, access: Access, offset: u64, len: u64) -> Result<Range<usize>, MemoryError> {
        self.permit(access)?;
        self.bounds(offset, len)
    }

    fn readable(&self, offset: u64, len: usize) -> Result<&[u8], MemoryError> {
        let range = self.range(Access::Read, offset, as_u64(len))?;
        self.storage
            .bytes()
            .get(range)
            .ok_or(MemoryError::OutOfBounds {
                offset,
                len: as_u64(len),
                size: as_u64(self.size_bytes()),
            })
    }

    fn writable(&mut self, offset: u64, len: u64) -> Result<&mut [u8], MemoryError> {
        let range = self.range(Access::Write, offset, len)?;
        let size = as_u64(self.size_bytes());
        self.storage
            .bytes_mut()
            .get_mut(range)
            .ok_or(MemoryError::OutOfBounds { offset, len, size })
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`.
    ///
    /// # Errors
    /// [`MemoryError::AccessDenied`] without read permission, [`MemoryError::OutOfBounds`]
    /// when the range is not inside the memory; `buf` is then untouched.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        buf.copy_from_slice(self.readable(offset, buf.len())?);
        Ok(())
    }

    /// Copies `data` into the memory at `offset`.
    ///
    /// # Errors
    /// [`MemoryError::AccessDenied`] without write permission, [`MemoryError::OutOfBounds`]
    /// when the range is not inside the memory; nothing is written then.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.writable(offset, as_u64(data.len()))?
            .copy_from_slice(data);
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst`; the ranges may overlap (`memory.copy`).
    ///
    /// # Errors
    /// Needs read and write permission (read is checked first), then both ranges in bounds
    /// (source first). Nothing is copied on error.
    pub fn copy_within(&mut self, src: u64, dst: u64, len: u64) -> Result<(), MemoryError> {
        self.permit(Access::Read)?;
        self.permit(Access::Write)?;
        let from = self.bounds(src, len)?;
        let to = self.bounds(dst, len)?;
        let size = as_u64(self.size_bytes());
        let bytes = self.storage.bytes_mut();
        // Checked against `bytes` itself too, so that even a storage whose `bytes_mut` is
        // shorter than its `bytes` cannot make `copy_within` panic.
        if from.end > bytes.len() || to.end > bytes.len() {
            return Err(MemoryError::OutOfBounds {
                offset: src.max(dst),
                len,
                size,
            });
        }
        bytes.copy_within(from, to.start);
        Ok(())
    }

    /// Sets `len` bytes starting at `offset` to `byte` (`memory.fill`).
    ///
    /// # Errors
    /// Needs write permission and an in-bounds range; nothing is written on error.
    pub fn fill(&mut self, offset: u64, len: u64, byte: u8) -> Result<(), MemoryError> {
        self.writable(offset, len)?.fill(byte);
        Ok(())
    }

    /// The `N` bytes at `offset`.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn load<const N: usize>(&self, offset: u64) -> Result<[u8; N], MemoryError> {
        let mut bytes = [0; N];
        self.read(offset, &mut bytes)?;
        Ok(bytes)
    }

    /// Writes the `N` bytes at `offset`.
    ///
    /// # Errors
    /// As [`write`](Self::write).
    pub fn store<const N: usize>(
        &mut self,
        offset: u64,
        bytes: [u8; N],
    ) -> Result<(), MemoryError> {
        self.write(offset, &bytes)
    }

    /// Every committed byte, for bulk reads (needs read permission).
    ///
    /// # Errors
    /// [`MemoryError::AccessDenied`] without read permission.
    pub fn as_bytes(&self) -> Result<&[u8], MemoryError> {
        self.readable(0, self.size_bytes())
    }

    /// Every committed byte, writable (needs read and write permission, since a `&mut`
    /// slice can be read too).
    ///
    /// # Errors
    /// [`MemoryError::AccessDenied`] without read or write permission.
    pub fn as_bytes_mut(&mut self) -> Result<&mut [u8], MemoryError> {
        self.permit(Access::Read)?;
        self.writable(0, as_u64(self.size_bytes()))
    }
}

macro_rules! little_endian_access {
    ($($load:ident $store:ident $ty:ty;)*) => {
        impl<S: MemoryStorage> LinearMemory<S> {
            $(
                #[doc = concat!("Loads a little-endian `", stringify!($ty), "` at `offset`.")]
                ///
                /// # Errors
                /// As [`read`](Self::read).
                pub fn $load(&self, offset: u64) -> Result<$ty, MemoryError> {
                    self.load(offset).map(<$ty>::from_le_bytes)
                }

                #[doc = concat!("Stores `value` as a little-endian `", stringify!($ty), "` at `offset`.")]
                ///
                /// # Errors
                /// As [`write`](Self::write).
                pub fn $store(&mut self, offset: u64, value: $ty) -> Result<(), MemoryError> {
                    self.store(offset, value.to_le_bytes())
                }
            )*
        }
    };
}

little_endian_access! {
    load_u8 store_u8 u8;
    load_u16 store_u16 u16;
    load_u32 store_u32 u32;
    load_u64 store_u64 u64;
    load_i32 store_i32 i32;
    load_i64 store_i64 i64;
}

/// Shows the sizes and the protection, not the contents.
impl<S: MemoryStorage> fmt::Debug for LinearMemory<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinearMemory")
            .field("pages", &self.pages())
            .field("maximum_pages", &self.maximum_pages)
            .field("protection", &self.protection)
            .finish()
    }
}

mod forms;
#[cfg(test)]
mod tests;
