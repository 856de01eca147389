//! The epoch on the engine's own state (spec 2.8): the Yuma epoch of a subnet's neurons, then
//! `distribute_emission` into its share pools.
//!
//! Mirrors `run_coinbase.rs::distribute_emissions_to_subnets` for one subnet with one mechanism:
//! the epoch is fed S + V + R, its per-hotkey server and validator emissions go to
//! [`crate::stake::distribute_emission`], and the payout's effects on `SubnetAlphaOut`,
//! `MinerBurned` and `RootClaimable` are written back. Stakes are inherited through the
//! subnet's childkeys, and the payout splits dividends between children and parents; pending
//! childkey changes and their cooldown are not modelled, and commit-reveal is off.

pub mod payout;
pub mod root_claims;

use crate::neurons::{Hotkey, HotkeyId};
use crate::stake::{PendingPayout, SharePool};
use crate::subnet::Subnet;
use crate::units::{Alpha, BlockNumber, ColdkeyId};
use crate::yuma::{EpochInput, EpochOutput, Yuma};
use payout::{pay_epoch, PayoutInput, PayoutScratch};
use std::collections::BTreeMap;
use substrate_fixed::types::U96F32;

/// What one epoch paid, for the trace and the accounting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochPaid {
    /// S + V + R + O handed to the payout.
    pub pending: u64,
    /// Credited to share pools (owner cut, incentives, takes, dividends).
    pub to_pools: u64,
    /// Root dividends credited to `RootClaimable` (owed to root stakers).
    pub to_root_claimable: u64,
    /// Removed from `SubnetAlphaOut` (recycled owner incentive and CK burn).
    pub recycled: u64,
    /// Left outstanding and unassigned (burned owner incentive, and the S + V + R feed when
    /// the root-sell flag was off: spec 2.8 "conservation caveat").
    pub unassigned: u64,
}

/// Yuma with its reusable input and output buffers, and the payout's scratch.
#[derive(Default)]
pub struct EpochRunner {
    yuma: Yuma,
    input: EpochInput,
    output: EpochOutput,
    payout: PayoutScratch,
}

