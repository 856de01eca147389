//! The epoch payout (spec 2.8): `distribute_emission` after the epoch.
//!
//! Mirrors `coinbase/run_coinbase.rs` at the snapshot: `distribute_emission`,
//! `calculate_dividend_and_incentive_distribution` (`calculate_dividends_and_incentives`,
//! `get_stake_map`, `calculate_dividend_distribution`) and
//! `distribute_dividends_and_incentives` (with `get_owner_hotkeys`). The epoch itself is not
//! run here: its per-hotkey output is an input ([`EmissionEntry`]).
//!
//! Order of the pool credits, which matters inside a pool: the owner cut, then incentives in
//! hotkey order, then each hotkey's alpha take and dividends, then each hotkey's root take and
//! `RootClaimable` increase. All stakes the split reads are taken before the first credit.

use super::childkeys::{split_dividend, ParentChildSplit};
use super::dividends::{split_dividends, DividendSplit};
use super::root_claim::{root_claimable_increment, ClaimableIncrement};
use super::share_pool::SharePool;
use super::{u16_fraction, u64_fraction, AccountKey};
use crate::units::{Alpha, BlockNumber};
use std::collections::BTreeMap;
use substrate_fixed::types::{I96F32, U96F32};
use thiserror::Error;

/// The pending buckets drained at the epoch (`PendingServerEmission`,
/// `PendingValidatorEmission`, `PendingRootAlphaDivs`, `PendingOwnerCut`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingPayout {
    pub server: Alpha,
    pub validator: Alpha,
    pub root: Alpha,
    pub owner_cut: Alpha,
}

/// `RecycleOrBurn[netuid]`: what happens to incentive earned by the owner's own hotkeys. Unset
/// on the chain behaves as `Burn`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RecycleOrBurn {
    /// Removed from `SubnetAlphaOut` (alpha issuance falls).
    Recycle,
    /// Only counted as burned (`AlphaBurned`); `SubnetAlphaOut` is unchanged.
    #[default]
    Burn,
}

/// One UID's epoch output (`epoch_with_mechanisms`), in UID order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmissionEntry<H> {
    pub hotkey: H,
    /// Incentive (server emission).
    pub server: Alpha,
    /// Dividends (validator emission), split through the childkey graph.
    pub validator: Alpha,
    /// `BlockAtRegistration` of the UID: orders the owner's hotkeys (newest first).
    pub registered_at: BlockNumber,
}

/// What the payout reads about one hotkey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HotkeyInfo<H, C> {
    /// `Owner[h]`.
    pub owner: C,
    /// `TotalHotkeyAlpha[h][root]`: the hotkey's whole root stake.
    pub root_stake: u64,
    /// `Delegates[h]` (u16 / 65535), applied to alpha and root dividends.
    pub delegate_take: u16,
    /// The effective childkey take on this subnet (u16 / 65535).
    pub childkey_take: u16,
    /// `ChildKeys[h][netuid]`: (proportion u64 / u64::MAX, child), storage order.
    pub children: Vec<(u64, H)>,
    /// `ParentKeys[h][netuid]`: (proportion, parent), storage order.
    pub parents: Vec<(u64, H)>,
}

/// The subnet-level inputs of one payout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistributeInput<H: Ord, C: Ord> {
    /// `TaoWeight` (u64 / u64::MAX).
    pub tao_weight: u64,
    /// `CKBurn` (u64 / u64::MAX).
    pub ck_burn: u64,
    pub pending: PendingPayout,
    /// `SubnetOwner`.
    pub subnet_owner_coldkey: C,
    /// `SubnetOwnerHotkey`; without it the owner cut is not paid.
    pub subnet_owner_hotkey: Option<H>,
    pub recycle_or_burn: RecycleOrBurn,
    pub hotkey_emission: Vec<EmissionEntry<H>>,
    /// `AutoStakeDestination[coldkey][netuid]`: where a coldkey's miner incentive is staked.
    pub auto_stake_destination: BTreeMap<C, H>,
    /// Every hotkey in the emission and every parent of one.
    pub hotkeys: BTreeMap<H, HotkeyInfo<H, C>>,
}

