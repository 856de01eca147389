//! `taosim report RUN_OR_SWEEP_DIR [MORE_DIRS...] [--out DIR]`

use crate::Failure;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Run or sweep directories; several are compared side by side.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where the charts and index.html go (default: <first dir>/report).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<(), Failure> {
    for d in &args.dirs {
        if !d.is_dir() {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: not a directory",
                d.display()
            )));
        }
    }
    let out = args.out.unwrap_or_else(|| args.dirs[0].join("report"));
    let report = reports::report::build(&args.dirs, &out).map_err(Failure::input)?;
    println!(
        "{} charts; open {}",
        report.charts.len(),
        report.html.display()
    );
    Ok(())
}
