//! TAO block emission from total issuance (spec section 1.1).
//!
//! Mirrors `coinbase/block_emission.rs::get_block_emission_for_issuance`: the halving count is
//! `floor(log2(1 / (1 - I / 21e15)))`, evaluated in `I96F32` with `substrate_fixed`'s `log2`, and
//! the emission is `1 TAO / 2^k` truncated to rao. The same function gives each subnet's alpha
//! emission from its alpha issuance (spec section 2.5).

use crate::fixed_div::CheckedDivFast;
use crate::units::Tao;
use substrate_fixed::transcendental::log2;
use substrate_fixed::types::I96F32;

/// `TotalSupply`: 21M TAO in rao.
pub const TOTAL_SUPPLY: u64 = 21_000_000 * crate::RAO_PER_TAO;
/// `DefaultBlockEmission`: 1 TAO per block before any halving.
pub const DEFAULT_BLOCK_EMISSION: u64 = crate::RAO_PER_TAO;

/// Why the chain's emission function can fail (it returns `Err` and the block mints nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("logarithm calculation failed")]
pub struct EmissionError;

/// Block emission in rao for a given issuance, exactly as the chain computes it.
///
/// The chain's result depends on the issuance only through the halving count
/// `floor(log2(1 / (1 - I / 21e15)))`. Away from the halving thresholds (where that logarithm is
/// at least 1e-4 from an integer, i.e. more than ~100 TAO of issuance from 10.5M, 15.75M, ...),
/// an `f64` logarithm gives the same count with a margin far beyond the fixed-point and `f64`
/// errors, and the count is turned into the emission by the chain's own arithmetic; near a
/// threshold, and near the supply, the chain's `I96F32` evaluation runs. The differential test
/// below holds the two to the same result.
pub fn block_emission_for_issuance(issuance: u64) -> Result<u64, EmissionError> {
    match halvings_away_from_thresholds(issuance) {
        Some(halvings) => Ok(emission_for_halvings(halvings)),
        None => block_emission_exact(issuance),
    }
}

/// The halving count when it is certain from an `f64` logarithm (see above), else `None`.
fn halvings_away_from_thresholds(issuance: u64) -> Option<u64> {
    // Beyond 99.9 % of the supply the ratio's fixed-point error grows: leave it to the exact path.
    if issuance >= TOTAL_SUPPLY / 1000 * 999 {
        return None;
    }
    let x = issuance as f64 / TOTAL_SUPPLY as f64;
    let l = -(1.0 - x).log2();
    let k = l.floor();
    let frac = l - k;
    (frac > 1e-4 && frac < 1.0 - 1e-4).then_some(k as u64)
}

/// The chain's evaluation in `I96F32`, step by step.
fn block_emission_exact(issuance: u64) -> Result<u64, EmissionError> {
    let one = I96F32::from_num(1);
    let total_issuance = I96F32::saturating_from_num(issuance);
    if total_issuance >= I96F32::saturating_from_num(TOTAL_SUPPLY) {
        return Ok(0);
    }
    // The chain writes the supply as 2 * 10.5e15 in I96F32; both factors are exact.
    let supply = I96F32::from_num(2).saturating_mul(I96F32::from_num(10_500_000_000_000_000u64));
    let fraction = total_issuance
        .checked_div_fast(supply)
        .ok_or(EmissionError)?;
    let remaining = one.checked_sub(fraction).ok_or(EmissionError)?;
    let ratio = one.checked_div_fast(remaining).ok_or(EmissionError)?;
    let residual: I96F32 = log2(ratio).map_err(|_| EmissionError)?;
    let halvings: u64 = residual.floor().saturating_to_num::<u64>();
    Ok(emission_for_halvings(halvings))
}

/// `1 TAO / 2^halvings` as the chain forms it: 2^k by repeated saturating doubling, then
/// 1/2^k (0 once 2^k saturates: safe_div), times the default emission, truncated to rao.
fn emission_for_halvings(halvings: u64) -> u64 {
    let one = I96F32::from_num(1);
    let mut multiplier = one;
    for _ in 0..halvings {
        multiplier = multiplier.saturating_mul(I96F32::from_num(2));
    }
    let percentage = if multiplier == I96F32::from_num(0) {
        I96F32::from_num(0)
    } else {
        one.checked_div_fast(multiplier)
            .unwrap_or(I96F32::from_num(0))
    };
    let emission = percentage.saturating_mul(I96F32::from_num(DEFAULT_BLOCK_EMISSION));
    emission.saturating_to_num::<u64>()
}

/// Halving thresholds `T_k = 21e15 * (1 - 2^-k)` in rao, k = 1..=n (10.5M, 15.75M, ... TAO).
/// Exact for the thresholds a simulation can reach; used for summaries, never for emission.
pub fn halving_threshold(k: u32) -> Tao {
    let k = k.min(63);
    Tao(TOTAL_SUPPLY - (TOTAL_SUPPLY >> k))
}

