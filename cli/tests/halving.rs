//! The halving scenarios, shortened: each runs end to end from the bundled file, and its books
//! balance (issuance at the end = start + minted - recycled, with every recycled rao under a
//! reason).

mod common;

use common::{repo, stderr, taosim};
use serde_json::Value;
use std::path::Path;

/// Runs `scenario` for `blocks` blocks into a temporary directory; returns the headline.
fn run(scenario: &str, blocks: u64, out: &Path) -> (Value, String) {
    let path = repo(scenario);
    let path = if Path::new(scenario).is_absolute() {
        Path::new(scenario).to_path_buf()
    } else {
        path
    };
    let out = out.join("run");
    let o = taosim(&[
        "run",
        path.to_str().unwrap(),
        "--blocks",
        &blocks.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{scenario}: {}", stderr(&o));
    let headline: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("headline.json")).unwrap()).unwrap();
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    (headline, summary)
}

/// start + minted - Σ recycled by reason = end, exactly, and the reasons add up to the total.
fn books_balance(h: &Value) -> std::collections::BTreeMap<String, u64> {
    let start = h["start_total_issuance"].as_u64().unwrap();
    let end = h["final_total_issuance"].as_u64().unwrap();
    let minted = h["minted"].as_u64().unwrap();
    let total = h["recycled_total"].as_u64().unwrap();
    let by_reason: std::collections::BTreeMap<String, u64> = h["recycled"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(by_reason.values().sum::<u64>(), total, "{h}");
    assert_eq!(
        i128::from(start) + i128::from(minted) - i128::from(total),
        i128::from(end),
        "{h}"
    );
    by_reason
}

/// The first halving scenario through the dTAO launch and the first registrations of subnets
/// 65+: the pre-dTAO root share and registration burns are recycled, then the first locks.
#[test]
fn halving_2025_books_balance_through_the_launch() {
    let dir = tempfile::tempdir().unwrap();
    // Block 3,942,034 + 1,020,000 = 4,962,034: past the launch (4,917,000) and the first two
    // recorded subnet registrations (4,950,813 and 4,958,013).
    let (h, summary) = run("scenarios/halving-2025.toml", 1_020_000, dir.path());
    let by_reason = books_balance(&h);
    let tao = |r: &str| by_reason.get(r).copied().unwrap_or(0) as f64 / 1e9;
    // Root's share: 13.66 % of 1 TAO a block over the 974,966 pre-dTAO blocks.
    let root = 0.1366 * 974_966.0;
    assert!(
        (tao("unspent_emission") - root).abs() / root < 0.01,
        "{summary}"
    );
    assert!(tao("registration_burn") > 0.0, "{summary}");
    // Locks of subnets 65 and 66 (37.275 + 65.230 TAO) less their 1 TAO pool seeds.
    assert!(
        (tao("subnet_lock") - (37.275 + 65.230 - 2.0)).abs() < 1e-6,
        "{summary}"
    );
    assert!(summary.contains("demand registrations"), "{summary}");
}

/// The second halving scenario, shortened, with its recycling flow moved into the run: the
/// current rules over the 128 snapshot subnets recycle nothing but the stated flow (and dust).
#[test]
fn second_halving_books_balance() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("scenarios/second-halving.toml"))
        .unwrap()
        .replace("from_block = 8_734_700", "from_block = 7_950_600")
        .replace(
            "\"data/subnets_snapshot_2026-04-11.csv\"",
            &format!(
                "{:?}",
                repo("scenarios/data/subnets_snapshot_2026-04-11.csv")
            ),
        );
    let path = dir.path().join("short.toml");
    std::fs::write(&path, text).unwrap();
    // 14,400 blocks: two days, the second with the flow (7,950,600 is 7,200 blocks in).
    let (h, summary) = run(path.to_str().unwrap(), 14_400, dir.path());
    let by_reason = books_balance(&h);
    assert_eq!(
        h["start_total_issuance"].as_u64().unwrap(),
        10_784_463_340_000_000
    );
    // 0.5 TAO a block.
    assert_eq!(
        h["minted"].as_u64().unwrap(),
        14_400 * 500_000_000,
        "{summary}"
    );
    // 11 TAO a day over the 7,201 blocks of 12.01 s from 7,950,600 to 7,957,800 inclusive,
    // rounded down to the rao.
    assert_eq!(
        by_reason["dissolution"],
        11_000_000_000 * 7_201 * 12_010 / 86_400_000,
        "{summary}"
    );
    // Anything else is rounding dust of the coinbase, below 0.01 TAO.
    let rest: u64 = by_reason
        .iter()
        .filter(|(k, _)| *k != "dissolution")
        .map(|(_, v)| v)
        .sum();
    assert!(rest < 10_000_000, "{summary}");
}

/// A subnet whose alpha issuance is just below 10.5M alpha halves its alpha emission within
/// the run, and the headline and summary say when.
#[test]
fn an_alpha_halving_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alpha.toml");
    std::fs::write(
        &path,
        r#"name = "alpha-halving"
seed = 0
blocks = 100
[start]
block = 1000
date = "2026-08-01"
total_issuance = "11200000"
[rules]
era = "2026-06"
[initial.uniform_subnets]
count = 2
tao = 20000
alpha_in = 400000
alpha_out = 10099950
"#,
    )
    .unwrap();
    let (h, summary) = run(path.to_str().unwrap(), 100, dir.path());
    let halvings = h["alpha_halvings"].as_array().unwrap();
    assert_eq!(halvings.len(), 2, "{summary}");
    for (x, netuid) in halvings.iter().zip([1, 2]) {
        assert_eq!(x["netuid"], netuid);
        assert_eq!(x["halvings"], 1);
        // 50 alpha short of 10.5M, 1 alpha out a block and no injection (no moving price, so
        // no TAO share): blocks 1001-1050 reach 10.5M, block 1051 mints the halved alpha.
        assert_eq!(x["block"], 1051, "{summary}");
    }
    assert!(summary.contains("alpha halving 1: block"), "{summary}");
}

/// A bad demand is refused with the key and the rule.
#[test]
fn a_bad_registration_demand_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("scenarios/halving-2025.toml"))
        .unwrap()
        .replace("burn_at_target_max = 2.5", "burn_at_target_max = 0.001");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let o = taosim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "registration_demand[0].burn_at_target_max = 0.001 TAO: must not be below burn_at_target_min = 0.01 TAO"
        ),
        "{}",
        stderr(&o)
    );
}
