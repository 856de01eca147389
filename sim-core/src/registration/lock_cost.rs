//! The subnet registration lock cost and rate limit (spec 5.1).
//!
//! The lock doubles at each subnet registration and falls linearly back to the last lock over one
//! lock reduction interval, and to `NetworkMinLockCost` over the next, where the interval shrinks
//! with each TAO halving. Mirrors `coinbase/root.rs::get_network_lock_cost` and
//! `get_lock_reduction_interval`, and the `RegisterNetwork` rate limit of
//! `utils/rate_limiting.rs`.

use super::network::RegisterNetworkError;
use crate::emission::{block_emission_for_issuance, DEFAULT_BLOCK_EMISSION};
use crate::units::{BlockNumber, Tao};
use substrate_fixed::types::I64F64;

/// The effective lock reduction interval: `NetworkLockReductionInterval · (block emission / 1
/// TAO)` in I64F64, truncated (`get_lock_reduction_interval`). Halves with each TAO halving;
/// the ratio is exact for the emissions a simulation reaches (1, 0.5, 0.25 ... TAO).
pub fn lock_reduction_interval(storage_interval: u64, block_emission: Tao) -> u64 {
    let ratio = I64F64::saturating_from_num(block_emission.rao())
        .checked_div(I64F64::saturating_from_num(DEFAULT_BLOCK_EMISSION))
        .unwrap_or(I64F64::from_num(0));
    I64F64::saturating_from_num(storage_interval)
        .saturating_mul(ratio)
        .saturating_to_num::<u64>()
}

/// [`lock_reduction_interval`] with the emission the chain derives from `TotalIssuance`
/// (`calculate_block_emission`), falling back to 1 TAO when that fails, as the chain does.
pub fn lock_reduction_interval_at_issuance(storage_interval: u64, total_issuance: Tao) -> u64 {
    let emission =
        block_emission_for_issuance(total_issuance.rao()).unwrap_or(DEFAULT_BLOCK_EMISSION);
    lock_reduction_interval(storage_interval, Tao(emission))
}

/// `NetworkLastLockCost` and `NetworkLastLockBlock`: the last subnet registration's lock and
/// block, which set both the next lock cost and the rate limit.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct NetworkLock {
    pub last_lock: Tao,
    /// 0 means "never registered": the cost then starts from the last lock, not twice it.
    pub last_lock_block: BlockNumber,
}

impl NetworkLock {
    /// The lock a subnet registration at `block` costs (`get_network_lock_cost`):
    /// `max(min_lock, m·L − floor(L / interval)·(block − b_last))` with `m = 2` (1 if never
    /// registered), all saturating; a zero interval divides to 0, i.e. no decay.
    ///
    /// The per-block step `floor(L / interval)` is taken before multiplying, so the decay over
    /// one interval can fall a few rao short of `L`.
    pub fn cost(&self, min_lock: Tao, effective_interval: u64, block: BlockNumber) -> Tao {
        let last = self.last_lock.rao();
        let mult = if self.last_lock_block == 0 { 1 } else { 2 };
        let step = last.checked_div(effective_interval).unwrap_or(0);
        let decay = step.saturating_mul(block.saturating_sub(self.last_lock_block));
        let cost = Tao(last.saturating_mul(mult).saturating_sub(decay));
        cost.max(min_lock)
    }

    /// Whether the `RegisterNetwork` rate limit lets a registration through at `block`: the
    /// first one always, else `block − NetworkLastLockBlock ≥ NetworkRateLimit`
    /// (`check_passes_rate_limit`). The limit is global, not per coldkey.
    pub fn rate_limit_passes(&self, rate_limit: u64, block: BlockNumber) -> bool {
        self.last_lock_block == 0 || block.saturating_sub(self.last_lock_block) >= rate_limit
    }

    /// [`Self::rate_limit_passes`] as the chain's refusal (`NetworkTxRateLimitExceeded`).
    pub fn check_rate_limit(
        &self,
        rate_limit: u64,
        block: BlockNumber,
    ) -> Result<(), RegisterNetworkError> {
        if self.rate_limit_passes(rate_limit, block) {
            Ok(())
        } else {
            Err(RegisterNetworkError::RateLimited {
                next_allowed: self.last_lock_block.saturating_add(rate_limit),
            })
        }
    }

    /// Books a subnet registration: the chain stores the lock actually transferred (which keeps
    /// the existential deposit, so it can be below the cost) and the block.
    pub fn record(&mut self, actual_lock: Tao, block: BlockNumber) {
        self.last_lock = actual_lock;
        self.last_lock_block = block;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_follows_the_halvings() {
        assert_eq!(lock_reduction_interval(57_600, Tao(500_000_000)), 28_800);
        assert_eq!(lock_reduction_interval(57_600, Tao(1_000_000_000)), 57_600);
        assert_eq!(lock_reduction_interval(57_600, Tao::ZERO), 0);
        assert_eq!(
            lock_reduction_interval_at_issuance(57_600, Tao(16_000_000 * crate::RAO_PER_TAO)),
            14_400
        );
    }

    #[test]
    fn the_cost_doubles_then_decays_to_the_minimum() {
        let lock = NetworkLock {
            last_lock: Tao::from_tokens(1_000),
            last_lock_block: 100,
        };
        let min = Tao::from_tokens(1);
        assert_eq!(lock.cost(min, 1_000, 100), Tao::from_tokens(2_000));
        assert_eq!(lock.cost(min, 1_000, 1_100), Tao::from_tokens(1_000));
        assert_eq!(lock.cost(min, 1_000, 2_100), min);
        assert_eq!(lock.cost(min, 0, 5_000), Tao::from_tokens(2_000));
        assert!(!lock.rate_limit_passes(28_800, 28_899));
        assert!(lock.rate_limit_passes(28_800, 28_900));
        assert!(NetworkLock::default().rate_limit_passes(28_800, 1));
    }
}
