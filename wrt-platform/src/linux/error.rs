//! [`LinuxError`] and the mapping from a failed system call's errno to it.

use core::fmt;

use rustix::io::Errno;
use thiserror::Error;
use wrt_foundation::MemoryProtection;
use wrt_foundation::memory::Access;

use super::cgroup::CgroupError;
use super::sys::SysError;

/// The system call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syscall {
    /// `mmap` (reserving the span or mapping the body).
    Mmap,
    /// `mprotect`.
    Mprotect,
    /// `madvise(MADV_HUGEPAGE)`.
    Madvise,
    /// `munmap`.
    Munmap,
    /// `mbind(MPOL_BIND)`.
    Mbind,
}

impl fmt::Display for Syscall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Syscall::Mmap => "mmap",
            Syscall::Mprotect => "mprotect",
            Syscall::Madvise => "madvise",
            Syscall::Munmap => "munmap",
            Syscall::Mbind => "mbind",
        })
    }
}

/// Why the Linux provider refused or failed; a failed operation leaves nothing mapped and
/// changes no protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LinuxError {
    /// `ENOMEM`: the kernel has no memory or address space (or map count) for it.
    #[error("{call} of {len} bytes: out of memory (errno {errno})")]
    OutOfMemory {
        /// The call.
        call: Syscall,
        /// Bytes it covered.
        len: usize,
        /// The raw errno.
        errno: i32,
    },
    /// `EINVAL`: the kernel rejected an argument (size, alignment, flags, range).
    #[error("{call} of {len} bytes: invalid argument (errno {errno})")]
    InvalidArgument {
        /// The call.
        call: Syscall,
        /// Bytes it covered.
        len: usize,
        /// The raw errno.
        errno: i32,
    },
    /// `EPERM` or `EACCES`: the process may not do this (capabilities, seccomp, policy).
    #[error("{call} of {len} bytes: permission denied (errno {errno})")]
    PermissionDenied {
        /// The call.
        call: Syscall,
        /// Bytes it covered.
        len: usize,
        /// The raw errno.
        errno: i32,
    },
    /// Any other errno.
    #[error("{call} of {len} bytes failed (errno {errno})")]
    Os {
        /// The call.
        call: Syscall,
        /// Bytes it covered.
        len: usize,
        /// The raw errno.
        errno: i32,
    },
    /// The size cannot be rounded to pages and guarded without overflowing the address space.
    #[error("{requested} bytes cannot be mapped: the size overflows when rounded and guarded")]
    SizeTooLarge {
        /// Bytes asked for.
        requested: usize,
    },
    /// The alignment is not a power of two.
    #[error("alignment {align} is not a power of two")]
    BadAlignment {
        /// The alignment asked for.
        align: usize,
    },
    /// The allocation would take the cgroup past its memory limit.
    #[error("cgroup memory limit: {requested} bytes requested, {available} available of {limit}")]
    CgroupLimit {
        /// Bytes the region would be charged.
        requested: u64,
        /// Bytes left under the tightest limit.
        available: u64,
        /// That limit.
        limit: u64,
    },
    /// The NUMA node asked for is not online.
    #[error("NUMA node {node} is not online ({online} nodes online)")]
    NumaNodeOffline {
        /// The node asked for.
        node: u32,
        /// Nodes online.
        online: u32,
    },
    /// The cgroup files could not be read or parsed.
    #[error(transparent)]
    Cgroup(#[from] CgroupError),
    /// The region's protection does not allow this access.
    #[error("{access} access denied: the region is {protection}")]
    AccessDenied {
        /// The access attempted.
        access: Access,
        /// The region's protection.
        protection: MemoryProtection,
    },
    /// A reservation cannot make this many bytes accessible: it would reach past the
    /// reserved address range (which never moves, so it cannot be enlarged).
    #[error("{requested} accessible bytes asked of a reservation of {reserved} bytes")]
    BeyondReservation {
        /// Accessible bytes asked for.
        requested: usize,
        /// Bytes the reservation holds (rounded up to its page granule).
        reserved: usize,
    },
    /// The access reaches past the end of the region.
    #[error("{len} bytes at offset {offset} are outside a region of {size} bytes")]
    OutOfBounds {
        /// First byte of the access.
        offset: usize,
        /// Bytes accessed.
        len: usize,
        /// The region's usable size.
        size: usize,
    },
}

/// Maps a failed system call covering `len` bytes to a typed error: `ENOMEM`, `EINVAL`,
/// `EPERM`/`EACCES` get their own variants, anything else [`LinuxError::Os`].
pub fn errno_to_error(call: Syscall, len: usize, errno: Errno) -> LinuxError {
    let raw = errno.raw_os_error();
    match errno {
        Errno::NOMEM => LinuxError::OutOfMemory {
            call,
            len,
            errno: raw,
        },
        Errno::INVAL => LinuxError::InvalidArgument {
            call,
            len,
            errno: raw,
        },
        Errno::PERM | Errno::ACCESS => LinuxError::PermissionDenied {
            call,
            len,
            errno: raw,
        },
        _ => LinuxError::Os {
            call,
            len,
            errno: raw,
        },
    }
}

impl LinuxError {
    pub(crate) fn from_sys(error: SysError, len: usize) -> Self {
        errno_to_error(error.call, len, error.errno)
    }

    /// The raw errno, for the variants that come from a system call.
    pub fn errno(&self) -> Option<i32> {
        match *self {
            LinuxError::OutOfMemory { errno, .. }
            | LinuxError::InvalidArgument { errno, .. }
            | LinuxError::PermissionDenied { errno, .. }
            | LinuxError::Os { errno, .. } => Some(errno),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn each_errno_maps_to_its_variant() {
        let m = |e| errno_to_error(Syscall::Mmap, 7, e);
        assert_eq!(
            m(Errno::NOMEM),
            LinuxError::OutOfMemory {
                call: Syscall::Mmap,
                len: 7,
                errno: libc::ENOMEM
            }
        );
        assert_eq!(
            m(Errno::INVAL),
            LinuxError::InvalidArgument {
                call: Syscall::Mmap,
                len: 7,
                errno: libc::EINVAL
            }
        );
        assert_eq!(
            m(Errno::PERM),
            LinuxError::PermissionDenied {
                call: Syscall::Mmap,
                len: 7,
                errno: libc::EPERM
            }
        );
        assert_eq!(m(Errno::ACCESS).errno(), Some(libc::EACCES));
        assert!(matches!(
            m(Errno::ACCESS),
            LinuxError::PermissionDenied { .. }
        ));
        assert_eq!(
            m(Errno::AGAIN),
            LinuxError::Os {
                call: Syscall::Mmap,
                len: 7,
                errno: libc::EAGAIN
            }
        );
        assert_eq!(LinuxError::BadAlignment { align: 3 }.errno(), None);
        assert_eq!(
            m(Errno::NOMEM).to_string(),
            "mmap of 7 bytes: out of memory (errno 12)"
        );
    }
}
