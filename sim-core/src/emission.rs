//! TAO block emission from total issuance (spec section 1.1).
//!
//! Mirrors `coinbase/block_emission.rs::get_block_emission_for_issuance`: the halving count is
//! `floor(log2(1 / (1 - I / 21e15)))`, evaluated in `I96F32` with `substrate_fixed`'s `log2`, and
//! the emission is `1 TAO / 2^k` truncated to rao. The same function gives each subnet's alpha
//! emission from its alpha issuance (spec section 2.5).

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
pub fn block_emission_for_issuance(issuance: u64) -> Result<u64, EmissionError> {
    let one = I96F32::from_num(1);
    let total_issuance = I96F32::saturating_from_num(issuance);
    if total_issuance >= I96F32::saturating_from_num(TOTAL_SUPPLY) {
        return Ok(0);
    }
    // The chain writes the supply as 2 * 10.5e15 in I96F32; both factors are exact.
    let supply = I96F32::from_num(2).saturating_mul(I96F32::from_num(10_500_000_000_000_000u64));
    let fraction = total_issuance.checked_div(supply).ok_or(EmissionError)?;
    let remaining = one.checked_sub(fraction).ok_or(EmissionError)?;
    let ratio = one.checked_div(remaining).ok_or(EmissionError)?;
    let residual: I96F32 = log2(ratio).map_err(|_| EmissionError)?;
    let halvings: u64 = residual.floor().saturating_to_num::<u64>();
    // 2^k by repeated saturating doubling, then 1/2^k (0 once 2^k saturates: safe_div).
    let mut multiplier = one;
    for _ in 0..halvings {
        multiplier = multiplier.saturating_mul(I96F32::from_num(2));
    }
    let percentage = if multiplier == I96F32::from_num(0) {
        I96F32::from_num(0)
    } else {
        one.checked_div(multiplier).unwrap_or(I96F32::from_num(0))
    };
    let emission = percentage.saturating_mul(I96F32::from_num(DEFAULT_BLOCK_EMISSION));
    Ok(emission.saturating_to_num::<u64>())
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
}
