//! The reference model for `tests/model.rs`: the runtime's rules written again, plainly,
//! over maps and vectors, without slots, generations or planned commits.

use alloc::collections::{BTreeMap, VecDeque};

use wrt_component::{
    BudgetKind, CleanupStats, ComponentId, DestroyedComponent, LimitKind, ManagerTag,
    ResourceError, ResourceId, ResourceLimits, ResourceState, ResourceUsage, RuntimeBudget,
};
use wrt_foundation::Timestamp;

mod checks;
mod lifecycle;
pub mod ops;
mod picks;
mod sharing;
mod usage;

pub const SLOTS: usize = 6;
pub const COMPONENTS: usize = 3;
pub const QUEUE: usize = 3;
const TAG: ManagerTag = ManagerTag(5);
pub const MAX_ATTEMPTS: u32 = 2;

pub fn budget() -> RuntimeBudget {
    RuntimeBudget {
        max_total_memory: 150,
        max_total_resources: 5,
    }
}

pub fn limits_choice(choice: u8) -> ResourceLimits {
    match choice % 3 {
        0 => ResourceLimits {
            max_memory: 100,
            max_resources: 3,
            max_function_calls: 3,
            max_host_calls: 2,
            max_memories: 1,
            ..ResourceLimits::unlimited()
        },
        1 => ResourceLimits {
            max_memory: 40,
            max_resources: 1,
            max_function_calls: 1,
            max_host_calls: 0,
            max_memories: 2,
            ..ResourceLimits::unlimited()
        },
        _ => ResourceLimits::unlimited(),
    }
}

/// What a successful operation answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Component(ComponentId),
    Destroyed(DestroyedComponent),
    /// The model cannot know the slot; the harness compares ids for uniqueness instead.
    Resource(ResourceId),
    Value(u32),
    Done,
    Cleaned(CleanupStats),
}

#[derive(Debug, Clone, Copy)]
pub enum Action {
    MarkReady,
    Activate,
    Release,
    Lock,
    Unlock,
}

#[derive(Debug, Clone)]
pub struct MResource {
    pub owner: ComponentId,
    pub state: ResourceState,
    pub grants: Vec<ComponentId>,
    pub value: u32,
    pub bytes: usize,
    pub access_count: u64,
    pub last_accessed: Timestamp,
}

struct MComponent {
    limits: ResourceLimits,
    usage: ResourceUsage,
}

pub struct Model {
    budget: RuntimeBudget,
    budget_memory: usize,
    budget_resources: usize,
    components: BTreeMap<u32, MComponent>,
    created: u32,
    resources: Vec<(ResourceId, MResource)>,
    unbound: Option<MResource>,
    peak_live: usize,
    queue: VecDeque<(ResourceId, u32)>,
}

type Answer = Result<Outcome, ResourceError>;

fn wide(v: usize) -> u64 {
    v as u64
}

impl Model {
    pub fn new(budget: RuntimeBudget) -> Self {
        Self {
            budget,
            budget_memory: 0,
            budget_resources: 0,
            components: BTreeMap::new(),
            created: 0,
            resources: Vec::new(),
            unbound: None,
            peak_live: 0,
            queue: VecDeque::new(),
        }
    }

    pub fn components_created(&self) -> u32 {
        self.created
    }

    pub fn live_components(&self) -> usize {
        self.components.len()
    }

    pub fn usage(&self, c: ComponentId) -> Option<&ResourceUsage> {
        self.components.get(&c.0).map(|m| &m.usage)
    }

