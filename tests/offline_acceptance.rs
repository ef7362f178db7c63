//! Acceptance tests of the MASCOT offline phase (issue 5): for n ∈ {2, 3, 5}, run the parties
//! on an in-memory mesh, then reconstruct (here, in the test only) and check c = a·b and
//! Σ m_i = α·x for every value, that bits are 0/1 and that masks match their owner's r.
//!
//! The issue asks for 10^5 triples; the default run does 10^5 for n = 2 and fewer for n = 3, 5
//! (the machine has 2 cores); the full-size runs for n = 3, 5 are `#[ignore]`d
//! (`cargo test --release -p spdz --test offline_acceptance -- --ignored`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (developer guide)

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use spdz::field::{Field, Fp};
use spdz::net::MemoryTransport;
use spdz::offline::{AuthShares, MemoryPreprocessing, Params, Preprocessing, generate};

fn run(n: usize, params: &Params) -> Vec<MemoryPreprocessing<Fp>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let handles: Vec<_> = MemoryTransport::mesh(n)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let params = params.clone();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(1000 + i as u64);
                    generate::<Fp, _, _>(&t, &params, None, &mut rng).await
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            let (p, report) = h.await.unwrap().unwrap();
            assert_eq!(report.triples, params.triples);
            out.push(p);
        }
        out
    })
}

/// Σ_i of the values and of the MACs at position h; checks the MAC relation; returns the value.
fn open(parts: &[AuthShares<Fp>], alpha: Fp, h: usize) -> Fp {
    let x: Fp = parts.iter().map(|p| p.values()[h]).sum();
    let m: Fp = parts.iter().map(|p| p.macs()[h]).sum();
    assert_eq!(m, alpha * x, "MAC relation Σ m_i = α·x at position {h}");
    x
}

fn check_all(n: usize, params: &Params, mut ps: Vec<MemoryPreprocessing<Fp>>) {
    let alpha: Fp = ps.iter().map(|p| p.mac_key_share().dangerous_value()).sum();
    let ts: Vec<_> = ps
        .iter_mut()
        .map(|p| p.triples(params.triples).unwrap())
        .collect();
    let (a, b, c): (Vec<_>, Vec<_>, Vec<_>) = (
        ts.iter().map(|t| t.a.clone()).collect(),
        ts.iter().map(|t| t.b.clone()).collect(),
        ts.iter().map(|t| t.c.clone()).collect(),
    );
    for h in 0..params.triples {
        let (x, y, z) = (open(&a, alpha, h), open(&b, alpha, h), open(&c, alpha, h));
        assert_eq!(x * y, z, "triple {h}");
    }
    let sq: Vec<_> = ps
        .iter_mut()
        .map(|p| p.squares(params.squares).unwrap())
        .collect();
    let (s1, s2): (Vec<_>, Vec<_>) = sq.into_iter().unzip();
    for h in 0..params.squares {
        let x = open(&s1, alpha, h);
        assert_eq!(x * x, open(&s2, alpha, h), "square {h}");
    }
    let bits: Vec<_> = ps
        .iter_mut()
        .map(|p| p.bits(params.bits).unwrap())
        .collect();
    let mut ones = 0;
    for h in 0..params.bits {
        let v = open(&bits, alpha, h);
        assert!(v == Fp::ZERO || v == Fp::ONE, "bit {h} is {v:?}");
        if v == Fp::ONE {
            ones += 1;
        }
    }
    if params.bits >= 64 {
        assert!(ones > 0 && ones < params.bits, "bits look random");
    }
    for owner in 0..n {
        let ms: Vec<_> = ps
            .iter_mut()
            .map(|p| p.input_masks(owner, params.input_masks).unwrap())
            .collect();
        let shares: Vec<_> = ms.iter().map(|m| m.shares.clone()).collect();
        for (i, m) in ms.iter().enumerate() {
            assert_eq!(m.clear.is_some(), i == owner);
        }
        let clear = ms[owner].clear.as_ref().unwrap();
        assert_eq!(clear.len(), params.input_masks);
        for (h, &r) in clear.iter().enumerate() {
            assert_eq!(open(&shares, alpha, h), r, "mask {h} of {owner}");
        }
    }
    // Handed out once.
    for p in &mut ps {
        assert!(p.triples(1).is_err());
    }
}

