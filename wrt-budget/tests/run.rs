//! `wrt-budget run`: the built binary on WAT fixtures, and on a real WASI program fetched by
//! `.ci/run` (Boolector from PyPI, pinned and checksummed in `.ci/fetch-wasi-programs.sh`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use wasmtime::{Config, Engine, Linker, Module, Store};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::WasiP1Ctx;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `contents` in a file `name` of this test process's own scratch directory.
fn scratch_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wrt-budget-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn wrt_budget(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wrt-budget"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A program stopped early closes its stdin: a broken pipe here is part of the run.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// `wrt-budget` with `args` and no stdin, which must exit 0: its JSON report.
fn report_of_a_clean_run(args: &[&str]) -> serde_json::Value {
    let output = wrt_budget(args, b"");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report_of(&output)
}

fn report_of(output: &Output) -> serde_json::Value {
    let err = String::from_utf8_lossy(&output.stderr);
    let start = err
        .find('{')
        .unwrap_or_else(|| panic!("no JSON report in {err}"));
    serde_json::from_str(&err[start..]).unwrap_or_else(|e| panic!("{e}: {err}"))
}

/// The fixture run in plain wasmtime + WASI, with fuel: its memory size and fuel burnt.
fn plain_wasmtime(wat_file: &Path, fuel: u64) -> (u64, u64) {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat::parse_file(wat_file).unwrap()).unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().build_p1());
    store.set_fuel(fuel).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    start.call(&mut store, ()).unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    (
        memory.data_size(&store) as u64,
        fuel - store.get_fuel().unwrap(),
    )
}

#[test]
fn the_fixture_prints_through_and_its_report_equals_what_wasmtime_reports() {
    let file = fixture("hello.wat");
    let output = wrt_budget(
        &[
            "run",
            "--json",
            "--max-fuel",
            "1000000",
            file.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "hello from a governed WebAssembly program\n"
    );
    let report = report_of(&output);
    let (bytes, fuel) = plain_wasmtime(&file, 1_000_000);
    assert_eq!(report["memories"][0]["peak_bytes"], bytes);
    assert_eq!(report["memory"]["peak"], bytes);
    assert_eq!(report["memory_peak_pages"], bytes / 65_536);
    assert_eq!(report["memory"]["grows_granted"], 5);
    assert_eq!(report["fuel"], fuel);
    assert_eq!(report["host_calls"], 1); // one fd_write; the memory.grow libcalls are not imports
    assert_eq!(report["wasm_entries"], 1);
    assert_eq!(report["instances"], 1);
    assert_eq!(report["outcome"]["kind"], "exited");
    assert_eq!(report["outcome"]["code"], 0);
}

/// Before the fix, `--max-host-calls 1` stopped the fixture at its first `memory.grow`,
/// right after its one `fd_write`: the call hook took wasmtime's growth libcall for a
/// second host call. Now where the crossing left Wasm shows it was no call.
#[test]
fn growth_after_the_last_allowed_host_call_is_no_host_call() {
    let file = fixture("hello.wat");
    let report = report_of_a_clean_run(&[
        "run",
        "--json",
        "--max-host-calls",
        "1",
        file.to_str().unwrap(),
    ]);
    assert_eq!(report["host_calls"], 1);
    assert_eq!(report["memory"]["grows_granted"], 5);
    assert_eq!(report["outcome"]["kind"], "exited");
}

#[test]
fn platform_memory_gives_the_same_report() {
    let file = fixture("hello.wat");
    let args = [
        "run",
        "--json",
        "--max-memory",
        "4 pages",
        file.to_str().unwrap(),
    ];
    let plain = report_of(&wrt_budget(&args, b""));
    let with_flag = [
        "run",
        "--platform-memory",
        "--json",
        "--max-memory",
        "4 pages",
        file.to_str().unwrap(),
    ];
    let platform = wrt_budget(&with_flag, b"");
    assert_eq!(
        platform.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&platform.stderr)
    );
    let platform = report_of(&platform);
    for key in [
        "memories",
        "memory",
        "tables",
        "host_calls",
        "refusals",
        "refusals_total",
        "outcome",
    ] {
        assert_eq!(plain[key], platform[key], "{key}");
    }
}

