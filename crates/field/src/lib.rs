//! Finite fields for the SPDZ/MASCOT engine.
//!
//! - [`Field`]: what the protocols need from a field — arithmetic, inverse, square root,
//!   uniform sampling from a CSPRNG, a canonical little-endian encoding whose decoder rejects
//!   non-canonical values, and batch operations on slices.
//! - [`Fp`]: the prime field with p = 2^127 − 1 (a Mersenne prime: reduction is a shift and an
//!   add; p ≡ 3 mod 4, so a square root is one exponentiation).
//! - [`Gf128`]: GF(2^128) = GF(2)\[x\]/(x^128 + x^7 + x^2 + x + 1), for the KOS consistency check,
//!   with a carry-less multiply that uses PCLMULQDQ when the CPU has it.
//! - [`FixedPoint`]: encoding of reals as fixed-point values in [`Fp`].
//!
//! # Constant time
//!
//! Arithmetic (`+ − × neg`, [`Field::inverse`], [`Field::square`], [`Field::sqrt`], the batch
//! operations) has no branch and no memory access that depends on the values. Functions whose
//! running time depends on an argument say so with a `_vartime` suffix; for those, the argument
//! named in their documentation must be public. Decoding ([`Field::read_le`]) folds the range
//! check into one [`subtle::Choice`] and branches once, on whether the encoding is valid.
//!
//! # Unsafe code
//!
//! The crate denies `unsafe_code`; the only exception is the small private module that wraps the
//! PCLMULQDQ intrinsic. It has a portable twin and property tests check that the two agree.
//!
//! # Example
//!
//! ```
//! use spdz_field::{Field, FixedPoint, Fp, Gf128};
//!
//! let a = Fp::from_u64(3);
//! let b = -Fp::from_u64(5);                       // p − 5
//! assert_eq!((a * b).to_i128(), -15);
//! assert_eq!(a * a.inverse().unwrap(), Fp::ONE);
//!
//! // Canonical encodings; decoding rejects values ≥ p.
//! let bytes = Fp::encode_slice(&[a, b]);
//! assert_eq!(Fp::decode_slice(&bytes).unwrap(), vec![a, b]);
//! assert!(Fp::read_le(&Fp::MODULUS.to_le_bytes()).is_err());
//!
//! // Fixed point: f = 16 fractional bits.
//! let fx = FixedPoint::default();
//! assert_eq!(fx.decode(fx.encode(-2.5).unwrap() + fx.encode(1.25).unwrap()), -1.25);
//!
//! // GF(2^128): x^127 · x = x^128 = x^7 + x^2 + x + 1.
//! assert_eq!(Gf128::new(1 << 127) * Gf128::new(2), Gf128::new(0x87));
//! ```
//!
//! The design notes, with the table of which function does what, are in `papers/field.md` of the
//! repository.
#![deny(unsafe_code)]

mod error;
mod fixed;
mod fp;
mod gf128;

pub use error::{FieldError, FixedPointError};
pub use fixed::FixedPoint;
pub use fp::{Fp, Pow2Sum};
pub use gf128::{Gf128, Gf128Wide};
use subtle::{ConditionallySelectable, ConstantTimeEq, CtOption};

