//! Root dividend auto-claims (`claim_root.rs::run_auto_claim_root_divs`, spec 2.10): every block,
//! `NumRootClaim` coldkeys with root stake claim what their root stake has earned on every
//! subnet, with their claim type (default Swap: the alpha is sold into the subnet's pool and the
//! TAO restaked on root).
//!
//! The chain picks the coldkeys from the parent block hash; we draw them from the `Blocks` random
//! stream, uniformly among the modelled root stakers, so a run stays reproducible from its seed.

use crate::neurons::HotkeyId;
use crate::rng::SimRng;
use crate::stake::ops::RootClaimedBook;
use crate::stake::{
    root_claim_on_subnet, ClaimAccounts, ClaimOutcome, RootClaimRequest, RootClaimType,
    DEFAULT_ROOT_CLAIMABLE_THRESHOLD,
};
use crate::subnet::Subnet;
use crate::units::{Alpha, ColdkeyId, NetUid};
use rand::Rng;
use std::collections::BTreeMap;

/// `NumRootClaim`: coldkeys auto-claimed per block.
pub const NUM_ROOT_CLAIM: usize = 5;

/// Claims for up to [`NUM_ROOT_CLAIM`] random root stakers. `subnets` is the whole list with the
/// root subnet first. Returns the number of claims that moved alpha.
pub fn run_auto_claims(
    subnets: &mut [Subnet],
    root_claimed: &mut RootClaimedBook,
    rng: &mut SimRng,
    stakers: &mut Vec<ColdkeyId>,
) -> usize {
    let Some((root, rest)) = subnets.split_first_mut() else {
        return 0;
    };
    if !root.is_root() || root.pools.is_empty() {
        return 0;
    }
    // The coldkeys with root stake, in id order.
    stakers.clear();
    for pool in root.pools.values() {
        stakers.extend(pool.shares().map(|(c, _)| *c));
    }
    stakers.sort_unstable();
    stakers.dedup();
    let mut claims = 0;
    for _ in 0..NUM_ROOT_CLAIM.min(stakers.len()) {
        let coldkey = stakers[rng.gen_range(0..stakers.len())];
        let hotkeys: Vec<HotkeyId> = root
            .pools
            .iter()
            .filter(|(_, p)| p.stake_of(&coldkey) > 0)
            .map(|(h, _)| *h)
            .collect();
        for hotkey in hotkeys {
            // The hotkey's RootClaimable map over every subnet (netuid -> rate).
            let rates: BTreeMap<NetUid, _> = rest
                .iter()
                .filter_map(|s| s.root_claimable.get(&hotkey).map(|r| (s.netuid, *r)))
                .collect();
            for s in rest.iter_mut() {
                if !rates.contains_key(&s.netuid) {
                    continue;
                }
                claims += claim_one(root, s, root_claimed, &rates, hotkey, coldkey) as usize;
            }
        }
    }
    claims
}

/// One `root_claim_on_subnet` with the default claim type, and its alpha accounting: the owed
/// alpha leaves `alpha_root_owed`; what a Swap could not sell stays outstanding, unassigned.
fn claim_one(
    root: &mut Subnet,
    s: &mut Subnet,
    book: &mut RootClaimedBook,
    rates: &BTreeMap<NetUid, substrate_fixed::types::I96F32>,
    hotkey: HotkeyId,
    coldkey: ColdkeyId,
) -> bool {
    let claim_type = RootClaimType::Swap;
    let request = RootClaimRequest {
        netuid: s.netuid,
        root_claimable: rates,
        threshold: DEFAULT_ROOT_CLAIMABLE_THRESHOLD,
        claim_type: &claim_type,
        ignore_minimum: false,
    };
    let root_pool = root.pools.entry(hotkey).or_default();
    let alpha_pool = s.pools.entry(hotkey).or_default();
    let claim = root_claim_on_subnet(
        &coldkey,
        &request,
        ClaimAccounts {
            root_claimed: book.watermarks_mut(hotkey, coldkey),
            root_pool,
            alpha_pool,
            subnet_pool: &mut s.pool,
            subnet_alpha_out: &mut s.alpha_out,
            root_tao: &mut root.pool.tao_reserve,
            root_alpha_out: &mut root.alpha_out,
        },
    );
    match claim.outcome {
        ClaimOutcome::Swapped(sold) => {
            s.alpha_root_owed = s.alpha_root_owed.saturating_sub(Alpha(claim.owed_u64));
            s.alpha_dust = s
                .alpha_dust
                .saturating_add(Alpha(claim.owed_u64.saturating_sub(sold.alpha_in.0)));
            s.flow.record_protocol_outflow(sold.tao_out.0);
            true
        }
        ClaimOutcome::Kept => {
            s.alpha_root_owed = s.alpha_root_owed.saturating_sub(Alpha(claim.owed_u64));
            true
        }
        _ => false,
    }
}
