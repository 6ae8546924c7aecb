//! [`SharedBudget`]: the runtime-wide budget, shared by every store on every thread.

use portable_atomic::{AtomicUsize, Ordering};

use crate::budget::{BudgetKind, BudgetUsage, RuntimeBudget};
use crate::error::ResourceError;

/// A [`RuntimeBudget`] many stores draw from at once, without a lock.
///
/// When both caps fit in one machine word together (each with one bit to spare: a 1 GiB
/// memory cap and 65 536 resources take 50 bits of 64; 1 MiB and 255 resources 31 of 32),
/// the two counters share that word. A charge is then one compare-and-swap of both at once
/// and a release one subtraction: a charge of memory and resources fits whole or changes
/// nothing, and [`usage`](Self::usage) is a consistent snapshot. Under contention this is
/// half the read-modify-writes of a counter per word, each of which moves the cache line
/// between cores.
///
/// Wider caps ([`RuntimeBudget::unlimited`], say) get a word per counter, each charged with
/// its own compare-and-swap loop that never lets the total pass its cap. A charge of both
/// takes memory first and gives it back if resources do not fit, so another thread may
/// briefly see the memory taken and be refused: this layout can refuse early under
/// contention. Neither layout can be exceeded.
///
/// The atomics are `portable-atomic`'s `AtomicUsize`, the native word: on targets with
/// native compare-and-swap they are core's atomics; on targets without (thumbv6m,
/// riscv32imc) enable one of portable-atomic's `critical-section` or
/// `unsafe-assume-single-core` features in the final binary, the embedded convention.
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
/// assert!(BUDGET.is_packed()); // 21 + 1 and 4 + 1 bits: one word
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
    counters: Counters,
}

/// How the two counters are held, chosen by the caps at construction.
#[derive(Debug)]
enum Counters {
    /// One word: resources in the low `shift` bits, memory above them.
    Packed { shift: u32, word: AtomicUsize },
    /// A word each.
    Split {
        memory: AtomicUsize,
        resources: AtomicUsize,
    },
}

impl Counters {
    /// Packed when each cap, with one spare bit above it, fits beside the other.
    ///
    /// The spare bits make a caller's over-release (more given back than was charged) land
    /// on the safe side while it is being corrected: the field it wraps reads as more than
    /// its cap, so every other charge is refused meanwhile instead of granted.
    const fn for_caps(limits: RuntimeBudget) -> Self {
        let resource_bits = bits(limits.max_total_resources).saturating_add(1);
        let memory_bits = bits(limits.max_total_memory).saturating_add(1);
        if resource_bits.saturating_add(memory_bits) <= usize::BITS {
            Self::Packed {
                shift: resource_bits,
                word: AtomicUsize::new(0),
            }
        } else {
            Self::split()
        }
    }

    const fn split() -> Self {
        Self::Split {
            memory: AtomicUsize::new(0),
            resources: AtomicUsize::new(0),
        }
    }
}

/// Bits needed to write `value`.
const fn bits(value: usize) -> u32 {
    usize::BITS.saturating_sub(value.leading_zeros())
}

/// `used + requested` when it stays within `limit`: the one test behind every charge.
#[inline]
fn within(used: usize, requested: usize, limit: usize) -> Option<usize> {
    used.checked_add(requested).filter(|total| *total <= limit)
}

/// The word holding `memory` and `resources` (each already checked to fit its field).
#[inline]
const fn pack(shift: u32, memory: usize, resources: usize) -> usize {
    memory.wrapping_shl(shift) | resources
}

#[inline]
const fn unpack(shift: u32, word: usize) -> BudgetUsage {
    BudgetUsage {
        memory: word.wrapping_shr(shift),
        resources: word & (1_usize.wrapping_shl(shift).wrapping_sub(1)),
    }
}

impl SharedBudget {
    /// A budget with nothing charged; `const`, so it can be a `static` on a device.
    pub const fn new(limits: RuntimeBudget) -> Self {
        Self {
            limits,
            counters: Counters::for_caps(limits),
        }
    }

    /// A budget with a word per counter whatever its caps, so that the tests can run one
    /// sequence through both layouts.
    #[cfg(test)]
    const fn split(limits: RuntimeBudget) -> Self {
        Self {
            limits,
            counters: Counters::split(),
        }
    }

    /// The caps.
    pub const fn limits(&self) -> RuntimeBudget {
        self.limits
    }

    /// `true` when both counters share one word (see the [type documentation](Self)).
    pub const fn is_packed(&self) -> bool {
        matches!(self.counters, Counters::Packed { .. })
    }

    /// What is charged now: one read when packed; when split, each counter read on its own
    /// (a snapshot per counter, not of the pair).
    pub fn usage(&self) -> BudgetUsage {
        match &self.counters {
            Counters::Packed { shift, word } => unpack(*shift, word.load(Ordering::Acquire)),
            Counters::Split { memory, resources } => BudgetUsage {
                memory: memory.load(Ordering::Acquire),
                resources: resources.load(Ordering::Acquire),
            },
        }
    }

