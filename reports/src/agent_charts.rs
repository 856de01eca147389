//! Charts of one run's neurons and agents: who receives each epoch's emission (by population,
//! the hotkey name before `#`), how miners' incentive is spread, and what each agent population
//! is worth over time (the stakers' yield made visible).
//!
//! The neuron and position tables grow with the run (a year of the full network: ~12M and
//! ~17M rows), so they are read in slices of the columns drawn, twice: first the x origin and each
//! population's total, then the sums, quantiles and yields per sample. Memory stays that of one
//! slice and the per-sample results, whatever the length of the run.

use crate::chart::{line_chart, Panel, Series};
use crate::ReportError;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Populations drawn one by one at most; the rest are summed as "other".
const MAX_POPULATIONS: usize = 10;

/// Rows read at a time.
const SLICE_ROWS: usize = 1 << 20;

/// Calls `f` on successive row slices of `columns` of `file`, in row order. `Ok(false)` when
/// the file does not exist or has no rows.
fn for_each_slice(
    file: &Path,
    columns: &[&str],
    slice_rows: usize,
    mut f: impl FnMut(&DataFrame) -> PolarsResult<()>,
) -> Result<bool, ReportError> {
    if !file.exists() {
        return Ok(false);
    }
    let path = file.display().to_string();
    let open = || {
        std::fs::File::open(file).map_err(|cause| ReportError::Io {
            path: path.clone(),
            cause,
        })
    };
    let perr = |cause| ReportError::Parquet {
        path: path.clone(),
        cause,
    };
    let rows = ParquetReader::new(open()?).num_rows().map_err(perr)?;
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let mut offset = 0;
    while offset < rows {
        let df = ParquetReader::new(open()?)
            .with_columns(Some(columns.clone()))
            .with_slice(Some((offset, slice_rows)))
            .finish()
            .map_err(perr)?;
        f(&df).map_err(perr)?;
        offset += slice_rows;
    }
    Ok(rows > 0)
}

fn strs<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<impl Iterator<Item = &'a str> + 'a> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or_default()))
}

fn u64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::UInt64)?
        .u64()?
        .into_no_null_iter()
        .collect())
}

fn dates_ms(df: &DataFrame) -> PolarsResult<Vec<i64>> {
    Ok(df
        .column("date")?
        .cast(&DataType::Int64)?
        .i64()?
        .into_no_null_iter()
        .collect())
}