    pub fn resource(&self, id: ResourceId) -> Option<&MResource> {
        self.resources
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| r)
    }

    pub fn live_component_ids(&self) -> Vec<ComponentId> {
        self.components
            .keys()
            .map(|raw| ComponentId(*raw))
            .collect()
    }

    pub fn live_resource_ids(&self) -> Vec<ResourceId> {
        self.resources.iter().map(|(id, _)| *id).collect()
    }

    pub fn pending_cleanups(&self) -> usize {
        self.queue.len()
    }

    fn exists(&self, c: ComponentId) -> Result<(), ResourceError> {
        if self.components.contains_key(&c.0) {
            Ok(())
        } else {
            Err(ResourceError::UnknownComponent { component: c })
        }
    }

    fn lookup(&self, id: ResourceId) -> Result<usize, ResourceError> {
        if id.manager() != TAG {
            return Err(ResourceError::Foreign { id, manager: TAG });
        }
        if id.index() as usize >= self.peak_live {
            return Err(ResourceError::Forged { id });
        }
        self.resources
            .iter()
            .position(|(i, _)| *i == id)
            .ok_or(ResourceError::Stale { id })
    }

    /// Finds the resource and checks the actor may act on it (`owner_only`: only its owner).
    fn permitted(
        &self,
        c: ComponentId,
        id: ResourceId,
        owner_only: bool,
    ) -> Result<usize, ResourceError> {
        let at = self.lookup(id)?;
        let r = &self.resources[at].1;
        if owner_only && r.owner != c {
            return Err(ResourceError::NotOwner {
                id,
                component: c,
                owner: r.owner,
            });
        }
        if !owner_only && r.owner != c && !r.grants.contains(&c) {
            return Err(ResourceError::AccessDenied {
                id,
                component: c,
                owner: r.owner,
            });
        }
        Ok(at)
    }

    fn limit_check(
        c: ComponentId,
        limits: &ResourceLimits,
        kind: LimitKind,
        requested: u64,
        used: u64,
    ) -> Result<(), ResourceError> {
        let limit = limits.cap(kind);
        if used.checked_add(requested).is_some_and(|t| t <= limit) {
            Ok(())
        } else {
            Err(ResourceError::LimitExceeded {
                component: c,
                kind,
                requested,
                used,
                limit,
            })
        }
    }

    fn can_hold_resource(&self, c: ComponentId, bytes: usize) -> Result<(), ResourceError> {
        let m = &self.components[&c.0];
        Self::limit_check(
            c,
            &m.limits,
            LimitKind::Resources,
            1,
            wide(m.usage.resources),
        )?;
        Self::limit_check(
            c,
            &m.limits,
            LimitKind::Memory,
            wide(bytes),
            wide(m.usage.memory_used),
        )
    }

    fn budget_check(&self, memory: usize, resources: usize) -> Result<(), ResourceError> {
        if self.budget_memory + memory > self.budget.max_total_memory {
            return Err(ResourceError::BudgetExceeded {
                kind: BudgetKind::Memory,
                requested: wide(memory),
                used: wide(self.budget_memory),
                limit: wide(self.budget.max_total_memory),
            });
        }
        if self.budget_resources + resources > self.budget.max_total_resources {
            return Err(ResourceError::BudgetExceeded {
                kind: BudgetKind::Resources,
                requested: wide(resources),
                used: wide(self.budget_resources),
                limit: wide(self.budget.max_total_resources),
            });
        }
        Ok(())
    }

    fn charge_resource(&mut self, c: ComponentId, bytes: usize, sign: bool) {
        let u = &mut self.components.get_mut(&c.0).unwrap().usage;
        if sign {
            u.resources += 1;
            u.memory_used += bytes;
            u.resource_bytes += bytes;
        } else {
            u.resources -= 1;
            u.memory_used -= bytes;
            u.resource_bytes -= bytes;
        }
    }

    pub fn create_component(&mut self, limits: ResourceLimits) -> Answer {
        if self.components.len() == COMPONENTS {
            return Err(ResourceError::ComponentsFull {
                capacity: COMPONENTS,
            });
        }
        self.created += 1;
        self.components.insert(
            self.created,
            MComponent {
                limits,
                usage: ResourceUsage::ZERO,
            },
        );
        Ok(Outcome::Component(ComponentId(self.created)))
    }

    pub fn destroy_component(&mut self, c: ComponentId) -> Answer {
        let gone = self
            .components
            .remove(&c.0)
            .ok_or(ResourceError::UnknownComponent { component: c })?;
        let before = self.resources.len();
        self.resources.retain(|(_, r)| r.owner != c);
        let resources_released = before - self.resources.len();
        let mut grants_removed = 0;
        for (_, r) in &mut self.resources {
            if r.grants.contains(&c) {
                r.grants.retain(|g| *g != c);
                grants_removed += 1;
                if r.state == (ResourceState::Active { owner: c })
                    || r.state == (ResourceState::Locked { lock_holder: c })
                {
                    r.state = ResourceState::Ready;
                }
            }
        }
        self.budget_memory -= gone.usage.memory_used;
        self.budget_resources -= gone.usage.resources;
        Ok(Outcome::Destroyed(DestroyedComponent {
            id: c,
            usage: gone.usage,
            resources_released,
            grants_removed,
        }))
    }

    pub fn create_resource(
        &mut self,
        c: ComponentId,
        value: u32,
        bytes: usize,
        now: Timestamp,
    ) -> Answer {
        self.exists(c)?;
        self.can_hold_resource(c, bytes)?;
        self.budget_check(bytes, 1)?;
        if self.resources.len() == SLOTS {
            return Err(ResourceError::StorageFull { capacity: SLOTS });
        }
        self.charge_resource(c, bytes, true);
        self.budget_memory += bytes;
        self.budget_resources += 1;
        self.unbound = Some(MResource {
            owner: c,
            state: ResourceState::Allocated,
            grants: Vec::new(),
            value,
            bytes,
            access_count: 0,
            last_accessed: now,
        });
        Ok(Outcome::Resource(ResourceId::from_parts(TAG, 0, 0)))
    }

    /// Gives the resource just created the id the runtime chose.
    pub fn bind_new_id(&mut self, id: ResourceId) {
        let r = self.unbound.take().unwrap();
        self.resources.push((id, r));
        self.peak_live = self.peak_live.max(self.resources.len());
    }
}
