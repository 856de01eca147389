//! `taosim`: the command-line front end. Exit codes: 0 success, 1 the run failed,
//! 2 invalid input (scenario, arguments, files).

mod cmd;
mod runner;
mod scenario;
mod sweep;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "taosim",
    version,
    about = "Deterministic economic simulator of the Bittensor network"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its trace (Parquet), manifest and summary.
    Run(cmd::run::RunArgs),
    /// Check scenario files without running them.
    Validate(cmd::validate::ValidateArgs),
    /// Run a scenario over many seeds and parameter values, in parallel.
    Sweep(cmd::sweep::SweepArgs),
    /// Summarise a sweep directory (after its shards have been gathered).
    Summarize(cmd::sweep::SummarizeArgs),
    /// Charts and a self-contained HTML page for runs and sweeps, side by side.
    Report(cmd::report::ReportArgs),
    /// Yuma consensus: one epoch from a JSON case, or many epochs with a table and charts.
    Epoch(cmd::epoch::EpochArgs),
}

/// An error with the exit code it should produce.
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    /// Invalid input: the user can fix the scenario or the arguments.
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 2,
            error: error.into(),
        }
    }
    /// The run itself failed.
    pub fn run(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: 1,
            error: error.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Sweep(args) => cmd::sweep::run(args),
        Command::Summarize(args) => cmd::sweep::summarize_cmd(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Epoch(args) => cmd::epoch::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}
