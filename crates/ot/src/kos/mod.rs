//! IKNP OT extension with the KOS consistency check: correlated and random OT.
//!
//! Marcel Keller, Emmanuela Orsini, Peter Scholl, "Actively Secure OT Extension with Optimal
//! Overhead", CRYPTO 2015, ePrint 2015/546 (the protocol of its §4 "Our protocol", correlated
//! OT extension with the correlation check in F_{2^κ}; we work from the structure described
//! there and as implemented in swanky's ocelot `kos`; figure numbers are not cited because the
//! revision could not be pinned while this was written). IKNP: Ishai, Kilian, Nissim, Petrank,
//! CRYPTO 2003.
//!
//! Parameters: κ = 128 base OTs (columns), statistical security s = 64; every extension of `m`
//! OTs is padded with at least κ + s = 192 random rows ([`PAD_ROWS`]) and rounded up to a
//! multiple of 128, so `m' = ⌈(m + 192)/128⌉·128` rows are extended. With challenges χ_j
//! uniform in GF(2^128) the check lets a cheating receiver pass with probability ≤ 2^-s while
//! the padding keeps x and t independent of the real choice bits (KOS §4; note that Roy's
//! SoftSpokenOT paper, ePrint 2022/192, questions the tightness of the KOS proof; the role
//! traits let SoftSpokenOT replace this module).
//!
//! | step (per extension of m OTs, receiver R with choices r, sender S with Δ)        | function |
//! |----------------------------------------------------------------------------------|----------|
//! | Setup: S is base-OT receiver with the bits of Δ, R is base-OT sender (128 OTs)    | [`Sender::setup`], [`Receiver::setup`] |
//! | R: r' = r ‖ random pad; t_i = G(k_i^0), u_i = t_i ⊕ G(k_i^1) ⊕ r' (i < 128);       | [`ReceiverCore::extend`] |
//! |   commit c = SHA-256(seed_R ‖ nonce); send (u, c)                                 | |
//! | S: q_i = G(k_i^{Δ_i}) ⊕ Δ_i·u_i (mask from Δ_i, no branch); rows q_j = t_j ⊕ r'_j·Δ; | [`SenderCore::extend`] |
//! |   send seed_S (coin toss, after u is fixed)                                       | |
//! | R: χ = G(seed_R ⊕ seed_S) ∈ GF(2^128)^{m'}; x = Σ r'_j·χ_j, t = Σ t_j·χ_j;         | [`ReceiverPending::finish`] |
//! |   send (seed_R, nonce, x, t); output t_j (j < m)                                  | |
//! | S: check c opens (else `CommitmentMismatch`); q = Σ q_j·χ_j;                        | [`SenderPending::finish`] |
//! |   check t = q ⊕ x·Δ with `ct_eq`, one branch (else `OtConsistencyFailed`); output q_j | |
//! | Random OT: S outputs H(q_j, i), H(q_j ⊕ Δ, i); R outputs H(t_j, i); i a global index | [`Sender::send_random`], [`Receiver::receive_random`] |
//!
//! G is [`Prg`] (AES-128-CTR keyed by the base-OT key), H is [`FixedKeyHash::tccr`].
//! Cost per OT (large m): 16 bytes R→S, 2 AES (R) / 1 AES (S) for G, one 128-bit transpose
//! row per side, one GF(2^128) multiply per side, and for random OT 2 (R) / 4 (S) AES for H.
//! Per extension: 3 messages (1.5 round trips), 32 + 16 + 64 bytes of coin toss and check.
//! The drivers split requests into batches of [`BATCH`] OTs and overlap them: each party
//! hashes (random OT) or copies (correlated OT) the outputs of batch k while the other party
//! computes its part of batch k+1; every batch's check has passed before a call returns.
//! Departure from the paper's F_Rand: the challenge seed is a two-party coin toss (R commits,
//! S answers in clear, R opens), run after R's matrix u is fixed.

mod driver;
#[cfg(test)]
mod tests;

pub use driver::{BATCH, Receiver, Sender};

