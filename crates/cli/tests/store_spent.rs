//! Preprocessing is never reused after an abort, across a process restart: stores made by
//! real MASCOT (no dealer) feed an online phase in which one party opens a wrong share; every
//! honest party aborts, which marks its store spent. Then another process — the `spdz`
//! binary — refuses each honest party's store (`spdz store verify`: exit 2, "marked spent"),
//! and so does `FileStore::open` here.

// A test crate: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::{Field, Fp};
use spdz_net::{MemoryTransport, Transport};
use spdz_offline::store::{self, file_path};
use spdz_offline::{FileStore, OfflineError, Params, StoreError, WriteMode, generate};
use spdz_online::{Cheat, OnlineError, Party};

const N: usize = 3;
const CHEATER: usize = 2;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Real MASCOT between N parties; each writes its store to `dir`. Returns the session id.
fn make_stores(dir: &Path) -> [u8; 32] {
    let params = Params {
        triples: 8,
        input_masks: 4,
        batch_size: 64,
        ..Params::default()
    };
    let sessions = runtime().block_on(async {
        let tasks: Vec<_> = MemoryTransport::mesh(N)
            .into_iter()
            .map(|t| {
                let params = params.clone();
                let dir = dir.to_path_buf();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(40 + t.id() as u64);
                    let (pre, report) = generate::<Fp, _, _>(&t, &params, None, &mut rng)
                        .await
                        .unwrap();
                    store::write(&dir, &pre, &report.session, WriteMode::CreateNew).unwrap();
                    report.session
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    assert!(sessions.iter().all(|s| *s == sessions[0]));
    sessions[0]
}

/// The online phase on the stores: every party inputs a value, they multiply and reveal;
/// party CHEATER opens a wrong share in the Beaver round.
fn online_with_a_cheater(dir: &Path, session: [u8; 32]) -> Vec<Result<Vec<Fp>, OnlineError>> {
    runtime().block_on(async {
        let tasks: Vec<_> = MemoryTransport::mesh(N)
            .into_iter()
            .map(|t| {
                let dir = dir.to_path_buf();
                tokio::spawn(async move {
                    let me = t.id();
                    let prep = FileStore::<Fp>::open(&file_path(&dir, me), me, &session)
                        .map_err(OfflineError::from)?;
                    let mut rng = ChaCha20Rng::seed_from_u64(90 + me as u64);
                    let mut p = Party::new(t, prep, &mut rng)?;
                    if me == CHEATER {
                        p = p.with_cheat(Cheat::WrongShareOnOpen);
                    }
                    let x = [Fp::from_u64(me as u64 + 2)];
                    let mut xs = Vec::new();
                    for owner in 0..N {
                        xs.push(p.input(owner, (owner == me).then_some(&x[..]), 1).await?);
                    }
                    let prod = p.mul(&xs[0], &xs[1]).await?;
                    Ok(p.reveal(&prod).await?.into_vec())
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
}

#[test]
fn an_aborted_partys_store_is_refused_by_a_later_process() {
    let dir = tempfile::tempdir().unwrap();
    let session = make_stores(dir.path());
    let results = online_with_a_cheater(dir.path(), session);
    for (i, r) in results.iter().enumerate() {
        if i != CHEATER {
            assert!(
                matches!(r, Err(OnlineError::MacCheckFailed { .. })),
                "honest party {i} must abort: {r:?}"
            );
        }
    }
    // Every process that had the stores open is gone (the tasks and their runtime ended).
    for i in (0..N).filter(|&i| i != CHEATER) {
        let path = file_path(dir.path(), i);
        // Another process: the `spdz` binary.
        let out = Command::new(env!("CARGO_BIN_EXE_spdz"))
            .args(["store", "verify", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "party {i}: {err}");
        assert!(
            err.contains("marked spent after an abort"),
            "party {i}: {err}"
        );
        // And a fresh open here, as that party would after a restart.
        let r = FileStore::<Fp>::open(&path, i, &session);
        assert!(
            matches!(r, Err(StoreError::Spent { .. })),
            "party {i}: {r:?}"
        );
        // The key share is gone from the file: only the spent record is left.
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"SPDZSPNT");
        assert!(bytes.len() < 200, "party {i}: {} bytes left", bytes.len());
    }
}
