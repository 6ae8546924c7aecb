//! [`QnxResourceProvider`]: memory partitions with byte budgets, and the priority
//! inheritance setting of the runtime's mutexes.
//!
//! # What is tested where
//! The provider is split in two:
//! - **Portable part (this module, `partition`, `mutex`)** — partitions with budgets,
//!   allocations charged to a partition and refused with the requested and available
//!   bytes when it is exhausted, refunds on release, and the mutex configuration as data.
//!   It is generic over the memory backend (any [`PlatformResourceProvider`]), so it is
//!   compiled in every feature set and tested on the build host (Linux) with the embedded
//!   and Linux providers as backends (`tests/qnx_portable.rs`, unit tests in `mutex`).
//! - **System-call layer (`sys`, only with `target_os = "nto"` and `std`)** — a backend on
//!   POSIX typed memory (`posix_typed_mem_open` + `mmap`) and the translation of
//!   [`MutexConfig`] into `pthread_mutexattr_setprotocol(PTHREAD_PRIO_INHERIT)` etc. It is
//!   written against the documented QNX Neutrino APIs and is **never compiled or run** on
//!   this project's build machines (there is no QNX toolchain here); it must be built and
//!   tested on a QNX SDP before use.

mod mutex;
mod partition;
#[cfg(all(target_os = "nto", feature = "std"))]
#[allow(unsafe_code)]
pub mod sys;

use thiserror::Error;
use wrt_foundation::BoundedVec;

use crate::provider::{
    IssuerStamp, MemoryLimit, PlatformCapabilities, PlatformResourceProvider, RegionRequest,
    ReleaseError, bytes_u64,
};
pub use mutex::{MutexConfig, MutexConfigError, MutexProtocol};
pub use partition::{Partition, PartitionId};

/// Partitions one provider holds by default.
pub const DEFAULT_PARTITIONS: usize = 8;

/// Why the QNX provider refused; nothing was charged or allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QnxError<E> {
    /// No partition with that index exists.
    #[error("partition {partition} does not exist ({partitions} partitions)")]
    UnknownPartition {
        /// The index asked for.
        partition: usize,
        /// Partitions that exist.
        partitions: usize,
    },
    /// All partition slots are used.
    #[error("all {max} partitions are in use")]
    PartitionTableFull {
        /// Partitions a provider holds.
        max: usize,
    },
    /// The partition's budget cannot take the allocation.
    #[error("partition {partition} exhausted: {requested} bytes requested, {available} available")]
    PartitionExhausted {
        /// The partition.
        partition: usize,
        /// Bytes the allocation would charge (its size rounded up to the backend's page).
        requested: usize,
        /// Bytes left in the partition's budget.
        available: usize,
    },
    /// A budget cannot shrink below what is already charged.
    #[error("partition {partition}: budget {budget} is below the {used} bytes in use")]
    BudgetBelowUsage {
        /// The partition.
        partition: usize,
        /// The budget asked for.
        budget: usize,
        /// Bytes charged now.
        used: usize,
    },
    /// The region was charged by another provider: releasing it here would credit this
    /// provider's partition with a charge it never took.
    #[error("region charged to partition {partition} of another provider")]
    ForeignRegion {
        /// The partition index recorded in the region.
        partition: usize,
    },
    /// [`PlatformResourceProvider::allocate`] was called before a partition was selected.
    #[error("no partition selected for allocations")]
    NoPartitionSelected,
    /// The memory backend refused.
    #[error("memory backend: {0}")]
    Platform(#[source] E),
}

/// A failed release of a [`QnxRegion`] over backend `B`, with the region handed back.
pub type QnxReleaseError<B> = ReleaseError<
    QnxRegion<<B as PlatformResourceProvider>::Region>,
    QnxError<<B as PlatformResourceProvider>::Error>,
>;

/// A region charged to a partition.
#[derive(Debug)]
pub struct QnxRegion<R> {
    inner: R,
    partition: PartitionId,
    charged: usize,
    issuer: IssuerStamp,
}