impl EpochRunner {
    /// Runs the epoch of `subnet` at `block` on the drained `pending` buckets and pays it out.
    /// `root_pools` are the root subnet's pools (each hotkey's root stake).
    pub fn run(
        &mut self,
        subnet: &mut Subnet,
        root_pools: &BTreeMap<HotkeyId, SharePool<ColdkeyId>>,
        hotkeys: &[Hotkey],
        block: BlockNumber,
        tao_weight: u64,
        pending: PendingPayout,
    ) -> EpochPaid {
        let n = subnet.neurons.len();
        let nr = &subnet.neurons;
        let h = subnet.hyper;
        // The payout's stake reads serve the epoch too: the same pools, unchanged until the
        // payout's first credit.
        self.payout
            .read_stakes(nr.hotkeys(), &subnet.parents, &subnet.pools, root_pools);
        let stakes = &self.payout;
        let inp = &mut self.input;
        inp.n = n as u16;
        inp.current_block = block;
        inp.tempo = subnet.clock.tempo;
        inp.activity_cutoff_factor_milli = h.activity_cutoff_factor_milli;
        inp.last_update.clone_from(&nr.last_update);
        inp.block_at_registration.clone_from(&nr.registered_at);
        // Stakes inherited through childkeys (`get_inherited_for_hotkey_on_subnet`,
        // `get_tao_inherited_for_hotkey_on_subnet`).
        inp.alpha_stake.clear();
        inp.tao_stake.clear();
        if !subnet.has_childkeys() {
            // Nothing to inherit: each stake is the hotkey's own ([`inherited`] returns it).
            for uid in 0..n {
                let (alpha, tao) = stakes.stakes_of_uid(uid);
                inp.alpha_stake.push(alpha);
                inp.tao_stake.push(tao);
            }
        } else {
            let alpha_own = |hk: HotkeyId| stakes.stakes_of(hk).0;
            let tao_own = |hk: HotkeyId| stakes.stakes_of(hk).1;
            inp.alpha_stake.extend(
                nr.hotkeys()
                    .iter()
                    .map(|hk| inherited(subnet, *hk, alpha_own)),
            );
            inp.tao_stake.extend(
                nr.hotkeys()
                    .iter()
                    .map(|hk| inherited(subnet, *hk, tao_own)),
            );
        }
        inp.tao_weight = tao_weight;
        inp.stake_threshold = h.stake_threshold;
        inp.validator_permit.clone_from(&nr.validator_permit);
        inp.max_allowed_validators = h.max_allowed_validators;
        inp.owner_uid = subnet.owner.and_then(|(_, hk)| nr.uid_of(hk));
        // The weight and bond rows are lent to the input (moved, not copied) and given back
        // after the epoch, each to its own place: buffers that moved between subnets would all
        // grow to the longest row, and the memory with them.
        let nr = &mut subnet.neurons;
        lend_rows(&mut inp.weights, &mut nr.weights);
        lend_rows(&mut inp.bonds, &mut nr.bonds);
        inp.commit_reveal_enabled = false;
        inp.earliest_active_commit_block.clear();
        inp.kappa = h.kappa;
        inp.bonds_penalty = h.bonds_penalty;
        inp.bonds_moving_average = h.bonds_moving_average;
        inp.yuma3 = h.yuma3;
        inp.liquid_alpha = h.liquid_alpha;
        inp.alpha_low = h.alpha_low;
        inp.alpha_high = h.alpha_high;
        inp.alpha_sigmoid_steepness = h.alpha_sigmoid_steepness;
        inp.last_mechanism_step_block = subnet.clock.last_mechanism_step_block;
        inp.rao_emission = pending
            .server
            .0
            .saturating_add(pending.validator.0)
            .saturating_add(pending.root.0);
        self.yuma.run(&self.input, &mut self.output);
        return_rows(&mut self.input.weights, &mut nr.weights);
        return_rows(&mut self.input.bonds, &mut nr.bonds);
        let out = &self.output;

        // The epoch's stored outputs.
        nr.validator_permit.clone_from(&out.new_validator_permit);
        nr.bonds.clone_from(&out.bonds);
        nr.incentive.clone_from(&out.incentive_u16);
        nr.dividends.clone_from(&out.dividends_u16);
        nr.consensus.clone_from(&out.consensus_u16);
        nr.validator_trust.clone_from(&out.validator_trust_u16);
        nr.emission.clone_from(&out.combined_emission);

        // The payout.
        let input = PayoutInput {
            tao_weight,
            ck_burn: 0,
            pending,
            owner: subnet.owner,
            recycle_or_burn: subnet.recycle_or_burn,
            uid_hotkeys: nr.hotkeys(),
            server_emission: &out.server_emission,
            validator_emission: &out.validator_emission,
            hotkeys,
            root_pools,
            children: &subnet.children,
            parents: &subnet.parents,
            childkey_take: &subnet.childkey_take,
        };
        let paid = pay_epoch(
            &mut self.payout,
            &input,
            &mut subnet.pools,
            &mut subnet.root_claimable,
        );
        subnet.miner_burned = paid.miner_burned;
        let (recycled, to_pools, to_root_claimable) =
            (paid.recycled, paid.to_pools, paid.to_root_claimable);
        subnet.alpha_out = subnet.alpha_out.saturating_sub(Alpha(recycled));
        subnet.alpha_root_owed = subnet
            .alpha_root_owed
            .saturating_add(Alpha(to_root_claimable));
        let total = inp_total(&pending);
        let unassigned = total
            .saturating_sub(to_pools)
            .saturating_sub(to_root_claimable)
            .saturating_sub(recycled);
        subnet.alpha_dust = subnet.alpha_dust.saturating_add(Alpha(unassigned));
        EpochPaid {
            pending: total,
            to_pools,
            to_root_claimable,
            recycled,
            unassigned,
        }
    }
}

/// Moves the non-empty rows of `rows` into `dst` as `(uid, row)`, in UID order, leaving in each
/// moved row's place the buffer its slot of `dst` held (stale: [`return_rows`] puts the rows
/// back over it). Swapping the buffers moves no entries.
fn lend_rows(dst: &mut Vec<(u16, Vec<(u16, u16)>)>, rows: &mut [Vec<(u16, u16)>]) {
    let mut k = 0;
    for (uid, row) in rows.iter_mut().enumerate() {
        if row.is_empty() {
            continue;
        }
        if k == dst.len() {
            dst.push((0, Vec::new()));
        }
        let slot = &mut dst[k];
        slot.0 = uid as u16;
        std::mem::swap(&mut slot.1, row);
        k += 1;
    }
    dst.truncate(k);
}

