//! A [`TraceSink`] that buffers rows as columns and writes each table as one Parquet file,
//! one row group per `ROW_GROUP` rows, with the run manifest in the file metadata.

use crate::ReportError;
use polars::prelude::*;
use sim_core::ledger::RecycleReason;
use sim_core::trace::{NetworkRow, TraceSink};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows per Parquet row group: bounded memory for long runs at fine cadence.
const ROW_GROUP: usize = 65_536;

/// Column buffers of the `network` table.
#[derive(Default)]
struct NetworkColumns {
    block: Vec<u64>,
    time_ms: Vec<i64>,
    total_issuance: Vec<u64>,
    block_emission: Vec<u64>,
    halvings: Vec<u32>,
    minted: Vec<u64>,
    recycled_total: Vec<u64>,
    recycled: [Vec<u64>; RecycleReason::COUNT],
    free_balances: Vec<u64>,
    unmodelled: Vec<u64>,
}

impl NetworkColumns {
    fn push(&mut self, r: &NetworkRow) {
        self.block.push(r.block);
        self.time_ms.push(r.time_ms);
        self.total_issuance.push(r.total_issuance);
        self.block_emission.push(r.block_emission);
        self.halvings.push(r.halvings);
        self.minted.push(r.minted);
        self.recycled_total.push(r.recycled_total);
        for (col, v) in self.recycled.iter_mut().zip(r.recycled) {
            col.push(v);
        }
        self.free_balances.push(r.free_balances);
        self.unmodelled.push(r.unmodelled);
    }

    fn len(&self) -> usize {
        self.block.len()
    }

    /// Drains the buffers into a DataFrame (buffers keep their capacity).
    fn take_frame(&mut self) -> PolarsResult<DataFrame> {
        let n = self.len();
        let mut cols: Vec<Column> = vec![
            Column::new("block".into(), std::mem::take(&mut self.block)),
            Column::new("date".into(), std::mem::take(&mut self.time_ms))
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)))?,
            Column::new("total_issuance".into(), std::mem::take(&mut self.total_issuance)),
            Column::new("block_emission".into(), std::mem::take(&mut self.block_emission)),
            Column::new("halvings".into(), std::mem::take(&mut self.halvings)),
            Column::new("minted".into(), std::mem::take(&mut self.minted)),
            Column::new("recycled_total".into(), std::mem::take(&mut self.recycled_total)),
        ];
        for (reason, col) in RecycleReason::ALL.iter().zip(self.recycled.iter_mut()) {
            cols.push(Column::new(format!("recycled_{}", reason.name()).into(), std::mem::take(col)));
        }
        cols.push(Column::new("free_balances".into(), std::mem::take(&mut self.free_balances)));
        cols.push(Column::new("unmodelled".into(), std::mem::take(&mut self.unmodelled)));
        DataFrame::new(n, cols)
    }
}

/// Writes the trace tables of one run into a directory.
pub struct ParquetTraceSink {
    network_path: PathBuf,
    network: NetworkColumns,
    network_writer: Option<polars::io::parquet::write::BatchedWriter<File>>,
    metadata: Vec<(String, String)>,
    rows: u64,
    error: Option<ReportError>,
}

impl ParquetTraceSink {
    /// `metadata` goes into every file's key/value metadata.
    pub fn new(dir: &Path, metadata: Vec<(String, String)>) -> Self {
        Self {
            network_path: dir.join("network.parquet"),
            network: NetworkColumns::default(),
            network_writer: None,
            metadata,
            rows: 0,
            error: None,
        }
    }

    /// The file names of the tables this sink writes.
    pub fn table_files() -> Vec<String> {
        vec!["network.parquet".to_string()]
    }

    /// Replaces the metadata; only effective before the first row group is written.
    pub fn set_metadata(&mut self, metadata: Vec<(String, String)>) {
        self.metadata = metadata;
    }

    pub fn rows_written(&self) -> u64 {
        self.rows
    }

    fn flush_network(&mut self) -> Result<(), ReportError> {
        let path = self.network_path.display().to_string();
        let parquet = |source| ReportError::Parquet { path: path.clone(), cause: source };
        let df = self.network.take_frame().map_err(parquet)?;
        if self.network_writer.is_none() {
            let file = File::create(&self.network_path)
                .map_err(|source| ReportError::Io { path: path.clone(), cause: source })?;
            let writer = ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .with_key_value_metadata(Some(KeyValueMetadata::from_static(self.metadata.clone())))
                .set_parallel(false)
                .batched(df.schema())
                .map_err(parquet)?;
            self.network_writer = Some(writer);
        }
        let writer = self.network_writer.as_mut().expect("created above");
        writer.write_batch(&df).map_err(parquet)
    }

    /// Writes what is buffered and closes every file. Reports the first error of the run.
    pub fn finish(mut self) -> Result<u64, ReportError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.network.len() > 0 || self.network_writer.is_none() {
            self.flush_network()?;
        }
        let path = self.network_path.display().to_string();
        if let Some(w) = self.network_writer.take() {
            w.finish().map_err(|cause| ReportError::Parquet { path, cause })?;
        }
        Ok(self.rows)
    }
}

impl TraceSink for ParquetTraceSink {
    fn network(&mut self, row: &NetworkRow) {
        if self.error.is_some() {
            return;
        }
        self.network.push(row);
        self.rows += 1;
        if self.network.len() >= ROW_GROUP {
            if let Err(e) = self.flush_network() {
                self.error = Some(e);
            }
        }
    }
}
