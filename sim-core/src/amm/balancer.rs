//! The weighted (balancer) pool of the current chain, and the [`Pool`] state it acts on.
//!
//! Mirrors the swap pallet at `14bc6f9f9`: `balancer.rs` (`Balancer`: price, powers, limit
//! deltas, weight update), `swap_step.rs` (`BasicSwapStep`), `impls.rs` (`do_swap`, `swap_inner`,
//! `calculate_fee_amount`, `current_price`, `adjust_protocol_liquidity`,
//! `maybe_initialize_palswap`), with the reserve updates of `stake_utils.rs::swap_tao_for_alpha` /
//! `swap_alpha_for_tao`. Notation as in the chain: x = alpha reserve (base), y = TAO reserve
//! (quote), w1 = base weight, w2 = quote weight, price = (w1 / w2) * (y / x).

use super::fastpow::{pow_ratio_1e18, PowOutcome};
use super::{
    fee_amount, int_ratio, limit_price, QuoteWeight, ReservesOutOfBalance, Side, SwapError,
    SwapResult, MAX_SWAP_INPUT_RESERVE_MULTIPLIER, MIN_SWAP_RESERVE, WEIGHT_ACCURACY,
};
use crate::fixed_div::CheckedDivFast;
use crate::units::{Alpha, Tao};
use substrate_fixed::types::U64F64;

/// The chain's default `FeeRate`: 33/65535 = 0.0504 %.
pub const DEFAULT_FEE_RATE: u16 = 33;
/// Fractional bits the swap powers request (`exp_scaled`).
const SWAP_POW_PRECISION: u32 = 256;
/// Fractional bits the limit-price deltas request (`calculate_*_delta_in`).
const LIMIT_POW_PRECISION: u32 = 1024;

/// One dynamic subnet's pool: `SubnetTAO`, `SubnetAlphaIn`, `SwapBalancer`, `FeeRate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Pool {
    /// TAO reserve y (`SubnetTAO`).
    pub tao_reserve: Tao,
    /// Alpha reserve x (`SubnetAlphaIn`).
    pub alpha_reserve: Alpha,
    /// Balancer quote weight (`SwapBalancer`); 0.5 = constant product.
    pub weight: QuoteWeight,
    /// Swap fee as a u16 fraction of 65535 (`FeeRate`).
    pub fee_rate: u16,
}

/// A buy's outcome, typed: TAO in, alpha out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bought {
    /// TAO that entered the pool (net of the fee).
    pub tao_in: Tao,
    pub alpha_out: Alpha,
    pub fee: Tao,
    pub fee_to_block_author: Tao,
    pub hit_limit: bool,
}

/// A sell's outcome, typed: alpha in, TAO out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sold {
    /// Alpha that entered the pool (net of the fee).
    pub alpha_in: Alpha,
    pub tao_out: Tao,
    /// The fee, in alpha: the chain sells it fee-less for TAO that goes to the block author.
    pub fee: Alpha,
    pub fee_to_block_author: Alpha,
    pub hit_limit: bool,
}

/// The chain's one swap step (`BasicSwapStep`), exposed for parity tests and traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapStepTrace {
    /// Fee on the whole amount, charged unless the limit binds.
    pub fee_on_full_amount: u64,
    /// Amount minus that fee.
    pub requested_delta_in: u64,
    /// The price after executing the whole requested amount.
    pub target_price: U64F64,
    /// The limit price comes first: only the amount up to it executes and the fee is recomputed.
    pub hit_limit: bool,
}

/// Everything a swap computed, without changing the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapTrace {
    pub price_before: U64F64,
    /// The limit as the chain reads it (`price_limit / 1e9` in U64F64).
    pub limit_price: U64F64,
    /// `None` when a guard refused the swap before the step was built.
    pub step: Option<SwapStepTrace>,
    pub result: Result<SwapResult, SwapError>,
}

impl Pool {
    /// A pool with the given reserves and weight and the default fee rate.
    pub fn new(tao_reserve: Tao, alpha_reserve: Alpha, weight: QuoteWeight) -> Self {
        Self {
            tao_reserve,
            alpha_reserve,
            weight,
            fee_rate: DEFAULT_FEE_RATE,
        }
    }

