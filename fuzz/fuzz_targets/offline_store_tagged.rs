//! spdz-offline on-disk store reader, past the integrity tag.
//!
//! The store file's HMAC key is derived from α_i, which is in the file (see the store's module
//! docs: the tag meets corruption and blind edits, not readers). So a fuzzer that knows the
//! format can re-tag anything it writes; this target does, to reach the code behind the tag:
//! element decoding, the body layout implied by the counts, the consumption watermark
//! (`<file>.used`, SHA-256 checksummed, also re-computed here) and the hand-out logic.
//!
//! The input is read as: n (2..=5 parties), party, flags, counts (0..=7 each), α bytes, a
//! watermark, and body bytes (cycled to the exact length the counts imply unless a flag says
//! otherwise). Flags choose whether the fingerprint, the tag and the watermark checksum are
//! fixed up, whether the file is cut or extended, and whether a watermark is written.
//!
//! Checks: no panic; a store that opens reports exactly the counts of its header minus its
//! watermark; requests are served only within what is left; after serving, a fresh `open`
//! sees the persisted watermark (the same remaining counts): nothing is handed out twice.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use spdz_field::{Field, Fp};
use spdz_offline::store::key_fingerprint;
use spdz_offline::{FileStore, MacKeyShare, Preprocessing};

const SESSION: [u8; 32] = [7; 32];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() { shm } else { std::env::temp_dir() };
        let d = base.join(format!("spdz-fuzz-tagged-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temporary directory");
        d
    })
}

/// Reads bytes from the input, zeros once it is exhausted.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        for x in &mut a {
            *x = self.byte();
        }
        a
    }
}

