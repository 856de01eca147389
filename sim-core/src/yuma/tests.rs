//! Differential test: `Yuma::run` (the dense path wherever it applies) against the sparse path,
//! which follows the chain line by line and matched every golden epoch before the dense path
//! existed. The sparse path stays in the crate (not only here) because it also runs the epochs
//! the dense path declines; keeping it as the oracle means every change to the fast path is
//! checked against the unchanged first port, not against itself.
//!
//! Thousands of seeded random epochs: sizes from 1 to 300 uids, dense and sparse weights, stakes
//! of every magnitude with and without root stake, thresholds, short and empty permit vectors,
//! owners, registrations before and after the last update and the last step, commit-reveal,
//! Yuma and Yuma3, liquid alpha on and off with every parameter range, and bonds carried from
//! one epoch into the next as the chain stores them. Every output field must be equal.

use super::run::Path;
use super::sparse::Sparse;
use super::{EpochInput, EpochOutput, Yuma};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One of the expressions, chosen uniformly; only the chosen one is evaluated.
macro_rules! pick {
    ($rng:expr; $($e:expr),+ $(,)?) => {{
        let count = [$(pick!(@unit $e)),+].len();
        let mut k = $rng.gen_range(0..count);
        let mut chosen = None;
        $(
            if k == 0 && chosen.is_none() {
                chosen = Some($e);
            }
            k = k.wrapping_sub(1);
        )+
        let _ = k;
        chosen.expect("one expression is chosen")
    }};
    (@unit $e:expr) => {
        ()
    };
}

/// One weight or bond row over `n` uids: dense or sparse, sorted, sometimes with entries the
/// dense path must decline or ignore (unsorted, explicit zeros, uids beyond n) when `messy`.
fn random_row(rng: &mut ChaCha8Rng, n: usize, own: usize, messy: bool) -> Vec<(u16, u16)> {
    let density = pick!(rng; 1.0, 1.0, 0.9, 0.5, 0.1, 0.02);
    let small = rng.gen_bool(0.2);
    let mut row: Vec<(u16, u16)> = Vec::new();
    for j in 0..n {
        if rng.gen_bool(density) {
            let w = if small {
                rng.gen_range(1..=20)
            } else {
                rng.gen_range(1..=u16::MAX)
            };
            row.push((j as u16, w));
        }
    }
    if rng.gen_bool(0.15) {
        // Explicit zero weights, as the chain stores them from `set_weights`.
        for entry in row.iter_mut() {
            if rng.gen_bool(0.2) {
                entry.1 = 0;
            }
        }
    }
    if rng.gen_bool(0.1) {
        // A validator that weights itself (masked unless it is the owner).
        if !row.iter().any(|(j, _)| *j as usize == own) && own < n {
            row.push((own as u16, rng.gen_range(1..=u16::MAX)));
            row.sort_unstable();
        }
    }
    if messy {
        match rng.gen_range(0..6) {
            0 if row.len() > 1 => {
                let a = rng.gen_range(0..row.len());
                let b = rng.gen_range(0..row.len());
                row.swap(a, b);
            }
            1 if !row.is_empty() => {
                let a = rng.gen_range(0..row.len());
                row[a].1 = 0;
            }
            2 => row.push((n as u16 + rng.gen_range(0..3), rng.gen_range(1..=u16::MAX))),
            3 if !row.is_empty() => {
                let a = rng.gen_range(0..row.len());
                row.push(row[a]);
            }
            _ => {}
        }
    }
    row
}

