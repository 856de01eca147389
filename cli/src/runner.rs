//! Runs one validated scenario into one run directory: the pipeline shared by `taosim run` and
//! every run of `taosim sweep`.

use crate::scenario::Scenario;
use crate::Failure;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use reports::agent_charts::{neurons_chart, wealth_chart};
use reports::headline::{AlphaHalvingHeadline, HalvingHeadline, Headline};
use reports::run_charts::{issuance_chart, HalvingMark};
use reports::subnet_charts::subnets_chart;
use reports::{ParquetTraceSink, RunDir, RunManifest};
use sim_core::emission::{blocks_to_reach_without_recycling, halving_threshold};
use sim_core::events::EventAction;
use sim_core::ledger::RecycleReason;
use sim_core::rules::Rules;
use sim_core::sim::{SimConfig, Simulation};
use sim_core::time::{format_utc_date, format_utc_minutes};
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

/// Blocks per progress-bar update.
const CHUNK: u64 = 50_000;

pub struct RunOptions {
    pub force: bool,
    pub progress: bool,
    /// Write `state.json`, the chain state at the last block.
    pub save_state: bool,
}

pub struct RunOutcome {
    pub dir: PathBuf,
    pub summary: String,
}

/// Runs the scenario and writes its directory atomically (nothing appears at `out` unless the
/// run and every file of it completed).
pub fn execute(scenario: &Scenario, out: &Path, opts: &RunOptions) -> Result<RunOutcome, Failure> {
    let seed = scenario.config.seed;
    let start_block = scenario.config.start_block;
    let end_block = start_block + scenario.blocks;
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

    let dir = RunDir::create(out, opts.force).map_err(Failure::input)?;
    let mut sink = ParquetTraceSink::new(dir.path(), manifest.key_values());
    let mut sim = Simulation::with_agents(scenario.config.clone(), agents::build(&scenario.agents))
        .map_err(Failure::input)?;

    let bar = if opts.progress {
        ProgressBar::new(scenario.blocks)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} blocks ({per_sec}, eta {eta})",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(scenario.name.clone());
    // Without a terminal (a log file, `nohup`, CI) the bar draws nothing: a line per tenth of
    // the run instead, so that a long run is not silent for its whole length.
    let mut log = (opts.progress && !std::io::stderr().is_terminal())
        .then(|| ProgressLog::new(&scenario.name, scenario.blocks));
    let run_result = (|| {
        sim.start(&mut sink)?;
        while sim.block() < end_block {
            let target = (sim.block() + CHUNK).min(end_block);
            sim.run_until(target, &mut sink)?;
            bar.set_position(sim.block() - start_block);
            if let Some(log) = &mut log {
                log.at(sim.block() - start_block);
            }
        }
        sim.finish(&mut sink)
    })();
    bar.finish_and_clear();
    if log.is_some() {
        eprintln!(
            "{}: writing the traces and drawing the charts",
            scenario.name
        );
    }
    run_result.map_err(|e| {
        Failure::run(
            anyhow::Error::new(e).context(format!("{}: run failed", scenario.path.display())),
        )
    })?;

    sink.finish().map_err(Failure::run)?;
    let marks: Vec<HalvingMark> = sim
        .halvings()
        .iter()
        .map(|h| HalvingMark {
            block: h.block,
            label: format!("halving {} {}", h.halvings, format_utc_date(h.time_ms)),
        })
        .collect();
    issuance_chart(dir.path(), &marks).map_err(Failure::run)?;
    subnets_chart(dir.path(), &dir.path().join("subnets")).map_err(Failure::run)?;
    neurons_chart(dir.path(), &dir.path().join("neurons")).map_err(Failure::run)?;
    wealth_chart(dir.path(), &dir.path().join("agents")).map_err(Failure::run)?;
    let summary = summary(&sim, &scenario.name);
    let headline = headline(&sim, scenario);
    let write = |name: &str, text: &str| {
        std::fs::write(dir.file(name), text)
            .with_context(|| format!("{}: cannot write {name}", dir.final_path().display()))
    };
    write("manifest.json", &manifest.to_json_pretty()).map_err(Failure::run)?;
    write("summary.txt", &summary).map_err(Failure::run)?;
    if opts.save_state {
        let state = crate::scenario::saved_state::to_json(&sim.saved_state());
        write("state.json", &state).map_err(Failure::run)?;
    }
    let headline_json =
        serde_json::to_string_pretty(&headline).expect("a headline is plain data") + "\n";
    write("headline.json", &headline_json).map_err(Failure::run)?;
    let dir = dir.commit().map_err(Failure::run)?;
    Ok(RunOutcome { dir, summary })
}

