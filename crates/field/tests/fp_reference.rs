//! `Fp` against a big-integer reference (num-bigint), on random and edge-case inputs.

use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};
mod common;

use proptest::prelude::*;
use spdz_field::{Field, FieldError, Fp};

const P: u128 = Fp::MODULUS;

fn p_big() -> BigUint {
    BigUint::from(P)
}

fn big(x: Fp) -> BigUint {
    BigUint::from(x.to_u128())
}

fn from_big(x: &BigUint) -> Fp {
    let r = x % p_big();
    let digits = r.to_u64_digits();
    let lo = digits.first().copied().unwrap_or(0) as u128;
    let hi = digits.get(1).copied().unwrap_or(0) as u128;
    Fp::from_u128(lo | (hi << 64))
}

/// Canonical elements, biased toward the edges (0, 1, p − 1, p − 2, values near 2^64, 2^126).
fn fp() -> impl Strategy<Value = Fp> {
    prop_oneof![
        3 => (0..P).prop_map(Fp::from_u128),
        1 => prop_oneof![
            Just(0u128), Just(1), Just(2), Just(P - 1), Just(P - 2),
            Just(1 << 64), Just((1 << 64) - 1), Just(1 << 126), Just((1 << 126) - 1),
            Just(u64::MAX as u128 * 3),
        ]
        .prop_map(Fp::from_u128),
    ]
}

