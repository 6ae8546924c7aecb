//! The system-call layer of the Linux provider, and the only place in the crate with
//! `unsafe`: a guarded anonymous mapping that owns its address range.
//!
//! Layout of one mapping (low to high addresses):
//!
//! ```text
//! [ reservation slack (PROT_NONE) ][ guard page (PROT_NONE) ][ body ][ guard page (PROT_NONE) ]
//!   ^ base                                                     ^ body_addr, aligned
//! ```
//!
//! The whole span is first reserved with one `PROT_NONE`, `MAP_NORESERVE` mapping (costs
//! address space, no memory), then the body is mapped over its middle with `MAP_FIXED`,
//! so the guard pages are ours and no other mapping can ever be placed next to the body.
//! An empty body (zero bytes) is not mapped at all: the span is then the guards alone, and
//! the body address is where the guard after it begins.

use core::ffi::c_void;
use core::ptr::NonNull;

use rustix::io::Errno;
use rustix::mm::{self, Advice, MapFlags, MprotectFlags, ProtFlags};
use wrt_foundation::MemoryProtection;

use super::error::Syscall;

/// A failed system call: which one and the errno it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SysError {
    pub(crate) call: Syscall,
    pub(crate) errno: Errno,
}

fn fail(call: Syscall) -> impl FnOnce(Errno) -> SysError {
    move |errno| SysError { call, errno }
}

/// `MPOL_BIND` from `<linux/mempolicy.h>` (a policy mode, not a system-call number; neither
/// libc nor rustix export it). Stable kernel ABI since Linux 2.6.7.
const MPOL_BIND: libc::c_int = 2;

/// Nodes representable in the mask passed to `mbind` (the kernel's default `MAX_NUMNODES`
/// is at most 1024).
pub(crate) const MAX_NUMA_NODE: u32 = 1023;

/// Sizes and offsets of a mapping, all checked; computed before any system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) page: usize,
    pub(crate) body_align: usize,
    pub(crate) body_len: usize,
    pub(crate) total: usize,
}

impl Layout {
    /// `size` usable bytes in pages of `granule` (base or huge page), the body aligned to
    /// `body_align`; `None` when a size overflows or an argument is not a power of two.
    /// A `size` of zero gives an empty body: the span is then its guard pages alone.
    pub(crate) fn new(page: usize, granule: usize, body_align: usize, size: usize) -> Option<Self> {
        if !page.is_power_of_two() || !granule.is_power_of_two() || !body_align.is_power_of_two() {
            return None;
        }
        let body_align = body_align.max(page).max(granule);
        let body_len = size.checked_next_multiple_of(granule)?;
        // base + page is page aligned, so aligning it up adds at most body_align - page.
        let total = body_align.checked_add(body_len)?.checked_add(page)?;
        if isize::try_from(total).is_err() {
            return None;
        }
        Some(Self {
            page,
            body_align,
            body_len,
            total,
        })
    }

    /// The same layout with `bytes` more (rounded up to whole pages) of `PROT_NONE`
    /// reservation after the body's guard page; `None` when the span would overflow.
    pub(crate) fn with_tail_guard(self, bytes: usize) -> Option<Self> {
        let tail = bytes.checked_next_multiple_of(self.page)?;
        let total = self.total.checked_add(tail)?;
        isize::try_from(total).ok()?;
        Some(Self { total, ..self })
    }
}

fn prot_flags(p: MemoryProtection) -> ProtFlags {
    let mut flags = ProtFlags::empty();
    flags.set(ProtFlags::READ, p.read);
    flags.set(ProtFlags::WRITE, p.write);
    flags.set(ProtFlags::EXEC, p.execute);
    flags
}

fn mprotect_flags(p: MemoryProtection) -> MprotectFlags {
    MprotectFlags::from_bits_retain(prot_flags(p).bits())
}

/// An owned anonymous mapping with a guard page on each side of its body.
#[derive(Debug)]
pub(crate) struct GuardedMapping {
    base: NonNull<c_void>,
    total: usize,
    body: NonNull<c_void>,
    body_len: usize,
    page: usize,
    protection: MemoryProtection,
}

