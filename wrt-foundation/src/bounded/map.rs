//! [`BoundedMap`]: a map with at most `N` entries, stored inline.

use core::fmt;

use super::CapacityError;

/// A map of at most `N` entries, stored inline with no hashing.
///
/// Lookups scan the entries (O(N)), which for the small maps this crate is meant for —
/// metadata, per-category counters — beats hashing and needs only `K: Eq`. Use a hash map
/// from an allocating crate when `N` is in the hundreds.
///
/// ```
/// use wrt_foundation::BoundedMap;
///
/// let mut limits: BoundedMap<&str, u32, 2> = BoundedMap::new();
/// assert_eq!(limits.insert("tables", 4)?, None);
/// assert_eq!(limits.insert("tables", 8)?, Some(4)); // replacing needs no room
/// limits.insert("memories", 1)?;
/// let full = limits.insert("globals", 9).unwrap_err();
/// assert_eq!(full.rejected, ("globals", 9));
/// assert_eq!(limits.get(&"tables"), Some(&8));
/// # Ok::<(), wrt_foundation::CapacityError<(&str, u32)>>(())
/// ```
pub struct BoundedMap<K, V, const N: usize> {
    entries: heapless::LinearMap<K, V, N>,
}

impl<K: Eq, V, const N: usize> BoundedMap<K, V, N> {
    /// An empty map; usable in `const` and `static` items.
    pub const fn new() -> Self {
        Self {
            entries: heapless::LinearMap::new(),
        }
    }

    /// Stores `value` under `key` and returns the value it replaced.
    ///
    /// A new key in a full map is refused and the pair comes back in the error; replacing
    /// an existing key always succeeds.
    pub fn insert(&mut self, key: K, value: V) -> Result<Option<V>, CapacityError<(K, V)>> {
        self.entries
            .insert(key, value)
            .map_err(|rejected| CapacityError {
                capacity: N,
                rejected,
            })
    }

    /// The value stored under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: core::borrow::Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.entries
            .iter()
            .find(|(k, _)| (*k).borrow() == key)
            .map(|(_, v)| v)
    }

    /// The value stored under `key`, for modification.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: core::borrow::Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.entries
            .iter_mut()
            .find(|(k, _)| (*k).borrow() == key)
            .map(|(_, v)| v)
    }

    /// `true` when `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: core::borrow::Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Removes `key` and returns its value. The order of the other entries may change.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: core::borrow::Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.entries.remove(key)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The fixed capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// `true` when inserting a new key would fail.
    pub fn is_full(&self) -> bool {
        self.entries.is_full()
    }

    /// Iterates over `(key, value)` pairs in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter()
    }

    /// Iterates over `(key, value)` pairs with mutable values.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut()
    }

    /// Iterates over the keys.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.keys()
    }

    /// Iterates over the values.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values()
    }
}

impl<K: Eq + Clone, V: Clone, const N: usize> Clone for BoundedMap<K, V, N> {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
        }
    }
}

impl<K: Eq, V, const N: usize> Default for BoundedMap<K, V, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Two maps are equal when they hold the same pairs, whatever their order.
impl<K: Eq, V: PartialEq, const N: usize> PartialEq for BoundedMap<K, V, N> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Eq, V: Eq, const N: usize> Eq for BoundedMap<K, V, N> {}

impl<K: Eq + fmt::Debug, V: fmt::Debug, const N: usize> fmt::Debug for BoundedMap<K, V, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_map_refuses_new_key_but_accepts_replacement() {
        let mut m: BoundedMap<u8, u8, 1> = BoundedMap::new();
        m.insert(1, 10).unwrap();
        assert_eq!(
            m.insert(2, 20),
            Err(CapacityError {
                capacity: 1,
                rejected: (2, 20)
            })
        );
        assert_eq!(m.insert(1, 11), Ok(Some(10)));
        assert_eq!(m.get(&1), Some(&11));
    }

    #[test]
    fn equality_ignores_order() {
        let mut a: BoundedMap<u8, u8, 4> = BoundedMap::new();
        let mut b: BoundedMap<u8, u8, 4> = BoundedMap::new();
        a.insert(1, 1).unwrap();
        a.insert(2, 2).unwrap();
        b.insert(2, 2).unwrap();
        b.insert(1, 1).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn str_keys_are_found_by_borrowed_lookup() {
        let mut m: BoundedMap<crate::BoundedString<8>, u8, 2> = BoundedMap::new();
        m.insert(crate::BoundedString::try_from_str("owner").unwrap(), 7)
            .unwrap();
        assert_eq!(m.get("owner"), Some(&7));
        assert_eq!(m.remove("owner"), Some(7));
        assert!(m.is_empty());
    }
}
