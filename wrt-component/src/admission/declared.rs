//! The declared-limits custom section (`wrt.limits`): what a binary says it needs.
//!
//! Format version 1 (the full specification is `docs/declared-limits.md`):
//!
//! ```text
//! payload := version:u8 count:u32 entry{count}      version = 0x01, count <= 9
//! entry   := key:u32 value:u64                      key in 1..=9, each key at most once
//! ```
//!
//! All integers after the version byte are unsigned LEB128 in their shortest form. The parser
//! is strict on purpose: a section it does not fully understand is an error, never a guess,
//! because a guessed budget is worse than none.

use alloc::vec::Vec;

use crate::limits::LimitKind;

use super::leb128::{Reader, write_leb};

/// Name of the custom section that carries declared limits.
pub const DECLARED_LIMITS_SECTION: &str = "wrt.limits";

/// The only format version this crate reads and writes.
pub const DECLARED_LIMITS_VERSION: u8 = 1;

/// Key of each limit in the section, in [`LimitKind::ALL`] order. Key 0 is reserved.
/// `max_fuel` has no key in version 1: fuel is engine-specific, so a binary cannot declare it.
const KEYS: [(u32, LimitKind); 9] = [
    (1, LimitKind::Memory),
    (2, LimitKind::Memories),
    (3, LimitKind::TableElements),
    (4, LimitKind::Tables),
    (5, LimitKind::Instances),
    (6, LimitKind::Resources),
    (7, LimitKind::FunctionCalls),
    (8, LimitKind::HostCalls),
    (9, LimitKind::ExecutionTime),
];

/// Limits a binary declares it needs, one optional value per [`LimitKind`] in the kind's
/// [`unit`](LimitKind::unit) (bytes for memory, microseconds for execution time, ...).
///
/// ```
/// use wrt_component::admission::DeclaredLimits;
/// use wrt_component::LimitKind;
///
/// let mut declared = DeclaredLimits::default();
/// declared.set(LimitKind::Memory, 131_072);
/// let bytes = declared.encode();
/// assert_eq!(bytes, [0x01, 0x01, 0x01, 0x80, 0x80, 0x08]);
/// assert_eq!(DeclaredLimits::parse(&bytes), Ok(declared));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DeclaredLimits {
    values: [Option<u64>; LimitKind::COUNT],
}

impl DeclaredLimits {
    /// The declared value for `kind`, if the section names it.
    pub fn get(&self, kind: LimitKind) -> Option<u64> {
        self.values.get(kind.index()).copied().flatten()
    }

    /// Declare `value` for `kind` (replacing an earlier value). A limit the format has no
    /// key for (`max_fuel`) stays undeclared, so [`encode`](Self::encode) and
    /// [`parse`](Self::parse) remain inverses.
    pub fn set(&mut self, kind: LimitKind, value: u64) {
        if Self::key_of(kind) == 0 {
            return;
        }
        if let Some(slot) = self.values.get_mut(kind.index()) {
            *slot = Some(value);
        }
    }

    /// Whether no limit is declared.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }

    /// Parse a section payload (the bytes after the section name), strictly.
    pub fn parse(payload: &[u8]) -> Result<Self, DeclaredLimitsError> {
        let mut reader = Reader {
            bytes: payload,
            position: 0,
        };
        let version = reader.byte("version")?;
        if version != DECLARED_LIMITS_VERSION {
            return Err(DeclaredLimitsError::UnknownVersion {
                offset: 0,
                version,
                supported: DECLARED_LIMITS_VERSION,
            });
        }
        let count_offset = reader.position;
        let count = reader.leb(5, "entry count")?;
        let limit = u64::try_from(KEYS.len()).unwrap_or(u64::MAX);
        if count > limit {
            return Err(DeclaredLimitsError::TooManyEntries {
                offset: count_offset,
                count,
                limit,
            });
        }
        let mut declared = Self::default();
        let mut seen_at = [None::<usize>; LimitKind::COUNT];
        for _ in 0..count {
            let key_offset = reader.position;
            let key = reader.leb(5, "key")?;
            let kind = KEYS
                .iter()
                .find(|(k, _)| u64::from(*k) == key)
                .map(|(_, kind)| *kind)
                .ok_or(DeclaredLimitsError::UnknownKey {
                    offset: key_offset,
                    key,
                })?;
            if let Some(Some(first_offset)) = seen_at.get(kind.index()) {
                return Err(DeclaredLimitsError::DuplicateKey {
                    offset: key_offset,
                    key,
                    first_offset: *first_offset,
                });
            }
            let value = reader.leb(10, "value")?;
            if let Some(slot) = seen_at.get_mut(kind.index()) {
                *slot = Some(key_offset);
            }
            declared.set(kind, value);
        }
        let trailing = payload.len().saturating_sub(reader.position);
        if trailing > 0 {
            return Err(DeclaredLimitsError::TrailingBytes {
                offset: reader.position,
                count: trailing,
            });
        }
        Ok(declared)
    }

