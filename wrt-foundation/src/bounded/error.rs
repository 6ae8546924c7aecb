//! Errors of the bounded collections.

/// A value did not fit: the collection was already holding `capacity` elements.
///
/// The rejected value comes back in `rejected`, so a failed push or insert loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("collection is full: capacity {capacity} reached, value rejected")]
pub struct CapacityError<T> {
    /// The fixed capacity of the collection.
    pub capacity: usize,
    /// The value that was not stored, handed back to the caller.
    pub rejected: T,
}

/// Text did not fit in a [`BoundedString`](super::BoundedString); nothing was appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "string capacity exceeded: {requested} more bytes requested, {available} of {capacity} bytes available"
)]
pub struct StringCapacityError {
    /// Bytes the caller asked to append.
    pub requested: usize,
    /// Bytes still free before the call.
    pub available: usize,
    /// The fixed capacity in bytes.
    pub capacity: usize,
}
