//! `taosim run SCENARIO [--seed N] [--out DIR] [--blocks N] [--force] [--save-state]`

use crate::runner::{execute, RunOptions};
use crate::{scenario, Failure};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Seed for every random stream (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory (default: runs/<scenario name>-seed<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Simulate this many blocks instead of the scenario's `blocks`.
    #[arg(long)]
    blocks: Option<u64>,
    /// Replace an existing output directory.
    #[arg(long)]
    force: bool,
    /// Also write the chain state at the last block as `state.json` in the output directory;
    /// another scenario starts from it with `[initial] state = "..."`.
    #[arg(long)]
    save_state: bool,
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let mut scenario = scenario::load(&args.scenario).map_err(Failure::input)?;
    if let Some(seed) = args.seed {
        scenario.set_seed(seed);
    }
    if let Some(blocks) = args.blocks {
        scenario.set_blocks(blocks).map_err(Failure::input)?;
    }
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("runs").join(format!("{}-seed{}", scenario.name, scenario.config.seed))
    });
    let outcome = execute(
        &scenario,
        &out,
        &RunOptions {
            force: args.force,
            progress: true,
            save_state: args.save_state,
        },
    )?;
    print!("{}", outcome.summary);
    println!("trace written to {}", outcome.dir.display());
    Ok(())
}
