//! [`crate::validator::to_u16_weights`] with AVX2: four scores a step. Baseline x86-64 divides
//! and converts one `f64` at a time, and the division's throughput bounded the plain loop
//! (~12 cycles a score; every honest validator scores every UID of its subnet each tempo). The
//! operations are the plain form's, each IEEE-exact in any lane (division, product, truncation,
//! difference, comparisons), so the pairs are the same bits; `weights_avx2_is_the_plain_form`
//! checks it. Decision 0007 (amended) for the crate's `unsafe`.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

/// The weight pairs, or `None` where the plain form must decide: more than 2^16 scores (the
/// plain form's UIDs wrap) or an infinite largest score (its quotients are NaN or 0).
pub(crate) fn to_u16_weights(scores: &[f64]) -> Option<Vec<(u16, u16)>> {
    if scores.len() > 1 << 16 || !std::is_x86_feature_detected!("avx2") {
        return None;
    }
    // SAFETY: compiled for AVX2, just detected on this processor (CPUID, cached).
    unsafe { kernel(scores) }
}

// The pairs are stored as `uid | weight << 16` words.
const _: () = assert!(
    std::mem::offset_of!((u16, u16), 0) == 0
        && std::mem::offset_of!((u16, u16), 1) == 2
        && std::mem::size_of::<(u16, u16)>() == 4
);

/// Per mask of four kept lanes: the `vpshufb` control that moves their 32-bit words to the
/// front, in order (bytes of unused slots 0x80, zero).
const LEFT_PACK: [[u8; 16]; 16] = {
    let mut t = [[0x80u8; 16]; 16];
    let mut m = 0;
    while m < 16 {
        let (mut lane, mut slot) = (0, 0);
        while lane < 4 {
            if m >> lane & 1 == 1 {
                let mut b = 0;
                while b < 4 {
                    t[m][slot * 4 + b] = (lane * 4 + b) as u8;
                    b += 1;
                }
                slot += 1;
            }
            lane += 1;
        }
        m += 1;
    }
    t
};

#[target_feature(enable = "avx2")]
unsafe fn kernel(scores: &[f64]) -> Option<Vec<(u16, u16)>> {
    let n = scores.len();
    let blocks = n / 4;
    let (body, tail) = scores.split_at(blocks * 4);
    // The largest score, NaN left out as `f64::max` leaves it: `vmaxpd` returns its second
    // operand when either is NaN, and the second is the accumulator, never NaN. The order of
    // the maxima does not matter: a positive maximum is one value, and at most 0 nothing is
    // kept in either form.
    let mut acc = _mm256_setzero_pd();
    for b in 0..blocks {
        acc = _mm256_max_pd(_mm256_loadu_pd(body[b * 4..].as_ptr()), acc);
    }
    let mut lanes = [0.0f64; 4];
    _mm256_storeu_pd(lanes.as_mut_ptr(), acc);
    let max = lanes.iter().chain(tail).copied().fold(0.0f64, f64::max);
    if max <= 0.0 {
        return Some(Vec::new());
    }
    if !max.is_finite() {
        return None;
    }
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(n);
    let words = out.spare_capacity_mut().as_mut_ptr().cast::<u8>();
    let (vmax, scale, half, one) = (
        _mm256_set1_pd(max),
        _mm256_set1_pd(f64::from(u16::MAX)),
        _mm256_set1_pd(0.5),
        _mm256_set1_pd(1.0),
    );
    let zero = _mm256_setzero_pd();
    let mut uids = _mm_setr_epi32(0, 1, 2, 3);
    let mut k = 0usize;
    for b in 0..blocks {
        let s = _mm256_loadu_pd(body[b * 4..].as_ptr());
        // x = (s / max) * 65535, rounded half up from its truncation: every kept score is in
        // (0, max], so x is in (0, 65535] and the result needs no saturation. A score at most 0
        // (or NaN) gives a weight at most 0 (or NaN), which the `> 0` test drops, as the plain
        // form's two filters do.
        let x = _mm256_mul_pd(_mm256_div_pd(s, vmax), scale);
        let whole = _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(x);
        let up = _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_sub_pd(x, whole), half);
        let w = _mm256_add_pd(whole, _mm256_and_pd(up, one));
        let keep = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(w, zero)) as usize;
        let pairs = _mm_or_si128(uids, _mm_slli_epi32::<16>(_mm256_cvttpd_epi32(w)));
        let control = _mm_loadu_si128(LEFT_PACK[keep].as_ptr().cast());
        // SAFETY: k <= 4 * b pairs are kept before this block, so the 16-byte store ends at
        // pair 4 * b + 4 <= n, inside the capacity of n pairs.
        _mm_storeu_si128(words.add(k * 4).cast(), _mm_shuffle_epi8(pairs, control));
        // The kept count from a nibble table (`popcnt` is not among the enabled features).
        k += (0x4332_3221_3221_2110u64 >> (keep * 4) & 0xf) as usize;
        uids = _mm_add_epi32(uids, _mm_set1_epi32(4));
    }
    // SAFETY: the first k pairs were written above, each a whole (u16, u16).
    out.set_len(k);
    for (i, &s) in tail.iter().enumerate() {
        if s > 0.0 {
            let w = crate::validator::round_to_u16((s / max) * f64::from(u16::MAX));
            if w > 0 {
                out.push(((blocks * 4 + i) as u16, w));
            }
        }
    }
    Some(out)
}
