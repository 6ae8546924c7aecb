//! [`ResourceManager`]: a handle table over a storage backend, with checked ids and
//! allocation statistics.

use core::marker::PhantomData;

use crate::backend::{Backend, FixedBackend, Key, KeyError};
use crate::category::ResourceCategory;
use crate::descriptor::ResourceDescriptor;
use crate::error::ResourceError;
use crate::id::{ManagerTag, ResourceId};
use crate::stats::AllocationStats;

/// A stored resource: the value and the descriptor it was allocated with.
///
/// `repr(C)`, value first: what every access reads sits at the front of the slot, and the
/// descriptor's metadata (cold, a few hundred bytes) at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C)]
pub struct ResourceEntry<T> {
    value: T,
    descriptor: ResourceDescriptor,
}

impl<T> ResourceEntry<T> {
    /// The value.
    #[inline]
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The descriptor.
    #[inline]
    pub fn descriptor(&self) -> &ResourceDescriptor {
        &self.descriptor
    }

    /// The value, giving up the descriptor.
    #[inline]
    pub fn into_value(self) -> T {
        self.value
    }

    #[inline]
    pub(crate) fn value_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// A [`ResourceManager`] with `N` inline slots: no heap, every environment.
pub type FixedResourceManager<T, const N: usize> =
    ResourceManager<T, FixedBackend<ResourceEntry<T>, N>>;

/// A [`ResourceManager`] whose slots grow on the heap (feature `alloc`).
#[cfg(feature = "alloc")]
pub type GrowableResourceManager<T> =
    ResourceManager<T, crate::backend::GrowableBackend<ResourceEntry<T>>>;

/// Owns resources of type `T` and hands out [`ResourceId`]s for them.
///
/// Every access checks the id's manager tag, index and generation, so a forged, stale or
/// foreign id is an error, never another resource. The storage is a type parameter: a
/// [`FixedBackend`] in `no_alloc` builds, a growable one with `alloc`; the API is the same.
///
/// Allocation either stores the value, counts it in the statistics and returns its id, or
/// stores nothing, counts one failure and returns the error — there is no id counter that
/// could run ahead of the slots.
///
/// ```
/// use wrt_component::{
///     FixedResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor, ResourceError,
/// };
///
/// let mut files: FixedResourceManager<u32, 4> = FixedResourceManager::new(ManagerTag(1));
/// let fd = files.allocate(3, ResourceDescriptor::new(ResourceCategory::IoHandles))?;
/// *files.get_mut(fd)? += 1;
/// assert_eq!(files.deallocate(fd)?, 4);
/// assert_eq!(files.get(fd), Err(ResourceError::Stale { id: fd }));
/// assert_eq!(files.stats().category(ResourceCategory::IoHandles).deallocations, 1);
/// # Ok::<(), ResourceError>(())
/// ```
pub struct ResourceManager<T, B> {
    backend: B,
    tag: ManagerTag,
    stats: AllocationStats,
    _values: PhantomData<fn() -> T>,
}

impl<T, B: Backend<ResourceEntry<T>> + Default> ResourceManager<T, B> {
    /// An empty manager whose ids carry `tag`.
    pub fn new(tag: ManagerTag) -> Self {
        Self::with_backend(tag, B::default())
    }
}

impl<T, B: Backend<ResourceEntry<T>>> ResourceManager<T, B> {
    /// A manager over an existing (normally empty) backend; `const`, so a fixed manager can
    /// be a `static`.
    pub const fn with_backend(tag: ManagerTag, backend: B) -> Self {
        Self {
            backend,
            tag,
            stats: AllocationStats::new(),
            _values: PhantomData,
        }
    }

    /// The tag this manager puts in its ids.
    pub const fn tag(&self) -> ManagerTag {
        self.tag
    }

    /// Stores `value` as described by `descriptor` and returns its id.
    ///
    /// Refused with [`ResourceError::StorageFull`] when the backend has no room; the value
    /// is then dropped and only the failure counters change.
    #[inline]
    pub fn allocate(
        &mut self,
        value: T,
        descriptor: ResourceDescriptor,
    ) -> Result<ResourceId, ResourceError> {
        let category = descriptor.category();
        let bytes = descriptor.charged_bytes();
        match self.backend.insert(ResourceEntry { value, descriptor }) {
            Ok(key) => {
                self.stats.record_allocation(category, bytes);
                Ok(self.id_of(key))
            }
            Err(_rejected) => {
                self.stats.record_failure(category);
                let capacity = self.backend.capacity().unwrap_or(self.backend.len());
                log::debug!("resource storage full ({capacity} slots): {category} refused");
                Err(ResourceError::StorageFull { capacity })
            }
        }
    }

