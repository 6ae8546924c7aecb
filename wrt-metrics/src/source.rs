//! [`MetricsSource`]: the one trait a resource holder implements to be measured, and the
//! [`Report`] it writes into.

use core::time::Duration;

use wrt_component::ResourceCategory;

use crate::figures::{CategoryFigures, ComponentFigures, FreeSpace, PlatformMemory, PoolFigures};

/// Anything that can say what it holds: a resource manager, a memory pool, a linear memory
/// manager, a platform provider, an [`AllocationRecorder`](crate::AllocationRecorder), or a
/// combination of them (tuples, arrays and slices of sources are sources).
///
/// A source reports only what it knows and leaves the rest out; everything it reports is
/// *added* to what other sources report in the same collection, so composite sources need no
/// glue. Running totals (`succeeded`, `refusals`, …) are the source's own totals since it was
/// created; the collector keeps the latest, not a sum over collections.
///
/// ```
/// use wrt_component::ResourceCategory;
/// use wrt_foundation::ManualClock;
/// use wrt_metrics::{CategoryFigures, MetricsSource, Report, ResourceMetricsCollector};
///
/// struct Sockets { open: usize }
///
/// impl MetricsSource for Sockets {
///     fn report(&self, report: &mut Report<'_>) {
///         let figures = CategoryFigures { live: self.open, ..Default::default() };
///         report.category(ResourceCategory::IoHandles, figures);
///     }
/// }
///
/// let clock = ManualClock::new();
/// let mut collector = ResourceMetricsCollector::<0, 0>::new(core::time::Duration::from_secs(1));
/// let metrics = collector.collect_now(&(Sockets { open: 2 }, Sockets { open: 3 }), &clock);
/// assert_eq!(metrics.category(ResourceCategory::IoHandles).live, 5);
/// ```
pub trait MetricsSource {
    /// Tells `report` the source's current figures.
    fn report(&self, report: &mut Report<'_>);
}

/// The receiving end of a collection: where the collector stores what sources tell it.
pub(crate) trait Sink {
    fn category(&mut self, category: ResourceCategory, figures: CategoryFigures);
    fn memory_in_use(&mut self, bytes: usize);
    fn memory_high_water(&mut self, bytes: usize);
    fn memory_budget(&mut self, bytes: usize);
    fn allocation_time(&mut self, attempts: u64, total: Duration);
    fn contention_events(&mut self, events: u64);
    fn free_space(&mut self, free: FreeSpace);
    fn platform_memory(&mut self, memory: PlatformMemory);
    fn pool(&mut self, figures: PoolFigures);
    fn component(&mut self, figures: ComponentFigures);
}

/// Where a [`MetricsSource`] writes its figures during one collection.
///
/// Only a [`ResourceMetricsCollector`](crate::ResourceMetricsCollector) makes one, so a
/// source cannot tell whether it is measured into fixed storage or not — it does not need to.
pub struct Report<'a> {
    sink: &'a mut dyn Sink,
    pool_name: Option<&'static str>,
}

impl<'a> Report<'a> {
    pub(crate) fn new(sink: &'a mut dyn Sink) -> Self {
        Self {
            sink,
            pool_name: None,
        }
    }

    /// Adds resources held and allocation totals of one category.
    pub fn category(&mut self, category: ResourceCategory, figures: CategoryFigures) {
        self.sink.category(category, figures);
    }

    /// Adds bytes of memory in use — memory outside pools (linear memory, heaps, resources'
    /// sizes); pool blocks are reported through [`pool`](Self::pool).
    pub fn memory_in_use(&mut self, bytes: usize) {
        self.sink.memory_in_use(bytes);
    }

    /// Adds the source's own high-water mark of memory in use, for sources that keep one:
    /// the collector's peak is then at least the sum of these, so a burst between two
    /// collections is not missed. (Sources that peaked at different times make the sum an
    /// overestimate, which is the safe side for sizing.)
    pub fn memory_high_water(&mut self, bytes: usize) {
        self.sink.memory_high_water(bytes);
    }

