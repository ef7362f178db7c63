//! IKNP OT extension with the KOS consistency check: correlated and random OT.
//!
//! Marcel Keller, Emmanuela Orsini, Peter Scholl, "Actively Secure OT Extension with Optimal
//! Overhead", CRYPTO 2015, ePrint 2015/546, in its **revised** form: the original check (a
//! random combination of the transposed rows, x = Σ r'_j·χ_j, t = Σ t_j·χ_j, checked as
//! t = q ⊕ x·Δ) rested on a lemma that Roy's SoftSpokenOT paper (ePrint 2022/192) showed false,
//! and the revised paper replaces it with a SoftSpokenOT-style check on the columns (its §4,
//! Fig. 10, as cited by the implementations that adopted it: libOTe, CryProt, mpz). IKNP:
//! Ishai, Kilian, Nissim, Petrank, CRYPTO 2003. See `papers/ot.md` for what was read.
//!
//! Parameters: κ = 128 base OTs (columns); the check hashes each column with a universal hash
//! over GF(2^s), s = 128 ([`STAT_SEC`]). Every extension of `m` OTs is rounded up to whole
//! 128-row words and padded with one more word of random choice bits ([`PAD_ROWS`]), so each
//! column has `words = ⌈m/128⌉ + 1` words ([`words_for`]).
//!
//! The hash of a column v (or of the choice vector r') is h(v) = v_pad + Σ_k χ_k·v_k, with one
//! challenge χ_k ∈ GF(2^128) per word of real rows and coefficient 1 on the padding word, so
//! h(r') is uniform whatever the challenges are. Since q_i = t_i ⊕ Δ_i·r'_(i), where r'_(i) is
//! the choice vector the receiver really used in column i, and h is linear, an honest receiver
//! satisfies h(q_i) = h(t_i) ⊕ Δ_i·h(r') in every column. A receiver that used a different
//! r'_(i) in column i must guess Δ_i to pass (probability 1/2 per such column, and it learns
//! the bit when it passes, the leakage the KOS functionality allows), unless the hash collides:
//! probability 2^-128 per column, at most 2^-121 over the 128 columns.
//!
//! | step (per extension of m OTs, receiver R with choices r, sender S with Δ)        | function |
//! |----------------------------------------------------------------------------------|----------|
//! | Setup: S is base-OT receiver with the bits of Δ, R is base-OT sender (128 OTs)    | [`Sender::setup`], [`Receiver::setup`] |
//! | R: r' = r ‖ random pad; t_i = G(k_i^0), u_i = t_i ⊕ G(k_i^1) ⊕ r' (i < 128);       | [`ReceiverCore::extend`] |
//! |   commit c = SHA-256(seed_R ‖ nonce); send (u, c)                                 | |
//! | S: q_i = G(k_i^{Δ_i}) ⊕ Δ_i·u_i (mask from Δ_i, no branch); send seed_S           | [`SenderCore::extend`] |
//! |   (coin toss, after u is fixed)                                                   | |
//! | R: χ = G(seed_R ⊕ seed_S); x̃ = h(r'), t̃_i = h(t_i) for every column i;              | [`ReceiverPending::finish`] |
//! |   send (seed_R, nonce, x̃, t̃_0..t̃_127); transpose, output rows t_j (j < m)           | |
//! | S: check c opens (else `CommitmentMismatch`); for every column i compare           | [`SenderPending::finish`] |
//! |   t̃_i with h(q_i) ⊕ Δ_i·x̃, differences OR-ed, one `ct_eq`, one branch              | |
//! |   (else `OtConsistencyFailed`); transpose, output rows q_j = t_j ⊕ r_j·Δ (j < m)  | |
//! | Random OT: S outputs H(q_j, i), H(q_j ⊕ Δ, i); R outputs H(t_j, i); i a global index | [`Sender::send_random`], [`Receiver::receive_random`] |
//!
//! G is [`Prg`] (AES-128-CTR keyed by the base-OT key), H is [`FixedKeyHash::tccr`].
//! Cost per OT (large m): 16 bytes R→S, 2 AES (R) / 1 AES (S) for G, one 128-bit transpose
//! row per side, one GF(2^128) multiply per side, and for random OT 2 (R) / 4 (S) AES for H.
//! Per extension: 3 messages (1.5 round trips); 128 padding OTs (2 KiB of u), 32 bytes of
//! commitment, 16 bytes of seed and 2,096 bytes of opening and check values.
//! The drivers split requests into batches of [`BATCH`] OTs and overlap them: each party hashes
//! (random OT) or copies (correlated OT) the outputs of batch k while the other party computes
//! its part of batch k+1; every batch's check has passed before a call returns.
//! The challenge seed is a two-party coin toss (R commits, S answers in clear, R opens), run
//! after R's matrix u is fixed, so that no single party picks the challenge. With coefficient 1
//! on the padding word a challenge picked by S alone would keep R's choices hidden too
//! (CryProt's implementation of the revised check, following libOTe's, does that); the coin
//! toss costs no extra message here, only the 32-byte commitment and 32-byte opening.

