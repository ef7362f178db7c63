//! Fixed-key AES as a tweakable circular correlation-robust hash.
//!
//! Guo, Katz, Wang, Yu, "Efficient and Secure Multiparty Computation from Fixed-Key Block
//! Ciphers", IEEE S&P 2020, ePrint 2019/074, §7.4 (construction TMMO^π): with π a fixed-key
//! AES permutation,
//!
//! ```text
//! H(x, i) = π(π(x) ⊕ i) ⊕ π(x)
//! ```
//!
//! is a tweakable circular correlation-robust hash (TCCR) in the ideal-permutation model. KOS
//! random OT needs exactly this: the sender outputs H(q_j, j) and H(q_j ⊕ Δ, j) for a global Δ,
//! and every row j uses a distinct tweak. The key of π is a public constant (any fixed key
//! works in the ideal-cipher argument; we use the one below, the first 16 bytes of SHA-256 of
//! the domain string, computed at construction).

use crate::block::Block;
use crate::prg::encrypt_in_place;
use aes::Aes128;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use sha2::{Digest, Sha256};

/// Blocks per cipher call (stack buffers).
const CHUNK: usize = 128;

/// The fixed public key of π: SHA-256("spdz-ot/fixed-key-aes/v1")[..16].
fn fixed_key() -> [u8; 16] {
    let digest = Sha256::digest(b"spdz-ot/fixed-key-aes/v1");
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// Fixed-key AES π and the TMMO hash built from it.
#[derive(Clone)]
pub struct FixedKeyHash {
    pi: Aes128,
}

impl core::fmt::Debug for FixedKeyHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedKeyHash").finish_non_exhaustive()
    }
}

impl Default for FixedKeyHash {
    fn default() -> Self {
        Self::new()
    }
}

impl FixedKeyHash {
    /// π keyed with the crate's fixed public key.
    #[must_use]
    pub fn new() -> Self {
        Self {
            pi: Aes128::new(&Array::from(fixed_key())),
        }
    }

    /// H(x, i) = π(π(x) ⊕ i) ⊕ π(x) for one block.
    #[must_use]
    pub fn tccr(&self, x: Block, tweak: u128) -> Block {
        let mut y = Array::from(x.to_bytes());
        self.pi.encrypt_block(&mut y);
        let y = Block::from_bytes(y.into());
        let mut z = Array::from((y ^ Block::new(tweak)).to_bytes());
        self.pi.encrypt_block(&mut z);
        Block::from_bytes(z.into()) ^ y
    }

    /// In place, `xs[j] ← H(xs[j], first_tweak + j)` (tweaks wrap mod 2^128).
    pub fn tccr_many(&self, xs: &mut [Block], first_tweak: u128) {
        let mut tweak = first_tweak;
        let mut y = [[0u8; 16]; CHUNK];
        let mut z = [[0u8; 16]; CHUNK];
        for chunk in xs.chunks_mut(CHUNK) {
            let n = chunk.len();
            for (yb, x) in y.iter_mut().zip(chunk.iter()) {
                *yb = x.to_bytes();
            }
            self.tmmo(&mut y[..n], &mut z, tweak, 1);
            for (x, yb) in chunk.iter_mut().zip(&y[..n]) {
                *x = Block::from_bytes(*yb);
            }
            tweak = tweak.wrapping_add(n as u128);
        }
        zeroize::Zeroize::zeroize(&mut y);
        zeroize::Zeroize::zeroize(&mut z);
    }

    /// Random-OT pairs: `[H(q_j, t), H(q_j ⊕ Δ, t)]` with `t = first_tweak + j`.
    #[must_use]
    pub fn tccr_pairs(&self, q: &[Block], delta: Block, first_tweak: u128) -> Vec<[Block; 2]> {
        let mut out = Vec::with_capacity(q.len());
        self.tccr_pairs_into(q, delta, first_tweak, &mut out);
        out
    }

    /// [`FixedKeyHash::tccr_pairs`], appending to `out`.
    pub fn tccr_pairs_into(
        &self,
        q: &[Block],
        delta: Block,
        first_tweak: u128,
        out: &mut Vec<[Block; 2]>,
    ) {
        let mut tweak = first_tweak;
        let mut y = [[0u8; 16]; CHUNK];
        let mut z = [[0u8; 16]; CHUNK];
        for chunk in q.chunks(CHUNK / 2) {
            // Interleaved: position 2j is q_j, 2j+1 is q_j ⊕ Δ; both use tweak j.
            for (pair, x) in y.chunks_exact_mut(2).zip(chunk.iter()) {
                pair[0] = x.to_bytes();
                pair[1] = (*x ^ delta).to_bytes();
            }
            let n = 2 * chunk.len();
            self.tmmo(&mut y[..n], &mut z, tweak, 2);
            for pair in y[..n].chunks_exact(2) {
                out.push([Block::from_bytes(pair[0]), Block::from_bytes(pair[1])]);
            }
            tweak = tweak.wrapping_add(chunk.len() as u128);
        }
        zeroize::Zeroize::zeroize(&mut y);
        zeroize::Zeroize::zeroize(&mut z);
    }

    /// TMMO in place on a chunk: input `k` gets tweak `first + k / per_tweak`.
    fn tmmo(&self, y: &mut [[u8; 16]], z: &mut [[u8; 16]; CHUNK], first: u128, per_tweak: usize) {
        encrypt_in_place(&self.pi, y);
        for (k, (zb, yb)) in z.iter_mut().zip(y.iter()).enumerate() {
            let tweak = first.wrapping_add((k / per_tweak) as u128);
            *zb = (u128::from_le_bytes(*yb) ^ tweak).to_le_bytes();
        }
        let n = y.len();
        encrypt_in_place(&self.pi, &mut z[..n]);
        for (yb, zb) in y.iter_mut().zip(&z[..n]) {
            *yb = (u128::from_le_bytes(*zb) ^ u128::from_le_bytes(*yb)).to_le_bytes();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_matches_single_and_tweak_matters() {
        let h = FixedKeyHash::new();
        let xs: Vec<Block> = (0..200u128)
            .map(|i| Block::new(i * 0x9e37_79b9_7f4a_7c15))
            .collect();
        let mut ys = xs.clone();
        h.tccr_many(&mut ys, 1000);
        for (j, (x, y)) in xs.iter().zip(&ys).enumerate() {
            assert_eq!(*y, h.tccr(*x, 1000 + j as u128));
        }
        assert_ne!(h.tccr(Block::new(5), 0), h.tccr(Block::new(5), 1));
        let delta = Block::new(0xabcdef);
        let pairs = h.tccr_pairs(&xs, delta, 77);
        for (j, (x, p)) in xs.iter().zip(&pairs).enumerate() {
            assert_eq!(p[0], h.tccr(*x, 77 + j as u128));
            assert_eq!(p[1], h.tccr(*x ^ delta, 77 + j as u128));
        }
        assert_ne!(h.tccr(Block::new(5), 0), h.tccr(Block::new(6), 0));
    }
}
