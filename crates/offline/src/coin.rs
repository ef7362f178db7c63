//! F_Rand: public random coins by commit-then-open of seeds, expanded with a PRG.
//!
//! MASCOT (ePrint 2016/505) realises F_Rand with F_Commit: every party commits to a random
//! seed, all open, and the coins are a PRG expansion of the combined seeds. Here:
//!
//! 1. P_i samples s_i ∈ {0,1}^256 and broadcasts c_i = Commit(i, label, s_i) ([`CoinToss::start`]).
//! 2. P_i broadcasts the opening (s_i, nonce_i) and the hash of the commitments it received
//!    ([`CoinToss::open`]).
//! 3. P_i checks every opening ([`OfflineError::CommitmentMismatch`]) and that every party
//!    saw the same commitments ([`OfflineError::BroadcastInconsistent`]), and sets
//!    seed = SHA-256(label ‖ s_0 ‖ … ‖ s_{n−1}) ([`CoinCommitted::finish`]).
//! 4. The coins are ChaCha20 keyed by seed ([`PublicPrg`]).
//!
//! With one honest party, its s_i is uniform and hidden until every commitment is fixed, so the
//! seed is uniform to the adversary (up to the hash and commitment bounds).

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use spdz_field::Field;
use spdz_net::{PartyId, Transport};

use crate::commit::{self, COMMITMENT_BYTES, Commitment, NONCE_BYTES, Nonce};
use crate::{Cheat, OfflineError, steps};

const SEED_BYTES: usize = 32;
const OPEN_BYTES: usize = SEED_BYTES + NONCE_BYTES + 32;

/// Public coins: a ChaCha20 stream keyed by a jointly tossed seed. Every party holds the same.
pub struct PublicPrg(ChaCha20Rng);

impl core::fmt::Debug for PublicPrg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublicPrg").finish_non_exhaustive()
    }
}

impl PublicPrg {
    /// The PRG keyed by `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ChaCha20Rng::from_seed(seed))
    }

    /// The next public random field element.
    pub fn field<F: Field>(&mut self) -> F {
        F::random(&mut self.0)
    }

    /// `n` public random field elements.
    pub fn field_vec<F: Field>(&mut self, n: usize) -> Vec<F> {
        (0..n).map(|_| F::random(&mut self.0)).collect()
    }
}

/// Coin toss, round 1 done: our commitment is out.
pub struct CoinToss {
    party: PartyId,
    parties: usize,
    label: &'static [u8],
    seed: [u8; SEED_BYTES],
    nonce: Nonce,
    cheat: Option<Cheat>,
}

impl Drop for CoinToss {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl CoinToss {
    /// Round 1: samples our seed; returns the state and the commitment to broadcast.
    /// With `cheat` = `Cheat::CoinSeedMismatch` (feature `adversarial`), the opening in round
    /// 2 will carry a different seed; every other value (and `None`) runs honestly.
    pub fn start<R: rand_core::CryptoRng + ?Sized>(
        party: PartyId,
        parties: usize,
        label: &'static [u8],
        cheat: Option<Cheat>,
        rng: &mut R,
    ) -> (Self, Vec<u8>) {
        let mut seed = [0u8; SEED_BYTES];
        rng.fill_bytes(&mut seed);
        let (c, nonce) = commit::commit(party, label, &seed, rng);
        (
            Self {
                party,
                parties,
                label,
                seed,
                nonce,
                cheat,
            },
            c.0.to_vec(),
        )
    }

