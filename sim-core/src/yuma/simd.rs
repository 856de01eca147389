//! Instruction-set dispatch of the dense epoch (decision 0007).
//!
//! [`Dense::run_body`] is plain safe Rust, `#[inline(always)]`, instantiated twice: in
//! [`run_avx2`], a function compiled with AVX2 and BMI2 enabled (LLVM vectorises the row loops
//! with 256-bit integer instructions and uses `mulx`/`shrx` for the 128-bit products and
//! variable shifts), and in the baseline fallback. Both are the same integer (and IEEE `f64`)
//! operations on the same values, so they give the same bits; FMA is not enabled (and Rust never
//! contracts floating-point expressions anyway). The differential test runs both builds against
//! the sparse oracle (`yuma/tests.rs`).
//!
//! This is the only `unsafe` in the crate: calling a `#[target_feature]` function, which is
//! sound exactly when the processor supports the features, checked at run time just before;
//! and the kernels written with AVX2 intrinsics ([`Avx2::compact_fractions`],
//! [`Avx2::dividend_blocks`], [`Avx2::normalize_row`], [`Avx2::count_and_sum`],
//! [`Avx2::scatter_sorted`], and for the consensus [`Avx2::col_range`],
//! [`Avx2::bucket_keys`], [`Avx2::equal_bytes`], [`Avx2::scan_buckets`],
//! [`Avx2::small_quantile`]), whose unaligned loads and stores go through fixed-size arrays
//! taken from checked slices (and, in `small_quantile`, masked loads of the slice's pairs).
#![allow(unsafe_code)]

use super::dense::Dense;
use super::{EpochInput, EpochOutput};

