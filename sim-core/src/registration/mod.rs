//! Neuron registration prices and subnet lock cost (spec sections 4 and 5).
//!
//! * [`neuron`]: one subnet's registration price and counters under either rule
//!   ([`crate::rules::NeuronBurn`]), built on [`burn`] (current decay-and-bump rule, spec 4.1,
//!   with its Q32 arithmetic in [`q32`]) and [`burn_legacy`] (interval adjustment, spec 4.2).
//! * [`demand`]: a scenario's recurring, price-elastic registration demand (not a chain rule).
//! * [`prune`]: which UID a registration replaces (spec 4.3) and which subnet a registration at
//!   the subnet limit dissolves (spec 5.4).
//! * [`lock_cost`]: the subnet registration lock and its rate limit (spec 5.1).
//! * [`network`]: what a subnet registration does with the lock: the new pool (spec 5.2).
//!
//! Everything here is plain data in, plain data out: the engine owns the state structs and calls
//! these per block and per registration.

pub mod burn;
pub mod burn_legacy;
pub mod demand;
pub mod lock_cost;
pub mod network;
pub mod neuron;
pub mod prune;
pub mod q32;

pub use burn::{bumped_burn, decayed_burn, BurnDecay, DecayBumpConfig};
pub use burn_legacy::{
    adjust_for_interval, upgraded_value, Adjustment, AdjustmentCase, IntervalConfig,
    IntervalCounters,
};
pub use lock_cost::{lock_reduction_interval, lock_reduction_interval_at_issuance, NetworkLock};
pub use network::{
    check_subnet_limit, median_subnet_alpha_price, register_network_pool, MedianPrice,
    NewSubnetPool, RegisterNetworkError,
};
pub use neuron::{
    initial_burn, Admission, BlockStart, NeuronRegistration, NeuronRegistrationConfig,
    RegistrationKind,
};
pub use prune::{
    immune_owner_uids, is_immune, network_to_prune, neuron_to_prune, NeuronPruneView,
    SubnetPruneView,
};

use crate::units::Tao;
use thiserror::Error;

/// `DefaultNeuronBurnCost`: the price a new subnet starts with (1 TAO).
pub const DEFAULT_NEURON_BURN: Tao = Tao::from_tokens(1);
/// The `Burn` storage default (`InitialBurn`) from 2025-05-25 (`5505242ff`) until the current
/// rule: 0.1 TAO.
pub const LEGACY_INITIAL_BURN: Tao = Tao(100_000_000);
/// `MinBurn` default (runtime `SubtensorInitialMinBurn`): 0.0005 TAO.
pub const DEFAULT_MIN_BURN: Tao = Tao(500_000);
/// `MaxBurn` default (runtime `SubtensorInitialMaxBurn`): 100 TAO.
pub const DEFAULT_MAX_BURN: Tao = Tao::from_tokens(100);
/// `ExistentialDeposit` (runtime): the balance a transfer that keeps the account alive leaves.
pub const EXISTENTIAL_DEPOSIT: Tao = Tao(500);

/// `MinBurn` and `MaxBurn` of one subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct BurnBounds {
    pub min: Tao,
    pub max: Tao,
}

impl Default for BurnBounds {
    fn default() -> Self {
        Self {
            min: DEFAULT_MIN_BURN,
            max: DEFAULT_MAX_BURN,
        }
    }
}

impl BurnBounds {
    /// Raise to `min`, then lower to `max`, in that order as the current rule does, so that
    /// `max` wins should an owner set `min > max` (where `Ord::clamp` would panic).
    pub fn clamp(self, burn: Tao) -> Tao {
        let raised = if burn < self.min { self.min } else { burn };
        if raised > self.max {
            self.max
        } else {
            raised
        }
    }
}

/// Why a neuron registration is refused (the chain's `Error` variants for these checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum RegistrationError {
    /// `RegistrationPriceLimitExceeded`: `register_limit` with a limit below the price.
    #[error("registration price {price} is above the caller's limit {limit}")]
    PriceLimitExceeded { price: Tao, limit: Tao },
    /// `NotEnoughBalanceToStake`: the price is above the coldkey's free balance.
    #[error("registration price {price} is above the free balance {balance}")]
    NotEnoughBalance { price: Tao, balance: Tao },
    /// `InsufficientBalance` / `ZeroBalanceAfterWithdrawn`: nothing can move without taking the
    /// account below the existential deposit.
    #[error("a free balance of {balance} cannot pay anything and keep the existential deposit")]
    WouldReapAccount { balance: Tao },
    /// `TooManyRegistrationsThisBlock` (interval rules; root only since 2026-04-22).
    #[error("rate limit: already {max} registration(s) on this subnet in this block")]
    TooManyRegistrationsThisBlock { max: u16 },
    /// `TooManyRegistrationsThisInterval` (interval rules): at most 3 x target per interval.
    #[error("rate limit: already {max} registrations on this subnet in this interval")]
    TooManyRegistrationsThisInterval { max: u16 },
}

/// What a transfer that keeps the payer alive moves: `min(amount, free − ED)`
/// (`transfer_tao_to_subnet`; `remove_balance_from_coldkey_account` before it). An amount of 0
/// moves 0; `None` when a positive amount would move nothing (the chain's `InsufficientBalance`).
pub fn preserving_transfer(amount: Tao, free_balance: Tao) -> Option<Tao> {
    if amount.is_zero() {
        return Some(Tao::ZERO);
    }
    let movable = free_balance.saturating_sub(EXISTENTIAL_DEPOSIT);
    let moved = amount.min(movable);
    (!moved.is_zero()).then_some(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamping_tolerates_crossed_bounds() {
        let crossed = BurnBounds {
            min: Tao(10),
            max: Tao(5),
        };
        assert_eq!(crossed.clamp(Tao(1)), Tao(5));
        assert_eq!(BurnBounds::default().clamp(Tao(1)), DEFAULT_MIN_BURN);
        assert_eq!(BurnBounds::default().clamp(Tao::MAX), DEFAULT_MAX_BURN);
    }

    #[test]
    fn transfers_keep_the_existential_deposit() {
        assert_eq!(preserving_transfer(Tao(1_000), Tao(1_000)), Some(Tao(500)));
        assert_eq!(
            preserving_transfer(Tao(1_000), Tao(10_000)),
            Some(Tao(1_000))
        );
        assert_eq!(preserving_transfer(Tao(1_000), Tao(500)), None);
        assert_eq!(preserving_transfer(Tao::ZERO, Tao::ZERO), Some(Tao::ZERO));
    }
}
