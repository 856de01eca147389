//! Everything that leaves a run as files: Parquet traces, the run manifest, the output
//! directory that only appears once complete, and (later) charts and HTML reports.

pub mod agent_charts;
pub mod chart;
pub mod headline;
pub mod manifest;
pub mod output;
pub mod parquet_sink;
pub mod report;
pub mod run_charts;
pub mod subnet_charts;
pub mod trace_read;

pub use manifest::RunManifest;
pub use output::RunDir;
pub use parquet_sink::ParquetTraceSink;

/// Errors writing a run's output.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    // The cause is shown inline, not as a `source`, so `{:#}` does not print it twice.
    #[error("{path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("{path}: Parquet: {cause}")]
    Parquet {
        path: String,
        cause: polars::prelude::PolarsError,
    },
    #[error("{0}")]
    Output(String),
}
