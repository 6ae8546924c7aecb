//! [`SharedBudget`]: the runtime-wide budget, shared by every store on every thread.

use portable_atomic::{AtomicUsize, Ordering};

use crate::budget::{BudgetKind, BudgetUsage, RuntimeBudget};
use crate::error::ResourceError;

/// A [`RuntimeBudget`] many stores draw from at once, without a lock.
///
/// Each counter is one atomic, charged with a compare-and-swap loop that never lets the
/// total pass its cap: a charge either fits whole or changes nothing. A charge of memory
/// and resources together takes memory first and gives it back if resources do not fit, so
/// another thread may briefly see the memory taken and be refused — the budget can refuse
/// early under contention, but it can never be exceeded.
///
/// The atomics are `portable-atomic`'s: on targets with native compare-and-swap they are
/// core's atomics; on targets without (thumbv6m, riscv32imc) enable one of
/// portable-atomic's `critical-section` or `unsafe-assume-single-core` features in the final
/// binary, the embedded convention.
///
/// A [`StoreLimiter`](super::StoreLimiter) returns everything it charged when it is dropped,
/// so once every store is gone the usage is exactly zero again.
///
/// ```
/// use wrt_component::RuntimeBudget;
/// use wrt_component::engine::SharedBudget;
///
/// static BUDGET: SharedBudget = SharedBudget::new(RuntimeBudget {
///     max_total_memory: 1 << 20,
///     max_total_resources: 8,
/// });
/// BUDGET.charge(512 << 10, 1)?;
/// assert!(BUDGET.charge(768 << 10, 0).is_err()); // would pass 1 MiB: nothing charged
/// assert_eq!(BUDGET.usage().memory, 512 << 10);
/// BUDGET.release(512 << 10, 1);
/// assert_eq!(BUDGET.usage().memory, 0);
/// # Ok::<(), wrt_component::ResourceError>(())
/// ```
#[derive(Debug)]
pub struct SharedBudget {
    limits: RuntimeBudget,
    memory: AtomicUsize,
    resources: AtomicUsize,
}

impl SharedBudget {
    /// A budget with nothing charged; `const`, so it can be a `static` on a device.
    pub const fn new(limits: RuntimeBudget) -> Self {
        Self {
            limits,
            memory: AtomicUsize::new(0),
            resources: AtomicUsize::new(0),
        }
    }

    /// The caps.
    pub const fn limits(&self) -> RuntimeBudget {
        self.limits
    }

    /// What is charged now (each counter read on its own: a snapshot, not a transaction).
    pub fn usage(&self) -> BudgetUsage {
        BudgetUsage {
            memory: self.memory.load(Ordering::Acquire),
            resources: self.resources.load(Ordering::Acquire),
        }
    }

    /// Charges `memory` bytes and `resources` resources, both or neither.
    pub fn charge(&self, memory: usize, resources: usize) -> Result<(), ResourceError> {
        take(
            &self.memory,
            BudgetKind::Memory,
            memory,
            self.limits.max_total_memory,
        )?;
        if let Err(refusal) = take(
            &self.resources,
            BudgetKind::Resources,
            resources,
            self.limits.max_total_resources,
        ) {
            give_back(&self.memory, memory);
            return Err(refusal);
        }
        Ok(())
    }

    /// Gives back what [`charge`](Self::charge) took. Releasing more than is charged is a
    /// caller's bug: the counter ends at zero, not wrapped to "almost full".
    pub fn release(&self, memory: usize, resources: usize) {
        give_back(&self.memory, memory);
        give_back(&self.resources, resources);
    }
}

fn take(
    counter: &AtomicUsize,
    kind: BudgetKind,
    requested: usize,
    limit: usize,
) -> Result<(), ResourceError> {
    if requested == 0 {
        return Ok(());
    }
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
            used.checked_add(requested).filter(|total| *total <= limit)
        })
        .map(|_| ())
        .map_err(|used| {
            let wide = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
            log::debug!("runtime budget {kind}: {requested} requested, {used} used, limit {limit}");
            ResourceError::BudgetExceeded {
                kind,
                requested: wide(requested),
                used: wide(used),
                limit: wide(limit),
            }
        })
}

fn give_back(counter: &AtomicUsize, amount: usize) {
    if amount == 0 {
        return;
    }
    // One read-modify-write on the hot path. An over-release (a caller's bug) wraps the
    // counter for an instant, during which other stores are refused — the safe side — and
    // the fix-up below brings it back to zero, never below.
    let before = counter.fetch_sub(amount, Ordering::AcqRel);
    if before < amount {
        counter.fetch_add(amount.wrapping_sub(before), Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(memory: usize, resources: usize) -> SharedBudget {
        SharedBudget::new(RuntimeBudget {
            max_total_memory: memory,
            max_total_resources: resources,
        })
    }

    #[test]
    fn a_charge_is_all_or_nothing() {
        let b = budget(100, 1);
        b.charge(60, 1).unwrap();
        assert_eq!(
            b.charge(10, 1),
            Err(ResourceError::BudgetExceeded {
                kind: BudgetKind::Resources,
                requested: 1,
                used: 1,
                limit: 1
            })
        );
        assert_eq!(
            b.usage(),
            BudgetUsage {
                memory: 60,
                resources: 1
            }
        );
        assert_eq!(
            b.charge(41, 0),
            Err(ResourceError::BudgetExceeded {
                kind: BudgetKind::Memory,
                requested: 41,
                used: 60,
                limit: 100
            })
        );
        b.charge(40, 0).unwrap();
        b.release(100, 1);
        assert_eq!(b.usage(), BudgetUsage::default());
    }

    #[test]
    fn overflow_and_over_release_neither_wrap() {
        let b = budget(usize::MAX, usize::MAX);
        b.charge(usize::MAX, 0).unwrap();
        assert!(b.charge(1, 0).is_err());
        b.release(usize::MAX, 5);
        b.release(1, 1);
        assert_eq!(b.usage(), BudgetUsage::default());
    }

    #[test]
    fn contending_threads_never_pass_the_cap_and_end_at_zero() {
        let b = budget(1000, 10);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..2000 {
                        if b.charge(300, 3).is_ok() {
                            let seen = b.usage();
                            assert!(seen.memory <= 1000 && seen.resources <= 10);
                            b.release(300, 3);
                        }
                    }
                });
            }
        });
        assert_eq!(b.usage(), BudgetUsage::default());
    }
}