// SAFETY: the mapping is owned memory like a `Box<[u8]>`: nothing else refers to it, and
// access goes through `&self` (shared reads) or `&mut self` (exclusive writes).
unsafe impl Send for GuardedMapping {}
// SAFETY: `&GuardedMapping` only gives out `&[u8]`, which is fine to share across threads.
unsafe impl Sync for GuardedMapping {}

impl GuardedMapping {
    /// Reserves `layout.total` bytes and maps the body with `protection`, in huge pages of
    /// `hugetlb_size` when given (`MAP_HUGETLB`; the body is then a multiple of it). An
    /// empty body is not mapped (`mmap` of zero bytes is `EINVAL`): the reservation alone
    /// is the mapping, and `protection` is only recorded.
    pub(crate) fn new(
        layout: &Layout,
        protection: MemoryProtection,
        hugetlb_size: Option<usize>,
    ) -> Result<Self, SysError> {
        // SAFETY: a fresh anonymous mapping at an address the kernel chooses cannot alias
        // any Rust object; PROT_NONE means nothing can touch it yet.
        let base = unsafe {
            mm::mmap_anonymous(
                core::ptr::null_mut(),
                layout.total,
                ProtFlags::empty(),
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )
        }
        .map_err(fail(Syscall::Mmap))?;
        let base = NonNull::new(base).ok_or(SysError {
            call: Syscall::Mmap,
            errno: Errno::NOMEM,
        })?;
        // From here on, dropping `mapping` unmaps the whole span if anything below fails.
        let mut mapping = Self {
            base,
            total: layout.total,
            body: base,
            body_len: 0,
            page: layout.page,
            protection: MemoryProtection::NONE,
        };
        let first_usable = base.addr().get().checked_add(layout.page);
        let body_addr = first_usable.and_then(|a| a.checked_next_multiple_of(layout.body_align));
        let offset = body_addr
            .and_then(|a| a.checked_sub(base.addr().get()))
            .ok_or(SysError {
                call: Syscall::Mmap,
                errno: Errno::NOMEM,
            })?;
        // SAFETY: `offset + body_len + page <= total` by construction of `Layout`, so the
        // pointer stays inside the reservation.
        let body_hint = unsafe { base.byte_add(offset) };
        if layout.body_len == 0 {
            mapping.body = body_hint;
            mapping.protection = protection;
            return Ok(mapping);
        }
        let mut flags = MapFlags::PRIVATE | MapFlags::FIXED;
        if let Some(huge) = hugetlb_size {
            let log2 = huge.trailing_zeros();
            let shift = libc::MAP_HUGE_SHIFT.unsigned_abs();
            flags |= MapFlags::HUGETLB | MapFlags::from_bits_retain(log2 << shift);
        }
        // SAFETY: MAP_FIXED replaces part of our own PROT_NONE reservation (nothing else
        // can live there), with fresh zeroed anonymous memory.
        let body = unsafe {
            mm::mmap_anonymous(
                body_hint.as_ptr(),
                layout.body_len,
                prot_flags(protection),
                flags,
            )
        }
        .map_err(fail(Syscall::Mmap))?;
        mapping.body = NonNull::new(body).unwrap_or(body_hint);
        mapping.body_len = layout.body_len;
        mapping.protection = protection;
        Ok(mapping)
    }

    /// Changes the body's protection; the guard pages stay `PROT_NONE`. An empty body has
    /// no page to change: the protection is only recorded.
    pub(crate) fn set_protection(&mut self, protection: MemoryProtection) -> Result<(), SysError> {
        if self.body_len == 0 {
            self.protection = protection;
            return Ok(());
        }
        // SAFETY: the range is our body; `&mut self` guarantees no slice of it is alive,
        // so no reference can observe the change.
        unsafe {
            mm::mprotect(
                self.body.as_ptr(),
                self.body_len,
                mprotect_flags(protection),
            )
        }
        .map_err(fail(Syscall::Mprotect))?;
        self.protection = protection;
        Ok(())
    }

