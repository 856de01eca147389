//! A 256-bit unsigned integer with just the operations [`super::SafeFloat`] needs.
//!
//! The chain's share-pool crate (`primitives/share-pool`) does its mantissa arithmetic in
//! `sp_core::U256`: the product of two u128 mantissas, divided by a third mantissa or by 10.
//! Every divisor it uses is a mantissa (at most 10^21 < 2^70) or 10, so a long division by
//! 32-bit digits with a u128 running remainder is exact here and needs no allocation.

/// Eight little-endian 32-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct U256([u32; 8]);

/// Divisors must stay below 2^96 so that `(remainder << 32) | limb` fits in a u128.
const MAX_DIVISOR: u128 = 1 << 96;

impl U256 {
    pub(crate) fn from_u128(v: u128) -> Self {
        let mut limbs = [0u32; 8];
        for (i, limb) in limbs.iter_mut().take(4).enumerate() {
            *limb = (v >> (32 * i)) as u32;
        }
        Self(limbs)
    }

    /// The exact product of two u128 values (it always fits in 256 bits).
    pub(crate) fn mul_u128(a: u128, b: u128) -> Self {
        let a = Self::from_u128(a).0;
        let b = Self::from_u128(b).0;
        let mut acc = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u64;
            for j in 0..4 {
                // (2^32-1)^2 + 2 (2^32-1) = 2^64 - 1: the sum cannot overflow.
                let t = acc[i + j] + u64::from(a[i]) * u64::from(b[j]) + carry;
                acc[i + j] = t & 0xFFFF_FFFF;
                carry = t >> 32;
            }
            acc[i + 4] += carry;
        }
        let mut limbs = [0u32; 8];
        for (limb, v) in limbs.iter_mut().zip(acc) {
            *limb = v as u32;
        }
        Self(limbs)
    }

    pub(crate) fn is_zero(self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    /// The value as a u128, if it fits.
    pub(crate) fn to_u128(self) -> Option<u128> {
        if self.0[4..].iter().any(|&l| l != 0) {
            return None;
        }
        Some(
            self.0[..4]
                .iter()
                .enumerate()
                .fold(0u128, |acc, (i, &l)| acc | (u128::from(l) << (32 * i))),
        )
    }

    /// Floor division; `None` when dividing by zero (`U256::checked_div`).
    ///
    /// # Panics
    /// If `d` is 2^96 or more: no SafeFloat operation divides by such a value.
    pub(crate) fn checked_div(self, d: u128) -> Option<Self> {
        if d == 0 {
            return None;
        }
        assert!(d < MAX_DIVISOR, "divisor {d} beyond the supported range");
        let mut quotient = [0u32; 8];
        // Leading zero limbs give zero digits and leave the remainder 0: start below them.
        let top = self.0.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
        if d >> 32 == 0 {
            // A 32-bit divisor keeps the remainder below 2^32: each step fits 64 bits.
            let d = d as u64;
            let mut rem = 0u64;
            for i in (0..top).rev() {
                let cur = (rem << 32) | u64::from(self.0[i]);
                let q = cur / d;
                quotient[i] = q as u32;
                rem = cur - q * d;
            }
        } else {
            let mut rem: u128 = 0;
            for i in (0..top).rev() {
                let cur = (rem << 32) | u128::from(self.0[i]);
                let q = cur / d;
                quotient[i] = q as u32;
                rem = cur - q * d;
            }
        }
        Some(Self(quotient))
    }

    /// The long division [`U256::checked_div`] replaced (every limb, u128 `/` and `%`), the
    /// reference of its test.
    #[cfg(test)]
    pub(crate) fn checked_div_reference(self, d: u128) -> Option<Self> {
        if d == 0 {
            return None;
        }
        assert!(d < MAX_DIVISOR, "divisor {d} beyond the supported range");
        let mut quotient = [0u32; 8];
        let mut rem: u128 = 0;
        for i in (0..8).rev() {
            let cur = (rem << 32) | u128::from(self.0[i]);
            quotient[i] = (cur / d) as u32;
            rem = cur % d;
        }
        Some(Self(quotient))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_and_division_round_trip() {
        let a = 999_999_999_999_999_999_999u128;
        let b = 123_456_789_012_345_678_901u128;
        let p = U256::mul_u128(a, b);
        assert_eq!(p.to_u128(), None);
        assert_eq!(p.checked_div(a).and_then(U256::to_u128), Some(b));
        assert_eq!(p.checked_div(b).and_then(U256::to_u128), Some(a));
        assert_eq!(p.checked_div(0), None);
        assert_eq!(
            U256::from_u128(u128::MAX).to_u128(),
            Some(u128::MAX),
            "a u128 survives the limb form"
        );
        assert!(U256::from_u128(0).is_zero());
    }

    #[test]
    fn division_equals_the_limb_by_limb_reference() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..200_000 {
            let a = rng.gen::<u128>() >> rng.gen_range(0..128);
            let b = rng.gen::<u128>() >> rng.gen_range(0..128);
            let p = if rng.gen::<bool>() {
                U256::mul_u128(a, b)
            } else {
                U256::from_u128(a)
            };
            let d = match rng.gen_range(0..4) {
                0 => 10,
                1 => u128::from(rng.gen::<u32>()),
                2 => (1u128 << 96) - 1 - (rng.gen::<u128>() >> rng.gen_range(32..128)),
                _ => rng.gen::<u128>() >> rng.gen_range(32..128),
            };
            assert_eq!(p.checked_div(d), p.checked_div_reference(d), "{p:?} / {d}");
        }
        for d in [1u128, 2, 10, u128::from(u32::MAX), 1 << 32, (1 << 96) - 1] {
            for p in [
                U256::from_u128(0),
                U256::from_u128(u128::MAX),
                U256::mul_u128(u128::MAX, u128::MAX),
            ] {
                assert_eq!(p.checked_div(d), p.checked_div_reference(d));
            }
        }
    }

    #[test]
    fn division_floors() {
        let p = U256::mul_u128(10u128.pow(21), 7);
        let q = p.checked_div(3).and_then(U256::to_u128);
        assert_eq!(q, Some(7 * 10u128.pow(21) / 3));
    }
}