/// The dense epoch, on the AVX2 + BMI2 build when the processor has both and `portable` is
/// false, on the baseline build otherwise.
pub(super) fn run(
    d: &mut Dense,
    input: &EpochInput,
    out: &mut EpochOutput,
    portable: bool,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    if !portable && std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("bmi2") {
        // SAFETY: `run_avx2` is only unsafe because it is compiled for AVX2 and BMI2; both were
        // just detected on this processor (`is_x86_feature_detected!` reads CPUID, cached).
        return unsafe { run_avx2(d, input, out, Avx2(())) };
    }
    let _ = portable;
    d.run_body(input, out, None)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
unsafe fn run_avx2(d: &mut Dense, input: &EpochInput, out: &mut EpochOutput, avx2: Avx2) -> bool {
    d.run_body(input, out, Some(avx2))
}

/// Proof that this processor has AVX2 and BMI2: made only in [`run`], right after detecting
/// both (and by the tests, after the same detection), so the kernels that take it may call
/// functions compiled for them. The baseline build passes `None` and runs the plain forms.
#[derive(Clone, Copy)]
pub(super) struct Avx2(());

impl Avx2 {
    /// The processor's proof, when it has AVX2 and BMI2 (for the kernels' tests).
    #[cfg(test)]
    pub(super) fn detect() -> Option<Avx2> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("bmi2") {
            return Some(Avx2(()));
        }
        None
    }

    /// `compact_row(row, present, value, |x| ((x * 65_535) >> 32) as u16)` (`dense.rs`) for
    /// values in [0, 2^32]: the present (non-zero) entries of `present` as (uid, u16 of
    /// `value`) pairs in uid order. Eight entries per step without a branch on their presence
    /// (a left-packing permutation from a table), where the plain form, vectorised by LLVM's
    /// SLP pass only for a block of eight present entries, took ~4.5 instructions per entry.
    #[inline(always)]
    pub(super) fn compact_fractions(
        self,
        row: &mut Vec<(u16, u16)>,
        present: &[u64],
        value: &[u64],
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            // Yuma3 stores its EMA's present entries as they are: one load serves both.
            if std::ptr::eq(present, value) {
                compact_fractions::<true>(row, present, value)
            } else {
                compact_fractions::<false>(row, present, value)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
    /// The dividends' row sum of `mulf_lo(inc, apply_below_one(lo_hi, lo_lo, s - 1, e))`
    /// (`dense.rs`) over whole blocks of eight entries (the caller adds the rest), for e and inc
    /// below 2^32 and every column's 1 <= s <= 32 (`up` = 32 - s, `down` = s); `None` when a
    /// quotient is 2^32 (a column whose only entry is this row's), which the caller then takes
    /// the plain way. See [`dividend_blocks`] for the arithmetic.
    #[inline(always)]
    pub(super) fn dividend_blocks(
        self,
        e: &[u64],
        lo: (&[u64], &[u64]),
        shift: (&[u64], &[u64]),
        inc: &[u64],
    ) -> Option<u64> {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            dividend_blocks(e, lo, shift, inc)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

/// See [`Avx2::dividend_blocks`]. `apply_below_one` computes t = x * lo_hi +
/// floor(x * lo_lo / 2^32) and floor((x * 2^31 + floor(t / 2)) / 2^(s - 1)); for s <= 32 the
/// first term is a multiple of 2^(s - 1), so that is (x << (32 - s)) + (t >> s): two shifts
/// from per-column counts and an add, where the plain form (Rust's `>>` masks its count) took a
/// shift, a shift, an add, a mask and a shift. `mulf_lo(inc, v)` is floor(inc * v / 2^32),
/// one 32 x 32 product, while v < 2^32; the OR of every v tells whether one was 2^32 (then
/// `None`). No masks of x or the halves: `vpmuludq` reads only the low 32 bits, and x < 2^32.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn dividend_blocks(
    e: &[u64],
    (lo_hi, lo_lo): (&[u64], &[u64]),
    (up, down): (&[u64], &[u64]),
    inc: &[u64],
) -> Option<u64> {
    use std::arch::x86_64::*;
    let blocks = e.len() / 8;
    debug_assert_eq!(e.len(), blocks * 8);
    // Every slice cut to the same whole blocks, so that LLVM sees each load in bounds.
    let n = blocks * 8;
    let (e, lo_hi, lo_lo) = (&e[..n], &lo_hi[..n], &lo_lo[..n]);
    let (up, down, inc) = (&up[..n], &down[..n], &inc[..n]);
    // A macro, not a closure: closures do not inherit the function's target features, and
    // LLVM then called them out of line.
    macro_rules! load {
        ($x:expr, $j:expr) => {{
            let x: &[u64; 4] = $x[$j..$j + 4].try_into().unwrap();
            // SAFETY: 32 bytes, an unaligned load.
            unsafe { _mm256_loadu_si256(x.as_ptr().cast::<__m256i>()) }
        }};
    }
    let (mut acc0, mut acc1, mut high) = (
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
        _mm256_setzero_si256(),
    );
    for b in 0..blocks {
        let j = b * 8;
        debug_assert!(e[j..j + 8].iter().all(|x| *x >> 32 == 0));
        debug_assert!(inc[j..j + 8].iter().all(|x| *x >> 32 == 0));
        debug_assert!(down[j..j + 8].iter().all(|s| (1..=32).contains(s)));
        let mut v = [_mm256_setzero_si256(); 2];
        let mut p = [_mm256_setzero_si256(); 2];
        for h in 0..2 {
            let k = j + 4 * h;
            let x = load!(e, k);
            let t = _mm256_add_epi64(
                _mm256_mul_epu32(x, load!(lo_hi, k)),
                _mm256_srli_epi64::<32>(_mm256_mul_epu32(x, load!(lo_lo, k))),
            );
            v[h] = _mm256_add_epi64(
                _mm256_sllv_epi64(x, load!(up, k)),
                _mm256_srlv_epi64(t, load!(down, k)),
            );
            p[h] = _mm256_srli_epi64::<32>(_mm256_mul_epu32(load!(inc, k), v[h]));
        }
        acc0 = _mm256_add_epi64(acc0, p[0]);
        acc1 = _mm256_add_epi64(acc1, p[1]);
        high = _mm256_or_si256(high, _mm256_or_si256(v[0], v[1]));
    }
    if _mm256_testz_si256(high, _mm256_set1_epi64x(!0xffff_ffff)) == 0 {
        return None;
    }
    let acc = _mm256_add_epi64(acc0, acc1);
    let sum = _mm_add_epi64(
        _mm256_castsi256_si128(acc),
        _mm256_extracti128_si256::<1>(acc),
    );
    Some((_mm_cvtsi128_si64(sum) + _mm_extract_epi64::<1>(sum)) as u64)
}

impl Avx2 {
    /// W's row normalisation (`normalize_rows` in `dense.rs`) of raw u16 weights by a row total
    /// d in [2^17, 2^31): `row[j]` = floor(raw[j] * 2^32 / d), every result below 2^32 (a u16
    /// is below d). See [`normalize_row`] for the arithmetic.
    #[inline(always)]
    pub(super) fn normalize_row(self, raw: &[u16], row: &mut [u32], d: u64) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            normalize_row(raw, row, d)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

/// See [`Avx2::normalize_row`]. With b = bits(d) (18 <= b <= 31), m = ceil(2^80 / d) (below
/// 2^63) and its excess e = m * d - 2^80 < d: x * m / 2^48 = x * 2^32 / d + x * e / (d * 2^48)
/// and x * e < 2^16 * 2^31 < 2^48, so floor(x * m / 2^48) = floor(x * 2^32 / d) (the proof of
/// `Recip16`, whose l = 16 + b is raised to 48). Taken as x' = x * 2^16 (below 2^32, one lane
/// of the widened u16 shifted up) times m over 2^64: S = x' * m_hi + floor(x' * m_lo / 2^32) =
/// floor(x' * m / 2^32) (below 2^63), and the result is S's upper dword: no shift by a
/// per-row count, and the eight results of two vectors of four are one blend (even entries
/// from the even lanes' products shifted down, odd ones from the odd lanes' upper dwords)
/// instead of a narrowing per four (`vextracti128` + `vshufps`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn normalize_row(raw: &[u16], row: &mut [u32], d: u64) {
    use std::arch::x86_64::*;
    debug_assert!((1 << 17..1 << 31).contains(&d));
    let m = (1u128 << 80).div_ceil(u128::from(d)) as u64;
    let (hi, lo) = (
        _mm256_set1_epi64x((m >> 32) as i64),
        _mm256_set1_epi64x((m & 0xffff_ffff) as i64),
    );
    let n = raw.len().min(row.len());
    let blocks = n / 8;
    let (raw, row) = (&raw[..n], &mut row[..n]);
    for b in 0..blocks {
        let j = b * 8;
        let x: &[u16; 8] = raw[j..j + 8].try_into().unwrap();
        // SAFETY: 16 bytes, an unaligned load.
        let x = unsafe { _mm_loadu_si128(x.as_ptr().cast::<__m128i>()) };
        // Eight u32 lanes of x * 2^16; the odd ones moved to the even dwords for `vpmuludq`.
        let even = _mm256_slli_epi32::<16>(_mm256_cvtepu16_epi32(x));
        let odd = _mm256_srli_epi64::<32>(even);
        let s = |x: __m256i| {
            _mm256_add_epi64(
                _mm256_mul_epu32(x, hi),
                _mm256_srli_epi64::<32>(_mm256_mul_epu32(x, lo)),
            )
        };
        let (se, so) = (s(even), s(odd));
        let q = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(se), so);
        let out: &mut [u32; 8] = (&mut row[j..j + 8]).try_into().unwrap();
        // SAFETY: 32 bytes, an unaligned store.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast::<__m256i>(), q) };
    }
    // The rest as one lane (x * m itself would pass 2^64).
    let (hi, lo) = (m >> 32, m & 0xffff_ffff);
    for j in blocks * 8..n {
        let x = u64::from(raw[j]) << 16;
        row[j] = ((x * hi + ((x * lo) >> 32)) >> 32) as u32;
    }
}

impl Avx2 {
    /// The weights' row test (`dense_row_sum` in `dense.rs`) over whole blocks of 32 u16: the
    /// number of non-zero entries and their sum (both below 2^32 for a row of at most 2^16
    /// entries). See [`count_and_sum`].
    #[inline(always)]
    pub(super) fn count_and_sum(self, row: &[u16]) -> (u32, u32) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            count_and_sum(row)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

/// See [`Avx2::count_and_sum`]. Each u16 x is taken as the signed x - 2^15 (its top bit
/// flipped, one `vpxor` that also loads), so that `vpmaddwd` by ones adds neighbouring pairs
/// in i32 lanes (the sum is then corrected by 2^15 per entry), and x = 0 is the flipped value
/// -2^15, counted by one compare and subtract in i16 lanes; LLVM widened every u16 to u32
/// twice (for the count and for the sum). Bounds: a row of at most 2^16 entries (2^11 blocks)
/// counts at most 2^12 in each of the count's 16 lanes, and each i32 lane adds at most 2^12
/// pair sums of magnitude at most 2^16: no lane wraps.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn count_and_sum(row: &[u16]) -> (u32, u32) {
    use std::arch::x86_64::*;
    debug_assert!(row.len() <= 1 << 16 && row.len().is_multiple_of(32));
    let blocks = row.len() / 32;
    let row = &row[..blocks * 32];
    let flip = _mm256_set1_epi16(i16::MIN);
    let ones = _mm256_set1_epi16(1);
    let (mut zeros, mut sum) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    for b in 0..blocks {
        let x: &[u16; 32] = row[b * 32..b * 32 + 32].try_into().unwrap();
        // SAFETY: 64 bytes, two unaligned 32-byte loads.
        let (x0, x1) = unsafe {
            let p = x.as_ptr().cast::<__m256i>();
            (_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)))
        };
        let (s0, s1) = (_mm256_xor_si256(x0, flip), _mm256_xor_si256(x1, flip));
        // A zero entry is -2^15 once flipped; the compare's -1 per such lane is subtracted.
        zeros = _mm256_sub_epi16(zeros, _mm256_cmpeq_epi16(s0, flip));
        zeros = _mm256_sub_epi16(zeros, _mm256_cmpeq_epi16(s1, flip));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(s0, ones));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(s1, ones));
    }
    // Zeros per lane (u16) and the signed sums (i32) added across lanes.
    let zeros = _mm256_madd_epi16(zeros, ones);
    let lanes = |v: __m256i| {
        let v = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b01_00_11_10>(v));
        let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b10_11_00_01>(v));
        _mm_cvtsi128_si32(v) as u32
    };
    let n = row.len() as u32;
    let (zeros, flipped) = (lanes(zeros), lanes(sum));
    (n - zeros, flipped.wrapping_add(n << 15))
}

