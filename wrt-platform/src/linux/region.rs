//! [`LinuxRegion`]: an mmap'd region with guard pages, released when dropped.

use core::ops::Range;

use wrt_foundation::MemoryProtection;
use wrt_foundation::memory::Access;

use super::error::LinuxError;
use super::sys::GuardedMapping;

/// Which pages back a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Ordinary base pages.
    Normal,
    /// Eligible for transparent huge pages (`MADV_HUGEPAGE` accepted); the kernel decides
    /// per fault whether a `size`-byte huge page is used.
    TransparentHuge {
        /// The THP page size (`hpage_pmd_size`).
        size: usize,
    },
    /// Reserved hugetlb pages (`MAP_HUGETLB`).
    HugeTlb {
        /// The huge page size.
        size: usize,
    },
}

/// Why a region asked to use hugetlb pages did not get them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HugePageFallback {
    /// The system has no hugetlb pool at all.
    NoHugeTlbPool,
    /// The system has hugetlb pools, but none of the page size asked for (a size that is
    /// not a power of two never has one).
    NoPoolOfSize {
        /// The page size asked for.
        page_size: usize,
        /// Pools the system has (of other sizes).
        pools: usize,
    },
    /// `mmap(MAP_HUGETLB)` was refused (typically `ENOMEM`: no free pages of that size).
    HugeTlbRefused {
        /// The huge page size tried.
        page_size: usize,
        /// Free pages of that size just after the refusal.
        free_pages: u64,
        /// The errno of the refused `mmap`.
        errno: i32,
    },
}

/// Where a region's pages are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumaPlacement {
    /// No binding was asked for.
    NotRequested,
    /// Binding was asked for, but the machine has a single node: nothing to choose.
    SingleNode,
    /// Bound with `mbind(MPOL_BIND)` to this node.
    Bound {
        /// The node.
        node: u32,
    },
}

/// A memory region from [`LinuxResourceProvider`](super::LinuxResourceProvider): anonymous
/// memory with an inaccessible guard page directly before and after it, unmapped on drop.
///
/// An empty region (zero bytes asked for) is the two guard pages alone: its
/// [`addr`](Self::addr) is where [`guard_after`](Self::guard_after) begins, its bytes are
/// an empty slice, and a protection change is only recorded.
#[derive(Debug)]
pub struct LinuxRegion {
    pub(super) mapping: GuardedMapping,
    pub(super) size: usize,
    pub(super) page_kind: PageKind,
    pub(super) fallback: Option<HugePageFallback>,
    pub(super) numa: NumaPlacement,
}

impl LinuxRegion {
    /// Usable bytes: exactly the requested size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes actually mapped (the size rounded up to the page granule).
    pub fn mapped_len(&self) -> usize {
        self.mapping.body_len()
    }

    /// Which pages back it.
    pub fn page_kind(&self) -> PageKind {
        self.page_kind
    }

    /// Why hugetlb pages were not used, when they were asked for and not obtained.
    pub fn huge_page_fallback(&self) -> Option<HugePageFallback> {
        self.fallback
    }

    /// Where its pages are placed.
    pub fn numa_placement(&self) -> NumaPlacement {
        self.numa
    }

    /// Current protection of the usable bytes.
    pub fn protection(&self) -> MemoryProtection {
        self.mapping.protection()
    }

    /// Address of the first usable byte (for diagnostics such as `/proc/self/maps`).
    pub fn addr(&self) -> usize {
        self.mapping.body_addr()
    }

    /// The guard page just below the region.
    pub fn guard_before(&self) -> Range<usize> {
        let start = self.addr().saturating_sub(self.mapping.guard_len());
        start..self.addr()
    }

    /// The guard page just above the mapped bytes.
    pub fn guard_after(&self) -> Range<usize> {
        let start = self.addr().saturating_add(self.mapped_len());
        start..start.saturating_add(self.mapping.guard_len())
    }

    /// Changes the protection with `mprotect`; the guard pages stay inaccessible. On
    /// failure the protection is unchanged.
    pub fn set_protection(&mut self, protection: MemoryProtection) -> Result<(), LinuxError> {
        let len = self.mapped_len();
        self.mapping
            .set_protection(protection)
            .map_err(|e| LinuxError::from_sys(e, len))
    }

