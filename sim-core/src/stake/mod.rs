//! Stake: per-hotkey share pools of nominators (spec 6.5), the epoch payout into them
//! (spec 2.8, 6.7) and root-dividend claims (spec 2.10).
//!
//! * [`safe_float`]: the decimal float the chain stores shares in (`SafeFloat`);
//! * [`share_pool`]: one hotkey's pool on one subnet (`TotalHotkeyAlpha`,
//!   `TotalHotkeySharesV2`, `AlphaV2`);
//! * [`childkeys`]: a validator's dividend split among itself and its parents;
//! * [`dividends`]: the alpha / root split of the dividend weights;
//! * [`distribute`]: `distribute_emission`, the epoch payout;
//! * [`root_claim`]: `RootClaimable` rates, claims, and the `RootClaimed` watermarks;
//! * [`ops`]: the staking extrinsics (add, remove, move, unstake all) on the network.
//!
//! Hotkeys and coldkeys are generic ([`AccountKey`]): the parity tests use the vectors' string
//! ids, the engine its own ids. Every map is ordered, so results never depend on hashing.

pub mod childkeys;
pub mod distribute;
pub mod dividends;
pub mod ops;
pub mod root_claim;
pub mod safe_float;
pub mod share_pool;
mod shares;
mod wide;

pub use childkeys::{ParentChildSplit, ParentShare};
pub use distribute::{
    distribute_emission, Credit, CreditKind, DistributeInput, DistributeReport, EmissionEntry,
    HotkeyInfo, PayoutError, PendingPayout, RecycleOrBurn,
};
pub use dividends::DividendSplit;
pub use ops::{
    add_stake, add_stake_limit, move_stake, remove_stake, remove_stake_limit, unstake_all, FeeSink,
    Receipt, RootClaimedBook, RootDelta, RootStakeChange, StakeError,
};
pub use root_claim::{
    add_stake_adjust_root_claimed, remove_stake_adjust_root_claimed, root_claim_on_subnet,
    root_claimable_increment, ClaimAccounts, ClaimOutcome, ClaimableIncrement, RootClaim,
    RootClaimRequest, RootClaimType, DEFAULT_ROOT_CLAIMABLE_THRESHOLD,
};
pub use safe_float::SafeFloat;
pub use share_pool::SharePool;

use crate::fixed_div::CheckedDivFast;
use substrate_fixed::types::U96F32;

/// What an account id needs here: a total order (the chain iterates its maps in key order) and
/// cheap copies into result maps.
pub trait AccountKey: Ord + Clone + std::fmt::Debug {}
impl<T: Ord + Clone + std::fmt::Debug> AccountKey for T {}

/// `value / u16::MAX` in U96F32, 0 on a zero divisor (`safe_div`): delegate take
/// (`get_hotkey_take_float`), childkey take, owner cut.
pub(crate) fn u16_fraction(value: u16) -> U96F32 {
    U96F32::saturating_from_num(value)
        .checked_div_fast(U96F32::saturating_from_num(u16::MAX))
        .unwrap_or_default()
}

/// `value / u64::MAX` in U96F32 (`safe_div`): `TaoWeight` (`get_tao_weight`), `CKBurn`
/// (`get_ck_burn`) and childkey proportions.
///
/// The division's quotient bits are `floor(value * 2^32 / (2^64 - 1))`, whose divisor makes it a
/// 128-bit software division. Without one: with `value * 2^32 = hi * 2^64 + lo`, the dividend
/// is `hi * (2^64 - 1) + (hi + lo)`, and `hi + lo < 2 * (2^64 - 1)`, so the quotient is `hi`, or
/// `hi + 1` when `hi + lo >= 2^64 - 1` (`tests::u64_fraction_is_the_division`).
pub(crate) fn u64_fraction(value: u64) -> U96F32 {
    let hi = u128::from(value >> 32);
    let lo = u128::from(value << 32);
    U96F32::from_bits(hi + u128::from(hi + lo >= u128::from(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn u64_fraction_is_the_division() {
        let division = |v: u64| {
            U96F32::saturating_from_num(v)
                .checked_div(U96F32::saturating_from_num(u64::MAX))
                .unwrap_or_default()
        };
        let mut values = vec![0, 1, 2, u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) - 1];
        for k in [31, 32, 33, 63] {
            values.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
        }
        // Just below and at each carry: hi + lo = 2^64 - 1 where lo = 2^64 - 2^32 (m + 1).
        for m in [0u64, 1, 7, 1 << 20, (1 << 32) - 2, (1 << 32) - 1] {
            let v = (m << 32) | (u64::MAX >> 32);
            values.extend([v.wrapping_sub(1), v, v.wrapping_add(1)]);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(64);
        values.extend((0..1_000_000).map(|_| rng.gen::<u64>() >> rng.gen_range(0..64)));
        for v in values {
            assert_eq!(u64_fraction(v), division(v), "{v}");
        }
    }
}
