//! Random arithmetic circuits over the inputs of all parties, n ∈ {2, 3}: the revealed
//! outputs equal the plaintext evaluation exactly in F_p, and the preprocessing drawn equals
//! what the circuit needs. Also: edge sizes, the automatic MAC check at the pending bound,
//! malformed messages from a peer.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may unwrap

mod online_common;

use online_common::{make_parties, run_all};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use spdz::field::{Field, Fp};
use spdz::net::{MemoryTransport, Step, Transport};
use spdz::online::party::STEP_BASE;
use spdz::online::{Budget, OnlineError, Party, Shared};
use spdz_insecure_test_dealer::insecure_dealer;

const LANES: usize = 5;

#[derive(Clone, Copy, Debug)]
enum Gate {
    Add(usize, usize),
    Sub(usize, usize),
    Neg(usize),
    Mul(usize, usize),
    Square(usize),
    MulPublic(usize, u64),
    AddPublic(usize, u64),
}

#[derive(Clone, Debug)]
struct Circuit {
    inputs: Vec<Vec<Fp>>,
    gates: Vec<Gate>,
}

fn random_circuit(parties: usize, gates: usize, seed: u64) -> Circuit {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let inputs: Vec<Vec<Fp>> = (0..parties)
        .map(|_| (0..LANES).map(|_| Fp::random(&mut rng)).collect())
        .collect();
    let mut out = Vec::new();
    for wires in parties..parties + gates {
        let a = rng.next_u32() as usize % wires;
        let b = rng.next_u32() as usize % wires;
        let c = u64::from(rng.next_u32());
        out.push(match rng.next_u32() % 7 {
            0 => Gate::Add(a, b),
            1 => Gate::Sub(a, b),
            2 => Gate::Neg(a),
            3 | 4 => Gate::Mul(a, b),
            5 => Gate::Square(a),
            _ if c % 2 == 0 => Gate::MulPublic(a, c),
            _ => Gate::AddPublic(a, c),
        });
    }
    Circuit { inputs, gates: out }
}

fn plain(c: &Circuit) -> Vec<Fp> {
    let mut w: Vec<Vec<Fp>> = c.inputs.clone();
    for g in &c.gates {
        let v: Vec<Fp> = (0..LANES)
            .map(|l| match *g {
                Gate::Add(a, b) => w[a][l] + w[b][l],
                Gate::Sub(a, b) => w[a][l] - w[b][l],
                Gate::Neg(a) => -w[a][l],
                Gate::Mul(a, b) => w[a][l] * w[b][l],
                Gate::Square(a) => w[a][l] * w[a][l],
                Gate::MulPublic(a, c) => w[a][l] * Fp::from_u64(c),
                Gate::AddPublic(a, c) => w[a][l] + Fp::from_u64(c),
            })
            .collect();
        w.push(v);
    }
    w.concat()
}

fn expected_budget(c: &Circuit, parties: usize) -> Budget {
    let mut b = Budget::zero();
    for j in 0..parties {
        b = b + Budget::input_masks(j, LANES);
    }
    for g in &c.gates {
        match g {
            Gate::Mul(..) => b = b + Budget::triples(LANES),
            Gate::Square(_) => b = b + Budget::squares(LANES),
            _ => {}
        }
    }
    b
}

async fn evaluate(
    mut p: online_common::TestParty,
    c: Circuit,
) -> Result<(Vec<Fp>, Budget), OnlineError> {
    let me = p.id();
    let mut w: Vec<Shared<Fp>> = Vec::new();
    for j in 0..p.parties() {
        let mine = (j == me).then(|| c.inputs[j].clone());
        w.push(p.input(j, mine.as_deref(), LANES).await?);
    }
    for g in &c.gates {
        let v = match *g {
            Gate::Add(a, b) => &w[a] + &w[b],
            Gate::Sub(a, b) => &w[a] - &w[b],
            Gate::Neg(a) => -&w[a],
            Gate::Mul(a, b) => {
                let (x, y) = (w[a].clone(), w[b].clone());
                p.mul(&x, &y).await?
            }
            Gate::Square(a) => {
                let x = w[a].clone();
                p.square(&x).await?
            }
            Gate::MulPublic(a, c) => w[a].scale(Fp::from_u64(c)),
            Gate::AddPublic(a, c) => p.add_public_scalar(&w[a], Fp::from_u64(c))?,
        };
        w.push(v);
    }
    let all = Shared::concat(&w.iter().collect::<Vec<_>>());
    let out = p.reveal(&all).await?;
    Ok((out.into_vec(), p.consumed().clone()))
}

