//! `Gf128`: the binary field GF(2^128) = GF(2)\[x\] / (x^128 + x^7 + x^2 + x + 1).
//!
//! # Representation and bit order
//!
//! An element is a polynomial of degree < 128 over GF(2), stored in a `u128` whose **bit i is
//! the coefficient of x^i** (the "natural" order; not GCM's bit-reflected one). Bytes are little
//! endian: byte 0 holds x^0 … x^7, with x^0 in its least significant bit. So `Gf128::from(2)` is
//! the polynomial x, and `Gf128::from(1 << 127) · Gf128::from(2)` is x^128 = x^7 + x^2 + x + 1,
//! i.e. `0x87`.
//!
//! # Why this polynomial
//!
//! x^128 + x^7 + x^2 + x + 1 is the irreducible pentanomial of degree 128 with the smallest
//! middle terms (it is the one GCM, the KOS paper's implementations, emp-toolkit and swanky
//! use). Its low terms all have degree ≤ 7, so the reduction of a 256-bit product is four
//! shifts and XORs on the high half plus a second, tiny fold of the ≤ 7 bits that spill over:
//! no table, no branch, constant time.
//!
//! # Multiplication
//!
//! The 128×128 → 256-bit carry-less product uses PCLMULQDQ when the CPU has it (detected at run
//! time once, then cached) and otherwise a portable constant-time carry-less multiply built from
//! integer multiplications with "holes" (BearSSL's `bmul32` technique). The reduction is the
//! same portable code for both paths. Inner products ([`Gf128::inner_product`]) accumulate the
//! unreduced 256-bit products with XOR and reduce once ([`Gf128Wide`]).

mod clmul_portable;
#[cfg(target_arch = "x86_64")]
mod clmul_x86;

use core::fmt;
use core::iter::{Product, Sum};
use core::ops::{Add, AddAssign, BitXor, BitXorAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, CtOption};

use crate::{Field, FieldError};

/// An element of GF(2^128); bit i of the `u128` is the coefficient of x^i.
///
/// `Debug` prints the value (this is algebra; secret wrappers in higher crates redact).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Gf128(u128);

/// An unreduced product (a polynomial of degree < 255), for accumulate-then-reduce.
///
/// Sums of these (XOR) are exact; [`Gf128Wide::reduce`] maps the sum into the field once.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Gf128Wide {
    lo: u128,
    hi: u128,
}

impl fmt::Debug for Gf128Wide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gf128Wide({:#034x}, {:#034x})", self.hi, self.lo)
    }
}

/// `(lo + hi·x^128) mod (x^128 + x^7 + x^2 + x + 1)`.
#[inline(always)]
pub(crate) const fn reduce(lo: u128, hi: u128) -> u128 {
    // hi·x^128 ≡ hi·(x^7 + x^2 + x + 1). The shifts lose the bits that land at x^128 … x^134;
    // collect them in `spill` (< 2^7) and fold them the same way once more (no further spill).
    let folded = hi ^ (hi << 1) ^ (hi << 2) ^ (hi << 7);
    let spill = (hi >> 127) ^ (hi >> 126) ^ (hi >> 121);
    let spill_folded = spill ^ (spill << 1) ^ (spill << 2) ^ (spill << 7);
    lo ^ folded ^ spill_folded
}

/// Whether the PCLMULQDQ path is used on this machine.
#[inline]
fn use_accelerated() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        clmul_x86::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The 256-bit carry-less product `(lo, hi)`, on the fastest available path.
#[inline]
fn clmul(a: u128, b: u128) -> (u128, u128) {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(r) = clmul_x86::clmul128(a, b) {
            return r;
        }
    }
    clmul_portable::clmul128(a, b)
}

impl Gf128 {
    /// The polynomial with coefficient vector `x` (bit i ↦ x^i).
    #[inline]
    pub const fn new(x: u128) -> Self {
        Gf128(x)
    }

