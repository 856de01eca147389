//! The balancer's power `floor((a/b)^(p/q) * 1e18)` without big integers, bit-identical to
//! [`super::bigmath::pow_ratio_scaled`].
//!
//! # Why this is exact although it approximates
//!
//! The chain's result is `floor(S * 1e18)` where S is either the true power `T = (a/b)^(p/q)`
//! (exact integer-root path, reduced `p, q <= 1024`) or the guard-rounded value of its truncated
//! Taylor series at `P = precision + 24` fractional bits. Here T * 1e18 is approximated in 128-bit
//! fixed point with a proven error bound `E < 2^-47` (see [`ERROR_MARGIN_BITS`]); when the
//! approximation is at least `2^-40` away from an integer, the floor of T * 1e18 is known, and
//! so is the chain's, because the chain's own error `|S - T| * 1e18` is far below that margin
//! wherever the fast path answers (bounded below). Otherwise, and outside that domain, the
//! big-integer routine computes the value step for step ([`pow_ratio_1e18`] falls back). The
//! fallback is rare: an approximation lands within 2^-40 of an integer about once in 2^39
//! calls, apart from exact rational results (a = b, exponent 1) which are answered exactly here.
//!
//! ## The chain's error (series path), in units of the working scale `s = 2^P`, guard `g = 2^24`
//!
//! Every series (`ln1p`, `exp`) adds terms up to and including the first whose magnitude is
//! below g: a term of magnitude at least g always changes the guard-rounded sum, so the
//! "rounded sum unchanged" exit never fires earlier. Each computed term is within a few units of
//! the exact one (floors), and the tail after the stopping term is below g.
//! * `ln1p(z)`, `|z| <= s/2`: at most `P` terms, each within 3 units, tail below g:
//!   error below `2^24 + 3P < 2^25` (for `P < 2^20`); the same for `ln 2 = -ln1p(-1/2)`.
//! * `ln(v)` for `v < 2^128`: `ln1p + shift * ln2` with shift at most 128: below `2^33`; the
//!   difference of two logs below `2^34`; times `p/q <= 128` plus a floor: at most `2^41 + 1`.
//! * `exp(x)` with `|x| <= X = 41`: the computed terms obey `e_n <= e_(n-1) * X/n + 1`, so all
//!   terms together are off by at most `N * e^X` units with `N <= P` terms (for `X <= 41` and
//!   `P >= 224` the terms fall below g before `n = P`, within the chain's cap
//!   `min(4096, P + 128)`); the input's error adds `e^X * (2^41 + 1)`; the tail is below g.
//!   So `|exp_fp - s * e^x| < e^X * 2^42 + 2^25 < 2^102` units, and after rounding off the guard
//!   `|S - T| < 2^102 / 2^P + 2^-(P-24) < 2^-121` for `precision >= 200` (`P >= 224`).
//!   Times 1e18 < 2^60: below `2^-61`, far below the margin.
//!
//! The fast path answers the series path only for `precision` in `[200, 2048]`, `p <= 128 q`
//! and an approximated exponent `|x| <= 40` (true `|x| <= 40 + 2^-100 < 41`). The exact path has
//! no error of its own (its floor is of the true T) and is answered for any `x` with
//! `p <= 128 q`.
//!
//! ## This module's error, T * 1e18 approximated, `T < 20.1` (`x < 3`, beyond "above u64")
//! * `ln m` for a mantissa `m` in [1, 2) (two table reductions, 7 series terms in 2^-16): two
//!   floors of 2^-127, two rounded table entries of 2^-128, Horner steps of 2^-127 (the two
//!   innermost at 2^-63, their errors damped by z^5 < 2^-79), tail below 2^-130: below
//!   `2^-123`.
//! * `y = ln a - ln b = dk ln2 + ln m_a - ln m_b` at 2^-120 (for u64 operands
//!   `dk ln2 + ln m` of their quotient, floored at a relative 2^-127): `|dk| <= 127` times ln2
//!   rounded at 2^-128, at most two logs, one floor: below `2^-119`.
//! * `x = y p/q`, `p/q <= 128`: below `128 * 2^-119 + 2^-120 < 2^-111.9`; as a relative error of
//!   T, times `T * 1e18 < 2^64.2`: below `2^-47.7`.
//! * `e^x` from three rounded tables and 9 series terms (the three innermost at 2^-64, damped by
//!   h^6 < 2^-72), three products floored: absolute error below `2^-120` (entries are at most
//!   e^2), times 1e18: below `2^-60`.
//!
//! Total below `2^-47.6`, plus the chain's `2^-61`: the certifying margin of 2^-40 is 2^7 times
//! the bound. The unit tests compare the fast path with the big-integer routine on many
//! thousands of inputs across the whole domain and check the approximation error itself against
//! an exact value.

