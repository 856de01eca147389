//! Charts of one run, drawn from its `network.parquet`: issuance against the no-recycling
//! schedule with the halvings marked, and TAO recycled by reason.

use crate::chart::{line_chart, Marker, Panel, Series};
use crate::trace_read::NetworkTrace;
use crate::ReportError;
use sim_core::emission::issuance_without_recycling;
use std::path::{Path, PathBuf};

/// Points per line at most; longer traces are thinned evenly (first and last kept).
const MAX_POINTS: usize = 4_000;

/// A halving to mark: the block and its label.
pub struct HalvingMark {
    pub block: u64,
    pub label: String,
}

/// Draws `issuance.png/.svg` into `dir` and returns the stem path.
pub fn issuance_chart(dir: &Path, halvings: &[HalvingMark]) -> Result<PathBuf, ReportError> {
    let trace = NetworkTrace::load(dir)?;
    let idx = trace.thinned(MAX_POINTS);
    let days = trace.days();
    let tao = |rao: u64| rao as f64 / 1e9;
    let start_block = trace.block[0];
    let start_issuance = trace.total_issuance[0];
    let actual = Series {
        name: "total issuance".into(),
        points: idx
            .iter()
            .map(|&i| (days[i], tao(trace.total_issuance[i])))
            .collect(),
    };
    let schedule = Series {
        name: "no recycling".into(),
        points: idx
            .iter()
            .map(|&i| {
                (
                    days[i],
                    tao(issuance_without_recycling(
                        start_issuance,
                        trace.block[i] - start_block,
                    )),
                )
            })
            .collect(),
    };
    let markers = halvings
        .iter()
        .map(|h| {
            let i = trace
                .block
                .partition_point(|b| *b < h.block)
                .min(trace.block.len() - 1);
            Marker {
                x: days[i],
                label: h.label.clone(),
            }
        })
        .collect();
    let recycled: Vec<Series> = trace
        .recycled
        .iter()
        .filter(|(_, col)| col.iter().any(|v| *v > 0))
        .map(|(reason, col)| Series {
            name: reason.name().into(),
            points: idx.iter().map(|&i| (days[i], tao(col[i]))).collect(),
        })
        .collect();
    let start_date = sim_core::time::format_utc_date(trace.date_ms[0]);
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
        panels.push(recycled_panel(x_label, recycled));
    }
    let stem = dir.join("issuance");
    line_chart(&stem, &panels)?;
    Ok(stem)
}

/// The "recycled by reason" panel, shared by run charts and reports.
pub fn recycled_panel(x_label: String, series: Vec<Series>) -> Panel {
    Panel {
        title: "TAO recycled since the start, by reason".into(),
        x_label,
        y_label: "TAO".into(),
        series,
        markers: vec![],
        legend: true,
        y_from_zero: true,
    }
}