/// The store's tag: HMAC-SHA256 keyed with SHA-256("spdz-offline/store/tag-key/v1" ‖ α).
fn tag(alpha: &[u8; 16], data: &[u8]) -> [u8; 32] {
    let key: [u8; 32] = Sha256::new()
        .chain_update(b"spdz-offline/store/tag-key/v1")
        .chain_update(alpha)
        .finalize()
        .into();
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(&key);
    let inner = Sha256::new()
        .chain_update(k.map(|b| b ^ 0x36))
        .chain_update(data)
        .finalize();
    Sha256::new()
        .chain_update(k.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[derive(Debug, PartialEq, Eq)]
struct Left {
    triples: usize,
    squares: usize,
    bits: usize,
    masks: Vec<usize>,
}

fn left(s: &FileStore<Fp>) -> Left {
    let r = s.remaining();
    Left {
        triples: r.triples_left(),
        squares: r.squares_left(),
        bits: r.bits_left(),
        masks: (0..s.parties()).map(|j| r.input_masks_left(j)).collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let n = 2 + usize::from(inp.byte() % 4);
    let file_party = usize::from(inp.byte() % 8);
    let open_party = if inp.byte() & 1 == 0 { file_party } else { 0 };
    let flags = inp.byte();
    let counts: Vec<usize> = (0..3 + n).map(|_| usize::from(inp.byte() % 8)).collect();
    let (t, s, b, m) = (counts[0], counts[1], counts[2], &counts[3..]);
    let alpha: [u8; 16] = inp.array();
    let used: Vec<u64> = (0..3 + n).map(|_| u64::from(inp.byte() % 10)).collect();
    let rest = inp.0;

    // Header.
    let mut buf = Vec::new();
    buf.extend_from_slice(b"SPDZPREP");
    buf.extend_from_slice(&1u16.to_le_bytes());
    buf.extend_from_slice(&u16::try_from(Fp::BYTES).unwrap_or(16).to_le_bytes());
    buf.extend_from_slice(&u16::try_from(Fp::NAME.len()).unwrap_or(0).to_le_bytes());
    buf.extend_from_slice(Fp::NAME.as_bytes());
    buf.extend_from_slice(&u32::try_from(n).unwrap_or(0).to_le_bytes());
    buf.extend_from_slice(&u32::try_from(file_party).unwrap_or(0).to_le_bytes());
    buf.extend_from_slice(&SESSION);
    let fingerprint = match Fp::read_le(&alpha) {
        Ok(a) if flags & 1 == 0 => key_fingerprint(&MacKeyShare::dangerous_from_value(a)),
        _ => Sha256::digest(alpha).into(),
    };
    buf.extend_from_slice(&fingerprint);
    for &c in &counts {
        buf.extend_from_slice(&(c as u64).to_le_bytes());
    }
    // Body: α, then the elements the counts imply (the clear masks only if this party's
    // count is in range).
    buf.extend_from_slice(&alpha);
    let own = m.get(file_party).copied().unwrap_or(0);
    let elements = 6 * t + 4 * s + 2 * b + 2 * m.iter().sum::<usize>() + own;
    let body_len = elements * Fp::BYTES;
    if flags & 2 == 0 {
        if rest.is_empty() {
            buf.resize(buf.len() + body_len, 0);
        } else {
            buf.extend(rest.iter().copied().cycle().take(body_len));
        }
    } else {
        // Raw body: whatever length the input has (bounded by libFuzzer's -max_len).
        buf.extend_from_slice(rest);
    }
    if flags & 4 != 0 {
        // Mask the top bit of every element so that most decode (values < 2^127 − 1 but for
        // the single value 2^127 − 1 itself).
        let start = buf.len() - body_len.min(buf.len());
        for chunk in buf[start..].chunks_mut(16) {
            if chunk.len() == 16 {
                chunk[15] &= 0x7f;
            }
        }
    }
    let file_tag = if flags & 8 == 0 {
        tag(&alpha, &buf)
    } else {
        Sha256::digest(&buf).into()
    };
    buf.extend_from_slice(&file_tag);
    match flags >> 6 {
        1 => {
            buf.pop();
        }
        2 => buf.push(0),
        _ => {}
    }

    let path = dir().join("party-0.spdzprep");
    let mut wm_path = path.as_os_str().to_owned();
    wm_path.push(".used");
    let _ = std::fs::remove_file(&wm_path);
    std::fs::write(&path, &buf).expect("write temporary file");

    if flags & 0x10 != 0 {
        // Watermark: magic, version, the file's tag, the counts, SHA-256 of all that.
        let mut wm = Vec::new();
        wm.extend_from_slice(b"SPDZUSED");
        wm.extend_from_slice(&1u16.to_le_bytes());
        wm.extend_from_slice(&file_tag);
        for &u in &used {
            wm.extend_from_slice(&u.to_le_bytes());
        }
        if flags & 0x20 != 0 {
            // A watermark for a different number of parties.
            wm.extend_from_slice(&0u64.to_le_bytes());
        }
        let sum: [u8; 32] = Sha256::digest(&wm).into();
        wm.extend_from_slice(&sum);
        std::fs::write(&wm_path, &wm).expect("write temporary watermark");
    }

    let Ok(mut store) = FileStore::<Fp>::open(&path, open_party, &SESSION) else {
        return;
    };
    // What opened is what the header says, minus the watermark.
    let watermark = flags & 0x10 != 0;
    let expect = |i: usize| {
        let u = if watermark { used[i] as usize } else { 0 };
        counts[i].checked_sub(u).expect("the watermark never exceeds the file")
    };
    if std::env::var_os("SPDZ_FUZZ_VERBOSE").is_some() {
        eprintln!("opened: party {file_party} of {n}, watermark {watermark}");
    }
    assert_eq!(store.parties(), n);
    assert_eq!(store.party(), file_party);
    let before = left(&store);
    assert_eq!(
        before,
        Left {
            triples: expect(0),
            squares: expect(1),
            bits: expect(2),
            masks: (0..n).map(|j| expect(3 + j)).collect(),
        }
    );
    // Serve requests (sizes from the α bytes, reused as a cheap second source), within or
    // beyond what is left, including absurd sizes (a caller's bug must be an error too).
    let want = |i: usize| match alpha[i] % 5 {
        4 => usize::MAX,
        x => usize::from(x),
    };
    let ok_t = store.triples(want(0)).is_ok();
    assert_eq!(ok_t, want(0) <= before.triples);
    let ok_s = store.squares(want(1)).is_ok();
    assert_eq!(ok_s, want(1) <= before.squares);
    let ok_b = store.bits(want(2)).is_ok();
    assert_eq!(ok_b, want(2) <= before.bits);
    let owner = usize::from(alpha[3]) % (n + 1);
    let ok_m = store.input_masks(owner, want(4)).is_ok();
    if owner >= n {
        assert!(!ok_m);
    } else {
        assert_eq!(ok_m, want(4) <= before.masks[owner]);
    }
    let after = left(&store);
    drop(store);
    // Reopening sees the persisted watermark.
    let again = FileStore::<Fp>::open(&path, open_party, &SESSION).expect("reopen");
    assert_eq!(left(&again), after);
});
