//! `taosim sweep`: results independent of --jobs, shards that merge into the unsharded
//! dataset, and clear rejections of bad sweep specs.

mod common;

use common::{repo, taosim};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

fn scenario() -> String {
    repo("scenarios/issuance-baseline.toml")
        .display()
        .to_string()
}

fn sweep(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep".to_string(),
        scenario(),
        "--seeds".into(),
        "1..2".into(),
        "--set".into(),
        "recycling[1].tao_per_day=100,900".into(),
        "--blocks".into(),
        "60000".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    taosim(&refs)
}

/// Relative path -> SHA-256 of every trace and headline file under a sweep directory.
fn dataset(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p: PathBuf = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if [
                "network.parquet",
                "headline.json",
                "runs.csv",
                "quantiles.csv",
            ]
            .contains(&p.file_name().unwrap().to_str().unwrap())
            {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(
                    rel,
                    format!("{:x}", Sha256::digest(std::fs::read(&p).unwrap())),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn results_do_not_depend_on_the_number_of_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("j1"), tmp.path().join("j2"));
    assert!(sweep(&a, &["--jobs", "1"]).status.success());
    assert!(sweep(&b, &["--jobs", "2"]).status.success());
    let (da, db) = (dataset(&a), dataset(&b));
    assert_eq!(
        da.len(),
        4 * 2 + 2,
        "2 points x 2 seeds x (trace, headline) + runs.csv + quantiles.csv"
    );
    assert_eq!(da, db);
    assert!(
        a.join("sweep_point=1/run=2/network.parquet").exists(),
        "Hive-partitioned layout"
    );
}

#[test]
fn shards_merged_give_the_unsharded_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let sharded = tmp.path().join("sharded");
    assert!(sweep(&whole, &["--jobs", "2"]).status.success());
    for shard in ["0/3", "1/3", "2/3"] {
        let o = sweep(&sharded, &["--shard", shard, "--jobs", "1"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = taosim(&["summarize", sharded.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(dataset(&whole), dataset(&sharded));
}

#[test]
fn the_swept_value_changes_the_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    assert!(sweep(&out, &[]).status.success());
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let recycled: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(
        recycled[0], recycled[1],
        "same point, two seeds of a deterministic scenario"
    );
    assert_ne!(recycled[0], recycled[2], "100 vs 900 TAO a day");
    let quantiles = std::fs::read_to_string(out.join("quantiles.csv")).unwrap();
    assert!(quantiles.contains("recycled_total_tao"));
}

fn rejected(extra_args: &[&str], expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let mut args = vec![
        "sweep",
        &*Box::leak(scenario().into_boxed_str()),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra_args);
    let o = taosim(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    assert!(!out.exists(), "nothing written for a rejected sweep");
}

#[test]
fn bad_sweep_specs_are_rejected_clearly() {
    rejected(&["--seeds", "5..2"], "--seeds 5..2: empty seed range");
    rejected(
        &["--seeds", "1..2", "--shard", "3/3"],
        "--shard 3/3: shard index out of range",
    );
    rejected(
        &["--seeds", "1", "--set", "recycling[0].colour=1"],
        "--set recycling[0].colour=1",
    );
    rejected(
        &["--seeds", "1", "--set", "recycling[0].colour=1"],
        "unknown field `colour`",
    );
    rejected(
        &["--seeds", "1", "--set", "nonsense=1"],
        "unknown field `nonsense`",
    );
    rejected(
        &["--seeds", "1", "--set", "time.block_seconds=0"],
        "time.block_seconds = 0: must be between",
    );
    rejected(&["--seeds", "1", "--set", "novalue"], "expected KEY=V1,V2");
}

/// `--draw`: each run draws its inputs from its seed; the draws are recorded per run, the
/// results follow them, and they do not depend on --jobs.
#[test]
fn drawn_inputs_are_recorded_and_independent_of_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &Path, jobs: &str| {
        let o = taosim(&[
            "sweep",
            &scenario(),
            "--seeds",
            "0..3",
            "--draw",
            "recycling[1].tao_per_day={ uniform = [100, 900] }",
            "--blocks",
            "20000",
            "--jobs",
            jobs,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, "1");
    run(&b, "2");
    assert_eq!(dataset(&a), dataset(&b));
    let runs = std::fs::read_to_string(a.join("runs.csv")).unwrap();
    let header = runs.lines().next().unwrap();
    assert!(
        header.ends_with(",\"drawn recycling[1].tao_per_day\""),
        "{header}"
    );
    let rows: Vec<(f64, u64)> = runs
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[8].parse().unwrap(), f[4].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 4);
    for (drawn, _) in &rows {
        assert!(
            (100.0..=900.0).contains(drawn) && drawn.fract() == 0.0,
            "{runs}"
        );
    }
    // More TAO a day drawn, more recycled (the other flows are the same in every run).
    let mut sorted = rows.clone();
    sorted.sort_by(|x, y| x.0.total_cmp(&y.0));
    assert!(sorted[0].0 < sorted[3].0, "four seeds, one value: {runs}");
    assert!(sorted.windows(2).all(|w| w[0].1 <= w[1].1), "{runs}");
    let headline = std::fs::read_to_string(a.join("sweep_point=0/run=2/headline.json")).unwrap();
    assert!(
        headline.contains("\"recycling[1].tao_per_day\""),
        "{headline}"
    );
}

#[test]
fn bad_draws_are_rejected_clearly() {
    rejected(
        &["--seeds", "1", "--draw", "recycling[1].tao_per_day=5"],
        "must be a TOML table",
    );
    rejected(
        &[
            "--seeds",
            "1",
            "--draw",
            "time.block_seconds={ uniform = [13, 12] }",
        ],
        "empty range",
    );
    rejected(
        &[
            "--seeds",
            "0..5",
            "--draw",
            "time.block_seconds={ normal = [12, 50] }",
        ],
        "time.block_seconds",
    );
    rejected(
        &[
            "--seeds",
            "1",
            "--set",
            "time.block_seconds=12",
            "--draw",
            "time.block_seconds={ uniform = [12, 13] }",
        ],
        "also swept with --set",
    );
}