    /// The coefficient vector (bit i = coefficient of x^i).
    #[inline]
    pub const fn to_u128(self) -> u128 {
        self.0
    }

    /// Decodes 16 little-endian bytes (every value is a valid element).
    #[inline]
    pub const fn from_le_bytes(bytes: [u8; 16]) -> Self {
        Gf128(u128::from_le_bytes(bytes))
    }

    /// The 16-byte little-endian encoding.
    #[inline]
    pub const fn to_le_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    /// Whether multiplication uses PCLMULQDQ on this machine (detected once, then cached).
    pub fn accelerated() -> bool {
        use_accelerated()
    }

    /// The unreduced product `self · rhs` as a polynomial of degree < 255.
    #[inline]
    pub fn mul_wide(self, rhs: Gf128) -> Gf128Wide {
        let (lo, hi) = clmul(self.0, rhs.0);
        Gf128Wide { lo, hi }
    }

    /// `self · rhs` on the portable path, whatever the CPU (for tests and benchmarks).
    pub fn mul_portable(self, rhs: Gf128) -> Gf128 {
        let (lo, hi) = clmul_portable::clmul128(self.0, rhs.0);
        Gf128(reduce(lo, hi))
    }

    /// `self · rhs` on the PCLMULQDQ path; `None` if the CPU lacks the instruction (for tests
    /// and benchmarks).
    pub fn mul_accelerated(self, rhs: Gf128) -> Option<Gf128> {
        #[cfg(target_arch = "x86_64")]
        {
            clmul_x86::clmul128(self.0, rhs.0).map(|(lo, hi)| Gf128(reduce(lo, hi)))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = rhs;
            None
        }
    }

    /// `Σ a[i] · b[i]`, accumulating unreduced products and reducing once.
    ///
    /// Takes slices of equal length; if they differ, the surplus of the longer one is ignored
    /// (as with [`Iterator::zip`]). Never panics.
    pub fn inner_product(a: &[Gf128], b: &[Gf128]) -> Gf128 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(w) = clmul_x86::inner_product(a, b) {
                return Gf128(reduce(w.0, w.1));
            }
        }
        Self::inner_product_portable(a, b)
    }

    /// [`Gf128::inner_product`] on the portable path (for tests and benchmarks).
    pub fn inner_product_portable(a: &[Gf128], b: &[Gf128]) -> Gf128 {
        let mut acc = Gf128Wide::ZERO;
        for (x, y) in a.iter().zip(b) {
            let (lo, hi) = clmul_portable::clmul128(x.0, y.0);
            acc.lo ^= lo;
            acc.hi ^= hi;
        }
        acc.reduce()
    }

    /// `self^(2^n)` (n squarings).
    fn square_n(self, n: u32) -> Gf128 {
        let mut x = self;
        for _ in 0..n {
            x = x.square();
        }
        x
    }
}

impl Gf128Wide {
    /// The zero polynomial.
    pub const ZERO: Gf128Wide = Gf128Wide { lo: 0, hi: 0 };

    /// The field element congruent to this polynomial.
    #[inline]
    pub const fn reduce(self) -> Gf128 {
        Gf128(reduce(self.lo, self.hi))
    }

    /// The low and high 128 coefficients, `(lo, hi)`.
    #[inline]
    pub const fn to_parts(self) -> (u128, u128) {
        (self.lo, self.hi)
    }
}

impl BitXor for Gf128Wide {
    type Output = Gf128Wide;
    #[inline]
    fn bitxor(self, rhs: Gf128Wide) -> Gf128Wide {
        Gf128Wide {
            lo: self.lo ^ rhs.lo,
            hi: self.hi ^ rhs.hi,
        }
    }
}

impl BitXorAssign for Gf128Wide {
    #[inline]
    fn bitxor_assign(&mut self, rhs: Gf128Wide) {
        self.lo ^= rhs.lo;
        self.hi ^= rhs.hi;
    }
}