    /// Asks for transparent huge pages on the body (`MADV_HUGEPAGE`); nothing to advise
    /// for an empty body.
    pub(crate) fn advise_huge_pages(&self) -> Result<(), SysError> {
        if self.body_len == 0 {
            return Ok(());
        }
        // SAFETY: advice on our own range changes no contents.
        unsafe { mm::madvise(self.body.as_ptr(), self.body_len, Advice::LinuxHugepage) }
            .map_err(fail(Syscall::Madvise))
    }

    /// Binds the body's pages to NUMA `node` (`mbind(MPOL_BIND)`); an empty body has no
    /// page to bind (the node is still checked).
    pub(crate) fn bind_to_node(&self, node: u32) -> Result<(), SysError> {
        if node > MAX_NUMA_NODE {
            return Err(SysError {
                call: Syscall::Mbind,
                errno: Errno::INVAL,
            });
        }
        if self.body_len == 0 {
            return Ok(());
        }
        const WORD_BITS: u32 = libc::c_ulong::BITS;
        const WORDS: usize = (MAX_NUMA_NODE as usize + 1) / WORD_BITS as usize;
        let mut mask = [0 as libc::c_ulong; WORDS];
        let word = usize::try_from(node / WORD_BITS).unwrap_or(usize::MAX);
        if let Some(w) = mask.get_mut(word) {
            *w = 1 << (node % WORD_BITS);
        }
        // The kernel reads `maxnode - 1` bits (a historic off-by-one libnuma also follows).
        let maxnode = (WORDS as libc::c_ulong)
            .saturating_mul(WORD_BITS.into())
            .saturating_add(1);
        // SAFETY: mbind reads `mask` (WORDS words, alive for the call) and only changes the
        // placement policy of our own body range; contents are untouched.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_mbind,
                self.body.as_ptr(),
                self.body_len as libc::c_ulong,
                MPOL_BIND as libc::c_ulong,
                mask.as_ptr(),
                maxnode,
                0 as libc::c_ulong,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let raw = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        Err(SysError {
            call: Syscall::Mbind,
            errno: Errno::from_raw_os_error(raw),
        })
    }

    /// The body, when its protection allows reading.
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        self.protection.read.then(|| {
            // SAFETY: `body_len` bytes at `body` are mapped readable (checked just above)
            // and stay so while `&self` lives, because protection changes need `&mut self`;
            // an empty body gives an empty slice at a non-null pointer, which reads nothing.
            unsafe { core::slice::from_raw_parts(self.body.as_ptr().cast::<u8>(), self.body_len) }
        })
    }

    /// The body for writing, when its protection allows reading and writing.
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        (self.protection.read && self.protection.write).then(|| {
            // SAFETY: mapped read-write (checked above), exclusively ours through `&mut self`;
            // an empty body gives an empty slice, which touches nothing.
            unsafe {
                core::slice::from_raw_parts_mut(self.body.as_ptr().cast::<u8>(), self.body_len)
            }
        })
    }

    /// Address of the first body byte.
    pub(crate) fn body_addr(&self) -> usize {
        self.body.addr().get()
    }

    /// One past the last byte of the whole span (the end of the guard after the body).
    pub(crate) fn span_end(&self) -> usize {
        self.base.addr().get().saturating_add(self.total)
    }

    /// Bytes of the body, rounded up to its page granule.
    pub(crate) fn body_len(&self) -> usize {
        self.body_len
    }

    /// Base page size used for the guard pages.
    pub(crate) fn guard_len(&self) -> usize {
        self.page
    }

    /// The body's current protection.
    pub(crate) fn protection(&self) -> MemoryProtection {
        self.protection
    }

    /// Unmaps the whole span now; on failure the mapping is handed back intact.
    pub(crate) fn unmap(self) -> Result<(), (Self, SysError)> {
        // SAFETY: the span is ours and, with `self` consumed, nothing refers to it.
        match unsafe { mm::munmap(self.base.as_ptr(), self.total) } {
            Ok(()) => {
                core::mem::forget(self);
                Ok(())
            }
            Err(errno) => Err((
                self,
                SysError {
                    call: Syscall::Munmap,
                    errno,
                },
            )),
        }
    }
}