impl Avx2 {
    /// `scatter_sorted(dst, row, |v| v)` (`dense.rs`): `dst[j] = v` for every `(j, v)` of the
    /// row while its uids are strictly increasing and below `dst.len()`; `true` when the whole
    /// row is, `false` at the first entry that is not (entries before it written, the rest
    /// not). See [`scatter_sorted`].
    #[inline(always)]
    pub(super) fn scatter_sorted(self, dst: &mut [u16], row: &[(u16, u16)]) -> bool {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            scatter_sorted(dst, row)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

/// See [`Avx2::scatter_sorted`]. The plain form's block step with the eight pairs as one
/// 32-byte vector of u32 `uid | value << 16`: the block test is one XOR with the expected
/// uids next..next + 8 and one `vptest` of the low halves (LLVM blended the uids out first),
/// the values are their upper halves gathered by one `vpshufb` and one `vpermq` into a 16-byte
/// store (LLVM shifted, extracted and packed). A chunk that fails the test goes one by one with
/// the checks, as in the plain form, and the expected uids restart from the new `next`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn scatter_sorted(dst: &mut [u16], row: &[(u16, u16)]) -> bool {
    use std::arch::x86_64::*;
    let n = dst.len();
    debug_assert!(n <= 1 << 16);
    let mut next = 0usize;
    // The one-by-one step (scalar: a closure is fine here, it needs no vector feature).
    let one = |dst: &mut [u16], j: u16, v: u16, next: &mut usize| {
        let j = j as usize;
        if j < *next || j >= n {
            return false;
        }
        dst[j] = v;
        *next = j + 1;
        true
    };
    let iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let eight = _mm256_set1_epi32(8);
    let uids = _mm256_set1_epi32(0xffff);
    // Per 128-bit half: the upper u16 of each of its four u32 into its low eight bytes.
    let values = _mm256_setr_epi8(
        2, 3, 6, 7, 10, 11, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, 2, 3, 6, 7, 10, 11, 14, 15, -1,
        -1, -1, -1, -1, -1, -1, -1,
    );
    let mut expect = iota;
    let chunks = row.len() / 8;
    let body = &row[..chunks * 8];
    for c in 0..chunks {
        let chunk: &[(u16, u16); 8] = body[c * 8..c * 8 + 8].try_into().unwrap();
        // SAFETY: 32 bytes (eight pairs of two u16, their layout asserted above).
        let p = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast::<__m256i>()) };
        let off = _mm256_xor_si256(p, expect);
        if _mm256_testz_si256(off, uids) != 0 && next + 8 <= n {
            let v = _mm256_permute4x64_epi64::<0b11_11_10_00>(_mm256_shuffle_epi8(p, values));
            let out: &mut [u16; 8] = (&mut dst[next..next + 8]).try_into().unwrap();
            // SAFETY: 16 bytes, an unaligned store.
            unsafe {
                _mm_storeu_si128(
                    out.as_mut_ptr().cast::<__m128i>(),
                    _mm256_castsi256_si128(v),
                )
            };
            next += 8;
            expect = _mm256_add_epi32(expect, eight);
        } else {
            // Re-read through an index LLVM cannot see is this chunk's (as the plain form
            // does): otherwise it loads part of the chunk again for this path on every step.
            let k0 = std::hint::black_box(c * 8);
            for &(j, v) in &body[k0..k0 + 8] {
                if !one(dst, j, v, &mut next) {
                    return false;
                }
            }
            expect = _mm256_add_epi32(_mm256_set1_epi32(next as i32), iota);
        }
    }
    // The rest (1-7 pairs) as the last eight of the row when it continues the uids from
    // `next`: the pairs before the rest were all written (the last of them at next - 1, uids
    // strictly increasing), so the eight expected uids start at next - (8 - rest); the eight
    // values stored there rewrite those pairs' own values. Otherwise one by one (a row's rest
    // took ~10 instructions per pair).
    let rest = row.len() - chunks * 8;
    if rest > 0 && chunks > 0 && next + rest <= n {
        if let Some(start) = next.checked_sub(8 - rest) {
            let last: &[(u16, u16); 8] = row[row.len() - 8..].try_into().unwrap();
            // SAFETY: 32 bytes (eight pairs of two u16, their layout asserted above).
            let p = unsafe { _mm256_loadu_si256(last.as_ptr().cast::<__m256i>()) };
            let expect = _mm256_add_epi32(_mm256_set1_epi32(start as i32), iota);
            if _mm256_testz_si256(_mm256_xor_si256(p, expect), uids) != 0 {
                let v = _mm256_permute4x64_epi64::<0b11_11_10_00>(_mm256_shuffle_epi8(p, values));
                let out: &mut [u16; 8] = (&mut dst[start..start + 8]).try_into().unwrap();
                // SAFETY: 16 bytes, an unaligned store.
                unsafe {
                    _mm_storeu_si128(
                        out.as_mut_ptr().cast::<__m128i>(),
                        _mm256_castsi256_si128(v),
                    )
                };
                return true;
            }
        }
    }
    for &(j, v) in &row[chunks * 8..] {
        if !one(dst, j, v, &mut next) {
            return false;
        }
    }
    true
}

