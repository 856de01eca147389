//! The dTAO launch migration (`migrate_rao`, read at `e2b8367b8`): what the runtime upgrade of
//! 2025-02-13 did to the subnets that existed before it. The engine runs it when a scenario
//! switches from the `pre-dtao` rules to any dTAO era.
//!
//! On chain, for every non-root subnet:
//! * the pool is seeded with `NetworkMinLockCost` (set to 1 TAO by the same migration) of TAO out
//!   of the subnet's lock and the same amount of alpha (price 1.0); `SubnetAlphaOut = 0`;
//! * the rest of the lock is refunded to the owner coldkey; a lock smaller than the seed is
//!   topped up by raising `TotalIssuance` by the difference;
//! * `SubnetMovingPrice` starts at the subnet's pre-dTAO `EmissionValues` in TAO per block, so the
//!   first dTAO block splits emission as the root network last did;
//! * the subnet becomes dynamic (mechanism 1);
//! * `TaoWeight` is set to 0.18 and `NetworkMinLockCost` to 1 TAO.
//!
//! Every earlier stake moves to root 1:1 (`Stake` to `Alpha[(hotkey, coldkey, 0)]`): in the
//! engine, stake before dTAO is the root subnet's `tao_reserve` (and the emission paid to subnets
//! before dTAO is held by the unmodelled rest), so there is nothing to move. The owner is also
//! registered as a neuron of its subnet on chain; the engine does not model that UID.
//! `migrate_init_total_issuance` then recomputes `TotalIssuance` as balances + stake + locks,
//! which leaves it unchanged when the books were consistent, as the engine's always are: the
//! migration moves TAO between holders and only mints the top-ups of locks below the seed.

use crate::amm::{Pool, QuoteWeight};
use crate::ledger::{Holder, LedgerError};
use crate::network::Network;
use crate::params::{Params, TAO_WEIGHT_018};
use crate::subnet::Mechanism;
use crate::units::{Alpha, NetUid, Tao};
use substrate_fixed::types::I96F32;

/// `NetworkMinLockCost` written by `migrate_rao`: 1 TAO.
pub const DTAO_MIN_LOCK: Tao = Tao::from_tokens(1);

/// What the migration did, for the trace and the tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Subnets converted to 1:1 pools.
    pub subnets: usize,
    /// Lock TAO refunded to owners (or to the unmodelled rest for subnets without a modelled owner).
    pub refunded: Tao,
    /// TAO minted to top up locks below the seed (`TotalIssuance += difference`).
    pub minted: Tao,
    /// TAO now in the new pools.
    pub pooled: Tao,
}

/// Converts every non-root subnet of `net` as `migrate_rao` did. `emission_values` are the last
/// pre-dTAO `EmissionValues` (rao per block, by netuid); subnets without one start with a
/// moving price of 0.
pub fn migrate_to_dtao(
    net: &mut Network,
    params: &mut Params,
    emission_values: &[(NetUid, u64)],
) -> Result<MigrationReport, LedgerError> {
    params.network_min_lock = DTAO_MIN_LOCK.rao();
    params.tao_weight = TAO_WEIGHT_018;
    let seed = DTAO_MIN_LOCK;
    let mut report = MigrationReport::default();
    let mut refunds: Vec<(Holder, Tao)> = Vec::new();
    for s in net.subnets.iter_mut().filter(|s| !s.is_root()) {
        // Everything the subnet holds before dTAO is its lock (held as `locked`, or as the pool
        // a scenario gave it at the start).
        let held = Tao(s.tao_held());
        let top_up = seed.saturating_sub(held);
        let refund = held.saturating_sub(seed);
        report.minted = report.minted.saturating_add(top_up);
        report.refunded = report.refunded.saturating_add(refund);
        report.pooled = report.pooled.saturating_add(seed);
        report.subnets += 1;
        let to = match s.owner {
            Some((coldkey, _)) => Holder::Account(coldkey),
            None => Holder::Unmodelled,
        };
        refunds.push((to, refund));
        s.pool = Pool::new(seed, Alpha(seed.rao()), QuoteWeight::HALF);
        s.locked = Tao::ZERO;
        s.account_surplus = Tao::ZERO;
        s.pending_root_tao = Tao::ZERO;
        s.alpha_out = Alpha::ZERO;
        s.alpha_staked = Alpha::ZERO;
        s.alpha_dust = Alpha::ZERO;
        s.protocol_alpha = Alpha::ZERO;
        s.mechanism = Mechanism::Dynamic;
        let value = emission_values
            .iter()
            .find(|(n, _)| *n == s.netuid)
            .map_or(0, |(_, v)| *v);
        s.moving_price = I96F32::from_num(value)
            .checked_div(I96F32::from_num(1_000_000_000u64))
            .unwrap_or(I96F32::from_num(0));
        if s.first_emission_block.is_none() {
            s.first_emission_block = Some(net.block.saturating_add(1));
            s.subtoken_enabled = true;
        }
    }
    if !report.minted.is_zero() {
        let credit = net.ledger.mint(report.minted)?;
        // The top-ups are part of the seeds now in the pools: nobody else holds them.
        let _ = credit;
    }
    for (to, refund) in refunds {
        net.ledger.credit(to, refund);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::subnet::Subnet;

    const T: u64 = 1_000_000_000;

    #[test]
    fn locks_seed_one_to_one_pools_and_the_rest_is_refunded() {
        let mut big = Subnet::new(
            NetUid(1),
            Pool::new(Tao::ZERO, Alpha::ZERO, QuoteWeight::HALF),
            360,
            0,
        );
        big.mechanism = Mechanism::Stable;
        big.locked = Tao(500 * T);
        let small = Subnet::new(
            NetUid(2),
            Pool::new(Tao(T / 4), Alpha(T / 4), QuoteWeight::HALF),
            360,
            0,
        );
        let subnets = vec![big, small];
        let held: u64 = subnets.iter().map(|s| s.tao_held()).sum();
        let ledger = Ledger::new(Tao(1_000 * T), &[], Tao(held)).unwrap();
        let mut net = Network {
            block: 10,
            ledger,
            block_emission: Tao(T),
            subnets,
            hotkeys: vec![],
        };
        let mut params = Params::default();
        let report = migrate_to_dtao(&mut net, &mut params, &[(NetUid(1), 300_000_000)]).unwrap();
        assert_eq!(report.subnets, 2);
        assert_eq!(report.refunded, Tao(499 * T));
        assert_eq!(report.minted, Tao(T - T / 4));
        assert_eq!(net.ledger.total_issuance(), Tao(1_000 * T + T - T / 4));
        assert_eq!(params.network_min_lock, T);
        for s in &net.subnets {
            assert_eq!(s.pool.tao_reserve, Tao(T));
            assert_eq!(s.pool.alpha_reserve, Alpha(T));
            assert_eq!(s.mechanism, Mechanism::Dynamic);
        }
        // 0.3 TAO a block, to I96F32's precision.
        let mp = net.subnets[0].moving_price.to_num::<f64>();
        assert!((mp - 0.3).abs() < 1e-9, "{mp}");
        assert_eq!(net.subnets[1].moving_price, I96F32::from_num(0));
        assert_eq!(net.held_total(), net.ledger.total_issuance());
    }
}
