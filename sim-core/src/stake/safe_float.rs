//! `SafeFloat`: the decimal floating point the chain keeps share-pool shares in.
//!
//! Mirrors `SafeFloat` of the chain's `primitives/share-pool` crate: a u128 mantissa times
//! 10^exponent, normalised so that 10^20 < mantissa <= 10^21 (zero is mantissa 0, exponent 0).
//! About 21 significant digits: enough that staking 1 rao changes a coldkey's share and the pool
//! denominator, few enough that 0.1 rao does not. Every operation truncates exactly like the
//! chain's U256 arithmetic, so shares and denominators match `AlphaV2` / `TotalHotkeySharesV2`
//! bit for bit.

use super::wide::U256;
use std::fmt;

/// Largest normalised mantissa, 10^21 (`SAFE_FLOAT_MAX`).
pub const SAFE_FLOAT_MAX: u128 = 1_000_000_000_000_000_000_000;
/// log10 of [`SAFE_FLOAT_MAX`] (`SAFE_FLOAT_MAX_EXP`).
pub const SAFE_FLOAT_MAX_EXP: i64 = 21;
/// Mantissas must exceed this after normalisation: 10^20.
const SAFE_FLOAT_MIN: u128 = SAFE_FLOAT_MAX / 10;

/// mantissa x 10^exponent, always normalised. Equality of two values is equality of the pairs.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SafeFloat {
    mantissa: u128,
    exponent: i64,
}

impl fmt::Debug for SafeFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}e{}", self.mantissa, self.exponent)
    }
}

/// 10^e capped at 10^22 (`cappow10`): larger powers only ever divide a mantissa (<= 10^21) down
/// to 0 or push a product beyond u64, so the cap changes no result.
fn cappow10(e: u64) -> u128 {
    let cap = SAFE_FLOAT_MAX_EXP as u64 + 1;
    10u128.pow(e.min(cap) as u32)
}

impl SafeFloat {
    pub const ZERO: Self = Self {
        mantissa: 0,
        exponent: 0,
    };

    /// A value from an arbitrary mantissa and exponent, normalised (`SafeFloat::new`). `None`
    /// when the mantissa exceeds [`SAFE_FLOAT_MAX`] or the exponent leaves the i64 range.
    pub fn new(mantissa: u128, exponent: i64) -> Option<Self> {
        if mantissa > SAFE_FLOAT_MAX {
            return None;
        }
        Self::normalized(U256::from_u128(mantissa), exponent)
    }

    /// An integer amount exactly (`From<u64>`).
    pub fn from_u64(value: u64) -> Self {
        Self::new(u128::from(value), 0).unwrap_or_default()
    }

    pub fn mantissa(&self) -> u128 {
        self.mantissa
    }

