//! `Fp`: the prime field with p = 2^127 − 1.
//!
//! Elements are stored as a `u128` in canonical form (`0 ≤ v < p`), an invariant every
//! constructor keeps. Reduction uses 2^127 ≡ 1 (mod p): a value `x = h·2^127 + l` is congruent
//! to `h + l`, so reducing is a shift, a mask and an add, followed by one conditional
//! subtraction of p, done with a mask rather than a branch.
//!
//! Multiplication splits each operand into two 64-bit limbs (the high limb has 63 bits), forms
//! the 254-bit product from four 64×64→128 multiplications, and folds it twice.
//!
//! Batch inner products ([`Field::inner_product`] for `Fp`) accumulate the four limb products
//! unreduced in 128-bit lanes of 64-bit pieces, so that there is no carry chain between terms,
//! and reduce once at the end.

use core::fmt;
use core::iter::{Product, Sum};
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeLess, CtOption};

use crate::{Field, FieldError};

/// The modulus p = 2^127 − 1.
pub(crate) const P: u128 = (1u128 << 127) - 1;

/// An element of F_p, p = 2^127 − 1, held in canonical form.
///
/// `Debug` prints the value: this is algebra; types in higher crates that hold secrets wrap it
/// and redact.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Fp(u128);

/// The low 64 bits of `x`.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // truncation to the low limb is the intent
const fn lo64(x: u128) -> u64 {
    x as u64
}

/// The high 64 bits of `x`.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // x >> 64 < 2^64: nothing is lost
const fn hi64(x: u128) -> u64 {
    (x >> 64) as u64
}

/// Subtracts p from `r` if `r ≥ p`, without branching. Requires `r < 2p`.
///
/// This is the "final conditional subtraction" of the Mersenne reduction: without it, values
/// in `[p, 2p)` would escape non-canonical (e.g. `1 + (p − 1)` would give p instead of 0).
#[inline(always)]
const fn csub_p(r: u128) -> u128 {
    let (t, borrow) = r.overflowing_sub(P);
    // mask = all ones iff r < p (keep r), all zeros iff r ≥ p (take r − p).
    let mask = (borrow as u128).wrapping_neg();
    (r & mask) | (t & !mask)
}

/// `a − b mod p` for canonical `a, b`, without branching.
#[inline(always)]
const fn sub_mod(a: u128, b: u128) -> u128 {
    let (d, borrow) = a.overflowing_sub(b);
    // On borrow, d = 2^128 + a − b; adding p (mod 2^128) gives a − b + p ∈ (0, p).
    let mask = (borrow as u128).wrapping_neg();
    d.wrapping_add(P & mask)
}

/// Reduces any `x < 2^128` to canonical form.
#[inline(always)]
const fn reduce128(x: u128) -> u128 {
    // x = h·2^127 + l ≡ h + l with h ≤ 1, l ≤ p, so the sum is ≤ p + 1 < 2p.
    csub_p((x & P) + (x >> 127))
}

/// Reduces a product `hi·2^128 + lo` of two canonical elements (`hi < 2^126`).
///
/// `x = (2·hi + lo_127)·2^127 + (lo mod 2^127)` with `2·hi + lo_127 < 2^127`, so the first fold
/// `s` is below 2^128 and the second gives `r ≤ p` with `r ≡ x`. No final conditional
/// subtraction is needed: `r = p` would need `x ≡ 0` with `x ≠ 0`, impossible for a product of
/// canonical elements and a prime p (a zero product folds to 0). So `r < p` already.
#[inline(always)]
const fn fold_product(lo: u128, hi: u128) -> u128 {
    let h = (hi << 1) | (lo >> 127);
    let s = (lo & P) + h;
    (s & P) + (s >> 127)
}

