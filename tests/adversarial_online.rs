//! The online phase's adversarial matrix: every named cheat × every cheater position ×
//! n ∈ {2, 3}. Every honest party must abort with the error of the check that catches the
//! cheat, release no output, and stay poisoned (every later call returns the abort).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may unwrap

mod online_common;

use online_common::{make_parties, run_all};
use spdz::field::{Field, Fp};
use spdz::online::{AbortReason, Cheat, OnlineError, Shared};

/// The abort every honest party must see for each cheat with `n` parties: the check that
/// catches it.
fn reason(cheat: Cheat, n: usize) -> AbortReason {
    match cheat {
        Cheat::WrongShareOnOpen
        | Cheat::WrongMacShareInCheck
        | Cheat::ShiftEpsilon
        | Cheat::ShiftDelta => AbortReason::MacCheckFailed,
        Cheat::EquivocateInput => AbortReason::BroadcastInconsistent,
        // With two parties the cheater's digest agrees with the only peer's; the MACs don't.
        Cheat::EquivocateInputAndDigest if n == 2 => AbortReason::MacCheckFailed,
        Cheat::EquivocateInputAndDigest => AbortReason::BroadcastInconsistent,
        _ => panic!("no expectation for {cheat:?}"),
    }
}

fn expected(cheat: Cheat, n: usize, e: &OnlineError) -> bool {
    match reason(cheat, n) {
        AbortReason::MacCheckFailed => matches!(e, OnlineError::MacCheckFailed { .. }),
        AbortReason::BroadcastInconsistent => {
            matches!(e, OnlineError::BroadcastInconsistent { .. })
        }
        _ => false,
    }
}

/// Every party inputs 3 values, the inputs are multiplied and summed, and the result revealed.
async fn program(
    mut p: online_common::TestParty,
) -> (Result<Vec<Fp>, OnlineError>, Result<(), OnlineError>) {
    let me = p.id();
    let n = p.parties();
    let run = async {
        let mut acc: Option<Shared<Fp>> = None;
        let mut sum = Shared::zeros(3);
        for j in 0..n {
            let mine: Vec<Fp> = (0..3)
                .map(|i| Fp::from_u64(10 * j as u64 + i + 1))
                .collect();
            let x = p.input(j, (j == me).then_some(&mine[..]), 3).await?;
            sum = &sum + &x;
            acc = Some(match acc {
                None => x,
                Some(a) => p.mul(&a, &x).await?,
            });
        }
        let out = &acc.unwrap_or_else(|| Shared::zeros(3)) + &sum;
        Ok(p.reveal(&out).await?.into_vec())
    };
    let result = run.await;
    // After the first result, the handle must refuse everything if it aborted.
    let after = p.reveal(&Shared::zeros(1)).await.map(|_| ());
    (result, after)
}

async fn matrix(n: usize) {
    // This program multiplies integer inputs; the fixed-point and comparison cheats have
    // their own matrix in `adversarial_privacy.rs`.
    for cheat in Cheat::ALL
        .into_iter()
        .filter(|c| c.applies_to_integer_programs())
    {
        for cheater in 0..n {
            let seed = 1000 + 10 * n as u64 + cheater as u64;
            let results = run_all(make_parties(n, seed, Some((cheater, cheat))), program).await;
            for (id, (result, after)) in results.into_iter().enumerate() {
                if id == cheater {
                    continue;
                }
                let err = match result {
                    Ok(v) => {
                        panic!("{cheat:?} by {cheater} (n = {n}): honest party {id} output {v:?}")
                    }
                    Err(e) => e,
                };
                assert!(
                    expected(cheat, n, &err),
                    "{cheat:?} by {cheater} (n = {n}): honest party {id} got {err:?}"
                );
                assert!(
                    matches!(after, Err(OnlineError::Aborted { reason: r }) if r == reason(cheat, n)),
                    "{cheat:?} by {cheater} (n = {n}): party {id} not poisoned: {after:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cheat_every_cheater_two_parties() {
    matrix(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cheat_every_cheater_three_parties() {
    matrix(3).await;
}

/// Without a cheat the same program outputs the right value everywhere (so the matrix tests
/// fail for the cheats, not for the program).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_run_outputs() {
    for n in [2usize, 3] {
        let results = run_all(make_parties(n, 77, None), program).await;
        let want: Vec<Fp> = (0..3u64)
            .map(|i| {
                let xs: Vec<u64> = (0..n as u64).map(|j| 10 * j + i + 1).collect();
                Fp::from_u64(xs.iter().product::<u64>() + xs.iter().sum::<u64>())
            })
            .collect();
        for (result, after) in results {
            assert_eq!(result.unwrap(), want);
            assert!(after.is_ok());
        }
    }
}

/// A private output is checked like a public one: a wrong share in its opening makes the
/// owner (and everyone) abort, and the owner receives nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_output_under_a_wrong_share() {
    for n in [2usize, 3] {
        let cheater = n - 1;
        let parties = make_parties(n, 31, Some((cheater, Cheat::WrongShareOnOpen)));
        let results = run_all(parties, |mut p| async move {
            let x = p.public(&[Fp::from_u64(6)])?;
            p.reveal_to(0, &x).await
        })
        .await;
        for (id, r) in results.into_iter().enumerate() {
            if id != cheater {
                assert!(
                    matches!(r, Err(OnlineError::MacCheckFailed { .. })),
                    "n = {n}, party {id}: {r:?}"
                );
            }
        }
    }
}
