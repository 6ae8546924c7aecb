//! The model's accounting of calls and linear memory, against limits and the budget.

use wrt_component::{ComponentId, LimitKind, ResourceError};

use super::{Answer, Model, Outcome, wide};

impl Model {
    pub fn record_call(&mut self, c: ComponentId, host: bool) -> Answer {
        self.exists(c)?;
        let m = self.components.get_mut(&c.0).unwrap();
        let (kind, used) = if host {
            (LimitKind::HostCalls, &mut m.usage.host_calls_made)
        } else {
            (LimitKind::FunctionCalls, &mut m.usage.function_calls_made)
        };
        Self::limit_check(c, &m.limits, kind, 1, *used)?;
        *used += 1;
        Ok(Outcome::Done)
    }

    pub fn create_memory(&mut self, c: ComponentId, bytes: usize) -> Answer {
        self.exists(c)?;
        let m = &self.components[&c.0];
        Self::limit_check(c, &m.limits, LimitKind::Memories, 1, wide(m.usage.memories))?;
        Self::limit_check(
            c,
            &m.limits,
            LimitKind::Memory,
            wide(bytes),
            wide(m.usage.memory_used),
        )?;
        self.budget_check(bytes, 0)?;
        let u = &mut self.components.get_mut(&c.0).unwrap().usage;
        u.memories += 1;
        u.memory_used += bytes;
        self.budget_memory += bytes;
        Ok(Outcome::Done)
    }

    pub fn release_memory(&mut self, c: ComponentId, bytes: usize) -> Answer {
        self.exists(c)?;
        let u = &mut self.components.get_mut(&c.0).unwrap().usage;
        let linear = u.memory_used - u.resource_bytes;
        if bytes > linear {
            return Err(ResourceError::ReleaseExceedsUsage {
                component: c,
                kind: LimitKind::Memory,
                requested: wide(bytes),
                used: wide(linear),
            });
        }
        u.memory_used -= bytes;
        self.budget_memory -= bytes;
        Ok(Outcome::Done)
    }
}