/// The full product of `a, b < 2^127`, as `(lo, hi)` with `a·b = hi·2^128 + lo`, `hi < 2^126`.
#[inline(always)]
const fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a0, a1) = (lo64(a) as u128, hi64(a) as u128);
    let (b0, b1) = (lo64(b) as u128, hi64(b) as u128);
    let p00 = a0 * b0;
    // a1, b1 < 2^63, so p01, p10 < 2^127 and their sum fits in 128 bits.
    let mid = a0 * b1 + a1 * b0;
    let p11 = a1 * b1;
    let (lo, carry) = p00.overflowing_add(mid << 64);
    let hi = p11 + (mid >> 64) + carry as u128;
    (lo, hi)
}

impl Fp {
    /// The modulus p = 2^127 − 1, as an integer.
    pub const MODULUS: u128 = P;

    /// `x mod p`.
    #[inline]
    pub const fn from_u128(x: u128) -> Self {
        Fp(reduce128(x))
    }

    /// The canonical representative, in `[0, p)`.
    #[inline]
    pub const fn to_u128(self) -> u128 {
        self.0
    }

    /// `x mod p` for a signed `x` (so `from_i64(-1) = p − 1`).
    #[inline]
    pub const fn from_i64(x: i64) -> Self {
        Self::from_i128(x as i128)
    }

    /// `x mod p` for a signed `x` (so `from_i128(-1) = p − 1`). Constant time.
    #[inline]
    pub const fn from_i128(x: i128) -> Self {
        // |x| ≤ 2^127 as an unsigned magnitude, then negate in the field.
        let neg = (x < 0) as u128;
        let mask = neg.wrapping_neg();
        let mag = (x as u128 ^ mask).wrapping_add(neg); // two's-complement magnitude, ≤ 2^127
        let m = reduce128(mag);
        // p − m is in (0, p] for m < p; fold p to 0 with csub_p.
        let negated = csub_p(P - m);
        Fp((m & !mask) | (negated & mask))
    }

    /// The signed lift of `self`: the representative in `(−p/2, p/2)`, i.e. `v` if
    /// `v ≤ (p − 1)/2`, else `v − p`. Constant time.
    #[inline]
    pub const fn to_i128(self) -> i128 {
        let v = self.0;
        // is_neg = v > (p − 1)/2 = 2^126 − 1, i.e. bit 126 set (v < 2^127).
        let is_neg = (v >> 126) & 1;
        let mask = is_neg.wrapping_neg();
        let neg = (v.wrapping_sub(P)) as i128; // v − p as a negative i128 when v > p/2
        let pos = v as i128;
        ((pos as u128 & !mask) | (neg as u128 & mask)) as i128
    }

    /// `self` doubled `n` times: `self^(2^n)`.
    #[inline]
    fn square_n(self, n: u32) -> Self {
        let mut x = self;
        for _ in 0..n {
            x = x.square();
        }
        x
    }

    /// The little-endian encoding of `self` (16 bytes, top bit always 0).
    #[inline]
    pub const fn to_le_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    /// Decodes a canonical 16-byte little-endian encoding.
    ///
    /// Returns none if the value is ≥ p. Constant time in the value.
    pub fn from_le_bytes(bytes: [u8; 16]) -> CtOption<Self> {
        let v = u128::from_le_bytes(bytes);
        CtOption::new(Fp(v), v.ct_lt(&P))
    }
}

/// Σ_l 2^l·x_l mod p, reduced once at the end: the "gadget" sum that turns k bit-position
/// shares into one share in COPEe and Gilboa multiplication (MASCOT, ePrint 2016/505).
///
/// Since 2^127 ≡ 1 (mod p), multiplying a canonical x < 2^127 by 2^l (l < 127) is a 127-bit
/// rotation of x, exact as an integer congruent mod p. The rotated terms (< 2^127) are summed
/// as 64-bit halves in two 128-bit lanes, so no term costs a modular reduction; one fold at
/// [`Pow2Sum::finish`]. A lane gains less than 2^64 per term, so it cannot overflow before
/// 2^64 terms (a product uses 127, a check at most a few thousand).
///
/// Branch-free: the shift amount l is a public position, the data only flows through shifts,
/// masks and adds.
#[derive(Clone, Copy, Default)]
pub struct Pow2Sum {
    lo: u128,
    hi: u128,
}

