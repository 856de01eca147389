//! `taosim sweep SCENARIO --seeds A..B [--set KEY=V1,V2]... [--jobs N] [--out DIR] [--shard I/N]`
//! and `taosim summarize DIR`.

use crate::runner::{execute, RunOptions};
use crate::sweep::spec::{
    apply, parse_draw, parse_seeds, parse_set, parse_shard, points, DrawAxis, Point, SetAxis,
};
use crate::sweep::summary;
use crate::{scenario, Failure};
use anyhow::{anyhow, Context};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Seeds to run: `A..B` (both included) or one seed.
    #[arg(long)]
    seeds: String,
    /// A scenario key and the values to sweep, e.g. `recycling[0].tao_per_day=250,500`. Repeat for
    /// more keys; every combination is a sweep point.
    #[arg(long = "set")]
    sets: Vec<String>,
    /// A scenario key and a distribution to draw it from for every run, from the run's seed
    /// (Monte Carlo over uncertain inputs), e.g. `registration_demand[0].scale={ uniform = [0.15, 1] }`.
    /// Also `normal = [mean, sd]`, `lognormal = [mu, sigma]`. Repeat for more keys. An integer key
    /// drawn from a distribution written with integers gets whole numbers.
    #[arg(long = "draw")]
    draws: Vec<String>,
    /// Runs at once (default: the number of cores). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Output directory (default: runs/<scenario name>-sweep).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only shard I of N (0-based): runs whose index modulo N is I. Shards can run on any
    /// machines; copy their directories together and `taosim summarize` reads them as one dataset.
    #[arg(long)]
    shard: Option<String>,
    /// Simulate this many blocks instead of the scenario's `blocks`.
    #[arg(long)]
    blocks: Option<u64>,
    /// Re-run runs that already exist, and replace a sweep directory made with another spec.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct SummarizeArgs {
    /// A sweep directory (with sweep.json and sweep_point=*/run=*/).
    dir: PathBuf,
}

/// `sweep.json`: what the sweep directory holds. Shards of one sweep write the same file.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct SweepFile {
    scenario_path: String,
    seeds: Vec<u64>,
    sets: Vec<SetAxis>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    draws: Vec<DrawAxis>,
    blocks: Option<u64>,
    points: Vec<BTreeMap<String, String>>,
}

pub fn run(args: SweepArgs) -> Result<(), Failure> {
    let seeds = parse_seeds(&args.seeds).map_err(Failure::input)?;
    let axes: Vec<SetAxis> = args
        .sets
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<_, _>>()
        .map_err(Failure::input)?;
    let draws: Vec<DrawAxis> = args
        .draws
        .iter()
        .map(|s| parse_draw(s))
        .collect::<Result<_, _>>()
        .map_err(Failure::input)?;
    if let Some(key) = draws
        .iter()
        .find(|d| axes.iter().any(|a| a.key == d.key))
        .map(|d| &d.key)
    {
        return Err(Failure::input(anyhow!(
            "--draw {key}: the key is also swept with --set"
        )));
    }
    let shard = args
        .shard
        .as_deref()
        .map(parse_shard)
        .transpose()
        .map_err(Failure::input)?;
    if args.jobs == Some(0) {
        return Err(Failure::input(anyhow!("--jobs 0: must be at least 1")));
    }
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("{}: cannot read scenario", args.scenario.display()))
        .map_err(Failure::input)?;
    let base: toml::Table = toml::from_str(&text)
        .map_err(|e| anyhow!("{}: {}", args.scenario.display(), e.message().trim()))
        .map_err(Failure::input)?;

    // Every point (with draws: every run) is validated before anything runs.
    let point_list = points(&axes);
    let build = |point: &Point, seed: Option<u64>| -> Result<scenario::Scenario, Failure> {
        let mut doc = base.clone();
        for (key, value) in point {
            apply(&mut doc, key, value).map_err(Failure::input)?;
        }
        let mut drawn = BTreeMap::new();
        let mut described: Vec<String> = point
            .iter()
            .map(|(k, v)| format!("--set {k}={v}"))
            .collect();
        if let Some(seed) = seed {
            for d in &draws {
                let (x, raw) = d.draw(seed, &doc).map_err(Failure::input)?;
                apply(&mut doc, &d.key, &raw).map_err(Failure::input)?;
                described.push(format!("--draw {} (seed {seed}: {raw})", d.key));
                drawn.insert(d.key.clone(), x);
            }
        }
        let edited = toml::to_string(&doc).expect("a TOML table serialises");
        let described = described.join(" ");
        let mut s = scenario::load_text(&args.scenario, &edited).map_err(|e| {
            Failure::input(anyhow!("{e}").context(if described.is_empty() {
                "scenario".into()
            } else {
                described
            }))
        })?;
        if let Some(blocks) = args.blocks {
            s.set_blocks(blocks).map_err(Failure::input)?;
        }
        s.resolved["sweep_point"] =
            serde_json::json!(point.iter().cloned().collect::<BTreeMap<_, _>>());
        if !drawn.is_empty() {
            s.resolved["sweep_draws"] = serde_json::json!(drawn);
        }
        Ok(s)
    };
    let mut scenarios = Vec::with_capacity(point_list.len());
    for point in &point_list {
        scenarios.push(build(point, None)?);
        if !draws.is_empty() {
            for &seed in &seeds {
                build(point, Some(seed))?;
            }
        }
    }
    let name = scenarios[0].name.clone();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("{name}-sweep")));
    let sweep_file = SweepFile {
        scenario_path: args.scenario.display().to_string(),
        seeds: seeds.clone(),
        sets: axes.clone(),
        draws: draws.clone(),
        blocks: args.blocks,
        points: point_list
            .iter()
            .map(|p| p.iter().cloned().collect())
            .collect(),
    };
    prepare_dir(&out, &sweep_file, args.force).map_err(Failure::input)?;

    let mut plan: Vec<(usize, u64)> = Vec::new();
    for p in 0..scenarios.len() {
        for &seed in &seeds {
            plan.push((p, seed));
        }
    }
    let plan: Vec<(usize, u64)> = plan
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| *i as u64 % u64::from(n) == u64::from(k)))
        .map(|(_, r)| r)
        .collect();

    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let bar = ProgressBar::new(plan.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} sweep [{bar:40}] {pos}/{len} runs ({elapsed}, eta {eta})",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    let run_one = |&(p, seed): &(usize, u64)| {
        let dir = out
            .join(format!("sweep_point={p}"))
            .join(format!("run={seed}"));
        let result = if dir.join("headline.json").exists() && !args.force {
            Ok(()) // finished earlier (a resumed or re-submitted shard)
        } else {
            let built = if draws.is_empty() {
                Ok(scenarios[p].clone())
            } else {
                build(&point_list[p], Some(seed))
            };
            built
                .and_then(|mut s| {
                    s.set_seed(seed);
                    execute(
                        &s,
                        &dir,
                        &RunOptions {
                            save_state: false,
                            force: true,
                            progress: false,
                        },
                    )
                })
                .map(|_| ())
                .map_err(|f| format!("sweep_point={p} run={seed}: {:#}", f.error))
        };
        bar.inc(1);
        result
    };
    let results = run_on_threads(&plan, jobs, run_one);
    bar.finish_and_clear();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();

    let table = summarize(&out, &sweep_file.points).map_err(Failure::run)?;
    print!("{table}");
    match shard {
        Some((k, n)) => println!(
            "shard {k}/{n}: {} runs; summary covers the runs present in {}",
            plan.len(),
            out.display()
        ),
        None => println!("{} runs written to {}", plan.len(), out.display()),
    }
    if !failures.is_empty() {
        return Err(Failure::run(anyhow!(
            "{} runs failed:\n{}",
            failures.len(),
            failures.join("\n")
        )));
    }
    Ok(())
}

