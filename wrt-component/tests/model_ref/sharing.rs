//! The model's sharing, dropping and cleanup rules.

use wrt_component::{
    CleanupStats, ComponentId, LifecycleAction, ResourceError, ResourceId, ResourceState,
};

use super::lifecycle::next;
use super::{Answer, MAX_ATTEMPTS, MResource, Model, Outcome, QUEUE};

impl Model {
    pub fn grant(&mut self, c: ComponentId, id: ResourceId, to: ComponentId) -> Answer {
        self.exists(c)?;
        self.exists(to)?;
        let at = self.permitted(c, id, true)?;
        if to == c {
            return Err(ResourceError::SelfGrant { id, component: c });
        }
        let r = &mut self.resources[at].1;
        next(r.state, id, LifecycleAction::Grant, c)?;
        if !r.grants.contains(&to) {
            r.grants.push(to);
        }
        Ok(Outcome::Done)
    }

    pub fn revoke(&mut self, c: ComponentId, id: ResourceId, from: ComponentId) -> Answer {
        self.exists(c)?;
        self.exists(from)?;
        let at = self.permitted(c, id, true)?;
        let r = &mut self.resources[at].1;
        if !r.grants.contains(&from) {
            return Err(ResourceError::NotGranted {
                id,
                component: from,
            });
        }
        r.grants.retain(|g| *g != from);
        if r.state == (ResourceState::Active { owner: from })
            || r.state == (ResourceState::Locked { lock_holder: from })
        {
            r.state = ResourceState::Ready;
        }
        Ok(Outcome::Done)
    }

    pub fn transfer(&mut self, c: ComponentId, id: ResourceId, to: ComponentId) -> Answer {
        self.exists(c)?;
        self.exists(to)?;
        let at = self.permitted(c, id, true)?;
        if to == c {
            return Err(ResourceError::SelfGrant { id, component: c });
        }
        let bytes = self.resources[at].1.bytes;
        next(self.resources[at].1.state, id, LifecycleAction::Transfer, c)?;
        self.can_hold_resource(to, bytes)?;
        self.charge_resource(to, bytes, true);
        self.charge_resource(c, bytes, false);
        let r = &mut self.resources[at].1;
        r.owner = to;
        r.grants.clear();
        Ok(Outcome::Done)
    }

    fn remove(&mut self, at: usize) -> MResource {
        let (_, r) = self.resources.remove(at);
        self.charge_resource(r.owner, r.bytes, false);
        self.budget_memory -= r.bytes;
        self.budget_resources -= 1;
        r
    }

    pub fn drop_resource(&mut self, c: ComponentId, id: ResourceId) -> Answer {
        self.exists(c)?;
        let at = self.permitted(c, id, true)?;
        next(
            self.resources[at].1.state,
            id,
            LifecycleAction::Deallocate,
            c,
        )?;
        Ok(Outcome::Value(self.remove(at).value))
    }

    pub fn schedule_cleanup(&mut self, c: ComponentId, id: ResourceId) -> Answer {
        self.exists(c)?;
        let at = self.permitted(c, id, true)?;
        let state = next(
            self.resources[at].1.state,
            id,
            LifecycleAction::ScheduleCleanup,
            c,
        )?;
        if self.queue.len() == QUEUE {
            return Err(ResourceError::CleanupQueueFull { capacity: QUEUE });
        }
        self.queue.push_back((id, 0));
        self.resources[at].1.state = state;
        Ok(Outcome::Done)
    }

    pub fn cleanup(&mut self) -> Answer {
        let mut stats = CleanupStats::default();
        for _ in 0..self.queue.len() {
            let (id, attempts) = self.queue.pop_front().unwrap();
            match self.resources.iter().position(|(i, _)| *i == id) {
                None => stats.already_released += 1,
                Some(at) if self.resources[at].1.state == ResourceState::PendingCleanup => {
                    let r = self.remove(at);
                    stats.resources_cleaned += 1;
                    stats.memory_freed += r.bytes as u64;
                }
                Some(_) => {
                    stats.cleanup_errors += 1;
                    if attempts + 1 >= MAX_ATTEMPTS {
                        stats.given_up += 1;
                    } else {
                        self.queue.push_back((id, attempts + 1));
                        stats.requeued += 1;
                    }
                }
            }
        }
        Ok(Outcome::Cleaned(stats))
    }
}