use crate::PartyId;
use crate::block::Block;
use crate::error::{OtCheat, OtError};
use crate::hash::FixedKeyHash;
use crate::prg::Prg;
use crate::transpose::transpose_columns;
use sha2::{Digest, Sha256};
use spdz_field::Gf128;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// κ: number of base OTs, columns of the IKNP matrix.
pub const KAPPA: usize = 128;
/// s: statistical security of the consistency check.
pub const STAT_SEC: usize = 64;
/// Random rows added to every extension (κ + s).
pub const PAD_ROWS: usize = KAPPA + STAT_SEC;
/// Largest number of OTs one core extension accepts (the drivers split larger requests).
pub const MAX_EXTEND: usize = 1 << 24;
/// Bytes of R's coin-toss commitment.
const COMMIT_BYTES: usize = 32;
/// Bytes of R's opening and check message: seed, nonce, x, t.
pub const CHECK_MSG_BYTES: usize = 64;

/// 128-bit words per column for `m` OTs (with padding).
#[must_use]
pub const fn words_for(m: usize) -> usize {
    (m + PAD_ROWS).div_ceil(128)
}

/// Exact length of R's extension message for `m` OTs.
#[must_use]
pub const fn extend_msg_bytes(m: usize) -> usize {
    KAPPA * words_for(m) * 16 + COMMIT_BYTES
}

fn commit(index: u128, seed: &[u8; 16], nonce: &[u8; 16]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-ot/kos/coin-commit/v1");
    h.update(index.to_le_bytes());
    h.update(seed);
    h.update(nonce);
    h.finalize().into()
}

/// Folds the KOS check over all rows with χ = G(seed_R ⊕ seed_S), streamed in chunks:
/// returns (Σ rows_j·χ_j, Σ r'_j·χ_j) where r' is given as packed bits (or zero if `None`).
/// Per chunk of 128 rows, unreduced carry-less products are accumulated and reduced once.
fn fold_check(
    seed_r: &[u8; 16],
    seed_s: &[u8; 16],
    rows: &[Block],
    bits: Option<&[u128]>,
) -> (Gf128, Gf128) {
    const CHUNK: usize = 128;
    let mut s = [0u8; 16];
    for (o, (a, b)) in s.iter_mut().zip(seed_r.iter().zip(seed_s)) {
        *o = a ^ b;
    }
    let mut prg = Prg::new(Block::from_bytes(s));
    let mut chi = [Block::ZERO; CHUNK];
    let mut chi_gf = [Gf128::new(0); CHUNK];
    let mut rows_gf = [Gf128::new(0); CHUNK];
    let mut acc = Gf128::new(0);
    let mut x = Gf128::new(0);
    for (c, chunk) in rows.chunks(CHUNK).enumerate() {
        let n = chunk.len();
        prg.fill(&mut chi[..n]);
        for ((g, r), (h, ch)) in rows_gf
            .iter_mut()
            .zip(chunk)
            .zip(chi_gf.iter_mut().zip(&chi[..n]))
        {
            *g = Gf128::new(r.to_u128());
            *h = Gf128::new(ch.to_u128());
        }
        // Σ over the chunk with unreduced carry-less products and one reduction (PCLMULQDQ
        // path inside the field crate); reduction is linear, so summing reduced chunks is exact.
        acc += Gf128::inner_product(&rows_gf[..n], &chi_gf[..n]);
        if let Some(bits) = bits {
            // Rows c·128 .. c·128+127 are the bits of word c (chunks align with words).
            let word = bits.get(c).copied().unwrap_or(0);
            for (k, ch) in chi_gf[..n].iter().enumerate() {
                let bit = Choice::from(((word >> k) & 1).to_le_bytes()[0]);
                x += Gf128::conditional_select(&Gf128::new(0), ch, bit);
            }
        }
    }
    rows_gf.zeroize();
    (acc, x)
}

/// KOS sender (holds Δ and one PRG per column, keyed by k_i^{Δ_i}).
pub struct SenderCore {
    delta: Block,
    prgs: Vec<Prg>,
    /// Scratch for the q columns, reused across extensions (fresh pages are costly).
    cols: Vec<Block>,
    /// Global index of the next OT (tweak of the random-OT hash, bound into the coin toss).
    next: u128,
}

