//! Bit-matrix transpose for IKNP: 128 columns of `n` bits into `n` rows of 128 bits.
//!
//! Portable, no `unsafe`: Eklundh's recursive block swap on a 128×128 tile held as 128 `u128`
//! rows (7 stages, each swapping the off-diagonal w×w sub-blocks with one shift/xor/and/xor/
//! shift/xor per row pair). That is ~40 word operations per 128-bit output row, which the
//! compiler turns into straight-line code; measured on the development machine it is not the
//! bottleneck of KOS (AES is). A naive bit-by-bit transpose is kept as the reference, and a
//! proptest checks that the two agree.

use crate::block::Block;

/// Masks selecting, in each stage of width `w`, the bit positions whose bit `w` is clear.
const MASKS: [(u32, u128); 7] = [
    (64, 0x0000_0000_0000_0000_FFFF_FFFF_FFFF_FFFF),
    (32, 0x0000_0000_FFFF_FFFF_0000_0000_FFFF_FFFF),
    (16, 0x0000_FFFF_0000_FFFF_0000_FFFF_0000_FFFF),
    (8, 0x00FF_00FF_00FF_00FF_00FF_00FF_00FF_00FF),
    (4, 0x0F0F_0F0F_0F0F_0F0F_0F0F_0F0F_0F0F_0F0F),
    (2, 0x3333_3333_3333_3333_3333_3333_3333_3333),
    (1, 0x5555_5555_5555_5555_5555_5555_5555_5555),
];

/// Transposes a 128×128 bit matrix in place: bit `k` of `a[i]` becomes bit `i` of `a[k]`.
pub fn transpose_128x128(a: &mut [u128; 128]) {
    for &(w, mask) in &MASKS {
        let w = w as usize;
        let mut i = 0;
        while i < 128 {
            for r in i..i + w {
                let t = ((a[r] >> w) ^ a[r + w]) & mask;
                a[r + w] ^= t;
                a[r] ^= t << w;
            }
            i += 2 * w;
        }
    }
}

/// Transposes 128 columns of `words · 128` bits each into `words · 128` rows of 128 bits.
///
/// `cols` is column-major: column `i` is `cols[i*words .. (i+1)*words]`, and bit `b` of word
/// `w` of column `i` is the entry in row `128·w + b`. Output row `j` has bit `i` equal to
/// column `i`'s bit `j`.
///
/// # Panics
/// If `cols.len() != 128 * words` (a caller bug; lengths here never come from a peer).
#[must_use]
pub fn transpose_columns(cols: &[Block], words: usize) -> Vec<Block> {
    assert_eq!(
        cols.len(),
        128 * words,
        "transpose: column-major input of 128 columns"
    );
    let mut rows = vec![Block::ZERO; 128 * words];
    let mut tile = [0u128; 128];
    for w in 0..words {
        for (i, t) in tile.iter_mut().enumerate() {
            *t = cols[i * words + w].0;
        }
        transpose_128x128(&mut tile);
        for (r, t) in rows[128 * w..128 * (w + 1)].iter_mut().zip(tile.iter()) {
            *r = Block(*t);
        }
    }
    // The tile held key-derived bits.
    tile.fill(0);
    rows
}

/// Reference transpose, one bit at a time (for tests).
#[cfg(test)]
pub(crate) fn transpose_columns_naive(cols: &[Block], words: usize) -> Vec<Block> {
    let mut rows = vec![0u128; 128 * words];
    for i in 0..128 {
        for j in 0..128 * words {
            let bit = (cols[i * words + j / 128].0 >> (j % 128)) & 1;
            rows[j] |= bit << i;
        }
    }
    rows.into_iter().map(Block).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identity_matrix_is_fixed() {
        let mut a: [u128; 128] = core::array::from_fn(|i| 1u128 << i);
        transpose_128x128(&mut a);
        for (i, x) in a.iter().enumerate() {
            assert_eq!(*x, 1u128 << i);
        }
    }

    #[test]
    fn zero_words() {
        assert!(transpose_columns(&[], 0).is_empty());
    }

    proptest! {
        #[test]
        fn fast_agrees_with_naive(words in 1usize..4, seed in any::<u64>()) {
            let mut x = u128::from(seed) | 1;
            let cols: Vec<Block> = (0..128 * words).map(|_| {
                // xorshift128-ish filler, enough to exercise every bit position
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                Block(x)
            }).collect();
            prop_assert_eq!(transpose_columns(&cols, words), transpose_columns_naive(&cols, words));
        }

        #[test]
        fn tile_is_an_involution(seed in any::<u128>()) {
            let mut a: [u128; 128] = core::array::from_fn(|i| seed.rotate_left(u32::try_from(i).unwrap()) ^ (i as u128));
            let orig = a;
            transpose_128x128(&mut a);
            transpose_128x128(&mut a);
            prop_assert_eq!(a, orig);
        }
    }
}
