//! [`ResourceManager`]: a handle table over a storage backend, with checked ids and
//! allocation statistics.

use core::marker::PhantomData;

use crate::backend::{Backend, FixedBackend, Key, KeyError};
use crate::category::ResourceCategory;
use crate::descriptor::ResourceDescriptor;
use crate::error::ResourceError;
use crate::id::{ManagerTag, ResourceId};
use crate::lookup::LookupError;
use crate::metadata::Metadata;
use crate::refused::Refused;
use crate::stats::AllocationStats;

/// A stored resource: the value, the descriptor it was allocated with and, when it has
/// labels, the side-table slot its [`Metadata`] lies in.
///
/// The descriptor is kept as its parts, beside the labels' slot number, so that both fit
/// the two words a descriptor takes: this is what a lookup reads and an allocation writes,
/// and the labels (a few hundred bytes when present) are kept out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceEntry<T> {
    value: T,
    bytes: usize,
    category: ResourceCategory,
    alignment_log2: u8,
    /// The side-table slot of the labels, or [`NO_LABELS`]. A slot number needs no
    /// generation: the labels in it are this entry's until this entry removes them.
    labels: u32,
}

/// `labels` of an entry without metadata: above every slot index a table issues.
const NO_LABELS: u32 = u32::MAX;

impl<T> ResourceEntry<T> {
    #[inline]
    fn new(value: T, descriptor: ResourceDescriptor, labels: u32) -> Self {
        let (bytes, category, alignment_log2) = descriptor.into_parts();
        Self {
            value,
            bytes,
            category,
            alignment_log2,
            labels,
        }
    }

    /// The value.
    #[inline]
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The descriptor.
    #[inline]
    pub fn descriptor(&self) -> ResourceDescriptor {
        ResourceDescriptor::from_parts(self.bytes, self.category, self.alignment_log2)
    }

