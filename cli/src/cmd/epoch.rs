//! `taosim epoch`: Yuma consensus for subnet designers.
//!
//! One epoch: `--input CASE.json [--output OUT.json]` reads the input schema of the golden vectors
//! (a bare input object, or a case with an `input` key) and prints or writes the output schema.
//! Many epochs: `--epochs K --out DIR` carries permits and bonds from each epoch into the next
//! (like the chain: the block advances by `tempo`, the last step block is the previous epoch's
//! block), applies an optional `script`, and writes `epochs.parquet`, `epochs.csv` and a chart of
//! incentive and dividends per UID.

use crate::Failure;
use anyhow::{anyhow, bail, Context, Result};
use polars::prelude::*;
use reports::chart::{line_chart, Panel, Series};
use reports::RunDir;
use serde::Deserialize;
use serde_json::{json, Value};
use sim_core::yuma::{EpochInput, EpochOutput, Yuma};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct EpochArgs {
    /// Epoch input (JSON, the golden input schema; may hold a `script` for --epochs).
    #[arg(long)]
    input: PathBuf,
    /// Write the output JSON here instead of printing it (one epoch).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Run this many consecutive epochs and write a per-epoch table and chart to --out.
    #[arg(long)]
    epochs: Option<u32>,
    /// Output directory for --epochs (default: runs/<input name>-epochs).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace an existing --out directory.
    #[arg(long)]
    force: bool,
    /// In a file of many cases (the golden `cases` or `sequences` files): the case to run, by
    /// its `id`; in a sequences file `ID:K` is epoch K of sequence ID (`ID` alone: epoch 0).
    #[arg(long)]
    case: Option<String>,
}

/// One scripted change, applied before the epoch with this index (0-based, > 0).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptStep {
    epoch: u32,
    /// Replace these validators' weight rows: `[[uid, [[uid_j, w_u16], ...]], ...]`.
    #[serde(default)]
    set_weights: Vec<(u16, Vec<(u16, u16)>)>,
    /// Set these UIDs' alpha stake (rao): `[[uid, rao], ...]`.
    #[serde(default)]
    set_alpha_stake: Vec<(u16, u64)>,
    /// These validators stop setting weights from this epoch on (their LastUpdate freezes).
    #[serde(default)]
    stop_updating: Vec<u16>,
    /// These validators set weights again from this epoch on.
    #[serde(default)]
    resume_updating: Vec<u16>,
    /// These validators copy weights from this epoch on: each epoch they submit the previous
    /// epoch's consensus (max-upscaled, as `set_weights` stores it) instead of their own view.
    #[serde(default)]
    copy_consensus: Vec<u16>,
}

pub fn run(args: EpochArgs) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("{}: cannot read", args.input.display()))
        .map_err(Failure::input)?;
    let doc: Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not JSON", args.input.display()))
        .map_err(Failure::input)?;
    let file = args.input.display().to_string();
    let doc = pick_case(&doc, args.case.as_deref())
        .map_err(|e| Failure::input(anyhow!("{file}: {e}")))?;
    let (input_value, script) =
        split_case(doc).map_err(|e| Failure::input(anyhow!("{file}: {e}")))?;
    let mut yuma = Yuma::default();
    match args.epochs {
        None => {
            if !script.is_empty() {
                return Err(Failure::input(anyhow!(
                    "{file}: script: only used with --epochs"
                )));
            }
            let input =
                parse_input(&input_value).map_err(|e| Failure::input(anyhow!("{file}: {e}")))?;
            let mut out = EpochOutput::default();
            yuma.run(&input, &mut out);
            let json = serde_json::to_string_pretty(&out).expect("the output is plain data") + "\n";
            match args.output {
                Some(path) => std::fs::write(&path, json)
                    .with_context(|| format!("{}: cannot write", path.display()))
                    .map_err(Failure::run)?,
                None => print!("{json}"),
            }
            Ok(())
        }
        Some(0) => Err(Failure::input(anyhow!("--epochs 0: must be at least 1"))),
        Some(k) => {
            let stem = args
                .input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "epoch".into());
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("runs").join(format!("{stem}-epochs")));
            multi_epoch(&file, input_value, &script, k, &out, args.force)
        }
    }
}

