//! The epoch's fixed-point primitives over sparse rows, in the chain's `I32F32` arithmetic.
//!
//! Each mirrors the function of the same name in `epoch/math.rs` (our own code, same order of
//! operations, saturating where the chain saturates, `safe_div` = 0 on division by zero or
//! overflow). Rows are `(column uid, value)` in storage order.

use substrate_fixed::transcendental::exp;
use substrate_fixed::types::{I32F32, I64F64};

pub type Row = Vec<(u16, I32F32)>;

pub const ZERO: I32F32 = I32F32::from_bits(0);
pub const ONE: I32F32 = I32F32::from_bits(1 << 32);

/// `safe_div`: `checked_div`, 0 when it fails.
pub fn div(a: I32F32, b: I32F32) -> I32F32 {
    a.checked_div(b).unwrap_or(ZERO)
}

pub fn div64(a: I64F64, b: I64F64) -> I64F64 {
    a.checked_div(b).unwrap_or(I64F64::from_bits(0))
}

/// The chain sums with `Iterator::sum`, i.e. plain (wrapping in release) addition.
pub fn sum(x: &[I32F32]) -> I32F32 {
    x.iter().fold(ZERO, |a, b| {
        I32F32::from_bits(a.to_bits().wrapping_add(b.to_bits()))
    })
}

fn row_total(row: &[(u16, I32F32)]) -> I32F32 {
    row.iter().fold(ZERO, |a, (_, b)| {
        I32F32::from_bits(a.to_bits().wrapping_add(b.to_bits()))
    })
}

/// `fixed_proportion_to_u16`: x * 65535, floored into u16 (saturating).
pub fn proportion_to_u16(x: I32F32) -> u16 {
    x.saturating_mul(I32F32::from_num(u16::MAX))
        .saturating_to_num::<u16>()
}

pub fn inplace_normalize(x: &mut [I32F32]) {
    let total = sum(x);
    if total == ZERO {
        return;
    }
    x.iter_mut().for_each(|v| *v = div(*v, total));
}

pub fn inplace_normalize_64(x: &mut [I64F64]) {
    let total = x.iter().fold(I64F64::from_bits(0), |a, b| {
        I64F64::from_bits(a.to_bits().wrapping_add(b.to_bits()))
    });
    if total == I64F64::from_bits(0) {
        return;
    }
    x.iter_mut().for_each(|v| *v = div64(*v, total));
}

/// `is_topk_nonzero`: true for the k largest (stable ascending sort: among ties the lower index
/// is dropped first) that are non-zero.
pub fn is_topk_nonzero(v: &[I32F32], k: usize, idx: &mut Vec<usize>, out: &mut Vec<bool>) {
    out.clear();
    out.extend(v.iter().map(|x| *x != ZERO));
    let n = v.len();
    if n < k {
        return;
    }
    idx.clear();
    idx.extend(0..n);
    // Unstable sort by (value, index) = the chain's stable sort by value, without its buffer.
    idx.sort_unstable_by_key(|&i| (v[i], i));
    for &i in idx.iter().take(n - k) {
        out[i] = false;
    }
}

/// `inplace_mask_vector`: zero where the mask is true; a missing mask entry masks, an empty
/// mask masks nothing.
pub fn inplace_mask_vector(mask: &[bool], v: &mut [I32F32]) {
    if mask.is_empty() {
        return;
    }
    for (i, x) in v.iter_mut().enumerate() {
        if *mask.get(i).unwrap_or(&true) {
            *x = ZERO;
        }
    }
}

pub fn inplace_row_normalize(m: &mut [Row]) {
    for row in m.iter_mut() {
        let total = row_total(row);
        if total > ZERO {
            row.iter_mut().for_each(|(_, v)| *v = div(*v, total));
        }
    }
}

pub fn inplace_col_normalize(m: &mut [Row], columns: usize, col_sum: &mut Vec<I32F32>) {
    col_sum.clear();
    col_sum.resize(columns, ZERO);
    for row in m.iter() {
        for &(j, v) in row {
            if let Some(s) = col_sum.get_mut(j as usize) {
                *s = s.saturating_add(v);
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let d = col_sum.get(*j as usize).copied().unwrap_or(ZERO);
            if d != ZERO {
                *v = div(*v, d);
            }
        }
    }
}

pub fn inplace_col_max_upscale(m: &mut [Row], columns: usize, col_max: &mut Vec<I32F32>) {
    col_max.clear();
    col_max.resize(columns, ZERO);
    for row in m.iter() {
        for &(j, v) in row {
            if let Some(mx) = col_max.get_mut(j as usize) {
                if *mx < v {
                    *mx = v;
                }
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let mx = col_max.get(*j as usize).copied().unwrap_or(ZERO);
            if mx != ZERO {
                *v = div(*v, mx);
            }
        }
    }
}

/// `weighted_median`: the stake-weighted quantile by repeated partition around the middle
/// element; returns an observed score. (The chain's five arguments plus three reused buffers.)
#[allow(clippy::too_many_arguments)]
pub fn weighted_median(
    stake: &[I32F32],
    score: &[I32F32],
    minority: I32F32,
    mut lo: I32F32,
    mut hi: I32F32,
    current: &mut Vec<usize>,
    lower: &mut Vec<usize>,
    upper: &mut Vec<usize>,
) -> I32F32 {
    let get = |s: &[I32F32], i: usize| s.get(i).copied().unwrap_or(ZERO);
    // Every buffer can hold every index, so the swaps below never need to grow one.
    for buf in [&mut *current, &mut *lower, &mut *upper] {
        buf.clear();
        buf.reserve(stake.len());
    }
    current.extend(0..stake.len());
    let limit = stake.len();
    let mut iterations = 0usize;
    loop {
        let n = current.len();
        if n == 0 {
            return ZERO;
        }
        if n == 1 {
            return get(score, current[0]);
        }
        let pivot = get(score, current[n / 2]);
        let (mut lo_stake, mut hi_stake) = (ZERO, ZERO);
        lower.clear();
        upper.clear();
        for &i in current.iter() {
            let s = get(score, i);
            if s == pivot {
                continue;
            }
            if s < pivot {
                lo_stake = lo_stake.saturating_add(get(stake, i));
                lower.push(i);
            } else {
                hi_stake = hi_stake.saturating_add(get(stake, i));
                upper.push(i);
            }
        }
        if minority < lo.saturating_add(lo_stake) && !lower.is_empty() {
            std::mem::swap(current, lower);
            hi = lo.saturating_add(lo_stake);
        } else if hi.saturating_sub(hi_stake) <= minority && !upper.is_empty() {
            std::mem::swap(current, upper);
            lo = hi.saturating_sub(hi_stake);
        } else {
            return pivot;
        }
        iterations += 1;
        if iterations > limit {
            return ZERO;
        }
    }
}

/// `exp_safe`: exp clamped to inputs in [-20, 20].
pub fn exp_safe(x: I32F32) -> I32F32 {
    let x = x.max(I32F32::from_num(-20)).min(I32F32::from_num(20));
    match exp::<I32F32, I32F32>(x) {
        Ok(v) => v,
        Err(()) if x <= ZERO => ZERO,
        Err(()) => I32F32::max_value(),
    }
}

pub fn clamp(v: I32F32, low: I32F32, high: I32F32) -> I32F32 {
    v.min(high).max(low)
}
