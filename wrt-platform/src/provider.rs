//! [`PlatformResourceProvider`]: the one interface through which the runtime asks a platform
//! for memory, and learns beforehand what the platform can give.
//!
//! The trait is the same on every platform so an integrator can write the admission policy
//! once; what differs is reported through [`PlatformCapabilities`], read from the real system
//! (Linux: `/proc`, `/sys`, the cgroup files) or from what the integrator handed in (embedded).

use core::fmt;

use portable_atomic::{AtomicUsize, Ordering};

use wrt_foundation::{BoundedVec, MemoryProtection};

/// How many distinct huge page sizes [`PlatformCapabilities`] can list. Linux on x86-64 has
/// two (2 MiB, 1 GiB); arm64 has four (64 KiB, 2 MiB, 32 MiB, 1 GiB).
pub const MAX_HUGE_PAGE_SIZES: usize = 4;

/// What a caller asks for when allocating a memory region.
///
/// ```
/// use wrt_platform::RegionRequest;
/// use wrt_foundation::MemoryProtection;
///
/// let req = RegionRequest::new(64 * 1024).with_align(4096);
/// assert_eq!(req.protection, MemoryProtection::READ_WRITE);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionRequest {
    /// Usable bytes wanted; zero asks for an empty region (see
    /// [`PlatformResourceProvider`], *Empty regions*).
    pub size: usize,
    /// Alignment of the first usable byte; a power of two.
    pub align: usize,
    /// Access the region starts with.
    pub protection: MemoryProtection,
}

impl RegionRequest {
    /// `size` bytes, byte-aligned, read-write: what WebAssembly linear memory needs.
    pub const fn new(size: usize) -> Self {
        Self {
            size,
            align: 1,
            protection: MemoryProtection::READ_WRITE,
        }
    }

    /// The same request with the first byte aligned to `align`.
    pub const fn with_align(mut self, align: usize) -> Self {
        self.align = align;
        self
    }

    /// The same request starting with `protection`.
    pub const fn with_protection(mut self, protection: MemoryProtection) -> Self {
        self.protection = protection;
        self
    }
}

/// One huge page size the platform offers, with how many pages of it are free right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HugePageSize {
    /// Bytes per page.
    pub size: usize,
    /// Pages reserved in the pool (Linux `nr_hugepages`).
    pub total: u64,
    /// Pages free at the moment of the query (Linux `free_hugepages`).
    pub free: u64,
}

/// The memory ceiling that applies to this process, as far as the provider can see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLimit {
    /// No limit is set (cgroup `max`, no cgroup, or nothing declared by the integrator).
    Unlimited,
    /// A hard limit: allocations that would take `in_use` past `limit` are refused.
    Limited {
        /// The ceiling in bytes.
        limit: u64,
        /// Bytes already charged against it.
        in_use: u64,
    },
}

impl MemoryLimit {
    /// Bytes that can still be allocated, `None` when unlimited.
    pub const fn available(&self) -> Option<u64> {
        match *self {
            MemoryLimit::Unlimited => None,
            MemoryLimit::Limited { limit, in_use } => Some(limit.saturating_sub(in_use)),
        }
    }
}

/// Which memory protection features the provider can enforce (not merely record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtectionSupport {
    /// Regions are surrounded by inaccessible pages, so a linear overrun faults.
    pub guard_pages: bool,
    /// Protection can be changed after allocation (Linux `mprotect`).
    pub change_protection: bool,
    /// Executable regions can be requested.
    pub execute: bool,
}

/// What a platform can give, read before asking, so admission can refuse a module that
/// could never be served instead of failing half-way through instantiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCapabilities {
    /// The granule of protection and of region sizes, in bytes (1 where there is no MMU).
    pub page_size: usize,
    /// Huge page sizes configured on the system, with their current free counts.
    pub huge_page_sizes: BoundedVec<HugePageSize, MAX_HUGE_PAGE_SIZES>,
    /// Transparent huge pages can be requested per region (Linux `madvise`).
    pub transparent_huge_pages: bool,
    /// NUMA nodes online; 1 on a uniform-memory machine.
    pub numa_nodes: u32,
    /// The memory ceiling in force now.
    pub memory_limit: MemoryLimit,
    /// What protection the provider enforces.
    pub protection: ProtectionSupport,
    /// How many regions may exist at once.
    pub max_regions: usize,
}

impl PlatformCapabilities {
    /// Huge page sizes that have at least one free page right now.
    pub fn available_huge_page_sizes(&self) -> impl Iterator<Item = &HugePageSize> {
        self.huge_page_sizes.iter().filter(|h| h.free > 0)
    }
}