impl core::fmt::Debug for SenderCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("kos::SenderCore").finish_non_exhaustive()
    }
}

impl Drop for SenderCore {
    fn drop(&mut self) {
        self.delta.zeroize();
        self.cols.zeroize();
    }
}

impl SenderCore {
    /// From Δ and the base-OT keys k_i^{Δ_i} (the sender was base-OT receiver with Δ's bits).
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] unless exactly 128 keys are given.
    pub fn new(delta: Block, keys: &[Block]) -> Result<Self, OtError> {
        if keys.len() != KAPPA {
            return Err(OtError::ApiMisuse {
                what: "KOS sender needs exactly 128 base-OT keys",
            });
        }
        Ok(Self {
            delta,
            prgs: keys.iter().map(|k| Prg::new(*k)).collect(),
            cols: Vec::new(),
            next: 0,
        })
    }

    /// Δ, the sender's own secret (it needs it to use its correlated outputs). Whoever holds Δ
    /// and the receiver's outputs learns the receiver's choice bits: never send or log it.
    #[must_use]
    pub fn dangerous_delta(&self) -> Block {
        self.delta
    }

    /// Processes R's extension message for `m` OTs; returns the pending state and the seed
    /// message (16 bytes) to send back.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] if the message length is not exactly
    /// [`extend_msg_bytes`]`(m)`; [`OtError::ApiMisuse`] if `m > MAX_EXTEND`.
    pub fn extend<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        m: usize,
        msg: &[u8],
        from: PartyId,
        rng: &mut R,
    ) -> Result<(SenderPending, Vec<u8>), OtError> {
        if m > MAX_EXTEND {
            return Err(OtError::ApiMisuse {
                what: "KOS extension too large",
            });
        }
        if msg.len() != extend_msg_bytes(m) {
            return Err(OtError::MalformedMessage {
                from,
                what: "KOS extension message length",
            });
        }
        let words = words_for(m);
        let (u_bytes, com) = msg.split_at(KAPPA * words * 16);
        let mut commitment = [0u8; 32];
        commitment.copy_from_slice(com);
        // q_i = G(k_i^{Δ_i}) ⊕ (Δ_i · u_i), the product as an AND with a mask from Δ_i.
        let q = &mut self.cols;
        q.resize(KAPPA * words, Block::ZERO);
        for (i, (col, prg)) in q.chunks_exact_mut(words).zip(&mut self.prgs).enumerate() {
            prg.fill(col);
            let mask = Block::mask(self.delta.bit(i));
            let u_col = &u_bytes[i * words * 16..(i + 1) * words * 16];
            for (qw, ub) in col.iter_mut().zip(u_col.chunks_exact(16)) {
                let mut a = [0u8; 16];
                a.copy_from_slice(ub);
                *qw ^= Block::from_bytes(a) & mask;
            }
        }
        let rows = transpose_columns(q, words);
        q.fill(Block::ZERO); // scratch, wiped for real (zeroize) on drop
        let mut seed_s = [0u8; 16];
        rng.fill_bytes(&mut seed_s);
        let first = self.next;
        self.next = self.next.wrapping_add(m as u128);
        Ok((
            SenderPending {
                delta: self.delta,
                rows,
                commitment,
                seed_s,
                m,
                first,
                from,
            },
            seed_s.to_vec(),
        ))
    }
}

/// Sender between sending its coin-toss seed and receiving R's opening and check values.
pub struct SenderPending {
    delta: Block,
    rows: Vec<Block>,
    commitment: [u8; 32],
    seed_s: [u8; 16],
    m: usize,
    first: u128,
    from: PartyId,
}

impl core::fmt::Debug for SenderPending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("kos::SenderPending")
            .field("m", &self.m)
            .finish_non_exhaustive()
    }
}

impl Drop for SenderPending {
    fn drop(&mut self) {
        self.delta.zeroize();
        self.rows.zeroize();
    }
}

