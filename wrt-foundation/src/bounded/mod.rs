//! Collections whose capacity is a const generic: they never allocate, and every operation
//! that would need more room returns an error instead of growing, truncating or panicking.
//!
//! They wrap [`heapless`] so that the storage is inline (a `BoundedVec<u8, 16>` is 16 bytes
//! plus a length), which is what lets the same types serve `no_std` builds with no
//! allocator and hosted builds alike.

mod error;
mod map;
mod string;
mod vec;

pub use error::{CapacityError, StringCapacityError};
pub use map::BoundedMap;
pub use string::BoundedString;
pub use vec::BoundedVec;