    /// Adds bytes of memory the source may use at most (its budget or capacity).
    pub fn memory_budget(&mut self, bytes: usize) {
        self.sink.memory_budget(bytes);
    }

    /// Adds `attempts` timed allocations that took `total` together, as read from a
    /// [`Clock`](wrt_foundation::Clock).
    pub fn allocation_time(&mut self, attempts: u64, total: Duration) {
        self.sink.allocation_time(attempts, total);
    }

    /// Adds contention events (an access that found a resource locked or busy and had to
    /// wait or give up), as a running total.
    pub fn contention_events(&mut self, events: u64) {
        self.sink.contention_events(events);
    }

    /// Adds the free space of one heap; see [`FreeSpace::fragmentation`].
    pub fn free_space(&mut self, free: FreeSpace) {
        self.sink.free_space(free);
    }

    /// Reports a platform's memory ceiling; see [`PlatformMemory::merge`] for several.
    pub fn platform_memory(&mut self, memory: PlatformMemory) {
        self.sink.platform_memory(memory);
    }

    /// Reports one pool. Pools are kept in report order; each call is a separate pool.
    /// Inside [`Named`], the pool's name is replaced by the wrapper's.
    pub fn pool(&mut self, mut figures: PoolFigures) {
        if let Some(name) = self.pool_name {
            figures.name = name;
        }
        self.sink.pool(figures);
    }

    /// Reports one component's use of its limits. When several sources report the same
    /// limit of the same component in one collection, their figures add up (used, limits
    /// and refusals), so a component split over two managers is measured whole.
    pub fn component(&mut self, figures: ComponentFigures) {
        self.sink.component(figures);
    }
}

/// Gives the pools of a source a name, for sources (like a bare memory pool) that have none.
///
/// ```
/// use wrt_metrics::{MetricsSource, Named, PoolFigures, Report, ResourceMetricsCollector};
/// # use wrt_foundation::ManualClock;
///
/// struct Buffers;
/// impl MetricsSource for Buffers {
///     fn report(&self, report: &mut Report<'_>) {
///         report.pool(PoolFigures::new("pool", 512, 8, 3));
///     }
/// }
///
/// let mut collector = ResourceMetricsCollector::<2, 0>::new(core::time::Duration::ZERO);
/// let metrics = collector.collect_now(&Named::new("dma", Buffers), &ManualClock::new());
/// assert_eq!(metrics.pools.get(0).map(|p| p.name), Some("dma"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Named<S> {
    name: &'static str,
    source: S,
}

impl<S> Named<S> {
    /// `source` whose pools are called `name`.
    pub const fn new(name: &'static str, source: S) -> Self {
        Self { name, source }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.source
    }
}

impl<S: MetricsSource> MetricsSource for Named<S> {
    fn report(&self, report: &mut Report<'_>) {
        let outer = report.pool_name.replace(self.name);
        self.source.report(report);
        report.pool_name = outer;
    }
}

impl<S: MetricsSource + ?Sized> MetricsSource for &S {
    fn report(&self, report: &mut Report<'_>) {
        (**self).report(report);
    }
}

impl<S: MetricsSource> MetricsSource for [S] {
    fn report(&self, report: &mut Report<'_>) {
        for source in self {
            source.report(report);
        }
    }
}

impl<S: MetricsSource, const N: usize> MetricsSource for [S; N] {
    fn report(&self, report: &mut Report<'_>) {
        self.as_slice().report(report);
    }
}

impl<S: MetricsSource> MetricsSource for Option<S> {
    fn report(&self, report: &mut Report<'_>) {
        if let Some(source) = self {
            source.report(report);
        }
    }
}

macro_rules! tuple_source {
    ($($name:ident),+) => {
        impl<$($name: MetricsSource),+> MetricsSource for ($($name,)+) {
            #[allow(non_snake_case)]
            fn report(&self, report: &mut Report<'_>) {
                let ($($name,)+) = self;
                $($name.report(report);)+
            }
        }
    };
}

tuple_source!(A);
tuple_source!(A, B);
tuple_source!(A, B, C);
tuple_source!(A, B, C, D);
tuple_source!(A, B, C, D, E);
tuple_source!(A, B, C, D, E, F);