/// The lane of each entry of a block of eight/// The lane of each entry of a block of eight/// The lane of each entry of a block of eight after [`compact_fractions`]' `vshufps` of two
/// vectors of four u64 (entries 0-3 and 4-7): per 128-bit half it takes two dwords of each
/// operand, so lanes 0..8 hold entries 0, 1, 4, 5, 2, 3, 6, 7 (this order is its own inverse).
const LANE_OF: [usize; 8] = [0, 1, 4, 5, 2, 3, 6, 7];

/// Per mask of absent lanes (bit p: lane p's entry absent): the lanes of the present entries in
/// entry (uid) order, then zeros, as `vpermd` indices. 2 KB.
const PACK: [[u8; 8]; 256] = {
    let mut t = [[0u8; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut c, mut e) = (0, 0);
        while e < 8 {
            if (m >> LANE_OF[e]) & 1 == 0 {
                t[m][c] = LANE_OF[e] as u8;
                c += 1;
            }
            e += 1;
        }
        m += 1;
    }
    t
};

/// Per mask of absent lanes: the number of present ones (a table: `popcnt` is not among the
/// features this build enables, and its portable form costs five instructions).
const PRESENT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut m = 0;
    while m < 256 {
        t[m] = 8 - (m as u32).count_ones() as u8;
        m += 1;
    }
    t
};

