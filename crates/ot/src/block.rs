//! A 128-bit block, the unit of OT messages, PRG output and hash input.

use core::ops::{BitAnd, BitAndAssign, BitXor, BitXorAssign};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// 128 bits, stored as a little-endian `u128`.
///
/// Blocks carry OT keys and messages, which are secret: `Debug` prints nothing of the value,
/// equality for secret comparisons goes through [`ConstantTimeEq`]. `PartialEq` exists for
/// tests and public values (it is not constant time).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Block(pub(crate) u128);

impl Block {
    /// The all-zero block.
    pub const ZERO: Self = Self(0);
    /// The all-one block.
    pub const ONES: Self = Self(u128::MAX);

    /// Wraps a `u128` (bit `i` of the integer is bit `i` of the block).
    #[must_use]
    pub const fn new(x: u128) -> Self {
        Self(x)
    }

    /// The block as a `u128`.
    #[must_use]
    pub const fn to_u128(self) -> u128 {
        self.0
    }

    /// Reads 16 little-endian bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(u128::from_le_bytes(bytes))
    }

    /// Writes 16 little-endian bytes.
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    /// Bit `i` (0 ≤ i < 128) as a `Choice`, without branching on it.
    ///
    /// # Panics
    /// Never for `i < 128`; `i ≥ 128` is a caller bug and is reduced mod 128.
    #[must_use]
    pub fn bit(self, i: usize) -> Choice {
        let bit = ((self.0 >> (i % 128)) & 1).to_le_bytes()[0];
        Choice::from(bit)
    }

    /// The all-ones block if `c` is set, the zero block otherwise (branch-free).
    #[must_use]
    pub fn mask(c: Choice) -> Self {
        Self::conditional_select(&Self::ZERO, &Self::ONES, c)
    }

    /// Encodes blocks as consecutive 16-byte little-endian chunks.
    #[must_use]
    pub fn encode_slice(blocks: &[Self]) -> Vec<u8> {
        let mut out = Vec::with_capacity(blocks.len() * 16);
        for b in blocks {
            out.extend_from_slice(&b.to_bytes());
        }
        out
    }

    /// Decodes consecutive 16-byte chunks; `None` when the length is not a multiple of 16.
    #[must_use]
    pub fn decode_slice(bytes: &[u8]) -> Option<Vec<Self>> {
        if !bytes.len().is_multiple_of(16) {
            return None;
        }
        Some(
            bytes
                .chunks_exact(16)
                .map(|c| {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(c);
                    Self::from_bytes(a)
                })
                .collect(),
        )
    }
}

impl core::fmt::Debug for Block {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Blocks are OT keys and messages: never print the value.
        f.debug_struct("Block").finish_non_exhaustive()
    }
}

/// Zeroizing a block (or a slice of blocks) writes zeros with volatile stores.
impl zeroize::DefaultIsZeroes for Block {}

impl From<u128> for Block {
    fn from(x: u128) -> Self {
        Self(x)
    }
}

impl From<Block> for u128 {
    fn from(b: Block) -> Self {
        b.0
    }
}

impl From<[u8; 16]> for Block {
    fn from(b: [u8; 16]) -> Self {
        Self::from_bytes(b)
    }
}

impl From<Block> for [u8; 16] {
    fn from(b: Block) -> Self {
        b.to_bytes()
    }
}

impl BitXor for Block {
    type Output = Self;
    fn bitxor(self, rhs: Self) -> Self {
        Self(self.0 ^ rhs.0)
    }
}

impl BitXorAssign for Block {
    fn bitxor_assign(&mut self, rhs: Self) {
        self.0 ^= rhs.0;
    }
}

impl BitAnd for Block {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl BitAndAssign for Block {
    fn bitand_assign(&mut self, rhs: Self) {
        self.0 &= rhs.0;
    }
}

impl ConditionallySelectable for Block {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Self(u128::conditional_select(&a.0, &b.0, choice))
    }
}

impl ConstantTimeEq for Block {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_ops() {
        let a = Block::new(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(Block::from_bytes(a.to_bytes()), a);
        assert_eq!(a.to_bytes()[0], 0x77);
        let b = Block::new(u128::MAX >> 3);
        assert_eq!((a ^ b).to_u128(), a.to_u128() ^ b.to_u128());
        assert_eq!((a & b).to_u128(), a.to_u128() & b.to_u128());
        assert_eq!(Block::mask(Choice::from(1)), Block::ONES);
        assert_eq!(Block::mask(Choice::from(0)), Block::ZERO);
        assert!(bool::from(a.bit(0)));
        assert!(!bool::from(a.bit(3)));
        assert!(bool::from(a.ct_eq(&a)) && !bool::from(a.ct_eq(&b)));
    }

    #[test]
    fn debug_redacts() {
        let s = format!("{:?}", Block::new(0xdead_beef));
        assert!(!s.contains("dead") && !s.contains("3735928559"), "{s}");
    }

    #[test]
    fn slice_codec_checks_length() {
        let v = vec![Block::new(1), Block::new(u128::MAX)];
        let bytes = Block::encode_slice(&v);
        assert_eq!(Block::decode_slice(&bytes), Some(v));
        assert_eq!(Block::decode_slice(&bytes[..31]), None);
    }
}
