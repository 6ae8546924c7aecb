//! Sources for `wrt-foundation`: memory pools and the linear memory manager.

use wrt_foundation::memory::{LinearMemoryManager, MemoryPool, RegionTable};

use crate::figures::PoolFigures;
use crate::source::{MetricsSource, Report};

/// The pool's geometry and use, named `"memory_pool"` (rename with [`Named`](crate::Named)).
/// A starting point for sources that wrap a pool and know more (request sizes, refusals).
///
/// ```
/// use wrt_foundation::memory::MemoryPool;
/// use wrt_metrics::PoolFigures;
///
/// let mut pool: MemoryPool<64, 4> = MemoryPool::new();
/// let _block = pool.allocate()?;
/// let figures = PoolFigures::from(&pool);
/// assert_eq!((figures.block_size, figures.block_count, figures.blocks_used), (64, 4, 1));
/// # Ok::<(), wrt_foundation::memory::MemoryError>(())
/// ```
impl<const BLOCK_SIZE: usize, const BLOCK_COUNT: usize, B>
    From<&MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>> for PoolFigures
{
    fn from(pool: &MemoryPool<BLOCK_SIZE, BLOCK_COUNT, B>) -> Self {
        PoolFigures::new(
            "memory_pool",
            pool.block_size(),
            pool.capacity(),
            pool.allocated(),
        )
    }
}

/// One pool: geometry and blocks in use.
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