/// A random subnet (the first epoch of a sequence).
fn random_subnet(rng: &mut ChaCha8Rng) -> EpochInput {
    let n = match rng.gen_range(0..10) {
        0 => rng.gen_range(1..=4),
        1..=5 => rng.gen_range(5..=40),
        6..=8 => rng.gen_range(41..=128),
        _ => rng.gen_range(129..=300),
    };
    let validators = rng.gen_range(0..=n.min(80));
    let current_block = rng.gen_range(10_000u64..5_000_000);
    let tempo = pick!(rng; 360u16, 360, 99, 10, 1, 1000);
    let messy = rng.gen_bool(0.15);
    let mut last_update: Vec<u64> = (0..n)
        .map(|_| match rng.gen_range(0..10) {
            0 => 0,
            1 => current_block.saturating_sub(rng.gen_range(0..20_000)),
            _ => current_block.saturating_sub(rng.gen_range(0..400)),
        })
        .collect();
    if rng.gen_bool(0.05) {
        last_update.truncate(rng.gen_range(0..=n));
    }
    let block_at_registration = (0..n)
        .map(|_| match rng.gen_range(0..10) {
            0 => current_block.saturating_sub(rng.gen_range(0..800)),
            1 => current_block + 5,
            _ => rng.gen_range(0..current_block / 2),
        })
        .collect();
    let big = rng.gen_bool(0.1);
    let alpha_stake = (0..n)
        .map(|i| {
            if i < validators {
                if big {
                    rng.gen_range(0..u64::MAX / 4)
                } else {
                    rng.gen_range(0..2_000_000_000_000_000)
                }
            } else {
                match rng.gen_range(0..4) {
                    0 => 0,
                    1 => rng.gen_range(0..1_000_000_000),
                    _ => rng.gen_range(0..100_000_000_000),
                }
            }
        })
        .collect();
    let with_root = rng.gen_bool(0.3);
    let tao_stake = (0..n)
        .map(|_| {
            if with_root && rng.gen_bool(0.5) {
                rng.gen_range(0..500_000_000_000_000)
            } else {
                0
            }
        })
        .collect();
    let mut validator_permit: Vec<bool> = (0..n)
        .map(|i| {
            if rng.gen_bool(0.9) {
                i < validators
            } else {
                rng.gen_bool(0.5)
            }
        })
        .collect();
    match rng.gen_range(0..20) {
        0 => validator_permit.clear(),
        1 => validator_permit.truncate(rng.gen_range(0..=n)),
        _ => {}
    }
    let owner_uid = if rng.gen_bool(0.3) {
        Some(rng.gen_range(0..n) as u16)
    } else {
        None
    };
    let writers: Vec<usize> = (0..n)
        .filter(|&i| {
            if i < validators {
                rng.gen_bool(0.9)
            } else {
                rng.gen_bool(0.03)
            }
        })
        .collect();
    let mut weights: Vec<(u16, Vec<(u16, u16)>)> = writers
        .iter()
        .map(|&i| (i as u16, random_row(rng, n, i, messy)))
        .collect();
    if rng.gen_bool(0.3) {
        // Storage order is by uid on chain, but nothing here relies on it.
        let len = weights.len();
        if len > 1 {
            weights.swap(0, len - 1);
        }
    }
    let mut bonds = vec![];
    if rng.gen_bool(0.5) {
        for i in 0..n {
            if i < validators || rng.gen_bool(0.05) {
                let messy_row = messy && rng.gen_bool(0.3);
                bonds.push((i as u16, random_row(rng, n, n, messy_row)));
            }
        }
    }
    let commit_reveal_enabled = rng.gen_bool(0.2);
    let earliest_active_commit_block = if commit_reveal_enabled {
        (0..rng.gen_range(0..=n))
            .map(|_| {
                if rng.gen_bool(0.5) {
                    Some(current_block.saturating_sub(rng.gen_range(0..3_000_000)))
                } else {
                    None
                }
            })
            .collect()
    } else {
        vec![]
    };
    let (alpha_low, alpha_high) = match rng.gen_range(0..4) {
        0 => (rng.gen(), rng.gen()),
        1 => (0, u16::MAX),
        _ => (45_875, 58_982),
    };
    EpochInput {
        n: n as u16,
        current_block,
        tempo,
        activity_cutoff_factor_milli: pick!(rng; 13_889, 13_889, 1_000, 100_000, 0),
        last_update,
        block_at_registration,
        alpha_stake,
        tao_stake,
        tao_weight: pick!(rng; 0, 3_320_413_933_267_719_290, u64::MAX, rng.gen()),
        stake_threshold: pick!(rng; 0, 0, 1_000_000_000, rng.gen_range(0..100_000_000_000_000)),
        validator_permit,
        max_allowed_validators: pick!(rng; 64, 64, 1, 0, n as u16, rng.gen_range(0..300)),
        owner_uid,
        weights,
        bonds,
        commit_reveal_enabled,
        earliest_active_commit_block,
        kappa: pick!(rng; 32_767, 32_767, 0, u16::MAX, rng.gen()),
        bonds_penalty: pick!(rng; u16::MAX, u16::MAX, 0, rng.gen()),
        bonds_moving_average: pick!(rng;
            900_000,
            900_000,
            0,
            1_000_000,
            2_000_000,
            rng.gen_range(0..=1_000_000),
        ),
        yuma3: rng.gen_bool(0.6),
        liquid_alpha: rng.gen_bool(0.5),
        alpha_low,
        alpha_high,
        alpha_sigmoid_steepness: pick!(rng; 1_000, 1_000, 10, -500, i16::MAX, i16::MIN, rng.gen()),
        last_mechanism_step_block: if rng.gen_bool(0.2) {
            0
        } else {
            current_block.saturating_sub(u64::from(tempo) + 1)
        },
        rao_emission: pick!(rng; 148_000_000_000_000, 1_000_000_000, rng.gen()),
    }
}