#[test]
fn a_refused_growth_denies_or_traps_and_the_report_says_which_limit() {
    let file = fixture("hello.wat");
    let denied = wrt_budget(
        &[
            "run",
            "--json",
            "--max-memory",
            "4 pages",
            file.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(
        denied.status.code(),
        Some(0),
        "the fixture stops growing at -1 and exits"
    );
    let report = report_of(&denied);
    assert_eq!(report["memory"]["grows_granted"], 3);
    assert_eq!(report["refusals"][0]["action"], "deny");
    assert_eq!(
        report["refusals"][0]["error"],
        "component#1: max_memory exceeded: requested 65536, used 262144, limit 262144"
    );
    let trapped = wrt_budget(
        &[
            "run",
            "--json",
            "--trap",
            "--max-memory",
            "4 pages",
            file.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(trapped.status.code(), Some(3));
    let report = report_of(&trapped);
    assert_eq!(report["outcome"]["kind"], "trapped");
    assert!(
        report["outcome"]["limit"]
            .as_str()
            .unwrap()
            .contains("max_memory exceeded")
    );
}

#[test]
fn admission_refuses_before_anything_runs_and_bad_input_exits_2() {
    let file = fixture("hello.wat");
    let refused = wrt_budget(
        &["run", "--max-memory", "1KiB", file.to_str().unwrap()],
        b"",
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty(), "the program ran");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("REFUSED"));
    let missing = wrt_budget(&["run", "/nonexistent.wasm"], b"");
    assert_eq!(missing.status.code(), Some(2));
    let import = wrt_budget(
        &["run", fixture("memory_defined.wat").to_str().unwrap()],
        b"",
    );
    assert_eq!(
        import.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
}

/// Before the fix both ran as if held: a program opening a file 100 times exited 0 under
/// `--max-resources 0`, and a loop that never calls the host ran on under wasmi's
/// `--max-execution-time 10ms` until killed (found by an outside audit).
#[test]
fn a_limit_the_run_cannot_hold_is_refused_before_anything_runs() {
    let file = fixture("hello.wat");
    let file = file.to_str().unwrap();
    let limits = fixture("limits.toml");
    let limits = limits.to_str().unwrap();
    for (args, names) in [
        (
            vec!["run", "--max-resources", "0", file],
            "max_resources (0)",
        ),
        (vec!["run", "--limits", limits, file], "max_resources (256)"),
        (
            vec![
                "run",
                "--engine",
                "wasmi",
                "--max-execution-time",
                "10ms",
                file,
            ],
            "max_execution_time (10ms) alone cannot stop a program in wasmi",
        ),
    ] {
        let refused = wrt_budget(&args, b"");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {err}");
        assert!(refused.stdout.is_empty(), "{args:?}: the program ran");
        assert!(err.contains(names), "{args:?}: {err}");
    }
    // With fuel to bound it, wasmi's time limit is charged at its crossings as documented.
    let report = report_of_a_clean_run(&[
        "run",
        "--json",
        "--engine",
        "wasmi",
        "--max-execution-time",
        "10s",
        "--max-fuel",
        "1000000",
        file,
    ]);
    assert_eq!(
        (&report["outcome"]["kind"], &report["outcome"]["code"]),
        (&"exited".into(), &0.into()),
        "{report}"
    );
}

#[test]
fn a_wasi_preview2_command_component_runs_too() {
    let file = fixture("command_component.wat");
    let report = report_of_a_clean_run(&["run", "--json", file.to_str().unwrap()]);
    assert_eq!(report["kind"], "component");
    assert_eq!(report["memory"]["peak"], 3 * 65_536);
    assert_eq!(report["memory"]["grows_granted"], 1);
}

/// Before the fix, `--max-host-calls 0` stopped the command component (exit 3) at its
/// `memory.grow`: the call hook took wasmtime's growth libcall for a host call, and nothing
/// knew the component's code. Its call sites, read at admission, now show it was no call.
#[test]
fn a_components_growth_is_no_host_call_either() {
    let file = fixture("command_component.wat");
    let report = report_of_a_clean_run(&[
        "run",
        "--json",
        "--max-host-calls",
        "0",
        file.to_str().unwrap(),
    ]);
    assert_eq!(report["host_calls"], 0);
    assert_eq!(report["memory"]["grows_granted"], 1);
}

/// Boolector, where `.ci/run` put it (`WRT_WASI_PROGRAMS`); CI must have it, a developer's
/// run without the variable says it skipped. The test reads nothing outside its crate but
/// what the variable names.
fn boolector() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("WRT_WASI_PROGRAMS").map(PathBuf::from) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set WRT_WASI_PROGRAMS to where .ci/fetch-wasi-programs.sh put Boolector"
        );
        eprintln!("skipped: WRT_WASI_PROGRAMS is not set; run .ci/fetch-wasi-programs.sh DIR");
        return None;
    };
    let path = dir.join("boolector.wasm");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must fetch {} (.ci/fetch-wasi-programs.sh)",
        path.display()
    );
    eprintln!(
        "skipped: {} is missing; run .ci/fetch-wasi-programs.sh",
        path.display()
    );
    None
}

