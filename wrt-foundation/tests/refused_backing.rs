//! A constructor that refuses hands the caller's backing back. (Outside audit:
//! `LinearMemory::new` and `MemoryPool::with_backing` dropped it, which for a platform region
//! means it never goes back to the provider that lent it.)

use core::cell::Cell;

use wrt_foundation::memory::{
    BackingRefused, FixedStorage, LinearMemory, MemoryError, MemoryPool, MemoryProtection,
    MemoryStorage, PAGE_SIZE,
};

/// A backing that says when it is dropped, as a platform region's `Drop` would unmap it.
struct Region<'a, const N: usize> {
    bytes: [u8; N],
    dropped: &'a Cell<bool>,
}

impl<'a, const N: usize> Region<'a, N> {
    fn filled(byte: u8, dropped: &'a Cell<bool>) -> Self {
        Self {
            bytes: [byte; N],
            dropped,
        }
    }
}

impl<const N: usize> AsRef<[u8]> for Region<'_, N> {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<const N: usize> AsMut<[u8]> for Region<'_, N> {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

impl<const N: usize> Drop for Region<'_, N> {
    fn drop(&mut self) {
        self.dropped.set(true);
    }
}

#[test]
fn a_pool_refused_over_a_small_backing_hands_it_back_untouched() {
    let dropped = Cell::new(false);
    let refused =
        MemoryPool::<4, 4, _>::with_backing(Region::<15>::filled(0xA5, &dropped)).unwrap_err();
    assert!(!dropped.get(), "the refusal did not drop the backing");
    assert_eq!(
        refused.error,
        MemoryError::BackingTooSmall {
            required: 16,
            provided: 15
        }
    );
    let BackingRefused { backing, .. } = refused;
    assert_eq!(backing.bytes, [0xA5; 15]);
    drop(backing);
    assert!(dropped.get());
}

#[test]
fn a_memory_refused_its_limits_hands_its_storage_back() {
    let dropped = Cell::new(false);
    let region = Region::<PAGE_SIZE>::filled(0, &dropped);
    let refused = LinearMemory::new(
        FixedStorage::new(region),
        2,
        None,
        MemoryProtection::READ_WRITE,
    )
    .unwrap_err();
    assert!(!dropped.get(), "the refusal did not drop the backing");
    assert_eq!(
        refused.error,
        MemoryError::InvalidLimits {
            initial: 2,
            maximum: 1
        }
    );
    let storage = refused.backing;
    assert_eq!(
        storage.bytes().len(),
        0,
        "it comes back with nothing committed"
    );
    let again = LinearMemory::new(storage, 1, None, MemoryProtection::READ_WRITE).unwrap();
    assert_eq!(again.pages(), 1, "the same region serves the next try");
}

#[test]
fn question_mark_turns_the_refusal_into_the_plain_error() {
    fn build(ram: &mut [u8]) -> Result<MemoryPool<64, 4, &mut [u8]>, MemoryError> {
        Ok(MemoryPool::with_backing(ram)?)
    }
    let mut small = [0u8; 100];
    assert_eq!(
        build(&mut small).map(|_| ()),
        Err(MemoryError::BackingTooSmall {
            required: 256,
            provided: 100
        })
    );
}
