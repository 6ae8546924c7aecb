//! [`ReservedRegion`]: an address range reserved up front whose read-write prefix grows in
//! place, for memories that must never move (a JIT's linear memory, whose base address is
//! baked into running code) but should cost only what they use.
//!
//! Layout (low to high addresses):
//!
//! ```text
//! [ guard page ][ read-write prefix | PROT_NONE rest of the reservation ][ guard_after + guard page ]
//!               ^ addr()            ^ addr() + accessible_len()          ^ addr() + reserved_len()
//! ```

use core::ops::Range;

use super::error::LinuxError;
use super::region::{HugePageFallback, NumaPlacement, PageKind};
use super::sys::ReservedMapping;

/// What [`LinuxResourceProvider::reserve_region`](super::LinuxResourceProvider::reserve_region)
/// should reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationRequest {
    /// Bytes of address space that can ever become accessible, rounded up to the page
    /// granule; zero gives an empty reservation (guards only, nothing can become
    /// accessible).
    pub reserve: usize,
    /// Bytes made read-write at once (rounded up to the granule); at most `reserve`.
    pub accessible: usize,
    /// Extra inaccessible bytes after the reservation (rounded up to whole pages), beyond the
    /// one guard page every region has: room for code that elides bounds checks to fault.
    pub guard_after: usize,
    /// Alignment of the first byte; a power of two.
    pub align: usize,
    /// Whether hugetlb pages may back it when the provider's
    /// [`LinuxConfig::use_hugetlb`](super::LinuxConfig::use_hugetlb) asks for them. hugetlb
    /// pages are protected whole, so a prefix that must end on a base page cannot use them;
    /// `false` still lets transparent huge pages be tried.
    pub hugetlb: bool,
}

impl ReservationRequest {
    /// `reserve` bytes of which the first `accessible` are read-write, byte aligned, with no
    /// guard beyond the guard pages, hugetlb allowed.
    pub const fn new(reserve: usize, accessible: usize) -> Self {
        Self {
            reserve,
            accessible,
            guard_after: 0,
            align: 1,
            hugetlb: true,
        }
    }

    /// The same with `bytes` more inaccessible after the reservation.
    pub const fn with_guard_after(mut self, bytes: usize) -> Self {
        self.guard_after = bytes;
        self
    }

    /// The same with the first byte aligned to `align`.
    pub const fn with_align(mut self, align: usize) -> Self {
        self.align = align;
        self
    }

    /// The same with hugetlb pages allowed or not.
    pub const fn with_hugetlb(mut self, allowed: bool) -> Self {
        self.hugetlb = allowed;
        self
    }
}

/// A reserved address range from
/// [`LinuxResourceProvider::reserve_region`](super::LinuxResourceProvider::reserve_region):
/// its first [`accessible_len`](Self::accessible_len) bytes are read-write, the rest of the
/// reservation and the guards around it are `PROT_NONE`; growth changes protection with
/// `mprotect` and never moves it. Unmapped on drop.
#[derive(Debug)]
pub struct ReservedRegion {
    pub(super) mapping: ReservedMapping,
    pub(super) page_kind: PageKind,
    pub(super) fallback: Option<HugePageFallback>,
    pub(super) numa: NumaPlacement,
}

impl ReservedRegion {
    /// Address of the first byte; the same for the region's whole life.
    pub fn addr(&self) -> usize {
        self.mapping.mapping().body_addr()
    }

