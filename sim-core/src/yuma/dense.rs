//! The dense path: the same epoch as `sparse.rs`, bit for bit, over flat `rows x n` matrices.
//!
//! Only the rows that hold weights or bonds get a matrix row (64 of 256 in a typical subnet).
//! Values are the raw bits of non-negative `I32F32` numbers (`u64`). Where the chain's sparse
//! steps and a dense pass give the same numbers, the dense pass runs; each such step says why
//! (the bounds that make a saturating operation exact, the identities behind a division done by
//! a reciprocal). The differential test (`yuma/tests.rs`) checks the whole against the sparse
//! path over thousands of random epochs.
//!
//! The dense path declines (returns `false`, nothing written to the output) when a uid is kept
//! twice in one weight row, when weight rows are out of uid order under liquid alpha at bonds
//! penalty 0 or 1, when the stored bond row of a uid with a matrix row is not strictly sorted,
//! when a uid has two stored rows, or when the matrix would exceed [`MAX_CELLS`]: there a
//! repeated entry or the row order changes the chain's result, and the sparse path runs
//! instead. Explicit zero weights stay: their presence matters only under liquid alpha at
//! penalty 0 or 1, where a presence bit carries it (`liquid_fused`).

use super::math::{
    clamp, div, div64, exp_safe, inplace_mask_vector, inplace_normalize, inplace_normalize_64,
    proportion_to_u16, sum, weighted_median, ONE, ZERO,
};
use super::simd::Avx2;
use super::{EpochInput, EpochOutput};
use substrate_fixed::types::{I32F32, I64F64, I96F32, U96F32};

/// Largest dense matrix (rows x uids) the dense path builds; larger epochs run sparse. With
/// rows <= n this also bounds the rows by 2^10 (the sums below rely on at most 2^11), and the
/// scratch to about 100 MB (a 256 x 256 subnet needs about 5 MB).
const MAX_CELLS: usize = 1 << 20;
const NONE: u32 = u32::MAX;
const ONE_BITS: u64 = 1 << 32;

#[derive(Default)]
pub(super) struct Dense {
    /// Run the baseline build even where AVX2 + BMI2 are available (the tests compare both).
    pub(super) portable: bool,
    last_update: Vec<u64>,
    inactive: Vec<bool>,
    total_stake: Vec<I64F64>,
    filtered: Vec<I64F64>,
    stake: Vec<I32F32>,
    permits: Vec<bool>,
    forbids: Vec<bool>,
    new_permits: Vec<bool>,
    idx: Vec<usize>,
    active_stake: Vec<I32F32>,
    /// Per uid: index of its row in `input.weights` / `input.bonds`, or `NONE`.
    wsrc: Vec<u32>,
    bsrc: Vec<u32>,
    /// Per uid: its matrix row, or `NONE`; per matrix row: its uid.
    row_of: Vec<u32>,
    rows: Vec<u32>,
    /// Per matrix row: whether it holds weights (after the masks) and their total.
    wtotal: Vec<u64>,
    /// Per matrix row: whether a normalised weight is exactly 1.
    w_has_one: Vec<bool>,
    /// Whether every entry of `e` is known below 1 (set by Yuma3's dividends, read by the
    /// output's bonds; false otherwise).
    e_below_one: bool,
    /// Whether every upscaled entry of `t` is at most 1 (set by `original_fused`, read by the
    /// output's bonds; false otherwise).
    t_at_most_one: bool,
    /// The raw weights of the matrix rows, `rows.len() x n` u16 (a quarter of the bytes to
    /// clear and write of the u64 rows they are normalised into).
    w16: Vec<u16>,
    /// W, `rows.len() x n`, in u32 when every normalised weight is below 1 (`w_narrow`, the
    /// usual case: half the bytes and twice the lanes), in u64 (`w`) otherwise; the steps
    /// that only take u64 widen it first ([`Dense::widen_weights`]).
    w32: Vec<u32>,
    w_narrow: bool,
    /// The consensus in u32 while `w_narrow` (a quantile of the weights, so below 1 too).
    cons32: Vec<u32>,
    /// Matrices, `rows.len() x n`, row-major.
    w: Vec<u64>,
    wb: Vec<u64>,
    b: Vec<u64>,
    e: Vec<u64>,
    t: Vec<u64>,
    /// One stored bond row as a dense row of its u16 values (the fused Yuma3 passes convert
    /// them to fractions with [`bond_fraction`]).
    bond_row: Vec<u16>,
    cols: Cols,
    /// Consensus: voters (rows with active stake) and the column being selected.
    use_stake: Vec<I32F32>,
    voter_rows: Vec<u32>,
    voter_stake: Vec<u64>,
    /// Liquid alpha: (matrix index, diff) of the entries that need an exponential.
    pending: Vec<(u32, u64)>,
    pending_bond: Vec<(u32, u64, u64)>,
    /// Liquid alpha: one row's diffs of the entries queued for an exponential (0 elsewhere).
    liquid_diff: Vec<u64>,
    /// Per uid: the stamp (row uid + 1) of the last weight row that kept it.
    seen: Vec<u32>,
    /// Matrix indices of kept explicit zero weights, and the same as a bit set.
    zero_at: Vec<u32>,
    zero_bits: Vec<u64>,
    recip_b: Vec<Recip>,
    /// The original Yuma's reciprocals split for `apply_below_one` (bonds; the current pass).
    split_b: Split,
    split: Split,
    col_max: Vec<u64>,
    /// Consensus: per column, the shift of its values to a bucket (less 3: the bucket is kept
    /// in the key's bits 3..8), u32, widened in the keys' loop where W is u64 (a zero-extending
    /// load, the same one instruction as a plain one); and its lane part of the keys (j % 8).
    shift: Vec<u32>,
    lane: Vec<u8>,
    /// Consensus: per column, its smallest voter value shifted as its values are, low byte:
    /// subtracted from each shifted value's low byte, it makes bucket 0 the column's lowest
    /// values (`Dense::column_quantiles`); and the columns' smallest values.
    base: Vec<u8>,
    /// The same shifted smallest values in full (u32; read only for u32 W, whose values and
    /// so their shifts fit), for the AVX2 keys ([`Avx2::bucket_keys`]).
    base32: Vec<u32>,
    col_lo: Vec<u64>,
    /// Consensus: per column, whether all its voters give it one value (see the use).
    flat: Vec<bool>,
    /// The uids registered at or after the oldest weight row's update, as (registration
    /// block, uid), latest first: the columns an outdated row loses.
    recent: Vec<(u64, u32)>,
    /// Consensus: each voter's histogram bucket per column (row-major), each column's chosen
    /// bucket and the stake below it, and the chosen bucket's members per column.
    keys: Vec<u8>,
    /// Consensus: the histogram of four groups of eight columns (see the use), all zero
    /// between epochs: every bucket scan leaves its group's array zero.
    hist: Vec<[u64; 256]>,
    chosen: Vec<u8>,
    below: Vec<u64>,
    members: Vec<(u64, u64)>,
    member_count: Vec<u32>,
    sel_b: Vec<(u64, u64)>,
    column: Vec<I32F32>,
    current: Vec<usize>,
    lower: Vec<usize>,
    upper: Vec<usize>,
    consensus: Vec<I32F32>,
    /// Consensus, rank accumulators and incentive as raw bits.
    cons: Vec<u64>,
    acc: Vec<u64>,
    inc: Vec<u64>,
    trust: Vec<I32F32>,
    incentive: Vec<I32F32>,
    dividends: Vec<I32F32>,
    combined: Vec<I32F32>,
    server: Vec<I32F32>,
    validator: Vec<I32F32>,
    combined_norm: Vec<I32F32>,
}

/// Per-column reciprocals split for [`apply_below_one`]: `lo`'s halves and the shift less one.
#[derive(Default)]
struct Split {
    hi: Vec<u64>,
    lo: Vec<u64>,
    shift: Vec<u64>,
}

impl Split {
    fn set(&mut self, recips: &[Recip]) {
        self.hi.clear();
        self.hi.extend(recips.iter().map(|r| r.lo >> 32));
        self.lo.clear();
        self.lo.extend(recips.iter().map(|r| r.lo & LOW));
        self.shift.clear();
        self.shift.extend(recips.iter().map(|r| r.s.max(1) - 1));
    }
}

/// Per-column scratch of the column normalisations.
#[derive(Default)]
struct Cols {
    total: Vec<u64>,
    recip: Vec<Recip>,
    /// `recip` as two flat arrays (`lo`, `s`), for the loops that vectorise.
    lo: Vec<u64>,
    s: Vec<u64>,
    /// `lo`'s halves and `s` - 1 (at least 0), for the dividends' common case.
    lo_hi: Vec<u64>,
    lo_lo: Vec<u64>,
    shift_less_one: Vec<u64>,
    /// 32 - s and s (s at least 1), for the AVX2 dividends (`Avx2::dividend_blocks`).
    up: Vec<u64>,
    down: Vec<u64>,
    fixed: Vec<I32F32>,
}

#[inline(always)]
fn fill<T: Copy>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

fn bits(x: I32F32) -> u64 {
    x.to_bits() as u64
}

fn fixed(x: u64) -> I32F32 {
    I32F32::from_bits(x as i64)
}

/// `saturating_mul` of two `I32F32` in [0, 1]: floor(a * b / 2^32). The product is at most
/// 2^64, the result at most 2^32, so nothing saturates.
///
/// Written without a 128-bit product so that a row loop vectorises (`vpmuludq`, 32 x 32 -> 64
/// bits): below 2^32 both operands are their low halves; a factor of exactly 1 (2^32, the only
/// value above) gives the other factor. Equal to `mulf_wide` on the whole domain (tested).
#[inline(always)]
fn mulf(a: u64, b: u64) -> u64 {
    debug_assert!(a <= ONE_BITS && b <= ONE_BITS);
    let p = ((a & LOW) * (b & LOW)) >> 32;
    if a >> 32 != 0 {
        b
    } else if b >> 32 != 0 {
        a
    } else {
        p
    }
}

/// [`mulf`] for a factor `a` below 1 (a < 2^32; b <= 2^32): floor(a * b_lo / 2^32) plus a
/// when b = 2^32 (then b_lo = 0). Every term is used whatever b is, so LLVM keeps both products
/// at 32 x 32 bits (one `vpmuludq` each); in [`mulf`]'s select form it drops the mask of the
/// operand whose arm is not taken and builds a 64 x 32 product instead. The loops pick it when
/// their constant factors are below 1 (`mulf` otherwise). Equal to `mulf_wide` there (tested).
#[inline(always)]
fn mulf_lo(a: u64, b: u64) -> u64 {
    debug_assert!(a < ONE_BITS && b <= ONE_BITS);
    (((a & LOW) * (b & LOW)) >> 32) + (b >> 32) * (a & LOW)
}

/// [`mulf`] with both operands below 1 (below 2^32): floor(a * b / 2^32), one 32 x 32 product.
#[inline(always)]
fn mulf_32(a: u64, b: u64) -> u64 {
    debug_assert!(a < ONE_BITS && b < ONE_BITS);
    ((a & LOW) * (b & LOW)) >> 32
}

/// The definition of [`mulf`], with the 128-bit product: the same values (tested), cheaper in
/// loops that do not vectorise (liquid alpha's per-entry branches), where one `mulx` beats
/// [`mulf`]'s two selects.
#[inline(always)]
fn mulf_wide(a: u64, b: u64) -> u64 {
    debug_assert!(a <= ONE_BITS && b <= ONE_BITS);
    ((u128::from(a) * u128::from(b)) >> 32) as u64
}

const LOW: u64 = 0xffff_ffff;

/// `x` through `std::hint::black_box` (the same value): for a row's constant factors, so that
/// LLVM keeps the products' masks (`mulf_32`'s `& LOW`) instead of dropping them where a branch
/// proves them redundant and then, no longer seeing the high halves zero, multiplying 64 x 32
/// bits (three instructions more per vector). One call per value: a tuple through one call is
/// masked as a vector, which hides the zero halves again.
#[inline(always)]
fn opaque(x: u64) -> u64 {
    std::hint::black_box(x)
}

/// `a.min(b)` for values below 2^63 (the bits of non-negative `I32F32` numbers, such as
/// weights and consensus): the same as signed, which AVX2 compares in one instruction per
/// vector (an unsigned 64-bit compare takes two more, flipping the sign bits).
#[inline(always)]
fn min63(a: u64, b: u64) -> u64 {
    debug_assert!(a < 1 << 63 && b < 1 << 63);
    (a as i64).min(b as i64) as u64
}

/// The element of the weight matrix: `u32` when every weight of the epoch is below 1 (the
/// usual case; `Dense::w32`), `u64` otherwise (`Dense::w`, which also holds a weight of exactly
/// 1, 2^32). The loops over W are generic over it: in u32 lanes a vector holds eight entries
/// instead of four, so the consensus keys' shifts and ORs, the column ORs and the clip's `min`
/// take half the instructions, and every load half the bytes.
trait Cell:
    Copy
    + Default
    + Into<u64>
    + From<u32>
    + std::ops::BitOr<Output = Self>
    + std::ops::BitAnd<Output = Self>
    + std::ops::Shr<Output = Self>
{
    /// Whether it holds 2^32 (a weight of exactly 1).
    const WIDE: bool;
    /// The low bits of `x` in this width (`x` itself where it fits).
    fn truncate(x: u64) -> Self;
    /// The smaller of two weights or consensus values (below 2^63): [`min63`] in u64 lanes,
    /// the unsigned `min` (one `vpminud`) in u32 lanes.
    fn min_value(self, other: Self) -> Self;
    /// The larger, likewise (signed in u64 lanes, `vpmaxud` in u32 lanes).
    fn max_value(self, other: Self) -> Self;
    /// The low byte.
    fn low_byte(self) -> u8;
    /// The row itself where `Self` is u32 (for the AVX2 normalisation), `None` for u64.
    fn narrow_row(row: &mut [Self]) -> Option<&mut [u32]>;
    /// The same for a shared slice (the consensus kernels read u32 W).
    fn narrow(m: &[Self]) -> Option<&[u32]>;
}

impl Cell for u64 {
    const WIDE: bool = true;
    #[inline(always)]
    fn truncate(x: u64) -> u64 {
        x
    }
    #[inline(always)]
    fn min_value(self, other: u64) -> u64 {
        min63(self, other)
    }
    #[inline(always)]
    fn max_value(self, other: u64) -> u64 {
        debug_assert!(self < 1 << 63 && other < 1 << 63);
        (self as i64).max(other as i64) as u64
    }
    #[inline(always)]
    fn low_byte(self) -> u8 {
        self as u8
    }
    #[inline(always)]
    fn narrow_row(_: &mut [u64]) -> Option<&mut [u32]> {
        None
    }
    #[inline(always)]
    fn narrow(_: &[u64]) -> Option<&[u32]> {
        None
    }
}

impl Cell for u32 {
    const WIDE: bool = false;
    #[inline(always)]
    fn truncate(x: u64) -> u32 {
        x as u32
    }
    #[inline(always)]
    fn min_value(self, other: u32) -> u32 {
        self.min(other)
    }
    #[inline(always)]
    fn max_value(self, other: u32) -> u32 {
        self.max(other)
    }
    #[inline(always)]
    fn low_byte(self) -> u8 {
        self as u8
    }
    #[inline(always)]
    fn narrow_row(row: &mut [u32]) -> Option<&mut [u32]> {
        Some(row)
    }
    #[inline(always)]
    fn narrow(m: &[u32]) -> Option<&[u32]> {
        Some(m)
    }
}

/// `safe_div(x, d)` for `I32F32` bits with 0 <= x <= d, d > 0: floor(x * 2^32 / d) (at most
/// 2^32, so `checked_div` never overflows), by a multiplication with a precomputed reciprocal.
///
/// With b = bits(d) and k = 64 + b (k = 63 + b when d is a power of two), m = ceil(2^k / d) lies
/// in [2^64, 2^65) and is stored as 2^64 + `lo`. For a numerator N = x * 2^32 <= 2^64 and the
/// rounding excess e = m * d - 2^k < d: N * m / 2^k = N / d + N * e / (d * 2^k), and
/// N * e < 2^64 * 2^b = 2^k, so the excess stays below 1/d and cannot reach the next integer:
/// floor(N * m / 2^k) = floor(N / d) exactly. (For a power of two e = 0.)
#[derive(Clone, Copy, Debug, Default)]
struct Recip {
    lo: u64,
    /// k - 64 (the numerator's 2^32 and the 2^32 dropped by [`Recip::apply`]'s split product
    /// are folded into the shift): the bit length of d, one less for a power of two.
    s: u64,
}

impl Recip {
    fn new(d: u64) -> Recip {
        debug_assert!(d > 0);
        let b = 64 - d.leading_zeros();
        if d.is_power_of_two() {
            // m = 2^64 exactly with k = 63 + b.
            return Recip {
                lo: 0,
                s: u64::from(b - 1),
            };
        }
        let k = 64 + b;
        // ceil(2^k / d) - 2^64, computed as floor((2^k - 2^64 * d - 1) / d) + 1 without
        // overflowing: 2^k - 2^64 * d = 2^64 * (2^b - d) < 2^64 * d.
        let rem = (u128::from((1u64 << (b - 1) << 1).wrapping_sub(d)) << 64) - 1;
        let lo = (rem / u128::from(d)) as u64 + 1;
        Recip {
            lo,
            s: u64::from(k - 64),
        }
    }

    /// floor(x * 2^32 / d) = floor(x * m / 2^(s + 64)) for 0 <= x <= min(d, 2^32).
    ///
    /// In 64-bit lanes, without a 128-bit product, so that a row loop vectorises: with
    /// Q = floor(x * m / 2^32) (65 bits) the result is floor(Q / 2^s). For x < 2^32,
    /// x * m = x * 2^64 + x * lo_hi * 2^32 + x * lo_lo, so Q = x * 2^32 + t with
    /// t = x * lo_hi + floor(x * lo_lo / 2^32) < (2^32 - 1)^2 + 2^32 < 2^64; for x = 2^32,
    /// Q = m = 2^64 + lo (t = lo, x's low half 0). H = floor(Q / 2) = [x = 2^32] * 2^63 +
    /// x_lo * 2^31 + floor(t / 2) fits in 64 bits, and floor(Q / 2^s) = floor(H / 2^(s - 1))
    /// for s >= 1. s = 0 only for d = 1, where x <= 1 and Q = x * 2^32 + t fits. Equal to
    /// `apply_wide` (the 128-bit form) on the whole domain (tested).
    #[inline(always)]
    fn apply(self, x: u64) -> u64 {
        debug_assert!(x <= ONE_BITS);
        apply_parts(self.lo, self.s, x)
    }

    /// The 128-bit form of [`Recip::apply`] (the reference of its test).
    #[cfg(test)]
    fn apply_wide(self, x: u64) -> u64 {
        let x = u128::from(x);
        ((x * u128::from(self.lo) + (x << 64)) >> (self.s + 32)) as u64
    }
}

/// [`Recip::apply`] on the reciprocal's parts (loops over per-column reciprocals keep them in
/// two flat arrays, which vectorise).
#[inline(always)]
fn apply_parts(lo: u64, s: u64, x: u64) -> u64 {
    let (xl, xh) = (x & LOW, x >> 32);
    let t = xl * (lo >> 32) + ((xl * (lo & LOW)) >> 32);
    let t = if xh != 0 { lo } else { t };
    let q = (xl << 32).wrapping_add(t);
    let h = (xh << 63) + (xl << 31) + (t >> 1);
    let r = h >> (s.max(1) - 1);
    if s == 0 {
        q
    } else {
        r
    }
}

/// [`apply_parts`] for x < 2^32 and a divisor above 1 (s >= 1), from `lo`'s halves and s - 1:
/// its arms for x = 2^32 and s = 0 drop out. The masks tell LLVM that both halves are below
/// 2^32, so that each product is one `vpmuludq` (it cannot know it of values loaded from an
/// array). Equal to [`Recip::apply`] on that domain (tested).
#[inline(always)]
fn apply_below_one(lo_hi: u64, lo_lo: u64, shift_less_one: u64, x: u64) -> u64 {
    debug_assert!(x < ONE_BITS && lo_hi <= LOW && lo_lo <= LOW && shift_less_one < 63);
    let x = x & LOW;
    let t = x * (lo_hi & LOW) + ((x * (lo_lo & LOW)) >> 32);
    ((x << 31) + (t >> 1)) >> shift_less_one
}

/// floor(x * 2^32 / d) for a raw u16 weight x (x < 2^16) and a divisor d >= 2, by a 64-bit
/// reciprocal (the weights' row normalisation: two 32 x 32-bit products and two shifts per
/// entry, where [`apply_below_one`] takes three more).
///
/// With b = bits(d) and l = max(16 + b, 32), m = ceil(2^(32 + l) / d) and the excess
/// e = m * d - 2^(32 + l) in [0, d): x * m / 2^l = x * 2^32 / d + x * e / (d * 2^l), and
/// x * e < 2^16 * 2^b <= 2^l, so the excess stays below 1/d, the distance from x * 2^32 / d (a
/// multiple of 1/d) to the next integer: floor(x * m / 2^l) = floor(x * 2^32 / d). m fits in
/// 64 bits: for l = 16 + b, m <= 2^(48 + b) / 2^(b - 1) + 1 = 2^49 + 1; for l = 32 (b < 16),
/// m = ceil(2^64 / d) <= 2^63. Split m = hi * 2^32 + lo: floor(x * m / 2^l) =
/// floor((x * hi + floor(x * lo / 2^32)) / 2^(l - 32)), every term below 2^49.
#[derive(Clone, Copy, Debug)]
struct Recip16 {
    hi: u64,
    lo: u64,
    shift: u64,
}

impl Recip16 {
    fn new(d: u64) -> Recip16 {
        debug_assert!(d >= 2);
        let b = u64::from(64 - d.leading_zeros());
        let l = (16 + b).max(32);
        let d128 = u128::from(d);
        let m = (1u128 << (32 + l)).div_ceil(d128);
        debug_assert!(m < 1 << 64);
        let m = m as u64;
        Recip16 {
            hi: m >> 32,
            lo: m & LOW,
            shift: l - 32,
        }
    }

    /// The masks tell LLVM that both halves are below 2^32 (one `vpmuludq` each).
    #[inline(always)]
    fn apply(self, x: u16) -> u64 {
        let x = u64::from(x);
        (x * (self.hi & LOW) + ((x * (self.lo & LOW)) >> 32)) >> self.shift
    }
}