    /// Encode as a section payload, keys in ascending order: the inverse of
    /// [`parse`](Self::parse), used by tools that stamp limits into a binary.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + LimitKind::COUNT * 12);
        out.push(DECLARED_LIMITS_VERSION);
        let count = KEYS.iter().filter(|(_, b)| self.get(*b).is_some()).count();
        write_leb(&mut out, u64::try_from(count).unwrap_or(0));
        for (key, kind) in KEYS {
            if let Some(value) = self.get(kind) {
                write_leb(&mut out, u64::from(key));
                write_leb(&mut out, value);
            }
        }
        out
    }

    /// The section key of `kind` (see `docs/declared-limits.md`); 0 for a limit the format
    /// has no key for.
    pub fn key_of(kind: LimitKind) -> u32 {
        KEYS.iter()
            .find(|(_, k)| *k == kind)
            .map_or(0, |(key, _)| *key)
    }
}

/// What is wrong with a declared-limits section. Offsets count from the start of the payload
/// (the version byte); [`AdmissionError::offset`](super::AdmissionError::offset) adds the
/// payload's position in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeclaredLimitsError {
    /// The payload ends in the middle of a field.
    #[error("truncated at payload offset {offset}: expected the {expected}")]
    Truncated {
        /// Where the missing bytes should have been.
        offset: usize,
        /// Which field was cut: "version", "entry count", "key" or "value".
        expected: &'static str,
    },
    /// A version this crate does not know; newer formats must not be half-read.
    #[error("unknown version {version} at payload offset {offset} (this reader knows {supported})")]
    UnknownVersion {
        /// Always 0: the version is the first byte.
        offset: usize,
        /// Version found.
        version: u8,
        /// Version understood.
        supported: u8,
    },
    /// A LEB128 number longer than its type allows, too large, or not in its shortest form.
    #[error("bad LEB128 {expected} at payload offset {offset}: {reason}")]
    BadLeb {
        /// Where the number starts.
        offset: usize,
        /// Which field: "entry count", "key" or "value".
        expected: &'static str,
        /// "too long", "too large" or "not minimal".
        reason: &'static str,
    },
    /// More entries than there are keys: some key would have to repeat.
    #[error("{count} entries at payload offset {offset}, at most {limit} allowed")]
    TooManyEntries {
        /// Where the count is.
        offset: usize,
        /// Count found.
        count: u64,
        /// Number of defined keys.
        limit: u64,
    },
    /// A key that version 1 does not define (0 is reserved).
    #[error("unknown key {key} at payload offset {offset}")]
    UnknownKey {
        /// Where the key is.
        offset: usize,
        /// Key found.
        key: u64,
    },
    /// The same key twice: which value would count?
    #[error("duplicate key {key} at payload offset {offset} (first at {first_offset})")]
    DuplicateKey {
        /// Where the second occurrence is.
        offset: usize,
        /// The key.
        key: u64,
        /// Where the first occurrence is.
        first_offset: usize,
    },
    /// Bytes after the last entry.
    #[error("{count} trailing bytes at payload offset {offset}")]
    TrailingBytes {
        /// Where the extra bytes start.
        offset: usize,
        /// How many there are.
        count: usize,
    },
}

