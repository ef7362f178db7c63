//! spdz-offline on-disk store reader: arbitrary bytes as a store file, opened with
//! `FileStore::<Fp>::open` (the only public way in; the file is written to a private
//! temporary directory, on tmpfs where available).
//!
//! Checks: no panic and no allocation beyond the file's size (counts in the header are
//! bounded by the body they imply before anything is allocated); a file that opens serves
//! small requests without panicking. Random bytes almost never carry a valid HMAC tag, so
//! this target exercises the header checks (magic, version, field, parties, party, session,
//! counts, truncation, trailing bytes, tag); `offline_store_tagged` re-tags its inputs to
//! reach the body and watermark parsing.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spdz_field::Fp;
use spdz_offline::{FileStore, Preprocessing};

pub const SESSION: [u8; 32] = [7; 32];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() { shm } else { std::env::temp_dir() };
        let d = base.join(format!("spdz-fuzz-store-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temporary directory");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let path = dir().join("party-0.spdzprep");
    let mut used = path.as_os_str().to_owned();
    used.push(".used");
    let _ = std::fs::remove_file(&used);
    std::fs::write(&path, data).expect("write temporary file");
    for party in [0, 1] {
        if let Ok(mut store) = FileStore::<Fp>::open(&path, party, &SESSION) {
            if std::env::var_os("SPDZ_FUZZ_VERBOSE").is_some() {
                eprintln!("opened as party {party}");
            }
            let _ = store.triples(1);
            let _ = store.squares(1);
            let _ = store.bits(1);
            let _ = store.input_masks(0, 1);
            let _ = store.input_masks(usize::MAX, 1);
        }
    }
});