    /// Spot price in TAO per alpha, `(w1 / w2) * (y / x)` in U64F64; 0 when the alpha reserve
    /// is 0 (`current_price`, mechanism 1; the root/stable mechanism's price 1 is the caller's).
    pub fn current_price(&self) -> U64F64 {
        if self.alpha_reserve.is_zero() {
            return U64F64::from_bits(0);
        }
        price_of(self.weight, self.alpha_reserve.0, self.tao_reserve.0)
    }

    /// Executes a swap and updates the reserves as `stake_utils` does: buy `tao += paid_in`,
    /// `alpha -= paid_out`; sell `alpha += paid_in`, `tao -= paid_out`. The fee leaves the pool
    /// (it goes to the block author). `price_limit` is in rao of TAO per whole alpha
    /// ([`Side::default_price_limit`] when the caller sets none). On error nothing changes.
    pub fn swap(
        &mut self,
        side: Side,
        amount: u64,
        price_limit: u64,
        drop_fees: bool,
    ) -> Result<SwapResult, SwapError> {
        let result = self
            .swap_traced(side, amount, price_limit, drop_fees)
            .result?;
        self.apply(side, &result);
        Ok(result)
    }

    /// `swap` for a buy, typed.
    pub fn buy(
        &mut self,
        tao: Tao,
        price_limit: u64,
        drop_fees: bool,
    ) -> Result<Bought, SwapError> {
        let r = self.swap(Side::Buy, tao.0, price_limit, drop_fees)?;
        Ok(Bought {
            tao_in: Tao(r.amount_paid_in),
            alpha_out: Alpha(r.amount_paid_out),
            fee: Tao(r.fee_paid),
            fee_to_block_author: Tao(r.fee_to_block_author),
            hit_limit: r.hit_limit,
        })
    }

    /// `swap` for a sell, typed.
    pub fn sell(
        &mut self,
        alpha: Alpha,
        price_limit: u64,
        drop_fees: bool,
    ) -> Result<Sold, SwapError> {
        let r = self.swap(Side::Sell, alpha.0, price_limit, drop_fees)?;
        Ok(Sold {
            alpha_in: Alpha(r.amount_paid_in),
            tao_out: Tao(r.amount_paid_out),
            fee: Alpha(r.fee_paid),
            fee_to_block_author: Alpha(r.fee_to_block_author),
            hit_limit: r.hit_limit,
        })
    }

    /// What a swap would do, without the final reserve check: the chain's simulation mode
    /// (`do_swap(.., simulate = true)`, `sim_swap`), used for quotes.
    pub fn quote(
        &self,
        side: Side,
        amount: u64,
        price_limit: u64,
        drop_fees: bool,
    ) -> Result<SwapResult, SwapError> {
        self.run(side, amount, price_limit, drop_fees, true).result
    }

    /// The full computation of [`Pool::swap`] (`do_swap` with `simulate = false`), with its
    /// intermediate values, leaving the pool unchanged.
    pub fn swap_traced(
        &self,
        side: Side,
        amount: u64,
        price_limit: u64,
        drop_fees: bool,
    ) -> SwapTrace {
        self.run(side, amount, price_limit, drop_fees, false)
    }

    /// Applies a swap's result to the reserves (`stake_utils::swap_tao_for_alpha` /
    /// `swap_alpha_for_tao`), saturating like the chain's storage mutations.
    fn apply(&mut self, side: Side, r: &SwapResult) {
        match side {
            Side::Buy => {
                self.tao_reserve = self.tao_reserve.saturating_add(Tao(r.amount_paid_in));
                self.alpha_reserve = self.alpha_reserve.saturating_sub(Alpha(r.amount_paid_out));
            }
            Side::Sell => {
                self.alpha_reserve = self.alpha_reserve.saturating_add(Alpha(r.amount_paid_in));
                self.tao_reserve = self.tao_reserve.saturating_sub(Tao(r.amount_paid_out));
            }
        }
    }

