//! SoftSpokenOT: OT extension from small-field subspace VOLE, maliciously secure.
//!
//! Lawrence Roy, "SoftSpokenOT: Quieter OT Extension from Small-Field Silent VOLE in the
//! Minicrypt Model", CRYPTO 2022, ePrint 2022/192. The paper's text was **not** available
//! here; the protocol below follows the author's own implementation in libOTe
//! (`libOTe/Vole/SoftSpokenOT/{SmallFieldVole,SubspaceVoleMaliciousLeaky}.h` and
//! `TwoChooseOne/SoftSpokenOT/SoftSpokenMalOtExt.h`, read at commit `a0871f69`, whose comments
//! cite "Sect. 3.1" for the small-field VOLE and "Sec. 4" for the leaky consistency check) and
//! the revised KOS check of this crate's [`crate::kos`], which is the same check specialised to
//! k = 1. See `papers/ot.md` for what is and is not verified against the paper.
//!
//! # The construction, for a parameter k (bits per small-field VOLE), k ∈ {1, 2, 4, 8}
//!
//! The 128 base OTs are split into `128/k` groups of k. Each group is one **small-field VOLE**
//! over GF(2^k): the OT-extension sender S (the VOLE receiver) holds the k bits Δ_v of its
//! global Δ ∈ {0,1}^128 that belong to VOLE v, the OT-extension receiver R (the VOLE sender)
//! holds 2^k seeds s_{v,x} (x ∈ {0,1}^k), and S holds every seed but s_{v,Δ_v}: a
//! (2^k−1)-out-of-2^k OT, built once at setup from the k base OTs of the group with a GGM
//! punctured PRF. Per extension, with r_{v,x} = G(s_{v,x}) (one 128-bit word per 128 OTs):
//!
//! * R: u_v = ⊕_x r_{v,x} and, for each bit j < k, t_{v,j} = ⊕_{x : x_j = 1} r_{v,x};
//! * S: w_{v,j} = ⊕_{x : (x ⊕ Δ_v)_j = 1} r_{v,x}, which never needs r_{v,Δ_v};
//!
//! so that w_{v,j} = t_{v,j} ⊕ Δ_{v,j}·u_v for every column (v, j): 128 columns, one per bit
//! of Δ, exactly IKNP's correlation but with a different "choice vector" u_v per VOLE. The
//! repetition code makes them one: R sends c_v = u_v ⊕ r' for every VOLE (r' its choices and
//! a padding word), and S sets q_{v,j} = w_{v,j} ⊕ Δ_{v,j}·c_v = t_{v,j} ⊕ Δ_{v,j}·r'. After
//! transposing, row j satisfies q_j = t_j ⊕ r_j·Δ; hashing with the TCCR gives random OT.
//! R sends 128/k bits per OT instead of KOS's 128, at the price of 2^k/k PRG blocks per OT
//! per VOLE-column group (R: (128/k)·2^k, S: (128/k)·(2^k − 1) AES per 128 OTs).
//!
//! # Malicious security: the checks
//!
//! 1. **PPRF consistency** (setup): a malicious R could send GGM corrections such that S's
//!    2^k − 1 seeds are not the unpunctured seeds of any one tree, making S's VOLE outputs
//!    depend on Δ. Each leaf is hashed with SHA-512 into (h_{v,x}, s'_{v,x}) (a 256-bit check
//!    value and the 128-bit seed actually used); R sends σ_v = ⊕_x h_{v,x} and
//!    D_v = SHA-256(h_{v,0} ‖ … ‖ h_{v,2^k−1}); S recovers h_{v,Δ_v} = σ_v ⊕ ⊕_{x≠Δ_v} h_{v,x}
//!    and checks D_v: R is bound to one full leaf vector per VOLE (collision resistance of
//!    SHA-256). This is libOTe's malicious `SmallFieldVole` expansion; failure is
//!    [`OtError::PprfConsistencyFailed`].
//! 2. **Subspace-VOLE consistency** (every extension): the universal-hash check of the paper's
//!    malicious variant. With challenges χ ∈ GF(2^128) from a coin toss after the corrections
//!    are fixed, R sends x̃ = h(r') and t̃_i = h(t_i) for all 128 columns, S checks
//!    h(q_i) = t̃_i ⊕ Δ_i·x̃ in every column; h(v) = v_pad + Σ_k χ_k·v_k as in [`crate::kos`]
//!    (coefficient 1 on the padding word, so x̃ is uniform). A receiver whose effective
//!    choice vector in VOLE v differs from r' must guess all k bits of Δ_v (it learns them
//!    when it passes: the selective-failure leakage the paper's "leaky" VOLE admits).
//!    Failure is [`OtError::OtConsistencyFailed`]. libOTe hashes with a polynomial hash over
//!    GF(2^64) and a final random matrix; we use the linear hash of the revised KOS check over
//!    GF(2^128) (collision probability 2^-128 per column for a non-zero difference).
//! 3. **Coin toss** of the challenge seed (R commits in its extension message, S answers,
//!    R opens): [`OtError::CommitmentMismatch`]. The paper lets S pick the challenge after
//!    the corrections; the coin toss is the more conservative choice and costs no message.
//! 4. **Lengths** of every peer message: [`OtError::MalformedMessage`].
//!
//! | step | function |
//! |------|----------|
//! | Setup: 128 base OTs, R base-OT sender, S base-OT receiver with choices ¬Δ | [`Sender`](driver::Sender) / [`Receiver`](driver::Receiver) setup |
//! | Setup, R: GGM tree per VOLE, send level corrections and the leaf check (σ_v, D_v) | [`ReceiverCore::new`] |
//! | Setup, S: rebuild the punctured tree, PPRF check, permute seeds by Δ_v | [`SenderCore::new`] |
//! | Extend, R: u_v, t_{v,j} from the seeds; send c_v = u_v ⊕ r' and the commitment | [`ReceiverCore::extend`] |
//! | Extend, S: w_{v,j}; q_{v,j} = w_{v,j} ⊕ Δ_{v,j}·c_v; send seed_S | [`SenderCore::extend`] |
//! | Check, R: χ, x̃ = h(r'), t̃_i = h(t_i); send the opening and check values; transpose | [`ReceiverPending::finish`] |
//! | Check, S: opening, per-column check, one branch; transpose | [`SenderPending::finish`] |
//! | Random OT: H(q_j, i), H(q_j ⊕ Δ, i) / H(t_j, i) | [`crate::kos::random_sender_outputs`], [`crate::kos::random_receiver_outputs`] |
//!
//! G is TMMO^π (the construction of [`crate::hash`]) under a SoftSpokenOT-specific fixed
//! key, G(s)_w = π(π(s) ⊕ w) ⊕ π(s), with π(s) computed once per seed at setup and w the
//! global word index (distinct for every extension); all seeds of all VOLEs share one key, so
//! every AES call pipelines. The GGM tree uses [`FixedKeyHash::tccr`] as its length-doubling
//! PRG.

