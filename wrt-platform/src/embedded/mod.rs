//! [`EmbeddedResourceProvider`]: memory from static RAM regions the integrator hands in
//! (linker sections, a `static mut` buffer, a TCM bank), and a table of interrupt handlers.
//!
//! It needs no heap, no `std` and no `unsafe`: the regions arrive as `&'a mut [u8]` (usually
//! `&'static mut`), allocations are handles ([`EmbeddedBlock`]) into them, and the bytes of
//! a block are reached through the provider. It is compiled and tested in every feature set,
//! including the host's default test run.
//!
//! There is no MPU support: only read-write regions are served, and
//! [`PlatformCapabilities::protection`] says that nothing is enforced.

mod error;
mod free_list;
mod interrupts;

use thiserror::Error;
use wrt_foundation::{BoundedVec, MemoryProtection};

use crate::provider::{
    IssuerStamp, MemoryLimit, PlatformCapabilities, PlatformResourceProvider, ProtectionSupport,
    RegionRequest, ReleaseError, bytes_u64, is_valid_align,
};
pub use error::EmbeddedError;
use free_list::{FreeList, FreeListRefusal, Span};
pub use interrupts::{INTERRUPT_SLOTS, InterruptError, InterruptHandler, InterruptTable};

/// How many static regions one provider can manage.
pub const MAX_STATIC_REGIONS: usize = 8;

/// Free-list entries per region by default; a region then serves up to 15 live blocks.
pub const DEFAULT_FREE_SPANS: usize = 16;

/// The memory given by [`EmbeddedResourceProvider::add_region`] back, when all
/// [`MAX_STATIC_REGIONS`] slots are taken.
#[derive(Debug, Error)]
#[error("all {max} static region slots are in use; a region of {} bytes was handed back", memory.len())]
pub struct RegionTableFull<'a> {
    /// The region that was not added.
    pub memory: &'a mut [u8],
    /// How many regions a provider holds.
    pub max: usize,
}

/// A block of a static region. Reach its bytes through [`EmbeddedResourceProvider::bytes_mut`];
/// give it back with [`EmbeddedResourceProvider::release`] (dropping it leaks the range).
///
/// An *empty* block (zero bytes asked for) takes no byte and no block slot: it is only
/// anchored to a region, so the provider can tell its own blocks from another's.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "dropping a block leaks its range until the provider is dropped"]
pub struct EmbeddedBlock {
    region: usize,
    issuer: IssuerStamp,
    span: Span,
    data_offset: usize,
    size: usize,
}

impl EmbeddedBlock {
    /// Usable bytes: exactly what was requested.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Which static region it came from, or is anchored to when empty (the index returned
    /// by `add_region`).
    pub fn region(&self) -> usize {
        self.region
    }
}

struct StaticRegion<'a, const F: usize> {
    memory: &'a mut [u8],
    free: FreeList<F>,
    /// Drawn when the region is added: a block of an earlier provider (or an earlier
    /// `add_region`) over the same RAM has the same index and address but not this stamp.
    issuer: IssuerStamp,
}

/// Up to [`MAX_STATIC_REGIONS`] static memory regions with first-fit allocation, and an
/// interrupt handler table of [`INTERRUPT_SLOTS`] slots.
///
/// `F` is the number of free-list entries per region; a region holds at most `F - 1` live
/// blocks (see the module `free_list` for why that bound makes release infallible). Empty
/// blocks (zero bytes) do not count: they take no free-list entry and no byte.
///
/// ```
/// use wrt_platform::{PlatformResourceProvider, RegionRequest};
/// use wrt_platform::embedded::EmbeddedResourceProvider;
///
/// let mut ram = [0u8; 1024];
/// let mut provider: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
/// provider.add_region(&mut ram).map_err(|e| e.to_string())?;
/// let block = provider.allocate(&RegionRequest::new(100).with_align(16))?;
/// provider.bytes_mut(&block)?.fill(7);
/// provider.release(block).map_err(|e| e.error)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct EmbeddedResourceProvider<'a, const F: usize = DEFAULT_FREE_SPANS> {
    regions: [Option<StaticRegion<'a, F>>; MAX_STATIC_REGIONS],
    interrupts: InterruptTable<INTERRUPT_SLOTS>,
}

