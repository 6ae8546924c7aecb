//! [`BoundedVec`]: a vector with a capacity fixed at compile time.

use core::fmt;

use super::CapacityError;

/// A vector that holds at most `N` elements, stored inline.
///
/// Every operation that would exceed `N` fails and hands the value back; nothing is
/// reallocated, so the memory a `BoundedVec` uses is known when the program is linked.
///
/// ```
/// use wrt_foundation::BoundedVec;
///
/// let mut regions: BoundedVec<u32, 2> = BoundedVec::new();
/// regions.push(10)?;
/// regions.push(20)?;
/// let full = regions.push(30).unwrap_err();
/// assert_eq!((full.capacity, full.rejected), (2, 30));
/// assert_eq!(regions.as_slice(), &[10, 20]);
/// # Ok::<(), wrt_foundation::CapacityError<u32>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedVec<T, const N: usize> {
    items: heapless::Vec<T, N>,
}

impl<T, const N: usize> BoundedVec<T, N> {
    /// An empty vector; usable in `const` and `static` items.
    pub const fn new() -> Self {
        Self {
            items: heapless::Vec::new(),
        }
    }

    /// Appends `value`, or returns it inside the error when the vector is full.
    pub fn push(&mut self, value: T) -> Result<(), CapacityError<T>> {
        self.items.push(value).map_err(|rejected| CapacityError {
            capacity: N,
            rejected,
        })
    }

    /// Inserts `value` at `index`, shifting later elements right.
    ///
    /// An `index` past the end is treated as the end, so the call never panics; a full
    /// vector returns the value back.
    pub fn insert(&mut self, index: usize, value: T) -> Result<(), CapacityError<T>> {
        let index = index.min(self.items.len());
        self.items
            .insert(index, value)
            .map_err(|rejected| CapacityError {
                capacity: N,
                rejected,
            })
    }

    /// Removes and returns the last element.
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// Removes the element at `index`, keeping the order of the rest (O(len)).
    pub fn remove(&mut self, index: usize) -> Option<T> {
        (index < self.items.len()).then(|| self.items.remove(index))
    }

    /// Removes the element at `index` by moving the last element into its place (O(1)).
    pub fn swap_remove(&mut self, index: usize) -> Option<T> {
        (index < self.items.len()).then(|| self.items.swap_remove(index))
    }

    /// The element at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    /// The element at `index` for modification, if there is one.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.items.get_mut(index)
    }

    /// Keeps only the elements for which `keep` returns `true`, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Number of elements stored.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` when no element is stored.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The fixed capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// `true` when a further push would fail.
    pub fn is_full(&self) -> bool {
        self.items.is_full()
    }

    /// Free slots left.
    pub fn remaining(&self) -> usize {
        N.saturating_sub(self.items.len())
    }

    /// The elements as a slice.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The elements as a mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// Iterates over the elements in order.
    pub fn iter(&self) -> core::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Iterates mutably over the elements in order.
    pub fn iter_mut(&mut self) -> core::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }
}

impl<T: Clone, const N: usize> BoundedVec<T, N> {
    /// Appends all of `values`, or nothing at all when they do not fit.
    ///
    /// The error's `rejected` is the number of values that were offered.
    pub fn extend_from_slice(&mut self, values: &[T]) -> Result<(), CapacityError<usize>> {
        self.items
            .extend_from_slice(values)
            .map_err(|_| CapacityError {
                capacity: N,
                rejected: values.len(),
            })
    }

    /// A vector holding a copy of `values`, or an error when there are more than `N`.
    pub fn from_slice(values: &[T]) -> Result<Self, CapacityError<usize>> {
        let mut vec = Self::new();
        vec.extend_from_slice(values)?;
        Ok(vec)
    }
}

impl<T, const N: usize> Default for BoundedVec<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for BoundedVec<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<T, const N: usize> AsRef<[T]> for BoundedVec<T, N> {
    fn as_ref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a BoundedVec<T, N> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T, const N: usize> IntoIterator for BoundedVec<T, N> {
    type Item = T;
    type IntoIter = heapless::vec::IntoIter<T, N, usize>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_past_capacity_returns_the_value_and_keeps_contents() {
        let mut v: BoundedVec<u8, 2> = BoundedVec::new();
        v.push(1).unwrap();
        v.push(2).unwrap();
        assert!(v.is_full());
        assert_eq!(
            v.push(3),
            Err(CapacityError {
                capacity: 2,
                rejected: 3
            })
        );
        assert_eq!(v.as_slice(), &[1, 2]);
    }

    #[test]
    fn remove_and_get_out_of_range_are_none() {
        let mut v: BoundedVec<u8, 4> = BoundedVec::from_slice(&[1, 2, 3]).unwrap();
        assert_eq!(v.get(3), None);
        assert_eq!(v.remove(3), None);
        assert_eq!(v.remove(0), Some(1));
        assert_eq!(v.as_slice(), &[2, 3]);
    }

    #[test]
    fn extend_is_all_or_nothing() {
        let mut v: BoundedVec<u8, 3> = BoundedVec::from_slice(&[1, 2]).unwrap();
        assert_eq!(
            v.extend_from_slice(&[3, 4]),
            Err(CapacityError {
                capacity: 3,
                rejected: 2
            })
        );
        assert_eq!(v.as_slice(), &[1, 2]);
    }

    #[test]
    fn insert_past_end_appends() {
        let mut v: BoundedVec<u8, 3> = BoundedVec::from_slice(&[1]).unwrap();
        v.insert(99, 2).unwrap();
        v.insert(0, 0).unwrap();
        assert_eq!(v.as_slice(), &[0, 1, 2]);
        assert_eq!(
            v.insert(0, 9),
            Err(CapacityError {
                capacity: 3,
                rejected: 9
            })
        );
    }
}