mod driver;
#[cfg(test)]
mod tests;

pub use driver::{BATCH, Receiver, Sender, SoftSpoken};

use crate::PartyId;
use crate::block::Block;
use crate::error::{OtCheat, OtError};
use crate::hash::FixedKeyHash;
use crate::prg::{Prg, encrypt_in_place};
use crate::transpose::transpose_columns;
use aes::Aes128;
use aes::cipher::{Array, KeyInit};
use sha2::{Digest, Sha256, Sha512};
use spdz_field::Gf128;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// κ: base OTs, and columns of the extended matrix.
pub const KAPPA: usize = 128;
/// The supported k (bits per small-field VOLE; must divide 128; 2^k seeds per VOLE).
pub const SUPPORTED_K: [usize; 4] = [1, 2, 4, 8];
/// The default k, chosen by measurement (`papers/ot-bench.md`): bytes per OT 128/k/8 against
/// (128/k)·2^k AES per 128 OTs.
pub const DEFAULT_K: usize = 4;
/// Random rows added to every extension: one 128-bit word, the check's mask.
pub const PAD_ROWS: usize = 128;
/// Largest number of OTs one core extension accepts (the drivers split larger requests).
pub const MAX_EXTEND: usize = 1 << 24;
/// Bytes of R's coin-toss commitment.
const COMMIT_BYTES: usize = 32;
/// Bytes of R's opening and check message: seed, nonce, x̃ and one t̃_i per column.
pub const CHECK_MSG_BYTES: usize = 16 * (3 + KAPPA);
/// Bytes of the PPRF check per VOLE: σ_v and D_v.
const LEAF_CHECK_BYTES: usize = 64;

/// 128-bit words per column for `m` OTs: ⌈m/128⌉ words of choices and one word of padding.
#[must_use]
pub const fn words_for(m: usize) -> usize {
    m.div_ceil(128) + PAD_ROWS / 128
}

/// Number of small-field VOLEs for this k.
#[must_use]
pub const fn voles(k: usize) -> usize {
    KAPPA / k
}

/// Exact length of R's extension message for `m` OTs: one correction column per VOLE and the
/// commitment.
#[must_use]
pub const fn extend_msg_bytes(k: usize, m: usize) -> usize {
    voles(k) * words_for(m) * 16 + COMMIT_BYTES
}

/// Exact length of R's setup message: per VOLE, two GGM corrections per level and the PPRF
/// check (σ_v, D_v).
#[must_use]
pub const fn setup_msg_bytes(k: usize) -> usize {
    voles(k) * (k * 32 + LEAF_CHECK_BYTES)
}

