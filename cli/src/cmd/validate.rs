//! `taosim validate FILE...`

use crate::{scenario, Failure};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: ValidateArgs) -> Result<(), Failure> {
    let mut bad = 0;
    for file in &args.files {
        match scenario::load(file) {
            Ok(s) => println!(
                "ok: {} ({}, {} blocks from block {})",
                file.display(),
                s.name,
                s.blocks,
                s.config.start_block
            ),
            Err(e) => {
                eprintln!("{e}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(Failure::input(anyhow::anyhow!(
            "{bad} of {} scenario files are invalid",
            args.files.len()
        )));
    }
    Ok(())
}
