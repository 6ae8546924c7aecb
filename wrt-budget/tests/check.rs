//! `wrt-budget check` (and no subcommand): exit codes, text, JSON, progress, limits files,
//! in-process through `wrt_budget::main_with`, and the built binary once.

use std::path::{Path, PathBuf};
use std::process::Command;

use wrt_budget::check as cli;
use wrt_budget::{LimitsFile, Value, parse_duration, parse_size};
use wrt_component::LimitKind;
use wrt_component::ResourceLimits;
use wrt_component::admission::Policy;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn limits_toml() -> String {
    fixture("limits.toml")
}

struct Run {
    status: u8,
    out: String,
    err: String,
}

fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = core::iter::once("wrt-budget").chain(args.iter().copied());
    let status = wrt_budget::main_with(argv, &mut out, &mut err);
    Run {
        status,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

fn scratch_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wrt-budget-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn admitted_file_exits_0_with_a_table_and_summary() {
    let run = run(&[&fixture("demo.wasm"), "--limits", &limits_toml()]);
    assert_eq!(run.status, cli::EXIT_ADMITTED, "{}{}", run.out, run.err);
    assert!(run.out.contains("ADMITTED"), "{}", run.out);
    for column in ["resource", "initial", "maximum", "limit", "verdict"] {
        assert!(run.out.contains(column), "{column} missing:\n{}", run.out);
    }
    for label in [
        "memory",
        "memories",
        "table elements",
        "tables",
        "instances",
        "resources",
        "function calls",
        "host calls",
        "execution time",
    ] {
        assert!(
            run.out.contains(&format!("\n  {label} ")),
            "{label} row missing:\n{}",
            run.out
        );
    }
    assert!(
        run.out.contains("128 KiB") && run.out.contains("4 MiB"),
        "{}",
        run.out
    );
    assert!(
        run.out.contains(
            "plan: reserved in a ComponentResourceManager: 1 instance(s), \
        1 memory(ies) with 128 KiB, 1 table(s) with 8 element(s)"
        ),
        "{}",
        run.out
    );
    assert!(
        run.out
            .ends_with("summary: 1 file(s): 1 admitted, 0 refused, 0 error(s)\n")
    );
    assert!(run.err.is_empty(), "no progress for one file: {}", run.err);
}

#[test]
fn refused_file_exits_1_and_names_every_violation() {
    let run = run(&[
        &fixture("component_nested.wasm"),
        "--max-memory",
        "512KiB",
        "--max-instances",
        "7",
    ]);
    assert_eq!(run.status, cli::EXIT_REFUSED, "{}", run.out);
    assert!(run.out.contains("REFUSED"));
    assert!(
        run.out
            .contains("refused: memory (max_memory): worst case 786432 bytes"),
        "{}",
        run.out
    );
    assert!(
        run.out
            .contains("refused: instances (max_instances): requested 8 exceeds the limit of 7")
    );
}

#[test]
fn policy_flag_turns_a_worst_case_refusal_into_growth_limited() {
    let args = [
        fixture("memory_shared.wasm"),
        "--max-memory".into(),
        "8 pages".into(),
    ];
    let strict = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(strict.status, cli::EXIT_REFUSED);
    let mut lenient_args: Vec<&str> = args.iter().map(String::as_str).collect();
    lenient_args.extend(["--policy", "instantiation"]);
    let lenient = run(&lenient_args);
    assert_eq!(lenient.status, cli::EXIT_ADMITTED, "{}", lenient.out);
    assert!(lenient.out.contains("growth-limited"));
}

#[test]
fn malformed_missing_or_bad_declared_files_exit_2_even_next_to_admitted_ones() {
    let truncated = scratch_file("truncated.wasm", b"\0asm\x01\0\0\0\x05\x04\x01");
    let run = run(&[
        &fixture("memory_defined.wasm"),
        truncated.to_str().unwrap(),
        "/nonexistent/x.wasm",
        &fixture("declared_limits_bad.wasm"),
        &fixture("memory_shared.wasm"),
        "--max-memory",
        "512KiB",
    ]);
    assert_eq!(run.status, cli::EXIT_ERROR);
    assert!(
        run.out
            .contains("truncated.wasm: ERROR: malformed binary at byte offset"),
        "{}",
        run.out
    );
    assert!(
        run.out.contains("x.wasm: ERROR: cannot read"),
        "{}",
        run.out
    );
    assert!(run.out.contains("unknown version 2"), "{}", run.out);
    assert!(
        run.out
            .contains("5 file(s): 1 admitted, 1 refused, 3 error(s)"),
        "{}",
        run.out
    );
}

#[test]
fn bad_arguments_and_bad_limits_exit_2_help_exits_0() {
    assert_eq!(run(&[]).status, cli::EXIT_ERROR);
    assert_eq!(run(&["--frobnicate", "x.wasm"]).status, cli::EXIT_ERROR);
    let bad = run(&[&fixture("demo.wasm"), "--max-tables", "many"]);
    assert_eq!(bad.status, cli::EXIT_ERROR);
    assert!(bad.err.contains("--max-tables"), "{}", bad.err);
    let typo = scratch_file("typo.toml", b"max_memroy = 1\n");
    let bad_file = run(&[&fixture("demo.wasm"), "--limits", typo.to_str().unwrap()]);
    assert_eq!(bad_file.status, cli::EXIT_ERROR);
    assert!(bad_file.err.contains("max_memroy"), "{}", bad_file.err);
    // A file name that is not UTF-8 is a file to check, not a missing subcommand (it
    // printed the usage before; an outside audit).
    {
        use std::os::unix::ffi::OsStrExt;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let argv = [
            std::ffi::OsStr::new("wrt-budget"),
            std::ffi::OsStr::from_bytes(b"/nonexistent-\xff.wat"),
        ];
        let status = wrt_budget::main_with(argv, &mut out, &mut err);
        let out = String::from_utf8_lossy(&out);
        assert_eq!(status, cli::EXIT_ERROR);
        assert!(out.contains("ERROR: cannot read"), "{out}");
    }
    let help = run(&["--help"]);
    assert_eq!(help.status, cli::EXIT_ADMITTED);
    assert!(help.out.contains("Usage"), "{}", help.out);
    assert!(help.err.is_empty(), "{}", help.err);
    // Each subcommand's help names it, on stdout; so does the version.
    let run_help = run(&["run", "--help"]);
    assert_eq!(run_help.status, cli::EXIT_ADMITTED);
    assert!(
        run_help
            .out
            .contains("Usage: wrt-budget run [OPTIONS] <FILE>"),
        "{}",
        run_help.out
    );
    let check_help = run(&["check", "--help"]);
    assert!(
        check_help
            .out
            .contains("Usage: wrt-budget check [OPTIONS] <FILES>..."),
        "{}",
        check_help.out
    );
    let version = run(&["--version"]);
    assert_eq!(
        (version.status, version.out.trim()),
        (
            cli::EXIT_ADMITTED,
            concat!("wrt-budget ", env!("CARGO_PKG_VERSION"))
        )
    );
}

#[test]
fn wat_text_is_compiled_before_judging() {
    let run = run(&[&fixture("memory_defined.wat")]);
    assert_eq!(run.status, cli::EXIT_ADMITTED, "{}", run.out);
    let broken = scratch_file("broken.wat", b"(module (memory))");
    assert_eq!(
        self::run(&[broken.to_str().unwrap()]).status,
        cli::EXIT_ERROR
    );
}

#[test]
fn json_output_is_one_document_with_rows_violations_and_summary() {
    let run = run(&[
        &fixture("demo.wasm"),
        &fixture("multi_memory.wasm"),
        "--json",
        "--max-memories",
        "2",
        "--quiet",
    ]);
    assert_eq!(run.status, cli::EXIT_REFUSED);
    assert!(run.err.is_empty(), "--quiet silences progress: {}", run.err);
    let json: serde_json::Value = serde_json::from_str(&run.out).unwrap();
    assert_eq!(json["summary"]["admitted"], 1);
    assert_eq!(json["summary"]["refused"], 1);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files[0]["rows"].as_array().unwrap().len(), LimitKind::COUNT);
    assert_eq!(files[0]["rows"][0]["requested"], 131_072);
    assert_eq!(files[0]["planned"]["memory_bytes"], 131_072);
    assert_eq!(files[0]["planned"]["instances"], 1);
    assert!(
        files[1].get("planned").is_none(),
        "refused files are not planned"
    );
    assert_eq!(files[1]["admitted"], false);
    assert_eq!(files[1]["violations"][0]["field"], "max_memories");
    assert_eq!(files[1]["violations"][0]["value"], 3);
    assert_eq!(files[1]["violations"][0]["limit"], 2);
}

