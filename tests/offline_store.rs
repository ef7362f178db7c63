//! The preprocessing store: round trip; truncated, bit-flipped, wrong-party, wrong-session and
//! wrong-field files give distinct errors; consumed material is never handed out again, also
//! after a simulated crash.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (developer guide)

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use spdz::field::{Field, Fp};
use spdz::net::MemoryTransport;
use spdz::offline::store::{self, file_path};
use spdz::offline::{
    FileStore, MemoryPreprocessing, OfflineError, Params, Preprocessing, Report, StoreError,
    WriteMode, generate,
};

fn generate_two() -> Vec<(MemoryPreprocessing<Fp>, Report)> {
    let params = Params {
        triples: 20,
        squares: 4,
        bits: 6,
        input_masks: 3,
        batch_size: 64,
        threads: 1,
        ..Params::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let hs: Vec<_> = MemoryTransport::mesh(2)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let params = params.clone();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(5 + i as u64);
                    generate::<Fp, _, _>(&t, &params, None, &mut rng)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap());
        }
        out
    })
}

fn write_all(dir: &Path) -> (Vec<MemoryPreprocessing<Fp>>, [u8; 32]) {
    let runs = generate_two();
    let session = runs[0].1.session;
    assert_eq!(session, runs[1].1.session, "the session id is joint");
    let mut pres = Vec::new();
    for (p, _) in runs {
        store::write(dir, &p, &session, WriteMode::CreateNew).unwrap();
        pres.push(p);
    }
    (pres, session)
}

fn values(s: &spdz::offline::AuthShares<Fp>) -> Vec<Fp> {
    s.values().to_vec()
}

#[test]
fn round_trip_gives_the_same_material() {
    let dir = tempfile::tempdir().unwrap();
    let (mut pres, session) = write_all(dir.path());
    for (i, mem) in pres.iter_mut().enumerate() {
        let mut fs = FileStore::<Fp>::open(&file_path(dir.path(), i), i, &session).unwrap();
        assert_eq!(
            fs.mac_key_share().dangerous_value(),
            mem.mac_key_share().dangerous_value()
        );
        let (a, b) = (fs.triples(20).unwrap(), mem.triples(20).unwrap());
        assert_eq!(values(&a.c), values(&b.c));
        assert_eq!(a.c.macs(), b.c.macs());
        assert_eq!(values(&fs.bits(6).unwrap()), values(&mem.bits(6).unwrap()));
        let (x, y) = (fs.squares(4).unwrap(), mem.squares(4).unwrap());
        assert_eq!(values(&x.1), values(&y.1));
        for owner in 0..2 {
            let (x, y) = (
                fs.input_masks(owner, 3).unwrap(),
                mem.input_masks(owner, 3).unwrap(),
            );
            assert_eq!(values(&x.shares), values(&y.shares));
            assert_eq!(x.clear, y.clear);
        }
    }
}

#[test]
fn damaged_or_mismatched_files_give_distinct_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_, session) = write_all(dir.path());
    let path = file_path(dir.path(), 0);
    let good = std::fs::read(&path).unwrap();
    let open = |bytes: &[u8], party: usize, session: &[u8; 32]| {
        std::fs::write(&path, bytes).unwrap();
        FileStore::<Fp>::open(&path, party, session)
    };
    // Truncated.
    let r = open(&good[..good.len() - 1], 0, &session);
    assert!(matches!(r, Err(StoreError::Truncated { .. })), "{r:?}");
    let r = open(&good[..20], 0, &session);
    assert!(matches!(r, Err(StoreError::Truncated { .. })), "{r:?}");
    // Bit flipped in the body, and in the tag.
    for at in [good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        let r = open(&bad, 0, &session);
        assert!(matches!(r, Err(StoreError::TagMismatch)), "{r:?}");
    }
    // Wrong party.
    let r = open(&good, 1, &session);
    assert!(
        matches!(
            r,
            Err(StoreError::WrongParty {
                expected: 1,
                found: 0
            })
        ),
        "{r:?}"
    );
    // Wrong session.
    let mut other = session;
    other[0] ^= 1;
    let r = open(&good, 0, &other);
    assert!(matches!(r, Err(StoreError::WrongSession)), "{r:?}");
    // Wrong field: the field name in the header (offset 14) is another field's.
    let mut bad = good.clone();
    bad[14] ^= 0x01;
    let r = open(&bad, 0, &session);
    assert!(matches!(r, Err(StoreError::WrongField { .. })), "{r:?}");
    // Not a store file.
    let mut bad = good.clone();
    bad[0] = b'X';
    let r = open(&bad, 0, &session);
    assert!(matches!(r, Err(StoreError::BadMagic)), "{r:?}");
    // Trailing bytes.
    let mut bad = good.clone();
    bad.push(0);
    let r = open(&bad, 0, &session);
    assert!(
        matches!(r, Err(StoreError::TrailingBytes { extra: 1 })),
        "{r:?}"
    );
    // The good file still opens.
    open(&good, 0, &session).unwrap();
}

