//! The `taosim` binary end to end: runs, determinism, and clear errors on bad input with no
//! output that looks complete.

mod common;

use common::{repo, stderr, taosim};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn sha256(path: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

/// Writes a scenario into a fresh temp dir and returns (dir, scenario path).
fn scenario(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.toml");
    std::fs::write(&path, body).unwrap();
    (dir, path)
}

const MINIMAL: &str = r#"
name = "case"
blocks = 100
[start]
block = 1000
date = "2026-01-01"
total_issuance = 7000000
"#;

/// Asserts that a temp dir holds only the scenario file: no output, no partial directory.
fn assert_only_the_scenario_left(dir: &Path, why: &str) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("case.toml")], "{why}");
}

/// Asserts a failed run: exit code 2, the message names what is wrong, and no output at all.
fn assert_rejected(body: &str, expected: &[&str]) {
    let (dir, path) = scenario(body);
    let out = dir.path().join("out");
    let o = taosim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit code for invalid input; stderr: {err}"
    );
    for needle in expected {
        assert!(
            err.contains(needle),
            "stderr should contain {needle:?}:\n{err}"
        );
    }
    assert!(
        err.contains("case.toml"),
        "the error names the file:\n{err}"
    );
    assert_only_the_scenario_left(dir.path(), "nothing written");
}