    /// `do_swap`: the input-size guard, `swap_inner` (reserve floor, limit check, one step),
    /// then, unless simulating, the payout-versus-reserve check.
    fn run(
        &self,
        side: Side,
        amount: u64,
        price_limit: u64,
        drop_fees: bool,
        simulate: bool,
    ) -> SwapTrace {
        let price_before = self.current_price();
        let limit = limit_price(price_limit);
        let mut trace = SwapTrace {
            price_before,
            limit_price: limit,
            step: None,
            result: Err(SwapError::ReservesTooLow),
        };
        let (reserve_in, reserve_out) = match side {
            Side::Buy => (self.tao_reserve.0, self.alpha_reserve.0),
            Side::Sell => (self.alpha_reserve.0, self.tao_reserve.0),
        };

        // ensure_swap_input_within_reserve_limit: the net input, fee taken on the full amount.
        let fee = fee_amount(amount, self.fee_rate, drop_fees);
        let net = amount.saturating_sub(fee);
        if net > reserve_in.saturating_mul(MAX_SWAP_INPUT_RESERVE_MULTIPLIER) {
            trace.result = Err(SwapError::SwapInputTooLarge);
            return trace;
        }
        // swap_inner: the output side must hold the minimum reserve before the swap.
        if reserve_out < MIN_SWAP_RESERVE {
            trace.result = Err(SwapError::ReservesTooLow);
            return trace;
        }
        // The pool's weight is already initialised (maybe_initialize_palswap is a no-op here).
        let beyond = match side {
            Side::Buy => price_before < limit,
            Side::Sell => price_before > limit,
        };
        if !beyond {
            trace.result = Err(SwapError::PriceLimitExceeded);
            return trace;
        }

        // BasicSwapStep::new: fee and target price on the whole amount.
        let requested = net;
        let requested_out = self.output_for_input(side, requested);
        let target_price = self.price_after_input(side, requested, requested_out);
        let full = match side {
            Side::Buy => target_price <= limit,
            Side::Sell => target_price >= limit,
        };
        // determine_action: execute in full, or up to the limit with the fee recomputed.
        let (delta_in, step_fee) = if full {
            (requested, fee)
        } else {
            let delta = self.delta_to_price(side, price_before, limit);
            (delta, self.fee_on_limited_input(delta, drop_fees))
        };
        trace.step = Some(SwapStepTrace {
            fee_on_full_amount: fee,
            requested_delta_in: requested,
            target_price,
            hit_limit: !full,
        });

        // process_swap: a non-zero input must pay something out. (The chain converts the input
        // again; for a full execution that is the same value as the target's.)
        let delta_out = if full {
            requested_out
        } else {
            self.output_for_input(side, delta_in)
        };
        if delta_in != 0 && delta_out == 0 {
            trace.result = Err(SwapError::ReservesTooLow);
            return trace;
        }
        let result = SwapResult {
            amount_paid_in: delta_in,
            amount_paid_out: delta_out,
            fee_paid: step_fee,
            // 100 % of the fee to the block author, but only when something executed.
            fee_to_block_author: if delta_in != 0 { step_fee } else { 0 },
            hit_limit: !full,
        };
        if !simulate && reserve_out < result.amount_paid_out {
            trace.result = Err(SwapError::InsufficientLiquidity);
            return trace;
        }
        trace.result = Ok(result);
        trace
    }

    /// The fee when the limit binds: `delta * rate / (65535 - rate)` in U64F64, so that it is the
    /// fee on the gross amount that nets to `delta`. A rate of 65535 divides by zero: fee 0.
    fn fee_on_limited_input(&self, delta: u64, drop_fees: bool) -> u64 {
        let rate = if drop_fees {
            fixed(0)
        } else {
            fixed(u64::from(self.fee_rate))
        };
        let u16_max = fixed(u64::from(u16::MAX));
        fixed(delta)
            .saturating_mul(safe_div(rate, u16_max.saturating_sub(rate)))
            .saturating_to_num::<u64>()
    }

    /// Output for a net input (`convert_deltas`): buy `x * (1 - (y / (y + dy))^(w2/w1))`,
    /// sell `y * (1 - (x / (x + dx))^(w1/w2))`, each power floored to 1e-18.
    fn output_for_input(&self, side: Side, delta_in: u64) -> u64 {
        let one = fixed(1);
        match side {
            Side::Buy => {
                let e = reserve_ratio_pow(self.weight, self.tao_reserve.0, delta_in, false);
                fixed(self.alpha_reserve.0)
                    .saturating_mul(one.saturating_sub(e))
                    .saturating_to_num::<u64>()
            }
            Side::Sell => {
                let e = reserve_ratio_pow(self.weight, self.alpha_reserve.0, delta_in, true);
                fixed(self.tao_reserve.0)
                    .saturating_mul(one.saturating_sub(e))
                    .saturating_to_num::<u64>()
            }
        }
    }