    /// Charges `memory` bytes and `resources` resources, both or neither.
    ///
    /// # Errors
    /// [`ResourceError::BudgetExceeded`] naming the first cap that would be passed (memory
    /// before resources) with the request, what was charged and the cap; nothing is
    /// charged then.
    #[inline]
    pub fn charge(&self, memory: usize, resources: usize) -> Result<(), ResourceError> {
        match &self.counters {
            Counters::Packed { shift, word } => self.charge_packed(*shift, word, memory, resources),
            Counters::Split {
                memory: memory_used,
                resources: resources_used,
            } => self.charge_split(memory_used, resources_used, memory, resources),
        }
    }

    /// Gives back what [`charge`](Self::charge) took. Releasing more than is charged is a
    /// caller's bug: the counter ends at zero, not wrapped to "almost full".
    #[inline]
    pub fn release(&self, memory: usize, resources: usize) {
        match &self.counters {
            Counters::Packed { shift, word } => {
                self.release_packed(*shift, word, memory, resources);
            }
            Counters::Split {
                memory: memory_used,
                resources: resources_used,
            } => {
                give_back(memory_used, memory);
                give_back(resources_used, resources);
            }
        }
    }

    #[inline]
    fn charge_packed(
        &self,
        shift: u32,
        word: &AtomicUsize,
        memory: usize,
        resources: usize,
    ) -> Result<(), ResourceError> {
        let caps = self.limits;
        // Both below their caps, so the sum below stays inside each field.
        let added = pack(shift, memory, resources);
        word.fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
            let used = unpack(shift, now);
            let fits = within(used.memory, memory, caps.max_total_memory).is_some()
                && within(used.resources, resources, caps.max_total_resources).is_some();
            fits.then_some(now.wrapping_add(added))
        })
        .map(|_| ())
        .map_err(|now| self.refusal(memory, resources, unpack(shift, now)))
    }

    #[inline]
    fn release_packed(&self, shift: u32, word: &AtomicUsize, memory: usize, resources: usize) {
        // An amount above its cap never fitted its field: it goes straight to the mend.
        let fits_fields =
            memory <= self.limits.max_total_memory && resources <= self.limits.max_total_resources;
        let mut subtracted = 0;
        if fits_fields {
            subtracted = pack(shift, memory, resources);
            let before = unpack(shift, word.fetch_sub(subtracted, Ordering::AcqRel));
            if before.memory >= memory && before.resources >= resources {
                return;
            }
        }
        over_released(word, shift, memory, resources, subtracted);
    }

    fn charge_split(
        &self,
        memory_used: &AtomicUsize,
        resources_used: &AtomicUsize,
        memory: usize,
        resources: usize,
    ) -> Result<(), ResourceError> {
        take(memory_used, memory, self.limits.max_total_memory)
            .map_err(|used| self.refusal_of(BudgetKind::Memory, memory, used))?;
        if let Err(used) = take(resources_used, resources, self.limits.max_total_resources) {
            give_back(memory_used, memory);
            return Err(self.refusal_of(BudgetKind::Resources, resources, used));
        }
        Ok(())
    }

    /// The refusal of a packed charge, which found `used` charged.
    #[cold]
    fn refusal(&self, memory: usize, resources: usize, used: BudgetUsage) -> ResourceError {
        if within(used.memory, memory, self.limits.max_total_memory).is_some() {
            self.refusal_of(BudgetKind::Resources, resources, used.resources)
        } else {
            self.refusal_of(BudgetKind::Memory, memory, used.memory)
        }
    }

    #[cold]
    fn refusal_of(&self, kind: BudgetKind, requested: usize, used: usize) -> ResourceError {
        let limit = match kind {
            BudgetKind::Memory => self.limits.max_total_memory,
            BudgetKind::Resources => self.limits.max_total_resources,
        };
        log::debug!("runtime budget {kind}: {requested} requested, {used} used, limit {limit}");
        let wide = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        ResourceError::BudgetExceeded {
            kind,
            requested: wide(requested),
            used: wide(used),
            limit: wide(limit),
        }
    }
}

/// Mends a packed release of more than was charged (a caller's bug), or of more than a cap
/// (which never fitted its field): adds back the `subtracted` word (0 when nothing was
/// subtracted) and takes each counter down to zero at most.
///
/// While the subtraction stands, the field it wrapped reads as more than its cap (the spare
/// bit), so concurrent charges are refused, never granted, until this lands. A correct
/// release meanwhile usually still finds enough in both fields, subtracts, and is kept: the
/// word wraps modulo its whole width, so undoing this one subtraction leaves the others'.
/// If it finds a field short (the wrapped subtraction borrowed from it), it is mended here
/// too, and the two clamps together can leave a little more charged than was: the safe
/// side, and only after a caller has already released what it never charged.
#[cold]
#[inline(never)]
fn over_released(
    word: &AtomicUsize,
    shift: u32,
    memory: usize,
    resources: usize,
    subtracted: usize,
) {
    log::warn!(
        "runtime budget: released {memory} bytes and {resources} resources, more than was charged"
    );
    let _always_some = word.fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
        let used = unpack(shift, now.wrapping_add(subtracted));
        Some(pack(
            shift,
            used.memory.saturating_sub(memory),
            used.resources.saturating_sub(resources),
        ))
    });
}

