//! The current neuron burn rule, live since 2026-04-22 (`e7f05a051`; spec 4.1).
//!
//! The price (`Burn`) decays every block by a factor `f` with `f^BurnHalfLife ≈ 1/2` and is
//! multiplied by `BurnIncreaseMult` (1.26) after every successful registration, always within
//! `[MinBurn, MaxBurn]`. With the defaults one registration every ~120 blocks keeps it flat.
//! Mirrors `subnets/registration.rs::update_registration_prices_for_networks` and
//! `bump_registration_price_after_registration`.

use super::q32::{decay_factor_q32, mul_q32};
use super::BurnBounds;
use crate::units::{BlockNumber, Tao};
use substrate_fixed::types::U64F64;

/// `BurnHalfLife` default: the price halves in 360 blocks without registrations.
pub const DEFAULT_BURN_HALF_LIFE: u16 = 360;

/// `BurnIncreaseMult` default, `U64F64::from_num(1.26)` of the f64 literal (bits
/// 23,242,897,532,874,035,200 = 1.26 + 4.4e-18): the chain converts the float, so this is the
/// exact stored value.
pub const DEFAULT_BURN_INCREASE_MULT_BITS: u128 = 23_242_897_532_874_035_200;

/// A half-life with its per-block Q32 factor, computed once (the chain recomputes the bisection
/// every block; the result only depends on the half-life).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct BurnDecay {
    half_life: u16,
    factor_q32: u64,
}

impl BurnDecay {
    pub fn new(half_life: u16) -> Self {
        Self {
            half_life,
            factor_q32: decay_factor_q32(half_life),
        }
    }
    /// `BurnHalfLife` in blocks; 0 turns the decay off.
    pub const fn half_life(self) -> u16 {
        self.half_life
    }
    /// The per-block factor in Q32 (`decay_factor_q32(half_life)`).
    pub const fn factor_q32(self) -> u64 {
        self.factor_q32
    }
}

impl Default for BurnDecay {
    fn default() -> Self {
        Self::new(DEFAULT_BURN_HALF_LIFE)
    }
}

/// One subnet's parameters of the current rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecayBumpConfig {
    /// `MinBurn` / `MaxBurn`.
    pub bounds: BurnBounds,
    /// `BurnHalfLife` and its factor.
    pub decay: BurnDecay,
    /// `BurnIncreaseMult`; values below 1 count as 1 (the chain takes `max(mult, 1)`).
    pub increase_mult: U64F64,
}

impl Default for DecayBumpConfig {
    fn default() -> Self {
        Self {
            bounds: BurnBounds::default(),
            decay: BurnDecay::default(),
            increase_mult: U64F64::from_bits(DEFAULT_BURN_INCREASE_MULT_BITS),
        }
    }
}

/// The price at the start of `block`, before any registration in it
/// (`update_registration_prices_for_networks`).
///
/// The decay is skipped in the genesis blocks (block ≤ 1) and when the half-life is 0, but the
/// clamp to `[MinBurn, MaxBurn]` applies in every block, so a bound changed by the owner takes
/// effect at the next block.
pub fn decayed_burn(burn: Tao, config: &DecayBumpConfig, block: BlockNumber) -> Tao {
    let decays = config.decay.half_life() > 0 && block > 1;
    let next = if decays {
        mul_q32(burn.rao(), config.decay.factor_q32())
    } else {
        burn.rao()
    };
    config.bounds.clamp(Tao(next))
}

/// The price after one successful registration (`bump_registration_price_after_registration`):
/// `floor(burn · max(mult, 1))` in U64F64, clamped. Root does not bump; callers skip it there.
pub fn bumped_burn(burn: Tao, config: &DecayBumpConfig) -> Tao {
    let mult = config.increase_mult.max(U64F64::from_num(1));
    let next = U64F64::saturating_from_num(burn.rao())
        .saturating_mul(mult)
        .saturating_to_num::<u64>();
    config.bounds.clamp(Tao(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_multiplier_is_the_chains_float_conversion() {
        assert_eq!(
            DecayBumpConfig::default().increase_mult,
            U64F64::from_num(1.26)
        );
    }

    #[test]
    fn genesis_blocks_only_clamp() {
        let config = DecayBumpConfig::default();
        assert_eq!(decayed_burn(Tao(1), &config, 1), config.bounds.min);
        assert_eq!(
            decayed_burn(Tao::from_tokens(1), &config, 1),
            Tao::from_tokens(1)
        );
        assert_eq!(
            decayed_burn(Tao::from_tokens(1), &config, 2),
            Tao(998_076_443)
        );
    }

    #[test]
    fn a_bump_never_lowers_the_price() {
        let config = DecayBumpConfig {
            increase_mult: U64F64::from_num(0.5),
            ..DecayBumpConfig::default()
        };
        assert_eq!(
            bumped_burn(Tao::from_tokens(1), &config),
            Tao::from_tokens(1)
        );
        assert_eq!(
            bumped_burn(Tao::from_tokens(99), &DecayBumpConfig::default()),
            Tao::from_tokens(100)
        );
    }
}
