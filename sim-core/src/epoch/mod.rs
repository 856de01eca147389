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

use crate::fixed_div::CheckedDivFast;
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
        let root_stake = |hk: &HotkeyId| root_pools.get(hk).map_or(0, SharePool::value);
        let inp = &mut self.input;
        inp.n = n as u16;
        inp.current_block = block;
        inp.tempo = subnet.clock.tempo;
        inp.activity_cutoff_factor_milli = h.activity_cutoff_factor_milli;
        inp.last_update.clone_from(&nr.last_update);
        inp.block_at_registration.clone_from(&nr.registered_at);
        // Stakes inherited through childkeys (`get_inherited_for_hotkey_on_subnet`,
        // `get_tao_inherited_for_hotkey_on_subnet`).
        let alpha_own = |hk: HotkeyId| subnet.pools.get(&hk).map_or(0, SharePool::value);
        let tao_own = |hk: HotkeyId| root_stake(&hk);
        inp.alpha_stake.clear();
        inp.alpha_stake
            .extend(nr.hotkey.iter().map(|hk| inherited(subnet, *hk, alpha_own)));
        inp.tao_stake.clear();
        inp.tao_stake
            .extend(nr.hotkey.iter().map(|hk| inherited(subnet, *hk, tao_own)));
        inp.tao_weight = tao_weight;
        inp.stake_threshold = h.stake_threshold;
        inp.validator_permit.clone_from(&nr.validator_permit);
        inp.max_allowed_validators = h.max_allowed_validators;
        inp.owner_uid = subnet.owner.and_then(|(_, hk)| nr.uid_of(hk));
        load_rows(&mut inp.weights, &nr.weights);
        load_rows(&mut inp.bonds, &nr.bonds);
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
        let out = &self.output;

        // The epoch's stored outputs.
        let nr = &mut subnet.neurons;
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
            uid_hotkeys: &nr.hotkey,
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

/// The non-empty rows of `rows` as `(uid, row)` into `dst`, in UID order, reusing the row
/// buffers `dst` already holds (the runner is shared by every subnet, so after the first epochs
/// no row is allocated).
fn load_rows(dst: &mut Vec<(u16, Vec<(u16, u16)>)>, rows: &[Vec<(u16, u16)>]) {
    let mut k = 0;
    for (uid, row) in rows.iter().enumerate() {
        if row.is_empty() {
            continue;
        }
        match dst.get_mut(k) {
            Some(slot) => {
                slot.0 = uid as u16;
                slot.1.clone_from(row);
            }
            None => dst.push((uid as u16, row.clone())),
        }
        k += 1;
    }
    dst.truncate(k);
}

/// A hotkey's stake after childkey delegation, as the chain computes it in U96F32: its own stake,
/// less each child's proportion of it, plus each parent's proportion of the parent's own stake,
/// floored.
pub(crate) fn inherited(subnet: &Subnet, hotkey: HotkeyId, own: impl Fn(HotkeyId) -> u64) -> u64 {
    let fraction = |p: u64| {
        U96F32::saturating_from_num(p)
            .checked_div_fast(U96F32::saturating_from_num(u64::MAX))
            .unwrap_or_default()
    };
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
