//! [`ResourceDescriptor`]: what a resource is, how big and how aligned — the few words every
//! stored resource carries. Free-form labels are [`Metadata`](crate::metadata::Metadata),
//! stored apart so that resources without them pay nothing for them.

use crate::category::ResourceCategory;
use crate::error::ResourceError;

/// Describes a resource to its manager: its category, how many bytes it stands for and
/// how it must be aligned.
///
/// The id is not part of the descriptor: the manager assigns ids, so a descriptor can be
/// built (and reused) before any id exists. Fields are private so that an invalid alignment
/// can never be constructed. Two words, `Copy`: this is what every slot of a handle table
/// stores beside its value, so it is kept to what every access may need.
///
/// `size_hint` is what the resource is charged: statistics add it to bytes in use, and a
/// [`ResourceRuntime`](crate::ResourceRuntime) charges it to the owner's `max_memory` and to
/// the runtime-wide memory budget. No hint (or a hint of 0) means the resource is counted,
/// not weighed.
///
/// ```
/// use wrt_component::{ResourceCategory, ResourceDescriptor, ResourceError};
///
/// let socket = ResourceDescriptor::new(ResourceCategory::IoHandles)
///     .with_size_hint(4096)
///     .with_alignment(64)?;
/// assert_eq!((socket.size_hint(), socket.alignment()), (Some(4096), 64));
///
/// let bad = ResourceDescriptor::new(ResourceCategory::Memory).with_alignment(48);
/// assert_eq!(bad.unwrap_err(), ResourceError::InvalidAlignment { alignment: 48 });
/// # Ok::<(), ResourceError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDescriptor {
    /// Bytes charged; 0 when there is no hint.
    bytes: usize,
    category: ResourceCategory,
    /// The alignment is a power of two, so its exponent is all that needs storing.
    alignment_log2: u8,
}

impl ResourceDescriptor {
    /// A descriptor with no size hint and alignment 1.
    #[inline]
    pub const fn new(category: ResourceCategory) -> Self {
        Self {
            bytes: 0,
            category,
            alignment_log2: 0,
        }
    }

    /// Sets the bytes this resource stands for.
    #[inline]
    pub const fn with_size_hint(mut self, bytes: usize) -> Self {
        self.bytes = bytes;
        self
    }

    /// Sets the alignment; refused unless it is a power of two.
    pub const fn with_alignment(mut self, alignment: usize) -> Result<Self, ResourceError> {
        if !alignment.is_power_of_two() {
            return Err(ResourceError::InvalidAlignment { alignment });
        }
        // A power of two below 2^usize::BITS: its exponent is below 128 and fits a u8.
        self.alignment_log2 = alignment.trailing_zeros() as u8;
        Ok(self)
    }

    /// The descriptor as its stored parts: bytes, category, alignment exponent.
    #[inline]
    pub(crate) const fn into_parts(self) -> (usize, ResourceCategory, u8) {
        (self.bytes, self.category, self.alignment_log2)
    }

    /// A descriptor from [`into_parts`](Self::into_parts)'s parts.
    #[inline]
    pub(crate) const fn from_parts(
        bytes: usize,
        category: ResourceCategory,
        alignment_log2: u8,
    ) -> Self {
        Self {
            bytes,
            category,
            alignment_log2,
        }
    }

    /// The category.
    #[inline]
    pub const fn category(&self) -> ResourceCategory {
        self.category
    }

    /// The declared size in bytes; `None` when no hint (or a hint of 0) was given.
    #[inline]
    pub const fn size_hint(&self) -> Option<usize> {
        match self.bytes {
            0 => None,
            bytes => Some(bytes),
        }
    }

    /// The bytes this resource is charged: its size hint, or zero.
    #[inline]
    pub const fn charged_bytes(&self) -> usize {
        self.bytes
    }

    /// The alignment; always a power of two.
    #[inline]
    pub const fn alignment(&self) -> usize {
        // The exponent came from `trailing_zeros` of a usize, so it is below usize::BITS
        // and the shift is exact.
        1usize.wrapping_shl(self.alignment_log2 as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_power_of_two_is_accepted_and_nothing_else() {
        for shift in 0..usize::BITS {
            let alignment = 1usize << shift;
            let d = ResourceDescriptor::new(ResourceCategory::Memory)
                .with_alignment(alignment)
                .unwrap();
            assert_eq!(d.alignment(), alignment);
        }
        for alignment in [0, 3, 6, 12, usize::MAX] {
            assert_eq!(
                ResourceDescriptor::new(ResourceCategory::Memory).with_alignment(alignment),
                Err(ResourceError::InvalidAlignment { alignment })
            );
        }
    }

    #[test]
    fn charged_bytes_is_the_hint_or_zero() {
        let d = ResourceDescriptor::new(ResourceCategory::IoHandles);
        assert_eq!(d.charged_bytes(), 0);
        assert_eq!(d.with_size_hint(10).charged_bytes(), 10);
        assert_eq!(d.with_size_hint(0).size_hint(), None);
    }

    #[test]
    fn a_descriptor_is_two_words() {
        assert_eq!(size_of::<ResourceDescriptor>(), 2 * size_of::<usize>());
    }
}
