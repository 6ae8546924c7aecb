//! What must hold after every step, and after tearing everything down.

use wrt_component::{ComponentId, ResourceCategory, ResourceError};
use wrt_foundation::Clock;

use super::Outcome;
use crate::Harness;

impl Harness<'_> {
    pub(crate) fn check_invariants(&self) {
        let mut memory = 0;
        let mut resources = 0;
        let mut live = 0;
        for component in self.real.components() {
            let usage = component.usage();
            assert!(
                usage.is_within(component.limits()),
                "{usage:?} over {:?}",
                component.limits()
            );
            assert_eq!(
                Some(usage),
                self.model.usage(component.id()),
                "{}",
                component.id()
            );
            memory += usage.memory_used;
            resources += usage.resources;
            live += 1;
        }
        assert_eq!(live, self.model.live_components());
        let budget = self.real.budget_usage();
        assert_eq!((budget.memory, budget.resources), (memory, resources));
        assert!(budget.memory <= self.real.budget().max_total_memory);
        assert!(budget.resources <= self.real.budget().max_total_resources);
        assert_eq!(self.real.resources().len(), resources);
        assert_eq!(self.queue.pending(), self.model.pending_cleanups());
        for id in &self.issued {
            match (self.real.managed(*id), self.model.resource(*id)) {
                (Ok(real), Some(model)) => {
                    assert_eq!(real.state(), model.state, "{id}");
                    assert_eq!(real.owner(), model.owner, "{id}");
                    assert_eq!(real.grants(), model.grants.as_slice(), "{id}");
                    assert_eq!(real.access_count(), model.access_count, "{id}");
                    assert_eq!(real.last_accessed(), model.last_accessed, "{id}");
                }
                (Err(ResourceError::Stale { .. }), None) => {}
                (real, model) => panic!("{id}: runtime {real:?}, model {model:?}"),
            }
        }
    }

    pub(crate) fn destroy_everything(&mut self) {
        for raw in 1..=self.model.components_created() {
            let c = ComponentId(raw);
            assert_eq!(
                self.real.destroy_component(c).map(Outcome::Destroyed),
                self.model.destroy_component(c)
            );
        }
        let budget = self.real.budget_usage();
        assert_eq!((budget.memory, budget.resources), (0, 0));
        assert!(self.real.resources().is_empty());
        let stats = self.real.resources().stats();
        assert_eq!((stats.live(), stats.live_bytes()), (0, 0));
        for category in ResourceCategory::ALL {
            assert_eq!(stats.category(category).live(), 0);
        }
        assert_eq!(self.real.components().count(), 0);
        // Whatever was still queued is already released now; the queue drains.
        let cycle = self.queue.perform_cleanup(&mut self.real, self.clock.now());
        assert_eq!(cycle.resources_cleaned, 0);
        assert_eq!(self.queue.pending(), 0);
    }
}