    pub fn exponent(&self) -> i64 {
        self.exponent
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Brings a wide mantissa into (10^20, 10^21] by whole decimal digits, truncating
    /// (`SafeFloat::normalize`). Divides first, then multiplies, as the chain does: a
    /// mantissa of 10^21 + 1 truncates to 10^20 and is multiplied back to 10^21.
    fn normalized(mantissa: U256, exponent: i64) -> Option<Self> {
        if mantissa.is_zero() {
            return Some(Self::ZERO);
        }
        let mut wide = mantissa;
        let mut e = exponent;
        // Above u128, one decimal digit at a time as the chain does.
        let mut m = loop {
            match wide.to_u128() {
                Some(v) => break v,
                None => {
                    wide = wide.checked_div(10)?;
                    e = e.checked_add(1)?;
                }
            }
        };
        // Within u128, the k truncating divisions by 10 are one division by 10^k
        // (floor(floor(x / a) / b) = floor(x / ab)); k is the first count that brings m to at
        // most 10^21, i.e. the k with m < (10^21 + 1) 10^k, and the exponent's k steps fail
        // exactly when its sum does.
        if m > SAFE_FLOAT_MAX {
            let mut k = 1u32;
            while (SAFE_FLOAT_MAX + 1)
                .checked_mul(10u128.pow(k))
                .is_some_and(|bound| m >= bound)
            {
                k += 1;
            }
            m /= 10u128.pow(k);
            e = e.checked_add(i64::from(k))?;
        }
        while m <= SAFE_FLOAT_MIN {
            m *= 10;
            e = e.checked_sub(1)?;
        }
        Some(Self {
            mantissa: m,
            exponent: e,
        })
    }

    /// [`SafeFloat::normalized`] as it was (one U256 division by 10 per digit), the reference of
    /// its test.
    #[cfg(test)]
    fn normalized_reference(mantissa: U256, exponent: i64) -> Option<Self> {
        if mantissa.is_zero() {
            return Some(Self::ZERO);
        }
        let mut m = mantissa;
        let mut e = exponent;
        while !matches!(m.to_u128(), Some(v) if v <= SAFE_FLOAT_MAX) {
            m = m.checked_div_reference(10)?;
            e = e.checked_add(1)?;
        }
        let mut m = m.to_u128()?;
        while m <= SAFE_FLOAT_MIN {
            m *= 10;
            e = e.checked_sub(1)?;
        }
        Some(Self {
            mantissa: m,
            exponent: e,
        })
    }

    /// self / a, keeping 21 digits (`SafeFloat::div`). `None` when `a` is zero or the exponent
    /// leaves the i64 range.
    pub fn div(&self, a: &SafeFloat) -> Option<Self> {
        let exponent =
            i128::from(self.exponent) - i128::from(a.exponent) - i128::from(SAFE_FLOAT_MAX_EXP);
        let exponent = i64::try_from(exponent).ok()?;
        let scaled = U256::mul_u128(self.mantissa, SAFE_FLOAT_MAX);
        Self::normalized(scaled.checked_div(a.mantissa)?, exponent)
    }

    /// Aligns the smaller operand's mantissa to the larger exponent (truncating it), the common
    /// first step of `add` and `sub`.
    fn aligned(&self, a: &SafeFloat) -> (u128, u128, i64) {
        if self.exponent >= a.exponent {
            let diff = self.exponent.saturating_sub(a.exponent) as u64;
            (self.mantissa, a.mantissa / cappow10(diff), self.exponent)
        } else {
            let diff = a.exponent.saturating_sub(self.exponent) as u64;
            (self.mantissa / cappow10(diff), a.mantissa, a.exponent)
        }
    }

    /// self + a (`SafeFloat::add`); the smaller operand loses the digits below the larger's
    /// last digit.
    pub fn add(&self, a: &SafeFloat) -> Option<Self> {
        if self.is_zero() {
            return Some(*a);
        }
        if a.is_zero() {
            return Some(*self);
        }
        let (m1, m2, e) = self.aligned(a);
        Self::normalized(U256::from_u128(m1.saturating_add(m2)), e)
    }

    /// self - a, saturating at zero (`SafeFloat::sub`). `None` when subtracting a non-zero value
    /// from zero.
    pub fn sub(&self, a: &SafeFloat) -> Option<Self> {
        if self.is_zero() && a.is_zero() {
            return Some(Self::ZERO);
        }
        if self.is_zero() {
            return None;
        }
        if a.is_zero() {
            return Some(*self);
        }
        let (m1, m2, e) = self.aligned(a);
        Self::normalized(U256::from_u128(m1.saturating_sub(m2)), e)
    }

    /// self * a / b with one truncation (`SafeFloat::mul_div`). `None` when `b` is zero or an
    /// exponent overflows.
    pub fn mul_div(&self, a: &SafeFloat, b: &SafeFloat) -> Option<Self> {
        if b.mantissa == 0 {
            return None;
        }
        let product = U256::mul_u128(self.mantissa, a.mantissa);
        let exponent = self
            .exponent
            .checked_add(a.exponent)?
            .checked_sub(b.exponent)?;
        Self::normalized(product.checked_div(b.mantissa)?, exponent)
    }

    /// self > a for normalised values (`SafeFloat::gt`).
    pub fn gt(&self, a: &SafeFloat) -> bool {
        use std::cmp::Ordering;
        match self.exponent.cmp(&a.exponent) {
            Ordering::Equal => self.mantissa > a.mantissa,
            Ordering::Greater => {
                self.exponent.saturating_sub(a.exponent) > 1
                    || self.mantissa.saturating_mul(10) > a.mantissa
            }
            Ordering::Less => {
                a.exponent.saturating_sub(self.exponent) <= 1
                    && self.mantissa > a.mantissa.saturating_mul(10)
            }
        }
    }

    /// The value truncated to a u64, saturating (`From<&SafeFloat> for u64`).
    pub fn to_u64(&self) -> u64 {
        if self.exponent == 0 {
            return u64::try_from(self.mantissa).unwrap_or(u64::MAX);
        }
        let scale = cappow10(self.exponent.unsigned_abs());
        let q = if self.exponent > 0 {
            match self.mantissa.checked_mul(scale) {
                Some(q) => q,
                None => return u64::MAX,
            }
        } else {
            self.mantissa / scale
        };
        u64::try_from(q).unwrap_or(u64::MAX)
    }

    /// For reading only (`From<&SafeFloat> for f64`).
    pub fn to_f64(&self) -> f64 {
        let e = self
            .exponent
            .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        self.mantissa as f64 * 10f64.powi(e)
    }
}

impl From<u64> for SafeFloat {
    fn from(value: u64) -> Self {
        Self::from_u64(value)
    }
}

impl From<&SafeFloat> for u64 {
    fn from(value: &SafeFloat) -> Self {
        value.to_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_equals_the_digit_by_digit_reference() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        let check = |m: U256, e: i64| {
            assert_eq!(
                SafeFloat::normalized(m, e),
                SafeFloat::normalized_reference(m, e),
                "{m:?} e{e}"
            );
        };
        for _ in 0..200_000 {
            let a = rng.gen::<u128>() >> rng.gen_range(0..128);
            let b = rng.gen::<u128>() >> rng.gen_range(0..128);
            let m = match rng.gen_range(0..3) {
                0 => U256::mul_u128(a, b),
                1 => U256::from_u128(a),
                // Around the bounds of each decimal digit count.
                _ => {
                    let k = rng.gen_range(0..18u32);
                    let base = (SAFE_FLOAT_MAX + 1) * 10u128.pow(k);
                    U256::from_u128(
                        base.saturating_add(rng.gen_range(0..3))
                            .saturating_sub(rng.gen_range(0..3)),
                    )
                }
            };
            let e = match rng.gen_range(0..4) {
                0 => i64::MAX - rng.gen_range(0..40),
                1 => i64::MIN + rng.gen_range(0..40),
                _ => rng.gen_range(-60..60),
            };
            check(m, e);
        }
        for m in [
            0,
            1,
            SAFE_FLOAT_MIN,
            SAFE_FLOAT_MIN + 1,
            SAFE_FLOAT_MAX,
            SAFE_FLOAT_MAX + 1,
            u128::MAX,
        ] {
            for e in [0, i64::MAX, i64::MIN, i64::MAX - 17, i64::MAX - 18] {
                check(U256::from_u128(m), e);
            }
        }
        check(U256::mul_u128(u128::MAX, u128::MAX), 0);
        check(U256::mul_u128(u128::MAX, u128::MAX), i64::MAX - 60);
    }

