//! The payouts of a subnet dissolution (spec 5.5).
//!
//! Mirrors `destroy_alpha_in_out_stakes` (`staking/remove_stake.rs`): the subnet's TAO reserve
//! (the pot) is paid pro rata to alpha value, as free TAO to every staker's coldkey, with the
//! protocol's alpha counted as one more holder whose TAO stays in the subnet account. Rounding
//! is largest remainder: each portion is floored, then the leftover rao go one each to the
//! largest remainders (ties to the earlier entry, the protocol last). A legacy subnet's owner
//! gets back the lock less the owner cut's value, and what is left in the subnet account above
//! the existential deposit is recycled. All transfers are assumed to succeed.

use crate::stake::{AccountKey, SharePool};
use crate::units::{Alpha, BlockNumber, Tao};
use substrate_fixed::types::{U64F64, U96F32};

/// The existential deposit of the balances pallet, in rao: the subnet account keeps it.
pub const EXISTENTIAL_DEPOSIT: u64 = 500;

/// The subnet state a dissolution reads.
#[derive(Clone, Debug, PartialEq)]
pub struct DissolveInput<H, C: Ord> {
    /// `SubnetTAO`: the pot.
    pub subnet_tao: Tao,
    pub subnet_alpha_in: Alpha,
    pub subnet_alpha_out: Alpha,
    pub subnet_protocol_alpha: Alpha,
    /// `NetworkRegisteredAt`.
    pub registered_at: BlockNumber,
    /// `TaoInRefundDeploymentBlock`: subnets registered after it count `SubnetAlphaIn` as
    /// protocol alpha.
    pub tao_in_refund_deployment_block: BlockNumber,
    /// `NetworkRegistrationStartBlock`: subnets registered before it get the legacy lock refund.
    pub network_registration_start_block: BlockNumber,
    /// `SubnetLocked`.
    pub subnet_locked: Tao,
    /// `SubnetOwnerCut` (u16 / 65535).
    pub subnet_owner_cut: u16,
    /// `current_alpha_price` of the subnet's pool.
    pub current_alpha_price: U64F64,
    /// Free balance of the subnet account (at least the pot).
    pub subnet_account_balance: Tao,
    /// Every hotkey pool on the subnet, in `TotalHotkeyAlpha` storage order.
    pub pools: Vec<(H, SharePool<C>)>,
}

/// Where a portion's alpha value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueSource {
    /// The coldkey's share-pool value.
    PoolValue,
    /// The pool value rounded to 0: the raw share, as an integer (`u64::from(SafeFloat)`).
    RawShareFallback,
    /// The protocol's alpha.
    Protocol,
}

/// Who a portion belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder<H, C> {
    Staker {
        hotkey: H,
        coldkey: C,
    },
    /// The protocol: its TAO stays in the subnet account.
    Protocol,
}

/// One holder's part of the pot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Portion<H, C> {
    pub holder: Holder<H, C>,
    pub alpha_value: u128,
    pub value_source: ValueSource,
    /// pot · value mod total value: the rank for the leftover rao.
    pub remainder: u128,
    pub got_remainder_rao: bool,
    pub tao: Tao,
}

/// Everything a dissolution paid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DissolvePayout<H, C> {
    /// Legacy subnet (registered before `NetworkRegistrationStartBlock`).
    pub should_refund_owner: bool,
    /// floor(alpha issuance · owner cut), when a refund is possible.
    pub owner_alpha: Alpha,
    /// floor(owner_alpha · price): the owner's emission valued in TAO.
    pub owner_emission_tao: Tao,
    pub protocol_alpha_value: u128,
    /// Σ staker values + protocol value.
    pub total_alpha_value: u128,
    /// Stakers in storage order, then the protocol.
    pub portions: Vec<Portion<H, C>>,
    /// Σ floored portions.
    pub distributed_before_leftover: u128,
    /// pot − Σ floored portions: rao handed out by largest remainder.
    pub leftover: u128,
    pub protocol_tao_share: Tao,
    /// Free TAO credited to staker coldkeys.
    pub paid_to_coldkeys: Tao,
    /// lock − owner emission (legacy subnets only).
    pub refund: Tao,
    /// min(refund, balance after payouts − protocol share), paid to the owner coldkey.
    pub refund_paid: Tao,
    /// The subnet account's keep-alive balance, recycled (`RAORecycledForRegistration`).
    pub recycled_from_subnet_account: Tao,
    /// Removed from `TotalStake`: the pot.
    pub total_stake_decrease: Tao,
}

/// The owner's emission valued in TAO, for the legacy refund: `owner_alpha` =
/// floor(issuance · cut) and its floor value at the current price (U96F32).
fn owner_emission(input: &DissolveInput<impl Sized, impl Ord>) -> (u64, u64) {
    let issuance = input
        .subnet_alpha_in
        .0
        .saturating_add(input.subnet_alpha_out.0);
    if issuance == 0 {
        return (0, 0);
    }
    let cut = U96F32::saturating_from_num(input.subnet_owner_cut)
        .checked_div(U96F32::saturating_from_num(u16::MAX))
        .unwrap_or_default();
    let owner_alpha = U96F32::saturating_from_num(issuance)
        .saturating_mul(cut)
        .floor()
        .saturating_to_num::<u64>();
    if owner_alpha == 0 {
        return (0, 0);
    }
    let price = U96F32::saturating_from_num(input.current_alpha_price);
    let tao = U96F32::saturating_from_num(owner_alpha)
        .saturating_mul(price)
        .floor()
        .saturating_to_num::<u64>();
    (owner_alpha, tao)
}