    /// The usable bytes, when the protection allows reading.
    pub fn bytes(&self) -> Result<&[u8], LinuxError> {
        let denied = self.denied(Access::Read);
        self.mapping
            .bytes()
            .and_then(|b| b.get(..self.size))
            .ok_or(denied)
    }

    /// The usable bytes for writing, when the protection allows reading and writing.
    pub fn bytes_mut(&mut self) -> Result<&mut [u8], LinuxError> {
        let denied = self.denied(Access::Write);
        let size = self.size;
        self.mapping
            .bytes_mut()
            .and_then(|b| b.get_mut(..size))
            .ok_or(denied)
    }

    /// Copies `data` to `offset`; refuses (writing nothing) past the usable size.
    pub fn write_at(&mut self, offset: usize, data: &[u8]) -> Result<(), LinuxError> {
        let range = self.checked_range(offset, data.len())?;
        let out_of_bounds = LinuxError::OutOfBounds {
            offset,
            len: data.len(),
            size: self.size,
        };
        self.bytes_mut()?
            .get_mut(range)
            .ok_or(out_of_bounds)?
            .copy_from_slice(data);
        Ok(())
    }

    /// Copies bytes from `offset` into `out`; refuses past the usable size.
    pub fn read_at(&self, offset: usize, out: &mut [u8]) -> Result<(), LinuxError> {
        let range = self.checked_range(offset, out.len())?;
        let bytes = self.bytes()?;
        out.copy_from_slice(bytes.get(range).ok_or(LinuxError::OutOfBounds {
            offset,
            len: out.len(),
            size: self.size,
        })?);
        Ok(())
    }

    fn checked_range(&self, offset: usize, len: usize) -> Result<Range<usize>, LinuxError> {
        match offset.checked_add(len) {
            Some(end) if end <= self.size => Ok(offset..end),
            _ => Err(LinuxError::OutOfBounds {
                offset,
                len,
                size: self.size,
            }),
        }
    }

    fn denied(&self, access: Access) -> LinuxError {
        LinuxError::AccessDenied {
            access,
            protection: self.protection(),
        }
    }

    /// Unmaps the region now (dropping it does the same, logging instead of returning a
    /// failure). On failure the region is handed back still mapped.
    #[allow(
        clippy::result_large_err,
        reason = "the region is handed back by value so a failed release loses nothing"
    )]
    pub fn release(self) -> Result<(), (Self, LinuxError)> {
        let Self {
            mapping,
            size,
            page_kind,
            fallback,
            numa,
        } = self;
        let len = mapping.body_len();
        mapping.unmap().map_err(|(mapping, e)| {
            (
                Self {
                    mapping,
                    size,
                    page_kind,
                    fallback,
                    numa,
                },
                LinuxError::from_sys(e, len),
            )
        })
    }
}

/// A [`LinuxRegion`] that stays read-write for its whole life, so it can lend its bytes
/// infallibly (`AsRef<[u8]>` / `AsMut<[u8]>`) and serve as the owned backing of a
/// `wrt_foundation` linear memory (`FixedStorage<ReadWriteRegion>`) or memory pool.
///
/// It has no way to change the protection; take the region back with
/// [`into_region`](Self::into_region) for that.
#[derive(Debug)]
pub struct ReadWriteRegion(LinuxRegion);

impl LinuxRegion {
    /// Wraps the region for use as a storage backing; handed back unchanged when its
    /// protection is not read-write.
    pub fn into_read_write(self) -> Result<ReadWriteRegion, LinuxRegion> {
        let p = self.protection();
        if p.read && p.write {
            Ok(ReadWriteRegion(self))
        } else {
            Err(self)
        }
    }
}

impl ReadWriteRegion {
    /// The region, for its address, page kind and guard pages.
    pub fn region(&self) -> &LinuxRegion {
        &self.0
    }

    /// The region back, to change its protection or release it explicitly.
    pub fn into_region(self) -> LinuxRegion {
        self.0
    }
}

impl AsRef<[u8]> for ReadWriteRegion {
    fn as_ref(&self) -> &[u8] {
        // Read-write by construction, so this is never the empty fallback.
        self.0.bytes().unwrap_or(&[])
    }
}

impl AsMut<[u8]> for ReadWriteRegion {
    fn as_mut(&mut self) -> &mut [u8] {
        self.0.bytes_mut().unwrap_or(&mut [])
    }
}
