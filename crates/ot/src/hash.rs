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
use aes::Aes128;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use sha2::{Digest, Sha256};

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
        let inputs = xs.iter().map(|x| Array::from(x.to_bytes())).collect();
        let hashed = self.tccr_vec(inputs, first_tweak, 1);
        for (x, h) in xs.iter_mut().zip(hashed) {
            *x = h;
        }
    }

    /// Random-OT pairs: `[H(q_j, t), H(q_j ⊕ Δ, t)]` with `t = first_tweak + j`.
    #[must_use]
    pub fn tccr_pairs(&self, q: &[Block], delta: Block, first_tweak: u128) -> Vec<[Block; 2]> {
        // Inputs interleaved: position 2j is q_j, 2j+1 is q_j ⊕ Δ; both use tweak j.
        let inputs = q
            .iter()
            .flat_map(|x| {
                [
                    Array::from(x.to_bytes()),
                    Array::from((*x ^ delta).to_bytes()),
                ]
            })
            .collect();
        let hashed = self.tccr_vec(inputs, first_tweak, 2);
        hashed.chunks_exact(2).map(|p| [p[0], p[1]]).collect()
    }

    /// TMMO over all inputs with one cipher call per pass; input `k` has tweak
    /// `first + k / per_tweak`.
    fn tccr_vec(
        &self,
        mut y: Vec<Array<u8, aes::cipher::consts::U16>>,
        first: u128,
        per_tweak: usize,
    ) -> Vec<Block> {
        self.pi.encrypt_blocks(&mut y);
        let mut z: Vec<Array<u8, aes::cipher::consts::U16>> = y
            .iter()
            .enumerate()
            .map(|(k, yb)| {
                let tweak = first.wrapping_add((k / per_tweak) as u128);
                Array::from((u128::from_le_bytes((*yb).into()) ^ tweak).to_le_bytes())
            })
            .collect();
        self.pi.encrypt_blocks(&mut z);
        let out = y
            .iter()
            .zip(&z)
            .map(|(yb, zb)| {
                Block::new(u128::from_le_bytes((*zb).into()) ^ u128::from_le_bytes((*yb).into()))
            })
            .collect();
        for b in y.iter_mut().chain(z.iter_mut()) {
            *b = Array::from([0u8; 16]);
        }
        out
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