impl<const F: usize> core::fmt::Debug for EmbeddedResourceProvider<'_, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EmbeddedResourceProvider")
            .field("regions", &self.regions().count())
            .field("allocated_bytes", &self.allocated_bytes())
            .field("interrupts", &self.interrupts)
            .finish()
    }
}

impl<const F: usize> Default for EmbeddedResourceProvider<'_, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, const F: usize> EmbeddedResourceProvider<'a, F> {
    /// A provider with no regions and no handlers.
    pub const fn new() -> Self {
        Self {
            regions: [const { None }; MAX_STATIC_REGIONS],
            interrupts: InterruptTable::new(),
        }
    }

    /// Adds `memory` as the next static region and returns its index.
    pub fn add_region(&mut self, memory: &'a mut [u8]) -> Result<usize, RegionTableFull<'a>> {
        let Some((index, slot)) = self
            .regions
            .iter_mut()
            .enumerate()
            .find(|(_, slot)| slot.is_none())
        else {
            return Err(RegionTableFull {
                memory,
                max: MAX_STATIC_REGIONS,
            });
        };
        let free = FreeList::new(memory.len());
        *slot = Some(StaticRegion {
            memory,
            free,
            issuer: IssuerStamp::fresh(),
        });
        Ok(index)
    }

    fn regions(&self) -> impl Iterator<Item = &StaticRegion<'a, F>> {
        self.regions.iter().flatten()
    }

    /// Bytes handed out, alignment padding included.
    pub fn allocated_bytes(&self) -> usize {
        self.regions()
            .fold(0, |sum, r| sum.saturating_add(r.free.allocated_bytes()))
    }

    /// The free spans of each region, one iterator of span lengths per region in region
    /// order: what external fragmentation is measured from (all free bytes of a region in
    /// one span is none; many small spans is much).
    pub fn free_spans(&self) -> impl Iterator<Item = impl Iterator<Item = usize> + '_> + '_ {
        self.regions()
            .map(|region| region.free.spans().iter().map(|span| span.len))
    }

    /// Bytes of all regions together.
    pub fn total_bytes(&self) -> usize {
        self.regions()
            .fold(0, |sum, r| sum.saturating_add(r.memory.len()))
    }

    /// Carves a block from the first region with a fitting free span.
    ///
    /// Zero bytes give an empty block anchored to the first region: no byte, no block
    /// slot, served even when every region is full or at its block limit. Without any
    /// region there is nothing to anchor it to, and it is refused as
    /// [`NoFit`](EmbeddedError::NoFit) with `largest_free: 0`, as any request would be.
    pub fn allocate(&mut self, request: &RegionRequest) -> Result<EmbeddedBlock, EmbeddedError> {
        if !is_valid_align(request.align) {
            return Err(EmbeddedError::BadAlignment {
                align: request.align,
            });
        }
        if request.protection != MemoryProtection::READ_WRITE {
            return Err(EmbeddedError::ProtectionUnsupported {
                requested: request.protection,
            });
        }
        if request.size == 0 {
            return self.empty_block(request);
        }
        let mut largest_free = 0usize;
        let mut limited: Option<(usize, usize)> = None;
        for (index, slot) in self.regions.iter_mut().enumerate() {
            let Some(region) = slot else { continue };
            let region_addr = region.memory.as_ptr().addr();
            match region
                .free
                .allocate(region_addr, request.size, request.align)
            {
                Ok(carved) => {
                    return Ok(EmbeddedBlock {
                        region: index,
                        issuer: region.issuer,
                        span: carved.span,
                        data_offset: carved.data_offset,
                        size: request.size,
                    });
                }
                Err(FreeListRefusal::NoFit { largest_free: l }) => {
                    largest_free = largest_free.max(l);
                }
                Err(FreeListRefusal::BlockLimit { max_blocks }) => {
                    let fits = region.free.largest_free()
                        >= request.size.saturating_add(request.align.saturating_sub(1));
                    if fits && limited.is_none() {
                        limited = Some((index, max_blocks));
                    }
                }
                Err(FreeListRefusal::NotAllocated) => {}
            }
        }
        log::debug!(
            "embedded allocation of {} bytes (align {}) refused",
            request.size,
            request.align
        );
        Err(match limited {
            Some((region, max_blocks)) => EmbeddedError::BlockLimit { region, max_blocks },
            None => EmbeddedError::NoFit {
                requested: request.size,
                align: request.align,
                largest_free,
            },
        })
    }

