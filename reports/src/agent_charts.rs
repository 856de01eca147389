//! Charts of one run's neurons and agents: who receives each epoch's emission (by population,
//! the hotkey name before `#`), how miners' incentive is spread, and what each agent population
//! is worth over time (the stakers' yield made visible).

use crate::chart::{line_chart, Panel, Series};
use crate::ReportError;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Populations drawn one by one at most; the rest are summed as "other".
const MAX_POPULATIONS: usize = 10;

fn read(file: &Path) -> Result<Option<DataFrame>, ReportError> {
    if !file.exists() {
        return Ok(None);
    }
    let path = file.display().to_string();
    let f = std::fs::File::open(file).map_err(|cause| ReportError::Io {
        path: path.clone(),
        cause,
    })?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|cause| ReportError::Parquet { path, cause })?;
    Ok((df.height() > 0).then_some(df))
}

fn perr(file: &Path) -> impl Fn(PolarsError) -> ReportError + '_ {
    move |cause| ReportError::Parquet {
        path: file.display().to_string(),
        cause,
    }
}

fn strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect())
}

fn u64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::UInt64)?
        .u64()?
        .into_no_null_iter()
        .collect())
}

fn days(df: &DataFrame) -> PolarsResult<Vec<f64>> {
    let ms: Vec<i64> = df
        .column("date")?
        .cast(&DataType::Int64)?
        .i64()?
        .into_no_null_iter()
        .collect();
    let t0 = ms.iter().copied().min().unwrap_or(0);
    Ok(ms.iter().map(|t| (t - t0) as f64 / 86_400_000.0).collect())
}

fn population(name: &str) -> &str {
    name.split('#').next().unwrap_or(name)
}

/// Keeps the `MAX_POPULATIONS` largest populations by `weight`; the others become "other".
fn top_populations(weight: &BTreeMap<String, f64>) -> Vec<String> {
    let mut v: Vec<(&String, &f64)> = weight.iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(MAX_POPULATIONS)
        .map(|(k, _)| k.clone())
        .collect()
}

/// Series per population of `value` summed per x, normalised per x when `share`.
fn by_population(x: &[f64], names: &[String], value: &[f64], share: bool) -> Vec<Series> {
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    for (n, v) in names.iter().zip(value) {
        *totals.entry(population(n).to_string()).or_default() += v;
    }
    let keep = top_populations(&totals);
    let label = |n: &str| {
        let p = population(n);
        if keep.iter().any(|k| k == p) {
            p.to_string()
        } else {
            "other".to_string()
        }
    };
    // x (as bits, exact) -> population -> sum.
    let mut sums: BTreeMap<u64, BTreeMap<String, f64>> = BTreeMap::new();
    for i in 0..x.len() {
        *sums
            .entry(x[i].to_bits())
            .or_default()
            .entry(label(&names[i]))
            .or_default() += value[i];
    }
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (xb, per) in &sums {
        let total: f64 = per.values().sum();
        for (p, v) in per {
            let y = if share && total > 0.0 { v / total } else { *v };
            series
                .entry(p.clone())
                .or_default()
                .push((f64::from_bits(*xb), y));
        }
    }
    series
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect()
}

/// `stem.png/.svg` from `dir/neurons.parquet`: each population's share of the epochs' emission,
/// and miners' incentive quantiles. `None` when the run has no neuron rows.
pub fn neurons_chart(dir: &Path, stem: &Path) -> Result<Option<PathBuf>, ReportError> {
    let file = dir.join("neurons.parquet");
    let Some(df) = read(&file)? else {
        return Ok(None);
    };
    let e = perr(&file);
    let x = days(&df).map_err(&e)?;
    let hotkeys = strings(&df, "hotkey").map_err(&e)?;
    let emission: Vec<f64> = u64s(&df, "emission")
        .map_err(&e)?
        .iter()
        .map(|v| *v as f64)
        .collect();
    let incentive = u64s(&df, "incentive").map_err(&e)?;
    let dividends = u64s(&df, "dividends").map_err(&e)?;
    // Incentive spread among UIDs that earn incentive: P10 / P50 / P90 per sample.
    let mut per_x: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for i in 0..x.len() {
        if incentive[i] > 0 && dividends[i] == 0 {
            per_x
                .entry(x[i].to_bits())
                .or_default()
                .push(incentive[i] as f64 / 65_535.0);
        }
    }
    let q = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
    };
    let quantiles: Vec<Series> = [("P10", 0.1), ("P50", 0.5), ("P90", 0.9)]
        .iter()
        .map(|(name, level)| Series {
            name: format!("miner incentive {name}"),
            points: per_x
                .iter()
                .map(|(xb, v)| (f64::from_bits(*xb), q(&mut v.clone(), *level)))
                .collect(),
        })
        .collect();
    let panel = |title: &str, y: &str, series: Vec<Series>| Panel {
        title: title.into(),
        x_label: "days".into(),
        y_label: y.into(),
        series,
        markers: Vec::new(),
        legend: true,
        y_from_zero: true,
    };
    line_chart(
        stem,
        &[
            panel(
                "share of each epoch's emission, by population (hotkey name before #)",
                "share",
                by_population(&x, &hotkeys, &emission, true),
            ),
            panel(
                "incentive of the UIDs that earn it (per UID, all subnets)",
                "incentive",
                quantiles,
            ),
        ],
    )?;
    Ok(Some(stem.to_path_buf()))
}