    fn sf(m: u128, e: i64) -> SafeFloat {
        SafeFloat::new(m, e).expect("valid")
    }

    #[test]
    fn normalises_into_the_mantissa_window() {
        let x = SafeFloat::from_u64(1000);
        assert_eq!((x.mantissa(), x.exponent()), (SAFE_FLOAT_MAX, -18));
        let one = SafeFloat::from_u64(1);
        assert_eq!((one.mantissa(), one.exponent()), (SAFE_FLOAT_MAX, -21));
        assert_eq!(SafeFloat::from_u64(0), SafeFloat::ZERO);
        assert_eq!(SafeFloat::new(SAFE_FLOAT_MAX + 1, 0), None);
        // Exactly 10^20 is not in the window: it becomes 10^21 one exponent lower.
        assert_eq!(sf(SAFE_FLOAT_MIN, 0), sf(SAFE_FLOAT_MAX, -1));
    }

    #[test]
    fn integers_round_trip_through_u64() {
        for v in [1u64, 7, 999, 1_000_000_007, u64::MAX / 3, u64::MAX] {
            assert_eq!(SafeFloat::from_u64(v).to_u64(), v);
        }
    }

    #[test]
    fn arithmetic_matches_the_chain_unit_tests() {
        // share-pool test_get_value: 100 * 3 / 10 = 30.
        let v = SafeFloat::from_u64(100)
            .mul_div(&SafeFloat::from_u64(3), &SafeFloat::from_u64(10))
            .expect("non-zero divisor");
        assert_eq!(v.to_u64(), 30);
        assert_eq!(
            SafeFloat::from_u64(1).div(&SafeFloat::from_u64(3)),
            Some(sf(333_333_333_333_333_333_333, -21))
        );
        assert_eq!(SafeFloat::from_u64(1).div(&SafeFloat::ZERO), None);
        assert_eq!(
            SafeFloat::from_u64(5).add(&SafeFloat::from_u64(7)),
            Some(SafeFloat::from_u64(12))
        );
        assert_eq!(
            SafeFloat::from_u64(7).sub(&SafeFloat::from_u64(5)),
            Some(SafeFloat::from_u64(2))
        );
        assert_eq!(SafeFloat::ZERO.sub(&SafeFloat::from_u64(1)), None);
        assert_eq!(
            SafeFloat::from_u64(5).sub(&SafeFloat::from_u64(7)),
            Some(SafeFloat::ZERO)
        );
    }