    /// The price after a net input that pays out `out` (`price_target`), reserves saturating.
    fn price_after_input(&self, side: Side, delta_in: u64, out: u64) -> U64F64 {
        let (x, y) = match side {
            Side::Buy => (
                self.alpha_reserve.0.saturating_sub(out),
                self.tao_reserve.0.saturating_add(delta_in),
            ),
            Side::Sell => (
                self.alpha_reserve.0.saturating_add(delta_in),
                self.tao_reserve.0.saturating_sub(out),
            ),
        };
        price_of(self.weight, x, y)
    }

    /// The net input that moves the price from `current` to `target` (`calculate_quote_delta_in`,
    /// `calculate_base_delta_in`): buy `y * ((p'/p)^w1 - 1)`, sell `x * ((p/p')^w2 - 1)`.
    fn delta_to_price(&self, side: Side, current: U64F64, target: U64F64) -> u64 {
        match side {
            Side::Buy => delta_to_price(
                target.to_bits(),
                current.to_bits(),
                self.weight.base_parts(),
                self.tao_reserve.0,
            ),
            Side::Sell => delta_to_price(
                current.to_bits(),
                target.to_bits(),
                self.weight.parts(),
                self.alpha_reserve.0,
            ),
        }
    }

    /// Protocol liquidity about to be added: updates the weight so that the price with the
    /// deltas added equals the price before (`adjust_protocol_liquidity` =
    /// `update_weights_for_added_liquidity`). Returns the deltas to add, or `(0, 0)` and an
    /// unchanged weight when the new weight would leave [0.01, 0.99].
    ///
    /// Only the weight changes here: the caller adds the returned deltas to the reserves itself,
    /// as the chain's `inject_and_maybe_swap` does, after its chain buy.
    pub fn adjust_protocol_liquidity(
        &mut self,
        tao_delta: Tao,
        alpha_delta: Alpha,
    ) -> (Tao, Alpha) {
        match weight_for_added_liquidity(
            self.weight,
            self.tao_reserve.0,
            self.alpha_reserve.0,
            tao_delta.0,
            alpha_delta.0,
        ) {
            Ok(w) => {
                self.weight = w;
                (tao_delta, alpha_delta)
            }
            Err(ReservesOutOfBalance) => (Tao::ZERO, Alpha::ZERO),
        }
    }
}

/// The weight a new pool starts with (`maybe_initialize_palswap`): 0.5 without a price;
/// with a price p, `w2 = y / (p*x + y)` floored to Perquintill parts, where `p*x` is the integer
/// part of p times x (u128) plus the fractional part of p times x (U64F64, floored).
/// Rejected when `p*x + y` is 0 or the weight leaves [0.01, 0.99].
pub fn initial_quote_weight(
    tao_reserve: Tao,
    alpha_reserve: Alpha,
    price: Option<U64F64>,
) -> Result<QuoteWeight, ReservesOutOfBalance> {
    let Some(price) = price else {
        return Ok(QuoteWeight::HALF);
    };
    let px_high =
        u128::from(price.saturating_to_num::<u64>()).saturating_mul(u128::from(alpha_reserve.0));
    let px_low = fixed(alpha_reserve.0)
        .saturating_mul(price.frac())
        .saturating_to_num::<u128>();
    let px_plus_y = px_high
        .saturating_add(px_low)
        .saturating_add(u128::from(tao_reserve.0));
    if px_plus_y == 0 {
        return Err(ReservesOutOfBalance);
    }
    QuoteWeight::from_parts(perquintill_from_rational(
        u128::from(tao_reserve.0),
        px_plus_y,
    ))
}

/// `(w1 / w2) * (y / x)` in U64F64, each division 0 on a zero divisor (`calculate_price`).
fn price_of(weight: QuoteWeight, x: u64, y: u64) -> U64F64 {
    int_ratio(weight.base_parts(), weight.parts()).saturating_mul(int_ratio(y, x))
}