/// The case `--case` names in a file of many (`cases`: by id; `sequences`: `ID` or `ID:K` for
/// epoch K), or the document itself when it is one case.
fn pick_case<'a>(doc: &'a Value, case: Option<&str>) -> Result<&'a Value> {
    let ids = |list: &[Value]| {
        list.iter()
            .filter_map(|c| c.get("id").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let find = |list: &'a [Value], id: &str| {
        list.iter()
            .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
            .ok_or_else(|| anyhow!("--case {id}: no case with this id (ids: {})", ids(list)))
    };
    if let Some(list) = doc.get("cases").and_then(Value::as_array) {
        let Some(id) = case else {
            bail!(
                "holds {} cases: pick one with --case ID (ids: {})",
                list.len(),
                ids(list)
            );
        };
        return find(list, id);
    }
    if let Some(list) = doc.get("sequences").and_then(Value::as_array) {
        let Some(case) = case else {
            bail!(
                "holds {} sequences of epochs: pick one epoch with --case ID:K (ids: {})",
                list.len(),
                ids(list)
            );
        };
        let (id, k) = match case.split_once(':') {
            Some((id, k)) => {
                let k: usize = k
                    .parse()
                    .map_err(|_| anyhow!("--case {case}: K must be an epoch index (0, 1, ...)"))?;
                (id, k)
            }
            None => (case, 0),
        };
        let epochs = find(list, id)?
            .get("epochs")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("--case {id}: the sequence has no `epochs` list"))?;
        return epochs.get(k).ok_or_else(|| {
            anyhow!(
                "--case {case}: sequence {id} has epochs 0 to {}",
                epochs.len().saturating_sub(1)
            )
        });
    }
    if let Some(id) = case {
        bail!("--case {id}: the file holds one case, not a list of them");
    }
    Ok(doc)
}

/// The input object and the script of a case file.
fn split_case(doc: &Value) -> Result<(Value, Vec<ScriptStep>)> {
    let obj = doc
        .as_object()
        .ok_or_else(|| anyhow!("expected a JSON object"))?;
    let input = obj.get("input").cloned().unwrap_or_else(|| {
        let mut bare = obj.clone();
        bare.remove("script");
        Value::Object(bare)
    });
    let script: Vec<ScriptStep> = match obj.get("script") {
        None => vec![],
        Some(s) => serde_path_to_error::deserialize(s).map_err(|e| {
            anyhow!(
                "script{}: {}",
                path_suffix(&e.path().to_string()),
                e.inner()
            )
        })?,
    };
    Ok((input, script))
}

fn path_suffix(path: &str) -> String {
    if path == "." {
        String::new()
    } else if path.starts_with('[') {
        path.to_string()
    } else {
        format!(".{path}")
    }
}

/// Deserialises and validates an epoch input, naming the field that is wrong.
fn parse_input(v: &Value) -> Result<EpochInput> {
    let input: EpochInput = serde_path_to_error::deserialize(v)
        .map_err(|e| anyhow!("input{}: {}", path_suffix(&e.path().to_string()), e.inner()))?;
    input.validate().map_err(|e| anyhow!("input: {e}"))?;
    Ok(input)
}

fn multi_epoch(
    file: &str,
    mut input: Value,
    script: &[ScriptStep],
    epochs: u32,
    out: &Path,
    force: bool,
) -> Result<(), Failure> {
    // Epoch 0 is the input itself; steps after the last epoch simply do not happen (a shorter
    // run of the same case), and the user is told.
    if script.iter().any(|s| s.epoch == 0) {
        return Err(Failure::input(anyhow!(
            "{file}: script: a step at epoch 0 (the input itself); steps start at 1"
        )));
    }
    let skipped = script.iter().filter(|s| s.epoch >= epochs).count();
    if skipped > 0 {
        eprintln!(
            "note: {skipped} script steps come after epoch {} and are not applied",
            epochs - 1
        );
    }
    let mut table = EpochTable::default();
    let mut yuma = Yuma::default();
    let mut output = EpochOutput::default();
    let mut frozen: Vec<u16> = Vec::new();
    let mut copiers: Vec<u16> = Vec::new();
    for epoch in 0..epochs {
        if epoch > 0 {
            let out_value = serde_json::to_value(&output).expect("plain data");
            for step in script.iter().filter(|s| s.epoch == epoch) {
                copiers.extend(step.copy_consensus.iter().copied());
            }
            copy_consensus(&mut input, &out_value, &copiers, &frozen);
            advance(&mut input, &out_value, &frozen)
                .map_err(|e| Failure::run(anyhow!("{file}: epoch {epoch}: {e}")))?;
            for step in script.iter().filter(|s| s.epoch == epoch) {
                frozen.retain(|u| !step.resume_updating.contains(u));
                frozen.extend(step.stop_updating.iter().copied());
                apply_step(&mut input, step)
                    .map_err(|e| Failure::input(anyhow!("{file}: script (epoch {epoch}): {e}")))?;
            }
        }
        let parsed = parse_input(&input)
            .map_err(|e| Failure::input(anyhow!("{file}: epoch {epoch}: {e}")))?;
        yuma.run(&parsed, &mut output);
        let out_value = serde_json::to_value(&output).expect("plain data");
        table
            .push(epoch, &input, &out_value)
            .map_err(|e| Failure::run(anyhow!("epoch {epoch}: {e}")))?;
    }
    let dir = RunDir::create(out, force).map_err(Failure::input)?;
    table.write(dir.path(), epochs).map_err(Failure::run)?;
    let path = dir.commit().map_err(Failure::run)?;
    println!(
        "{epochs} epochs of {file}; per-epoch table and charts written to {}",
        path.display()
    );
    Ok(())
}

