//! The arbitrary-precision power the balancer pool uses: `(a/b)^(p/q) * scale`, floored.
//!
//! Mirrors `SafeInt::pow_ratio_scaled` of the `safe-bigmath` crate at the revision the chain pins
//! (`sam0x17/safe-bigmath` @ `013c4998`, chain `Cargo.lock`). The chain's swap outputs depend on
//! every rounding step of that routine (the payout is `floor(R * (1 - e))` with
//! `e = floor(pow * 1e18) / 1e18`), so this is a step-for-step reimplementation, not a "good
//! enough" power: the same exact path for small rational exponents, and the same truncated
//! Taylor series (same iteration caps, same early exits, same floor/round choices) otherwise.
//! Written from a reading of that crate, not copied.
//!
//! The pool does not call this directly: [`super::fastpow`] answers almost every power without
//! big integers and falls back to this routine only where it cannot certify the result. This
//! stays the reference: the fallback, and the oracle the fast path is tested against.

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Exponents whose reduced numerator and denominator are both at most this take the exact
/// integer-root path (`MAX_EXACT_EXPONENT` in safe-bigmath).
const MAX_EXACT_EXPONENT: u32 = 1_024;
/// Iteration cap of the series (`DEFAULT_MAX_ITERS`), further capped by the working precision.
const DEFAULT_MAX_ITERS: usize = 4_096;
/// Extra low-order bits carried through the series and rounded away at the end.
const GUARD_BITS: u32 = 24;

/// `floor((base_num / base_den)^(exp_num / exp_den) * scale)` as the chain computes it.
///
/// `None` when a denominator is zero (the chain's `None`). A zero base gives `Some(0)` even for a
/// zero exponent; a zero exponent gives `Some(scale)`. `precision` is the requested number of
/// fractional bits of the series path (the balancer passes 256 for swaps and 1024 for limit
/// deltas). The series path can return a negative or meaningless value for extreme operands (a
/// truncated Taylor series of `exp` far from 0); callers treat a value that does not fit `u64`
/// the way the chain does.
pub fn pow_ratio_scaled(
    base_num: &BigUint,
    base_den: &BigUint,
    exp_num: &BigUint,
    exp_den: &BigUint,
    precision: u32,
    scale: &BigUint,
) -> Option<BigInt> {
    if base_den.is_zero() || exp_den.is_zero() {
        return None;
    }
    if base_num.is_zero() {
        return Some(BigInt::zero());
    }
    if exp_num.is_zero() {
        return Some(to_int(scale.clone()));
    }

    let g = exp_num.gcd(exp_den);
    let (exp_num, exp_den) = if g > BigUint::one() {
        (exp_num / &g, exp_den / &g)
    } else {
        (exp_num.clone(), exp_den.clone())
    };

    // Exact path: (a^p * scale^q / b^p)^(1/q), floored.
    if let (Some(p), Some(q)) = (exp_num.to_u32(), exp_den.to_u32()) {
        if p <= MAX_EXACT_EXPONENT && q <= MAX_EXACT_EXPONENT {
            let target_num = base_num.pow(p) * scale.pow(q);
            let target_den = base_den.pow(p);
            return Some(to_int(nth_root_ratio_floor(&target_num, &target_den, q)));
        }
    }

    // Series path: exp(ln(a/b) * p/q) in fixed point with guard bits.
    let scale_bits = u32::try_from(scale.bits()).unwrap_or(u32::MAX);
    let requested_precision = precision.max(32).max(scale_bits.saturating_add(8));
    let internal_precision = requested_precision.saturating_add(GUARD_BITS);
    let max_iters = DEFAULT_MAX_ITERS
        .min(internal_precision as usize + 128)
        .max(1);

    let target_scale = BigInt::one() << requested_precision;
    let guard = BigInt::one() << GUARD_BITS;
    let internal_scale = &target_scale << GUARD_BITS;
    let series = Series {
        scale: &internal_scale,
        guard: &guard,
        max_iters,
    };

    // ln 2 as -ln(1 - 1/2), recomputed per call as the crate does (same value every time).
    let ln_two = -series.ln1p(&(-(&internal_scale >> 1usize)));
    let ln_base = series.ln(base_num, internal_precision, &ln_two)
        - series.ln(base_den, internal_precision, &ln_two);
    let ln_scaled = (ln_base * to_int(exp_num)).div_floor(&to_int(exp_den));
    let exp_fp = series.exp(&ln_scaled);
    let exp_requested = round_off_guard(&exp_fp, &guard);
    Some((exp_requested * to_int(scale.clone())).div_floor(&target_scale))
}

fn to_int(v: BigUint) -> BigInt {
    BigInt::from_biguint(Sign::Plus, v)
}

/// Largest r with r^q * den <= num (bisection in the crate; any exact method gives the same r).
fn nth_root_ratio_floor(num: &BigUint, den: &BigUint, q: u32) -> BigUint {
    if q == 0 {
        return BigUint::zero();
    }
    if q == 1 {
        return num / den;
    }
    let fits = |r: &BigUint| r.pow(q) * den <= *num;
    let mut low = BigUint::zero();
    let mut high = BigUint::one();
    while fits(&high) {
        high <<= 1usize;
    }
    while low < high {
        let mid: BigUint = (&low + &high + 1u32) >> 1usize;
        if fits(&mid) {
            low = mid;
        } else {
            high = mid - 1u32;
        }
    }
    low
}

