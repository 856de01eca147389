//! One Yuma epoch at 64 validators x 256 UIDs with dense weights and carried bonds.
//! Run: `cargo bench -p sim-core --bench epoch` (release build); prints microseconds per epoch.

use sim_core::yuma::{EpochInput, EpochOutput, Yuma};
use std::time::Instant;

/// `measured`: the weights honest validators set in the network (`bench-full-network`): only
/// the miners (uids 64..) weighted, each near its quality as every validator measures it (a
/// spread of about +-9 % around a quality of 0.1 to 1), so that each column is narrow. Otherwise
/// every other uid weighted at random.
fn subnet(yuma3: bool, liquid_alpha: bool, measured: bool) -> EpochInput {
    let n = 256usize;
    let validators = 64usize;
    // A fixed pseudo-random pattern (an LCG) so that every run measures the same work.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) as u16
    };
    // (Drawn only when measured: the other variants' weights are the same draws as ever.)
    let quality: Vec<u32> = if measured {
        (0..n).map(|_| 6_553 + u32::from(next()) % 58_982).collect()
    } else {
        vec![]
    };
    let weights = (0..validators)
        .map(|i| {
            let row = if measured {
                (validators..n)
                    .map(|j| {
                        let noise = u64::from(next()) % 11_797; // 0.18 x 65,535
                        let w = u64::from(quality[j]) * (65_535 - 5_898 + noise) / 65_535;
                        (j as u16, w.clamp(1, 65_535) as u16)
                    })
                    .collect()
            } else {
                (0..n)
                    .filter(|j| *j != i)
                    .map(|j| (j as u16, next() | 1))
                    .collect()
            };
            (i as u16, row)
        })
        .collect();
    EpochInput {
        n: n as u16,
        current_block: 1_000_000,
        tempo: 360,
        activity_cutoff_factor_milli: 13_889,
        last_update: vec![999_990; n],
        block_at_registration: vec![1_000; n],
        alpha_stake: (0..n)
            .map(|i| {
                if i < validators {
                    1_000_000_000_000 + i as u64 * 7_919_000_000
                } else {
                    0
                }
            })
            .collect(),
        tao_stake: vec![0; n],
        tao_weight: 3_320_413_933_267_719_290,
        stake_threshold: 0,
        validator_permit: (0..n).map(|i| i < validators).collect(),
        max_allowed_validators: 64,
        owner_uid: None,
        weights,
        bonds: vec![],
        commit_reveal_enabled: false,
        earliest_active_commit_block: vec![],
        kappa: 32_767,
        bonds_penalty: 65_535,
        bonds_moving_average: 900_000,
        yuma3,
        liquid_alpha,
        alpha_low: 45_875,
        alpha_high: 58_982,
        alpha_sigmoid_steepness: 1_000,
        last_mechanism_step_block: 999_640,
        rao_emission: 148_000_000_000_000,
    }
}

/// Rewrites `input.bonds` from the epoch's output bonds, reusing the rows' allocations (the
/// simulator feeds each epoch's output back as the next epoch's input).
fn feed_back(input: &mut EpochInput, out: &EpochOutput) {
    let mut k = 0;
    for (i, r) in out.bonds.iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        if k == input.bonds.len() {
            input.bonds.push((i as u16, Vec::new()));
        }
        let row = &mut input.bonds[k];
        row.0 = i as u16;
        row.1.clear();
        row.1.extend_from_slice(r);
        k += 1;
    }
    input.bonds.truncate(k);
}

fn bench(name: &str, yuma3: bool, liquid_alpha: bool, fed_back: bool, measured: bool) {
    // `cargo bench -p sim-core --bench epoch -- liquid` runs only the variants whose name
    // contains the word; `-- =yuma3` only the one with exactly that name.
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        let wanted = match filter.strip_prefix('=') {
            Some(exact) => name == exact,
            None => name.contains(&filter),
        };
        if !wanted {
            return;
        }
    }
    let mut input = subnet(yuma3, liquid_alpha, measured);
    let mut yuma = Yuma::default();
    let mut out = EpochOutput::default();
    // One epoch to produce bonds, carried into the measured epochs as the chain would.
    yuma.run(&input, &mut out);
    input.bonds = out
        .bonds
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_empty())
        .map(|(i, r)| (i as u16, r.clone()))
        .collect();
    for _ in 0..20 {
        yuma.run(&input, &mut out);
        if fed_back {
            feed_back(&mut input, &out);
        }
    }
    // 300 measured epochs in 10 batches of 30: the median batch is the figure, the best batch
    // shows the cost without interference (other processes on this two-core machine).
    let mut batches: Vec<f64> = (0..10)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..30 {
                yuma.run(std::hint::black_box(&input), &mut out);
                if fed_back {
                    feed_back(&mut input, &out);
                }
            }
            start.elapsed().as_secs_f64() * 1e6 / 30.0
        })
        .collect();
    batches.sort_by(f64::total_cmp);
    let (median, best) = (batches[5], batches[0]);
    println!(
        "{name:<30} {median:>10.1} us per epoch (median batch; best {best:.1}) \
         (64 validators x 256 uids, dense weights)"
    );
}

fn main() {
    bench("yuma3", true, false, false, false);
    bench("yuma3 + liquid alpha", true, true, false, false);
    bench("original yuma", false, false, false, false);
    // Each epoch's output bonds fed back as the next epoch's input (the copy is timed too).
    bench("yuma3 fed back", true, false, true, false);
    bench("yuma3 + liquid alpha fed back", true, true, true, false);
    // The network's narrow columns (see `subnet`), bonds fed back.
    bench("yuma3 measured", true, false, true, true);
}