/// The next epoch of a sequence: the chain's stored results carried over, some weights reset.
fn next_epoch(rng: &mut ChaCha8Rng, input: &mut EpochInput, out: &EpochOutput) {
    let n = input.n as usize;
    input.last_mechanism_step_block = input.current_block;
    input.current_block += u64::from(input.tempo) + 1;
    input.bonds = out
        .bonds
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty())
        .map(|(i, r)| (i as u16, r.clone()))
        .collect();
    input.validator_permit = out.new_validator_permit.clone();
    for (i, row) in input.weights.iter_mut() {
        if rng.gen_bool(0.3) {
            *row = random_row(rng, n, *i as usize, false);
            if let Some(u) = input.last_update.get_mut(*i as usize) {
                *u = input.current_block - 1;
            }
        }
    }
    if rng.gen_bool(0.3) && n > 0 {
        // A uid re-registers: its registration block moves past everyone's last update.
        let j = rng.gen_range(0..n);
        input.block_at_registration[j] = input.current_block - 1;
    }
    for s in input.alpha_stake.iter_mut() {
        if rng.gen_bool(0.2) {
            *s = s.saturating_add(rng.gen_range(0..10_000_000_000));
        }
    }
}

fn first_difference(a: &EpochOutput, b: &EpochOutput) -> String {
    let a = serde_json::to_value(a).unwrap();
    let b = serde_json::to_value(b).unwrap();
    for (key, va) in a.as_object().unwrap() {
        if *va != b[key] {
            return format!("{key}: fast {va} / oracle {}", b[key]);
        }
    }
    "no field differs".into()
}

/// Runs `sequences` random sequences from `seed`; returns how many epochs took the dense path.
fn compare(seed: u64, sequences: usize) -> (usize, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fast = Yuma::default();
    // The dense path's baseline build (what a processor without AVX2 + BMI2 runs): the same
    // bits as the oracle too.
    let mut portable = Yuma::default();
    portable.set_portable(true);
    let mut oracle = Sparse::default();
    let (mut out_fast, mut out_oracle) = (EpochOutput::default(), EpochOutput::default());
    let mut out_portable = EpochOutput::default();
    let (mut epochs, mut dense) = (0, 0);
    for s in 0..sequences {
        let mut input = random_subnet(&mut rng);
        let length = rng.gen_range(1..=4);
        for e in 0..length {
            fast.run(&input, &mut out_fast);
            portable.run(&input, &mut out_portable);
            oracle.run(&input, &mut out_oracle);
            for (build, out) in [("fast", &out_fast), ("portable", &out_portable)] {
                if *out != out_oracle {
                    panic!(
                        "seed {seed}, sequence {s}, epoch {e} (n {}, yuma3 {}, liquid {}), \
                         {build} build: {}",
                        input.n,
                        input.yuma3,
                        input.liquid_alpha,
                        first_difference(out, &out_oracle)
                    );
                }
            }
            epochs += 1;
            if fast.last_path() == Path::Dense {
                dense += 1;
            }
            next_epoch(&mut rng, &mut input, &out_oracle);
        }
    }
    (epochs, dense)
}

#[test]
fn dense_path_matches_the_sparse_oracle_on_random_epochs() {
    let (epochs, dense) = compare(0x007a_051a, 2_000);
    eprintln!("{epochs} epochs, {dense} on the dense path");
    assert!(epochs > 4_000);
    assert!(
        dense * 10 >= epochs * 8,
        "{dense} of {epochs} on the dense path"
    );
}

/// The benchmark's shape (64 validators x 256 uids, all dense, every variant), several epochs.
#[test]
fn dense_path_matches_the_sparse_oracle_at_benchmark_size() {
    let mut rng = ChaCha8Rng::seed_from_u64(256);
    for yuma3 in [true, false] {
        for liquid in [false, true] {
            let weights = |rng: &mut ChaCha8Rng, i: usize, j: usize| {
                (j != i).then(|| rng.gen_range(1..=u16::MAX))
            };
            check_benchmark_shape(&mut rng, yuma3, liquid, weights);
        }
    }
}

