//! The embedded provider on the host, in every feature set: static regions, aligned
//! first-fit allocation, release with coalescing, refusals with their numbers, foreign
//! blocks, the interrupt table, and a model-based property test.

use core::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use wrt_foundation::MemoryProtection;
use wrt_platform::embedded::{
    EmbeddedBlock, EmbeddedError, EmbeddedResourceProvider, InterruptError, MAX_STATIC_REGIONS,
};
use wrt_platform::{MemoryLimit, PlatformResourceProvider, RegionRequest};

type Provider<'a> = EmbeddedResourceProvider<'a>;

#[test]
fn at_most_eight_regions_and_the_ninth_comes_back() {
    let mut backing = [[0u8; 16]; MAX_STATIC_REGIONS + 1];
    let mut provider = Provider::new();
    let (last, first_eight) = backing.split_last_mut().unwrap();
    for (i, region) in first_eight.iter_mut().enumerate() {
        assert_eq!(provider.add_region(region).unwrap(), i);
    }
    let refused = provider.add_region(last).unwrap_err();
    assert_eq!(
        (refused.max, refused.memory.len()),
        (MAX_STATIC_REGIONS, 16)
    );
    refused.memory[0] = 1; // still the caller's to use
    assert_eq!(provider.total_bytes(), 8 * 16);
}

#[test]
fn aligned_blocks_are_disjoint_and_exactly_sized() {
    let mut ram = [0u8; 1024];
    let base = ram.as_ptr() as usize;
    let mut provider = Provider::new();
    provider.add_region(&mut ram).unwrap();
    let a = provider
        .allocate(&RegionRequest::new(10).with_align(64))
        .unwrap();
    let b = provider
        .allocate(&RegionRequest::new(100).with_align(256))
        .unwrap();
    for (block, align, fill) in [(&a, 64, 1u8), (&b, 256, 2u8)] {
        let bytes = provider.bytes_mut(block).unwrap();
        assert_eq!(bytes.len(), block.size());
        assert_eq!(bytes.as_ptr() as usize % align, 0);
        assert!(bytes.as_ptr() as usize >= base);
        bytes.fill(fill);
    }
    assert!(provider.bytes_mut(&a).unwrap().iter().all(|x| *x == 1));
    assert!(provider.bytes_mut(&b).unwrap().iter().all(|x| *x == 2));
    provider.release(a).unwrap();
    provider.release(b).unwrap();
    assert_eq!(provider.allocated_bytes(), 0);
}

#[test]
fn refusals_carry_their_numbers_and_change_nothing() {
    let mut small = [0u8; 100];
    let mut provider = Provider::new();
    provider.add_region(&mut small).unwrap();
    let held = provider.allocate(&RegionRequest::new(60)).unwrap();
    let before = provider.allocated_bytes();
    assert_eq!(
        provider.allocate(&RegionRequest::new(50)).unwrap_err(),
        EmbeddedError::NoFit {
            requested: 50,
            align: 1,
            largest_free: 40
        }
    );
    assert_eq!(
        provider
            .allocate(&RegionRequest::new(0).with_align(6))
            .unwrap_err(),
        EmbeddedError::BadAlignment { align: 6 }
    );
    assert_eq!(
        provider
            .allocate(&RegionRequest::new(1).with_align(6))
            .unwrap_err(),
        EmbeddedError::BadAlignment { align: 6 }
    );
    assert_eq!(
        provider
            .allocate(&RegionRequest::new(1).with_protection(MemoryProtection::READ))
            .unwrap_err(),
        EmbeddedError::ProtectionUnsupported {
            requested: MemoryProtection::READ
        }
    );
    assert_eq!(provider.allocated_bytes(), before);
    provider.release(held).unwrap();
}

#[test]
fn block_limit_per_region_is_reported() {
    let mut ram = [0u8; 64];
    let mut provider: EmbeddedResourceProvider<'_, 4> = EmbeddedResourceProvider::new();
    provider.add_region(&mut ram).unwrap();
    let blocks: Vec<EmbeddedBlock> = (0..3)
        .map(|_| provider.allocate(&RegionRequest::new(4)).unwrap())
        .collect();
    assert_eq!(
        provider.allocate(&RegionRequest::new(4)).unwrap_err(),
        EmbeddedError::BlockLimit {
            region: 0,
            max_blocks: 3
        }
    );
    for b in blocks {
        provider.release(b).unwrap();
    }
}

