//! The engine's epoch payout: `distribute_emission` ([`crate::stake::distribute_emission`]) for
//! one subnet of the engine, on reused index-keyed scratch instead of the dozen `BTreeMap`s and
//! the report the generic routine builds each epoch.
//!
//! Same arithmetic, same pool operations in the same order within each pool: the owner cut, then
//! per hotkey in hotkey order (the key order of the chain's maps) its incentive, its alpha take
//! and dividends, its root take and `RootClaimable` increase.
//! Inputs as the engine has them: no `AutoStakeDestination` and the `CKBurn` the caller passes.
//! `tests::payout_equals_distribute_emission` compares it with the generic routine, which stays
//! the golden-tested reference.

use crate::fixed_div::CheckedDivFast;
use crate::neurons::{Hotkey, HotkeyId};
use crate::stake::{
    root_claimable_increment, u16_fraction, u64_fraction, ClaimableIncrement, PendingPayout,
    RecycleOrBurn, SharePool,
};
use crate::units::ColdkeyId;
use std::collections::btree_map::RangeMut;
use std::collections::BTreeMap;
use substrate_fixed::types::{I96F32, U96F32};

/// What the engine keeps of one payout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Payout {
    /// New `MinerBurned`: withheld / total incentive.
    pub miner_burned: U96F32,
    /// Removed from `SubnetAlphaOut`: the recycled owner incentive and the recycled CK burn.
    pub recycled: u64,
    /// Σ of every pool credit (owner cut, incentives, takes, dividends, fallback stakes).
    pub to_pools: u64,
    /// Σ of the root dividends after the take credited to `RootClaimable`.
    pub to_root_claimable: u64,
}

/// The subnet facts one payout reads (besides its pools and `RootClaimable`).
pub struct PayoutInput<'a> {
    /// `TaoWeight` (u64 / u64::MAX).
    pub tao_weight: u64,
    /// `CKBurn` (u64 / u64::MAX).
    pub ck_burn: u64,
    pub pending: PendingPayout,
    /// `SubnetOwner` and `SubnetOwnerHotkey`.
    pub owner: Option<(ColdkeyId, HotkeyId)>,
    pub recycle_or_burn: RecycleOrBurn,
    /// The epoch's hotkey, incentive and dividends of each UID, in UID order.
    pub uid_hotkeys: &'a [HotkeyId],
    pub server_emission: &'a [u64],
    pub validator_emission: &'a [u64],
    /// `Owner` and `Delegates` by hotkey id.
    pub hotkeys: &'a [Hotkey],
    /// The root subnet's pools: each hotkey's root stake.
    pub root_pools: &'a BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
    pub children: &'a BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>>,
    pub parents: &'a BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>>,
    pub childkey_take: &'a BTreeMap<HotkeyId, u16>,
}

/// Per-hotkey scratch of the payout, reused by every epoch of every subnet. Index `k` of each
/// vector is `keys[k]`.
#[derive(Default)]
pub struct PayoutScratch {
    /// Every hotkey the payout reaches (the UIDs' hotkeys and their parents), sorted and
    /// unique: the order the chain's maps iterate in.
    keys: Vec<HotkeyId>,
    /// Index into `keys` of each UID's hotkey.
    uid_key: Vec<usize>,
    /// Σ incentive, for keys that hold a UID (`None`: a parent only).
    incentive: Vec<Option<u64>>,
    /// Accumulated dividend weight (the chain's `dividends` map).
    dividend: Vec<U96F32>,
    /// `TotalHotkeyAlpha` on the subnet and root stake, read before any credit.
    alpha_stake: Vec<u64>,
    root_stake: Vec<u64>,
    /// Keys without a pool in the subnet's map before the payout.
    missing: Vec<HotkeyId>,
    /// The dividend weight's alpha and root parts.
    alpha_weight: Vec<U96F32>,
    root_weight: Vec<U96F32>,
    /// Parents' contributions of the entry being split.
    contributions: Vec<(usize, U96F32)>,
    /// Each key's `RootClaimable` increase, added after the credits ([`add_claimable`]).
    claimable: Vec<(HotkeyId, I96F32)>,
    claimable_absent: Vec<HotkeyId>,
    /// Each key's `Owner` and delegate take, gathered before the credits.
    owner: Vec<ColdkeyId>,
    take: Vec<u16>,
}