/// Every staker with value, in storage order: pool value, or the raw share if that rounds
/// to 0; holders worth nothing either way are left out. Only pools with a value are visited:
/// the chain walks the keys of `TotalHotkeyAlpha`, which holds no zero entries.
fn stakers<H: AccountKey, C: AccountKey>(
    input: &DissolveInput<H, C>,
) -> Vec<(Holder<H, C>, u128, ValueSource)> {
    let mut out = Vec::new();
    for (hotkey, pool) in input.pools.iter().filter(|(_, p)| p.value() > 0) {
        for (coldkey, share) in pool.shares() {
            let value = pool.stake_of(coldkey);
            let (value, source) = if value == 0 {
                (share.to_u64(), ValueSource::RawShareFallback)
            } else {
                (value, ValueSource::PoolValue)
            };
            if value > 0 {
                let holder = Holder::Staker {
                    hotkey: hotkey.clone(),
                    coldkey: coldkey.clone(),
                };
                out.push((holder, u128::from(value), source));
            }
        }
    }
    out
}

/// `destroy_alpha_in_out_stakes`: the payouts, without the storage cleanup.
pub fn destroy_alpha_in_out_stakes<H: AccountKey, C: AccountKey>(
    input: &DissolveInput<H, C>,
) -> DissolvePayout<H, C> {
    let should_refund_owner = input.registered_at < input.network_registration_start_block;
    let (owner_alpha, owner_emission_tao) = if should_refund_owner && !input.subnet_locked.is_zero()
    {
        owner_emission(input)
    } else {
        (0, 0)
    };

    let protocol_alpha_value = if input.registered_at > input.tao_in_refund_deployment_block {
        u128::from(
            input
                .subnet_alpha_in
                .0
                .saturating_add(input.subnet_protocol_alpha.0),
        )
    } else {
        u128::from(input.subnet_protocol_alpha.0)
    };
    let mut holders = stakers(input);
    let total_alpha_value = holders.iter().fold(protocol_alpha_value, |acc, (_, v, _)| {
        acc.saturating_add(*v)
    });
    if protocol_alpha_value > 0 {
        holders.push((
            Holder::Protocol,
            protocol_alpha_value,
            ValueSource::Protocol,
        ));
    }

    let pot = input.subnet_tao.0;
    let mut portions = Vec::new();
    let mut distributed: u128 = 0;
    let mut leftover: u128 = 0;
    if pot > 0 && total_alpha_value > 0 {
        let pot = u128::from(pot);
        for (holder, alpha_value, value_source) in holders {
            let product = pot.saturating_mul(alpha_value);
            let share = (product / total_alpha_value).min(u128::from(u64::MAX)) as u64;
            distributed = distributed.saturating_add(u128::from(share));
            portions.push(Portion {
                holder,
                alpha_value,
                value_source,
                remainder: product % total_alpha_value,
                got_remainder_rao: false,
                tao: Tao(share),
            });
        }
        leftover = pot.saturating_sub(distributed);
        if leftover > 0 {
            // Stable sort by remainder, largest first: ties keep list order.
            let mut order: Vec<usize> = (0..portions.len()).collect();
            order.sort_by(|&a, &b| portions[b].remainder.cmp(&portions[a].remainder));
            let give = leftover.min(portions.len() as u128) as usize;
            for &i in order.iter().take(give) {
                portions[i].tao = portions[i].tao.saturating_add(Tao(1));
                portions[i].got_remainder_rao = true;
            }
        }
    }

    let mut protocol_tao_share = Tao::ZERO;
    let mut paid_to_coldkeys = Tao::ZERO;
    for p in &portions {
        match p.holder {
            Holder::Protocol => protocol_tao_share = protocol_tao_share.saturating_add(p.tao),
            Holder::Staker { .. } => paid_to_coldkeys = paid_to_coldkeys.saturating_add(p.tao),
        }
    }

    let refund = if should_refund_owner {
        input.subnet_locked.saturating_sub(Tao(owner_emission_tao))
    } else {
        Tao::ZERO
    };
    let mut balance = input
        .subnet_account_balance
        .saturating_sub(paid_to_coldkeys);
    let refund_paid = if refund.is_zero() {
        Tao::ZERO
    } else {
        refund.min(balance.saturating_sub(protocol_tao_share))
    };
    balance = balance.saturating_sub(refund_paid);

    DissolvePayout {
        should_refund_owner,
        owner_alpha: Alpha(owner_alpha),
        owner_emission_tao: Tao(owner_emission_tao),
        protocol_alpha_value,
        total_alpha_value,
        portions,
        distributed_before_leftover: distributed,
        leftover,
        protocol_tao_share,
        paid_to_coldkeys,
        refund,
        refund_paid,
        recycled_from_subnet_account: balance.saturating_sub(Tao(EXISTENTIAL_DEPOSIT)),
        total_stake_decrease: input.subnet_tao,
    }
}