#[test]
fn progress_goes_to_stderr_for_many_files() {
    let run = run(&[&fixture("memory_defined.wasm"), &fixture("memory64.wasm")]);
    assert_eq!(run.err.lines().count(), 2, "{}", run.err);
    assert!(run.err.starts_with("[1/2] "));
    assert!(!run.out.contains("[1/2]"));
}

#[test]
fn limits_file_sets_every_field_and_flags_override_it() {
    let file = LimitsFile::load(Path::new(&limits_toml())).unwrap();
    let mut limits = ResourceLimits::unlimited();
    let mut policy = Policy::Instantiation;
    file.apply(&mut limits, &mut policy).unwrap();
    assert_eq!(
        limits,
        ResourceLimits {
            max_memory: 4 << 20,
            max_table_size: 1000,
            max_function_calls: 1_000_000,
            max_host_calls: 10_000,
            max_execution_time: Some(core::time::Duration::from_millis(50)),
            max_memories: 4,
            max_tables: 4,
            max_instances: 8,
            max_resources: 256,
            max_fuel: u64::MAX,
        }
    );
    assert_eq!(policy, Policy::WorstCase);
    let overridden = run(&[
        &fixture("demo.wasm"),
        "--limits",
        &limits_toml(),
        "--max-memory",
        "64KiB",
    ]);
    assert_eq!(overridden.status, cli::EXIT_REFUSED, "{}", overridden.out);
}