fn check_k(k: usize) -> Result<(), OtError> {
    if SUPPORTED_K.contains(&k) {
        Ok(())
    } else {
        Err(OtError::ApiMisuse {
            what: "SoftSpokenOT k must be 1, 2, 4 or 8",
        })
    }
}

/// Reads the 16-byte chunk `k` of `msg` (callers have checked the length).
fn chunk16(msg: &[u8], k: usize) -> [u8; 16] {
    let mut a = [0u8; 16];
    a.copy_from_slice(&msg[16 * k..16 * (k + 1)]);
    a
}

fn commit(index: u128, seed: &[u8; 16], nonce: &[u8; 16]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-ot/softspoken/coin-commit/v1");
    h.update(index.to_le_bytes());
    h.update(seed);
    h.update(nonce);
    h.finalize().into()
}

/// The check's challenges χ_k ∈ GF(2^128), one per word of real choices (`words − 1`).
fn challenges(seed_r: &[u8; 16], seed_s: &[u8; 16], words: usize) -> Vec<Gf128> {
    let mut s = [0u8; 16];
    for (o, (a, b)) in s.iter_mut().zip(seed_r.iter().zip(seed_s)) {
        *o = a ^ b;
    }
    let mut chi = vec![Block::ZERO; words - PAD_ROWS / 128];
    Prg::new(Block::from_bytes(s)).fill(&mut chi);
    chi.iter().map(|c| Gf128::new(c.to_u128())).collect()
}

/// h(v) = v_last + Σ_k χ_k·v_k over GF(2^128) (v_last: the padding word).
fn column_hash(words: &[Block], chi: &[Gf128]) -> Gf128 {
    const CHUNK: usize = 128;
    debug_assert_eq!(words.len(), chi.len() + 1);
    let mut buf = [Gf128::new(0); CHUNK];
    let mut acc = Gf128::new(0);
    for (chunk, ws) in chi.chunks(CHUNK).zip(words.chunks(CHUNK)) {
        for (b, w) in buf.iter_mut().zip(ws) {
            *b = Gf128::new(w.to_u128());
        }
        acc += Gf128::inner_product(&buf[..chunk.len()], chunk);
    }
    let last = words.last().map_or(0, |b| b.to_u128());
    buf.zeroize();
    acc + Gf128::new(last)
}

/// The fixed-key PRG G(s)_w = π(π(s) ⊕ w) ⊕ π(s) (TMMO^π with tweak w), with π(s) cached.
#[derive(Clone)]
struct Expander {
    pi: Aes128,
}

impl Expander {
    /// π keyed with SHA-256("spdz-ot/softspoken/fixed-key-aes/v1")[..16] (public).
    fn new() -> Self {
        let digest = Sha256::digest(b"spdz-ot/softspoken/fixed-key-aes/v1");
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Self {
            pi: Aes128::new(&Array::from(key)),
        }
    }

    /// In place, s ← π(s): the cached first layer of TMMO.
    fn pi_in_place(&self, seeds: &mut [Block]) {
        let mut buf: Vec<[u8; 16]> = seeds.iter().map(|b| b.to_bytes()).collect();
        encrypt_in_place(&self.pi, &mut buf);
        for (s, b) in seeds.iter_mut().zip(&buf) {
            *s = Block::from_bytes(*b);
        }
        buf.zeroize();
    }

    /// `out[w] = π(y ⊕ (first + w)) ⊕ y` for `y = π(s)` already cached.
    fn fill(&self, y: Block, first: u128, out: &mut [Block], buf: &mut [[u8; 16]]) {
        let n = out.len();
        for (k, b) in (0u128..).zip(buf[..n].iter_mut()) {
            *b = (y ^ Block::new(first.wrapping_add(k))).to_bytes();
        }
        encrypt_in_place(&self.pi, &mut buf[..n]);
        for (o, b) in out.iter_mut().zip(&buf[..n]) {
            *o = Block::from_bytes(*b) ^ y;
        }
    }
}

/// The GGM tree's length-doubling PRG: child `b` of a node at depth `d` is H(node, tweak) with
/// a tweak naming the level and the side (domain-separated from the random-OT tweaks).
fn ggm_child(hash: &FixedKeyHash, node: Block, depth: usize, b: usize) -> Block {
    const GGM_DOMAIN: u128 = 0x5350_4f4b_454e_u128 << 64; // "SPOKEN"
    hash.tccr(node, GGM_DOMAIN | (2 * depth + b) as u128)
}

