//! Linear memories, managers and pools from wrt-foundation with their bytes taken from
//! platform providers: the embedded provider in every feature set, the Linux provider's
//! owned guard-paged regions with `std` on Linux.

use wrt_foundation::memory::{
    LinearMemoryManager, MemoryError, MemoryProtection, PAGE_SIZE, RegionTable,
};
use wrt_platform::RegionRequest;
use wrt_platform::bridge::{
    BridgeError, ProviderRegions, borrowed_linear_memory, borrowed_pool, pages_request,
};
use wrt_platform::embedded::{EmbeddedError, EmbeddedResourceProvider};

#[test]
fn borrowed_memory_lives_in_the_block_and_stops_at_its_end() {
    let mut ram = vec![0xEEu8; 3 * PAGE_SIZE + 100];
    let ram_range = ram.as_ptr_range();
    let mut provider: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
    provider.add_region(&mut ram).unwrap();
    let mut block = provider.allocate(&pages_request(2).unwrap()).unwrap();
    {
        let mut memory = borrowed_linear_memory(
            &mut provider,
            &mut block,
            1,
            None,
            MemoryProtection::READ_WRITE,
        )
        .unwrap();
        assert_eq!(memory.maximum_pages(), 2);
        // Committed pages are zeroed even though the RAM held 0xEE.
        assert_eq!(memory.load_u32(0).unwrap(), 0);
        memory.store_u32(PAGE_SIZE as u64 - 4, 0xDEAD_BEEF).unwrap();
        assert_eq!(memory.grow(1).unwrap(), 1);
        assert_eq!(
            memory.grow(1),
            Err(MemoryError::GrowLimitExceeded {
                requested: 1,
                available: 0,
                maximum: 2
            })
        );
        let bytes = memory.as_bytes().unwrap();
        assert!(ram_range.contains(&bytes.as_ptr()));
    }
    let bytes = provider.bytes_mut(&block).unwrap();
    assert_eq!(
        &bytes[PAGE_SIZE - 4..PAGE_SIZE],
        &0xDEAD_BEEFu32.to_le_bytes()
    );
    provider.release(block).unwrap();
}

#[test]
fn borrowed_pool_over_a_block() {
    let mut ram = [0u8; 1024];
    let mut provider: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
    provider.add_region(&mut ram).unwrap();
    let mut block = provider.allocate(&RegionRequest::new(256)).unwrap();
    let mut pool = borrowed_pool::<64, 4, _>(&mut provider, &mut block).unwrap();
    let handles: Vec<_> = (0..4).map(|_| pool.allocate().unwrap()).collect();
    assert_eq!(
        pool.allocate(),
        Err(MemoryError::PoolExhausted { block_count: 4 })
    );
    pool.block_mut(&handles[3]).unwrap().fill(9);
    let _ = pool.into_backing(); // the borrow of the block ends here
    assert_eq!(provider.bytes_mut(&block).unwrap()[192..], [9u8; 64]);
    // A block too small for the pool is refused by the pool, with its numbers.
    let mut small = provider.allocate(&RegionRequest::new(100)).unwrap();
    assert_eq!(
        borrowed_pool::<64, 4, _>(&mut provider, &mut small).unwrap_err(),
        BridgeError::Memory(MemoryError::BackingTooSmall {
            required: 256,
            provided: 100
        })
    );
}

#[test]
fn manager_over_several_embedded_blocks() {
    let mut ram = vec![0u8; 3 * PAGE_SIZE];
    let mut provider: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
    provider.add_region(&mut ram).unwrap();
    let a = provider.allocate(&pages_request(1).unwrap()).unwrap();
    let b = provider.allocate(&pages_request(1).unwrap()).unwrap();
    assert!(matches!(
        provider.blocks_mut([&a, &a]),
        Err(EmbeddedError::ForeignBlock { .. })
    ));
    let [bytes_a, bytes_b] = provider.blocks_mut([&b, &a]).unwrap();
    let (addr_a, addr_b) = (bytes_a.as_ptr(), bytes_b.as_ptr());
    let mut table = ProviderRegions::<&mut [u8], 2>::new();
    table.push_backing(bytes_a).unwrap();
    table.push_backing(bytes_b).unwrap();
    assert_eq!(table.max_region_size(), PAGE_SIZE);
    let mut manager = LinearMemoryManager::with_table(table, Some(2 * PAGE_SIZE));
    let m1 = manager
        .allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE)
        .unwrap();
    let m2 = manager
        .allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE)
        .unwrap();
    assert!(matches!(
        manager.allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE),
        Err(MemoryError::AllocationLimitExceeded { .. } | MemoryError::RegionTableFull { .. })
    ));
    manager.memory_mut(m1).unwrap().store_u32(0, 1).unwrap();
    manager.memory_mut(m2).unwrap().store_u32(0, 2).unwrap();
    let p1 = manager.memory(m1).unwrap().as_bytes().unwrap().as_ptr();
    let p2 = manager.memory(m2).unwrap().as_bytes().unwrap().as_ptr();
    assert_eq!((p1, p2), (addr_a, addr_b));
    drop(manager);
    assert_eq!(provider.bytes_mut(&b).unwrap()[0], 1);
    assert_eq!(provider.bytes_mut(&a).unwrap()[0], 2);
}