impl<R> QnxRegion<R> {
    /// The partition it is charged to.
    pub fn partition(&self) -> PartitionId {
        self.partition
    }

    /// Bytes charged (the size rounded up to the backend's page size).
    pub fn charged(&self) -> usize {
        self.charged
    }

    /// The backend's region.
    pub fn inner(&self) -> &R {
        &self.inner
    }
}

/// Partitioned memory over a backend `B` (on QNX: `sys::TypedMemoryProvider`), with the
/// mutex protocol the runtime should use.
///
/// ```
/// use wrt_platform::{PlatformResourceProvider, RegionRequest};
/// use wrt_platform::embedded::EmbeddedResourceProvider;
/// use wrt_platform::qnx::{QnxError, QnxResourceProvider};
///
/// let mut ram = [0u8; 4096];
/// let mut backend: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
/// backend.add_region(&mut ram).map_err(|e| e.to_string())?;
/// let mut qnx: QnxResourceProvider<_> = QnxResourceProvider::new(backend, true);
/// let audio = qnx.create_partition(1000)?;
/// let region = qnx.allocate_in(audio, &RegionRequest::new(600))?;
/// let refused = qnx.allocate_in(audio, &RegionRequest::new(600)).unwrap_err();
/// assert!(matches!(refused, QnxError::PartitionExhausted { requested: 600, available: 400, .. }));
/// qnx.release(region).map_err(|e| e.error)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct QnxResourceProvider<B, const N: usize = DEFAULT_PARTITIONS> {
    backend: B,
    partitions: BoundedVec<Partition, N>,
    selected: Option<PartitionId>,
    priority_inheritance: bool,
    granule: usize,
    issuer: IssuerStamp,
}

impl<B: PlatformResourceProvider, const N: usize> QnxResourceProvider<B, N> {
    /// A provider with no partitions over `backend`; `priority_inheritance` selects the
    /// mutex protocol reported by [`mutex_config`](Self::mutex_config).
    pub fn new(backend: B, priority_inheritance: bool) -> Self {
        let granule = backend.get_capabilities().page_size.max(1);
        Self {
            backend,
            partitions: BoundedVec::new(),
            selected: None,
            priority_inheritance,
            granule,
            issuer: IssuerStamp::fresh(),
        }
    }

    /// Adds a partition of `budget` bytes.
    pub fn create_partition(&mut self, budget: usize) -> Result<PartitionId, QnxError<B::Error>> {
        let id = PartitionId(self.partitions.len());
        self.partitions
            .push(Partition { budget, used: 0 })
            .map_err(|_| QnxError::PartitionTableFull { max: N })?;
        Ok(id)
    }

    /// The partition's budget and usage.
    pub fn partition(&self, id: PartitionId) -> Result<Partition, QnxError<B::Error>> {
        self.partitions
            .get(id.0)
            .copied()
            .ok_or(QnxError::UnknownPartition {
                partition: id.0,
                partitions: self.partitions.len(),
            })
    }

    fn partition_mut(&mut self, id: PartitionId) -> Result<&mut Partition, QnxError<B::Error>> {
        let partitions = self.partitions.len();
        self.partitions
            .get_mut(id.0)
            .ok_or(QnxError::UnknownPartition {
                partition: id.0,
                partitions,
            })
    }

    /// Changes a partition's budget; it may not drop below what is in use.
    pub fn set_budget(&mut self, id: PartitionId, budget: usize) -> Result<(), QnxError<B::Error>> {
        let partition = self.partition_mut(id)?;
        if budget < partition.used {
            return Err(QnxError::BudgetBelowUsage {
                partition: id.0,
                budget,
                used: partition.used,
            });
        }
        partition.budget = budget;
        Ok(())
    }

    /// The partition that [`PlatformResourceProvider::allocate`] charges.
    pub fn select_partition(&mut self, id: PartitionId) -> Result<(), QnxError<B::Error>> {
        self.partition(id)?;
        self.selected = Some(id);
        Ok(())
    }

