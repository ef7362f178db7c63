//! Portable constant-time carry-less multiplication: the twin of the PCLMULQDQ module.
//!
//! `bmul32` is BearSSL's technique (Thomas Pornin, `ghash_ctmul.c`): split each operand into
//! four bit classes by position mod 4 ("holes" of three zero bits between live bits), multiply
//! with ordinary integer multiplications, and keep only the bits of the matching class. In a
//! 32×32 product at most 8 pairs meet at any position, so the carries stay inside the holes and
//! never reach the next live bit of the same class. No table lookups, no branches.

/// Carry-less 32×32 → 64-bit product.
#[inline(always)]
const fn bmul32(x: u32, y: u32) -> u64 {
    const M32: [u32; 4] = [0x1111_1111, 0x2222_2222, 0x4444_4444, 0x8888_8888];
    const M64: [u64; 4] = [
        0x1111_1111_1111_1111,
        0x2222_2222_2222_2222,
        0x4444_4444_4444_4444,
        0x8888_8888_8888_8888,
    ];
    let x0 = (x & M32[0]) as u64;
    let x1 = (x & M32[1]) as u64;
    let x2 = (x & M32[2]) as u64;
    let x3 = (x & M32[3]) as u64;
    let y0 = (y & M32[0]) as u64;
    let y1 = (y & M32[1]) as u64;
    let y2 = (y & M32[2]) as u64;
    let y3 = (y & M32[3]) as u64;
    // z_c collects the products whose bit classes add up to c (mod 4).
    let z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
    let z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
    let z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
    let z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
    (z0 & M64[0]) | (z1 & M64[1]) | (z2 & M64[2]) | (z3 & M64[3])
}

/// Carry-less 64×64 → 128-bit product (schoolbook on 32-bit halves).
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // splitting into 32-bit halves is the intent
const fn clmul64(a: u64, b: u64) -> u128 {
    let (a0, a1) = (a as u32, (a >> 32) as u32);
    let (b0, b1) = (b as u32, (b >> 32) as u32);
    let lo = bmul32(a0, b0) as u128;
    let mid = (bmul32(a0, b1) ^ bmul32(a1, b0)) as u128;
    let hi = bmul32(a1, b1) as u128;
    lo ^ (mid << 32) ^ (hi << 64)
}

/// Carry-less 128×128 → 256-bit product `(lo, hi)` (Karatsuba: three 64-bit products).
#[allow(clippy::cast_possible_truncation)] // splitting into 64-bit halves is the intent
pub(super) const fn clmul128(a: u128, b: u128) -> (u128, u128) {
    let (a0, a1) = (a as u64, (a >> 64) as u64);
    let (b0, b1) = (b as u64, (b >> 64) as u64);
    let lo = clmul64(a0, b0);
    let hi = clmul64(a1, b1);
    let mid = clmul64(a0 ^ a1, b0 ^ b1) ^ lo ^ hi;
    (lo ^ (mid << 64), hi ^ (mid >> 64))
}

/// Bit-by-bit reference, used only by tests: the definition of a carry-less product.
#[cfg(test)]
pub(super) fn clmul128_reference(a: u128, b: u128) -> (u128, u128) {
    let (mut lo, mut hi) = (0u128, 0u128);
    for i in 0..128 {
        if (b >> i) & 1 == 1 {
            lo ^= a << i;
            if i > 0 {
                hi ^= a >> (128 - i);
            }
        }
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn portable_matches_definition(a in any::<u128>(), b in any::<u128>()) {
            prop_assert_eq!(clmul128(a, b), clmul128_reference(a, b));
        }
    }

    #[test]
    fn all_ones_maximises_the_counts() {
        // Every position gets the most terms: the holes must absorb the carries.
        for (a, b) in [(u128::MAX, u128::MAX), (u128::MAX, 1), (1 << 127, 1 << 127)] {
            assert_eq!(clmul128(a, b), clmul128_reference(a, b));
        }
    }
}
