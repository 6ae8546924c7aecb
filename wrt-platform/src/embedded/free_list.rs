//! First-fit free list over one static region, with coalescing on release.
//!
//! It deals only in offsets, never in the bytes themselves, so it can be driven by a
//! property test against a byte-map model.
//!
//! Cost, with `k` free spans (`k <= F`): allocation scans the spans in address order and
//! takes the first that fits — O(k); release finds the neighbours by scanning, merges with
//! them and otherwise inserts, shifting the tail — O(k). `F` is small (16 by default), so
//! both are a few dozen comparisons and never allocate.
//!
//! Alignment padding is kept inside the block (it is returned on release), so an allocation
//! never adds a free span. Free spans are kept maximal, so two of them are always separated
//! by at least one live block: `spans <= live + 1`. Capping live blocks at `F - 1` therefore
//! guarantees that a release never needs more than `F` spans.

use wrt_foundation::BoundedVec;

/// A contiguous free or allocated range, in bytes from the region start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) len: usize,
}

impl Span {
    fn end(self) -> Option<usize> {
        self.start.checked_add(self.len)
    }
}

/// What an allocation took: `span` (padding included) and where the aligned data starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Carved {
    pub(crate) span: Span,
    pub(crate) data_offset: usize,
}

/// Why the free list refused; the provider turns these into its public errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FreeListRefusal {
    /// No free span can hold the request.
    NoFit { largest_free: usize },
    /// `F - 1` blocks are live; another could make a later release impossible.
    BlockLimit { max_blocks: usize },
    /// The span is not an allocated range of this list (outside, or overlapping free space).
    NotAllocated,
}

/// Free spans of one region, sorted by start, non-overlapping, never adjacent.
#[derive(Debug, Clone)]
pub(crate) struct FreeList<const F: usize> {
    spans: BoundedVec<Span, F>,
    live: usize,
    allocated_bytes: usize,
}

impl<const F: usize> FreeList<F> {
    /// Most blocks that may be live at once.
    pub(crate) const MAX_BLOCKS: usize = F.saturating_sub(1);

    /// A list where all `len` bytes are free.
    pub(crate) fn new(len: usize) -> Self {
        let mut spans = BoundedVec::new();
        if len > 0 {
            // F >= 1 is not guaranteed by the type; with F == 0 the region simply has no
            // free space, which the allocator reports as "no fit".
            let _ = spans.push(Span { start: 0, len });
        }
        Self {
            spans,
            live: 0,
            allocated_bytes: 0,
        }
    }