/// Gives the rows [`lend_rows`] moved into `lent` back to their UIDs' places in `rows`.
fn return_rows(lent: &mut [(u16, Vec<(u16, u16)>)], rows: &mut [Vec<(u16, u16)>]) {
    for (uid, row) in lent.iter_mut() {
        std::mem::swap(row, &mut rows[usize::from(*uid)]);
    }
}

/// A hotkey's stake after childkey delegation, as the chain computes it in U96F32: its own stake,
/// less each child's proportion of it, plus each parent's proportion of the parent's own stake,
/// floored.
pub(crate) fn inherited(subnet: &Subnet, hotkey: HotkeyId, own: impl Fn(HotkeyId) -> u64) -> u64 {
    if !subnet.has_childkeys() {
        // No delegation on the subnet: the own stake, which U96F32 (96 integer bits) holds
        // exactly and the sum below gives back unchanged.
        return own(hotkey);
    }
    let fraction = crate::stake::u64_fraction;
    let initial = U96F32::saturating_from_num(own(hotkey));
    let to_children = subnet
        .children
        .get(&hotkey)
        .into_iter()
        .flatten()
        .fold(U96F32::from_num(0), |acc, (p, _)| {
            acc.saturating_add(initial.saturating_mul(fraction(*p)))
        });
    let from_parents = subnet.parents.get(&hotkey).into_iter().flatten().fold(
        U96F32::from_num(0),
        |acc, (p, parent)| {
            acc.saturating_add(
                U96F32::saturating_from_num(own(*parent)).saturating_mul(fraction(*p)),
            )
        },
    );
    initial
        .saturating_sub(to_children)
        .saturating_add(from_parents)
        .saturating_to_num::<u64>()
}

fn inp_total(p: &PendingPayout) -> u64 {
    [p.server, p.validator, p.root, p.owner_cut]
        .iter()
        .fold(0u64, |acc, a| acc.saturating_add(a.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amm::{Pool, QuoteWeight};
    use crate::units::Tao;
    use rand::{Rng, SeedableRng};

    /// Lending gives the input what copying the non-empty rows gave it, over slots holding
    /// other subnets' rows, and returning restores every row.
    #[test]
    fn lent_rows_are_the_copied_rows_and_come_back() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut lent: Vec<(u16, Vec<(u16, u16)>)> = Vec::new();
        for case in 0..200 {
            let n = rng.gen_range(0..40usize);
            let mut rows: Vec<Vec<(u16, u16)>> = (0..n)
                .map(|_| {
                    let len = if rng.gen_bool(0.4) {
                        0
                    } else {
                        rng.gen_range(1..6)
                    };
                    (0..len).map(|_| (rng.gen(), rng.gen())).collect()
                })
                .collect();
            let before = rows.clone();
            let copied: Vec<(u16, Vec<(u16, u16)>)> = before
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.is_empty())
                .map(|(uid, r)| (uid as u16, r.clone()))
                .collect();
            lend_rows(&mut lent, &mut rows);
            assert_eq!(lent, copied, "case {case}");
            return_rows(&mut lent, &mut rows);
            assert_eq!(rows, before, "case {case}");
        }
    }

    /// The fast path's claim: a hotkey with neither children nor parents inherits exactly its
    /// own stake through the general formula (run here by another pair's delegation), for
    /// every u64; and the fast path, on a subnet without delegation, gives the same.
    #[test]
    fn inherited_without_childkeys_is_the_own_stake() {
        let pool = Pool::new(Tao(1_000_000_000), Alpha(1_000_000_000), QuoteWeight::HALF);
        let mut plain = Subnet::new(crate::units::NetUid(1), pool, 360, 0);
        let mut delegating = plain.clone();
        delegating.set_child(HotkeyId(7), HotkeyId(8), u64::MAX / 3);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let stakes = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63, (1 << 53) + 1];
        for own in stakes.into_iter().chain((0..10_000).map(|_| rng.gen())) {
            assert_eq!(inherited(&delegating, HotkeyId(3), |_| own), own);
            assert_eq!(inherited(&plain, HotkeyId(3), |_| own), own);
        }
        // A delegating parent keeps less than its own stake.
        plain.set_child(HotkeyId(3), HotkeyId(4), u64::MAX / 2);
        assert!(inherited(&plain, HotkeyId(3), |_| 1_000_000) < 1_000_000);
    }
}