/// The same shape with the weights honest validators set in the network: every validator
/// measures each miner (uids 64..) near the same value, so each column's values are narrow
/// (from equal to a few thousand apart), sometimes across a power of two, sometimes with a
/// zero among them; the consensus buckets follow each column's range.
#[test]
fn dense_path_matches_the_sparse_oracle_on_measured_weights() {
    let mut rng = ChaCha8Rng::seed_from_u64(257);
    for yuma3 in [true, false] {
        for liquid in [false, true] {
            for spread in [0u16, 1, 3, 40, 700, 5_000] {
                let centre: Vec<u16> = (0..256).map(|_| rng.gen_range(6_000..=59_000)).collect();
                let weights = |rng: &mut ChaCha8Rng, _: usize, j: usize| {
                    (j >= 64).then(|| {
                        if rng.gen_bool(0.01) {
                            0
                        } else {
                            centre[j] - spread + rng.gen_range(0..=2 * spread)
                        }
                    })
                };
                check_benchmark_shape(&mut rng, yuma3, liquid, weights);
            }
        }
    }
}

/// 64 staked validators of 256 uids with the weights `weight(rng, validator, uid)` (`None`:
/// no entry), four epochs in sequence: the dense path (both builds) equals the sparse oracle
/// and is the path taken.
fn check_benchmark_shape(
    rng: &mut ChaCha8Rng,
    yuma3: bool,
    liquid: bool,
    mut weight: impl FnMut(&mut ChaCha8Rng, usize, usize) -> Option<u16>,
) {
    let mut input = random_subnet(rng);
    let n = 256;
    input.n = n as u16;
    input.yuma3 = yuma3;
    input.liquid_alpha = liquid;
    input.last_update = vec![input.current_block - 10; n];
    input.block_at_registration = vec![1_000; n];
    input.alpha_stake = (0..n)
        .map(|i| if i < 64 { rng.gen_range(1..1 << 50) } else { 0 })
        .collect();
    input.tao_stake = vec![0; n];
    input.validator_permit = (0..n).map(|i| i < 64).collect();
    input.max_allowed_validators = 64;
    input.owner_uid = None;
    input.commit_reveal_enabled = false;
    input.earliest_active_commit_block = vec![];
    input.weights = (0..64)
        .map(|i| {
            let row = (0..n)
                .filter_map(|j| weight(rng, i, j).map(|w| (j as u16, w)))
                .collect();
            (i as u16, row)
        })
        .collect();
    input.bonds = vec![];
    let mut fast = Yuma::default();
    let mut portable = Yuma::default();
    portable.set_portable(true);
    let mut oracle = Sparse::default();
    let (mut a, mut b) = (EpochOutput::default(), EpochOutput::default());
    let mut c = EpochOutput::default();
    for e in 0..4 {
        fast.run(&input, &mut a);
        portable.run(&input, &mut c);
        oracle.run(&input, &mut b);
        assert!(
            a == b,
            "yuma3 {yuma3}, liquid {liquid}, epoch {e}: {}",
            first_difference(&a, &b)
        );
        assert!(
            c == b,
            "yuma3 {yuma3}, liquid {liquid}, epoch {e}, portable build: {}",
            first_difference(&c, &b)
        );
        assert_eq!(fast.last_path(), Path::Dense);
        next_epoch(rng, &mut input, &b);
    }
}

/// The golden epochs (computed by the chain's arithmetic; `tests/golden_yuma.rs` checks the
/// results) mostly take the dense path: the parity test there is a test of the dense path, not
/// only of the fallback. Counted here, where the path is visible.
#[test]
fn golden_epochs_mostly_take_the_dense_path() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/yuma");
    let read = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let mut inputs: Vec<EpochInput> = vec![];
    for case in read(&dir.join("tiny.json"))["cases"].as_array().unwrap() {
        inputs.push(serde_json::from_value(case["input"].clone()).unwrap());
    }
    for seq in read(&dir.join("sequences.json"))["sequences"]
        .as_array()
        .unwrap()
    {
        for e in seq["epochs"].as_array().unwrap() {
            inputs.push(serde_json::from_value(e["input"].clone()).unwrap());
        }
    }
    for f in std::fs::read_dir(dir.join("random")).unwrap() {
        let case = read(&f.unwrap().path());
        inputs.push(serde_json::from_value(case["input"].clone()).unwrap());
    }
    let mut yuma = Yuma::default();
    let mut portable = Yuma::default();
    portable.set_portable(true);
    let mut oracle = Sparse::default();
    let (mut a, mut b) = (EpochOutput::default(), EpochOutput::default());
    let mut c = EpochOutput::default();
    let mut dense = 0;
    for input in &inputs {
        yuma.run(input, &mut a);
        portable.run(input, &mut c);
        oracle.run(input, &mut b);
        assert!(a == b, "{}", first_difference(&a, &b));
        assert!(c == b, "portable build: {}", first_difference(&c, &b));
        if yuma.last_path() == Path::Dense {
            dense += 1;
        }
    }
    eprintln!(
        "{dense} of {} golden epochs on the dense path",
        inputs.len()
    );
    assert!(
        dense * 10 >= inputs.len() * 8,
        "{dense} of {}",
        inputs.len()
    );
}