impl SenderPending {
    /// Verifies R's opening and the KOS check; on success returns the correlated outputs
    /// q_j (j < m) and the global index of the first one.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] for a message that is not 64 bytes,
    /// [`OtError::CommitmentMismatch`] if the seed does not open the commitment,
    /// [`OtError::OtConsistencyFailed`] if t ≠ q ⊕ x·Δ.
    pub fn finish(mut self, msg: &[u8]) -> Result<(Vec<Block>, u128), OtError> {
        let from = self.from;
        if msg.len() != CHECK_MSG_BYTES {
            return Err(OtError::MalformedMessage {
                from,
                what: "KOS check message length",
            });
        }
        let field = |k: usize| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&msg[16 * k..16 * (k + 1)]);
            a
        };
        let (seed_r, nonce) = (field(0), field(1));
        let x = Gf128::from_le_bytes(field(2));
        let t = Gf128::from_le_bytes(field(3));
        // Coin toss: R's seed must open its commitment.
        let opened = commit(self.first, &seed_r, &nonce);
        if !bool::from(opened.ct_eq(&self.commitment)) {
            return Err(OtError::CommitmentMismatch { from });
        }
        // KOS check: q = Σ q_j·χ_j must equal t ⊕ x·Δ; folded over all rows, one branch.
        let (q, _) = fold_check(&seed_r, &self.seed_s, &self.rows, None);
        let expected = t + x * Gf128::new(self.delta.to_u128());
        if !bool::from(q.ct_eq(&expected)) {
            return Err(OtError::OtConsistencyFailed);
        }
        let mut out = core::mem::take(&mut self.rows);
        out.truncate(self.m);
        Ok((out, self.first))
    }
}

/// KOS receiver (holds both base-OT keys of every column as PRGs).
pub struct ReceiverCore {
    prgs: Vec<[Prg; 2]>,
    /// Scratch for the t columns and one G(k_i^1) column, reused across extensions.
    cols: Vec<Block>,
    g1: Vec<Block>,
    next: u128,
}

impl core::fmt::Debug for ReceiverCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("kos::ReceiverCore").finish_non_exhaustive()
    }
}

impl Drop for ReceiverCore {
    fn drop(&mut self) {
        self.cols.zeroize();
        self.g1.zeroize();
    }
}

impl ReceiverCore {
    /// From the 128 base-OT key pairs (the receiver was base-OT sender).
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] unless exactly 128 pairs are given.
    pub fn new(keys: &[[Block; 2]]) -> Result<Self, OtError> {
        if keys.len() != KAPPA {
            return Err(OtError::ApiMisuse {
                what: "KOS receiver needs exactly 128 base-OT key pairs",
            });
        }
        Ok(Self {
            prgs: keys
                .iter()
                .map(|[k0, k1]| [Prg::new(*k0), Prg::new(*k1)])
                .collect(),
            cols: Vec::new(),
            g1: Vec::new(),
            next: 0,
        })
    }

    /// Starts an extension with the given choice bits; returns the pending state and the
    /// extension message (u and the coin-toss commitment).
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] if more than [`MAX_EXTEND`] choices are given.
    pub fn extend<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        choices: &[bool],
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<(ReceiverPending, Vec<u8>), OtError> {
        let m = choices.len();
        if m > MAX_EXTEND {
            return Err(OtError::ApiMisuse {
                what: "KOS extension too large",
            });
        }
        let words = words_for(m);
        // r' = r ‖ random padding, packed 128 rows per word (no branch on a choice bit).
        let mut r = vec![0u128; words];
        for (j, &c) in choices.iter().enumerate() {
            r[j / 128] |= u128::from(c) << (j % 128);
        }
        let mut pad = [0u8; 16];
        for (w, word) in r.iter_mut().enumerate() {
            rng.fill_bytes(&mut pad);
            let random = u128::from_le_bytes(pad);
            let real = m.saturating_sub(128 * w).min(128);
            let keep = if real == 128 {
                u128::MAX
            } else {
                (1u128 << real) - 1
            };
            *word |= random & !keep;
        }
        pad.zeroize();
        // t_i = G(k_i^0); u_i = t_i ⊕ G(k_i^1) ⊕ r'.
        let t = &mut self.cols;
        t.resize(KAPPA * words, Block::ZERO);
        let g1 = &mut self.g1;
        g1.resize(words, Block::ZERO);
        let mut msg = Vec::with_capacity(extend_msg_bytes(m) + 1);
        for (i, (col, [p0, p1])) in t.chunks_exact_mut(words).zip(&mut self.prgs).enumerate() {
            p0.fill(col);
            p1.fill(&mut g1[..words]);
            for (w, (tw, gw)) in col.iter().zip(g1.iter()).enumerate() {
                let mut u = tw.to_u128() ^ gw.to_u128() ^ r[w];
                if cheat == Some(OtCheat::InconsistentChoiceBits) && w == 0 && i % 2 == 1 {
                    // Cheat: in odd columns use the complement of the choice bit of row 0.
                    u ^= 1;
                }
                msg.extend_from_slice(&u.to_le_bytes());
            }
        }
        g1.fill(Block::ZERO);
        let mut seed_r = [0u8; 16];
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut seed_r);
        rng.fill_bytes(&mut nonce);
        let first = self.next;
        self.next = self.next.wrapping_add(m as u128);
        msg.extend_from_slice(&commit(first, &seed_r, &nonce));
        match cheat {
            Some(OtCheat::TruncatedExtension) => {
                msg.pop();
            }
            Some(OtCheat::OverlongExtension) => msg.push(0),
            _ => {}
        }
        let rows = transpose_columns(&t[..KAPPA * words], words);
        t.fill(Block::ZERO);
        Ok((
            ReceiverPending {
                rows,
                r,
                seed_r,
                nonce,
                m,
                first,
            },
            msg,
        ))
    }
}