/// Why a payout could not run. Nothing has changed when it is returned.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PayoutError<H: std::fmt::Debug> {
    /// A hotkey in the emission, or a parent of one, has no [`HotkeyInfo`].
    #[error("no hotkey info for {0:?}")]
    UnknownHotkey(H),
}

/// Why a pool was credited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CreditKind {
    OwnerCut,
    Incentive,
    AlphaTake,
    /// Added to the whole pool (every holder).
    AlphaDividends,
    RootTake,
    /// Root dividend above the hotkey's root stake, staked to its owner.
    RootDividendsFallbackStake,
}

/// One credit to a share pool, in chain order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit<H, C> {
    pub pool_hotkey: H,
    /// `None`: value added to the whole pool.
    pub coldkey: Option<C>,
    pub amount: Alpha,
    pub kind: CreditKind,
}

/// Everything one payout computed and paid.
#[derive(Clone, Debug, PartialEq)]
pub struct DistributeReport<H: Ord, C> {
    /// Σ incentives of the epoch.
    pub incentive_sum: Alpha,
    /// V, or V + S when the incentive sum is 0.
    pub validator_alpha: Alpha,
    /// Incentive per hotkey.
    pub incentives: BTreeMap<H, Alpha>,
    /// One split per epoch entry, in UID order.
    pub parent_child: Vec<ParentChildSplit<H>>,
    /// Accumulated dividend weights.
    pub dividends: BTreeMap<H, U96F32>,
    /// (alpha stake on the subnet, root stake) per dividend hotkey, before any credit.
    pub stake_map: BTreeMap<H, (u64, u64)>,
    pub split: DividendSplit<H>,
    /// `get_owner_hotkeys`: the owner's registered hotkeys, newest registration first, the
    /// subnet owner hotkey in front.
    pub owner_hotkeys: Vec<H>,
    pub withheld_incentive: Alpha,
    /// New `MinerBurned`: withheld / total incentive.
    pub miner_burned: U96F32,
    pub incentive_recycled: Alpha,
    pub incentive_burned: Alpha,
    /// Childkey `CKBurn` recycled.
    pub ck_burn_recycled: Alpha,
    pub alpha_take: BTreeMap<H, U96F32>,
    /// Alpha dividends after the take, added to the pool value.
    pub alpha_divs_to_pool: BTreeMap<H, Alpha>,
    pub root_take: BTreeMap<H, U96F32>,
    /// Root dividends after the take, floored.
    pub root_alpha_to_claimable: BTreeMap<H, Alpha>,
    pub root_claimable_increment: BTreeMap<H, ClaimableIncrement>,
    /// `AlphaDividendsPerSubnet` as written.
    pub alpha_dividends_per_subnet: BTreeMap<H, Alpha>,
    /// `RootAlphaDividendsPerSubnet` as written.
    pub root_alpha_dividends_per_subnet: BTreeMap<H, Alpha>,
    pub credits: Vec<Credit<H, C>>,
}

impl<H: Ord, C> DistributeReport<H, C> {
    /// Change of `SubnetAlphaOut`: minus the recycled CK burn and recycled owner incentive.
    pub fn subnet_alpha_out_delta(&self) -> i128 {
        -(i128::from(self.ck_burn_recycled.0) + i128::from(self.incentive_recycled.0))
    }
}

/// Read access to the stakes and hotkey facts the split uses, before any credit.
pub(crate) struct StakeView<'a, H: Ord, C: Ord> {
    pub(crate) hotkeys: &'a BTreeMap<H, HotkeyInfo<H, C>>,
    pub(crate) pools: &'a BTreeMap<H, SharePool<C>>,
    /// `get_tao_weight`.
    pub(crate) tao_weight: U96F32,
}

