//! The alpha / root split of the dividend weights (spec 2.8 step 4).
//!
//! Mirrors `calculate_dividend_distribution` (`coinbase/run_coinbase.rs`): each hotkey's
//! dividend weight d is split by the share of its tao-weighted root stake in its total stake,
//! `root = d · t·τ / (a + t·τ)`, `alpha = d − root`. The validator alpha is then paid by alpha
//! weight and the pending root alpha by root weight, all in U96F32.

use super::AccountKey;
use std::collections::BTreeMap;
use substrate_fixed::types::U96F32;

/// The split weights and the amounts they pay (U96F32, not yet floored).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DividendSplit<H: Ord> {
    /// d − root part, per hotkey with a stake entry.
    pub alpha_divs_weight: BTreeMap<H, U96F32>,
    /// d · root proportion.
    pub root_divs_weight: BTreeMap<H, U96F32>,
    pub total_alpha_divs: U96F32,
    pub total_root_divs: U96F32,
    /// validator alpha · alpha weight / total.
    pub alpha_dividends: BTreeMap<H, U96F32>,
    /// pending root alpha · root weight / total.
    pub root_alpha_dividends: BTreeMap<H, U96F32>,
}

/// `calculate_dividend_distribution`. `stake_map` holds (alpha stake on the subnet, root stake)
/// per hotkey; dividend entries without a stake entry are skipped, as on the chain.
pub fn split_dividends<H: AccountKey>(
    validator_alpha: u64,
    pending_root_alpha: u64,
    tao_weight: U96F32,
    stake_map: &BTreeMap<H, (u64, u64)>,
    dividends: &BTreeMap<H, U96F32>,
) -> DividendSplit<H> {
    let zero = U96F32::from_num(0);
    let mut out = DividendSplit {
        alpha_divs_weight: BTreeMap::new(),
        root_divs_weight: BTreeMap::new(),
        total_alpha_divs: zero,
        total_root_divs: zero,
        alpha_dividends: BTreeMap::new(),
        root_alpha_dividends: BTreeMap::new(),
    };
    for (hotkey, dividend) in dividends {
        let Some(&(alpha_stake, root_stake)) = stake_map.get(hotkey) else {
            continue;
        };
        let root_alpha = U96F32::saturating_from_num(root_stake).saturating_mul(tao_weight);
        let total_alpha = U96F32::saturating_from_num(alpha_stake).saturating_add(root_alpha);
        let root_prop = root_alpha.checked_div(total_alpha).unwrap_or(zero);
        let root_divs = dividend.saturating_mul(root_prop);
        let alpha_divs = dividend.saturating_sub(root_divs);
        let entry = out.alpha_divs_weight.entry(hotkey.clone()).or_insert(zero);
        *entry = entry.saturating_add(alpha_divs);
        out.total_alpha_divs = out.total_alpha_divs.saturating_add(alpha_divs);
        let entry = out.root_divs_weight.entry(hotkey.clone()).or_insert(zero);
        *entry = entry.saturating_add(root_divs);
        out.total_root_divs = out.total_root_divs.saturating_add(root_divs);
    }
    let root_pot = U96F32::saturating_from_num(pending_root_alpha);
    for (hotkey, root_divs) in &out.root_divs_weight {
        let share = root_divs.checked_div(out.total_root_divs).unwrap_or(zero);
        out.root_alpha_dividends
            .insert(hotkey.clone(), root_pot.saturating_mul(share));
    }
    let alpha_pot = U96F32::saturating_from_num(validator_alpha);
    for (hotkey, alpha_divs) in &out.alpha_divs_weight {
        let share = alpha_divs.checked_div(out.total_alpha_divs).unwrap_or(zero);
        out.alpha_dividends
            .insert(hotkey.clone(), alpha_pot.saturating_mul(share));
    }
    out
}