/// Receiver between sending u and receiving S's coin-toss seed.
pub struct ReceiverPending {
    rows: Vec<Block>,
    r: Vec<u128>,
    seed_r: [u8; 16],
    nonce: [u8; 16],
    m: usize,
    first: u128,
}

impl core::fmt::Debug for ReceiverPending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("kos::ReceiverPending")
            .field("m", &self.m)
            .finish_non_exhaustive()
    }
}

impl Drop for ReceiverPending {
    fn drop(&mut self) {
        self.rows.zeroize();
        self.r.zeroize();
        self.seed_r.zeroize();
    }
}

impl ReceiverPending {
    /// Takes S's seed, computes the check values; returns the message to send (opening, x, t)
    /// and the correlated outputs t_j (j < m) with the global index of the first one.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] if the seed message is not 16 bytes.
    pub fn finish(
        mut self,
        seed_msg: &[u8],
        from: PartyId,
    ) -> Result<(Vec<u8>, Vec<Block>, u128), OtError> {
        let seed_s: [u8; 16] = seed_msg.try_into().map_err(|_| OtError::MalformedMessage {
            from,
            what: "KOS coin-toss seed length",
        })?;
        // x = Σ r'_j·χ_j (selection by the choice bit, no branch); t = Σ t_j·χ_j.
        let (t, x) = fold_check(&self.seed_r, &seed_s, &self.rows, Some(&self.r));
        let mut msg = Vec::with_capacity(CHECK_MSG_BYTES);
        msg.extend_from_slice(&self.seed_r);
        msg.extend_from_slice(&self.nonce);
        msg.extend_from_slice(&x.to_le_bytes());
        msg.extend_from_slice(&t.to_le_bytes());
        let mut out = core::mem::take(&mut self.rows);
        out.truncate(self.m);
        Ok((msg, out, self.first))
    }
}

/// Random-OT outputs of the sender: (H(q_j, i), H(q_j ⊕ Δ, i)) with i = `first` + j.
#[must_use]
pub fn random_sender_outputs(
    hash: &FixedKeyHash,
    q: &[Block],
    delta: Block,
    first: u128,
) -> Vec<[Block; 2]> {
    hash.tccr_pairs(q, delta, first)
}

/// Random-OT outputs of the receiver: H(t_j, i) with i = `first` + j.
#[must_use]
pub fn random_receiver_outputs(hash: &FixedKeyHash, t: &[Block], first: u128) -> Vec<Block> {
    let mut out = t.to_vec();
    hash.tccr_many(&mut out, first);
    out
}
