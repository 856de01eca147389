//! Charts of one run's subnets, drawn from its `subnets.parquet`: spot and moving prices, the
//! emission share and the alpha issuance (whose halvings follow the TAO schedule's thresholds) of
//! each subnet over time.

use crate::chart::{line_chart, Panel, Series};
use crate::ReportError;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Subnets drawn one by one at most; beyond that the legend is dropped.
const MAX_LEGEND: usize = 12;

/// Per subnet, its rows in time order: (days since start, spot, moving price, share, alpha
/// issuance in alpha).
type Rows = BTreeMap<u32, Vec<(f64, f64, f64, f64, f64)>>;

fn load(dir: &Path) -> Result<Rows, ReportError> {
    let file = dir.join("subnets.parquet");
    let path = file.display().to_string();
    let perr = |cause| ReportError::Parquet {
        path: path.clone(),
        cause,
    };
    let f = std::fs::File::open(&file).map_err(|cause| ReportError::Io {
        path: path.clone(),
        cause,
    })?;
    let df = ParquetReader::new(f).finish().map_err(perr)?;
    let f64s = |name: &str| -> PolarsResult<Vec<f64>> {
        Ok(df.column(name)?.f64()?.into_no_null_iter().collect())
    };
    let netuid: Vec<u32> = df
        .column("netuid")
        .and_then(|c| Ok(c.u32()?.into_no_null_iter().collect()))
        .map_err(perr)?;
    let date: Vec<i64> = df
        .column("date")
        .and_then(|c| c.cast(&DataType::Int64))
        .and_then(|c| Ok(c.i64()?.into_no_null_iter().collect()))
        .map_err(perr)?;
    let spot = f64s("spot_price").map_err(perr)?;
    let moving = f64s("moving_price").map_err(perr)?;
    let share = f64s("emission_share").map_err(perr)?;
    let alpha: Vec<u64> = df
        .column("alpha_issuance")
        .and_then(|c| Ok(c.u64()?.into_no_null_iter().collect()))
        .map_err(perr)?;
    let t0 = date.first().copied().unwrap_or(0);
    let mut rows = Rows::new();
    for i in 0..netuid.len() {
        if netuid[i] == 0 {
            continue;
        }
        let days = (date[i] - t0) as f64 / 86_400_000.0;
        rows.entry(netuid[i]).or_default().push((
            days,
            spot[i],
            moving[i],
            share[i],
            alpha[i] as f64 / 1e9,
        ));
    }
    Ok(rows)
}

/// Draws `stem.png/.svg` from the run in `dir` when it modelled subnets; returns the stem, or
/// `None` for an issuance-only run.
pub fn subnets_chart(dir: &Path, stem: &Path) -> Result<Option<PathBuf>, ReportError> {
    let rows = load(dir)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let series = |pick: fn(&(f64, f64, f64, f64, f64)) -> f64| -> Vec<Series> {
        rows.iter()
            .map(|(netuid, r)| Series {
                name: format!("netuid {netuid}"),
                points: r.iter().map(|p| (p.0, pick(p))).collect(),
            })
            .collect()
    };
    let legend = rows.len() <= MAX_LEGEND;
    let panel = |title: &str, y: &str, s: Vec<Series>| Panel {
        title: title.into(),
        x_label: "days".into(),
        y_label: y.into(),
        series: s,
        markers: Vec::new(),
        legend,
        y_from_zero: true,
    };
    line_chart(
        stem,
        &[
            panel("spot price", "TAO per alpha", series(|p| p.1)),
            panel("moving (EMA) price", "TAO per alpha", series(|p| p.2)),
            panel("share of the block's TAO", "share", series(|p| p.3)),
            panel(
                "alpha issuance (halves at 10.5M, 15.75M, ... alpha)",
                "alpha",
                series(|p| p.4),
            ),
        ],
    )?;
    Ok(Some(stem.to_path_buf()))
}