/// `(r / (r + dr))^(w1/w2)` (`base_over_quote`) or `^(w2/w1)`, as the chain's `exp_scaled`:
/// the big-number power scaled by 1e18 and floored, then divided by 1e18 in U64F64 and capped at
/// 1. A power that does not fit u64 (including a negative series result) counts as 0.
fn reserve_ratio_pow(
    weight: QuoteWeight,
    reserve: u64,
    added: u64,
    base_over_quote: bool,
) -> U64F64 {
    let new_reserve = reserve.saturating_add(added);
    if new_reserve == 0 {
        return fixed(0);
    }
    let (w1, w2) = (weight.base_parts(), weight.parts());
    let (exp_num, exp_den) = if base_over_quote { (w1, w2) } else { (w2, w1) };
    match pow_ratio_1e18(
        u128::from(reserve),
        u128::from(new_reserve),
        exp_num,
        exp_den,
        SWAP_POW_PRECISION,
    ) {
        PowOutcome::Value(scaled) => int_ratio(scaled, WEIGHT_ACCURACY).min(fixed(1)),
        PowOutcome::Undefined | PowOutcome::Negative | PowOutcome::AboveU64 => fixed(0),
    }
}

/// `reserve * ((num / den)^(weight) - 1)` with the power at 1e18 scale and 1024 bits, as
/// `calculate_quote_delta_in` / `calculate_base_delta_in`: a power above u64 saturates, a
/// negative one counts as 0, an undefined one (zero price) gives 0.
fn delta_to_price(num_bits: u128, den_bits: u128, weight_parts: u64, reserve: u64) -> u64 {
    let pow = match pow_ratio_1e18(
        num_bits,
        den_bits,
        weight_parts,
        WEIGHT_ACCURACY,
        LIMIT_POW_PRECISION,
    ) {
        PowOutcome::Undefined => return 0,
        PowOutcome::Value(v) => v,
        PowOutcome::AboveU64 => u64::MAX,
        PowOutcome::Negative => 0,
    };
    fixed(reserve)
        .saturating_mul(int_ratio(pow, WEIGHT_ACCURACY).saturating_sub(fixed(1)))
        .saturating_to_num::<u64>()
}

/// The quote weight after adding (dy, dx) at an unchanged price
/// (`update_weights_for_added_liquidity`): with q1 = round(w1 * y * (x + dx)) and
/// q2 = round(w2 * x * (y + dy)) (u128, products saturating), `w2' = q2 / (q1 + q2)` floored;
/// 0.5 if both are 0.
fn weight_for_added_liquidity(
    weight: QuoteWeight,
    tao_reserve: u64,
    alpha_reserve: u64,
    tao_delta: u64,
    alpha_delta: u64,
) -> Result<QuoteWeight, ReservesOutOfBalance> {
    let (y, x) = (u128::from(tao_reserve), u128::from(alpha_reserve));
    let new_y = y.saturating_add(u128::from(tao_delta));
    let new_x = x.saturating_add(u128::from(alpha_delta));
    let q1 = mul_parts_round(weight.base_parts(), y.saturating_mul(new_x));
    let q2 = mul_parts_round(weight.parts(), x.saturating_mul(new_y));
    let sum = q1.saturating_add(q2);
    let parts = if sum != 0 {
        perquintill_from_rational(q2, sum)
    } else {
        QuoteWeight::HALF.parts()
    };
    QuoteWeight::from_parts(parts)
}

/// `value * parts / 1e18` rounded half up, in 256-bit arithmetic, capped at u128::MAX
/// (`mul_perquintill_round`). Exact in 192 bits: the product plus 5e17, divided limb by limb.
fn mul_parts_round(parts: u64, value: u128) -> u128 {
    let lo = (value & u128::from(u64::MAX)) * u128::from(parts);
    let hi = (value >> 64) * u128::from(parts) + (lo >> 64);
    // hi * 2^64 + low64(lo) + 5e17, as three 64-bit limbs (hi < 2^128, the sum below 2^192).
    let low = (lo & u128::from(u64::MAX)) + u128::from(WEIGHT_ACCURACY / 2);
    let hi = hi + (low >> 64);
    let limbs = [(hi >> 64) as u64, hi as u64, low as u64];
    let d = u128::from(WEIGHT_ACCURACY);
    let mut rem = 0u128;
    let mut quot = [0u64; 3];
    for (digit, limb) in quot.iter_mut().zip(limbs) {
        let cur = (rem << 64) | u128::from(limb);
        let q = cur / d;
        *digit = q as u64;
        rem = cur - q * d;
    }
    if quot[0] != 0 {
        return u128::MAX;
    }
    (u128::from(quot[1]) << 64) | u128::from(quot[2])
}