    /// Exact sums from the share-pool crate's own table (`test_safefloat_add`), both orders:
    /// the smaller operand is truncated to the larger one's digits before adding.
    #[test]
    fn addition_truncates_like_the_chain() {
        const M: u128 = SAFE_FLOAT_MAX;
        let table: [(u128, i64, u128, i64, u128, i64); 14] = [
            (1, 0, 1, 0, 200_000_000_000_000_000_000, -20),
            (0, 0, 1, -1, M, -22),
            (1, -1000, 1, -1, M, -22),
            (M, 0, M, 0, M * 2 / 10, 1),
            (1, 0, M, 1, M, 1),
            (1, 0, 1, 23, M, 2),
            (123, 1, 1, 23, 100_000_000_000_000_000_001, 3),
            (
                999_999_999_999_999_999_999,
                0,
                1,
                22,
                109_999_999_999_999_999_999,
                2,
            ),
            (4_200, 0, 1, 23, 100_000_000_000_000_000_004, 3),
            (
                999_999_999_999_999_999_999,
                0,
                1,
                23,
                100_999_999_999_999_999_999,
                3,
            ),
            (999_999, 1, 1, 23, 100_000_000_000_000_009_999, 3),
            (
                1,
                24,
                123_456_789_012_345_678_901,
                0,
                100_012_345_678_901_234_567,
                4,
            ),
            (1, 22, 1, 23, 110_000_000_000_000_000_000, 3),
            (999_999_999_999_999_999_999, 22, 1, 22, M, 22),
        ];
        for (ma, ea, mb, eb, m, e) in table {
            let (a, b) = (sf(ma, ea), sf(mb, eb));
            let want = (m, e);
            let ab = a.add(&b).expect("no overflow");
            let ba = b.add(&a).expect("no overflow");
            assert_eq!((ab.mantissa(), ab.exponent()), want, "{a:?} + {b:?}");
            assert_eq!((ba.mantissa(), ba.exponent()), want, "{b:?} + {a:?}");
        }
    }

    #[test]
    fn comparison() {
        let a = SafeFloat::from_u64(10);
        let b = SafeFloat::from_u64(9);
        assert!(a.gt(&b));
        assert!(!b.gt(&a));
        assert!(!a.gt(&a));
        assert!(SafeFloat::from_u64(1000).gt(&b));
        assert!(!b.gt(&SafeFloat::from_u64(1000)));
    }
}
