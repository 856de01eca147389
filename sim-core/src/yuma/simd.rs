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
//! sound exactly when the processor supports the features, checked at run time just before.
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
        return unsafe { run_avx2(d, input, out) };
    }
    let _ = portable;
    d.run_body(input, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
unsafe fn run_avx2(d: &mut Dense, input: &EpochInput, out: &mut EpochOutput) -> bool {
    d.run_body(input, out)
}