#[test]
fn the_same_scenario_and_seed_give_a_byte_identical_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let out = tmp.path().join(name);
        let o = taosim(&[
            "run",
            repo("scenarios/issuance-baseline.toml").to_str().unwrap(),
            "--blocks",
            "300000",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let a = run("a", "5");
    let b = run("b", "5");
    assert_eq!(
        sha256(&a.join("network.parquet")),
        sha256(&b.join("network.parquet"))
    );
    assert_eq!(
        sha256(&a.join("manifest.json")),
        sha256(&b.join("manifest.json"))
    );
    let c = run("c", "6");
    assert_ne!(
        sha256(&a.join("manifest.json")),
        sha256(&c.join("manifest.json")),
        "the seed is recorded"
    );
}

#[test]
fn a_run_writes_trace_manifest_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = taosim(&[
        "run",
        repo("scenarios/issuance-baseline.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Standard error is a pipe here, not a terminal: progress comes as plain lines.
    let err = stderr(&o);
    let tenths = err.lines().filter(|l| l.contains(" blocks (")).count();
    assert!(
        tenths == 10 && err.contains("blocks (100 %)") && err.contains("drawing the charts"),
        "a line per tenth of the run, then the charts:\n{err}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("halving 1: block"),
        "the baseline runs past the first halving:\n{stdout}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 0);
    assert_eq!(
        manifest["scenario_sha256"],
        sha256(Path::new(
            repo("scenarios/issuance-baseline.toml").to_str().unwrap()
        ))
    );
    assert_eq!(manifest["rules_at_start"]["era"], "pre-dtao");
    assert_eq!(manifest["rules_at_end"]["era"], "2025-02");
    assert!(out.join("summary.txt").exists());
    assert!(
        stdout.contains("without recycling: block"),
        "the summary compares with no recycling:\n{stdout}"
    );
    for chart in ["issuance.png", "issuance.svg"] {
        let len = std::fs::metadata(out.join(chart))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 10_000, "{chart} is drawn ({len} bytes)");
    }
    let parquet = std::fs::read(out.join("network.parquet")).unwrap();
    assert_eq!(&parquet[..4], b"PAR1");
    let text = String::from_utf8_lossy(&parquet);
    assert!(
        text.contains("taosim.scenario_sha256"),
        "manifest keys are in the Parquet metadata"
    );
}

#[test]
fn an_existing_output_is_not_replaced_without_force() {
    let (dir, path) = scenario(MINIMAL);
    let out = dir.path().join("out");
    let args = [
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    assert!(taosim(&args).status.success());
    let o = taosim(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("already exists (pass --force"),
        "{}",
        stderr(&o)
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(taosim(&forced).status.success());
}

#[test]
fn malformed_toml_is_rejected_with_its_line() {
    assert_rejected(
        "name = \"case\"\nblocks = [1,\n",
        &["case.toml:3:1: invalid array; expected `]`"],
    );
}

#[test]
fn an_unknown_key_is_rejected_with_its_path() {
    let body = MINIMAL.replace("date = ", "colour = 1\ndate = ");
    assert_rejected(&body, &["case.toml:6:1: start.colour: unknown field `colour`, expected one of `block`, `date`, `total_issuance`"]);
}

#[test]
fn an_out_of_range_value_is_rejected_with_the_rule() {
    let body = format!("{MINIMAL}\n[trace]\nnetwork_every = 0\n");
    assert_rejected(
        &body,
        &["case.toml: trace.network_every = 0: must be at least 1 block"],
    );
    let body = MINIMAL.replace("blocks = 100", "blocks = 0");
    assert_rejected(
        &body,
        &["case.toml: blocks = 0: must be between 1 and 263000000"],
    );
    let body = format!("{MINIMAL}\n[params]\nsubnet_owner_cut = 70000\n");
    assert_rejected(
        &body,
        &["params.subnet_owner_cut = 70000: must be between 0 and 65535"],
    );
}

#[test]
fn a_negative_amount_is_rejected() {
    let body = format!("{MINIMAL}\n[[accounts]]\ncoldkey = \"alice\"\nbalance = -5\n");
    assert_rejected(
        &body,
        &["case.toml: accounts[0].balance = -5: must not be negative"],
    );
    let body =
        format!("{MINIMAL}\n[[events]]\nat_block = 1001\nkind = \"recycle\"\namount = \"-1.5\"\n");
    assert_rejected(
        &body,
        &["events[0].amount = \"-1.5\": must not be negative"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let body = format!(
        "{MINIMAL}\n[[events]]\nat_block = 5\nkind = \"halt\"\nhours = 2\nera = \"2025-02\"\n\n\
         [[events]]\nat_block = 1002\nkind = \"switch_era\"\nera = \"2031-01\"\n"
    );
    assert_rejected(
        &body,
        &[
            "events[0].at_block = 5: must be after start.block = 1000",
            "events[0].era: not used by kind = \"halt\"",
            "events[1].era = \"2031-01\": unknown era (known: pre-dtao, 2025-02",
        ],
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.toml");
    let o = taosim(&[
        "run",
        missing.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nope.toml: cannot read scenario: No such file"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn a_run_that_fails_midway_leaves_nothing_that_looks_complete() {
    let body = format!(
        "{MINIMAL}\n[[accounts]]\ncoldkey = \"alice\"\nbalance = 1\n\n\
         [[events]]\nat_block = 1050\nkind = \"recycle\"\namount = 2\nfrom = \"alice\"\n"
    );
    let (dir, path) = scenario(&body);
    let out = dir.path().join("out");
    let o = taosim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("block 1050: coldkey `alice` holds 1 TAO, cannot take 2 TAO"),
        "{}",
        stderr(&o)
    );
    assert_only_the_scenario_left(dir.path(), "no output, no partial directory");
}

#[test]
fn every_bundled_scenario_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let o = taosim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn every_bundled_scenario_runs_at_reduced_length() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let out = tempfile::tempdir().unwrap();
    for file in &files {
        let name = file.file_stem().unwrap().to_str().unwrap();
        let run_dir = out.path().join(name);
        // Six hours of blocks: every phase of the block loop runs, including epochs.
        let o = taosim(&[
            "run",
            file.to_str().unwrap(),
            "--blocks",
            "1800",
            "--out",
            run_dir.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        for f in [
            "network.parquet",
            "subnets.parquet",
            "manifest.json",
            "summary.txt",
        ] {
            assert!(run_dir.join(f).is_file(), "{name}: {f} missing");
        }
    }
}

#[test]
fn validate_reports_each_bad_file_and_fails() {
    let (_dir, path) = scenario("blocks = 1\n");
    let o = taosim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("start: missing: the start block, date and total issuance"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_subnet_snapshot_sets_the_initial_pools() {
    let snapshot = repo("scenarios/data/subnets_snapshot_2026-04-11.csv")
        .display()
        .to_string();
    let body = format!(
        "name = \"snap\"\nblocks = 10\n[start]\nblock = 7948000\ndate = \"2026-04-11\"\ntotal_issuance = 10786763\n\
         [initial]\nsubnets_snapshot = {snapshot:?}\n[trace]\nsubnets_every = 5\n"
    );
    let (dir, path) = scenario(&body);
    let out = dir.path().join("out");
    let o = taosim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"subnets\": 129"), "{manifest}");
    let subnets = std::fs::read(out.join("subnets.parquet")).unwrap();
    assert_eq!(&subnets[..4], b"PAR1");

    let bad = body.replace("total_issuance = 10786763", "total_issuance = 7000000");
    assert_rejected(
        &bad,
        &["balances and snapshot pools add up to 7030279.3893 TAO"],
    );
}

#[test]
fn a_price_path_adds_usd_values_and_follows_the_seed() {
    let body = format!("{MINIMAL}\n[price]\nmodel = \"gbm\"\ntao_usd = 400\nvolatility_per_year = 0.9\nstep_blocks = 10\n");
    let (dir, path) = scenario(&body);
    let run = |seed: &str| {
        let out = dir.path().join(format!("out{seed}"));
        let o = taosim(&[
            "run",
            path.to_str().unwrap(),
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let (a, a_again, b) = (run("1"), run("1"), run("2"));
    assert!(a.contains("TAO/USD"), "{a}");
    assert_eq!(a, a_again);
    assert_ne!(a, b, "the price path is drawn from the seed");

    let bad =
        format!("{MINIMAL}\n[price]\nmodel = \"gbm\"\ntao_usd = 400\nvolatility_per_year = -1\n");
    assert_rejected(
        &bad,
        &["price.volatility_per_year = -1: must be between 0 and 10"],
    );
    let bad = format!("{MINIMAL}\n[price]\nmodel = \"walk\"\n");
    assert_rejected(&bad, &["price.model = \"walk\": unknown price model"]);
}

/// Pre-dTAO root network from a scenario: root validators' weights split the emission and root's
/// own share (here 137/1000 of the weight) is recycled.
#[test]
fn root_validators_split_pre_dtao_emission() {
    let body = r#"
name = "root-net"
blocks = 100
[start]
block = 3_942_034
date = "2024-10-01"
total_issuance = "7528676.54"
[rules]
era = "pre-dtao"
[initial]
root_stake = "5817082"
[initial.uniform_subnets]
count = 2
tao = 1
alpha_in = 1
[[accounts]]
coldkey = "v"
balance = 0
[[initial.root_validators]]
coldkey = "v"
hotkey = "rv"
stake = 4000000
weights = { 0 = 137, 1 = 600, 2 = 263 }
"#;
    let (dir, path) = scenario(body);
    let out = dir.path().join("out");
    let o = taosim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    // 0.137 TAO a block for 100 blocks, plus a few rao of truncation dust a block.
    assert!(summary.contains("unspent_emission  13.70000"), "{summary}");

    let bad = body.replace("stake = 4000000", "stake = 9000000");
    let (_d, path) = scenario(&bad);
    let o = taosim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("more than initial.root_stake"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_agent_specs_are_rejected_with_their_toml_path() {
    let body = format!(
        "{MINIMAL}\n[initial]\nroot_stake = 1000\n[initial.uniform_subnets]\ncount = 2\ntao = 10\nalpha_in = 10\n\n\
         [[agents]]\nname = \"m\"\nkind = \"miner\"\nquality = {{ normal = [0.5, -0.1] }}\n\n\
         [[agents]]\nname = \"t\"\nkind = \"trader\"\ncapital_tao = {{ uniform = [5, 1] }}\n\n\
         [[agents]]\nname = \"v\"\nkind = \"validator\"\ncount = 1000\n\n\
         [[agents]]\nname = \"x\"\nkind = \"wizard\"\n\n\
         [[agents]]\nname = \"s\"\nkind = \"staker\"\nsubnets = [9]\nspeed = 2\n"
    );
    assert_rejected(
        &body,
        &[
            "case.toml: agents[0].quality: `normal` sd -0.1 is negative",
            "case.toml: agents[1].capital_tao: `uniform = [5, 1]` is an empty range",
            "case.toml: agents[2].count = 1000: 500 validators per subnet over 2 subnets, but a subnet has at most 256 UIDs",
            "case.toml: agents[3].kind = \"wizard\": unknown agent kind (known: miner, validator, staker, whale, trader, owner)",
            "case.toml: agents[4].subnets[0] = 9: no such non-root subnet at the start",
            "case.toml: agents[4].speed: unknown key",
        ],
    );
}

#[test]
fn a_saved_state_starts_another_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let o = taosim(&[
        "run",
        repo("scenarios/cabal.toml").to_str().unwrap(),
        "--blocks",
        "800",
        "--save-state",
        "--out",
        first.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let state = first.join("state.json");
    assert!(state.is_file());
    // A new scenario from that state: its own accounts, events and agents, no [start].
    let body = format!(
        r#"
name = "from-state"
blocks = 400
[rules]
era = "2026-06"
[initial]
state = "{}"
[[accounts]]
coldkey = "whale"
balance = 1000
[[events]]
at_block = 8735600
kind = "add_stake"
coldkey = "whale"
hotkey = "honest#0"
netuid = 1
amount = 500
[[agents]]
name = "late-miners"
kind = "miner"
count = 4
"#,
        state.display()
    );
    let (dir, path) = scenario(&body);
    let out = dir.path().join("out");
    let o = taosim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(summary.contains("blocks 8735500 to 8735900"), "{summary}");
    // [start] and subnets are the state's: giving them too is refused.
    let twice = format!("{body}\n[start]\nblock = 1\ndate = \"2026-01-01\"\ntotal_issuance = 1\n");
    assert_rejected(
        &twice,
        &["case.toml: start: not allowed with initial.state"],
    );
    assert_rejected(
        &body.replace(&state.display().to_string(), "missing.json"),
        &["case.toml: initial.state = \"missing.json\": cannot read"],
    );
}