use super::bigmath::pow_ratio_scaled;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::sync::OnceLock;

/// 1e18, the scale of every balancer power (Perquintill accuracy).
const SCALE: u64 = 1_000_000_000_000_000_000;
/// Reduced exponents with both parts at most this take the chain's exact integer-root path.
const MAX_EXACT_EXPONENT: u64 = 1_024;
/// The approximation must be at least 2^-40 (in units of the scaled result) from an integer.
const ERROR_MARGIN_BITS: u32 = 40;
/// Fractional bits of the exponent `x` and of the logs' difference.
const F_X: u32 = 120;
/// Fractional bits of the final power T (T < 32).
const F_T: u32 = 123;

/// What the chain's `pow_ratio_scaled(.., scale = 1e18)` returned, as its callers read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PowOutcome {
    /// A denominator was zero (the chain's `None`).
    Undefined,
    /// A negative value (only a diverging series gives one).
    Negative,
    /// A value that fits u64.
    Value(u64),
    /// A positive value above `u64::MAX`.
    AboveU64,
}

/// `floor((a/b)^(p/q) * 1e18)` as the chain computes it with `precision` fractional bits:
/// the certified fast path when it can decide, else the big-integer routine.
pub(crate) fn pow_ratio_1e18(a: u128, b: u128, p: u64, q: u64, precision: u32) -> PowOutcome {
    #[cfg(test)]
    if FORCE_SLOW.with(std::cell::Cell::get) {
        return slow(a, b, p, q, precision);
    }
    if let Some(r) = fast(a, b, p, q, precision) {
        return r;
    }
    slow(a, b, p, q, precision)
}

