//! The pre-dTAO split of the block's TAO across subnets by the root network (spec section 9,
//! 2024): root validators weight the subnets, and a stake-weighted, consensus-damped rank of each
//! subnet sets its share of the block emission (`EmissionValues`).
//!
//! Mirrors `coinbase/root.rs::root_epoch` as of late 2024 (`0ae49dfca`): stakes normalised, weight
//! rows normalised, ranks = Σ_i stake_i·w_ij, trust = the stake of validators giving subnet j any
//! weight, consensus = 1 / (1 + exp(-ρ·(trust − κ))), emission ∝ consensus·rank, all in I64F64.
//! No golden vectors cover it: the unit tests check hand-computed cases.

use crate::units::NetUid;
use substrate_fixed::transcendental::exp;
use substrate_fixed::types::{I32F32, I64F64};

/// Root's `Kappa` and `Rho` defaults (u16 / 65535 and a plain integer).
pub const ROOT_KAPPA: u16 = 32_767;
pub const ROOT_RHO: u16 = 10;

fn normalize(x: &mut [I64F64]) {
    let sum = x
        .iter()
        .fold(I64F64::from_num(0), |a, v| a.saturating_add(*v));
    if sum == I64F64::from_num(0) {
        return;
    }
    for v in x.iter_mut() {
        *v = v.saturating_div(sum);
    }
}

/// Emission per subnet of `netuids` (root included when listed; in netuid order) for one block of
/// `block_emission` rao. `stakes[i]` and `weights[i]` are root validator i's total stake and its
/// weight row `[(netuid, weight)]`. All zeros when no validator has stake.
pub fn root_epoch(
    stakes: &[u64],
    weights: &[Vec<(u16, u16)>],
    netuids: &[NetUid],
    kappa: u16,
    rho: u16,
    block_emission: u64,
) -> Vec<u64> {
    let k = netuids.len();
    let zero = I64F64::from_num(0);
    let mut stake: Vec<I64F64> = stakes
        .iter()
        .map(|s| I64F64::saturating_from_num(*s))
        .collect();
    normalize(&mut stake);
    // Weight matrix n x k, rows normalised.
    let mut matrix: Vec<Vec<I64F64>> = weights
        .iter()
        .map(|row| {
            let mut dense = vec![zero; k];
            for (netuid, w) in row {
                if let Some(j) = netuids.iter().position(|n| n.0 == *netuid) {
                    dense[j] = I64F64::from_num(*w);
                }
            }
            dense
        })
        .collect();
    for row in matrix.iter_mut() {
        let sum = row.iter().fold(zero, |a, v| a.saturating_add(*v));
        if sum > zero {
            for v in row.iter_mut() {
                *v = v.saturating_div(sum);
            }
        }
    }
    let mut ranks = vec![zero; k];
    let mut trust = vec![zero; k];
    let mut total_stake = zero;
    for (row, s) in matrix.iter().zip(&stake) {
        total_stake = total_stake.saturating_add(*s);
        for j in 0..k {
            ranks[j] = ranks[j].saturating_add(s.saturating_mul(row[j]));
            if row[j] > zero {
                trust[j] = trust[j].saturating_add(*s);
            }
        }
    }
    if total_stake == zero {
        return vec![0; k];
    }
    for t in trust.iter_mut() {
        if let Some(q) = t.checked_div(total_stake) {
            *t = q;
        }
    }
    let kappa = I64F64::from_num(
        I32F32::from_num(kappa)
            .checked_div(I32F32::from_num(u16::MAX))
            .unwrap_or(I32F32::from_num(0)),
    );
    let one = I64F64::from_num(1);
    let mut weighted: Vec<I64F64> = trust
        .iter()
        .zip(&ranks)
        .map(|(t, rank)| {
            let shifted = t
                .saturating_sub(kappa)
                .saturating_mul(I64F64::from_num(rho));
            let e: I64F64 = exp(shifted.saturating_neg()).unwrap_or(I64F64::max_value());
            let consensus = one.saturating_div(one.saturating_add(e));
            consensus.saturating_mul(*rank)
        })
        .collect();
    normalize(&mut weighted);
    let emission = I64F64::saturating_from_num(block_emission);
    weighted
        .iter()
        .map(|w| w.saturating_mul(emission).saturating_to_num::<u64>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanimous_weights_split_by_weight() {
        // Two validators agree: 3 : 1 over subnets 1 and 2. Both subnets have full trust, so
        // the consensus factor is the same and shares follow the ranks: 0.75 and 0.25.
        let w = vec![vec![(1, 3), (2, 1)], vec![(1, 30), (2, 10)]];
        let e = root_epoch(
            &[100, 300],
            &w,
            &[NetUid(1), NetUid(2)],
            ROOT_KAPPA,
            ROOT_RHO,
            1_000_000_000,
        );
        assert!((e[0] as i64 - 750_000_000).abs() <= 2, "{e:?}");
        assert!((e[1] as i64 - 250_000_000).abs() <= 2, "{e:?}");
    }

    #[test]
    fn a_subnet_backed_by_little_stake_is_damped_by_consensus() {
        // 90 % of stake weights only subnet 1; 10 % weights only subnet 2. Ranks 0.9 : 0.1, but
        // subnet 2's trust (0.1) is far below κ = 0.5, so its consensus factor
        // 1/(1+e^(10·0.4)) ≈ 0.018 shrinks it further, while subnet 1's is 1/(1+e^(-4)) ≈ 0.982.
        let w = vec![vec![(1, 1)], vec![(2, 1)]];
        let e = root_epoch(
            &[900, 100],
            &w,
            &[NetUid(1), NetUid(2)],
            ROOT_KAPPA,
            ROOT_RHO,
            1_000_000_000,
        );
        let c1 = 1.0 / (1.0 + (-10.0f64 * (0.9 - 0.5)).exp());
        let c2 = 1.0 / (1.0 + (-10.0f64 * (0.1 - 0.5)).exp());
        let s2 = c2 * 0.1 / (c1 * 0.9 + c2 * 0.1);
        assert!((e[1] as f64 / 1e9 - s2).abs() < 1e-6, "{e:?} vs {s2}");
        assert!(e[0] + e[1] <= 1_000_000_000);
    }

    #[test]
    fn no_stake_no_emission() {
        let e = root_epoch(
            &[0, 0],
            &[vec![(1, 1)], vec![]],
            &[NetUid(1)],
            ROOT_KAPPA,
            ROOT_RHO,
            1_000_000_000,
        );
        assert_eq!(e, vec![0]);
    }
}
