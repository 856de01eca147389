//! Q32 fixed-point helpers of the current burn decay (spec 4.1).
//!
//! The chain keeps the per-block decay factor as a plain `u64` with 32 fractional bits
//! (`utils/misc.rs`: `mul_by_q32`, `pow_q32`, `decay_factor_q32`). Every product is truncated
//! back to Q32, so the factor it finds is a little below the exact `2^(-1/h)`: after 360 blocks
//! one TAO has decayed to 0.499999865 TAO, not 0.5 (golden README, "Registration").

/// 1.0 in Q32.
pub const Q32_ONE: u64 = 1 << 32;
/// 0.5 in Q32: the target of `factor^half_life`.
pub const Q32_HALF: u64 = 1 << 31;

/// `value * factor / 2^32`, truncated, saturating at `u64::MAX` (`mul_by_q32`).
///
/// The product is taken in `u128`, where it cannot overflow, so only the final narrowing can
/// saturate (a factor above 1.0 on a huge value).
pub fn mul_q32(value: u64, factor_q32: u64) -> u64 {
    let shifted = (u128::from(value) * u128::from(factor_q32)) >> 32;
    u64::try_from(shifted).unwrap_or(u64::MAX)
}

/// `base^exp` in Q32 by square-and-multiply, truncating after every product (`pow_q32`).
///
/// The order of the truncations is part of the result: the result is multiplied by the current
/// square when the exponent's low bit is set, and the square is only formed while bits remain.
pub fn pow_q32(base_q32: u64, exp: u16) -> u64 {
    let mut acc = Q32_ONE;
    let mut square = base_q32;
    let mut bits = u32::from(exp);
    while bits != 0 {
        if bits & 1 == 1 {
            acc = mul_q32(acc, square);
        }
        bits >>= 1;
        if bits != 0 {
            square = mul_q32(square, square);
        }
    }
    acc
}

/// The per-block burn decay factor for a half-life in blocks (`decay_factor_q32`): the largest
/// Q32 value `f` in `[0, 1)` with `pow_q32(f, half_life) <= 0.5`, found by bisection. A half-life
/// of 0 means no decay (1.0).
pub fn decay_factor_q32(half_life: u16) -> u64 {
    if half_life == 0 {
        return Q32_ONE;
    }
    // Invariant: pow(lo) <= 1/2 < pow(hi), with hi = 1.0 taken as "above" by construction.
    let (mut lo, mut hi) = (0u64, Q32_ONE);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if pow_q32(mid, half_life) > Q32_HALF {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_truncate_and_saturate() {
        assert_eq!(mul_q32(3, Q32_HALF), 1);
        assert_eq!(mul_q32(1_000_000_000, Q32_ONE), 1_000_000_000);
        assert_eq!(mul_q32(u64::MAX, 2 * Q32_ONE), u64::MAX);
        assert_eq!(pow_q32(Q32_HALF, 0), Q32_ONE);
        assert_eq!(pow_q32(Q32_HALF, 3), Q32_ONE / 8);
    }

    #[test]
    fn one_block_half_life_halves() {
        assert_eq!(decay_factor_q32(1), Q32_HALF);
        assert_eq!(decay_factor_q32(0), Q32_ONE);
    }
}