impl Pow2Sum {
    /// The empty sum.
    pub const ZERO: Self = Self { lo: 0, hi: 0 };

    /// Adds 2^l·x. Requires `l < 127` (bit positions of an element); a larger `l` is a caller
    /// bug and is reduced mod 127 (2^127 ≡ 1, so the result is still right).
    #[inline(always)]
    pub fn add(&mut self, x: Fp, l: u32) {
        let l = l % 127;
        // x < 2^127: bits shifted past 2^127 come back at the bottom (2^127 ≡ 1). For l = 0
        // the right shift by 127 gives 0.
        let r = ((x.0 << l) & P) | (x.0 >> (127 - l));
        self.lo += lo64(r) as u128;
        self.hi += hi64(r) as u128;
    }

    /// Adds another sum.
    #[inline(always)]
    pub fn merge(&mut self, o: Pow2Sum) {
        self.lo += o.lo;
        self.hi += o.hi;
    }

    /// The sum mod p.
    #[inline]
    pub fn finish(self) -> Fp {
        // lo + hi·2^64, hi = h1·2^63 + h0 with h0 < 2^63: hi·2^64 ≡ h0·2^64 + h1, and
        // h0·2^64 < 2^127 − 1 is canonical.
        let h0 = self.hi & ((1u128 << 63) - 1);
        let h1 = self.hi >> 63;
        Fp::from_u128(self.lo) + Fp(h0 << 64) + Fp::from_u128(h1)
    }
}

impl Fp {
    /// `self` if bit `i` of `bits` is set, else 0: the product of `self` with a secret bit,
    /// branch-free (the bit becomes an all-ones or all-zeros mask, as `subtle`'s
    /// `conditional_select` does, without building a `Choice` per element). `i` is a public
    /// position (reduced mod 128).
    #[inline(always)]
    #[must_use]
    pub const fn and_bit(self, bits: u128, i: u32) -> Fp {
        let mask = ((bits >> (i % 128)) & 1).wrapping_neg();
        Fp(self.0 & mask)
    }
}

impl fmt::Debug for Fp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fp({})", self.0)
    }
}

impl fmt::Display for Fp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u64> for Fp {
    fn from(x: u64) -> Self {
        Fp(x as u128)
    }
}

impl ConditionallySelectable for Fp {
    #[inline]
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Fp(u128::conditional_select(&a.0, &b.0, choice))
    }
}

impl ConstantTimeEq for Fp {
    #[inline]
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl zeroize::DefaultIsZeroes for Fp {}

impl Add for Fp {
    type Output = Fp;
    #[inline]
    fn add(self, rhs: Fp) -> Fp {
        // Both < 2^127 - 1, so the sum is < 2^128 and below 2p.
        Fp(reduce128(self.0 + rhs.0))
    }
}

impl Sub for Fp {
    type Output = Fp;
    #[inline]
    fn sub(self, rhs: Fp) -> Fp {
        Fp(sub_mod(self.0, rhs.0))
    }
}

impl Neg for Fp {
    type Output = Fp;
    #[inline]
    fn neg(self) -> Fp {
        Fp::ZERO - self
    }
}

impl Mul for Fp {
    type Output = Fp;
    #[inline]
    fn mul(self, rhs: Fp) -> Fp {
        let (lo, hi) = mul_wide(self.0, rhs.0);
        Fp(fold_product(lo, hi))
    }
}

impl AddAssign for Fp {
    #[inline]
    fn add_assign(&mut self, rhs: Fp) {
        *self = *self + rhs;
    }
}

impl SubAssign for Fp {
    #[inline]
    fn sub_assign(&mut self, rhs: Fp) {
        *self = *self - rhs;
    }
}

impl MulAssign for Fp {
    #[inline]
    fn mul_assign(&mut self, rhs: Fp) {
        *self = *self * rhs;
    }
}

impl Sum for Fp {
    fn sum<I: Iterator<Item = Fp>>(iter: I) -> Fp {
        iter.fold(Fp::ZERO, |a, b| a + b)
    }
}

impl<'a> Sum<&'a Fp> for Fp {
    fn sum<I: Iterator<Item = &'a Fp>>(iter: I) -> Fp {
        iter.fold(Fp::ZERO, |a, b| a + *b)
    }
}

