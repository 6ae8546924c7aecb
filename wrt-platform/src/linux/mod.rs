//! [`LinuxResourceProvider`]: memory regions from anonymous `mmap` with guard pages,
//! protection through `mprotect`, hugetlb or transparent huge pages, NUMA binding with
//! `mbind`, and refusal of allocations that would cross the cgroup memory limit.
//!
//! Built with `target_os = "linux"` and the `std` feature (it reads `/proc` and `/sys`).
//! System calls go through `rustix`; `libc` only supplies the `mbind` system-call number.
//! All of it is tested for real on the build machine (see `tests/linux_*.rs`).

pub mod cgroup;
mod error;
mod region;
mod reserved;
#[allow(unsafe_code)]
mod sys;
pub mod sysinfo;

use crate::provider::{
    MemoryLimit, PlatformCapabilities, PlatformResourceProvider, ProtectionSupport, RegionRequest,
    ReleaseError, is_valid_align,
};
use cgroup::CgroupMemory;
pub use error::{LinuxError, Syscall, errno_to_error};
pub use region::{HugePageFallback, LinuxRegion, NumaPlacement, PageKind, ReadWriteRegion};
pub use reserved::{ReservationRequest, ReservedRegion};
use sys::{GuardedMapping, Layout, ReservedMapping};
use sysinfo::SystemPaths;
use wrt_foundation::MemoryProtection;

/// What the Linux provider should try for each region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinuxConfig {
    /// Try hugetlb pages (`MAP_HUGETLB`), falling back to transparent huge pages, then to
    /// normal pages; each region reports what it got.
    pub use_hugetlb: bool,
    /// The hugetlb page size to try; `None` means the system default (`Hugepagesize`).
    pub hugetlb_page_size: Option<usize>,
    /// Bind every region to this NUMA node (where the machine has more than one).
    pub use_numa: Option<u32>,
    /// Refuse allocations that would cross the cgroup memory limit.
    ///
    /// The check is conservative: the whole region (its size in base pages) counts as
    /// charged, although the kernel charges pages only when first touched; hugetlb pages
    /// are accounted by the hugetlb controller, not by `memory.max`.
    pub memory_cgroups: bool,
    /// Where `/proc`, `/sys` and the cgroup file system are.
    pub paths: SystemPaths,
}

/// Memory regions from the Linux kernel. See the [module documentation](self).
///
/// ```
/// use wrt_platform::linux::{LinuxConfig, LinuxResourceProvider};
/// use wrt_platform::RegionRequest;
/// use wrt_foundation::MemoryProtection;
///
/// let provider = LinuxResourceProvider::new(LinuxConfig::default());
/// let mut region = provider.allocate_region(&RegionRequest::new(10_000))?;
/// region.bytes_mut()?.fill(1);
/// region.set_protection(MemoryProtection::READ)?;
/// assert!(region.bytes_mut().is_err());
/// drop(region); // unmapped here
/// # Ok::<(), wrt_platform::linux::LinuxError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LinuxResourceProvider {
    config: LinuxConfig,
    page_size: usize,
}

impl Default for LinuxResourceProvider {
    fn default() -> Self {
        Self::new(LinuxConfig::default())
    }
}