// The pairs are stored as little-endian u32 `uid | value << 16`.
const _: () = assert!(
    std::mem::offset_of!((u16, u16), 0) == 0
        && std::mem::offset_of!((u16, u16), 1) == 2
        && std::mem::size_of::<(u16, u16)>() == 4
);

/// See [`Avx2::compact_fractions`]. Per eight entries x (u64, at most 2^32): x * 65535 =
/// (x << 16) - x, below 2^48, so its upper dword is floor(x * 65535 / 2^32) exactly (the
/// `vshufps` picks those dwords of both vectors); shifted up by 16 and ORed with the uids (all
/// below n <= 2^16), each lane is the pair. The absent lanes (x = 0 in `present`) give a mask,
/// the table its left-packing permutation, and all eight lanes are stored at the next free
/// slot k; k moves on by the present count. k <= j, so the store stays in the row (its lanes
/// past the present ones are overwritten by the next step or cut by the final truncate),
/// as in the plain form.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn compact_fractions<const SAME: bool>(
    row: &mut Vec<(u16, u16)>,
    present: &[u64],
    value: &[u64],
) {
    use std::arch::x86_64::*;
    const C: usize = 8;
    let n = present.len().min(value.len());
    debug_assert!(n <= 1 << 16);
    row.resize(n, (0, 0));
    let out = &mut row[..];
    let load = |x: &[u64]| {
        let x: &[u64; C] = x.try_into().unwrap();
        // SAFETY: 64 bytes, two unaligned 32-byte loads.
        unsafe {
            let p = x.as_ptr().cast::<__m256i>();
            (_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)))
        }
    };
    let upper = |a: __m256i, b: __m256i| {
        _mm256_castps_si256(_mm256_shuffle_ps::<0b11_01_11_01>(
            _mm256_castsi256_ps(a),
            _mm256_castsi256_ps(b),
        ))
    };
    let zero = _mm256_setzero_si256();
    // The uids of the lanes (see `LANE_OF`), j + 0..8.
    let mut uid = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
    let step = _mm256_set1_epi32(C as i32);
    let whole = n - n % C;
    let mut k = 0usize;
    let blocks = value[..whole]
        .chunks_exact(C)
        .zip(present[..whole].chunks_exact(C));
    for (j, (v, p)) in blocks.enumerate() {
        let (a, b) = load(v);
        debug_assert!(v.iter().all(|x| *x <= 1 << 32));
        let ma = _mm256_sub_epi64(_mm256_slli_epi64::<16>(a), a);
        let mb = _mm256_sub_epi64(_mm256_slli_epi64::<16>(b), b);
        let pairs = _mm256_or_si256(_mm256_slli_epi32::<16>(upper(ma, mb)), uid);
        let (pa, pb) = if SAME { (a, b) } else { load(p) };
        let (za, zb) = (_mm256_cmpeq_epi64(pa, zero), _mm256_cmpeq_epi64(pb, zero));
        let absent = _mm256_movemask_ps(_mm256_castsi256_ps(upper(za, zb))) as usize & 0xff;
        // SAFETY: 8 bytes.
        let idx = unsafe { _mm_loadl_epi64(PACK[absent].as_ptr().cast::<__m128i>()) };
        let packed = _mm256_permutevar8x32_epi32(pairs, _mm256_cvtepu8_epi32(idx));
        // SAFETY: k <= 8 * j (k moves on by at most 8 per block), so the 32 bytes (eight pairs
        // of two u16, their layout asserted above) at k lie in the row's first 8 * j + 8 <= n
        // slots. (A checked slice cost five instructions per block: LLVM cannot see k <= 8j.)
        debug_assert!(k <= j * C && j * C + C <= out.len());
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(k).cast::<__m256i>(), packed) };
        k += usize::from(PRESENT[absent]);
        uid = _mm256_add_epi32(uid, step);
    }
    for j in whole..n {
        out[k] = (j as u16, ((value[j] * 65_535) >> 32) as u16);
        k += usize::from(present[j] > 0);
    }
    row.truncate(k);
}