impl PayoutScratch {
    fn key(&self, hotkey: HotkeyId) -> usize {
        self.keys
            .binary_search(&hotkey)
            .expect("every parent of a UID's hotkey is a key")
    }

    /// The payout's first step, before the epoch (which reads the same stakes): the keys
    /// (`uid_hotkeys` and their parents, sorted and unique), each key's alpha stake in `pools`
    /// and root stake in `root_pools`, read before any credit. [`pay_epoch`] pays on them.
    pub fn read_stakes(
        &mut self,
        uid_hotkeys: &[HotkeyId],
        parents: &BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>>,
        pools: &BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
        root_pools: &BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
    ) {
        let s = self;
        let parents_of = |hk: HotkeyId| parents.get(&hk).map_or(&[][..], Vec::as_slice);
        s.keys.clear();
        s.keys.extend_from_slice(uid_hotkeys);
        for &hk in uid_hotkeys {
            s.keys.extend(parents_of(hk).iter().map(|&(_, p)| p));
        }
        s.keys.sort_unstable();
        s.keys.dedup();
        // The keys and the pools' map are both in hotkey order: one walk through the map finds
        // every key's pool (or its absence) without a search per key.
        s.alpha_stake.clear();
        s.missing.clear();
        let first_key = s.keys.first().copied().unwrap_or(HotkeyId(0));
        let mut walk = pools.range(first_key..).peekable();
        for &hk in &s.keys {
            while walk.next_if(|(k, _)| **k < hk).is_some() {}
            match walk.next_if(|(k, _)| **k == hk) {
                Some((_, pool)) => s.alpha_stake.push(pool.value()),
                None => {
                    s.alpha_stake.push(0);
                    s.missing.push(hk);
                }
            }
        }
        s.root_stake.clear();
        s.root_stake.extend(
            s.keys
                .iter()
                .map(|hk| root_pools.get(hk).map_or(0, SharePool::value)),
        );
        s.uid_key.clear();
        for &hk in uid_hotkeys {
            let k = s.key(hk);
            s.uid_key.push(k);
        }
    }

    /// The alpha and root stake [`Self::read_stakes`] read for `hotkey`, one of its keys.
    pub fn stakes_of(&self, hotkey: HotkeyId) -> (u64, u64) {
        let k = self.key(hotkey);
        (self.alpha_stake[k], self.root_stake[k])
    }

    /// The same for the hotkey of `uid` (by its position in the `uid_hotkeys` read).
    pub fn stakes_of_uid(&self, uid: usize) -> (u64, u64) {
        let k = self.uid_key[uid];
        (self.alpha_stake[k], self.root_stake[k])
    }
}