impl Product for Fp {
    fn product<I: Iterator<Item = Fp>>(iter: I) -> Fp {
        iter.fold(Fp::ONE, |a, b| a * b)
    }
}

impl<'a> Product<&'a Fp> for Fp {
    fn product<I: Iterator<Item = &'a Fp>>(iter: I) -> Fp {
        iter.fold(Fp::ONE, |a, b| a * *b)
    }
}

/// Unreduced accumulator of products: Σ a_i·b_i kept as four 128-bit lanes of 64-bit pieces
/// (weights 2^0, 2^64, 2^128, 2^192), so adding a term has no carry chain.
///
/// A lane gains at most three 64-bit pieces per term, so it cannot overflow before 2^62 terms,
/// far more than any slice holds (a slice of `Fp` has fewer than 2^60 elements).
#[derive(Clone, Copy, Default)]
struct WideAcc {
    c0: u128,
    c1: u128,
    c2: u128,
    c3: u128,
}

impl WideAcc {
    #[inline(always)]
    fn add_product(&mut self, a: u128, b: u128) {
        let (a0, a1) = (lo64(a) as u128, hi64(a) as u128);
        let (b0, b1) = (lo64(b) as u128, hi64(b) as u128);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        self.c0 += lo64(p00) as u128;
        self.c1 += hi64(p00) as u128 + lo64(p01) as u128 + lo64(p10) as u128;
        self.c2 += hi64(p01) as u128 + hi64(p10) as u128 + lo64(p11) as u128;
        self.c3 += hi64(p11) as u128;
    }

    #[inline(always)]
    fn merge(self, o: WideAcc) -> WideAcc {
        WideAcc {
            c0: self.c0 + o.c0,
            c1: self.c1 + o.c1,
            c2: self.c2 + o.c2,
            c3: self.c3 + o.c3,
        }
    }

    /// Σ c_j·2^(64 j) mod p.
    fn reduce(self) -> Fp {
        // 2^64 = 2^64, 2^128 ≡ 2, 2^192 ≡ 2^65 (mod p). Reduce each lane first so the
        // combination cannot overflow: r_j < p < 2^127.
        let r0 = Fp::from_u128(self.c0);
        let r1 = Fp::from_u128(self.c1);
        let r2 = Fp::from_u128(self.c2);
        let r3 = Fp::from_u128(self.c3);
        let two64 = Fp(1u128 << 64);
        let two = Fp(2);
        let two65 = Fp(1u128 << 65);
        r0 + r1 * two64 + r2 * two + r3 * two65
    }
}

/// Σ a_i·b_i with lazy reduction, four independent accumulators so the CPU overlaps terms.
fn inner_product_lazy(a: &[Fp], b: &[Fp]) -> Fp {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [WideAcc::default(); 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (xa, xb) in (&mut ca).zip(&mut cb) {
        for k in 0..4 {
            acc[k].add_product(xa[k].0, xb[k].0);
        }
    }
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        acc[0].add_product(x.0, y.0);
    }
    acc[0].merge(acc[1]).merge(acc[2].merge(acc[3])).reduce()
}

impl Field for Fp {
    const ZERO: Self = Fp(0);
    const ONE: Self = Fp(1);
    const BYTES: usize = 16;
    const NAME: &'static str = "F_p(2^127-1)";

    fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        // Rejection sampling on 127 random bits: the only rejected value is p itself
        // (probability 2^-127), so the loop almost never repeats and leaks nothing useful.
        loop {
            let lo = rng.next_u64() as u128;
            let hi = rng.next_u64() as u128;
            let v = ((hi << 64) | lo) & P;
            if v != P {
                return Fp(v);
            }
        }
    }

    #[inline]
    fn from_u64(x: u64) -> Self {
        Fp(x as u128)
    }

    fn inverse(&self) -> CtOption<Self> {
        // Fermat: x^(p−2), p − 2 = 2^127 − 3 = (2^125 − 1)·4 + 1. The addition chain below
        // computes a_k = x^(2^k − 1) with a_(m+n) = a_m^(2^n)·a_n: 126 squarings, 12 products.
        // The exponent is public, so the chain is fixed and the time does not depend on x.
        let x = *self;
        let a1 = x;
        let a2 = a1.square() * a1;
        let a4 = a2.square_n(2) * a2;
        let a8 = a4.square_n(4) * a4;
        let a16 = a8.square_n(8) * a8;
        let a32 = a16.square_n(16) * a16;
        let a64 = a32.square_n(32) * a32;
        let a96 = a64.square_n(32) * a32;
        let a112 = a96.square_n(16) * a16;
        let a120 = a112.square_n(8) * a8;
        let a124 = a120.square_n(4) * a4;
        let a125 = a124.square() * a1;
        let inv = a125.square_n(2) * x;
        CtOption::new(inv, !x.is_zero())
    }

    #[inline]
    fn square(&self) -> Self {
        // Three limb products instead of four: a0², 2·a0·a1 (< 2^128 as a1 < 2^63), a1².
        let a = self.0;
        let (a0, a1) = (lo64(a) as u128, hi64(a) as u128);
        let mid = (a0 * a1) << 1;
        let (lo, carry) = (a0 * a0).overflowing_add(mid << 64);
        let hi = a1 * a1 + (mid >> 64) + carry as u128;
        Fp(fold_product(lo, hi))
    }

    fn pow_vartime(&self, exp: u128) -> Self {
        let mut r = Fp::ONE;
        let bits = 128 - exp.leading_zeros();
        for i in (0..bits).rev() {
            r = r.square();
            if (exp >> i) & 1 == 1 {
                r *= *self;
            }
        }
        r
    }

    fn sqrt(&self) -> CtOption<Self> {
        // p ≡ 3 (mod 4): r = x^((p+1)/4) = x^(2^125) is a square root iff x is a square.
        let r = self.square_n(125);
        CtOption::new(r, r.square().ct_eq(self))
    }

    #[inline]
    fn write_le(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.0.to_le_bytes());
    }

    #[inline]
    fn read_le(bytes: &[u8]) -> Result<Self, FieldError> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| FieldError::WrongLength {
            expected: Self::BYTES,
            actual: bytes.len(),
        })?;
        Option::from(Fp::from_le_bytes(arr)).ok_or(FieldError::NonCanonical { index: 0 })
    }

    fn inner_product(a: &[Self], b: &[Self]) -> Self {
        inner_product_lazy(a, b)
    }

    fn sum_slice(xs: &[Self]) -> Self {
        // Lazy: sum 64-bit halves in 128-bit lanes, reduce once.
        let (mut lo, mut hi) = (0u128, 0u128);
        for x in xs {
            lo += lo64(x.0) as u128;
            hi += hi64(x.0) as u128;
        }
        Fp::from_u128(lo) + Fp::from_u128(hi) * Fp(1u128 << 64)
    }

    fn encode_slice(xs: &[Self]) -> Vec<u8> {
        let mut out = Vec::with_capacity(xs.len() * 16);
        for x in xs {
            out.extend_from_slice(&x.0.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow2_sum_matches_horner() {
        let mut x = 0x1234_5678_9abc_def0_0fed_cba9_8765_4321u128;
        for n in [0usize, 1, 2, 126, 127, 300] {
            let mut s = Pow2Sum::ZERO;
            let mut expect = Fp::ZERO;
            for j in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = Fp::from_u128(x);
                let l = u32::try_from(j % 127).unwrap();
                s.add(v, l);
                expect += v * Fp::from_u128(1u128 << l);
            }
            assert_eq!(s.finish(), expect, "{n}");
        }
        // Extremes: p − 1 at every position, many times.
        let mut s = Pow2Sum::ZERO;
        let mut expect = Fp::ZERO;
        let m = Fp::from_u128(P - 1);
        for j in 0..(127 * 40) {
            let l = u32::try_from(j % 127).unwrap();
            s.add(m, l);
            expect += m * Fp::from_u128(1u128 << l);
        }
        let mut t = Pow2Sum::ZERO;
        t.merge(s);
        assert_eq!(t.finish(), expect);
    }

    #[test]
    fn and_bit_selects() {
        let v = Fp::from_u128(12345);
        assert_eq!(v.and_bit(0b10, 1), v);
        assert_eq!(v.and_bit(0b10, 0), Fp::ZERO);
        assert_eq!(v.and_bit(1u128 << 127, 127), v);
    }

    #[test]
    fn final_conditional_subtraction_is_needed() {
        // Values whose folded sum lands on p exactly must come out as 0.
        assert_eq!(Fp::ONE + Fp(P - 1), Fp::ZERO);
        assert_eq!(Fp::from_u128(P), Fp::ZERO);
        assert_eq!(Fp::from_u128(u128::MAX), Fp::ONE);
        assert_eq!(Fp::from_u128(2 * P), Fp::ZERO);
        assert_eq!(Fp(P - 1) + Fp(P - 1), Fp(P - 2));
    }

    #[test]
    fn signed_helpers() {
        assert_eq!(Fp::from_i64(-1), Fp(P - 1));
        assert_eq!(Fp::from_i64(-1).to_i128(), -1);
        assert_eq!(Fp::from_i64(i64::MIN).to_i128(), i64::MIN as i128);
        assert_eq!(Fp::from_i64(i64::MAX).to_i128(), i64::MAX as i128);
        assert_eq!(Fp::from_i128(i128::MIN), -Fp::from_u128(1u128 << 127));
        assert_eq!(Fp::from_i128(0), Fp::ZERO);
        assert_eq!(Fp((P - 1) / 2).to_i128(), ((P - 1) / 2) as i128);
        assert_eq!(Fp(P.div_ceil(2)).to_i128(), -(((P - 1) / 2) as i128));
    }

    #[test]
    fn inverse_and_sqrt_basics() {
        assert!(bool::from(Fp::ZERO.inverse().is_none()));
        assert_eq!(Fp::ONE.inverse().unwrap(), Fp::ONE);
        let x = Fp::from_u64(12345);
        assert_eq!(x * x.inverse().unwrap(), Fp::ONE);
        assert_eq!(x.inverse().unwrap(), x.pow_vartime(P - 2));
        let s = Fp::from_u64(4).sqrt().unwrap();
        assert!(s == Fp::from_u64(2) || s == -Fp::from_u64(2));
        // −1 is a non-residue when p ≡ 3 mod 4.
        assert!(bool::from((-Fp::ONE).sqrt().is_none()));
        assert_eq!(Fp::ZERO.sqrt().unwrap(), Fp::ZERO);
    }

    #[test]
    fn decoding_rejects_bad_input() {
        assert!(matches!(
            Fp::read_le(&[0u8; 15]),
            Err(FieldError::WrongLength {
                expected: 16,
                actual: 15
            })
        ));
        assert!(matches!(
            Fp::read_le(&P.to_le_bytes()),
            Err(FieldError::NonCanonical { index: 0 })
        ));
        assert!(matches!(
            Fp::read_le(&u128::MAX.to_le_bytes()),
            Err(FieldError::NonCanonical { index: 0 })
        ));
        assert_eq!(Fp::read_le(&(P - 1).to_le_bytes()).unwrap(), Fp(P - 1));
        let mut two = Fp::encode_slice(&[Fp::ONE, Fp(5)]);
        assert_eq!(Fp::decode_slice(&two).unwrap(), vec![Fp::ONE, Fp(5)]);
        two[16..].copy_from_slice(&P.to_le_bytes());
        assert!(matches!(
            Fp::decode_slice(&two),
            Err(FieldError::NonCanonical { index: 1 })
        ));
        assert!(matches!(
            Fp::decode_slice(&two[..17]),
            Err(FieldError::LengthNotMultiple {
                len: 17,
                element_bytes: 16
            })
        ));
        assert_eq!(Fp::decode_slice(&[]).unwrap(), Vec::<Fp>::new());
    }
}