/// The stake-weighted quantile the chain's `weighted_median` returns, when every stake is
/// positive and 0 <= minority < total (checked by the caller): the smallest present value v with
/// S(<= v) > minority. (The chain's partition keeps lo = S(< partition) <= minority <
/// hi = S(<= partition) for exact, unsaturated sums; it returns the pivot exactly when
/// S(< pivot) <= minority < S(<= pivot), and a single remaining element also satisfies it; only
/// one present value does.) Any selection order gives it; this one partitions around a
/// median-of-three pivot, branch-free, from `a` into `b` and back. `a` holds (value, stake).
#[inline(always)]
fn weighted_quantile(
    a: &mut [(u64, u64)],
    b: &mut [(u64, u64)],
    mut below: u64,
    minority: u64,
) -> u64 {
    let (mut src, mut dst) = (a, b);
    let (mut start, mut end) = (0usize, src.len());
    loop {
        let len = end - start;
        debug_assert!(len > 0);
        if len == 1 {
            return src[start].0;
        }
        let (x, y, z) = (src[start].0, src[start + len / 2].0, src[end - 1].0);
        let pivot = x.max(y).min(x.min(y).max(z));
        let (mut lo, mut eq) = (0u64, 0u64);
        let (mut nl, mut nu) = (0usize, len);
        for &(v, st) in &src[start..end] {
            // Lower entries fill dst from the left, upper ones from the right; a slot is only
            // kept when its counter moves, and the two never cross (nl < nu throughout).
            dst[nl] = (v, st);
            dst[nu - 1] = (v, st);
            let is_lo = v < pivot;
            let is_hi = v > pivot;
            lo += if is_lo { st } else { 0 };
            eq += if !is_lo && !is_hi { st } else { 0 };
            nl += usize::from(is_lo);
            nu -= usize::from(is_hi);
        }
        if minority < below + lo {
            (start, end) = (0, nl);
        } else if minority < below + lo + eq {
            return pivot;
        } else {
            below += lo + eq;
            (start, end) = (nu, len);
        }
        std::mem::swap(&mut src, &mut dst);
    }
}

/// The bucket sizes up to which [`small_weighted_quantile`] runs (a chosen bucket holds a few
/// voters in a typical column: 32 buckets for 64 voters).
const SMALL_QUANTILE: usize = 6;

/// [`weighted_quantile`] by its definition, for a few pairs: the smallest value v with
/// below + S(<= v) > minority, S(<= v) summed over all pairs for each (len^2 steps without
/// branches or stores, against the partition's setup, pivot and copies per round). The same
/// preconditions (below <= minority < below + the total stake, so the largest value qualifies;
/// sums of normalised stakes, no overflow). Equal to `weighted_quantile` (tested).
#[inline(always)]
fn small_weighted_quantile(a: &[(u64, u64)], below: u64, minority: u64) -> u64 {
    debug_assert!(!a.is_empty());
    let mut best = u64::MAX;
    for &(v, _) in a {
        let at_most: u64 = a.iter().map(|&(x, st)| if x <= v { st } else { 0 }).sum();
        if below + at_most > minority {
            best = best.min(v);
        }
    }
    best
}

/// The consensus histogram's bucket scan for eight columns at once: `h` holds 32 buckets of
/// eight columns' stakes, bucket major (`h[b * 8 + t]`); per column t, the first bucket b whose
/// cumulative stake exceeds `m` (`P(b + 1) > m` with `P(k)` the stake of buckets 0..k), 31 when
/// none does, and the stake below it (`P(b)`; the whole column's when none does), and `h` is
/// left all zero. In vector lanes, without early exits: `P` is non-decreasing (stakes are
/// non-negative and their sums far below 2^63), so the first b with `P(b + 1) > m` is the
/// number of k in 1..=32 with `P(k) <= m`, and `P(b)` is the last of those P(k) (or 0). The
/// compares are signed (every value below 2^63: one instruction each). Equal to the scalar scan
/// with its early exit (tested).
#[inline(always)]
fn scan_buckets(h: &mut [u64; 256], m: u64) -> ([usize; 8], [u64; 8]) {
    const C: usize = 8;
    debug_assert!(m < 1 << 62 && h.iter().all(|x| *x < 1 << 52));
    let m = m as i64;
    // (The k with P(k) > m counted by the sign of m - P(k), no compare: from a compare's
    // booleans LLVM added the lanes one by one.)
    let (mut p, mut over, mut below) = ([0i64; C], [0i64; C], [0i64; C]);
    for row in h.chunks_exact_mut(C) {
        let row: &mut [u64; C] = row.try_into().unwrap();
        for t in 0..C {
            p[t] += row[t] as i64;
            over[t] += ((m - p[t]) as u64 >> 63) as i64;
            below[t] = if p[t] > m { below[t] } else { p[t] };
        }
        *row = [0; C];
    }
    (
        std::array::from_fn(|t| (32 - over[t] as usize).min(31)),
        std::array::from_fn(|t| below[t] as u64),
    )
}

/// The consensus keys' shift for a column whose voters' values lie in [lo, hi]: with shift =
/// bit length of (hi - lo) less 8, (hi >> shift) - (lo >> shift) is at most 256, and one shift
/// more halves it where it is 256, so that every shifted value less the shifted lo is a byte
/// (32 buckets of eight in its bits 3..8; see `Dense::column_quantiles`).
#[inline(always)]
fn bucket_shift(lo: u64, hi: u64) -> u32 {
    let mut shift = (64 - (hi - lo).leading_zeros()).saturating_sub(8);
    if (hi >> shift) - (lo >> shift) > 255 {
        shift += 1;
    }
    shift
}

/// Yuma3's reading of a stored bond as a fraction: floor(b * 2^32 / 65535) = 65537 * b +
/// [b = 65535] (see the bonds' load in [`Dense::run_body`]). 0 for an absent bond.
#[inline(always)]
fn bond_fraction(bv: u16) -> u64 {
    let bv = u64::from(bv);
    65_537 * bv + u64::from(bv == 65_535)
}

/// One stored bond row of a matrix row, as its u16 values, into the dense row `dst` (n entries,
/// 0 where absent or masked); `false` (decline) unless the stored row is strictly sorted. The
/// fused passes used to walk the stored row alongside the columns, consuming an entry when its
/// uid came up; that walk accepted exactly the strictly sorted rows (an entry not above its
/// predecessor is never consumed and is left either below n or out of order among the rest,
/// which declined), so the two agree on every row. The values stay u16 here (a quarter of the
/// bytes to clear and write); the fused loops convert them, in vector lanes.
#[inline(always)]
fn load_bond_row(
    dst: &mut Vec<u16>,
    row: &[(u16, u16)],
    n: usize,
    (all_kept, kept, avx2): (bool, &impl Fn(usize) -> bool, Option<Avx2>),
) -> bool {
    fill(dst, n, 0);
    // Every bond kept: the scatter below n, which stops (false) at the first uid not above its
    // predecessor or not below n. Up to there it wrote what the loop below writes, so the loop
    // can take over from the start (it accepts uids >= n that stay sorted, and declines the rest).
    if all_kept && scatter_u16(&mut dst[..n], row, avx2) {
        return true;
    }
    let mut next = 0usize;
    for &(j, bv) in row {
        let j = j as usize;
        if j < next {
            return false;
        }
        next = j + 1;
        if j < n && kept(j) {
            dst[j] = bv;
        }
    }
    true
}

/// [`scatter_sorted`] of raw u16 values (the weight and bond rows): the AVX2 kernel
/// (`Avx2::scatter_sorted`, the same writes and result) where the build has it.
#[inline(always)]
fn scatter_u16(dst: &mut [u16], row: &[(u16, u16)], avx2: Option<Avx2>) -> bool {
    match avx2 {
        Some(avx2) => avx2.scatter_sorted(dst, row),
        None => scatter_sorted(dst, row, |v| v),
    }
}

/// `dst[j] = f(v)` for every `(j, v)` of a row while its uids are strictly increasing and below
/// `dst.len()`: `true` when the whole row is, `false` at the first entry that is not (entries
/// before it written, the rest not). Eight entries at a time: when the eight uids are the next
/// free uid plus 0..8 (so strictly increasing and above the previous entries; checked with one
/// OR of XORs, no early exit) and below the end, they go to `dst` as one contiguous block (which
/// vectorises); otherwise one by one with the checks.
#[inline(always)]
fn scatter_sorted<T: Copy>(dst: &mut [T], row: &[(u16, u16)], f: impl Fn(u16) -> T) -> bool {
    const C: usize = 8;
    let n = dst.len();
    // The lowest uid the next entry may have.
    let mut next = 0usize;
    let one = |dst: &mut [T], j: u16, v: u16, next: &mut usize| {
        let j = j as usize;
        if j < *next || j >= n {
            return false;
        }
        dst[j] = f(v);
        *next = j + 1;
        true
    };
    // The uids a block must have, next..next + 8, kept as a vector: moved on by 8 after a
    // block, set from `next` after a chunk taken one by one (no broadcast per chunk).
    let mut expect: [u32; C] = std::array::from_fn(|t| t as u32);
    let mut chunks = row.chunks_exact(C);
    for (ci, chunk) in (&mut chunks).enumerate() {
        let chunk: &[(u16, u16); C] = chunk.try_into().unwrap();
        // Each entry packed as uid | value << 16: LLVM then loads the eight pairs as one
        // vector (the pairs side by side) instead of one `vpinsrw` or `movzwl` per field.
        let packed: [u32; C] =
            std::array::from_fn(|t| u32::from(chunk[t].0) | u32::from(chunk[t].1) << 16);
        // The block test: the eight uids are exactly next..next + 8 (so strictly increasing,
        // not below `next`), below n. It compares every lane with a value that does not come
        // from the chunk, so all eight compares are alike and vectorise (a test against the
        // chunk's own first uid left lane 0 trivially true and the rest half scalar). A row
        // with gaps takes the one-by-one path at the chunk of the gap, and the chunks after it
        // start from the new `next`. (next <= n < 2^16: no wrap.)
        let mut off = 0u32;
        for t in 0..C {
            debug_assert_eq!(expect[t], next as u32 + t as u32);
            off |= (packed[t] & 0xffff) ^ expect[t];
        }
        if off == 0 && next + C <= n {
            let block: &mut [T; C] = (&mut dst[next..next + C]).try_into().unwrap();
            for (d, e) in block.iter_mut().zip(&packed) {
                *d = f((e >> 16) as u16);
            }
            next += C;
            for x in &mut expect {
                *x += C as u32;
            }
        } else {
            // The chunk again, one by one, from an index LLVM cannot see is this chunk's
            // (`black_box`, the same value): otherwise it shares this path's scalar loads with
            // the block's, and then loads part of the block lane by lane (and stores part of
            // it as single u16) instead of one 32-byte load and one 16-byte store.
            let k0 = std::hint::black_box(ci * C);
            for &(j, v) in &row[k0..k0 + C] {
                if !one(dst, j, v, &mut next) {
                    return false;
                }
            }
            expect = std::array::from_fn(|t| next as u32 + t as u32);
        }
    }
    for &(j, v) in chunks.remainder() {
        if !one(dst, j, v, &mut next) {
            return false;
        }
    }
    true
}

/// The present entries of one matrix row as `(uid, u16)` pairs in uid order: `row` is resized
/// to n (whatever it held: every slot kept is written), every entry written at the next free
/// slot k, which moves on only past a present entry
/// (k <= j, so the writes stay in the row), then truncated. Eight entries at a time: when all
/// eight are present they are written as one block at k (the same slots the one-by-one
/// compaction would use), which vectorises.
#[inline(always)]
fn compact_row(
    row: &mut Vec<(u16, u16)>,
    present: &[u64],
    value: &[u64],
    convert: impl Fn(u64) -> u16,
) {
    const C: usize = 8;
    let n = present.len().min(value.len());
    row.resize(n, (0, 0));
    // The row as a slice: through the `Vec` its pointer and length were reloaded after every
    // store (LLVM cannot tell that the stores leave the `Vec`'s header alone).
    let out = &mut row[..];
    let mut k = 0usize;
    let mut j = 0usize;
    while j + C <= n {
        let (p, v) = (&present[j..j + C], &value[j..j + C]);
        if p.iter().fold(true, |all, x| all & (*x > 0)) {
            // As arrays of eight, so that LLVM vectorises the block (over slices it did not).
            let block: &mut [(u16, u16); C] = (&mut out[k..k + C]).try_into().unwrap();
            let v: &[u64; C] = v.try_into().unwrap();
            for t in 0..C {
                block[t] = ((j + t) as u16, convert(v[t]));
            }
            k += C;
        } else {
            for t in 0..C {
                out[k] = ((j + t) as u16, convert(v[t]));
                k += usize::from(p[t] > 0);
            }
        }
        j += C;
    }
    while j < n {
        out[k] = (j as u16, convert(value[j]));
        k += usize::from(present[j] > 0);
        j += 1;
    }
    row.truncate(k);
}

/// For a dense row that a whole [`scatter_sorted`] of a `len`-entry row wrote into zeros:
/// `Some(sum of the row's values)` when no value is 0, else `None`. Every entry then sits at
/// its own uid (strictly increasing, all below n) and every other slot is 0, so the row has no
/// zero value exactly when `dst` has `len` non-zero slots, and the sums agree. One pass over
/// contiguous u16 without early exits (it vectorises; the same test over the stored pairs read
/// every value on its own).
///
/// Counted and summed in 32-bit lanes (eight per vector, widened from u16 once): n <= 2^16
/// entries of at most 2^16 - 1 sum to at most 2^32 - 2^16, and count to at most 2^16, so
/// neither wraps.
#[inline(always)]
fn dense_row_sum(dst: &[u16], len: usize, avx2: Option<Avx2>) -> Option<u64> {
    debug_assert!(dst.len() <= 1 << 16);
    let (mut count, mut sum) = (0u32, 0u32);
    // The AVX2 kernel's whole blocks of 32, then the rest here.
    let whole = match avx2 {
        Some(avx2) => {
            let whole = dst.len() - dst.len() % 32;
            (count, sum) = avx2.count_and_sum(&dst[..whole]);
            whole
        }
        None => 0,
    };
    for v in &dst[whole..] {
        count += u32::from(*v != 0);
        sum += u32::from(*v);
    }
    (count as usize == len).then_some(u64::from(sum))
}

/// One row of [`Dense::liquid_fused`] without explicit zero weights, branch-free: clip, trust
/// and ranks (`mul(st, c)`), the EMA at alpha(0) of the entries with diff = 0, and the diff of
/// the entries that need their own alpha (in `diffs`, 0 elsewhere; they get 0 in `e` until
/// their exponential is taken). `mul` is [`mulf`], or [`mulf_32`] when every operand is below
/// 1. Returns the trust and the OR of the queued diffs (non-zero when any is queued).
#[inline(always)]
fn liquid_pass<T: Cell>(
    ins: (&[T], &[T], &[u16]),
    outs: (&mut [u64], &mut [u64], &mut [u64], &mut [u64]),
    (st, a0, m0, clip): (u64, u64, u64, bool),
    mul: impl Fn(u64, u64) -> u64,
    frac: impl Fn(u16) -> u64,
) -> (u64, u64) {
    // The clip as a constant of each instance (see `yuma3_fused`'s pass).
    if clip {
        liquid_pass_clip::<T, true>(ins, outs, (st, a0, m0), &mul, &frac)
    } else {
        liquid_pass_clip::<T, false>(ins, outs, (st, a0, m0), &mul, &frac)
    }
}

#[inline(always)]
fn liquid_pass_clip<T: Cell, const CLIP: bool>(
    (w, cons, b): (&[T], &[T], &[u16]),
    (e, acc, total, diffs): (&mut [u64], &mut [u64], &mut [u64], &mut [u64]),
    (st, a0, m0): (u64, u64, u64),
    mul: impl Fn(u64, u64) -> u64,
    frac: impl Fn(u16) -> u64,
) -> (u64, u64) {
    debug_assert_eq!(m0, ONE_BITS - a0);
    let n = w.len();
    let (cons, b, e, acc) = (&cons[..n], &b[..n], &mut e[..n], &mut acc[..n]);
    let (total, diffs) = (&mut total[..n], &mut diffs[..n]);
    let (mut trust, mut queued) = (0u64, 0u64);
    for j in 0..n {
        let c = w[j].min_value(cons[j]);
        let weight: u64 = if CLIP { c } else { w[j] }.into();
        let c: u64 = c.into();
        trust += c;
        acc[j] += mul(st, c);
        let bond = frac(b[j]);
        // The compares and the saturating difference as signed: every operand is below 2^63
        // (weights, consensus and bonds at most 1), so they are the unsigned ones, and AVX2 has
        // one instruction for each.
        let cj: u64 = cons[j].into();
        let (wi, bi, ci) = (weight as i64, bond as i64, cj as i64);
        let diff = if wi >= bi {
            (wi - ci).max(0) as u64
        } else {
            bond - weight
        };
        // `ema(alpha_at_zero, weight, bond)` of `liquid_fused`, without its `min(1)`: with
        // m0 = 1 - a0 and bond, weight at most 1, mul(m0, bond) <= m0 and mul(a0, weight) <= a0,
        // so the sum is at most m0 + a0 = 1.
        let at_zero = mul(m0, bond) + mul(a0, weight);
        debug_assert!(at_zero <= ONE_BITS);
        let present = weight != 0;
        // `&`, not `&&`: the short circuit became masked stores (slow) once vectorised.
        let v = if present & (diff == 0) { at_zero } else { 0 };
        e[j] = v;
        total[j] += v;
        let d = if present { diff } else { 0 };
        diffs[j] = d;
        queued |= d;
    }
    (trust, queued)
}

/// The maxima of each column over the given rows of the `rows x n` matrix `m`, into `out`
/// (0 without rows). Eight columns at a time with the rows inside, so that the maxima stay in
/// registers: `out[j] = out[j].max(v)` row by row became masked stores (a conditional store of
/// the changed lanes, slow on this processor) once vectorised.
///
/// The values are the bits of non-negative `I32F32` numbers (below 2^63), so the maxima are
/// taken as signed: one compare per lane (an unsigned 64-bit compare costs two more, flipping
/// the sign bits).
#[inline(always)]
fn col_maxima(m: &[u64], n: usize, rows: impl Iterator<Item = usize> + Clone, out: &mut Vec<u64>) {
    const C: usize = 8;
    fill(out, n, 0);
    let whole = n - n % C;
    for j0 in (0..whole).step_by(C) {
        let mut mx = [0i64; C];
        for r in rows.clone() {
            let block: &[u64; C] = m[r * n + j0..][..C].try_into().unwrap();
            for t in 0..C {
                debug_assert!(block[t] < 1 << 63);
                mx[t] = mx[t].max(block[t] as i64);
            }
        }
        for (o, x) in out[j0..j0 + C].iter_mut().zip(mx) {
            *o = x as u64;
        }
    }
    for r in rows {
        for j in whole..n {
            out[j] = out[j].max(m[r * n + j]);
        }
    }
}

/// The smallest and the largest value of each column over the given rows (both 0 without rows) of the
/// `rows x n` matrix `m`, into `lo` and `hi`. 32 columns at a time with the rows inside, as
/// [`col_maxima`] does eight: the per-row cost of a block (its offset and bounds checks) is
/// spread over four times the entries.
#[inline(always)]
fn col_range<T: Cell>(
    m: &[T],
    n: usize,
    mut rows: impl Iterator<Item = usize> + Clone,
    lo: &mut Vec<u64>,
    hi: &mut Vec<u64>,
) {
    const C: usize = 32;
    lo.clear();
    hi.clear();
    let Some(first) = rows.next() else {
        fill(lo, n, 0);
        fill(hi, n, 0);
        return;
    };
    let whole = n - n % C;
    for j0 in (0..whole).step_by(C) {
        let mut low: [T; C] = m[first * n + j0..][..C].try_into().unwrap();
        let mut high = low;
        for r in rows.clone() {
            let block: &[T; C] = m[r * n + j0..][..C].try_into().unwrap();
            for t in 0..C {
                low[t] = low[t].min_value(block[t]);
                high[t] = high[t].max_value(block[t]);
            }
        }
        lo.extend(low.map(Into::into));
        hi.extend(high.map(Into::into));
    }
    lo.extend(
        m[first * n + whole..first * n + n]
            .iter()
            .map(|x| (*x).into()),
    );
    hi.extend_from_slice(&lo[whole..]);
    for r in rows {
        for j in whole..n {
            let x: u64 = m[r * n + j].into();
            lo[j] = lo[j].min(x);
            hi[j] = hi[j].max(x);
        }
    }
}

/// W's rows normalised (see the caller) from the raw u16 rows into `w` (`wtotal.len() x n`,
/// every entry written, so it is only resized, never cleared: stale entries are overwritten),
/// and per row whether an entry is 1 into `has_one`. `false` as soon as an entry is 1 and `T`
/// is u32, which cannot hold it (the caller then runs it again in u64).
#[inline(always)]
fn normalize_rows<T: Cell>(
    w16: &[u16],
    wtotal: &[u64],
    n: usize,
    w: &mut Vec<T>,
    has_one: &mut Vec<bool>,
    avx2: Option<Avx2>,
) -> bool {
    has_one.clear();
    w.resize(wtotal.len() * n, T::default());
    for (r, &total) in wtotal.iter().enumerate() {
        let raw = &w16[r * n..][..n];
        let row = &mut w[r * n..][..n];
        let mut high = 0u64;
        // A total of at least 2^17 in u32 lanes: the AVX2 kernel (no entry reaches the total,
        // a u16, so none is 1).
        let kernel = match (avx2, T::narrow_row(row)) {
            (Some(avx2), Some(row)) if total >= 1 << 17 => {
                avx2.normalize_row(raw, row, total);
                true
            }
            _ => false,
        };
        if kernel {
            // Written by the kernel; `high` stays 0, since no entry is 1.
        } else if total > 1 {
            // Raw u16 weights, a total of at least 2: `Recip16`.
            let recip = Recip16::new(total);
            for (v, x) in row.iter_mut().zip(raw) {
                let q = recip.apply(*x);
                *v = T::truncate(q);
                high |= q;
            }
        } else if total == 1 {
            let recip = Recip::new(total);
            for (v, x) in row.iter_mut().zip(raw) {
                let q = recip.apply(u64::from(*x));
                *v = T::truncate(q);
                high |= q;
            }
        } else {
            // No weight (a row kept for its bonds): every raw entry is 0.
            row.fill(T::default());
        }
        let one = high >> 32 != 0;
        if one && !T::WIDE {
            return false;
        }
        has_one.push(one);
    }
    true
}

