//! Reading a run's traces back for charts and reports.

use crate::ReportError;
use polars::prelude::*;
use sim_core::ledger::RecycleReason;
use std::path::Path;

/// The `network` table of one run, as plain columns.
pub struct NetworkTrace {
    pub block: Vec<u64>,
    pub date_ms: Vec<i64>,
    pub total_issuance: Vec<u64>,
    /// Cumulative recycled rao by reason, in [`RecycleReason::ALL`] order.
    pub recycled: Vec<(RecycleReason, Vec<u64>)>,
}

impl NetworkTrace {
    /// Loads `dir/network.parquet`.
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        let file = dir.join("network.parquet");
        let path = file.display().to_string();
        let perr = |source| ReportError::Parquet {
            path: path.clone(),
            cause: source,
        };
        let f = std::fs::File::open(&file).map_err(|source| ReportError::Io {
            path: path.clone(),
            cause: source,
        })?;
        let df = ParquetReader::new(f).finish().map_err(perr)?;
        let u64s = |name: &str| -> PolarsResult<Vec<u64>> {
            Ok(df
                .column(name)?
                .cast(&DataType::UInt64)?
                .u64()?
                .into_no_null_iter()
                .collect())
        };
        let date_ms: Vec<i64> = df
            .column("date")
            .and_then(|c| c.cast(&DataType::Int64))
            .and_then(|c| Ok(c.i64()?.into_no_null_iter().collect()))
            .map_err(perr)?;
        let mut recycled = Vec::new();
        for reason in RecycleReason::ALL {
            recycled.push((
                reason,
                u64s(&format!("recycled_{}", reason.name())).map_err(perr)?,
            ));
        }
        let trace = Self {
            block: u64s("block").map_err(perr)?,
            date_ms,
            total_issuance: u64s("total_issuance").map_err(perr)?,
            recycled,
        };
        if trace.block.is_empty() {
            return Err(ReportError::Output(format!("{path}: no rows")));
        }
        Ok(trace)
    }

    /// Days since the first row, per row.
    pub fn days(&self) -> Vec<f64> {
        self.date_ms
            .iter()
            .map(|t| (t - self.date_ms[0]) as f64 / 86_400_000.0)
            .collect()
    }

    /// Row indices to draw: at most `max` rows, evenly spaced, first and last kept.
    pub fn thinned(&self, max: usize) -> Vec<usize> {
        let n = self.block.len();
        let stride = n.div_ceil(max.max(1)).max(1);
        let mut idx: Vec<usize> = (0..n).step_by(stride).collect();
        if idx.last() != Some(&(n - 1)) {
            idx.push(n - 1);
        }
        idx
    }
}