    /// The first byte as a raw pointer, for code that accesses the memory itself (a JIT's
    /// linear memory). Reading or writing through it is that code's own `unsafe`: only the
    /// first [`accessible_len`](Self::accessible_len) bytes are accessible, and only while
    /// the region lives.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.mapping.as_mut_ptr()
    }

    /// Bytes that can become accessible: the reservation rounded up to the granule.
    pub fn reserved_len(&self) -> usize {
        self.mapping.mapping().body_len()
    }

    /// Bytes read-write now (a multiple of the granule).
    pub fn accessible_len(&self) -> usize {
        self.mapping.accessible_len()
    }

    /// The unit protection changes are made in: the base page, or the hugetlb page size.
    pub fn granule(&self) -> usize {
        self.mapping.granule()
    }

    /// Makes the first `len` bytes (rounded up to the granule) read-write, in place; bytes
    /// already accessible stay so. Refused, changing nothing, past the reservation.
    pub fn grow_accessible(&mut self, len: usize) -> Result<(), LinuxError> {
        let reserved = self.reserved_len();
        match len.checked_next_multiple_of(self.granule()) {
            Some(rounded) if rounded <= reserved => {}
            _ => {
                return Err(LinuxError::BeyondReservation {
                    requested: len,
                    reserved,
                });
            }
        }
        self.mapping
            .grow_read_write(len)
            .map_err(|e| LinuxError::from_sys(e, len))
    }

    /// The read-write bytes.
    pub fn bytes(&self) -> &[u8] {
        self.mapping.bytes()
    }

    /// The read-write bytes, for writing.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.mapping.bytes_mut()
    }

    /// The guard page just below the region.
    pub fn guard_before(&self) -> Range<usize> {
        let start = self
            .addr()
            .saturating_sub(self.mapping.mapping().guard_len());
        start..self.addr()
    }

    /// The inaccessible part of the reservation, which growth makes accessible.
    pub fn inaccessible(&self) -> Range<usize> {
        let start = self.addr().saturating_add(self.accessible_len());
        start..self.addr().saturating_add(self.reserved_len())
    }

    /// Everything inaccessible after the reservation: the requested
    /// [`guard_after`](ReservationRequest::guard_after), a guard page, and any alignment
    /// slack.
    pub fn guard_after(&self) -> Range<usize> {
        let start = self.addr().saturating_add(self.reserved_len());
        start..self.mapping.mapping().span_end()
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

    /// Unmaps the region now (dropping it does the same, logging instead of returning a
    /// failure). On failure the region is handed back still mapped.
    #[allow(
        clippy::result_large_err,
        reason = "the region is handed back by value so a failed release loses nothing"
    )]
    pub fn release(self) -> Result<(), (Self, LinuxError)> {
        let Self {
            mapping,
            page_kind,
            fallback,
            numa,
        } = self;
        let len = mapping.mapping().body_len();
        mapping.unmap().map_err(|(mapping, e)| {
            (
                Self {
                    mapping,
                    page_kind,
                    fallback,
                    numa,
                },
                LinuxError::from_sys(e, len),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{LinuxConfig, LinuxResourceProvider};
    use super::*;

    fn page() -> usize {
        rustix::param::page_size()
    }

    fn maps_line(addr: usize) -> Option<alloc::string::String> {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        let prefix = std::format!("{addr:x}-");
        maps.lines()
            .find(|l| l.starts_with(&prefix))
            .map(alloc::string::ToString::to_string)
    }

    fn maps_line_ending_at(addr: usize) -> Option<alloc::string::String> {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        let infix = std::format!("-{addr:x} ");
        maps.lines()
            .find(|l| l.contains(&infix))
            .map(alloc::string::ToString::to_string)
    }

    #[test]
    fn reserves_guards_and_grows_in_place() {
        let provider = LinuxResourceProvider::default();
        let request = ReservationRequest::new(64 * page(), 2 * page())
            .with_guard_after(16 * page())
            .with_align(1 << 16);
        let mut r = provider.reserve_region(&request).unwrap();
        let base = r.addr();
        assert_eq!(base % (1 << 16), 0);
        assert_eq!(
            (r.reserved_len(), r.accessible_len()),
            (64 * page(), 2 * page())
        );
        assert_eq!(r.granule(), page());
        assert_eq!(r.page_kind(), PageKind::Normal);
        assert!(r.guard_after().len() >= 17 * page());
        assert!(r.bytes().iter().all(|b| *b == 0));
        r.bytes_mut().fill(9);

        // rw-p exactly over the prefix, ---p before and after it.
        let rw = maps_line(base).unwrap();
        let end = base + 2 * page();
        assert!(
            rw.starts_with(&std::format!("{base:x}-{end:x} rw-p")),
            "{rw}"
        );
        assert!(maps_line_ending_at(base).unwrap().contains(" ---p "));
        assert!(maps_line(end).unwrap().contains(" ---p "));
        assert_eq!(r.inaccessible(), end..base + 64 * page());

        r.grow_accessible(5 * page() + 1).unwrap();
        assert_eq!((r.addr(), r.accessible_len()), (base, 6 * page()));
        assert!(r.bytes()[..2 * page()].iter().all(|b| *b == 9));
        assert!(r.bytes()[2 * page()..].iter().all(|b| *b == 0));
        let rw = maps_line(base).unwrap();
        assert!(
            rw.starts_with(&std::format!("{base:x}-{:x} rw-p", base + 6 * page())),
            "{rw}"
        );

        assert_eq!(
            r.grow_accessible(64 * page() + 1),
            Err(LinuxError::BeyondReservation {
                requested: 64 * page() + 1,
                reserved: 64 * page()
            })
        );
        assert_eq!(r.accessible_len(), 6 * page());
        r.grow_accessible(64 * page()).unwrap();
        assert!(r.inaccessible().is_empty());
        r.release().unwrap();
    }

    #[test]
    fn refuses_bad_requests_mapping_nothing() {
        let provider = LinuxResourceProvider::default();
        let reserve = |r: ReservationRequest| provider.reserve_region(&r).map(|_| ());
        assert_eq!(
            reserve(ReservationRequest::new(0, 1)),
            Err(LinuxError::BeyondReservation {
                requested: 1,
                reserved: 0
            })
        );
        assert_eq!(
            reserve(ReservationRequest::new(0, 0).with_align(3)),
            Err(LinuxError::BadAlignment { align: 3 })
        );
        assert_eq!(
            reserve(ReservationRequest::new(page(), 2 * page())),
            Err(LinuxError::BeyondReservation {
                requested: 2 * page(),
                reserved: page()
            })
        );
        assert_eq!(
            reserve(ReservationRequest::new(page(), 0).with_align(3)),
            Err(LinuxError::BadAlignment { align: 3 })
        );
        assert!(matches!(
            reserve(ReservationRequest::new(usize::MAX - 10, 0)),
            Err(LinuxError::SizeTooLarge { .. })
        ));
        assert!(matches!(
            reserve(ReservationRequest::new(page(), 0).with_guard_after(usize::MAX)),
            Err(LinuxError::SizeTooLarge { .. })
        ));
        // Nothing accessible at first is allowed.
        let r = provider
            .reserve_region(&ReservationRequest::new(page(), 0))
            .unwrap();
        assert_eq!((r.accessible_len(), r.bytes().len()), (0, 0));
    }

    #[test]
    fn a_large_reservation_costs_address_space_only() {
        // 64 GiB reserved, one page accessible: the cgroup check charges the page.
        let provider = LinuxResourceProvider::new(LinuxConfig {
            memory_cgroups: true,
            ..LinuxConfig::default()
        });
        let r = provider.reserve_region(&ReservationRequest::new(64 << 30, 1));
        if let Err(LinuxError::Cgroup(_)) = r {
            return; // no readable cgroup here; the mapping itself is covered above
        }
        let r = r.unwrap();
        assert_eq!((r.reserved_len(), r.accessible_len()), (64 << 30, page()));
    }

    #[test]
    fn hugetlb_disallowed_by_the_request_still_tries_thp_only() {
        let provider = LinuxResourceProvider::new(LinuxConfig {
            use_hugetlb: true,
            ..LinuxConfig::default()
        });
        let r = provider
            .reserve_region(&ReservationRequest::new(8 << 20, 4096).with_hugetlb(false))
            .unwrap();
        assert_eq!(r.huge_page_fallback(), None);
        assert!(!matches!(r.page_kind(), PageKind::HugeTlb { .. }));
        assert_eq!(r.granule(), page());
    }
}
