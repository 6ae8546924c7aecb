//! [`LookupError`]: why an id named no resource of a manager, in two words.

use crate::error::ResourceError;
use crate::id::{ManagerTag, ResourceId};

/// Why a [`ResourceManager`](crate::ResourceManager) lookup (`get`, `get_mut`, `validate`,
/// `descriptor`, `deallocate`, ...) found nothing: the id itself is bad, and retrying with
/// it can never succeed.
///
/// Kept small on purpose: these calls are the hot path of every handle table, and a
/// `Result<&T, LookupError>` is two words (a test asserts it), where the crate-wide
/// [`ResourceError`] is several. `?` converts it into the `ResourceError` variant of the
/// same name.
///
/// ```
/// use wrt_component::{FixedResourceManager, LookupError, ManagerTag, ResourceCategory, ResourceDescriptor};
///
/// let mut files: FixedResourceManager<u32, 2> = FixedResourceManager::new(ManagerTag(1));
/// let fd = files.allocate(3, ResourceDescriptor::new(ResourceCategory::IoHandles)).unwrap();
/// files.deallocate(fd).unwrap();
/// assert_eq!(files.get(fd), Err(LookupError::Stale { id: fd }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// The manager never issued the id: its index is past every slot the manager has, or
    /// its generation is one the slot has not reached (a made-up or corrupted id).
    #[error("{id} is forged: never issued by this manager")]
    Forged {
        /// The refused id.
        id: ResourceId,
    },
    /// The id's resource was deallocated since the id was issued (and its slot may hold
    /// another resource).
    #[error("{id} is stale: the resource was deallocated")]
    Stale {
        /// The refused id.
        id: ResourceId,
    },
    /// The id was issued by another manager.
    #[error("{id} is foreign: issued by {}, presented to {manager}", id.manager())]
    Foreign {
        /// The refused id.
        id: ResourceId,
        /// The tag of the manager it was presented to.
        manager: ManagerTag,
    },
}

impl LookupError {
    /// The refused id.
    pub const fn id(&self) -> ResourceId {
        match *self {
            Self::Forged { id } | Self::Stale { id } | Self::Foreign { id, .. } => id,
        }
    }
}

impl From<LookupError> for ResourceError {
    #[inline]
    fn from(error: LookupError) -> Self {
        match error {
            LookupError::Forged { id } => Self::Forged { id },
            LookupError::Stale { id } => Self::Stale { id },
            LookupError::Foreign { id, manager } => Self::Foreign { id, manager },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_result_is_two_words() {
        assert_eq!(
            size_of::<Result<&u64, LookupError>>(),
            2 * size_of::<usize>()
        );
        assert!(size_of::<Result<&u64, ResourceError>>() > 2 * size_of::<usize>());
    }

    #[test]
    fn each_lookup_error_becomes_the_resource_error_of_its_name() {
        let id = ResourceId::from_parts(ManagerTag(2), 5, 3);
        let manager = ManagerTag(1);
        assert_eq!(
            ResourceError::from(LookupError::Forged { id }),
            ResourceError::Forged { id }
        );
        assert_eq!(
            ResourceError::from(LookupError::Stale { id }),
            ResourceError::Stale { id }
        );
        assert_eq!(
            ResourceError::from(LookupError::Foreign { id, manager }),
            ResourceError::Foreign { id, manager }
        );
        assert_eq!(LookupError::Foreign { id, manager }.id(), id);
    }
}