#[test]
fn sizes_and_durations_parse_with_units() {
    let text = |s: &str| Value::Text(s.into());
    assert_eq!(parse_size(&Value::Number(7)), Ok(7));
    assert_eq!(parse_size(&text("64KiB")), Ok(65_536));
    assert_eq!(parse_size(&text("2 MiB")), Ok(2 << 20));
    assert_eq!(parse_size(&text("16 pages")), Ok(16 * 65_536));
    assert_eq!(parse_size(&text("1_024")), Ok(1024));
    assert_eq!(parse_size(&text("unlimited")), Ok(u64::MAX));
    assert!(parse_size(&text("4 XB")).is_err());
    assert!(parse_size(&text("99999999999999 GiB")).is_err());
    assert_eq!(
        parse_duration(&text("2s")),
        Ok(Some(core::time::Duration::from_secs(2)))
    );
    assert_eq!(
        parse_duration(&text("500us")),
        Ok(Some(core::time::Duration::from_micros(500)))
    );
    assert_eq!(parse_duration(&text("unlimited")), Ok(None));
    assert!(parse_duration(&text("5 min")).is_err());
    // What was wrong, said as such (an outside audit had "unknown size unit \".5 MiB\"" and
    // "is not a size" for a number past 64 bits, and serde's internal enum name for a
    // negative number in a limits file).
    assert_eq!(
        parse_size(&text("1.5 MiB")),
        Err(
            r#""1.5 MiB": a size is a whole number of its unit (write "1536 KiB", not "1.5 MiB")"#
                .into()
        )
    );
    assert!(
        parse_duration(&text("1.5ms"))
            .unwrap_err()
            .contains("whole number")
    );
    assert_eq!(
        parse_size(&text("18446744073709551616")),
        Err(r#""18446744073709551616" does not fit in 64 bits"#.into())
    );
    let negative = scratch_file("negative.toml", b"max_memory = -1\n");
    let refused = run(&[
        &fixture("demo.wasm"),
        "--limits",
        negative.to_str().unwrap(),
    ]);
    assert_eq!(refused.status, cli::EXIT_ERROR);
    assert!(
        refused
            .err
            .contains(r#"a whole number, or a string such as "4 MiB""#)
            && !refused.err.contains("untagged"),
        "{}",
        refused.err
    );
}

/// The binary itself, once: the exit status reaches the shell.
#[test]
fn built_binary_exits_1_on_a_refused_fixture() {
    let output = Command::new(env!("CARGO_BIN_EXE_wrt-budget"))
        .args([
            fixture("memory_shared.wasm").as_str(),
            "--max-memory",
            "64KiB",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("REFUSED"));
}

#[test]
fn metrics_flag_prints_what_the_plan_holds_against_each_limit() {
    let plain = run(&[&fixture("demo.wasm"), "--limits", &limits_toml()]);
    assert!(!plain.out.contains("resource metrics"));

    let run = run(&[
        &fixture("demo.wasm"),
        "--limits",
        &limits_toml(),
        "--metrics",
    ]);
    assert_eq!(run.status, 0, "{}", run.err);
    assert!(
        run.out.contains("resource metrics: 1 collection(s)"),
        "{}",
        run.out
    );
    // demo.wasm plans one 2-page memory (128 KiB) and an 8-element table; limits.toml caps
    // memory at 4 MiB and table elements at 1000.
    let row = |limit: &str| {
        run.out
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(limit))
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no {limit} row in:\n{}", run.out))
    };
    assert_eq!(row("max_memory")[2..5], ["131072", "131072", "4194304"]);
    assert_eq!(row("max_table_size")[2..5], ["8", "8", "1000"]);
    assert_eq!(row("max_instances")[2..5], ["1", "1", "8"]);

    // With --json the same figures are in the document (an outside audit found --metrics
    // silently dropped there).
    let json = crate::run(&[
        &fixture("demo.wasm"),
        "--limits",
        &limits_toml(),
        "--metrics",
        "--json",
    ]);
    let document: serde_json::Value = serde_json::from_str(&json.out).unwrap();
    let memory = &document["files"][0]["metrics"]["components"][0]["limits"]["max_memory"];
    assert_eq!(
        (&memory["used"], &memory["limit"]),
        (&131_072.into(), &4_194_304.into()),
        "{document}"
    );
}

#[test]
fn every_memory_and_table_is_listed_with_the_proposals_used() {
    let text = run(&[&fixture("memory_shared.wasm")]);
    assert!(
        text.out
            .contains("memory module#0: defined, 1 .. 16 pages of 65536 B, shared"),
        "{}",
        text.out
    );
    assert!(text.out.contains("proposals used: threads"), "{}", text.out);
    let json = run(&[&fixture("component_nested.wasm"), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json.out).unwrap();
    let memories = json["files"][0]["memories"].as_array().unwrap();
    assert_eq!(memories.len(), 5);
    assert_eq!(memories[1]["imported_from"], "a.memory");
    assert_eq!(memories[1]["maximum_pages"], serde_json::Value::Null);
    assert_eq!(memories[3]["initial_pages"], 100);
    let tables = json["files"][0]["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0]["element_type"], "funcref");
    assert_eq!(
        (tables[0]["initial"].clone(), tables[0]["maximum"].clone()),
        (4.into(), 8.into())
    );
    assert!(
        json["files"][0]["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "component_model")
    );
}

/// Before the fix a custom section named with a newline printed a line of its own (a fake
/// `summary:` line), and wasmparser's bad-magic error spanned several lines of the
/// one-line-per-file `path: ERROR: ...` form (both found by an outside audit).
#[test]
fn what_a_binary_says_cannot_print_lines_of_its_own() {
    let forged = "x\nsummary: 9 file(s): 9 admitted, 0 refused, 0 error(s)";
    let wasm = wat::parse_str(format!("(module (@custom {forged:?} \"y\"))")).unwrap();
    let custom = scratch_file("custom_newline.wasm", &wasm);
    let garbage = scratch_file("garbage.wasm", b"garbage!");
    let checked = run(&["check", custom.to_str().unwrap(), garbage.to_str().unwrap()]);
    let summaries: Vec<&str> = checked
        .out
        .lines()
        .filter(|line| line.starts_with("summary:"))
        .collect();
    assert_eq!(
        summaries,
        ["summary: 2 file(s): 1 admitted, 0 refused, 1 error(s)"],
        "{}",
        checked.out
    );
    assert!(
        checked.out.contains(&format!("{forged:?}")),
        "{}",
        checked.out
    );
    let garbage_path = garbage.display().to_string();
    let error_lines: Vec<&str> = checked
        .out
        .lines()
        .filter(|line| line.starts_with(&garbage_path))
        .collect();
    assert_eq!(error_lines.len(), 1, "{}", checked.out);
    assert!(
        error_lines[0].contains("ERROR: malformed binary"),
        "{}",
        checked.out
    );
    assert!(
        error_lines[0].contains("actual="),
        "the whole message: {}",
        checked.out
    );
}