/// `Perquintill::from_rational(p, q)`: `floor(1e18 * p / q)`, exact; 1.0 when q is 0 or p > q.
///
/// N = 1e18 * p is a 192-bit number whose quotient by q fits 64 bits (p <= q), so the quotient is
/// one digit of Knuth's algorithm D: with q normalised (top bit set) the estimate from the top
/// 128 bits of N over the top 64 bits of q is at most 2 too large, and the full product corrects
/// it. Equal to the 64-step restoring division it replaces (`perquintill_from_rational_bitwise`,
/// kept in the tests as the reference).
fn perquintill_from_rational(p: u128, q: u128) -> u64 {
    if q == 0 || p > q {
        return WEIGHT_ACCURACY;
    }
    const M: u128 = u64::MAX as u128;
    let lo = (p & M) * u128::from(WEIGHT_ACCURACY);
    let mid = (p >> 64) * u128::from(WEIGHT_ACCURACY) + (lo >> 64);
    // N = (n2, n1, n0), 64-bit limbs.
    let (n2, n1, n0) = ((mid >> 64) as u64, mid as u64, lo as u64);
    if q >> 64 == 0 {
        // N < q * 2^64 < 2^128: one 128-bit division.
        debug_assert_eq!(n2, 0);
        return ((u128::from(n1) << 64 | u128::from(n0)) / q) as u64;
    }
    let s = q.leading_zeros();
    let d = q << s;
    let (d1, d0) = ((d >> 64) as u64, d as u64);
    // N << s, still below d * 2^64 < 2^192.
    let (u2, u1, u0) = if s == 0 {
        (n2, n1, n0)
    } else {
        (
            (n2 << s) | (n1 >> (64 - s)),
            (n1 << s) | (n0 >> (64 - s)),
            n0 << s,
        )
    };
    let top = u128::from(u2) << 64 | u128::from(u1);
    let mut qhat = if u2 >= d1 {
        u64::MAX
    } else {
        (top / u128::from(d1)) as u64
    };
    // qhat * d as (upper 128 bits, low 64 bits).
    let a = u128::from(qhat) * u128::from(d0);
    let b = u128::from(qhat) * u128::from(d1);
    let mut low = a as u64;
    let mut upper = b + (a >> 64);
    while (upper, low) > (top, u0) {
        qhat -= 1;
        let (l, borrow) = low.overflowing_sub(d0);
        low = l;
        upper = upper - u128::from(d1) - u128::from(borrow);
    }
    qhat
}

fn fixed(v: u64) -> U64F64 {
    U64F64::saturating_from_num(v)
}

