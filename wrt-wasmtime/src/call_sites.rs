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

/// The module offsets of a core module's call instructions (`call`, `call_indirect`,
/// `call_ref` and their `return_` forms), sorted: 4 bytes per call site, shared by every
/// clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSites {
    offsets: Arc<[u32]>,
}

impl CallSites {
    /// Reads the call sites of a core module's bytes; `None` when they cannot be read (not
    /// a module wasmparser can read, or offsets past 4 GiB), which leaves every crossing of
    /// that code undecided.
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
    fn bytes_that_are_not_a_module_have_no_call_sites() {
        assert_eq!(CallSites::read(b"not wasm"), None);
    }
}
