//! [`BoundedString`]: UTF-8 text with a byte capacity fixed at compile time.

use core::fmt;

use super::StringCapacityError;

/// UTF-8 text of at most `N` bytes, stored inline.
///
/// Appending is all or nothing: text that does not fit is refused whole, so a
/// `BoundedString` is never silently truncated and never ends in half a character.
///
/// ```
/// use wrt_foundation::BoundedString;
///
/// let mut name: BoundedString<5> = BoundedString::try_from_str("héllo".get(..3).unwrap())?;
/// assert_eq!(name.as_str(), "hé");
/// // "é" is two bytes: three bytes are used, two remain, "llo" needs three.
/// let err = name.push_str("llo").unwrap_err();
/// assert_eq!((err.requested, err.available, err.capacity), (3, 2, 5));
/// assert_eq!(name.as_str(), "hé");
/// # Ok::<(), wrt_foundation::StringCapacityError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedString<const N: usize> {
    text: heapless::String<N>,
}

impl<const N: usize> BoundedString<N> {
    /// An empty string; usable in `const` and `static` items.
    pub const fn new() -> Self {
        Self {
            text: heapless::String::new(),
        }
    }

    /// A string holding `text`, or an error when it is longer than `N` bytes.
    pub fn try_from_str(text: &str) -> Result<Self, StringCapacityError> {
        let mut s = Self::new();
        s.push_str(text)?;
        Ok(s)
    }

    /// Appends `text` whole, or appends nothing and reports how much room there was.
    pub fn push_str(&mut self, text: &str) -> Result<(), StringCapacityError> {
        let available = self.remaining();
        self.text.push_str(text).map_err(|_| StringCapacityError {
            requested: text.len(),
            available,
            capacity: N,
        })
    }

    /// Appends one character (1 to 4 bytes), or nothing when it does not fit.
    pub fn push(&mut self, ch: char) -> Result<(), StringCapacityError> {
        let available = self.remaining();
        self.text.push(ch).map_err(|_| StringCapacityError {
            requested: ch.len_utf8(),
            available,
            capacity: N,
        })
    }

    /// Removes and returns the last character.
    pub fn pop(&mut self) -> Option<char> {
        self.text.pop()
    }

    /// Empties the string.
    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// `true` when the string holds no text.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The fixed capacity `N` in bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Bytes still free.
    pub fn remaining(&self) -> usize {
        N.saturating_sub(self.text.len())
    }

    /// `true` when not even a one-byte character would fit.
    pub fn is_full(&self) -> bool {
        self.text.len() >= N
    }
}

impl<const N: usize> fmt::Debug for BoundedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for BoundedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> AsRef<str> for BoundedString<N> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> core::borrow::Borrow<str> for BoundedString<N> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> TryFrom<&str> for BoundedString<N> {
    type Error = StringCapacityError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::try_from_str(text)
    }
}

impl<const N: usize> PartialEq<str> for BoundedString<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for BoundedString<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibyte_character_is_refused_whole_at_the_edge() {
        let mut s: BoundedString<3> = BoundedString::try_from_str("ab").unwrap();
        let err = s.push('é').unwrap_err();
        assert_eq!(
            err,
            StringCapacityError {
                requested: 2,
                available: 1,
                capacity: 3
            }
        );
        assert_eq!(s, "ab");
        s.push('c').unwrap();
        assert!(s.is_full());
    }

    #[test]
    fn too_long_text_is_refused_without_truncation() {
        let err = BoundedString::<4>::try_from_str("hello").unwrap_err();
        assert_eq!(
            err,
            StringCapacityError {
                requested: 5,
                available: 4,
                capacity: 4
            }
        );
    }
}