/// Division that gives 0 on a zero divisor or overflow (`SafeDiv::safe_div` for fixed types).
fn safe_div(a: U64F64, b: U64F64) -> U64F64 {
    a.checked_div_fast(b).unwrap_or(U64F64::from_bits(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perquintill_from_rational_equals_the_restoring_division() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let check = |p: u128, q: u128| {
            assert_eq!(
                perquintill_from_rational(p, q),
                perquintill_from_rational_bitwise(p, q),
                "{p} / {q}"
            );
        };
        for _ in 0..400_000 {
            let q = rng.gen::<u128>() >> rng.gen_range(0..128);
            let p = match rng.gen_range(0..4) {
                0 => q,
                1 => q.saturating_sub(rng.gen::<u128>() >> rng.gen_range(0..128)),
                2 => rng.gen::<u128>() >> rng.gen_range(0..128),
                _ => q / 2 + (rng.gen::<u64>() as u128 >> rng.gen_range(0..64)),
            };
            check(p, q);
            // The pools' domain: q1 + q2 with q1, q2 near w * y * x.
            let y = u128::from(rng.gen::<u64>() >> rng.gen_range(0..40));
            let x = u128::from(rng.gen::<u64>() >> rng.gen_range(0..40));
            let q2 = y.saturating_mul(x) / 2;
            let q1 = q2.saturating_add(rng.gen::<u64>() as u128);
            check(q2, q1.saturating_add(q2));
        }
        for (p, q) in [
            (0, 1),
            (1, 1),
            (u128::MAX, u128::MAX),
            (u128::MAX - 1, u128::MAX),
            (1, u128::MAX),
            (u128::from(u64::MAX), u128::from(u64::MAX) + 1),
            (u128::from(u64::MAX), u128::from(u64::MAX)),
            (1 << 64, 1 << 65),
            ((1 << 127) - 1, 1 << 127),
            (5, 3),
            (0, 0),
        ] {
            check(p, q);
        }
    }

    /// The restoring division `perquintill_from_rational` replaced: `Perquintill::from_rational(p, q)`: `floor(1e18 * p / q)`, exact; 1.0 when q is 0 or p > q.
    fn perquintill_from_rational_bitwise(p: u128, q: u128) -> u64 {
        if q == 0 || p > q {
            return WEIGHT_ACCURACY;
        }
        // N = 1e18 * p in 256 bits as (high, low); the quotient is at most 1e18 < 2^64, so
        // high < q and 64 steps of restoring division give it bit by bit.
        let lo = (p & u128::from(u64::MAX)) * u128::from(WEIGHT_ACCURACY);
        let mid = (p >> 64) * u128::from(WEIGHT_ACCURACY) + (lo >> 64);
        let (high, low) = (mid >> 64, (mid << 64) | (lo & u128::from(u64::MAX)));
        // The top 192 bits first: rem = N >> 64, below q because the quotient fits 64 bits.
        let mut rem = (high << 64) | (low >> 64);
        let mut bits = low << 64;
        let mut quot = 0u64;
        for _ in 0..64 {
            let carry = rem >> 127;
            rem = (rem << 1) | (bits >> 127);
            bits <<= 1;
            quot <<= 1;
            if carry == 1 || rem >= q {
                rem = rem.wrapping_sub(q);
                quot |= 1;
            }
        }
        quot
    }

    #[test]
    fn half_weight_price_is_y_over_x() {
        let pool = Pool::new(Tao(2_000), Alpha(1_000), QuoteWeight::HALF);
        assert_eq!(pool.current_price(), U64F64::from_num(2));
        let empty = Pool::new(Tao(2_000), Alpha(0), QuoteWeight::HALF);
        assert_eq!(empty.current_price(), U64F64::from_num(0));
    }

    #[test]
    fn rejected_weight_update_leaves_the_pool_alone() {
        let mut pool = Pool::new(Tao(1_000_000_000), Alpha(1_000_000_000), QuoteWeight::HALF);
        let got = pool.adjust_protocol_liquidity(Tao(0), Alpha(1_000_000_000_000));
        assert_eq!(got, (Tao(0), Alpha(0)));
        assert_eq!(pool.weight, QuoteWeight::HALF);
    }

    /// Whole swaps (price, step, limit deltas, result) with the fast power against the same swaps
    /// on the big-integer routine alone, across the domain: reserves from 1 rao to 1.8e19,
    /// weights from 0.01 to 0.99 (round ones too), amounts from 1 rao to far beyond the reserves,
    /// both sides, binding and default limits.
    #[test]
    fn swaps_with_the_fast_power_match_the_big_integer_swaps() {
        use super::super::fastpow::FORCE_SLOW;
        use rand::{Rng, SeedableRng};
        use rand_chacha::ChaCha8Rng;

        let mut rng = ChaCha8Rng::seed_from_u64(0x5a5a);
        let log_u64 = |rng: &mut ChaCha8Rng| -> u64 {
            let bits = rng.gen_range(1..=64);
            (rng.gen::<u64>() >> (64 - bits)).max(1)
        };
        let mut limited = 0;
        let cases = 3_000;
        for _ in 0..cases {
            let parts = match rng.gen_range(0..5) {
                0 => WEIGHT_ACCURACY / 100 + rng.gen_range(0..WEIGHT_ACCURACY / 1000),
                1 => WEIGHT_ACCURACY / 100 * 99 - rng.gen_range(0..WEIGHT_ACCURACY / 1000),
                2 => WEIGHT_ACCURACY / 100 * rng.gen_range(1..100),
                _ => rng.gen_range(WEIGHT_ACCURACY / 100..=WEIGHT_ACCURACY / 100 * 99),
            };
            let pool = Pool {
                tao_reserve: Tao(log_u64(&mut rng)),
                alpha_reserve: Alpha(log_u64(&mut rng)),
                weight: QuoteWeight::from_parts(parts).expect("within [0.01, 0.99]"),
                fee_rate: [0, DEFAULT_FEE_RATE, 3_000][rng.gen_range(0..3)],
            };
            let side = if rng.gen_bool(0.5) {
                Side::Buy
            } else {
                Side::Sell
            };
            let amount = log_u64(&mut rng);
            // Default limits, or a limit a little beyond the current price (often binding).
            let price = pool.current_price().to_bits();
            let limit = match rng.gen_range(0..3) {
                0 => side.default_price_limit(),
                _ => {
                    let rao = (price * 1_000_000_000) >> 64;
                    let step = rao >> rng.gen_range(1..20);
                    let l = match side {
                        Side::Buy => rao.saturating_add(step.max(1)),
                        Side::Sell => rao.saturating_sub(step),
                    };
                    u64::try_from(l).unwrap_or(u64::MAX)
                }
            };
            let drop_fees = rng.gen_bool(0.3);
            let fast = pool.swap_traced(side, amount, limit, drop_fees);
            FORCE_SLOW.with(|f| f.set(true));
            let slow = pool.swap_traced(side, amount, limit, drop_fees);
            FORCE_SLOW.with(|f| f.set(false));
            assert_eq!(
                fast, slow,
                "{pool:?} {side:?} {amount} limit {limit} {drop_fees}"
            );
            limited += usize::from(fast.step.is_some_and(|s| s.hit_limit));
        }
        assert!(
            limited > cases / 10,
            "only {limited} of {cases} swaps hit their limit"
        );
    }

    #[test]
    fn weight_arithmetic_matches_big_integers() {
        // The big-integer forms these replaced, kept as the oracle.
        use num_bigint::BigUint;
        use num_traits::ToPrimitive;
        use rand::{Rng, SeedableRng};
        use rand_chacha::ChaCha8Rng;
        let acc = BigUint::from(WEIGHT_ACCURACY);
        let round = |parts: u64, value: u128| {
            let n = BigUint::from(value) * BigUint::from(parts) + (&acc >> 1usize);
            (n / &acc).to_u128().unwrap_or(u128::MAX)
        };
        let rational = |p: u128, q: u128| {
            if q == 0 || p > q {
                return WEIGHT_ACCURACY;
            }
            (&acc * BigUint::from(p) / BigUint::from(q))
                .to_u64()
                .expect("at most 1e18")
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0x3e16);
        let any = |rng: &mut ChaCha8Rng| -> u128 {
            match rng.gen_range(0..8) {
                0 => u128::MAX - rng.gen_range(0..3),
                1 => rng.gen_range(0..3),
                _ => rng.gen::<u128>() >> rng.gen_range(0..128),
            }
        };
        for _ in 0..50_000 {
            let parts = match rng.gen_range(0..4) {
                0 => WEIGHT_ACCURACY,
                1 => u64::MAX,
                _ => rng.gen_range(0..=WEIGHT_ACCURACY),
            };
            let value = any(&mut rng);
            assert_eq!(
                mul_parts_round(parts, value),
                round(parts, value),
                "{parts} {value}"
            );
            let (a, b) = (any(&mut rng), any(&mut rng));
            let (p, q) = if rng.gen_bool(0.9) {
                (a.min(b), a.max(b))
            } else {
                (a, b)
            };
            assert_eq!(perquintill_from_rational(p, q), rational(p, q), "{p} / {q}");
        }
    }

    #[test]
    fn limit_price_scaling() {
        assert_eq!(limit_price(1_000_000_000), U64F64::from_num(1));
        assert_eq!(
            limit_price(super::super::MAX_PRICE_LIMIT),
            U64F64::from_num(1_000_000)
        );
    }
}
