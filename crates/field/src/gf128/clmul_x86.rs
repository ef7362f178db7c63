//! PCLMULQDQ carry-less multiplication (x86-64). The only module of the crate with `unsafe`.
//!
//! The functions with `#[target_feature(enable = "sse2,pclmulqdq")]` may only run on a CPU that has
//! the instruction; [`available`] detects it once at run time and caches the answer, and the
//! public wrappers call them only when it says yes. The intrinsics themselves are safe to call
//! inside such functions; the only `unsafe` is the call into them. The portable twin is
//! `super::clmul_portable`; property tests below check that the two agree.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m128i, _mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x, _mm_setzero_si128,
    _mm_unpackhi_epi64, _mm_xor_si128,
};
use std::sync::atomic::{AtomicU8, Ordering};

use super::Gf128;

/// 0 = not yet detected, 1 = absent, 2 = present.
static PCLMUL: AtomicU8 = AtomicU8::new(0);

/// Whether the CPU has PCLMULQDQ (and SSE2, always present on x86-64). Detected once.
#[inline]
pub(super) fn available() -> bool {
    match PCLMUL.load(Ordering::Relaxed) {
        2 => true,
        1 => false,
        _ => {
            let has = std::is_x86_feature_detected!("pclmulqdq");
            PCLMUL.store(if has { 2 } else { 1 }, Ordering::Relaxed);
            has
        }
    }
}

#[inline]
#[target_feature(enable = "sse2")]
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)] // bit-level reinterpretation
fn to_m128(x: u128) -> __m128i {
    _mm_set_epi64x((x >> 64) as u64 as i64, x as u64 as i64)
}

#[inline]
#[target_feature(enable = "sse2")]
#[allow(clippy::cast_sign_loss)] // bit-level reinterpretation
fn from_m128(v: __m128i) -> u128 {
    let lo = _mm_cvtsi128_si64(v) as u64;
    let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64;
    (u128::from(hi) << 64) | u128::from(lo)
}

/// The four 64×64 partial products of `a·b`: returns `(lo, mid, hi)` with
/// `a·b = lo ⊕ mid·x^64 ⊕ hi·x^128`.
#[inline]
#[target_feature(enable = "sse2,pclmulqdq")]
fn partial_products(a: __m128i, b: __m128i) -> (__m128i, __m128i, __m128i) {
    let lo = _mm_clmulepi64_si128::<0x00>(a, b);
    let hi = _mm_clmulepi64_si128::<0x11>(a, b);
    let mid = _mm_xor_si128(
        _mm_clmulepi64_si128::<0x01>(a, b),
        _mm_clmulepi64_si128::<0x10>(a, b),
    );
    (lo, mid, hi)
}

/// Recombines `(lo, mid, hi)` into the 256-bit product `(lo, hi)`.
#[inline(always)]
fn combine(lo: u128, mid: u128, hi: u128) -> (u128, u128) {
    (lo ^ (mid << 64), hi ^ (mid >> 64))
}

#[target_feature(enable = "sse2,pclmulqdq")]
fn clmul128_pclmul(a: u128, b: u128) -> (u128, u128) {
    let (lo, mid, hi) = partial_products(to_m128(a), to_m128(b));
    combine(from_m128(lo), from_m128(mid), from_m128(hi))
}

#[target_feature(enable = "sse2,pclmulqdq")]
fn inner_product_pclmul(a: &[Gf128], b: &[Gf128]) -> (u128, u128) {
    let (mut lo, mut mid, mut hi) = (
        _mm_setzero_si128(),
        _mm_setzero_si128(),
        _mm_setzero_si128(),
    );
    for (x, y) in a.iter().zip(b) {
        let (l, m, h) = partial_products(to_m128(x.0), to_m128(y.0));
        lo = _mm_xor_si128(lo, l);
        mid = _mm_xor_si128(mid, m);
        hi = _mm_xor_si128(hi, h);
    }
    combine(from_m128(lo), from_m128(mid), from_m128(hi))
}

/// The 256-bit carry-less product `(lo, hi)`; `None` without PCLMULQDQ.
#[inline]
pub(super) fn clmul128(a: u128, b: u128) -> Option<(u128, u128)> {
    if available() {
        // SAFETY: `clmul128_pclmul` needs SSE2 (part of the x86-64 baseline, always present) and
        // PCLMULQDQ, which `available()` confirmed at run time on this CPU.
        Some(unsafe { clmul128_pclmul(a, b) })
    } else {
        None
    }
}

/// The unreduced `Σ a[i]·b[i]` over the common prefix, as `(lo, hi)`; `None` without PCLMULQDQ.
pub(super) fn inner_product(a: &[Gf128], b: &[Gf128]) -> Option<(u128, u128)> {
    if available() {
        // SAFETY: `inner_product_pclmul` needs SSE2 (x86-64 baseline) and PCLMULQDQ, which
        // `available()` confirmed at run time on this CPU.
        Some(unsafe { inner_product_pclmul(a, b) })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::clmul_portable;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn pclmul_matches_portable(a in any::<u128>(), b in any::<u128>()) {
            if let Some(r) = clmul128(a, b) {
                prop_assert_eq!(r, clmul_portable::clmul128(a, b));
            }
        }

        #[test]
        fn pclmul_inner_product_matches_portable(
            v in prop::collection::vec((any::<u128>(), any::<u128>()), 0..40)
        ) {
            let a: Vec<Gf128> = v.iter().map(|p| Gf128(p.0)).collect();
            let b: Vec<Gf128> = v.iter().map(|p| Gf128(p.1)).collect();
            if let Some(r) = inner_product(&a, &b) {
                let mut expect = (0u128, 0u128);
                for (x, y) in &v {
                    let (l, h) = clmul_portable::clmul128(*x, *y);
                    expect.0 ^= l;
                    expect.1 ^= h;
                }
                prop_assert_eq!(r, expect);
            }
        }
    }

    #[test]
    fn detection_is_cached_and_consistent() {
        let first = available();
        assert_eq!(available(), first);
        assert_eq!(first, std::is_x86_feature_detected!("pclmulqdq"));
    }
}
