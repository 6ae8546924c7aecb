//! Linear memories from [`PlatformMemoryCreator`]: where they lie, that their guards fault,
//! that they grow in place, and that the limiter sees exactly what it sees without it.
#![cfg(target_os = "linux")]

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::Arc;

use wasmtime::{Config, Linker, Memory, Store, TypedFunc};
use wrt_component::engine::{RefusalPolicy, SharedBudget};
use wrt_component::{ComponentId, ResourceLimits, RuntimeBudget};
use wrt_foundation::{Clock, Timestamp};
use wrt_platform::linux::LinuxConfig;
use wrt_test_support::wat::GROW_MEMORY;
use wrt_wasmtime::{
    AdmittedModule, EngineOptions, Governed, GovernedEngine, Governor, PlatformMemoryCreator,
    instantiate,
};

const PAGE: usize = 65_536;
const C: ComponentId = ComponentId(42);
/// Set explicitly, so the expected layout does not depend on wasmtime's defaults.
const RESERVATION: usize = 4 << 30;
const GUARD: usize = 32 << 20;
/// Set in the child process: which address to touch.
const TOUCH: &str = "WRT_PLATFORM_MEMORY_TOUCH";
/// The signal number of a segmentation fault on Linux.
const SIGSEGV: i32 = 11;

