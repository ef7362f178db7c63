//! Base OT over the in-memory transport, each party in its own tokio task.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use spdz_net::{MemoryTransport, Transport};
use spdz_ot::{OtCheat, OtError, base};

async fn run(
    n: usize,
    sender_cheat: Option<OtCheat>,
    receiver_cheat: Option<OtCheat>,
) -> (
    Result<Vec<[spdz_ot::Block; 2]>, OtError>,
    Result<Vec<spdz_ot::Block>, OtError>,
    Vec<bool>,
) {
    let mut mesh = MemoryTransport::mesh(2).into_iter();
    let (t0, t1) = (mesh.next().unwrap(), mesh.next().unwrap());
    let mut rng = ChaCha20Rng::seed_from_u64(n as u64);
    let choices: Vec<bool> = (0..n).map(|_| rng.next_u32() & 1 == 1).collect();
    let c2 = choices.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        base::send_with_cheat(&t0, 1, n, &mut rng, sender_cheat).await
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        base::receive_with_cheat(&t1, 0, &c2, &mut rng, receiver_cheat).await
    });
    (s.await.unwrap(), r.await.unwrap(), choices)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_ot_128_over_memory_transport() {
    let (s, r, choices) = run(128, None, None).await;
    let (s, r) = (s.unwrap(), r.unwrap());
    for ((pair, got), c) in s.iter().zip(&r).zip(&choices) {
        assert_eq!(*got, pair[usize::from(*c)]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_ot_sizes() {
    for n in [0usize, 1, 127, 129] {
        let (s, r, choices) = run(n, None, None).await;
        let (s, r) = (s.unwrap(), r.unwrap());
        assert_eq!(s.len(), n);
        for ((pair, got), c) in s.iter().zip(&r).zip(&choices) {
            assert_eq!(*got, pair[usize::from(*c)]);
        }
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_points_from_either_side_are_malformed() {
    for cheat in [OtCheat::NonCanonicalPoint, OtCheat::IdentityPoint] {
        let (_, r, _) = run(8, Some(cheat), None).await;
        assert!(
            matches!(r, Err(OtError::MalformedMessage { from: 0, .. })),
            "{r:?}"
        );
        let (s, _, _) = run(8, None, Some(cheat)).await;
        assert!(
            matches!(s, Err(OtError::MalformedMessage { from: 1, .. })),
            "{s:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_receiver_message_is_malformed() {
    let mut mesh = MemoryTransport::mesh(2).into_iter();
    let (t0, t1) = (mesh.next().unwrap(), mesh.next().unwrap());
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        base::send(&t0, 1, 4, &mut rng).await
    });
    // A raw peer that sends 3 OTs' worth of points instead of 4.
    let _ = t1.recv(0, spdz_ot::steps::BASE_SENDER).await.unwrap();
    t1.send(0, spdz_ot::steps::BASE_RECEIVER, vec![0u8; 3 * 64])
        .await
        .unwrap();
    let s = s.await.unwrap();
    assert!(
        matches!(
            s,
            Err(OtError::MalformedMessage {
                from: 1,
                what: "base-OT receiver message length"
            })
        ),
        "{s:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_as_peer_is_api_misuse() {
    let t0 = MemoryTransport::mesh(2).into_iter().next().unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let e = base::send(&t0, 0, 1, &mut rng).await;
    assert!(matches!(e, Err(OtError::ApiMisuse { .. })));
    let e = base::receive(&t0, 5, &[true], &mut rng).await;
    assert!(matches!(e, Err(OtError::ApiMisuse { .. })));
}