#[cfg(test)]
thread_local! {
    /// Tests set this to run whole swaps on the big-integer routine alone, as the oracle.
    pub(crate) static FORCE_SLOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The big-integer routine, its result classified. Kept in production as the fallback for the
/// inputs the fast path cannot decide, and the oracle the tests compare the fast path with.
pub(crate) fn slow(a: u128, b: u128, p: u64, q: u64, precision: u32) -> PowOutcome {
    match pow_ratio_scaled(
        &BigUint::from(a),
        &BigUint::from(b),
        &BigUint::from(p),
        &BigUint::from(q),
        precision,
        &BigUint::from(SCALE),
    ) {
        None => PowOutcome::Undefined,
        Some(v) if v.is_negative() => PowOutcome::Negative,
        Some(v) => v.to_u64().map_or(PowOutcome::AboveU64, PowOutcome::Value),
    }
}

/// The fast path: `None` when it cannot certify the chain's result.
pub(crate) fn fast(a: u128, b: u128, p: u64, q: u64, precision: u32) -> Option<PowOutcome> {
    if b == 0 || q == 0 {
        return Some(PowOutcome::Undefined);
    }
    if a == 0 {
        return Some(PowOutcome::Value(0));
    }
    if p == 0 || a == b {
        // A zero exponent is the scale itself; a unit base gives ln = 0 exactly on the series
        // path and a root of scale^q on the exact path: 1e18 either way.
        return Some(PowOutcome::Value(SCALE));
    }
    if p == q {
        // Exponent 1 (exact path): floor(a * 1e18 / b).
        return a
            .checked_mul(u128::from(SCALE))
            .map(|n| u64::try_from(n / b).map_or(PowOutcome::AboveU64, PowOutcome::Value));
    }
    if u128::from(p) > 128 * u128::from(q) {
        return None;
    }
    let t = tables();
    let y = ln_ratio(t, a, b);
    // The same ratio as the reduced one, so the reduction waits until the path matters.
    let x = scale_exponent(y, p, q);
    let one = 1i128 << F_X;
    let series_domain = (200..=2048).contains(&precision) && (-40 * one..=40 * one).contains(&x);
    if !series_domain {
        // Only the exact integer-root path (reduced exponent parts at most 1024) is answered
        // here, for any exponent.
        let g = p.gcd(&q);
        if p / g > MAX_EXACT_EXPONENT || q / g > MAX_EXACT_EXPONENT {
            return None;
        }
    }
    if x >= 3 * one {
        // T > e^2.99 > 19.8: the scaled power exceeds 2^64 (1.84e19).
        return Some(PowOutcome::AboveU64);
    }
    if x < -42 * one {
        // T * 1e18 < e^-41.99 * 1e18 < 0.6 (exact path only: the series path stopped at -40).
        return Some(PowOutcome::Value(0));
    }
    let tv = exp_fixed(t, x);
    // O = T * 1e18 at F_T fractional bits, 192 bits wide.
    let (hi, lo) = mul_wide(tv, u128::from(SCALE));
    let int = (hi << (128 - F_T)) | (lo >> F_T);
    let frac = lo & ((1u128 << F_T) - 1);
    let margin = 1u128 << (F_T - ERROR_MARGIN_BITS);
    if frac < margin || frac > (1u128 << F_T) - margin {
        return None;
    }
    Some(u64::try_from(int).map_or(PowOutcome::AboveU64, PowOutcome::Value))
}

/// `floor(|y| * p / q)` with y's sign, at the same scale, saturating at `±(2^127 - 1)` (an
/// exponent beyond ±128 that the callers only compare with ±42).
fn scale_exponent(y: i128, p: u64, q: u64) -> i128 {
    let m = y.unsigned_abs();
    let (m1, m0) = ((m >> 64) as u64, m as u64);
    let lo = u128::from(m0) * u128::from(p);
    let hi = u128::from(m1) * u128::from(p) + (lo >> 64);
    // The 192-bit product as three limbs, most significant first.
    let limbs = [(hi >> 64) as u64, hi as u64, lo as u64];
    let q128 = u128::from(q);
    let mut rem = 0u128;
    let mut quot = [0u64; 3];
    for (d, limb) in quot.iter_mut().zip(limbs) {
        let cur = (rem << 64) | u128::from(limb);
        if cur < q128 {
            rem = cur;
            continue;
        }
        let (digit, r) = div_rem(cur, q128);
        *d = digit as u64;
        rem = r;
    }
    let mag = if quot[0] != 0 || quot[1] >> 63 != 0 {
        i128::MAX
    } else {
        ((u128::from(quot[1]) << 64) | u128::from(quot[2])) as i128
    };
    if y < 0 {
        -mag
    } else {
        mag
    }
}

/// `ln a - ln b` at 2^-120 (`a, b > 0`): for u64 operands the log of their quotient, else the
/// difference of the two logs.
fn ln_ratio(t: &Tables, a: u128, b: u128) -> i128 {
    let (dk, lm) = match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) if a < b => {
            let (k, m) = quotient(b, a);
            (-i128::from(k), -ln_mantissa(t, m))
        }
        (Ok(a), Ok(b)) => {
            let (k, m) = quotient(a, b);
            (i128::from(k), ln_mantissa(t, m))
        }
        _ => {
            let (ka, ma) = normalise(a);
            let (kb, mb) = normalise(b);
            (
                i128::from(ka) - i128::from(kb),
                ln_mantissa(t, ma) - ln_mantissa(t, mb),
            )
        }
    };
    // dk * ln2 at 2^-127 split as dk * (hi * 2^7 + lo): the hi part is already at 2^-120.
    let ln2_hi = (t.ln2 >> 7) as i128;
    let ln2_lo = (t.ln2 & 0x7f) as i128;
    dk * ln2_hi + ((dk * ln2_lo + lm) >> 7)
}

