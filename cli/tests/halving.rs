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

/// The second halving scenario, a few days of it: the current rules from the 2026 state.
#[test]
fn second_halving_books_balance() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _summary) = run("scenarios/second-halving.toml", 20_000, dir.path());
    books_balance(&h);
    assert_eq!(
        h["start_total_issuance"].as_u64().unwrap(),
        11_180_113_340_000_000
    );
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