    /// `true` when the resource was allocated with metadata (read it with
    /// [`ResourceManager::metadata`]).
    #[inline]
    pub fn has_metadata(&self) -> bool {
        self.labels != NO_LABELS
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

/// A metadata side table with no room: managers that never store labels pay nothing for
/// them, not even the table. The default of [`ResourceManager`]'s third parameter.
pub type NoMetadata = FixedBackend<Metadata, 0>;

/// A [`ResourceManager`] with `N` inline slots and room for the metadata of `M` of them
/// (none unless asked for): no heap, every environment.
pub type FixedResourceManager<T, const N: usize, const M: usize = 0> =
    ResourceManager<T, FixedBackend<ResourceEntry<T>, N>, FixedBackend<Metadata, M>>;

/// A [`ResourceManager`] whose slots and metadata grow on the heap (feature `alloc`).
#[cfg(feature = "alloc")]
pub type GrowableResourceManager<T> = ResourceManager<
    T,
    crate::backend::GrowableBackend<ResourceEntry<T>>,
    crate::backend::GrowableBackend<Metadata>,
>;

/// Owns resources of type `T` and hands out [`ResourceId`]s for them.
///
/// Every access checks the id's manager tag, index and generation, so a forged, stale or
/// foreign id is an error, never another resource. The storage is a type parameter: a
/// [`FixedBackend`] in `no_alloc` builds, a growable one with `alloc`; the API is the same.
/// `M` is the side table for [`Metadata`]: only resources allocated with labels use it.
///
/// Allocation either stores the value, counts it in the statistics and returns its id, or
/// stores nothing, counts one failure and hands the value back with the error — there is
/// no id counter that could run ahead of the slots.
///
/// ```
/// use wrt_component::{
///     FixedResourceManager, LookupError, ManagerTag, Metadata, ResourceCategory,
///     ResourceDescriptor, ResourceError,
/// };
///
/// // Four handles, two of which may carry labels.
/// let mut files: FixedResourceManager<u32, 4, 2> = FixedResourceManager::new(ManagerTag(1));
/// let io = ResourceDescriptor::new(ResourceCategory::IoHandles);
/// let fd = files.allocate(3, io)?;
/// *files.get_mut(fd)? += 1;
/// assert_eq!(files.deallocate(fd)?, 4);
/// assert_eq!(files.get(fd), Err(LookupError::Stale { id: fd }));
/// assert_eq!(files.stats().category(ResourceCategory::IoHandles).deallocations, 1);
///
/// let log = files.allocate_with_metadata(5, io, &Metadata::new().with("path", "/var/log")?)?;
/// assert_eq!(files.metadata(log)?.and_then(|m| m.get("path")), Some("/var/log"));
/// # Ok::<(), ResourceError>(())
/// ```
pub struct ResourceManager<T, B, M = NoMetadata> {
    backend: B,
    side_table: M,
    tag: ManagerTag,
    stats: AllocationStats,
    _values: PhantomData<fn() -> T>,
}

impl<T, B: Backend<ResourceEntry<T>> + Default, M: Backend<Metadata> + Default>
    ResourceManager<T, B, M>
{
    /// An empty manager whose ids carry `tag`.
    pub fn new(tag: ManagerTag) -> Self {
        Self::over_empty(tag, B::default(), M::default())
    }
}

impl<T, const N: usize, const L: usize> FixedResourceManager<T, N, L> {
    /// An empty fixed manager; `const`, so it can be a `static`.
    ///
    /// ```
    /// use wrt_component::{FixedResourceManager, ManagerTag};
    ///
    /// static UARTS: FixedResourceManager<u8, 4> = FixedResourceManager::new_fixed(ManagerTag(7));
    /// assert_eq!((UARTS.len(), UARTS.capacity()), (0, Some(4)));
    /// ```
    pub const fn new_fixed(tag: ManagerTag) -> Self {
        Self::over_empty(tag, FixedBackend::new(), FixedBackend::new())
    }
}

impl<T, B: Backend<ResourceEntry<T>>, M: Backend<Metadata>> ResourceManager<T, B, M> {
    /// Backends known to be empty: nothing to count.
    const fn over_empty(tag: ManagerTag, backend: B, side_table: M) -> Self {
        Self {
            backend,
            side_table,
            tag,
            stats: AllocationStats::new(),
            _values: PhantomData,
        }
    }

    /// A manager over backends that may already hold entries (taken from another manager
    /// with [`deallocate_entry`](Self::deallocate_entry), say): the entries are counted into
    /// the statistics as allocations, so that `len`, the live bytes and the peaks are true
    /// from the start and a later deallocation subtracts what was counted.
    ///
    /// An entry's metadata stays with the manager it came from: adopted entries have none
    /// here, and whatever the side table already holds belongs to no entry and is dropped.
    ///
    /// # Errors
    /// [`ResourceError::BytesOverflow`] when the entries' bytes together pass `usize::MAX`;
    /// both backends come back unchanged in the [`Refused`].
    ///
    /// ```
    /// use wrt_component::backend::{Backend, FixedBackend};
    /// use wrt_component::{FixedResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor};
    ///
    /// let mut old: FixedResourceManager<u8, 2> = FixedResourceManager::new(ManagerTag(1));
    /// let io = ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(64);
    /// let id = old.allocate(3, io).unwrap();
    /// let mut slots = FixedBackend::new();
    /// slots.insert(old.deallocate_entry(id).unwrap()).unwrap();
    ///
    /// let new: FixedResourceManager<u8, 2> =
    ///     FixedResourceManager::with_backend(ManagerTag(2), slots, FixedBackend::new()).unwrap();
    /// assert_eq!((new.len(), new.stats().live_bytes()), (1, 64));
    /// ```
    pub fn with_backend(
        tag: ManagerTag,
        mut backend: B,
        mut side_table: M,
    ) -> Result<Self, Refused<(B, M)>> {
        let mut stats = AllocationStats::new();
        let overflow = backend.iter().find_map(|(_, entry)| {
            let live = stats.live_bytes();
            match stats.live_bytes_after(entry.bytes) {
                Some(after) => {
                    stats.record_allocation(entry.category, after);
                    None
                }
                None => Some((entry.bytes, live)),
            }
        });
        if let Some((requested, live)) = overflow {
            return Err(Refused::new(
                (backend, side_table),
                ResourceError::BytesOverflow {
                    requested,
                    live,
                    limit: usize::MAX,
                },
            ));
        }
        // A labels slot number names a slot of the side table the entry was stored with.
        for (_, entry) in backend.iter_mut() {
            entry.labels = NO_LABELS;
        }
        side_table.remove_where(|_| true, |_, _| {});
        Ok(Self {
            stats,
            ..Self::over_empty(tag, backend, side_table)
        })
    }

    /// The tag this manager puts in its ids.
    pub const fn tag(&self) -> ManagerTag {
        self.tag
    }

    /// Stores `value` as described by `descriptor` and returns its id.
    ///
    /// Refused with [`ResourceError::StorageFull`] when the backend has no room; the value
    /// comes back in the [`Refused`] and only the failure counters change.
    #[inline(always)]
    pub fn allocate(
        &mut self,
        value: T,
        descriptor: ResourceDescriptor,
    ) -> Result<ResourceId, Refused<T>> {
        self.store(value, descriptor, NO_LABELS)
    }

    /// Stores `value` with a copy of `metadata` in the side table.
    ///
    /// Refused, with nothing stored, when the side table is full
    /// ([`ResourceError::MetadataStorageFull`]) or the backend is (`StorageFull`).
    pub fn allocate_with_metadata(
        &mut self,
        value: T,
        descriptor: ResourceDescriptor,
        metadata: &Metadata,
    ) -> Result<ResourceId, Refused<T>> {
        let labels = match self.side_table.insert(metadata.clone()) {
            Ok(key) => key,
            Err(_rejected) => {
                self.stats.record_failure(descriptor.category());
                let capacity = self.side_table.capacity().unwrap_or(self.side_table.len());
                log::debug!("metadata storage full ({capacity} entries): refused");
                return Err(Refused::new(
                    value,
                    ResourceError::MetadataStorageFull { capacity },
                ));
            }
        };
        let stored = self.store(value, descriptor, labels.index());
        if stored.is_err() {
            // Nothing of the refused allocation may stay behind.
            let _labels = self.side_table.remove(labels);
        }
        stored
    }

    #[inline(always)]
    fn store(
        &mut self,
        value: T,
        descriptor: ResourceDescriptor,
        labels: u32,
    ) -> Result<ResourceId, Refused<T>> {
        let category = descriptor.category();
        let bytes = descriptor.charged_bytes();
        let Some(live_bytes) = self.stats.live_bytes_after(bytes) else {
            self.stats.record_failure(category);
            let live = self.stats.live_bytes();
            log_refused_bytes(bytes, live);
            return Err(Refused::new(
                value,
                ResourceError::BytesOverflow {
                    requested: bytes,
                    live,
                    limit: usize::MAX,
                },
            ));
        };
        match self
            .backend
            .insert(ResourceEntry::new(value, descriptor, labels))
        {
            Ok(key) => {
                self.stats.record_allocation(category, live_bytes);
                Ok(self.id_of(key))
            }
            Err(rejected) => {
                self.stats.record_failure(category);
                let capacity = self.backend.capacity().unwrap_or(self.backend.len());
                log::debug!("resource storage full ({capacity} slots): {category} refused");
                Err(Refused::new(
                    rejected.value,
                    ResourceError::StorageFull { capacity },
                ))
            }
        }
    }

    /// The value `id` names.
    #[inline]
    pub fn get(&self, id: ResourceId) -> Result<&T, LookupError> {
        self.entry(id).map(ResourceEntry::value)
    }

    /// The value `id` names, for modification.
    #[inline]
    pub fn get_mut(&mut self, id: ResourceId) -> Result<&mut T, LookupError> {
        self.entry_mut(id).map(ResourceEntry::value_mut)
    }

    /// The descriptor `id` was allocated with.
    #[inline]
    pub fn descriptor(&self, id: ResourceId) -> Result<ResourceDescriptor, LookupError> {
        self.entry(id).map(ResourceEntry::descriptor)
    }

    /// The metadata `id` was allocated with; `None` when it was allocated without.
    pub fn metadata(&self, id: ResourceId) -> Result<Option<&Metadata>, LookupError> {
        let entry = self.entry(id)?;
        Ok(self
            .side_table
            .key_at(entry.labels)
            .and_then(|key| self.side_table.get(key).ok()))
    }

    /// The stored entry (value and descriptor).
    #[inline]
    pub fn entry(&self, id: ResourceId) -> Result<&ResourceEntry<T>, LookupError> {
        let key = self.key_of(id)?;
        self.backend.get(key).map_err(|e| key_error(id, e))
    }

    #[inline]
    pub(crate) fn entry_mut(
        &mut self,
        id: ResourceId,
    ) -> Result<&mut ResourceEntry<T>, LookupError> {
        let key = self.key_of(id)?;
        self.backend.get_mut(key).map_err(|e| key_error(id, e))
    }

    /// `Ok` when `id` names a live resource of this manager; the error says why not.
    pub fn validate(&self, id: ResourceId) -> Result<(), LookupError> {
        self.entry(id).map(|_| ())
    }

    /// `true` when `id` names a live resource of this manager.
    pub fn contains(&self, id: ResourceId) -> bool {
        self.validate(id).is_ok()
    }

    /// Removes the resource and returns its value. The id (and every copy of it) is stale
    /// from now on, even after the slot is reused. Its metadata, if any, is dropped.
    #[inline(always)]
    pub fn deallocate(&mut self, id: ResourceId) -> Result<T, LookupError> {
        // Not `deallocate_entry(id).map(into_value)`: the entry taken apart here, its value
        // moves out in one piece instead of being copied with the rest and picked out.
        let key = self.key_of(id)?;
        let opened = self.backend.remove_with(key, |entry| {
            let ResourceEntry {
                value,
                bytes,
                category,
                labels,
                ..
            } = entry;
            (value, bytes, category, labels)
        });
        match opened {
            Ok((value, bytes, category, labels)) => {
                released(
                    &mut self.stats,
                    &mut self.side_table,
                    category,
                    bytes,
                    labels,
                );
                Ok(value)
            }
            Err(e) => Err(key_error(id, e)),
        }
    }

    /// Removes the resource and returns value and descriptor.
    #[inline(always)]
    pub fn deallocate_entry(&mut self, id: ResourceId) -> Result<ResourceEntry<T>, LookupError> {
        let key = self.key_of(id)?;
        let entry = match self.backend.remove(key) {
            Ok(entry) => entry,
            Err(e) => return Err(key_error(id, e)),
        };
        Ok(release(&mut self.stats, &mut self.side_table, entry))
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
        let side_table = &mut self.side_table;
        self.backend.remove_where(&mut remove, |key, entry| {
            removed(
                ResourceId::from_parts(tag, key.index(), key.generation()),
                release(stats, side_table, entry),
            );
        });
    }

    /// Resources stored: the statistics' live count, O(1) (a slot table counts only when asked).
    pub fn len(&self) -> usize {
        // One resource per slot, and slot indices are u32: the count fits a usize.
        usize::try_from(self.stats.live()).unwrap_or(usize::MAX)
    }

    /// `true` when no resource is stored.
    pub fn is_empty(&self) -> bool {
        self.stats.live() == 0
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
            .filter(move |(_, entry)| entry.category == category)
            .map(|(id, entry)| (id, &entry.value))
    }

    /// Bytes (descriptors' size hints) of `category` alive now: a sum over the stored
    /// resources, so a read costs one pass over the slots and an allocation nothing. Exact:
    /// it is part of [`AllocationStats::live_bytes`], which never passes `usize::MAX`.
    ///
    /// ```
    /// use wrt_component::{FixedResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor};
    ///
    /// let mut m: FixedResourceManager<u8, 4> = FixedResourceManager::new(ManagerTag(0));
    /// let page = ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(4096);
    /// m.allocate(1, page).unwrap();
    /// m.allocate(2, ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(8)).unwrap();
    /// assert_eq!(m.live_bytes_of(ResourceCategory::Memory), 4096);
    /// assert_eq!(m.stats().live_bytes(), 4104);
    /// ```
    pub fn live_bytes_of(&self, category: ResourceCategory) -> usize {
        self.backend
            .iter()
            .filter(|(_, entry)| entry.category == category)
            .fold(0usize, |sum, (_, entry)| sum.saturating_add(entry.bytes))
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
    fn key_of(&self, id: ResourceId) -> Result<Key, LookupError> {
        if id.manager() != self.tag {
            return Err(LookupError::Foreign {
                id,
                manager: self.tag,
            });
        }
        Key::from_parts(id.index(), id.generation()).ok_or(LookupError::Forged { id })
    }
}

/// Logs the refusal of an allocation that would take the live bytes past `usize::MAX`.
///
/// Only the log is out of line, and it is given numbers, no pointer into the manager: a
/// call that could reach the manager makes the compiler reload its counts on every pass of
/// a caller's loop, and a refusal built out of line makes it return every allocation's
/// result through memory (measured: twice as slow, the id's parts stored narrow and loaded
/// wide).
#[cold]
#[inline(never)]
fn log_refused_bytes(requested: usize, live: usize) {
    log::debug!("{requested} bytes refused: {live} bytes live");
}

/// What every way out of the table does with a removed entry: count it, drop its labels.
#[inline(always)]
fn release<T, M: Backend<Metadata>>(
    stats: &mut AllocationStats,
    side_table: &mut M,
    mut entry: ResourceEntry<T>,
) -> ResourceEntry<T> {
    let labels = core::mem::replace(&mut entry.labels, NO_LABELS);
    released(stats, side_table, entry.category, entry.bytes, labels);
    entry
}

/// [`release`] for an entry already taken apart.
#[inline(always)]
fn released<M: Backend<Metadata>>(
    stats: &mut AllocationStats,
    side_table: &mut M,
    category: ResourceCategory,
    bytes: usize,
    labels: u32,
) {
    stats.record_deallocation(category, bytes);
    if labels != NO_LABELS {
        drop_labels(side_table, labels);
    }
}

/// Inline: for a manager without metadata (a side table of no slots) the removal folds
/// away, and a call given a pointer into the manager would make the compiler reload the
/// table's counts from memory on every pass of a caller's loop.
#[inline]
fn drop_labels<M: Backend<Metadata>>(side_table: &mut M, labels: u32) {
    // The slot was filled with the entry being released, and only that entry empties it.
    if let Some(key) = side_table.key_at(labels) {
        let _labels = side_table.remove(key);
    }
}

#[cold]
fn key_error(id: ResourceId, error: KeyError) -> LookupError {
    match error {
        KeyError::Stale => LookupError::Stale { id },
        _ => LookupError::Forged { id },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io() -> ResourceDescriptor {
        ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(100)
    }

    #[test]
    fn a_manager_over_a_filled_backend_counts_what_it_adopts() {
        // An entry cloned from a manager with labels names that manager's side-table slot.
        let mut old: FixedResourceManager<u8, 2, 1> = FixedResourceManager::new(ManagerTag(1));
        let labels = Metadata::new().with("driver", "uart").unwrap();
        let id = old.allocate_with_metadata(7, io(), &labels).unwrap();
        let mut slots: FixedBackend<ResourceEntry<u8>, 2> = FixedBackend::new();
        slots.insert(old.entry(id).unwrap().clone()).unwrap();
        let mut side_table: FixedBackend<Metadata, 1> = FixedBackend::new();
        side_table
            .insert(Metadata::new().with("k", "v").unwrap())
            .unwrap();

        let mut adopted = FixedResourceManager::with_backend(ManagerTag(2), slots, side_table)
            .map_err(|refused| refused.error)
            .unwrap();
        let io_stats = *adopted.stats().category(ResourceCategory::IoHandles);
        assert_eq!((adopted.len(), adopted.stats().live_bytes()), (1, 100));
        assert_eq!((io_stats.allocations, io_stats.peak_live), (1, 1));
        let (adopted_id, _) = adopted.iter().next().unwrap();
        assert_eq!(adopted.metadata(adopted_id), Ok(None));
        assert_eq!(adopted.deallocate(adopted_id), Ok(7));
        assert_eq!((adopted.len(), adopted.stats().live_bytes()), (0, 0));
        assert_eq!(adopted.stats().peak_bytes, 100);
        // The labels slot the clone named did not take anyone's metadata with it.
        assert!(adopted.allocate_with_metadata(8, io(), &labels).is_ok());
        assert_eq!(old.metadata(id), Ok(Some(&labels)));
    }

    #[test]
    fn adopted_bytes_past_usize_max_hand_both_backends_back() {
        let huge = ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(usize::MAX);
        let mut slots: FixedBackend<ResourceEntry<u8>, 2> = FixedBackend::new();
        for value in [1, 2] {
            let mut one: FixedResourceManager<u8, 1> = FixedResourceManager::new(ManagerTag(1));
            let id = one.allocate(value, huge).unwrap();
            slots.insert(one.deallocate_entry(id).unwrap()).unwrap();
        }
        let refused =
            FixedResourceManager::<u8, 2>::with_backend(ManagerTag(2), slots, NoMetadata::new())
                .err()
                .unwrap();
        assert_eq!(
            refused.error,
            ResourceError::BytesOverflow {
                requested: usize::MAX,
                live: usize::MAX,
                limit: usize::MAX
            }
        );
        assert_eq!(refused.value.0.len(), 2);
    }

    #[test]
    fn stale_forged_and_foreign_ids_are_told_apart() {
        let mut m: FixedResourceManager<u8, 2> = FixedResourceManager::new(ManagerTag(1));
        let a = m.allocate(1, io()).unwrap();
        m.deallocate(a).unwrap();
        let b = m.allocate(2, io()).unwrap();
        assert_eq!(b.index(), a.index());
        assert_eq!(m.get(a), Err(LookupError::Stale { id: a }));
        let forged = ResourceId::from_parts(ManagerTag(1), 9, 0);
        assert_eq!(m.get(forged), Err(LookupError::Forged { id: forged }));
        let foreign = ResourceId::from_parts(ManagerTag(2), b.index(), b.generation());
        assert_eq!(
            m.get(foreign),
            Err(LookupError::Foreign {
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
        let refused = m.allocate(2, io()).unwrap_err();
        assert_eq!(
            (refused.value, refused.error),
            (2, ResourceError::StorageFull { capacity: 1 })
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
    fn an_allocation_that_would_pass_usize_max_bytes_is_refused_with_its_value() {
        let mut m: FixedResourceManager<u8, 4> = FixedResourceManager::new(ManagerTag(0));
        let huge =
            ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(usize::MAX - 50);
        m.allocate(1, huge).unwrap();
        let before = *m.stats();
        let refused = m.allocate(2, io()).unwrap_err();
        assert_eq!(
            (refused.value, refused.error),
            (
                2,
                ResourceError::BytesOverflow {
                    requested: 100,
                    live: usize::MAX - 50,
                    limit: usize::MAX
                }
            )
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m.stats().failures(), before.failures() + 1);
        assert_eq!(m.stats().live_bytes(), usize::MAX - 50);
        // 50 more bytes still fit, exactly up to usize::MAX.
        let small = ResourceDescriptor::new(ResourceCategory::IoHandles).with_size_hint(50);
        let last = m.allocate(3, small).unwrap();
        assert_eq!(m.stats().live_bytes(), usize::MAX);
        m.deallocate(last).unwrap();
        assert_eq!(m.stats().live_bytes(), usize::MAX - 50);
    }

    #[test]
    fn stats_and_iteration_follow_categories() {
        let mut m: FixedResourceManager<u8, 8> = FixedResourceManager::new(ManagerTag(0));
        let mem = ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(64);
        let x = m.allocate(1, mem).unwrap();
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
        assert_eq!(m.live_bytes_of(ResourceCategory::Memory), 64);
        assert_eq!(m.live_bytes_of(ResourceCategory::IoHandles), 100);
        assert_eq!(m.live_bytes_of(ResourceCategory::Tables), 0);
        assert_eq!((s.live_bytes(), s.peak_bytes), (164, 228));
        // Two memory resources were alive at once before one went.
        assert_eq!(s.category(ResourceCategory::Memory).peak_live, 2);
        assert_eq!(s.category(ResourceCategory::IoHandles).peak_live, 1);
        assert_eq!(s.live(), 2);
        assert_eq!(s.success_rate(), Some(1.0));
        let mut removed = 0;
        m.deallocate_where(|_| true, |_, _| removed += 1);
        assert_eq!((removed, m.len(), m.stats().live_bytes()), (2, 0, 0));
    }
    #[test]
    fn metadata_lives_in_its_side_table_and_leaves_with_its_resource() {
        let mut m: FixedResourceManager<u8, 2, 1> = FixedResourceManager::new(ManagerTag(0));
        let labels = Metadata::new().with("driver", "uart").unwrap();
        let plain = m.allocate(1, io()).unwrap();
        let labelled = m.allocate_with_metadata(2, io(), &labels).unwrap();
        assert_eq!(m.metadata(plain), Ok(None));
        assert_eq!(m.metadata(labelled), Ok(Some(&labels)));
        assert!(m.entry(labelled).unwrap().has_metadata());
        m.deallocate(plain).unwrap();

        // The side table holds one: a second labelled resource is refused, value handed
        // back, nothing stored, only the failure counted.
        let before = *m.stats();
        let refused = m.allocate_with_metadata(3, io(), &labels).unwrap_err();
        assert_eq!(
            (refused.value, refused.error),
            (3, ResourceError::MetadataStorageFull { capacity: 1 })
        );
        assert_eq!(m.len(), 1);
        assert_eq!(m.stats().failures(), before.failures() + 1);
        assert_eq!(m.stats().live_bytes(), before.live_bytes());

        // Deallocating frees the labels' room for the next resource.
        m.deallocate(labelled).unwrap();
        assert_eq!(m.side_table.len(), 0);
        let again = m.allocate_with_metadata(4, io(), &labels).unwrap();
        assert_eq!(m.metadata(again), Ok(Some(&labels)));
        m.deallocate_where(|_| true, |_, _| {});
        assert_eq!((m.len(), m.side_table.len()), (0, 0));
    }

    #[test]
    fn a_full_table_refuses_a_labelled_resource_without_keeping_its_labels() {
        let mut m: FixedResourceManager<u8, 1, 2> = FixedResourceManager::new(ManagerTag(0));
        let labels = Metadata::new().with("k", "v").unwrap();
        m.allocate(1, io()).unwrap();
        let refused = m.allocate_with_metadata(2, io(), &labels).unwrap_err();
        assert_eq!(
            (refused.value, refused.error),
            (2, ResourceError::StorageFull { capacity: 1 })
        );
        assert_eq!(m.side_table.len(), 0);
    }

    #[test]
    fn a_manager_without_metadata_refuses_labels() {
        let mut m: FixedResourceManager<u8, 2> = FixedResourceManager::new(ManagerTag(0));
        let refused = m
            .allocate_with_metadata(1, io(), &Metadata::new())
            .unwrap_err();
        assert_eq!(
            refused.error,
            ResourceError::MetadataStorageFull { capacity: 0 }
        );
        assert!(m.is_empty());
    }

    #[test]
    fn an_entry_is_its_value_and_the_two_words_of_its_descriptor() {
        assert_eq!(
            size_of::<ResourceEntry<u64>>(),
            size_of::<u64>() + size_of::<ResourceDescriptor>()
        );
        // The vacant slot is told by the category, not by a flag beside the entry.
        assert_eq!(
            size_of::<Option<ResourceEntry<u64>>>(),
            size_of::<ResourceEntry<u64>>()
        );
    }

    proptest::proptest! {
        /// Every figure a manager reports, against a plain list of what is alive: per
        /// category counts, peaks and (summed when read) live bytes, and the totals.
        #[test]
        fn stats_follow_a_list_of_what_is_alive(
            ops in proptest::collection::vec((0usize..ResourceCategory::COUNT, 0usize..1000, proptest::bool::ANY), 1..200)
        ) {
            let mut m: FixedResourceManager<usize, 8> = FixedResourceManager::new(ManagerTag(0));
            let mut alive: heapless::Vec<(ResourceId, ResourceCategory, usize), 8> = heapless::Vec::new();
            let mut peaks = [0u64; ResourceCategory::COUNT];
            let mut peak_bytes = 0usize;
            for (pick, bytes, allocate) in ops {
                let category = ResourceCategory::ALL[pick];
                if allocate || alive.is_empty() {
                    let descriptor = ResourceDescriptor::new(category).with_size_hint(bytes);
                    match m.allocate(bytes, descriptor) {
                        Ok(id) => alive.push((id, category, bytes)).unwrap(),
                        Err(refused) => proptest::prop_assert_eq!(alive.len(), 8, "{}", refused.error),
                    }
                } else {
                    let (id, _, bytes) = alive.swap_remove(pick % alive.len());
                    proptest::prop_assert_eq!(m.deallocate(id), Ok(bytes));
                }
                let total: usize = alive.iter().map(|(_, _, b)| b).sum();
                peak_bytes = peak_bytes.max(total);
                proptest::prop_assert_eq!(m.stats().live_bytes(), total);
                proptest::prop_assert_eq!(m.stats().peak_bytes, peak_bytes);
                for category in ResourceCategory::ALL {
                    let of = alive.iter().filter(|(_, c, _)| *c == category);
                    let live = of.clone().count() as u64;
                    let peak = &mut peaks[category.index()];
                    *peak = (*peak).max(live);
                    proptest::prop_assert_eq!(m.stats().category(category).live(), live);
                    proptest::prop_assert_eq!(m.stats().category(category).peak_live, *peak);
                    proptest::prop_assert_eq!(m.live_bytes_of(category), of.map(|(_, _, b)| b).sum::<usize>());
                }
            }
        }
    }
}