/// `n / d = 2^k * m / 2^127` (`n >= d > 0`) with the top bit of m set, m floored (relative
/// error below 2^-127).
fn quotient(n: u64, d: u64) -> (u32, u128) {
    let (ln, ld) = (n.leading_zeros(), d.leading_zeros());
    let (n, d) = (u128::from(n << ln), u128::from(d << ld));
    // floor(n * 2^128 / d) in three 64-bit digits; the top one is 0 or 1 (n, d in [2^63, 2^64)).
    let top = u128::from(n >= d);
    let r = n - top * d;
    let (mid, r) = div_rem(r << 64, d);
    let low = (r << 64) / d;
    let frac = (mid << 64) | low;
    if top == 1 {
        // n / d in [1, 2): drop one bit to put the leading one at 2^127.
        (ld - ln, (1u128 << 127) | (frac >> 1))
    } else {
        (ld - ln - 1, frac)
    }
}

/// Quotient and remainder with one division.
fn div_rem(n: u128, d: u128) -> (u128, u128) {
    let q = n / d;
    (q, n - q * d)
}

/// `v = 2^k * m / 2^127` with the top bit of m set.
fn normalise(v: u128) -> (u32, u128) {
    let lz = v.leading_zeros();
    (127 - lz, v << lz)
}

/// `ln(m / 2^127)` at 2^-127 for m with its top bit set, m / 2^127 in [1, 2).
fn ln_mantissa(t: &Tables, m: u128) -> i128 {
    // Reduction 1: m * r1 with r1 ~ 1 / (1 + (i + 1/2)/128): within 2^-7.9 of 1.
    let i = ((m >> 120) & 0x7f) as usize;
    let m1 = mul_shr_u64(m, t.r1[i], 16);
    // Reduction 2: m1 * r2 with r2 ~ 1 / (1 + (j + 1/2)/2^15): within 2^-15.9 of 1.
    let d = m1.wrapping_sub(1u128 << 127) as i128;
    let j = ((d >> 112) as i64 + L2_OFFSET) as usize;
    let m2 = mul_shr_u64(m1, t.r2[j], 32);
    let z = m2.wrapping_sub(1u128 << 127) as i128;
    t.ln_r1[i] + t.ln_r2[j] + ln1p_small(t, z)
}

/// Offset of the second-level index j (a table over j in [-256, 255]).
const L2_OFFSET: i64 = 256;

/// The first reduction's multiplier at 2^-16: `floor(2^24 / (257 + 2i))`.
fn l1_multiplier(i: usize) -> u64 {
    (1u64 << 24) / (257 + 2 * i as u64)
}

/// The second reduction's multiplier at 2^-32: `floor(2^48 / (2^16 + 2j + 1))`.
fn l2_multiplier(j: i64) -> u64 {
    let den = (1i64 << 16) + 2 * j + 1;
    (1u64 << 48) / den as u64
}

/// `ln(1 + z)` at 2^-127 for `|z| < 2^-15.8`: `z - z (z (1/2 - z (1/3 - ... z/7)))`.
fn ln1p_small(t: &Tables, z: i128) -> i128 {
    // The two innermost steps in 64 bits at 2^-63: their errors (2^-62) reach the result times
    // z^5 < 2^-79, far below a unit of 2^-127; the step into 1/4 - ... is 128 x 64 bits.
    let z64 = (z >> 64) as i64;
    let c = |n: usize| (t.inv[n] >> 64) as i64;
    let mul63 = |a: i64, b: i64| ((i128::from(a) * i128::from(b)) >> 63) as i64;
    let e = c(6) - mul63(z64, c(7));
    let d = c(5) - mul63(z64, e);
    let zd = mul_shr_u64(z.unsigned_abs(), d.unsigned_abs(), 63) as i128;
    let mut acc = t.inv[4] - if (z < 0) != (d < 0) { -zd } else { zd };
    for n in (2..4).rev() {
        acc = t.inv[n] - mul_shr_signed(z, acc, 127);
    }
    z - mul_shr_signed(z, mul_shr_signed(z, acc, 127), 127)
}

