//! Sweeps: many runs of one scenario over seeds and `--set` points, in parallel, written as a
//! Hive-partitioned dataset (`sweep_point=P/run=SEED/`).

pub mod spec;
pub mod summary;
