//! What a subnet registration does with its lock: the new subnet's pool (spec 5.2).
//!
//! Current rule (since 2026-04-22): the whole lock stays in the pool, priced at the median spot
//! price of the other subnets, so a new subnet starts at the market's typical price instead of
//! 1.0. Mirrors `subnets/subnet.rs::do_register_network` (the lock transfer and pool set-up) and
//! `staking/stake_utils.rs::get_median_subnet_alpha_price`; the dTAO-launch variant is
//! `do_register_network` at `7a727dd4d`.

use super::preserving_transfer;
use crate::rules::LockHandling;
use crate::units::{Alpha, Tao};
use substrate_fixed::types::U64F64;
use thiserror::Error;

/// The median of the other subnets' spot prices (`get_median_subnet_alpha_price`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MedianPrice {
    /// The median, or 1.0 when no subnet has a positive price.
    pub price: U64F64,
    /// How many prices counted (those > 0).
    pub counted: usize,
    /// The two sorted positions averaged, `((n−1)/2, n/2)`; equal for an odd count; `None`
    /// when nothing counted.
    pub targets: Option<(usize, usize)>,
}

/// The median spot price over the non-root subnets, ignoring prices of 0: the middle price for
/// an odd count, the floor of the mean of the two middle prices (U64F64, saturating sum) for an
/// even count, and 1.0 when no price counts. The caller passes `current_alpha_price` of every
/// added non-root subnet, in any order.
pub fn median_subnet_alpha_price(prices: impl IntoIterator<Item = U64F64>) -> MedianPrice {
    let mut positive: Vec<U64F64> = prices
        .into_iter()
        .filter(|p| *p > U64F64::from_num(0))
        .collect();
    if positive.is_empty() {
        return MedianPrice {
            price: U64F64::from_num(1),
            counted: 0,
            targets: None,
        };
    }
    positive.sort_unstable();
    let n = positive.len();
    let (lower, upper) = ((n - 1) / 2, n / 2);
    let price = if lower == upper {
        positive[upper]
    } else {
        positive[lower]
            .saturating_add(positive[upper])
            .checked_div(U64F64::from_num(2))
            .unwrap_or(U64F64::from_num(0))
    };
    MedianPrice {
        price,
        counted: n,
        targets: Some((lower, upper)),
    }
}

/// Why a subnet registration is refused at the lock (the chain's `Error` variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum RegisterNetworkError {
    /// `CannotAffordLockCost`: the lock is above the coldkey's free balance.
    #[error("cannot afford the lock: lock cost {lock} is above the free balance {balance}")]
    CannotAffordLockCost { lock: Tao, balance: Tao },
    /// `InsufficientBalance`: nothing can move without taking the account below the existential
    /// deposit.
    #[error("a free balance of {balance} cannot pay the lock and keep the existential deposit")]
    WouldReapAccount { balance: Tao },
    /// `NetworkTxRateLimitExceeded`: too soon after the last subnet registration.
    #[error("rate limit: next subnet registration allowed at block {next_allowed}")]
    RateLimited { next_allowed: u64 },
    /// `SubnetLimitReached`: the subnet limit is reached and no subnet can be pruned.
    #[error("subnet limit reached and every subnet is immune to pruning")]
    SubnetLimitReached,
}

/// The subnet-limit step of `do_register_network`: below `SubnetLimit` (non-root subnets) a new
/// netuid is used (`Ok(None)`); at the limit the prunable subnet from
/// [`super::network_to_prune`] is dissolved and its netuid reused (`Ok(Some)`), and with none
/// prunable the registration fails.
pub fn check_subnet_limit(
    subnet_count: u16,
    subnet_limit: u16,
    prunable: Option<crate::units::NetUid>,
) -> Result<Option<crate::units::NetUid>, RegisterNetworkError> {
    if subnet_count < subnet_limit {
        return Ok(None);
    }
    prunable
        .map(Some)
        .ok_or(RegisterNetworkError::SubnetLimitReached)
}

/// A new subnet's pool and the lock's bookkeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewSubnetPool {
    /// What left the owner's coldkey: `min(lock, free − ED)`. The chain also stores this as
    /// `NetworkLastLockCost` (see [`super::NetworkLock::record`]).
    pub actual_lock: Tao,
    /// `SubnetTAO`.
    pub subnet_tao: Tao,
    /// `SubnetAlphaIn`.
    pub alpha_in: Alpha,
    /// `SubnetAlphaOut`: always 0 for a new subnet.
    pub alpha_out: Alpha,
    /// TAO recycled out of issuance (`RAORecycledForRegistration`).
    pub recycled: Tao,
    /// `SubnetLocked`: the lock as transferred.
    pub subnet_locked: Tao,
    /// What the registration adds to `TotalStake`.
    pub total_stake_increase: Tao,
    /// `SubnetEmissionEnabled` for the new subnet: false since 2026-06-23 (PR #2787); the engine
    /// overrides it for earlier eras.
    pub emission_enabled: bool,
}

