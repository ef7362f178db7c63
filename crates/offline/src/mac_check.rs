//! Π_MACCheck: batched check of the MACs of opened values (MASCOT, ePrint 2016/505,
//! "Protocol Π_MACCheck"; the same check as SPDZ's).
//!
//! Input: public opened values a_1..a_m (the same at every party), this party's MAC shares
//! m_i(a_j) and key share α_i.
//!
//! 1. Coefficients r ∈ F^m from F_Rand ([`crate::coin`]), sampled after the opened values and
//!    MAC shares are fixed. (For m ≤ 1 no coefficients are needed: r = 1.)
//! 2. a = Σ r_j·a_j, m_i = Σ r_j·m_i(a_j), σ_i = m_i − α_i·a ([`MacCheck::new`]).
//! 3. Commit to σ_i, broadcast ([`MacCheck::commit`]); open σ_i, with the hash of the
//!    commitments seen ([`MacCommitted::open`]).
//! 4. Check every opening ([`OfflineError::CommitmentMismatch`]), that all parties saw the same
//!    commitments ([`OfflineError::BroadcastInconsistent`]), and Σ σ_i = 0
//!    ([`OfflineError::MacCheckFailed`]) ([`MacOpened::finish`]).
//!
//! Soundness: if some opened a_j is wrong by e_j ≠ 0 (or a MAC share is off), the check passes
//! with probability at most 2/|F| (one over |F| for r to cancel the errors, one for guessing α,
//! which is uniform and hidden by the honest share). For p = 2^127 − 1 that is 2^−126, far below
//! 2^−s for s = 64.

use spdz_field::Field;
use spdz_net::{PartyId, Transport};

use crate::coin::{self, PublicPrg};
use crate::commit::{self, Commitment, NONCE_BYTES, Nonce};
use crate::shares::MacKeyShare;
use crate::{Cheat, OfflineError, steps};

/// What a failed sum means: which check of which protocol failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// Π_MACCheck on opened values ([`OfflineError::MacCheckFailed`]).
    Mac,
    /// The check of Π_⟦·⟧ on y = Σ r_h·x_h ([`OfflineError::AuthenticationCheckFailed`]).
    Authentication,
}

impl CheckKind {
    fn failure(self) -> OfflineError {
        match self {
            CheckKind::Mac => OfflineError::MacCheckFailed,
            CheckKind::Authentication => OfflineError::AuthenticationCheckFailed,
        }
    }
    fn label(self) -> &'static [u8] {
        match self {
            CheckKind::Mac => b"mac-check",
            CheckKind::Authentication => b"auth-check",
        }
    }
}

/// Π_MACCheck before the commitment round: σ_i is computed.
pub struct MacCheck<F: Field> {
    party: PartyId,
    parties: usize,
    kind: CheckKind,
    sigma: F,
}

impl<F: Field> Drop for MacCheck<F> {
    fn drop(&mut self) {
        crate::shares::wipe(core::slice::from_mut(&mut self.sigma));
    }
}

impl<F: Field> MacCheck<F> {
    /// Steps 1–2: combines the opened values and MAC shares with the public coefficients
    /// drawn from `coins` (ignored when `opened.len() <= 1`).
    ///
    /// `cheat` applies `Cheat::WrongMacShare` (feature `adversarial`) (for [`CheckKind::Mac`] only).
    ///
    /// # Errors
    ///
    /// [`OfflineError::ApiMisuse`] if `opened` and `mac_shares` differ in length or `party` is
    /// out of range.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        party: PartyId,
        parties: usize,
        kind: CheckKind,
        key: &MacKeyShare<F>,
        opened: &[F],
        mac_shares: &[F],
        coins: Option<&mut PublicPrg>,
        cheat: Option<Cheat>,
    ) -> Result<Self, OfflineError> {
        if opened.len() != mac_shares.len() {
            return Err(OfflineError::ApiMisuse(
                "mac_check: opened values and MAC shares differ in length",
            ));
        }
        if parties < 2 || party >= parties {
            return Err(OfflineError::ApiMisuse("mac_check: party id out of range"));
        }
        #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
        let (a, mut m) = match (opened.len(), coins) {
            (0, _) => (F::ZERO, F::ZERO),
            (1, _) => (opened[0], mac_shares[0]),
            (len, Some(coins)) => {
                // Step 1: public coefficients r_j.
                let r: Vec<F> = coins.field_vec(len);
                // Step 2: a = Σ r_j·a_j, m_i = Σ r_j·m_i(a_j).
                (
                    F::inner_product(&r, opened),
                    F::inner_product(&r, mac_shares),
                )
            }
            (_, None) => {
                return Err(OfflineError::ApiMisuse(
                    "mac_check: more than one value needs public coefficients",
                ));
            }
        };
        crate::cheat::deviate!(cheat.filter(|_| kind == CheckKind::Mac), WrongMacShare, {
            m += F::ONE;
        });
        let sigma = m - key.dangerous_value() * a;
        Ok(Self {
            party,
            parties,
            kind,
            sigma,
        })
    }

    /// Step 3a: commits to σ_i; returns the commitment to broadcast.
    pub fn commit<R: rand_core::CryptoRng + ?Sized>(
        self,
        cheat: Option<Cheat>,
        rng: &mut R,
    ) -> (MacCommitted<F>, Vec<u8>) {
        let bytes = F::encode_slice(&[self.sigma]);
        let (c, nonce) = commit::commit(self.party, self.kind.label(), &bytes, rng);
        (
            MacCommitted {
                party: self.party,
                parties: self.parties,
                kind: self.kind,
                sigma: self.sigma,
                own: c,
                nonce,
                cheat: cheat.filter(|_| self.kind == CheckKind::Mac),
            },
            c.0.to_vec(),
        )
    }
}