/// Runs `f` over `items` on `jobs` plain threads, each taking the next item when it is free;
/// results in item order. Not a rayon pool on purpose: a run writes its trace through polars,
/// whose own rayon pool, entered from a worker of another rayon pool, lets that worker start
/// further runs while it waits (nested on its stack), so `--jobs 1` would not mean one run at
/// a time.
fn run_on_threads<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(items.len()).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return out;
                        };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a sweep worker panicked"))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

pub fn summarize_cmd(args: SummarizeArgs) -> Result<(), Failure> {
    let file = args.dir.join("sweep.json");
    let text = std::fs::read_to_string(&file)
        .with_context(|| {
            format!(
                "{}: cannot read (is this a sweep directory?)",
                file.display()
            )
        })
        .map_err(Failure::input)?;
    let sweep: SweepFile = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a sweep description", file.display()))
        .map_err(Failure::input)?;
    let table = summarize(&args.dir, &sweep.points).map_err(Failure::run)?;
    print!("{table}");
    Ok(())
}

fn summarize(dir: &Path, points: &[BTreeMap<String, String>]) -> anyhow::Result<String> {
    let runs = summary::collect(dir)?;
    summary::write(dir, &runs, points)
}

/// Creates the sweep directory or checks that an existing one holds this very sweep.
fn prepare_dir(out: &Path, sweep: &SweepFile, force: bool) -> anyhow::Result<()> {
    let file = out.join("sweep.json");
    let json = serde_json::to_string_pretty(sweep).expect("plain data") + "\n";
    if let Ok(existing) = std::fs::read_to_string(&file) {
        if existing != json {
            if !force {
                anyhow::bail!(
                    "{}: holds a different sweep (other scenario, seeds or --set); pass --force to replace it or choose another --out",
                    out.display()
                );
            }
            std::fs::remove_dir_all(out)
                .with_context(|| format!("{}: cannot remove", out.display()))?;
        }
    } else if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        && !force
    {
        anyhow::bail!(
            "{}: exists and is not a sweep directory; choose another --out",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    // Written whole then renamed, so concurrent shards never read half a file.
    let tmp = out.join(format!(".sweep.json.{}", std::process::id()));
    std::fs::write(&tmp, &json).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, &file).with_context(|| format!("{}: cannot write", file.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::run_on_threads;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `--jobs N` means at most N runs at once, and results come back in plan order.
    #[test]
    fn threads_run_at_most_jobs_items_at_once_and_keep_order() {
        for jobs in [1, 2, 3] {
            let running = AtomicUsize::new(0);
            let most = AtomicUsize::new(0);
            let items: Vec<u64> = (0..12).collect();
            let out = run_on_threads(&items, jobs, |x| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
                running.fetch_sub(1, Ordering::SeqCst);
                x * 10
            });
            assert_eq!(out, items.iter().map(|x| x * 10).collect::<Vec<_>>());
            assert!(most.load(Ordering::SeqCst) <= jobs);
        }
    }
}
