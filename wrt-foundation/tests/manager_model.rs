//! Model-based test of `LinearMemoryManager`: random allocate / grow / release / write
//! sequences under a random budget, checked against a model after every step — the budget
//! is never exceeded, released bytes return to it, released ids stay dead, and each
//! region keeps its own contents. Run for the fixed table and (with `alloc`) the heap one.

use proptest::prelude::*;
use wrt_foundation::memory::{
    FixedMemoryManager, LinearMemoryManager, MemoryError, MemoryProtection, PAGE_SIZE, RegionId,
    RegionTable,
};

const RW: MemoryProtection = MemoryProtection::READ_WRITE;
const SLOTS: usize = 3;
const REGION_PAGES: u32 = 2;

#[derive(Debug, Clone)]
enum Op {
    Allocate(u32, Option<u32>),
    /// Release the n-th id ever issued (modulo), live or not.
    Release(usize),
    Grow(usize, u32),
    Stamp(usize, u8),
    SetBudget(Option<u32>),
}

fn op() -> impl Strategy<Value = Op> {
    let pages = 0u32..=REGION_PAGES + 1;
    prop_oneof![
        4 => (pages.clone(), proptest::option::of(pages.clone())).prop_map(|(i, m)| Op::Allocate(i, m)),
        2 => any::<usize>().prop_map(Op::Release),
        2 => (any::<usize>(), pages).prop_map(|(n, d)| Op::Grow(n, d)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(n, b)| Op::Stamp(n, b)),
        1 => proptest::option::of(0u32..=6).prop_map(Op::SetBudget),
    ]
}

struct Live {
    id: RegionId,
    pages: u32,
    maximum: u32,
    /// Byte written over the first `stamped` bytes; pages grown since are zero.
    stamp: u8,
    stamped: usize,
}

struct Model {
    budget: Option<usize>,
    capacity: Option<usize>,
    region_pages: u32,
    issued: Vec<RegionId>,
    live: Vec<Live>,
    peak: usize,
}

impl Model {
    fn total(&self) -> usize {
        self.live.iter().map(|r| r.pages as usize * PAGE_SIZE).sum()
    }

    fn available(&self) -> Option<usize> {
        self.budget.map(|b| b.saturating_sub(self.total()))
    }

    fn over_budget(&self, requested: usize) -> Option<MemoryError> {
        let available = self.available()?;
        (requested > available).then_some(MemoryError::AllocationLimitExceeded {
            requested,
            available,
        })
    }

    fn live_mut(&mut self, id: RegionId) -> Option<&mut Live> {
        self.live.iter_mut().find(|r| r.id == id)
    }
}

