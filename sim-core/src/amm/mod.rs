//! Subnet pools: the AMMs the chain has used (spec section 6).
//!
//! * [`Pool`] is one dynamic subnet's pool in the chain's vocabulary: `tao_reserve` is
//!   `SubnetTAO`, `alpha_reserve` is `SubnetAlphaIn`, the balancer weight is `SwapBalancer` and the
//!   fee is `FeeRate`. Its swap, price, weight update and initial weight mirror the swap pallet
//!   (`pallets/swap/src/pallet/{balancer,swap_step,impls}.rs`) bit for bit, including the
//!   arbitrary-precision power in [`bigmath`].
//! * [`constant_product`] is the dTAO-launch curve (`stake_utils.rs::sim_swap_*` at `e2b8367b8`)
//!   with the launch era's flat staking fee as a separate step.
//! * The Uniswap-v3 era (2025-06 to 2026-06, one protocol full-range position) is modelled as the
//!   same [`Pool`] held at quote weight 0.5, i.e. constant product, with the v3 fee rate
//!   (docs/decisions/0004-v3-era-as-constant-product.md).
//!
//! Which curve is in force is [`crate::rules::Amm`].

pub mod balancer;
pub mod bigmath;
pub mod constant_product;
mod fastpow;

pub use balancer::{
    initial_quote_weight, Bought, Pool, Sold, SwapStepTrace, SwapTrace, DEFAULT_FEE_RATE,
};
pub use constant_product::{
    launch_fee_split, launch_price, launch_swap_output, LAUNCH_STAKING_FEE,
};

use substrate_fixed::types::U64F64;
use thiserror::Error;

/// 1.0 as Perquintill parts: the balancer weights are parts of 1e18 (`ACCURACY` in balancer.rs).
pub const WEIGHT_ACCURACY: u64 = 1_000_000_000_000_000_000;
/// Lowest allowed weight, on either side: 0.01 (`MIN_WEIGHT`).
pub const MIN_WEIGHT_PARTS: u64 = WEIGHT_ACCURACY / 100;
/// The output-side reserve a swap needs before it starts, in rao (`SwapMinimumReserve`, runtime).
pub const MIN_SWAP_RESERVE: u64 = 1_000_000;
/// A swap's net input may be at most this many times the input-side reserve
/// (`MAX_SWAP_INPUT_RESERVE_MULTIPLIER`, swap_step.rs).
pub const MAX_SWAP_INPUT_RESERVE_MULTIPLIER: u64 = 1_000;
/// Lowest limit price a caller can pass, in rao of TAO per whole alpha: 1e-6 TAO per alpha
/// (`min_price_inner`); the default limit of sells.
pub const MIN_PRICE_LIMIT: u64 = 1_000;
/// Highest limit price, in rao per alpha: 1e6 TAO per alpha (`max_price_inner`); the default
/// limit of buys.
pub const MAX_PRICE_LIMIT: u64 = 1_000_000_000_000_000;

/// Which way a swap goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// TAO in, alpha out (`GetAlphaForTao`; staking).
    Buy,
    /// Alpha in, TAO out (`GetTaoForAlpha`; unstaking).
    Sell,
}

impl Side {
    /// The limit the chain uses when the caller sets none: the maximum price for buys, the
    /// minimum for sells (`DefaultPriceLimit`), so the limit never binds in practice.
    pub const fn default_price_limit(self) -> u64 {
        match self {
            Side::Buy => MAX_PRICE_LIMIT,
            Side::Sell => MIN_PRICE_LIMIT,
        }
    }
}

/// Why the pool refused a swap (the swap pallet's `Error` variants that a swap can return).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum SwapError {
    /// Net input above 1000 x the input-side reserve.
    #[error("swap input too large: net input above 1000 x the input reserve")]
    SwapInputTooLarge,
    /// Output-side reserve below 1,000,000 rao before the swap, or a non-zero input that would
    /// pay out nothing.
    #[error("reserves too low: output reserve below 1,000,000 rao or zero output")]
    ReservesTooLow,
    /// The limit price is not beyond the current price (a buy limit at or below the price, a sell
    /// limit at or above it).
    #[error("price limit exceeded: the limit is not beyond the current price")]
    PriceLimitExceeded,
    /// The payout exceeds the output-side reserve.
    #[error("insufficient liquidity: payout above the output reserve")]
    InsufficientLiquidity,
}

/// The balancer weight could not be set: it would leave [0.01, 0.99], or (initialisation with a
/// price) both reserves are zero. The chain's `BalancerError::InvalidValue` and
/// `ReservesOutOfBalance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
#[error("reserves out of balance: the quote weight would leave [0.01, 0.99]")]
pub struct ReservesOutOfBalance;

