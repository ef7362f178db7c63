//! Π_Triple: Multiply, Combine, Authenticate, Sacrifice (MASCOT, ePrint 2016/505,
//! "Protocol Π_Triple"), and the derived square pairs and random bits.
//!
//! This module holds the local computations (no I/O); [`crate::generate()`] drives them.
//!
//! | step | function |
//! |---|---|
//! | Multiply: Gilboa OT multiplication, receiver side (choice bits = bits of a^(i) ∈ F^τ) | [`gilboa_choices`], [`gilboa_receive`] |
//! | Multiply: sender side (input b^(j)), message d = q_0 − q_1 + b | [`gilboa_send`] |
//! | Combine: a = Σ r_h·a_h, â = Σ r̂_h·a_h, c, ĉ likewise | [`combine`] |
//! | Authenticate | [`crate::auth`] |
//! | Sacrifice: ρ = s·a − â, then s·c − ĉ − ρ·b = 0 | [`sacrifice_rho`], [`sacrifice_zero`] |
//! | square pairs from triples, bits from squares | [`square_from_triple`], [`bit_from_square`] |
//!
//! **Multiply** (per ordered pair P_i, P_j, per triple): τ·k random OTs where P_i chooses with
//! the k bits of each a_h^(i) and P_j holds random (q_0, q_1). P_j sends d = q_0 − q_1 + b^(j);
//! P_i sets t = q_{bit} + bit·d = q_0 + bit·b^(j). Then Σ_l 2^l·t_l + (−Σ_l 2^l·q_0,l) =
//! a_h^(i)·b^(j). A corrupt P_j can send inconsistent d (a different b per bit position),
//! which makes the product wrong depending on bits of a_h^(i): a selective failure that the
//! Sacrifice check turns into leakage of at most a few bits of a_h^(i), which Combine removes.
//!
//! **Combine** with τ triples ([`crate::Params::tau`]): a = Σ_h r_h·a_h with public random r
//! (likewise â with r̂). Sacrifice opens ρ = s·a − â, which hides a only if (a, â) are
//! *jointly* close to uniform given the ≤ s leaked bits: two outputs of the universal hash
//! x ↦ (⟨r, x⟩, ⟨r̂, x⟩) on F^τ. By the leftover hash lemma (our own count; the paper's text
//! was not available to check) the distance is ≤ 2^−((τ−2)·k − s)/2 with k = 127, s = 64:
//! 2^−31.5 for τ = 3 (MP-SPDZ's setting, [`MP_SPDZ_TAU`]) and 2^−95 for τ = 4
//! ([`DEFAULT_TAU`], the default, which meets s = 64). See `papers/mascot.md`.
//!
//! **Sacrifice**: with public random s, open ρ = s·a − â and check that
//! s·c − ĉ − ρ·b opens to 0; then every opened value goes through Π_MACCheck. A wrong c
//! (c = a·b + e) passes only if s·e = ê for the attacker's ê, i.e. with probability 1/|F|.

use spdz_ot::Block;

use spdz_net::PartyId;

use crate::OfflineError;
use crate::field_ext::MascotField;

/// The default τ (triples combined into one and its sacrificed twin): 4, the least τ whose
/// two-output leftover-hash bound, 2^−((τ−2)·k − s)/2 = 2^−95, meets s = 64.
pub const DEFAULT_TAU: usize = 4;
/// τ = 3, the setting of the MASCOT paper and of MP-SPDZ: by the two-output count its bound is
/// only about 2^−31.5 (k = 127, s = 64). Kept for comparison and compatibility.
pub const MP_SPDZ_TAU: usize = 3;
/// The τ that [`crate::Params`] accepts.
pub const TAU_RANGE: core::ops::RangeInclusive<usize> = 3..=8;

/// Choice bits for the Multiply OTs on the receiver's side: bit l of `a[g]`, at index g·k + l.
pub fn gilboa_choices<F: MascotField>(a: &[F]) -> Vec<bool> {
    let k = F::BITS;
    let mut out = Vec::with_capacity(a.len() * k);
    for x in a {
        for l in 0..k {
            // Choice bits are secret; the OT keeps them so. The comparison is a data
            // conversion of one masked value (no branch on it).
            out.push(F::ONE.and_bit_of(x, l) == F::ONE);
        }
    }
    out
}