/// Pays one epoch into `pools` (this subnet's; a missing pool is an empty one) and
/// `root_claimable`, as `distribute_emission` does, on the stakes `s` read of the same
/// hotkeys and pools ([`PayoutScratch::read_stakes`]; nothing credited since).
pub fn pay_epoch(
    s: &mut PayoutScratch,
    input: &PayoutInput<'_>,
    pools: &mut BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
    root_claimable: &mut BTreeMap<HotkeyId, I96F32>,
) -> Payout {
    assert!(
        s.uid_key.len() == input.uid_hotkeys.len()
            && s.uid_key
                .iter()
                .zip(input.uid_hotkeys)
                .all(|(&k, &hk)| s.keys[k] == hk),
        "pay_epoch: the stakes were read for other hotkeys"
    );
    debug_assert!(s
        .keys
        .iter()
        .zip(&s.alpha_stake)
        .all(|(hk, &a)| pools.get(hk).map_or(0, SharePool::value) == a));
    let zero = U96F32::from_num(0);
    let tao_weight = u64_fraction(input.tao_weight);
    let ck_burn = u64_fraction(input.ck_burn);
    let pending = input.pending;
    let parents_of = |hk: HotkeyId| input.parents.get(&hk).map_or(&[][..], Vec::as_slice);
    let n = s.keys.len();
    s.incentive.clear();
    s.incentive.resize(n, None);
    s.dividend.clear();
    s.dividend.resize(n, zero);
    let first_key = s.keys.first().copied().unwrap_or(HotkeyId(0));
    // The keys' owners and takes, in one loop of independent loads: the hotkey table is large,
    // and each key's entry a likely cache miss, which the loops below took one at a time.
    s.owner.clear();
    s.take.clear();
    for &hk in &s.keys {
        let key = &input.hotkeys[hk.0 as usize];
        s.owner.push(key.owner);
        s.take.push(key.delegate_take);
    }

    // calculate_dividends_and_incentives: incentives per hotkey, and each UID's dividends
    // split among its hotkey and the hotkey's parents (`get_parent_child_dividends_distribution`).
    let incentive_sum = input
        .server_emission
        .iter()
        .fold(0u64, |acc, e| acc.saturating_add(*e));
    let validator_alpha = if incentive_sum != 0 {
        pending.validator.0
    } else {
        pending.validator.0.saturating_add(pending.server.0)
    };
    let mut ck_burn_recycled = 0u64;
    for uid in 0..input.uid_hotkeys.len() {
        let hk = input.uid_hotkeys[uid];
        let k = s.uid_key[uid];
        let incentive = s.incentive[k].get_or_insert(0);
        *incentive = incentive.saturating_add(input.server_emission[uid]);

        // get_self_contribution.
        let remaining_proportion = input
            .children
            .get(&hk)
            .into_iter()
            .flatten()
            .fold(U96F32::from_num(1), |acc, (proportion, _)| {
                acc.saturating_sub(u64_fraction(*proportion))
            });
        let root = U96F32::saturating_from_num(s.root_stake[k]);
        let alpha = U96F32::saturating_from_num(s.alpha_stake[k]);
        let self_contribution = alpha
            .saturating_mul(remaining_proportion)
            .saturating_add(
                root.saturating_mul(remaining_proportion)
                    .saturating_mul(tao_weight),
            )
            .saturating_to_num::<u64>();
        let mut total = U96F32::saturating_from_num(self_contribution);

        let parents = parents_of(hk);
        s.contributions.clear();
        for &(proportion, parent) in parents {
            let pk = s.key(parent);
            let proportion = u64_fraction(proportion);
            let parent_root = U96F32::saturating_from_num(s.root_stake[pk]);
            let parent_alpha = U96F32::saturating_from_num(s.alpha_stake[pk]);
            let contribution = parent_alpha.saturating_mul(proportion).saturating_add(
                parent_root
                    .saturating_mul(proportion)
                    .saturating_mul(tao_weight),
            );
            total = total.saturating_add(contribution);
            s.contributions.push((pk, contribution));
        }

        // The parents' parts first, then the child's (`dividend_tuples`).
        let validating = U96F32::saturating_from_num(input.validator_emission[uid]);
        let mut remaining = validating;
        let mut total_child_take = zero;
        if !parents.is_empty() {
            let child_take_rate = u16_fraction(input.childkey_take.get(&hk).copied().unwrap_or(0));
            for j in 0..parents.len() {
                let (pk, contribution) = s.contributions[j];
                let emission_factor = contribution.checked_div_fast(total).unwrap_or(zero);
                let mut emission = validating.saturating_mul(emission_factor);
                remaining = remaining.saturating_sub(emission);
                if s.owner[pk] != s.owner[k] {
                    let burn_take = ck_burn.saturating_mul(emission);
                    let child_take = child_take_rate.saturating_mul(emission);
                    emission = emission
                        .saturating_sub(burn_take)
                        .saturating_sub(child_take);
                    total_child_take = total_child_take.saturating_add(child_take);
                    ck_burn_recycled =
                        ck_burn_recycled.saturating_add(burn_take.saturating_to_num::<u64>());
                }
                let d = &mut s.dividend[pk];
                *d = d.saturating_add(U96F32::saturating_from_num(
                    emission.saturating_to_num::<u64>(),
                ));
            }
        }
        let child_emission = remaining
            .saturating_add(total_child_take)
            .saturating_to_num::<u64>();
        let d = &mut s.dividend[k];
        *d = d.saturating_add(U96F32::saturating_from_num(child_emission));
    }

    // calculate_dividend_distribution over every key (each has a stake entry).
    let mut total_alpha_divs = zero;
    let mut total_root_divs = zero;
    s.alpha_weight.clear();
    s.root_weight.clear();
    for k in 0..n {
        let root_alpha = U96F32::saturating_from_num(s.root_stake[k]).saturating_mul(tao_weight);
        let total_alpha = U96F32::saturating_from_num(s.alpha_stake[k]).saturating_add(root_alpha);
        let root_prop = root_alpha.checked_div_fast(total_alpha).unwrap_or(zero);
        let root_divs = s.dividend[k].saturating_mul(root_prop);
        let alpha_divs = s.dividend[k].saturating_sub(root_divs);
        s.alpha_weight.push(zero.saturating_add(alpha_divs));
        total_alpha_divs = total_alpha_divs.saturating_add(alpha_divs);
        s.root_weight.push(zero.saturating_add(root_divs));
        total_root_divs = total_root_divs.saturating_add(root_divs);
    }

    // distribute_dividends_and_incentives. Owner cut.
    let mut to_pools = 0u64;
    if let Some((coldkey, hotkey)) = input.owner {
        pools
            .entry(hotkey)
            .or_default()
            .stake(&coldkey, pending.owner_cut.0);
        to_pools += pending.owner_cut.0;
    }

    // Then, hotkey by hotkey, its incentive, its alpha dividends and its root dividends. The
    // chain pays all incentives, then all alpha dividends, then all root dividends; each of
    // these touches only the hotkey's own pool (and `RootClaimable` entry) and reads nothing a
    // credit changes, so taking them per hotkey keeps every pool's sequence of operations and
    // finds each pool once instead of three times.
    // The owner's own hotkeys' incentive (`get_owner_hotkeys`: its coldkey's hotkeys holding a
    // UID, and the owner hotkey if it holds one) is withheld. Without an owner the chain
    // compares with no coldkey; `u32::MAX` is none of ours.
    let owner_coldkey = input
        .owner
        .map_or(ColdkeyId(u32::MAX), |(coldkey, _)| coldkey);
    let owner_hotkey = input.owner.map(|(_, hotkey)| hotkey);
    let mut total_incentive = 0u64;
    let mut withheld = 0u64;
    let mut recycled = 0u64;
    let alpha_pot = U96F32::saturating_from_num(validator_alpha);
    let root_pot = U96F32::saturating_from_num(pending.root.0);
    let mut to_root_claimable = 0u64;
    // Every key gets a pool (the chain's maps hold a default for a missing one), then one walk
    // through the map in hotkey order visits them all.
    for &hk in &s.missing {
        pools.entry(hk).or_default();
    }
    let mut walk = pools.range_mut(first_key..);
    s.claimable.clear();
    for k in 0..n {
        let hk = s.keys[k];
        let (owner, delegate_take) = (s.owner[k], s.take[k]);
        let pool = walk_to(&mut walk, hk);

        // Incentive.
        if let Some(incentive) = s.incentive[k] {
            total_incentive = total_incentive.saturating_add(incentive);
            if owner == owner_coldkey || Some(hk) == owner_hotkey {
                withheld = withheld.saturating_add(incentive);
                if input.recycle_or_burn == RecycleOrBurn::Recycle {
                    recycled = recycled.saturating_add(incentive);
                }
            } else {
                pool.stake(&owner, incentive);
                to_pools += incentive;
            }
        }

        // Alpha dividends: the take to the owner, the rest to the whole pool.
        let share = s.alpha_weight[k]
            .checked_div_fast(total_alpha_divs)
            .unwrap_or(zero);
        let alpha_divs = alpha_pot.saturating_mul(share);
        let take = u16_fraction(delegate_take).saturating_mul(alpha_divs);
        let rest = floor(alpha_divs.saturating_sub(take));
        pool.stake(&owner, floor(take));
        pool.add_to_all(rest);
        to_pools += floor(take) + rest;

        // Root dividends: the take to the owner, the rest to RootClaimable.
        let share = s.root_weight[k]
            .checked_div_fast(total_root_divs)
            .unwrap_or(zero);
        let root_alpha = root_pot.saturating_mul(share);
        let take = u16_fraction(delegate_take).saturating_mul(root_alpha);
        let rest = floor(root_alpha.saturating_sub(take));
        pool.stake(&owner, floor(take));
        to_pools += floor(take);
        match root_claimable_increment(s.root_stake[k], rest) {
            ClaimableIncrement::Rate(rate) => {
                s.claimable.push((hk, rate));
                to_root_claimable += rest;
            }
            ClaimableIncrement::FallbackStakedToOwner => {
                pool.stake(&owner, rest);
                to_pools += rest;
            }
        }
    }
    add_claimable(&s.claimable, &mut s.claimable_absent, root_claimable);
    let miner_burned = U96F32::saturating_from_num(withheld)
        .checked_div_fast(U96F32::saturating_from_num(total_incentive))
        .unwrap_or(zero);

    Payout {
        miner_burned,
        recycled: recycled + ck_burn_recycled,
        to_pools,
        to_root_claimable,
    }
}

