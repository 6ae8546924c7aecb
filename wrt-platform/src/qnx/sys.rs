//! The QNX Neutrino system-call layer: a memory backend on POSIX typed memory and the
//! translation of [`MutexConfig`] into mutex attributes.
//!
//! **Never compiled on this project's build machines** (built only for
//! `target_os = "nto"` with `std`). Written against the QNX Neutrino library reference:
//! `posix_typed_mem_open()` and `mmap()` in `<sys/mman.h>`, and
//! `pthread_mutexattr_setprotocol()` / `pthread_mutexattr_setprioceiling()` in
//! `<pthread.h>`. The `libc` crate does not declare these for QNX, so they are declared
//! here with the header values; check them against your SDP before use.

use core::ffi::{CStr, c_char, c_int, c_void};
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use thiserror::Error;
use wrt_foundation::{BoundedVec, MemoryProtection};

use super::{MutexConfig, MutexProtocol};
use crate::provider::{
    MemoryLimit, PlatformCapabilities, PlatformResourceProvider, ProtectionSupport, RegionRequest,
    ReleaseError,
};

/// `<sys/mman.h>`: allocate on `mmap()`.
const POSIX_TYPED_MEM_ALLOCATE: c_int = 0x0001;
/// `<pthread.h>` (QNX): priority inheritance is protocol 0, QNX's default.
const PTHREAD_PRIO_INHERIT: c_int = 0;
/// `<pthread.h>` (QNX).
const PTHREAD_PRIO_NONE: c_int = 1;
/// `<pthread.h>` (QNX).
const PTHREAD_PRIO_PROTECT: c_int = 2;

unsafe extern "C" {
    fn posix_typed_mem_open(name: *const c_char, oflag: c_int, tflag: c_int) -> c_int;
    fn pthread_mutexattr_setprotocol(
        attr: *mut libc::pthread_mutexattr_t,
        protocol: c_int,
    ) -> c_int;
    fn pthread_mutexattr_setprioceiling(
        attr: *mut libc::pthread_mutexattr_t,
        prioceiling: c_int,
    ) -> c_int;
}

/// A failed QNX call, with its errno (or the returned error number for `pthread_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QnxSysError {
    /// The size overflows when rounded up to pages.
    #[error("{requested} bytes cannot be mapped")]
    SizeTooLarge {
        /// Bytes asked for.
        requested: usize,
    },
    /// `posix_typed_mem_open` failed.
    #[error("posix_typed_mem_open failed (errno {errno})")]
    TypedMemOpen {
        /// The errno.
        errno: i32,
    },
    /// `mmap` of the typed memory object failed (`ENOMEM`: the pool is exhausted).
    #[error("mmap of {len} bytes of typed memory failed (errno {errno})")]
    Mmap {
        /// Bytes asked for.
        len: usize,
        /// The errno.
        errno: i32,
    },
    /// `munmap` failed.
    #[error("munmap of {len} bytes failed (errno {errno})")]
    Munmap {
        /// Bytes.
        len: usize,
        /// The errno.
        errno: i32,
    },
    /// The region's protection does not allow read-write access.
    #[error("region is not read-write")]
    NotReadWrite,
    /// A `pthread_mutexattr_*` call returned an error number.
    #[error("pthread_mutexattr call failed with {code}")]
    MutexAttr {
        /// The returned error number.
        code: i32,
    },
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Memory from a named typed memory pool (for example `c"/memory/ram/sysram"` or a pool
/// the system builder defines for the runtime).
#[derive(Debug)]
pub struct TypedMemoryProvider {
    pool: &'static CStr,
    page_size: usize,
}

impl TypedMemoryProvider {
    /// A provider allocating from `pool`.
    pub fn new(pool: &'static CStr) -> Self {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        Self {
            pool,
            page_size: usize::try_from(page).unwrap_or(4096),
        }
    }
}

/// A mapping of typed memory, unmapped on drop.
///
/// An empty region (zero bytes asked for) maps nothing: `mmap` of zero bytes is `EINVAL`,
/// and there are no guard pages to keep. Its bytes are an empty slice; releasing or
/// dropping it unmaps nothing.
#[derive(Debug)]
pub struct TypedMemoryRegion {
    ptr: NonNull<c_void>,
    mapped: usize,
    size: usize,
    protection: MemoryProtection,
}

// SAFETY: owned memory like `Box<[u8]>`; access needs `&mut` for writes.
unsafe impl Send for TypedMemoryRegion {}

impl Drop for TypedMemoryRegion {
    fn drop(&mut self) {
        if self.mapped == 0 {
            return;
        }
        // SAFETY: the mapping is ours and nothing borrows it once `self` is dropped.
        if unsafe { libc::munmap(self.ptr.as_ptr(), self.mapped) } != 0 {
            log::warn!("munmap of typed memory failed (errno {})", last_errno());
        }
    }
}

fn prot(p: MemoryProtection) -> c_int {
    let mut flags = libc::PROT_NONE;
    if p.read {
        flags |= libc::PROT_READ;
    }
    if p.write {
        flags |= libc::PROT_WRITE;
    }
    if p.execute {
        flags |= libc::PROT_EXEC;
    }
    flags
}

impl PlatformResourceProvider for TypedMemoryProvider {
    type Region = TypedMemoryRegion;
    type Error = QnxSysError;

