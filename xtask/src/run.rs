//! Running child processes: either straight to the terminal, or into a log file that a CI
//! step parses afterwards (nextest's summary, the proof's linker error).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where a child's stdout and stderr go.
#[derive(Debug, Clone)]
pub enum Sink {
    /// The terminal, as the child writes it (for the direct `cargo xtask docs` etc.).
    Terminal,
    /// Appended, stdout and stderr interleaved as written, to this file.
    Log(PathBuf),
}

/// What a finished child left behind.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The child exited with status 0.
    pub success: bool,
    /// Everything it printed (empty for [`Sink::Terminal`]).
    pub output: String,
}

/// Runs `command` to completion, sending its output to `sink`.
///
/// The command line is written first, so a log says how to reproduce the step by hand.
pub fn run(command: &mut Command, sink: &Sink) -> io::Result<Finished> {
    let shown = display(command);
    match sink {
        Sink::Terminal => {
            eprintln!("$ {shown}");
            let status = command.status()?;
            Ok(Finished {
                success: status.success(),
                output: String::new(),
            })
        }
        Sink::Log(path) => {
            let mut log = open_append(path)?;
            writeln!(log, "$ {shown}")?;
            let before = log.metadata()?.len();
            let status = command
                .stdin(Stdio::null())
                .stdout(Stdio::from(log.try_clone()?))
                .stderr(Stdio::from(log.try_clone()?))
                .status()?;
            let text = std::fs::read(path)?;
            let start = usize::try_from(before).unwrap_or(0).min(text.len());
            Ok(Finished {
                success: status.success(),
                output: String::from_utf8_lossy(&text[start..]).into_owned(),
            })
        }
    }
}

/// Appends a line to the sink (a note between commands of one step).
pub fn note(sink: &Sink, line: &str) -> io::Result<()> {
    match sink {
        Sink::Terminal => {
            eprintln!("{line}");
            Ok(())
        }
        Sink::Log(path) => writeln!(open_append(path)?, "{line}"),
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

/// `KEY=value program arg ...`, for logs.
pub fn display(command: &Command) -> String {
    let mut parts: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| {
            value.map(|value| format!("{}={}", key.to_string_lossy(), value.to_string_lossy()))
        })
        .collect();
    parts.push(command.get_program().to_string_lossy().into_owned());
    parts.extend(
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned()),
    );
    parts.join(" ")
}

/// The last `lines` lines of `text`, for showing why a step failed without flooding the log.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let skip = all.len().saturating_sub(lines);
    all[skip..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }

    #[test]
    fn display_shows_env_program_and_args() {
        let mut command = Command::new("cargo");
        command.arg("build").env("CARGO_TERM_COLOR", "never");
        assert_eq!(display(&command), "CARGO_TERM_COLOR=never cargo build");
    }

    #[test]
    fn log_sink_captures_only_this_commands_output() {
        let dir = std::env::temp_dir().join(format!("xtask-run-{}", std::process::id()));
        let log = dir.join("step.log");
        let sink = Sink::Log(log.clone());
        note(&sink, "earlier note").unwrap();
        let finished = run(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            &sink,
        )
        .unwrap();
        assert!(!finished.success);
        assert!(finished.output.contains("out") && finished.output.contains("err"));
        assert!(!finished.output.contains("earlier note"));
        assert!(
            std::fs::read_to_string(&log)
                .unwrap()
                .contains("earlier note")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
