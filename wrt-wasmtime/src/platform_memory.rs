//! [`PlatformMemoryCreator`]: wasmtime linear memories backed by wrt-platform Linux regions.
//!
//! Opt-in, for integrators who want a store's linear memories to come from the same
//! provider as the rest of the runtime's memory: hugetlb or transparent huge pages and NUMA
//! binding as their [`LinuxConfig`] says, guard pages around every memory, and the page
//! kind and placement reported by wrt-platform rather than left to wasmtime's own `mmap`.
//!
//! Each memory is one [`ReservedRegion`]: an address range reserved up front that never
//! moves, of which only the first `byte_size` bytes (rounded up to the page) are read-write.
//! Growth makes more of the reservation read-write with `mprotect`; it never copies or
//! relocates, so code compiled against the base address stays valid. wasmtime's JIT elides
//! bounds checks on the promise that everything from the current size up to the end of the
//! reservation plus its guard faults, and the region keeps that promise: the rest of the
//! reservation and the `guard_size_in_bytes` after it are `PROT_NONE`.
//!
//! The limiter is unaffected: wasmtime asks the store's [`ResourceLimiter`](wasmtime::ResourceLimiter)
//! before it calls the creator, so every figure the [`Governor`](crate::Governor) keeps is
//! the same with or without it.
//!
//! This is the only module of the crate with `unsafe`: wasmtime's [`MemoryCreator`] and
//! [`LinearMemory`] are unsafe traits, because the JIT reads and writes through the pointer
//! they hand out.

use core::fmt;
use std::sync::Arc;

use wasmtime::{Config, LinearMemory, MemoryCreator, MemoryType};
use wrt_platform::linux::{
    LinuxConfig, LinuxError, LinuxResourceProvider, PageKind, ReservationRequest, ReservedRegion,
};

/// Bytes reserved for a memory when wasmtime gives no reservation (or zero) and the memory
/// has no maximum: 4 GiB, every address a 32-bit memory can form (half the address space
/// on a 32-bit host).
pub const DEFAULT_RESERVATION: usize = match 1usize.checked_shl(32) {
    Some(four_gib) => four_gib,
    None => 1 << 31,
};

/// A [`MemoryCreator`] whose linear memories are wrt-platform [`ReservedRegion`]s made by a
/// [`LinuxResourceProvider`] with the integrator's [`LinuxConfig`].
///
/// ```
/// use wrt_platform::linux::LinuxConfig;
/// use wrt_wasmtime::{EngineOptions, GovernedEngine, PlatformMemoryCreator};
/// use wrt_component::{RuntimeBudget, engine::SharedBudget};
/// use std::sync::Arc;
///
/// let mut config = wasmtime::Config::new();
/// PlatformMemoryCreator::new(LinuxConfig::default()).install(&mut config);
/// let budget = Arc::new(SharedBudget::new(RuntimeBudget::unlimited()));
/// let engine = GovernedEngine::with_config(config, EngineOptions::default(), budget)?;
/// # Ok::<(), wasmtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PlatformMemoryCreator {
    provider: LinuxResourceProvider,
}

impl PlatformMemoryCreator {
    /// A creator whose regions follow `config` (hugetlb/THP, NUMA node, cgroup check).
    ///
    /// hugetlb pages are protected whole, so a memory whose size could end inside one
    /// would leave bytes past its size accessible where wasm needs a fault: hugetlb is
    /// therefore used only for memories that cannot grow (minimum equal to maximum) and
    /// whose size is a multiple of the hugetlb page. Every other memory gets transparent
    /// huge pages, when `config.use_hugetlb` is set and the system honours the advice.
    pub fn new(config: LinuxConfig) -> Self {
        Self {
            provider: LinuxResourceProvider::new(config),
        }
    }

    /// The provider the regions come from.
    pub fn provider(&self) -> &LinuxResourceProvider {
        &self.provider
    }

    /// Installs the creator on `config` (`with_host_memory`) for every linear memory its
    /// engine creates on demand, and turns off wasmtime's copy-on-write memory
    /// initialisation (`memory_init_cow(false)`), which needs memories wasmtime mapped
    /// itself; data segments are then copied in at instantiation.
    ///
    /// Memories from the pooling allocator do not come through a creator: keep wasmtime's
    /// default on-demand allocation strategy with it.
    pub fn install(self, config: &mut Config) -> &mut Config {
        config
            .with_host_memory(Arc::new(self))
            .memory_init_cow(false)
    }

