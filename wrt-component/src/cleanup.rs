//! [`ResourceCleanupManager`]: deferred deallocation with bounded retries.

use core::time::Duration;

use wrt_foundation::Timestamp;

use crate::backend::Backend;
use crate::error::ResourceError;
use crate::id::ResourceId;
use crate::manager::{ResourceEntry, ResourceManager};
use crate::metadata::Metadata;

/// Something a cleanup cycle can deallocate resources from.
pub trait CleanupTarget {
    /// Bytes the resource is charged, read *before* it is freed.
    fn cleanup_size(&self, id: ResourceId) -> Result<usize, ResourceError>;
    /// Deallocates the resource. An error that is not a bad handle (see
    /// [`ResourceError::is_bad_handle`]) is retried in a later cycle.
    fn cleanup(&mut self, id: ResourceId) -> Result<(), ResourceError>;
}

/// A plain manager's cleanup is deallocation.
impl<T, B: Backend<ResourceEntry<T>>, M: Backend<Metadata>> CleanupTarget
    for ResourceManager<T, B, M>
{
    fn cleanup_size(&self, id: ResourceId) -> Result<usize, ResourceError> {
        Ok(self.descriptor(id)?.charged_bytes())
    }

    fn cleanup(&mut self, id: ResourceId) -> Result<(), ResourceError> {
        self.deallocate(id)?;
        Ok(())
    }
}

/// A queued cleanup: the resource and how many cycles already failed to free it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanupRequest {
    /// The resource to free.
    pub id: ResourceId,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Queue storage for cleanup requests: fixed or growable.
pub trait CleanupQueue {
    /// Appends, or hands the request back when full.
    fn push_back(&mut self, request: CleanupRequest) -> Result<(), CleanupRequest>;
    /// Takes the oldest request.
    fn pop_front(&mut self) -> Option<CleanupRequest>;
    /// Requests queued.
    fn len(&self) -> usize;
    /// `true` when nothing is queued.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The most requests it can hold, or `None` when it grows.
    fn capacity(&self) -> Option<usize>;
}

impl<const N: usize> CleanupQueue for heapless::Deque<CleanupRequest, N> {
    fn push_back(&mut self, request: CleanupRequest) -> Result<(), CleanupRequest> {
        heapless::Deque::push_back(self, request)
    }

    fn pop_front(&mut self) -> Option<CleanupRequest> {
        heapless::Deque::pop_front(self)
    }

    fn len(&self) -> usize {
        heapless::Deque::len(self)
    }

    fn capacity(&self) -> Option<usize> {
        Some(N)
    }
}

#[cfg(feature = "alloc")]
impl CleanupQueue for alloc::collections::VecDeque<CleanupRequest> {
    fn push_back(&mut self, request: CleanupRequest) -> Result<(), CleanupRequest> {
        // Ask the allocator first so that running out of memory is a refusal, not an abort.
        if self.try_reserve(1).is_err() {
            return Err(request);
        }
        alloc::collections::VecDeque::push_back(self, request);
        Ok(())
    }

    fn pop_front(&mut self) -> Option<CleanupRequest> {
        alloc::collections::VecDeque::pop_front(self)
    }

    fn len(&self) -> usize {
        alloc::collections::VecDeque::len(self)
    }

    fn capacity(&self) -> Option<usize> {
        None
    }
}

/// What cleanup cycles did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CleanupStats {
    /// Resources freed.
    pub resources_cleaned: u64,
    /// Bytes (size hints) of the freed resources, read before each was freed.
    pub memory_freed: u64,
    /// Failed attempts, including those retried later.
    pub cleanup_errors: u64,
    /// Requests abandoned: attempts exhausted, or a bad handle (forged, foreign, wrong type).
    pub given_up: u64,
    /// Requests whose resource was already gone (stale id: dropped directly or with its
    /// component). Not an error: the goal of the request is met.
    pub already_released: u64,
    /// Requests put back for a later cycle.
    pub requeued: u64,
}

impl CleanupStats {
    fn add(&mut self, other: &Self) {
        self.resources_cleaned = self
            .resources_cleaned
            .saturating_add(other.resources_cleaned);
        self.memory_freed = self.memory_freed.saturating_add(other.memory_freed);
        self.cleanup_errors = self.cleanup_errors.saturating_add(other.cleanup_errors);
        self.given_up = self.given_up.saturating_add(other.given_up);
        self.already_released = self.already_released.saturating_add(other.already_released);
        self.requeued = self.requeued.saturating_add(other.requeued);
    }
}

/// How cleanup retries and how often it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CleanupConfig {
    /// Attempts per request before it is given up (at least 1).
    pub max_attempts: u32,
    /// Minimum time between cycles for [`ResourceCleanupManager::run_if_due`].
    pub interval: Duration,
}

impl Default for CleanupConfig {
    /// Three attempts, a cycle at most every 10 ms: a failure that persists over three
    /// cycles is not transient, and 10 ms keeps cleanup off the hot path of a busy runtime.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            interval: Duration::from_millis(10),
        }
    }
}

/// A cleanup queue with `N` requests inline: no heap.
pub type FixedCleanupManager<const N: usize> =
    ResourceCleanupManager<heapless::Deque<CleanupRequest, N>>;

/// A cleanup queue on the heap (feature `alloc`).
#[cfg(feature = "alloc")]
pub type GrowableCleanupManager =
    ResourceCleanupManager<alloc::collections::VecDeque<CleanupRequest>>;