/// Number of halvings in force at this issuance, read off the emission itself.
pub fn halvings_at(emission: u64) -> u32 {
    if emission == 0 {
        return 32;
    }
    (DEFAULT_BLOCK_EMISSION / emission).ilog2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_at_the_thresholds() {
        let t1 = halving_threshold(1).0;
        assert_eq!(t1, 10_500_000 * crate::RAO_PER_TAO);
        assert_eq!(block_emission_for_issuance(t1 - 1), Ok(1_000_000_000));
        assert_eq!(block_emission_for_issuance(t1), Ok(500_000_000));
        assert_eq!(halving_threshold(2).0, 15_750_000 * crate::RAO_PER_TAO);
        assert_eq!(block_emission_for_issuance(TOTAL_SUPPLY), Ok(0));
        assert_eq!(block_emission_for_issuance(u64::MAX), Ok(0));
        assert_eq!(halvings_at(500_000_000), 1);
        assert_eq!(halvings_at(1_000_000_000), 0);
    }

    #[test]
    fn the_fast_path_agrees_with_the_chains_evaluation() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let check = |i: u64| {
            assert_eq!(
                block_emission_for_issuance(i),
                block_emission_exact(i),
                "issuance {i}"
            )
        };
        for _ in 0..200_000 {
            check(rng.gen_range(0..TOTAL_SUPPLY));
        }
        for _ in 0..20_000 {
            check(rng.gen());
        }
        // Densely around every threshold the runs can reach, where the fast path must step
        // aside: +-2,000 TAO in 1 TAO steps and +-1 TAO rao by rao at the edges of its margin.
        for k in 1..=12u32 {
            let t = halving_threshold(k).0;
            for d in -2_000i64..=2_000 {
                check(t.saturating_add_signed(d * crate::RAO_PER_TAO as i64));
            }
            for d in -5_000i64..=5_000 {
                check(t.saturating_add_signed(d));
            }
        }
        let fast = (0..10_000)
            .filter(|_| halvings_away_from_thresholds(rng.gen_range(0..TOTAL_SUPPLY)).is_some())
            .count();
        assert!(
            fast > 9_900,
            "the fast path answers almost everywhere: {fast}"
        );
    }
}

/// Issuance after `blocks` more blocks with no recycling at all: the counterfactual schedule
/// that reports draw beside a run. Exact: emission changes only at the thresholds (the golden
/// vectors pin every threshold to the rao), so each halving interval is a straight line.
pub fn issuance_without_recycling(start: u64, blocks: u64) -> u64 {
    let mut issuance = start;
    let mut left = blocks;
    while left > 0 {
        let emission = block_emission_for_issuance(issuance).unwrap_or(0);
        if emission == 0 {
            break;
        }
        let k = halvings_at(emission);
        let next = halving_threshold(k + 1).0;
        // Blocks at this rate before issuance reaches the next threshold.
        let to_next = next.saturating_sub(issuance).div_ceil(emission).max(1);
        let step = to_next.min(left);
        issuance = issuance.saturating_add(step * emission).min(TOTAL_SUPPLY);
        left -= step;
    }
    issuance
}

/// Blocks after `start` at which issuance first reaches `target` with no recycling, i.e. the
/// block a halving would have come without recycling. `None` if it is never reached.
pub fn blocks_to_reach_without_recycling(start: u64, target: u64) -> Option<u64> {
    let mut issuance = start;
    let mut blocks = 0u64;
    while issuance < target {
        let emission = block_emission_for_issuance(issuance).unwrap_or(0);
        if emission == 0 {
            return None;
        }
        let next = halving_threshold(halvings_at(emission) + 1).0.min(target);
        let step = next.saturating_sub(issuance).div_ceil(emission).max(1);
        issuance = issuance.saturating_add(step * emission);
        blocks += step;
    }
    Some(blocks)
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn the_closed_form_schedule_matches_block_by_block_minting() {
        for (start, blocks) in [
            (10_499_990 * crate::RAO_PER_TAO, 40u64),
            (15_749_999_900_000_000, 500),
            (0, 1_000),
        ] {
            let mut i = start;
            for _ in 0..blocks {
                i += block_emission_for_issuance(i).unwrap();
            }
            assert_eq!(
                issuance_without_recycling(start, blocks),
                i,
                "start {start}"
            );
        }
    }

    #[test]
    fn blocks_to_a_threshold_without_recycling() {
        let t1 = halving_threshold(1).0;
        assert_eq!(
            blocks_to_reach_without_recycling(t1 - 3_500_000_000, t1),
            Some(4)
        );
        assert_eq!(blocks_to_reach_without_recycling(t1, t1), Some(0));
        assert_eq!(
            blocks_to_reach_without_recycling(t1 - 1, halving_threshold(2).0),
            Some(10_500_000)
        );
        assert_eq!(
            blocks_to_reach_without_recycling(TOTAL_SUPPLY, TOTAL_SUPPLY + 1),
            None
        );
    }
}