/// Π_MACCheck after the commitment round.
pub struct MacCommitted<F: Field> {
    party: PartyId,
    parties: usize,
    kind: CheckKind,
    sigma: F,
    own: Commitment,
    nonce: Nonce,
    /// A cheat to apply when opening (only `Cheat::MacCheckOpenDifferent` acts here).
    cheat: Option<Cheat>,
}

impl<F: Field> Drop for MacCommitted<F> {
    fn drop(&mut self) {
        crate::shares::wipe(core::slice::from_mut(&mut self.sigma));
    }
}

impl<F: Field> MacCommitted<F> {
    /// Step 3b: takes every party's commitment (indexed by party; our own entry is ignored)
    /// and returns the opening to broadcast: σ_i ‖ nonce ‖ hash of the commitments seen.
    ///
    /// # Errors
    ///
    /// [`OfflineError::MalformedMessage`] for a commitment of the wrong length.
    pub fn open(self, received: Vec<Vec<u8>>) -> Result<(MacOpened<F>, Vec<u8>), OfflineError> {
        let mut commitments =
            coin::parse_commitments(self.party, self.parties, &received, "MAC-check commitment")?;
        commitments[self.party] = self.own;
        let view = commit::view_hash(self.kind.label(), &commitments);
        #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
        let mut opened_sigma = self.sigma;
        crate::cheat::deviate!(self.cheat, MacCheckOpenDifferent, {
            // Cheat::MacCheckOpenDifferent: open another σ than the committed one.
            opened_sigma += F::ONE;
        });
        let mut msg = F::encode_slice(&[opened_sigma]);
        msg.extend_from_slice(&self.nonce.to_bytes());
        msg.extend_from_slice(&view);
        Ok((
            MacOpened {
                party: self.party,
                parties: self.parties,
                kind: self.kind,
                sigma: self.sigma,
                commitments,
                view,
            },
            msg,
        ))
    }
}

/// Π_MACCheck after the opening round.
pub struct MacOpened<F: Field> {
    party: PartyId,
    parties: usize,
    kind: CheckKind,
    sigma: F,
    commitments: Vec<Commitment>,
    view: [u8; 32],
}

