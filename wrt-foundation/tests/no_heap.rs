//! "no_alloc means no allocation", checked at run time: the fixed-capacity types are driven
//! through their whole API under a counting global allocator, and the count must stay zero.
//!
//! The link-time proof (proofs/no-alloc, no allocator at all) shows the no_alloc graph
//! *cannot* allocate; this test shows the same code paths *do not* allocate when built in
//! an ordinary std test binary, where nothing would stop them.

use wrt_foundation::memory::{
    FixedMemoryManager, InlineLinearMemory, MemoryPool, MemoryProtection, PAGE_SIZE,
};
use wrt_foundation::{BoundedMap, BoundedString, BoundedVec};

use wrt_test_support::counting_allocator::{CountingAllocator, allocations_during};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn bounded_collections_never_allocate() {
    let n = allocations_during(|| {
        let mut v: BoundedVec<u32, 8> = BoundedVec::new();
        for i in 0..10 {
            let _ = v.push(i);
        }
        v.retain(|x| x % 2 == 0);
        let _ = v.insert(0, 99);
        let _ = v.remove(1);
        let mut s: BoundedString<16> = BoundedString::try_from_str("component-").unwrap();
        assert!(s.push_str("name-that-is-too-long").is_err());
        s.push('é').unwrap();
        let mut m: BoundedMap<BoundedString<16>, u64, 4> = BoundedMap::new();
        m.insert(s.clone(), 1).unwrap();
        assert_eq!(m.get(s.as_str()), Some(&1));
        assert_eq!(m.remove(s.as_str()), Some(1));
        std::hint::black_box((v, s, m));
    });
    assert_eq!(n, 0);
}

#[test]
fn fixed_memory_types_never_allocate() {
    let n = allocations_during(|| {
        let mut memory = InlineLinearMemory::<{ 2 * PAGE_SIZE }>::inline(
            1,
            Some(2),
            MemoryProtection::READ_WRITE,
        )
        .unwrap();
        memory.store_u32(8, 0xdead_beef).unwrap();
        assert_eq!(memory.grow(1).unwrap(), 1);
        memory.copy_within(8, PAGE_SIZE as u64, 4).unwrap();
        assert_eq!(memory.load_u32(PAGE_SIZE as u64).unwrap(), 0xdead_beef);
        assert!(memory.grow(1).is_err());
        assert!(memory.fill(u64::MAX, 2, 0).is_err());

        let mut pool: MemoryPool<64, 4> = MemoryPool::new();
        let a = pool.allocate().unwrap();
        pool.block_mut(&a).unwrap().fill(7);
        pool.free(a).unwrap();
        assert!(pool.free(a).is_err());

        let mut manager: FixedMemoryManager<2, PAGE_SIZE> =
            FixedMemoryManager::new(Some(PAGE_SIZE));
        let region = manager
            .allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE)
            .unwrap();
        assert!(
            manager
                .allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE)
                .is_err()
        );
        manager.release(region).unwrap();
        std::hint::black_box((memory, pool, manager));
    });
    assert_eq!(n, 0);
}