/// Indexes the stored rows by uid (`src[uid]` = position in `stored`); `false` on a duplicate
/// row. Rows of uids >= n are ignored, as the chain's getters ignore them.
#[inline(always)]
fn index_rows(n: usize, stored: &[(u16, Vec<(u16, u16)>)], src: &mut Vec<u32>) -> bool {
    fill(src, n, NONE);
    for (k, (i, _)) in stored.iter().enumerate() {
        let Some(slot) = src.get_mut(*i as usize) else {
            continue;
        };
        if *slot != NONE {
            return false;
        }
        *slot = k as u32;
    }
    true
}

impl Dense {
    /// One epoch, or `false` (nothing written) when the input needs the sparse path. Runs
    /// [`Dense::run_body`] compiled for AVX2 + BMI2 where the processor has them, the baseline
    /// build otherwise (`simd.rs`, decision 0007): the same source, the same bits.
    pub(super) fn run(&mut self, input: &EpochInput, out: &mut EpochOutput) -> bool {
        let portable = self.portable;
        super::simd::run(self, input, out, portable)
    }

    /// The epoch itself. Always inlined into its two callers in `simd.rs` (the baseline one
    /// and the one compiled with AVX2 + BMI2 enabled), so that the whole body, with the helpers
    /// LLVM inlines into it, is generated for each instruction set.
    #[inline(always)]
    pub(super) fn run_body(
        &mut self,
        input: &EpochInput,
        out: &mut EpochOutput,
        avx2: Option<Avx2>,
    ) -> bool {
        let s = self;
        let n = input.n as usize;
        s.e_below_one = false;
        s.t_at_most_one = false;
        if !index_rows(n, &input.weights, &mut s.wsrc) || !index_rows(n, &input.bonds, &mut s.bsrc)
        {
            return false;
        }
        let current_block = input.current_block;
        let activity_cutoff = input.activity_cutoff();
        let owner = input.owner_uid;
        let registered = |j: usize| input.block_at_registration.get(j).copied().unwrap_or(0);

        // Activity, stake, permits, active stake: as the sparse path.
        s.last_update.clear();
        s.last_update.extend_from_slice(&input.last_update);
        s.last_update.resize(n, 0);
        s.inactive.clear();
        s.inactive.extend(
            s.last_update
                .iter()
                .map(|u| u.saturating_add(activity_cutoff) < current_block),
        );
        let tao_weight = I64F64::saturating_from_num(
            U96F32::saturating_from_num(input.tao_weight)
                .checked_div(U96F32::saturating_from_num(u64::MAX))
                .unwrap_or(U96F32::from_bits(0)),
        );
        // alpha + tao * tao_weight in I64F64: below 2^63 an integer's bits are n * 2^64, so
        // the product's bits are tao * (tao_weight bits) exactly (below 2^63 * 2^64: no
        // overflow); the sum saturates as the chain's does. Larger stakes take the library.
        let tw_bits = tao_weight.to_bits();
        s.total_stake.clear();
        s.total_stake.extend((0..n).map(|i| {
            let (alpha, tao) = (input.alpha_stake[i], input.tao_stake[i]);
            if alpha < 1 << 63 && tao == 0 {
                // No TAO stake (most uids): the product is 0, the sum alpha's bits.
                I64F64::from_bits(i128::from(alpha) << 64)
            } else if alpha < 1 << 63 && tao < 1 << 63 && (0..=1i128 << 64).contains(&tw_bits) {
                let product = i128::from(tao) * tw_bits;
                I64F64::from_bits((i128::from(alpha) << 64).saturating_add(product))
            } else {
                let alpha = I64F64::saturating_from_num(alpha);
                let tao = I64F64::saturating_from_num(tao);
                alpha.saturating_add(tao.saturating_mul(tao_weight))
            }
        }));
        s.filtered.clear();
        s.filtered
            .extend(s.total_stake.iter().enumerate().map(|(uid, st)| {
                if owner != Some(uid as u16)
                    && st.saturating_to_num::<u64>() < input.stake_threshold
                {
                    I64F64::from_bits(0)
                } else {
                    *st
                }
            }));
        normalized_stake(&mut s.filtered, &mut s.stake);
        s.permits.clear();
        s.permits.extend_from_slice(&input.validator_permit);
        if let Some(p) = owner.and_then(|o| s.permits.get_mut(o as usize)) {
            *p = true;
        }
        s.forbids.clear();
        s.forbids.extend(s.permits.iter().map(|b| !b));
        top_k_nonzero(
            &s.stake,
            input.max_allowed_validators as usize,
            &mut s.idx,
            &mut s.new_permits,
        );
        if let Some(p) = owner.and_then(|o| s.new_permits.get_mut(o as usize)) {
            *p = true;
        }
        s.active_stake.clear();
        s.active_stake.extend_from_slice(&s.stake);
        inplace_mask_vector(&s.inactive, &mut s.active_stake);
        inplace_mask_vector(&s.forbids, &mut s.active_stake);
        normalize(&mut s.active_stake);

        // Which uids get a matrix row: those with a weight left after the masks (permit,
        // diagonal, outdated, commit-reveal) or a bond left after the registration mask.
        let last_tempo = if input.last_mechanism_step_block == 0 {
            current_block.saturating_sub(u64::from(input.tempo))
        } else {
            input.last_mechanism_step_block.saturating_add(1)
        };
        // A row written after every registration (and with no commit-reveal mask) keeps every
        // column below n but its own diagonal: checked once per row, not per entry.
        let latest_registration = input
            .block_at_registration
            .iter()
            .take(n)
            .copied()
            .max()
            .unwrap_or(0);
        let keeps_weight = |i: usize, j: usize| -> bool {
            if j >= n || (i == j && owner != Some(j as u16)) {
                return false;
            }
            let updated = s.last_update[i];
            if !input.commit_reveal_enabled && updated > latest_registration {
                return true;
            }
            let reg = registered(j);
            if updated <= reg {
                return false;
            }
            if input.commit_reveal_enabled {
                let commit = input
                    .earliest_active_commit_block
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(u64::MAX);
                if commit < reg {
                    return false;
                }
            }
            true
        };
        let keeps_bond = |j: usize| j < n && last_tempo > registered(j);
        let all_bonds_kept = latest_registration < last_tempo;
        // Rows: a weight row's kept entries go into its matrix row as raw integers (and are
        // summed). A uid kept twice in a row sends the epoch to the sparse path (the chain sums
        // both but keeps one in places). Explicit zeros and rows out of uid order are noted:
        // they only matter for liquid alpha at penalty 0 or 1 (below).
        s.rows.clear();
        s.wtotal.clear();
        fill(&mut s.row_of, n, NONE);
        fill(&mut s.seen, n, 0);
        s.w16.clear();
        s.zero_at.clear();
        s.zero_at.reserve(
            input
                .weights
                .iter()
                .map(|(_, row)| row.len())
                .sum::<usize>(),
        );
        // Without commit-reveal a row loses, besides its diagonal, the columns registered at or
        // after its update: few, in a network where each tempo brings some registrations and
        // every validator writes its row each tempo. Those columns, latest first, so that a
        // row takes the masks it needs and stops.
        s.recent.clear();
        if !input.commit_reveal_enabled {
            let oldest = (0..n)
                .filter(|&i| s.wsrc[i] != NONE)
                .map(|i| s.last_update[i])
                .min()
                .unwrap_or(u64::MAX);
            s.recent.extend(
                (0..n)
                    .map(|j| (registered(j), j as u32))
                    .filter(|&(reg, _)| reg >= oldest),
            );
            s.recent.sort_unstable_by(|a, b| b.cmp(a));
        }
        let mut unsorted = false;
        for i in 0..n {
            let mut total = 0u64;
            let mut row_unsorted = false;
            let weights_start = s.w16.len();
            let zeros_start = s.zero_at.len();
            if s.wsrc[i] != NONE && !s.forbids.get(i).copied().unwrap_or(true) {
                let row = &input.weights[s.wsrc[i] as usize].1;
                s.w16.resize(weights_start + n, 0);
                let dst = &mut s.w16[weights_start..][..n];
                let updated = s.last_update[i];
                let written_after = !input.commit_reveal_enabled && updated > latest_registration;
                // Strictly sorted, below n, no zero, no commit-reveal: what `keep` below does
                // for each entry but the diagonal and the columns registered at or after the
                // update, without its per-entry checks (those, if present, are the non-zero
                // entries to take back). A scatter that stopped part way, or a row with a
                // zero, is undone for `keep`.
                let plain = if !input.commit_reveal_enabled && scatter_u16(dst, row, avx2) {
                    dense_row_sum(dst, row.len(), avx2)
                } else {
                    None
                };
                if !input.commit_reveal_enabled && plain.is_none() {
                    dst.fill(0);
                }
                let zero_at = &mut s.zero_at;
                let mut next = 0usize;
                let mut keep = |j: usize, w: u16| {
                    // In a sorted row a repeated uid is also "not after the previous one".
                    row_unsorted |= j < next;
                    next = j + 1;
                    if w == 0 {
                        zero_at.push(j as u32);
                    }
                    dst[j] = w;
                    total += u64::from(w);
                };
                let own = if owner == Some(i as u16) { n } else { i };
                if let Some(sum) = plain {
                    total = sum;
                    if let Some(d) = dst.get_mut(own) {
                        total -= u64::from(*d);
                        *d = 0;
                    }
                    for &(_, j) in s.recent.iter().take_while(|(reg, _)| updated <= *reg) {
                        let d = &mut dst[j as usize];
                        total -= u64::from(*d);
                        *d = 0;
                    }
                } else if written_after {
                    // Written after every registration: only the diagonal and uids >= n go.
                    for &(j, w) in row {
                        let j = j as usize;
                        if j < n && j != own {
                            keep(j, w);
                        }
                    }
                } else {
                    for &(j, w) in row {
                        if keeps_weight(i, j as usize) {
                            keep(j as usize, w);
                        }
                    }
                }
            }
            if row_unsorted {
                // Out of order somewhere: look for a uid kept twice (stamps, no clearing).
                unsorted = true;
                let stamp = i as u32 + 1;
                for &(j, _) in &input.weights[s.wsrc[i] as usize].1 {
                    let j = j as usize;
                    let kept =
                        if !input.commit_reveal_enabled && s.last_update[i] > latest_registration {
                            j < n && (j != i || owner == Some(i as u16))
                        } else {
                            keeps_weight(i, j)
                        };
                    if kept {
                        if s.seen[j] == stamp {
                            return false;
                        }
                        s.seen[j] = stamp;
                    }
                }
            }
            let has_bond = s.bsrc[i] != NONE
                && input.bonds[s.bsrc[i] as usize]
                    .1
                    .iter()
                    .any(|&(j, _)| keeps_bond(j as usize));
            if total > 0 || has_bond {
                let r = s.rows.len();
                s.row_of[i] = r as u32;
                s.rows.push(i as u32);
                s.wtotal.push(total);
                s.w16.resize(weights_start + n, 0);
                // Explicit zeros as matrix indices.
                for z in &mut s.zero_at[zeros_start..] {
                    *z += (r * n) as u32;
                }
            } else {
                s.w16.truncate(weights_start);
                s.zero_at.truncate(zeros_start);
            }
            if s.rows.len() * n > MAX_CELLS || total >= 1 << 31 {
                return false;
            }
        }
        let r_count = s.rows.len();
        let cells = r_count * n;

        // W: row-normalised weights. floor((w * 2^32) * 2^32 / (total * 2^32)) =
        // floor(w * 2^32 / total), w <= total: a reciprocal per row (0 stays 0).
        // Also noted per row: whether an entry is 1 (2^32, the only value above 2^32 - 1; a row
        // with a single weight), for the products of the fused passes.
        // From the raw u16 rows into the u32 matrix, or the u64 one where a weight is 1.
        s.w_narrow = normalize_rows(&s.w16, &s.wtotal, n, &mut s.w32, &mut s.w_has_one, avx2);
        if !s.w_narrow {
            normalize_rows(&s.w16, &s.wtotal, n, &mut s.w, &mut s.w_has_one, avx2);
        }

        // Consensus (`weighted_median_col_sparse`).
        let kappa = div(I32F32::from_num(input.kappa), I32F32::from_num(u16::MAX));
        s.use_stake.clear();
        s.use_stake
            .extend(s.active_stake.iter().copied().filter(|x| *x > ZERO));
        normalize(&mut s.use_stake);
        let stake_sum = sum(&s.use_stake);
        let minority = stake_sum.saturating_sub(kappa);
        // Voters with a matrix row, and the stake of voters without one (they vote 0).
        s.voter_rows.clear();
        s.voter_stake.clear();
        let mut zero_stake = 0u64;
        let mut zero_voters = 0usize;
        let mut all_positive = true;
        {
            let mut k = 0usize;
            for (i, st) in s.active_stake.iter().enumerate() {
                if *st > ZERO {
                    let us = s.use_stake[k];
                    k += 1;
                    all_positive &= us > ZERO;
                    let us = bits(us);
                    if s.row_of[i] != NONE {
                        s.voter_rows.push(s.row_of[i]);
                        s.voter_stake.push(us);
                    } else {
                        zero_stake += us;
                        zero_voters += 1;
                    }
                }
            }
        }
        fill(&mut s.consensus, n, ZERO);
        let voters = s.use_stake.len();
        if voters > 0 && all_positive && minority >= ZERO && minority < stake_sum {
            let m = bits(minority);
            // W moved out for the call (and back: no allocation), so that the generic body
            // borrows it alongside `s`.
            if s.w_narrow {
                let w = std::mem::take(&mut s.w32);
                s.column_quantiles(&w, n, m, (zero_voters > 0, zero_stake), avx2);
                s.w32 = w;
            } else {
                let w = std::mem::take(&mut s.w);
                s.column_quantiles(&w, n, m, (zero_voters > 0, zero_stake), avx2);
                s.w = w;
            }
        } else if voters > 0 {
            // Outside the quantile's preconditions: the chain's own partition on each column.
            s.widen_weights();
            for j in 0..n {
                s.column.clear();
                for (i, st) in s.active_stake.iter().enumerate() {
                    if *st > ZERO {
                        let r = s.row_of[i];
                        s.column.push(if r == NONE {
                            ZERO
                        } else {
                            fixed(s.w[r as usize * n + j])
                        });
                    }
                }
                s.consensus[j] = weighted_median(
                    &s.use_stake,
                    &s.column,
                    minority,
                    ZERO,
                    stake_sum,
                    &mut s.current,
                    &mut s.lower,
                    &mut s.upper,
                );
            }
        }

        let penalty = div(
            I32F32::from_num(input.bonds_penalty),
            I32F32::from_num(u16::MAX),
        );
        let alpha3 = bond_alpha(input.bonds_moving_average);
        let liquid = input.yuma3 && input.liquid_alpha && s.consensus.iter().any(|c| *c != ZERO);
        let fused = input.yuma3
            && (liquid || (alpha3 >= ZERO && alpha3 <= ONE))
            && (penalty == ZERO || penalty == ONE);
        s.cons.clear();
        s.cons.extend(s.consensus.iter().map(|c| bits(*c)));
        if s.w_narrow {
            // Each consensus value is one of its column's weights or 0, so below 1 as they
            // are; checked all the same, as the u32 copy would lose anything above.
            if s.cons.iter().fold(0, |high, c| high | c) >> 32 == 0 {
                s.cons32.clear();
                s.cons32.extend(s.cons.iter().map(|c| *c as u32));
            } else {
                s.widen_weights();
            }
        }
        if fused && liquid && unsorted {
            // The chain walks the weights for bonds (W or C, copied with their order) as if
            // sorted by uid, and stores the new bonds in that order: the sparse path's job.
            return false;
        }
        if fused {
            let bonds_kept = |j: usize| all_bonds_kept || last_tempo > registered(j);
            let kept = (all_bonds_kept, bonds_kept, avx2);
            let clip = penalty == ONE;
            // W and the consensus moved out for the call (and back), as for the consensus.
            let done = if s.w_narrow {
                let wc = (std::mem::take(&mut s.w32), std::mem::take(&mut s.cons32));
                let done = if liquid {
                    s.liquid_fused((&wc.0, &wc.1), input, n, clip, kept)
                } else {
                    s.yuma3_fused((&wc.0, &wc.1), input, n, clip, alpha3, kept)
                };
                (s.w32, s.cons32) = wc;
                done
            } else {
                let wc = (std::mem::take(&mut s.w), std::mem::take(&mut s.cons));
                let done = if liquid {
                    s.liquid_fused((&wc.0, &wc.1), input, n, clip, kept)
                } else {
                    s.yuma3_fused((&wc.0, &wc.1), input, n, clip, alpha3, kept)
                };
                (s.w, s.cons) = wc;
                done
            };
            if !done {
                return false;
            }
        } else {
            // Clip at consensus (`col_clip_sparse`): an entry above a zero consensus is dropped,
            // i.e. becomes 0 = min(w, 0); so C = min(W, c) entry by entry (kept in `wb`, the
            // weights for bonds at the default penalty 1). Trust is the row sum (at most 1: no
            // wrap); ranks sum st * C over rows: each product is at most st, the sum at most
            // rows * 2^32, so the chain's saturating adds never saturate.
            fill(&mut s.trust, n, ZERO);
            fill(&mut s.acc, n, 0);
            s.wb.resize(cells, 0);
            if s.w_narrow {
                let (w, cons) = (std::mem::take(&mut s.w32), std::mem::take(&mut s.cons32));
                s.clip_rows(&w, &cons, n);
                (s.w32, s.cons32) = (w, cons);
            } else {
                let (w, cons) = (std::mem::take(&mut s.w), std::mem::take(&mut s.cons));
                s.clip_rows(&w, &cons, n);
                (s.w, s.cons) = (w, cons);
            }
            s.incentive.clear();
            s.incentive.extend(s.acc.iter().map(|x| fixed(*x)));
            normalize(&mut s.incentive);
            s.inc.clear();
            s.inc.extend(s.incentive.iter().map(|x| bits(*x)));

            // Weights for bonds (`interpolate_sparse`): W at penalty 0, C at penalty 1, otherwise
            // the chain's per-entry formula, positives kept.
            if penalty != ONE {
                s.widen_weights();
            }
            if penalty == ZERO {
                s.wb.copy_from_slice(&s.w);
            } else if penalty != ONE {
                for (wb, w) in s.wb.iter_mut().zip(s.w.iter()) {
                    let (w, c) = (fixed(*w), fixed(*wb));
                    let v = w.saturating_add(penalty.saturating_mul(c.saturating_sub(w)));
                    *wb = if v > ZERO { bits(v) } else { 0 };
                }
            }

            // Bonds, masked by registration since the last step. Yuma3 reads them as fractions:
            // floor(b * 2^32 / 65535) = 65537 * b + [b = 65535] (since 2^32 = 65535 * 65537 + 1,
            // b * 2^32 / 65535 = 65537 * b + b / 65535 with b / 65535 <= 1). The original Yuma
            // reads them as integers.
            // Cleared row by row just before each row's scatter rather than as one fill of the
            // whole matrix: the same bytes, in 2 KB pieces that glibc writes with vector stores
            // (a fill this size takes `rep stosb`, which callgrind counts per byte), and each
            // row still in cache when its bonds go in.
            s.b.resize(cells, 0);
            for (r, &uid) in s.rows.iter().enumerate() {
                let dst = &mut s.b[r * n..][..n];
                dst.fill(0);
                let k = s.bsrc[uid as usize];
                if k == NONE {
                    continue;
                }
                let row = &input.bonds[k as usize].1;
                // Every bond kept: the checked scatter; where it stops (a uid not above its
                // predecessor or not below n) it wrote what the loop below writes, which then
                // takes over from the start (see `load_bond_row`).
                let read = |b: u16| {
                    if input.yuma3 {
                        bond_fraction(b)
                    } else {
                        u64::from(b) << 32
                    }
                };
                if all_bonds_kept && scatter_sorted(dst, row, read) {
                    continue;
                }
                // The whole stored row must be strictly sorted (uids >= n included: the chain's
                // liquid-alpha walk stops at them), or the epoch takes the sparse path.
                let mut next = 0usize;
                for &(j, b) in &input.bonds[k as usize].1 {
                    let j = j as usize;
                    if j < next {
                        return false;
                    }
                    next = j + 1;
                    if j < n && (all_bonds_kept || last_tempo > registered(j)) {
                        let b = u64::from(b);
                        dst[j] = if input.yuma3 {
                            65_537 * b + u64::from(b == 65_535)
                        } else {
                            b << 32
                        };
                    }
                }
            }

            s.e.resize(cells, 0);
        }
        if input.yuma3 {
            let alpha = alpha3;
            if fused {
                // EMA and its column totals are done.
            } else if liquid {
                s.liquid_ema(input, n);
                col_totals(&s.e, n, &mut s.cols.total);
            } else if alpha >= ZERO && alpha <= ONE {
                // `mat_ema_sparse` with alpha in [0, 1] on entries in [0, 1]: the products are
                // `mulf`, the sum at most 1 (no saturation); column totals in the same pass.
                let (a, m) = (bits(alpha), ONE_BITS - bits(alpha));
                fill(&mut s.cols.total, n, 0);
                for r in 0..s.rows.len() {
                    let wb = &s.wb[r * n..][..n];
                    let b = &s.b[r * n..][..n];
                    let e = &mut s.e[r * n..][..n];
                    let total = &mut s.cols.total[..n];
                    for j in 0..n {
                        let v = mulf(a, wb[j]) + mulf(m, b[j]);
                        e[j] = v;
                        total[j] += v;
                    }
                }
            } else {
                ema(&s.wb, &s.b, alpha, &mut s.e);
            }
            // Dividends: (sum_j N_ij I_j) * active stake with N the column-normalised EMA.
            fill(&mut s.dividends, n, ZERO);
            if liquid || (alpha >= ZERO && alpha <= ONE) {
                // Every entry is in [0, 1] and at most its column's total: N by reciprocals
                // (a zero total means a zero column, and the default reciprocal gives 0).
                make_recips(&s.cols.total, &mut s.cols.recip);
                split_recips(&mut s.cols);
                // Usually every EMA entry and every incentive is below 1 and no column total is
                // 2^-32 (bits 1, the only total with s = 0 besides the zero columns): then
                // `apply_parts`' arms for x = 2^32 and s = 0 drop out and its halves of `lo`
                // and shift s - 1 are per-column constants. (A zero column has lo = 0 and only
                // zeros, which any shift keeps 0.) The product with the incentive is `mulf_lo`.
                let high = |e: &[u64]| e.iter().fold(0u64, |high, x| high | x);
                debug_assert!(!s.e_below_one || high(&s.e) >> 32 == 0);
                // (Known already after Yuma3's fused pass with u32 W; see there.)
                s.e_below_one = s.e_below_one || high(&s.e) >> 32 == 0;
                let plain = s.e_below_one
                    && s.inc.iter().all(|x| *x < ONE_BITS)
                    && s.cols.total.iter().all(|t| *t != 1);
                if plain {
                    let cols = &mut s.cols;
                    cols.lo_hi.clear();
                    cols.lo_hi.extend(cols.lo.iter().map(|lo| lo >> 32));
                    cols.lo_lo.clear();
                    cols.lo_lo.extend(cols.lo.iter().map(|lo| lo & LOW));
                    cols.shift_less_one.clear();
                    cols.shift_less_one
                        .extend(cols.s.iter().map(|sh| sh.max(&1) - 1));
                }
                // The AVX2 kernel's two shifts (`Avx2::dividend_blocks`), where every s is at
                // most 32 (every column total below 2^32; this benchmark's are about 2^30).
                let split = avx2.is_some() && plain && s.cols.s.iter().all(|sh| *sh <= 32);
                if split {
                    let cols = &mut s.cols;
                    cols.up.clear();
                    cols.up.extend(cols.s.iter().map(|sh| 32 - sh.max(&1)));
                    cols.down.clear();
                    cols.down.extend(cols.s.iter().map(|sh| *sh.max(&1)));
                }
                let whole = n - n % 8;
                for (r, &uid) in s.rows.iter().enumerate() {
                    let e = &s.e[r * n..][..n];
                    let (lo, sh) = (&s.cols.lo[..n], &s.cols.s[..n]);
                    let inc = &s.inc[..n];
                    // Each product is at most the incentive; the sum at most n * 2^32.
                    let mut per_validator = 0u64;
                    let blocks = match avx2 {
                        Some(avx2) if split => {
                            let cols = &s.cols;
                            avx2.dividend_blocks(
                                &e[..whole],
                                (&cols.lo_hi[..whole], &cols.lo_lo[..whole]),
                                (&cols.up[..whole], &cols.down[..whole]),
                                &inc[..whole],
                            )
                        }
                        _ => None,
                    };
                    if plain {
                        let (lo_hi, lo_lo) = (&s.cols.lo_hi[..n], &s.cols.lo_lo[..n]);
                        let shift = &s.cols.shift_less_one[..n];
                        // The kernel's blocks, or all from the start.
                        let start = match blocks {
                            Some(sum) => {
                                per_validator = sum;
                                whole
                            }
                            None => 0,
                        };
                        for j in start..n {
                            let v = apply_below_one(lo_hi[j], lo_lo[j], shift[j], e[j]);
                            per_validator += mulf_lo(inc[j], v);
                        }
                    } else {
                        for j in 0..n {
                            per_validator += mulf(apply_parts(lo[j], sh[j], e[j]), inc[j]);
                        }
                    }
                    let i = uid as usize;
                    s.dividends[i] = fixed(per_validator)
                        .checked_mul(s.active_stake[i])
                        .unwrap_or(ZERO);
                }
            } else {
                s.t.clear();
                s.t.extend_from_slice(&s.e);
                col_normalize(&mut s.t, n, &mut s.cols);
                for (r, &uid) in s.rows.iter().enumerate() {
                    let row = &s.t[r * n..][..n];
                    let per_validator: u64 = row
                        .iter()
                        .zip(s.inc.iter())
                        .map(|(v, inc)| mulf(*v, *inc))
                        .sum();
                    let i = uid as usize;
                    s.dividends[i] = fixed(per_validator)
                        .checked_mul(s.active_stake[i])
                        .unwrap_or(ZERO);
                }
            }
            normalize(&mut s.dividends);
        } else if bond_alpha_64(input.bonds_moving_average) >= ZERO
            && bond_alpha_64(input.bonds_moving_average) <= ONE
        {
            s.original_fused(n, bond_alpha_64(input.bonds_moving_average));
        } else {
            // B column-normalised: floor(b * 2^32 / column total of b), all integers.
            col_normalize_integers(&mut s.b, n, &mut s.cols);
            // Delta: W_b * active stake per row, column-normalised.
            for (r, &uid) in s.rows.iter().enumerate() {
                let st = bits(s.active_stake[uid as usize]);
                for v in &mut s.wb[r * n..][..n] {
                    *v = mulf(*v, st);
                }
            }
            col_normalize(&mut s.wb, n, &mut s.cols);
            ema(
                &s.wb,
                &s.b,
                bond_alpha_64(input.bonds_moving_average),
                &mut s.e,
            );
            // The EMA's entries stay present even where normalisation rounds them to 0: keep
            // the raw EMA in `e` (presence) and the normalised one in `t`.
            s.t.clear();
            s.t.extend_from_slice(&s.e);
            col_normalize(&mut s.t, n, &mut s.cols);
            fill(&mut s.dividends, n, ZERO);
            for (r, &uid) in s.rows.iter().enumerate() {
                let row = &s.t[r * n..][..n];
                let d: u64 = row
                    .iter()
                    .zip(s.inc.iter())
                    .map(|(v, inc)| mulf(*v, *inc))
                    .sum();
                s.dividends[uid as usize] = fixed(d);
            }
            normalize(&mut s.dividends);
            col_max_upscale(&mut s.t, n, &mut s.cols);
        }

        s.emissions();
        s.write_output(input, activity_cutoff, out, avx2);
        true
    }