impl<H: AccountKey, C: AccountKey> StakeView<'_, H, C> {
    pub(crate) fn info(&self, hotkey: &H) -> Result<&HotkeyInfo<H, C>, PayoutError<H>> {
        self.hotkeys
            .get(hotkey)
            .ok_or_else(|| PayoutError::UnknownHotkey(hotkey.clone()))
    }

    /// `TotalHotkeyAlpha[h][netuid]`.
    pub(crate) fn alpha_stake(&self, hotkey: &H) -> u64 {
        self.pools.get(hotkey).map_or(0, SharePool::value)
    }
}

/// What the read-only half computed: `calculate_dividend_and_incentive_distribution`.
struct Plan<H: Ord> {
    incentive_sum: u64,
    validator_alpha: u64,
    incentives: BTreeMap<H, u64>,
    parent_child: Vec<ParentChildSplit<H>>,
    dividends: BTreeMap<H, U96F32>,
    stake_map: BTreeMap<H, (u64, u64)>,
    split: DividendSplit<H>,
    owner_hotkeys: Vec<H>,
    ck_burn_recycled: u64,
}

/// `distribute_emission(netuid, S, V, R, O)` after the epoch: pays the owner cut, incentives,
/// alpha dividends and root dividends into `alpha_pools` (this subnet's pools; a missing pool is
/// an empty one) and raises `root_claimable` (`RootClaimable[h][netuid]`). On error nothing has
/// changed.
pub fn distribute_emission<H: AccountKey, C: AccountKey>(
    input: &DistributeInput<H, C>,
    alpha_pools: &mut BTreeMap<H, SharePool<C>>,
    root_claimable: &mut BTreeMap<H, I96F32>,
) -> Result<DistributeReport<H, C>, PayoutError<H>> {
    let view = StakeView {
        hotkeys: &input.hotkeys,
        pools: alpha_pools,
        tao_weight: u64_fraction(input.tao_weight),
    };
    let plan = plan(input, &view)?;
    Ok(pay(input, plan, alpha_pools, root_claimable))
}

/// The read-only half: incentives, the childkey split of every validator emission, the stake
/// map, the alpha / root split, and the owner's hotkeys.
fn plan<H: AccountKey, C: AccountKey>(
    input: &DistributeInput<H, C>,
    view: &StakeView<'_, H, C>,
) -> Result<Plan<H>, PayoutError<H>> {
    let pending = input.pending;
    let incentive_sum = input
        .hotkey_emission
        .iter()
        .fold(0u64, |acc, e| acc.saturating_add(e.server.0));
    // With no incentive at all, validators also get the server bucket.
    let validator_alpha = if incentive_sum != 0 {
        pending.validator.0
    } else {
        pending.validator.0.saturating_add(pending.server.0)
    };

    // calculate_dividends_and_incentives.
    let ck_burn = u64_fraction(input.ck_burn);
    let zero = U96F32::from_num(0);
    let mut incentives: BTreeMap<H, u64> = BTreeMap::new();
    let mut dividends: BTreeMap<H, U96F32> = BTreeMap::new();
    let mut parent_child = Vec::with_capacity(input.hotkey_emission.len());
    let mut ck_burn_recycled = 0u64;
    for entry in &input.hotkey_emission {
        let incentive = incentives.entry(entry.hotkey.clone()).or_insert(0);
        *incentive = incentive.saturating_add(entry.server.0);
        let split = split_dividend(view, &entry.hotkey, entry.validator.0, ck_burn)?;
        for (hotkey, amount) in split.tuples() {
            let d = dividends.entry(hotkey).or_insert(zero);
            *d = d.saturating_add(U96F32::saturating_from_num(amount));
        }
        ck_burn_recycled = ck_burn_recycled.saturating_add(split.burn_recycled);
        parent_child.push(split);
    }

    // get_stake_map over the dividend hotkeys.
    let mut stake_map = BTreeMap::new();
    for hotkey in dividends.keys() {
        let root = view.info(hotkey)?.root_stake;
        stake_map.insert(hotkey.clone(), (view.alpha_stake(hotkey), root));
    }
    let split = split_dividends(
        validator_alpha,
        pending.root.0,
        view.tao_weight,
        &stake_map,
        &dividends,
    );
    Ok(Plan {
        incentive_sum,
        validator_alpha,
        incentives,
        parent_child,
        dividends,
        stake_map,
        split,
        owner_hotkeys: owner_hotkeys(input),
        ck_burn_recycled,
    })
}