    /// Round 2: takes every party's round-1 message (indexed by party; our own entry is
    /// ignored) and returns the opening to broadcast.
    ///
    /// # Errors
    ///
    /// [`OfflineError::MalformedMessage`] if a commitment has the wrong length or the vector
    /// the wrong number of entries.
    pub fn open(self, received: Vec<Vec<u8>>) -> Result<(CoinCommitted, Vec<u8>), OfflineError> {
        let commitments =
            parse_commitments(self.party, self.parties, &received, "coin commitment")?;
        let mut commitments = commitments;
        // Our own commitment is recomputed rather than taken from the transport.
        commitments[self.party] =
            commit::commit_with_nonce(self.party, self.label, &self.seed, &self.nonce);
        let view = commit::view_hash(self.label, &commitments);
        let mut msg = Vec::with_capacity(OPEN_BYTES);
        let mut opened_seed = self.seed;
        crate::cheat::deviate!(self.cheat, CoinSeedMismatch, {
            // Cheat::CoinSeedMismatch: open something else than what was committed.
            opened_seed[0] ^= 1;
        });
        msg.extend_from_slice(&opened_seed);
        opened_seed.zeroize();
        msg.extend_from_slice(&self.nonce.to_bytes());
        msg.extend_from_slice(&view);
        Ok((
            CoinCommitted {
                party: self.party,
                parties: self.parties,
                label: self.label,
                seed: self.seed,
                commitments,
                view,
            },
            msg,
        ))
    }
}

/// Coin toss, round 2 done: waiting for the openings.
pub struct CoinCommitted {
    party: PartyId,
    parties: usize,
    label: &'static [u8],
    seed: [u8; SEED_BYTES],
    commitments: Vec<Commitment>,
    view: [u8; 32],
}

impl Drop for CoinCommitted {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl CoinCommitted {
    /// Checks every party's opening and returns the joint seed.
    ///
    /// # Errors
    ///
    /// [`OfflineError::MalformedMessage`] for a wrong length,
    /// [`OfflineError::CommitmentMismatch`] naming the party whose opening does not match its
    /// commitment, [`OfflineError::BroadcastInconsistent`] if a party saw other commitments.
    pub fn finish(self, received: Vec<Vec<u8>>) -> Result<[u8; 32], OfflineError> {
        if received.len() != self.parties {
            return Err(OfflineError::MalformedMessage {
                from: self.party,
                what: "coin opening count",
            });
        }
        let mut h = Sha256::new();
        h.update(b"spdz-offline/coin/v1");
        h.update(self.label);
        let mut inconsistent = false;
        for (j, msg) in received.iter().enumerate() {
            if j == self.party {
                h.update(self.seed);
                continue;
            }
            if msg.len() != OPEN_BYTES {
                return Err(OfflineError::MalformedMessage {
                    from: j,
                    what: "coin opening",
                });
            }
            let seed = &msg[..SEED_BYTES];
            let mut nonce = [0u8; NONCE_BYTES];
            nonce.copy_from_slice(&msg[SEED_BYTES..SEED_BYTES + NONCE_BYTES]);
            let nonce = Nonce::from_bytes(nonce);
            // F_Rand step 3: the opening must match the commitment.
            if !commit::verify(j, self.label, &self.commitments[j], seed, &nonce) {
                return Err(OfflineError::CommitmentMismatch { from: j });
            }
            if msg[SEED_BYTES + NONCE_BYTES..] != self.view {
                inconsistent = true;
            }
            h.update(seed);
        }
        if inconsistent {
            return Err(OfflineError::BroadcastInconsistent { step: "coin toss" });
        }
        Ok(h.finalize().into())
    }
}

/// Parses one commitment per party (our own entry may be anything).
pub(crate) fn parse_commitments(
    me: PartyId,
    parties: usize,
    received: &[Vec<u8>],
    what: &'static str,
) -> Result<Vec<Commitment>, OfflineError> {
    if received.len() != parties {
        return Err(OfflineError::MalformedMessage { from: me, what });
    }
    received
        .iter()
        .enumerate()
        .map(|(j, m)| {
            if j == me {
                return Ok(Commitment([0; COMMITMENT_BYTES]));
            }
            let arr: [u8; COMMITMENT_BYTES] = m
                .as_slice()
                .try_into()
                .map_err(|_| OfflineError::MalformedMessage { from: j, what })?;
            Ok(Commitment(arr))
        })
        .collect()
}

/// Runs F_Rand over `t` and returns the public PRG. `label` separates the uses.
///
/// # Errors
///
/// Network errors, and those of [`CoinToss::open`] and [`CoinCommitted::finish`].
pub async fn toss<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    label: &'static [u8],
    cheat: Option<Cheat>,
    rng: &mut R,
) -> Result<PublicPrg, OfflineError> {
    let (state, msg) = CoinToss::start(t.id(), t.parties(), label, cheat, rng);
    let received = t.exchange_all(steps::COIN_COMMIT, msg).await?;
    let (state, msg) = state.open(received)?;
    let received = t.exchange_all(steps::COIN_OPEN, msg).await?;
    let seed = state.finish(received)?;
    Ok(PublicPrg::from_seed(seed))
}

/// Runs F_Rand over `t` and returns the joint 32-byte seed itself (e.g. as a session id).
///
/// # Errors
///
/// As [`toss`].
pub async fn toss_seed<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    label: &'static [u8],
    cheat: Option<Cheat>,
    rng: &mut R,
) -> Result<[u8; 32], OfflineError> {
    let (state, msg) = CoinToss::start(t.id(), t.parties(), label, cheat, rng);
    let received = t.exchange_all(steps::COIN_COMMIT, msg).await?;
    let (state, msg) = state.open(received)?;
    let received = t.exchange_all(steps::COIN_OPEN, msg).await?;
    state.finish(received)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;

    /// Drives all parties of a coin toss in one thread; `tamper(receiver, sender, msg)` edits
    /// the round-2 messages.
    fn run(
        n: usize,
        cheater: Option<PartyId>,
        tamper: impl Fn(usize, usize, &mut Vec<u8>),
    ) -> Vec<Result<[u8; 32], OfflineError>> {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (states, r1): (Vec<_>, Vec<_>) = (0..n)
            .map(|i| {
                #[cfg(feature = "adversarial")]
                let cheat = (cheater == Some(i)).then_some(Cheat::CoinSeedMismatch);
                #[cfg(not(feature = "adversarial"))]
                let cheat = {
                    assert!(cheater.is_none(), "cheats need the adversarial feature");
                    None
                };
                CoinToss::start(i, n, b"test", cheat, &mut rng)
            })
            .unzip();
        let (states, r2): (Vec<_>, Vec<_>) = states
            .into_iter()
            .map(|s| s.open(r1.clone()).unwrap())
            .unzip();
        states
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let mut msgs = r2.clone();
                for (j, m) in msgs.iter_mut().enumerate() {
                    tamper(i, j, m);
                }
                s.finish(msgs)
            })
            .collect()
    }

    #[test]
    fn all_parties_agree() {
        for n in [2, 3, 5] {
            let out = run(n, None, |_, _, _| {});
            let first = *out[0].as_ref().unwrap();
            for o in &out {
                assert_eq!(*o.as_ref().unwrap(), first);
            }
        }
    }

    #[cfg(feature = "adversarial")] // a named cheat: needs the feature
    #[test]
    fn seed_different_from_commitment_is_caught() {
        let out = run(3, Some(1), |_, _, _| {});
        for (i, o) in out.iter().enumerate() {
            if i != 1 {
                assert!(matches!(
                    o,
                    Err(OfflineError::CommitmentMismatch { from: 1 })
                ));
            }
        }
    }

    #[test]
    fn tampered_nonce_is_caught() {
        let out = run(2, None, |i, j, m| {
            if i == 0 && j == 1 {
                m[SEED_BYTES] ^= 0x80;
            }
        });
        assert!(matches!(
            out[0],
            Err(OfflineError::CommitmentMismatch { from: 1 })
        ));
    }

    #[test]
    fn equivocated_commitment_is_caught() {
        // Party 2 runs two instances: it shows party 0 the commitment and opening of one seed
        // and party 1 those of another. Each opening matches what its receiver saw, so only
        // the view hashes can reveal the equivocation.
        let n = 3;
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let (s0, c0) = CoinToss::start(0, n, b"test", None, &mut rng);
        let (s1, c1) = CoinToss::start(1, n, b"test", None, &mut rng);
        let (s2a, c2a) = CoinToss::start(2, n, b"test", None, &mut rng);
        let (s2b, c2b) = CoinToss::start(2, n, b"test", None, &mut rng);
        let view0 = vec![c0.clone(), c1.clone(), c2a.clone()];
        let view1 = vec![c0.clone(), c1.clone(), c2b.clone()];
        let (s0, o0) = s0.open(view0.clone()).unwrap();
        let (s1, o1) = s1.open(view1.clone()).unwrap();
        let (_, o2a) = s2a.open(view0).unwrap();
        let (_, o2b) = s2b.open(view1).unwrap();
        let r0 = s0.finish(vec![o0.clone(), o1.clone(), o2a]);
        let r1 = s1.finish(vec![o0, o1, o2b]);
        assert!(matches!(
            r0,
            Err(OfflineError::BroadcastInconsistent { .. })
        ));
        assert!(matches!(
            r1,
            Err(OfflineError::BroadcastInconsistent { .. })
        ));
    }

    #[test]
    fn truncated_opening_is_malformed() {
        let out = run(2, None, |i, j, m| {
            if i == 0 && j == 1 {
                m.pop();
            }
        });
        assert!(matches!(
            out[0],
            Err(OfflineError::MalformedMessage { from: 1, .. })
        ));
    }

    #[test]
    fn short_commitment_is_malformed() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (s0, c0) = CoinToss::start(0, 2, b"test", None, &mut rng);
        let r = s0.open(vec![c0, vec![0u8; 31]]);
        assert!(matches!(
            r,
            Err(OfflineError::MalformedMessage { from: 1, .. })
        ));
    }
}
