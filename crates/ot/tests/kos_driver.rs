//! KOS over the in-memory transport, sender and receiver in their own tokio tasks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use spdz_net::MemoryTransport;
use spdz_ot::kos::{self, BATCH};
#[cfg_attr(not(feature = "adversarial"), allow(unused_imports))] // used by the cheat tests
use spdz_ot::{Block, CotReceiver, CotSender, OtCheat, OtError, RotReceiver, RotSender};

fn pair() -> (MemoryTransport, MemoryTransport) {
    let mut mesh = MemoryTransport::mesh(2).into_iter();
    (mesh.next().unwrap(), mesh.next().unwrap())
}

fn choices(seed: u64, n: usize) -> Vec<bool> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let w = rng.next_u64();
        for k in 0..64.min(n - out.len()) {
            out.push((w >> k) & 1 == 1);
        }
    }
    out
}

/// Setup, then one random-OT call of `n` OTs on each side.
async fn random_ots(
    n: usize,
    cheat: Option<OtCheat>,
) -> (
    Result<Vec<[Block; 2]>, OtError>,
    Result<Vec<Block>, OtError>,
    Vec<bool>,
) {
    let (t0, t1) = pair();
    let c = choices(n as u64, n);
    let c2 = c.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut s = kos::Sender::setup(&t0, 1, &mut rng).await?;
        s.send_random(&t0, n, &mut rng).await
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut r = kos::Receiver::setup_with_cheat(&t1, 0, &mut rng, cheat).await?;
        r.receive_random(&t1, &c2, &mut rng).await
    });
    (s.await.unwrap(), r.await.unwrap(), c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_million_random_ots_match_choices() {
    let n = 1_000_000;
    let (s, r, c) = random_ots(n, None).await;
    let (s, r) = (s.unwrap(), r.unwrap());
    assert_eq!((s.len(), r.len()), (n, n));
    let mut wrong = 0usize;
    for ((pair, got), &b) in s.iter().zip(&r).zip(&c) {
        wrong += usize::from(*got != pair[usize::from(b)] || *got == pair[usize::from(!b)]);
    }
    assert_eq!(wrong, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlated_ots_at_batch_edges_via_traits() {
    let (t0, t1) = pair();
    let sizes = [0usize, 1, BATCH - 1, BATCH, BATCH + 1];
    let all: Vec<Vec<bool>> = sizes.iter().map(|&n| choices(n as u64 + 7, n)).collect();
    let all2 = all.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut s = kos::Sender::setup(&t0, 1, &mut rng).await.unwrap();
        let mut outs = Vec::new();
        for n in sizes {
            outs.push(
                CotSender::send_correlated(&mut s, &t0, n, &mut rng)
                    .await
                    .unwrap(),
            );
        }
        (CotSender::dangerous_delta(&s).unwrap(), outs)
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut r = kos::Receiver::setup(&t1, 0, &mut rng).await.unwrap();
        let mut outs = Vec::new();
        for c in &all2 {
            outs.push(
                CotReceiver::receive_correlated(&mut r, &t1, c, &mut rng)
                    .await
                    .unwrap(),
            );
        }
        outs
    });
    let (delta, qs) = s.await.unwrap();
    let ts = r.await.unwrap();
    for ((q, t), c) in qs.iter().zip(&ts).zip(&all) {
        assert_eq!((q.len(), t.len()), (c.len(), c.len()));
        for ((q, t), &b) in q.iter().zip(t).zip(c) {
            assert_eq!(*t, if b { *q ^ delta } else { *q });
        }
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inconsistent_receiver_is_caught_and_sender_is_poisoned() {
    let (t0, t1) = pair();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut s = kos::Sender::setup(&t0, 1, &mut rng).await.unwrap();
        let first = RotSender::send_random(&mut s, &t0, 1000, &mut rng).await;
        let second = s.send_random(&t0, 10, &mut rng).await;
        (first, second, s.dangerous_delta())
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let mut r = kos::Receiver::setup_with_cheat(
            &t1,
            0,
            &mut rng,
            Some(OtCheat::InconsistentChoiceBits),
        )
        .await
        .unwrap();
        RotReceiver::receive_random(&mut r, &t1, &vec![true; 1000], &mut rng).await
    });
    let (first, second, delta) = s.await.unwrap();
    assert!(
        matches!(first, Err(OtError::OtConsistencyFailed)),
        "{first:?}"
    );
    assert!(matches!(second, Err(OtError::Poisoned)), "{second:?}");
    assert!(delta.is_none(), "Δ dropped after the abort");
    // The cheater itself saw nothing wrong.
    assert!(r.await.unwrap().is_ok());
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_extension_messages_over_the_wire() {
    for cheat in [OtCheat::TruncatedExtension, OtCheat::OverlongExtension] {
        let (t0, t1) = pair();
        let s = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(7);
            let mut s = kos::Sender::setup(&t0, 1, &mut rng).await.unwrap();
            s.send_correlated(&t0, 300, &mut rng).await
        });
        let r = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(8);
            let mut r = kos::Receiver::setup_with_cheat(&t1, 0, &mut rng, Some(cheat))
                .await
                .unwrap();
            // The sender aborts before answering; don't wait for it.
            tokio::time::timeout(
                std::time::Duration::from_millis(300),
                r.receive_correlated(&t1, &[false; 300], &mut rng),
            )
            .await
        });
        let s = s.await.unwrap();
        assert!(
            matches!(
                s,
                Err(OtError::MalformedMessage {
                    from: 1,
                    what: "KOS extension message length"
                })
            ),
            "{cheat:?}: {s:?}"
        );
        let _ = r.await;
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_ot_cheats_during_setup_are_malformed() {
    for cheat in [OtCheat::NonCanonicalPoint, OtCheat::IdentityPoint] {
        let (t0, t1) = pair();
        let s = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(9);
            kos::Sender::setup(&t0, 1, &mut rng).await
        });
        let r = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(10);
            kos::Receiver::setup_with_cheat(&t1, 0, &mut rng, Some(cheat)).await
        });
        let s = s.await.unwrap();
        assert!(
            matches!(s, Err(OtError::MalformedMessage { from: 1, .. })),
            "{cheat:?}: {s:?}"
        );
        let _ = r.await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_million_correlated_ots_satisfy_the_relation() {
    let n = 1_000_000;
    let (t0, t1) = pair();
    let c = choices(99, n);
    let c2 = c.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let mut s = kos::Sender::setup(&t0, 1, &mut rng).await.unwrap();
        let q = s.send_correlated(&t0, n, &mut rng).await.unwrap();
        (s.dangerous_delta().unwrap(), q)
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let mut r = kos::Receiver::setup(&t1, 0, &mut rng).await.unwrap();
        r.receive_correlated(&t1, &c2, &mut rng).await.unwrap()
    });
    let (delta, q) = s.await.unwrap();
    let t = r.await.unwrap();
    assert_eq!((q.len(), t.len()), (n, n));
    let wrong = q
        .iter()
        .zip(&t)
        .zip(&c)
        .filter(|((q, t), b)| **t != if **b { **q ^ delta } else { **q })
        .count();
    assert_eq!(wrong, 0);
}
