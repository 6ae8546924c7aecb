//! The limit flags `check` and `run` share, and reading a binary from disk.

use std::path::{Path, PathBuf};

use clap::Args;
use wrt_component::ResourceLimits;
use wrt_component::admission::Policy;

use crate::limits_file::{LimitsFile, Value};

/// Limits: wrt-component's conservative defaults, then `--limits FILE`, then these flags.
#[derive(Debug, Clone, Default, Args)]
pub struct LimitArgs {
    /// TOML file with limits: ResourceLimits' field names as keys, values as for the flags
    /// (max_memory = "4 MiB", max_host_calls = 1000, max_execution_time = "50ms"), and
    /// policy = "worst-case" or "instantiation".
    #[arg(long)]
    pub limits: Option<PathBuf>,
    /// Bytes of linear memory: 4194304, 64KiB, 4MiB, "16 pages", unlimited.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// Table elements summed over all tables.
    #[arg(long, value_name = "N")]
    pub max_table_size: Option<String>,
    /// Linear memories.
    #[arg(long, value_name = "N")]
    pub max_memories: Option<String>,
    /// Tables.
    #[arg(long, value_name = "N")]
    pub max_tables: Option<String>,
    /// Core module and component instances.
    #[arg(long, value_name = "N")]
    pub max_instances: Option<String>,
    /// Resource handles (for `check` only: `run` counts no WASI handles and refuses it).
    #[arg(long, value_name = "N")]
    pub max_resources: Option<String>,
    /// Function calls per period (for `run`: entries from the host into Wasm).
    #[arg(long, value_name = "N")]
    pub max_function_calls: Option<String>,
    /// Host calls per period.
    #[arg(long, value_name = "N")]
    pub max_host_calls: Option<String>,
    /// Execution time per period: 500us, 50ms, 2s, unlimited (for `run`: held to within one
    /// 10 ms epoch tick in wasmtime; in wasmi checked at host calls only, so give --max-fuel).
    #[arg(long, value_name = "DURATION")]
    pub max_execution_time: Option<String>,
    /// Fuel per period: the engine's deterministic instruction count (wasmtime charges about
    /// a unit per operator, wasmi its own cost per instruction, so the same program burns
    /// different amounts in the two).
    #[arg(long, value_name = "N")]
    pub max_fuel: Option<String>,
}

impl LimitArgs {
    /// The limits and admission policy these flags (and their file) name.
    pub fn resolve(&self, policy_flag: Option<&str>) -> Result<(ResourceLimits, Policy), String> {
        self.resolve_naming(policy_flag)
            .map(|(limits, policy, _)| (limits, policy))
    }

    /// As [`resolve`](Self::resolve), and whether the flags or their file set
    /// `max_resources` rather than leave the default (which `run` cannot hold).
    pub fn resolve_naming(
        &self,
        policy_flag: Option<&str>,
    ) -> Result<(ResourceLimits, Policy, bool), String> {
        let mut limits = ResourceLimits::default();
        let mut policy = Policy::default();
        let mut names_max_resources = self.max_resources.is_some();
        if let Some(path) = &self.limits {
            let file = LimitsFile::load(path)?;
            names_max_resources |= file.max_resources.is_some();
            file.apply(&mut limits, &mut policy)?;
        }
        let flag = |v: &Option<String>| v.clone().map(Value::Text);
        let flags = LimitsFile {
            max_memory: flag(&self.max_memory),
            max_table_size: flag(&self.max_table_size),
            max_function_calls: flag(&self.max_function_calls),
            max_host_calls: flag(&self.max_host_calls),
            max_execution_time: flag(&self.max_execution_time),
            max_memories: flag(&self.max_memories),
            max_tables: flag(&self.max_tables),
            max_instances: flag(&self.max_instances),
            max_resources: flag(&self.max_resources),
            max_fuel: flag(&self.max_fuel),
            policy: policy_flag.map(str::to_string),
        };
        flags
            .apply(&mut limits, &mut policy)
            .map_err(|e| match e.split_once(':') {
                // "max_memory: ..." from the file's parser names the flag "--max-memory" here.
                Some((key, rest)) if !key.contains(' ') => {
                    format!("--{}:{rest}", key.replace('_', "-"))
                }
                _ => e,
            })?;
        Ok((limits, policy, names_max_resources))
    }
}

/// The binary in `path`; text (.wat) is compiled with the `wat` crate first.
pub fn load(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let is_text = path
        .extension()
        .is_some_and(|ext| ext == "wat" || ext == "wast");
    if !is_text {
        return Ok(bytes); // let the validator say what is wrong, with an offset
    }
    wat::parse_bytes(&bytes)
        .map(|b| b.into_owned())
        .map_err(|e| format!("invalid WAT: {e}"))
}