    /// Clip at consensus (see the caller): C = min(W, c) into `wb`, the rows' sums into
    /// `trust`, st * C summed over the rows into `acc`.
    #[inline(always)]
    fn clip_rows<T: Cell>(&mut self, w: &[T], cons: &[T], n: usize) {
        let s = self;
        for (r, &uid) in s.rows.iter().enumerate() {
            let i = uid as usize;
            let st = bits(s.active_stake[i]);
            let w = &w[r * n..][..n];
            let c = &mut s.wb[r * n..][..n];
            let cons = &cons[..n];
            let acc = &mut s.acc[..n];
            let mut trust = 0u64;
            for j in 0..n {
                let v: u64 = w[j].min_value(cons[j]).into();
                c[j] = v;
                trust += v;
                acc[j] += mulf(st, v);
            }
            s.trust[i] = fixed(trust);
        }
    }

    /// W in u64 (`w`) for the steps that only take that width; a no-op where it already is.
    fn widen_weights(&mut self) {
        if self.w_narrow {
            self.w.clear();
            self.w.extend(self.w32.iter().map(|x| u64::from(*x)));
            self.w_narrow = false;
        }
    }

    /// Yuma3 without liquid alpha, alpha in [0, 1], bonds penalty 0 or 1 (weights for bonds =
    /// W or C): clip, trust, ranks, the bonds' load and the EMA with its column totals in one
    /// pass per row. The stored bond row is read alongside the columns (it must be strictly
    /// sorted; the walk consumes its entries below n in order, and whatever it leaves must be
    /// sorted uids >= n, or the epoch declines to the sparse path). Every value is the one the
    /// separate steps give (see them above and `ema`).
    #[inline(always)]
    fn yuma3_fused<T: Cell>(
        &mut self,
        (w_all, cons): (&[T], &[T]),
        input: &EpochInput,
        n: usize,
        clip: bool,
        alpha: I32F32,
        (all_kept, bond_kept, avx2): (bool, impl Fn(usize) -> bool, Option<Avx2>),
    ) -> bool {
        let s = self;
        let (a, m) = (bits(alpha), ONE_BITS - bits(alpha));
        fill(&mut s.trust, n, ZERO);
        fill(&mut s.acc, n, 0);
        fill(&mut s.cols.total, n, 0);
        s.e.resize(s.rows.len() * n, 0);
        for (r, &uid) in s.rows.iter().enumerate() {
            let i = uid as usize;
            let st = bits(s.active_stake[i]);
            let bond_row: &[(u16, u16)] = match s.bsrc[i] {
                NONE => &[],
                k => &input.bonds[k as usize].1,
            };
            if !load_bond_row(&mut s.bond_row, bond_row, n, (all_kept, &bond_kept, avx2)) {
                return false;
            }
            let b = &s.bond_row[..n];
            let w = &w_all[r * n..][..n];
            let e = &mut s.e[r * n..][..n];
            let cons = &cons[..n];
            let acc = &mut s.acc[..n];
            let total = &mut s.cols.total[..n];
            // One loop body, two instances: the products by the row's constants (stake, alpha,
            // 1 - alpha) with `mulf_lo` when all three are below 1, the usual case.
            // `frac` is `bond_fraction`, or 65537 * b where the row has no bond of 65535.
            // The clip as a constant of each instance: as a run-time flag, LLVM tested it in
            // the loop (a compare and a branch per eight entries) in u32 lanes.
            #[inline(always)]
            fn pass<T: Cell>(
                ins: (&[T], &[T], &[u16]),
                outs: (&mut [u64], &mut [u64], &mut [u64]),
                (st, a, m, clip): (u64, u64, u64, bool),
                mul: impl Fn(u64, u64) -> u64,
                frac: impl Fn(u16) -> u64,
            ) -> u64 {
                if clip {
                    pass_clip::<T, true>(ins, outs, (st, a, m), &mul, &frac)
                } else {
                    pass_clip::<T, false>(ins, outs, (st, a, m), &mul, &frac)
                }
            }
            #[inline(always)]
            fn pass_clip<T: Cell, const CLIP: bool>(
                (w, cons, b): (&[T], &[T], &[u16]),
                (e, acc, total): (&mut [u64], &mut [u64], &mut [u64]),
                (st, a, m): (u64, u64, u64),
                mul: impl Fn(u64, u64) -> u64,
                frac: impl Fn(u16) -> u64,
            ) -> u64 {
                let n = w.len();
                let (cons, b, e, acc, total) = (
                    &cons[..n],
                    &b[..n],
                    &mut e[..n],
                    &mut acc[..n],
                    &mut total[..n],
                );
                let mut trust = 0u64;
                for j in 0..n {
                    let c = w[j].min_value(cons[j]);
                    let weight = if CLIP { c } else { w[j] };
                    let c: u64 = c.into();
                    trust += c;
                    acc[j] += mul(st, c);
                    let v = mul(a, weight.into()) + mul(m, frac(b[j]));
                    e[j] = v;
                    total[j] += v;
                }
                trust
            }
            let ins = (w, cons, b);
            let outs = (e, acc, total);
            // A bond of 65535 is the fraction 1 (2^32); without it and without a weight of 1
            // every operand is below 2^32 and the products are plain 32 x 32 bits.
            let below_one = !s.w_has_one[r] && !b.iter().fold(false, |any, x| any | (*x == 65_535));
            let trust = if st < ONE_BITS && a < ONE_BITS && m < ONE_BITS {
                if below_one {
                    // No bond of 65535: `bond_fraction` is 65537 * b (below 2^32). The stake,
                    // 1 - alpha and the 65537 through `opaque` (once per row): otherwise LLVM
                    // multiplies 64 x 32 bits, and folds 65537 into 1 - alpha (a 49-bit
                    // factor); this way each product is one `vpmuludq`.
                    let (st, m, k) = (opaque(st), opaque(m), opaque(65_537));
                    let k = k & LOW;
                    let frac = |bv: u16| u64::from(bv) * k;
                    pass(ins, outs, (st, a, m, clip), mulf_32, frac)
                } else {
                    pass(ins, outs, (st, a, m, clip), mulf_lo, bond_fraction)
                }
            } else {
                pass(ins, outs, (st, a, m, clip), mulf, bond_fraction)
            };
            s.trust[i] = fixed(trust);
        }
        // Every EMA entry is below 1 when every weight is (u32 W) and 0 < alpha < 1: then
        // a >= 1, floor(a * weight / 2^32) <= floor(a * (2^32 - 1) / 2^32) = a - 1 and
        // floor(m * bond / 2^32) <= m (a bond is at most 1), so v <= a - 1 + m = 2^32 - 1. The
        // dividends then skip their pass over `e` that finds it out.
        s.e_below_one = !T::WIDE && a < ONE_BITS && m < ONE_BITS;
        s.incentive.clear();
        s.incentive.extend(s.acc.iter().map(|x| fixed(*x)));
        normalize(&mut s.incentive);
        s.inc.clear();
        s.inc.extend(s.incentive.iter().map(|x| bits(*x)));
        true
    }

    /// Yuma3 with liquid alpha, bonds penalty 0 or 1: as [`Dense::yuma3_fused`], with the
    /// per-entry alphas of `liquid_ema` (entries with diff = 0 at once, the others queued with
    /// their bond and evaluated four at a time); column totals are added as entries resolve.
    #[inline(always)]
    fn liquid_fused<T: Cell>(
        &mut self,
        (w_all, cons_all): (&[T], &[T]),
        input: &EpochInput,
        n: usize,
        clip: bool,
        (all_kept, bond_kept, avx2): (bool, impl Fn(usize) -> bool, Option<Avx2>),
    ) -> bool {
        let s = self;
        let sigmoid = Sigmoid::new(input);
        let alpha_at_zero = bits(sigmoid.alpha(ZERO));
        let ema = |a: u64, weight: u64, bond: u64| {
            (mulf_wide(ONE_BITS - a, bond) + mulf_wide(a, weight)).min(ONE_BITS)
        };
        fill(&mut s.trust, n, ZERO);
        fill(&mut s.acc, n, 0);
        fill(&mut s.cols.total, n, 0);
        s.e.resize(s.rows.len() * n, 0);
        // Room for every entry: the queue never grows within an epoch of this size, so later
        // epochs (whatever their share of entries needing an exponential) allocate nothing.
        s.pending_bond.clear();
        s.pending_bond.reserve(s.rows.len() * n);
        s.zero_bits.clear();
        if !s.zero_at.is_empty() {
            s.zero_bits.resize((s.rows.len() * n).div_ceil(64), 0);
            for &at in &s.zero_at {
                s.zero_bits[at as usize / 64] |= 1 << (at % 64);
            }
        }
        let zero_bits = &s.zero_bits;
        for (r, &uid) in s.rows.iter().enumerate() {
            let i = uid as usize;
            let st = bits(s.active_stake[i]);
            let bond_row: &[(u16, u16)] = match s.bsrc[i] {
                NONE => &[],
                k => &input.bonds[k as usize].1,
            };
            if !load_bond_row(&mut s.bond_row, bond_row, n, (all_kept, &bond_kept, avx2)) {
                return false;
            }
            let b = &s.bond_row[..n];
            let w = &w_all[r * n..][..n];
            let e = &mut s.e[r * n..][..n];
            let cons = &cons_all[..n];
            let acc = &mut s.acc[..n];
            let total = &mut s.cols.total[..n];
            if zero_bits.is_empty() {
                // No explicit zero weight: presence is positivity, and the row's loop has no
                // branch (it vectorises); the entries that need an exponential keep their diff
                // in `liquid_diff` (0 for the others, as a queued diff is never 0) and are
                // queued after it, in uid order as below.
                // (Only sized, not cleared: `liquid_pass` writes every entry.)
                s.liquid_diff.resize(n, 0);
                let diffs = &mut s.liquid_diff[..n];
                let a0 = alpha_at_zero;
                let below_one = st < ONE_BITS
                    && a0 < ONE_BITS
                    && ONE_BITS - a0 < ONE_BITS
                    && !s.w_has_one[r]
                    && !b.iter().fold(false, |any, x| any | (*x == 65_535));
                let ins = (w, cons, b);
                let outs = (e, acc, total, &mut *diffs);
                let (trust, queued) = if below_one {
                    // As in `yuma3_fused`: no bond of 65535, so `bond_fraction` is 65537 * b;
                    // the row's constants through `black_box` keep each product one
                    // `vpmuludq` (LLVM would drop `mulf_32`'s masks, which the test above
                    // proves redundant, and multiply 64 x 32 bits).
                    let (st, a0, m0, k) = (
                        opaque(st),
                        opaque(a0),
                        opaque(ONE_BITS - a0),
                        opaque(65_537),
                    );
                    let k = k & LOW;
                    let frac = |bv: u16| u64::from(bv) * k;
                    liquid_pass(ins, outs, (st, a0, m0, clip), mulf_32, frac)
                } else {
                    let m0 = ONE_BITS - a0;
                    liquid_pass(ins, outs, (st, a0, m0, clip), mulf, bond_fraction)
                };
                if queued != 0 {
                    for (j, &diff) in diffs.iter().enumerate() {
                        if diff != 0 {
                            let at = r * n + j;
                            s.pending_bond.push((at as u32, diff, bond_fraction(b[j])));
                        }
                    }
                }
                s.trust[i] = fixed(trust);
                continue;
            }
            let mut trust = 0u64;
            for j in 0..n {
                let c: u64 = w[j].min_value(cons[j]).into();
                trust += c;
                acc[j] += mulf_wide(st, c);
                let bond = bond_fraction(b[j]);
                let weight = if clip { c } else { w[j].into() };
                let diff = if weight >= bond {
                    weight.saturating_sub(cons[j].into())
                } else {
                    bond - weight
                };
                // An entry of the weights for bonds is present when positive or an explicit
                // zero weight (kept by the clip as 0 at penalty 1, copied at penalty 0); a
                // present zero keeps its decayed bond, an absent one is dropped.
                let at = r * n + j;
                let present = weight != 0
                    || (!zero_bits.is_empty() && (zero_bits[at / 64] >> (at % 64)) & 1 == 1);
                let v = if !present {
                    0
                } else if diff == 0 {
                    ema(alpha_at_zero, weight, bond)
                } else {
                    s.pending_bond.push((at as u32, diff, bond));
                    0
                };
                e[j] = v;
                total[j] += v;
            }
            s.trust[i] = fixed(trust);
        }
        for chunk in s.pending_bond.chunks(4) {
            let mut z = [0i64; 4];
            for (zk, &(_, diff, _)) in z.iter_mut().zip(chunk) {
                *zk = sigmoid.z(fixed(diff)).to_bits();
            }
            let exps = exp_fixed4(z, sigmoid.exp_one);
            for (&(at, _, bond), ex) in chunk.iter().zip(exps) {
                let a = bits(sigmoid.alpha_from_exp(ex));
                let at = at as usize;
                let j = at % n;
                let w: u64 = w_all[at].into();
                let weight = if clip { w.min(cons_all[j].into()) } else { w };
                let v = ema(a, weight, bond);
                s.e[at] = v;
                s.cols.total[j] += v;
            }
        }
        s.incentive.clear();
        s.incentive.extend(s.acc.iter().map(|x| fixed(*x)));
        normalize(&mut s.incentive);
        s.inc.clear();
        s.inc.extend(s.incentive.iter().map(|x| bits(*x)));
        true
    }

    /// The original Yuma's bonds with alpha in [0, 1], in three passes instead of the chain's
    /// nine: (1) the delta W_b * S and its column totals; (2) B and delta column-normalised by
    /// reciprocals (B's as integers: floor(b * 2^32 / S_b)), the EMA alpha * delta +
    /// (1 - alpha) * B (products `mulf`, sum at most 1) and its column totals; (3) the EMA
    /// column-normalised, dividends summed and column maxima taken. The maxima then upscale the
    /// rows that are stored. Every step is the chain's value: all entries lie in [0, 1] and are
    /// at most their column's total, totals stay far below 2^63.
    #[inline(always)]
    fn original_fused(&mut self, n: usize, alpha: I32F32) {
        let s = self;
        let rows = s.rows.len();
        // B's integer column totals (b <= 65535 over at most 2^11 rows).
        fill(&mut s.cols.total, n, 0);
        for r in 0..rows {
            let b = &s.b[r * n..][..n];
            let total = &mut s.cols.total[..n];
            for j in 0..n {
                total[j] += b[j] >> 32;
            }
        }
        make_recips(&s.cols.total, &mut s.recip_b);
        // In each pass below, when every value divided is below 1 and no divisor is 1 (bits),
        // the division takes `apply_below_one` with the reciprocals split per column, and the
        // products by a factor below 1 `mulf_lo` (the usual case; `Recip::apply` and `mulf`
        // otherwise). A zero column has lo = 0 and only zeros, which any shift keeps 0.
        let no_unit = |total: &[u64]| total.iter().all(|t| *t != 1);
        let b_plain = no_unit(&s.cols.total);
        s.split_b.set(&s.recip_b);
        // (1) Delta.
        fill(&mut s.cols.total, n, 0);
        let mut high = 0u64;
        for (r, &uid) in s.rows.iter().enumerate() {
            let st = bits(s.active_stake[uid as usize]);
            let wb = &mut s.wb[r * n..][..n];
            let total = &mut s.cols.total[..n];
            // `mulf(wb, st)`; at st = 1 (2^32) the row is unchanged. (The select inside `mulf`
            // became masked stores, slow on this processor, once vectorised.)
            let full = st >> 32 != 0;
            // (`opaque`: one `vpmuludq` per product, see there.)
            let st = opaque(st);
            for j in 0..n {
                let d = if full { wb[j] } else { mulf_lo(st, wb[j]) };
                wb[j] = d;
                total[j] += d;
                high |= d;
            }
        }
        make_recips(&s.cols.total, &mut s.cols.recip);
        // (2) EMA of the normalised delta and bonds (integer bonds b <= 65535 < 2^32).
        let (a, m) = (bits(alpha), ONE_BITS - bits(alpha));
        let plain =
            b_plain && high >> 32 == 0 && no_unit(&s.cols.total) && a < ONE_BITS && m < ONE_BITS;
        s.split.set(&s.cols.recip);
        fill(&mut s.cols.total, n, 0);
        s.e.resize(s.wb.len(), 0);
        let mut high = 0u64;
        for r in 0..rows {
            let d = &s.wb[r * n..][..n];
            let b = &s.b[r * n..][..n];
            let e = &mut s.e[r * n..][..n];
            let (rd, rb) = (&s.cols.recip[..n], &s.recip_b[..n]);
            let total = &mut s.cols.total[..n];
            if plain {
                let (a, m) = (opaque(a), opaque(m));
                let (pd, pb) = (&s.split, &s.split_b);
                let (dh, dl, ds) = (&pd.hi[..n], &pd.lo[..n], &pd.shift[..n]);
                let (bh, bl, bs) = (&pb.hi[..n], &pb.lo[..n], &pb.shift[..n]);
                for j in 0..n {
                    let nd = apply_below_one(dh[j], dl[j], ds[j], d[j]);
                    let nb = apply_below_one(bh[j], bl[j], bs[j], b[j] >> 32);
                    let v = mulf_lo(a, nd) + mulf_lo(m, nb);
                    e[j] = v;
                    total[j] += v;
                    high |= v;
                }
            } else {
                for j in 0..n {
                    let v = mulf(a, rd[j].apply(d[j])) + mulf(m, rb[j].apply(b[j] >> 32));
                    e[j] = v;
                    total[j] += v;
                    high |= v;
                }
            }
        }
        make_recips(&s.cols.total, &mut s.cols.recip);
        // (3) Normalised EMA (kept in `t`; `e` keeps the entries' presence), dividends, maxima.
        let plain =
            high >> 32 == 0 && no_unit(&s.cols.total) && s.inc.iter().all(|x| *x < ONE_BITS);
        s.split.set(&s.cols.recip);
        s.t.resize(s.e.len(), 0);
        fill(&mut s.dividends, n, ZERO);
        for (r, &uid) in s.rows.iter().enumerate() {
            let e = &s.e[r * n..][..n];
            let t = &mut s.t[r * n..][..n];
            let (re, inc) = (&s.cols.recip[..n], &s.inc[..n]);
            let mut d = 0u64;
            if plain {
                let (eh, el, es) = (&s.split.hi[..n], &s.split.lo[..n], &s.split.shift[..n]);
                for j in 0..n {
                    let v = apply_below_one(eh[j], el[j], es[j], e[j]);
                    t[j] = v;
                    d += mulf_lo(inc[j], v);
                }
            } else {
                for j in 0..n {
                    let v = re[j].apply(e[j]);
                    t[j] = v;
                    d += mulf(v, inc[j]);
                }
            }
            s.dividends[uid as usize] = fixed(d);
        }
        normalize(&mut s.dividends);
        col_maxima(&s.t, n, 0..rows, &mut s.col_max);
        make_recips(&s.col_max, &mut s.cols.recip);
        // (4) Upscaled by the column maxima: every value is at most its column's maximum.
        let plain = s.col_max.iter().all(|x| *x < ONE_BITS) && no_unit(&s.col_max);
        s.split.set(&s.cols.recip);
        for (r, &uid) in s.rows.iter().enumerate() {
            if !s.new_permits.get(uid as usize).copied().unwrap_or(false) {
                continue;
            }
            let t = &mut s.t[r * n..][..n];
            let re = &s.cols.recip[..n];
            if plain {
                let (mh, ml, ms) = (&s.split.hi[..n], &s.split.lo[..n], &s.split.shift[..n]);
                for j in 0..n {
                    t[j] = apply_below_one(mh[j], ml[j], ms[j], t[j]);
                }
            } else {
                for j in 0..n {
                    t[j] = re[j].apply(t[j]);
                }
            }
        }
        // Each upscaled value is floor(t * 2^32 / max) with t at most its column's maximum
        // (0 in a zero column): at most 1. The output's bonds are the rows upscaled here (those
        // with a new permit), so they skip their range pass.
        s.t_at_most_one = true;
    }