/// Adds each hotkey's `RootClaimable` increase (`rates`, in hotkey order, each hotkey once) to
/// its entry, inserting a zero entry first where there is none (`or_insert(0)`), in two ordered
/// walks of the map (one finding the absent entries, one adding) instead of a search per
/// hotkey. Each entry gets one addition, so the order across entries changes nothing.
fn add_claimable(
    rates: &[(HotkeyId, I96F32)],
    absent: &mut Vec<HotkeyId>,
    root_claimable: &mut BTreeMap<HotkeyId, I96F32>,
) {
    let Some(&(first, _)) = rates.first() else {
        return;
    };
    absent.clear();
    let mut walk = root_claimable.range(first..).peekable();
    for &(hk, _) in rates {
        while walk.next_if(|(at, _)| **at < hk).is_some() {}
        if walk.next_if(|(at, _)| **at == hk).is_none() {
            absent.push(hk);
        }
    }
    for &hk in absent.iter() {
        root_claimable.insert(hk, I96F32::from_num(0));
    }
    let mut walk = root_claimable.range_mut(first..);
    for &(hk, rate) in rates {
        let entry = walk_to(&mut walk, hk);
        *entry = entry.saturating_add(rate);
    }
}

/// The value of `hk` in an ordered walk of a map that holds it, at or after the walk's place
/// (the entries before it are passed over).
fn walk_to<'a, V>(walk: &mut RangeMut<'a, HotkeyId, V>, hk: HotkeyId) -> &'a mut V {
    loop {
        let (at, value) = walk
            .next()
            .expect("the walked map holds every key asked for");
        if *at == hk {
            return value;
        }
    }
}