impl<F: Field> MacOpened<F> {
    /// Step 4: checks every opening against its commitment, the views, and Σ σ_i = 0.
    ///
    /// # Errors
    ///
    /// [`OfflineError::MalformedMessage`], [`OfflineError::CommitmentMismatch`],
    /// [`OfflineError::BroadcastInconsistent`], and [`OfflineError::MacCheckFailed`] or
    /// [`OfflineError::AuthenticationCheckFailed`] (by [`CheckKind`]) if the sum is not zero.
    pub fn finish(self, received: Vec<Vec<u8>>) -> Result<(), OfflineError> {
        let what = "MAC-check opening";
        if received.len() != self.parties {
            return Err(OfflineError::MalformedMessage {
                from: self.party,
                what,
            });
        }
        let open_len = F::BYTES + NONCE_BYTES + 32;
        let mut sum = self.sigma;
        let mut inconsistent = false;
        for (j, msg) in received.iter().enumerate() {
            if j == self.party {
                continue;
            }
            if msg.len() != open_len {
                return Err(OfflineError::MalformedMessage { from: j, what });
            }
            let sigma_bytes = &msg[..F::BYTES];
            let sigma_j = F::read_le(sigma_bytes)
                .map_err(|_| OfflineError::MalformedMessage { from: j, what })?;
            let mut nonce = [0u8; NONCE_BYTES];
            nonce.copy_from_slice(&msg[F::BYTES..F::BYTES + NONCE_BYTES]);
            let nonce = Nonce::from_bytes(nonce);
            if !commit::verify(
                j,
                self.kind.label(),
                &self.commitments[j],
                sigma_bytes,
                &nonce,
            ) {
                return Err(OfflineError::CommitmentMismatch { from: j });
            }
            if msg[F::BYTES + NONCE_BYTES..] != self.view {
                inconsistent = true;
            }
            sum += sigma_j;
        }
        if inconsistent {
            return Err(OfflineError::BroadcastInconsistent { step: "MAC check" });
        }
        // Step 4: Σ σ_i = Σ m_i − α·a must be zero. σ values are public once opened, so the
        // branch is on public data.
        if bool::from(sum.is_zero()) {
            Ok(())
        } else {
            Err(self.kind.failure())
        }
    }
}

/// Runs Π_MACCheck on `opened` values with this party's `mac_shares` over `t`.
///
/// **Contract: after a failed check, `key` must never be used again.** A party that shifted an
/// opened value by a δ it knows learns α_i·δ from this party's opened σ_i, hence α_i; that is
/// harmless only because an honest party discards everything MACed under α_i once a check
/// fails (`generate` draws a fresh α_i per call and returns nothing on failure; the online
/// phase poisons its handle).
///
/// Reusable by the online phase. Calls on one transport channel must not interleave with other
/// protocol messages on that channel (the transport delivers frames in order).
///
/// # Errors
///
/// [`OfflineError::MacCheckFailed`] if a MAC does not verify; [`OfflineError::CommitmentMismatch`],
/// [`OfflineError::BroadcastInconsistent`], [`OfflineError::MalformedMessage`] for a deviating
/// peer; [`OfflineError::Net`] for a network failure; [`OfflineError::ApiMisuse`] for
/// mismatched lengths.
pub async fn check<F: Field, T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    key: &MacKeyShare<F>,
    opened: &[F],
    mac_shares: &[F],
    rng: &mut R,
) -> Result<(), OfflineError> {
    check_as(t, CheckKind::Mac, key, opened, mac_shares, None, rng).await
}