    /// The value `id` names.
    #[inline]
    pub fn get(&self, id: ResourceId) -> Result<&T, ResourceError> {
        self.entry(id).map(ResourceEntry::value)
    }

    /// The value `id` names, for modification.
    #[inline]
    pub fn get_mut(&mut self, id: ResourceId) -> Result<&mut T, ResourceError> {
        self.entry_mut(id).map(ResourceEntry::value_mut)
    }

    /// The descriptor `id` was allocated with.
    #[inline]
    pub fn descriptor(&self, id: ResourceId) -> Result<&ResourceDescriptor, ResourceError> {
        self.entry(id).map(ResourceEntry::descriptor)
    }

    /// The stored entry (value and descriptor).
    #[inline]
    pub fn entry(&self, id: ResourceId) -> Result<&ResourceEntry<T>, ResourceError> {
        let key = self.key_of(id)?;
        self.backend.get(key).map_err(|e| self.key_error(id, e))
    }

    #[inline]
    pub(crate) fn entry_mut(
        &mut self,
        id: ResourceId,
    ) -> Result<&mut ResourceEntry<T>, ResourceError> {
        let key = self.key_of(id)?;
        // The slot count is read first: the error path cannot borrow the backend again
        // while the `Ok` path's borrow is returned.
        let slots = self.backend.slot_count();
        self.backend
            .get_mut(key)
            .map_err(|e| key_error(id, e, slots))
    }

    /// `Ok` when `id` names a live resource of this manager; the error says why not.
    pub fn validate(&self, id: ResourceId) -> Result<(), ResourceError> {
        self.entry(id).map(|_| ())
    }

    /// `true` when `id` names a live resource of this manager.
    pub fn contains(&self, id: ResourceId) -> bool {
        self.validate(id).is_ok()
    }

    /// Removes the resource and returns its value. The id (and every copy of it) is stale
    /// from now on, even after the slot is reused.
    #[inline]
    pub fn deallocate(&mut self, id: ResourceId) -> Result<T, ResourceError> {
        self.deallocate_entry(id).map(ResourceEntry::into_value)
    }

    /// Removes the resource and returns value and descriptor.
    #[inline]
    pub fn deallocate_entry(&mut self, id: ResourceId) -> Result<ResourceEntry<T>, ResourceError> {
        let key = self.key_of(id)?;
        let entry = match self.backend.remove(key) {
            Ok(entry) => entry,
            Err(e) => return Err(key_error(id, e, self.backend.slot_count())),
        };
        let descriptor = &entry.descriptor;
        self.stats
            .record_deallocation(descriptor.category(), descriptor.charged_bytes());
        Ok(entry)
    }

    /// Removes every resource for which `remove` answers `true`, handing each to `removed`
    /// with its (now stale) id. One pass, no allocation; statistics follow.
    pub fn deallocate_where(
        &mut self,
        mut remove: impl FnMut(&ResourceEntry<T>) -> bool,
        mut removed: impl FnMut(ResourceId, ResourceEntry<T>),
    ) {
        let tag = self.tag;
        let stats = &mut self.stats;
        self.backend.remove_where(&mut remove, |key, entry| {
            let descriptor = &entry.descriptor;
            stats.record_deallocation(descriptor.category(), descriptor.charged_bytes());
            removed(
                ResourceId::from_parts(tag, key.index(), key.generation()),
                entry,
            );
        });
    }

    /// Resources stored.
    pub fn len(&self) -> usize {
        self.backend.len()
    }

    /// `true` when no resource is stored.
    pub fn is_empty(&self) -> bool {
        self.backend.is_empty()
    }

    /// The most resources this manager can hold, or `None` when its backend grows.
    pub fn capacity(&self) -> Option<usize> {
        self.backend.capacity()
    }

    /// Every resource with its id, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (ResourceId, &ResourceEntry<T>)> {
        let tag = self.tag;
        self.backend.iter().map(move |(key, entry)| {
            (
                ResourceId::from_parts(tag, key.index(), key.generation()),
                entry,
            )
        })
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (ResourceId, &mut ResourceEntry<T>)> {
        let tag = self.tag;
        self.backend.iter_mut().map(move |(key, entry)| {
            (
                ResourceId::from_parts(tag, key.index(), key.generation()),
                entry,
            )
        })
    }