async fn check_random_circuits(parties: usize) {
    for seed in 0..6u64 {
        let c = random_circuit(parties, 30, seed * 31 + parties as u64);
        let want = plain(&c);
        let budget = expected_budget(&c, parties);
        let cc = c.clone();
        let results = run_all(make_parties(parties, seed, None), move |p| {
            evaluate(p, cc.clone())
        })
        .await;
        for r in results {
            let (got, used) = r.unwrap();
            assert_eq!(got, want, "seed {seed}");
            assert_eq!(used, budget, "seed {seed}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_circuits_two_parties() {
    check_random_circuits(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_circuits_three_parties() {
    check_random_circuits(3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_zero_one_and_dot() {
    let results = run_all(make_parties(3, 7, None), |mut p| async move {
        let me = p.id();
        let mut outs = Vec::new();
        for n in [0usize, 1, 2, 17] {
            let xs: Vec<Fp> = (0..n as u64).map(|i| Fp::from_u64(i + 3)).collect();
            let x = p.input(0, (me == 0).then_some(&xs[..]), n).await?;
            let y = p.input(2, (me == 2).then_some(&xs[..]), n).await?;
            let z = p.mul(&x, &y).await?;
            let d = p.dot(&x, &y).await?;
            let s = p.square(&x).await?;
            outs.push(p.reveal(&Shared::concat(&[&z, &d, &s])).await?.into_vec());
        }
        Ok::<_, OnlineError>(outs)
    })
    .await;
    for r in results {
        let outs = r.unwrap();
        for (i, n) in [0usize, 1, 2, 17].into_iter().enumerate() {
            let sq: Vec<Fp> = (0..n as u64)
                .map(|i| Fp::from_u64((i + 3) * (i + 3)))
                .collect();
            let dot = sq.iter().fold(Fp::ZERO, |a, &b| a + b);
            let mut want = sq.clone();
            want.push(dot);
            want.extend(sq);
            assert_eq!(outs[i], want);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_bound_triggers_the_check() {
    let parties: Vec<_> = make_parties(2, 11, None)
        .into_iter()
        .map(|p| p.with_check_bound(8))
        .collect();
    let results = run_all(parties, |mut p| async move {
        let x = p.public(&[Fp::from_u64(3); 3])?;
        let mut y = x.clone();
        let mut max_pending = 0;
        for _ in 0..5 {
            y = p.mul(&y, &x).await?; // 6 opened values per multiplication
            max_pending = max_pending.max(p.pending_len());
        }
        let out = p.reveal(&y).await?;
        Ok::<_, OnlineError>((out.into_vec(), max_pending, p.pending_len()))
    })
    .await;
    for r in results {
        let (out, max_pending, after) = r.unwrap();
        assert_eq!(out, vec![Fp::from_u64(729); 3]);
        assert!(
            max_pending <= 8,
            "pending list grew past the bound: {max_pending}"
        );
        assert_eq!(after, 0);
    }
}

/// Party 0 honest; party 1 is a raw transport that sends `payload` in party 0's first round.
async fn honest_vs_raw(payload: Vec<u8>, op: &'static str) -> OnlineError {
    let mut mesh = MemoryTransport::mesh(2);
    let raw = mesh.pop().unwrap();
    let t0 = mesh.pop().unwrap();
    let d0 = insecure_dealer::<Fp>(2, 5).into_iter().next().unwrap();
    let mut p0 = Party::new(t0, d0, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let fake = tokio::spawn(async move {
        let step = Step::new(STEP_BASE);
        match op {
            "input" => raw.send(0, step, payload).await.unwrap(),
            _ => {
                let _ = raw.exchange_all(step, payload).await;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    });
    let err = match op {
        "input" => p0.input(1, None, 2).await.unwrap_err(),
        _ => {
            let x = p0.public(&[Fp::from_u64(1), Fp::from_u64(2)]).unwrap();
            p0.reveal(&x).await.unwrap_err()
        }
    };
    fake.await.unwrap();
    // Poisoned: every later call returns the abort, nothing is released.
    let x = Shared::zeros(1);
    assert!(matches!(
        p0.reveal(&x).await,
        Err(OnlineError::Aborted { .. })
    ));
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_errors_not_panics() {
    // Wrong length of opened shares.
    let e = honest_vs_raw(vec![0u8; 3], "open").await;
    assert!(
        matches!(e, OnlineError::MalformedMessage { from: 1, .. }),
        "{e:?}"
    );
    // A field element ≥ p.
    let e = honest_vs_raw(vec![0xFF; 32], "open").await;
    assert!(
        matches!(e, OnlineError::MalformedMessage { from: 1, .. }),
        "{e:?}"
    );
    // A masked input of the wrong length, and one with an element ≥ p.
    let e = honest_vs_raw(vec![0u8; 31], "input").await;
    assert!(
        matches!(
            e,
            OnlineError::MalformedMessage {
                from: 1,
                what: "masked input"
            }
        ),
        "{e:?}"
    );
    let e = honest_vs_raw(vec![0xFF; 32], "input").await;
    assert!(
        matches!(
            e,
            OnlineError::MalformedMessage {
                from: 1,
                what: "masked input"
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_digest_length_is_malformed() {
    let mut mesh = MemoryTransport::mesh(2);
    let raw = mesh.pop().unwrap();
    let t0 = mesh.pop().unwrap();
    let d0 = insecure_dealer::<Fp>(2, 5).into_iter().next().unwrap();
    let mut p0 = Party::new(t0, d0, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let xs = [Fp::from_u64(9)];
    let fake = tokio::spawn(async move {
        let _ = raw.recv(0, Step::new(STEP_BASE)).await.unwrap();
        let _ = raw
            .exchange_all(Step::new(STEP_BASE + 1), vec![1u8; 31])
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    });
    let _x = p0.input(0, Some(&xs), 1).await.unwrap();
    let e = p0.check().await.unwrap_err();
    fake.await.unwrap();
    assert!(
        matches!(
            e,
            OnlineError::MalformedMessage {
                from: 1,
                what: "broadcast digest"
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn api_misuse_does_not_poison() {
    let mut ps = make_parties(2, 3, None);
    let mut p = ps.remove(0);
    let a = Shared::<Fp>::zeros(2);
    let b = Shared::<Fp>::zeros(3);
    assert!(matches!(
        p.mul(&a, &b).await,
        Err(OnlineError::ApiMisuse { .. })
    ));
    assert!(matches!(
        p.input(5, None, 1).await,
        Err(OnlineError::ApiMisuse { .. })
    ));
    assert!(matches!(
        p.input(0, None, 1).await,
        Err(OnlineError::ApiMisuse { .. })
    ));
    assert!(matches!(
        p.add_public(&a, &[Fp::ONE]),
        Err(OnlineError::ApiMisuse { .. })
    ));
    assert!(p.abort_reason().is_none());
    // Shares never print their contents.
    assert_eq!(format!("{a:?}"), "Shared { len: 2, .. }");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_output_reaches_only_its_owner() {
    let results = run_all(make_parties(3, 21, None), |mut p| async move {
        let x = p.public(&[Fp::from_u64(6), Fp::from_u64(7)])?;
        let y = p.mul(&x, &x).await?;
        let before = p.consumed().clone();
        let out = p.reveal_to(1, &y).await?;
        assert_eq!(p.consumed().clone(), before + Budget::input_masks(1, 2));
        Ok::<_, OnlineError>(out.map(|o| o.into_vec()))
    })
    .await;
    for (id, r) in results.into_iter().enumerate() {
        let r = r.unwrap();
        if id == 1 {
            assert_eq!(r, Some(vec![Fp::from_u64(36), Fp::from_u64(49)]));
        } else {
            assert_eq!(r, None);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_multiplications_reports_one_round_and_32_bytes() {
    let parties: Vec<_> = make_parties(2, 8, None);
    let results = run_all(parties, |mut p| async move {
        spdz::online::run_multiplications(&mut p, 1000).await
    })
    .await;
    for r in results {
        let r = r.unwrap();
        assert!(r.verified);
        assert_eq!(r.count, 1000);
        // 1 multiplication round; Π_MACCheck over ε‖δ before the output is opened (4 rounds:
        // coins, σ); 1 output round; Π_MACCheck over the one output value (2 rounds: σ, no
        // coins for a single value).
        assert_eq!(r.rounds, 8, "{r:?}");
        let per_mult = r.bytes_sent as f64 / 1000.0;
        assert!(
            (32.0..33.0).contains(&per_mult),
            "{per_mult} bytes per multiplication"
        );
    }
}
