//! One hotkey's nominator pool on one subnet (spec 6.5).
//!
//! Mirrors the chain's `SharePool` (`primitives/share-pool`) over the storage layer
//! `HotkeyAlphaSharePoolDataOperations` (`staking/stake_utils.rs`): the pool value is
//! `TotalHotkeyAlpha`, the denominator `TotalHotkeySharesV2`, a coldkey's shares `AlphaV2`.
//! A coldkey's stake is `floor(value * share / denominator)`. Staking mints shares at the current
//! value per share; dividends raise the value and so every holder's stake at once.
//!
//! Coldkeys are kept in coldkey order (`Shares`: one inline, more in a `BTreeMap`), so every
//! iteration is in key order, as the chain's storage iteration is assumed to be. A share that
//! becomes zero is removed, as the chain removes the `AlphaV2` entry.

use super::safe_float::SafeFloat;
use super::shares::Shares;

/// A share pool keyed by coldkey `C`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(bound(deserialize = "C: Ord + serde::Deserialize<'de>"))]
pub struct SharePool<C: Ord> {
    value: u64,
    denominator: SafeFloat,
    /// Never a zero share (the chain removes the entry): every write drops one, and so does
    /// reading a pool back.
    #[serde(bound(serialize = "C: serde::Serialize"))]
    shares: Shares<C>,
}

impl<C: Ord> Default for SharePool<C> {
    fn default() -> Self {
        Self {
            value: 0,
            denominator: SafeFloat::ZERO,
            shares: Shares::default(),
        }
    }
}

impl<C: Ord + Clone> SharePool<C> {
    /// An empty pool (no stake, no shares).
    pub fn new() -> Self {
        Self::default()
    }

    /// A pool from its stored parts, as read from chain storage. Zero shares are dropped, since
    /// the chain never stores them.
    pub fn from_parts(
        value: u64,
        denominator: SafeFloat,
        shares: impl IntoIterator<Item = (C, SafeFloat)>,
    ) -> Self {
        Self {
            value,
            denominator,
            shares: Shares::from_map(shares.into_iter().collect()),
        }
    }

    /// `TotalHotkeyAlpha`: everything staked on the hotkey here, dividends included.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// `TotalHotkeySharesV2`.
    pub fn denominator(&self) -> SafeFloat {
        self.denominator
    }

    /// `AlphaV2` of one coldkey (zero when it holds none).
    pub fn share_of(&self, coldkey: &C) -> SafeFloat {
        self.shares.get(coldkey).copied().unwrap_or_default()
    }

    /// Every coldkey holding shares, in key order.
    pub fn shares(&self) -> impl Iterator<Item = (&C, &SafeFloat)> {
        self.shares.iter()
    }

    /// True when the pool holds neither value nor shares (nothing to store).
    pub fn is_empty(&self) -> bool {
        self.value == 0 && self.denominator.is_zero() && self.shares.is_empty()
    }

    /// What a number of shares is worth now: `floor(value * shares / denominator)`, 0 when the
    /// pool has no denominator (`SharePool::get_value_from_shares`).
    pub fn value_of_shares(&self, shares: &SafeFloat) -> u64 {
        SafeFloat::from_u64(self.value)
            .mul_div(shares, &self.denominator)
            .unwrap_or_default()
            .to_u64()
    }

    /// A coldkey's stake (`get_stake_for_hotkey_and_coldkey_on_subnet`, `SharePool::get_value`).
    pub fn stake_of(&self, coldkey: &C) -> u64 {
        match self.shares.get(coldkey) {
            Some(share) => self.value_of_shares(share),
            None => 0,
        }
    }

    /// Adds value for every holder at once: validator dividends after the take
    /// (`increase_stake_for_hotkey_on_subnet` -> `update_value_for_all`). The chain passes the
    /// amount through `as i64`; amounts above i64::MAX (beyond all alpha ever issued) would wrap
    /// and reduce the pool, exactly as there.
    pub fn add_to_all(&mut self, amount: u64) {
        self.update_value_for_all(amount as i64);
    }

    /// Removes value from every holder at once (`decrease_stake_for_hotkey_on_subnet`).
    pub fn remove_from_all(&mut self, amount: u64) {
        self.update_value_for_all((amount as i64).wrapping_neg());
    }

