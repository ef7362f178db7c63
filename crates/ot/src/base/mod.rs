//! Maliciously secure base OT: Masny–Rindal endemic OT over ristretto255.
//!
//! Daniel Masny and Peter Rindal, "Endemic Oblivious Transfer", ACM CCS 2019, ePrint 2019/706.
//! We implement the paper's OT from a key agreement whose messages are uniform group elements
//! (here Diffie–Hellman on ristretto255, whose points are uniform over the group and whose
//! encodings decode canonically), in its one-round form with a random-oracle "two-to-one"
//! encoding of the receiver's message: §4, Figure 8 (1-out-of-n OT from one-round key
//! agreement, n = 2) of the revised ePrint version (the one acknowledging the fixed UC flaws;
//! see `papers/ot.md`). The message flow was also cross-checked against libOTe's `MasnyRindal`.
//! As in Figure 8, each slot j has its own random oracle H_j.
//!
//! | step (one batch of `n` OTs, session id `sid`)                                   | function |
//! |---------------------------------------------------------------------------------|----------|
//! | S, OT i: a_i ← Z_ℓ, A_i = a_i·G; send (A_i)                                     | [`Sender::new`] |
//! | R, OT i with choice c: b_i ← Z_ℓ, B_i = b_i·G; r_{1−c} ← uniform point;          | [`Receiver::new`] |
//! |   r_c = B_i − H_c(sid, i, r_{1−c}); send (r_0, r_1) (slots placed with `subtle`) | |
//! | S: decode (r_0, r_1) canonically, reject 0;                                      | [`Sender::finish`] |
//! |   K_j = a_i·(r_j + H_j(sid, i, r_{1−j})), k_j = KDF(sid, i, j, A_i, r_0, r_1, K_j) | |
//! | R: decode A_i canonically, reject 0; k_c = KDF(sid, i, c, A_i, r_0, r_1, b_i·A_i) | [`Receiver::finish`] |
//!
//! H_j: SHA-512("spdz-ot/base/mr19/h2g" ‖ sid ‖ i ‖ j ‖ r) mapped to the group by ristretto's
//! Elligator-based `from_uniform_bytes` (uniform, as the proof needs of its random oracle).
//! KDF: the first 16 bytes of SHA-256("spdz-ot/base/mr19/kdf" ‖ sid ‖ i ‖ j ‖ A ‖ r_0 ‖ r_1 ‖ K).
//!
//! Both messages are independent, so both parties send at once: one round trip for the whole
//! batch. Cost per OT: 64 bytes receiver→sender and 32 bytes sender→receiver; sender 1
//! fixed-base + 2 variable-base scalar multiplications + 2 hash-to-group, receiver 1 fixed-base
//! + 1 variable-base multiplication + 1 hash-to-group.
//!
//! Security: UC-secure against a malicious sender or receiver (endemic OT, the receiver cannot
//! know the discrete logarithms of both B_0 = r_0 + H(r_1) and B_1 = r_1 + H(r_0) since H is a
//! random oracle), with computational security κ ≈ 126 bits from ristretto255 CDH.
//! Like Figure 8, and unlike libOTe (which reuses one sender key for a whole batch), every OT
//! runs its own key agreement: a fresh a_i per OT. Additions to the figure: the OT index and
//! the per-OT transcript go into the KDF, and the identity is rejected for every A_i and r_j
//! (for honest parties this happens with probability 2^-252).

mod driver;

pub use driver::{receive, receive_with_cheat, send, send_with_cheat, session_id};

use crate::PartyId;
use crate::block::Block;
use crate::error::{OtCheat, OtError};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use sha2::{Digest, Sha256, Sha512};
use subtle::{Choice, ConditionallySelectable};
use zeroize::Zeroize;

/// Bytes of one compressed ristretto255 point.
pub const POINT_BYTES: usize = 32;
/// Bytes of the receiver's message per OT.
pub const RECEIVER_BYTES_PER_OT: usize = 2 * POINT_BYTES;
/// Largest batch one base-OT run accepts (bounds what a peer can make us allocate).
pub const MAX_BASE_OTS: usize = 1 << 16;