mod driver;
#[cfg(test)]
mod tests;

pub use driver::{BATCH, Kos, Receiver, Sender};

use crate::PartyId;
use crate::block::Block;
use crate::error::{OtCheat, OtError};
use crate::hash::FixedKeyHash;
use crate::prg::Prg;
use crate::transpose::transpose_columns;
use sha2::{Digest, Sha256};
use spdz_field::Gf128;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// κ: number of base OTs, columns of the IKNP matrix.
pub const KAPPA: usize = 128;
/// s: block size (bits) of the consistency check's universal hash, which works in GF(2^s).
pub const STAT_SEC: usize = 128;
/// Random rows added to every extension: one 128-bit word per column, the check's mask.
pub const PAD_ROWS: usize = 128;
/// Largest number of OTs one core extension accepts (the drivers split larger requests).
pub const MAX_EXTEND: usize = 1 << 24;
/// Bytes of R's coin-toss commitment.
const COMMIT_BYTES: usize = 32;
/// Bytes of R's opening and check message: seed, nonce, x̃ and one t̃_i per column.
pub const CHECK_MSG_BYTES: usize = 16 * (3 + KAPPA);

/// 128-bit words per column for `m` OTs: ⌈m/128⌉ words of choices and one word of padding.
#[must_use]
pub const fn words_for(m: usize) -> usize {
    m.div_ceil(128) + PAD_ROWS / 128
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

/// The check's challenges χ_k ∈ GF(2^128), one per word of real choices (`words − 1`), from
/// the coin-tossed seed seed_R ⊕ seed_S.
fn challenges(seed_r: &[u8; 16], seed_s: &[u8; 16], words: usize) -> Vec<Gf128> {
    let mut s = [0u8; 16];
    for (o, (a, b)) in s.iter_mut().zip(seed_r.iter().zip(seed_s)) {
        *o = a ^ b;
    }
    let mut chi = vec![Block::ZERO; words - PAD_ROWS / 128];
    Prg::new(Block::from_bytes(s)).fill(&mut chi);
    chi.iter().map(|c| Gf128::new(c.to_u128())).collect()
}

/// The check's universal hash of one column (or of r'): h(v) = v_last + Σ_k χ_k·v_k over
/// GF(2^128), where v_last is the padding word (coefficient 1, so h(r') is uniform whatever
/// the challenges are) and v_k the words of real rows.
fn column_hash(words: impl ExactSizeIterator<Item = u128>, chi: &[Gf128]) -> Gf128 {
    const CHUNK: usize = 128;
    debug_assert_eq!(words.len(), chi.len() + 1);
    let mut buf = [Gf128::new(0); CHUNK];
    let mut acc = Gf128::new(0);
    let mut words = words;
    for chunk in chi.chunks(CHUNK) {
        for (b, w) in buf.iter_mut().zip(words.by_ref().take(chunk.len())) {
            *b = Gf128::new(w);
        }
        // Unreduced carry-less products, one reduction per chunk (PCLMULQDQ path).
        acc += Gf128::inner_product(&buf[..chunk.len()], chunk);
    }
    let last = words.next().unwrap_or(0);
    buf.zeroize();
    acc + Gf128::new(last)
}

/// KOS sender (holds Δ and one PRG per column, keyed by k_i^{Δ_i}).
pub struct SenderCore {
    delta: Block,
    prgs: Vec<Prg>,
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
        // The q columns are handed to the pending state (they wait there for R's check
        // values), so each extension allocates them afresh.
        let mut cols = vec![Block::ZERO; KAPPA * words];
        for (i, (col, prg)) in cols.chunks_exact_mut(words).zip(&mut self.prgs).enumerate() {
            prg.fill(col);
            let mask = Block::mask(self.delta.bit(i));
            let u_col = &u_bytes[i * words * 16..(i + 1) * words * 16];
            for (qw, ub) in col.iter_mut().zip(u_col.chunks_exact(16)) {
                let mut a = [0u8; 16];
                a.copy_from_slice(ub);
                *qw ^= Block::from_bytes(a) & mask;
            }
        }
        // The columns stay in this form until R's check values arrive: the check hashes
        // columns, and nothing is transposed (or output) before it has passed.
        let mut seed_s = [0u8; 16];
        rng.fill_bytes(&mut seed_s);
        let first = self.next;
        self.next = self.next.wrapping_add(m as u128);
        Ok((
            SenderPending {
                delta: self.delta,
                cols,
                words,
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
    /// The q columns, column-major (`KAPPA × words`).
    cols: Vec<Block>,
    words: usize,
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
        self.cols.zeroize();
    }
}

impl SenderPending {
    /// Verifies R's opening and the consistency check; on success returns the correlated
    /// outputs q_j (j < m) and the global index of the first one.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] for a message that is not [`CHECK_MSG_BYTES`] long,
    /// [`OtError::CommitmentMismatch`] if the seed does not open the commitment,
    /// [`OtError::OtConsistencyFailed`] if t̃_i ≠ q̃_i ⊕ Δ_i·x̃ for some column i.
    pub fn finish(self, msg: &[u8]) -> Result<(Vec<Block>, u128), OtError> {
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
        // Coin toss: R's seed must open its commitment.
        let opened = commit(self.first, &seed_r, &nonce);
        if !bool::from(opened.ct_eq(&self.commitment)) {
            return Err(OtError::CommitmentMismatch { from });
        }
        // Check, per column i: t̃_i = q̃_i ⊕ Δ_i·x̃ (Δ_i·x̃ by selection, no branch on Δ).
        // The differences of all columns are OR-ed together and compared once.
        let chi = challenges(&seed_r, &self.seed_s, self.words);
        let mut diff = 0u128;
        for (i, col) in self.cols.chunks_exact(self.words).enumerate() {
            let q = column_hash(col.iter().map(|b| b.to_u128()), &chi);
            let t = Gf128::from_le_bytes(field(3 + i));
            let dx = Gf128::conditional_select(&Gf128::new(0), &x, self.delta.bit(i));
            diff |= (q + dx + t).to_u128();
        }
        if !bool::from(diff.ct_eq(&0)) {
            return Err(OtError::OtConsistencyFailed);
        }
        let mut rows = transpose_columns(&self.cols, self.words);
        rows[self.m..].zeroize();
        rows.truncate(self.m);
        Ok((rows, self.first))
    }
}

/// KOS receiver (holds both base-OT keys of every column as PRGs).
pub struct ReceiverCore {
    prgs: Vec<[Prg; 2]>,
    /// Scratch for one G(k_i^1) column, reused across extensions.
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
        // The t columns go to the pending state (the check hashes them once S's seed is in).
        let mut cols = vec![Block::ZERO; KAPPA * words];
        let g1 = &mut self.g1;
        g1.resize(words, Block::ZERO);
        let mut msg = Vec::with_capacity(extend_msg_bytes(m) + 1);
        for (i, (col, [p0, p1])) in cols.chunks_exact_mut(words).zip(&mut self.prgs).enumerate() {
            p0.fill(col);
            p1.fill(&mut g1[..words]);
            #[cfg(not(feature = "adversarial"))]
            let _ = i; // the column index only matters to a cheat
            for (w, (tw, gw)) in col.iter().zip(g1.iter()).enumerate() {
                #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
                let mut u = tw.to_u128() ^ gw.to_u128() ^ r[w];
                #[cfg(feature = "adversarial")]
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
        #[cfg(feature = "adversarial")]
        match cheat {
            Some(OtCheat::TruncatedExtension) => {
                msg.pop();
            }
            Some(OtCheat::OverlongExtension) => msg.push(0),
            _ => {}
        }
        // Without the feature `OtCheat` has no values: `cheat` is always `None`.
        #[cfg(not(feature = "adversarial"))]
        let _ = cheat;
        Ok((
            ReceiverPending {
                cols,
                words,
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
    /// The t columns, column-major (`KAPPA × words`).
    cols: Vec<Block>,
    words: usize,
    /// r' packed, one word per 128 rows (the last word is the padding).
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
        self.cols.zeroize();
        self.r.zeroize();
        self.seed_r.zeroize();
    }
}

impl ReceiverPending {
    /// Takes S's seed, computes the check values; returns the message to send (opening, x̃,
    /// t̃_0..t̃_127) and the correlated outputs t_j (j < m) with the global index of the first.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] if the seed message is not 16 bytes.
    pub fn finish(
        self,
        seed_msg: &[u8],
        from: PartyId,
    ) -> Result<(Vec<u8>, Vec<Block>, u128), OtError> {
        let seed_s: [u8; 16] = seed_msg.try_into().map_err(|_| OtError::MalformedMessage {
            from,
            what: "KOS coin-toss seed length",
        })?;
        // x̃ = h(r'), t̃_i = h(t_i) for every column i.
        let chi = challenges(&self.seed_r, &seed_s, self.words);
        let x = column_hash(self.r.iter().copied(), &chi);
        let mut msg = Vec::with_capacity(CHECK_MSG_BYTES);
        msg.extend_from_slice(&self.seed_r);
        msg.extend_from_slice(&self.nonce);
        msg.extend_from_slice(&x.to_le_bytes());
        for col in self.cols.chunks_exact(self.words) {
            let t = column_hash(col.iter().map(|b| b.to_u128()), &chi);
            msg.extend_from_slice(&t.to_le_bytes());
        }
        let mut rows = transpose_columns(&self.cols, self.words);
        rows[self.m..].zeroize();
        rows.truncate(self.m);
        Ok((msg, rows, self.first))
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