/// Per population and sample, the median yield of the positions held at both this sample and
/// the one before: alpha gained per alpha held per day (stake added or moved in the meantime
/// counts as gain, so positions that grew by more than doubling are left out).
fn yields(x: &[f64], keys: &[(String, String, u32)], alpha: &[u64]) -> Vec<Series> {
    // sample -> position -> alpha (positions borrowed, not copied: traces can be large)
    type Sample<'a> = BTreeMap<&'a (String, String, u32), u64>;
    let mut samples: BTreeMap<u64, Sample> = BTreeMap::new();
    for i in 0..x.len() {
        samples
            .entry(x[i].to_bits())
            .or_default()
            .insert(&keys[i], alpha[i]);
    }
    let mut out: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut prev: Option<(f64, &Sample)> = None;
    for (xb, now) in &samples {
        let day = f64::from_bits(*xb);
        if let Some((day0, before)) = prev {
            let dt = day - day0;
            let mut per: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for (k, a1) in now {
                let Some(a0) = before.get(k).filter(|a| **a > 0) else {
                    continue;
                };
                let r = *a1 as f64 / *a0 as f64;
                if dt > 0.0 && (0.5..2.0).contains(&r) {
                    per.entry(population(&k.0).to_string())
                        .or_default()
                        .push((r - 1.0) / dt);
                }
            }
            for (p, mut v) in per {
                v.sort_by(f64::total_cmp);
                out.entry(p).or_default().push((day, v[v.len() / 2]));
            }
        }
        prev = Some((day, now));
    }
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    for (p, v) in &out {
        totals.insert(p.clone(), v.len() as f64);
    }
    let keep = top_populations(&totals);
    out.into_iter()
        .filter(|(p, _)| keep.contains(p))
        .map(|(name, points)| Series { name, points })
        .collect()
}

/// `stem.png/.svg` from `dir/positions.parquet`: each agent population's staked value over time
/// and its stakers' yield. `None` when the run has no agents' positions.
pub fn wealth_chart(dir: &Path, stem: &Path) -> Result<Option<PathBuf>, ReportError> {
    let file = dir.join("positions.parquet");
    let Some(df) = read(&file)? else {
        return Ok(None);
    };
    let e = perr(&file);
    let x = days(&df).map_err(&e)?;
    let agents = strings(&df, "agent").map_err(&e)?;
    let staked: Vec<f64> = u64s(&df, "tao_value")
        .map_err(&e)?
        .iter()
        .map(|v| *v as f64 / 1e9)
        .collect();
    let hotkeys = strings(&df, "hotkey").map_err(&e)?;
    let netuids = u64s(&df, "netuid").map_err(&e)?;
    let alpha = u64s(&df, "alpha").map_err(&e)?;
    let keys: Vec<(String, String, u32)> = (0..agents.len())
        .map(|i| (agents[i].clone(), hotkeys[i].clone(), netuids[i] as u32))
        .collect();
    let panel = |title: &str, y: &str, series: Vec<Series>, from_zero: bool| Panel {
        title: title.into(),
        x_label: "days".into(),
        y_label: y.into(),
        series,
        markers: Vec::new(),
        legend: true,
        y_from_zero: from_zero,
    };
    line_chart(
        stem,
        &[
            panel(
                "staked value by agent population (TAO at spot prices)",
                "TAO",
                by_population(&x, &agents, &staked, false),
                true,
            ),
            panel(
                "staking yield: median alpha gained per alpha held per day, by population",
                "per day",
                yields(&x, &keys, &alpha),
                false,
            ),
        ],
    )?;
    Ok(Some(stem.to_path_buf()))
}