    /// Maps `request.size` bytes of the pool, rounded up to the page; zero bytes give an
    /// empty region that maps nothing and opens no pool (see [`TypedMemoryRegion`]).
    fn allocate(&mut self, request: &RegionRequest) -> Result<TypedMemoryRegion, QnxSysError> {
        if request.size == 0 {
            return Ok(TypedMemoryRegion {
                ptr: NonNull::dangling(),
                mapped: 0,
                size: 0,
                protection: request.protection,
            });
        }
        let mapped = request
            .size
            .checked_next_multiple_of(self.page_size)
            .ok_or(QnxSysError::SizeTooLarge {
                requested: request.size,
            })?;
        // SAFETY: `pool` is a valid NUL-terminated string for the call.
        let fd = unsafe {
            posix_typed_mem_open(self.pool.as_ptr(), libc::O_RDWR, POSIX_TYPED_MEM_ALLOCATE)
        };
        if fd < 0 {
            return Err(QnxSysError::TypedMemOpen {
                errno: last_errno(),
            });
        }
        // SAFETY: a fresh shared mapping of the typed memory object at an address the
        // kernel chooses; it aliases no Rust object.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                mapped,
                prot(request.protection),
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        let map_errno = last_errno();
        // SAFETY: `fd` is ours; the mapping keeps the memory after the descriptor closes.
        unsafe { libc::close(fd) };
        if ptr == libc::MAP_FAILED {
            return Err(QnxSysError::Mmap {
                len: mapped,
                errno: map_errno,
            });
        }
        let ptr = NonNull::new(ptr).ok_or(QnxSysError::Mmap {
            len: mapped,
            errno: map_errno,
        })?;
        Ok(TypedMemoryRegion {
            ptr,
            mapped,
            size: request.size,
            protection: request.protection,
        })
    }

    fn release(
        &mut self,
        region: TypedMemoryRegion,
    ) -> Result<(), ReleaseError<TypedMemoryRegion, QnxSysError>> {
        if region.mapped == 0 {
            // Nothing mapped; dropping it unmaps nothing either.
            return Ok(());
        }
        // SAFETY: the mapping is ours; on success `region` is forgotten so it is not
        // unmapped twice.
        if unsafe { libc::munmap(region.ptr.as_ptr(), region.mapped) } != 0 {
            let error = QnxSysError::Munmap {
                len: region.mapped,
                errno: last_errno(),
            };
            return Err(ReleaseError { region, error });
        }
        core::mem::forget(region);
        Ok(())
    }

    fn region_bytes_mut<'r>(
        &'r mut self,
        region: &'r mut TypedMemoryRegion,
    ) -> Result<&'r mut [u8], QnxSysError> {
        if !(region.protection.read && region.protection.write) {
            return Err(QnxSysError::NotReadWrite);
        }
        // SAFETY: `size <= mapped` bytes are mapped read-write and exclusively borrowed; an
        // empty region gives an empty slice at a dangling (non-null, aligned) pointer,
        // which is valid for zero bytes.
        Ok(unsafe { core::slice::from_raw_parts_mut(region.ptr.as_ptr().cast(), region.size) })
    }

    fn get_capabilities(&self) -> PlatformCapabilities {
        PlatformCapabilities {
            page_size: self.page_size,
            huge_page_sizes: BoundedVec::new(),
            transparent_huge_pages: false,
            numa_nodes: 1,
            memory_limit: MemoryLimit::Unlimited,
            protection: ProtectionSupport {
                guard_pages: false,
                change_protection: false,
                execute: true,
            },
            max_regions: usize::MAX,
        }
    }
}

/// Initialises `attr` with `config` (`pthread_mutexattr_init`, then the protocol, the
/// ceiling and the recursion type). On error `attr` is destroyed again.
pub fn init_mutexattr(
    config: &MutexConfig,
    attr: &mut MaybeUninit<libc::pthread_mutexattr_t>,
) -> Result<(), QnxSysError> {
    config
        .validate()
        .map_err(|_| QnxSysError::MutexAttr { code: libc::EINVAL })?;
    let attr = attr.as_mut_ptr();
    // SAFETY: `attr` points to writable storage for a mutexattr.
    let code = unsafe { libc::pthread_mutexattr_init(attr) };
    if code != 0 {
        return Err(QnxSysError::MutexAttr { code });
    }
    let (protocol, ceiling) = match config.protocol {
        MutexProtocol::None => (PTHREAD_PRIO_NONE, None),
        MutexProtocol::PriorityInherit => (PTHREAD_PRIO_INHERIT, None),
        MutexProtocol::PriorityProtect { ceiling } => (PTHREAD_PRIO_PROTECT, Some(ceiling)),
    };
    let kind = if config.recursive {
        libc::PTHREAD_MUTEX_RECURSIVE
    } else {
        libc::PTHREAD_MUTEX_DEFAULT
    };
    // SAFETY: `attr` was initialised just above.
    let mut code = unsafe { pthread_mutexattr_setprotocol(attr, protocol) };
    if let (0, Some(ceiling)) = (code, ceiling) {
        // SAFETY: as above.
        code = unsafe { pthread_mutexattr_setprioceiling(attr, c_int::from(ceiling)) };
    }
    if code == 0 {
        // SAFETY: as above.
        code = unsafe { libc::pthread_mutexattr_settype(attr, kind) };
    }
    if code != 0 {
        // SAFETY: initialised above and not used again by the caller on error.
        unsafe { libc::pthread_mutexattr_destroy(attr) };
        return Err(QnxSysError::MutexAttr { code });
    }
    Ok(())
}