/// Liquid alpha at penalty 0 and 1 with explicit zero weights over carried bonds: the one place
/// where an entry's presence (not its value) changes the result. The dense path must keep the
/// decayed bond of an explicit zero and drop the bond of an absent weight.
#[test]
fn explicit_zero_weights_keep_their_decayed_bonds_under_liquid_alpha() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut exercised = 0;
    for penalty in [0, u16::MAX] {
        for round in 0..20 {
            let mut input = random_subnet(&mut rng);
            let n = 32;
            input.n = n as u16;
            input.yuma3 = true;
            input.liquid_alpha = true;
            input.bonds_penalty = penalty;
            input.commit_reveal_enabled = false;
            input.earliest_active_commit_block = vec![];
            input.last_update = vec![input.current_block - 1; n];
            input.block_at_registration = vec![10; n];
            input.alpha_stake = (0..n).map(|_| rng.gen_range(1..1 << 40)).collect();
            input.tao_stake = vec![0; n];
            input.validator_permit = vec![true; n];
            input.max_allowed_validators = n as u16;
            input.owner_uid = None;
            let full = |rng: &mut ChaCha8Rng| -> Vec<(u16, Vec<(u16, u16)>)> {
                (0..n)
                    .map(|i| {
                        let row = (0..n)
                            .filter(|j| *j != i)
                            .map(|j| (j as u16, rng.gen_range(1..=u16::MAX)))
                            .collect();
                        (i as u16, row)
                    })
                    .collect()
            };
            input.bonds = full(&mut rng);
            input.weights = full(&mut rng);
            // Zero a third of the weights (explicitly) and drop a few entries (absent).
            for (_, row) in input.weights.iter_mut() {
                for entry in row.iter_mut() {
                    if rng.gen_bool(0.33) {
                        entry.1 = 0;
                    }
                }
                row.retain(|_| !rng.gen_bool(0.1));
            }
            let mut fast = Yuma::default();
            let mut oracle = Sparse::default();
            let (mut a, mut b) = (EpochOutput::default(), EpochOutput::default());
            fast.run(&input, &mut a);
            oracle.run(&input, &mut b);
            assert!(
                a == b,
                "penalty {penalty}, round {round}: {}",
                first_difference(&a, &b)
            );
            assert_eq!(fast.last_path(), Path::Dense);
            for (i, row) in input.weights.iter() {
                for (j, w) in row {
                    if *w == 0 && a.bonds[*i as usize].iter().any(|(k, _)| k == j) {
                        exercised += 1;
                    }
                }
            }
        }
    }
    assert!(
        exercised > 100,
        "{exercised} decayed bonds kept at explicit zeros"
    );
}

/// An empty subnet, and one whose stored rows all point beyond n.
#[test]
fn empty_subnets_match() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for n in [0usize, 1, 2] {
        for yuma3 in [false, true] {
            for liquid in [false, true] {
                let mut input = random_subnet(&mut rng);
                input.n = n as u16;
                input.yuma3 = yuma3;
                input.liquid_alpha = liquid;
                input.last_update.truncate(n);
                input.block_at_registration.resize(n, 0);
                input.alpha_stake.resize(n, 1_000);
                input.tao_stake.resize(n, 0);
                input.validator_permit.truncate(n);
                input.earliest_active_commit_block.truncate(n);
                input.owner_uid = None;
                input.weights = vec![(0, vec![(n as u16, 5), (n as u16 + 1, 7)])];
                input.bonds = vec![(0, vec![(n as u16, 9)])];
                let mut fast = Yuma::default();
                let mut oracle = Sparse::default();
                let (mut a, mut b) = (EpochOutput::default(), EpochOutput::default());
                fast.run(&input, &mut a);
                oracle.run(&input, &mut b);
                assert!(a == b, "n {n}: {}", first_difference(&a, &b));
            }
        }
    }
}