#[test]
fn a_foreign_block_is_handed_back_unchanged() {
    let (mut ram_a, mut ram_b) = ([0u8; 64], [0u8; 64]);
    let mut a = Provider::new();
    let mut b = Provider::new();
    a.add_region(&mut ram_a).unwrap();
    b.add_region(&mut ram_b).unwrap();
    let from_a = a.allocate(&RegionRequest::new(8)).unwrap();
    let refused = b.release(from_a).unwrap_err();
    assert!(matches!(
        refused.error,
        EmbeddedError::ForeignBlock { region: 0, .. }
    ));
    assert!(b.bytes_mut(&refused.region).is_err());
    assert_eq!((a.allocated_bytes(), b.allocated_bytes()), (8, 0));
    a.release(refused.region).unwrap();
    assert_eq!(a.allocated_bytes(), 0);
}

#[test]
fn released_blocks_coalesce_into_the_whole_region() {
    let mut ram = [0u8; 120];
    let mut provider = Provider::new();
    provider.add_region(&mut ram).unwrap();
    let mut blocks: Vec<Option<EmbeddedBlock>> = (0..12)
        .map(|_| Some(provider.allocate(&RegionRequest::new(10)).unwrap()))
        .collect();
    assert!(provider.allocate(&RegionRequest::new(1)).is_err());
    // Release in an interleaved order so every merge case happens.
    for i in [1, 3, 0, 2, 11, 9, 10, 5, 7, 6, 8, 4] {
        provider.release(blocks[i].take().unwrap()).unwrap();
    }
    let whole = provider.allocate(&RegionRequest::new(120)).unwrap();
    assert_eq!(provider.bytes_mut(&whole).unwrap().len(), 120);
    provider.release(whole).unwrap();
}

#[test]
fn capabilities_describe_static_memory() {
    let (mut r1, mut r2) = ([0u8; 300], [0u8; 200]);
    let mut provider = Provider::new();
    provider.add_region(&mut r1).unwrap();
    provider.add_region(&mut r2).unwrap();
    let held = provider.allocate(&RegionRequest::new(250)).unwrap();
    let caps = provider.get_capabilities();
    assert_eq!(caps.page_size, 1);
    assert!(caps.huge_page_sizes.is_empty());
    assert_eq!(
        caps.memory_limit,
        MemoryLimit::Limited {
            limit: 500,
            in_use: 250
        }
    );
    assert!(!caps.protection.guard_pages && !caps.protection.change_protection);
    assert_eq!(caps.max_regions, 8 * 15);
    provider.release(held).unwrap();
}

static HITS: AtomicUsize = AtomicUsize::new(0);
fn on_timer(context: usize) {
    HITS.fetch_add(context, Ordering::SeqCst);
}

#[test]
fn interrupt_table_through_the_provider() {
    let mut provider = Provider::new();
    let table = provider.interrupts_mut();
    table.register(2, on_timer, 10).unwrap();
    assert_eq!(
        table.register(2, on_timer, 1),
        Err(InterruptError::SlotOccupied { slot: 2 })
    );
    assert_eq!(
        table.register(16, on_timer, 1),
        Err(InterruptError::SlotOutOfRange {
            slot: 16,
            slots: 16
        })
    );
    provider.interrupts().dispatch(2).unwrap();
    assert_eq!(HITS.load(Ordering::SeqCst), 10);
    provider.interrupts_mut().unregister(2).unwrap();
    assert_eq!(
        provider.interrupts().dispatch(2),
        Err(InterruptError::SlotEmpty { slot: 2 })
    );
}