/// Multiply, sender side: `b[t]` is our input for triple t, the OTs are `rots[(t·τ + h)·k + l]`.
/// Returns our shares (one per (t, h), i.e. `b.len()·τ`) and the message d.
///
/// # Errors
///
/// [`OfflineError::ApiMisuse`] if the OT count does not match or `tau` is 0.
pub fn gilboa_send<F: MascotField>(
    b: &[F],
    rots: &[[Block; 2]],
    tau: usize,
) -> Result<(Vec<F>, Vec<u8>), OfflineError> {
    let k = F::BITS;
    if tau == 0 || Some(rots.len()) != b.len().checked_mul(tau).and_then(|x| x.checked_mul(k)) {
        return Err(OfflineError::ApiMisuse("gilboa_send: OT count"));
    }
    let mut shares = Vec::with_capacity(b.len() * tau);
    let mut msg = vec![0u8; rots.len() * F::BYTES];
    for (g, (ots, out)) in rots
        .chunks_exact(k)
        .zip(msg.chunks_exact_mut(k * F::BYTES))
        .enumerate()
    {
        let bt = b[g / tau];
        // Σ_l 2^l·q_0,l with one reduction at the end (the field's lazy gadget sum);
        // d_l = q_0 − q_1 + b at position l, in one pass over the OTs.
        let mut acc = F::Pow2Acc::default();
        for (l, (ot, chunk)) in ots.iter().zip(out.chunks_exact_mut(F::BYTES)).enumerate() {
            let q0 = F::from_block(ot[0].to_u128());
            let q1 = F::from_block(ot[1].to_u128());
            F::pow2_add(&mut acc, q0, l);
            (q0 - q1 + bt).write_le(chunk);
        }
        shares.push(-F::pow2_finish(acc));
    }
    Ok((shares, msg))
}

/// Multiply, receiver side: `a` are our τ inputs per triple (as passed to
/// [`gilboa_choices`]), `rots` the chosen OT messages, `msg` the sender's d.
/// Returns our shares of `a[g]·b_peer`, one per g.
///
/// # Errors
///
/// [`OfflineError::MalformedMessage`] if the message has the wrong length or an element ≥ p;
/// [`OfflineError::ApiMisuse`] if the OT count does not match.
pub fn gilboa_receive<F: MascotField>(
    a: &[F],
    rots: &[Block],
    msg: &[u8],
    peer: PartyId,
) -> Result<Vec<F>, OfflineError> {
    let k = F::BITS;
    let what = "Multiply message d";
    if rots.len() != a.len() * k {
        return Err(OfflineError::ApiMisuse("gilboa_receive: OT count"));
    }
    if msg.len() != rots.len() * F::BYTES {
        return Err(OfflineError::MalformedMessage { from: peer, what });
    }
    let mut out = Vec::with_capacity(a.len());
    for (g, (ots, ds)) in rots
        .chunks_exact(k)
        .zip(msg.chunks_exact(k * F::BYTES))
        .enumerate()
    {
        let ag = a[g];
        // Σ_l 2^l·t_l with t_l = q_bit + bit·d = q_0 + bit·b, the two terms summed lazily
        // (one reduction per product); the bit selects d without branching.
        let mut acc = F::Pow2Acc::default();
        for (l, (ot, chunk)) in ots.iter().zip(ds.chunks_exact(F::BYTES)).enumerate() {
            // d is the peer's message, public to us: the vartime decoder is fine.
            // Lazy on purpose: the error enum has drop glue, and an eager value per element was
            // built and dropped in this inner loop (visible in the profile).
            #[allow(clippy::unnecessary_lazy_evaluations)]
            let d = F::decode_public_vartime(chunk)
                .ok_or_else(|| OfflineError::MalformedMessage { from: peer, what })?;
            F::pow2_add(&mut acc, F::from_block(ot.to_u128()), l);
            F::pow2_add(&mut acc, d.and_bit_of(&ag, l), l);
        }
        out.push(F::pow2_finish(acc));
    }
    Ok(out)
}

/// The combined triple pair of one party: shares of a, b, c, â, ĉ.
pub struct Combined<F: MascotField> {
    /// a = Σ r_h·a_h.
    pub a: Vec<F>,
    /// b.
    pub b: Vec<F>,
    /// c = Σ r_h·c_h.
    pub c: Vec<F>,
    /// â = Σ r̂_h·a_h.
    pub a_hat: Vec<F>,
    /// ĉ = Σ r̂_h·c_h.
    pub c_hat: Vec<F>,
}

impl<F: MascotField> Drop for Combined<F> {
    fn drop(&mut self) {
        for v in [
            &mut self.a,
            &mut self.b,
            &mut self.c,
            &mut self.a_hat,
            &mut self.c_hat,
        ] {
            crate::shares::wipe(v);
        }
    }
}

