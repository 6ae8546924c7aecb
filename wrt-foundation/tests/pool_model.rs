//! Model-based test of `MemoryPool`: random allocate / free / write sequences, including
//! frees and accesses through freed and reused handles, checked against a model after
//! every step — for the inline pool and for one over borrowed backing bytes. The pool's
//! request figures (refusals, bytes held, largest request) are checked against the model's
//! count after every step too.

use proptest::prelude::*;
use wrt_foundation::memory::{BlockHandle, MemoryError, MemoryPool, RequestTally};

const BLOCK: usize = 16;
const COUNT: usize = 6;

#[derive(Debug, Clone)]
enum Op {
    /// `allocate()` (a whole block) for `None`, else `allocate_for(bytes)`, sometimes more
    /// than a block.
    Allocate(Option<usize>),
    /// Free the n-th handle ever issued (modulo), live or not.
    Free(usize),
    /// Fill the n-th handle's block with a byte, live or not.
    Write(usize, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => proptest::option::of(0..BLOCK * 2).prop_map(Op::Allocate),
        3 => any::<usize>().prop_map(Op::Free),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(n, b)| Op::Write(n, b)),
    ]
}

/// What the pool should hold: every handle issued, which are live and with what contents,
/// and the latest handle issued for each block index.
#[derive(Default)]
struct Model {
    issued: Vec<BlockHandle>,
    live: Vec<(BlockHandle, u8)>,
    /// Bytes asked for by each live handle.
    held: Vec<(BlockHandle, usize)>,
    latest: [Option<BlockHandle>; COUNT],
    refusals: u64,
    largest: Option<usize>,
}

impl Model {
    fn is_live(&self, handle: BlockHandle) -> bool {
        self.live.iter().any(|(h, _)| *h == handle)
    }

    /// The refusal the pool must give for a handle it issued that is not live: stale, be
    /// it a use after free, a double free or a handle of a reused block.
    fn refusal(&self, handle: BlockHandle, _freeing: bool) -> MemoryError {
        assert!(self.latest[handle.index() as usize].is_some());
        MemoryError::StaleHandle { handle }
    }
}

fn run<B: AsRef<[u8]> + AsMut<[u8]>>(mut pool: MemoryPool<BLOCK, COUNT, B>, ops: Vec<Op>) {
    let mut model = Model::default();
    for op in ops {
        match op {
            Op::Allocate(bytes) => {
                match match bytes {
                    None => pool.allocate(),
                    Some(b) => pool.allocate_for(b),
                } {
                    Ok(handle) => {
                        let asked = bytes.unwrap_or(BLOCK);
                        assert!(
                            asked <= BLOCK,
                            "granted {asked} bytes of a {BLOCK}-byte block"
                        );
                        model.largest = model.largest.max(Some(asked));
                        model.held.push((handle, asked));
                        assert!(
                            model.live.len() < COUNT,
                            "handed out more than COUNT blocks"
                        );
                        assert!(
                            model.live.iter().all(|(h, _)| h.index() != handle.index()),
                            "block {} handed out twice",
                            handle.index()
                        );
                        assert!(!model.issued.contains(&handle), "handle reissued");
                        assert_eq!(pool.block(&handle).unwrap(), &[0; BLOCK], "not zeroed");
                        model.issued.push(handle);
                        model.live.push((handle, 0));
                        model.latest[handle.index() as usize] = Some(handle);
                    }
                    Err(err) => {
                        let asked = bytes.unwrap_or(BLOCK);
                        model.largest = model.largest.max(Some(asked));
                        model.refusals += 1;
                        if asked > BLOCK {
                            assert_eq!(
                                err,
                                MemoryError::RequestTooLarge {
                                    requested: asked,
                                    block_size: BLOCK
                                }
                            );
                        } else {
                            assert_eq!(err, MemoryError::PoolExhausted { block_count: COUNT });
                            assert_eq!(model.live.len(), COUNT, "exhausted early");
                        }
                    }
                }
            }
            Op::Free(n) if !model.issued.is_empty() => {
                let handle = model.issued[n % model.issued.len()];
                if model.is_live(handle) {
                    pool.free(handle).unwrap();
                    model.live.retain(|(h, _)| *h != handle);
                    model.held.retain(|(h, _)| *h != handle);
                } else {
                    assert_eq!(pool.free(handle), Err(model.refusal(handle, true)));
                }
            }
            Op::Write(n, byte) if !model.issued.is_empty() => {
                let handle = model.issued[n % model.issued.len()];
                if model.is_live(handle) {
                    pool.block_mut(&handle).unwrap().fill(byte);
                    for entry in &mut model.live {
                        if entry.0 == handle {
                            entry.1 = byte;
                        }
                    }
                } else {
                    let refusal = model.refusal(handle, false);
                    assert_eq!(pool.block_mut(&handle).map(|b| b.len()), Err(refusal));
                    assert_eq!(pool.block(&handle).map(<[u8]>::len), Err(refusal));
                }
            }
            Op::Free(_) | Op::Write(..) => {}
        }
        // Every live block holds exactly what was written to it, whatever was written
        // to the others.
        for (handle, byte) in &model.live {
            assert!(pool.is_live(handle));
            assert_eq!(pool.block(handle).unwrap(), &[*byte; BLOCK]);
        }
        let live = model.live.len();
        assert_eq!(pool.allocated(), live);
        assert_eq!(pool.available(), COUNT - live);
        assert_eq!(pool.utilization(), live as f32 / COUNT as f32);
        let tally: &RequestTally = pool.requests();
        assert_eq!(
            (tally.refusals, tally.bytes_held, tally.largest),
            (
                model.refusals,
                model.held.iter().map(|(_, b)| b).sum(),
                model.largest
            )
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn inline_pool_matches_model(ops in proptest::collection::vec(op(), 1..80)) {
        run(MemoryPool::<BLOCK, COUNT>::new(), ops);
    }

    #[test]
    fn pool_over_borrowed_bytes_matches_model(
        ops in proptest::collection::vec(op(), 1..80),
        garbage in any::<u8>(),
    ) {
        // One spare byte past the blocks; old contents must never show through.
        let mut ram = [garbage; BLOCK * COUNT + 1];
        let pool = MemoryPool::<BLOCK, COUNT, &mut [u8]>::with_backing(&mut ram[..]).unwrap();
        run(pool, ops);
        prop_assert_eq!(ram[BLOCK * COUNT], garbage, "wrote past the blocks");
    }
}

#[test]
fn exhaustion_happens_exactly_at_block_count() {
    let mut pool = MemoryPool::<BLOCK, COUNT>::new();
    let handles: Vec<BlockHandle> = (0..COUNT).map(|_| pool.allocate().unwrap()).collect();
    assert_eq!(pool.utilization(), 1.0);
    assert_eq!(
        pool.allocate(),
        Err(MemoryError::PoolExhausted { block_count: COUNT })
    );
    for handle in handles {
        pool.free(handle).unwrap();
    }
    assert_eq!((pool.allocated(), pool.available()), (0, COUNT));
    for _ in 0..COUNT {
        pool.allocate().unwrap();
    }
    assert!(pool.allocate().is_err());
}
