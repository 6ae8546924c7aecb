//! [`Metadata`]: free-form labels of a resource (a driver name, a bus, a WIT interface),
//! bounded so that no environment needs a heap for them.
//!
//! Labels are for people and tools, not for the access path: a handle table keeps them in a
//! side table of its own (see [`ResourceManager`](crate::ResourceManager)), so a resource
//! without labels stores a two-word [`ResourceDescriptor`](crate::ResourceDescriptor) and
//! nothing else, and a lookup never reads past it.

use wrt_foundation::{BoundedMap, BoundedString, StringCapacityError};

use crate::error::ResourceError;

/// Bytes a metadata key can hold.
pub const METADATA_KEY_BYTES: usize = 16;
/// Bytes a metadata value can hold.
pub const METADATA_VALUE_BYTES: usize = 32;
/// Entries one resource's metadata can hold.
pub const METADATA_ENTRIES: usize = 4;

/// A metadata key.
pub type MetadataKey = BoundedString<METADATA_KEY_BYTES>;
/// A metadata value.
pub type MetadataValue = BoundedString<METADATA_VALUE_BYTES>;

/// At most [`METADATA_ENTRIES`] key/value pairs, stored inline (about 250 bytes). The sizes
/// fit labels such as `"wasi:io/stream"`; longer text is refused, never truncated.
///
/// ```
/// use wrt_component::{Metadata, ResourceError};
///
/// let labels = Metadata::new().with("driver", "uart")?.with("bus", "can0")?;
/// assert_eq!(labels.get("bus"), Some("can0"));
/// assert!(matches!(
///     Metadata::new().with("a-key-longer-than-sixteen-bytes", "x"),
///     Err(ResourceError::MetadataTooLong { requested: 31, capacity: 16 })
/// ));
/// # Ok::<(), ResourceError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    entries: BoundedMap<MetadataKey, MetadataValue, METADATA_ENTRIES>,
}

impl Metadata {
    /// No labels.
    pub const fn new() -> Self {
        Self {
            entries: BoundedMap::new(),
        }
    }

    /// Adds (or replaces) one pair; see [`insert`](Self::insert).
    pub fn with(mut self, key: &str, value: &str) -> Result<Self, ResourceError> {
        self.insert(key, value)?;
        Ok(self)
    }

    /// Stores `value` under `key`, returning the replaced value. Refused, with nothing
    /// changed, when the text is too long or a new key finds the map full.
    pub fn insert(
        &mut self,
        key: &str,
        value: &str,
    ) -> Result<Option<MetadataValue>, ResourceError> {
        let key = MetadataKey::try_from_str(key).map_err(too_long)?;
        let value = MetadataValue::try_from_str(value).map_err(too_long)?;
        self.entries
            .insert(key, value)
            .map_err(|full| ResourceError::MetadataFull {
                capacity: full.capacity,
            })
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(|value| value.as_str())
    }

    /// Pairs stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when no pair is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every pair, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }
}

fn too_long(err: StringCapacityError) -> ResourceError {
    ResourceError::MetadataTooLong {
        requested: err.requested,
        capacity: err.capacity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_text_and_a_fifth_key_are_refused_without_change() {
        let mut labels = Metadata::new();
        let long = "k".repeat(METADATA_KEY_BYTES + 1);
        assert_eq!(
            labels.insert(&long, "v"),
            Err(ResourceError::MetadataTooLong {
                requested: METADATA_KEY_BYTES + 1,
                capacity: METADATA_KEY_BYTES
            })
        );
        for key in ["a", "b", "c", "d"] {
            labels.insert(key, "1").unwrap();
        }
        let before = labels.clone();
        assert_eq!(
            labels.insert("e", "1"),
            Err(ResourceError::MetadataFull {
                capacity: METADATA_ENTRIES
            })
        );
        assert_eq!(labels, before);
        assert_eq!(labels.insert("a", "2").unwrap().unwrap(), "1");
        let pairs: heapless::Vec<(&str, &str), 4> = labels.iter().collect();
        assert_eq!(
            pairs.as_slice(),
            &[("a", "2"), ("b", "1"), ("c", "1"), ("d", "1")]
        );
    }
}
