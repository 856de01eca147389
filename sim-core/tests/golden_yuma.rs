//! Parity with the chain's Yuma epoch: every case of golden/yuma (tiny, sequences, and all
//! 300 random cases, copied into tests/golden).
//! Compared exactly: every stored u16, every I32F32 bit pattern, stakes, emissions to the rao,
//! bonds rows, activity and permits.

mod common;

use serde_json::Value;
use sim_core::yuma::{EpochInput, EpochOutput, Yuma};
use std::path::Path;

fn check_case(id: &str, case_input: &Value, expected: &Value, yuma: &mut Yuma) {
    let input: EpochInput =
        serde_json::from_value(case_input.clone()).unwrap_or_else(|e| panic!("{id}: input: {e}"));
    input.validate().unwrap_or_else(|e| panic!("{id}: {e}"));
    let mut out = EpochOutput::default();
    yuma.run(&input, &mut out);
    let got = serde_json::to_value(&out).expect("plain data");
    for key in [
        "activity_cutoff",
        "active",
        "new_validator_permit",
        "stake_weight_u16",
        "consensus_u16",
        "incentive_u16",
        "dividends_u16",
        "validator_trust_u16",
        "consensus_bits",
        "incentive_bits",
        "dividends_bits",
        "validator_trust_bits",
        "stake_bits",
        "active_stake_bits",
        "total_stake_i64f64_bits",
        "raw_stake",
        "server_emission",
        "validator_emission",
        "combined_emission",
        "bonds",
    ] {
        assert_eq!(got[key], expected[key], "{id}: {key} differs");
    }
}

#[test]
fn tiny_cases_match() {
    let file = common::golden("yuma/tiny.json");
    let mut yuma = Yuma::default();
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    for case in cases {
        check_case(
            case["id"].as_str().unwrap(),
            &case["input"],
            &case["output"],
            &mut yuma,
        );
    }
}

#[test]
fn sequences_match_epoch_by_epoch() {
    let file = common::golden("yuma/sequences.json");
    let mut yuma = Yuma::default();
    let mut epochs = 0;
    for seq in file["sequences"].as_array().unwrap() {
        for e in seq["epochs"].as_array().unwrap() {
            let id = format!("{} epoch {}", seq["id"].as_str().unwrap(), e["epoch"]);
            check_case(&id, &e["input"], &e["output"], &mut yuma);
            epochs += 1;
        }
    }
    assert_eq!(epochs, 80);
}

fn run_random_dir(dir: &Path) -> usize {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut yuma = Yuma::default();
    for f in &files {
        let case = common::read_json(f);
        let id = format!("{}", f.file_name().unwrap().to_string_lossy());
        check_case(&id, &case["input"], &case["output"], &mut yuma);
    }
    files.len()
}

#[test]
fn all_300_random_cases_match() {
    let n = run_random_dir(&common::golden_dir().join("yuma/random"));
    assert_eq!(
        n, 300,
        "every random case of golden/yuma is copied into the project"
    );
}