#[test]
fn consumed_material_is_never_handed_out_again_even_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let (_, session) = write_all(dir.path());
    let path = file_path(dir.path(), 0);
    let first = {
        let mut fs = FileStore::<Fp>::open(&path, 0, &session).unwrap();
        let t = fs.triples(5).unwrap();
        let b = fs.bits(2).unwrap();
        let m = fs.input_masks(0, 1).unwrap();
        // Simulated crash: the store is dropped without any shutdown step.
        (values(&t.a), values(&b), m.clear.clone().unwrap())
    };
    let mut fs = FileStore::<Fp>::open(&path, 0, &session).unwrap();
    assert_eq!(fs.remaining().triples_left(), 15);
    assert_eq!(fs.remaining().bits_left(), 4);
    assert_eq!(fs.remaining().input_masks_left(0), 2);
    let again = fs.triples(5).unwrap();
    assert_ne!(
        values(&again.a),
        first.0,
        "consumed triples are not handed out again"
    );
    assert_ne!(values(&fs.bits(2).unwrap()), first.1);
    assert_ne!(
        fs.input_masks(0, 1).unwrap().clear.clone().unwrap(),
        first.2
    );
    // Asking for more than is left consumes nothing.
    assert!(matches!(
        fs.triples(11),
        Err(OfflineError::Exhausted {
            requested: 11,
            available: 10,
            ..
        })
    ));
    drop(fs);
    let mut fs = FileStore::<Fp>::open(&path, 0, &session).unwrap();
    assert_eq!(fs.remaining().triples_left(), 10);
    fs.consume_all().unwrap();
    drop(fs);
    let fs = FileStore::<Fp>::open(&path, 0, &session).unwrap();
    assert_eq!(fs.remaining().triples_left(), 0);
    assert_eq!(fs.remaining().squares_left(), 0);
}

#[test]
fn damaged_or_foreign_watermark_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_, session) = write_all(dir.path());
    let path0 = file_path(dir.path(), 0);
    let path1 = file_path(dir.path(), 1);
    FileStore::<Fp>::open(&path0, 0, &session)
        .unwrap()
        .triples(1)
        .unwrap();
    FileStore::<Fp>::open(&path1, 1, &session)
        .unwrap()
        .triples(1)
        .unwrap();
    let w0 = dir.path().join("party-0.spdzprep.used");
    let w1 = dir.path().join("party-1.spdzprep.used");
    let good = std::fs::read(&w0).unwrap();
    // Torn write.
    std::fs::write(&w0, &good[..good.len() - 3]).unwrap();
    let r = FileStore::<Fp>::open(&path0, 0, &session);
    assert!(matches!(r, Err(StoreError::BadWatermark)), "{r:?}");
    // Flipped count.
    let mut bad = good.clone();
    bad[42] ^= 1;
    std::fs::write(&w0, &bad).unwrap();
    let r = FileStore::<Fp>::open(&path0, 0, &session);
    assert!(matches!(r, Err(StoreError::BadWatermark)), "{r:?}");
    // Another file's watermark.
    std::fs::copy(&w1, &w0).unwrap();
    let r = FileStore::<Fp>::open(&path0, 0, &session);
    assert!(matches!(r, Err(StoreError::BadWatermark)), "{r:?}");
    std::fs::write(&w0, &good).unwrap();
    let fs = FileStore::<Fp>::open(&path0, 0, &session).unwrap();
    assert_eq!(fs.remaining().triples_left(), 19);
    assert!(Fp::NAME.len() < 256);
}
