//! Per-subnet injection terms (spec 2.5): how much TAO and alpha enter the pool, how much alpha
//! is minted for participants, and what TAO is left for a chain buy.
//!
//! Mirrors `coinbase/run_coinbase.rs::get_subnet_terms` (HEAD), with the injection cap of each
//! era ([`Injection`]) and `block_step.rs::root_proportion`.

use crate::emission::block_emission_for_issuance;
use crate::fixed_div::CheckedDivFast;
use crate::rules::Injection;
use substrate_fixed::types::{U64F64, U96F32};

/// One subnet's terms for one block, in the chain's U96F32.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// The alpha block emission from the subnet's own halving curve.
    pub alpha_emission: U96F32,
    /// The spot price, U64F64 truncated to U96F32.
    pub price: U96F32,
    pub root_proportion: U96F32,
    pub alpha_injection_cap: U96F32,
    pub capped: bool,
    pub tao_in: U96F32,
    pub alpha_in: U96F32,
    pub alpha_out: U96F32,
    /// E_i - tao_in: TAO spent on a chain buy.
    pub excess_tao: U96F32,
}

/// `root_proportion`: `root_tao * τ / (root_tao * τ + alpha_issuance)`, τ = TaoWeight/u64::MAX,
/// 0 when the denominator is 0.
pub fn root_proportion(root_tao: u64, tao_weight: u64, alpha_issuance: u64) -> U96F32 {
    let weighted = U96F32::from_num(root_tao).saturating_mul(tao_weight_fraction(tao_weight));
    weighted
        .checked_div_fast(weighted.saturating_add(U96F32::from_num(alpha_issuance)))
        .unwrap_or(U96F32::from_num(0))
}

/// `get_tao_weight`: the stored u64 over u64::MAX in U96F32.
pub fn tao_weight_fraction(tao_weight: u64) -> U96F32 {
    crate::stake::u64_fraction(tao_weight)
}

/// What `get_subnet_terms` reads for one subnet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TermsInput {
    /// E_i.
    pub tao_emission: U96F32,
    /// The TAO block emission (the 2025-12 cap and the 2025-09 subsidy read it).
    pub block_emission: u64,
    /// `SubnetAlphaIn + SubnetAlphaOut`.
    pub alpha_issuance: u64,
    /// `current_alpha_price` (U64F64).
    pub price: U64F64,
    /// `root_proportion` on the pre-block state.
    pub root_proportion: U96F32,
}

/// The terms under the injection rule in force. [`Injection::None`] and
/// [`Injection::LaunchUncapped`] have their own block functions and give zero terms here.
pub fn subnet_terms(rule: Injection, input: TermsInput) -> Terms {
    let zero = U96F32::from_num(0);
    let alpha_emission =
        U96F32::from_num(block_emission_for_issuance(input.alpha_issuance).unwrap_or(0));
    let price = U96F32::saturating_from_num(input.price);
    let mut terms = Terms {
        alpha_emission,
        price,
        root_proportion: input.root_proportion,
        alpha_out: alpha_emission,
        tao_in: input.tao_emission,
        ..Terms::default()
    };
    terms.alpha_in = input.tao_emission.checked_div_fast(price).unwrap_or(zero);
    let block_emission = U96F32::from_num(input.block_emission);
    match rule {
        Injection::None | Injection::LaunchUncapped => return Terms::default(),
        Injection::Subsidy => {
            // 2025-09 (`run_coinbase` before the Nov-2025 refactor): a subnet priced below its
            // emission share gets price * E TAO and E alpha; the rest of its TAO buys alpha.
            let ratio = input
                .tao_emission
                .checked_div_fast(block_emission)
                .unwrap_or(zero);
            if price < ratio {
                terms.capped = true;
                terms.tao_in = price.saturating_mul(block_emission);
                terms.alpha_in = block_emission;
            } else if price == zero {
                terms.alpha_in = alpha_emission;
            }
            terms.alpha_injection_cap = block_emission;
        }
        Injection::CapAlphaEmissionRecycle
        | Injection::CapBlockEmissionRecycle
        | Injection::CapBlockEmissionKeep
        | Injection::CapRootPropKeep => {
            terms.alpha_injection_cap = match rule {
                Injection::CapAlphaEmissionRecycle => alpha_emission,
                Injection::CapRootPropKeep => input.root_proportion.saturating_mul(alpha_emission),
                _ => alpha_emission.min(block_emission),
            };
            if terms.alpha_in > terms.alpha_injection_cap {
                terms.capped = true;
                terms.alpha_in = terms.alpha_injection_cap;
                terms.tao_in = terms.alpha_in.saturating_mul(price);
            }
        }
    }
    terms.excess_tao = input.tao_emission.saturating_sub(terms.tao_in);
    terms
}

/// Whether alpha bought by the chain buy is kept as protocol alpha (since 2026-06-01) rather
/// than recycled.
pub fn keeps_bought_alpha(rule: Injection) -> bool {
    matches!(
        rule,
        Injection::CapBlockEmissionKeep | Injection::CapRootPropKeep
    )
}