    /// The region for one memory, as [`MemoryCreator::new_memory`] describes it: reserved
    /// for `reserved` bytes (else the maximum, else [`DEFAULT_RESERVATION`]), of which
    /// `minimum` are read-write, with `guard` inaccessible bytes after the reservation.
    ///
    /// When the maximum is below the reservation, only the maximum can become accessible
    /// and the rest of the reservation is part of the guard after it. A memory whose
    /// maximum is zero (`(memory 0 0)`) is an empty reservation: all of it is guard.
    fn region(
        &self,
        minimum: usize,
        maximum: Option<usize>,
        reserved: Option<usize>,
        guard: usize,
    ) -> Result<PlatformMemory, PlatformMemoryError> {
        let span = reserved
            .filter(|r| *r > 0)
            .or(maximum)
            .unwrap_or(DEFAULT_RESERVATION)
            .max(minimum);
        let body = maximum.map_or(span, |m| m.min(span)).max(minimum);
        let tail =
            span.saturating_sub(body)
                .checked_add(guard)
                .ok_or(PlatformMemoryError::TooLarge {
                    reserve: span,
                    guard,
                })?;
        let hugetlb = self.provider.config().use_hugetlb
            && minimum > 0
            && maximum == Some(minimum)
            && self
                .provider
                .hugetlb_page_size()
                .and_then(|size| minimum.checked_rem(size))
                == Some(0);
        let request = ReservationRequest::new(body, minimum)
            .with_guard_after(tail)
            .with_hugetlb(hugetlb);
        let region = self.provider.reserve_region(&request).map_err(|error| {
            PlatformMemoryError::Reserve {
                reserve: body,
                accessible: minimum,
                guard: tail,
                error,
            }
        })?;
        if let Some(reason) = region.huge_page_fallback() {
            log::debug!("linear memory of {minimum} bytes: hugetlb not used ({reason:?})");
        }
        Ok(PlatformMemory {
            region,
            len: minimum,
            maximum,
        })
    }
}

/// Why a linear memory could not be created or grown; every figure in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlatformMemoryError {
    /// The reservation and its guard do not fit the address space.
    TooLarge {
        /// Bytes to reserve.
        reserve: usize,
        /// Guard bytes after it.
        guard: usize,
    },
    /// wrt-platform refused the region.
    Reserve {
        /// Bytes that could ever become accessible.
        reserve: usize,
        /// Bytes asked to be accessible at once.
        accessible: usize,
        /// Inaccessible bytes after the reservation.
        guard: usize,
        /// What wrt-platform said.
        error: LinuxError,
    },
    /// Growth past the memory's maximum.
    AboveMaximum {
        /// Size asked for.
        requested: usize,
        /// The maximum.
        maximum: usize,
    },
    /// Growth to a size that is not a whole number of the region's pages (hugetlb pages are
    /// protected whole), or to below the current size.
    Unaligned {
        /// Current size.
        size: usize,
        /// Size asked for.
        requested: usize,
        /// The page granule.
        granule: usize,
    },
    /// wrt-platform refused to make the bytes accessible (past the reservation, or the
    /// kernel's `mprotect` failed).
    Grow {
        /// Current size.
        size: usize,
        /// Size asked for.
        requested: usize,
        /// What wrt-platform said.
        error: LinuxError,
    },
}

impl fmt::Display for PlatformMemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { reserve, guard } => write!(
                f,
                "a linear memory reservation of {reserve} bytes with a {guard}-byte guard \
                 overflows the address space"
            ),
            Self::Reserve {
                reserve,
                accessible,
                guard,
                error,
            } => write!(
                f,
                "reserving {reserve} bytes ({accessible} accessible, {guard}-byte guard after) \
                 for a linear memory: {error}"
            ),
            Self::AboveMaximum { requested, maximum } => write!(
                f,
                "linear memory growth to {requested} bytes exceeds its maximum of {maximum}"
            ),
            Self::Unaligned {
                size,
                requested,
                granule,
            } => write!(
                f,
                "linear memory of {size} bytes cannot grow to {requested} bytes: not a \
                 larger multiple of its {granule}-byte pages"
            ),
            Self::Grow {
                size,
                requested,
                error,
            } => write!(
                f,
                "linear memory of {size} bytes cannot grow to {requested} bytes: {error}"
            ),
        }
    }
}

