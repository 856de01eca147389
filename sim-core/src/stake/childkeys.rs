//! A validator's dividend split among itself and its parents (spec 6.7).
//!
//! Mirrors `get_parent_child_dividends_distribution` and `get_self_contribution`
//! (`coinbase/run_coinbase.rs`). Each parent contributes its own alpha stake plus tao-weighted
//! root stake times the proportion it gave the child; the child contributes its own stake times
//! what it kept. A parent under another coldkey pays the childkey take to the child and the
//! `CKBurn` share to recycling. Amounts are U96F32 and every hand-out is floored to u64, so the
//! parts need not add up to the dividend; the result is only used as a weight.

use super::distribute::{PayoutError, StakeView};
use super::{u16_fraction, u64_fraction, AccountKey};
use substrate_fixed::types::U96F32;

/// One parent's part of a child's dividend.
#[derive(Clone, Debug, PartialEq)]
pub struct ParentShare<H> {
    pub parent: H,
    /// (parent alpha + parent root x tao weight) x proportion.
    pub contribution: U96F32,
    /// contribution / total contribution (0 when the total is 0).
    pub emission_factor: U96F32,
    /// The `CKBurn` part, recycled (only for a parent under another coldkey).
    pub burn_take: U96F32,
    /// The childkey take, kept by the child (only for a parent under another coldkey).
    pub child_take: U96F32,
    /// What the parent receives, floored.
    pub parent_emission: u64,
}

/// How one epoch entry's validator emission was split.
#[derive(Clone, Debug, PartialEq)]
pub struct ParentChildSplit<H> {
    pub hotkey: H,
    /// The validator emission being split.
    pub dividend: u64,
    /// The child's own weighted stake times the proportion it kept, floored.
    pub self_contribution: u64,
    pub total_contribution: U96F32,
    /// Parents in storage order.
    pub parents: Vec<ParentShare<H>>,
    /// What the child keeps: the rest of the dividend plus the childkey takes, floored.
    pub child_emission: u64,
    /// Σ floor(burn_take): alpha recycled from `SubnetAlphaOut`.
    pub burn_recycled: u64,
}

impl<H: Clone> ParentChildSplit<H> {
    /// The (hotkey, amount) pairs the dividend weights accumulate: parents first, then the
    /// child, as the chain's `dividend_tuples`.
    pub fn tuples(&self) -> impl Iterator<Item = (H, u64)> + '_ {
        self.parents
            .iter()
            .map(|p| (p.parent.clone(), p.parent_emission))
            .chain(std::iter::once((self.hotkey.clone(), self.child_emission)))
    }
}

/// `get_self_contribution`: the hotkey's alpha stake plus tao-weighted root stake, times
/// 1 − Σ proportions it gave to children, floored.
fn self_contribution<H: AccountKey, C: AccountKey>(
    view: &StakeView<'_, H, C>,
    hotkey: &H,
) -> Result<u64, PayoutError<H>> {
    let info = view.info(hotkey)?;
    let remaining = info
        .children
        .iter()
        .fold(U96F32::from_num(1), |acc, (proportion, _)| {
            acc.saturating_sub(u64_fraction(*proportion))
        });
    let root = U96F32::saturating_from_num(info.root_stake);
    let alpha = U96F32::saturating_from_num(view.alpha_stake(hotkey));
    let combined = alpha.saturating_mul(remaining).saturating_add(
        root.saturating_mul(remaining)
            .saturating_mul(view.tao_weight),
    );
    Ok(combined.saturating_to_num::<u64>())
}

/// `get_parent_child_dividends_distribution` for one epoch entry.
pub(crate) fn split_dividend<H: AccountKey, C: AccountKey>(
    view: &StakeView<'_, H, C>,
    hotkey: &H,
    dividend: u64,
    ck_burn: U96F32,
) -> Result<ParentChildSplit<H>, PayoutError<H>> {
    let info = view.info(hotkey)?;
    let validating = U96F32::saturating_from_num(dividend);
    let child_take_rate = u16_fraction(info.childkey_take);
    let self_contribution = self_contribution(view, hotkey)?;
    let mut total = U96F32::saturating_from_num(self_contribution);

    let mut contributions = Vec::with_capacity(info.parents.len());
    for (proportion, parent) in &info.parents {
        let proportion = u64_fraction(*proportion);
        let parent_root = U96F32::saturating_from_num(view.info(parent)?.root_stake);
        let parent_alpha = U96F32::saturating_from_num(view.alpha_stake(parent));
        let contribution = parent_alpha.saturating_mul(proportion).saturating_add(
            parent_root
                .saturating_mul(proportion)
                .saturating_mul(view.tao_weight),
        );
        total = total.saturating_add(contribution);
        contributions.push((parent, contribution));
    }

    let zero = U96F32::from_num(0);
    let mut remaining = validating;
    let mut total_child_take = zero;
    let mut burn_recycled = 0u64;
    let mut parents = Vec::with_capacity(contributions.len());
    for (parent, contribution) in contributions {
        let emission_factor = contribution.checked_div(total).unwrap_or(zero);
        let mut emission = validating.saturating_mul(emission_factor);
        remaining = remaining.saturating_sub(emission);
        let (mut burn_take, mut child_take) = (zero, zero);
        if view.info(parent)?.owner != info.owner {
            burn_take = ck_burn.saturating_mul(emission);
            child_take = child_take_rate.saturating_mul(emission);
            emission = emission
                .saturating_sub(burn_take)
                .saturating_sub(child_take);
            total_child_take = total_child_take.saturating_add(child_take);
            burn_recycled = burn_recycled.saturating_add(burn_take.saturating_to_num::<u64>());
        }
        parents.push(ParentShare {
            parent: parent.clone(),
            contribution,
            emission_factor,
            burn_take,
            child_take,
            parent_emission: emission.saturating_to_num::<u64>(),
        });
    }
    Ok(ParentChildSplit {
        hotkey: hotkey.clone(),
        dividend,
        self_contribution,
        total_contribution: total,
        parents,
        child_emission: remaining
            .saturating_add(total_child_take)
            .saturating_to_num::<u64>(),
        burn_recycled,
    })
}