/// A guarded mapping whose body is a reservation: mapped `PROT_NONE`, of which a prefix is
/// made read-write with `mprotect` and only ever grows, so the body never moves.
#[derive(Debug)]
pub(crate) struct ReservedMapping {
    mapping: GuardedMapping,
    granule: usize,
    accessible: usize,
}

impl ReservedMapping {
    /// Takes a mapping whose body is `PROT_NONE` (as [`GuardedMapping::new`] made it with
    /// [`MemoryProtection::NONE`]) in pages of `granule` bytes; nothing is accessible yet.
    /// A mapping with another protection is handed back.
    pub(crate) fn new(mapping: GuardedMapping, granule: usize) -> Result<Self, GuardedMapping> {
        if mapping.protection != MemoryProtection::NONE || !granule.is_power_of_two() {
            return Err(mapping);
        }
        Ok(Self {
            mapping,
            granule,
            accessible: 0,
        })
    }

    /// Makes the body's first `len` bytes, rounded up to the granule, read-write; bytes
    /// already accessible stay so (the prefix never shrinks). `EINVAL` when the rounded
    /// length exceeds the body; on failure nothing changed.
    pub(crate) fn grow_read_write(&mut self, len: usize) -> Result<(), SysError> {
        let invalid = SysError {
            call: Syscall::Mprotect,
            errno: Errno::INVAL,
        };
        let target = len.checked_next_multiple_of(self.granule).ok_or(invalid)?;
        if target > self.mapping.body_len {
            return Err(invalid);
        }
        let Some(grow_by) = target.checked_sub(self.accessible).filter(|n| *n > 0) else {
            return Ok(());
        };
        // SAFETY: `accessible <= target <= body_len`, so the pointer stays inside our body.
        let start = unsafe { self.mapping.body.byte_add(self.accessible) };
        // SAFETY: `[accessible, target)` lies in our body and is still PROT_NONE, so no Rust
        // reference to it can exist; making it readable and writable invalidates nothing.
        unsafe {
            mm::mprotect(
                start.as_ptr(),
                grow_by,
                MprotectFlags::READ | MprotectFlags::WRITE,
            )
        }
        .map_err(fail(Syscall::Mprotect))?;
        self.accessible = target;
        Ok(())
    }

    /// Read-write bytes at the start of the body (a multiple of the granule).
    pub(crate) fn accessible_len(&self) -> usize {
        self.accessible
    }

    /// The page granule protection changes are made in.
    pub(crate) fn granule(&self) -> usize {
        self.granule
    }

    /// The mapping itself (addresses, guard sizes, advice, binding).
    pub(crate) fn mapping(&self) -> &GuardedMapping {
        &self.mapping
    }

    /// The first body byte, as a raw pointer for code (a JIT) that accesses the memory
    /// itself; using it is up to that code's own safety argument.
    pub(crate) fn as_mut_ptr(&self) -> *mut u8 {
        self.mapping.body.as_ptr().cast::<u8>()
    }

    /// The read-write prefix.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `accessible` bytes at the body are mapped read-write and stay so while
        // `&self` lives (growing needs `&mut self` and never revokes access).
        unsafe { core::slice::from_raw_parts(self.as_mut_ptr(), self.accessible) }
    }

    /// The read-write prefix for writing.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: mapped read-write (as above) and exclusively ours through `&mut self`.
        unsafe { core::slice::from_raw_parts_mut(self.as_mut_ptr(), self.accessible) }
    }

    /// Unmaps the whole span now; on failure the mapping is handed back intact.
    pub(crate) fn unmap(self) -> Result<(), (Self, SysError)> {
        let Self {
            mapping,
            granule,
            accessible,
        } = self;
        mapping.unmap().map_err(|(mapping, e)| {
            (
                Self {
                    mapping,
                    granule,
                    accessible,
                },
                e,
            )
        })
    }
}

