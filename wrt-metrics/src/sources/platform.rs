//! Sources for `wrt-platform`: a provider's capabilities carry the memory ceiling.

use wrt_platform::embedded::EmbeddedResourceProvider;
use wrt_platform::{MemoryLimit, PlatformCapabilities, PlatformResourceProvider};

use crate::figures::{FreeSpace, PlatformMemory};
use crate::source::{MetricsSource, Report};

impl From<MemoryLimit> for PlatformMemory {
    fn from(limit: MemoryLimit) -> Self {
        match limit {
            MemoryLimit::Unlimited => Self {
                limit: None,
                charged: None,
            },
            MemoryLimit::Limited { limit, in_use } => Self {
                limit: Some(limit),
                charged: Some(in_use),
            },
        }
    }
}

/// The platform's memory ceiling. Any provider's `get_capabilities()` is a source, so
/// `(&runtime, provider.get_capabilities())` measures a runtime together with its platform.
impl MetricsSource for PlatformCapabilities {
    fn report(&self, report: &mut Report<'_>) {
        report.platform_memory(PlatformMemory::from(self.memory_limit));
    }
}

/// The provider's capabilities: its static regions as the memory ceiling; and the free
/// space of each region, read from its free list, for heap fragmentation.
impl<const F: usize> MetricsSource for EmbeddedResourceProvider<'_, F> {
    fn report(&self, report: &mut Report<'_>) {
        self.get_capabilities().report(report);
        for spans in self.free_spans() {
            report.free_space(FreeSpace::from_blocks(spans));
        }
    }
}