/// Weight copiers submit the previous epoch's consensus as their weights, max-upscaled to
/// 65535 as `set_weights` stores a row, without a self-weight.
fn copy_consensus(input: &mut Value, output: &Value, copiers: &[u16], frozen: &[u16]) {
    let consensus: Vec<u64> = output["consensus_u16"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    for &uid in copiers.iter().filter(|u| !frozen.contains(u)) {
        let max = consensus
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != uid as usize)
            .map(|(_, c)| *c)
            .max()
            .unwrap_or(0);
        if max == 0 {
            continue;
        }
        let row: Vec<Value> = consensus
            .iter()
            .enumerate()
            .filter(|(j, c)| *j != uid as usize && **c > 0)
            .map(|(j, c)| json!([j, c * 65_535 / max]))
            .collect();
        if let Some(rows) = input["weights"].as_array_mut() {
            rows.retain(|r| r[0].as_u64() != Some(u64::from(uid)));
            rows.push(json!([uid, row]));
            rows.sort_by_key(|r| r[0].as_u64());
        }
    }
}

/// The chain's state between epochs: permits and bonds carried over, the block advanced by
/// tempo, the previous epoch recorded as the last step; validators that keep setting weights
/// refresh their LastUpdate.
fn advance(input: &mut Value, output: &Value, frozen: &[u16]) -> Result<()> {
    let tempo = input["tempo"]
        .as_u64()
        .ok_or_else(|| anyhow!("tempo missing"))?;
    let block = input["current_block"]
        .as_u64()
        .ok_or_else(|| anyhow!("current_block missing"))?;
    let n = input["n"].as_u64().ok_or_else(|| anyhow!("n missing"))? as usize;
    input["last_mechanism_step_block"] = json!(block);
    let next = block + tempo;
    input["current_block"] = json!(next);
    input["validator_permit"] = output["new_validator_permit"].clone();
    let bonds: Vec<Value> = output["bonds"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.as_array().is_some_and(|r| !r.is_empty()))
                .map(|(uid, r)| json!([uid, r]))
                .collect()
        })
        .unwrap_or_default();
    input["bonds"] = Value::Array(bonds);
    let setters: Vec<u64> = input["weights"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r[0].as_u64()).collect())
        .unwrap_or_default();
    let mut last_update: Vec<Value> = input["last_update"].as_array().cloned().unwrap_or_default();
    last_update.resize(n, json!(0));
    for uid in setters {
        if (uid as usize) < n && !frozen.contains(&(uid as u16)) {
            last_update[uid as usize] = json!(next - 1);
        }
    }
    input["last_update"] = Value::Array(last_update);
    Ok(())
}

fn apply_step(input: &mut Value, step: &ScriptStep) -> Result<()> {
    let n = input["n"].as_u64().unwrap_or(0);
    for (uid, row) in &step.set_weights {
        if u64::from(*uid) >= n {
            bail!("set_weights: uid {uid} out of range (n = {n})");
        }
        let rows = input["weights"]
            .as_array_mut()
            .ok_or_else(|| anyhow!("weights is not an array"))?;
        rows.retain(|r| r[0].as_u64() != Some(u64::from(*uid)));
        rows.push(json!([uid, row]));
        rows.sort_by_key(|r| r[0].as_u64());
    }
    for (uid, stake) in &step.set_alpha_stake {
        let slot = input["alpha_stake"]
            .get_mut(*uid as usize)
            .ok_or_else(|| anyhow!("set_alpha_stake: uid {uid} out of range (n = {n})"))?;
        *slot = json!(stake);
    }
    Ok(())
}