/// Adds `requested` to `counter` unless that passes `limit`; the error is what was used.
fn take(counter: &AtomicUsize, requested: usize, limit: usize) -> Result<(), usize> {
    if requested == 0 {
        return Ok(());
    }
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
            within(used, requested, limit)
        })
        .map(|_| ())
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
    use proptest::prelude::*;

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
    fn the_layout_follows_the_caps_with_a_spare_bit_each() {
        assert!(budget(1 << 30, 1 << 16).is_packed()); // 31 + 1 and 17 + 1 bits
        assert!(!budget(usize::MAX, 1).is_packed());
        assert!(!SharedBudget::new(RuntimeBudget::unlimited()).is_packed());
        let widest = usize::MAX >> (usize::BITS / 2);
        assert!(!budget(widest, widest).is_packed()); // half a word each, no spare bits
        assert!(budget(widest >> 1, widest >> 1).is_packed());
        assert!(budget(0, 0).is_packed());
    }

    #[test]
    fn a_refused_packed_charge_names_the_cap_it_would_pass() {
        let b = budget(100, 2);
        b.charge(90, 2).unwrap();
        let refused = |kind, requested, used, limit| {
            Err(ResourceError::BudgetExceeded {
                kind,
                requested,
                used,
                limit,
            })
        };
        assert_eq!(b.charge(11, 0), refused(BudgetKind::Memory, 11, 90, 100));
        assert_eq!(b.charge(10, 1), refused(BudgetKind::Resources, 1, 2, 2));
        assert_eq!(b.charge(500, 9), refused(BudgetKind::Memory, 500, 90, 100));
        assert_eq!(
            b.charge(0, usize::MAX),
            refused(BudgetKind::Resources, u64::MAX, 2, 2)
        );
        b.charge(10, 0).unwrap();
        assert_eq!(
            b.usage(),
            BudgetUsage {
                memory: 100,
                resources: 2
            }
        );
    }

    #[derive(Debug, Clone, Copy)]
    enum Op {
        Charge(usize, usize),
        Release(usize, usize),
    }

    fn op(caps: RuntimeBudget) -> impl Strategy<Value = Op> {
        // Up to a little past each cap, so that requests above a cap and over-releases occur.
        let memory = 0..=caps
            .max_total_memory
            .saturating_add(caps.max_total_memory / 4);
        let resources = 0..=caps.max_total_resources.saturating_add(2);
        prop_oneof![
            3 => (memory.clone(), resources.clone()).prop_map(|(m, r)| Op::Charge(m, r)),
            2 => (memory, resources).prop_map(|(m, r)| Op::Release(m, r)),
        ]
    }

    proptest! {
        /// Both layouts answer every sequence as a plain model does: a charge fits whole or
        /// is refused with the model's numbers and changes nothing; a release takes each
        /// counter down, to zero at most.
        #[test]
        fn both_layouts_follow_the_model(
            (caps, ops) in (1_usize..5000, 0_usize..40).prop_flat_map(|(m, r)| {
                let caps = RuntimeBudget { max_total_memory: m, max_total_resources: r };
                (Just(caps), proptest::collection::vec(op(caps), 0..60))
            })
        ) {
            let packed = SharedBudget::new(caps);
            let split = SharedBudget::split(caps);
            prop_assert!(packed.is_packed());
            let mut model = BudgetUsage::default();
            for op in ops {
                match op {
                    Op::Charge(m, r) => {
                        let expected = if model.memory + m > caps.max_total_memory {
                            Err((BudgetKind::Memory, m, model.memory, caps.max_total_memory))
                        } else if model.resources + r > caps.max_total_resources {
                            Err((BudgetKind::Resources, r, model.resources, caps.max_total_resources))
                        } else {
                            model.memory += m;
                            model.resources += r;
                            Ok(())
                        };
                        let expected = expected.map_err(|(kind, requested, used, limit)| {
                            ResourceError::BudgetExceeded {
                                kind,
                                requested: requested as u64,
                                used: used as u64,
                                limit: limit as u64,
                            }
                        });
                        prop_assert_eq!(packed.charge(m, r), expected);
                        prop_assert_eq!(split.charge(m, r), expected);
                    }
                    Op::Release(m, r) => {
                        model.memory = model.memory.saturating_sub(m);
                        model.resources = model.resources.saturating_sub(r);
                        packed.release(m, r);
                        split.release(m, r);
                    }
                }
                prop_assert_eq!(packed.usage(), model);
                prop_assert_eq!(split.usage(), model);
            }
        }
    }

    #[test]
    fn contending_threads_never_pass_the_cap_and_end_at_zero() {
        let caps = RuntimeBudget {
            max_total_memory: 1000,
            max_total_resources: 10,
        };
        for b in [SharedBudget::new(caps), SharedBudget::split(caps)] {
            contend(&b);
            assert_eq!(b.usage(), BudgetUsage::default());
        }
    }

    /// Four threads charging 300 bytes and 3 resources at a time, checking the caps whenever
    /// a charge is granted.
    fn contend(b: &SharedBudget) {
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
    }
}
