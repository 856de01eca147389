//! Everything that leaves a run as files: Parquet traces, the run manifest, the output
//! directory that only appears once complete, and (later) charts and HTML reports.

pub mod chart;
pub mod manifest;
pub mod output;
pub mod parquet_sink;
pub mod run_charts;

pub use manifest::RunManifest;
pub use output::RunDir;
pub use parquet_sink::ParquetTraceSink;

/// Errors writing a run's output.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: writing Parquet: {source}")]
    Parquet { path: String, source: polars::prelude::PolarsError },
    #[error("{0}")]
    Output(String),
}