impl std::error::Error for PlatformMemoryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Reserve { error, .. } | Self::Grow { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// One linear memory: its region, its wasm size and maximum.
#[derive(Debug)]
struct PlatformMemory {
    region: ReservedRegion,
    len: usize,
    maximum: Option<usize>,
}

impl PlatformMemory {
    fn grow(&mut self, new_size: usize) -> Result<(), PlatformMemoryError> {
        if let Some(maximum) = self.maximum.filter(|m| new_size > *m) {
            return Err(PlatformMemoryError::AboveMaximum {
                requested: new_size,
                maximum,
            });
        }
        let granule = self.region.granule();
        let whole_pages = match self.region.page_kind() {
            // Base pages: wasm sizes are multiples of its 64 KiB page, and custom page
            // sizes below the host page make wasmtime keep its bounds checks.
            PageKind::Normal | PageKind::TransparentHuge { .. } => true,
            PageKind::HugeTlb { .. } => new_size.checked_rem(granule) == Some(0),
        };
        if new_size < self.len || !whole_pages {
            return Err(PlatformMemoryError::Unaligned {
                size: self.len,
                requested: new_size,
                granule,
            });
        }
        self.region
            .grow_accessible(new_size)
            .map_err(|error| PlatformMemoryError::Grow {
                size: self.len,
                requested: new_size,
                error,
            })?;
        self.len = new_size;
        Ok(())
    }
}

// SAFETY: the contract is that the memory is page aligned, zero filled, guarded, and does
// not move while growing up to `byte_capacity`:
// - `as_ptr` is the region's first byte, page aligned (a `ReservedRegion` starts on a page)
//   and the same for the region's whole life: nothing here remaps or moves it;
// - the first `byte_size` bytes are read-write and zero when created (fresh anonymous
//   memory), because `grow` only updates `len` after `grow_accessible` made them so;
// - everything from the accessible prefix to the end of the reservation, and the
//   `guard_size_in_bytes` asked for after it, is `PROT_NONE` (`ReservedRegion` guarantees
//   it), so the JIT's elided bounds checks fault instead of reaching other memory;
// - the region is owned by this value only and unmapped when wasmtime drops it; nothing
//   else in the host touches the bytes.
unsafe impl LinearMemory for PlatformMemory {
    fn byte_size(&self) -> usize {
        self.len
    }

    fn byte_capacity(&self) -> usize {
        self.region.reserved_len()
    }

    fn grow_to(&mut self, new_size: usize) -> wasmtime::Result<()> {
        self.grow(new_size).map_err(wasmtime::Error::new)
    }