/// `e^x` at 2^-123 for x at 2^-120 in [-42, 3).
fn exp_fixed(t: &Tables, x: i128) -> u128 {
    let n = x >> F_X; // floor, in [-42, 2]
    let f = ((x - (n << F_X)) as u128) << (127 - F_X); // [0, 1) at 2^-127
    let i = (f >> 121) as usize; // 1/64 steps
    let g = f & ((1u128 << 121) - 1);
    let j = (g >> 115) as usize; // 1/4096 steps
    let h = g & ((1u128 << 115) - 1); // below 2^-12
                                      // e^h by Horner with 1/k! at 2^-127, k <= 9 (the next term is below 2^-141).
                                      // The three innermost steps in 64 bits at 2^-64: their errors (below 2^-62) reach the
                                      // result times h^6 < 2^-72; the step into 1/5! is 128 x 64 bits.
    let h64 = (h >> 63) as u64;
    let c = |k: usize| (t.inv_fact[k] >> 63) as u64;
    let mut s64 = c(9);
    for k in (6..9).rev() {
        s64 = c(k) + ((u128::from(h64) * u128::from(s64)) >> 64) as u64;
    }
    let mut s = t.inv_fact[5] + mul_shr_u64(h, s64, 64);
    for k in (0..5).rev() {
        s = t.inv_fact[k] + mul_shr(h, s, 127);
    }
    let p1 = mul_shr(t.exp_j[j], s, 127); // 2^-127, below 1.02
    let p2 = mul_shr(t.exp_i[i], p1, 127); // 2^-126, below 2.75
    mul_shr(t.exp_n[(n + 42) as usize], p2, 128) // 2^-123
}

/// The full 256-bit product as (high, low) halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & u128::from(u64::MAX));
    let (b1, b0) = (b >> 64, b & u128::from(u64::MAX));
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & u128::from(u64::MAX)) + (p10 & u128::from(u64::MAX));
    let lo = (p00 & u128::from(u64::MAX)) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `floor(a * b / 2^s)` for `0 < s <= 128`, the caller guaranteeing it fits u128.
fn mul_shr(a: u128, b: u128, s: u32) -> u128 {
    let (hi, lo) = mul_wide(a, b);
    if s == 128 {
        hi
    } else {
        (hi << (128 - s)) | (lo >> s)
    }
}

/// `floor(a * b / 2^s)` for `0 < s <= 64`, the caller guaranteeing it fits u128.
fn mul_shr_u64(a: u128, b: u64, s: u32) -> u128 {
    let lo = (a & u128::from(u64::MAX)) * u128::from(b);
    let hi = (a >> 64) * u128::from(b) + (lo >> 64);
    (hi << (64 - s)) | ((lo & u128::from(u64::MAX)) >> s)
}

/// `a * b / 2^s` truncated toward zero.
fn mul_shr_signed(a: i128, b: i128, s: u32) -> i128 {
    let m = mul_shr(a.unsigned_abs(), b.unsigned_abs(), s) as i128;
    if (a < 0) != (b < 0) {
        -m
    } else {
        m
    }
}

