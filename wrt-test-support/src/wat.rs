//! WAT fixtures run by more than one crate: wrt-wasmtime's and wrt-wasmi's tests and benches
//! and wrt-budget's engine crossing. One text each, so both engines (and the tool over them)
//! are tried on the same module and their numbers can be compared.
//!
//! Each is parsed with `wat::parse_str` by the test that runs it.

/// `run() -> i32`: grows its memory (2 pages to start, no maximum) one page at a time until
/// `memory.grow` says -1; returns the number of grows granted.
pub const GROW_MEMORY: &str = r#"(module
  (memory (export "memory") 2)
  (func (export "run") (result i32) (local $n i32)
    (block $done (loop $again
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (local.get $n)))"#;

/// `run() -> i32`: [`GROW_MEMORY`] for a table (3 funcref elements to start, grown by one
/// null element at a time); returns the number of grows granted.
pub const GROW_TABLE: &str = r#"(module
  (table (export "table") 3 funcref)
  (func (export "run") (result i32) (local $n i32)
    (block $done (loop $again
      (br_if $done (i32.eq (table.grow (ref.null func) (i32.const 1)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (local.get $n)))"#;

/// `run()`: calls the imported `host.tick` forever; only a limit stops it.
pub const CALL_HOST: &str = r#"(module
  (import "host" "tick" (func $tick))
  (func (export "run") (loop $again (call $tick) (br $again))))"#;

/// `run()`: loops forever without a call; only fuel or a deadline stops it.
pub const SPIN: &str = r#"(module (func (export "run") (loop $again (br $again))))"#;

/// `spin()` loops for ever; `five() -> i32` returns 5: one store that runs out of fuel and
/// then is asked for a call that needs almost none.
pub const SPIN_OR_FIVE: &str = r#"(module
  (func (export "spin") (loop $again (br $again)))
  (func (export "five") (result i32) (i32.const 5)))"#;

/// `run() -> i32`: returns 5 and does nothing else (for counting calls).
pub const CONSTANT: &str = r#"(module (func (export "run") (result i32) (i32.const 5)))"#;

/// A module whose one memory starts at 100 pages: admission refuses it under any smaller
/// `max_memory` before it is instantiated.
pub const MEMORY_100_PAGES: &str = "(module (memory 100))";

/// `grow(n) -> i32`: `memory.grow` by n pages of its exported 1-page memory; the old size in
/// pages, or -1. Many stores of it draw from one shared budget.
pub const GROWER: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

/// `run(n) -> i32`: n rounds of multiply, add, shift and xor on locals, no memory and no
/// calls: the engines' compute benchmark.
pub const COMPUTE: &str = r#"(module
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (local.set $acc (i32.const 17))
    (loop $again
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (local.set $acc (i32.xor (local.get $acc) (i32.shr_u (local.get $acc) (i32.const 7))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

/// `run(n)`: n calls to the imported no-op `host.tick`: the engines' host-call benchmark.
pub const HOST_LOOP: &str = r#"(module
  (import "host" "tick" (func $tick))
  (func (export "run") (param $n i32) (local $i i32)
    (loop $again
      (call $tick)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))))"#;

/// `run() -> i32`: an empty memory that the start function grows by one page (a growth,
/// not a second memory); returns the memory's size in pages.
pub const START_GROWS_EMPTY_MEMORY: &str = r#"(module
  (memory (export "memory") 0)
  (func $start (drop (memory.grow (i32.const 1))))
  (start $start)
  (func (export "run") (result i32) (memory.size)))"#;

/// A one-page memory and a start function that traps: an instantiation that fails after
/// the engine built the memory.
pub const START_TRAPS: &str = r#"(module
  (memory (export "memory") 1)
  (func $start unreachable)
  (start $start))"#;

/// Two one-page memories (multi-memory): over `max_memories: 1`, the second is refused
/// when it is created.
pub const TWO_MEMORIES: &str = r#"(module
  (memory (export "first") 1)
  (memory (export "second") 1))"#;