/// Plain progress lines on standard error, one per tenth of the run.
struct ProgressLog {
    name: String,
    blocks: u64,
    started: std::time::Instant,
    tenths: u64,
}

impl ProgressLog {
    fn new(name: &str, blocks: u64) -> Self {
        Self {
            name: name.to_string(),
            blocks,
            started: std::time::Instant::now(),
            tenths: 0,
        }
    }

    fn at(&mut self, done: u64) {
        let tenths = (done * 10).checked_div(self.blocks).unwrap_or(10);
        if tenths <= self.tenths {
            return;
        }
        self.tenths = tenths;
        let secs = self.started.elapsed().as_secs_f64();
        let eta = secs * (self.blocks - done) as f64 / done as f64;
        eprintln!(
            "{}: {done}/{} blocks ({}0 %), {secs:.0} s elapsed, eta {eta:.0} s",
            self.name, self.blocks, tenths
        );
    }
}

/// The rules in force at `block`, from the scenario's scheduled rule events.
fn rules_at(config: &SimConfig, block: u64) -> Rules {
    let mut rules = config.rules;
    let mut events: Vec<_> = config
        .events
        .iter()
        .filter(|e| e.at_block <= block)
        .collect();
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

fn headline(sim: &Simulation, scenario: &Scenario) -> Headline {
    let ledger = &sim.network().ledger;
    Headline {
        scenario_name: scenario.name.clone(),
        seed: sim.seed(),
        drawn: scenario
            .resolved
            .get("sweep_draws")
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default(),
        start_block: sim.start_block(),
        end_block: sim.block(),
        start_total_issuance: sim.start_issuance().0,
        final_total_issuance: ledger.total_issuance().0,
        minted: ledger.minted().0,
        recycled_total: ledger.recycled().total().0,
        recycled: RecycleReason::ALL
            .iter()
            .filter(|r| !ledger.recycled().get(**r).is_zero())
            .map(|r| (r.name().to_string(), ledger.recycled().get(*r).0))
            .collect(),
        halvings: sim
            .halvings()
            .iter()
            .map(|h| HalvingHeadline {
                halvings: h.halvings,
                block: h.block,
                time_ms: h.time_ms,
                date: format_utc_minutes(h.time_ms),
                recycled: RecycleReason::ALL
                    .iter()
                    .zip(h.recycled)
                    .filter(|(_, v)| *v > 0)
                    .map(|(r, v)| (r.name().to_string(), v))
                    .collect(),
            })
            .collect(),
        alpha_halvings: sim
            .alpha_halvings()
            .iter()
            .map(|h| AlphaHalvingHeadline {
                netuid: h.netuid.0,
                halvings: h.halvings,
                block: h.block,
                time_ms: h.time_ms,
                date: format_utc_minutes(h.time_ms),
            })
            .collect(),
        final_tao_usd: sim.tao_usd(),
    }
}

/// The short report printed at the end and saved as `summary.txt`.
/// The subnets of a run with modelled subnets: how many, the pools' TAO, and the five with the
/// largest share of the last block's TAO, with their prices.
fn subnet_lines(s: &mut String, sim: &Simulation) {
    let n = sim.network();
    let mut subnets: Vec<_> = n.subnets.iter().filter(|x| !x.is_root()).collect();
    if subnets.is_empty() {
        return;
    }
    let pools: u64 = subnets.iter().map(|x| x.pool.tao_reserve.0).sum();
    let _ = writeln!(
        s,
        "  subnets          {} (pools hold {}; root stake {})",
        subnets.len(),
        sim_core::Tao(pools),
        sim_core::Tao(
            n.subnets
                .first()
                .filter(|r| r.is_root())
                .map_or(0, |r| r.pool.tao_reserve.0)
        )
    );
    subnets.sort_by(|a, b| {
        b.last_emission
            .share
            .total_cmp(&a.last_emission.share)
            .then(a.netuid.cmp(&b.netuid))
    });
    for x in subnets.iter().take(5) {
        let _ = writeln!(
            s,
            "    netuid {:<4} share {:>6.2} %  spot {:.6}  moving {:.6} TAO/alpha",
            x.netuid.0,
            100.0 * x.last_emission.share,
            sim_core::coinbase::spot_price_f64(sim.rules().amm, x),
            x.moving_price_f64()
        );
    }
}

fn summary(sim: &Simulation, name: &str) -> String {
    let n = sim.network();
    let ledger = &n.ledger;
    let clock = sim.clock();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{name}: blocks {} to {} ({} to {} UTC)",
        sim.start_block(),
        n.block,
        format_utc_minutes(clock.time_of(sim.start_block())),
        format_utc_minutes(clock.time_of(n.block))
    );
    let _ = writeln!(
        s,
        "  total issuance   {} -> {}",
        sim.start_issuance(),
        ledger.total_issuance()
    );
    let _ = writeln!(s, "  minted           {}", ledger.minted());
    let _ = writeln!(s, "  recycled         {}", ledger.recycled().total());
    for reason in RecycleReason::ALL {
        let amount = ledger.recycled().get(reason);
        if !amount.is_zero() {
            let _ = writeln!(s, "    {:<17} {}", reason.name(), amount);
        }
    }
    let _ = writeln!(s, "  block emission   {}", n.block_emission);
    if let Some(usd) = sim.tao_usd() {
        let cap = ledger.total_issuance().as_tokens_f64() * usd;
        let _ = writeln!(
            s,
            "  TAO/USD          {usd:.2} at the end (issuance worth {:.0} M USD)",
            cap / 1e6
        );
    }
    let demand = sim.demand_totals();
    if demand.registrations + demand.refused > 0 {
        let _ = writeln!(
            s,
            "  demand registrations {} ({} refused), paid {}",
            demand.registrations,
            demand.refused,
            sim_core::Tao(demand.paid)
        );
    }
    subnet_lines(&mut s, sim);
    if sim.halvings().is_empty() {
        let _ = writeln!(s, "  no halving reached");
    }
    for h in sim.halvings() {
        let _ = writeln!(
            s,
            "  halving {}: block {} at {} UTC (issuance {})",
            h.halvings,
            h.block,
            format_utc_minutes(h.time_ms),
            h.total_issuance
        );
        for (reason, v) in RecycleReason::ALL.iter().zip(h.recycled) {
            if v > 0 {
                let _ = writeln!(
                    s,
                    "    recycled by then: {:<17} {}",
                    reason.name(),
                    sim_core::Tao(v)
                );
            }
        }
        // The same threshold with no recycling at all since the start, on the same clock.
        let threshold = halving_threshold(h.halvings).0;
        if let Some(blocks) = blocks_to_reach_without_recycling(sim.start_issuance().0, threshold) {
            let block = sim.start_block() + blocks + 1;
            let delay_days = (h.time_ms - clock.time_of(block)) as f64 / 86_400_000.0;
            let _ = writeln!(
                s,
                "    without recycling: block {block} at {} UTC; recycling delayed it {delay_days:.1} days",
                format_utc_minutes(clock.time_of(block))
            );
        }
    }
    alpha_halving_lines(&mut s, sim);
    s
}

/// Subnets' alpha halvings, grouped by date when many subnets halve (one line each up to 20).
fn alpha_halving_lines(s: &mut String, sim: &Simulation) {
    let records = sim.alpha_halvings();
    if records.is_empty() {
        return;
    }
    let _ = writeln!(s, "  alpha halvings   {}", records.len());
    for h in records.iter().take(20) {
        let _ = writeln!(
            s,
            "    netuid {:<4} alpha halving {}: block {} at {} UTC",
            h.netuid.0,
            h.halvings,
            h.block,
            format_utc_minutes(h.time_ms)
        );
    }
    if records.len() > 20 {
        let _ = writeln!(
            s,
            "    ... {} more in headline.json (alpha_halvings)",
            records.len() - 20
        );
    }
}
