//! Hash commitments (the F_Commit of MASCOT, instantiated in the random-oracle model).
//!
//! `commit(party, label, data)` = SHA-256(DOMAIN ‖ label ‖ party ‖ len(data) ‖ data ‖ nonce) with a
//! fresh 256-bit nonce. Hiding: the nonce has 256 bits of entropy and SHA-256 is modelled as a
//! random oracle. Binding: opening to two different values finds a SHA-256 collision.
//!
//! The committer's party id and a protocol label are hashed in, so a rushing party cannot copy
//! an honest party's commitment and later its opening as its own (which would, e.g., cancel the
//! honest contribution in coin tossing), nor replay a commitment from another step.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use spdz_net::PartyId;

/// Domain separator of every commitment of this crate.
const DOMAIN: &[u8] = b"spdz-offline/commit/v1";

/// Length of a commitment in bytes.
pub const COMMITMENT_BYTES: usize = 32;
/// Length of the opening nonce in bytes.
pub const NONCE_BYTES: usize = 32;

/// A commitment: 32 bytes, public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitment(pub [u8; COMMITMENT_BYTES]);

/// The randomness that opens a commitment. Secret until opened.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct Nonce(pub(crate) [u8; NONCE_BYTES]);

impl core::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nonce").finish_non_exhaustive()
    }
}

impl Nonce {
    /// A fresh nonce.
    pub fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut n = [0u8; NONCE_BYTES];
        rng.fill_bytes(&mut n);
        Self(n)
    }

    /// The nonce's bytes, to send in an opening.
    pub fn to_bytes(&self) -> [u8; NONCE_BYTES] {
        self.0
    }

    /// A nonce received in an opening.
    pub fn from_bytes(bytes: [u8; NONCE_BYTES]) -> Self {
        Self(bytes)
    }
}

fn hash(party: PartyId, label: &[u8], data: &[u8], nonce: &Nonce) -> [u8; COMMITMENT_BYTES] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update((label.len() as u64).to_le_bytes());
    h.update(label);
    h.update((party as u64).to_le_bytes());
    h.update((data.len() as u64).to_le_bytes());
    h.update(data);
    h.update(nonce.0);
    h.finalize().into()
}

/// Commits `party` to `data` under `label` with fresh randomness.
pub fn commit<R: rand_core::CryptoRng + ?Sized>(
    party: PartyId,
    label: &[u8],
    data: &[u8],
    rng: &mut R,
) -> (Commitment, Nonce) {
    let nonce = Nonce::random(rng);
    (Commitment(hash(party, label, data, &nonce)), nonce)
}

/// The commitment of `party` to `data` with a given nonce (to recompute one's own).
pub(crate) fn commit_with_nonce(
    party: PartyId,
    label: &[u8],
    data: &[u8],
    nonce: &Nonce,
) -> Commitment {
    Commitment(hash(party, label, data, nonce))
}

/// Checks that (`data`, `nonce`) opens `commitment` made by `party` under `label`.
/// The comparison is constant time.
pub fn verify(
    party: PartyId,
    label: &[u8],
    commitment: &Commitment,
    data: &[u8],
    nonce: &Nonce,
) -> bool {
    bool::from(hash(party, label, data, nonce).ct_eq(&commitment.0))
}

/// Hash of a vector of commitments (one per party), used to check that every party saw the
/// same broadcast.
pub(crate) fn view_hash(label: &[u8], commitments: &[Commitment]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-offline/broadcast-view/v1");
    h.update((label.len() as u64).to_le_bytes());
    h.update(label);
    for c in commitments {
        h.update(c.0);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn opens_and_binds() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (c, n) = commit(1, b"x", b"hello", &mut rng);
        assert!(verify(1, b"x", &c, b"hello", &n));
        assert!(!verify(1, b"x", &c, b"hellp", &n));
        assert!(
            !verify(2, b"x", &c, b"hello", &n),
            "bound to the committer's id"
        );
        assert!(!verify(1, b"y", &c, b"hello", &n), "bound to the label");
        let other = Nonce::random(&mut rng);
        assert!(!verify(1, b"x", &c, b"hello", &other));
    }

    #[test]
    fn nonce_debug_is_redacted() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let n = Nonce::random(&mut rng);
        assert_eq!(format!("{n:?}"), "Nonce { .. }");
    }
}