    /// An empty block anchored to the first region (see [`allocate`](Self::allocate)).
    fn empty_block(&self, request: &RegionRequest) -> Result<EmbeddedBlock, EmbeddedError> {
        self.regions
            .iter()
            .enumerate()
            .find_map(|(region, slot)| {
                slot.as_ref().map(|r| EmbeddedBlock {
                    region,
                    issuer: r.issuer,
                    span: Span { start: 0, len: 0 },
                    data_offset: 0,
                    size: 0,
                })
            })
            .ok_or(EmbeddedError::NoFit {
                requested: 0,
                align: request.align,
                largest_free: 0,
            })
    }

    fn owning_region(
        &mut self,
        block: &EmbeddedBlock,
    ) -> Result<&mut StaticRegion<'a, F>, EmbeddedError> {
        let foreign = EmbeddedError::ForeignBlock {
            region: block.region,
            offset: block.data_offset,
        };
        match self.regions.get_mut(block.region) {
            Some(Some(region)) if region.issuer == block.issuer => Ok(region),
            _ => Err(foreign),
        }
    }

    /// Returns `block`'s range to its region, merging it with free neighbours (an empty
    /// block has none to return). A block of another provider is handed back in the error.
    pub fn release(
        &mut self,
        block: EmbeddedBlock,
    ) -> Result<(), ReleaseError<EmbeddedBlock, EmbeddedError>> {
        let result = self.owning_region(&block).and_then(|region| {
            if block.span.len == 0 {
                return Ok(());
            }
            region
                .free
                .release(block.span)
                .map_err(|_| EmbeddedError::ForeignBlock {
                    region: block.region,
                    offset: block.data_offset,
                })
        });
        result.map_err(|error| ReleaseError {
            region: block,
            error,
        })
    }

    /// The usable bytes of `block`.
    pub fn bytes_mut(&mut self, block: &EmbeddedBlock) -> Result<&mut [u8], EmbeddedError> {
        let region = self.owning_region(block)?;
        let end = block.data_offset.checked_add(block.size);
        end.and_then(|end| region.memory.get_mut(block.data_offset..end))
            .ok_or(EmbeddedError::ForeignBlock {
                region: block.region,
                offset: block.data_offset,
            })
    }

    /// The bytes of `K` distinct blocks at once, in the order given: what a memory
    /// manager over several blocks needs, since [`bytes_mut`](Self::bytes_mut) lends one
    /// block at a time. Refuses a foreign block and the same block named twice; empty
    /// blocks lend empty slices and overlap nothing.
    ///
    /// Cost: O(K log K) to order the blocks plus O(K) slice splits; no allocation.
    pub fn blocks_mut<const K: usize>(
        &mut self,
        blocks: [&EmbeddedBlock; K],
    ) -> Result<[&mut [u8]; K], EmbeddedError> {
        let foreign = |b: &EmbeddedBlock| EmbeddedError::ForeignBlock {
            region: b.region,
            offset: b.data_offset,
        };
        // Every block must be one of ours and lie inside its region.
        for b in blocks {
            let region = self.owning_region(b)?;
            let end = b.data_offset.checked_add(b.size).ok_or(foreign(b))?;
            if end > region.memory.len() {
                return Err(foreign(b));
            }
        }
        // Visit blocks in (region, offset) order so each region can be split front to back.
        let mut order: [usize; K] = core::array::from_fn(|i| i);
        order.sort_unstable_by_key(|&i| blocks.get(i).map(|b| (b.region, b.data_offset)));
        let mut out: [Option<&mut [u8]>; K] = [const { None }; K];
        let mut pending = order.iter().copied().peekable();
        for (index, slot) in self.regions.iter_mut().enumerate() {
            let Some(region) = slot else { continue };
            let mut rest: &mut [u8] = &mut *region.memory;
            let mut cursor = 0usize;
            while let Some(i) =
                pending.next_if(|&i| blocks.get(i).is_some_and(|b| b.region == index))
            {
                let Some(b) = blocks.get(i) else { continue };
                if b.size == 0 {
                    if let Some(o) = out.get_mut(i) {
                        *o = Some(&mut []);
                    }
                    continue;
                }
                // Overlap with the previous block (or the same block twice) is refused.
                let skip = b.data_offset.checked_sub(cursor).ok_or(foreign(b))?;
                let (_, tail) = core::mem::take(&mut rest)
                    .split_at_mut_checked(skip)
                    .ok_or(foreign(b))?;
                let (block, tail) = tail.split_at_mut_checked(b.size).ok_or(foreign(b))?;
                rest = tail;
                cursor = b.data_offset.saturating_add(b.size);
                if let Some(o) = out.get_mut(i) {
                    *o = Some(block);
                }
            }
        }
        // Every block was checked to be ours above, so each got its slice; should one not
        // have, it is refused as foreign rather than lent as something else.
        if let Some((_, b)) = out.iter().zip(blocks).find(|(o, _)| o.is_none()) {
            return Err(foreign(b));
        }
        Ok(out.map(Option::unwrap_or_default))
    }

    /// The interrupt handler table.
    pub fn interrupts(&self) -> &InterruptTable<INTERRUPT_SLOTS> {
        &self.interrupts
    }

    /// The interrupt handler table, to register or unregister handlers.
    pub fn interrupts_mut(&mut self) -> &mut InterruptTable<INTERRUPT_SLOTS> {
        &mut self.interrupts
    }
}

