//! `Gf128` against known-answer vectors (made by `tests/kat/gen.py`, committed with its
//! output), the field laws, and agreement of the PCLMULQDQ and portable paths.

#![allow(clippy::unwrap_used)] // test code: a bad vector file should fail loudly

mod common;

use proptest::prelude::*;
use spdz_field::{Field, FieldError, Gf128, Gf128Wide};

struct Kat {
    a: u128,
    b: u128,
    wide_hi: u128,
    wide_lo: u128,
    product: u128,
}

fn kats() -> Vec<Kat> {
    let text = include_str!("kat/gf128.txt");
    let v: Vec<Kat> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<u128> = l
                .split_whitespace()
                .map(|h| u128::from_str_radix(h, 16).unwrap())
                .collect();
            assert_eq!(f.len(), 5);
            Kat {
                a: f[0],
                b: f[1],
                wide_hi: f[2],
                wide_lo: f[3],
                product: f[4],
            }
        })
        .collect();
    assert!(v.len() > 300);
    v
}

#[test]
fn known_answers_all_paths() {
    for k in kats() {
        let (a, b) = (Gf128::new(k.a), Gf128::new(k.b));
        assert_eq!((a * b).to_u128(), k.product, "a={:x} b={:x}", k.a, k.b);
        assert_eq!(a.mul_portable(b).to_u128(), k.product);
        if let Some(p) = a.mul_accelerated(b) {
            assert_eq!(p.to_u128(), k.product);
        }
        assert_eq!(a.mul_wide(b).to_parts(), (k.wide_lo, k.wide_hi));
        assert_eq!(a.mul_wide(b).reduce().to_u128(), k.product);
    }
}

#[test]
fn known_answer_inner_product() {
    let ks = kats();
    let a: Vec<Gf128> = ks.iter().map(|k| Gf128::new(k.a)).collect();
    let b: Vec<Gf128> = ks.iter().map(|k| Gf128::new(k.b)).collect();
    let expect = ks.iter().fold(0u128, |acc, k| acc ^ k.product);
    assert_eq!(Gf128::inner_product(&a, &b).to_u128(), expect);
    assert_eq!(Gf128::inner_product_portable(&a, &b).to_u128(), expect);
    assert_eq!(<Gf128 as Field>::inner_product(&a, &b).to_u128(), expect);
}

#[test]
fn accelerated_path_matches_cpu() {
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        Gf128::accelerated(),
        std::is_x86_feature_detected!("pclmulqdq")
    );
}

fn g() -> impl Strategy<Value = Gf128> {
    prop_oneof![
        4 => any::<u128>().prop_map(Gf128::new),
        1 => prop_oneof![Just(0u128), Just(1), Just(u128::MAX), Just(1 << 127), Just(0x87)]
            .prop_map(Gf128::new),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn paths_agree(a in g(), b in g()) {
        let p = a.mul_portable(b);
        prop_assert_eq!(a * b, p);
        if let Some(x) = a.mul_accelerated(b) { prop_assert_eq!(x, p); }
    }

    #[test]
    fn generic_field_laws(a in g(), b in g(), c in g()) {
        common::check_field_laws::<Gf128>(a, b, c)?;
    }

    #[test]
    fn field_laws(a in g(), b in g(), c in g()) {
        prop_assert_eq!(a + b, b + a);
        prop_assert_eq!(a * b, b * a);
        prop_assert_eq!((a * b) * c, a * (b * c));
        prop_assert_eq!(a * (b + c), a * b + a * c);
        prop_assert_eq!(a + a, Gf128::ZERO);
        prop_assert_eq!(-a, a);
        prop_assert_eq!(a - b, a + b);
        prop_assert_eq!(a * Gf128::ONE, a);
        prop_assert_eq!(a.square(), a * a);
        let mut m = a; m *= b; prop_assert_eq!(m, a * b);
        let mut s = a; s += b; prop_assert_eq!(s, a + b);
        let mut d = a; d -= b; prop_assert_eq!(d, a - b);
    }

    #[test]
    fn inverse_and_sqrt(a in g()) {
        if a == Gf128::ZERO {
            prop_assert!(bool::from(a.inverse().is_none()));
        } else {
            prop_assert_eq!(a * a.inverse().unwrap(), Gf128::ONE);
        }
        let r = a.sqrt().unwrap();
        prop_assert_eq!(r.square(), a);
        prop_assert_eq!(a.square().sqrt().unwrap(), a);
    }

    #[test]
    fn wide_accumulation_matches(v in prop::collection::vec((g(), g()), 0..50)) {
        let (a, b): (Vec<Gf128>, Vec<Gf128>) = v.into_iter().unzip();
        let naive = a.iter().zip(&b).fold(Gf128::ZERO, |acc, (x, y)| acc + *x * *y);
        prop_assert_eq!(Gf128::inner_product(&a, &b), naive);
        prop_assert_eq!(Gf128::inner_product_portable(&a, &b), naive);
        let mut w = Gf128Wide::ZERO;
        for (x, y) in a.iter().zip(&b) { w += x.mul_wide(*y); }
        prop_assert_eq!(w.reduce(), naive);
        let sum: Gf128 = a.iter().sum();
        prop_assert_eq!(sum, Gf128::sum_slice(&a));
        let bytes = Gf128::encode_slice(&a);
        prop_assert_eq!(Gf128::decode_slice(&bytes).unwrap(), a);
    }

    #[test]
    fn bytes_round_trip(x in any::<u128>()) {
        let a = Gf128::from(x);
        prop_assert_eq!(a.to_le_bytes(), x.to_le_bytes());
        prop_assert_eq!(Gf128::from_le_bytes(x.to_le_bytes()), a);
        prop_assert_eq!(u128::from(a), x);
        let mut buf = [0u8; 16];
        a.write_le(&mut buf);
        prop_assert_eq!(Gf128::read_le(&buf).unwrap(), a);
    }
}

#[test]
fn sizes_and_lengths() {
    for n in [0usize, 1, 2, 1000] {
        let a = vec![Gf128::ONE; n];
        let expect = if n % 2 == 1 { Gf128::ONE } else { Gf128::ZERO };
        assert_eq!(Gf128::inner_product(&a, &a), expect);
        assert_eq!(Gf128::inner_product_portable(&a, &a), expect);
    }
    assert!(matches!(
        Gf128::decode_slice(&[0u8; 33]),
        Err(FieldError::LengthNotMultiple {
            len: 33,
            element_bytes: 16
        })
    ));
    let a = vec![Gf128::ONE; 3];
    assert!(matches!(
        Gf128::inner_product_checked(&a, &a[..2]),
        Err(FieldError::LengthMismatch { left: 3, right: 2 })
    ));
}