/// Deferred cleanup: resources are queued now and freed in a later cycle.
///
/// A cycle tries each request that was queued when it started exactly once. A failure is
/// re-queued with its attempt count (behind everything else, so it is not retried in the
/// same cycle) until `max_attempts`, then given up and reported with `log::warn`. A cycle
/// therefore always ends, after at most as many attempts as there were requests.
///
/// ```
/// use wrt_component::{FixedResourceManager, ManagerTag, ResourceCategory, ResourceDescriptor};
/// use wrt_component::cleanup::{CleanupConfig, FixedCleanupManager};
/// use wrt_foundation::Timestamp;
///
/// let mut buffers: FixedResourceManager<[u8; 4], 8> = FixedResourceManager::new(ManagerTag(0));
/// let desc = ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(4);
/// let id = buffers.allocate([0; 4], desc)?;
///
/// let mut cleanup: FixedCleanupManager<16> = FixedCleanupManager::new(CleanupConfig::default());
/// cleanup.schedule(id)?;
/// let cycle = cleanup.perform_cleanup(&mut buffers, Timestamp::ZERO);
/// assert_eq!((cycle.resources_cleaned, cycle.memory_freed), (1, 4));
/// assert!(buffers.is_empty());
/// # Ok::<(), wrt_component::ResourceError>(())
/// ```
pub struct ResourceCleanupManager<Q> {
    queue: Q,
    config: CleanupConfig,
    last_cleanup: Option<Timestamp>,
    totals: CleanupStats,
}

impl<Q: CleanupQueue + Default> ResourceCleanupManager<Q> {
    /// An empty queue.
    pub fn new(config: CleanupConfig) -> Self {
        Self::with_queue(Q::default(), config)
    }
}

impl<Q: CleanupQueue> ResourceCleanupManager<Q> {
    /// A manager over a given (normally empty) queue.
    pub const fn with_queue(queue: Q, config: CleanupConfig) -> Self {
        Self {
            queue,
            config,
            last_cleanup: None,
            totals: CleanupStats {
                resources_cleaned: 0,
                memory_freed: 0,
                cleanup_errors: 0,
                given_up: 0,
                already_released: 0,
                requeued: 0,
            },
        }
    }

    /// Queues `id` for the next cycle; refused when the queue is full.
    pub fn schedule(&mut self, id: ResourceId) -> Result<(), ResourceError> {
        self.queue
            .push_back(CleanupRequest { id, attempts: 0 })
            .map_err(|_| {
                let capacity = self.queue.capacity().unwrap_or(self.queue.len());
                log::debug!("cleanup queue full ({capacity}): {id} refused");
                ResourceError::CleanupQueueFull { capacity }
            })
    }

    /// Requests waiting.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The configuration.
    pub const fn config(&self) -> &CleanupConfig {
        &self.config
    }

    /// Totals over every cycle so far.
    pub const fn totals(&self) -> &CleanupStats {
        &self.totals
    }

    /// When the last cycle ran.
    pub const fn last_cleanup(&self) -> Option<Timestamp> {
        self.last_cleanup
    }

    /// `true` when no cycle ran yet or `interval` has passed since the last one.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.last_cleanup
            .is_none_or(|last| now.saturating_duration_since(last) >= self.config.interval)
    }

    /// Runs a cycle if [`is_due`](Self::is_due).
    pub fn run_if_due(
        &mut self,
        target: &mut impl CleanupTarget,
        now: Timestamp,
    ) -> Option<CleanupStats> {
        self.is_due(now).then(|| self.perform_cleanup(target, now))
    }

    /// One cycle: tries every request queued at the start once; returns what it did.
    pub fn perform_cleanup(
        &mut self,
        target: &mut impl CleanupTarget,
        now: Timestamp,
    ) -> CleanupStats {
        let mut cycle = CleanupStats::default();
        let max_attempts = self.config.max_attempts.max(1);
        for _ in 0..self.queue.len() {
            let Some(mut request) = self.queue.pop_front() else {
                break;
            };
            let id = request.id;
            let outcome = target
                .cleanup_size(id)
                .and_then(|bytes| target.cleanup(id).map(|()| bytes));
            match outcome {
                Ok(bytes) => {
                    cycle.resources_cleaned = cycle.resources_cleaned.saturating_add(1);
                    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
                    cycle.memory_freed = cycle.memory_freed.saturating_add(bytes);
                }
                Err(ResourceError::Stale { .. }) => {
                    cycle.already_released = cycle.already_released.saturating_add(1);
                }
                Err(error) => {
                    cycle.cleanup_errors = cycle.cleanup_errors.saturating_add(1);
                    request.attempts = request.attempts.saturating_add(1);
                    if error.is_bad_handle() || request.attempts >= max_attempts {
                        log::warn!(
                            "cleanup of {id} given up after {} attempt(s): {error}",
                            request.attempts
                        );
                        cycle.given_up = cycle.given_up.saturating_add(1);
                    } else if self.queue.push_back(request).is_ok() {
                        cycle.requeued = cycle.requeued.saturating_add(1);
                    } else {
                        // Cannot happen (this request's own place was just freed); give up
                        // loudly rather than lose it silently.
                        log::warn!("cleanup of {id} given up: queue full on re-queue");
                        cycle.given_up = cycle.given_up.saturating_add(1);
                    }
                }
            }
        }
        self.last_cleanup = Some(now);
        self.totals.add(&cycle);
        cycle
    }
}

#[cfg(test)]
#[path = "cleanup_tests.rs"]
mod tests;
