//! Properties of the Yuma epoch over random subnets: normalisation, consensus bounds, and
//! invariance under relabelling of UIDs.

use proptest::prelude::*;
use sim_core::yuma::{EpochInput, EpochOutput, Yuma};

const ONE_BITS: i64 = 1 << 32;

/// A random subnet with no masks in play: every validator holds a permit, is active, set its
/// weights after every registration and gives itself no weight; stakes are distinct.
fn subnet() -> impl Strategy<Value = EpochInput> {
    (
        2usize..20,
        1usize..8,
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_flat_map(|(n, v, yuma3, liquid, seed)| {
            let validators = v.min(n);
            (
                proptest::collection::vec(1u64..1_000_000, validators),
                proptest::collection::vec(proptest::collection::vec(0u16..=65535, n), validators),
                proptest::collection::vec(proptest::collection::vec(0u16..=65535, n), validators),
            )
                .prop_map(move |(stakes, weights, bonds)| {
                    let mut alpha_stake = vec![0u64; n];
                    for (i, s) in stakes.iter().enumerate() {
                        // Distinct stakes: no tie at the permit cut.
                        alpha_stake[i] = s * 1_000_000_000 + i as u64 + (seed % 7);
                    }
                    let rows =
                        |m: &Vec<Vec<u16>>, drop_self: bool| -> Vec<(u16, Vec<(u16, u16)>)> {
                            m.iter()
                                .enumerate()
                                .map(|(i, row)| {
                                    let r: Vec<(u16, u16)> = row
                                        .iter()
                                        .enumerate()
                                        .filter(|(j, _)| !(drop_self && *j == i))
                                        .map(|(j, w)| (j as u16, *w))
                                        .collect();
                                    (i as u16, r)
                                })
                                .collect()
                        };
                    EpochInput {
                        n: n as u16,
                        current_block: 100_000,
                        tempo: 360,
                        activity_cutoff_factor_milli: 13_889,
                        last_update: vec![99_999; n],
                        block_at_registration: vec![10; n],
                        alpha_stake,
                        tao_stake: vec![0; n],
                        tao_weight: 0,
                        stake_threshold: 0,
                        validator_permit: (0..n).map(|i| i < validators).collect(),
                        max_allowed_validators: 64,
                        owner_uid: None,
                        weights: rows(&weights, true),
                        bonds: rows(&bonds, false),
                        commit_reveal_enabled: false,
                        earliest_active_commit_block: vec![],
                        kappa: 32_767,
                        bonds_penalty: 65_535,
                        bonds_moving_average: 900_000,
                        yuma3,
                        liquid_alpha: liquid,
                        alpha_low: 45_875,
                        alpha_high: 58_982,
                        alpha_sigmoid_steepness: 1_000,
                        last_mechanism_step_block: 99_640,
                        rao_emission: 1_000_000_000_000,
                    }
                })
        })
}

fn run(input: &EpochInput) -> EpochOutput {
    let mut out = EpochOutput::default();
    Yuma::default().run(input, &mut out);
    out
}

/// Sums to one up to the truncation of each of n normalised entries (1 bit each), or is all zero.
fn sums_to_one_or_zero(bits: &[i64]) -> bool {
    let total: i64 = bits.iter().sum();
    total == 0 || (ONE_BITS - total).abs() <= bits.len() as i64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn incentive_and_dividends_are_normalised(input in subnet()) {
        let out = run(&input);
        prop_assert!(sums_to_one_or_zero(&out.incentive_bits), "incentive {:?}", out.incentive_f64);
        prop_assert!(sums_to_one_or_zero(&out.dividends_bits), "dividends {:?}", out.dividends_f64);
    }

    #[test]
    fn consensus_never_exceeds_the_largest_weight_in_its_column(input in subnet()) {
        let out = run(&input);
        let n = input.n as usize;
        let mut col_max = vec![0f64; n];
        for (_, row) in &input.weights {
            let total: f64 = row.iter().map(|(_, w)| f64::from(*w)).sum();
            if total > 0.0 {
                for (j, w) in row {
                    col_max[*j as usize] = col_max[*j as usize].max(f64::from(*w) / total);
                }
            }
        }
        for (j, (consensus, max)) in out.consensus_f64.iter().zip(&col_max).enumerate() {
            prop_assert!(*consensus <= max + 1e-9, "column {j}: {consensus} > {max}");
        }
    }

    #[test]
    fn relabelling_uids_relabels_the_outputs(input in subnet(), rotate in 1usize..19) {
        let n = input.n as usize;
        let map = |u: u16| ((u as usize + rotate) % n) as u16;
        let permute = |v: &Vec<u64>| { let mut o = vec![0; n]; for (i, x) in v.iter().enumerate() { o[map(i as u16) as usize] = *x; } o };
        let relabel_rows = |rows: &Vec<(u16, Vec<(u16, u16)>)>| {
            let mut r: Vec<(u16, Vec<(u16, u16)>)> = rows.iter().map(|(i, row)| {
                let mut row: Vec<(u16, u16)> = row.iter().map(|(j, w)| (map(*j), *w)).collect();
                row.sort();
                (map(*i), row)
            }).collect();
            r.sort();
            r
        };
        let mut moved = input.clone();
        moved.alpha_stake = permute(&input.alpha_stake);
        moved.tao_stake = permute(&input.tao_stake);
        moved.last_update = permute(&input.last_update);
        moved.block_at_registration = permute(&input.block_at_registration);
        let mut permit = vec![false; n];
        for (i, p) in input.validator_permit.iter().enumerate() { permit[map(i as u16) as usize] = *p; }
        moved.validator_permit = permit;
        moved.weights = relabel_rows(&input.weights);
        moved.bonds = relabel_rows(&input.bonds);
        // Liquid alpha walks rows assuming uid order: compare on sorted rows both ways.
        let mut original = input.clone();
        original.weights = input.weights.iter().map(|(i, r)| { let mut r = r.clone(); r.sort(); (*i, r) }).collect();
        original.bonds = input.bonds.iter().map(|(i, r)| { let mut r = r.clone(); r.sort(); (*i, r) }).collect();
        let a = run(&original);
        let b = run(&moved);
        for i in 0..n {
            let k = map(i as u16) as usize;
            prop_assert_eq!(a.incentive_bits[i], b.incentive_bits[k]);
            prop_assert_eq!(a.dividends_bits[i], b.dividends_bits[k]);
            prop_assert_eq!(a.consensus_bits[i], b.consensus_bits[k]);
            prop_assert_eq!(a.validator_trust_bits[i], b.validator_trust_bits[k]);
            prop_assert_eq!(a.server_emission[i], b.server_emission[k]);
            prop_assert_eq!(a.validator_emission[i], b.validator_emission[k]);
            prop_assert_eq!(a.new_validator_permit[i], b.new_validator_permit[k]);
            let mut bonds_a: Vec<(u16, u16)> = a.bonds[i].iter().map(|(j, v)| (map(*j), *v)).collect();
            bonds_a.sort();
            prop_assert_eq!(bonds_a, b.bonds[k].clone());
        }
    }
}