fn step<T: RegionTable>(m: &mut LinearMemoryManager<T>, model: &mut Model, op: Op) {
    match op {
        Op::Allocate(initial, maximum) => {
            let requested = initial as usize * PAGE_SIZE;
            let max_size = model.region_pages as usize * PAGE_SIZE;
            let expected = if requested > max_size {
                Some(MemoryError::SizeTooLarge {
                    requested,
                    max_size,
                })
            } else if let Some(max) = maximum.filter(|&max| max < initial) {
                Some(MemoryError::InvalidLimits {
                    initial,
                    maximum: max,
                })
            } else if let Some(err) = model.over_budget(requested) {
                Some(err)
            } else if Some(model.live.len()) == model.capacity {
                Some(MemoryError::RegionTableFull { capacity: SLOTS })
            } else {
                None
            };
            match (m.allocate_pages(initial, maximum, RW), expected) {
                (Ok(id), None) => {
                    assert!(!model.issued.contains(&id), "id {id} issued twice");
                    let maximum = maximum.unwrap_or(u32::MAX).min(model.region_pages);
                    model.issued.push(id);
                    model.live.push(Live {
                        id,
                        pages: initial,
                        maximum,
                        stamp: 0,
                        stamped: 0,
                    });
                }
                (actual, expected) => assert_eq!(actual.err(), expected),
            }
        }
        Op::Release(n) if !model.issued.is_empty() => {
            let id = model.issued[n % model.issued.len()];
            match model.live.iter().position(|r| r.id == id) {
                Some(i) => {
                    let gone = model.live.remove(i);
                    let info = m.release(id).unwrap();
                    assert_eq!((info.id, info.pages), (id, gone.pages));
                    assert_eq!(info.size, gone.pages as usize * PAGE_SIZE);
                }
                None => assert_eq!(m.release(id), Err(MemoryError::StaleRegion { id })),
            }
        }
        Op::Grow(n, delta) if !model.issued.is_empty() => {
            let id = model.issued[n % model.issued.len()];
            let over_budget = model.over_budget(delta as usize * PAGE_SIZE);
            let actual = m.grow(id, delta);
            let Some(region) = model.live_mut(id) else {
                assert_eq!(actual, Err(MemoryError::StaleRegion { id }));
                return;
            };
            let available = region.maximum - region.pages;
            let expected = if delta > available {
                Err(MemoryError::GrowLimitExceeded {
                    requested: delta,
                    available,
                    maximum: region.maximum,
                })
            } else if let Some(err) = over_budget {
                Err(err)
            } else {
                region.pages += delta;
                Ok(region.pages - delta)
            };
            assert_eq!(actual, expected);
        }
        Op::Stamp(n, byte) if !model.issued.is_empty() => {
            let id = model.issued[n % model.issued.len()];
            let actual = m
                .memory_mut(id)
                .and_then(|mut mem| mem.fill(0, mem.size_bytes() as u64, byte));
            match model.live_mut(id) {
                Some(region) => {
                    actual.unwrap();
                    region.stamp = byte;
                    region.stamped = region.pages as usize * PAGE_SIZE;
                }
                None => assert_eq!(actual, Err(MemoryError::StaleRegion { id })),
            }
        }
        Op::SetBudget(pages) => {
            model.budget = pages.map(|p| p as usize * PAGE_SIZE);
            m.set_max_memory(model.budget);
        }
        Op::Release(_) | Op::Grow(..) | Op::Stamp(..) => {}
    }
}

fn run<T: RegionTable>(m: &mut LinearMemoryManager<T>, budget: Option<usize>, ops: Vec<Op>) {
    let mut model = Model {
        budget,
        capacity: m.region_capacity(),
        region_pages: (m.max_region_size() / PAGE_SIZE) as u32,
        issued: Vec::new(),
        live: Vec::new(),
        peak: 0,
    };
    for op in ops {
        let total_before = model.total();
        step(m, &mut model, op);
        let total = model.total();
        if total > total_before {
            // Growth happened: it must fit the budget in force.
            assert!(model.budget.is_none_or(|b| total <= b), "budget exceeded");
        }
        model.peak = model.peak.max(total);
        assert_eq!(m.total_allocated(), total);
        assert_eq!(m.peak_allocated(), model.peak);
        assert_eq!(m.available(), model.available());
        assert_eq!(m.region_count(), model.live.len());
        let mut listed: Vec<RegionId> = m.regions().map(|r| r.id).collect();
        let mut expected: Vec<RegionId> = model.live.iter().map(|r| r.id).collect();
        listed.sort_unstable();
        expected.sort_unstable();
        assert_eq!(listed, expected);
        for region in &model.live {
            let memory = m.memory(region.id).unwrap();
            assert_eq!(memory.pages(), region.pages);
            assert_eq!(memory.maximum_pages(), region.maximum);
            let (stamped, grown) = memory.as_bytes().unwrap().split_at(region.stamped);
            assert!(
                stamped.iter().all(|&b| b == region.stamp) && grown.iter().all(|&b| b == 0),
                "region {} lost its contents",
                region.id
            );
        }
    }
}

fn budget() -> impl Strategy<Value = Option<usize>> {
    proptest::option::of((0usize..=5).prop_map(|p| p * PAGE_SIZE))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fixed_manager_matches_model(budget in budget(), ops in proptest::collection::vec(op(), 1..40)) {
        // Three inline regions of two pages: keep the 384 KiB off the test thread's stack.
        let mut m = Box::new(FixedMemoryManager::<SLOTS, { REGION_PAGES as usize * PAGE_SIZE }>::new(budget));
        run(&mut m, budget, ops);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn heap_manager_matches_model(budget in budget(), ops in proptest::collection::vec(op(), 1..40)) {
        run(&mut wrt_foundation::memory::HeapMemoryManager::new(budget), budget, ops);
    }
}