impl Avx2 {
    /// `col_range` (`dense.rs`) for u32 W and at least one row: each column's smallest and
    /// largest value over `rows` (indices of `m`'s `n`-wide rows) into `lo` and `hi`. See
    /// [`col_range`].
    #[inline(always)]
    pub(super) fn col_range(
        self,
        m: &[u32],
        n: usize,
        rows: &[u32],
        lo: &mut Vec<u64>,
        hi: &mut Vec<u64>,
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            col_range(m, n, rows, lo, hi)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }

    /// The consensus keys (`column_quantiles` in `dense.rs`) for u32 W: for each voter row k
    /// (`rows[k]`, an index of `m`'s `n`-wide rows) and column j, `keys[k * n + j]` =
    /// (((v >> shift[j]) - base[j]) & 0xf8) | (j % 8) with v = `m[rows[k] * n + j]`, where
    /// every (v >> shift[j]) - base[j] is in 0..256 (the caller's shifts and bases from the
    /// columns' ranges; debug-asserted). See [`bucket_keys`].
    #[inline(always)]
    pub(super) fn bucket_keys(
        self,
        m: &[u32],
        n: usize,
        rows: &[u32],
        (shift, base): (&[u32], &[u32]),
        keys: &mut [u8],
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            bucket_keys(m, n, rows, (shift, base), keys)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }

    /// The 32-bit mask of the bytes where `a` and `b` are equal (bit t for byte t): the
    /// consensus gather's member test, one `vpcmpeqb` and one `vpmovmskb` per 32 keys (the
    /// plain form's SWAR takes four words of five instructions each).
    #[inline(always)]
    pub(super) fn equal_bytes(self, a: &[u8; 32], b: &[u8; 32]) -> u32 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            equal_bytes(a, b)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

/// See [`Avx2::col_range`]. 32 columns (eight vectors: four of minima, four of maxima) per
/// pass over the rows, one `vpminud` and one `vpmaxud` per eight entries. Not inlined: inside
/// the epoch's body LLVM kept the plain form's accumulators on the stack (a load and a store
/// around every min and max: 41 instructions per row of a block instead of about 20).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline(never)]
unsafe fn col_range(m: &[u32], n: usize, rows: &[u32], lo: &mut Vec<u64>, hi: &mut Vec<u64>) {
    use std::arch::x86_64::*;
    const C: usize = 32;
    lo.clear();
    hi.clear();
    let (&first, rest) = rows.split_first().expect("at least one row");
    // A macro, not a closure (closures do not inherit the target features).
    macro_rules! block {
        ($r:expr, $j0:expr) => {{
            let b: &[u32; C] = m[$r as usize * n + $j0..][..C].try_into().unwrap();
            // SAFETY: 128 bytes, four unaligned 32-byte loads.
            unsafe {
                let p = b.as_ptr().cast::<__m256i>();
                [
                    _mm256_loadu_si256(p),
                    _mm256_loadu_si256(p.add(1)),
                    _mm256_loadu_si256(p.add(2)),
                    _mm256_loadu_si256(p.add(3)),
                ]
            }
        }};
    }
    let whole = n - n % C;
    for j0 in (0..whole).step_by(C) {
        let mut low = block!(first, j0);
        let mut high = low;
        for &r in rest {
            let b = block!(r, j0);
            for t in 0..4 {
                low[t] = _mm256_min_epu32(low[t], b[t]);
                high[t] = _mm256_max_epu32(high[t], b[t]);
            }
        }
        let mut out = [[0u32; C]; 2];
        for (o, v) in out.iter_mut().zip([low, high]) {
            // SAFETY: 128 bytes, four unaligned 32-byte stores into a local array.
            unsafe {
                let p = o.as_mut_ptr().cast::<__m256i>();
                for (t, x) in v.into_iter().enumerate() {
                    _mm256_storeu_si256(p.add(t), x);
                }
            }
        }
        lo.extend(out[0].iter().map(|x| u64::from(*x)));
        hi.extend(out[1].iter().map(|x| u64::from(*x)));
    }
    lo.extend(
        m[first as usize * n + whole..][..n - whole]
            .iter()
            .map(|x| u64::from(*x)),
    );
    hi.extend_from_slice(&lo[whole..]);
    for &r in rest {
        for j in whole..n {
            let x = u64::from(m[r as usize * n + j]);
            lo[j] = lo[j].min(x);
            hi[j] = hi[j].max(x);
        }
    }
}

/// See [`Avx2::bucket_keys`]. Per 32 entries: four vectors of eight u32 values shifted by
/// their columns' counts (`vpsrlvd`, no count mask: every count is below 32) less their
/// columns' bases, each in 0..256, so the two saturating packs (u32 -> u16 -> u8) are exact;
/// the packs interleave the four vectors' 128-bit halves, which one `vpermd` puts back in
/// column order; then the mask and the lanes (j % 8, the same for every block of 32) as bytes.
/// LLVM narrowed each vector apart (`vextracti128`, `vpshufb` twice, `vpunpckldq`) and
/// subtracted, masked and ORed in 8-byte pieces: about 60 instructions per 32 keys, here 20.
/// Not inlined, as [`col_range`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline(never)]
unsafe fn bucket_keys(
    m: &[u32],
    n: usize,
    rows: &[u32],
    (shift, base): (&[u32], &[u32]),
    keys: &mut [u8],
) {
    use std::arch::x86_64::*;
    const C: usize = 32;
    let (shift, base) = (&shift[..n], &base[..n]);
    debug_assert!(shift.iter().all(|s| *s < 32));
    let whole = n - n % C;
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let mask = _mm256_set1_epi8(0xf8u8 as i8);
    let lanes = _mm256_set1_epi64x(0x0706_0504_0302_0100);
    macro_rules! load {
        ($x:expr, $j0:expr) => {{
            let b: &[u32; C] = $x[$j0..$j0 + C].try_into().unwrap();
            // SAFETY: 128 bytes, four unaligned 32-byte loads.
            unsafe {
                let p = b.as_ptr().cast::<__m256i>();
                [
                    _mm256_loadu_si256(p),
                    _mm256_loadu_si256(p.add(1)),
                    _mm256_loadu_si256(p.add(2)),
                    _mm256_loadu_si256(p.add(3)),
                ]
            }
        }};
    }
    for (k, &r) in rows.iter().enumerate() {
        let row = &m[r as usize * n..][..n];
        let out = &mut keys[k * n..][..n];
        for j0 in (0..whole).step_by(C) {
            let (v, s, b) = (load!(row, j0), load!(shift, j0), load!(base, j0));
            // (A loop, not `array::from_fn`: its closure would not inherit the features.)
            let mut d = [_mm256_setzero_si256(); 4];
            for t in 0..4 {
                d[t] = _mm256_sub_epi32(_mm256_srlv_epi32(v[t], s[t]), b[t]);
            }
            debug_assert!(
                (j0..j0 + C).all(|j| (row[j] >> shift[j]).wrapping_sub(base[j]) < 256),
                "a key's bucket past the byte"
            );
            let bytes = _mm256_packus_epi16(
                _mm256_packus_epi32(d[0], d[1]),
                _mm256_packus_epi32(d[2], d[3]),
            );
            let keys = _mm256_or_si256(
                _mm256_and_si256(_mm256_permutevar8x32_epi32(bytes, order), mask),
                lanes,
            );
            let o: &mut [u8; C] = (&mut out[j0..j0 + C]).try_into().unwrap();
            // SAFETY: 32 bytes, an unaligned store.
            unsafe { _mm256_storeu_si256(o.as_mut_ptr().cast::<__m256i>(), keys) };
        }
        for j in whole..n {
            let d = (row[j] >> shift[j]).wrapping_sub(base[j]);
            debug_assert!(d < 256, "a key's bucket past the byte");
            out[j] = (d as u8 & 0xf8) | (j % 8) as u8;
        }
    }
}

/// See [`Avx2::equal_bytes`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn equal_bytes(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: 32 bytes each, unaligned loads.
    let (a, b) = unsafe {
        (
            _mm256_loadu_si256(a.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(b.as_ptr().cast::<__m256i>()),
        )
    };
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(a, b)) as u32
}

