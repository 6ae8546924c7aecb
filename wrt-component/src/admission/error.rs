//! [`AdmissionError`]: why a binary could not even be judged.
//!
//! A refusal (the binary is valid but does not fit) is not an error: it is an
//! [`AdmissionReport`](super::AdmissionReport) whose decision lists the violated limits.
//! Errors are for binaries the runtime must not look at any further.

use alloc::string::String;

use super::declared::DeclaredLimitsError;

/// A binary that cannot be judged: malformed, too deeply nested, or carrying a broken
/// declared-limits section. Every variant carries the byte offset in the input, so a person can
/// open the file in a hex viewer at the right place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdmissionError {
    /// wasmparser's validator rejected the binary (truncation, bad encoding, type error, a
    /// count above wasmparser's implementation limits, a feature we do not enable...).
    #[error("malformed binary at byte offset {offset:#x}: {message}")]
    Malformed {
        /// Byte offset in the input where wasmparser stopped.
        offset: u64,
        /// wasmparser's own description of the problem.
        message: String,
    },
    /// Components nest deeper than [`MAX_NESTING_DEPTH`](super::MAX_NESTING_DEPTH); refused so
    /// that reading stays bounded in memory whatever the input.
    #[error(
        "nesting too deep at byte offset {offset:#x}: depth {depth} exceeds the limit of {limit}"
    )]
    NestingTooDeep {
        /// Byte offset of the module or component header that went too deep.
        offset: u64,
        /// Depth that header would have had (the outermost binary is depth 1).
        depth: usize,
        /// The cap, [`MAX_NESTING_DEPTH`](super::MAX_NESTING_DEPTH).
        limit: usize,
    },
    /// The declared-limits custom section is present but does not follow its format.
    #[error("declared-limits section at byte offset {section_offset:#x}: {source}")]
    DeclaredLimits {
        /// Byte offset of the section's payload (after its name) in the input.
        section_offset: u64,
        /// What is wrong with it, with the offset inside the payload.
        source: DeclaredLimitsError,
    },
    /// A module or component carries the declared-limits section twice: which one would count?
    #[error(
        "duplicate declared-limits section at byte offset {offset:#x} (first one at {first_offset:#x})"
    )]
    DuplicateDeclaredLimits {
        /// Byte offset of the second section's payload.
        offset: u64,
        /// Byte offset of the first section's payload.
        first_offset: u64,
    },
}

impl AdmissionError {
    /// Byte offset in the input where the problem was found.
    pub fn offset(&self) -> u64 {
        match self {
            Self::Malformed { offset, .. }
            | Self::NestingTooDeep { offset, .. }
            | Self::DuplicateDeclaredLimits { offset, .. } => *offset,
            Self::DeclaredLimits {
                section_offset,
                source,
            } => section_offset.saturating_add(source.offset()),
        }
    }
}

impl From<wasmparser::BinaryReaderError> for AdmissionError {
    fn from(error: wasmparser::BinaryReaderError) -> Self {
        Self::Malformed {
            offset: error.offset(),
            message: String::from(error.message()),
        }
    }
}