    /// Stakes `amount` for a coldkey: mints `amount * denominator / value` shares, or, in a
    /// pool without shares, gives the coldkey `amount` shares as the whole denominator
    /// (`increase_stake_for_hotkey_and_coldkey_on_subnet` -> `update_value_for_one`).
    pub fn stake(&mut self, coldkey: &C, amount: u64) {
        // Staking nothing in a pool with shares mints no shares (0 x denominator / value is 0,
        // and adding or subtracting 0 keeps a SafeFloat as it is) and leaves the value: the
        // chain's update only rewrites the coldkey's share as it was, which would drop it if it
        // were zero, and no share is. Most of an epoch's credits are such zeros (takes and
        // incentives of UIDs that earned nothing), so they skip the arithmetic and the map.
        if amount == 0 && !self.denominator.is_zero() {
            debug_assert!(!self.shares.get(coldkey).is_some_and(SafeFloat::is_zero));
            return;
        }
        self.update_value_for_one(coldkey, amount as i64);
    }

    /// Unstakes `amount` from a coldkey if its stake covers it; returns whether it did
    /// (`decrease_stake_for_hotkey_and_coldkey_on_subnet`, which is a no-op otherwise).
    pub fn unstake(&mut self, coldkey: &C, amount: u64) -> bool {
        if self.shares.get(coldkey).is_none() || self.stake_of(coldkey) < amount {
            return false;
        }
        self.update_value_for_one(coldkey, (amount as i64).wrapping_neg());
        true
    }

    /// Whether staking `amount` would mint any shares (`try_increase_stake_...`,
    /// `SharePool::sim_update_value_for_one`): always true in a pool without shares.
    pub fn would_mint_shares(&self, amount: u64) -> bool {
        if self.denominator.is_zero() {
            return true;
        }
        !self.shares_per_update(amount as i64).is_zero()
    }

    /// Shares worth `|update|` at the current value per share (`get_shares_per_update`); zero
    /// when the pool value is zero.
    fn shares_per_update(&self, update: i64) -> SafeFloat {
        SafeFloat::from_u64(update.unsigned_abs())
            .mul_div(&self.denominator, &SafeFloat::from_u64(self.value))
            .unwrap_or_default()
    }

    /// `SharePool::update_value_for_all`: saturating change of the pool value.
    fn update_value_for_all(&mut self, update: i64) {
        self.value = if update >= 0 {
            self.value.saturating_add(update as u64)
        } else {
            self.value.saturating_sub(update.unsigned_abs())
        };
    }

    /// `SharePool::update_value_for_one`: a pool without shares is (re)initialised with this
    /// coldkey holding `|update|` shares; otherwise shares worth `|update|` are added to (or
    /// taken from) the coldkey and the denominator. A SafeFloat failure keeps the old value, as
    /// the chain does. Then the pool value changes by `update`.
    fn update_value_for_one(&mut self, coldkey: &C, update: i64) {
        if self.denominator.is_zero() {
            let shares = SafeFloat::from_u64(update.unsigned_abs());
            self.denominator = shares;
            self.shares.update(coldkey, |_| shares);
        } else {
            let delta = self.shares_per_update(update);
            let apply = |x: &SafeFloat| {
                if update > 0 {
                    x.add(&delta)
                } else {
                    x.sub(&delta)
                }
            };
            self.denominator = apply(&self.denominator).unwrap_or(self.denominator);
            // A SafeFloat failure keeps the coldkey's share as it was (zero when absent).
            self.shares
                .update(coldkey, |share| apply(share).unwrap_or(*share));
        }
        self.update_value_for_all(update);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staking_zero_is_the_chains_update() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        for _ in 0..2_000 {
            let mut pool: SharePool<u8> = SharePool::new();
            for _ in 0..rng.gen_range(0..5) {
                let width = rng.gen_range(0..64);
                let amount = rng.gen_range(0..u64::MAX >> width);
                pool.stake(&rng.gen_range(0..4), amount);
            }
            if rng.gen_bool(0.3) {
                pool.add_to_all(rng.gen_range(0..1_000_000));
            }
            let coldkey = rng.gen_range(0..5);
            let mut reference = pool.clone();
            reference.update_value_for_one(&coldkey, 0);
            pool.stake(&coldkey, 0);
            assert_eq!(pool, reference);
        }
    }

