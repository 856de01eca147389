//! Charts of one run, drawn from its `network.parquet`: issuance against the no-recycling
//! schedule with the halvings marked, and TAO recycled by reason.

use crate::chart::{line_chart, Marker, Panel, Series};
use crate::ReportError;
use polars::prelude::*;
use sim_core::emission::issuance_without_recycling;
use sim_core::ledger::RecycleReason;
use std::path::{Path, PathBuf};

/// Points per line at most; longer traces are thinned evenly (first and last kept).
const MAX_POINTS: usize = 4_000;

/// A halving to mark: the block and its label.
pub struct HalvingMark {
    pub block: u64,
    pub label: String,
}

fn column_f64(df: &DataFrame, name: &str) -> Result<Vec<f64>, PolarsError> {
    let s = df.column(name)?.cast(&DataType::Float64)?;
    Ok(s.f64()?.into_no_null_iter().collect())
}

/// Draws `issuance.png/.svg` into `dir` and returns the stem path.
pub fn issuance_chart(dir: &Path, halvings: &[HalvingMark]) -> Result<PathBuf, ReportError> {
    let file = dir.join("network.parquet");
    let perr = |source| ReportError::Parquet { path: file.display().to_string(), source };
    let f = std::fs::File::open(&file).map_err(|source| ReportError::Io { path: file.display().to_string(), source })?;
    let df = ParquetReader::new(f).finish().map_err(perr)?;
    let blocks: Vec<u64> = df.column("block").and_then(|c| Ok(c.u64()?.into_no_null_iter().collect())).map_err(perr)?;
    let issuance: Vec<u64> =
        df.column("total_issuance").and_then(|c| Ok(c.u64()?.into_no_null_iter().collect())).map_err(perr)?;
    let date_ms: Vec<f64> = column_f64(&df, "date").map_err(perr)?;
    if blocks.is_empty() {
        return Err(ReportError::Output(format!("{}: no rows to chart", file.display())));
    }
    let stride = blocks.len().div_ceil(MAX_POINTS).max(1);
    let mut idx: Vec<usize> = (0..blocks.len()).step_by(stride).collect();
    if idx.last() != Some(&(blocks.len() - 1)) {
        idx.push(blocks.len() - 1);
    }
    let days = |i: usize| (date_ms[i] - date_ms[0]) / 86_400_000.0;
    let tao = |rao: f64| rao / 1e9;
    let start_block = blocks[0];
    let start_issuance = issuance[0];
    let actual = Series { name: "total issuance".into(), points: idx.iter().map(|&i| (days(i), tao(issuance[i] as f64))).collect() };
    let schedule = Series {
        name: "no recycling".into(),
        points: idx
            .iter()
            .map(|&i| (days(i), tao(issuance_without_recycling(start_issuance, blocks[i] - start_block) as f64)))
            .collect(),
    };
    let markers = halvings
        .iter()
        .map(|h| {
            let i = blocks.partition_point(|b| *b < h.block).min(blocks.len() - 1);
            Marker { x: days(i), label: h.label.clone() }
        })
        .collect();
    let mut recycled = Vec::new();
    for reason in RecycleReason::ALL {
        let col = column_f64(&df, &format!("recycled_{}", reason.name())).map_err(perr)?;
        if col.iter().any(|v| *v > 0.0) {
            recycled.push(Series { name: reason.name().into(), points: idx.iter().map(|&i| (days(i), tao(col[i]))).collect() });
        }
    }
    let start_date = sim_core::time::format_utc_date(date_ms[0] as i64);
    let x_label = format!("days since {start_date}");
    let mut panels = vec![Panel {
        title: "TAO total issuance".into(),
        x_label: x_label.clone(),
        y_label: "TAO".into(),
        series: vec![actual, schedule],
        markers,
        legend: true,
        y_from_zero: false,
    }];
    if !recycled.is_empty() {
        panels.push(Panel {
            title: "TAO recycled since the start, by reason".into(),
            x_label,
            y_label: "TAO".into(),
            series: recycled,
            markers: vec![],
            legend: true,
            y_from_zero: true,
        });
    }
    let stem = dir.join("issuance");
    line_chart(&stem, &panels)?;
    Ok(stem)
}
