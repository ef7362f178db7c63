//! Fixed-point encoding of reals in [`Fp`].
//!
//! A real `x` is encoded as the field element `round(x · 2^f)`, where negative integers `−m`
//! map to `p − m`: the signed range `(−p/2, p/2)` of the field. Decoding takes the signed lift
//! ([`Fp::to_i128`]) and divides by `2^f`.
//!
//! Parameters: `f` fractional bits (default 16) and `k` total bits (default 64). A value is
//! encodable iff `|round(x · 2^f)| < 2^(k−1)`, i.e. `|x| < 2^(k−1−f)` (about 1.4 · 10^14 with
//! the defaults). Protocols that truncate (probabilistic truncation, Catrina–Saxena) need
//! `k + s < 127` for a statistical parameter `s`; with `k = 64` that leaves `s ≤ 62` bits of
//! slack, which is the online phase's concern. Precision: one unit is `2^−f` (≈ 1.5 · 10^−5 by
//! default); rounding is to nearest, ties away from zero.

use crate::{FixedPointError, Fp};

/// Fixed-point parameters: `frac_bits` = f fractional bits, `int_bits` = k, the total bit
/// length of the signed integer `round(x·2^f)` (so the integer part has k − f bits, sign
/// included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedPoint {
    frac_bits: u32,
    int_bits: u32,
}

impl Default for FixedPoint {
    /// f = 16, k = 64.
    fn default() -> Self {
        FixedPoint {
            frac_bits: 16,
            int_bits: 64,
        }
    }
}

impl FixedPoint {
    /// Parameters with `frac_bits` = f and `int_bits` = k.
    ///
    /// # Errors
    ///
    /// [`FixedPointError::InvalidParameters`] unless `f < k ≤ 126` (k ≤ 126 keeps encoded
    /// values inside the signed range of the field).
    pub const fn new(frac_bits: u32, int_bits: u32) -> Result<Self, FixedPointError> {
        if frac_bits < int_bits && int_bits <= 126 {
            Ok(FixedPoint {
                frac_bits,
                int_bits,
            })
        } else {
            Err(FixedPointError::InvalidParameters {
                frac_bits,
                int_bits,
            })
        }
    }

    /// f, the number of fractional bits.
    pub const fn frac_bits(&self) -> u32 {
        self.frac_bits
    }

    /// k, the total bit length of encoded integers (sign included).
    pub const fn int_bits(&self) -> u32 {
        self.int_bits
    }

    /// 2^f as a field element (the encoding of 1.0).
    pub const fn scale(&self) -> Fp {
        Fp::from_u128(1u128 << self.frac_bits)
    }

    /// Encodes `x` as `round(x · 2^f)` in the signed range of the field.
    ///
    /// # Errors
    ///
    /// [`FixedPointError::NotANumber`] for NaN, [`FixedPointError::Infinite`] for ±∞,
    /// [`FixedPointError::OutOfRange`] if `|round(x · 2^f)| ≥ 2^(k−1)`.
    pub fn encode(&self, x: f64) -> Result<Fp, FixedPointError> {
        if x.is_nan() {
            return Err(FixedPointError::NotANumber);
        }
        if x.is_infinite() {
            return Err(FixedPointError::Infinite);
        }
        let scaled = (x * pow2(self.frac_bits)).round();
        let bound = pow2(self.int_bits - 1);
        if scaled.abs() >= bound {
            return Err(FixedPointError::OutOfRange {
                max_magnitude_log2: i64::from(self.int_bits) - 1 - i64::from(self.frac_bits),
            });
        }
        // |scaled| < 2^125 and integral, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation)]
        let n = scaled as i128;
        Ok(Fp::from_i128(n))
    }

    /// Encodes a slice of reals.
    ///
    /// # Errors
    ///
    /// The first error of [`FixedPoint::encode`] on any element.
    pub fn encode_slice(&self, xs: &[f64]) -> Result<Vec<Fp>, FixedPointError> {
        xs.iter().map(|&x| self.encode(x)).collect()
    }