    /// Consensus by [`weighted_quantile`] per column, narrowed first by a stake histogram of
    /// every column at once (row by row over the voters' weights): values go to 32 buckets by
    /// their leading bits below the column's maximum (v >> shift is monotone in v, so buckets
    /// are value ranges). The first bucket b whose cumulative stake exceeds the minority holds
    /// the answer (every value in an earlier bucket has S(<= v) <= minority; the largest in b
    /// has S(<= v) > minority), and within it the answer is the quantile of the bucket's pairs
    /// with the earlier buckets' stake below them.
    #[inline(always)]
    fn column_quantiles<T: Cell>(
        &mut self,
        w: &[T],
        n: usize,
        m: u64,
        (zero_voter, zero_stake): (bool, u64),
        avx2: Option<Avx2>,
    ) {
        const LOG_BUCKETS: u32 = 5;
        const BUCKETS: usize = 1 << LOG_BUCKETS;
        let s = self;
        // Each column's buckets cover its voters' range of values, not 0 to its maximum: an
        // honest network's columns are narrow (every validator measures the same miner, with
        // noise), and buckets from 0 put most of a column's voters into two or three of them,
        // leaving the selection to the partition. Each column's shift makes its shifted range
        // fit in a byte ([`bucket_shift`]).
        // The AVX2 kernels where W is u32 (and, for the range, there is a voter: the caller
        // only comes with one).
        let narrow = avx2.zip(T::narrow(w)).filter(|_| !s.voter_rows.is_empty());
        if let Some((x, w32)) = narrow {
            x.col_range(w32, n, &s.voter_rows, &mut s.col_lo, &mut s.cols.total);
        } else {
            col_range(
                w,
                n,
                s.voter_rows.iter().map(|r| *r as usize),
                &mut s.col_lo,
                &mut s.cols.total,
            );
        }
        // Sized, not cleared (every entry is written below), and written through zipped
        // slices: four pushes per column reloaded and stored each vector's length (~55
        // instructions per column).
        s.shift.resize(n, 0);
        s.base.resize(n, 0);
        s.base32.resize(n, 0);
        s.flat.resize(n, false);
        let ranges = s.col_lo[..n].iter().zip(&s.cols.total[..n]);
        let outs = (s.flat[..n].iter_mut().zip(&mut s.shift[..n]))
            .zip(s.base[..n].iter_mut().zip(&mut s.base32[..n]));
        for ((&lo, &hi), ((flat, shift), (base, base32))) in ranges.zip(outs) {
            *flat = lo == hi && (!zero_voter || lo == 0);
            *shift = bucket_shift(lo, hi);
            *base = (lo >> *shift) as u8;
            *base32 = (lo >> *shift) as u32;
        }
        s.lane.clear();
        s.lane.extend((0..n).map(|j| (j % 8) as u8));
        // Each voter's bucket of every column as a byte (`keys`, row-major), computed a row at
        // a time (it vectorises); the histogram then adds the voter's stake eight columns at a
        // time from the key bytes. A key is the bucket times 8 plus the column's place in its
        // group of eight (j % 8): the index into the group's 32 x 8 histogram entries (bucket
        // major, so that the bucket scan runs over the eight columns in vector lanes), so that
        // a byte indexes a `[u64; 256]` with neither a mask nor a bounds check.
        let voters = s.voter_rows.len();
        // (Every key is written below: no clearing.)
        s.keys.resize(voters * n, 0);
        if let Some((x, w32)) = narrow {
            // The same keys, 32 per step (`Avx2::bucket_keys`).
            let keys = &mut s.keys[..voters * n];
            x.bucket_keys(w32, n, &s.voter_rows, (&s.shift, &s.base32), keys);
        } else {
            for (k, &r) in s.voter_rows.iter().enumerate() {
                let row = &w[r as usize * n..][..n];
                let keys = &mut s.keys[k * n..][..n];
                let (shift, lane, base) = (&s.shift[..n], &s.lane[..n], &s.base[..n]);
                // The bucket is ((v >> shift) - (lo >> shift)) >> 3, kept in the key's bits 3..8:
                // the difference is below 256 (see the shifts), so it is that of the two low bytes
                // taken modulo 256, and monotone in v: buckets are value ranges, all the selection
                // needs (a narrow column has fewer than 32). Its low three bits make room for the
                // lane. Masked and ORed as bytes, after Rust's plain `>>` (one `vpand` of the
                // shift): with the shift written as `vpsrlv*` behaves (0 past the width) and any
                // operation after it, LLVM kept that select and halved the loop's vectors.
                for j in 0..n {
                    let v = row[j] >> T::from(shift[j]);
                    debug_assert!(v.into() - (s.col_lo[j] >> shift[j]) < 256);
                    keys[j] = v.low_byte().wrapping_sub(base[j]) & 0xf8 | lane[j];
                }
            }
        }
        // The histogram of eight columns at a time, the voters inside, in one local 8 x 32
        // array that a key byte indexes directly (the stack array's address is one register,
        // so each add is one instruction with its key's load; a histogram of every column in
        // the scratch had LLVM add its base and the group's offset apart, one `lea` more per
        // entry in some builds). Then, per column: the bucket that holds the quantile and the
        // stake below it; the array is cleared for the next group.
        // (Sized, not cleared: every column's entry is written below.)
        s.chosen.resize(n, 0);
        s.below.resize(n, 0);
        // Four groups (32 columns) per pass over the voters, one array each: the per-voter
        // cost of a pass (its slice and loop) is spread over four times the entries.
        const GROUPS: usize = 4;
        // In the scratch, zero from the last epoch: a local array was cleared by a `memset`
        // of 8 KB per epoch (`rep stosb`, which callgrind counts per byte: ~8,200
        // instructions). Allocated once.
        if s.hist.len() != GROUPS {
            s.hist.clear();
            s.hist.resize(GROUPS, [0; 8 * BUCKETS]);
        }
        let hist: &mut [[u64; 8 * BUCKETS]; GROUPS] = (&mut s.hist[..]).try_into().unwrap();
        debug_assert!(hist.iter().flatten().all(|x| *x == 0));
        for g0 in (0..n).step_by(8 * GROUPS) {
            let width = (n - g0).min(8 * GROUPS);
            for (k, &st) in s.voter_stake.iter().enumerate() {
                let keys = &s.keys[k * n + g0..][..width];
                if let Ok(words) = <&[u8; 8 * GROUPS]>::try_from(keys) {
                    for (h, word) in hist.iter_mut().zip(words.chunks_exact(8)) {
                        for &key in word {
                            h[key as usize] += st;
                        }
                    }
                } else {
                    for (t, &key) in keys.iter().enumerate() {
                        hist[t / 8][key as usize] += st;
                    }
                }
            }
            for (g, h) in hist.iter_mut().enumerate() {
                if g * 8 >= width {
                    break;
                }
                if zero_voter {
                    for x in &mut h[..8] {
                        *x += zero_stake;
                    }
                }
                let (bucket, below) = match avx2 {
                    Some(x) => x.scan_buckets(h, m),
                    None => scan_buckets(h, m),
                };
                // In the keys' form: bucket * 8 + j % 8, with j % 8 = t.
                let chosen: [u8; 8] = std::array::from_fn(|t| (bucket[t] * 8 + t) as u8);
                let (at, len) = (g0 + g * 8, (width - g * 8).min(8));
                s.chosen[at..at + len].copy_from_slice(&chosen[..len]);
                s.below[at..at + len].copy_from_slice(&below[..len]);
            }
        }
        // A column whose voters all give it one value (with the zero voter, 0) has that value
        // as its quantile (it is the only one, and the minority is below the total stake): the
        // network's validator columns, which no validator weights. Its chosen bucket is set to
        // 31 in its own lane, which none of its keys (all bucket 0) matches, so it gathers no
        // members.
        for j in 0..n {
            if s.flat[j] {
                s.chosen[j] = 0xf8 | s.lane[j];
            }
        }
        // The bucket members of every column, row by row (so in voter order within a column),
        // into the column's run of `members` (room for every voter and the zero voter). Eight
        // key bytes as one word, XORed with the eight columns' chosen buckets: a member's byte
        // is 0. A key and its column's chosen byte share the lane part (j % 8, the low three
        // bits), which the XOR cancels; shifted down by 3 (each byte's low three bits are 0, so
        // nothing moves into the byte below) every byte is below 32 (buckets), and
        // 0x80 - byte has its top bit set exactly for 0 (no borrow crosses a byte).
        const LANES: u64 = 0x0101_0101_0101_0101;
        let cap = voters + 1;
        s.members.resize(n * cap, (0, 0));
        fill(&mut s.member_count, n, 0);
        // As local slices, so that their pointers and lengths stay in registers across the
        // stores (through `s` they were reloaded at every member).
        let (members, counts) = (&mut s.members[..n * cap], &mut s.member_count[..n]);
        for (k, (&r, &st)) in s.voter_rows.iter().zip(s.voter_stake.iter()).enumerate() {
            let row = &w[r as usize * n..][..n];
            let keys = &s.keys[k * n..][..n];
            let mut take = |j: usize| {
                let c = &mut counts[j];
                members[j * cap + *c as usize] = (row[j].into(), st);
                *c += 1;
            };
            let mut groups = keys.chunks_exact(32).zip(s.chosen.chunks_exact(32));
            let mut g = 0usize;
            for (word, chosen) in &mut groups {
                let (word, chosen): (&[u8; 32], &[u8; 32]) =
                    (word.try_into().unwrap(), chosen.try_into().unwrap());
                if let Some(x) = avx2 {
                    // Equal bytes are members: the lane parts are equal by construction.
                    let mut f = x.equal_bytes(word, chosen);
                    while f != 0 {
                        take(g + f.trailing_zeros() as usize);
                        f &= f - 1;
                    }
                    g += 32;
                    continue;
                }
                let word8 = |b: &[u8; 32], q: usize| {
                    u64::from_le_bytes(b[q * 8..][..8].try_into().unwrap())
                };
                let found: [u64; 4] = std::array::from_fn(|q| {
                    let x = (word8(word, q) ^ word8(chosen, q)) >> 3;
                    (0x80 * LANES - x) & (0x80 * LANES)
                });
                for (q, &f) in found.iter().enumerate() {
                    let mut f = f;
                    while f != 0 {
                        take(g + q * 8 + (f.trailing_zeros() / 8) as usize);
                        f &= f - 1;
                    }
                }
                g += 32;
            }
            for j in g..n {
                if keys[j] == s.chosen[j] {
                    take(j);
                }
            }
        }
        fill(&mut s.sel_b, cap, (0, 0));
        for j in 0..n {
            if s.flat[j] {
                s.consensus[j] = fixed(s.col_lo[j]);
                continue;
            }
            let mut len = s.member_count[j] as usize;
            let run = &mut s.members[j * cap..][..cap];
            if zero_voter && s.chosen[j] < 8 {
                run[len] = (0, zero_stake);
                len += 1;
            }
            let q = if len <= SMALL_QUANTILE {
                match avx2 {
                    Some(x) if len <= 4 => x.small_quantile(&run[..len], s.below[j], m),
                    _ => small_weighted_quantile(&run[..len], s.below[j], m),
                }
            } else {
                weighted_quantile(&mut run[..len], &mut s.sel_b[..len], s.below[j], m)
            };
            s.consensus[j] = fixed(q);
        }
    }

    /// `compute_liquid_alpha_values_sparse` + `mat_ema_alpha_sparse` at a bonds penalty other
    /// than 0 and 1, on the entries the EMA keeps: those with a weight for bonds, which the
    /// interpolation keeps only where positive (so presence is positivity here).
    #[inline(always)]
    fn liquid_ema(&mut self, input: &EpochInput, n: usize) {
        let s = self;
        let sigmoid = Sigmoid::new(input);
        // The entries with weight >= bond and weight <= consensus (every entry where the
        // weights for bonds are the clipped weights and the bond is not above them) share
        // diff = 0: one alpha for all.
        let alpha_at_zero = bits(sigmoid.alpha(ZERO));
        // alpha in [0, 1] (clamped to [low, high] within it), weight and bond in [0, 1]: the
        // products are `mulf`, the sum at most 1 before the `min`.
        let ema = |a: u64, weight: u64, bond: u64| {
            (mulf_wide(ONE_BITS - a, bond) + mulf_wide(a, weight)).min(ONE_BITS)
        };
        // First pass: entries without weight (0) or with diff = 0; the others are queued with
        // their diff, and their exponentials are then taken four at a time (independent
        // chains, so the processor overlaps them).
        s.pending.clear();
        s.pending.reserve(s.rows.len() * n);
        for r in 0..s.rows.len() {
            let wb = &s.wb[r * n..][..n];
            let b = &s.b[r * n..][..n];
            let e = &mut s.e[r * n..][..n];
            let cons = &s.cons[..n];
            for j in 0..n {
                let (weight, bond) = (wb[j], b[j]);
                // `alpha_sigmoid`'s diff, on values in [0, 1] (only the lower clamp can act):
                // weight - consensus if weight >= bond, else bond - weight.
                let diff = if weight >= bond {
                    weight.saturating_sub(cons[j])
                } else {
                    bond - weight
                };
                if weight == 0 {
                    e[j] = 0;
                } else if diff == 0 {
                    e[j] = ema(alpha_at_zero, weight, bond);
                } else {
                    s.pending.push(((r * n + j) as u32, diff));
                }
            }
        }
        for chunk in s.pending.chunks(4) {
            let mut z = [0i64; 4];
            for (zk, &(_, diff)) in z.iter_mut().zip(chunk) {
                *zk = sigmoid.z(fixed(diff)).to_bits();
            }
            let exps = exp_fixed4(z, sigmoid.exp_one);
            for (&(at, _), ex) in chunk.iter().zip(exps) {
                let a = bits(sigmoid.alpha_from_exp(ex));
                let at = at as usize;
                s.e[at] = ema(a, s.wb[at], s.b[at]);
            }
        }
    }

    /// Emission shares and the all-zero fallbacks, as the sparse path.
    #[inline(always)]
    fn emissions(&mut self) {
        let s = self;
        s.combined.clear();
        s.combined.extend(
            s.incentive
                .iter()
                .zip(s.dividends.iter())
                .map(|(i, d)| i.saturating_add(*d)),
        );
        let emission_sum = sum(&s.combined);
        s.server.clear();
        s.server.extend_from_slice(&s.incentive);
        s.validator.clear();
        s.validator.extend_from_slice(&s.dividends);
        if emission_sum != ZERO {
            // Every share is at most the (exact, positive) sum when all terms are non-negative
            // and the sum did not wrap: then `safe_div` is `div_frac`.
            let exact: i128 = s.combined.iter().map(|x| i128::from(x.to_bits())).sum();
            let plain = i128::from(emission_sum.to_bits()) == exact
                && s.incentive
                    .iter()
                    .chain(s.dividends.iter())
                    .all(|x| *x >= ZERO);
            if plain {
                divide_all(&mut s.server, bits(emission_sum));
                divide_all(&mut s.validator, bits(emission_sum));
            } else {
                for x in s.server.iter_mut().chain(s.validator.iter_mut()) {
                    *x = div(*x, emission_sum);
                }
            }
        }
        s.combined_norm.clear();
        s.combined_norm.extend_from_slice(&s.combined);
        normalize(&mut s.combined_norm);
        if emission_sum == ZERO {
            let fallback = if sum(&s.active_stake) == ZERO {
                &s.stake
            } else {
                &s.active_stake
            };
            s.validator.clear();
            s.validator.extend_from_slice(fallback);
            s.combined_norm.clear();
            s.combined_norm.extend_from_slice(fallback);
        }
    }

    #[inline(always)]
    fn write_output(
        &self,
        input: &EpochInput,
        activity_cutoff: u64,
        out: &mut EpochOutput,
        avx2: Option<Avx2>,
    ) {
        let s = self;
        let n = input.n as usize;
        let rao = I96F32::saturating_from_num(input.rao_emission);
        // I96F32 shares times the emission: for a share v >= 0 the product's bits are
        // v * rao (below 2^127: no saturation), its integer part (v * rao) >> 32, capped.
        let amount = |v: &I32F32| {
            if *v >= ZERO {
                let p = (u128::from(bits(*v)) * u128::from(input.rao_emission)) >> 32;
                u64::try_from(p).unwrap_or(u64::MAX)
            } else {
                I96F32::saturating_from_num(*v)
                    .saturating_mul(rao)
                    .saturating_to_num::<u64>()
            }
        };
        fn set<T, I: Iterator<Item = T>>(v: &mut Vec<T>, it: I) {
            v.clear();
            v.extend(it);
        }
        out.activity_cutoff = activity_cutoff;
        set(&mut out.active, s.inactive.iter().map(|x| !x));
        set(
            &mut out.new_validator_permit,
            (0..n).map(|i| s.new_permits.get(i).copied().unwrap_or(false)),
        );
        let u16s = |v: &[I32F32], o: &mut Vec<u16>| {
            set(
                o,
                v.iter().map(|x| {
                    if *x >= ZERO {
                        to_u16(bits(*x))
                    } else {
                        proportion_to_u16(*x)
                    }
                }),
            )
        };
        u16s(&s.stake, &mut out.stake_weight_u16);
        u16s(&s.consensus, &mut out.consensus_u16);
        u16s(&s.incentive, &mut out.incentive_u16);
        u16s(&s.dividends, &mut out.dividends_u16);
        u16s(&s.trust, &mut out.validator_trust_u16);
        let raw = |v: &[I32F32], o: &mut Vec<i64>| set(o, v.iter().map(|x| x.to_bits()));
        raw(&s.consensus, &mut out.consensus_bits);
        raw(&s.incentive, &mut out.incentive_bits);
        raw(&s.dividends, &mut out.dividends_bits);
        raw(&s.trust, &mut out.validator_trust_bits);
        raw(&s.stake, &mut out.stake_bits);
        raw(&s.active_stake, &mut out.active_stake_bits);
        let float = |v: &[I32F32], o: &mut Vec<f64>| set(o, v.iter().map(|x| to_f64(*x)));
        float(&s.consensus, &mut out.consensus_f64);
        float(&s.incentive, &mut out.incentive_f64);
        float(&s.dividends, &mut out.dividends_f64);
        float(&s.trust, &mut out.validator_trust_f64);
        set(
            &mut out.total_stake_i64f64_bits,
            s.total_stake.iter().map(|x| x.to_bits()),
        );
        set(
            &mut out.raw_stake,
            s.total_stake.iter().map(|x| x.saturating_to_num::<u64>()),
        );
        set(&mut out.server_emission, s.server.iter().map(amount));
        set(&mut out.validator_emission, s.validator.iter().map(amount));
        set(
            &mut out.combined_emission,
            s.combined_norm.iter().map(amount),
        );
        // Bonds: the EMA's present (positive) entries; the original Yuma stores them
        // column-max-upscaled (`t`), Yuma3 as they are (`e`).
        let values = if input.yuma3 { &s.e } else { &s.t };
        // A row that gets bonds is not cleared first: `compact_row` writes every slot it
        // keeps, so it only resizes (from the last epoch's length, which leaves few slots to
        // fill, instead of all n).
        out.bonds.truncate(n);
        out.bonds.resize_with(n, Vec::new);
        for (i, row) in out.bonds.iter_mut().enumerate() {
            if !s.new_permits.get(i).copied().unwrap_or(false) || s.row_of[i] == NONE {
                row.clear();
                continue;
            }
            let r = s.row_of[i] as usize;
            let present = &s.e[r * n..(r + 1) * n];
            let value = &values[r * n..(r + 1) * n];
            // Every value in [0, 1] (the usual case): `to_u16` is floor(x * 65535 / 2^32)
            // (below 2^48), without its range branch.
            if (input.yuma3 && s.e_below_one)
                || (!input.yuma3 && s.t_at_most_one)
                || value.iter().fold(true, |ok, x| ok & (*x <= ONE_BITS))
            {
                match avx2 {
                    Some(avx2) => avx2.compact_fractions(row, present, value),
                    None => compact_row(row, present, value, |x| ((x * 65_535) >> 32) as u16),
                }
            } else {
                compact_row(row, present, value, to_u16);
            }
        }
    }
}