impl DeclaredLimitsError {
    /// Offset inside the payload where the problem is.
    pub fn offset(&self) -> u64 {
        let offset = match self {
            Self::Truncated { offset, .. }
            | Self::UnknownVersion { offset, .. }
            | Self::BadLeb { offset, .. }
            | Self::TooManyEntries { offset, .. }
            | Self::UnknownKey { offset, .. }
            | Self::DuplicateKey { offset, .. }
            | Self::TrailingBytes { offset, .. } => *offset,
        };
        u64::try_from(offset).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn memory() -> LimitKind {
        LimitKind::Memory
    }

    #[test]
    fn empty_section_with_zero_entries_is_valid() {
        assert_eq!(
            DeclaredLimits::parse(&[1, 0]),
            Ok(DeclaredLimits::default())
        );
    }

    #[test]
    fn every_key_round_trips_with_extreme_values() {
        let mut declared = DeclaredLimits::default();
        for (i, kind) in LimitKind::ALL.iter().enumerate() {
            let value = if i % 2 == 0 { u64::MAX } else { i as u64 };
            declared.set(*kind, value);
        }
        assert_eq!(DeclaredLimits::parse(&declared.encode()), Ok(declared));
    }

    #[test]
    fn errors_name_the_offset() {
        use DeclaredLimitsError::*;
        let cases: [(&[u8], DeclaredLimitsError); 10] = [
            (
                &[],
                Truncated {
                    offset: 0,
                    expected: "version",
                },
            ),
            (
                &[2, 0],
                UnknownVersion {
                    offset: 0,
                    version: 2,
                    supported: 1,
                },
            ),
            (
                &[1],
                Truncated {
                    offset: 1,
                    expected: "entry count",
                },
            ),
            (
                &[1, 1, 1],
                Truncated {
                    offset: 3,
                    expected: "value",
                },
            ),
            (
                &[1, 1, 1, 0x80],
                Truncated {
                    offset: 4,
                    expected: "value",
                },
            ),
            (
                &[1, 10],
                TooManyEntries {
                    offset: 1,
                    count: 10,
                    limit: 9,
                },
            ),
            (&[1, 1, 0, 5], UnknownKey { offset: 2, key: 0 }),
            (
                &[1, 2, 1, 5, 1, 6],
                DuplicateKey {
                    offset: 4,
                    key: 1,
                    first_offset: 2,
                },
            ),
            (
                &[1, 0, 0xff],
                TrailingBytes {
                    offset: 2,
                    count: 1,
                },
            ),
            (
                &[1, 1, 1, 0x85, 0x00],
                BadLeb {
                    offset: 3,
                    expected: "value",
                    reason: "not minimal",
                },
            ),
        ];
        for (bytes, error) in cases {
            assert_eq!(DeclaredLimits::parse(bytes), Err(error), "{bytes:?}");
        }
    }

    #[test]
    fn leb_bounds_are_enforced() {
        let too_long = [
            1, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1,
        ];
        assert!(matches!(
            DeclaredLimits::parse(&too_long),
            Err(DeclaredLimitsError::BadLeb {
                reason: "too long",
                ..
            })
        ));
        let mut too_large = vec![1, 1, 1];
        too_large.extend([0xff; 9]);
        too_large.push(0x02);
        assert!(matches!(
            DeclaredLimits::parse(&too_large),
            Err(DeclaredLimitsError::BadLeb {
                reason: "too large",
                ..
            })
        ));
        let key_too_large = [1, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 0];
        assert!(matches!(
            DeclaredLimits::parse(&key_too_large),
            Err(DeclaredLimitsError::BadLeb {
                expected: "key",
                reason: "too large",
                ..
            })
        ));
    }

    #[test]
    fn examples_of_docs_declared_limits_md_parse() {
        let declared = DeclaredLimits::parse(&[1, 3, 1, 0x80, 0x80, 8, 7, 0x90, 0x4e, 8, 0x64]);
        let declared = declared.unwrap();
        assert_eq!(declared.get(memory()), Some(131_072));
        assert_eq!(declared.get(LimitKind::FunctionCalls), Some(10_000));
        assert_eq!(declared.get(LimitKind::HostCalls), Some(100));
        let mut host_calls = DeclaredLimits::default();
        host_calls.set(LimitKind::HostCalls, 100);
        assert_eq!(host_calls.encode(), [1, 1, 8, 0x64]);
    }

    #[test]
    fn get_set_and_key_of() {
        let mut declared = DeclaredLimits::default();
        assert!(declared.is_empty());
        declared.set(memory(), 7);
        assert_eq!(declared.get(memory()), Some(7));
        assert!(!declared.is_empty());
        assert_eq!(DeclaredLimits::key_of(LimitKind::ExecutionTime), 9);
    }
}