    /// Bytes handed out, padding included.
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.allocated_bytes
    }

    /// The largest free span.
    pub(crate) fn largest_free(&self) -> usize {
        self.spans.iter().map(|s| s.len).max().unwrap_or(0)
    }

    /// Free spans in address order (for tests and diagnostics).
    pub(crate) fn spans(&self) -> &[Span] {
        self.spans.as_slice()
    }

    /// Carves `size` bytes whose absolute address (`base_addr + offset`) is a multiple of
    /// `align` (a power of two) from the first span that fits.
    pub(crate) fn allocate(
        &mut self,
        base_addr: usize,
        size: usize,
        align: usize,
    ) -> Result<Carved, FreeListRefusal> {
        if self.live >= Self::MAX_BLOCKS {
            return Err(FreeListRefusal::BlockLimit {
                max_blocks: Self::MAX_BLOCKS,
            });
        }
        let mask = align.saturating_sub(1);
        let found = self.spans.iter().enumerate().find_map(|(index, span)| {
            let addr = base_addr.checked_add(span.start)?;
            let pad = addr.wrapping_neg() & mask;
            let needed = pad.checked_add(size)?;
            (needed <= span.len).then_some((index, *span, pad, needed))
        });
        let Some((index, span, pad, needed)) = found else {
            return Err(FreeListRefusal::NoFit {
                largest_free: self.largest_free(),
            });
        };
        let rest = span.len.saturating_sub(needed);
        if rest == 0 {
            let _ = self.spans.remove(index);
        } else if let Some(slot) = self.spans.get_mut(index) {
            slot.start = span.start.saturating_add(needed);
            slot.len = rest;
        }
        self.live = self.live.saturating_add(1);
        self.allocated_bytes = self.allocated_bytes.saturating_add(needed);
        Ok(Carved {
            span: Span {
                start: span.start,
                len: needed,
            },
            data_offset: span.start.saturating_add(pad),
        })
    }

    /// Returns `block` to the free list, merging it with free neighbours.
    ///
    /// Refuses (changing nothing) a span that overlaps free space or is empty: it was not
    /// handed out by this list, or was already given back.
    pub(crate) fn release(&mut self, block: Span) -> Result<(), FreeListRefusal> {
        let end = block.end().ok_or(FreeListRefusal::NotAllocated)?;
        if block.len == 0 || self.live == 0 {
            return Err(FreeListRefusal::NotAllocated);
        }
        // Index of the first free span starting after the block.
        let next_index = self
            .spans
            .iter()
            .position(|s| s.start >= block.start)
            .unwrap_or(self.spans.len());
        let prev = next_index
            .checked_sub(1)
            .and_then(|i| self.spans.get(i).copied());
        let next = self.spans.get(next_index).copied();
        let prev_end = prev.and_then(Span::end);
        if prev.is_some() && prev_end.is_none_or(|e| e > block.start) {
            return Err(FreeListRefusal::NotAllocated);
        }
        if next.is_some_and(|n| n.start < end) {
            return Err(FreeListRefusal::NotAllocated);
        }
        let merge_prev = prev_end == Some(block.start);
        let merge_next = next.is_some_and(|n| n.start == end);
        match (merge_prev, merge_next) {
            (true, true) => {
                let next_len = next.map_or(0, |n| n.len);
                let _ = self.spans.remove(next_index);
                self.grow(
                    next_index.saturating_sub(1),
                    0,
                    block.len.saturating_add(next_len),
                );
            }
            (true, false) => self.grow(next_index.saturating_sub(1), 0, block.len),
            (false, true) => self.grow(next_index, block.len, block.len),
            (false, false) => {
                self.spans
                    .insert(next_index, block)
                    .map_err(|_| FreeListRefusal::BlockLimit {
                        max_blocks: Self::MAX_BLOCKS,
                    })?;
            }
        }
        self.live = self.live.saturating_sub(1);
        self.allocated_bytes = self.allocated_bytes.saturating_sub(block.len);
        Ok(())
    }

    /// Moves the start of span `index` back by `back` bytes and lengthens it by `grow`.
    fn grow(&mut self, index: usize, back: usize, grow: usize) {
        if let Some(span) = self.spans.get_mut(index) {
            span.start = span.start.saturating_sub(back);
            span.len = span.len.saturating_add(grow);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[test]
    fn alignment_padding_stays_inside_the_block() {
        let mut list = FreeList::<4>::new(100);
        let a = list.allocate(1001, 10, 8).unwrap();
        assert_eq!(a.data_offset, 7); // 1001 + 7 = 1008
        assert_eq!(a.span, Span { start: 0, len: 17 });
        assert_eq!(list.spans(), &[Span { start: 17, len: 83 }]);
        list.release(a.span).unwrap();
        assert_eq!(list.spans(), &[Span { start: 0, len: 100 }]);
    }

    #[test]
    fn release_coalesces_both_sides_and_refuses_double_release() {
        let mut list = FreeList::<8>::new(30);
        let a = list.allocate(0, 10, 1).unwrap();
        let b = list.allocate(0, 10, 1).unwrap();
        let c = list.allocate(0, 10, 1).unwrap();
        list.release(a.span).unwrap();
        list.release(c.span).unwrap();
        assert_eq!(list.spans().len(), 2);
        assert_eq!(list.release(a.span), Err(FreeListRefusal::NotAllocated));
        list.release(b.span).unwrap();
        assert_eq!(list.spans(), &[Span { start: 0, len: 30 }]);
        assert_eq!(list.allocated_bytes(), 0);
    }

    #[test]
    fn block_limit_is_f_minus_one() {
        let mut list = FreeList::<3>::new(100);
        list.allocate(0, 1, 1).unwrap();
        list.allocate(0, 1, 1).unwrap();
        assert_eq!(
            list.allocate(0, 1, 1),
            Err(FreeListRefusal::BlockLimit { max_blocks: 2 })
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align_log2: u32 },
        Free { pick: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1usize..40, 0u32..5).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
            any::<usize>().prop_map(|pick| Op::Free { pick }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// Model: one "owner" flag per byte. After every step the free list's spans must be
        /// exactly the maximal runs of unowned bytes, and live blocks must never overlap.
        #[test]
        fn matches_byte_map_model(base in 0usize..64, ops in proptest::collection::vec(op(), 1..60)) {
            const LEN: usize = 200;
            let mut list = FreeList::<6>::new(LEN);
            let mut owned = [false; LEN];
            let mut live: Vec<Carved> = Vec::new();
            for op in ops {
                match op {
                    Op::Alloc { size, align_log2 } => {
                        let align = 1usize << align_log2;
                        match list.allocate(base, size, align) {
                            Ok(c) => {
                                prop_assert_eq!((base + c.data_offset) % align, 0);
                                prop_assert!(c.data_offset + size <= c.span.start + c.span.len);
                                for b in &mut owned[c.span.start..c.span.start + c.span.len] {
                                    prop_assert!(!*b, "overlapping allocation");
                                    *b = true;
                                }
                                live.push(c);
                            }
                            Err(FreeListRefusal::BlockLimit { .. }) => prop_assert_eq!(live.len(), 5),
                            Err(FreeListRefusal::NoFit { largest_free }) => {
                                prop_assert!(largest_free < size + align - 1);
                            }
                            Err(e) => prop_assert!(false, "unexpected {:?}", e),
                        }
                    }
                    Op::Free { pick } => {
                        if live.is_empty() { continue; }
                        let c = live.swap_remove(pick % live.len());
                        list.release(c.span).unwrap();
                        owned[c.span.start..c.span.start + c.span.len].fill(false);
                        prop_assert_eq!(list.release(c.span), Err(FreeListRefusal::NotAllocated));
                    }
                }
                let mut runs = Vec::new();
                let mut i = 0;
                while i < LEN {
                    if owned[i] { i += 1; continue; }
                    let start = i;
                    while i < LEN && !owned[i] { i += 1; }
                    runs.push(Span { start, len: i - start });
                }
                prop_assert_eq!(list.spans(), runs.as_slice());
                prop_assert_eq!(list.allocated_bytes(), owned.iter().filter(|b| **b).count());
            }
        }
    }
}