    #[test]
    fn first_staker_gets_everything_then_pro_rata() {
        let mut pool: SharePool<u8> = SharePool::new();
        pool.stake(&1, 1000);
        assert_eq!(pool.stake_of(&1), 1000);
        pool.stake(&2, 500);
        assert_eq!(pool.stake_of(&2), 500);
        pool.add_to_all(150);
        assert_eq!(pool.value(), 1650);
        assert_eq!(pool.stake_of(&1), 1100);
        assert_eq!(pool.stake_of(&2), 550);
    }

    #[test]
    fn unstake_needs_cover_and_empties_the_share() {
        let mut pool: SharePool<u8> = SharePool::new();
        pool.stake(&1, 1000);
        assert!(!pool.unstake(&1, 1001));
        assert!(!pool.unstake(&9, 1));
        assert!(pool.unstake(&1, 1000));
        assert_eq!(pool.stake_of(&1), 0);
        assert_eq!(pool.share_of(&1), SafeFloat::ZERO);
        assert_eq!(pool.value(), 0);
    }

    #[test]
    fn denominator_precision_like_the_chain_test() {
        // share-pool test_denom_precision.
        let mut pool: SharePool<u16> = SharePool::new();
        pool.stake(&1, 1000);
        assert!(pool.unstake(&1, 990));
        pool.stake(&2, 1000);
        assert!(pool.unstake(&2, 990));
        assert_eq!(pool.stake_of(&1), 10);
        assert_eq!(pool.stake_of(&2), 10);
    }

    /// share-pool test_denom_high_precision: two 1-rao stakers survive a huge emission, a
    /// near-total unstake, another emission and a restake, within one rao.
    #[test]
    fn high_precision_after_huge_emissions() {
        let mut pool: SharePool<u16> = SharePool::new();
        pool.stake(&1, 1);
        pool.stake(&2, 1);
        pool.add_to_all(999_999_999_999_998);
        assert!(pool.unstake(&1, 499_999_999_999_990));
        assert!(pool.unstake(&2, 499_999_999_999_990));
        pool.add_to_all(999_999_999_999_980);
        pool.stake(&1, 1_000_000_000_000);
        pool.stake(&2, 1_000_000_000_000);
        for c in [1, 2] {
            assert!(pool.stake_of(&c).abs_diff(501_000_000_000_000) <= 1);
        }
    }

    /// share-pool test_denom_high_precision_many_small_unstakes.
    #[test]
    fn many_small_unstakes_lose_nothing() {
        let mut pool: SharePool<u16> = SharePool::new();
        pool.stake(&1, 1);
        pool.stake(&2, 1);
        pool.add_to_all(1_000_000_000_000_000);
        for _ in 0..1000 {
            assert!(pool.unstake(&1, 500_000_000));
            assert!(pool.unstake(&2, 500_000_000));
        }
        pool.add_to_all(1_000_000_000_000_000);
        pool.stake(&1, 1_000_000_000_000);
        pool.stake(&2, 1_000_000_000_000);
        let expected = 1_001_000_000_000_000u64 - 1000 * 500_000_000;
        for c in [1, 2] {
            assert!(pool.stake_of(&c).abs_diff(expected) <= 1);
        }
    }

    /// share-pool test_loss_due_to_precision (the SN64 case): a tiny denominator must not
    /// make a small unstake wipe the stake.
    #[test]
    fn small_unstake_from_a_tiny_denominator() {
        let tiny = |e| SafeFloat::new(1, e).expect("valid");
        let mut pool = SharePool::from_parts(1_000_000_000_000, tiny(-14), [(1u16, tiny(-15))]);
        let before = pool.stake_of(&1);
        assert_eq!(before, 100_000_000_000);
        assert!(pool.unstake(&1, 1000));
        assert_eq!(before - pool.stake_of(&1), 1000);
    }

    /// A pool read back holds no zero share, as none written does.
    #[test]
    fn a_pool_read_back_drops_zero_shares() {
        let mut pool: SharePool<u8> = SharePool::new();
        pool.stake(&1, 1000);
        pool.stake(&2, 500);
        let zero = serde_json::to_string(&SafeFloat::ZERO).unwrap();
        let json = serde_json::to_string(&pool).unwrap().replacen(
            r#""shares":{"#,
            &format!(r#""shares":{{"0":{zero},"#),
            1,
        );
        assert!(json.contains(&zero), "{json}");
        let read: SharePool<u8> = serde_json::from_str(&json).unwrap();
        assert_eq!(read, pool);
        assert!(read.shares().all(|(_, s)| !s.is_zero()));
    }
}
