//! SoftSpokenOT over the in-memory transport, sender and receiver in their own tokio tasks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use spdz_net::MemoryTransport;
use spdz_ot::softspoken::{self, BATCH, SoftSpoken};
#[cfg_attr(not(feature = "adversarial"), allow(unused_imports))] // used by the cheat tests
use spdz_ot::{
    Block, CotReceiver, CotSender, OtCheat, OtError, RotExtension, RotReceiver, RotSender,
};

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

type RandomOts = (
    Result<Vec<[Block; 2]>, OtError>,
    Result<Vec<Block>, OtError>,
    Vec<bool>,
);

/// Setup through [`RotExtension`] (as MASCOT does), then one random-OT call on each side.
async fn random_ots<E>(n: usize, cheat: Option<OtCheat>) -> RandomOts
where
    E: RotExtension + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let (t0, t1) = pair();
    let c = choices(n as u64, n);
    let c2 = c.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut s = E::setup_sender(&t0, 1, &mut rng, None).await?;
        s.send_random(&t0, n, &mut rng).await
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut r = E::setup_receiver(&t1, 0, &mut rng, cheat).await?;
        r.receive_random(&t1, &c2, &mut rng).await
    });
    (s.await.unwrap(), r.await.unwrap(), c)
}

fn assert_random_ots(s: &[[Block; 2]], r: &[Block], c: &[bool]) {
    assert_eq!((s.len(), r.len()), (c.len(), c.len()));
    let mut wrong = 0usize;
    for ((pair, got), &b) in s.iter().zip(r).zip(c) {
        wrong += usize::from(*got != pair[usize::from(b)] || *got == pair[usize::from(!b)]);
    }
    assert_eq!(wrong, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_ots_match_choices_for_k_2_4_8() {
    // Over a batch boundary, not a multiple of 128.
    let n = BATCH + 1000 + 77;
    let (s, r, c) = random_ots::<SoftSpoken<2>>(n, None).await;
    assert_random_ots(&s.unwrap(), &r.unwrap(), &c);
    let (s, r, c) = random_ots::<SoftSpoken<4>>(n, None).await;
    assert_random_ots(&s.unwrap(), &r.unwrap(), &c);
    let (s, r, c) = random_ots::<SoftSpoken<8>>(5000 + 3, None).await;
    assert_random_ots(&s.unwrap(), &r.unwrap(), &c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_k_is_api_misuse() {
    let (s, r, _) = random_ots::<SoftSpoken<3>>(10, None).await;
    assert!(matches!(s, Err(OtError::ApiMisuse { .. })), "{s:?}");
    assert!(matches!(r, Err(OtError::ApiMisuse { .. })), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlated_ots_at_batch_edges_via_traits() {
    let (t0, t1) = pair();
    let sizes = [0usize, 1, BATCH - 1, BATCH, BATCH + 1];
    let all: Vec<Vec<bool>> = sizes.iter().map(|&n| choices(n as u64 + 7, n)).collect();
    let all2 = all.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut s = softspoken::Sender::<4>::setup(&t0, 1, &mut rng)
            .await
            .unwrap();
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
        let mut r = softspoken::Receiver::<4>::setup(&t1, 0, &mut rng)
            .await
            .unwrap();
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
        let mut s = softspoken::Sender::<4>::setup(&t0, 1, &mut rng)
            .await
            .unwrap();
        let first = RotSender::send_random(&mut s, &t0, 1000, &mut rng).await;
        let second = s.send_random(&t0, 10, &mut rng).await;
        (first, second, s.dangerous_delta())
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let mut r = softspoken::Receiver::<4>::setup_with_cheat(
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
    assert!(r.await.unwrap().is_ok());
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inconsistent_pprf_is_caught_at_setup() {
    let (t0, t1) = pair();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        softspoken::Sender::<8>::setup(&t0, 1, &mut rng).await
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        softspoken::Receiver::<8>::setup_with_cheat(
            &t1,
            0,
            &mut rng,
            Some(OtCheat::PprfInconsistentCorrection),
        )
        .await
    });
    let s = s.await.unwrap();
    assert!(matches!(s, Err(OtError::PprfConsistencyFailed)), "{s:?}");
    assert!(r.await.unwrap().is_ok());
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_extension_messages_over_the_wire() {
    for cheat in [OtCheat::TruncatedExtension, OtCheat::OverlongExtension] {
        let (t0, t1) = pair();
        let s = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(9);
            let mut s = softspoken::Sender::<2>::setup(&t0, 1, &mut rng)
                .await
                .unwrap();
            s.send_correlated(&t0, 300, &mut rng).await
        });
        let r = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(10);
            let mut r = softspoken::Receiver::<2>::setup_with_cheat(&t1, 0, &mut rng, Some(cheat))
                .await
                .unwrap();
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
                    what: "SoftSpokenOT extension message length"
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
            let mut rng = ChaCha20Rng::seed_from_u64(11);
            softspoken::Sender::<4>::setup(&t0, 1, &mut rng).await
        });
        let r = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(12);
            tokio::time::timeout(
                std::time::Duration::from_millis(300),
                softspoken::Receiver::<4>::setup_with_cheat(&t1, 0, &mut rng, Some(cheat)),
            )
            .await
        });
        let s = s.await.unwrap();
        assert!(
            matches!(s, Err(OtError::MalformedMessage { from: 1, .. })),
            "{cheat:?}: {s:?}"
        );
        let _ = r.await;
    }
}