impl Avx2 {
    /// `scan_buckets` (`dense.rs`): per column t of the bucket-major histogram `h`
    /// (`h[b * 8 + t]`), the first bucket whose cumulative stake exceeds `m` (31 when none
    /// does) and the stake below it, `h` left all zero; the same preconditions (m below 2^62,
    /// entries below 2^52). See [`scan_buckets`].
    #[inline(always)]
    pub(super) fn scan_buckets(self, h: &mut [u64; 256], m: u64) -> ([usize; 8], [u64; 8]) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            scan_buckets(h, m)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

/// See [`Avx2::scan_buckets`]. The plain form's arithmetic with one compare per four columns
/// and bucket: P(b + 1) > m (signed, every value below 2^63) gives -1 in the lanes past the
/// quantile, which both counts them (subtracted from `over`) and keeps `below` (the blend's
/// mask); the plain form took the count from the sign of m - P apart (a subtract, a shift and
/// an add more per four columns: LLVM did not see they are the compare's).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn scan_buckets(h: &mut [u64; 256], m: u64) -> ([usize; 8], [u64; 8]) {
    use std::arch::x86_64::*;
    debug_assert!(m < 1 << 62 && h.iter().all(|x| *x < 1 << 52));
    let mv = _mm256_set1_epi64x(m as i64);
    let zero = _mm256_setzero_si256();
    let (mut p, mut over, mut below) = ([zero; 2], [zero; 2], [zero; 2]);
    // Two bucket rows per step (LLVM does not unroll it: three loop instructions per row).
    for rows in h.chunks_exact_mut(16) {
        let rows: &mut [u64; 16] = rows.try_into().unwrap();
        let ptr = rows.as_mut_ptr().cast::<__m256i>();
        for q in 0..4 {
            let t = q % 2;
            // SAFETY: the rows' four quarters, 32 bytes each, unaligned.
            p[t] = _mm256_add_epi64(p[t], unsafe { _mm256_loadu_si256(ptr.add(q)) });
            let past = _mm256_cmpgt_epi64(p[t], mv);
            over[t] = _mm256_sub_epi64(over[t], past);
            below[t] = _mm256_blendv_epi8(p[t], below[t], past);
            // SAFETY: as the load.
            unsafe { _mm256_storeu_si256(ptr.add(q), zero) };
        }
    }
    let (mut o, mut b) = ([0u64; 8], [0u64; 8]);
    // SAFETY: 64 bytes each, two unaligned 32-byte stores into local arrays.
    unsafe {
        for t in 0..2 {
            _mm256_storeu_si256(o.as_mut_ptr().cast::<__m256i>().add(t), over[t]);
            _mm256_storeu_si256(b.as_mut_ptr().cast::<__m256i>().add(t), below[t]);
        }
    }
    (std::array::from_fn(|t| (32 - o[t] as usize).min(31)), b)
}

