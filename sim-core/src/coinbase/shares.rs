//! Splitting the block's TAO across subnets by moving price (spec 2.3).
//!
//! Mirrors `coinbase/subnet_emissions.rs`: `get_shares_price_ema` (p̄_i / Σp̄ in U64F64),
//! `get_shares` (weighted by 1 - MinerBurned, renormalised, with the fallback to the price
//! shares when every weight is 0), and `get_subnet_block_emissions` (emission-disabled subnets
//! zeroed and the rest renormalised; E_i = U96F32(U64F64(E) * share)). The launch era's
//! I96F32 form `E * p̄_i / Σp̄` is [`launch_tao_in`].

use crate::fixed_div::CheckedDivFast;
use substrate_fixed::types::{I96F32, U64F64, U96F32};

/// One subnet of the emit set, as the share functions read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShareInput {
    /// `get_moving_alpha_price`: the moving price, 1.0 for stable subnets, negative clamped to 0.
    pub moving_price: U64F64,
    /// `MinerBurned`.
    pub miner_burned: U96F32,
    /// `SubnetEmissionEnabled`.
    pub emission_enabled: bool,
}

/// One subnet's share, with the intermediate values the chain computes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShareRow {
    /// p̄_i / Σp̄ (0 when the sum is 0).
    pub price_share: U64F64,
    /// price_share * (1 - min(burned, 1)).
    pub miner_burn_weighted: U64F64,
    /// The `get_shares` result (weighted and renormalised, or the price share on fallback).
    pub share: U64F64,
    /// After the emission-disabled renormalisation.
    pub final_share: U64F64,
    /// E_i.
    pub tao_emission: U96F32,
}

/// The totals of one share computation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ShareTotals {
    pub total_moving_prices: U64F64,
    pub total_weight: U64F64,
    pub fallback_to_price_shares: bool,
    pub has_disabled_subnets: bool,
    pub enabled_share_sum: U64F64,
}

/// How the shares are formed in the price-EMA eras.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceShareRule {
    /// Weight by 1 - MinerBurned (since 2026-06-22).
    pub miner_burn: bool,
    /// Zero emission-disabled subnets and renormalise (since 2026-06-23).
    pub emission_enabled_flag: bool,
}

impl PriceShareRule {
    /// The current rule.
    pub const CURRENT: Self = Self {
        miner_burn: true,
        emission_enabled_flag: true,
    };
}

/// `get_moving_alpha_price` for a dynamic subnet: the stored I96F32 moving price as U64F64
/// (a negative value saturates to 0).
pub fn moving_alpha_price(moving_price: I96F32) -> U64F64 {
    U64F64::saturating_from_num(moving_price)
}

/// Computes every subnet's share and E_i for a block emission of `block_emission` rao.
/// `out` is resized to `input.len()`; its rows follow `input` (netuid order).
pub fn price_ema_shares(
    input: &[ShareInput],
    block_emission: u64,
    rule: PriceShareRule,
    out: &mut Vec<ShareRow>,
) -> ShareTotals {
    let zero = U64F64::from_num(0);
    let one = U64F64::from_num(1);
    out.clear();
    out.resize(input.len(), ShareRow::default());
    let mut totals = ShareTotals {
        total_moving_prices: input
            .iter()
            .fold(zero, |acc, s| acc.saturating_add(s.moving_price)),
        ..ShareTotals::default()
    };
    for (row, s) in out.iter_mut().zip(input) {
        row.price_share = s
            .moving_price
            .checked_div_fast(totals.total_moving_prices)
            .unwrap_or(zero);
        let factor = if rule.miner_burn {
            one.saturating_sub(U64F64::saturating_from_num(s.miner_burned).min(one))
        } else {
            one
        };
        row.miner_burn_weighted = row.price_share.saturating_mul(factor);
        totals.total_weight = totals.total_weight.saturating_add(row.miner_burn_weighted);
    }
    totals.fallback_to_price_shares = totals.total_weight == zero;
    for (row, s) in out.iter_mut().zip(input) {
        row.share = if totals.fallback_to_price_shares {
            row.price_share
        } else {
            safe_div(row.miner_burn_weighted, totals.total_weight)
        };
        if !rule.emission_enabled_flag || s.emission_enabled {
            totals.enabled_share_sum = totals.enabled_share_sum.saturating_add(row.share);
        } else {
            totals.has_disabled_subnets = true;
        }
    }
    let emission = U64F64::saturating_from_num(U96F32::saturating_from_num(block_emission));
    for (row, s) in out.iter_mut().zip(input) {
        let enabled = !rule.emission_enabled_flag || s.emission_enabled;
        row.final_share = if !totals.has_disabled_subnets {
            row.share
        } else if enabled && totals.enabled_share_sum > zero {
            safe_div(row.share, totals.enabled_share_sum)
        } else {
            zero
        };
        row.tao_emission = U96F32::saturating_from_num(emission.saturating_mul(row.final_share));
    }
    totals
}

/// `get_network_root_sell_flag`: root alpha is paid out (not recycled) only while the moving
/// prices of the emit set sum to more than 1.
pub fn root_sell_flag(input: &[ShareInput]) -> bool {
    let total = input.iter().fold(U64F64::from_num(0), |acc, s| {
        acc.saturating_add(s.moving_price)
    });
    total > U64F64::from_num(1)
}

/// The launch era's TAO per subnet (`run_coinbase` @ `e2b8367b8`, step 2): `E * p̄_i / Σp̄` in
/// I96F32, 0 when the sum is 0.
pub fn launch_tao_in(block_emission: I96F32, moving_price: I96F32, total: I96F32) -> I96F32 {
    block_emission
        .saturating_mul(moving_price)
        .checked_div_fast(total)
        .unwrap_or(I96F32::from_num(0))
}

/// The chain's `safe_div` for U64F64: 0 on a zero divisor or overflow.
fn safe_div(a: U64F64, b: U64F64) -> U64F64 {
    a.checked_div_fast(b).unwrap_or(U64F64::from_num(0))
}