/// N bit-vector declarations and N-1 chained asserts: Boolector's memory grows with N.
fn chain(n: usize) -> Vec<u8> {
    let mut text = String::from("(set-logic QF_BV)\n");
    for i in 0..n {
        text.push_str(&format!("(declare-const x{i} (_ BitVec 32))\n"));
    }
    for i in 1..n {
        text.push_str(&format!(
            "(assert (bvult x{} (bvadd x{i} #x{i:08x})))\n",
            i - 1
        ));
    }
    text.push_str("(check-sat)\n");
    text.into_bytes()
}

#[test]
fn a_real_wasi_program_runs_under_generous_limits_and_is_stopped_under_tight_ones() {
    let Some(boolector) = boolector() else { return };
    let path = boolector.to_str().unwrap();
    let generous = wrt_budget(
        &["run", "--json", "--max-memory", "64MiB", path, "--", "-ds"],
        &chain(1000),
    );
    assert_eq!(
        generous.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&generous.stderr)
    );
    assert!(String::from_utf8_lossy(&generous.stdout).contains("(check-sat)"));
    let report = report_of(&generous);
    assert_eq!(report["refusals_total"], 0);
    assert!(report["memory"]["grows_granted"].as_u64().unwrap() > 0);

    let tight = wrt_budget(
        &["run", "--json", "--max-memory", "4MiB", path, "--", "-ds"],
        &chain(10_000),
    );
    // Boolector handles the refused memory.grow itself: it reports out of memory and exits 1.
    assert_eq!(
        tight.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&tight.stderr)
    );
    let report = report_of(&tight);
    assert_eq!(report["memory"]["peak"], 4 << 20);
    assert_eq!(report["outcome"]["code"], 1);
    assert!(report["refusals_total"].as_u64().unwrap() >= 1);
    assert_eq!(report["refusals"][0]["request"], "GrowMemory");
    assert!(
        report["refusals"][0]["error"]
            .as_str()
            .unwrap()
            .contains("max_memory exceeded")
    );
    assert!(String::from_utf8_lossy(&tight.stderr).contains("out of memory"));
}

#[test]
fn arguments_environment_and_preopened_directories_reach_the_program() {
    let file = fixture("context.wat");
    let host_dir = std::env::temp_dir();
    let dir = format!("{}::/sandbox", host_dir.display());
    let output = wrt_budget(
        &[
            "run",
            "--env",
            "GREETING=hello",
            "--dir",
            &dir,
            file.to_str().unwrap(),
            "--",
            "one",
            "two",
        ],
        b"",
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).replace('\0', "|");
    assert_eq!(printed, "context.wat|one|two|GREETING=hello|/sandbox");
    let bad_env = wrt_budget(&["run", "--env", "NOEQUALS", file.to_str().unwrap()], b"");
    assert_eq!(bad_env.status.code(), Some(2));
    let bad_dir = wrt_budget(
        &["run", "--dir", "/nonexistent/dir", file.to_str().unwrap()],
        b"",
    );
    assert_eq!(bad_dir.status.code(), Some(2));
}