/// Expands the nodes of depth `d` (indices `< 2^d`) into depth `d + 1` in place: child 0 of
/// node p stays at p, child 1 goes to p + 2^d.
fn ggm_level(hash: &FixedKeyHash, nodes: &mut [Block], d: usize) {
    let half = 1usize << d;
    for p in 0..half {
        let s = nodes[p];
        nodes[p] = ggm_child(hash, s, d, 0);
        nodes[p + half] = ggm_child(hash, s, d, 1);
    }
}

/// SHA-512 of a leaf: (the 256-bit check value h_{v,x}, the seed s'_{v,x} used by G).
fn leaf_hash(v: usize, x: usize, leaf: Block) -> ([u8; 32], Block) {
    let mut h = Sha512::new();
    h.update(b"spdz-ot/softspoken/pprf-leaf/v1");
    h.update((v as u64).to_le_bytes());
    h.update((x as u64).to_le_bytes());
    h.update(leaf.to_bytes());
    let out = h.finalize();
    let mut check = [0u8; 32];
    check.copy_from_slice(&out[..32]);
    let mut seed = [0u8; 16];
    seed.copy_from_slice(&out[32..48]);
    (check, Block::from_bytes(seed))
}

/// D_v = SHA-256 of the check values of all leaves of VOLE v, in order.
fn leaf_digest(v: usize, checks: &[[u8; 32]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-ot/softspoken/pprf-digest/v1");
    h.update((v as u64).to_le_bytes());
    for c in checks {
        h.update(c);
    }
    h.finalize().into()
}

fn xor32(a: &mut [u8; 32], b: &[u8; 32]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// Constant-time select of 32 bytes.
fn select32(a: &[u8; 32], b: &[u8; 32], c: Choice) -> [u8; 32] {
    core::array::from_fn(|i| u8::conditional_select(&a[i], &b[i], c))
}

/// The k bits of Δ belonging to VOLE v, as an integer (bit j = Δ bit v·k + j).
fn delta_v(delta: Block, k: usize, v: usize) -> u64 {
    let bits = (delta.to_u128() >> (v * k)) & ((1u128 << k) - 1);
    // k ≤ 8: the value fits.
    u64::try_from(bits).unwrap_or(0)
}

/// Scratch for the AES buffer of [`Expander::fill`] (one column of up to this many words).
const FILL_CHUNK: usize = 512;

/// SoftSpokenOT sender S (VOLE receiver): Δ and, per VOLE, the 2^k − 1 seeds it knows, as
/// π(s'), permuted so that position y holds the seed of x = y ⊕ Δ_v (position 0, the unknown
/// one, is absent).
pub struct SenderCore {
    k: usize,
    delta: Block,
    /// `voles(k) × (2^k − 1)` cached seeds: VOLE v, position y ≥ 1 at `v·(2^k−1) + y − 1`.
    seeds: Vec<Block>,
    expander: Expander,
    /// Global word index of the next extension (PRG tweak).
    next_word: u128,
    /// Global index of the next OT (random-OT tweak, bound into the coin toss).
    next: u128,
    /// Scratch for one column.
    col: Vec<Block>,
}

impl core::fmt::Debug for SenderCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("softspoken::SenderCore")
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

impl Drop for SenderCore {
    fn drop(&mut self) {
        self.delta.zeroize();
        self.seeds.zeroize();
        self.col.zeroize();
    }
}

impl SenderCore {
    /// Setup, S's side: from Δ, the base-OT keys K_i^{¬Δ_i} (S was base-OT receiver with the
    /// complement of Δ's bits) and R's setup message, rebuilds the punctured GGM trees and runs
    /// the PPRF consistency check.
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] for an unsupported k or not exactly 128 keys;
    /// [`OtError::MalformedMessage`] if `msg` is not [`setup_msg_bytes`]`(k)` long;
    /// [`OtError::PprfConsistencyFailed`] if some VOLE's leaves do not match R's digest.
    pub fn new(
        k: usize,
        delta: Block,
        keys: &[Block],
        msg: &[u8],
        from: PartyId,
    ) -> Result<Self, OtError> {
        check_k(k)?;
        if keys.len() != KAPPA {
            return Err(OtError::ApiMisuse {
                what: "SoftSpokenOT sender needs exactly 128 base-OT keys",
            });
        }
        if msg.len() != setup_msg_bytes(k) {
            return Err(OtError::MalformedMessage {
                from,
                what: "SoftSpokenOT setup message length",
            });
        }
        let n = 1usize << k;
        let hash = FixedKeyHash::new();
        let expander = Expander::new();
        let per_vole = k * 32 + LEAF_CHECK_BYTES;
        let mut seeds = vec![Block::ZERO; voles(k) * (n - 1)];
        let mut nodes = vec![Block::ZERO; n];
        let mut leaf_seeds = vec![Block::ZERO; n];
        let mut checks = vec![[0u8; 32]; n];
        let mut ok = Choice::from(1);
        for v in 0..voles(k) {
            let vmsg = &msg[v * per_vole..(v + 1) * per_vole];
            let dv = delta_v(delta, k, v);
            // PPRF, level by level: S knows every node of depth d but the one on the path to
            // Δ_v (index Δ_v mod 2^d), which it keeps at zero. Indices and Δ_v are compared
            // with `ct_eq`; there is no branch or index on Δ.
            nodes.fill(Block::ZERO);
            for d in 0..k {
                ggm_level(&hash, &mut nodes, d);
                let half = 1u64 << d;
                let bit = Choice::from(u8::from((dv >> d) & 1 == 1));
                let side = !bit; // S learns the XOR of the side off the path, ¬Δ_{v,d}.
                let path_low = dv & (half - 1);
                let c0 = Block::from_bytes(chunk16(vmsg, 2 * d));
                let c1 = Block::from_bytes(chunk16(vmsg, 2 * d + 1));
                let decoded = Block::conditional_select(&c0, &c1, side) ^ keys[v * k + d];
                // XOR of the known nodes on side ¬Δ_{v,d}: all of that side but the sibling of
                // the path node (the child of the unknown node).
                let mut known = Block::ZERO;
                for (y, node) in (0u64..).zip(&nodes[..1 << (d + 1)]) {
                    let on_side = Choice::from(u8::from((y >> d) & 1 == 1)).ct_eq(&side);
                    let below_path = (y & (half - 1)).ct_eq(&path_low);
                    known ^= *node & Block::mask(on_side & !below_path);
                }
                let missing = decoded ^ known;
                let sibling = path_low | (u64::from(side.unwrap_u8()) << d);
                let path = path_low | (u64::from(bit.unwrap_u8()) << d);
                for (y, node) in (0u64..).zip(nodes[..1 << (d + 1)].iter_mut()) {
                    node.conditional_assign(&missing, y.ct_eq(&sibling));
                    node.conditional_assign(&Block::ZERO, y.ct_eq(&path));
                }
            }
            // PPRF check: recover h_{v,Δ_v} from σ_v, recompute D_v.
            let mut sigma = [0u8; 32];
            sigma.copy_from_slice(&vmsg[k * 32..k * 32 + 32]);
            let mut digest = [0u8; 32];
            digest.copy_from_slice(&vmsg[k * 32 + 32..k * 32 + 64]);
            for (x, node) in nodes.iter().enumerate() {
                let (h, s) = leaf_hash(v, x, *node);
                checks[x] = h;
                leaf_seeds[x] = s;
                let unknown = (x as u64).ct_eq(&dv);
                xor32(&mut sigma, &select32(&h, &[0u8; 32], unknown));
            }
            for (x, c) in checks.iter_mut().enumerate() {
                let unknown = (x as u64).ct_eq(&dv);
                *c = select32(c, &sigma, unknown);
                leaf_seeds[x].conditional_assign(&Block::ZERO, unknown);
            }
            ok &= leaf_digest(v, &checks).ct_eq(&digest);
            // Permute: position y gets the seed of leaf y ⊕ Δ_v (a swap network, one layer per
            // bit of Δ_v); the unknown seed lands at position 0 and is dropped.
            for j in 0..k {
                let bit = Choice::from(u8::from((dv >> j) & 1 == 1));
                for y in 0..n {
                    if y & (1 << j) == 0 {
                        let (a, b) = (leaf_seeds[y], leaf_seeds[y | 1 << j]);
                        leaf_seeds[y] = Block::conditional_select(&a, &b, bit);
                        leaf_seeds[y | 1 << j] = Block::conditional_select(&b, &a, bit);
                    }
                }
            }
            seeds[v * (n - 1)..(v + 1) * (n - 1)].copy_from_slice(&leaf_seeds[1..]);
        }
        nodes.zeroize();
        leaf_seeds.zeroize();
        for c in &mut checks {
            c.zeroize();
        }
        if !bool::from(ok) {
            seeds.zeroize();
            return Err(OtError::PprfConsistencyFailed);
        }
        expander.pi_in_place(&mut seeds);
        Ok(Self {
            k,
            delta,
            seeds,
            expander,
            next_word: 0,
            next: 0,
            col: Vec::new(),
        })
    }

    /// k of this instance.
    #[must_use]
    pub fn k(&self) -> usize {
        self.k
    }

    /// Δ, the sender's own secret. Whoever holds Δ and the receiver's outputs learns the
    /// receiver's choice bits: never send or log it.
    #[must_use]
    pub fn dangerous_delta(&self) -> Block {
        self.delta
    }

    /// Processes R's extension message for `m` OTs; returns the pending state and the seed
    /// message (16 bytes) to send back.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] if the message is not exactly
    /// [`extend_msg_bytes`]`(k, m)` long; [`OtError::ApiMisuse`] if `m > MAX_EXTEND`.
    pub fn extend<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        m: usize,
        msg: &[u8],
        from: PartyId,
        rng: &mut R,
    ) -> Result<(SenderPending, Vec<u8>), OtError> {
        if m > MAX_EXTEND {
            return Err(OtError::ApiMisuse {
                what: "SoftSpokenOT extension too large",
            });
        }
        let k = self.k;
        if msg.len() != extend_msg_bytes(k, m) {
            return Err(OtError::MalformedMessage {
                from,
                what: "SoftSpokenOT extension message length",
            });
        }
        let words = words_for(m);
        let n = 1usize << k;
        let (c_bytes, com) = msg.split_at(voles(k) * words * 16);
        let mut commitment = [0u8; 32];
        commitment.copy_from_slice(com);
        let mut cols = vec![Block::ZERO; KAPPA * words];
        self.col.resize(GROUP * words, Block::ZERO);
        let mut buf = vec![[0u8; 16]; words.min(FILL_CHUNK)];
        let first_word = self.next_word;
        for v in 0..voles(k) {
            let w_cols = &mut cols[v * k * words..(v + 1) * k * words];
            // w_{v,j} = ⊕_{y : y_j = 1} G(seed'_y), y ≥ 1 (position 0 is the unknown seed, its
            // column stays zero).
            if k >= 3 {
                for g in 0..n / GROUP {
                    for (i, col) in self.col.chunks_exact_mut(words).enumerate() {
                        let y = g * GROUP + i;
                        if y == 0 {
                            col.fill(Block::ZERO);
                        } else {
                            let seed = self.seeds[v * (n - 1) + y - 1];
                            fill_column(&self.expander, seed, first_word, col, &mut buf);
                        }
                    }
                    reduce_group(&self.col, words, g, k, None, w_cols);
                }
            } else {
                for y in 1..n {
                    let seed = self.seeds[v * (n - 1) + y - 1];
                    let col = &mut self.col[..words];
                    fill_column(&self.expander, seed, first_word, col, &mut buf);
                    for j in 0..k {
                        if y >> j & 1 == 1 {
                            xor_into(&mut w_cols[j * words..(j + 1) * words], col);
                        }
                    }
                }
            }
            // q_{v,j} = w_{v,j} ⊕ Δ_{v,j}·c_v (the product as an AND with a mask from Δ).
            let c_col = &c_bytes[v * words * 16..(v + 1) * words * 16];
            for j in 0..k {
                let mask = Block::mask(self.delta.bit(v * k + j));
                for (qw, cb) in w_cols[j * words..(j + 1) * words]
                    .iter_mut()
                    .zip(c_col.chunks_exact(16))
                {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(cb);
                    *qw ^= Block::from_bytes(a) & mask;
                }
            }
        }
        self.col.zeroize();
        buf.zeroize();
        self.next_word = self.next_word.wrapping_add(words as u128);
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

/// `out = G(y)` over the global words `first ..`, in AES chunks of [`FILL_CHUNK`].
fn fill_column(e: &Expander, y: Block, first: u128, out: &mut [Block], buf: &mut [[u8; 16]]) {
    let mut w = first;
    for chunk in out.chunks_mut(buf.len().max(1)) {
        e.fill(y, w, chunk, buf);
        w = w.wrapping_add(chunk.len() as u128);
    }
}

/// Seeds per reduction group (k ≥ 3): the low 3 bits of x are reduced by a tree in the group.
const GROUP: usize = 8;

/// Adds one group of 8 PRG columns (`cols[i·words..]` = G(s_{8g+i})) to u (if given) and to
/// v_j = ⊕_{x : x_j = 1} G(s_x) for j < k, k ≥ 3: bits 0..2 of x by a tree inside the group,
/// bits 3.. from g (the same for the whole group). About 2 XORs per PRG block instead of
/// 1 + k/2. `g` is a public loop index.
fn reduce_group(
    cols: &[Block],
    words: usize,
    g: usize,
    k: usize,
    mut u: Option<&mut [Block]>,
    v: &mut [Block],
) {
    let high: Vec<usize> = (3..k).filter(|j| (g >> (j - 3)) & 1 == 1).collect();
    for w in 0..words {
        let r = |i: usize| cols[i * words + w];
        let (a0, a1, a2, a3) = (r(0) ^ r(1), r(2) ^ r(3), r(4) ^ r(5), r(6) ^ r(7));
        v[w] ^= r(1) ^ r(3) ^ r(5) ^ r(7);
        v[words + w] ^= a1 ^ a3;
        let b1 = a2 ^ a3;
        v[2 * words + w] ^= b1;
        let total = a0 ^ a1 ^ b1;
        if let Some(u) = u.as_deref_mut() {
            u[w] ^= total;
        }
        for &j in &high {
            v[j * words + w] ^= total;
        }
    }
}

fn xor_into(acc: &mut [Block], x: &[Block]) {
    for (a, b) in acc.iter_mut().zip(x) {
        *a ^= *b;
    }
}

/// Sender between sending its coin-toss seed and receiving R's opening and check values.
pub struct SenderPending {
    delta: Block,
    /// The q columns, column-major (`KAPPA × words`); column v·k + j is (v, j).
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
        f.debug_struct("softspoken::SenderPending")
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
    /// Verifies R's opening and the subspace-VOLE consistency check; on success returns the
    /// correlated outputs q_j (j < m) and the global index of the first one.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`] for a message that is not [`CHECK_MSG_BYTES`] long,
    /// [`OtError::CommitmentMismatch`] if the seed does not open the commitment,
    /// [`OtError::OtConsistencyFailed`] if t̃_i ≠ h(q_i) ⊕ Δ_i·x̃ for some column i.
    pub fn finish(self, msg: &[u8]) -> Result<(Vec<Block>, u128), OtError> {
        let from = self.from;
        if msg.len() != CHECK_MSG_BYTES {
            return Err(OtError::MalformedMessage {
                from,
                what: "SoftSpokenOT check message length",
            });
        }
        let (seed_r, nonce) = (chunk16(msg, 0), chunk16(msg, 1));
        let x = Gf128::from_le_bytes(chunk16(msg, 2));
        // Coin toss: R's seed must open its commitment.
        let opened = commit(self.first, &seed_r, &nonce);
        if !bool::from(opened.ct_eq(&self.commitment)) {
            return Err(OtError::CommitmentMismatch { from });
        }
        // Per column i: t̃_i = h(q_i) ⊕ Δ_i·x̃, all differences OR-ed, one comparison.
        let chi = challenges(&seed_r, &self.seed_s, self.words);
        let mut diff = 0u128;
        for (i, col) in self.cols.chunks_exact(self.words).enumerate() {
            let q = column_hash(col, &chi);
            let t = Gf128::from_le_bytes(chunk16(msg, 3 + i));
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

/// SoftSpokenOT receiver R (VOLE sender): all 2^k seeds of every VOLE, as π(s').
pub struct ReceiverCore {
    k: usize,
    /// `voles(k) × 2^k` cached seeds.
    seeds: Vec<Block>,
    expander: Expander,
    next_word: u128,
    next: u128,
    col: Vec<Block>,
    u: Vec<Block>,
}

impl core::fmt::Debug for ReceiverCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("softspoken::ReceiverCore")
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

impl Drop for ReceiverCore {
    fn drop(&mut self) {
        self.seeds.zeroize();
        self.col.zeroize();
        self.u.zeroize();
    }
}

impl ReceiverCore {
    /// Setup, R's side: from the 128 base-OT key pairs (R was base-OT sender), builds one GGM
    /// tree per VOLE from a fresh root and returns the core and the setup message (the level
    /// corrections and the PPRF check of every VOLE).
    ///
    /// # Errors
    /// [`OtError::ApiMisuse`] for an unsupported k or not exactly 128 pairs.
    pub fn new<R: rand_core::CryptoRng + ?Sized>(
        k: usize,
        keys: &[[Block; 2]],
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<(Self, Vec<u8>), OtError> {
        check_k(k)?;
        if keys.len() != KAPPA {
            return Err(OtError::ApiMisuse {
                what: "SoftSpokenOT receiver needs exactly 128 base-OT key pairs",
            });
        }
        let n = 1usize << k;
        let hash = FixedKeyHash::new();
        let expander = Expander::new();
        let mut msg = Vec::with_capacity(setup_msg_bytes(k));
        let mut seeds = vec![Block::ZERO; voles(k) * n];
        let mut nodes = vec![Block::ZERO; n];
        let mut checks = vec![[0u8; 32]; n];
        let mut root = [0u8; 16];
        for v in 0..voles(k) {
            rng.fill_bytes(&mut root);
            nodes[0] = Block::from_bytes(root);
            for d in 0..k {
                ggm_level(&hash, &mut nodes, d);
                let half = 1usize << d;
                let left = nodes[..half].iter().fold(Block::ZERO, |a, b| a ^ *b);
                let right = nodes[half..2 * half]
                    .iter()
                    .fold(Block::ZERO, |a, b| a ^ *b);
                #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
                let mut c = [left ^ keys[v * k + d][0], right ^ keys[v * k + d][1]];
                #[cfg(feature = "adversarial")]
                if cheat == Some(OtCheat::PprfInconsistentCorrection) && v == 0 && d == 0 {
                    // Cheat: both level-0 corrections of VOLE 0 are off by one bit, so S
                    // rebuilds a different half-tree whichever side it learns.
                    c[0] ^= Block::new(1);
                    c[1] ^= Block::new(1);
                }
                msg.extend_from_slice(&c[0].to_bytes());
                msg.extend_from_slice(&c[1].to_bytes());
            }
            let mut sigma = [0u8; 32];
            for (x, node) in nodes.iter().enumerate() {
                let (h, s) = leaf_hash(v, x, *node);
                xor32(&mut sigma, &h);
                checks[x] = h;
                seeds[v * n + x] = s;
            }
            msg.extend_from_slice(&sigma);
            msg.extend_from_slice(&leaf_digest(v, &checks));
        }
        #[cfg(not(feature = "adversarial"))]
        let _ = cheat;
        root.zeroize();
        nodes.zeroize();
        for c in &mut checks {
            c.zeroize();
        }
        expander.pi_in_place(&mut seeds);
        Ok((
            Self {
                k,
                seeds,
                expander,
                next_word: 0,
                next: 0,
                col: Vec::new(),
                u: Vec::new(),
            },
            msg,
        ))
    }

    /// k of this instance.
    #[must_use]
    pub fn k(&self) -> usize {
        self.k
    }

    /// Starts an extension with the given choice bits; returns the pending state and the
    /// extension message (the corrections c_v and the coin-toss commitment).
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
                what: "SoftSpokenOT extension too large",
            });
        }
        let k = self.k;
        let n = 1usize << k;
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
        let mut cols = vec![Block::ZERO; KAPPA * words];
        self.col.resize(GROUP * words, Block::ZERO);
        self.u.resize(words, Block::ZERO);
        let mut buf = vec![[0u8; 16]; words.min(FILL_CHUNK)];
        let mut msg = Vec::with_capacity(extend_msg_bytes(k, m) + 1);
        let first_word = self.next_word;
        for v in 0..voles(k) {
            let t_cols = &mut cols[v * k * words..(v + 1) * k * words];
            self.u.fill(Block::ZERO);
            // u_v = ⊕_x G(s_x), t_{v,j} = ⊕_{x : x_j = 1} G(s_x).
            if k >= 3 {
                for g in 0..n / GROUP {
                    for (i, col) in self.col.chunks_exact_mut(words).enumerate() {
                        let seed = self.seeds[v * n + g * GROUP + i];
                        fill_column(&self.expander, seed, first_word, col, &mut buf);
                    }
                    reduce_group(&self.col, words, g, k, Some(&mut self.u), t_cols);
                }
            } else {
                for x in 0..n {
                    let seed = self.seeds[v * n + x];
                    let col = &mut self.col[..words];
                    fill_column(&self.expander, seed, first_word, col, &mut buf);
                    xor_into(&mut self.u, col);
                    for j in 0..k {
                        if x >> j & 1 == 1 {
                            xor_into(&mut t_cols[j * words..(j + 1) * words], col);
                        }
                    }
                }
            }
            // c_v = u_v ⊕ r'.
            for (w, uw) in self.u.iter().enumerate() {
                #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
                let mut c = uw.to_u128() ^ r[w];
                #[cfg(feature = "adversarial")]
                if cheat == Some(OtCheat::InconsistentChoiceBits) && w == 0 && v % 2 == 1 {
                    // Cheat: in odd VOLEs use the complement of the choice bit of row 0.
                    c ^= 1;
                }
                msg.extend_from_slice(&c.to_le_bytes());
            }
        }
        self.col.zeroize();
        self.u.zeroize();
        buf.zeroize();
        self.next_word = self.next_word.wrapping_add(words as u128);
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

/// Receiver between sending its corrections and receiving S's coin-toss seed.
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
        f.debug_struct("softspoken::ReceiverPending")
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
            what: "SoftSpokenOT coin-toss seed length",
        })?;
        let chi = challenges(&self.seed_r, &seed_s, self.words);
        let mut r_blocks: Vec<Block> = self.r.iter().map(|w| Block::new(*w)).collect();
        let x = column_hash(&r_blocks, &chi);
        r_blocks.zeroize();
        let mut msg = Vec::with_capacity(CHECK_MSG_BYTES);
        msg.extend_from_slice(&self.seed_r);
        msg.extend_from_slice(&self.nonce);
        msg.extend_from_slice(&x.to_le_bytes());
        for col in self.cols.chunks_exact(self.words) {
            msg.extend_from_slice(&column_hash(col, &chi).to_le_bytes());
        }
        let mut rows = transpose_columns(&self.cols, self.words);
        rows[self.m..].zeroize();
        rows.truncate(self.m);
        Ok((msg, rows, self.first))
    }
}