/// `get_owner_hotkeys`: hotkeys of the subnet owner's coldkey that hold a UID here, newest
/// registration first (ties by UID), with the subnet owner hotkey put first if it holds a UID
/// and is not already listed.
fn owner_hotkeys<H: AccountKey, C: AccountKey>(input: &DistributeInput<H, C>) -> Vec<H> {
    // Uids: the first UID of each hotkey.
    let mut registered: BTreeMap<&H, (usize, BlockNumber)> = BTreeMap::new();
    for (uid, e) in input.hotkey_emission.iter().enumerate() {
        registered
            .entry(&e.hotkey)
            .or_insert((uid, e.registered_at));
    }
    let mut owned: Vec<(BlockNumber, usize, &H)> = registered
        .iter()
        .filter(|(h, _)| {
            input
                .hotkeys
                .get(**h)
                .is_some_and(|i| i.owner == input.subnet_owner_coldkey)
        })
        .map(|(h, &(uid, block))| (block, uid, *h))
        .collect();
    owned.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<H> = owned.into_iter().map(|(_, _, h)| h.clone()).collect();
    if let Some(owner_hotkey) = &input.subnet_owner_hotkey {
        if registered.contains_key(owner_hotkey) && !out.contains(owner_hotkey) {
            out.insert(0, owner_hotkey.clone());
        }
    }
    out
}

/// Floors a U96F32 amount to whole rao (`tou64!`).
fn floor(x: U96F32) -> u64 {
    x.saturating_to_num::<u64>()
}

/// Stakes for one coldkey in a hotkey's pool and records the credit
/// (`increase_stake_for_hotkey_and_coldkey_on_subnet`).
fn credit_coldkey<H: AccountKey, C: AccountKey>(
    pools: &mut BTreeMap<H, SharePool<C>>,
    credits: &mut Vec<Credit<H, C>>,
    hotkey: &H,
    coldkey: &C,
    amount: u64,
    kind: CreditKind,
) {
    pools
        .entry(hotkey.clone())
        .or_default()
        .stake(coldkey, amount);
    credits.push(Credit {
        pool_hotkey: hotkey.clone(),
        coldkey: Some(coldkey.clone()),
        amount: Alpha(amount),
        kind,
    });
}