    /// Decodes `y` as `lift(y) / 2^f`, where `lift` is the signed representative in
    /// `(−p/2, p/2)`. Total: values outside the k-bit range decode to large reals (rounded to
    /// the nearest `f64`).
    pub fn decode(&self, y: Fp) -> f64 {
        #[allow(clippy::cast_precision_loss)] // an f64 result is the point of decoding
        let v = y.to_i128() as f64;
        v / pow2(self.frac_bits)
    }

    /// Decodes a slice.
    pub fn decode_slice(&self, ys: &[Fp]) -> Vec<f64> {
        ys.iter().map(|&y| self.decode(y)).collect()
    }
}

/// 2^e as an f64, exact for e ≤ 1023.
fn pow2(e: u32) -> f64 {
    f64::from_bits((u64::from(e) + 1023) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Field;

    #[test]
    fn round_trip_and_edges() {
        let fx = FixedPoint::default();
        for &x in &[
            0.0,
            1.0,
            -1.0,
            0.5,
            -0.25,
            core::f64::consts::PI,
            -1234.5678,
        ] {
            let y = fx.decode(fx.encode(x).unwrap());
            assert!((y - x).abs() <= 0.5 / 65536.0, "{x} -> {y}");
        }
        assert_eq!(fx.encode(1.0).unwrap(), Fp::from_u64(65536));
        assert_eq!(fx.encode(-1.0).unwrap(), -Fp::from_u64(65536));
        assert_eq!(fx.scale(), Fp::from_u64(65536));
        // Rounding to nearest, ties away from zero.
        assert_eq!(fx.encode(1.5 / 65536.0).unwrap(), Fp::from_u64(2));
        assert_eq!(fx.encode(-1.5 / 65536.0).unwrap(), -Fp::from_u64(2));
        assert_eq!(fx.encode(0.4 / 65536.0).unwrap(), Fp::ZERO);
        // Range: |x|·2^16 < 2^63  ⇔  |x| < 2^47.
        // The largest f64 below 2^47 (its spacing there is 2^-6).
        let max_ok = 2f64.powi(47) - 2f64.powi(-6);
        assert_eq!(fx.decode(fx.encode(max_ok).unwrap()), max_ok);
        assert_eq!(fx.decode(fx.encode(-max_ok).unwrap()), -max_ok);
        assert!(matches!(
            fx.encode(2f64.powi(47)),
            Err(FixedPointError::OutOfRange {
                max_magnitude_log2: 47
            })
        ));
        assert!(matches!(
            fx.encode(-2f64.powi(47)),
            Err(FixedPointError::OutOfRange { .. })
        ));
        assert!(matches!(
            fx.encode(f64::NAN),
            Err(FixedPointError::NotANumber)
        ));
        assert!(matches!(
            fx.encode(f64::INFINITY),
            Err(FixedPointError::Infinite)
        ));
        assert!(matches!(
            fx.encode(f64::NEG_INFINITY),
            Err(FixedPointError::Infinite)
        ));
        assert_eq!(fx.encode(-0.0).unwrap(), Fp::ZERO);
    }

    #[test]
    fn parameters() {
        assert!(FixedPoint::new(16, 64).is_ok());
        assert!(FixedPoint::new(0, 1).is_ok());
        assert!(FixedPoint::new(40, 126).is_ok());
        assert!(matches!(
            FixedPoint::new(64, 64),
            Err(FixedPointError::InvalidParameters { .. })
        ));
        assert!(matches!(
            FixedPoint::new(16, 127),
            Err(FixedPointError::InvalidParameters { .. })
        ));
        let wide = FixedPoint::new(40, 126).unwrap();
        let x = -1.0e20;
        assert_eq!(wide.decode(wide.encode(x).unwrap()), x);
    }
}
