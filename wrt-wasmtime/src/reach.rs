//! Whether an instance's code can call a host function that does not count itself.
//!
//! wasmtime runs a store's call hook for every crossing from Wasm to the host: imports, and
//! its own libcalls too (`memory.grow`, `table.grow`, `elem.drop`, the epoch check, running
//! out of fuel), with nothing in the hook to tell them apart. So the hook is asked to count
//! host calls only where an uncounted host function can be reached at all. Everything else
//! is counted by the functions themselves ([`CountingLinker`](crate::CountingLinker)), and
//! there the engine's own crossings are never mistaken for host calls.

use wasmtime::{ExternType, Module, ValType};

/// `true` when code of `module` may call a host function that does not count itself:
/// through a function import (unless `imports_count_themselves`, as a
/// [`CountingLinker`](crate::CountingLinker)'s do), or through a reference the host can hand
/// in — an imported or exported table, a reference-typed global, a reference parameter of
/// an exported function. Imported memories and numeric globals carry no function.
pub(crate) fn reaches_uncounted_host(module: &Module, imports_count_themselves: bool) -> bool {
    let through_imports = module.imports().any(|import| match import.ty() {
        ExternType::Func(_) => !imports_count_themselves,
        ExternType::Memory(_) => false,
        ExternType::Global(global) => global.content().is_ref(),
        _ => true,
    });
    through_imports
        || module.exports().any(|export| match export.ty() {
            ExternType::Func(func) => func.params().any(|param| ValType::is_ref(&param)),
            ExternType::Memory(_) => false,
            ExternType::Global(global) => global.content().is_ref(),
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::Engine;

    fn reaches(wat: &str, imports_count_themselves: bool) -> bool {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        reaches_uncounted_host(&module, imports_count_themselves)
    }

    #[test]
    fn code_that_can_only_compute_and_grow_reaches_no_host_function() {
        let closed = r#"(module (import "env" "memory" (memory 1)) (import "env" "g" (global i32))
            (table 1 funcref) (memory (export "m") 1) (global (export "n") i64 (i64.const 0))
            (func (export "run") (param i32) (result funcref) (ref.null func)))"#;
        assert!(!reaches(closed, false));
        assert!(!reaches(closed, true));
    }

    #[test]
    fn a_function_import_reaches_the_host_unless_it_counts_itself() {
        let wat = r#"(module (import "host" "tick" (func)))"#;
        assert!(reaches(wat, false));
        assert!(!reaches(wat, true));
    }

    #[test]
    fn every_way_for_the_host_to_hand_in_a_function_is_a_reach() {
        for wat in [
            r#"(module (import "host" "t" (table 1 funcref)))"#,
            r#"(module (import "host" "g" (global funcref)))"#,
            r#"(module (table (export "t") 1 funcref))"#,
            r#"(module (global (export "g") funcref (ref.null func)))"#,
            r#"(module (func (export "run") (param funcref)))"#,
            r#"(module (func (export "run") (param i32 funcref)))"#,
        ] {
            assert!(reaches(wat, true), "{wat}");
        }
    }
}