#[test]
fn provider_regions_table_is_bounded() {
    let mut backing = [[0u8; 8]; 2];
    let [x, y] = &mut backing;
    let mut table = ProviderRegions::<&mut [u8], 1>::new();
    table.push_backing(&mut x[..]).unwrap();
    assert_eq!(table.push_backing(&mut y[..]).unwrap_err().len(), 8);
    // Smaller than a page: the slot can hold no memory at all.
    assert_eq!(table.max_region_size(), 0);
}

/// A `(memory 0 0)` over an empty block: a memory of no pages that cannot grow.
#[test]
fn an_empty_memory_over_an_empty_block() {
    let mut ram = [0u8; 64];
    let mut provider: EmbeddedResourceProvider = EmbeddedResourceProvider::new();
    provider.add_region(&mut ram).unwrap();
    let mut block = provider.allocate(&pages_request(0).unwrap()).unwrap();
    {
        let mut memory = borrowed_linear_memory(
            &mut provider,
            &mut block,
            0,
            Some(0),
            MemoryProtection::READ_WRITE,
        )
        .unwrap();
        assert_eq!(memory.size_bytes(), 0);
        assert!(memory.grow(1).is_err());
    }
    provider.release(block).unwrap();
    assert_eq!(provider.allocated_bytes(), 0);
}

#[cfg(all(target_os = "linux", feature = "std"))]
mod linux {
    use super::*;
    use wrt_platform::bridge::{guarded_linear_memory, guarded_memory_manager, guarded_pool};
    use wrt_platform::linux::LinuxResourceProvider;

    fn perms_at(addr: usize) -> String {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        maps.lines()
            .find_map(|l| {
                let (range, rest) = l.split_once(' ')?;
                let (s, e) = range.split_once('-')?;
                let (s, e) = (
                    usize::from_str_radix(s, 16).ok()?,
                    usize::from_str_radix(e, 16).ok()?,
                );
                (s <= addr && addr < e).then(|| rest.split_whitespace().next().unwrap().to_string())
            })
            .unwrap_or_default()
    }

    #[test]
    fn guarded_linear_memory_owns_an_mmap_region_with_guards() {
        let provider = LinuxResourceProvider::default();
        let mut memory =
            guarded_linear_memory(&provider, 1, 3, MemoryProtection::READ_WRITE).unwrap();
        memory.store_u64(8, 77).unwrap();
        memory.grow(2).unwrap();
        let addr = memory.as_bytes().unwrap().as_ptr() as usize;
        assert_eq!(perms_at(addr), "rw-p");
        assert_eq!(perms_at(addr - 1), "---p");
        assert_eq!(perms_at(addr + 3 * PAGE_SIZE), "---p");
        assert!(memory.grow(1).is_err());
        let region = memory.into_storage().into_backing().into_region();
        assert_eq!((region.addr(), region.size()), (addr, 3 * PAGE_SIZE));
        assert_eq!(region.bytes().unwrap()[8], 77);
    }

    /// A `(memory 0 0)` in a guarded region: no page, nothing accessible, cannot grow.
    #[test]
    fn an_empty_guarded_linear_memory() {
        let provider = LinuxResourceProvider::default();
        let mut memory =
            guarded_linear_memory(&provider, 0, 0, MemoryProtection::READ_WRITE).unwrap();
        assert_eq!(memory.size_bytes(), 0);
        assert!(memory.grow(1).is_err());
        let region = memory.into_storage().into_backing().into_region();
        assert_eq!((region.size(), region.mapped_len()), (0, 0));
        assert_eq!(perms_at(region.addr()), "---p");
        region.release().unwrap();
    }

    #[test]
    fn guarded_manager_and_pool() {
        let provider = LinuxResourceProvider::default();
        let mut manager =
            guarded_memory_manager::<4>(&provider, 2, 2, Some(3 * PAGE_SIZE)).unwrap();
        let a = manager
            .allocate_memory(2 * PAGE_SIZE, MemoryProtection::READ_WRITE)
            .unwrap();
        assert_eq!(
            manager.allocate_memory(2 * PAGE_SIZE, MemoryProtection::READ_WRITE),
            Err(MemoryError::AllocationLimitExceeded {
                requested: 2 * PAGE_SIZE,
                available: PAGE_SIZE
            })
        );
        manager.memory_mut(a).unwrap().store_u32(4, 5).unwrap();
        let addr = manager.memory(a).unwrap().as_bytes().unwrap().as_ptr() as usize;
        assert_eq!(perms_at(addr - 1), "---p");
        assert_eq!(
            guarded_memory_manager::<1>(&provider, 2, 1, None).err(),
            Some(BridgeError::TooManyRegions {
                requested: 2,
                capacity: 1
            })
        );

        let mut pool = guarded_pool::<4096, 8>(&provider).unwrap();
        let h = pool.allocate().unwrap();
        pool.block_mut(&h).unwrap()[4095] = 1;
        let region = pool.into_backing().into_region();
        assert_eq!(region.size(), 8 * 4096);
        assert_eq!(region.bytes().unwrap()[4095], 1);
    }
}