/// A 32-byte session identifier bound into every hash (distinct per pair, direction and step).
pub type SessionId = [u8; 32];

#[cfg(feature = "adversarial")]
/// The non-canonical encoding used by [`OtCheat::NonCanonicalPoint`]: the field element p
/// itself (2^255 − 19), which reduces to 0 but is rejected by canonical decoding.
const NON_CANONICAL: [u8; 32] = {
    let mut b = [0xffu8; 32];
    b[0] = 0xed;
    b[31] = 0x7f;
    b
};

/// The sender's message: one point A_i = a_i·G per OT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderMsg {
    points: Vec<CompressedRistretto>,
}

impl SenderMsg {
    /// Wire encoding (32 bytes per OT).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        self.points.iter().flat_map(|p| *p.as_bytes()).collect()
    }

    /// Decodes and validates (length, canonical encoding, not the identity) a message from
    /// `from` that must carry exactly `count` points.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] on any defect.
    pub fn decode(bytes: &[u8], count: usize, from: PartyId) -> Result<ValidSenderMsg, OtError> {
        if Some(bytes.len()) != count.checked_mul(POINT_BYTES) {
            return Err(OtError::MalformedMessage {
                from,
                what: "base-OT sender message length",
            });
        }
        let points = bytes
            .chunks_exact(POINT_BYTES)
            .map(|chunk| {
                let mut arr = [0u8; POINT_BYTES];
                arr.copy_from_slice(chunk);
                let compressed = CompressedRistretto(arr);
                decode_point(&compressed)
                    .map(|point| (compressed, point))
                    .ok_or(OtError::MalformedMessage {
                        from,
                        what: "base-OT sender point A",
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(ValidSenderMsg { points })
    }
}

/// A sender message that passed validation.
#[derive(Clone, Debug)]
pub struct ValidSenderMsg {
    points: Vec<(CompressedRistretto, RistrettoPoint)>,
}

/// The receiver's message: the pair (r_0, r_1) for every OT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverMsg {
    pairs: Vec<[CompressedRistretto; 2]>,
}

impl ReceiverMsg {
    /// Wire encoding (64 bytes per OT).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pairs.len() * RECEIVER_BYTES_PER_OT);
        for [r0, r1] in &self.pairs {
            out.extend_from_slice(r0.as_bytes());
            out.extend_from_slice(r1.as_bytes());
        }
        out
    }

    /// Decodes and validates a message from `from` that must carry exactly `count` pairs.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] for a wrong length, a non-canonical encoding or the
    /// identity point.
    pub fn decode(bytes: &[u8], count: usize, from: PartyId) -> Result<ValidReceiverMsg, OtError> {
        if Some(bytes.len()) != count.checked_mul(RECEIVER_BYTES_PER_OT) {
            return Err(OtError::MalformedMessage {
                from,
                what: "base-OT receiver message length",
            });
        }
        let mut pairs = Vec::with_capacity(count);
        for chunk in bytes.chunks_exact(RECEIVER_BYTES_PER_OT) {
            let mut pair = [RistrettoPoint::identity(); 2];
            let mut enc = [CompressedRistretto::default(); 2];
            for (k, part) in chunk.chunks_exact(POINT_BYTES).enumerate() {
                let mut arr = [0u8; 32];
                arr.copy_from_slice(part);
                enc[k] = CompressedRistretto(arr);
                pair[k] = decode_point(&enc[k]).ok_or(OtError::MalformedMessage {
                    from,
                    what: "base-OT receiver point",
                })?;
            }
            pairs.push((enc, pair));
        }
        Ok(ValidReceiverMsg { pairs })
    }
}

/// A receiver message that passed validation.
#[derive(Clone, Debug)]
pub struct ValidReceiverMsg {
    pairs: Vec<([CompressedRistretto; 2], [RistrettoPoint; 2])>,
}

/// Canonical decoding that also rejects the identity.
fn decode_point(c: &CompressedRistretto) -> Option<RistrettoPoint> {
    let p = c.decompress()?;
    if p == RistrettoPoint::identity() {
        return None;
    }
    Some(p)
}

fn index_bytes(i: usize) -> [u8; 8] {
    (i as u64).to_le_bytes()
}

/// H_j(sid, i, r): the random oracle of slot `j` onto the group (Masny–Rindal Fig. 8 uses an
/// independent oracle per slot; the slot byte makes them independent). `slot` may be secret
/// (the receiver's choice): it is hashed as data, which takes the same time for 0 and 1.
fn hash_to_group(sid: &SessionId, i: usize, slot: u8, r: &CompressedRistretto) -> RistrettoPoint {
    let mut h = Sha512::new();
    h.update(b"spdz-ot/base/mr19/h2g");
    h.update(sid);
    h.update(index_bytes(i));
    h.update([slot]);
    h.update(r.as_bytes());
    let digest = h.finalize();
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&digest);
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// KDF(sid, i, j, A, r_0, r_1, K) → 128-bit OT key.
fn kdf(
    sid: &SessionId,
    i: usize,
    j: u8,
    a: &CompressedRistretto,
    pair: &[CompressedRistretto; 2],
    k: &RistrettoPoint,
) -> Block {
    let mut h = Sha256::new();
    h.update(b"spdz-ot/base/mr19/kdf");
    h.update(sid);
    h.update(index_bytes(i));
    h.update([j]);
    h.update(a.as_bytes());
    h.update(pair[0].as_bytes());
    h.update(pair[1].as_bytes());
    let mut kb = k.compress().to_bytes();
    h.update(kb);
    kb.zeroize();
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    Block::from_bytes(out)
}

/// Base-OT sender after sending its points A_i, waiting for the receiver's points.
pub struct Sender {
    sid: SessionId,
    /// (a_i, A_i = a_i·G) per OT.
    keys: Vec<(Scalar, CompressedRistretto)>,
}

impl core::fmt::Debug for Sender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("base::Sender")
            .field("count", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        for (a, _) in &mut self.keys {
            a.zeroize();
        }
    }
}

