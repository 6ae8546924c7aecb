//! Sources for `wrt-foundation`: memory pools and the linear memory manager.

use wrt_foundation::memory::{LinearMemoryManager, MemoryPool, RegionTable};

use crate::figures::PoolFigures;
use crate::source::{MetricsSource, Report};

/// The pool's geometry and use, named `"memory_pool"` (rename with [`Named`](crate::Named)),
/// with the request figures the pool counts itself ([`MemoryPool::requests`]): refusals,
/// bytes asked for by the blocks' holders, the largest request.
///
/// ```
/// use wrt_foundation::memory::MemoryPool;
/// use wrt_metrics::PoolFigures;
///
/// let mut pool: MemoryPool<64, 4> = MemoryPool::new();
/// let _block = pool.allocate_for(40)?;
/// assert!(pool.allocate_for(65).is_err());
/// let figures = PoolFigures::from(&pool);
/// assert_eq!((figures.block_size, figures.block_count, figures.blocks_used), (64, 4, 1));
/// assert_eq!(figures.refusals, 1);
/// assert_eq!((figures.bytes_requested, figures.largest_request), (Some(40), Some(65)));
/// # Ok::<(), wrt_foundation::memory::MemoryError>(())
/// ```
impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, B>
    From<&MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>> for PoolFigures
{
    fn from(pool: &MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>) -> Self {
        let requests = pool.requests();
        let mut figures = PoolFigures::new(
            "memory_pool",
            pool.block_size(),
            pool.capacity(),
            pool.allocated(),
        );
        figures.refusals = requests.refusals;
        figures.bytes_requested = Some(requests.bytes_held);
        figures.largest_request = requests.largest;
        figures
    }
}

/// One pool: geometry, blocks in use and the pool's own request figures.
impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, B> MetricsSource
    for MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>
{
    fn report(&self, report: &mut Report<'_>) {
        report.pool(PoolFigures::from(self));
    }
}

/// Bytes of live regions, the manager's own high-water mark, and its budget if it has one.
impl<T: RegionTable> MetricsSource for LinearMemoryManager<T> {
    fn report(&self, report: &mut Report<'_>) {
        report.memory_in_use(self.total_allocated());
        report.memory_high_water(self.peak_allocated());
        if let Some(max) = self.max_memory() {
            report.memory_budget(max);
        }
    }
}