/// Combine: `a`, `c` have `tau` entries per triple; `r`, `r_hat` have `tau` public
/// coefficients per triple.
///
/// # Errors
///
/// [`OfflineError::ApiMisuse`] on inconsistent lengths or `tau` = 0.
pub fn combine<F: MascotField>(
    a: &[F],
    b: &[F],
    c: &[F],
    r: &[F],
    r_hat: &[F],
    tau: usize,
) -> Result<Combined<F>, OfflineError> {
    let n = b.len();
    let len = n.checked_mul(tau);
    if tau == 0
        || [a.len(), c.len(), r.len(), r_hat.len()]
            .iter()
            .any(|&l| Some(l) != len)
    {
        return Err(OfflineError::ApiMisuse("combine: lengths"));
    }
    let dot = |x: &[F], y: &[F], t: usize| {
        F::inner_product(&x[t * tau..(t + 1) * tau], &y[t * tau..(t + 1) * tau])
    };
    Ok(Combined {
        a: (0..n).map(|t| dot(r, a, t)).collect(),
        b: b.to_vec(),
        c: (0..n).map(|t| dot(r, c, t)).collect(),
        a_hat: (0..n).map(|t| dot(r_hat, a, t)).collect(),
        c_hat: (0..n).map(|t| dot(r_hat, c, t)).collect(),
    })
}

/// Sacrifice, step 1 (local): shares of ρ = s·a − â (values or MAC shares alike: the map is
/// linear).
pub fn sacrifice_rho<F: MascotField>(s: F, a: &[F], a_hat: &[F]) -> Vec<F> {
    a.iter().zip(a_hat).map(|(&x, &y)| s * x - y).collect()
}

/// Sacrifice, step 2 (local): shares of s·c − ĉ − ρ·b for the opened ρ.
pub fn sacrifice_zero<F: MascotField>(s: F, c: &[F], c_hat: &[F], rho: &[F], b: &[F]) -> Vec<F> {
    c.iter()
        .zip(c_hat)
        .zip(rho.iter().zip(b))
        .map(|((&c, &ch), (&r, &b))| s * c - ch - r * b)
        .collect()
}

/// A square pair from a triple (x, y, z) and the opened e = x − y: a = x, a² = z + e·x
/// (x·x = x·(y + e) = z + e·x). Works on values and MAC shares alike.
pub fn square_from_triple<F: MascotField>(x: F, z: F, e: F) -> (F, F) {
    (x, z + e * x)
}

