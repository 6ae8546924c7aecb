//! [`CallSites`]: where a core module's code calls a function, so that a crossing into the
//! host can be told apart from wasmtime's own.
//!
//! wasmtime's call hook fires for imports and for its own libcalls alike. A backtrace taken
//! in the hook ends in the Wasm frame that crossed, at the module offset of the instruction
//! that did: a call instruction for a host function, `memory.grow`, `table.grow`,
//! `elem.drop`, a loop header or a function's start (the epoch and fuel checks) for the
//! engine's. Knowing a module's call instructions is enough to tell which it was.

use std::sync::Arc;

use wasmparser::{Operator, Parser, Payload};
use wasmtime::Module;

/// The offsets of a binary's call instructions (`call`, `call_indirect`, `call_ref` and
/// their `return_` forms), sorted: 4 bytes per call site, shared by every clone. For a
/// component, those of all its core modules, as offsets into the component's bytes (which
/// is how wasmtime reports the frames of a component's code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSites {
    offsets: Arc<[u32]>,
}

impl CallSites {
    /// Reads the call sites of a core module's or a component's bytes; `None` when they
    /// cannot be read (not a binary wasmparser can read, or offsets past 4 GiB), which
    /// leaves every crossing of that code undecided.
    pub(crate) fn read(bytes: &[u8]) -> Option<Self> {
        let mut offsets = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            let Payload::CodeSectionEntry(body) = payload.ok()? else {
                continue;
            };
            let mut operators = body.get_operators_reader().ok()?;
            while !operators.eof() {
                let (operator, offset) = operators.read_with_offset().ok()?;
                if is_call(&operator) {
                    offsets.push(u32::try_from(offset).ok()?);
                }
            }
        }
        // Bodies come in order and operators in order within them: already sorted.
        Some(Self {
            offsets: offsets.into(),
        })
    }

    /// Whether the instruction at module offset `offset` is a call.
    pub(crate) fn is_call_at(&self, offset: usize) -> bool {
        u32::try_from(offset).is_ok_and(|offset| self.offsets.binary_search(&offset).is_ok())
    }

    /// Call instructions found.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// `true` when the module calls nothing.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }
}

/// Where a crossing into the host left Wasm, as a backtrace taken in the call hook shows it.
#[derive(Debug, Clone)]
pub(crate) enum Site {
    /// No Wasm frame is on the stack: the host itself called a host function (an export
    /// that is an import, say). wasmtime's own crossings are made by Wasm code only, so this
    /// is always a host call.
    NoWasm,
    /// The innermost Wasm frame: its module and the module offset of its instruction.
    At(Module, usize),
    /// A Wasm frame whose offset wasmtime does not keep (address maps off).
    Unknown,
}

/// The call sites of the code a store runs, as far as they are known: each admitted core
/// module's (its frames are told by their `Module`), and those of the one component binary
/// the store instantiated (the frames of a component's core modules belong to no module
/// instantiated on its own, so any other frame is that component's).
#[derive(Debug, Default)]
pub(crate) struct KnownCode {
    modules: Vec<(Module, CallSites)>,
    component: Option<CallSites>,
    /// Code was instantiated that nothing here has read (through `instantiating`, or a
    /// second component binary): a frame of no listed module cannot be placed.
    unplaced: bool,
}

impl KnownCode {
    /// An instantiated core module, with its call sites when they were read.
    pub(crate) fn add_module(&mut self, module: &Module, sites: Option<&CallSites>) {
        let Some(sites) = sites else {
            self.unplaced = true;
            return;
        };
        if !self
            .modules
            .iter()
            .any(|(known, _)| Module::same(known, module))
        {
            self.modules.push((module.clone(), sites.clone()));
        }
    }

    /// An instantiated component, with its call sites when they were read. A second one
    /// with other call sites leaves frames outside the listed modules unplaced.
    pub(crate) fn add_component(&mut self, sites: Option<&CallSites>) {
        match (&self.component, sites) {
            (None, Some(sites)) => self.component = Some(sites.clone()),
            (Some(known), Some(sites)) if known == sites => {}
            _ => self.unplaced = true,
        }
    }

    /// Code nothing has read was instantiated.
    pub(crate) fn add_unread(&mut self) {
        self.unplaced = true;
    }

    /// Whether the crossing that left Wasm at `site` is a host call (a call instruction, or
    /// no Wasm at all) rather than one of wasmtime's own; `None` when that cannot be told
    /// (code nobody read, an offset wasmtime did not keep).
    pub(crate) fn is_host_call_at(&self, site: &Site) -> Option<bool> {
        match site {
            Site::NoWasm => Some(true),
            Site::At(module, offset) => self.is_call_at(module, *offset),
            Site::Unknown => None,
        }
    }

    /// Whether the instruction at `offset` of a frame of `module` is a call; `None` when
    /// the frame's code is not known.
    fn is_call_at(&self, module: &Module, offset: usize) -> Option<bool> {
        if let Some((_, sites)) = self
            .modules
            .iter()
            .find(|(known, _)| Module::same(known, module))
        {
            return Some(sites.is_call_at(offset));
        }
        if self.unplaced {
            return None;
        }
        self.component
            .as_ref()
            .map(|sites| sites.is_call_at(offset))
    }
}

fn is_call(operator: &Operator<'_>) -> bool {
    matches!(
        operator,
        Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCallRef { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_form_is_found_at_its_own_offset() {
        let bytes = wat::parse_str(
            r#"(module (import "host" "tick" (func $tick)) (memory 1) (table 1 funcref)
              (type $unit (func))
              (func $f (call $tick))
              (func (param funcref)
                (call $tick)
                (drop (memory.grow (i32.const 1)))
                (call_indirect (type $unit) (i32.const 0))
                (return_call $f)))"#,
        )
        .unwrap();
        let sites = CallSites::read(&bytes).unwrap();
        assert_eq!(sites.len(), 4);
        for &offset in sites.offsets.iter() {
            let at = offset as usize;
            assert!(
                (0x10..=0x15).contains(&bytes[at]),
                "{:#x} at {at}",
                bytes[at]
            );
            assert!(sites.is_call_at(at));
            // The operand after the opcode is no call.
            assert!(!sites.is_call_at(at + 1));
        }
        assert!(!sites.is_call_at(usize::MAX));
    }

    #[test]
    fn a_components_call_sites_are_offsets_into_the_components_bytes() {
        let bytes = wat::parse_str(
            r#"(component
              (core module $first (func (export "f")))
              (core module $second (func $g) (func (export "h") (call $g) (call $g))))"#,
        )
        .unwrap();
        let sites = CallSites::read(&bytes).unwrap();
        assert_eq!(sites.len(), 2);
        for &offset in sites.offsets.iter() {
            assert_eq!(bytes[offset as usize], 0x10);
        }
    }

    #[test]
    fn bytes_that_are_not_a_module_have_no_call_sites() {
        assert_eq!(CallSites::read(b"not wasm"), None);
    }
}