/// The paying half: `distribute_dividends_and_incentives`.
fn pay<H: AccountKey, C: AccountKey>(
    input: &DistributeInput<H, C>,
    plan: Plan<H>,
    pools: &mut BTreeMap<H, SharePool<C>>,
    root_claimable: &mut BTreeMap<H, I96F32>,
) -> DistributeReport<H, C> {
    let mut credits = Vec::new();
    // Every hotkey paid below (emission hotkeys and their parents) was looked up by `plan`, so
    // the `let .. else` skips below never trigger.

    // Owner cut.
    if let Some(owner_hotkey) = &input.subnet_owner_hotkey {
        credit_coldkey(
            pools,
            &mut credits,
            owner_hotkey,
            &input.subnet_owner_coldkey,
            input.pending.owner_cut.0,
            CreditKind::OwnerCut,
        );
    }

    // Incentives; the owner's own hotkeys' incentive is withheld.
    let mut total_incentive = 0u64;
    let mut withheld = 0u64;
    let mut recycled = 0u64;
    let mut burned = 0u64;
    for (hotkey, &incentive) in &plan.incentives {
        total_incentive = total_incentive.saturating_add(incentive);
        if plan.owner_hotkeys.contains(hotkey) {
            withheld = withheld.saturating_add(incentive);
            match input.recycle_or_burn {
                RecycleOrBurn::Recycle => recycled = recycled.saturating_add(incentive),
                RecycleOrBurn::Burn => burned = burned.saturating_add(incentive),
            }
            continue;
        }
        let Some(info) = input.hotkeys.get(hotkey) else {
            continue;
        };
        let destination = input
            .auto_stake_destination
            .get(&info.owner)
            .unwrap_or(hotkey)
            .clone();
        credit_coldkey(
            pools,
            &mut credits,
            &destination,
            &info.owner,
            incentive,
            CreditKind::Incentive,
        );
    }
    let miner_burned = U96F32::saturating_from_num(withheld)
        .checked_div(U96F32::saturating_from_num(total_incentive))
        .unwrap_or(U96F32::from_num(0));

    // Alpha dividends: the take to the owner, the rest to the whole pool.
    let mut alpha_take = BTreeMap::new();
    let mut alpha_divs_to_pool = BTreeMap::new();
    for (hotkey, &alpha_divs) in &plan.split.alpha_dividends {
        let Some(info) = input.hotkeys.get(hotkey) else {
            continue;
        };
        let take = u16_fraction(info.delegate_take).saturating_mul(alpha_divs);
        let rest = floor(alpha_divs.saturating_sub(take));
        credit_coldkey(
            pools,
            &mut credits,
            hotkey,
            &info.owner,
            floor(take),
            CreditKind::AlphaTake,
        );
        pools.entry(hotkey.clone()).or_default().add_to_all(rest);
        credits.push(Credit {
            pool_hotkey: hotkey.clone(),
            coldkey: None,
            amount: Alpha(rest),
            kind: CreditKind::AlphaDividends,
        });
        alpha_take.insert(hotkey.clone(), take);
        alpha_divs_to_pool.insert(hotkey.clone(), Alpha(rest));
    }

    // Root dividends: the take to the owner, the rest to RootClaimable.
    let mut root_take = BTreeMap::new();
    let mut root_alpha_to_claimable = BTreeMap::new();
    let mut root_claimable_increment_map = BTreeMap::new();
    for (hotkey, &root_alpha) in &plan.split.root_alpha_dividends {
        let Some(info) = input.hotkeys.get(hotkey) else {
            continue;
        };
        let take = u16_fraction(info.delegate_take).saturating_mul(root_alpha);
        let rest = floor(root_alpha.saturating_sub(take));
        credit_coldkey(
            pools,
            &mut credits,
            hotkey,
            &info.owner,
            floor(take),
            CreditKind::RootTake,
        );
        let increment = root_claimable_increment(info.root_stake, rest);
        match increment {
            ClaimableIncrement::Rate(rate) => {
                let entry = root_claimable
                    .entry(hotkey.clone())
                    .or_insert(I96F32::from_num(0));
                *entry = entry.saturating_add(rate);
            }
            ClaimableIncrement::FallbackStakedToOwner => credit_coldkey(
                pools,
                &mut credits,
                hotkey,
                &info.owner,
                rest,
                CreditKind::RootDividendsFallbackStake,
            ),
        }
        root_take.insert(hotkey.clone(), take);
        root_alpha_to_claimable.insert(hotkey.clone(), Alpha(rest));
        root_claimable_increment_map.insert(hotkey.clone(), increment);
    }

    DistributeReport {
        incentive_sum: Alpha(plan.incentive_sum),
        validator_alpha: Alpha(plan.validator_alpha),
        incentives: plan
            .incentives
            .iter()
            .map(|(h, &v)| (h.clone(), Alpha(v)))
            .collect(),
        parent_child: plan.parent_child,
        dividends: plan.dividends,
        stake_map: plan.stake_map,
        split: plan.split,
        owner_hotkeys: plan.owner_hotkeys,
        withheld_incentive: Alpha(withheld),
        miner_burned,
        incentive_recycled: Alpha(recycled),
        incentive_burned: Alpha(burned),
        ck_burn_recycled: Alpha(plan.ck_burn_recycled),
        alpha_take,
        alpha_dividends_per_subnet: alpha_divs_to_pool.clone(),
        alpha_divs_to_pool,
        root_take,
        root_alpha_dividends_per_subnet: root_alpha_to_claimable.clone(),
        root_alpha_to_claimable,
        root_claimable_increment: root_claimable_increment_map,
        credits,
    }
}