impl Sender {
    /// Starts a batch of `count` OTs: samples one a_i per OT (Fig. 8 runs one key agreement
    /// per OT), returns the state and the message (A_i).
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] if `count > MAX_BASE_OTS`.
    pub fn new<R: rand_core::CryptoRng + ?Sized>(
        sid: SessionId,
        count: usize,
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<(Self, SenderMsg), OtError> {
        if count > MAX_BASE_OTS {
            return Err(OtError::ApiMisuse {
                what: "too many base OTs in one batch",
            });
        }
        let keys: Vec<(Scalar, CompressedRistretto)> = (0..count)
            .map(|_| {
                let a = Scalar::random(rng);
                let big_a = (&a * RISTRETTO_BASEPOINT_TABLE).compress();
                (a, big_a)
            })
            .collect();
        let mut sent: Vec<CompressedRistretto> = keys.iter().map(|(_, big_a)| *big_a).collect();
        // Without the feature `OtCheat` has no values: `cheat` is always `None`.
        #[cfg(not(feature = "adversarial"))]
        let _ = (cheat, &mut sent);
        #[cfg(feature = "adversarial")]
        match (cheat, sent.first_mut()) {
            (Some(OtCheat::NonCanonicalPoint), Some(first)) => {
                *first = CompressedRistretto(NON_CANONICAL);
            }
            (Some(OtCheat::IdentityPoint), Some(first)) => {
                *first = RistrettoPoint::identity().compress();
            }
            _ => {}
        }
        Ok((Self { sid, keys }, SenderMsg { points: sent }))
    }

    /// Derives both keys of every OT from the receiver's validated message.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] if the message carries a different number of OTs (the
    /// decoder already checked this when given the same count).
    pub fn finish(self, msg: ValidReceiverMsg, from: PartyId) -> Result<Vec<[Block; 2]>, OtError> {
        if msg.pairs.len() != self.keys.len() {
            return Err(OtError::MalformedMessage {
                from,
                what: "base-OT receiver message length",
            });
        }
        let mut out = Vec::with_capacity(self.keys.len());
        for (i, ((enc, pts), (a, big_a))) in msg.pairs.iter().zip(&self.keys).enumerate() {
            // B_j = r_j + H_j(sid, i, r_{1−j}); K_j = a_i·B_j
            let b0 = pts[0] + hash_to_group(&self.sid, i, 0, &enc[1]);
            let b1 = pts[1] + hash_to_group(&self.sid, i, 1, &enc[0]);
            let k0 = a * b0;
            let k1 = a * b1;
            out.push([
                kdf(&self.sid, i, 0, big_a, enc, &k0),
                kdf(&self.sid, i, 1, big_a, enc, &k1),
            ]);
        }
        Ok(out)
    }
}

