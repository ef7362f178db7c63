//! What MASCOT needs from a field beyond [`Field`]: a bit length and a map from uniform 128-bit
//! OT/PRG outputs to (almost) uniform field elements.

use spdz_field::{Field, Fp, Pow2Sum};
use subtle::Choice;

/// A field MASCOT can run over: elements have at most [`MascotField::BITS`] bits, and a uniform
/// 128-bit string maps to an element whose distribution is statistically close to uniform.
pub trait MascotField: Field {
    /// k: the number of bits of a canonical element (COPEe uses k base OTs per ordered pair,
    /// Gilboa multiplication k OTs per product).
    const BITS: usize;

    /// An element from a uniform 128-bit string (a PRF output or an OT message).
    fn from_block(x: u128) -> Self;

    /// Bit `i` of the canonical integer representative, `i < BITS`, as a [`Choice`].
    fn bit(&self, i: usize) -> Choice;

    /// Decodes a canonical encoding received from a peer, in time that may depend on the
    /// encoding: only for bytes the receiving party sees in the clear anyway (protocol
    /// messages), never for secrets. `None` for a wrong length or a non-canonical value.
    fn decode_public_vartime(bytes: &[u8]) -> Option<Self> {
        Self::read_le(bytes).ok()
    }

    /// An accumulator of Σ_l 2^l·x_l (l < [`MascotField::BITS`]), the sum COPEe and Gilboa
    /// use to recombine bit positions; a field may reduce it lazily.
    type Pow2Acc: Copy + Default;

    /// Adds 2^l·x to `acc` (l < [`MascotField::BITS`]).
    fn pow2_add(acc: &mut Self::Pow2Acc, x: Self, l: usize);

    /// The accumulated sum.
    fn pow2_finish(acc: Self::Pow2Acc) -> Self;

    /// `self` times bit `l` of `bits`' canonical representative, branch-free (a secret bit).
    #[must_use]
    fn and_bit_of(self, bits: &Self, l: usize) -> Self;
}

impl MascotField for Fp {
    /// p = 2^127 − 1: every element has at most 127 bits.
    const BITS: usize = 127;

    /// `x mod p`. Since 2^128 = 2p + 2, the values 0 and 1 have one extra preimage: the
    /// statistical distance from uniform is 2/2^128 = 2^−127.
    #[inline(always)]
    fn from_block(x: u128) -> Self {
        Fp::from_u128(x)
    }

    #[inline(always)]
    fn decode_public_vartime(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 16] = bytes.try_into().ok()?;
        let x = u128::from_le_bytes(arr);
        // Canonical means x < p = 2^127 − 1; the value is a public message, so a branch is fine.
        (x < (1u128 << 127) - 1).then(|| Fp::from_u128(x))
    }

    type Pow2Acc = Pow2Sum;

    #[inline(always)]
    fn pow2_add(acc: &mut Pow2Sum, x: Self, l: usize) {
        // l < 127 (a bit position); the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        acc.add(x, l as u32);
    }

    #[inline(always)]
    fn pow2_finish(acc: Pow2Sum) -> Self {
        acc.finish()
    }

    #[inline(always)]
    fn and_bit_of(self, bits: &Self, l: usize) -> Self {
        // l < 127 (a bit position); the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        self.and_bit(bits.to_u128(), l as u32)
    }

    fn bit(&self, i: usize) -> Choice {
        // Public shift amount; the bit's value is data, not control flow.
        #[allow(clippy::cast_possible_truncation)] // one bit
        Choice::from(((self.to_u128() >> i) & 1) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_decoder_agrees_with_read_le() {
        let p = (1u128 << 127) - 1;
        for x in [0u128, 1, 2, p - 1, p, p + 1, u128::MAX, 1u128 << 126] {
            let b = x.to_le_bytes();
            assert_eq!(Fp::decode_public_vartime(&b), Fp::read_le(&b).ok(), "{x}");
        }
        assert_eq!(Fp::decode_public_vartime(&[0u8; 15]), None);
    }
}
