//! Fixed-point encoding: round trips, rounding, range edges, and the linear structure the
//! online phase relies on (encodings add like the reals they encode).

#![allow(clippy::unwrap_used)] // test code

use proptest::prelude::*;
use spdz_field::{Field, FixedPoint, FixedPointError, Fp};

fn in_range(fx: FixedPoint) -> impl Strategy<Value = f64> {
    let bound = 2f64.powi(i32::try_from(fx.int_bits() - 1 - fx.frac_bits()).unwrap());
    prop_oneof![
        3 => -1000.0f64..1000.0,
        1 => (-bound * 0.999)..(bound * 0.999),
        1 => -1.0f64..1.0,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn round_trip_within_half_a_unit(x in in_range(FixedPoint::default())) {
        let fx = FixedPoint::default();
        let y = fx.decode(fx.encode(x).unwrap());
        // Rounding error ≤ 2^-(f+1), plus the f64 error of x·2^f for large |x|.
        let tol = 0.5 / 65536.0 + x.abs() * f64::EPSILON;
        prop_assert!((y - x).abs() <= tol, "{} -> {}", x, y);
    }

    #[test]
    fn encoding_is_the_rounded_integer(n in -(1i64 << 40)..(1i64 << 40), f in 0u32..40) {
        let fx = FixedPoint::new(f, 64).unwrap();
        // An integer multiple of 2^-f encodes exactly to that integer.
        let x = n as f64 / 2f64.powi(i32::try_from(f).unwrap());
        prop_assert_eq!(fx.encode(x).unwrap(), Fp::from_i64(n));
        prop_assert_eq!(fx.decode(Fp::from_i64(n)), x);
    }

    #[test]
    fn encodings_add_like_reals(a in -1.0e6f64..1.0e6, b in -1.0e6f64..1.0e6) {
        let fx = FixedPoint::default();
        let (ea, eb) = (fx.encode(a).unwrap(), fx.encode(b).unwrap());
        let sum = fx.decode(ea + eb);
        prop_assert!((sum - (a + b)).abs() <= 1.0 / 65536.0 + 1e-9);
        let diff = fx.decode(ea - eb);
        prop_assert!((diff - (a - b)).abs() <= 1.0 / 65536.0 + 1e-9);
        // A product carries 2f fractional bits.
        let prod = (ea * eb).to_i128() as f64 / 2f64.powi(32);
        prop_assert!((prod - a * b).abs() <= (a.abs() + b.abs() + 1.0) / 65536.0);
    }

    #[test]
    fn out_of_range_is_an_error(m in 1.0f64..1.0e30, neg in any::<bool>()) {
        let fx = FixedPoint::default();
        let x = 2f64.powi(47) * m * if neg { -1.0 } else { 1.0 };
        let r = fx.encode(x);
        let rejected = matches!(r, Err(FixedPointError::OutOfRange { max_magnitude_log2: 47 }));
        prop_assert!(rejected);
    }
}

#[test]
fn edges() {
    let fx = FixedPoint::default();
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
    assert!(matches!(
        fx.encode(f64::MAX),
        Err(FixedPointError::OutOfRange { .. })
    ));
    assert!(matches!(
        fx.encode(f64::MIN),
        Err(FixedPointError::OutOfRange { .. })
    ));
    // Subnormals and tiny values round to zero.
    assert_eq!(fx.encode(f64::MIN_POSITIVE).unwrap(), Fp::ZERO);
    assert_eq!(fx.encode(-5e-324).unwrap(), Fp::ZERO);
    // Values just inside and just outside the range.
    let below = 2f64.powi(47) - 2f64.powi(-6);
    assert!(fx.encode(below).is_ok());
    assert!(fx.encode(-below).is_ok());
    assert!(fx.encode(2f64.powi(47)).is_err());
    // A value that rounds up onto the bound is out of range: (2^63 − 2^-1)/2^16 rounds to 2^63.
    let rounds_up = (2f64.powi(63) - 0.5) / 65536.0;
    assert!(fx.encode(rounds_up).is_err());
    // Decoding the field's extremes gives the signed extremes of the lift.
    let half = Fp::from_u128((Fp::MODULUS - 1) / 2);
    assert!(fx.decode(half) > 0.0);
    assert!(fx.decode(half + Fp::ONE) < 0.0);
    assert_eq!(fx.decode(-Fp::ONE), -1.0 / 65536.0);
    // Integer-only encoding (f = 0).
    let ints = FixedPoint::new(0, 64).unwrap();
    assert_eq!(ints.encode(-7.4).unwrap(), Fp::from_i64(-7));
    assert_eq!(ints.encode(2.5).unwrap(), Fp::from_i64(3));
    assert_eq!(ints.encode(-2.5).unwrap(), Fp::from_i64(-3));
    let v = ints.encode_slice(&[1.0, -2.0]).unwrap();
    assert_eq!(ints.decode_slice(&v), vec![1.0, -2.0]);
    assert!(matches!(
        ints.encode_slice(&[1.0, f64::NAN]),
        Err(FixedPointError::NotANumber)
    ));
}