/// Base-OT receiver after sending its points, waiting for A.
pub struct Receiver {
    sid: SessionId,
    secrets: Vec<Scalar>,
    choices: Vec<Choice>,
    pairs: Vec<[CompressedRistretto; 2]>,
}

impl core::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("base::Receiver")
            .field("count", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        for s in &mut self.secrets {
            s.zeroize();
        }
        for c in &mut self.choices {
            *c = Choice::from(0);
        }
    }
}

impl Receiver {
    /// Starts a batch with the given choice bits; returns the state and the pairs to send.
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] if `choices.len() > MAX_BASE_OTS`.
    pub fn new<R: rand_core::CryptoRng + ?Sized>(
        sid: SessionId,
        choices: &[bool],
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<(Self, ReceiverMsg), OtError> {
        if choices.len() > MAX_BASE_OTS {
            return Err(OtError::ApiMisuse {
                what: "too many base OTs in one batch",
            });
        }
        let mut secrets = Vec::with_capacity(choices.len());
        let mut cs = Vec::with_capacity(choices.len());
        let mut pairs = Vec::with_capacity(choices.len());
        for (i, &c) in choices.iter().enumerate() {
            let c = Choice::from(u8::from(c));
            let b = Scalar::random(rng);
            let big_b = &b * RISTRETTO_BASEPOINT_TABLE;
            // r_{1−c}: a uniform point; r_c = B − H_c(sid, i, r_{1−c}).
            let r_not = RistrettoPoint::random(rng);
            let r_not_enc = r_not.compress();
            let r_c = big_b - hash_to_group(&sid, i, c.unwrap_u8(), &r_not_enc);
            // Place the two points without branching on c.
            let p0 = RistrettoPoint::conditional_select(&r_c, &r_not, c);
            let p1 = RistrettoPoint::conditional_select(&r_not, &r_c, c);
            pairs.push([p0.compress(), p1.compress()]);
            secrets.push(b);
            cs.push(c);
        }
        let mut sent = pairs.clone();
        #[cfg(not(feature = "adversarial"))]
        let _ = (cheat, &mut sent);
        #[cfg(feature = "adversarial")]
        match (cheat, sent.first_mut()) {
            (Some(OtCheat::NonCanonicalPoint), Some(first)) => {
                first[0] = CompressedRistretto(NON_CANONICAL)
            }
            (Some(OtCheat::IdentityPoint), Some(first)) => {
                first[0] = RistrettoPoint::identity().compress()
            }
            _ => {}
        }
        Ok((
            Self {
                sid,
                secrets,
                choices: cs,
                pairs,
            },
            ReceiverMsg { pairs: sent },
        ))
    }

    /// Derives the chosen key of every OT from the sender's validated message.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] if the message carries a different number of OTs (the
    /// decoder already checked this when given the same count).
    pub fn finish(self, msg: &ValidSenderMsg, from: PartyId) -> Result<Vec<Block>, OtError> {
        if msg.points.len() != self.secrets.len() {
            return Err(OtError::MalformedMessage {
                from,
                what: "base-OT sender message length",
            });
        }
        let mut out = Vec::with_capacity(self.secrets.len());
        for (i, (((b, c), pair), (big_a_enc, big_a))) in self
            .secrets
            .iter()
            .zip(&self.choices)
            .zip(&self.pairs)
            .zip(&msg.points)
            .enumerate()
        {
            let k = b * big_a;
            // j = c, as a byte computed without a branch.
            let j = u8::conditional_select(&0, &1, *c);
            out.push(kdf(&self.sid, i, j, big_a_enc, pair, &k));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