/// A region that could not be released, handed back to the caller unchanged.
///
/// Release consumes the region; when it fails, the caller gets it back so nothing is lost
/// and the operation changes nothing.
pub struct ReleaseError<R, E> {
    /// The region, still allocated.
    pub region: R,
    /// Why it could not be released.
    pub error: E,
}

impl<R, E: fmt::Debug> fmt::Debug for ReleaseError<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleaseError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<R, E: fmt::Display> fmt::Display for ReleaseError<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "region not released: {}", self.error)
    }
}

impl<R, E: core::error::Error + 'static> core::error::Error for ReleaseError<R, E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A source of memory regions on one platform.
///
/// Regions are handles (`Self::Region`): on Linux the handle owns the mapping and unmaps it
/// when dropped; on embedded targets it names a range of a static region and must be given
/// back with [`release`](Self::release) (dropping it leaks the range, never corrupts it).
///
/// # Empty regions
///
/// A request of zero bytes is valid — a WebAssembly `(memory 0 0)`, or a memory with no
/// initial pages — and every provider serves it by the same rule: it is checked like any
/// other request (alignment, protection, configuration), then answered with an *empty
/// region* whose usable bytes are an empty slice. An empty region takes no memory and
/// charges nothing against any limit or budget (cgroup, partition, static RAM), so it is
/// served even when none is left; it is refused only for what refuses a request of any
/// size (a bad alignment, an unsupported protection, a configuration error, or a provider
/// with nowhere to put it: the kernel out of address space, an embedded provider without
/// regions). It is released like any other region, and that gives back all it took.
///
/// What an empty region holds is the provider's own business: on Linux its guard pages
/// alone (an inaccessible address range, so its address faults); on QNX whatever the
/// backend's empty region holds, charged to the partition as zero bytes (typed memory: no
/// mapping at all); on embedded targets an anchor in a static region that takes no block.
/// With no first byte to align, only the Linux address is aligned as asked. A memory that
/// starts empty and grows later reserves its maximum up front instead (Linux:
/// `reserve_region` with nothing accessible at first).
pub trait PlatformResourceProvider {
    /// The handle of an allocated region.
    type Region;
    /// Why an operation failed; every variant carries the numbers involved.
    type Error: core::error::Error + 'static;

    /// Allocates a region as described by `request`; zero bytes give an empty region (see
    /// the trait documentation). A refusal changes nothing.
    fn allocate(&mut self, request: &RegionRequest) -> Result<Self::Region, Self::Error>;

    /// Gives `region` back to the platform.
    fn release(
        &mut self,
        region: Self::Region,
    ) -> Result<(), ReleaseError<Self::Region, Self::Error>>;

    /// The usable bytes of `region`: exactly the requested size, no more.
    ///
    /// Fails when the region's current protection does not allow reading and writing, so a
    /// slice never points at memory that would fault.
    fn region_bytes_mut<'r>(
        &'r mut self,
        region: &'r mut Self::Region,
    ) -> Result<&'r mut [u8], Self::Error>;

    /// What the platform can give, read from the system now.
    fn get_capabilities(&self) -> PlatformCapabilities;
}

/// `n` bytes as a `u64` (lossless on every target Rust supports; saturating otherwise), for
/// the byte counts of [`MemoryLimit`].
pub(crate) fn bytes_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Which provider state issued a handle. Handles carry no lifetime, so a handle can outlive
/// its provider, and a later provider over the same memory (a runtime reset over the same
/// static RAM) shares every index and address with it: only a stamp drawn once per issuer
/// from one program-wide counter tells the two apart. On a 32-bit target the counter repeats
/// after 2^32 issuers; on 64-bit it never does in practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IssuerStamp(usize);

impl IssuerStamp {
    /// A stamp no earlier issuer of this program run holds.
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// `true` when `align` is a usable alignment: a non-zero power of two.
pub(crate) const fn is_valid_align(align: usize) -> bool {
    align.is_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limit_available_saturates() {
        let over = MemoryLimit::Limited {
            limit: 10,
            in_use: 12,
        };
        assert_eq!(over.available(), Some(0));
        assert_eq!(MemoryLimit::Unlimited.available(), None);
    }

    #[test]
    fn request_builders_set_fields() {
        let r = RegionRequest::new(8)
            .with_align(16)
            .with_protection(MemoryProtection::READ);
        assert_eq!(
            (r.size, r.align, r.protection),
            (8, 16, MemoryProtection::READ)
        );
        assert!(!is_valid_align(0) && !is_valid_align(3) && is_valid_align(1));
    }
}
