//! [`AnyResourceManager`]: one manager for resources of many types (feature `alloc`).

use alloc::boxed::Box;
use core::any::{Any, type_name};

use crate::backend::Backend;
use crate::descriptor::ResourceDescriptor;
use crate::error::ResourceError;
use crate::id::{ManagerTag, ResourceId};
use crate::manager::{NoMetadata, ResourceEntry, ResourceManager};
use crate::metadata::Metadata;
use crate::refused::Refused;

/// A boxed value that remembers its type's name, for [`ResourceError::WrongType`].
pub struct ErasedValue {
    value: Box<dyn Any + Send + Sync>,
    type_name: &'static str,
}

impl ErasedValue {
    /// The name of the stored type.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl core::fmt::Debug for ErasedValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ErasedValue({})", self.type_name)
    }
}

/// An [`AnyResourceManager`] on growable backends.
pub type GrowableAnyResourceManager = AnyResourceManager<
    crate::backend::GrowableBackend<ResourceEntry<ErasedValue>>,
    crate::backend::GrowableBackend<Metadata>,
>;

/// Stores values of any `Send + Sync` type; `get::<T>()` answers
/// [`ResourceError::WrongType`] when the id names a value of another type.
///
/// For runtimes whose resources are heterogeneous (file handles next to sockets next to
/// host closures). One box per resource is the price; a typed
/// [`ResourceManager`] has none.
///
/// ```
/// use wrt_component::{GrowableAnyResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor, ResourceError};
///
/// let mut any = GrowableAnyResourceManager::new(ManagerTag(0));
/// let io = ResourceDescriptor::new(ResourceCategory::IoHandles);
/// let port = any.allocate(8080u16, io)?;
/// let name = any.allocate(String::from("eth0"), io)?;
/// assert_eq!(any.get::<u16>(port)?, &8080);
/// assert!(matches!(any.get::<u16>(name), Err(ResourceError::WrongType { actual: "alloc::string::String", .. })));
/// // A wrong-type deallocation removes nothing.
/// assert!(any.deallocate::<u16>(name).is_err());
/// assert_eq!(any.deallocate::<String>(name)?, "eth0");
/// # Ok::<(), ResourceError>(())
/// ```
pub struct AnyResourceManager<B, M = NoMetadata> {
    inner: ResourceManager<ErasedValue, B, M>,
}

impl<B: Backend<ResourceEntry<ErasedValue>> + Default, M: Backend<Metadata> + Default>
    AnyResourceManager<B, M>
{
    /// An empty manager whose ids carry `tag`.
    pub fn new(tag: ManagerTag) -> Self {
        Self {
            inner: ResourceManager::new(tag),
        }
    }
}

impl<B: Backend<ResourceEntry<ErasedValue>>, M: Backend<Metadata>> AnyResourceManager<B, M> {
    /// Stores `value`; see [`ResourceManager::allocate`]. A refusal hands the value back,
    /// still boxed: `refused.value.downcast::<T>()` unboxes it.
    pub fn allocate<T: Any + Send + Sync>(
        &mut self,
        value: T,
        descriptor: ResourceDescriptor,
    ) -> Result<ResourceId, Refused<Box<dyn Any + Send + Sync>>> {
        let erased = ErasedValue {
            value: Box::new(value),
            type_name: type_name::<T>(),
        };
        self.inner
            .allocate(erased, descriptor)
            .map_err(|refused| refused.map(|erased| erased.value))
    }

    /// The value, if `id` is live and holds a `T`.
    pub fn get<T: Any>(&self, id: ResourceId) -> Result<&T, ResourceError> {
        let erased = self.inner.get(id)?;
        erased
            .value
            .downcast_ref::<T>()
            .ok_or_else(|| wrong_type::<T>(id, erased.type_name))
    }

    /// The value for modification, if `id` is live and holds a `T`.
    pub fn get_mut<T: Any>(&mut self, id: ResourceId) -> Result<&mut T, ResourceError> {
        let erased = self.inner.get_mut(id)?;
        let actual = erased.type_name;
        erased
            .value
            .downcast_mut::<T>()
            .ok_or_else(|| wrong_type::<T>(id, actual))
    }

    /// Removes and returns the value if it is a `T`; otherwise removes nothing.
    pub fn deallocate<T: Any>(&mut self, id: ResourceId) -> Result<T, ResourceError> {
        self.get::<T>(id)?;
        let erased = self.inner.deallocate(id)?;
        let actual = erased.type_name;
        erased
            .value
            .downcast::<T>()
            .map(|boxed| *boxed)
            .map_err(|_| wrong_type::<T>(id, actual))
    }

    /// Removes and returns the value whatever its type.
    pub fn deallocate_any(
        &mut self,
        id: ResourceId,
    ) -> Result<Box<dyn Any + Send + Sync>, ResourceError> {
        Ok(self.inner.deallocate(id)?.value)
    }

    /// The manager underneath: statistics, descriptors, iteration, cleanup.
    pub fn inner(&self) -> &ResourceManager<ErasedValue, B, M> {
        &self.inner
    }

    /// The manager underneath, e.g. as a [`CleanupTarget`](crate::cleanup::CleanupTarget).
    pub fn inner_mut(&mut self) -> &mut ResourceManager<ErasedValue, B, M> {
        &mut self.inner
    }
}

fn wrong_type<T>(id: ResourceId, actual: &'static str) -> ResourceError {
    ResourceError::WrongType {
        id,
        expected: type_name::<T>(),
        actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::FixedBackend;
    use crate::category::ResourceCategory;
    use alloc::string::String;

    #[test]
    fn works_over_a_fixed_backend_too() {
        let mut m: AnyResourceManager<FixedBackend<ResourceEntry<ErasedValue>, 2>> =
            AnyResourceManager::new(ManagerTag(4));
        let d = ResourceDescriptor::new(ResourceCategory::Platform);
        let a = m.allocate(1u8, d).unwrap();
        let b = m.allocate(2i64, d).unwrap();
        let refused = m.allocate(String::from("third"), d).unwrap_err();
        assert_eq!(refused.error, ResourceError::StorageFull { capacity: 2 });
        assert_eq!(
            refused.value.downcast::<String>().map(|boxed| *boxed).ok(),
            Some(String::from("third"))
        );
        *m.get_mut::<i64>(b).unwrap() += 1;
        assert_eq!(
            m.get_mut::<u8>(b),
            Err(ResourceError::WrongType {
                id: b,
                expected: "u8",
                actual: "i64"
            })
        );
        assert_eq!(m.deallocate::<i64>(b), Ok(3));
        let boxed = m.deallocate_any(a).unwrap();
        assert_eq!(boxed.downcast_ref::<u8>(), Some(&1));
        assert!(m.inner().is_empty());
    }
}
