use super::*;

#[test]
fn blocks_are_distinct_and_zeroed_on_reuse() {
    let mut pool: MemoryPool<8, 3> = MemoryPool::new();
    let handles: [BlockHandle; 3] = [
        pool.allocate().unwrap(),
        pool.allocate().unwrap(),
        pool.allocate().unwrap(),
    ];
    for (i, h) in handles.iter().enumerate() {
        pool.block_mut(h).unwrap().fill(i as u8 + 1);
    }
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(pool.block(h).unwrap(), &[i as u8 + 1; 8]);
    }
    pool.free(handles[1]).unwrap();
    let again = pool.allocate().unwrap();
    assert_eq!(again.index(), handles[1].index());
    assert_eq!(again.generation(), handles[1].generation() + 1);
    assert_eq!(pool.block(&again).unwrap(), &[0; 8]);
}

#[test]
fn exhaustion_is_exact_and_changes_nothing() {
    let mut pool: MemoryPool<4, 2> = MemoryPool::new();
    let a = pool.allocate().unwrap();
    let _b = pool.allocate().unwrap();
    assert_eq!(pool.available(), 0);
    assert_eq!(
        pool.allocate(),
        Err(MemoryError::PoolExhausted { block_count: 2 })
    );
    assert_eq!((pool.allocated(), pool.available()), (2, 0));
    pool.free(a).unwrap();
    assert_eq!(pool.available(), 1);
    assert_eq!(pool.utilization(), 0.5);
}

#[test]
fn freed_handle_is_refused_for_access_and_second_free() {
    let mut pool: MemoryPool<4, 1> = MemoryPool::new();
    let h = pool.allocate().unwrap();
    pool.free(h).unwrap();
    let freed = MemoryError::StaleHandle { handle: h };
    assert_eq!(pool.block(&h), Err(freed));
    assert_eq!(pool.block_mut(&h), Err(freed));
    assert_eq!(pool.free(h), Err(freed), "double free");
    let reused = pool.allocate().unwrap();
    assert_eq!(pool.free(h), Err(freed), "the block is someone else's now");
    assert!(pool.is_live(&reused));
    assert_eq!(pool.allocated(), 1);
}

#[test]
fn handle_from_a_larger_pool_is_forged() {
    let mut big: MemoryPool<4, 8> = MemoryPool::new();
    let mut small: MemoryPool<4, 2> = MemoryPool::new();
    let handles: [BlockHandle; 3] = core::array::from_fn(|_| big.allocate().unwrap());
    assert_eq!(
        small.free(handles[2]),
        Err(MemoryError::ForgedHandle {
            handle: handles[2],
            block_count: 2
        })
    );
    // Same index, a generation this pool's block has not reached: forged, not accepted.
    assert_eq!(
        small.block(&handles[0]),
        Err(MemoryError::ForgedHandle {
            handle: handles[0],
            block_count: 2
        })
    );
}

#[test]
fn exhausted_generation_retires_the_block_instead_of_wrapping() {
    let mut pool: MemoryPool<4, 2> = MemoryPool::new();
    let h = pool.allocate().unwrap();
    let h = pool.set_generation_for_test(&h, core::num::NonZeroU32::MAX);
    pool.free(h).unwrap();
    assert_eq!(pool.retired(), 1);
    assert_eq!(pool.available(), 1);
    let other = pool.allocate().unwrap();
    assert_eq!(other.index(), 1, "the retired block is never handed out");
    assert_eq!(
        pool.allocate(),
        Err(MemoryError::PoolExhausted { block_count: 2 })
    );
}

#[test]
fn external_backing_must_be_large_enough_and_is_zeroed_per_block() {
    let mut small = [0u8; 15];
    assert_eq!(
        MemoryPool::<4, 4, &mut [u8]>::with_backing(&mut small[..])
            .unwrap_err()
            .error,
        MemoryError::BackingTooSmall {
            required: 16,
            provided: 15
        }
    );
    let mut ram = [0xFFu8; 17];
    {
        let mut pool = MemoryPool::<4, 4, &mut [u8]>::with_backing(&mut ram[..]).unwrap();
        let h = pool.allocate().unwrap();
        assert_eq!(pool.block(&h).unwrap(), &[0; 4]);
        pool.block_mut(&h).unwrap().copy_from_slice(&[1, 2, 3, 4]);
    }
    assert_eq!(&ram[..5], &[1, 2, 3, 4, 0xFF]);
}

#[test]
fn zero_block_pools_are_always_exhausted() {
    let mut pool: MemoryPool<16, 0> = MemoryPool::new();
    assert_eq!(pool.utilization(), 0.0);
    assert_eq!(
        pool.allocate(),
        Err(MemoryError::PoolExhausted { block_count: 0 })
    );
}

static POOL_IN_A_STATIC: MemoryPool<32, 4> = MemoryPool::new();

#[test]
fn inline_pool_can_be_built_in_a_static() {
    assert_eq!(POOL_IN_A_STATIC.capacity(), 4);
    assert_eq!(POOL_IN_A_STATIC.available(), 4);
}
