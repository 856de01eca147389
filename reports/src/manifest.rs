//! The run manifest (house rule 14): what produced a trace, written beside it as
//! `manifest.json`, with the same keys in every Parquet file's metadata.

use serde::Serialize;

/// What a run was: enough to reproduce it bit for bit. No wall-clock time: the manifest of two
/// runs of the same scenario and seed must be identical, like their traces.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RunManifest {
    pub taosim_version: String,
    pub scenario_name: String,
    pub scenario_path: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// The scenario as validated, with every default filled in (JSON).
    pub scenario_resolved: serde_json::Value,
    pub seed: u64,
    pub start_block: u64,
    pub end_block: u64,
    /// Rules in force at the start and at the end of the run (events may switch them).
    pub rules_at_start: serde_json::Value,
    pub rules_at_end: serde_json::Value,
    /// Trace tables written, as file names.
    pub tables: Vec<String>,
}

impl RunManifest {
    /// The flat key/value form stored in Parquet metadata (values are JSON where not strings).
    pub fn key_values(&self) -> Vec<(String, String)> {
        let value = serde_json::to_value(self).expect("a manifest is plain data");
        let obj = value
            .as_object()
            .expect("a manifest serialises to an object");
        obj.iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (format!("taosim.{k}"), text)
            })
            .collect()
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest is plain data") + "\n"
    }
}
