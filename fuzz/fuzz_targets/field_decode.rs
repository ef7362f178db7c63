//! spdz-field decoders: `Fp::read_le`, `Field::decode_slice` for `Fp` and `Gf128`,
//! `Gf128::from_le_bytes`, and (the same bytes as OT blocks) `spdz_ot::Block::decode_slice`.
//!
//! Checks: no panic; `read_le` accepts exactly the 16-byte strings whose value is < p
//! (p = 2^127 − 1) and re-encodes them to the same bytes; `decode_slice` accepts exactly the
//! inputs whose length is a multiple of 16 and whose every element is canonical, returning
//! `len / 16` elements that re-encode to the input; MASCOT's variable-time public decoder
//! agrees with `read_le`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spdz_field::{Field, Fp, Gf128};
use spdz_offline::MascotField;
use spdz_ot::Block;

const P: u128 = (1u128 << 127) - 1;

fn canonical_fp(chunk: &[u8]) -> bool {
    let mut a = [0u8; 16];
    a.copy_from_slice(chunk);
    u128::from_le_bytes(a) < P
}

fuzz_target!(|data: &[u8]| {
    // Single elements: every length, not only 16.
    let one = &data[..data.len().min(40)];
    let fp = Fp::read_le(one);
    assert_eq!(fp.is_ok(), one.len() == 16 && canonical_fp(one));
    assert_eq!(
        <Fp as MascotField>::decode_public_vartime(one).is_some(),
        fp.is_ok()
    );
    if let Ok(x) = fp {
        let mut out = [0u8; 16];
        x.write_le(&mut out);
        assert_eq!(&out[..], one);
        assert_eq!(Some(x), <Fp as MascotField>::decode_public_vartime(one));
    }
    let g = Gf128::read_le(one);
    assert_eq!(g.is_ok(), one.len() == 16);
    if let Ok(x) = g {
        let mut a = [0u8; 16];
        a.copy_from_slice(one);
        assert_eq!(x, Gf128::from_le_bytes(a));
        assert_eq!(x.to_le_bytes(), a);
    }

    // Slices.
    let whole = data.len().is_multiple_of(16);
    match Fp::decode_slice(data) {
        Ok(xs) => {
            assert!(whole && data.chunks_exact(16).all(canonical_fp));
            assert_eq!(xs.len(), data.len() / 16);
            assert_eq!(Fp::encode_slice(&xs), data);
        }
        Err(_) => assert!(!whole || !data.chunks_exact(16).all(canonical_fp)),
    }
    match Gf128::decode_slice(data) {
        Ok(xs) => {
            assert!(whole);
            assert_eq!(Gf128::encode_slice(&xs), data);
        }
        Err(_) => assert!(!whole),
    }
    match Block::decode_slice(data) {
        Some(bs) => {
            assert!(whole);
            assert_eq!(Block::encode_slice(&bs), data);
        }
        None => assert!(!whole),
    }
});