fn any_u128() -> impl Strategy<Value = u128> {
    prop_oneof![
        3 => any::<u128>(),
        1 => prop_oneof![
            Just(P), Just(P + 1), Just(2 * P), Just(2 * P + 1), Just(u128::MAX), Just(1u128 << 127),
        ],
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn from_u128_reduces(x in any_u128()) {
        let r = Fp::from_u128(x);
        prop_assert!(r.to_u128() < P);
        prop_assert_eq!(big(r), BigUint::from(x) % p_big());
    }

    #[test]
    fn add_matches(a in fp(), b in fp()) {
        prop_assert_eq!(big(a + b), (big(a) + big(b)) % p_big());
        let mut c = a; c += b; prop_assert_eq!(c, a + b);
    }

    #[test]
    fn sub_matches(a in fp(), b in fp()) {
        prop_assert_eq!(big(a - b), (big(a) + p_big() - big(b)) % p_big());
        let mut c = a; c -= b; prop_assert_eq!(c, a - b);
    }

    #[test]
    fn neg_matches(a in fp()) {
        prop_assert_eq!(big(-a), (p_big() - big(a)) % p_big());
    }

    #[test]
    fn mul_matches(a in fp(), b in fp()) {
        prop_assert_eq!(big(a * b), (big(a) * big(b)) % p_big());
        let mut c = a; c *= b; prop_assert_eq!(c, a * b);
        prop_assert_eq!(a.square(), a * a);
    }

    #[test]
    fn signed_matches(x in any::<i128>()) {
        let r = Fp::from_i128(x);
        let pb = BigInt::from(P);
        let expect = ((BigInt::from(x) % &pb) + &pb) % &pb;
        prop_assert_eq!(BigInt::from(r.to_u128()), expect);
        if let Ok(small) = i64::try_from(x) {
            prop_assert_eq!(Fp::from_i64(small), r);
            prop_assert_eq!(r.to_i128(), x);
        }
    }

    #[test]
    fn signed_lift(a in fp()) {
        let s = a.to_i128();
        prop_assert!(s.unsigned_abs() <= (P - 1) / 2);
        prop_assert_eq!(Fp::from_i128(s), a);
    }

    #[test]
    fn inverse_matches(a in fp()) {
        let inv = a.inverse();
        if a == Fp::ZERO {
            prop_assert!(bool::from(inv.is_none()));
        } else {
            let inv = inv.unwrap();
            prop_assert_eq!(inv * a, Fp::ONE);
            prop_assert_eq!(big(inv), big(a).modpow(&(p_big() - 2u32), &p_big()));
        }
    }

    #[test]
    fn pow_matches(a in fp(), e in any::<u128>()) {
        prop_assert_eq!(big(a.pow_vartime(e)), big(a).modpow(&BigUint::from(e), &p_big()));
    }

    #[test]
    fn sqrt_matches(a in fp()) {
        let sq = a.square();
        let r = sq.sqrt().unwrap();
        prop_assert!(r == a || r == -a);
        // Euler's criterion decides whether a itself is a square.
        let euler = big(a).modpow(&((p_big() - 1u32) >> 1), &p_big());
        let is_square = euler.is_zero() || euler.is_one();
        prop_assert_eq!(bool::from(a.sqrt().is_some()), is_square);
        if is_square { prop_assert_eq!(a.sqrt().unwrap().square(), a); }
    }

    #[test]
    fn encoding_round_trips(a in fp()) {
        let mut buf = [0u8; 16];
        a.write_le(&mut buf);
        prop_assert_eq!(buf, a.to_u128().to_le_bytes());
        prop_assert_eq!(Fp::read_le(&buf).unwrap(), a);
    }

    #[test]
    fn decoding_rejects_exactly_the_noncanonical(x in any_u128()) {
        let r = Fp::read_le(&x.to_le_bytes());
        if x < P {
            prop_assert_eq!(r.unwrap().to_u128(), x);
        } else {
            let rejected = matches!(r, Err(FieldError::NonCanonical { index: 0 }));
            prop_assert!(rejected);
        }
    }

    #[test]
    fn generic_field_laws(a in fp(), b in fp(), c in fp()) {
        common::check_field_laws::<Fp>(a, b, c)?;
    }

    #[test]
    fn field_laws(a in fp(), b in fp(), c in fp()) {
        prop_assert_eq!(a + b, b + a);
        prop_assert_eq!(a * b, b * a);
        prop_assert_eq!((a + b) + c, a + (b + c));
        prop_assert_eq!((a * b) * c, a * (b * c));
        prop_assert_eq!(a * (b + c), a * b + a * c);
        prop_assert_eq!(a + Fp::ZERO, a);
        prop_assert_eq!(a * Fp::ONE, a);
        prop_assert_eq!(a + (-a), Fp::ZERO);
        prop_assert_eq!(a - b, a + (-b));
    }

    #[test]
    fn batch_ops_match(xs in prop::collection::vec((fp(), fp()), 0..70), c in fp()) {
        let (a, b): (Vec<Fp>, Vec<Fp>) = xs.into_iter().unzip();
        let mut expect = BigUint::zero();
        for (x, y) in a.iter().zip(&b) { expect += big(*x) * big(*y); }
        prop_assert_eq!(big(Fp::inner_product(&a, &b)), &expect % p_big());
        prop_assert_eq!(Fp::inner_product_checked(&a, &b).unwrap(), Fp::inner_product(&a, &b));
        let sum: BigUint = a.iter().map(|&x| big(x)).sum();
        prop_assert_eq!(big(Fp::sum_slice(&a)), &sum % p_big());
        prop_assert_eq!(a.iter().copied().sum::<Fp>(), Fp::sum_slice(&a));
        prop_assert_eq!(Fp::scaled_sum(&a, c), Fp::sum_slice(&a) * c);
        let mut y = b.clone();
        Fp::axpy(&mut y, c, &a);
        for i in 0..a.len() { prop_assert_eq!(y[i], b[i] + c * a[i]); }
        let mut s = a.clone();
        Fp::scale_in_place(&mut s, c);
        for i in 0..a.len() { prop_assert_eq!(s[i], a[i] * c); }
        let prod: Fp = a.iter().product();
        prop_assert_eq!(prod, a.iter().fold(Fp::ONE, |x, &y| x * y));
        let bytes = Fp::encode_slice(&a);
        prop_assert_eq!(bytes.len(), 16 * a.len());
        prop_assert_eq!(Fp::decode_slice(&bytes).unwrap(), a);
    }
}

#[test]
fn inner_product_extremes_and_big_sizes() {
    // All terms (p−1)·(p−1): the accumulator lanes take their largest values.
    for n in [0usize, 1, 3, 4, 5, 1000, 100_003] {
        let a = vec![Fp::from_u128(P - 1); n];
        let expect = Fp::from_u128(n as u128); // (−1)·(−1) summed n times
        assert_eq!(Fp::inner_product(&a, &a), expect, "n = {n}");
        assert_eq!(Fp::sum_slice(&a), -Fp::from_u128(n as u128));
    }
    let a = vec![Fp::ONE; 7];
    let b = vec![Fp::ONE; 5];
    assert_eq!(Fp::inner_product(&a, &b), Fp::from_u64(5));
    assert!(matches!(
        Fp::inner_product_checked(&a, &b),
        Err(FieldError::LengthMismatch { left: 7, right: 5 })
    ));
}

#[test]
fn random_is_canonical_and_spread() {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let xs: Vec<Fp> = (0..4096).map(|_| Fp::random(&mut rng)).collect();
    assert!(xs.iter().all(|x| x.to_u128() < P));
    // Each of the 127 bits is set in roughly half the samples.
    for bit in 0..127 {
        let ones = xs.iter().filter(|x| (x.to_u128() >> bit) & 1 == 1).count();
        assert!((1700..2400).contains(&ones), "bit {bit}: {ones}");
    }
    assert_eq!(from_big(&BigUint::one()), Fp::ONE);
}

proptest! {
    /// Decoders take peer bytes: any length and content gives a value or an error, never a panic.
    #[test]
    fn decoders_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
        match Fp::decode_slice(&bytes) {
            Ok(v) => {
                prop_assert_eq!(v.len() * 16, bytes.len());
                prop_assert_eq!(Fp::encode_slice(&v), bytes.clone());
            }
            Err(FieldError::LengthNotMultiple { len, element_bytes: 16 }) => {
                prop_assert_eq!(len, bytes.len());
                prop_assert!(len % 16 != 0);
            }
            Err(FieldError::NonCanonical { index }) => {
                let chunk = &bytes[16 * index..16 * index + 16];
                prop_assert!(u128::from_le_bytes(chunk.try_into().unwrap()) >= Fp::MODULUS);
            }
            Err(e) => prop_assert!(false, "unexpected error {:?}", e),
        }
        let single = Fp::read_le(&bytes);
        if bytes.len() != 16 {
            let wrong_length = matches!(single, Err(FieldError::WrongLength { expected: 16, .. }));
            prop_assert!(wrong_length);
        }
    }
}
