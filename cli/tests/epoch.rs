//! `taosim epoch`: one epoch reproduces a golden case; many epochs write the table and charts;
//! malformed input is rejected naming the field.

mod common;

use common::{repo, stderr, taosim};

#[test]
fn one_epoch_reproduces_a_golden_case() {
    let case = repo("sim-core/tests/golden/yuma/random/yuma_0049.json");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.json");
    let o = taosim(&[
        "epoch",
        "--input",
        case.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    for key in [
        "incentive_u16",
        "dividends_u16",
        "consensus_u16",
        "server_emission",
        "validator_emission",
        "bonds",
    ] {
        assert_eq!(got[key], want["output"][key], "{key}");
    }
    // Without --output the JSON goes to stdout.
    let o = taosim(&["epoch", "--input", case.to_str().unwrap()]);
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed, got);
}

/// Files of many cases: `--case` picks one (a case by id, or an epoch of a sequence) and
/// reproduces its output; without it, or with an unknown id, the error lists the ids.
#[test]
fn case_picks_one_of_many() {
    let run = |file: &str, case: Option<&str>| {
        let path = repo(file);
        let mut args = vec!["epoch", "--input", path.to_str().unwrap()];
        if let Some(c) = case {
            args.extend(["--case", c]);
        }
        taosim(&args)
    };
    let file = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(repo(f)).unwrap()).unwrap()
    };
    let tiny = file("sim-core/tests/golden/yuma/tiny.json");
    let sequences = file("sim-core/tests/golden/yuma/sequences.json");
    let expected = [
        (
            "sim-core/tests/golden/yuma/tiny.json",
            "tiny_06_two_validators_disagree",
            tiny["cases"][5]["output"].clone(),
        ),
        (
            "sim-core/tests/golden/yuma/sequences.json",
            "seq_03:4",
            sequences["sequences"][2]["epochs"][4]["output"].clone(),
        ),
        (
            "sim-core/tests/golden/yuma/sequences.json",
            "seq_03",
            sequences["sequences"][2]["epochs"][0]["output"].clone(),
        ),
    ];
    for (f, case, want) in expected {
        let o = run(f, Some(case));
        assert!(o.status.success(), "{case}: {}", stderr(&o));
        let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for key in ["incentive_u16", "dividends_u16", "server_emission", "bonds"] {
            assert_eq!(got[key], want[key], "{case}: {key}");
        }
    }
    for (f, case, says) in [
        (
            "sim-core/tests/golden/yuma/tiny.json",
            None,
            "holds 20 cases: pick one with --case ID",
        ),
        (
            "sim-core/tests/golden/yuma/tiny.json",
            Some("tiny_99"),
            "no case with this id",
        ),
        (
            "sim-core/tests/golden/yuma/sequences.json",
            None,
            "--case ID:K (ids: seq_01, seq_02",
        ),
        (
            "sim-core/tests/golden/yuma/sequences.json",
            Some("seq_01:99"),
            "sequence seq_01 has epochs 0 to",
        ),
        (
            "sim-core/tests/golden/yuma/sequences.json",
            Some("seq_01:x"),
            "K must be an epoch index",
        ),
        (
            "sim-core/tests/golden/yuma/random/yuma_0049.json",
            Some("a"),
            "holds one case",
        ),
    ] {
        let o = run(f, case);
        assert_eq!(o.status.code(), Some(2), "{case:?}");
        assert!(stderr(&o).contains(says), "{case:?}: {}", stderr(&o));
    }
}

#[test]
fn many_epochs_write_a_table_and_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cabal");
    let input = repo("scenarios/epochs/cabal.json");
    let o = taosim(&[
        "epoch",
        "--input",
        input.to_str().unwrap(),
        "--epochs",
        "12",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 12 * 12, "a row per epoch and uid");
    for f in [
        "epochs.parquet",
        "incentive_dividends.png",
        "incentive_dividends.svg",
    ] {
        assert!(
            std::fs::metadata(out.join(f)).map(|m| m.len()).unwrap_or(0) > 1_000,
            "{f}"
        );
    }
    // The cabal (uid 3, 40 % of stake) is clipped before its stake purchase at epoch 8 and wins after.
    let dividends = |epoch: u32, uid: u32| csv_value(&csv, epoch, uid, "dividends");
    assert!(
        dividends(7, 3) < 0.1,
        "clipped cabal earns little: {}",
        dividends(7, 3)
    );
    assert!(
        dividends(11, 3) > 0.5,
        "majority cabal dominates: {}",
        dividends(11, 3)
    );
}

#[test]
fn a_weight_copier_submits_last_consensus_and_lags_when_views_change() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("copy");
    let input = repo("scenarios/epochs/weight-copying.json");
    let o = taosim(&[
        "epoch",
        "--input",
        input.to_str().unwrap(),
        "--epochs",
        "8",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    let trust = |epoch: u32, uid: u32| csv_value(&csv, epoch, uid, "validator_trust");
    // Copying consensus means nothing of its weights is clipped once consensus is stable...
    assert!(trust(2, 5) > 0.98, "copier trust {}", trust(2, 5));
    assert!((0..5).all(|v| trust(2, v) < trust(2, 5)));
    // ...and it lags the epoch the honest validators re-evaluate (epoch 6 in the script).
    assert!(
        trust(6, 5) < trust(5, 5) - 0.1,
        "{} vs {}",
        trust(6, 5),
        trust(5, 5)
    );
}

/// One column of the per-epoch CSV for one epoch and uid.
fn csv_value(csv: &str, epoch: u32, uid: u32, column: &str) -> f64 {
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    let line = csv
        .lines()
        .find(|l| {
            l.starts_with(&format!("{epoch},")) && l.split(',').nth(2) == Some(&uid.to_string())
        })
        .unwrap_or_else(|| panic!("no row for epoch {epoch} uid {uid}"));
    line.split(',').nth(col).unwrap().parse().unwrap()
}

fn rejected(body: &str, expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("case.json");
    std::fs::write(&f, body).unwrap();
    let o = taosim(&["epoch", "--input", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(expected),
        "expected {expected:?} in {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("case.json"), "names the file");
}

#[test]
fn malformed_input_is_rejected_naming_the_field() {
    let case = std::fs::read_to_string(repo("sim-core/tests/golden/yuma/tiny.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&case).unwrap();
    let input = doc["cases"][5]["input"].clone();
    let n = input["n"].as_u64().unwrap() as usize;

    let mut missing = input.clone();
    missing.as_object_mut().unwrap().remove("kappa");
    rejected(&missing.to_string(), "missing field `kappa`");

    let mut short = input.clone();
    short["alpha_stake"] = serde_json::json!(vec![1u64; n + 1]);
    rejected(
        &short.to_string(),
        &format!("alpha_stake: length {}, must be n = {n}", n + 1),
    );

    let mut out_of_range = input.clone();
    out_of_range["weights"] = serde_json::json!([[n + 5, [[0, 65535]]]]);
    rejected(
        &out_of_range.to_string(),
        &format!("weights: uid {} is out of range", n + 5),
    );

    let mut too_big = input.clone();
    too_big["weights"] = serde_json::json!([[0, [[0, 70000]]]]);
    rejected(
        &too_big.to_string(),
        "input.weights[0][1][0][1]: invalid value: integer `70000`, expected u16",
    );

    rejected("[1, 2]", "expected a JSON object");
}