/// A finite field, as the SPDZ/MASCOT protocols use it.
///
/// Implementations are constant time in the values of their elements, except for functions
/// named `*_vartime`, which are variable time only in the argument their documentation names.
pub trait Field:
    Copy
    + Clone
    + Default
    + Eq
    + Send
    + Sync
    + 'static
    + core::ops::Add<Output = Self>
    + core::ops::Sub<Output = Self>
    + core::ops::Mul<Output = Self>
    + core::ops::Neg<Output = Self>
    + core::ops::AddAssign
    + core::ops::SubAssign
    + core::ops::MulAssign
    + ConditionallySelectable
    + ConstantTimeEq
    + core::fmt::Debug
{
    /// The additive identity.
    const ZERO: Self;
    /// The multiplicative identity.
    const ONE: Self;
    /// Length in bytes of the canonical encoding ([`Field::write_le`], [`Field::read_le`]).
    const BYTES: usize;
    /// A short name of the field, stable across versions (used in file headers).
    const NAME: &'static str;

    /// A uniformly random element drawn from `rng`.
    fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self;

    /// The image of the integer `x` in the field (`x mod p`; for a field of characteristic 2,
    /// `x mod 2`).
    fn from_u64(x: u64) -> Self;

    /// The multiplicative inverse; none for zero. Constant time.
    fn inverse(&self) -> CtOption<Self>;

    /// `self · self`.
    fn square(&self) -> Self;

    /// `self^exp`. Variable time in `exp` only (which must be public), constant time in `self`.
    fn pow_vartime(&self, exp: u128) -> Self;

    /// A square root of `self`, if one exists. Constant time.
    fn sqrt(&self) -> CtOption<Self>;

    /// Writes the canonical little-endian encoding of `self` into `out`.
    ///
    /// # Panics
    ///
    /// If `out.len() != Self::BYTES` (a caller's mistake, never caused by peer data).
    fn write_le(&self, out: &mut [u8]);

    /// Decodes a canonical little-endian encoding.
    ///
    /// # Errors
    ///
    /// [`FieldError::WrongLength`] if `bytes.len() != Self::BYTES`,
    /// [`FieldError::NonCanonical`] if the encoded integer is not a canonical element
    /// (for [`Fp`]: a value ≥ p).
    fn read_le(bytes: &[u8]) -> Result<Self, FieldError>;

    /// `true` (as a [`subtle::Choice`]) iff `self` is zero. Constant time.
    fn is_zero(&self) -> subtle::Choice {
        self.ct_eq(&Self::ZERO)
    }

    /// `Σ a[i] · b[i]`.
    ///
    /// Takes slices of equal length. If the lengths differ, the surplus elements of the longer
    /// slice are ignored (as with [`Iterator::zip`]); callers whose lengths come from a peer must
    /// check them first, or use [`Field::inner_product_checked`]. Never panics.
    fn inner_product(a: &[Self], b: &[Self]) -> Self {
        a.iter()
            .zip(b)
            .fold(Self::ZERO, |acc, (&x, &y)| acc + x * y)
    }

    /// `Σ a[i] · b[i]`, with the lengths checked.
    ///
    /// # Errors
    ///
    /// [`FieldError::LengthMismatch`] if `a.len() != b.len()`.
    fn inner_product_checked(a: &[Self], b: &[Self]) -> Result<Self, FieldError> {
        if a.len() == b.len() {
            Ok(Self::inner_product(a, b))
        } else {
            Err(FieldError::LengthMismatch {
                left: a.len(),
                right: b.len(),
            })
        }
    }

    /// `y[i] += a · x[i]` for every `i` (BLAS's axpy).
    ///
    /// Takes slices of equal length; if they differ, only the common prefix is updated (as with
    /// [`Iterator::zip`]). Never panics.
    fn axpy(y: &mut [Self], a: Self, x: &[Self]) {
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi += a * xi;
        }
    }

    /// `xs[i] *= c` for every `i`.
    fn scale_in_place(xs: &mut [Self], c: Self) {
        for x in xs {
            *x *= c;
        }
    }

    /// `Σ xs[i]`.
    fn sum_slice(xs: &[Self]) -> Self {
        xs.iter().fold(Self::ZERO, |acc, &x| acc + x)
    }

    /// `c · Σ xs[i]` (one multiplication).
    fn scaled_sum(xs: &[Self], c: Self) -> Self {
        Self::sum_slice(xs) * c
    }

    /// The canonical encodings of `xs`, concatenated (`xs.len() · BYTES` bytes).
    fn encode_slice(xs: &[Self]) -> Vec<u8> {
        let mut out = vec![0u8; xs.len() * Self::BYTES];
        for (x, chunk) in xs.iter().zip(out.chunks_exact_mut(Self::BYTES)) {
            x.write_le(chunk);
        }
        out
    }

    /// Decodes concatenated canonical encodings, as written by [`Field::encode_slice`].
    ///
    /// # Errors
    ///
    /// [`FieldError::LengthNotMultiple`] if `bytes.len()` is not a multiple of `BYTES`;
    /// [`FieldError::NonCanonical`] (with the element's index) if any element is not canonical.
    fn decode_slice(bytes: &[u8]) -> Result<Vec<Self>, FieldError> {
        if !bytes.len().is_multiple_of(Self::BYTES) {
            return Err(FieldError::LengthNotMultiple {
                len: bytes.len(),
                element_bytes: Self::BYTES,
            });
        }
        bytes
            .chunks_exact(Self::BYTES)
            .enumerate()
            .map(|(index, chunk)| {
                Self::read_le(chunk).map_err(|e| match e {
                    FieldError::NonCanonical { .. } => FieldError::NonCanonical { index },
                    other => other,
                })
            })
            .collect()
    }
}
