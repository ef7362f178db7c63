//! A reusable suite of field laws, run for every `Field` implementation.
#![allow(clippy::unwrap_used)] // test code

use proptest::prelude::*;
use spdz_field::Field;
use subtle::Choice;

/// Checks the field axioms and the trait's consistency rules on `a, b, c`.
pub(crate) fn check_field_laws<F: Field>(a: F, b: F, c: F) -> Result<(), TestCaseError> {
    // Additive group.
    prop_assert_eq!(a + b, b + a);
    prop_assert_eq!((a + b) + c, a + (b + c));
    prop_assert_eq!(a + F::ZERO, a);
    prop_assert_eq!(a + (-a), F::ZERO);
    prop_assert_eq!(a - b, a + (-b));
    // Multiplicative monoid, distributivity.
    prop_assert_eq!(a * b, b * a);
    prop_assert_eq!((a * b) * c, a * (b * c));
    prop_assert_eq!(a * F::ONE, a);
    prop_assert_eq!(a * F::ZERO, F::ZERO);
    prop_assert_eq!(a * (b + c), a * b + a * c);
    prop_assert_eq!(a.square(), a * a);
    // Assigning operators agree with the plain ones.
    let mut x = a;
    x += b;
    prop_assert_eq!(x, a + b);
    x = a;
    x -= b;
    prop_assert_eq!(x, a - b);
    x = a;
    x *= b;
    prop_assert_eq!(x, a * b);
    // Inverse: a · a⁻¹ = 1, none exactly for zero.
    let inv = a.inverse();
    prop_assert_eq!(bool::from(inv.is_none()), a == F::ZERO);
    if a != F::ZERO {
        prop_assert_eq!(a * inv.unwrap(), F::ONE);
        prop_assert_eq!((a * b) * inv.unwrap(), b);
    }
    // Powers.
    prop_assert_eq!(a.pow_vartime(0), F::ONE);
    prop_assert_eq!(a.pow_vartime(1), a);
    prop_assert_eq!(a.pow_vartime(5), a * a * a * a * a);
    // Square roots of squares exist and square back.
    let r = a.square().sqrt();
    prop_assert!(bool::from(r.is_some()));
    prop_assert_eq!(r.unwrap().square(), a.square());
    // Constant-time helpers agree with ==.
    prop_assert_eq!(bool::from(a.ct_eq(&b)), a == b);
    prop_assert_eq!(bool::from(a.ct_eq(&a)), true);
    prop_assert_eq!(bool::from(a.is_zero()), a == F::ZERO);
    prop_assert_eq!(F::conditional_select(&a, &b, Choice::from(0)), a);
    prop_assert_eq!(F::conditional_select(&a, &b, Choice::from(1)), b);
    // Encoding round trip.
    let mut buf = vec![0u8; F::BYTES];
    a.write_le(&mut buf);
    prop_assert_eq!(F::read_le(&buf).unwrap(), a);
    Ok(())
}
