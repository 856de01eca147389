//! `taosim run SCENARIO [--seed N] [--out DIR] [--blocks N]`

use crate::{scenario, Failure};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use reports::run_charts::{issuance_chart, HalvingMark};
use reports::{ParquetTraceSink, RunDir, RunManifest};
use sim_core::emission::{blocks_to_reach_without_recycling, halving_threshold};
use sim_core::events::EventAction;
use sim_core::ledger::RecycleReason;
use sim_core::rules::Rules;
use sim_core::sim::Simulation;
use sim_core::time::{format_utc_date, format_utc_minutes};
use std::fmt::Write as _;
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
}

/// Blocks per progress-bar update.
const CHUNK: u64 = 50_000;

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let mut scenario = scenario::load(&args.scenario).map_err(Failure::input)?;
    if let Some(seed) = args.seed {
        scenario.config.seed = seed;
        scenario.resolved["seed"] = seed.into();
    }
    if let Some(blocks) = args.blocks {
        if blocks == 0 {
            return Err(Failure::input(anyhow::anyhow!("--blocks 0: must be at least 1")));
        }
        scenario.blocks = blocks;
        scenario.resolved["blocks"] = blocks.into();
    }
    let seed = scenario.config.seed;
    let start_block = scenario.config.start_block;
    let end_block = start_block + scenario.blocks;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-seed{seed}", scenario.name)));

    let manifest = RunManifest {
        taosim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_name: scenario.name.clone(),
        scenario_path: scenario.path.display().to_string(),
        scenario_sha256: scenario.sha256.clone(),
        scenario_resolved: scenario.resolved.clone(),
        seed,
        start_block,
        end_block,
        rules_at_start: serde_json::json!(scenario.config.rules),
        rules_at_end: serde_json::json!(rules_at(&scenario.config, end_block)),
        tables: ParquetTraceSink::table_files(),
    };

    let dir = RunDir::create(&out, args.force).map_err(Failure::input)?;
    let mut sink = ParquetTraceSink::new(dir.path(), manifest.key_values());
    let mut sim = Simulation::new(scenario.config.clone()).map_err(Failure::input)?;

    let bar = ProgressBar::new(scenario.blocks);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} blocks ({per_sec}, eta {eta})")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(scenario.name.clone());
    let run_result = (|| {
        sim.start(&mut sink)?;
        while sim.block() < end_block {
            let target = (sim.block() + CHUNK).min(end_block);
            sim.run_until(target, &mut sink)?;
            bar.set_position(sim.block() - start_block);
        }
        sim.finish(&mut sink)
    })();
    bar.finish_and_clear();
    run_result.map_err(|e| Failure::run(anyhow::Error::new(e).context(format!("{}: run failed", scenario.path.display()))))?;

    sink.finish().map_err(Failure::run)?;
    let marks: Vec<HalvingMark> = sim
        .halvings()
        .iter()
        .map(|h| HalvingMark { block: h.block, label: format!("halving {} {}", h.halvings, format_utc_date(h.time_ms)) })
        .collect();
    issuance_chart(dir.path(), &marks).map_err(Failure::run)?;
    let summary = summary(&sim, &scenario.name);
    let write = |name: &str, text: &str| {
        std::fs::write(dir.file(name), text).with_context(|| format!("{}: cannot write {name}", dir.final_path().display()))
    };
    write("manifest.json", &manifest.to_json_pretty()).map_err(Failure::run)?;
    write("summary.txt", &summary).map_err(Failure::run)?;
    let path = dir.commit().map_err(Failure::run)?;
    print!("{summary}");
    println!("trace written to {}", path.display());
    Ok(())
}

/// The rules in force at `block`, from the scenario's scheduled rule events.
fn rules_at(config: &sim_core::sim::SimConfig, block: u64) -> Rules {
    let mut rules = config.rules;
    let mut events: Vec<_> = config.events.iter().filter(|e| e.at_block <= block).collect();
    events.sort_by_key(|e| e.at_block);
    for e in events {
        match &e.action {
            EventAction::SwitchEra(era) => rules = era.rules(),
            EventAction::OverrideRule(o) => rules.apply(*o),
            _ => {}
        }
    }
    rules
}

/// The short report printed at the end and saved as `summary.txt`.
fn summary(sim: &Simulation, name: &str) -> String {
    let n = sim.network();
    let ledger = &n.ledger;
    let clock = sim.clock();
    let mut s = String::new();
    let _ = writeln!(s, "{name}: blocks {} to {} ({} to {} UTC)", sim.start_block(), n.block,
        format_utc_minutes(clock.time_of(sim.start_block())), format_utc_minutes(clock.time_of(n.block)));
    let _ = writeln!(s, "  total issuance   {} -> {}", sim.start_issuance(), ledger.total_issuance());
    let _ = writeln!(s, "  minted           {}", ledger.minted());
    let _ = writeln!(s, "  recycled         {}", ledger.recycled().total());
    for reason in RecycleReason::ALL {
        let amount = ledger.recycled().get(reason);
        if !amount.is_zero() {
            let _ = writeln!(s, "    {:<16} {}", reason.name(), amount);
        }
    }
    let _ = writeln!(s, "  block emission   {}", n.block_emission);
    if sim.halvings().is_empty() {
        let _ = writeln!(s, "  no halving reached");
    }
    for h in sim.halvings() {
        let _ = writeln!(s, "  halving {}: block {} at {} UTC (issuance {})", h.halvings, h.block,
            format_utc_minutes(h.time_ms), h.total_issuance);
        // The same threshold with no recycling at all since the start, on the same clock.
        let threshold = halving_threshold(h.halvings).0;
        if let Some(n) = blocks_to_reach_without_recycling(sim.start_issuance().0, threshold) {
            let block = sim.start_block() + n + 1;
            let delay_days = (h.time_ms - clock.time_of(block)) as f64 / 86_400_000.0;
            let _ = writeln!(s, "    without recycling: block {block} at {} UTC; recycling delayed it {delay_days:.1} days",
                format_utc_minutes(clock.time_of(block)));
        }
    }
    s
}