impl Add for Gf128Wide {
    type Output = Gf128Wide;
    #[inline]
    #[allow(clippy::suspicious_arithmetic_impl)] // addition in characteristic 2 is XOR
    fn add(self, rhs: Gf128Wide) -> Gf128Wide {
        self ^ rhs
    }
}

impl AddAssign for Gf128Wide {
    #[inline]
    fn add_assign(&mut self, rhs: Gf128Wide) {
        *self = *self + rhs;
    }
}

impl fmt::Debug for Gf128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gf128({:#034x})", self.0)
    }
}

impl From<u128> for Gf128 {
    fn from(x: u128) -> Self {
        Gf128(x)
    }
}

impl From<Gf128> for u128 {
    fn from(x: Gf128) -> u128 {
        x.0
    }
}

impl ConditionallySelectable for Gf128 {
    #[inline]
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Gf128(u128::conditional_select(&a.0, &b.0, choice))
    }
}

impl ConstantTimeEq for Gf128 {
    #[inline]
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl zeroize::DefaultIsZeroes for Gf128 {}

impl Add for Gf128 {
    type Output = Gf128;
    #[inline]
    #[allow(clippy::suspicious_arithmetic_impl)] // addition in characteristic 2 is XOR
    fn add(self, rhs: Gf128) -> Gf128 {
        Gf128(self.0 ^ rhs.0)
    }
}

impl Sub for Gf128 {
    type Output = Gf128;
    #[inline]
    #[allow(clippy::suspicious_arithmetic_impl)] // subtraction in characteristic 2 is XOR
    fn sub(self, rhs: Gf128) -> Gf128 {
        Gf128(self.0 ^ rhs.0)
    }
}

impl BitXor for Gf128 {
    type Output = Gf128;
    #[inline]
    fn bitxor(self, rhs: Gf128) -> Gf128 {
        Gf128(self.0 ^ rhs.0)
    }
}

impl BitXorAssign for Gf128 {
    #[inline]
    fn bitxor_assign(&mut self, rhs: Gf128) {
        self.0 ^= rhs.0;
    }
}

impl Neg for Gf128 {
    type Output = Gf128;
    #[inline]
    fn neg(self) -> Gf128 {
        self
    }
}

impl Mul for Gf128 {
    type Output = Gf128;
    #[inline]
    fn mul(self, rhs: Gf128) -> Gf128 {
        let (lo, hi) = clmul(self.0, rhs.0);
        Gf128(reduce(lo, hi))
    }
}

impl AddAssign for Gf128 {
    #[inline]
    fn add_assign(&mut self, rhs: Gf128) {
        *self = *self + rhs;
    }
}

impl SubAssign for Gf128 {
    #[inline]
    fn sub_assign(&mut self, rhs: Gf128) {
        *self = *self - rhs;
    }
}

impl MulAssign for Gf128 {
    #[inline]
    fn mul_assign(&mut self, rhs: Gf128) {
        *self = *self * rhs;
    }
}

impl Sum for Gf128 {
    fn sum<I: Iterator<Item = Gf128>>(iter: I) -> Gf128 {
        iter.fold(Gf128(0), |a, b| a + b)
    }
}

impl<'a> Sum<&'a Gf128> for Gf128 {
    fn sum<I: Iterator<Item = &'a Gf128>>(iter: I) -> Gf128 {
        iter.fold(Gf128(0), |a, b| a + *b)
    }
}

impl Product for Gf128 {
    fn product<I: Iterator<Item = Gf128>>(iter: I) -> Gf128 {
        iter.fold(Gf128(1), |a, b| a * b)
    }
}

impl<'a> Product<&'a Gf128> for Gf128 {
    fn product<I: Iterator<Item = &'a Gf128>>(iter: I) -> Gf128 {
        iter.fold(Gf128(1), |a, b| a * *b)
    }
}

impl Field for Gf128 {
    const ZERO: Self = Gf128(0);
    const ONE: Self = Gf128(1);
    const BYTES: usize = 16;
    const NAME: &'static str = "GF(2^128)/x^128+x^7+x^2+x+1";

    fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let lo = u128::from(rng.next_u64());
        let hi = u128::from(rng.next_u64());
        Gf128((hi << 64) | lo)
    }

    /// The image of the integer `x`, which in characteristic 2 is `x mod 2`. To build an
    /// element from a bit pattern, use [`Gf128::new`] or `From<u128>`.
    fn from_u64(x: u64) -> Self {
        Gf128(u128::from(x & 1))
    }

    fn inverse(&self) -> CtOption<Self> {
        // x^(2^128 − 2) = (x^(2^127 − 1))^2, with a_k = x^(2^k − 1), a_(m+n) = a_m^(2^n)·a_n.
        // The chain is fixed (the exponent is public): constant time in x.
        let x = *self;
        let a1 = x;
        let a2 = a1.square() * a1;
        let a3 = a2.square() * a1;
        let a6 = a3.square_n(3) * a3;
        let a7 = a6.square() * a1;
        let a14 = a7.square_n(7) * a7;
        let a15 = a14.square() * a1;
        let a30 = a15.square_n(15) * a15;
        let a31 = a30.square() * a1;
        let a62 = a31.square_n(31) * a31;
        let a63 = a62.square() * a1;
        let a126 = a63.square_n(63) * a63;
        let a127 = a126.square() * a1;
        CtOption::new(a127.square(), !x.is_zero())
    }

    #[inline]
    fn square(&self) -> Self {
        *self * *self
    }

    fn pow_vartime(&self, exp: u128) -> Self {
        let mut r = Gf128(1);
        let bits = 128 - exp.leading_zeros();
        for i in (0..bits).rev() {
            r = r.square();
            if (exp >> i) & 1 == 1 {
                r *= *self;
            }
        }
        r
    }

    /// Always some: squaring is a bijection in characteristic 2, and √x = x^(2^127).
    fn sqrt(&self) -> CtOption<Self> {
        CtOption::new(self.square_n(127), Choice::from(1))
    }

    fn write_le(&self, out: &mut [u8]) {
        out.copy_from_slice(&self.0.to_le_bytes());
    }

    fn read_le(bytes: &[u8]) -> Result<Self, FieldError> {
        let arr: [u8; 16] = bytes.try_into().map_err(|_| FieldError::WrongLength {
            expected: Self::BYTES,
            actual: bytes.len(),
        })?;
        Ok(Gf128::from_le_bytes(arr))
    }

    fn inner_product(a: &[Self], b: &[Self]) -> Self {
        Gf128::inner_product(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_to_the_128_reduces_to_the_low_terms() {
        let x = Gf128::new(2);
        let x127 = Gf128::new(1 << 127);
        assert_eq!(x127 * x, Gf128::new(0x87));
        assert_eq!(x127.mul_portable(x), Gf128::new(0x87));
        assert_eq!(x.pow_vartime(128), Gf128::new(0x87));
        // x^255 = x^127 · x^128: the spill into x^128 … x^134 must be folded twice.
        assert_eq!(x127 * x127, x.pow_vartime(254));
    }

    #[test]
    fn inverse_sqrt_basics() {
        assert!(bool::from(Gf128::ZERO.inverse().is_none()));
        let a = Gf128::new(0x1234_5678_9abc_def0_0fed_cba9_8765_4321);
        assert_eq!(a * a.inverse().unwrap(), Gf128::ONE);
        assert_eq!(a.inverse().unwrap(), a.pow_vartime(u128::MAX - 1));
        assert_eq!(a.sqrt().unwrap().square(), a);
        assert_eq!(Gf128::from_u64(3), Gf128::ONE);
        assert_eq!(Gf128::from_u64(2), Gf128::ZERO);
        assert!(matches!(
            Gf128::read_le(&[0u8; 17]),
            Err(FieldError::WrongLength {
                expected: 16,
                actual: 17
            })
        ));
    }
}