/// Days since the run's first date `t0` (ms).
fn day(t: i64, t0: i64) -> f64 {
    (t - t0) as f64 / 86_400_000.0
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

/// `*map[key] += v`, allocating the key only the first time it is seen.
fn add_to(map: &mut BTreeMap<String, f64>, key: &str, v: f64) {
    match map.get_mut(key) {
        Some(s) => *s += v,
        None => {
            map.insert(key.to_string(), 0.0 + v);
        }
    }
}

/// A value per population summed per x, the populations beyond the `MAX_POPULATIONS` largest
/// (by their total over the run) summed as "other". The rows are seen twice, in the same
/// order: `total` each, then `choose`, then `add` each.
#[derive(Default)]
struct PopulationSums {
    totals: BTreeMap<String, f64>,
    keep: Vec<String>,
    /// x (as bits, exact) -> label -> sum.
    sums: BTreeMap<u64, BTreeMap<String, f64>>,
}

impl PopulationSums {
    fn total(&mut self, name: &str, v: f64) {
        add_to(&mut self.totals, population(name), v);
    }

    fn choose(&mut self) {
        self.keep = top_populations(&self.totals);
    }

    fn add(&mut self, x: f64, name: &str, v: f64) {
        let p = population(name);
        let label = if self.keep.iter().any(|k| k == p) {
            p
        } else {
            "other"
        };
        add_to(self.sums.entry(x.to_bits()).or_default(), label, v);
    }

    /// One series per label, each x's sums divided by their total when `share`.
    fn series(self, share: bool) -> Vec<Series> {
        let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for (xb, per) in &self.sums {
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
}

/// The rows of one sample come together and samples in time order, as the trace writes them:
/// a sample's results are final once the next one starts.
fn in_time_order(current: f64, x: f64) -> PolarsResult<()> {
    if x < current {
        polars_bail!(ComputeError: "rows are not in time order (day {x} after day {current})");
    }
    Ok(())
}

/// Per x, the P10 / P50 / P90 of the miners' incentive at that x.
#[derive(Default)]
struct IncentiveQuantiles {
    current: Option<f64>,
    values: Vec<f64>,
    points: Vec<(f64, [f64; 3])>,
}

impl IncentiveQuantiles {
    const LEVELS: [(&'static str, f64); 3] = [("P10", 0.1), ("P50", 0.5), ("P90", 0.9)];

    fn add(&mut self, x: f64, v: f64) -> PolarsResult<()> {
        if let Some(c) = self.current {
            in_time_order(c, x)?;
            if x != c {
                self.close();
            }
        }
        self.current = Some(x);
        self.values.push(v);
        Ok(())
    }

    fn close(&mut self) {
        let Some(x) = self.current.take() else {
            return;
        };
        let v = &mut self.values;
        v.sort_by(f64::total_cmp);
        let q = |level: f64| v[((level * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        self.points
            .push((x, Self::LEVELS.map(|(_, level)| q(level))));
        v.clear();
    }

    fn series(mut self) -> Vec<Series> {
        self.close();
        Self::LEVELS
            .iter()
            .enumerate()
            .map(|(i, (name, _))| Series {
                name: format!("miner incentive {name}"),
                points: self.points.iter().map(|(x, q)| (*x, q[i])).collect(),
            })
            .collect()
    }
}

/// The emission-share series by population and the miners' incentive quantiles of
/// `neurons.parquet`, or `None` when it has no rows.
fn neuron_series(
    file: &Path,
    slice_rows: usize,
) -> Result<Option<(Vec<Series>, Vec<Series>)>, ReportError> {
    let mut t0 = i64::MAX;
    let mut emission = PopulationSums::default();
    let found = for_each_slice(file, &["date", "hotkey", "emission"], slice_rows, |df| {
        t0 = dates_ms(df)?.into_iter().fold(t0, i64::min);
        for (hk, v) in strs(df, "hotkey")?.zip(u64s(df, "emission")?) {
            emission.total(hk, v as f64);
        }
        Ok(())
    })?;
    if !found {
        return Ok(None);
    }
    emission.choose();
    let mut incentive = IncentiveQuantiles::default();
    let columns = ["date", "hotkey", "emission", "incentive", "dividends"];
    for_each_slice(file, &columns, slice_rows, |df| {
        let (inc, div) = (u64s(df, "incentive")?, u64s(df, "dividends")?);
        let rows = dates_ms(df)?
            .into_iter()
            .zip(strs(df, "hotkey")?.zip(u64s(df, "emission")?));
        for (i, (t, (hk, v))) in rows.enumerate() {
            let x = day(t, t0);
            emission.add(x, hk, v as f64);
            // Incentive spread among UIDs that earn incentive and no dividends: miners.
            if inc[i] > 0 && div[i] == 0 {
                incentive.add(x, inc[i] as f64 / 65_535.0)?;
            }
        }
        Ok(())
    })?;
    Ok(Some((emission.series(true), incentive.series())))
}

/// `stem.png/.svg` from `dir/neurons.parquet`: each population's share of the epochs' emission,
/// and miners' incentive quantiles. `None` when the run has no neuron rows.
pub fn neurons_chart(dir: &Path, stem: &Path) -> Result<Option<PathBuf>, ReportError> {
    let Some((shares, quantiles)) = neuron_series(&dir.join("neurons.parquet"), SLICE_ROWS)? else {
        return Ok(None);
    };
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
                shares,
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

/// A position: (agent, hotkey, netuid), agents and hotkeys by the index of their first row.
type PositionKey = (u32, u32, u32);

/// Per population and sample, the median yield of the positions held at both this sample and
/// the one before: alpha gained per alpha held per day (stake added or moved in the meantime
/// counts as gain, so positions that grew by more than doubling are left out).
#[derive(Default)]
struct Yields {
    agents: HashMap<String, u32>,
    /// Population per agent index.
    populations: Vec<String>,
    hotkeys: HashMap<String, u32>,
    before: Option<(f64, BTreeMap<PositionKey, u64>)>,
    now: Option<(f64, BTreeMap<PositionKey, u64>)>,
    out: BTreeMap<String, Vec<(f64, f64)>>,
}

fn intern(ids: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(id) = ids.get(name) {
        return *id;
    }
    let id = ids.len() as u32;
    ids.insert(name.to_string(), id);
    id
}

impl Yields {
    fn add(
        &mut self,
        x: f64,
        agent: &str,
        hotkey: &str,
        netuid: u32,
        alpha: u64,
    ) -> PolarsResult<()> {
        let a = intern(&mut self.agents, agent);
        if a as usize == self.populations.len() {
            self.populations.push(population(agent).to_string());
        }
        let key = (a, intern(&mut self.hotkeys, hotkey), netuid);
        match &mut self.now {
            Some((c, sample)) if *c == x => {
                sample.insert(key, alpha);
            }
            _ => {
                if let Some((c, _)) = &self.now {
                    in_time_order(*c, x)?;
                }
                self.close();
                self.now = Some((x, BTreeMap::from([(key, alpha)])));
            }
        }
        Ok(())
    }

    /// The yields between the sample before and the one now; the one now becomes the one before.
    fn close(&mut self) {
        let Some((day, now)) = self.now.take() else {
            return;
        };
        if let Some((day0, before)) = &self.before {
            let dt = day - day0;
            let mut per: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for (k, a1) in &now {
                let Some(a0) = before.get(k).filter(|a| **a > 0) else {
                    continue;
                };
                let r = *a1 as f64 / *a0 as f64;
                if dt > 0.0 && (0.5..2.0).contains(&r) {
                    per.entry(&self.populations[k.0 as usize])
                        .or_default()
                        .push((r - 1.0) / dt);
                }
            }
            for (p, mut v) in per {
                v.sort_by(f64::total_cmp);
                self.out
                    .entry(p.to_string())
                    .or_default()
                    .push((day, v[v.len() / 2]));
            }
        }
        self.before = Some((day, now));
    }

    fn series(mut self) -> Vec<Series> {
        self.close();
        let mut totals: BTreeMap<String, f64> = BTreeMap::new();
        for (p, v) in &self.out {
            totals.insert(p.clone(), v.len() as f64);
        }
        let keep = top_populations(&totals);
        self.out
            .into_iter()
            .filter(|(p, _)| keep.contains(p))
            .map(|(name, points)| Series { name, points })
            .collect()
    }
}

/// The staked-value series by population and the yield series of `positions.parquet`, or
/// `None` when it has no rows.
fn wealth_series(
    file: &Path,
    slice_rows: usize,
) -> Result<Option<(Vec<Series>, Vec<Series>)>, ReportError> {
    let tao = |v: u64| v as f64 / 1e9;
    let mut t0 = i64::MAX;
    let mut staked = PopulationSums::default();
    let found = for_each_slice(file, &["date", "agent", "tao_value"], slice_rows, |df| {
        t0 = dates_ms(df)?.into_iter().fold(t0, i64::min);
        for (agent, v) in strs(df, "agent")?.zip(u64s(df, "tao_value")?) {
            staked.total(agent, tao(v));
        }
        Ok(())
    })?;
    if !found {
        return Ok(None);
    }
    staked.choose();
    let mut yields = Yields::default();
    let columns = ["date", "agent", "tao_value", "hotkey", "netuid", "alpha"];
    for_each_slice(file, &columns, slice_rows, |df| {
        let (value, netuid, alpha) = (
            u64s(df, "tao_value")?,
            u64s(df, "netuid")?,
            u64s(df, "alpha")?,
        );
        let rows = dates_ms(df)?
            .into_iter()
            .zip(strs(df, "agent")?.zip(strs(df, "hotkey")?));
        for (i, (t, (agent, hotkey))) in rows.enumerate() {
            let x = day(t, t0);
            staked.add(x, agent, tao(value[i]));
            yields.add(x, agent, hotkey, netuid[i] as u32, alpha[i])?;
        }
        Ok(())
    })?;
    Ok(Some((staked.series(false), yields.series())))
}

/// `stem.png/.svg` from `dir/positions.parquet`: each agent population's staked value over time
/// and its stakers' yield. `None` when the run has no agents' positions.
pub fn wealth_chart(dir: &Path, stem: &Path) -> Result<Option<PathBuf>, ReportError> {
    let Some((staked, yields)) = wealth_series(&dir.join("positions.parquet"), SLICE_ROWS)? else {
        return Ok(None);
    };
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
                staked,
                true,
            ),
            panel(
                "staking yield: median alpha gained per alpha held per day, by population",
                "per day",
                yields,
                false,
            ),
        ],
    )?;
    Ok(Some(stem.to_path_buf()))
}

#[cfg(test)]
mod tests {
    //! The sliced, two-pass reading against the charts' first form, which read each table
    //! whole and kept every row: the same series, bit for bit.
    use super::*;

    fn strings(df: &DataFrame, name: &str) -> Vec<String> {
        strs(df, name).unwrap().map(str::to_string).collect()
    }

    fn days(df: &DataFrame) -> Vec<f64> {
        let ms = dates_ms(df).unwrap();
        let t0 = ms.iter().copied().min().unwrap_or(0);
        ms.iter().map(|t| day(*t, t0)).collect()
    }

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
        let mut sums: BTreeMap<u64, BTreeMap<String, f64>> = BTreeMap::new();
        for i in 0..x.len() {
            *sums
                .entry(x[i].to_bits())
                .or_default()
                .entry(label(&names[i]))
                .or_default() += value[i];
        }
        PopulationSums {
            sums,
            ..Default::default()
        }
        .series(share)
    }

    fn yields(x: &[f64], keys: &[(String, String, u32)], alpha: &[u64]) -> Vec<Series> {
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

    fn whole_neuron_series(df: &DataFrame) -> (Vec<Series>, Vec<Series>) {
        let x = days(df);
        let hotkeys = strings(df, "hotkey");
        let emission: Vec<f64> = u64s(df, "emission")
            .unwrap()
            .iter()
            .map(|v| *v as f64)
            .collect();
        let incentive = u64s(df, "incentive").unwrap();
        let dividends = u64s(df, "dividends").unwrap();
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
        let quantiles = [("P10", 0.1), ("P50", 0.5), ("P90", 0.9)]
            .iter()
            .map(|(name, level)| Series {
                name: format!("miner incentive {name}"),
                points: per_x
                    .iter()
                    .map(|(xb, v)| (f64::from_bits(*xb), q(&mut v.clone(), *level)))
                    .collect(),
            })
            .collect();
        (by_population(&x, &hotkeys, &emission, true), quantiles)
    }

    fn whole_wealth_series(df: &DataFrame) -> (Vec<Series>, Vec<Series>) {
        let x = days(df);
        let agents = strings(df, "agent");
        let staked: Vec<f64> = u64s(df, "tao_value")
            .unwrap()
            .iter()
            .map(|v| *v as f64 / 1e9)
            .collect();
        let hotkeys = strings(df, "hotkey");
        let netuids = u64s(df, "netuid").unwrap();
        let alpha = u64s(df, "alpha").unwrap();
        let keys: Vec<(String, String, u32)> = (0..agents.len())
            .map(|i| (agents[i].clone(), hotkeys[i].clone(), netuids[i] as u32))
            .collect();
        (
            by_population(&x, &agents, &staked, false),
            yields(&x, &keys, &alpha),
        )
    }

    fn bits(series: &[Series]) -> Vec<(String, Vec<(u64, u64)>)> {
        series
            .iter()
            .map(|s| {
                let p = s.points.iter().map(|(x, y)| (x.to_bits(), y.to_bits()));
                (s.name.clone(), p.collect())
            })
            .collect()
    }

    /// A small generator (xorshift): the test needs varied rows, not a statistical stream.
    struct Rows(u64);
    impl Rows {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// Rows as the trace writes them: samples a day apart in time order, every sample's rows
    /// together; 14 populations (some folded into "other"), repeated keys, zero values.
    fn table(columns: &[&str], rows_per_sample: usize, samples: i64, seed: u64) -> DataFrame {
        let mut g = Rows(seed);
        let n = rows_per_sample * samples as usize;
        let mut date = Vec::with_capacity(n);
        let (mut names, mut hotkeys) = (Vec::new(), Vec::new());
        let mut values: Vec<Vec<u64>> = vec![Vec::new(); 5];
        for s in 0..samples {
            for _ in 0..rows_per_sample {
                date.push(1_700_000_000_000 + s * 86_400_000 + 12_000 * (s % 3));
                let pop = g.below(14);
                names.push(format!("pop{pop}#{}", g.below(3)));
                hotkeys.push(format!("pop{pop}#{}", g.below(2)));
                values[0].push(if g.below(5) == 0 { 0 } else { g.below(1 << 40) });
                values[1].push(g.below(6) * 13_107);
                values[2].push(if g.below(4) == 0 { g.below(65_536) } else { 0 });
                values[3].push(g.below(4));
                values[4].push(if g.below(7) == 0 {
                    0
                } else {
                    1_000 + g.below(400)
                });
            }
        }
        let mut cols = vec![Column::new("date".into(), date)];
        for (c, name) in columns.iter().enumerate() {
            cols.push(match c {
                0 => Column::new((*name).into(), names.clone()),
                1 => Column::new((*name).into(), hotkeys.clone()),
                _ => Column::new((*name).into(), values[c - 2].clone()),
            });
        }
        DataFrame::new(n, cols).unwrap()
    }

    fn write(df: &mut DataFrame, name: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("taosim-{}-{name}.parquet", std::process::id()));
        let f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(f).finish(df).unwrap();
        path
    }

    #[test]
    fn sliced_neuron_series_equal_the_whole_table_ones() {
        let columns = [
            "name_unused",
            "hotkey",
            "emission",
            "incentive",
            "dividends",
        ];
        let mut df = table(&columns, 97, 23, 7);
        let file = write(&mut df, "neurons");
        let (shares, quantiles) = whole_neuron_series(&df);
        assert!(shares.iter().any(|s| s.name == "other") && quantiles[0].points.len() > 20);
        for slice_rows in [1, 50, 97, 1_000, SLICE_ROWS] {
            let (s, q) = neuron_series(&file, slice_rows).unwrap().unwrap();
            assert_eq!(bits(&s), bits(&shares), "slices of {slice_rows}");
            assert_eq!(bits(&q), bits(&quantiles), "slices of {slice_rows}");
        }
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn sliced_wealth_series_equal_the_whole_table_ones() {
        let mut df = table(
            &["agent", "hotkey", "tao_value", "netuid", "alpha"],
            211,
            19,
            11,
        );
        let file = write(&mut df, "positions");
        let (staked, yields) = whole_wealth_series(&df);
        assert!(staked.iter().any(|s| s.name == "other") && yields.len() == MAX_POPULATIONS);
        for slice_rows in [1, 64, 211, 1_000, SLICE_ROWS] {
            let (s, y) = wealth_series(&file, slice_rows).unwrap().unwrap();
            assert_eq!(bits(&s), bits(&staked), "slices of {slice_rows}");
            assert_eq!(bits(&y), bits(&yields), "slices of {slice_rows}");
        }
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn rows_out_of_time_order_are_an_error_not_a_wrong_chart() {
        let df = table(
            &["agent", "hotkey", "tao_value", "netuid", "alpha"],
            5,
            3,
            3,
        );
        let mut df = df.slice(5, 10).vstack(&df.slice(0, 5)).unwrap();
        let file = write(&mut df, "unordered");
        let e = wealth_series(&file, 4).unwrap_err().to_string();
        assert!(e.contains("not in time order"), "{e}");
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn a_missing_table_draws_nothing() {
        let file = std::env::temp_dir().join("taosim-no-such-table.parquet");
        assert!(neuron_series(&file, 10).unwrap().is_none());
        assert!(wealth_series(&file, 10).unwrap().is_none());
    }
}
