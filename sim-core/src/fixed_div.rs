//! The chain's fixed-point division (`checked_div` of `substrate_fixed`) with one native 128-bit
//! division where that gives the same bits.
//!
//! `substrate_fixed` divides a 128-bit fixed-point number by forming the 256-bit dividend
//! `a · 2^frac` and running four half-word long-division steps, each with a 128-bit division and
//! remainder in software: the coinbase does a dozen of these per subnet per block. When the
//! dividend fits in 128 bits (for the signed types, in 127 bits with both operands positive),
//! which holds for every price, share and amount in rao the block loop divides, the quotient
//! `floor(a · 2^frac / b)` is one `u128` (`i128`) division, and it cannot overflow (it is at most
//! the dividend). Every other input takes the library's routine, so the result is the same for
//! all inputs (`tests::fast_division_equals_checked_div`).

use substrate_fixed::types::{I64F64, I96F32, U64F64, U96F32};

/// `checked_div`, bit for bit, with the native-division shortcut.
pub trait CheckedDivFast: Sized {
    fn checked_div_fast(self, rhs: Self) -> Option<Self>;
}

macro_rules! unsigned_fast_div {
    ($($T:ty: $frac:expr),*) => { $(
        impl CheckedDivFast for $T {
            #[inline]
            fn checked_div_fast(self, rhs: Self) -> Option<Self> {
                let (a, b) = (self.to_bits(), rhs.to_bits());
                if b != 0 && a >> (128 - $frac) == 0 {
                    return Some(<$T>::from_bits((a << $frac) / b));
                }
                self.checked_div(rhs)
            }
        }
    )* };
}

macro_rules! signed_fast_div {
    ($($T:ty: $frac:expr),*) => { $(
        impl CheckedDivFast for $T {
            #[inline]
            fn checked_div_fast(self, rhs: Self) -> Option<Self> {
                let (a, b) = (self.to_bits(), rhs.to_bits());
                // Both positive, and the dividend below 2^127: truncation towards zero is the
                // floor, as the library's division of the absolute values.
                if a >= 0 && b > 0 && a >> (127 - $frac) == 0 {
                    return Some(<$T>::from_bits((a << $frac) / b));
                }
                self.checked_div(rhs)
            }
        }
    )* };
}

unsigned_fast_div! { U96F32: 32, U64F64: 64 }
signed_fast_div! { I96F32: 32, I64F64: 64 }

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A 128-bit pattern of random length (so small, mid and full-width operands all occur),
    /// sometimes a power of two or all ones.
    fn bits(rng: &mut ChaCha8Rng) -> u128 {
        let len = rng.gen_range(0..=128u32);
        let x = if len == 0 {
            0
        } else {
            rng.gen::<u128>() >> (128 - len)
        };
        match rng.gen_range(0..8) {
            0 => 1u128 << rng.gen_range(0..128),
            1 => u128::MAX >> rng.gen_range(0..128),
            _ => x,
        }
    }

    #[test]
    fn fast_division_equals_checked_div() {
        let mut rng = ChaCha8Rng::seed_from_u64(128);
        let edges = [
            0u128,
            1,
            2,
            u64::MAX as u128,
            1 << 64,
            1 << 96,
            1 << 127,
            u128::MAX,
        ];
        let mut pairs: Vec<(u128, u128)> = edges
            .iter()
            .flat_map(|&a| edges.iter().map(move |&b| (a, b)))
            .collect();
        pairs.extend((0..1_000_000).map(|_| (bits(&mut rng), bits(&mut rng))));
        for (a, b) in pairs {
            let (x, y) = (U96F32::from_bits(a), U96F32::from_bits(b));
            assert_eq!(x.checked_div_fast(y), x.checked_div(y), "U96F32 {a} / {b}");
            let (x, y) = (U64F64::from_bits(a), U64F64::from_bits(b));
            assert_eq!(x.checked_div_fast(y), x.checked_div(y), "U64F64 {a} / {b}");
            for (sa, sb) in [(1i128, 1i128), (-1, 1), (1, -1), (-1, -1)] {
                let (a, b) = ((a >> 1) as i128 * sa, (b >> 1) as i128 * sb);
                let (x, y) = (I96F32::from_bits(a), I96F32::from_bits(b));
                assert_eq!(x.checked_div_fast(y), x.checked_div(y), "I96F32 {a} / {b}");
                let (x, y) = (I64F64::from_bits(a), I64F64::from_bits(b));
                assert_eq!(x.checked_div_fast(y), x.checked_div(y), "I64F64 {a} / {b}");
            }
        }
        let (min, one) = (I96F32::from_bits(i128::MIN), I96F32::from_bits(1));
        assert_eq!(min.checked_div_fast(one), min.checked_div(one));
        assert_eq!(min.checked_div_fast(-one), min.checked_div(-one));
    }
}
