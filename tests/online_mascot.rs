//! End to end with real MASCOT preprocessing (no dealer): the parties run
//! `spdz_offline::generate` for exactly the budget the online computation reports, then
//! compute on it; outputs equal the plaintext evaluation, and a cheater in the online phase is
//! still caught.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may unwrap

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz::field::{Field, Fp};
use spdz::net::{MemoryTransport, Transport};
use spdz::offline::generate::{Params, generate};
use spdz::online::{Budget, Cheat, FixedParams, OnlineError, Party, Shared};

const N: usize = 4;

fn budget(parties: usize) -> Budget {
    let fx = FixedParams::default();
    let mut b = Budget::triples(N) + Budget::squares(N) + fx.cost_fx_mul() * N + fx.cost_ltz() * N;
    for j in 0..parties {
        b = b + Budget::input_masks(j, N);
    }
    b
}

async fn party(t: MemoryTransport, cheat: Option<Cheat>) -> Result<(Vec<Fp>, Budget), OnlineError> {
    let me = t.id();
    let n = t.parties();
    let need = budget(n);
    let params = Params {
        triples: need.triples,
        squares: need.squares,
        bits: need.bits,
        input_masks: N,
        ..Params::default()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(100 + me as u64);
    let (prep, _report) = generate::<Fp, _, _>(&t, &params, None, &mut rng).await?;
    let mut p = Party::new(t, prep, &mut rng)?;
    if let Some(c) = cheat {
        p = p.with_cheat(c);
    }
    let mut xs = Vec::new();
    for j in 0..n {
        let mine: Vec<Fp> = (0..N as u64)
            .map(|i| Fp::from_u64(100 * j as u64 + i + 1))
            .collect();
        xs.push(p.input(j, (j == me).then_some(&mine[..]), N).await?);
    }
    let prod = p.mul(&xs[0], &xs[1]).await?;
    let sq = p.square(&xs[n - 1]).await?;
    let fx = p.fx_mul(&xs[0], &xs[1]).await?; // (i+1)(100+i+1) / 2^16, probabilistically rounded
    let neg = p.ltz(&(&xs[0] - &xs[1])).await?; // always 1
    let out = p
        .reveal(&Shared::concat(&[&prod, &sq, &neg]))
        .await?
        .into_vec();
    let _ = fx;
    Ok((out, p.consumed().clone()))
}

async fn run(
    n: usize,
    cheat: Option<(usize, Cheat)>,
) -> Vec<Result<(Vec<Fp>, Budget), OnlineError>> {
    let handles: Vec<_> = MemoryTransport::mesh(n)
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let c = cheat.and_then(|(who, c)| (who == i).then_some(c));
            tokio::spawn(party(t, c))
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_mascot_preprocessing_two_and_three_parties() {
    for n in [2usize, 3] {
        let results = run(n, None).await;
        let mut want = Vec::new();
        for i in 0..N as u64 {
            want.push(Fp::from_u64((i + 1) * (100 + i + 1)));
        }
        for i in 0..N as u64 {
            let v = 100 * (n as u64 - 1) + i + 1;
            want.push(Fp::from_u64(v * v));
        }
        want.extend(std::iter::repeat_n(Fp::ONE, N));
        for r in results {
            let (out, used) = r.unwrap();
            assert_eq!(out, want, "n = {n}");
            assert_eq!(
                used,
                budget(n),
                "n = {n}: drew exactly the announced budget"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_mascot_preprocessing_catches_a_wrong_share() {
    let results = run(3, Some((2, Cheat::WrongShareOnOpen))).await;
    for r in results.into_iter().take(2) {
        assert!(
            matches!(r, Err(OnlineError::MacCheckFailed { .. })),
            "{r:?}"
        );
    }
}

/// Range-proven fixed-point inputs on real MASCOT preprocessing: every party inputs `N` reals,
/// the budget announced by `FixedParams::cost_input_fixed` is exactly what is drawn, and an
/// out-of-range input is refused naming its owner.
async fn fixed_party(
    t: MemoryTransport,
    cheat: Option<Cheat>,
) -> Result<(Vec<f64>, Budget, Budget), OnlineError> {
    let me = t.id();
    let n = t.parties();
    let fx = FixedParams::default();
    let mut need = fx.cost_fx_mul() * N;
    for j in 0..n {
        need = need + fx.cost_input_fixed(j, N);
    }
    let params = need.mascot_params();
    let mut rng = ChaCha20Rng::seed_from_u64(200 + me as u64);
    let (prep, _report) = generate::<Fp, _, _>(&t, &params, None, &mut rng).await?;
    let mut p = Party::new(t, prep, &mut rng)?;
    if let Some(c) = cheat {
        p = p.with_cheat(c);
    }
    let mine: Vec<f64> = (0..N).map(|i| 0.5 * (me + 1) as f64 - i as f64).collect();
    let specs: Vec<(usize, Option<&[f64]>, usize)> = (0..n)
        .map(|j| (j, (j == me).then_some(&mine[..]), N))
        .collect();
    let xs = p.input_fixed_many(&specs).await?;
    let z = p.fx_mul(&xs[0], &xs[1]).await?;
    let out = p.reveal_fixed(&z).await?;
    Ok((out, p.consumed().clone(), need))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_proven_inputs_on_real_mascot() {
    for n in [2usize, 3] {
        for cheat in [None, Some(n - 1)] {
            let handles: Vec<_> = MemoryTransport::mesh(n)
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    let c = (cheat == Some(i)).then_some(Cheat::InputOutOfRange);
                    tokio::spawn(fixed_party(t, c))
                })
                .collect();
            for (i, h) in handles.into_iter().enumerate() {
                let r = h.await.unwrap();
                match cheat {
                    None => {
                        let (out, used, need) = r.unwrap();
                        assert_eq!(used, need, "n = {n}: drew exactly the announced budget");
                        for (e, v) in out.iter().enumerate() {
                            let want = (0.5 - e as f64) * (1.0 - e as f64);
                            assert!((v - want).abs() <= 2f64.powi(-16), "{v} vs {want}");
                        }
                    }
                    Some(c) if c != i => assert!(
                        matches!(r, Err(OnlineError::InputOutOfRange { from }) if from == c),
                        "n = {n}, party {i}: {r:?}"
                    ),
                    Some(_) => {}
                }
            }
        }
    }
}

/// Measurement, not a check (run by hand: `cargo test --release --test online_mascot --
/// --ignored --nocapture`): MASCOT's time and bytes per item for squares, input masks and
/// triples, two parties in memory, to price the input range proof (K squares + K masks per
/// input).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; prints, asserts nothing about speed"]
async fn price_of_the_range_proof_preprocessing() {
    const M: usize = 20_000;
    for (what, params) in [
        (
            "triples",
            Params {
                triples: M,
                ..Params::default()
            },
        ),
        (
            "squares",
            Params {
                squares: M,
                ..Params::default()
            },
        ),
        (
            "input masks (per owner)",
            Params {
                input_masks: M,
                ..Params::default()
            },
        ),
    ] {
        let start = std::time::Instant::now();
        let handles: Vec<_> = MemoryTransport::mesh(2)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let params = params.clone();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    generate::<Fp, _, _>(&t, &params, None, &mut rng)
                        .await
                        .unwrap();
                    t.stats().total.bytes_sent
                })
            })
            .collect();
        let mut bytes = 0;
        for h in handles {
            bytes = h.await.unwrap();
        }
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{what}: {M} in {secs:.2} s = {:.0}/s, {:.0} bytes sent per item per party",
            M as f64 / secs,
            bytes as f64 / M as f64
        );
    }
}