/// [`check`] with the failure kind and a cheat (used inside the crate).
pub(crate) async fn check_as<F: Field, T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    kind: CheckKind,
    key: &MacKeyShare<F>,
    opened: &[F],
    mac_shares: &[F],
    cheat: Option<Cheat>,
    rng: &mut R,
) -> Result<(), OfflineError> {
    if opened.len() != mac_shares.len() {
        return Err(OfflineError::ApiMisuse(
            "mac_check: opened values and MAC shares differ in length",
        ));
    }
    // Step 1: coefficients from F_Rand, only needed to combine more than one value.
    let mut coins = if opened.len() > 1 {
        Some(coin::toss(t, kind.label(), cheat, rng).await?)
    } else {
        None
    };
    let state = MacCheck::new(
        t.id(),
        t.parties(),
        kind,
        key,
        opened,
        mac_shares,
        coins.as_mut(),
        cheat,
    )?;
    let (state, msg) = state.commit(cheat, rng);
    let received = t.exchange_all(steps::MAC_COMMIT, msg).await?;
    let (state, msg) = state.open(received)?;
    let received = t.exchange_all(steps::MAC_OPEN, msg).await?;
    state.finish(received)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use spdz_field::Fp;

    /// Shares `values` among `n` parties with MACs under a random key; returns keys and, per
    /// party, (value shares, MAC shares).
    #[allow(clippy::type_complexity)]
    fn deal(
        n: usize,
        values: &[Fp],
        rng: &mut ChaCha20Rng,
    ) -> (Vec<MacKeyShare<Fp>>, Vec<(Vec<Fp>, Vec<Fp>)>) {
        let keys: Vec<MacKeyShare<Fp>> = (0..n).map(|_| MacKeyShare::random(rng)).collect();
        let alpha: Fp = keys.iter().map(|k| k.dangerous_value()).sum();
        let mut per: Vec<(Vec<Fp>, Vec<Fp>)> = vec![(vec![], vec![]); n];
        for &v in values {
            let mut xs: Vec<Fp> = (0..n - 1).map(|_| Fp::random(rng)).collect();
            xs.push(v - xs.iter().copied().sum::<Fp>());
            let mut ms: Vec<Fp> = (0..n - 1).map(|_| Fp::random(rng)).collect();
            ms.push(alpha * v - ms.iter().copied().sum::<Fp>());
            for i in 0..n {
                per[i].0.push(xs[i]);
                per[i].1.push(ms[i]);
            }
        }
        (keys, per)
    }

    /// Runs the core for all parties in one thread. `opened_at(i)` gives party i's view of
    /// the opened values; `tamper(receiver, sender, round, msg)` edits messages.
    fn run(
        n: usize,
        keys: &[MacKeyShare<Fp>],
        opened: &[Vec<Fp>],
        macs: &[Vec<Fp>],
        cheater: Option<(PartyId, Cheat)>,
        tamper: impl Fn(usize, usize, u8, &mut Vec<u8>),
    ) -> Vec<Result<(), OfflineError>> {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let cheat_of = |i: usize| cheater.and_then(|(c, ch)| (c == i).then_some(ch));
        let seed = [5u8; 32];
        let states: Vec<_> = (0..n)
            .map(|i| {
                let mut coins = PublicPrg::from_seed(seed);
                MacCheck::new(
                    i,
                    n,
                    CheckKind::Mac,
                    &keys[i],
                    &opened[i],
                    &macs[i],
                    Some(&mut coins),
                    cheat_of(i),
                )
                .unwrap()
            })
            .collect();
        let (states, r1): (Vec<_>, Vec<_>) = states
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.commit(cheat_of(i), &mut rng))
            .unzip();
        let (states, r2): (Vec<_>, Vec<_>) = states
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let mut msgs = r1.clone();
                for (j, m) in msgs.iter_mut().enumerate() {
                    tamper(i, j, 1, m);
                }
                s.open(msgs).unwrap()
            })
            .unzip();
        states
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let mut msgs = r2.clone();
                for (j, m) in msgs.iter_mut().enumerate() {
                    tamper(i, j, 2, m);
                }
                s.finish(msgs)
            })
            .collect()
    }

    #[allow(clippy::type_complexity)]
    fn setup(n: usize, len: usize) -> (Vec<MacKeyShare<Fp>>, Vec<Vec<Fp>>, Vec<Vec<Fp>>) {
        let mut rng = ChaCha20Rng::seed_from_u64(n as u64 * 100 + len as u64);
        let values: Vec<Fp> = (0..len).map(|_| Fp::random(&mut rng)).collect();
        let (keys, per) = deal(n, &values, &mut rng);
        let opened = vec![values; n];
        let macs = per.into_iter().map(|(_, m)| m).collect();
        (keys, opened, macs)
    }

    #[test]
    fn honest_parties_pass() {
        for n in [2, 3, 5] {
            for len in [0, 1, 2, 17] {
                let (keys, opened, macs) = setup(n, len);
                for r in run(n, &keys, &opened, &macs, None, |_, _, _, _| {}) {
                    r.unwrap();
                }
            }
        }
    }

    #[test]
    fn wrong_opened_value_fails() {
        for n in [2, 3] {
            let (keys, mut opened, macs) = setup(n, 8);
            // Every party sees the same, wrong, value (as if the opening had been altered
            // consistently by a cheater).
            for o in &mut opened {
                o[3] += Fp::ONE;
            }
            for r in run(n, &keys, &opened, &macs, None, |_, _, _, _| {}) {
                assert!(matches!(r, Err(OfflineError::MacCheckFailed)));
            }
        }
    }

    #[cfg(feature = "adversarial")] // a named cheat: needs the feature
    #[test]
    fn wrong_mac_share_fails() {
        for n in [2, 3] {
            let (keys, opened, macs) = setup(n, 4);
            let out = run(
                n,
                &keys,
                &opened,
                &macs,
                Some((1, Cheat::WrongMacShare)),
                |_, _, _, _| {},
            );
            for (i, r) in out.iter().enumerate() {
                if i != 1 {
                    assert!(matches!(r, Err(OfflineError::MacCheckFailed)));
                }
            }
        }
    }

    #[cfg(feature = "adversarial")] // a named cheat: needs the feature
    #[test]
    fn opening_different_from_commitment_fails() {
        for n in [2, 3] {
            let (keys, opened, macs) = setup(n, 4);
            let out = run(
                n,
                &keys,
                &opened,
                &macs,
                Some((0, Cheat::MacCheckOpenDifferent)),
                |_, _, _, _| {},
            );
            for (i, r) in out.iter().enumerate() {
                if i != 0 {
                    assert!(matches!(
                        r,
                        Err(OfflineError::CommitmentMismatch { from: 0 })
                    ));
                }
            }
        }
    }

    #[test]
    fn tampered_commitment_and_views() {
        let (keys, opened, macs) = setup(3, 4);
        // Party 1's commitment, as party 0 receives it, is altered: party 0 then rejects
        // party 1's opening.
        let out = run(3, &keys, &opened, &macs, None, |i, j, round, m| {
            if i == 0 && j == 1 && round == 1 {
                m[0] ^= 1;
            }
        });
        assert!(matches!(
            out[0],
            Err(OfflineError::CommitmentMismatch { from: 1 })
        ));
        // Party 2 receives a view hash from party 1 that differs from its own.
        let out = run(3, &keys, &opened, &macs, None, |i, j, round, m| {
            if i == 2 && j == 1 && round == 2 {
                let last = m.len() - 1;
                m[last] ^= 1;
            }
        });
        assert!(matches!(
            out[2],
            Err(OfflineError::BroadcastInconsistent { .. })
        ));
    }

    #[test]
    fn malformed_openings_are_rejected() {
        let (keys, opened, macs) = setup(2, 4);
        let out = run(2, &keys, &opened, &macs, None, |i, j, round, m| {
            if i == 0 && j == 1 && round == 2 {
                // σ encoded as a value ≥ p.
                m[..16].copy_from_slice(&[0xff; 16]);
            }
        });
        assert!(matches!(
            out[0],
            Err(OfflineError::MalformedMessage { from: 1, .. })
        ));
        let out = run(2, &keys, &opened, &macs, None, |i, j, round, m| {
            if i == 1 && j == 0 && round == 2 {
                m.truncate(10);
            }
        });
        assert!(matches!(
            out[1],
            Err(OfflineError::MalformedMessage { from: 0, .. })
        ));
    }

    #[test]
    fn mismatched_lengths_are_api_misuse() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let key = MacKeyShare::<Fp>::random(&mut rng);
        let r = MacCheck::new(0, 2, CheckKind::Mac, &key, &[Fp::ONE], &[], None, None);
        assert!(matches!(r, Err(OfflineError::ApiMisuse(_))));
    }

    #[test]
    fn driver_over_memory_transport() {
        for n in [2, 3] {
            let (keys, opened, macs) = setup(n, 9);
            let keys: Vec<_> = keys.into_iter().map(std::sync::Arc::new).collect();
            let out = crate::testing::run_parties(n, |t, i| {
                let key = keys[i].clone();
                let opened = opened[i].clone();
                let macs = macs[i].clone();
                async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    check(&t, &key, &opened, &macs, &mut rng).await
                }
            });
            for r in out {
                r.unwrap();
            }
            // One party's MAC share altered: everyone aborts with MacCheckFailed.
            let out = crate::testing::run_parties(n, |t, i| {
                let key = keys[i].clone();
                let opened = opened[i].clone();
                let mut macs = macs[i].clone();
                if i == n - 1 {
                    macs[0] += Fp::ONE;
                }
                async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    check(&t, &key, &opened, &macs, &mut rng).await
                }
            });
            for r in out {
                assert!(matches!(r, Err(OfflineError::MacCheckFailed)));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Arbitrary commitments and openings are an error or a result, never a panic.
        #[test]
        fn arbitrary_rounds_never_panic(
            c in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            o in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
        ) {
            let (keys, opened, macs) = setup(2, 2);
            let mut rng = ChaCha20Rng::seed_from_u64(6);
            let mut coins = PublicPrg::from_seed([1; 32]);
            let s = MacCheck::new(0, 2, CheckKind::Mac, &keys[0], &opened[0], &macs[0], Some(&mut coins), None).unwrap();
            let (s, own) = s.commit(None, &mut rng);
            if let Ok((s, own_open)) = s.open(vec![own, c]) {
                let _ = s.finish(vec![own_open, o]);
            }
        }
    }
}
