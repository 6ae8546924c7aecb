//! Limits from a TOML file and command-line flags, on top of `ResourceLimits::default()`.
//!
//! ```toml
//! max_memory = "4MiB"          # bytes: 4194304, "64KiB", "16 pages", "unlimited"
//! max_table_size = 1000        # elements, summed over tables
//! max_execution_time = "50ms"  # "500us", "2s", a number of microseconds, "unlimited"
//! max_memories = 4             # every count also accepts "unlimited"
//! policy = "worst-case"        # or "instantiation"
//! ```

use core::time::Duration;
use std::path::Path;

use core::num::{IntErrorKind, ParseIntError};
use serde::Deserialize;

use wrt_component::ResourceLimits;
use wrt_component::admission::Policy;

/// A number or a string with a unit, as TOML allows both.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "a whole number, or a string such as \"4 MiB\", \"50ms\" or \"unlimited\""
)]
pub enum Value {
    /// A plain integer.
    Number(u64),
    /// `"4MiB"`, `"16 pages"`, `"50ms"`, `"unlimited"`...
    Text(String),
}

/// The limits file: every key optional, unknown keys rejected (a typo must not silently
/// leave a default in place).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// `max_memory`: bytes, or a size with a unit.
    pub max_memory: Option<Value>,
    /// `max_table_size`: elements.
    pub max_table_size: Option<Value>,
    /// `max_function_calls`.
    pub max_function_calls: Option<Value>,
    /// `max_host_calls`.
    pub max_host_calls: Option<Value>,
    /// `max_execution_time`: a duration.
    pub max_execution_time: Option<Value>,
    /// `max_memories`.
    pub max_memories: Option<Value>,
    /// `max_tables`.
    pub max_tables: Option<Value>,
    /// `max_instances`.
    pub max_instances: Option<Value>,
    /// `max_resources`.
    pub max_resources: Option<Value>,
    /// `max_fuel`: fuel units per period.
    pub max_fuel: Option<Value>,
    /// `policy`: `worst-case` or `instantiation`.
    pub policy: Option<String>,
}

impl LimitsFile {
    /// Read and parse `path`.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read limits file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("limits file {}: {e}", path.display()))
    }

    /// Apply every key that is set to `limits` (and `policy`).
    pub fn apply(&self, limits: &mut ResourceLimits, policy: &mut Policy) -> Result<(), String> {
        set_usize(
            &mut limits.max_memory,
            &self.max_memory,
            "max_memory",
            parse_size,
        )?;
        set_usize(
            &mut limits.max_table_size,
            &self.max_table_size,
            "max_table_size",
            parse_count,
        )?;
        set_u64(
            &mut limits.max_function_calls,
            &self.max_function_calls,
            "max_function_calls",
        )?;
        set_u64(
            &mut limits.max_host_calls,
            &self.max_host_calls,
            "max_host_calls",
        )?;
        if let Some(value) = &self.max_execution_time {
            limits.max_execution_time =
                parse_duration(value).map_err(|e| format!("max_execution_time: {e}"))?;
        }
        set_usize(
            &mut limits.max_memories,
            &self.max_memories,
            "max_memories",
            parse_count,
        )?;
        set_usize(
            &mut limits.max_tables,
            &self.max_tables,
            "max_tables",
            parse_count,
        )?;
        set_usize(
            &mut limits.max_instances,
            &self.max_instances,
            "max_instances",
            parse_count,
        )?;
        set_usize(
            &mut limits.max_resources,
            &self.max_resources,
            "max_resources",
            parse_count,
        )?;
        set_u64(&mut limits.max_fuel, &self.max_fuel, "max_fuel")?;
        if let Some(text) = &self.policy {
            *policy = parse_policy(text)?;
        }
        Ok(())
    }
}

fn set_usize(
    field: &mut usize,
    value: &Option<Value>,
    name: &str,
    parse: fn(&Value) -> Result<u64, String>,
) -> Result<(), String> {
    if let Some(value) = value {
        let parsed = parse(value).map_err(|e| format!("{name}: {e}"))?;
        *field = usize::try_from(parsed).unwrap_or(usize::MAX);
    }
    Ok(())
}

fn set_u64(field: &mut u64, value: &Option<Value>, name: &str) -> Result<(), String> {
    if let Some(value) = value {
        *field = parse_count(value).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// `"worst-case"` or `"instantiation"`.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    match text {
        "worst-case" => Ok(Policy::WorstCase),
        "instantiation" => Ok(Policy::Instantiation),
        other => Err(format!(
            "unknown policy {other:?} (worst-case or instantiation)"
        )),
    }
}

/// A count: a number, or `"unlimited"` (`u64::MAX`).
pub fn parse_count(value: &Value) -> Result<u64, String> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::Text(text) if text.trim() == "unlimited" => Ok(u64::MAX),
        Value::Text(text) => text
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{text:?} is not a count")),
    }
}

/// Bytes: a number, `"<n> <unit>"` with B, KiB, MiB, GiB or pages (64 KiB), or `"unlimited"`.
pub fn parse_size(value: &Value) -> Result<u64, String> {
    let text = match value {
        Value::Number(n) => return Ok(*n),
        Value::Text(text) => text.trim(),
    };
    if text == "unlimited" {
        return Ok(u64::MAX);
    }
    let (number, unit) = number_and_unit(text, "size")?;
    let scale: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "page" | "pages" => 65_536,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (B, KiB, MiB, GiB, pages)"
            ));
        }
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("{text:?} does not fit in 64 bits"))
}

/// A duration: microseconds as a number, `"<n> <unit>"` with us, ms or s, or `"unlimited"`.
pub fn parse_duration(value: &Value) -> Result<Option<Duration>, String> {
    let text = match value {
        Value::Number(n) => return Ok(Some(Duration::from_micros(*n))),
        Value::Text(text) => text.trim(),
    };
    if text == "unlimited" {
        return Ok(None);
    }
    let (number, unit) = number_and_unit(text, "duration")?;
    match unit {
        "" | "us" => Ok(Some(Duration::from_micros(number))),
        "ms" => Ok(Some(Duration::from_millis(number))),
        "s" => Ok(Some(Duration::from_secs(number))),
        other => Err(format!("unknown time unit {other:?} (us, ms, s)")),
    }
}

/// `"16 pages"` → `(16, "pages")`: the leading digits (`_` separators allowed) and the unit
/// after them, trimmed; the error calls `text` "not a `what`".
fn number_and_unit<'t>(text: &'t str, what: &str) -> Result<(u64, &'t str), String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = number
        .replace('_', "")
        .parse()
        .map_err(|e: ParseIntError| {
            if *e.kind() == IntErrorKind::PosOverflow {
                format!("{text:?} does not fit in 64 bits")
            } else {
                format!("{text:?} is not a {what}")
            }
        })?;
    if unit.starts_with(['.', ',']) {
        return Err(format!(
            "{text:?}: a {what} is a whole number of its unit (write \"1536 KiB\", not \"1.5 MiB\")"
        ));
    }
    Ok((number, unit.trim()))
}
