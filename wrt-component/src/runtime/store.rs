//! Where a [`ResourceRuntime`](super::ResourceRuntime) keeps its components: a map from
//! [`ComponentId`] to [`ComponentResourceManager`], fixed-capacity or on the heap.

use wrt_foundation::BoundedMap;

use crate::component_id::ComponentId;
use crate::component_manager::ComponentResourceManager;

/// Component storage of a runtime.
///
/// Components are found by id on every accounted operation, so this is a map. With few
/// components (an ECU runs a handful) a linear scan over an inline array is as fast as
/// hashing and needs no heap: [`FixedComponents`]. Hosts with thousands of components use
/// `HashComponents` (feature `alloc`).
pub trait ComponentStore {
    /// The component with `id`.
    fn get(&self, id: ComponentId) -> Option<&ComponentResourceManager>;
    /// The component with `id`, for modification.
    fn get_mut(&mut self, id: ComponentId) -> Option<&mut ComponentResourceManager>;
    /// Adds a component whose id is not yet present, or hands it back when there is no room.
    // Handing the value back (as the bounded collections do) is the point of the large Err.
    #[allow(clippy::result_large_err)]
    fn insert(
        &mut self,
        component: ComponentResourceManager,
    ) -> Result<(), ComponentResourceManager>;
    /// Removes and returns the component with `id`.
    fn remove(&mut self, id: ComponentId) -> Option<ComponentResourceManager>;
    /// Components held.
    fn len(&self) -> usize;
    /// `true` when no component is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The most components it can hold, or `None` when it grows.
    fn capacity(&self) -> Option<usize>;
    /// Every component, in unspecified order.
    fn iter<'a>(&'a self) -> impl Iterator<Item = &'a ComponentResourceManager>
    where
        Self: 'a;
}

/// At most `C` components, inline.
pub struct FixedComponents<const C: usize> {
    map: BoundedMap<ComponentId, ComponentResourceManager, C>,
}

impl<const C: usize> FixedComponents<C> {
    /// No components.
    pub const fn new() -> Self {
        Self {
            map: BoundedMap::new(),
        }
    }
}

impl<const C: usize> Default for FixedComponents<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize> ComponentStore for FixedComponents<C> {
    fn get(&self, id: ComponentId) -> Option<&ComponentResourceManager> {
        self.map.get(&id)
    }

    fn get_mut(&mut self, id: ComponentId) -> Option<&mut ComponentResourceManager> {
        self.map.get_mut(&id)
    }

    fn insert(
        &mut self,
        component: ComponentResourceManager,
    ) -> Result<(), ComponentResourceManager> {
        if self.map.contains_key(&component.id()) {
            return Err(component);
        }
        self.map
            .insert(component.id(), component)
            .map(|_| ())
            .map_err(|full| full.rejected.1)
    }

    fn remove(&mut self, id: ComponentId) -> Option<ComponentResourceManager> {
        self.map.remove(&id)
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn capacity(&self) -> Option<usize> {
        Some(C)
    }

    fn iter<'a>(&'a self) -> impl Iterator<Item = &'a ComponentResourceManager>
    where
        Self: 'a,
    {
        self.map.values()
    }
}

/// Components in a hash map on the heap (feature `alloc`).
#[cfg(feature = "alloc")]
#[derive(Default)]
pub struct HashComponents {
    map: hashbrown::HashMap<ComponentId, ComponentResourceManager>,
}

#[cfg(feature = "alloc")]
impl HashComponents {
    /// No components; allocates nothing until the first insert.
    pub fn new() -> Self {
        Self::default()
    }
}

#[cfg(feature = "alloc")]
impl ComponentStore for HashComponents {
    fn get(&self, id: ComponentId) -> Option<&ComponentResourceManager> {
        self.map.get(&id)
    }

    fn get_mut(&mut self, id: ComponentId) -> Option<&mut ComponentResourceManager> {
        self.map.get_mut(&id)
    }

    fn insert(
        &mut self,
        component: ComponentResourceManager,
    ) -> Result<(), ComponentResourceManager> {
        // Ask the allocator first so that running out of memory is a refusal, not an abort.
        if self.map.contains_key(&component.id()) || self.map.try_reserve(1).is_err() {
            return Err(component);
        }
        self.map.insert(component.id(), component);
        Ok(())
    }

    fn remove(&mut self, id: ComponentId) -> Option<ComponentResourceManager> {
        self.map.remove(&id)
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn capacity(&self) -> Option<usize> {
        None
    }

    fn iter<'a>(&'a self) -> impl Iterator<Item = &'a ComponentResourceManager>
    where
        Self: 'a,
    {
        self.map.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ResourceLimits;

    fn component(raw: u32) -> ComponentResourceManager {
        ComponentResourceManager::new(ComponentId(raw), ResourceLimits::default())
    }

    fn exercise(store: &mut impl ComponentStore) {
        store.insert(component(1)).unwrap();
        store.insert(component(2)).unwrap();
        // The same id twice is refused and handed back.
        assert_eq!(store.insert(component(1)).unwrap_err().id(), ComponentId(1));
        assert_eq!(store.len(), 2);
        store
            .get_mut(ComponentId(2))
            .unwrap()
            .add_instance()
            .unwrap();
        assert_eq!(store.get(ComponentId(2)).unwrap().usage().instances, 1);
        assert_eq!(store.remove(ComponentId(1)).unwrap().id(), ComponentId(1));
        assert!(store.get(ComponentId(1)).is_none());
        assert_eq!(store.iter().count(), 1);
    }

    #[test]
    fn fixed_store_is_bounded_and_refuses_duplicates() {
        let mut store: FixedComponents<2> = FixedComponents::new();
        exercise(&mut store);
        store.insert(component(3)).unwrap();
        assert_eq!(store.insert(component(4)).unwrap_err().id(), ComponentId(4));
        assert_eq!(store.capacity(), Some(2));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn hash_store_behaves_the_same() {
        let mut store = HashComponents::new();
        exercise(&mut store);
        assert_eq!(store.capacity(), None);
    }
}
