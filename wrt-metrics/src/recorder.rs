//! [`AllocationRecorder`]: times and counts allocations made by any allocator, through a
//! [`Clock`], so that sources which keep no statistics of their own can still be measured.

use core::time::Duration;

use wrt_component::{ResourceCategory, ResourceError};
use wrt_foundation::Clock;

use crate::figures::CategoryFigures;
use crate::source::{MetricsSource, Report};

/// Wraps allocation calls to count successes and refusals per category, time them, and
/// count contention; it is itself a [`MetricsSource`].
///
/// Every attempt is timed, refused ones included: a refusal that takes long is a cost the
/// caller pays too. The clock is read twice per attempt and nothing else is done, so the
/// recorder adds no allocation and a bounded, small cost.
///
/// ```
/// use core::time::Duration;
/// use wrt_component::{ResourceCategory, ResourceError};
/// use wrt_foundation::ManualClock;
/// use wrt_metrics::{AllocationRecorder, ResourceMetricsCollector};
///
/// let clock = ManualClock::new();
/// let mut recorder = AllocationRecorder::new();
/// let table = recorder.record(&clock, ResourceCategory::Tables, || {
///     clock.advance(Duration::from_micros(30)); // the allocator's work
///     Ok::<_, ()>("table")
/// });
/// assert_eq!(table, Ok("table"));
///
/// let mut collector = ResourceMetricsCollector::<0, 0>::new(Duration::ZERO);
/// let metrics = collector.collect_now(&recorder, &clock);
/// assert_eq!(metrics.average_allocation_time(), Some(Duration::from_micros(30)));
/// assert_eq!(metrics.category(ResourceCategory::Tables).live, 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocationRecorder {
    categories: [CategoryFigures; ResourceCategory::COUNT],
    timed: u64,
    total_time: Duration,
    contention: u64,
}

impl AllocationRecorder {
    /// A recorder that has seen nothing.
    pub const fn new() -> Self {
        Self {
            categories: [CategoryFigures {
                live: 0,
                succeeded: 0,
                failed: 0,
                high_water: 0,
            }; ResourceCategory::COUNT],
            timed: 0,
            total_time: Duration::ZERO,
            contention: 0,
        }
    }

    /// Runs `allocate`, timing it with `clock`; an `Ok` counts as a success and one more
    /// live resource of `category`, an `Err` as a refusal. The result is passed through.
    pub fn record<C, T, E>(
        &mut self,
        clock: &C,
        category: ResourceCategory,
        allocate: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E>
    where
        C: Clock + ?Sized,
    {
        let start = clock.now();
        let result = allocate();
        let took = clock.now().saturating_duration_since(start);
        self.timed = self.timed.saturating_add(1);
        self.total_time = self.total_time.saturating_add(took);
        if let Some(figures) = self.categories.get_mut(category.index()) {
            if result.is_ok() {
                figures.succeeded = figures.succeeded.saturating_add(1);
                figures.live = figures.live.saturating_add(1);
                figures.high_water = figures.high_water.max(figures.live);
            } else {
                figures.failed = figures.failed.saturating_add(1);
            }
        }
        result
    }

    /// Notes that one resource of `category` was given back (never below zero live).
    pub fn record_release(&mut self, category: ResourceCategory) {
        if let Some(figures) = self.categories.get_mut(category.index()) {
            figures.live = figures.live.saturating_sub(1);
        }
    }

    /// Notes one contention event: an access found a resource locked or busy.
    pub fn record_contention(&mut self) {
        self.contention = self.contention.saturating_add(1);
    }

    /// Passes `result` through, counting a contention event when it is
    /// [`ResourceError::Locked`]: the access found the resource locked by another component.
    ///
    /// ```
    /// # use wrt_component::{ComponentId, LifecycleAction, ManagerTag, ResourceError, ResourceId};
    /// use wrt_metrics::AllocationRecorder;
    ///
    /// let mut recorder = AllocationRecorder::new();
    /// let ok: Result<u8, ResourceError> = Ok(1);
    /// assert_eq!(recorder.observe_access(ok), Ok(1));
    /// # let locked = ResourceError::Locked {
    /// #     id: ResourceId::from_parts(ManagerTag(1), 0, 0),
    /// #     lock_holder: ComponentId(1), requester: ComponentId(2), action: LifecycleAction::Activate,
    /// # };
    /// assert!(recorder.observe_access(Err::<u8, _>(locked)).is_err());
    /// assert_eq!(recorder.contention_events(), 1);
    /// ```
    pub fn observe_access<T>(
        &mut self,
        result: Result<T, ResourceError>,
    ) -> Result<T, ResourceError> {
        if matches!(result, Err(ResourceError::Locked { .. })) {
            self.record_contention();
        }
        result
    }

    /// Contention events recorded so far.
    pub fn contention_events(&self) -> u64 {
        self.contention
    }

    /// The counts of one category so far.
    pub fn category(&self, category: ResourceCategory) -> CategoryFigures {
        self.categories
            .get(category.index())
            .copied()
            .unwrap_or_default()
    }
}

impl MetricsSource for AllocationRecorder {
    fn report(&self, report: &mut Report<'_>) {
        for (category, figures) in ResourceCategory::ALL.into_iter().zip(self.categories) {
            if figures != CategoryFigures::default() {
                report.category(category, figures);
            }
        }
        if self.timed > 0 {
            report.allocation_time(self.timed, self.total_time);
        }
        report.contention_events(self.contention);
    }
}
