//! Scenario files: TOML read in two stages (house rule 6). Stage 1 ([`wire`]) mirrors the file
//! and rejects unknown keys; stage 2 ([`validate`]) turns it into typed values and reports every
//! problem with the file, the TOML path, the bad value and the rule it breaks.

pub mod saved_state;
pub mod snapshot;
pub mod validate;
pub mod wire;

use sha2::{Digest, Sha256};
use sim_core::sim::SimConfig;
use std::fmt;
use std::path::{Path, PathBuf};

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    pub name: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    pub blocks: u64,
    pub config: SimConfig,
    /// Agent populations (`[[agents]]`), built into agents for each run.
    pub agents: Vec<agents::Population>,
    /// The scenario with every default filled in, as recorded in the run manifest.
    pub resolved: serde_json::Value,
}

impl Scenario {
    /// Overrides the seed (`--seed`), keeping the resolved form in step.
    pub fn set_seed(&mut self, seed: u64) {
        self.config.seed = seed;
        self.resolved["seed"] = seed.into();
    }

    /// Overrides the run length (`--blocks`).
    pub fn set_blocks(&mut self, blocks: u64) -> Result<(), anyhow::Error> {
        if blocks == 0 {
            anyhow::bail!("--blocks 0: must be at least 1");
        }
        self.blocks = blocks;
        self.resolved["blocks"] = blocks.into();
        Ok(())
    }
}

/// One thing wrong with a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `line:col` for syntax errors, else empty.
    pub location: String,
    /// The TOML path, e.g. `events[2].amount`.
    pub key: String,
    /// The bad value and the rule, e.g. `= -5: must not be negative`.
    pub message: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug)]
pub enum ScenarioError {
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Read { path, source } => {
                write!(f, "{}: cannot read scenario: {source}", path.display())
            }
            ScenarioError::Invalid { path, problems } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{}", path.display())?;
                    if !p.location.is_empty() {
                        write!(f, ":{}", p.location)?;
                    }
                    if p.key.is_empty() {
                        write!(f, ": {}", p.message)?;
                    } else if p.message.starts_with("= ") {
                        write!(f, ": {} {}", p.key, p.message)?;
                    } else {
                        write!(f, ": {}: {}", p.key, p.message)?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ScenarioError::Invalid {
        path: path.to_path_buf(),
        problems: vec![Problem {
            location: String::new(),
            key: String::new(),
            message: "not UTF-8 text".into(),
        }],
    })?;
    load_text(path, &text)
}

/// Validates scenario text that came from `path` (possibly edited, e.g. by a sweep's `--set`).
/// The manifest's SHA-256 is that of the text actually run.
pub fn load_text(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid {
        path: path.to_path_buf(),
        problems,
    };
    let wire = parse_wire(text).map_err(|p| invalid(vec![p]))?;
    let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
    validate::validate(wire, path, sha256).map_err(invalid)
}

/// Stage 1: TOML syntax and shape. The error names the TOML path and the line.
fn parse_wire(text: &str) -> Result<wire::WireScenario, Problem> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let key = err.path().to_string();
        let inner = err.into_inner();
        let location = inner
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("{line}:{col}")
            })
            .unwrap_or_default();
        let key = if key == "." { String::new() } else { key };
        let message = inner
            .message()
            .trim()
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; ");
        Problem {
            location,
            key,
            message,
        }
    })
}
