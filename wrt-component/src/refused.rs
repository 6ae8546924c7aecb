//! [`Refused`]: a refused allocation hands its value back.

use core::fmt;

use crate::error::ResourceError;

/// Why a value was not stored, with the value itself.
///
/// A resource may be a file descriptor, a socket or a lock guard: dropping it inside the
/// library would close it behind the caller's back. So every operation that takes a value
/// into a table returns it on refusal, as [`Backend::insert`](crate::backend::Backend::insert)
/// and the bounded collections do. `?` turns it into the plain [`ResourceError`] when the
/// caller has no use for the value.
///
/// ```
/// use wrt_component::{FixedResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor, ResourceError};
///
/// let mut sockets: FixedResourceManager<u32, 1> = FixedResourceManager::new(ManagerTag(0));
/// let io = ResourceDescriptor::new(ResourceCategory::IoHandles);
/// sockets.allocate(3, io)?;
/// let refused = sockets.allocate(4, io).unwrap_err();
/// assert_eq!(refused.value, 4); // still the caller's, to close or to retry
/// assert_eq!(refused.error, ResourceError::StorageFull { capacity: 1 });
/// # Ok::<(), ResourceError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Refused<T> {
    /// The value that was not stored.
    pub value: T,
    /// Why.
    pub error: ResourceError,
}

impl<T> Refused<T> {
    /// Pairs a refused value with the reason.
    #[inline]
    pub const fn new(value: T, error: ResourceError) -> Self {
        Self { value, error }
    }

    /// The same refusal with the value mapped, e.g. unwrapped from the type a table stores.
    #[inline]
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Refused<U> {
        Refused {
            value: f(self.value),
            error: self.error,
        }
    }
}

impl<T> From<Refused<T>> for ResourceError {
    #[inline]
    fn from(refused: Refused<T>) -> Self {
        refused.error
    }
}

/// The value is left out: it may be a secret, and it is the caller's to show.
impl<T> fmt::Debug for Refused<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refused")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for Refused<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "value not stored: {}", self.error)
    }
}

impl<T> core::error::Error for Refused<T> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}