/// Rounds away the guard bits: truncating division, then half away from zero.
fn round_off_guard(value: &BigInt, guard: &BigInt) -> BigInt {
    let (mut q, r) = value.div_rem(guard);
    if !r.is_zero() && (r.abs() << 1usize) >= guard.abs() {
        q += r.signum();
    }
    q
}

/// The fixed-point series of the crate, sharing one working scale, guard and iteration cap.
struct Series<'a> {
    scale: &'a BigInt,
    guard: &'a BigInt,
    max_iters: usize,
}

impl Series<'_> {
    /// ln(1 + x) by its Taylor series, x in fixed point. Stops when a term vanishes, a term falls
    /// below the guard, or the guard-rounded sum stops changing (crate `ln1p_fixed`).
    fn ln1p(&self, x: &BigInt) -> BigInt {
        let mut power = x.clone();
        let mut sum = x.clone();
        let mut last_rounded = round_off_guard(&sum, self.guard);
        for n in 2..=self.max_iters {
            power = (&power * x).div_floor(self.scale);
            if power.is_zero() {
                break;
            }
            let term = power.div_floor(&BigInt::from(n as u32));
            if term.is_zero() {
                break;
            }
            if n % 2 == 0 {
                sum -= &term;
            } else {
                sum += &term;
            }
            let rounded = round_off_guard(&sum, self.guard);
            if term.abs() < self.guard.abs() || rounded == last_rounded {
                break;
            }
            last_rounded = rounded;
        }
        sum
    }

    /// exp(x) by its Taylor series, same stopping rules (crate `exp_fixed`).
    fn exp(&self, x: &BigInt) -> BigInt {
        let mut term = self.scale.clone();
        let mut sum = term.clone();
        let mut last_rounded = round_off_guard(&sum, self.guard);
        for n in 1..=self.max_iters {
            term = (&term * x).div_floor(&(self.scale * BigInt::from(n as u32)));
            if term.is_zero() {
                break;
            }
            sum += &term;
            let rounded = round_off_guard(&sum, self.guard);
            if term.abs() < self.guard.abs() || rounded == last_rounded {
                break;
            }
            last_rounded = rounded;
        }
        sum
    }

    /// ln(v) for an integer v: the mantissa is normalised into [0.75, 1.5) and the binary
    /// exponent contributes `shift * ln 2` (crate `ln_biguint`).
    fn ln(&self, v: &BigUint, internal_precision: u32, ln_two: &BigInt) -> BigInt {
        if v.is_zero() {
            return BigInt::zero();
        }
        let mut shift = v.bits().saturating_sub(1);
        let mut mantissa = (v << internal_precision as usize) >> shift as usize;
        let scale_uint = self
            .scale
            .to_biguint()
            .expect("the working scale is a positive power of two");
        let one_and_half = &scale_uint + (&scale_uint >> 1usize);
        if mantissa >= one_and_half {
            mantissa >>= 1usize;
            shift = shift.saturating_add(1);
        }
        let ln_mantissa = self.ln1p(&(to_int(mantissa) - self.scale));
        ln_mantissa + ln_two * BigInt::from(shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pow(a: u128, b: u128, p: u128, q: u128, prec: u32, scale: u128) -> Option<BigInt> {
        pow_ratio_scaled(
            &BigUint::from(a),
            &BigUint::from(b),
            &BigUint::from(p),
            &BigUint::from(q),
            prec,
            &BigUint::from(scale),
        )
    }

    #[test]
    fn crate_doc_example_two_thirds_to_the_half() {
        // (2/3)^(1/2) * 1000 = 816.49..., floored.
        assert_eq!(pow(2, 3, 1, 2, 0, 1000), Some(BigInt::from(816)));
    }

    #[test]
    fn chain_unit_test_perquintill_power() {
        // The chain's `test_perquintill_power` (balancer.rs): (21/28)^(0.6/0.4) at 1e18.
        let r = pow(
            21_000_000_000_000_000,
            28_000_000_000_000_000,
            600_000_000_000_000_000,
            400_000_000_000_000_000,
            4096,
            1_000_000_000_000_000_000,
        );
        assert_eq!(r, Some(BigInt::from(649_519_052_838_328_985u64)));
    }

    #[test]
    fn degenerate_operands() {
        assert_eq!(pow(1, 0, 1, 1, 64, 10), None);
        assert_eq!(pow(1, 1, 1, 0, 64, 10), None);
        assert_eq!(pow(0, 5, 0, 1, 64, 10), Some(BigInt::zero()));
        assert_eq!(pow(3, 5, 0, 1, 64, 10), Some(BigInt::from(10)));
    }

    #[test]
    fn series_path_is_close_to_the_float_value() {
        // An exponent of 1025/1024 is beyond the exact path's limit.
        let r = pow(999, 1000, 1025, 1024, 256, 1_000_000_000_000_000_000).unwrap();
        let f = (0.999f64).powf(1025.0 / 1024.0) * 1e18;
        let diff = (r.to_f64().unwrap() - f).abs();
        assert!(diff < 1e4, "{r} vs {f}");
    }
}