/// Floors a U96F32 amount to whole rao (`tou64!`).
fn floor(x: U96F32) -> u64 {
    x.saturating_to_num::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stake::{distribute_emission, DistributeInput, EmissionEntry, HotkeyInfo};
    use crate::units::Alpha;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The generic routine's input as the engine built it before this fast path.
    fn distribute_input(input: &PayoutInput<'_>) -> DistributeInput<HotkeyId, ColdkeyId> {
        let root_stake = |hk: &HotkeyId| input.root_pools.get(hk).map_or(0, SharePool::value);
        let mut infos = BTreeMap::new();
        let parents_of_neurons = input
            .uid_hotkeys
            .iter()
            .filter_map(|hk| input.parents.get(hk))
            .flatten()
            .map(|(_, p)| p);
        for hk in input
            .uid_hotkeys
            .iter()
            .chain(input.owner.iter().map(|(_, hk)| hk))
            .chain(parents_of_neurons)
        {
            let key = &input.hotkeys[hk.0 as usize];
            infos.insert(
                *hk,
                HotkeyInfo {
                    owner: key.owner,
                    root_stake: root_stake(hk),
                    delegate_take: key.delegate_take,
                    childkey_take: input.childkey_take.get(hk).copied().unwrap_or(0),
                    children: input.children.get(hk).cloned().unwrap_or_default(),
                    parents: input.parents.get(hk).cloned().unwrap_or_default(),
                },
            );
        }
        DistributeInput {
            tao_weight: input.tao_weight,
            ck_burn: input.ck_burn,
            pending: input.pending,
            subnet_owner_coldkey: input
                .owner
                .map_or(ColdkeyId(u32::MAX), |(coldkey, _)| coldkey),
            subnet_owner_hotkey: input.owner.map(|(_, hk)| hk),
            recycle_or_burn: input.recycle_or_burn,
            hotkey_emission: (0..input.uid_hotkeys.len())
                .map(|uid| EmissionEntry {
                    hotkey: input.uid_hotkeys[uid],
                    server: Alpha(input.server_emission[uid]),
                    validator: Alpha(input.validator_emission[uid]),
                    registered_at: uid as u64,
                })
                .collect(),
            auto_stake_destination: BTreeMap::new(),
            hotkeys: infos,
        }
    }

    fn amount(rng: &mut ChaCha8Rng) -> u64 {
        match rng.gen_range(0..4) {
            0 => 0,
            1 => rng.gen_range(0..1_000),
            _ => rng.gen_range(0..1_000_000_000_000_000),
        }
    }

    /// Random subnets (pools, root stakes, childkeys, takes, owners, zeros) paid by both
    /// routines: the same pools, `RootClaimable` and totals.
    /// The ordered walks against `entry(hk).or_insert(0)` and an addition per hotkey, on maps
    /// holding some, all or none of the hotkeys and others before, between and after them.
    #[test]
    fn add_claimable_is_an_entry_per_hotkey() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut absent = Vec::new();
        for case in 0..3_000 {
            let mut map: BTreeMap<HotkeyId, I96F32> = BTreeMap::new();
            for _ in 0..rng.gen_range(0..40) {
                let v = I96F32::from_bits(rng.gen_range(0..1i128 << 80));
                map.insert(HotkeyId(rng.gen_range(0..60)), v);
            }
            let mut hotkeys: Vec<u32> = (0..rng.gen_range(0..30))
                .map(|_| rng.gen_range(0..60))
                .collect();
            hotkeys.sort_unstable();
            hotkeys.dedup();
            let rates: Vec<(HotkeyId, I96F32)> = hotkeys
                .into_iter()
                .map(|h| {
                    (
                        HotkeyId(h),
                        I96F32::from_bits(rng.gen_range(0..1i128 << 70)),
                    )
                })
                .collect();
            let mut want = map.clone();
            for &(hk, rate) in &rates {
                let e = want.entry(hk).or_insert(I96F32::from_num(0));
                *e = e.saturating_add(rate);
            }
            add_claimable(&rates, &mut absent, &mut map);
            assert_eq!(map, want, "case {case}");
        }
    }

    #[test]
    fn payout_equals_distribute_emission() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut scratch = PayoutScratch::default();
        for case in 0..400 {
            let n_hotkeys = rng.gen_range(1..40u32);
            let n_coldkeys = rng.gen_range(1..8u32);
            let hotkeys: Vec<Hotkey> = (0..n_hotkeys)
                .map(|i| Hotkey {
                    name: format!("h{i}"),
                    owner: ColdkeyId(rng.gen_range(0..n_coldkeys)),
                    delegate_take: [0, 11_796, u16::MAX][rng.gen_range(0..3)],
                })
                .collect();
            let hk = |rng: &mut ChaCha8Rng| HotkeyId(rng.gen_range(0..n_hotkeys));
            let n_uids = rng.gen_range(0..n_hotkeys as usize + 1);
            let mut uid_hotkeys: Vec<HotkeyId> = (0..n_hotkeys).map(HotkeyId).collect();
            for i in (1..uid_hotkeys.len()).rev() {
                uid_hotkeys.swap(i, rng.gen_range(0..i + 1));
            }
            uid_hotkeys.truncate(n_uids);
            let mut pools = BTreeMap::new();
            let mut root_pools = BTreeMap::new();
            for i in 0..n_hotkeys {
                for (map, p) in [(&mut pools, 0.7), (&mut root_pools, 0.4)] {
                    if rng.gen_bool(p) {
                        let pool: &mut SharePool<ColdkeyId> = map.entry(HotkeyId(i)).or_default();
                        for _ in 0..rng.gen_range(1..4) {
                            pool.stake(&ColdkeyId(rng.gen_range(0..n_coldkeys)), amount(&mut rng));
                        }
                    }
                }
            }
            let mut children: BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>> = BTreeMap::new();
            let mut parents: BTreeMap<HotkeyId, Vec<(u64, HotkeyId)>> = BTreeMap::new();
            let mut childkey_take = BTreeMap::new();
            for _ in 0..rng.gen_range(0..6) {
                let (parent, child) = (hk(&mut rng), hk(&mut rng));
                if parent == child {
                    continue;
                }
                let proportion = rng.gen_range(0..u64::MAX / 2);
                children
                    .entry(parent)
                    .or_default()
                    .push((proportion, child));
                parents.entry(child).or_default().push((proportion, parent));
                childkey_take.insert(child, rng.gen_range(0..=u16::MAX));
            }
            let server: Vec<u64> = uid_hotkeys.iter().map(|_| amount(&mut rng)).collect();
            let validator: Vec<u64> = uid_hotkeys.iter().map(|_| amount(&mut rng)).collect();
            let input = PayoutInput {
                tao_weight: rng.gen(),
                ck_burn: [0, rng.gen()][rng.gen_range(0..2)],
                pending: PendingPayout {
                    server: Alpha(amount(&mut rng)),
                    validator: Alpha(amount(&mut rng)),
                    root: Alpha(amount(&mut rng)),
                    owner_cut: Alpha(amount(&mut rng)),
                },
                owner: rng
                    .gen_bool(0.8)
                    .then(|| (ColdkeyId(rng.gen_range(0..n_coldkeys)), hk(&mut rng))),
                recycle_or_burn: [RecycleOrBurn::Recycle, RecycleOrBurn::Burn][rng.gen_range(0..2)],
                uid_hotkeys: &uid_hotkeys,
                server_emission: &server,
                validator_emission: &validator,
                hotkeys: &hotkeys,
                root_pools: &root_pools,
                children: &children,
                parents: &parents,
                childkey_take: &childkey_take,
            };
            let mut root_claimable = BTreeMap::new();
            if rng.gen_bool(0.5) {
                root_claimable.insert(hk(&mut rng), I96F32::from_num(3));
            }
            let (mut ref_pools, mut ref_claimable) = (pools.clone(), root_claimable.clone());
            let report = distribute_emission(
                &distribute_input(&input),
                &mut ref_pools,
                &mut ref_claimable,
            )
            .expect("every hotkey has its info");
            scratch.read_stakes(&input.uid_hotkeys, input.parents, &pools, input.root_pools);
            let paid = pay_epoch(&mut scratch, &input, &mut pools, &mut root_claimable);
            assert_eq!(pools, ref_pools, "case {case}: pools");
            assert_eq!(root_claimable, ref_claimable, "case {case}: RootClaimable");
            let expected = Payout {
                miner_burned: report.miner_burned,
                recycled: report.incentive_recycled.0 + report.ck_burn_recycled.0,
                to_pools: report.credits.iter().map(|c| c.amount.0).sum(),
                to_root_claimable: report
                    .root_claimable_increment
                    .iter()
                    .filter(|(_, inc)| matches!(inc, ClaimableIncrement::Rate(_)))
                    .map(|(hk, _)| report.root_alpha_to_claimable[hk].0)
                    .sum(),
            };
            assert_eq!(paid, expected, "case {case}: totals");
        }
    }
}