impl Avx2 {
    /// `small_weighted_quantile` (`dense.rs`) for one to four pairs (value, stake): the
    /// smallest value v with below + S(<= v) > minority, under the same preconditions (the
    /// largest value qualifies; values, stakes and their sums below 2^62). See
    /// [`small_quantile`].
    #[inline(always)]
    pub(super) fn small_quantile(self, a: &[(u64, u64)], below: u64, minority: u64) -> u64 {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Avx2` exists only where AVX2 and BMI2 were detected.
        unsafe {
            small_quantile(a, below, minority)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no Avx2 off x86-64")
    }
}

// The consensus members are read as pairs of u64 (value, stake).
const _: () = assert!(
    std::mem::offset_of!((u64, u64), 0) == 0
        && std::mem::offset_of!((u64, u64), 1) == 8
        && std::mem::size_of::<(u64, u64)>() == 16
);

/// See [`Avx2::small_quantile`]. The candidates in the lanes of one vector (read by masked
/// loads, so no slot past the slice is touched; missing ones set to i64::MAX, which never
/// beats a real one), and per pair k, S += stake_k in the lanes whose candidate is at least
/// value_k: one compare and one `vpandn` per pair for all candidates at once, where the plain
/// form loops over the pairs once per candidate with a branch per pair. Then the qualifying
/// candidates' minimum across the lanes (signed compares: every value is below 2^63).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
#[inline]
unsafe fn small_quantile(a: &[(u64, u64)], below: u64, minority: u64) -> u64 {
    use std::arch::x86_64::*;
    let len = a.len();
    debug_assert!((1..=4).contains(&len) && minority < 1 << 62);
    debug_assert!(a.iter().all(|(v, st)| *v < 1 << 62 && *st < 1 << 62));
    let n = _mm256_set1_epi64x(len as i64);
    // The pair index of each u64 of the first two pairs and of the next two.
    let (first, second) = (
        _mm256_setr_epi64x(0, 0, 1, 1),
        _mm256_setr_epi64x(2, 2, 3, 3),
    );
    let p = a.as_ptr().cast::<i64>();
    // SAFETY: a masked load reads only the lanes whose mask is set, here those of pairs
    // 0..len, which are in the slice (pairs of two u64, their layout asserted above); the
    // second address is formed by `wrapping_add`, as it may lie past the slice when len <= 2
    // (nothing is read there then).
    let (lo, hi) = unsafe {
        (
            _mm256_maskload_epi64(p, _mm256_cmpgt_epi64(n, first)),
            _mm256_maskload_epi64(p.wrapping_add(4), _mm256_cmpgt_epi64(n, second)),
        )
    };
    // Values of pairs 0, 2, 1, 3 (the order does not matter), i64::MAX past the slice.
    let max = _mm256_set1_epi64x(i64::MAX);
    let present = _mm256_cmpgt_epi64(n, _mm256_setr_epi64x(0, 2, 1, 3));
    let v = _mm256_blendv_epi8(max, _mm256_unpacklo_epi64(lo, hi), present);
    let mut at_most = _mm256_set1_epi64x(below as i64);
    for &(x, st) in a {
        let above = _mm256_cmpgt_epi64(_mm256_set1_epi64x(x as i64), v);
        at_most = _mm256_add_epi64(
            at_most,
            _mm256_andnot_si256(above, _mm256_set1_epi64x(st as i64)),
        );
    }
    let qualifies = _mm256_cmpgt_epi64(at_most, _mm256_set1_epi64x(minority as i64));
    let c = _mm256_blendv_epi8(max, v, qualifies);
    // The minimum of the four lanes: halves swapped, then pairs within each half.
    let s = _mm256_permute4x64_epi64::<0b01_00_11_10>(c);
    let c = _mm256_blendv_epi8(c, s, _mm256_cmpgt_epi64(c, s));
    let s = _mm256_shuffle_epi32::<0b01_00_11_10>(c);
    let c = _mm256_blendv_epi8(c, s, _mm256_cmpgt_epi64(c, s));
    let q = _mm_cvtsi128_si64(_mm256_castsi256_si128(c)) as u64;
    debug_assert!(q < 1 << 62, "no candidate qualified");
    q
}