    /// Allocates from the backend and charges `partition`; refused before the backend is
    /// asked when the budget cannot take it.
    pub fn allocate_in(
        &mut self,
        id: PartitionId,
        request: &RegionRequest,
    ) -> Result<QnxRegion<B::Region>, QnxError<B::Error>> {
        let partition = self.partition(id)?;
        let charge = request
            .size
            .checked_next_multiple_of(self.granule)
            .unwrap_or(usize::MAX);
        if charge > partition.available() {
            log::debug!("partition {} refused {charge} bytes", id.0);
            return Err(QnxError::PartitionExhausted {
                partition: id.0,
                requested: charge,
                available: partition.available(),
            });
        }
        let inner = self.backend.allocate(request).map_err(QnxError::Platform)?;
        let partition = self.partition_mut(id)?;
        partition.used = partition.used.saturating_add(charge);
        Ok(QnxRegion {
            inner,
            partition: id,
            charged: charge,
            issuer: self.issuer,
        })
    }

    /// Releases `region` to the backend and refunds its partition. A region of another
    /// provider is handed back in the error as [`QnxError::ForeignRegion`], its backend
    /// region untouched and no partition credited.
    pub fn release_region(
        &mut self,
        region: QnxRegion<B::Region>,
    ) -> Result<(), QnxReleaseError<B>> {
        let checked = if region.issuer == self.issuer {
            self.partition(region.partition).map(|_| ())
        } else {
            Err(QnxError::ForeignRegion {
                partition: region.partition.0,
            })
        };
        if let Err(error) = checked {
            return Err(ReleaseError { region, error });
        }
        let QnxRegion {
            inner,
            partition,
            charged,
            issuer,
        } = region;
        self.backend.release(inner).map_err(|e| ReleaseError {
            region: QnxRegion {
                inner: e.region,
                partition,
                charged,
                issuer,
            },
            error: QnxError::Platform(e.error),
        })?;
        if let Some(p) = self.partitions.get_mut(partition.0) {
            p.used = p.used.saturating_sub(charged);
        }
        Ok(())
    }

    /// The mutex attributes the runtime's locks should be created with.
    pub fn mutex_config(&self) -> MutexConfig {
        if self.priority_inheritance {
            MutexConfig::PRIORITY_INHERIT
        } else {
            MutexConfig::PLAIN
        }
    }

    /// The memory backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }
}

impl<B: PlatformResourceProvider, const N: usize> PlatformResourceProvider
    for QnxResourceProvider<B, N>
{
    type Region = QnxRegion<B::Region>;
    type Error = QnxError<B::Error>;

    /// Allocates in the selected partition.
    fn allocate(&mut self, request: &RegionRequest) -> Result<Self::Region, Self::Error> {
        let id = self.selected.ok_or(QnxError::NoPartitionSelected)?;
        self.allocate_in(id, request)
    }

    fn release(
        &mut self,
        region: Self::Region,
    ) -> Result<(), ReleaseError<Self::Region, Self::Error>> {
        self.release_region(region)
    }

    fn region_bytes_mut<'r>(
        &'r mut self,
        region: &'r mut Self::Region,
    ) -> Result<&'r mut [u8], Self::Error> {
        self.backend
            .region_bytes_mut(&mut region.inner)
            .map_err(QnxError::Platform)
    }

    /// The backend's capabilities, with the memory limit replaced by the partitions'
    /// total budget (or the backend's limit when that is tighter) and their usage.
    fn get_capabilities(&self) -> PlatformCapabilities {
        let mut caps = self.backend.get_capabilities();
        let (budget, used) = self.partitions.iter().fold((0u64, 0u64), |(b, u), p| {
            (
                b.saturating_add(bytes_u64(p.budget)),
                u.saturating_add(bytes_u64(p.used)),
            )
        });
        let tighter = match caps.memory_limit {
            MemoryLimit::Limited { limit, .. } => limit < budget,
            MemoryLimit::Unlimited => false,
        };
        if !tighter {
            caps.memory_limit = MemoryLimit::Limited {
                limit: budget,
                in_use: used,
            };
        }
        caps
    }
}