impl<'a, const F: usize> PlatformResourceProvider for EmbeddedResourceProvider<'a, F> {
    type Region = EmbeddedBlock;
    type Error = EmbeddedError;

    fn allocate(&mut self, request: &RegionRequest) -> Result<EmbeddedBlock, EmbeddedError> {
        EmbeddedResourceProvider::allocate(self, request)
    }

    fn release(
        &mut self,
        region: EmbeddedBlock,
    ) -> Result<(), ReleaseError<EmbeddedBlock, EmbeddedError>> {
        EmbeddedResourceProvider::release(self, region)
    }

    fn region_bytes_mut<'r>(
        &'r mut self,
        region: &'r mut EmbeddedBlock,
    ) -> Result<&'r mut [u8], EmbeddedError> {
        self.bytes_mut(region)
    }

    /// Page size 1 (no MMU), no huge pages, one memory node, a limit equal to the static
    /// regions' total, no enforced protection, and `MAX_STATIC_REGIONS * (F - 1)` blocks.
    fn get_capabilities(&self) -> PlatformCapabilities {
        PlatformCapabilities {
            page_size: 1,
            huge_page_sizes: BoundedVec::new(),
            transparent_huge_pages: false,
            numa_nodes: 1,
            memory_limit: MemoryLimit::Limited {
                limit: bytes_u64(self.total_bytes()),
                in_use: bytes_u64(self.allocated_bytes()),
            },
            protection: ProtectionSupport {
                guard_pages: false,
                change_protection: false,
                execute: false,
            },
            max_regions: MAX_STATIC_REGIONS.saturating_mul(FreeList::<F>::MAX_BLOCKS),
        }
    }
}
