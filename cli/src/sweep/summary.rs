//! The summary across the runs of a sweep: every run's headline figures, and per sweep point
//! the P5/P50/P95 of each, read from whatever runs are present (so shards run anywhere and
//! copied into one directory summarise as one dataset).

use anyhow::{Context, Result};
use reports::headline::Headline;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One run found on disk.
pub struct RunRecord {
    pub point: usize,
    pub headline: Headline,
}

/// Finds `sweep_point=P/run=S/headline.json` under `dir`, in (point, seed) order.
pub fn collect(dir: &Path) -> Result<Vec<RunRecord>> {
    let mut out = Vec::new();
    for entry in read_dir_sorted(dir)? {
        let Some(point) = hive_value(&entry, "sweep_point").and_then(|v| v.parse::<usize>().ok())
        else {
            continue;
        };
        for run in read_dir_sorted(&entry)? {
            let file = run.join("headline.json");
            if hive_value(&run, "run").is_none() || !file.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("{}: cannot read", file.display()))?;
            let headline: Headline = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a run headline", file.display()))?;
            out.push(RunRecord { point, headline });
        }
    }
    out.sort_by_key(|r| (r.point, r.headline.seed));
    Ok(out)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the sweep directory", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    Ok(v)
}

fn hive_value(path: &Path, key: &str) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(key)?
        .strip_prefix('=')
        .map(str::to_string)
}

/// Nearest-rank quantile of sorted values (deterministic, always an observed value).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted[rank - 1]
}

/// The figures summarised per run, by name.
fn metrics(h: &Headline) -> Vec<(String, f64)> {
    let mut m: Vec<(String, f64)> = h
        .drawn
        .iter()
        .map(|(k, v)| (format!("drawn {k}"), *v))
        .collect();
    m.extend([
        (
            "final_total_issuance_tao".to_string(),
            h.final_total_issuance as f64 / 1e9,
        ),
        (
            "recycled_total_tao".to_string(),
            h.recycled_total as f64 / 1e9,
        ),
    ]);
    if let Some(usd) = h.final_tao_usd {
        m.push(("final_tao_usd".to_string(), usd));
    }
    for halving in &h.halvings {
        m.push((
            format!("halving_{}_block", halving.halvings),
            halving.block as f64,
        ));
        m.push((
            format!("halving_{}_unix_days", halving.halvings),
            halving.time_ms as f64 / 86_400_000.0,
        ));
        for (reason, v) in &halving.recycled {
            m.push((
                format!("halving_{}_recycled_{reason}_tao", halving.halvings),
                *v as f64 / 1e9,
            ));
        }
    }
    for a in &h.alpha_halvings {
        m.push((
            format!("netuid_{}_alpha_halving_{}_block", a.netuid, a.halvings),
            a.block as f64,
        ));
    }
    m
}

/// Writes `runs.csv` and `quantiles.csv` into `dir` and returns a printable table.
pub fn write(
    dir: &Path,
    runs: &[RunRecord],
    points: &[BTreeMap<String, String>],
) -> Result<String> {
    // Drawn inputs (`--draw`) get a column each, in key order.
    let drawn_keys: std::collections::BTreeSet<&String> =
        runs.iter().flat_map(|r| r.headline.drawn.keys()).collect();
    let mut runs_csv = String::from("sweep_point,seed,end_block,final_total_issuance,recycled_total,halving,halving_block,halving_date");
    for k in &drawn_keys {
        let _ = write!(runs_csv, ",\"drawn {k}\"");
    }
    runs_csv.push('\n');
    for r in runs {
        let h = &r.headline;
        let drawn: String = drawn_keys
            .iter()
            .map(|k| h.drawn.get(*k).map_or(",".to_string(), |v| format!(",{v}")))
            .collect();
        let common = format!(
            "{},{},{},{},{}",
            r.point, h.seed, h.end_block, h.final_total_issuance, h.recycled_total
        );
        if h.halvings.is_empty() {
            let _ = writeln!(runs_csv, "{common},,,{drawn}");
        }
        for x in &h.halvings {
            let _ = writeln!(
                runs_csv,
                "{common},{},{},{}{drawn}",
                x.halvings, x.block, x.date
            );
        }
    }
    let mut by_point: BTreeMap<usize, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut runs_per_point: BTreeMap<usize, usize> = BTreeMap::new();
    for r in runs {
        *runs_per_point.entry(r.point).or_default() += 1;
        for (name, v) in metrics(&r.headline) {
            by_point
                .entry(r.point)
                .or_default()
                .entry(name)
                .or_default()
                .push(v);
        }
    }
    let mut q_csv = String::from("sweep_point,set,metric,n,runs,p5,p50,p95\n");
    let mut table = String::new();
    for (point, metrics) in &by_point {
        let set = points
            .get(*point)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let total = runs_per_point[point];
        let _ = writeln!(table, "sweep_point={point} {set} ({total} runs)");
        for (name, values) in metrics {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let (p5, p50, p95) = (
                quantile(&sorted, 0.05),
                quantile(&sorted, 0.50),
                quantile(&sorted, 0.95),
            );
            let _ = writeln!(
                q_csv,
                "{point},\"{set}\",{name},{},{total},{p5},{p50},{p95}",
                sorted.len()
            );
            let show = |v: f64| {
                if name.ends_with("_unix_days") {
                    sim_core::time::format_utc_minutes((v * 86_400_000.0).round() as i64)
                } else {
                    format!("{v:.3}")
                }
            };
            let _ = writeln!(
                table,
                "  {name:<28} P5 {:<18} P50 {:<18} P95 {:<18} (n={})",
                show(p5),
                show(p50),
                show(p95),
                sorted.len()
            );
        }
    }
    std::fs::write(dir.join("runs.csv"), runs_csv)
        .with_context(|| format!("{}: cannot write runs.csv", dir.display()))?;
    std::fs::write(dir.join("quantiles.csv"), q_csv)
        .with_context(|| format!("{}: cannot write quantiles.csv", dir.display()))?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.05), 1.0);
        assert_eq!(quantile(&v, 0.5), 10.0);
        assert_eq!(quantile(&v, 0.95), 19.0);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
    }
}