#[test]
fn wasmi_gives_the_same_report_and_refuses_components() {
    let file = fixture("hello.wat");
    for limit in ["4 pages", "64MiB"] {
        let report = |engine: &str| {
            let output = wrt_budget(
                &[
                    "run",
                    "--engine",
                    engine,
                    "--json",
                    "--max-memory",
                    limit,
                    file.to_str().unwrap(),
                ],
                b"",
            );
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                "hello from a governed WebAssembly program\n"
            );
            report_of(&output)
        };
        let (wasmtime, wasmi) = (report("wasmtime"), report("wasmi"));
        for key in [
            "memories",
            "memory",
            "memory_peak_pages",
            "tables",
            "instances",
            "wasm_entries",
            "host_calls",
            "refusals",
            "refusals_total",
            "outcome",
        ] {
            assert_eq!(wasmtime[key], wasmi[key], "{key} under {limit}");
        }
    }
    let component = wrt_budget(
        &[
            "run",
            "--engine",
            "wasmi",
            fixture("command_component.wat").to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(component.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&component.stderr).contains("wasmi runs core modules only"));
}

#[test]
fn the_real_program_is_stopped_the_same_way_in_wasmi() {
    let Some(boolector) = boolector() else { return };
    let path = boolector.to_str().unwrap();
    let tight = wrt_budget(
        &[
            "run",
            "--engine",
            "wasmi",
            "--json",
            "--max-memory",
            "4MiB",
            path,
            "--",
            "-ds",
        ],
        &chain(10_000),
    );
    assert_eq!(
        tight.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&tight.stderr)
    );
    let report = report_of(&tight);
    assert_eq!(report["memory"]["peak"], 4 << 20);
    assert_eq!(report["refusals"][0]["request"], "GrowMemory");
    assert!(
        report["refusals"][0]["error"]
            .as_str()
            .unwrap()
            .contains("max_memory exceeded")
    );
}

/// Before the fix wasmtime's compile error lost its cause: "the engine could not compile
/// it: failed to parse WebAssembly module", and nothing about why (an outside audit).
#[test]
fn a_compile_error_names_its_cause() {
    let shared = scratch_file("shared.wat", "(module (memory 1 1 shared))");
    let failed = wrt_budget(&["run", shared.to_str().unwrap()], b"");
    let err = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "could not compile it: failed to parse WebAssembly module: threads must be enabled"
        ),
        "{err}"
    );
}

/// Before the fix `--json` printed text for everything but a finished run: an admission
/// refusal printed the text table, and an error a text line (an outside audit).
#[test]
fn with_json_a_refusal_or_an_error_is_json_too() {
    let hello = fixture("hello.wat");
    let refused = wrt_budget(
        &[
            "run",
            "--json",
            "--max-memory",
            "0",
            hello.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(refused.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&refused.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&refused.stderr)));
    assert_eq!(document["files"][0]["admitted"], false, "{document}");
    assert_eq!(
        document["files"][0]["violations"][0]["field"], "max_memory",
        "{document}"
    );
    let missing = wrt_budget(&["run", "--json", "/nonexistent.wasm"], b"");
    assert_eq!(missing.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&missing.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&missing.stderr)));
    assert_eq!(error["exit_status"], 2, "{error}");
    assert!(
        error["error"].as_str().unwrap().starts_with("cannot read"),
        "{error}"
    );
}

/// Before the fix a time stop was told twice with different figures: the log held the
/// refusal of the charge that passed the limit, the outcome the refusal of a charge made
/// while its trap unwound ("requested 183µs, used 10ms"; an outside audit).
#[test]
fn a_time_stop_is_told_with_the_figures_the_log_recorded() {
    let spin = scratch_file(
        "spin.wat",
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#,
    );
    let stopped = wrt_budget(
        &[
            "run",
            "--json",
            "--max-execution-time",
            "10ms",
            spin.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(stopped.status.code(), Some(3));
    let report = report_of(&stopped);
    let logged = &report["refusals"][0]["error"];
    assert!(
        logged
            .as_str()
            .unwrap()
            .contains("max_execution_time exceeded"),
        "{report}"
    );
    assert_eq!(&report["outcome"]["limit"], logged, "{report}");
    assert_eq!(
        report["outcome"]["message"],
        format!("stopped by a wrt limit: {}", logged.as_str().unwrap()),
        "{report}"
    );
}
