//! [`RegionMemory`]: write access to a managed memory whose growth is charged to the budget.

use core::ops::Deref;

use super::Budget;
use crate::memory::linear::pages_to_bytes;
use crate::memory::{LinearMemory, MemoryError, MemoryProtection, MemoryStorage};

/// Write access to a managed memory: everything [`LinearMemory`] offers, with
/// [`grow`](Self::grow) charged to the manager's budget.
///
/// Reads go through `Deref`; the writing methods are repeated here so that there is no way
/// to reach the memory's own uncharged `grow`.
pub struct RegionMemory<'a, S> {
    pub(super) memory: &'a mut LinearMemory<S>,
    pub(super) budget: &'a mut Budget,
}

impl<S: MemoryStorage> RegionMemory<'_, S> {
    /// Grows by `delta` pages if both the memory's maximum and the budget allow; returns the
    /// previous size in pages.
    ///
    /// # Errors
    /// [`MemoryError::GrowLimitExceeded`] beyond the memory's maximum,
    /// [`MemoryError::AllocationLimitExceeded`] beyond the budget,
    /// [`MemoryError::HostAllocationFailed`]. Nothing changes on error.
    pub fn grow(&mut self, delta: u32) -> Result<u32, MemoryError> {
        let within_maximum = delta
            <= self
                .memory
                .maximum_pages()
                .saturating_sub(self.memory.pages());
        let requested = pages_to_bytes(delta).unwrap_or(usize::MAX);
        if within_maximum {
            self.budget.check(requested)?;
        }
        let previous = self.memory.grow(delta)?;
        self.budget.charge(requested);
        Ok(previous)
    }

    /// As [`LinearMemory::write`].
    ///
    /// # Errors
    /// As [`LinearMemory::write`].
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.memory.write(offset, data)
    }

    /// As [`LinearMemory::copy_within`].
    ///
    /// # Errors
    /// As [`LinearMemory::copy_within`].
    pub fn copy_within(&mut self, src: u64, dst: u64, len: u64) -> Result<(), MemoryError> {
        self.memory.copy_within(src, dst, len)
    }

    /// As [`LinearMemory::fill`].
    ///
    /// # Errors
    /// As [`LinearMemory::fill`].
    pub fn fill(&mut self, offset: u64, len: u64, byte: u8) -> Result<(), MemoryError> {
        self.memory.fill(offset, len, byte)
    }

    /// As [`LinearMemory::store`].
    ///
    /// # Errors
    /// As [`LinearMemory::write`].
    pub fn store<const N: usize>(
        &mut self,
        offset: u64,
        bytes: [u8; N],
    ) -> Result<(), MemoryError> {
        self.memory.store(offset, bytes)
    }

    /// As [`LinearMemory::set_protection`].
    pub fn set_protection(&mut self, protection: MemoryProtection) {
        self.memory.set_protection(protection);
    }

    /// As [`LinearMemory::as_bytes_mut`].
    ///
    /// # Errors
    /// As [`LinearMemory::as_bytes_mut`].
    pub fn as_bytes_mut(&mut self) -> Result<&mut [u8], MemoryError> {
        self.memory.as_bytes_mut()
    }
}

/// The typed little-endian stores, forwarded one by one: `RegionMemory` exposes only the
/// writing methods that cannot grow the memory, so it cannot simply deref mutably.
macro_rules! forward_stores {
    ($($store:ident $ty:ty;)*) => {
        impl<S: MemoryStorage> RegionMemory<'_, S> {
            $(
                #[doc = concat!("As [`LinearMemory::", stringify!($store), "`].")]
                ///
                /// # Errors
                /// As [`LinearMemory::write`].
                pub fn $store(&mut self, offset: u64, value: $ty) -> Result<(), MemoryError> {
                    self.memory.$store(offset, value)
                }
            )*
        }
    };
}

forward_stores! {
    store_u8 u8;
    store_u16 u16;
    store_u32 u32;
    store_u64 u64;
    store_i32 i32;
    store_i64 i64;
}

impl<S> Deref for RegionMemory<'_, S> {
    type Target = LinearMemory<S>;

    fn deref(&self) -> &LinearMemory<S> {
        self.memory
    }
}