/// Constants, computed once with big integers at 320 fractional bits and rounded.
struct Tables {
    /// ln 2 at 2^-127.
    ln2: u128,
    /// `l1_multiplier(i)`.
    r1: [u64; 128],
    /// `l2_multiplier(j)`, index `j + 256`.
    r2: [u64; 512],
    /// `-ln(l1_multiplier(i) / 2^16)` at 2^-127.
    ln_r1: [i128; 128],
    /// `-ln(l2_multiplier(j) / 2^32)` at 2^-127, index `j + 256`.
    ln_r2: Vec<i128>,
    /// `1/n` at 2^-127, n in 2..=7 (index 0 and 1 unused).
    inv: [i128; 8],
    /// `1/k!` at 2^-127, k in 0..=9.
    inv_fact: [u128; 10],
    /// `e^(j/4096)` at 2^-127, j in 0..64.
    exp_j: [u128; 64],
    /// `e^(i/64)` at 2^-126, i in 0..64.
    exp_i: [u128; 64],
    /// `e^n` at 2^-125, n in -42..=2 (index n + 42).
    exp_n: [u128; 45],
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

/// Working fractional bits of the table computation.
const W: u32 = 320;

fn build_tables() -> Tables {
    let one = BigInt::one() << W;
    let ln2 = round_to(&ln_big(&BigInt::from(2), &BigInt::one()), 127);
    let r1 = std::array::from_fn(l1_multiplier);
    let r2 = std::array::from_fn(|k| l2_multiplier(k as i64 - L2_OFFSET));
    let mut ln_r1 = [0i128; 128];
    for (i, e) in ln_r1.iter_mut().enumerate() {
        let r = BigInt::from(l1_multiplier(i));
        *e = round_to(&-ln_big(&r, &(BigInt::one() << 16)), 127);
    }
    let ln_r2 = (-L2_OFFSET..L2_OFFSET)
        .map(|j| {
            let r = BigInt::from(l2_multiplier(j));
            round_to(&-ln_big(&r, &(BigInt::one() << 32)), 127)
        })
        .collect();
    let mut inv = [0i128; 8];
    for (n, e) in inv.iter_mut().enumerate().skip(2) {
        *e = round_to(&(&one / BigInt::from(n)), 127);
    }
    let mut inv_fact = [0u128; 10];
    let mut fact = BigInt::one();
    for (k, e) in inv_fact.iter_mut().enumerate() {
        if k > 0 {
            fact *= BigInt::from(k);
        }
        *e = round_to_u(&(&one / &fact), 127);
    }
    let mut exp_j = [0u128; 64];
    for (j, e) in exp_j.iter_mut().enumerate() {
        *e = round_to_u(&exp_big(&(BigInt::from(j) << (W - 12))), 127);
    }
    let mut exp_i = [0u128; 64];
    for (i, e) in exp_i.iter_mut().enumerate() {
        *e = round_to_u(&exp_big(&(BigInt::from(i) << (W - 6))), 126);
    }
    let e = exp_big(&one);
    let e_inv = exp_big(&-&one);
    let mut exp_n = [0u128; 45];
    for (idx, slot) in exp_n.iter_mut().enumerate() {
        let n = idx as i64 - 42;
        let base = if n < 0 { &e_inv } else { &e };
        let mut v = one.clone();
        for _ in 0..n.unsigned_abs() {
            v = (&v * base) >> W;
        }
        *slot = round_to_u(&v, 125);
    }
    Tables {
        ln2: u128::try_from(ln2).expect("ln 2 at 2^-127 fits"),
        r1,
        r2,
        ln_r1,
        ln_r2,
        inv,
        inv_fact,
        exp_j,
        exp_i,
        exp_n,
    }
}

/// `ln(num/den)` at 2^-W for `num/den` in (1/3, 3): `2 atanh(u)`, `u = (num-den)/(num+den)`.
fn ln_big(num: &BigInt, den: &BigInt) -> BigInt {
    let u = ((num - den) << W) / (num + den);
    let u2 = (&u * &u) >> W;
    let mut power = u.clone();
    let mut sum = u;
    let mut k = 3u32;
    loop {
        power = (&power * &u2) >> W;
        let term = &power / BigInt::from(k);
        if term.is_zero() {
            break;
        }
        sum += term;
        k += 2;
    }
    sum << 1usize
}

/// `e^x` at 2^-W for `|x| <= 1` at 2^-W.
fn exp_big(x: &BigInt) -> BigInt {
    let mut term = BigInt::one() << W;
    let mut sum = term.clone();
    let mut k = 1u32;
    loop {
        term = ((&term * x) >> W) / BigInt::from(k);
        if term.is_zero() {
            break;
        }
        sum += &term;
        k += 1;
    }
    sum
}

/// A value at 2^-W rounded to the nearest multiple of 2^-f.
fn round_to(v: &BigInt, f: u32) -> i128 {
    let half = BigInt::one() << (W - f - 1);
    ((v + half) >> (W - f) as usize)
        .to_i128()
        .expect("table entries fit i128")
}

fn round_to_u(v: &BigInt, f: u32) -> u128 {
    u128::try_from(round_to_big(v, f)).expect("table entries fit u128")
}

fn round_to_big(v: &BigInt, f: u32) -> BigInt {
    let half = BigInt::one() << (W - f - 1);
    (v + half) >> (W - f) as usize
}

#[cfg(test)]
mod tests {
    //! The fast path against the big-integer routine ([`slow`], the step-for-step mirror of the
    //! chain's arithmetic, kept as the oracle and the fallback), on seeded random inputs across
    //! the balancer's whole domain, and the approximation error against a near-exact value.

    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A value log-uniform over [1, 2^bits), with the occasional power-of-two edge.
    fn log_uniform(rng: &mut ChaCha8Rng, max_bits: u32) -> u128 {
        let bits = rng.gen_range(1..=max_bits);
        let v: u128 = rng.gen::<u128>() >> (128 - bits);
        match rng.gen_range(0..20) {
            0 => 1u128 << (bits - 1),
            1 => (1u128 << (bits - 1)).saturating_sub(1).max(1),
            _ => v.max(1),
        }
    }