/// What one swap did, in the chain's vocabulary (`SwapResult`). Amounts are rao of the input
/// token (`amount_paid_in`, `fee_paid`, `fee_to_block_author`) or of the output token
/// (`amount_paid_out`); [`Pool::buy`] and [`Pool::sell`] give the same numbers typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SwapResult {
    /// Input that entered the pool, net of the fee.
    pub amount_paid_in: u64,
    /// Output that left the pool.
    pub amount_paid_out: u64,
    /// Fee charged, in the input token.
    pub fee_paid: u64,
    /// The part of the fee that goes to the block author: all of it, unless nothing executed.
    pub fee_to_block_author: u64,
    /// The limit price bound, so only part of the amount executed.
    pub hit_limit: bool,
}

/// The balancer's quote (TAO) weight as Perquintill parts, always within [0.01, 0.99]; the base
/// (alpha) weight is `1e18 - quote`. The chain's `Balancer { quote: Perquintill }`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u64", into = "u64")]
pub struct QuoteWeight(u64);

impl QuoteWeight {
    /// 0.5: constant product, the weight of every new pool.
    pub const HALF: Self = Self(WEIGHT_ACCURACY / 2);

    /// A weight from Perquintill parts; rejected outside [0.01, 0.99] (`Balancer::new`).
    /// Parts above 1e18 count as 1e18 (`Perquintill::from_parts` clamps), hence rejected.
    pub fn from_parts(parts: u64) -> Result<Self, ReservesOutOfBalance> {
        let quote = parts.min(WEIGHT_ACCURACY);
        let base = WEIGHT_ACCURACY - quote;
        if base >= MIN_WEIGHT_PARTS && quote >= MIN_WEIGHT_PARTS {
            Ok(Self(quote))
        } else {
            Err(ReservesOutOfBalance)
        }
    }
    /// Quote (TAO) weight, parts of 1e18.
    pub const fn parts(self) -> u64 {
        self.0
    }
    /// Base (alpha) weight, parts of 1e18.
    pub const fn base_parts(self) -> u64 {
        WEIGHT_ACCURACY - self.0
    }
}

impl Default for QuoteWeight {
    fn default() -> Self {
        Self::HALF
    }
}

impl TryFrom<u64> for QuoteWeight {
    type Error = ReservesOutOfBalance;
    fn try_from(parts: u64) -> Result<Self, Self::Error> {
        Self::from_parts(parts)
    }
}

impl From<QuoteWeight> for u64 {
    fn from(w: QuoteWeight) -> u64 {
        w.0
    }
}

/// A limit price as the chain reads it: rao of TAO per whole alpha, divided by 1e9 in U64F64
/// (`SwapEngine::swap`). 1e15 gives exactly 1e6; 1000 gives 1e-6 truncated to 2^-64.
pub fn limit_price(price_limit: u64) -> U64F64 {
    int_ratio(price_limit, crate::units::RAO_PER_TAO)
}

/// `U64F64(a) / U64F64(b)` for integers, 0 on a zero divisor: the same floor as the fixed-point
/// division (`checked_div`, which never overflows here as `a / b < 2^64`), as one u128 division.
fn int_ratio(a: u64, b: u64) -> U64F64 {
    if b == 0 {
        return U64F64::from_bits(0);
    }
    U64F64::from_bits((u128::from(a) << 64) / u128::from(b))
}

/// The swap fee on an amount: `floor(amount * (fee_rate / 65535))` in U64F64, zero when fees are
/// dropped (`calculate_fee_amount`, dynamic subnets).
pub fn fee_amount(amount: u64, fee_rate: u16, drop_fees: bool) -> u64 {
    if drop_fees {
        return 0;
    }
    let rate = int_ratio(u64::from(fee_rate), u64::from(u16::MAX));
    U64F64::saturating_from_num(amount)
        .saturating_mul(rate)
        .saturating_to_num::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn int_ratio_is_the_fixed_point_division() {
        let check = |a: u64, b: u64| {
            let want = U64F64::saturating_from_num(a)
                .checked_div(U64F64::saturating_from_num(b))
                .unwrap_or(U64F64::from_bits(0));
            assert_eq!(int_ratio(a, b), want, "{a} / {b}");
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100_000 {
            let a = rng.gen::<u64>() >> rng.gen_range(0..64);
            let b = rng.gen::<u64>() >> rng.gen_range(0..64);
            check(a, b);
        }
        for (a, b) in [
            (0, 0),
            (1, 0),
            (u64::MAX, 1),
            (u64::MAX, u64::MAX),
            (1, u64::MAX),
        ] {
            check(a, b);
        }
    }
}