impl LinuxResourceProvider {
    /// A provider with `config`.
    pub fn new(config: LinuxConfig) -> Self {
        Self {
            config,
            page_size: rustix::param::page_size(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LinuxConfig {
        &self.config
    }

    /// The cgroup memory state now, as used by the limit check.
    pub fn cgroup_memory(&self) -> Result<CgroupMemory, LinuxError> {
        let paths = &self.config.paths;
        Ok(cgroup::read_self_memory_state(
            &paths.proc_root,
            &paths.cgroup_root,
        )?)
    }

    /// Refuses `charge` bytes that would cross the cgroup limit; a charge of zero (an empty
    /// region, a reservation with nothing accessible) can cross nothing and reads nothing.
    fn check_cgroup(&self, charge: usize) -> Result<(), LinuxError> {
        if !self.config.memory_cgroups || charge == 0 {
            return Ok(());
        }
        if let CgroupMemory::Limited { limit, usage, .. } = self.cgroup_memory()? {
            let requested = crate::provider::bytes_u64(charge);
            let available = limit.saturating_sub(usage);
            if requested > available {
                log::debug!("region of {requested} bytes refused: {available} of {limit} left");
                return Err(LinuxError::CgroupLimit {
                    requested,
                    available,
                    limit,
                });
            }
        }
        Ok(())
    }

    fn numa_placement(&self) -> Result<NumaPlacement, LinuxError> {
        let Some(node) = self.config.use_numa else {
            return Ok(NumaPlacement::NotRequested);
        };
        let nodes = self.config.paths.numa_nodes();
        let online = nodes.as_ref().map_or(1, sysinfo::NodeList::count);
        // Without a node list the machine has node 0 only, as the kernel without NUMA does.
        let exists = nodes.as_ref().map_or(node == 0, |n| n.contains(node));
        if !exists || node > sys::MAX_NUMA_NODE {
            // The same refusal on every machine: a node that does not exist is a
            // configuration error whether there is one node or many.
            return Err(LinuxError::NumaNodeOffline { node, online });
        }
        if online <= 1 {
            log::warn!("NUMA binding to node {node} asked for, but the machine has one node");
            return Ok(NumaPlacement::SingleNode);
        }
        Ok(NumaPlacement::Bound { node })
    }

    /// The hugetlb page size regions would try: the configured one, else the system
    /// default; `None` when neither is known (or it is not a power of two).
    pub fn hugetlb_page_size(&self) -> Option<usize> {
        self.config
            .hugetlb_page_size
            .or_else(|| self.config.paths.default_huge_page_size())
            .filter(|s| s.is_power_of_two())
    }

    /// Tries hugetlb pages; `Err` carries the fallback reason.
    fn map_hugetlb(
        &self,
        request: &RegionRequest,
        tail_guard: usize,
    ) -> Result<(GuardedMapping, usize), HugePageFallback> {
        let paths = &self.config.paths;
        // An explicitly asked size is checked against the pools the system has; the default
        // size is one of them by definition, so only the asked case reads them up front.
        if let Some(asked) = self.config.hugetlb_page_size {
            let pools = paths.huge_page_sizes();
            if !pools.is_empty() && !pools.iter().any(|pool| pool.size == asked) {
                return Err(HugePageFallback::NoPoolOfSize {
                    page_size: asked,
                    pools: pools.len(),
                });
            }
        }
        let size = self
            .hugetlb_page_size()
            .ok_or(HugePageFallback::NoHugeTlbPool)?;
        let refused = |errno: i32| {
            let free_pages = paths
                .huge_page_sizes()
                .iter()
                .find(|h| h.size == size)
                .map_or(0, |h| h.free);
            HugePageFallback::HugeTlbRefused {
                page_size: size,
                free_pages,
                errno,
            }
        };
        let layout = Layout::new(self.page_size, size, request.align, request.size)
            .and_then(|l| l.with_tail_guard(tail_guard))
            .ok_or_else(|| refused(libc::EINVAL))?;
        GuardedMapping::new(&layout, request.protection, Some(size))
            .map(|m| (m, size))
            .map_err(|e| refused(e.errno.raw_os_error()))
    }

    /// Allocates a region: see [`LinuxConfig`] for what is tried. A refusal leaves
    /// nothing mapped.
    ///
    /// Zero bytes give an empty region: its two guard pages and nothing between them (one
    /// `PROT_NONE` reservation, no body mapped), at an address aligned as asked that
    /// faults when touched. It is charged nothing against the cgroup limit and tries no
    /// huge pages (there is nothing to back); the NUMA node is still checked.
    pub fn allocate_region(&self, request: &RegionRequest) -> Result<LinuxRegion, LinuxError> {
        if !is_valid_align(request.align) {
            return Err(LinuxError::BadAlignment {
                align: request.align,
            });
        }
        let mapped = self.map_span(request, 0, None, self.config.use_hugetlb)?;
        Ok(LinuxRegion {
            mapping: mapped.mapping,
            size: request.size,
            page_kind: mapped.page_kind,
            fallback: mapped.fallback,
            numa: mapped.numa,
        })
    }

    /// Reserves an address range that never moves, with its first bytes read-write and the
    /// rest `PROT_NONE` until [`ReservedRegion::grow_accessible`] makes more of it
    /// accessible with `mprotect`; a guard page before it and
    /// [`guard_after`](ReservationRequest::guard_after) bytes plus a guard page after it
    /// stay inaccessible. Pages are chosen as for [`allocate_region`](Self::allocate_region)
    /// (hugetlb only when the request also allows it; it then backs the whole reservation,
    /// so the pool must hold it all). The cgroup check charges the initially accessible
    /// bytes (a reservation costs address space only); later growth is charged by the
    /// kernel when first touched and not checked beforehand. A refusal leaves nothing
    /// mapped.
    ///
    /// A reservation of zero bytes is empty: the guard page before it and the guard after
    /// it, nothing that can ever become accessible (a memory whose maximum is zero). A
    /// memory that starts empty but may grow reserves its maximum with nothing accessible.
    ///
    /// ```
    /// use wrt_platform::linux::{LinuxResourceProvider, ReservationRequest};
    ///
    /// let provider = LinuxResourceProvider::default();
    /// let mut region = provider.reserve_region(&ReservationRequest::new(1 << 20, 1))?;
    /// let (base, page) = (region.addr(), region.granule());
    /// region.bytes_mut().fill(1);
    /// region.grow_accessible(3 * page)?;
    /// assert_eq!((region.addr(), region.bytes().len()), (base, 3 * page));
    /// assert!(region.grow_accessible(2 << 20).is_err()); // past the reservation
    /// # Ok::<(), wrt_platform::linux::LinuxError>(())
    /// ```
    pub fn reserve_region(
        &self,
        request: &ReservationRequest,
    ) -> Result<ReservedRegion, LinuxError> {
        if !is_valid_align(request.align) {
            return Err(LinuxError::BadAlignment {
                align: request.align,
            });
        }
        if request.accessible > request.reserve {
            return Err(LinuxError::BeyondReservation {
                requested: request.accessible,
                reserved: request.reserve,
            });
        }
        let span = RegionRequest::new(request.reserve)
            .with_align(request.align)
            .with_protection(MemoryProtection::NONE);
        let charge = request
            .accessible
            .checked_next_multiple_of(self.page_size)
            .ok_or(LinuxError::SizeTooLarge {
                requested: request.accessible,
            })?;
        let hugetlb = self.config.use_hugetlb && request.hugetlb;
        let mapped = self.map_span(&span, request.guard_after, Some(charge), hugetlb)?;
        let granule = match mapped.page_kind {
            PageKind::HugeTlb { size } => size,
            PageKind::Normal | PageKind::TransparentHuge { .. } => self.page_size,
        };
        let len = mapped.mapping.body_len();
        let mut mapping = ReservedMapping::new(mapped.mapping, granule).map_err(|_| {
            LinuxError::InvalidArgument {
                call: Syscall::Mprotect,
                len,
                errno: libc::EINVAL,
            }
        })?;
        mapping
            .grow_read_write(request.accessible)
            .map_err(|e| LinuxError::from_sys(e, request.accessible))?;
        Ok(ReservedRegion {
            mapping,
            page_kind: mapped.page_kind,
            fallback: mapped.fallback,
            numa: mapped.numa,
        })
    }

    /// Checks the cgroup (charging `charge`, or the whole body when `None`), maps
    /// `request.size` bytes (trying hugetlb pages when `hugetlb`) followed by
    /// `tail_guard` more inaccessible bytes, and binds it to the NUMA node. An empty body
    /// tries no huge pages of either kind: there is nothing to back.
    fn map_span(
        &self,
        request: &RegionRequest,
        tail_guard: usize,
        charge: Option<usize>,
        hugetlb: bool,
    ) -> Result<Mapped, LinuxError> {
        let too_large = LinuxError::SizeTooLarge {
            requested: request.size,
        };
        let base_layout = Layout::new(self.page_size, self.page_size, request.align, request.size)
            .and_then(|l| l.with_tail_guard(tail_guard))
            .ok_or(too_large)?;
        self.check_cgroup(charge.unwrap_or(base_layout.body_len))?;
        let numa = self.numa_placement()?;

        let mut fallback = None;
        let hugetlb = if hugetlb && request.size > 0 {
            match self.map_hugetlb(request, tail_guard) {
                Ok(mapped) => Some(mapped),
                Err(reason) => {
                    log::warn!("hugetlb pages not used ({reason:?}); falling back");
                    fallback = Some(reason);
                    None
                }
            }
        } else {
            None
        };
        let (mapping, page_kind) = match hugetlb {
            Some((mapping, size)) => (mapping, PageKind::HugeTlb { size }),
            None => self.map_normal(request, &base_layout, tail_guard)?,
        };
        if let NumaPlacement::Bound { node } = numa {
            let len = mapping.body_len();
            mapping
                .bind_to_node(node)
                .map_err(|e| LinuxError::from_sys(e, len))?;
        }
        Ok(Mapped {
            mapping,
            page_kind,
            fallback,
            numa,
        })
    }

    /// Maps base pages, advised for THP when huge pages were asked for.
    fn map_normal(
        &self,
        request: &RegionRequest,
        base_layout: &Layout,
        tail_guard: usize,
    ) -> Result<(GuardedMapping, PageKind), LinuxError> {
        let paths = &self.config.paths;
        let thp = if self.config.use_hugetlb && request.size > 0 {
            match (paths.thp_mode(), paths.thp_page_size()) {
                (Some(mode), Some(size)) if mode.honours_advice() && size.is_power_of_two() => {
                    Some(size)
                }
                (mode, _) => {
                    log::warn!("transparent huge pages unavailable (mode {mode:?}); normal pages");
                    None
                }
            }
        } else {
            None
        };
        // Aligning a large body to the THP size lets the kernel back it with huge pages.
        let layout = match thp {
            Some(size) if request.size >= size => Layout::new(
                self.page_size,
                self.page_size,
                request.align.max(size),
                request.size,
            )
            .and_then(|l| l.with_tail_guard(tail_guard))
            .unwrap_or(*base_layout),
            _ => *base_layout,
        };
        let mapping = GuardedMapping::new(&layout, request.protection, None)
            .map_err(|e| LinuxError::from_sys(e, layout.total))?;
        let kind = match thp {
            Some(size) => match mapping.advise_huge_pages() {
                Ok(()) => PageKind::TransparentHuge { size },
                Err(e) => {
                    log::warn!("madvise(MADV_HUGEPAGE) refused: {e:?}; normal pages");
                    PageKind::Normal
                }
            },
            None => PageKind::Normal,
        };
        Ok((mapping, kind))
    }
}

/// A mapped span before it becomes a [`LinuxRegion`] or a [`ReservedRegion`].
struct Mapped {
    mapping: GuardedMapping,
    page_kind: PageKind,
    fallback: Option<HugePageFallback>,
    numa: NumaPlacement,
}

impl PlatformResourceProvider for LinuxResourceProvider {
    type Region = LinuxRegion;
    type Error = LinuxError;

    fn allocate(&mut self, request: &RegionRequest) -> Result<LinuxRegion, LinuxError> {
        self.allocate_region(request)
    }

    fn release(
        &mut self,
        region: LinuxRegion,
    ) -> Result<(), ReleaseError<LinuxRegion, LinuxError>> {
        region
            .release()
            .map_err(|(region, error)| ReleaseError { region, error })
    }

    fn region_bytes_mut<'r>(
        &'r mut self,
        region: &'r mut LinuxRegion,
    ) -> Result<&'r mut [u8], LinuxError> {
        region.bytes_mut()
    }

    /// Reads the page size, the hugetlb pools (`/sys/kernel/mm/hugepages`), the THP mode,
    /// the online NUMA nodes, the cgroup limit and `vm.max_map_count` (a region takes up
    /// to three mappings) now. A cgroup that cannot be read is reported as unlimited,
    /// with a warning.
    fn get_capabilities(&self) -> PlatformCapabilities {
        let paths = &self.config.paths;
        let memory_limit = match self.cgroup_memory() {
            Ok(CgroupMemory::Limited { limit, usage, .. }) => MemoryLimit::Limited {
                limit,
                in_use: usage,
            },
            Ok(_) => MemoryLimit::Unlimited,
            Err(e) => {
                log::warn!("cgroup memory limit unreadable ({e}); reporting unlimited");
                MemoryLimit::Unlimited
            }
        };
        let max_maps = paths.max_map_count().unwrap_or(65_530);
        PlatformCapabilities {
            page_size: self.page_size,
            huge_page_sizes: paths.huge_page_sizes(),
            transparent_huge_pages: paths
                .thp_mode()
                .is_some_and(sysinfo::ThpMode::honours_advice),
            numa_nodes: paths.numa_nodes().map_or(1, |n| n.count().max(1)),
            memory_limit,
            protection: ProtectionSupport {
                guard_pages: true,
                change_protection: true,
                execute: true,
            },
            max_regions: usize::try_from(max_maps / 3).unwrap_or(usize::MAX),
        }
    }
}
