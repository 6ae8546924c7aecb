//! How the op indices of `ops::Op` resolve to the components and resources they name:
//! mostly live ones, sometimes destroyed, never-issued, stale or forged ones.

use wrt_component::{ComponentId, ResourceId};

use crate::{Harness, TAG};

impl Harness<'_> {
    /// Mostly a live component; sometimes any id ever issued or the next, never-issued one.
    pub(crate) fn component(&self, pick: u8) -> ComponentId {
        let live = self.model.live_component_ids();
        if pick < 200 && !live.is_empty() {
            live[usize::from(pick) % live.len()]
        } else {
            ComponentId(1 + u32::from(pick) % (self.model.components_created() + 1))
        }
    }

    /// For an action on `id`: half the time someone entitled to it (its owner, or for
    /// `use` also a grantee), otherwise any component as `component` picks.
    pub(crate) fn actor(&self, pick: u8, id: ResourceId, owner_only: bool) -> ComponentId {
        match self.model.resource(id) {
            Some(r) if pick.is_multiple_of(2) => {
                let entitled: Vec<ComponentId> = core::iter::once(r.owner)
                    .chain(r.grants.iter().copied().filter(|_| !owner_only))
                    .collect();
                entitled[usize::from(pick / 2) % entitled.len()]
            }
            _ => self.component(pick),
        }
    }

    /// Mostly a live resource; sometimes any id ever issued, stale ones included.
    pub(crate) fn resource(&self, pick: u8) -> ResourceId {
        let live = self.model.live_resource_ids();
        if pick < 180 && !live.is_empty() {
            live[usize::from(pick) % live.len()]
        } else if !self.issued.is_empty() {
            self.issued[usize::from(pick) % self.issued.len()]
        } else {
            ResourceId::from_parts(TAG, 0, 0)
        }
    }
}