/// [`GROW_MEMORY`] with a maximum of 5 pages, so wasmtime itself refuses the sixth.
const GROW_BOUNDED: &str = r#"(module
  (memory (export "memory") 2 5)
  (func (export "run") (result i32) (local $n i32)
    (block $done (loop $again
      (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (local.get $n)))"#;

/// A memory of two pages and a `grow` export.
const GROWABLE: &str = r#"(module
  (memory (export "memory") 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#;

/// The smallest valid memory: no page now and none ever.
const EMPTY: &str = "(module (memory 0 0))";

/// [`EMPTY`] with the memory and `memory.grow` exported.
const EMPTY_EXPORTED: &str = r#"(module
  (memory (export "memory") 0 0)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;

/// No page at first, one at most: it starts empty and grows by one page.
const ONE_PAGE_LATER: &str = r#"(module
  (memory (export "memory") 0 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#;

/// A clock that never moves, so execution time is zero in every run and figures compare.
struct Frozen;

impl Clock for Frozen {
    fn now(&self) -> Timestamp {
        Timestamp::default()
    }
}

fn engine(with_creator: bool) -> GovernedEngine {
    engine_reserving(with_creator, RESERVATION, GUARD)
}

fn engine_reserving(with_creator: bool, reservation: usize, guard: usize) -> GovernedEngine {
    let mut config = Config::new();
    config.memory_reservation(reservation as u64);
    config.memory_guard_size(guard as u64);
    if with_creator {
        PlatformMemoryCreator::new(LinuxConfig::default()).install(&mut config);
    }
    let budget = Arc::new(SharedBudget::new(RuntimeBudget::unlimited()));
    GovernedEngine::with_config(config, EngineOptions::default(), budget).unwrap()
}

fn instance(
    engine: &GovernedEngine,
    wat: &str,
    limits: ResourceLimits,
) -> (Store<Governed<()>>, wasmtime::Instance) {
    let wasm = wat::parse_str(wat).unwrap();
    let module = AdmittedModule::new(engine.engine(), &wasm, &limits).unwrap();
    let governor = Governor::with_clock(
        C,
        limits,
        RefusalPolicy::deny(),
        Arc::clone(engine.budget()),
        Box::new(Frozen),
    );
    let mut store = engine.store(governor, ());
    let instance = instantiate(&mut store, &Linker::new(engine.engine()), &module).unwrap();
    (store, instance)
}

/// One line of /proc/self/maps.
#[derive(Debug, Clone)]
struct Mapping {
    start: usize,
    end: usize,
    perms: String,
    line: String,
}

fn maps() -> Vec<Mapping> {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next().unwrap().split_once('-').unwrap();
            Mapping {
                start: usize::from_str_radix(start, 16).unwrap(),
                end: usize::from_str_radix(end, 16).unwrap(),
                perms: fields.next().unwrap().to_string(),
                line: line.to_string(),
            }
        })
        .collect()
}

/// Asserts `[start, end)` is covered by contiguous `---p` mappings; returns their lines.
fn assert_inaccessible(maps: &[Mapping], start: usize, end: usize) -> Vec<String> {
    let mut at = start;
    let mut lines = Vec::new();
    while at < end {
        let m = maps
            .iter()
            .find(|m| m.start <= at && at < m.end)
            .unwrap_or_else(|| panic!("{at:#x} is unmapped, expected ---p up to {end:#x}"));
        assert_eq!(
            m.perms, "---p",
            "{at:#x} should be inaccessible: {}",
            m.line
        );
        lines.push(m.line.clone());
        at = m.end;
    }
    lines
}

/// Asserts the memory at `base` is `rw-p` for exactly `size` bytes, with `---p` before it
/// and from its end through the reservation and guard; returns the lines seen.
fn assert_guarded(base: usize, size: usize) -> Vec<String> {
    let maps = maps();
    let rw = maps
        .iter()
        .find(|m| m.start == base)
        .unwrap_or_else(|| panic!("no mapping starts at the memory base {base:#x}"));
    assert_eq!(
        (rw.perms.as_str(), rw.end),
        ("rw-p", base + size),
        "{}",
        rw.line
    );
    let before = maps
        .iter()
        .find(|m| m.end == base)
        .unwrap_or_else(|| panic!("nothing is mapped directly before {base:#x}"));
    assert_eq!(before.perms, "---p", "{}", before.line);
    let mut lines = vec![before.line.clone(), rw.line.clone()];
    lines.extend(assert_inaccessible(
        &maps,
        base + size,
        base + RESERVATION + GUARD,
    ));
    lines
}

fn memory(store: &mut Store<Governed<()>>, instance: &wasmtime::Instance) -> Memory {
    instance.get_memory(&mut *store, "memory").unwrap()
}

/// A fixture instantiated through an engine, with its exported memory and `grow` function
/// and where the memory lay when it started.
struct Running {
    store: Store<Governed<()>>,
    instance: wasmtime::Instance,
    memory: Memory,
    grow: TypedFunc<i32, i32>,
    base: usize,
}

impl Running {
    fn new(engine: &GovernedEngine, wat: &str, limits: ResourceLimits) -> Self {
        let (mut store, instance) = instance(engine, wat, limits);
        let memory = memory(&mut store, &instance);
        let grow = instance.get_typed_func(&mut store, "grow").unwrap();
        let base = memory.data_ptr(&store) as usize;
        Self {
            store,
            instance,
            memory,
            grow,
            base,
        }
    }

    /// `memory.grow` by `pages`: the old size in pages, or -1.
    fn grow(&mut self, pages: i32) -> i32 {
        self.grow.call(&mut self.store, pages).unwrap()
    }

    /// Calls the fixture's `store` function: `true` when the byte was written, `false`
    /// when the access trapped.
    fn poke(&mut self, address: usize, byte: i32) -> bool {
        let poke = self
            .instance
            .get_typed_func::<(i32, i32), ()>(&mut self.store, "store")
            .unwrap();
        poke.call(&mut self.store, (address as i32, byte)).is_ok()
    }

    fn size(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    fn byte(&self, address: usize) -> u8 {
        self.memory.data(&self.store)[address]
    }

    /// `true` when the memory no longer starts where it started.
    fn moved(&self) -> bool {
        self.memory.data_ptr(&self.store) as usize != self.base
    }
}

/// Prints what a test saw in /proc/self/maps, for its log.
fn show(title: &str, lines: Vec<String>) {
    println!("{title}:");
    for line in lines {
        println!("  {line}");
    }
}

#[test]
fn memory_lies_in_a_region_with_guard_pages_around_it() {
    let engine = engine(true);
    let run = Running::new(&engine, GROWABLE, ResourceLimits::default());
    assert_eq!(run.size(), 2 * PAGE);
    assert_eq!(run.base % 4096, 0);
    let lines = assert_guarded(run.base, 2 * PAGE);
    show(&format!("memory at {:#x}, 2 pages", run.base), lines);
}

/// In the child (with [`TOUCH`] set) touches the chosen address; in the parent re-runs
/// this test in a child for each address and checks how it ended.
#[test]
fn touching_a_guard_page_kills_with_sigsegv() {
    if let Ok(mode) = std::env::var(TOUCH) {
        let engine = engine(true);
        let (mut store, instance) = instance(&engine, GROWABLE, ResourceLimits::default());
        let memory = memory(&mut store, &instance);
        let base = memory.data_ptr(&store);
        let size = memory.data_size(&store);
        let target = match mode.as_str() {
            "before" => base.wrapping_sub(1),
            "after" => base.wrapping_add(size),
            "guard-end" => base.wrapping_add(RESERVATION + GUARD - 1),
            "last" => base.wrapping_add(size - 1),
            other => panic!("unknown {TOUCH} mode {other}"),
        };
        println!("touching {mode} at {:#x}", target as usize);
        // SAFETY: deliberately unsound for the guard modes: the point is that the access
        // faults and kills this child process. "last" is the memory's last byte, which is
        // mapped read-write while `store` lives.
        unsafe { target.write_volatile(1) };
        drop(store);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let run = |mode: &str| {
        Command::new(&exe)
            .args([
                "touching_a_guard_page_kills_with_sigsegv",
                "--exact",
                "--nocapture",
            ])
            .env(TOUCH, mode)
            .output()
            .unwrap()
    };
    for mode in ["before", "after", "guard-end"] {
        let out = run(mode);
        assert_eq!(
            out.status.signal(),
            Some(SIGSEGV),
            "touching {mode} should fault: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // The control: the last byte of the memory is writable.
    let out = run("last");
    assert!(
        out.status.success(),
        "the last byte must be writable: {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn memory_grows_in_place_within_its_reservation() {
    let engine = engine(true);
    let mut run = Running::new(&engine, GROWABLE, ResourceLimits::default());
    assert!(run.poke(0, 7));
    // Past the size: a trap, not a write.
    assert!(!run.poke(2 * PAGE, 1));

    assert_eq!(run.grow(10), 2);
    assert!(!run.moved(), "the memory moved");
    assert_eq!(run.size(), 12 * PAGE);
    assert_eq!(run.byte(0), 7);
    assert!(run.poke(12 * PAGE - 1, 9));
    assert_eq!(run.byte(12 * PAGE - 1), 9);
    assert!(!run.poke(12 * PAGE, 1));
    show(
        "after memory.grow by 10 pages",
        assert_guarded(run.base, 12 * PAGE),
    );
}

#[test]
fn memory_grows_up_to_its_whole_reservation_and_no_further() {
    // A 16-page reservation: wasmtime keeps bounds checks, the creator refuses to move.
    let engine = engine_reserving(true, 16 * PAGE, PAGE);
    let mut run = Running::new(&engine, GROWABLE, ResourceLimits::unlimited());
    assert_eq!(run.grow(14), 2);
    assert_eq!((run.moved(), run.size()), (false, 16 * PAGE));
    assert_eq!(run.grow(1), -1);
    assert_eq!((run.moved(), run.size()), (false, 16 * PAGE));
    let stats = *run.store.data().governor.limiter().memory_stats();
    assert_eq!((stats.grows_granted, stats.failed_after_permit), (1, 1));
    // Without the creator wasmtime would move the memory instead (its reservation may
    // grow); with it, the guard right after the 16 pages is still in place.
    let end = run.base + 16 * PAGE;
    assert_inaccessible(&maps(), end, end + PAGE);
}

#[test]
fn every_limiter_figure_is_the_same_with_and_without_the_creator() {
    let limits = ResourceLimits {
        max_memory: 7 * PAGE + 1000,
        ..ResourceLimits::default()
    };
    for (wat, grows) in [(GROW_MEMORY, 5), (GROW_BOUNDED, 3)] {
        let figures = |with_creator: bool| {
            let engine = engine(with_creator);
            let (mut store, instance) = instance(&engine, wat, limits);
            let run = instance
                .get_typed_func::<(), i32>(&mut store, "run")
                .unwrap();
            let result = run.call(&mut store, ()).unwrap();
            let size = memory(&mut store, &instance).data_size(&store);
            let limiter = store.data().governor.limiter();
            (
                result,
                size,
                *limiter.usage(),
                *limiter.memory_stats(),
                limiter.refusals().kept().to_vec(),
                limiter.refusals().total(),
            )
        };
        let without = figures(false);
        let with = figures(true);
        assert_eq!(without.0, grows);
        if grows == 5 {
            assert!(!without.4.is_empty(), "the fixture must meet a refusal");
        }
        assert_eq!(with, without);
        println!(
            "{} pages max: {with:?}",
            if grows == 5 { "no" } else { "5" }
        );
    }
}

#[test]
fn an_empty_memory_is_an_all_guard_region() {
    let engine = engine(true);
    // The bare fixture instantiates through the creator.
    let _ = instance(&engine, EMPTY, ResourceLimits::default());
    let mut run = Running::new(&engine, EMPTY_EXPORTED, ResourceLimits::default());
    assert_eq!(run.size(), 0);
    let base = run.base;
    assert_eq!(base % 4096, 0);
    // Nothing is accessible: the guard before it, and the whole reservation and guard.
    let lines = assert_inaccessible(&maps(), base - 4096, base + RESERVATION + GUARD);
    assert_eq!(run.grow(0), 0);
    assert_eq!(run.grow(1), -1);
    assert_eq!(run.size(), 0);
    show(&format!("(memory 0 0) at {base:#x}"), lines);
}

#[test]
fn a_memory_of_no_pages_grows_by_one_in_place() {
    let engine = engine(true);
    let mut run = Running::new(&engine, ONE_PAGE_LATER, ResourceLimits::default());
    assert_eq!(run.size(), 0);
    assert_inaccessible(&maps(), run.base, run.base + RESERVATION + GUARD);
    assert!(!run.poke(0, 1));

    assert_eq!(run.grow(1), 0);
    assert!(!run.moved(), "the memory moved");
    assert_eq!(run.size(), PAGE);
    assert!(run.poke(PAGE - 1, 9));
    assert_eq!(run.byte(PAGE - 1), 9);
    assert!(!run.poke(PAGE, 1));
    assert_eq!(run.grow(1), -1);
    show(
        "(memory 0 1) after memory.grow by 1 page",
        assert_guarded(run.base, PAGE),
    );
}