/// `alpha_sigmoid` with the chain's fixed-point `exp` evaluated by [`exp_fixed`].
struct Sigmoid {
    low: I32F32,
    high: I32F32,
    steepness: I32F32,
    half: I32F32,
    exp_one: u64,
}

impl Sigmoid {
    fn new(input: &EpochInput) -> Sigmoid {
        let low = div(
            I32F32::saturating_from_num(input.alpha_low),
            I32F32::saturating_from_num(u16::MAX),
        );
        let high = div(
            I32F32::saturating_from_num(input.alpha_high),
            I32F32::saturating_from_num(u16::MAX),
        );
        let steepness = I32F32::saturating_from_num(input.alpha_sigmoid_steepness)
            .saturating_div(I32F32::from_num(-100));
        Sigmoid {
            low,
            high,
            steepness,
            half: I32F32::from_num(0.5),
            exp_one: bits(exp_safe(ONE)),
        }
    }

    /// The clamped alpha for a combined diff in [0, 1].
    fn alpha(&self, diff: I32F32) -> I32F32 {
        self.alpha_from_exp(exp_fixed(self.z(diff).to_bits(), self.exp_one))
    }

    /// The exponent: -steepness / 100 * (diff - 1/2).
    fn z(&self, diff: I32F32) -> I32F32 {
        self.steepness
            .saturating_mul(diff.saturating_sub(self.half))
    }

    /// The clamped alpha from exp(z).
    fn alpha_from_exp(&self, exp: u64) -> I32F32 {
        // 1 / (1 + exp(z)): exp(z) >= 0, so the divisor is at least 1 and below 2^62 (z is
        // clamped to [-20, 20]); the quotient floor(2^64 / d) is at most 2^32.
        let d = ONE_BITS + exp;
        let sigmoid = fixed(recip_2_64(d));
        let alpha = self
            .low
            .saturating_add(sigmoid.saturating_mul(self.high.saturating_sub(self.low)));
        clamp(alpha, self.low, self.high)
    }
}

/// floor(2^64 / d) for 2^32 <= d < 2^63: a floating-point estimate (relative error below
/// 2^-50, so within one of the quotient, which is at most 2^32), corrected exactly.
#[inline(always)]
fn recip_2_64(d: u64) -> u64 {
    debug_assert!((ONE_BITS..1 << 63).contains(&d));
    let mut q = (18_446_744_073_709_551_616.0f64 / d as f64) as u64;
    let prod = u128::from(q) * u128::from(d);
    if prod > 1u128 << 64 {
        q -= 1;
    } else if prod + u128::from(d) <= 1u128 << 64 {
        q += 1;
    }
    q
}

/// `exp_safe` (the chain's `substrate_fixed::transcendental::exp` on I32F32 clamped to
/// [-20, 20]) on raw bits, step for step: exp(0) = 1 and exp(1) = the constant `exp_one`
/// (special cases of the library); otherwise for |x|, result = 1 + |x| + sum of terms
/// t_i = floor(floor(t_(i-1) * |x| / 2^32) / i), i = 2..31 (its `checked_mul` floors, and its
/// `checked_div` by the fixed-point integer i is floor(t / i) for t >= 0), then 1 / result for
/// x < 0 (`checked_div`: floor(2^64 / result)). Within [-20, 20] no step overflows (every term
/// is below e^20 * 2^32 < 2^61, every product below 2^95), so the library never fails there.
/// A term that reaches 0 stays 0: the loop stops there.
#[inline(always)]
fn exp_fixed(x: i64, exp_one: u64) -> u64 {
    const LIMIT: i64 = 20 << 32;
    let x = x.clamp(-LIMIT, LIMIT);
    if x == 0 {
        return ONE_BITS;
    }
    if x == 1 << 32 {
        return exp_one;
    }
    let op = x.unsigned_abs();
    let mut result = op + ONE_BITS;
    let mut term = op;
    macro_rules! step {
        ($($i:literal)*) => {$(
            term = ((u128::from(term) * u128::from(op)) >> 32) as u64 / $i;
            if term == 0 {
                return finish(result, x < 0);
            }
            result += term;
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    finish(result, x < 0)
}

/// [`exp_fixed`] of four inputs in lockstep: the same steps, the four chains interleaved (a
/// term that has reached 0 adds 0 from then on, so running every lane to the end is exact).
#[inline(always)]
fn exp_fixed4(x: [i64; 4], exp_one: u64) -> [u64; 4] {
    const LIMIT: i64 = 20 << 32;
    let x = x.map(|v| v.clamp(-LIMIT, LIMIT));
    let op = x.map(i64::unsigned_abs);
    let mut result = op.map(|o| o + ONE_BITS);
    let mut term = op;
    macro_rules! step {
        ($($i:literal)*) => {$(
            for k in 0..4 {
                term[k] = ((u128::from(term[k]) * u128::from(op[k])) >> 32) as u64 / $i;
                result[k] += term[k];
            }
            if term == [0; 4] {
                return finish4(x, result, exp_one);
            }
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    finish4(x, result, exp_one)
}

#[inline(always)]
fn finish4(x: [i64; 4], result: [u64; 4], exp_one: u64) -> [u64; 4] {
    let mut out = [0u64; 4];
    for k in 0..4 {
        out[k] = if x[k] == 0 {
            ONE_BITS
        } else if x[k] == 1 << 32 {
            exp_one
        } else {
            finish(result[k], x[k] < 0)
        };
    }
    out
}

#[inline(always)]
fn finish(result: u64, negative: bool) -> u64 {
    if negative {
        // floor(2^64 / result), result > 2^32.
        recip_2_64(result)
    } else {
        result
    }
}

/// floor(x * 2^32 / d) for 0 <= x <= d, 0 < d < 2^63: the I32F32 `safe_div` of a part by a
/// whole (the quotient is at most 2^32: no overflow). A floating-point estimate is within
/// 2^-19 of the quotient (three roundings of relative size 2^-53 on a value at most 2^32), so
/// its integer part is off by at most one; the exact remainder x * 2^32 - q * d (below 2^97 in
/// magnitude) corrects it.
#[inline(always)]
fn div_frac(x: u64, d: u64) -> u64 {
    debug_assert!(x <= d && d > 0 && d < 1 << 63);
    let q = (x as f64 / d as f64 * 4_294_967_296.0) as u64;
    let r = (i128::from(x) << 32) - i128::from(q) * i128::from(d);
    if r < 0 {
        q - 1
    } else if r >= i128::from(d) {
        q + 1
    } else {
        q
    }
}

/// `inplace_normalize`: each entry divided by the (wrapping) total, unless it is 0. With no
/// negative entry and a total below 2^63 the total is exact and [`div_frac`] applies.
#[inline(always)]
fn normalize(v: &mut [I32F32]) {
    let mut total = 0i128;
    let mut negative = false;
    for x in v.iter() {
        total += i128::from(x.to_bits());
        negative |= *x < ZERO;
    }
    if negative || total >= 1 << 63 {
        return inplace_normalize(v);
    }
    if total == 0 {
        return;
    }
    divide_all(v, total as u64);
}

/// Every entry x (0 <= x <= d, 0 < d < 2^63) replaced by floor(x * 2^32 / d), the value of
/// [`div_frac`]. When every entry is below 1 (2^32) and d > 1, by one reciprocal for the
/// whole vector ([`Recip`] is exact for x <= min(d, 2^32); [`apply_below_one`] is it for
/// x < 2^32 and d > 1, i.e. s >= 1), which vectorises; otherwise entry by entry.
#[inline(always)]
fn divide_all(v: &mut [I32F32], d: u64) {
    debug_assert!(d > 0 && d < 1 << 63);
    let high = v.iter().fold(0u64, |h, x| h | bits(*x));
    if high < ONE_BITS && d > 1 {
        let r = Recip::new(d);
        let (lo_hi, lo_lo, shift) = (r.lo >> 32, r.lo & LOW, r.s - 1);
        for x in v.iter_mut() {
            *x = fixed(apply_below_one(lo_hi, lo_lo, shift, bits(*x)));
        }
    } else {
        for x in v.iter_mut() {
            *x = fixed(div_frac(bits(*x), d));
        }
    }
}

/// `inplace_normalize_64` then `vec_fixed64_to_fixed32`: floor(floor(x * 2^64 / t) / 2^32) =
/// floor(x * 2^32 / t) for the non-negative I64F64 bits x and their total t. With t below
/// 2^126 a floating-point estimate (within 2^-19) is corrected by the remainder
/// x * 2^32 - q * t, computed modulo 2^128 (its true value lies in (-2t, 2t), which i128
/// holds). Otherwise the library's own steps.
#[inline(always)]
fn normalized_stake(filtered: &mut [I64F64], stake: &mut Vec<I32F32>) {
    stake.clear();
    let mut total = 0i128;
    let mut plain = true;
    for x in filtered.iter() {
        let b = x.to_bits();
        plain &= b >= 0;
        total = total.saturating_add(b);
    }
    if !plain || total >= 1 << 126 {
        inplace_normalize_64(filtered);
        stake.extend(filtered.iter().map(|x| I32F32::saturating_from_num(*x)));
        return;
    }
    if total == 0 {
        stake.extend(filtered.iter().map(|_| ZERO));
        return;
    }
    let t = total as u128;
    let tf = t as f64;
    stake.extend(filtered.iter().map(|x| {
        let x = x.to_bits() as u128;
        // A zero stake (most uids of a subnet) is 0 without the estimate (its q is 0, r = 0).
        if x == 0 {
            return ZERO;
        }
        let q = ((x as f64 / tf) * 4_294_967_296.0) as u64;
        let r = (x << 32).wrapping_sub(t.wrapping_mul(u128::from(q))) as i128;
        let q = if r < 0 {
            q - 1
        } else if r >= t as i128 {
            q + 1
        } else {
            q
        };
        fixed(q)
    }));
}

/// `is_topk_nonzero`: the non-zero entries among the k largest; among equal values the lower
/// uid is dropped first (the chain's stable sort), i.e. the order is by (value, uid), whose
/// keys are distinct, so selecting the n - k smallest gives the same set as sorting.
#[inline(always)]
fn top_k_nonzero(v: &[I32F32], k: usize, idx: &mut Vec<usize>, out: &mut Vec<bool>) {
    out.clear();
    out.extend(v.iter().map(|x| *x != ZERO));
    let n = v.len();
    if n <= k {
        return;
    }
    // At most k non-zero entries, none negative (the usual case: fewer staked uids than
    // validator slots): the n - k smallest are then all zeros, already false.
    let nonzero = v.iter().fold(0usize, |c, x| c + usize::from(*x != ZERO));
    if nonzero <= k && v.iter().all(|x| *x >= ZERO) {
        return;
    }
    idx.clear();
    idx.extend(0..n);
    idx.select_nth_unstable_by_key(n - k - 1, |&i| (v[i], i));
    for &i in idx.iter().take(n - k) {
        out[i] = false;
    }
}

/// `fixed_proportion_to_u16`: x.saturating_mul(65535) is x * 65535 in bits (no saturation below
/// 2^47), then the integer part, at most 65535 for x <= 1.
#[inline(always)]
fn to_u16(x: u64) -> u16 {
    if x <= ONE_BITS {
        ((x * 65_535) >> 32) as u16
    } else {
        proportion_to_u16(fixed(x))
    }
}

/// `x.to_num::<f64>()` without the library's 128-bit conversion where the bits fit in an f64's
/// mantissa (|bits| < 2^53, every value of this epoch): then `bits as f64` is exact, and so is
/// the product by 2^-32 (a power of two, the result normal), so both are x's exact value, which
/// is what the library returns for a representable value. Others take the library.
#[inline(always)]
fn to_f64(x: I32F32) -> f64 {
    let b = x.to_bits();
    if b.unsigned_abs() < 1 << 53 {
        b as f64 * (1.0 / 4_294_967_296.0)
    } else {
        x.to_num::<f64>()
    }
}

/// `mat_ema_sparse`: alpha * new + (1 - alpha) * old, positives kept (others 0).
///
/// For alpha in [0, 1] with entries in [0, 1] the products are [`mulf`] and the sum is at most
/// 2^33: nothing saturates. Any other alpha (a moving average above 10^6) takes the chain's
/// saturating operations entry by entry.
#[inline(always)]
fn ema(new: &[u64], old: &[u64], alpha: I32F32, out: &mut [u64]) {
    let one_minus = ONE.saturating_sub(alpha);
    let in_range = alpha >= ZERO && alpha <= ONE && new.iter().chain(old).all(|v| *v <= ONE_BITS);
    if in_range {
        let (a, m) = (bits(alpha), bits(one_minus));
        for ((o, n), b) in out.iter_mut().zip(new).zip(old) {
            *o = mulf(a, *n) + mulf(m, *b);
        }
    } else {
        for ((o, n), b) in out.iter_mut().zip(new).zip(old) {
            let v = ZERO
                .saturating_add(alpha.saturating_mul(fixed(*n)))
                .saturating_add(one_minus.saturating_mul(fixed(*b)));
            *o = if v > ZERO { bits(v) } else { 0 };
        }
    }
}

/// `inplace_col_normalize_sparse`: each entry divided by its column's total, where non-zero.
/// Totals of entries at most 2^48 over at most 2^11 rows (`MAX_CELLS`, rows <= n) stay far
/// below 2^63 (no saturation); each entry is at most its column's total, so [`Recip`] applies
/// to entries up to 1. Larger entries (original Yuma's integer bonds, or an EMA with alpha
/// outside [0, 1]) take the chain's operations.
#[inline(always)]
fn col_normalize(m: &mut [u64], n: usize, cols: &mut Cols) {
    if n == 0 {
        return;
    }
    if m.iter().any(|v| *v > 1 << 48) {
        // The chain's saturating totals, in row order, and its division.
        fill(&mut cols.fixed, n, ZERO);
        for row in m.chunks_exact(n) {
            for (t, v) in cols.fixed.iter_mut().zip(row) {
                *t = t.saturating_add(fixed(*v));
            }
        }
        for row in m.chunks_exact_mut(n) {
            for (v, t) in row.iter_mut().zip(cols.fixed.iter()) {
                if *t != ZERO {
                    *v = bits(div(fixed(*v), *t));
                }
            }
        }
        return;
    }
    fill(&mut cols.total, n, 0);
    for row in m.chunks_exact(n) {
        for (c, v) in cols.total.iter_mut().zip(row) {
            *c += v;
        }
    }
    divide_columns(m, n, cols);
}

/// Column totals of entries in [0, 1] (at most 2^11 rows: no overflow).
#[inline(always)]
fn col_totals(m: &[u64], n: usize, total: &mut Vec<u64>) {
    fill(total, n, 0);
    if n == 0 {
        return;
    }
    for row in m.chunks_exact(n) {
        for (c, v) in total.iter_mut().zip(row) {
            *c += v;
        }
    }
}

/// One reciprocal per non-zero column total (the default elsewhere: a zero total is only applied
/// to the zero entries of its column, and maps 0 to 0).
#[inline(always)]
fn make_recips(total: &[u64], recip: &mut Vec<Recip>) {
    recip.clear();
    recip.extend(total.iter().map(|c| {
        if *c == 0 {
            Recip::default()
        } else {
            Recip::new(*c)
        }
    }));
}

/// `cols.recip` into `cols.lo` and `cols.s`.
#[inline(always)]
fn split_recips(cols: &mut Cols) {
    cols.lo.clear();
    cols.lo.extend(cols.recip.iter().map(|r| r.lo));
    cols.s.clear();
    cols.s.extend(cols.recip.iter().map(|r| r.s));
}

/// Divides every entry by `cols.total` of its column where that is non-zero (entries at most
/// their column's total).
#[inline(always)]
fn divide_columns(m: &mut [u64], n: usize, cols: &mut Cols) {
    cols.recip.clear();
    cols.recip.extend(cols.total.iter().map(|c| {
        if *c == 0 {
            Recip::default()
        } else {
            Recip::new(*c)
        }
    }));
    for row in m.chunks_exact_mut(n) {
        for ((v, c), r) in row.iter_mut().zip(cols.total.iter()).zip(cols.recip.iter()) {
            if *c != 0 {
                *v = if *v <= ONE_BITS {
                    r.apply(*v)
                } else {
                    bits(div(fixed(*v), fixed(*c)))
                };
            }
        }
    }
}

/// The original Yuma's stored bonds (integers b * 2^32) column-normalised: the column total is
/// S * 2^32 with S the integer total (below 2^27: no saturation), and
/// floor(b * 2^32 * 2^32 / (S * 2^32)) = floor(b * 2^32 / S) with b <= S.
#[inline(always)]
fn col_normalize_integers(m: &mut [u64], n: usize, cols: &mut Cols) {
    if n == 0 {
        return;
    }
    fill(&mut cols.total, n, 0);
    for row in m.chunks_exact(n) {
        for (c, v) in cols.total.iter_mut().zip(row) {
            *c += v >> 32;
        }
    }
    cols.recip.clear();
    cols.recip.extend(cols.total.iter().map(|c| {
        if *c == 0 {
            Recip::default()
        } else {
            Recip::new(*c)
        }
    }));
    for row in m.chunks_exact_mut(n) {
        for ((v, c), r) in row.iter_mut().zip(cols.total.iter()).zip(cols.recip.iter()) {
            if *c != 0 {
                *v = r.apply(*v >> 32);
            }
        }
    }
}

/// `inplace_col_max_upscale_sparse`: each entry divided by its column's maximum.
#[inline(always)]
fn col_max_upscale(m: &mut [u64], n: usize, cols: &mut Cols) {
    if n == 0 {
        return;
    }
    fill(&mut cols.total, n, 0);
    for row in m.chunks_exact(n) {
        for (c, v) in cols.total.iter_mut().zip(row) {
            *c = (*c).max(*v);
        }
    }
    divide_columns(m, n, cols);
}

/// `compute_disabled_liquid_alpha`: 1 - moving average / 1e6 (via I64F64 `saturating_div`).
fn bond_alpha(bonds_moving_average: u64) -> I32F32 {
    let ma = I64F64::from_num(bonds_moving_average).saturating_div(I64F64::from_num(1_000_000));
    I32F32::from_num(1).saturating_sub(I32F32::saturating_from_num(ma))
}

/// `compute_ema_bonds_normal_sparse`'s alpha (via I64F64 `safe_div`).
fn bond_alpha_64(bonds_moving_average: u64) -> I32F32 {
    let ma = div64(
        I64F64::saturating_from_num(bonds_moving_average),
        I64F64::saturating_from_num(1_000_000),
    );
    I32F32::saturating_from_num(1).saturating_sub(I32F32::saturating_from_num(ma))
}

#[cfg(test)]
mod exp_tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn exp_fixed_is_the_librarys_exp() {
        let exp_one = bits(exp_safe(ONE));
        let check = |x: i64| {
            let want = exp_safe(I32F32::from_bits(x));
            assert_eq!(exp_fixed(x, exp_one) as i64, want.to_bits(), "x bits {x}");
        };
        for x in [
            0,
            1,
            -1,
            1 << 32,
            -(1 << 32),
            20 << 32,
            -(20 << 32),
            i64::MAX,
            i64::MIN,
        ] {
            check(x);
        }
        for k in -64..=64i64 {
            check(k << 29);
            check((k << 29) + 1);
            check((k << 29) - 1);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..300_000 {
            check(rng.gen_range(-(21i64 << 32)..(21i64 << 32)));
            check(rng.gen_range(-(1i64 << 33)..(1i64 << 33)));
        }
    }

    #[test]
    fn exp_fixed4_is_exp_fixed() {
        let exp_one = bits(exp_safe(ONE));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for _ in 0..100_000 {
            let mut x = [0i64; 4];
            for v in x.iter_mut() {
                *v = match rng.gen_range(0..6) {
                    0 => 0,
                    1 => 1 << 32,
                    2 => -(1 << 32),
                    3 => rng.gen_range(-(1i64 << 30)..(1i64 << 30)),
                    _ => rng.gen_range(-(21i64 << 32)..(21i64 << 32)),
                };
            }
            assert_eq!(
                exp_fixed4(x, exp_one),
                x.map(|v| exp_fixed(v, exp_one)),
                "{x:?}"
            );
        }
    }

    #[test]
    fn recip_2_64_is_exact() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        for _ in 0..300_000 {
            let d = rng.gen_range(ONE_BITS..1 << 62);
            assert_eq!(
                u128::from(recip_2_64(d)),
                (1u128 << 64) / u128::from(d),
                "{d}"
            );
        }
        for d in [ONE_BITS, ONE_BITS + 1, (1 << 62) - 1, 3 << 32, 1 << 40] {
            assert_eq!(
                u128::from(recip_2_64(d)),
                (1u128 << 64) / u128::from(d),
                "{d}"
            );
        }
    }
}

#[cfg(test)]
mod recip_tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn check(x: u64, d: u64) {
        let want = ((u128::from(x) << 32) / u128::from(d)) as u64;
        assert_eq!(Recip::new(d).apply(x), want, "x {x} d {d}");
        assert_eq!(Recip::new(d).apply_wide(x), want, "x {x} d {d}");
        if x < ONE_BITS && d > 1 {
            let r = Recip::new(d);
            let below = apply_below_one(r.lo >> 32, r.lo & LOW, r.s - 1, x);
            assert_eq!(below, want, "x {x} d {d}");
        }
    }

    #[test]
    fn split_product_is_the_wide_product() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let edges = [0, 1, 2, LOW - 1, LOW, ONE_BITS - 1, ONE_BITS];
        for a in edges {
            for b in edges {
                assert_eq!(mulf(a, b), mulf_wide(a, b), "a {a} b {b}");
                if a < ONE_BITS {
                    assert_eq!(mulf_lo(a, b), mulf_wide(a, b), "a {a} b {b}");
                }
            }
        }
        for _ in 0..1_000_000 {
            let a = rng.gen_range(0..=ONE_BITS);
            let b = if rng.gen_bool(0.1) {
                ONE_BITS
            } else {
                rng.gen_range(0..=ONE_BITS)
            };
            assert_eq!(mulf(a, b), mulf_wide(a, b), "a {a} b {b}");
            assert_eq!(mulf(b, a), mulf_wide(b, a), "a {b} b {a}");
            if a < ONE_BITS {
                assert_eq!(mulf_lo(a, b), mulf_wide(a, b), "a {a} b {b}");
            }
        }
    }

    /// A divisor below 2^63 of a random bit length (the domain of `div_frac`).
    fn random_divisor(rng: &mut impl Rng) -> u64 {
        let shift = rng.gen_range(1..63);
        rng.gen_range(1..(1u64 << 63) >> shift).max(1)
    }

    #[test]
    fn div_frac_is_safe_div() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for _ in 0..300_000 {
            let d = random_divisor(&mut rng);
            let x = match rng.gen_range(0..4) {
                0 => d,
                1 => 0,
                _ => rng.gen_range(0..=d),
            };
            assert_eq!(
                fixed(div_frac(x, d)),
                div(fixed(x), fixed(d)),
                "x {x} d {d}"
            );
        }
    }

    #[test]
    fn divide_all_is_div_frac() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..20_000 {
            let d = random_divisor(&mut rng);
            let top = if rng.gen_bool(0.5) {
                d.min(ONE_BITS - 1)
            } else {
                d
            };
            let v: Vec<u64> = (0..rng.gen_range(0..12))
                .map(|_| match rng.gen_range(0..4) {
                    0 => top,
                    1 => 0,
                    _ => rng.gen_range(0..=top),
                })
                .collect();
            let mut got: Vec<I32F32> = v.iter().map(|x| fixed(*x)).collect();
            divide_all(&mut got, d);
            let want: Vec<I32F32> = v.iter().map(|x| fixed(div_frac(*x, d))).collect();
            assert_eq!(got, want, "d {d} v {v:?}");
        }
    }

    #[test]
    fn normalized_stake_is_the_librarys() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..3_000 {
            let len = rng.gen_range(1..40);
            let scale = rng.gen_range(0..127);
            let mut v: Vec<I64F64> = (0..len)
                .map(|_| {
                    let b = if rng.gen_bool(0.2) {
                        0
                    } else {
                        rng.gen::<u128>() >> scale
                    };
                    I64F64::from_bits((b >> 7) as i128)
                })
                .collect();
            let mut want = v.clone();
            inplace_normalize_64(&mut want);
            let want: Vec<I32F32> = want
                .iter()
                .map(|x| I32F32::saturating_from_num(*x))
                .collect();
            let mut got = vec![];
            normalized_stake(&mut v, &mut got);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn top_k_is_the_librarys() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for _ in 0..3_000 {
            let len = rng.gen_range(0..60);
            let v: Vec<I32F32> = (0..len).map(|_| fixed(rng.gen_range(0..5))).collect();
            let k = rng.gen_range(0..70);
            let (mut i1, mut o1, mut i2, mut o2) = (vec![], vec![], vec![], vec![]);
            super::super::math::is_topk_nonzero(&v, k, &mut i1, &mut o1);
            top_k_nonzero(&v, k, &mut i2, &mut o2);
            assert_eq!(o1, o2);
        }
        // Mostly zeros (the shortcut at most k non-zero entries), with negative ones at times
        // (which the shortcut must not take).
        for _ in 0..3_000 {
            let len = rng.gen_range(0..60);
            let negative = rng.gen_bool(0.3);
            let v: Vec<I32F32> = (0..len)
                .map(|_| match rng.gen_range(0..10) {
                    0 if negative => I32F32::from_bits(-rng.gen_range(1..3)),
                    1 | 2 => fixed(rng.gen_range(1..4)),
                    _ => ZERO,
                })
                .collect();
            let k = rng.gen_range(0..20);
            let (mut i1, mut o1, mut i2, mut o2) = (vec![], vec![], vec![], vec![]);
            super::super::math::is_topk_nonzero(&v, k, &mut i1, &mut o1);
            top_k_nonzero(&v, k, &mut i2, &mut o2);
            assert_eq!(o1, o2, "k {k} v {v:?}");
        }
    }

    #[test]
    fn reciprocal_division_is_exact() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for d in 1..2_000u64 {
            for x in [0, 1, d / 3, d / 2, d.saturating_sub(1), d] {
                check(x.min(ONE_BITS), d);
            }
        }
        for _ in 0..200_000 {
            let shift = rng.gen_range(1..63);
            let d = rng.gen_range(1..u64::MAX >> shift);
            let x = rng.gen_range(0..=d.min(ONE_BITS));
            check(x, d);
            check(d.min(ONE_BITS), d);
        }
        for p in 0..63 {
            let d = 1u64 << p;
            check(d.min(ONE_BITS), d);
            check((d / 2).min(ONE_BITS), d);
        }
    }
}