/// A random bit from a square pair (⟦a⟧, ⟦a²⟧) and the opened A = a²:
/// b = (a/√A + 1)/2. Returns the multiplier r⁻¹/2 and the public constant 1/2 to apply as
/// ⟦b⟧ = (r⁻¹/2)·⟦a⟧ + 1/2, or `None` if A = 0 (the pair is discarded).
///
/// # Errors
///
/// [`OfflineError::BitGenerationFailed`] if A has no square root (impossible for an honest
/// square, whose MAC check is still to come).
pub fn bit_from_square<F: MascotField>(opened_square: F) -> Result<Option<(F, F)>, OfflineError> {
    // A is public once opened: branching on it is fine.
    if bool::from(opened_square.is_zero()) {
        return Ok(None);
    }
    let r: Option<F> = opened_square.sqrt().into();
    let r = r.ok_or(OfflineError::BitGenerationFailed)?;
    let two_inv: Option<F> = (F::ONE + F::ONE).inverse().into();
    let r_inv: Option<F> = r.inverse().into();
    match (two_inv, r_inv) {
        (Some(h), Some(ri)) => Ok(Some((ri * h, h))),
        _ => Err(OfflineError::BitGenerationFailed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};
    use spdz_field::{Field, Fp};

    const TAU: usize = DEFAULT_TAU;

    fn block(rng: &mut ChaCha20Rng) -> Block {
        Block::new(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()))
    }

    #[test]
    fn gilboa_shares_add_up_to_products() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for (n, tau) in [(0, 3), (1, 3), (4, 3), (0, 4), (1, 4), (4, 4), (2, 8)] {
            let a: Vec<Fp> = (0..n * tau).map(|_| Fp::random(&mut rng)).collect();
            let b: Vec<Fp> = (0..n).map(|_| Fp::random(&mut rng)).collect();
            let choices = gilboa_choices(&a);
            let rots: Vec<[Block; 2]> = (0..choices.len())
                .map(|_| [block(&mut rng), block(&mut rng)])
                .collect();
            let chosen: Vec<Block> = rots
                .iter()
                .zip(&choices)
                .map(|(r, &c)| r[usize::from(c)])
                .collect();
            let (s_shares, msg) = gilboa_send(&b, &rots, tau).unwrap();
            let r_shares = gilboa_receive(&a, &chosen, &msg, 1).unwrap();
            for g in 0..n * tau {
                assert_eq!(s_shares[g] + r_shares[g], a[g] * b[g / tau]);
            }
            assert!(gilboa_send(&b, &rots, tau + 1).is_err() || n == 0);
            assert!(gilboa_send(&b, &rots, 0).is_err());
        }
    }

    #[test]
    fn gilboa_rejects_malformed_d() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let a: Vec<Fp> = (0..TAU).map(|_| Fp::random(&mut rng)).collect();
        let b = vec![Fp::random(&mut rng)];
        let choices = gilboa_choices(&a);
        let rots: Vec<[Block; 2]> = (0..choices.len())
            .map(|_| [block(&mut rng), block(&mut rng)])
            .collect();
        let chosen: Vec<Block> = rots.iter().map(|r| r[0]).collect();
        let (_, mut msg) = gilboa_send(&b, &rots, TAU).unwrap();
        msg[16..32].copy_from_slice(&[0xff; 16]);
        assert!(matches!(
            gilboa_receive(&a, &chosen, &msg, 7),
            Err(OfflineError::MalformedMessage { from: 7, .. })
        ));
        msg.pop();
        assert!(matches!(
            gilboa_receive(&a, &chosen, &msg, 7),
            Err(OfflineError::MalformedMessage { from: 7, .. })
        ));
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn combine_uses_tau_coefficients_per_triple() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for tau in [3, 4, 5] {
            let n = 3;
            let v = |rng: &mut ChaCha20Rng, len: usize| -> Vec<Fp> {
                (0..len).map(|_| Fp::random(rng)).collect()
            };
            let (a, b, r, rh) = (
                v(&mut rng, n * tau),
                v(&mut rng, n),
                v(&mut rng, n * tau),
                v(&mut rng, n * tau),
            );
            let c: Vec<Fp> = (0..n * tau).map(|g| a[g] * b[g / tau]).collect();
            let out = combine(&a, &b, &c, &r, &rh, tau).unwrap();
            for t in 0..n {
                // c = Σ r_h·c_h = (Σ r_h·a_h)·b: still a triple, and likewise the twin.
                assert_eq!(out.c[t], out.a[t] * b[t]);
                assert_eq!(out.c_hat[t], out.a_hat[t] * b[t]);
            }
            assert!(combine(&a, &b, &c, &r, &rh, tau + 1).is_err());
            assert!(combine(&a, &b, &c, &r, &rh, 0).is_err());
        }
    }

    #[test]
    fn bits_from_squares() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for _ in 0..20 {
            let a = Fp::random(&mut rng);
            let (mul, add) = bit_from_square(a * a).unwrap().unwrap();
            let b = mul * a + add;
            assert!(b == Fp::ZERO || b == Fp::ONE);
        }
        // A zero square is discarded, not an error.
        assert!(bit_from_square(Fp::ZERO).unwrap().is_none());
        // p ≡ 3 (mod 4), so −1 is not a square: an opened −1 is an error.
        assert!(matches!(
            bit_from_square(-Fp::ONE),
            Err(OfflineError::BitGenerationFailed)
        ));
    }

    #[test]
    fn sacrifice_of_a_good_pair_is_zero_and_of_a_bad_one_is_not() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let (a, ah, b) = (
            Fp::random(&mut rng),
            Fp::random(&mut rng),
            Fp::random(&mut rng),
        );
        let s = Fp::random(&mut rng);
        let rho = sacrifice_rho(s, &[a], &[ah]);
        let z = sacrifice_zero(s, &[a * b], &[ah * b], &rho, &[b]);
        assert_eq!(z[0], Fp::ZERO);
        let z = sacrifice_zero(s, &[a * b + Fp::ONE], &[ah * b], &rho, &[b]);
        assert_ne!(z[0], Fp::ZERO);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Arbitrary Multiply messages are an error or a result, never a panic.
        #[test]
        fn arbitrary_d_never_panics(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..13000),
        ) {
            let mut rng = ChaCha20Rng::seed_from_u64(5);
            let a: Vec<Fp> = (0..2 * TAU).map(|_| Fp::random(&mut rng)).collect();
            let chosen: Vec<Block> = (0..a.len() * Fp::BITS).map(|_| block(&mut rng)).collect();
            let _ = gilboa_receive(&a, &chosen, &bytes, 1);
        }
    }
}
