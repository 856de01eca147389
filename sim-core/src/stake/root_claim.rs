//! Root dividends: the `RootClaimable` rate, claims, and the `RootClaimed` watermarks
//! (spec 2.10).
//!
//! Mirrors `staking/claim_root.rs`. Root alpha dividends are not paid out at the epoch: each
//! validator's `RootClaimable[h][netuid]` rate (alpha per unit of root stake, I96F32) grows, and
//! a coldkey is owed `rate · its root stake − RootClaimed`. A claim either sells the owed alpha
//! for TAO restaked on root (`Swap`) or stakes it as alpha on the subnet (`Keep`). Staking on
//! root raises `RootClaimed` by `rate · amount` on every subnet so newcomers get no past
//! dividends; unstaking lowers it.

use super::share_pool::SharePool;
use super::AccountKey;
use crate::amm::{Pool, Sold, SwapError, MIN_PRICE_LIMIT};
use crate::fixed_div::CheckedDivFast;
use crate::units::{Alpha, NetUid, Tao};
use std::collections::{BTreeMap, BTreeSet};
use substrate_fixed::types::I96F32;

/// `RootClaimableThreshold` default: owed amounts below 500,000 rao (0.0005 alpha) are not
/// claimed unless forced.
pub const DEFAULT_ROOT_CLAIMABLE_THRESHOLD: I96F32 = I96F32::from_bits(500_000i128 << 32);

/// What `increase_root_claimable_for_hotkey_and_subnet` does with a validator's root dividend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimableIncrement {
    /// `RootClaimable[h][netuid] += rate` (the entry is created, possibly with 0).
    Rate(I96F32),
    /// The dividend exceeds the hotkey's whole root stake: it is staked as subnet alpha to the
    /// hotkey's owner instead (the chain's "not enough root stake" branch).
    FallbackStakedToOwner,
}

/// `increase_root_claimable_for_hotkey_and_subnet`: the rate increment `amount / root stake`
/// (0 when the root stake is 0), or the fallback when `amount` exceeds the root stake.
pub fn root_claimable_increment(root_stake: u64, amount: u64) -> ClaimableIncrement {
    let total = I96F32::saturating_from_num(root_stake);
    let increment = I96F32::saturating_from_num(amount)
        .checked_div_fast(total)
        .unwrap_or(I96F32::from_num(0));
    if amount > total.saturating_to_num::<u64>() {
        ClaimableIncrement::FallbackStakedToOwner
    } else {
        ClaimableIncrement::Rate(increment)
    }
}

/// `RootClaimType` of a coldkey.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RootClaimType {
    /// Sell the owed alpha and restake the TAO on root (the default).
    #[default]
    Swap,
    /// Stake the owed alpha on the subnet, with the same hotkey.
    Keep,
    /// Keep on the listed subnets, swap on the others.
    KeepSubnets(BTreeSet<NetUid>),
}

impl RootClaimType {
    /// Whether a claim on `netuid` is sold.
    pub fn swaps_on(&self, netuid: NetUid) -> bool {
        match self {
            RootClaimType::Swap => true,
            RootClaimType::Keep => false,
            RootClaimType::KeepSubnets(kept) => !kept.contains(&netuid),
        }
    }
}

/// The read-only part of a claim by one coldkey through one hotkey on one subnet.
#[derive(Clone, Copy, Debug)]
pub struct RootClaimRequest<'a> {
    pub netuid: NetUid,
    /// The hotkey's whole `RootClaimable` map, netuid → rate.
    pub root_claimable: &'a BTreeMap<NetUid, I96F32>,
    /// `RootClaimableThreshold[netuid]`.
    pub threshold: I96F32,
    pub claim_type: &'a RootClaimType,
    /// Claim even below the threshold.
    pub ignore_minimum: bool,
}

/// The state a claim changes.
#[derive(Debug)]
pub struct ClaimAccounts<'a, C: Ord> {
    /// `RootClaimed[(netuid, hotkey, coldkey)]` of this hotkey and coldkey, per netuid.
    pub root_claimed: &'a mut BTreeMap<NetUid, u128>,
    /// The hotkey's pool on root: the coldkey's root stake, raised by a Swap.
    pub root_pool: &'a mut SharePool<C>,
    /// The hotkey's pool on the subnet, credited by Keep.
    pub alpha_pool: &'a mut SharePool<C>,
    /// The subnet's pool (`SubnetTAO`, `SubnetAlphaIn`), which a Swap sells into.
    pub subnet_pool: &'a mut Pool,
    /// `SubnetAlphaOut` of the subnet.
    pub subnet_alpha_out: &'a mut Alpha,
    /// `SubnetTAO[0]`: all root stake.
    pub root_tao: &'a mut Tao,
    /// `SubnetAlphaOut[0]`.
    pub root_alpha_out: &'a mut Alpha,
}

