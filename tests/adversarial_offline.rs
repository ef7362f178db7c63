//! The adversarial suite of the offline phase: every named cheat × every cheater position ×
//! n ∈ {2, 3}. Every honest party must abort with the expected error variant (blaming the
//! cheater where the variant names a party) and return no material.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (developer guide)

use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use spdz::field::Fp;
use spdz::net::{MemoryOptions, MemoryTransport, Transport};
use spdz::offline::{Cheat, MemoryPreprocessing, OfflineError, Params, Report, generate};

type Outcome = Result<(MemoryPreprocessing<Fp>, Report), OfflineError>;

fn run(n: usize, cheater: usize, cheat: Cheat) -> Vec<Outcome> {
    run_with_store(n, cheater, cheat, None)
}

fn small_params() -> Params {
    Params {
        triples: 6,
        squares: 2,
        bits: 3,
        input_masks: 2,
        batch_size: 16,
        threads: 1,
        ..Params::default()
    }
}

/// As [`run`]; a party that finishes writes its material to `store` (as the CLI's `--out`
/// does), so the test can check that nothing of a tainted run reaches any store.
fn run_with_store(
    n: usize,
    cheater: usize,
    cheat: Cheat,
    store: Option<std::path::PathBuf>,
) -> Vec<Outcome> {
    run_params(n, cheater, cheat, store, small_params())
}

fn run_params(
    n: usize,
    cheater: usize,
    cheat: Cheat,
    store: Option<std::path::PathBuf>,
    params: Params,
) -> Vec<Outcome> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let options = MemoryOptions {
            // A backstop so that a party waiting on an aborted peer cannot hang the suite.
            timeout: Some(Duration::from_secs(60)),
            ..MemoryOptions::default()
        };
        let handles: Vec<_> = MemoryTransport::mesh_with(n, options)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let params = params.clone();
                let store = store.clone();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(77 + i as u64);
                    let c = (i == cheater).then_some(cheat);
                    let r = generate::<Fp, _, _>(&t, &params, c, &mut rng).await;
                    if let (Ok((p, report)), Some(dir)) = (&r, &store) {
                        spdz::offline::store::write(
                            dir,
                            p,
                            &report.session,
                            spdz::offline::WriteMode::CreateNew,
                        )
                        .unwrap();
                    }
                    // An aborted party closes its links at once (as a real one would).
                    drop(t);
                    r
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    })
}

#[test]
fn every_cheat_every_position_is_caught() {
    let mut failures = Vec::new();
    for n in [2, 3] {
        for cheat in Cheat::ALL {
            for cheater in 0..n {
                let out = run(n, cheater, cheat);
                for (i, r) in out.iter().enumerate() {
                    if i == cheater {
                        continue;
                    }
                    match r {
                        Ok(_) => failures.push(format!(
                            "n={n} cheat={cheat} cheater={cheater}: party {i} returned material"
                        )),
                        Err(e) if cheat.expected_abort().matches(e, cheater) => {}
                        Err(e) => failures.push(format!(
                            "n={n} cheat={cheat} cheater={cheater}: party {i} aborted with {e:?}, expected {:?}",
                            cheat.expected_abort()
                        )),
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nothing_of_a_tainted_run_reaches_any_store() {
    for cheat in [Cheat::WrongTripleShare, Cheat::WrongMacShare] {
        let dir = tempfile::tempdir().unwrap();
        let out = run_with_store(3, 1, cheat, Some(dir.path().to_path_buf()));
        for (i, r) in out.iter().enumerate() {
            if i != 1 {
                assert!(r.is_err());
                assert!(!spdz::offline::store::file_path(dir.path(), i).exists());
            }
        }
    }
    // The control: an honest run writes every party's file.
    let dir = tempfile::tempdir().unwrap();
    run_with_store(
        3,
        usize::MAX,
        Cheat::WrongTripleShare,
        Some(dir.path().to_path_buf()),
    );
    for i in 0..3 {
        assert!(spdz::offline::store::file_path(dir.path(), i).exists());
    }
}

#[test]
fn cheats_are_caught_with_several_workers_and_batches() {
    // Two workers, three batches each: an abort in one worker must stop the others without
    // hanging, and the honest party must still report the cheat it saw.
    let params = Params {
        triples: 40,
        batch_size: 8,
        threads: 2,
        ..small_params()
    };
    for cheat in [
        Cheat::WrongTripleShare,
        Cheat::CopeeInconsistentInput,
        Cheat::Ot(spdz::ot::OtCheat::InconsistentChoiceBits),
    ] {
        for cheater in 0..2 {
            let out = run_params(2, cheater, cheat, None, params.clone());
            let honest = &out[1 - cheater];
            assert!(
                matches!(honest, Err(e) if cheat.expected_abort().matches(e, cheater)),
                "cheat={cheat} cheater={cheater}: {:?}",
                honest.as_ref().err()
            );
        }
    }
}

#[test]
fn honest_run_of_the_same_size_succeeds() {
    // The control: with the same parameters and no cheater, everyone gets material.
    for n in [2, 3] {
        let params_n = n;
        let out = run(params_n, usize::MAX, Cheat::WrongTripleShare);
        for r in out {
            let (p, _) = r.unwrap();
            assert_eq!(p.triples_left(), 6);
        }
    }
}

#[test]
fn cheat_names_round_trip() {
    for c in Cheat::ALL {
        assert_eq!(Cheat::from_name(c.name()), Some(c));
        assert!(!c.description().is_empty());
    }
}

/// Parties with different parameters (a different worker count, which changes every channel
/// and step; a different τ, which changes every OT count) stop at once with `ParamsMismatch`
/// naming the other, instead of waiting for messages that never come.
#[test]
fn different_parameters_stop_before_any_protocol_message() {
    different_parameters_stop(|p, id| p.threads = 1 + id);
    different_parameters_stop(|p, id| p.tau = 3 + id);
}

fn different_parameters_stop(change: fn(&mut Params, usize)) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcomes: Vec<Outcome> = rt.block_on(async {
        let mesh = MemoryTransport::mesh_with(
            2,
            MemoryOptions {
                timeout: Some(Duration::from_secs(20)),
                ..MemoryOptions::default()
            },
        );
        let tasks: Vec<_> = mesh
            .into_iter()
            .map(|t| {
                tokio::spawn(async move {
                    let mut params = small_params();
                    change(&mut params, t.id());
                    let mut rng = ChaCha20Rng::seed_from_u64(t.id() as u64);
                    generate::<Fp, _, _>(&t, &params, None, &mut rng).await
                })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    });
    for (me, outcome) in outcomes.iter().enumerate() {
        let other = 1 - me;
        assert!(
            matches!(outcome, Err(OfflineError::ParamsMismatch { from }) if *from == other),
            "party {me}: {:?}",
            outcome.as_ref().err()
        );
    }
}