impl Drop for GuardedMapping {
    fn drop(&mut self) {
        // SAFETY: the span is ours; `drop` runs once and no borrow of it can outlive `self`.
        if let Err(errno) = unsafe { mm::munmap(self.base.as_ptr(), self.total) } {
            log::warn!(
                "munmap of {} bytes at {:#x} failed (errno {}); address space leaked",
                self.total,
                self.base.addr().get(),
                errno.raw_os_error()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_rounds_and_refuses_overflow() {
        let l = Layout::new(4096, 4096, 1, 1).unwrap();
        assert_eq!((l.body_len, l.total), (4096, 3 * 4096));
        let h = Layout::new(4096, 2 << 20, 1, 1).unwrap();
        assert_eq!((h.body_align, h.body_len), (2 << 20, 2 << 20));
        assert_eq!(h.total, (4 << 20) + 4096);
        assert!(Layout::new(4096, 4096, 1, usize::MAX - 10).is_none());
        assert!(Layout::new(4096, 4096, 3, 10).is_none());
        let empty = Layout::new(4096, 4096, 1 << 16, 0).unwrap();
        assert_eq!((empty.body_len, empty.total), (0, (1 << 16) + 4096));
    }

    #[test]
    fn an_empty_body_is_the_guards_alone() {
        let layout = Layout::new(page(), page(), 1 << 16, 0)
            .unwrap()
            .with_tail_guard(2 * page())
            .unwrap();
        let mut m = GuardedMapping::new(&layout, MemoryProtection::READ_WRITE, None).unwrap();
        assert_eq!((m.body_addr() % (1 << 16), m.body_len()), (0, 0));
        assert!(m.span_end() - m.body_addr() >= 3 * page());
        assert_eq!(m.bytes_mut().map(|b| b.len()), Some(0));
        m.set_protection(MemoryProtection::NONE).unwrap();
        assert!(m.bytes().is_none());
        m.advise_huge_pages().unwrap();
        m.bind_to_node(0).unwrap();
        let mut r = ReservedMapping::new(m, page()).unwrap();
        r.grow_read_write(0).unwrap();
        let past = r.grow_read_write(1).unwrap_err();
        assert_eq!((past.call, past.errno), (Syscall::Mprotect, Errno::INVAL));
        assert_eq!(r.bytes().len(), 0);
        r.unmap().unwrap();
    }

    #[test]
    fn body_is_aligned_and_zeroed() {
        let layout = Layout::new(
            rustix::param::page_size(),
            rustix::param::page_size(),
            1 << 16,
            100,
        )
        .unwrap();
        let mut m = GuardedMapping::new(&layout, MemoryProtection::READ_WRITE, None).unwrap();
        assert_eq!(m.body_addr() % (1 << 16), 0);
        assert!(m.bytes_mut().unwrap().iter().all(|b| *b == 0));
        m.set_protection(MemoryProtection::NONE).unwrap();
        assert!(m.bytes().is_none() && m.bytes_mut().is_none());
        m.unmap().unwrap();
    }

    fn page() -> usize {
        rustix::param::page_size()
    }

    #[test]
    fn mprotect_on_bad_ranges_maps_to_typed_errors() {
        use crate::linux::error::{LinuxError, errno_to_error};
        let layout = Layout::new(page(), page(), 1, page()).unwrap();
        let m = GuardedMapping::new(&layout, MemoryProtection::READ_WRITE, None).unwrap();
        let body = m.body.as_ptr();
        // An address that is not page aligned: EINVAL.
        // SAFETY: the call is refused before anything changes.
        let unaligned = unsafe {
            mm::mprotect(
                body.cast::<u8>().wrapping_add(1).cast(),
                1,
                MprotectFlags::READ,
            )
        }
        .unwrap_err();
        assert!(matches!(
            errno_to_error(Syscall::Mprotect, 1, unaligned),
            LinuxError::InvalidArgument {
                errno: libc::EINVAL,
                ..
            }
        ));
        m.unmap().unwrap();
        // A range above every user address space (2^63): no mapping there, ENOMEM.
        let high = core::ptr::without_provenance_mut::<c_void>(1usize << 63);
        // SAFETY: no process can have a mapping there, so nothing can change.
        let unmapped = unsafe { mm::mprotect(high, page(), MprotectFlags::READ) }.unwrap_err();
        assert!(matches!(
            errno_to_error(Syscall::Mprotect, page(), unmapped),
            LinuxError::OutOfMemory {
                errno: libc::ENOMEM,
                ..
            }
        ));
    }

    #[test]
    fn tail_guard_extends_the_span_only() {
        let l = Layout::new(4096, 4096, 1, 1).unwrap();
        let t = l.with_tail_guard(5000).unwrap();
        assert_eq!((t.body_len, t.total), (4096, 3 * 4096 + 8192));
        assert!(l.with_tail_guard(usize::MAX).is_none());
        assert!(l.with_tail_guard(isize::MAX as usize - 4096).is_none());
    }

    #[test]
    fn reserved_mapping_grows_in_place_by_granules() {
        let layout = Layout::new(page(), page(), 1, 8 * page())
            .unwrap()
            .with_tail_guard(4 * page())
            .unwrap();
        let m = GuardedMapping::new(&layout, MemoryProtection::NONE, None).unwrap();
        assert_eq!(m.span_end() - m.body_addr(), 8 * page() + 5 * page());
        let mut r = ReservedMapping::new(m, page()).unwrap();
        assert_eq!((r.accessible_len(), r.bytes().len()), (0, 0));
        let base = r.as_mut_ptr();
        r.grow_read_write(1).unwrap();
        assert_eq!(r.accessible_len(), page());
        r.bytes_mut().fill(7);
        r.grow_read_write(3 * page() + 1).unwrap();
        assert_eq!((r.accessible_len(), r.as_mut_ptr()), (4 * page(), base));
        assert!(r.bytes()[..page()].iter().all(|b| *b == 7));
        assert!(r.bytes()[page()..].iter().all(|b| *b == 0));
        // Never shrinks; never past the body.
        r.grow_read_write(page()).unwrap();
        assert_eq!(r.accessible_len(), 4 * page());
        let past = r.grow_read_write(8 * page() + 1).unwrap_err();
        assert_eq!((past.call, past.errno), (Syscall::Mprotect, Errno::INVAL));
        assert_eq!(r.accessible_len(), 4 * page());
        r.grow_read_write(8 * page()).unwrap();
        r.unmap().unwrap();
    }

    #[test]
    fn reserved_mapping_refuses_an_accessible_body() {
        let layout = Layout::new(page(), page(), 1, page()).unwrap();
        let m = GuardedMapping::new(&layout, MemoryProtection::READ_WRITE, None).unwrap();
        let mut m = ReservedMapping::new(m, page()).unwrap_err();
        m.set_protection(MemoryProtection::NONE).unwrap();
        let m = ReservedMapping::new(m, 3).unwrap_err();
        assert!(ReservedMapping::new(m, page()).is_ok());
    }

    #[test]
    fn mbind_to_node_zero_shows_in_numa_maps() {
        let layout = Layout::new(page(), page(), 1, 4 * page()).unwrap();
        let mut m = GuardedMapping::new(&layout, MemoryProtection::READ_WRITE, None).unwrap();
        m.bind_to_node(0).unwrap();
        m.bytes_mut().unwrap().fill(1);
        let numa_maps = std::fs::read_to_string("/proc/self/numa_maps").unwrap();
        let line = numa_maps
            .lines()
            .find(|l| l.starts_with(&std::format!("{:x} ", m.body_addr())))
            .unwrap();
        assert!(line.contains("bind:0"), "{line}");
        assert_eq!(
            m.bind_to_node(MAX_NUMA_NODE + 1),
            Err(SysError {
                call: Syscall::Mbind,
                errno: Errno::INVAL
            })
        );
        // A node that is not online is refused by the kernel.
        let offline = m.bind_to_node(MAX_NUMA_NODE).unwrap_err();
        assert_eq!(offline.call, Syscall::Mbind);
    }
}