/// The lock check and transfer, then the pool under the era's [`LockHandling`].
///
/// * `PoolAtMedianPrice` (current): `SubnetTAO = max(actual, min_lock)`,
///   `SubnetAlphaIn = floor(SubnetTAO / median)` in U64F64 (0 if the quotient overflows:
///   `safe_div`), nothing recycled. A lock clamped by the ED still gets the full `min_lock`.
/// * `SeedMinLockRecycleRest` (dTAO launch to 2026-04-21): the pool gets `min_lock` TAO and as
///   much alpha (price 1.0); `actual − min_lock` is recycled; `TotalStake` grows by `min_lock`
///   only when something was locked.
/// * `Locked` (pre-dTAO): no pool; the lock is held as `SubnetLocked` (refundable).
///
/// `median` is [`median_subnet_alpha_price`] taken before the new subnet exists; it only matters
/// for the current rule.
pub fn register_network_pool(
    handling: LockHandling,
    lock_cost: Tao,
    free_balance: Tao,
    min_lock: Tao,
    median: U64F64,
) -> Result<NewSubnetPool, RegisterNetworkError> {
    if lock_cost > free_balance {
        return Err(RegisterNetworkError::CannotAffordLockCost {
            lock: lock_cost,
            balance: free_balance,
        });
    }
    let actual = preserving_transfer(lock_cost, free_balance).ok_or(
        RegisterNetworkError::WouldReapAccount {
            balance: free_balance,
        },
    )?;
    let pool = match handling {
        LockHandling::PoolAtMedianPrice => {
            let subnet_tao = actual.max(min_lock);
            let alpha_in = U64F64::saturating_from_num(subnet_tao.rao())
                .checked_div(median)
                .unwrap_or(U64F64::from_num(0))
                .saturating_to_num::<u64>();
            NewSubnetPool {
                actual_lock: actual,
                subnet_tao,
                alpha_in: Alpha(alpha_in),
                alpha_out: Alpha::ZERO,
                recycled: actual.saturating_sub(subnet_tao),
                subnet_locked: actual,
                total_stake_increase: subnet_tao,
                emission_enabled: false,
            }
        }
        LockHandling::SeedMinLockRecycleRest => NewSubnetPool {
            actual_lock: actual,
            subnet_tao: min_lock,
            alpha_in: Alpha(min_lock.rao()),
            alpha_out: Alpha::ZERO,
            recycled: actual.saturating_sub(min_lock),
            subnet_locked: actual,
            total_stake_increase: if actual.is_zero() {
                Tao::ZERO
            } else {
                min_lock
            },
            emission_enabled: false,
        },
        LockHandling::Locked => NewSubnetPool {
            actual_lock: actual,
            subnet_tao: Tao::ZERO,
            alpha_in: Alpha::ZERO,
            alpha_out: Alpha::ZERO,
            recycled: Tao::ZERO,
            subnet_locked: actual,
            total_stake_increase: Tao::ZERO,
            emission_enabled: false,
        },
    };
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64) -> U64F64 {
        U64F64::from_num(x)
    }

    #[test]
    fn the_median_ignores_zeros_and_averages_even_counts() {
        let m = median_subnet_alpha_price([p(0.0), p(0.3), p(0.1), p(0.0)]);
        assert_eq!(m.counted, 2);
        assert_eq!(m.targets, Some((0, 1)));
        assert_eq!(m.price, (p(0.3) + p(0.1)).checked_div(p(2.0)).unwrap());
        let m = median_subnet_alpha_price([p(0.5), p(0.25), p(2.0)]);
        assert_eq!((m.price, m.targets), (p(0.5), Some((1, 1))));
        assert_eq!(median_subnet_alpha_price([p(0.0)]).price, p(1.0));
    }

    #[test]
    fn the_launch_pool_seeds_the_minimum_at_price_one() {
        let min = Tao::from_tokens(1);
        let pool = register_network_pool(
            LockHandling::SeedMinLockRecycleRest,
            Tao::from_tokens(100),
            Tao::from_tokens(200),
            min,
            p(0.01),
        )
        .unwrap();
        assert_eq!(pool.subnet_tao, min);
        assert_eq!(pool.alpha_in, Alpha::from_tokens(1));
        assert_eq!(pool.recycled, Tao::from_tokens(99));
        assert_eq!(pool.total_stake_increase, min);
    }

    #[test]
    fn locks_are_checked_against_the_balance() {
        let min = Tao::from_tokens(1);
        assert_eq!(
            register_network_pool(
                LockHandling::PoolAtMedianPrice,
                Tao(10),
                Tao(9),
                min,
                p(1.0)
            ),
            Err(RegisterNetworkError::CannotAffordLockCost {
                lock: Tao(10),
                balance: Tao(9)
            })
        );
        assert_eq!(
            register_network_pool(
                LockHandling::PoolAtMedianPrice,
                Tao(10),
                Tao(500),
                min,
                p(1.0)
            ),
            Err(RegisterNetworkError::WouldReapAccount { balance: Tao(500) })
        );
    }
}