    fn as_ptr(&self) -> *mut u8 {
        self.region.as_mut_ptr()
    }
}

// SAFETY: every memory it returns is a fresh `PlatformMemory` (see the `LinearMemory`
// argument above) owned by wasmtime alone; `reserved_size_in_bytes`, when given, is
// reserved whole (`region` spans it: the accessible body plus the rest as guard), and
// `guard_size_in_bytes` more are inaccessible after it, as `new_memory` requires.
unsafe impl MemoryCreator for PlatformMemoryCreator {
    fn new_memory(
        &self,
        _ty: MemoryType,
        minimum: usize,
        maximum: Option<usize>,
        reserved_size_in_bytes: Option<usize>,
        guard_size_in_bytes: usize,
    ) -> Result<Box<dyn LinearMemory>, String> {
        self.region(
            minimum,
            maximum,
            reserved_size_in_bytes,
            guard_size_in_bytes,
        )
        .map(|memory| Box::new(memory) as Box<dyn LinearMemory>)
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 65_536;

    fn creator() -> PlatformMemoryCreator {
        PlatformMemoryCreator::new(LinuxConfig::default())
    }

    #[test]
    fn reservation_is_the_given_one_else_the_maximum_else_the_default() {
        let c = creator();
        let m = c.region(PAGE, None, Some(1 << 30), 1 << 20).unwrap();
        assert_eq!((m.byte_size(), m.byte_capacity()), (PAGE, 1 << 30));
        assert!(m.region.guard_after().len() > 1 << 20);
        let m = c.region(PAGE, Some(4 * PAGE), None, 0).unwrap();
        assert_eq!(m.byte_capacity(), 4 * PAGE);
        let m = c.region(PAGE, None, Some(0), 0).unwrap();
        assert_eq!(m.byte_capacity(), DEFAULT_RESERVATION);
        let m = c.region(0, Some(0), Some(0), 0).unwrap();
        assert_eq!((m.byte_size(), m.region.accessible_len()), (0, 0));
    }

    #[test]
    fn a_memory_with_maximum_zero_is_all_guard() {
        let mut m = creator()
            .region(0, Some(0), Some(1 << 30), 1 << 20)
            .unwrap();
        assert_eq!((m.byte_size(), m.byte_capacity()), (0, 0));
        let guard = m.region.guard_after();
        assert_eq!(guard.start, m.region.addr());
        assert!(guard.len() >= (1 << 30) + (1 << 20));
        m.grow_to(0).unwrap();
        assert_eq!(
            m.grow(PAGE),
            Err(PlatformMemoryError::AboveMaximum {
                requested: PAGE,
                maximum: 0
            })
        );
        // No initial page and no maximum: it starts empty and grows into its reservation.
        let mut m = creator().region(0, None, Some(1 << 30), 0).unwrap();
        m.grow_to(PAGE).unwrap();
        assert_eq!(m.region.accessible_len(), PAGE);
    }

    #[test]
    fn a_maximum_below_the_reservation_turns_the_rest_into_guard() {
        let m = creator()
            .region(PAGE, Some(3 * PAGE), Some(1 << 30), 1 << 20)
            .unwrap();
        assert_eq!(m.byte_capacity(), 3 * PAGE);
        let guard = m.region.guard_after();
        assert_eq!(guard.start, m.region.addr() + 3 * PAGE);
        assert!(guard.len() >= (1 << 30) - 3 * PAGE + (1 << 20));
    }

    #[test]
    fn grows_in_place_and_refuses_with_figures() {
        let mut m = creator().region(PAGE, Some(3 * PAGE), None, 0).unwrap();
        let base = m.as_ptr();
        m.grow_to(2 * PAGE).unwrap();
        assert_eq!((m.byte_size(), m.as_ptr()), (2 * PAGE, base));
        assert_eq!(m.region.accessible_len(), 2 * PAGE);
        assert_eq!(
            m.grow(4 * PAGE),
            Err(PlatformMemoryError::AboveMaximum {
                requested: 4 * PAGE,
                maximum: 3 * PAGE
            })
        );
        assert!(matches!(
            m.grow(PAGE),
            Err(PlatformMemoryError::Unaligned { size, requested, .. })
                if size == 2 * PAGE && requested == PAGE
        ));
        let mut unbounded = creator().region(PAGE, None, Some(2 * PAGE), 0).unwrap();
        let error = unbounded.grow(3 * PAGE).unwrap_err();
        assert!(matches!(
            error,
            PlatformMemoryError::Grow {
                error: LinuxError::BeyondReservation { reserved, .. },
                ..
            } if reserved == 2 * PAGE
        ));
        assert!(
            error.to_string().contains(&(3 * PAGE).to_string()),
            "{error}"
        );
        assert_eq!(unbounded.byte_size(), PAGE);
    }

    #[test]
    fn an_impossible_reservation_is_an_error_with_its_figures() {
        let error = creator()
            .new_memory(
                MemoryType::new(0, Some(1)),
                0,
                Some(PAGE),
                Some(usize::MAX - PAGE),
                usize::MAX,
            )
            .map(|_| ())
            .unwrap_err();
        assert!(error.contains("overflows"), "{error}");
        let error = creator()
            .region(usize::MAX - PAGE, None, None, 0)
            .unwrap_err();
        assert!(matches!(
            error,
            PlatformMemoryError::Reserve {
                error: LinuxError::SizeTooLarge { .. },
                ..
            }
        ));
    }
}