#[derive(Debug, Clone)]
enum Op {
    Alloc { size: usize, align_log2: u32 },
    Release { pick: usize },
    Write { pick: usize, value: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1usize..200, 0u32..7).prop_map(|(size, align_log2)| Op::Alloc { size, align_log2 }),
        any::<usize>().prop_map(|pick| Op::Release { pick }),
        (any::<usize>(), any::<u8>()).prop_map(|(pick, value)| Op::Write { pick, value }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    /// Model: each live block's expected fill byte. After every step every live block must
    /// still hold its own byte (no overlap), sizes must match, and accounting must add up.
    #[test]
    fn blocks_never_overlap_and_keep_their_contents(ops in proptest::collection::vec(op(), 1..80)) {
        let (mut r1, mut r2) = ([0u8; 700], [0u8; 300]);
        let mut provider: EmbeddedResourceProvider<'_, 6> = EmbeddedResourceProvider::new();
        provider.add_region(&mut r1).unwrap();
        provider.add_region(&mut r2).unwrap();
        let mut live: Vec<(EmbeddedBlock, u8)> = Vec::new();
        for op in ops {
            match op {
                Op::Alloc { size, align_log2 } => {
                    let align = 1 << align_log2;
                    match provider.allocate(&RegionRequest::new(size).with_align(align)) {
                        Ok(block) => {
                            let bytes = provider.bytes_mut(&block).unwrap();
                            prop_assert_eq!(bytes.len(), size);
                            prop_assert_eq!(bytes.as_ptr() as usize % align, 0);
                            bytes.fill(0);
                            live.push((block, 0));
                        }
                        Err(EmbeddedError::NoFit { requested, largest_free, .. }) => {
                            prop_assert_eq!(requested, size);
                            prop_assert!(largest_free < size + align - 1);
                        }
                        Err(EmbeddedError::BlockLimit { max_blocks, .. }) => prop_assert_eq!(max_blocks, 5),
                        Err(e) => prop_assert!(false, "unexpected {e:?}"),
                    }
                }
                Op::Release { pick } if !live.is_empty() => {
                    let (block, _) = live.swap_remove(pick % live.len());
                    provider.release(block).unwrap();
                }
                Op::Write { pick, value } if !live.is_empty() => {
                    let i = pick % live.len();
                    provider.bytes_mut(&live[i].0).unwrap().fill(value);
                    live[i].1 = value;
                }
                _ => {}
            }
            for (block, value) in &live {
                let bytes = provider.bytes_mut(block).unwrap();
                prop_assert!(bytes.iter().all(|b| b == value));
            }
            let sizes: usize = live.iter().map(|(b, _)| b.size()).sum();
            prop_assert!(provider.allocated_bytes() >= sizes);
            prop_assert_eq!(live.is_empty(), provider.allocated_bytes() == 0);
        }
    }
}

#[test]
fn blocks_mut_lends_disjoint_blocks_across_regions_in_the_given_order() {
    let (mut r1, mut r2) = ([0u8; 64], [0u8; 64]);
    let mut provider = Provider::new();
    provider.add_region(&mut r1).unwrap();
    provider.add_region(&mut r2).unwrap();
    let a = provider.allocate(&RegionRequest::new(40)).unwrap();
    let b = provider.allocate(&RegionRequest::new(40)).unwrap(); // second region
    let c = provider.allocate(&RegionRequest::new(20)).unwrap(); // first region, after a
    assert_eq!((a.region(), b.region(), c.region()), (0, 1, 0));
    let [sb, sc, sa] = provider.blocks_mut([&b, &c, &a]).unwrap();
    assert_eq!((sa.len(), sb.len(), sc.len()), (40, 40, 20));
    sa.fill(1);
    sb.fill(2);
    sc.fill(3);
    assert!(provider.bytes_mut(&a).unwrap().iter().all(|x| *x == 1));
    assert!(provider.bytes_mut(&b).unwrap().iter().all(|x| *x == 2));
    assert!(provider.bytes_mut(&c).unwrap().iter().all(|x| *x == 3));
    let [] = provider.blocks_mut([]).unwrap();
    // A block of another provider is refused.
    let mut other_ram = [0u8; 8];
    let mut other = Provider::new();
    other.add_region(&mut other_ram).unwrap();
    let foreign = other.allocate(&RegionRequest::new(4)).unwrap();
    assert!(matches!(
        provider.blocks_mut([&a, &foreign]),
        Err(EmbeddedError::ForeignBlock { .. })
    ));
}

/// A WebAssembly `(memory 0 0)` asks for zero bytes. That is valid, so it gets an empty
/// block: no space, no block slot (a region at its block limit and with no free byte still
/// serves it), an empty slice, and a release that changes nothing else.
#[test]
fn an_empty_block_takes_no_space_and_no_block_slot() {
    let mut ram = [0u8; 64];
    // F = 2: one live block per region.
    let mut provider: EmbeddedResourceProvider<'_, 2> = EmbeddedResourceProvider::new();
    provider.add_region(&mut ram).unwrap();
    let whole = provider.allocate(&RegionRequest::new(64)).unwrap();
    let empties: Vec<EmbeddedBlock> = (0..3)
        .map(|_| {
            provider
                .allocate(&RegionRequest::new(0).with_align(1 << 16))
                .unwrap()
        })
        .collect();
    assert_eq!(provider.allocated_bytes(), 64);
    for e in &empties {
        assert_eq!((e.size(), e.region()), (0, 0));
        assert!(provider.bytes_mut(e).unwrap().is_empty());
    }
    let [w, e0, e1] = provider
        .blocks_mut([&whole, &empties[0], &empties[1]])
        .unwrap();
    assert_eq!((w.len(), e0.len(), e1.len()), (64, 0, 0));
    w.fill(5);
    for e in empties {
        provider.release(e).unwrap();
    }
    assert_eq!(provider.allocated_bytes(), 64);
    assert!(provider.bytes_mut(&whole).unwrap().iter().all(|b| *b == 5));
    provider.release(whole).unwrap();
    assert_eq!(provider.allocated_bytes(), 0);
    // The free list is intact: the whole region is one span again.
    let again = provider.allocate(&RegionRequest::new(64)).unwrap();
    provider.release(again).unwrap();
    // Through the trait, too.
    let mut e = PlatformResourceProvider::allocate(&mut provider, &RegionRequest::new(0)).unwrap();
    assert!(provider.region_bytes_mut(&mut e).unwrap().is_empty());
    PlatformResourceProvider::release(&mut provider, e).unwrap();
}

#[test]
fn an_empty_block_is_refused_only_for_what_refuses_any_block() {
    let mut ram = [0u8; 16];
    let mut provider = Provider::new();
    assert_eq!(
        provider.allocate(&RegionRequest::new(0)).unwrap_err(),
        EmbeddedError::NoFit {
            requested: 0,
            align: 1,
            largest_free: 0
        },
        "a provider without regions has nowhere to anchor a block"
    );
    provider.add_region(&mut ram).unwrap();
    assert_eq!(
        provider
            .allocate(&RegionRequest::new(0).with_protection(MemoryProtection::READ))
            .unwrap_err(),
        EmbeddedError::ProtectionUnsupported {
            requested: MemoryProtection::READ
        }
    );
    // An empty block of another provider is foreign here, and handed back.
    let mut other_ram = [0u8; 16];
    let mut other = Provider::new();
    other.add_region(&mut other_ram).unwrap();
    let foreign = other.allocate(&RegionRequest::new(0)).unwrap();
    let refused = provider.release(foreign).unwrap_err();
    assert!(matches!(refused.error, EmbeddedError::ForeignBlock { .. }));
    assert!(matches!(
        provider.bytes_mut(&refused.region),
        Err(EmbeddedError::ForeignBlock { .. })
    ));
    other.release(refused.region).unwrap();
}

/// Audit finding: a block of an earlier provider over the same RAM (a runtime reset) has the
/// same region index and address as the new provider's; it used to be accepted by `release`,
/// which freed the new provider's live span, and the next block was carved over it.
#[test]
fn a_block_of_an_earlier_provider_over_the_same_ram_is_refused() {
    let mut ram = [0u8; 256];
    let stale = {
        let mut old: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
        old.add_region(&mut ram).map_err(|e| e.to_string()).unwrap();
        old.allocate(&RegionRequest::new(64)).unwrap()
    };
    let mut new: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
    new.add_region(&mut ram).map_err(|e| e.to_string()).unwrap();
    let live = new.allocate(&RegionRequest::new(64)).unwrap();
    new.bytes_mut(&live).unwrap().fill(0xAA);
    let allocated = new.allocated_bytes();

    let refused = new.release(stale).unwrap_err();
    assert!(matches!(
        refused.error,
        EmbeddedError::ForeignBlock { region: 0, .. }
    ));
    assert_eq!(new.allocated_bytes(), allocated, "nothing freed");
    let other = new.allocate(&RegionRequest::new(64)).unwrap();
    new.bytes_mut(&other).unwrap().fill(0x55);
    assert!(new.bytes_mut(&live).unwrap().iter().all(|b| *b == 0xAA));
    assert!(new.bytes_mut(&refused.region).is_err());
}