/// Per-epoch, per-UID rows.
#[derive(Default)]
struct EpochTable {
    epoch: Vec<u32>,
    block: Vec<u64>,
    uid: Vec<u32>,
    alpha_stake: Vec<u64>,
    active: Vec<bool>,
    validator_permit: Vec<bool>,
    consensus: Vec<f64>,
    incentive: Vec<f64>,
    dividends: Vec<f64>,
    validator_trust: Vec<f64>,
    incentive_u16: Vec<u32>,
    dividends_u16: Vec<u32>,
    server_emission: Vec<u64>,
    validator_emission: Vec<u64>,
}

impl EpochTable {
    fn push(&mut self, epoch: u32, input: &Value, out: &Value) -> Result<()> {
        let n = input["n"].as_u64().unwrap_or(0) as usize;
        let u = |key: &str, i: usize| out[key][i].as_u64().unwrap_or(0);
        let f = |key: &str, i: usize| out[key][i].as_f64().unwrap_or(0.0);
        let b = |key: &str, i: usize| out[key][i].as_bool().unwrap_or(false);
        for i in 0..n {
            self.epoch.push(epoch);
            self.block
                .push(input["current_block"].as_u64().unwrap_or(0));
            self.uid.push(i as u32);
            self.alpha_stake
                .push(input["alpha_stake"][i].as_u64().unwrap_or(0));
            self.active.push(b("active", i));
            self.validator_permit.push(b("new_validator_permit", i));
            self.consensus.push(f("consensus_f64", i));
            self.incentive.push(f("incentive_f64", i));
            self.dividends.push(f("dividends_f64", i));
            self.validator_trust.push(f("validator_trust_f64", i));
            self.incentive_u16.push(u("incentive_u16", i) as u32);
            self.dividends_u16.push(u("dividends_u16", i) as u32);
            self.server_emission.push(u("server_emission", i));
            self.validator_emission.push(u("validator_emission", i));
        }
        Ok(())
    }

    fn frame(&self) -> PolarsResult<DataFrame> {
        let n = self.epoch.len();
        DataFrame::new(
            n,
            vec![
                Column::new("epoch".into(), &self.epoch),
                Column::new("block".into(), &self.block),
                Column::new("uid".into(), &self.uid),
                Column::new("alpha_stake".into(), &self.alpha_stake),
                Column::new("active".into(), &self.active),
                Column::new("validator_permit".into(), &self.validator_permit),
                Column::new("consensus".into(), &self.consensus),
                Column::new("incentive".into(), &self.incentive),
                Column::new("dividends".into(), &self.dividends),
                Column::new("validator_trust".into(), &self.validator_trust),
                Column::new("incentive_u16".into(), &self.incentive_u16),
                Column::new("dividends_u16".into(), &self.dividends_u16),
                Column::new("server_emission".into(), &self.server_emission),
                Column::new("validator_emission".into(), &self.validator_emission),
            ],
        )
    }

    fn write(&self, dir: &Path, epochs: u32) -> Result<()> {
        let mut df = self.frame()?;
        let parquet = dir.join("epochs.parquet");
        let f = std::fs::File::create(&parquet)
            .with_context(|| format!("{}: cannot create", parquet.display()))?;
        ParquetWriter::new(f)
            .finish(&mut df)
            .map_err(|e| anyhow!("{}: cannot write: {e}", parquet.display()))?;
        let csv = dir.join("epochs.csv");
        let mut f = std::fs::File::create(&csv)
            .with_context(|| format!("{}: cannot create", csv.display()))?;
        CsvWriter::new(&mut f)
            .finish(&mut df)
            .map_err(|e| anyhow!("{}: cannot write: {e}", csv.display()))?;
        let n = self.uid.iter().max().map_or(0, |m| *m as usize + 1);
        let series = |values: &[f64]| -> Vec<Series> {
            (0..n)
                .map(|uid| Series {
                    name: format!("uid {uid}"),
                    points: (0..epochs as usize)
                        .map(|e| (e as f64, values[e * n + uid]))
                        .collect(),
                })
                .filter(|s| s.points.iter().any(|(_, y)| *y > 0.0))
                .collect()
        };
        let incentive = series(&self.incentive);
        let dividends = series(&self.dividends);
        let legend = incentive.len().max(dividends.len()) <= 12;
        let panel = |title: &str, s: Vec<Series>| Panel {
            title: title.into(),
            x_label: "epoch".into(),
            y_label: "share".into(),
            series: s,
            markers: vec![],
            legend,
            y_from_zero: true,
        };
        line_chart(
            &dir.join("incentive_dividends"),
            &[
                panel("Incentive per UID", incentive),
                panel("Dividends per UID", dividends),
            ],
        )?;
        Ok(())
    }
}
