//! Unit tests of the cleanup cycle: bounded retries, each request once per cycle, sizes read
//! before the free.

use super::*;
use crate::ResourceState;
use crate::category::ResourceCategory;
use crate::descriptor::ResourceDescriptor;
use crate::id::ManagerTag;
use crate::lookup::LookupError;
use crate::manager::FixedResourceManager;

type Manager = FixedResourceManager<u8, 8>;

/// A target whose deallocation fails a scripted number of times per resource, and which
/// records how often it was asked.
struct Flaky {
    inner: Manager,
    failures_left: [u32; 8],
    attempts: [u32; 8],
}

impl Flaky {
    fn new() -> Self {
        Self {
            inner: Manager::new(ManagerTag(0)),
            failures_left: [0; 8],
            attempts: [0; 8],
        }
    }
}

impl CleanupTarget for Flaky {
    fn cleanup_size(&self, id: ResourceId) -> Result<usize, ResourceError> {
        self.inner.cleanup_size(id)
    }

    fn cleanup(&mut self, id: ResourceId) -> Result<(), ResourceError> {
        let i = id.index() as usize;
        self.attempts[i] += 1;
        if self.failures_left[i] > 0 {
            self.failures_left[i] -= 1;
            return Err(ResourceError::IllegalTransition {
                id,
                from: ResourceState::Ready,
                action: crate::LifecycleAction::Deallocate,
            });
        }
        self.inner.cleanup(id)
    }
}

fn mem(bytes: usize) -> ResourceDescriptor {
    ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(bytes)
}

#[test]
fn a_failing_request_is_tried_once_per_cycle_and_given_up_after_max_attempts() {
    let mut target = Flaky::new();
    let stuck = target.inner.allocate(1, mem(5)).unwrap();
    let fine = target.inner.allocate(2, mem(7)).unwrap();
    target.failures_left[stuck.index() as usize] = u32::MAX;
    let mut cleanup: FixedCleanupManager<4> = FixedCleanupManager::new(CleanupConfig {
        max_attempts: 3,
        interval: Duration::ZERO,
    });
    cleanup.schedule(stuck).unwrap();
    cleanup.schedule(fine).unwrap();

    let first = cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    assert_eq!(target.attempts[stuck.index() as usize], 1);
    assert_eq!(
        first,
        CleanupStats {
            resources_cleaned: 1,
            memory_freed: 7,
            cleanup_errors: 1,
            requeued: 1,
            ..CleanupStats::default()
        }
    );
    cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    let third = cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    assert_eq!((third.given_up, third.requeued), (1, 0));
    assert_eq!(target.attempts[stuck.index() as usize], 3);
    assert_eq!(cleanup.pending(), 0);
    // Nothing left: a fourth cycle does nothing and the resource stays with its owner.
    assert_eq!(
        cleanup.perform_cleanup(&mut target, Timestamp::ZERO),
        CleanupStats::default()
    );
    assert_eq!(target.inner.get(stuck), Ok(&1));
    let totals = cleanup.totals();
    assert_eq!(
        (
            totals.resources_cleaned,
            totals.cleanup_errors,
            totals.given_up
        ),
        (1, 3, 1)
    );
}

#[test]
fn a_transient_failure_succeeds_on_retry() {
    let mut target = Flaky::new();
    let id = target.inner.allocate(1, mem(3)).unwrap();
    target.failures_left[id.index() as usize] = 1;
    let mut cleanup: FixedCleanupManager<2> = FixedCleanupManager::new(CleanupConfig::default());
    cleanup.schedule(id).unwrap();
    cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    let second = cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    assert_eq!((second.resources_cleaned, second.memory_freed), (1, 3));
    assert!(target.inner.is_empty());
}

#[test]
fn stale_ids_are_already_released_and_bad_handles_are_given_up_at_once() {
    let mut target = Manager::new(ManagerTag(0));
    let gone = target.allocate(1, mem(1)).unwrap();
    target.deallocate(gone).unwrap();
    let foreign = ResourceId::from_parts(ManagerTag(9), 0, 0);
    let mut cleanup: FixedCleanupManager<4> = FixedCleanupManager::new(CleanupConfig::default());
    cleanup.schedule(gone).unwrap();
    cleanup.schedule(foreign).unwrap();
    let cycle = cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    assert_eq!(
        cycle,
        CleanupStats {
            already_released: 1,
            cleanup_errors: 1,
            given_up: 1,
            ..CleanupStats::default()
        }
    );
    assert_eq!(cleanup.pending(), 0);
}

#[test]
fn a_made_up_generation_for_a_live_slot_is_a_bad_handle_not_already_released() {
    // Regression: the id below was never issued (its slot is live at an earlier generation), yet the
    // cleanup counted it as already released, as if a real resource had gone.
    let mut target = Manager::new(ManagerTag(0));
    let live = target.allocate(1, mem(1)).unwrap();
    let made_up = ResourceId::from_parts(ManagerTag(0), live.index(), live.generation() + 7);
    assert_eq!(
        target.get(made_up),
        Err(LookupError::Forged { id: made_up })
    );
    let mut cleanup: FixedCleanupManager<4> = FixedCleanupManager::new(CleanupConfig::default());
    cleanup.schedule(made_up).unwrap();
    let cycle = cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    assert_eq!(
        cycle,
        CleanupStats {
            cleanup_errors: 1,
            given_up: 1,
            ..CleanupStats::default()
        }
    );
    assert_eq!(target.get(live).copied(), Ok(1));
}

#[test]
fn run_if_due_respects_the_interval() {
    let mut target = Manager::new(ManagerTag(0));
    let mut cleanup: FixedCleanupManager<4> = FixedCleanupManager::new(CleanupConfig {
        max_attempts: 1,
        interval: Duration::from_millis(10),
    });
    let at = |ms| Timestamp::from_duration(Duration::from_millis(ms));
    assert!(cleanup.run_if_due(&mut target, at(5)).is_some());
    assert!(cleanup.run_if_due(&mut target, at(14)).is_none());
    assert!(cleanup.run_if_due(&mut target, at(15)).is_some());
    assert_eq!(cleanup.last_cleanup(), Some(at(15)));
}

#[cfg(feature = "alloc")]
#[test]
fn the_growable_queue_behaves_the_same() {
    let mut target = Manager::new(ManagerTag(0));
    let mut cleanup = GrowableCleanupManager::new(CleanupConfig::default());
    for v in 0..8 {
        let id = target.allocate(v, mem(1)).unwrap();
        cleanup.schedule(id).unwrap();
    }
    let cycle = cleanup.perform_cleanup(&mut target, Timestamp::ZERO);
    assert_eq!((cycle.resources_cleaned, cycle.memory_freed), (8, 8));
}
