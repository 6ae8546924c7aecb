//! [`Key`] and [`KeyError`]: how a slot table names a slot, and why a name is refused.

use core::fmt;
use core::num::NonZeroU32;

/// Names one occupancy of one slot: the slot's index and the generation it was occupied
/// under.
///
/// Generations start at 1 and grow by one every time a slot is vacated, so a key kept after
/// its value left can never reach the slot's next occupant. The generation is never 0,
/// which gives `Option<Key>` the same size as `Key`.
///
/// ```
/// use wrt_foundation::slots::Key;
///
/// assert_eq!(core::mem::size_of::<Option<Key>>(), core::mem::size_of::<Key>());
/// assert_eq!(Key::from_parts(3, 0), None); // generation 0 is never issued
/// let key = Key::from_parts(3, 7).unwrap();
/// assert_eq!((key.index(), key.generation()), (3, 7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    index: u32,
    generation: NonZeroU32,
}

impl Key {
    /// The first generation a slot issues.
    pub const FIRST_GENERATION: NonZeroU32 = NonZeroU32::MIN;

    /// A key of `index` and `generation`.
    #[inline]
    pub const fn new(index: u32, generation: NonZeroU32) -> Self {
        Self { index, generation }
    }

    /// Reassembles a key from its two numbers (after they crossed an FFI boundary, say);
    /// `None` for generation 0, which no table issues. Nothing else is trusted: the table
    /// still checks the key.
    #[inline]
    pub const fn from_parts(index: u32, generation: u32) -> Option<Self> {
        match NonZeroU32::new(generation) {
            Some(generation) => Some(Self { index, generation }),
            None => None,
        }
    }

    /// The slot index.
    #[inline]
    pub const fn index(self) -> u32 {
        self.index
    }

    /// The generation of the occupancy (never 0).
    #[inline]
    pub const fn generation(self) -> u32 {
        self.generation.get()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (generation {})", self.index, self.generation)
    }
}

/// Why a table refused a key. One byte, so a lookup's `Result<&T, KeyError>` stays two
/// words; each owner turns it into its own error with its own id in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The table never issued this key: the index is past every slot it has, or the
    /// generation is one the slot has not reached (a made-up or corrupted key).
    #[error("the key was never issued by this table")]
    Forged,
    /// The table issued this key and its value has left the slot since (the slot may hold
    /// another value now).
    #[error("the key's value was removed")]
    Stale,
}
