//! Reading the sections of one component into [`ComponentRequirements`].
//!
//! A component holds what its instance sections instantiate, not what it merely contains: a
//! nested module instantiated twice is charged twice, one never instantiated is not charged.
//! To know which module an `instantiate` names, the module and component index spaces are
//! replayed (definitions, imports, aliases and exports all add an index, as in the
//! component-model spec and wasmparser's validator).

use alloc::vec::Vec;

use wasmparser::{
    ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentOuterAliasKind,
    ComponentType, ComponentTypeRef, Instance, Payload, TypeBounds,
};

use super::error::AdmissionError;
use super::read::Frame;
use super::requirements::{ComponentRequirements, Requirements, ResourceTypeRequirement};
use super::totals::Totals;

/// One entry of a module or component index space. `None` entries are opaque: imported, or
/// aliased from an instance's exports, so their contents are not in this binary.
type Space = Vec<Option<Slot>>;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// What one instantiation of the entry holds.
    totals: Totals,
    /// Position in this component's `modules`/`components`, when defined right here.
    local: Option<usize>,
}

pub(super) struct ComponentFrame {
    pub(super) requirements: ComponentRequirements,
    pub(super) declared_at: Option<u64>,
    modules: Space,
    components: Space,
    totals: Totals,
}

impl ComponentFrame {
    pub(super) fn new(requirements: ComponentRequirements) -> Self {
        Self {
            requirements,
            declared_at: None,
            modules: Vec::new(),
            components: Vec::new(),
            totals: Totals {
                instances: 1,
                ..Totals::default()
            },
        }
    }

    /// A nested module or component has ended: it is defined here, at the next index.
    pub(super) fn adopt(&mut self, nested: Requirements) {
        match nested {
            Requirements::Module(module) => {
                let local = Some(self.requirements.modules.len());
                self.modules.push(Some(Slot {
                    totals: module.totals(false),
                    local,
                }));
                self.requirements.modules.push(module);
            }
            Requirements::Component(component) => {
                let local = Some(self.requirements.components.len());
                self.components.push(Some(Slot {
                    totals: component.totals,
                    local,
                }));
                self.requirements.components.push(component);
            }
        }
    }

    pub(super) fn finish(mut self) -> ComponentRequirements {
        let resources = u64::try_from(self.requirements.resource_types.len()).unwrap_or(u64::MAX);
        self.totals.resource_types = self.totals.resource_types.saturating_add(resources);
        self.requirements.totals = self.totals;
        self.requirements
    }

    /// Read one section; `outer` are the enclosing components, outermost first.
    pub(super) fn read_section(
        &mut self,
        payload: &Payload<'_>,
        outer: &[Frame],
    ) -> Result<(), AdmissionError> {
        let req = &mut self.requirements;
        match payload {
            Payload::InstanceSection(section) => {
                for instance in section.clone() {
                    match instance? {
                        Instance::Instantiate { module_index, .. } => {
                            bump(&mut req.core_instances);
                            let slot = lookup(&self.modules, module_index);
                            charge(&mut self.totals, slot, &mut |i| {
                                if let Some(module) = req.modules.get_mut(i) {
                                    bump(&mut module.instantiations);
                                }
                            });
                        }
                        Instance::FromExports(_) => bump(&mut req.instances_from_exports),
                    }
                }
            }
            Payload::ComponentInstanceSection(section) => {
                for instance in section.clone() {
                    match instance? {
                        ComponentInstance::Instantiate {
                            component_index, ..
                        } => {
                            bump(&mut req.component_instances);
                            let slot = lookup(&self.components, component_index);
                            charge(&mut self.totals, slot, &mut |i| {
                                if let Some(component) = req.components.get_mut(i) {
                                    bump(&mut component.instantiations);
                                }
                            });
                        }
                        ComponentInstance::FromExports(_) => {
                            bump(&mut req.instances_from_exports);
                        }
                    }
                }
            }
            Payload::ComponentImportSection(section) => {
                for import in section.clone() {
                    bump(&mut req.imports);
                    match import?.ty {
                        ComponentTypeRef::Module(_) => self.modules.push(None),
                        ComponentTypeRef::Component(_) => self.components.push(None),
                        ComponentTypeRef::Type(TypeBounds::SubResource) => {
                            bump(&mut req.imported_resource_types);
                        }
                        _ => {}
                    }
                }
            }
            Payload::ComponentExportSection(section) => {
                for export in section.clone() {
                    let export = export?;
                    bump(&mut req.exports);
                    match export.kind {
                        ComponentExternalKind::Module => {
                            let slot = lookup(&self.modules, export.index);
                            self.modules.push(slot);
                        }
                        ComponentExternalKind::Component => {
                            let slot = lookup(&self.components, export.index);
                            self.components.push(slot);
                        }
                        _ => {}
                    }
                }
            }
            Payload::ComponentAliasSection(section) => {
                for alias in section.clone() {
                    self.alias(alias?, outer);
                }
            }
            Payload::ComponentTypeSection(section) => {
                for ty in section.clone() {
                    if let ComponentType::Resource { dtor, .. } = ty? {
                        req.resource_types.push(ResourceTypeRequirement {
                            has_destructor: dtor.is_some(),
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn alias(&mut self, alias: ComponentAlias<'_>, outer: &[Frame]) {
        match alias {
            ComponentAlias::InstanceExport { kind, .. } => match kind {
                ComponentExternalKind::Module => self.modules.push(None),
                ComponentExternalKind::Component => self.components.push(None),
                _ => {}
            },
            ComponentAlias::Outer { kind, count, index } => {
                let is_module = match kind {
                    ComponentOuterAliasKind::CoreModule => true,
                    ComponentOuterAliasKind::Component => false,
                    _ => return,
                };
                let frame = match count {
                    0 => Some(&*self),
                    n => usize::try_from(n)
                        .ok()
                        .and_then(|n| outer.len().checked_sub(n))
                        .and_then(|i| outer.get(i))
                        .and_then(|frame| match frame {
                            Frame::Component(component) => Some(component),
                            Frame::Module(..) => None,
                        }),
                };
                let space = |f: &ComponentFrame| {
                    if is_module {
                        lookup(&f.modules, index)
                    } else {
                        lookup(&f.components, index)
                    }
                };
                // Not defined in this component: charged, but not attributed to a child.
                let slot = frame.and_then(space).map(|slot| Slot {
                    local: None,
                    ..slot
                });
                if is_module {
                    self.modules.push(slot);
                } else {
                    self.components.push(slot);
                }
            }
            ComponentAlias::CoreInstanceExport { .. } => {}
        }
    }
}

fn lookup(space: &Space, index: u32) -> Option<Slot> {
    usize::try_from(index)
        .ok()
        .and_then(|i| space.get(i))
        .copied()
        .flatten()
}

/// Charge one instantiation of `slot` to `totals`; `attribute` counts it on a local child.
fn charge(totals: &mut Totals, slot: Option<Slot>, attribute: &mut dyn FnMut(usize)) {
    match slot {
        Some(slot) => {
            totals.add_times(&slot.totals, 1);
            if let Some(local) = slot.local {
                attribute(local);
            }
        }
        None => {
            totals.instances = totals.instances.saturating_add(1);
            totals.opaque_instantiations = totals.opaque_instantiations.saturating_add(1);
        }
    }
}

fn bump(count: &mut u32) {
    *count = count.saturating_add(1);
}