    /// A quote weight in parts of 1e18 within [0.01, 0.99], mixing arbitrary parts, values next
    /// to 0.01, 0.5 and 0.99, and round values (the chain's exact integer-root path).
    fn weight(rng: &mut ChaCha8Rng) -> u64 {
        let min = SCALE / 100;
        match rng.gen_range(0..10) {
            0 => min + rng.gen_range(0..1_000_000_000),
            1 => SCALE - min - rng.gen_range(0..1_000_000_000),
            2 | 3 => SCALE / 2 + rng.gen_range(0..2_000_000_000_000) - 1_000_000_000_000,
            4 => SCALE / 2,
            // Round weights: k/100 (exact path with small roots), k/1000 sometimes.
            5 => SCALE / 100 * rng.gen_range(1..100),
            _ => rng.gen_range(min..=SCALE - min),
        }
    }

    /// A swap's operands as the balancer passes them: `(r, r + dr, w_out, w_in)` for a reserve r
    /// and a net input dr from 0 to beyond 1000 x the reserve.
    fn swap_case(rng: &mut ChaCha8Rng) -> (u128, u128, u64, u64) {
        let reserve = log_uniform(rng, 64) as u64;
        let added = match rng.gen_range(0..6) {
            0 => log_uniform(rng, 64) as u64,
            1 => reserve.saturating_mul(rng.gen_range(1..=1_200)),
            2 => 0,
            _ => {
                // Relative to the reserve, from 1e-12 to 10x.
                let shift = rng.gen_range(0..44);
                let frac = (u128::from(reserve) << 4 >> shift) as u64;
                rng.gen_range(0..=frac.max(1))
            }
        };
        let w2 = weight(rng);
        let w1 = SCALE - w2;
        let (p, q) = if rng.gen_bool(0.5) {
            (w2, w1)
        } else {
            (w1, w2)
        };
        (
            u128::from(reserve),
            u128::from(reserve.saturating_add(added)),
            p,
            q,
        )
    }

    #[test]
    fn fast_path_matches_big_integers_on_swaps() {
        let mut rng = ChaCha8Rng::seed_from_u64(0x05ee_da11);
        let cases = 6_000;
        let mut certified = 0;
        for _ in 0..cases {
            let (a, b, p, q) = swap_case(&mut rng);
            let want = slow(a, b, p, q, 256);
            if let Some(got) = fast(a, b, p, q, 256) {
                certified += 1;
                assert_eq!(got, want, "pow({a}/{b})^({p}/{q})");
            }
            assert_eq!(pow_ratio_1e18(a, b, p, q, 256), want);
        }
        eprintln!("swaps: {certified} of {cases} certified");
        // Only exponents far out (|x| > 40 on the series path) may fall back here.
        assert!(
            certified > cases * 9 / 10,
            "{certified} of {cases} certified"
        );
    }

    #[test]
    fn fast_path_matches_big_integers_on_mainnet_like_swaps() {
        // The chain buy of every block: reserves 1e12..1e18 rao, inputs 1e-9..1e-1 of them,
        // weights near 0.5. All of these must take the fast path.
        let mut rng = ChaCha8Rng::seed_from_u64(0xb10c);
        for _ in 0..2_000 {
            let reserve: u64 = rng.gen_range(1_000_000_000_000..1_000_000_000_000_000_000);
            let added = reserve >> rng.gen_range(3..30);
            let w2 = SCALE / 2 + rng.gen_range(0..SCALE / 5) - SCALE / 10;
            let (a, b) = (u128::from(reserve), u128::from(reserve + added));
            for (p, q) in [(w2, SCALE - w2), (SCALE - w2, w2)] {
                let got = fast(a, b, p, q, 256).expect("mainnet-like swaps are certified");
                assert_eq!(got, slow(a, b, p, q, 256), "pow({a}/{b})^({p}/{q})");
            }
        }
    }