/// How a claim ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Owed below the threshold: nothing happens.
    BelowThreshold,
    /// Owed rounds to 0 rao (or is negative): nothing happens.
    ZeroOwed,
    /// Sold fee-less at the minimum price limit; `tao_out` was restaked on root. The caller
    /// records it as the subnet's root-sell TAO and protocol outflow (`SubnetRootSellTao`).
    /// When the limit binds only part of the alpha sells, yet `RootClaimed` still grows by the
    /// full owed amount: the rest is lost, as on the chain.
    Swapped(Sold),
    /// Staked as alpha on the subnet.
    Kept,
    /// The sell was refused; the claim rolled back and nothing changed.
    SwapFailed(SwapError),
}

/// What a claim computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootClaim {
    /// The coldkey's stake in the hotkey's root pool, before the claim.
    pub coldkey_root_stake: u64,
    /// rate · root stake.
    pub claimable: I96F32,
    /// claimable − RootClaimed.
    pub owed: I96F32,
    /// owed floored (0 when not reached: below threshold).
    pub owed_u64: u64,
    pub outcome: ClaimOutcome,
}

/// `root_claim_on_subnet(hotkey, coldkey, netuid, type, ignore_minimum)`.
pub fn root_claim_on_subnet<C: AccountKey>(
    coldkey: &C,
    request: &RootClaimRequest<'_>,
    accounts: ClaimAccounts<'_, C>,
) -> RootClaim {
    let netuid = request.netuid;
    // get_root_owed_for_hotkey_coldkey_float.
    let coldkey_root_stake = accounts.root_pool.stake_of(coldkey);
    let rate = request
        .root_claimable
        .get(&netuid)
        .copied()
        .unwrap_or(I96F32::from_num(0));
    let claimable = rate.saturating_mul(I96F32::saturating_from_num(coldkey_root_stake));
    let claimed = accounts.root_claimed.get(&netuid).copied().unwrap_or(0);
    let owed = claimable.saturating_sub(I96F32::saturating_from_num(claimed));
    let mut claim = RootClaim {
        coldkey_root_stake,
        claimable,
        owed,
        owed_u64: 0,
        outcome: ClaimOutcome::BelowThreshold,
    };
    if !request.ignore_minimum && owed < request.threshold {
        return claim;
    }
    claim.owed_u64 = if owed.is_negative() {
        0
    } else {
        owed.saturating_to_num::<u64>()
    };
    if claim.owed_u64 == 0 {
        claim.outcome = ClaimOutcome::ZeroOwed;
        return claim;
    }
    if request.claim_type.swaps_on(netuid) {
        // swap_alpha_for_tao with the minimum price limit and no fee; a refusal rolls back.
        let sold = match accounts
            .subnet_pool
            .sell(Alpha(claim.owed_u64), MIN_PRICE_LIMIT, true)
        {
            Ok(sold) => sold,
            Err(e) => {
                claim.outcome = ClaimOutcome::SwapFailed(e);
                return claim;
            }
        };
        *accounts.subnet_alpha_out = accounts.subnet_alpha_out.saturating_sub(sold.alpha_in);
        accounts.root_pool.stake(coldkey, sold.tao_out.0);
        *accounts.root_tao = accounts.root_tao.saturating_add(sold.tao_out);
        *accounts.root_alpha_out = accounts
            .root_alpha_out
            .saturating_add(Alpha(sold.tao_out.0));
        add_stake_adjust_root_claimed(
            request.root_claimable,
            accounts.root_claimed,
            sold.tao_out.0,
        );
        claim.outcome = ClaimOutcome::Swapped(sold);
    } else {
        accounts.alpha_pool.stake(coldkey, claim.owed_u64);
        claim.outcome = ClaimOutcome::Kept;
    }
    let entry = accounts.root_claimed.entry(netuid).or_insert(0);
    *entry = entry.saturating_add(u128::from(claim.owed_u64));
    claim
}

/// `rate · amount` floored to u128 (negative rates give 0).
fn claimed_for(rate: I96F32, amount: u64) -> u128 {
    rate.saturating_mul(I96F32::saturating_from_num(amount))
        .saturating_to_num::<u128>()
}

/// `add_stake_adjust_root_claimed_for_hotkey_and_coldkey`: after `amount` is staked on root,
/// `RootClaimed += floor(rate · amount)` on every subnet of the hotkey's `RootClaimable` map
/// (netuid 0 included), saturating.
pub fn add_stake_adjust_root_claimed(
    root_claimable: &BTreeMap<NetUid, I96F32>,
    root_claimed: &mut BTreeMap<NetUid, u128>,
    amount: u64,
) {
    for (netuid, rate) in root_claimable {
        let entry = root_claimed.entry(*netuid).or_insert(0);
        *entry = entry.saturating_add(claimed_for(*rate, amount));
    }
}

/// `remove_stake_adjust_root_claimed_for_hotkey_and_coldkey`: after `amount` is unstaked from
/// root, `RootClaimed -= floor(rate · amount)` on every subnet but netuid 0, saturating at 0.
pub fn remove_stake_adjust_root_claimed(
    root_claimable: &BTreeMap<NetUid, I96F32>,
    root_claimed: &mut BTreeMap<NetUid, u128>,
    amount: u64,
) {
    for (netuid, rate) in root_claimable {
        if netuid.is_root() {
            continue;
        }
        let entry = root_claimed.entry(*netuid).or_insert(0);
        *entry = entry.saturating_sub(claimed_for(*rate, amount));
    }
}