fn params(triples: usize, batch: usize) -> Params {
    Params {
        triples,
        squares: 50,
        bits: 100,
        input_masks: 20,
        batch_size: batch,
        threads: 1,
        ..Params::default()
    }
}

#[test]
fn two_parties_small_batches_edge_sizes() {
    // Batch sizes around the total: batch − 1, batch, batch + 1.
    for triples in [0, 1, 7, 8, 9] {
        let p = Params {
            triples,
            squares: 1,
            bits: 1,
            input_masks: 1,
            batch_size: 10,
            threads: 1,
            ..Params::default()
        };
        let ps = run(2, &p);
        check_all(2, &p, ps);
    }
}

/// Every τ in range gives correct authenticated material (τ = 3, MP-SPDZ's setting; 4 the
/// default; 8 the maximum); a τ out of range is the caller's mistake.
#[test]
fn every_tau_in_range_works_and_others_are_refused() {
    for tau in [3, 4, 8] {
        let p = Params {
            triples: 9,
            squares: 2,
            bits: 2,
            input_masks: 1,
            batch_size: 8,
            tau,
            ..Params::default()
        };
        let ps = run(2, &p);
        check_all(2, &p, ps);
    }
    assert_eq!(Params::default().tau, 4);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for tau in [0, 2, 9] {
        let p = Params {
            triples: 1,
            tau,
            ..Params::default()
        };
        let t = MemoryTransport::mesh(2).into_iter().next().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let r = rt.block_on(generate::<Fp, _, _>(&t, &p, None, &mut rng));
        assert!(
            matches!(r, Err(spdz::offline::OfflineError::ApiMisuse(_))),
            "tau {tau}: {:?}",
            r.err()
        );
    }
}

#[test]
fn only_masks_or_nothing() {
    for masks in [0, 3] {
        let p = Params {
            triples: 0,
            squares: 0,
            bits: 0,
            input_masks: masks,
            batch_size: 8,
            threads: 1,
            ..Params::default()
        };
        let ps = run(2, &p);
        check_all(2, &p, ps);
    }
}

#[test]
fn two_parties_100k_triples() {
    let p = Params {
        threads: 2,
        ..params(100_000, 2048)
    };
    let ps = run(2, &p);
    check_all(2, &p, ps);
}

#[test]
fn three_parties() {
    let p = Params {
        threads: 2,
        ..params(5_000, 1024)
    };
    let ps = run(3, &p);
    check_all(3, &p, ps);
}

#[test]
fn five_parties() {
    let p = params(1_000, 512);
    let ps = run(5, &p);
    check_all(5, &p, ps);
}

#[test]
#[ignore = "full size: 10^5 triples for 3 parties (slow on 2 cores)"]
fn three_parties_100k_triples() {
    let p = Params {
        threads: 2,
        ..params(100_000, 2048)
    };
    let ps = run(3, &p);
    check_all(3, &p, ps);
}

#[test]
#[ignore = "full size: 10^5 triples for 5 parties (slow on 2 cores)"]
fn five_parties_100k_triples() {
    let p = Params {
        threads: 2,
        ..params(100_000, 2048)
    };
    let ps = run(5, &p);
    check_all(5, &p, ps);
}

/// The progress counter of `generate_with_progress` ends at exactly the triples asked for,
/// counted batch by batch over several workers.
#[test]
fn progress_counts_every_checked_triple() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use spdz::net::Transport;
    use spdz::offline::generate_with_progress;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let counters: Vec<Arc<AtomicUsize>> = (0..2).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    rt.block_on(async {
        let tasks: Vec<_> = MemoryTransport::mesh(2)
            .into_iter()
            .map(|t| {
                let progress = Arc::clone(&counters[t.id()]);
                tokio::spawn(async move {
                    let params = Params {
                        triples: 70,
                        batch_size: 16,
                        threads: 2,
                        ..Params::default()
                    };
                    let mut rng =
                        <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(
                            t.id() as u64
                        );
                    generate_with_progress::<spdz::field::Fp, _, _>(
                        &t,
                        &params,
                        None,
                        &mut rng,
                        Some(progress),
                    )
                    .await
                    .map(|_| ())
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    });
    for c in &counters {
        assert_eq!(c.load(Ordering::Relaxed), 70);
    }
}