    /// The resources of one category, with their ids.
    pub fn iter_category(
        &self,
        category: ResourceCategory,
    ) -> impl Iterator<Item = (ResourceId, &T)> {
        self.iter()
            .filter(move |(_, entry)| entry.descriptor.category() == category)
            .map(|(id, entry)| (id, &entry.value))
    }

    /// Allocation statistics.
    pub const fn stats(&self) -> &AllocationStats {
        &self.stats
    }

    #[inline]
    fn id_of(&self, key: Key) -> ResourceId {
        ResourceId::from_parts(self.tag, key.index(), key.generation())
    }

    #[inline]
    fn key_of(&self, id: ResourceId) -> Result<Key, ResourceError> {
        if id.manager() != self.tag {
            return Err(ResourceError::Foreign {
                id,
                manager: self.tag,
            });
        }
        Key::from_parts(id.index(), id.generation()).ok_or(ResourceError::Forged {
            id,
            slots: self.backend.slot_count(),
        })
    }

    #[cold]
    fn key_error(&self, id: ResourceId, error: KeyError) -> ResourceError {
        key_error(id, error, self.backend.slot_count())
    }
}

#[cold]
fn key_error(id: ResourceId, error: KeyError, slots: usize) -> ResourceError {
    match error {
        KeyError::Stale => ResourceError::Stale { id },
        _ => ResourceError::Forged { id, slots },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> ResourceDescriptor {
        ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(100)
    }

    #[test]
    fn stale_forged_and_foreign_ids_are_told_apart() {
        let mut m: FixedResourceManager<u8, 2> = FixedResourceManager::new(ManagerTag(1));
        let a = m.allocate(1, io()).unwrap();
        m.deallocate(a).unwrap();
        let b = m.allocate(2, io()).unwrap();
        assert_eq!(b.index(), a.index());
        assert_eq!(m.get(a), Err(ResourceError::Stale { id: a }));
        let forged = ResourceId::from_parts(ManagerTag(1), 9, 0);
        assert_eq!(
            m.get(forged),
            Err(ResourceError::Forged {
                id: forged,
                slots: 1
            })
        );
        let foreign = ResourceId::from_parts(ManagerTag(2), b.index(), b.generation());
        assert_eq!(
            m.get(foreign),
            Err(ResourceError::Foreign {
                id: foreign,
                manager: ManagerTag(1)
            })
        );
        assert_eq!(m.get(b), Ok(&2));
    }

    #[test]
    fn refused_allocation_changes_only_the_failure_counters() {
        let mut m: FixedResourceManager<u8, 1> = FixedResourceManager::new(ManagerTag(0));
        let a = m.allocate(1, io()).unwrap();
        let before = *m.stats();
        assert_eq!(
            m.allocate(2, io()),
            Err(ResourceError::StorageFull { capacity: 1 })
        );
        let after = *m.stats();
        assert_eq!(after.failures(), before.failures() + 1);
        assert_eq!(after.successes(), before.successes());
        assert_eq!(after.live_bytes(), 100);
        assert_eq!(m.len(), 1);
        // The next id after a failure is exactly what it would have been without it.
        m.deallocate(a).unwrap();
        let b = m.allocate(3, io()).unwrap();
        assert_eq!((b.index(), b.generation()), (0, 2));
    }

    #[test]
    fn stats_and_iteration_follow_categories() {
        let mut m: FixedResourceManager<u8, 8> = FixedResourceManager::new(ManagerTag(0));
        let mem = ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(64);
        let x = m.allocate(1, mem.clone()).unwrap();
        m.allocate(2, mem).unwrap();
        m.allocate(3, io()).unwrap();
        let memory: heapless::Vec<u8, 8> = m
            .iter_category(ResourceCategory::Memory)
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(memory.as_slice(), &[1, 2]);
        m.deallocate(x).unwrap();
        let s = m.stats();
        assert_eq!(s.category(ResourceCategory::Memory).live(), 1);
        assert_eq!(s.category(ResourceCategory::Memory).live_bytes(), 64);
        assert_eq!((s.live_bytes(), s.peak_bytes), (164, 228));
        assert_eq!(s.live(), 2);
        assert_eq!(s.success_rate(), Some(1.0));
        let mut removed = 0;
        m.deallocate_where(|_| true, |_, _| removed += 1);
        assert_eq!((removed, m.len(), m.stats().live_bytes()), (2, 0, 0));
    }
}