#[cfg(test)]
mod kernel_tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// A value in [0, 2^63) (the bits of a non-negative `I32F32`), edges and random widths.
    fn value(rng: &mut impl Rng) -> u64 {
        match rng.gen_range(0..8) {
            0 => 0,
            1 => ONE_BITS,
            2 => ONE_BITS - 1,
            3 => (1 << 63) - 1,
            _ => rng.gen::<u64>() >> rng.gen_range(1..64),
        }
    }

    #[test]
    fn min63_is_min() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        let edges = [
            0,
            1,
            LOW,
            ONE_BITS - 1,
            ONE_BITS,
            ONE_BITS + 1,
            (1 << 63) - 1,
        ];
        for a in edges {
            for b in edges {
                assert_eq!(min63(a, b), a.min(b), "a {a} b {b}");
            }
        }
        for _ in 0..1_000_000 {
            let (a, b) = (value(&mut rng), value(&mut rng));
            assert_eq!(min63(a, b), a.min(b), "a {a} b {b}");
        }
    }

    /// Random `rows x n` matrices of values below 2^63, and a random subset of their rows.
    fn matrices(seed: u64, mut check: impl FnMut(&[u64], usize, &[usize])) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..3_000 {
            let n = rng.gen_range(0..40);
            let rows = rng.gen_range(0..6);
            let top = rng.gen_range(1..64);
            let m: Vec<u64> = (0..rows * n)
                .map(|_| match rng.gen_range(0..4) {
                    0 => 0,
                    1 => value(&mut rng),
                    _ => rng.gen::<u64>() >> top,
                })
                .collect();
            let pick: Vec<usize> = (0..rows).filter(|_| rng.gen_bool(0.7)).collect();
            check(&m, n, &pick);
        }
    }

    #[test]
    fn col_maxima_is_the_maximum() {
        matrices(22, |m, n, pick| {
            let mut got = vec![];
            col_maxima(m, n, pick.iter().copied(), &mut got);
            let want: Vec<u64> = (0..n)
                .map(|j| pick.iter().map(|r| m[r * n + j]).max().unwrap_or(0))
                .collect();
            assert_eq!(got, want, "n {n} rows {pick:?}");
        });
    }

    #[test]
    fn col_range_is_the_minimum_and_maximum() {
        matrices(23, |m, n, pick| {
            if pick.is_empty() {
                return;
            }
            let (mut lo, mut hi) = (vec![], vec![]);
            col_range(m, n, pick.iter().copied(), &mut lo, &mut hi);
            let col = |j: usize| pick.iter().map(move |r| m[r * n + j]);
            let want_lo: Vec<u64> = (0..n).map(|j| col(j).min().unwrap()).collect();
            let want_hi: Vec<u64> = (0..n).map(|j| col(j).max().unwrap()).collect();
            assert_eq!((lo, hi), (want_lo, want_hi), "n {n} rows {pick:?}");
        });
    }

    #[test]
    fn u32_cell_is_the_u64_one() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
        let edges = [0u32, 1, 2, 0x7fff_ffff, 0x8000_0000, u32::MAX - 1, u32::MAX];
        let check = |a: u32, b: u32, shift: u32| {
            let (wa, wb) = (u64::from(a), u64::from(b));
            assert_eq!(u64::from(a.min_value(b)), wa.min_value(wb), "a {a} b {b}");
            assert_eq!(u64::from(a | b), wa | wb, "a {a} b {b}");
            let sh = u64::from(shift);
            assert_eq!(u64::from(a & b), wa & wb, "a {a} b {b}");
            assert_eq!(u64::from(a >> shift), wa >> sh, "a {a} shift {shift}");
            assert_eq!(a.low_byte(), wa.low_byte(), "a {a}");
            assert_eq!(u64::from(u32::truncate(wa)), u64::truncate(wa) & LOW);
        };
        for a in edges {
            for b in edges {
                for shift in [0, 1, 27, 31] {
                    check(a, b, shift);
                }
            }
        }
        for _ in 0..1_000_000 {
            let (a, b) = (rng.gen::<u32>(), rng.gen::<u32>() >> rng.gen_range(0..32));
            check(a, b, rng.gen_range(0..32));
        }
    }

    /// Random raw weight rows (a row with one weight, or all zero, among them) and their
    /// totals, as the epoch builds them.
    fn raw_rows(rng: &mut impl Rng) -> (usize, Vec<u16>, Vec<u64>) {
        let n = rng.gen_range(0..40);
        let rows = rng.gen_range(0..6);
        let mut w16 = vec![0u16; rows * n];
        for r in 0..rows {
            let row = &mut w16[r * n..][..n];
            match rng.gen_range(0..5) {
                0 => {}
                1 if n > 0 => row[rng.gen_range(0..n)] = rng.gen_range(1..=u16::MAX),
                2 => row.iter_mut().for_each(|v| *v = rng.gen_range(0..3)),
                _ => row.iter_mut().for_each(|v| *v = rng.gen()),
            }
        }
        let wtotal = (0..rows)
            .map(|r| w16[r * n..][..n].iter().map(|v| u64::from(*v)).sum())
            .collect();
        (n, w16, wtotal)
    }

    #[test]
    fn normalize_rows_narrow_is_the_wide() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(30);
        for round in 0..20_000 {
            let (n, w16, wtotal) = raw_rows(&mut rng);
            let (mut wide, mut wide_one) = (vec![7u64; 3], vec![true]);
            assert!(normalize_rows(
                &w16,
                &wtotal,
                n,
                &mut wide,
                &mut wide_one,
                None
            ));
            // The reference: floor(w * 2^32 / total), 0 for a row without weight.
            for (r, &total) in wtotal.iter().enumerate() {
                for j in 0..n {
                    let w = u128::from(w16[r * n + j]);
                    let want = if total == 0 {
                        0
                    } else {
                        ((w << 32) / u128::from(total)) as u64
                    };
                    assert_eq!(wide[r * n + j], want, "round {round}");
                }
                assert_eq!(
                    wide_one[r],
                    wide[r * n..][..n].iter().any(|v| *v >> 32 != 0)
                );
            }
            let (mut narrow, mut narrow_one) = (vec![7u32; 5], vec![]);
            let fits = normalize_rows(&w16, &wtotal, n, &mut narrow, &mut narrow_one, None);
            assert_eq!(fits, !wide_one.contains(&true), "round {round}");
            if fits {
                let widened: Vec<u64> = narrow.iter().map(|v| u64::from(*v)).collect();
                assert_eq!((widened, narrow_one), (wide, wide_one), "round {round}");
            }
        }
    }

    #[test]
    fn col_range_narrow_is_the_wide() {
        matrices(31, |m, n, pick| {
            let narrow: Vec<u32> = m.iter().map(|v| *v as u32).collect();
            let widened: Vec<u64> = narrow.iter().map(|v| u64::from(*v)).collect();
            let (mut got, mut want) = ((vec![], vec![]), (vec![], vec![]));
            col_range(&narrow, n, pick.iter().copied(), &mut got.0, &mut got.1);
            col_range(&widened, n, pick.iter().copied(), &mut want.0, &mut want.1);
            assert_eq!(got, want, "n {n} rows {pick:?}");
        });
    }

    #[test]
    fn small_weighted_quantile_is_the_partition() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(33);
        for round in 0..200_000 {
            let len = rng.gen_range(1..=SMALL_QUANTILE + 2);
            // Few distinct values (ties), or any; stakes normalised-sized and positive.
            let spread = if rng.gen_bool(0.5) { 4 } else { 1 << 32 };
            let a: Vec<(u64, u64)> = (0..len)
                .map(|_| (rng.gen_range(0..spread), rng.gen_range(1..1 << 26)))
                .collect();
            let total: u64 = a.iter().map(|p| p.1).sum();
            let below = rng.gen_range(0..1u64 << 31);
            // below <= minority < below + total.
            let minority = below + rng.gen_range(0..total);
            let (mut x, mut y) = (a.clone(), vec![(0, 0); len]);
            let want = weighted_quantile(&mut x, &mut y, below, minority);
            let got = small_weighted_quantile(&a, below, minority);
            assert_eq!(
                got, want,
                "round {round} {a:?} below {below} minority {minority}"
            );
        }
    }

    #[test]
    fn scan_buckets_is_the_scalar_scan() {
        // Against the scan it replaced: per column, buckets summed until one takes the sum
        // above m (an early exit), 31 and the whole sum when none does.
        let avx2 = Avx2::detect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(41);
        for round in 0..100_000 {
            let mut h = [0u64; 256];
            // Sparse or dense buckets, small or normalised-sized stakes, and columns all zero.
            let density = rng.gen_range(0.0..1.0);
            let scale = if rng.gen_bool(0.3) { 1 << 4 } else { 1 << 32 };
            for x in h.iter_mut() {
                if rng.gen_bool(density) {
                    *x = rng.gen_range(0..scale);
                }
            }
            let column =
                |h: &[u64; 256], t: usize| -> Vec<u64> { (0..32).map(|b| h[b * 8 + t]).collect() };
            let total: u64 = column(&h, 0).iter().sum();
            // m below, at and above the sums (none found), 0, and exact prefix sums (ties).
            let m = match rng.gen_range(0..5) {
                0 => 0,
                1 => rng.gen_range(0..=total + 2),
                2 => column(&h, rng.gen_range(0..8))[..rng.gen_range(0..=32)]
                    .iter()
                    .sum(),
                3 => total + rng.gen_range(0..3),
                _ => rng.gen_range(0..1 << 40),
            };
            let want: Vec<(usize, u64)> = (0..8)
                .map(|t| {
                    let (mut below, mut bucket) = (0u64, 31);
                    for (b, x) in column(&h, t).into_iter().enumerate() {
                        if m < below + x {
                            bucket = b;
                            break;
                        }
                        below += x;
                    }
                    (bucket, below)
                })
                .collect();
            // The AVX2 kernel (`Avx2::scan_buckets`) on a copy, where there is one.
            let mut copy = h;
            let (bucket, below) = scan_buckets(&mut h, m);
            let got: Vec<(usize, u64)> = bucket.into_iter().zip(below).collect();
            assert_eq!(got, want, "round {round} m {m}");
            assert!(h.iter().all(|x| *x == 0));
            if let Some(avx2) = avx2 {
                let (bucket, below) = avx2.scan_buckets(&mut copy, m);
                let got: Vec<(usize, u64)> = bucket.into_iter().zip(below).collect();
                assert_eq!(got, want, "AVX2, round {round} m {m}");
                assert!(copy.iter().all(|x| *x == 0), "AVX2, round {round}");
            }
        }
    }

    #[test]
    fn compact_row_is_the_filter_over_any_old_row() {
        // The row is only resized, not cleared: whatever it held (longer, shorter, junk), the
        // result is the present entries as (uid, value) in uid order.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(43);
        let mut row: Vec<(u16, u16)> = vec![];
        for round in 0..20_000 {
            let n = rng.gen_range(0..70);
            let absent = rng.gen_range(0.0..1.0);
            let present: Vec<u64> = (0..n)
                .map(|_| u64::from(!rng.gen_bool(absent)) * rng.gen_range(1..1 << 33))
                .collect();
            let value: Vec<u64> = (0..n).map(|_| rng.gen_range(0..=ONE_BITS)).collect();
            let old = rng.gen_range(0..90);
            row.resize(old, (7, 7));
            compact_row(&mut row, &present, &value, to_u16);
            let want: Vec<(u16, u16)> = (0..n)
                .filter(|j| present[*j] > 0)
                .map(|j| (j as u16, to_u16(value[j])))
                .collect();
            assert_eq!(row, want, "round {round}");
        }
    }

    #[test]
    fn compact_fractions_is_compact_row() {
        // The AVX2 kernel against the plain form it replaces (and the filter it computes), on
        // rows of every length up to 80 (blocks and tails), each block's 256 presence masks,
        // values at 0, 1, 2^32 - 1 and 2^32, stale rows of any length, and both the Yuma3 form
        // (presence from the values themselves, one slice) and the original Yuma's (a separate
        // presence row, with values above 2^32 there).
        let Some(avx2) = Avx2::detect() else {
            return;
        };
        let plain = |x: u64| ((x * 65_535) >> 32) as u16;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(47);
        let (mut got, mut want) = (vec![], vec![]);
        let mut check = |rng: &mut rand_chacha::ChaCha8Rng, present: &[u64], value: &[u64]| {
            let old = rng.gen_range(0..90);
            got.clear();
            got.resize(old, (7, 7));
            want.clear();
            want.resize(rng.gen_range(0..90), (9, 9));
            avx2.compact_fractions(&mut got, present, value);
            compact_row(&mut want, present, value, plain);
            assert_eq!(got, want, "present {present:?} value {value:?} old {old}");
            let filter: Vec<(u16, u16)> = (0..value.len())
                .filter(|j| present[*j] > 0)
                .map(|j| (j as u16, to_u16(value[j])))
                .collect();
            assert_eq!(got, filter);
        };
        let value_of = |rng: &mut rand_chacha::ChaCha8Rng| match rng.gen_range(0..6) {
            0 => 1,
            1 => ONE_BITS,
            2 => ONE_BITS - 1,
            3 => rng.gen_range(1..1 << 16),
            _ => rng.gen_range(1..=ONE_BITS),
        };
        for mask in 0..1usize << 16 {
            // Two blocks of eight plus a tail of up to seven, absent where the mask says.
            let n = 16 + mask % 8;
            let value: Vec<u64> = (0..n)
                .map(|j| {
                    let v = value_of(&mut rng);
                    if j < 16 && mask >> j & 1 != 0 || j >= 16 && rng.gen_bool(0.5) {
                        0
                    } else {
                        v
                    }
                })
                .collect();
            check(&mut rng, &value, &value);
            let present: Vec<u64> = value.iter().map(|v| v * 2).collect();
            let value: Vec<u64> = (0..n).map(|_| value_of(&mut rng)).collect();
            check(&mut rng, &present, &value);
        }
        for _ in 0..50_000 {
            let n = rng.gen_range(0..80);
            let absent = rng.gen_range(0.0..1.0);
            let value: Vec<u64> = (0..n)
                .map(|_| u64::from(!rng.gen_bool(absent)) * value_of(&mut rng))
                .collect();
            check(&mut rng, &value, &value);
            let present: Vec<u64> = (0..n)
                .map(|_| u64::from(!rng.gen_bool(absent)) * rng.gen_range(1..1 << 33))
                .collect();
            let value: Vec<u64> = (0..n).map(|_| rng.gen_range(0..=ONE_BITS)).collect();
            check(&mut rng, &present, &value);
        }
    }

    #[test]
    fn dividend_blocks_is_the_plain_sum() {
        // The AVX2 dividends kernel against the plain loop it replaces: column totals from 2
        // to 2^32 - 1 (s from 1 to 32: powers of two, their neighbours, random widths) and zero
        // columns, entries from 0 to their column's total (at the total the quotient is 2^32
        // and the kernel must decline), incentives from 0 to 2^32 - 1.
        let Some(avx2) = Avx2::detect() else {
            return;
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(48);
        let (mut declined, mut taken) = (0, 0);
        for round in 0..20_000 {
            let n = 8 * rng.gen_range(0..12);
            let full = rng.gen_bool(0.1);
            let total: Vec<u64> = (0..n)
                .map(|_| match rng.gen_range(0..6) {
                    0 => 0,
                    1 => 1 << rng.gen_range(1..32),
                    2 => (1 << rng.gen_range(1..32)) + rng.gen_range(0..2) * 2 - 1,
                    3 => LOW,
                    _ => rng.gen_range(2..=LOW) >> rng.gen_range(0..31),
                })
                .map(|t: u64| if t == 1 { 2 } else { t })
                .collect();
            let e: Vec<u64> = total
                .iter()
                .map(|&t| match rng.gen_range(0..8) {
                    _ if t == 0 => 0,
                    0 => 0,
                    1 if full || rng.gen_bool(0.02) => t,
                    2 => t - 1,
                    _ => rng.gen_range(0..t),
                })
                .collect();
            let inc: Vec<u64> = (0..n)
                .map(|_| match rng.gen_range(0..5) {
                    0 => 0,
                    1 => LOW,
                    _ => rng.gen_range(0..=LOW),
                })
                .collect();
            let recip: Vec<Recip> = total
                .iter()
                .map(|&t| {
                    if t == 0 {
                        Recip::default()
                    } else {
                        Recip::new(t)
                    }
                })
                .collect();
            let lo_hi: Vec<u64> = recip.iter().map(|r| r.lo >> 32).collect();
            let lo_lo: Vec<u64> = recip.iter().map(|r| r.lo & LOW).collect();
            let shift: Vec<u64> = recip.iter().map(|r| r.s.max(1) - 1).collect();
            let up: Vec<u64> = recip.iter().map(|r| 32 - r.s.max(1)).collect();
            let down: Vec<u64> = recip.iter().map(|r| r.s.max(1)).collect();
            assert!(recip.iter().all(|r| r.s <= 32));
            let v: Vec<u64> = (0..n)
                .map(|j| apply_below_one(lo_hi[j], lo_lo[j], shift[j], e[j]))
                .collect();
            let want: u64 = (0..n).map(|j| mulf_lo(inc[j], v[j])).sum();
            let got = avx2.dividend_blocks(&e, (&lo_hi, &lo_lo), (&up, &down), &inc);
            if v.contains(&ONE_BITS) {
                assert_eq!(got, None, "round {round}");
                declined += 1;
            } else {
                assert_eq!(got, Some(want), "round {round}");
                taken += 1;
            }
        }
        assert!(declined > 1000 && taken > 1000, "{declined} {taken}");
    }

    #[test]
    fn normalize_row_is_the_exact_quotient() {
        // The AVX2 row normalisation against floor(x * 2^32 / d) for every u16 numerator and
        // divisors from 2^17 to 2^31 - 1 (edges, powers of two and their neighbours, random),
        // in a row of 65536 + 5 entries (the kernel's blocks and a tail); then `normalize_rows`
        // with and without it on random rows (totals below and above 2^17).
        let Some(avx2) = Avx2::detect() else {
            return;
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(49);
        let raw: Vec<u16> = (0..=u16::MAX).chain([0, 1, 2, 65_534, 65_535]).collect();
        let mut row = vec![0u32; raw.len()];
        let mut divisors = vec![1 << 17, (1 << 17) + 1, (1 << 31) - 1, (1 << 31) - 2];
        for b in 17..31 {
            divisors.extend([(1 << b) - 1, 1 << b, (1 << b) + 1]);
        }
        divisors.extend((0..100).map(|_| rng.gen_range(1 << 17..1 << 31)));
        for d in divisors
            .into_iter()
            .filter(|d| (1 << 17..1 << 31).contains(d))
        {
            avx2.normalize_row(&raw, &mut row, d);
            for (x, q) in raw.iter().zip(&row) {
                let want = (u128::from(*x) << 32) / u128::from(d);
                assert_eq!(u128::from(*q), want, "x {x} d {d}");
            }
        }
        for _ in 0..2_000 {
            let n = rng.gen_range(1..90);
            let rows = rng.gen_range(1..5);
            let top = [2, 256, 65_536][rng.gen_range(0..3)];
            let w16: Vec<u16> = (0..rows * n)
                .map(|_| {
                    if rng.gen_bool(0.2) {
                        0
                    } else {
                        rng.gen_range(0..top) as u16
                    }
                })
                .collect();
            let wtotal: Vec<u64> = (0..rows)
                .map(|r| w16[r * n..][..n].iter().map(|x| u64::from(*x)).sum())
                .collect();
            let (mut plain, mut plain_one) = (vec![], vec![]);
            let (mut fast, mut fast_one) = (vec![], vec![]);
            let a = normalize_rows::<u32>(&w16, &wtotal, n, &mut plain, &mut plain_one, None);
            let b = normalize_rows::<u32>(&w16, &wtotal, n, &mut fast, &mut fast_one, Some(avx2));
            assert_eq!(a, b);
            if a {
                assert_eq!((plain, plain_one), (fast, fast_one));
            }
        }
    }

    #[test]
    fn fused_ema_is_below_one_with_weights_below_one() {
        // `yuma3_fused`'s bound: 0 < a < 1, weight < 1, bond <= 1 give an EMA below 1.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(34);
        let pick = |rng: &mut rand_chacha::ChaCha8Rng, top: u64| match rng.gen_range(0..4) {
            0 => top,
            1 => top - 1,
            2 => 1,
            _ => rng.gen_range(0..=top),
        };
        for _ in 0..1_000_000 {
            let a = pick(&mut rng, ONE_BITS - 1).max(1);
            let weight = pick(&mut rng, ONE_BITS - 1);
            let bond = bond_fraction(rng.gen_range(0..=u16::MAX).max(pick(&mut rng, 1) as u16));
            let v = mulf_wide(a, weight) + mulf_wide(ONE_BITS - a, bond);
            assert!(v < ONE_BITS, "a {a} weight {weight} bond {bond}");
        }
        let a = ONE_BITS - 1;
        assert!(mulf_wide(a, ONE_BITS - 1) + mulf_wide(1, ONE_BITS) < ONE_BITS);
    }

    #[test]
    fn dense_row_sum_is_the_wide_sum() {
        // The plain form, and the one with the AVX2 kernel (`Avx2::count_and_sum`).
        dense_row_sum_is_the_wide_sum_with(None);
        if let Some(avx2) = Avx2::detect() {
            dense_row_sum_is_the_wide_sum_with(Some(avx2));
        }
    }

    fn dense_row_sum_is_the_wide_sum_with(avx2: Option<Avx2>) {
        let dense_row_sum = |dst: &[u16], len: usize| dense_row_sum(dst, len, avx2);
        let wide = |dst: &[u16], len: usize| {
            let count = dst.iter().filter(|v| **v != 0).count();
            let sum: u64 = dst.iter().map(|v| u64::from(*v)).sum();
            (count == len).then_some(sum)
        };
        // The largest row: 65535 entries of 65535 (the sum is 2^32 - 2^17 + 1).
        let full = vec![u16::MAX; u16::MAX as usize];
        assert_eq!(dense_row_sum(&full, full.len()), wide(&full, full.len()));
        // 2^16 entries (n's bound): the sum is still below 2^32, the count 2^16.
        let full16 = vec![u16::MAX; 1 << 16];
        assert_eq!(dense_row_sum(&full16, 1 << 16), Some(65_535 << 16));
        assert_eq!(dense_row_sum(&full, full.len()), Some(65_535 * 65_535));
        assert_eq!(dense_row_sum(&full, full.len() - 1), None);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(24);
        for _ in 0..3_000 {
            let n = if rng.gen_bool(0.05) {
                rng.gen_range(0..=u16::MAX as usize)
            } else {
                rng.gen_range(0..300)
            };
            let dst: Vec<u16> = (0..n)
                .map(|_| match rng.gen_range(0..4) {
                    0 => 0,
                    1 => u16::MAX,
                    _ => rng.gen(),
                })
                .collect();
            let nonzero = dst.iter().filter(|v| **v != 0).count();
            for len in [nonzero, nonzero.wrapping_sub(1), nonzero + 1] {
                assert_eq!(dense_row_sum(&dst, len), wide(&dst, len), "n {n} len {len}");
            }
        }
    }

    /// The fused Yuma3 pass's bond reading for a row without a bond of 65535: 65537 * b is
    /// `bond_fraction`, below 2^32 (`mulf_32`'s domain), for every other u16.
    #[test]
    fn bond_fraction_below_one_is_65537_b() {
        for bv in 0..u16::MAX {
            let k = 65_537u64 & LOW;
            assert_eq!(u64::from(bv) * k, bond_fraction(bv), "b {bv}");
            assert!(u64::from(bv) * k < ONE_BITS);
        }
        assert_eq!(bond_fraction(u16::MAX), ONE_BITS);
    }

    /// `scatter_sorted` against its definition, entry by entry: rows of runs and gaps (the
    /// block path and the one-by-one path, with blocks starting anywhere), repeated, decreasing
    /// and out-of-range uids, into destinations of various lengths.
    #[test]
    fn scatter_sorted_is_the_checked_loop() {
        // The AVX2 kernel (`Avx2::scatter_sorted`) is checked alongside, where there is one.
        let avx2 = Avx2::detect();
        let reference = |dst: &mut [u16], row: &[(u16, u16)]| {
            let mut next = 0usize;
            for &(j, v) in row {
                let j = j as usize;
                if j < next || j >= dst.len() {
                    return false;
                }
                dst[j] = v;
                next = j + 1;
            }
            true
        };
        // Every lane of a block of consecutive uids moved by a little or a lot (repeats,
        // decreases, gaps, out of range), after prefixes of 0..9 entries.
        for prefix in 0..9u16 {
            for lane in 0..8u16 {
                for delta in [-3i32, -2, -1, 1, 2, 3, 500, 1 << 15, 70_000] {
                    let len = prefix + 8 + 3;
                    let mut row: Vec<(u16, u16)> = (0..len).map(|j| (j, 1000 + j)).collect();
                    let at = usize::from(prefix + lane);
                    row[at].0 = (i32::from(row[at].0) + delta).clamp(0, 65_535) as u16;
                    for n in [usize::from(len) - 1, usize::from(len), usize::from(len) + 4] {
                        let (mut got, mut want) = (vec![7u16; n], vec![7u16; n]);
                        let ok = scatter_sorted(&mut got, &row, |v| v);
                        assert_eq!(ok, reference(&mut want, &row), "n {n} row {row:?}");
                        assert_eq!(got, want, "n {n} row {row:?}");
                        if let Some(avx2) = avx2 {
                            let mut fast = vec![7u16; n];
                            assert_eq!(avx2.scatter_sorted(&mut fast, &row), ok);
                            assert_eq!(fast, want, "AVX2, n {n} row {row:?}");
                        }
                    }
                }
            }
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(25);
        for _ in 0..20_000 {
            let n = rng.gen_range(0..80);
            let mut row = vec![];
            let mut j = rng.gen_range(0..3u16);
            let len = rng.gen_range(0..60);
            while row.len() < len {
                row.push((j, rng.gen()));
                j += match rng.gen_range(0..10) {
                    0 => rng.gen_range(2..6),
                    _ => 1,
                };
            }
            if !row.is_empty() && rng.gen_bool(0.3) {
                // A repeated, decreasing or far-out uid somewhere.
                let at = rng.gen_range(0..row.len());
                row[at].0 = match rng.gen_range(0..3) {
                    0 if at > 0 => row[at - 1].0,
                    1 => row[at].0.saturating_sub(rng.gen_range(1..4)),
                    _ => rng.gen(),
                };
            }
            let fill: u16 = rng.gen();
            let (mut got, mut want) = (vec![fill; n], vec![fill; n]);
            let ok = scatter_sorted(&mut got, &row, |v| v);
            assert_eq!(ok, reference(&mut want, &row), "n {n} row {row:?}");
            assert_eq!(got, want, "n {n} row {row:?}");
            if let Some(avx2) = avx2 {
                let mut fast = vec![fill; n];
                assert_eq!(avx2.scatter_sorted(&mut fast, &row), ok);
                assert_eq!(fast, want, "AVX2, n {n} row {row:?}");
            }
            // The u64 instance (the original Yuma's bonds) writes the same entries.
            let mut wide = vec![u64::from(fill); n];
            assert_eq!(scatter_sorted(&mut wide, &row, |v| u64::from(v) << 32), ok);
            let widened: Vec<u64> = want
                .iter()
                .zip(&wide)
                .map(|(w, x)| {
                    if *x == u64::from(fill) {
                        *x
                    } else {
                        u64::from(*w) << 32
                    }
                })
                .collect();
            assert_eq!(wide, widened, "n {n} row {row:?}");
        }
    }

    #[test]
    fn recip16_is_the_exact_quotient() {
        let exact = |x: u16, d: u64| ((u128::from(x) << 32) / u128::from(d)) as u64;
        let mut divisors: Vec<u64> = (2..600).collect();
        for p in 1..64 {
            let d = 1u64 << p;
            divisors.extend([d - 1, d, d + 1, d.wrapping_mul(3) / 2]);
        }
        divisors.extend([65_535, 65_536, 65_537, (1 << 31) - 1, u64::MAX]);
        divisors.retain(|d| *d >= 2);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(26);
        // Every x for these divisors; random ones of every bit length with edge and random x.
        for &d in &divisors {
            let r = Recip16::new(d);
            for x in 0..=u16::MAX {
                assert_eq!(r.apply(x), exact(x, d), "x {x} d {d}");
            }
        }
        for _ in 0..200_000 {
            let d = (rng.gen::<u64>() >> rng.gen_range(0..63)).max(2);
            let r = Recip16::new(d);
            for x in [0, 1, u16::MAX, u16::MAX - 1, rng.gen(), rng.gen()] {
                assert_eq!(r.apply(x), exact(x, d), "x {x} d {d}");
            }
        }
    }

    /// `liquid_pass` (signed compares, no `min(1)` on the EMA at alpha(0), 65537 * b in the
    /// below-one instance) against the unsigned per-entry form it replaced, in both instances,
    /// on rows of edge and random values.
    #[test]
    fn liquid_pass_is_the_unsigned_form() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(27);
        let frac_value = |rng: &mut rand_chacha::ChaCha8Rng, below: bool| -> u64 {
            let top = if below { ONE_BITS - 1 } else { ONE_BITS };
            match rng.gen_range(0..6) {
                0 => 0,
                1 => top,
                2 => 1,
                _ => rng.gen_range(0..=top),
            }
        };
        for round in 0..4_000 {
            let below = round % 2 == 0;
            let n = rng.gen_range(0..40);
            let w: Vec<u64> = (0..n).map(|_| frac_value(&mut rng, below)).collect();
            let cons: Vec<u64> = (0..n)
                .map(|j| match rng.gen_range(0..4) {
                    0 => w[j],
                    _ => frac_value(&mut rng, below),
                })
                .collect();
            let top_bond = if below { u16::MAX - 1 } else { u16::MAX };
            let b: Vec<u16> = (0..n)
                .map(|j| match rng.gen_range(0..5) {
                    0 => 0,
                    1 => top_bond,
                    // A bond equal to the weight (diff 0 on that side).
                    2 if w[j] % 65_537 == 0 && w[j] / 65_537 <= u64::from(top_bond) => {
                        (w[j] / 65_537) as u16
                    }
                    _ => rng.gen_range(0..=top_bond),
                })
                .collect();
            let st = frac_value(&mut rng, below);
            let a0 = frac_value(&mut rng, below);
            let a0 = if below { a0.max(1) } else { a0 };
            let clip = rng.gen_bool(0.5);
            let start: Vec<u64> = (0..n).map(|_| rng.gen_range(0..1 << 40)).collect();
            // The reference: the pass as it was (unsigned compares, `min(1)`, `bond_fraction`).
            let mul = |x: u64, y: u64| mulf(x, y);
            let (mut e1, mut acc1, mut tot1, mut d1) =
                (vec![9; n], start.clone(), start.clone(), vec![9; n]);
            let (mut trust1, mut queued1) = (0u64, 0u64);
            for j in 0..n {
                let c = w[j].min(cons[j]);
                trust1 += c;
                acc1[j] += mul(st, c);
                let bond = bond_fraction(b[j]);
                let weight = if clip { c } else { w[j] };
                let diff = if weight >= bond {
                    weight.saturating_sub(cons[j])
                } else {
                    bond - weight
                };
                let at_zero = (mul(ONE_BITS - a0, bond) + mul(a0, weight)).min(ONE_BITS);
                let present = weight != 0;
                let v = if present && diff == 0 { at_zero } else { 0 };
                e1[j] = v;
                tot1[j] += v;
                let d = if present { diff } else { 0 };
                d1[j] = d;
                queued1 |= d;
            }
            let (mut e2, mut acc2, mut tot2, mut d2) =
                (vec![9; n], start.clone(), start.clone(), vec![9; n]);
            let ins = (&w[..], &cons[..], &b[..]);
            let outs = (&mut e2[..], &mut acc2[..], &mut tot2[..], &mut d2[..]);
            let (trust2, queued2) = if below {
                let k = 65_537 & LOW;
                let frac = |bv: u16| u64::from(bv) * k;
                liquid_pass(ins, outs, (st, a0, ONE_BITS - a0, clip), mulf_32, frac)
            } else {
                liquid_pass(
                    ins,
                    outs,
                    (st, a0, ONE_BITS - a0, clip),
                    mulf,
                    bond_fraction,
                )
            };
            assert_eq!(
                (trust2, queued2 != 0),
                (trust1, queued1 != 0),
                "round {round}"
            );
            assert_eq!(queued2, queued1, "round {round}");
            assert_eq!(
                (&e2, &acc2, &tot2, &d2),
                (&e1, &acc1, &tot1, &d1),
                "round {round}"
            );
            if below {
                // The u32 instance (W and the consensus below 1 in u32 lanes).
                let w32: Vec<u32> = w.iter().map(|v| *v as u32).collect();
                let cons32: Vec<u32> = cons.iter().map(|v| *v as u32).collect();
                let (mut e3, mut acc3, mut tot3, mut d3) =
                    (vec![9; n], start.clone(), start.clone(), vec![9; n]);
                let ins = (&w32[..], &cons32[..], &b[..]);
                let outs = (&mut e3[..], &mut acc3[..], &mut tot3[..], &mut d3[..]);
                let k = 65_537 & LOW;
                let frac = |bv: u16| u64::from(bv) * k;
                let (trust3, queued3) =
                    liquid_pass(ins, outs, (st, a0, ONE_BITS - a0, clip), mulf_32, frac);
                assert_eq!((trust3, queued3), (trust1, queued1), "round {round}");
                assert_eq!(
                    (&e3, &acc3, &tot3, &d3),
                    (&e1, &acc1, &tot1, &d1),
                    "round {round}"
                );
            }
        }
    }

    #[test]
    fn to_f64_is_the_librarys() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(28);
        let check = |b: i64| {
            let x = I32F32::from_bits(b);
            let (got, want) = (to_f64(x), x.to_num::<f64>());
            assert_eq!(got.to_bits(), want.to_bits(), "bits {b}");
        };
        for b in [
            0,
            1,
            -1,
            1 << 32,
            (1 << 32) - 1,
            (1 << 53) - 1,
            1 << 53,
            -(1 << 53),
        ] {
            check(b);
            check(b.wrapping_add(1));
        }
        check(i64::MAX);
        check(i64::MIN);
        for _ in 0..1_000_000 {
            let b = rng.gen::<i64>() >> rng.gen_range(0..64);
            check(b);
        }
    }

    /// Random u32 W (`rows x n`) whose columns are narrow (an honest network's) or spread, with
    /// zeros and the extremes among them, and a random choice of voter rows (at least one).
    fn narrow_matrix(rng: &mut impl Rng) -> (Vec<u32>, usize, Vec<u32>) {
        let n = match rng.gen_range(0..4) {
            0 => 32 * rng.gen_range(0..4),
            _ => rng.gen_range(0..100),
        };
        let rows = rng.gen_range(1..70);
        let cols: Vec<(u32, u32)> = (0..n)
            .map(|_| {
                let lo = rng.gen::<u32>() >> rng.gen_range(0..32);
                let width = rng.gen::<u32>() >> rng.gen_range(0..33).min(31);
                (lo, lo.saturating_add(width))
            })
            .collect();
        let m: Vec<u32> = (0..rows * n)
            .map(|k| {
                let (lo, hi) = cols[k % n.max(1)];
                match rng.gen_range(0..20) {
                    0 => 0,
                    1 => u32::MAX,
                    2 => lo,
                    3 => hi,
                    _ => rng.gen_range(lo..=hi),
                }
            })
            .collect();
        let mut pick: Vec<u32> = (0..rows as u32).filter(|_| rng.gen_bool(0.7)).collect();
        if pick.is_empty() {
            pick.push(rng.gen_range(0..rows as u32));
        }
        // Any order and repeats: the kernels take the rows as given.
        if rng.gen_bool(0.3) {
            pick.reverse();
            pick.push(pick[0]);
        }
        (m, n, pick)
    }

    #[test]
    fn col_range_kernel_is_col_range() {
        let Some(avx2) = Avx2::detect() else { return };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
        for _ in 0..20_000 {
            let (m, n, pick) = narrow_matrix(&mut rng);
            let (mut lo, mut hi) = (vec![], vec![]);
            col_range(&m, n, pick.iter().map(|r| *r as usize), &mut lo, &mut hi);
            // Stale contents of any length, which the kernel must replace.
            let stale = rng.gen_range(0..2 * n + 2);
            let (mut got_lo, mut got_hi) = (vec![7; stale], vec![9; stale / 2]);
            avx2.col_range(&m, n, &pick, &mut got_lo, &mut got_hi);
            assert_eq!((got_lo, got_hi), (lo, hi), "n {n} rows {pick:?}");
        }
    }

    #[test]
    fn bucket_keys_is_the_plain_loop() {
        let Some(avx2) = Avx2::detect() else { return };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(32);
        for _ in 0..20_000 {
            let (m, n, pick) = narrow_matrix(&mut rng);
            let (mut lo, mut hi) = (vec![], vec![]);
            col_range(&m, n, pick.iter().map(|r| *r as usize), &mut lo, &mut hi);
            let shift: Vec<u32> = lo
                .iter()
                .zip(&hi)
                .map(|(l, h)| bucket_shift(*l, *h))
                .collect();
            let base: Vec<u8> = lo.iter().zip(&shift).map(|(l, s)| (l >> s) as u8).collect();
            let base32: Vec<u32> = lo
                .iter()
                .zip(&shift)
                .map(|(l, s)| (l >> s) as u32)
                .collect();
            // The plain loop of `column_quantiles`.
            let mut want = vec![0u8; pick.len() * n];
            for (k, &r) in pick.iter().enumerate() {
                for j in 0..n {
                    let v = m[r as usize * n + j] >> shift[j];
                    assert!(u64::from(v) - (lo[j] >> shift[j]) < 256);
                    want[k * n + j] = v.low_byte().wrapping_sub(base[j]) & 0xf8 | (j % 8) as u8;
                }
            }
            let mut got = vec![0xa5u8; pick.len() * n];
            avx2.bucket_keys(&m, n, &pick, (&shift, &base32), &mut got);
            assert_eq!(got, want, "n {n} rows {pick:?}");
        }
    }

    #[test]
    fn equal_bytes_is_the_byte_compare() {
        let Some(avx2) = Avx2::detect() else { return };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(33);
        for _ in 0..200_000 {
            let a: [u8; 32] = std::array::from_fn(|_| rng.gen_range(0..4) * 0x41);
            let b: [u8; 32] = std::array::from_fn(|t| match rng.gen_range(0..3) {
                0 => a[t],
                1 => a[t] ^ (1 << rng.gen_range(0..8)),
                _ => rng.gen(),
            });
            let want = (0..32).fold(0u32, |f, t| f | u32::from(a[t] == b[t]) << t);
            assert_eq!(avx2.equal_bytes(&a, &b), want, "{a:?} {b:?}");
        }
    }

    #[test]
    fn small_quantile_is_small_weighted_quantile() {
        let Some(avx2) = Avx2::detect() else { return };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(34);
        for _ in 0..200_000 {
            let len = rng.gen_range(1..=4);
            // Few distinct values (ties), the extremes of a weight, stakes of any size.
            let values = [
                0,
                1,
                rng.gen::<u32>().into(),
                rng.gen::<u32>().into(),
                1 << 32,
            ];
            // Exactly `len` pairs in the allocation: the masked loads must not need more.
            let a: Vec<(u64, u64)> = (0..len)
                .map(|_| {
                    let st = rng.gen::<u64>() >> rng.gen_range(28..64);
                    (values[rng.gen_range(0..values.len())], st.max(1))
                })
                .collect();
            let total: u64 = a.iter().map(|p| p.1).sum();
            let below = rng.gen::<u64>() >> rng.gen_range(30..64);
            // Minorities at the ends and at the partial sums (ties), below + total excluded.
            let minority = below
                + match rng.gen_range(0..4) {
                    0 => 0,
                    1 => total - 1,
                    2 => a[..rng.gen_range(0..len)].iter().map(|p| p.1).sum::<u64>(),
                    _ => rng.gen_range(0..total),
                };
            let want = small_weighted_quantile(&a, below, minority);
            assert_eq!(
                avx2.small_quantile(&a, below, minority),
                want,
                "{a:?} {below} {minority}"
            );
        }
    }
}