    #[test]
    fn fast_path_matches_big_integers_on_limit_deltas() {
        // `delta_to_price`: a ratio of two U64F64 prices to the power w/1e18 at 1024 bits.
        let mut rng = ChaCha8Rng::seed_from_u64(0x1_1a17);
        let mut certified = 0;
        let cases = 300;
        for _ in 0..cases {
            let a = log_uniform(&mut rng, 128);
            let b = match rng.gen_range(0..3) {
                0 => log_uniform(&mut rng, 128),
                _ => a.saturating_add(a >> rng.gen_range(1..60)).max(1),
            };
            let (a, b) = if rng.gen_bool(0.8) {
                (a.max(b), a.min(b))
            } else {
                (a, b)
            };
            let w = weight(&mut rng);
            let want = slow(a, b, w, SCALE, 1024);
            if let Some(got) = fast(a, b, w, SCALE, 1024) {
                certified += 1;
                assert_eq!(got, want, "pow({a}/{b})^({w}/1e18)");
            }
        }
        eprintln!("limit deltas: {certified} of {cases} certified");
        assert!(
            certified > cases * 9 / 10,
            "{certified} of {cases} certified"
        );
    }

    #[test]
    fn degenerate_operands_match() {
        for (a, b, p, q) in [
            (0, 0, 1, 1),
            (1, 0, 1, 1),
            (1, 1, 1, 0),
            (0, 5, 0, 1),
            (0, 5, 7, 3),
            (3, 5, 0, 1),
            (5, 5, 7, 3),
            (5, 5, 7_000_000_000_001, 3_000_000_000_000),
            (1, u128::from(u64::MAX), 99, 1),
            (u128::MAX, 1, 1, 99),
            (1, u128::MAX, 1, 1),
            (u128::MAX, 1, 1, 1),
            (u128::MAX, u128::MAX - 1, 1, 2),
        ] {
            for prec in [256, 1024] {
                let want = slow(a, b, p, q, prec);
                if let Some(got) = fast(a, b, p, q, prec) {
                    assert_eq!(got, want, "pow({a}/{b})^({p}/{q}) at {prec}");
                }
            }
        }
    }

    /// The approximation of T * 1e18 at 2^-64, from the same steps as [`fast`].
    fn approx_2_64(a: u128, b: u128, p: u64, q: u64) -> Option<u128> {
        let t = tables();
        let x = scale_exponent(ln_ratio(t, a, b), p, q);
        if !(-42 << F_X..3 << F_X).contains(&x) {
            return None;
        }
        let (hi, lo) = mul_wide(exp_fixed(t, x), u128::from(SCALE));
        Some((hi << (128 - (F_T - 64))) | (lo >> (F_T - 64)))
    }

    #[test]
    fn approximation_error_is_far_below_the_margin() {
        // The near-exact value: the big-integer series at 1024 bits, scaled by 1e18 * 2^64.
        let mut rng = ChaCha8Rng::seed_from_u64(0xe77);
        let scale = BigUint::from(SCALE) << 64usize;
        let mut worst = 0u128;
        for _ in 0..400 {
            let (a, b, _, _) = swap_case(&mut rng);
            let w2 = rng.gen_range(SCALE / 100..SCALE / 100 * 99) | 1;
            let (p, q) = if rng.gen_bool(0.5) {
                (w2, SCALE - w2)
            } else {
                (SCALE - w2, w2)
            };
            let Some(got) = approx_2_64(a, b, p, q) else {
                continue;
            };
            let exact = pow_ratio_scaled(
                &BigUint::from(a),
                &BigUint::from(b),
                &BigUint::from(p),
                &BigUint::from(q),
                1024,
                &scale,
            )
            .and_then(|v| v.to_u128())
            .expect("in range");
            worst = worst.max(got.abs_diff(exact));
        }
        // The bound is 2^-47.8 of a unit, i.e. 2^16.2 at 2^-64; the margin is 2^24.
        eprintln!("worst approximation error {worst} at 2^-64");
        assert!(worst < 1 << 17, "worst error {worst} at 2^-64");
    }
}
