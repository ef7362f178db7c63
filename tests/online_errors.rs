//! Every error of the online phase that peers or the preprocessing source can cause, each
//! provoked by a real deviation (a dropped peer, a garbage frame inside Π_MACCheck, an empty
//! or short preprocessing source), with the exact variant and the poisoning asserted.
//! (MAC check failures, broadcast inconsistency and malformed shares/inputs/digests are in
//! `adversarial_online.rs` and `online_circuits.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may unwrap

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz::field::{Field, Fp};
use spdz::net::{MemoryTransport, NetError, PartyId, Step, Transport};
use spdz::offline::{
    AuthShares, InputMasks, MacKeyShare, MemoryPreprocessing, OfflineError, Preprocessing, Triples,
    steps,
};
use spdz::online::party::STEP_BASE;
use spdz::online::{AbortReason, OnlineError, Party, Shared};
use spdz_insecure_test_dealer::{InsecureDealerSource, insecure_dealer};

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(3)
}

async fn assert_poisoned<T: Transport, P: Preprocessing<Fp>>(
    p: &mut Party<T, P, Fp>,
    reason: AbortReason,
) {
    let r = p.reveal(&Shared::zeros(1)).await;
    assert!(
        matches!(r, Err(OnlineError::Aborted { reason: got }) if got == reason),
        "{r:?}"
    );
    assert_eq!(p.abort_reason(), Some(reason));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disconnected_peer_is_a_network_abort() {
    let mut mesh = MemoryTransport::mesh(2);
    drop(mesh.pop());
    let t0 = mesh.pop().unwrap();
    let d0 = insecure_dealer::<Fp>(2, 1).into_iter().next().unwrap();
    let mut p = Party::new(t0, d0, &mut rng()).unwrap();
    let x = p.public(&[Fp::ONE, Fp::ONE]).unwrap();
    let e = p.mul(&x, &x).await.unwrap_err();
    assert!(
        matches!(e, OnlineError::Net(NetError::PeerDisconnected { peer: 1 })),
        "{e:?}"
    );
    assert_poisoned(&mut p, AbortReason::Network).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_inside_the_mac_check_is_an_offline_check_abort() {
    let mut mesh = MemoryTransport::mesh(2);
    let raw = mesh.pop().unwrap();
    let t0 = mesh.pop().unwrap();
    let d0 = insecure_dealer::<Fp>(2, 1).into_iter().next().unwrap();
    let mut p = Party::new(t0, d0, &mut rng()).unwrap();
    let fake = tokio::spawn(async move {
        // Party 1's share of a public vector is 0: a valid opening...
        let _ = raw.exchange_all(Step::new(STEP_BASE), vec![0u8; 32]).await;
        // ...then a garbage frame where Π_MACCheck's coin-tossing commitment belongs.
        let _ = raw.exchange_all(steps::COIN_COMMIT, vec![1, 2, 3]).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    });
    let x = p.public(&[Fp::from_u64(4), Fp::from_u64(5)]).unwrap();
    let e = p.reveal(&x).await.unwrap_err();
    fake.await.unwrap();
    assert!(
        matches!(
            e,
            OnlineError::Offline(OfflineError::MalformedMessage { from: 1, .. })
        ),
        "{e:?}"
    );
    assert_poisoned(&mut p, AbortReason::OfflineCheck).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_preprocessing_aborts_before_sending() {
    let mut mesh = MemoryTransport::mesh(2);
    let t1 = mesh.pop().unwrap();
    let t0 = mesh.pop().unwrap();
    let empty = MemoryPreprocessing::<Fp>::new(0, 2, MacKeyShare::random(&mut rng())).unwrap();
    let mut p = Party::new(t0, empty, &mut rng()).unwrap();
    let x = p.public(&[Fp::ONE]).unwrap();
    let e = p.mul(&x, &x).await.unwrap_err();
    assert!(
        matches!(
            e,
            OnlineError::Preprocessing(OfflineError::Exhausted { .. })
        ),
        "{e:?}"
    );
    assert_poisoned(&mut p, AbortReason::Preprocessing).await;
    // Nothing was sent to the peer.
    assert_eq!(t1.stats().total.bytes_received, 0);
}

/// A source that hands out one triple fewer than asked for, and input masks without the
/// owner's clear values.
struct Short(InsecureDealerSource<Fp>);

impl Preprocessing<Fp> for Short {
    fn party(&self) -> PartyId {
        self.0.party()
    }
    fn parties(&self) -> usize {
        self.0.parties()
    }
    fn mac_key_share(&self) -> &MacKeyShare<Fp> {
        self.0.mac_key_share()
    }
    fn triples(&mut self, n: usize) -> Result<Triples<Fp>, OfflineError> {
        let mut t = self.0.triples(n)?;
        Ok(t.take_front(n.saturating_sub(1)))
    }
    fn squares(&mut self, n: usize) -> Result<(AuthShares<Fp>, AuthShares<Fp>), OfflineError> {
        self.0.squares(n)
    }
    fn bits(&mut self, n: usize) -> Result<AuthShares<Fp>, OfflineError> {
        self.0.bits(n)
    }
    fn input_masks(&mut self, owner: PartyId, n: usize) -> Result<InputMasks<Fp>, OfflineError> {
        let mut m = self.0.input_masks(owner, n)?;
        m.clear = None;
        Ok(m)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inconsistent_preprocessing_is_an_error_not_a_panic() {
    for case in ["short triples", "masks without clear values"] {
        let mut mesh = MemoryTransport::mesh(2);
        let _t1 = mesh.pop().unwrap();
        let t0 = mesh.pop().unwrap();
        let d0 = insecure_dealer::<Fp>(2, 1).into_iter().next().unwrap();
        let mut p = Party::new(t0, Short(d0), &mut rng()).unwrap();
        let e = if case == "short triples" {
            let x = p.public(&[Fp::ONE, Fp::ONE]).unwrap();
            p.mul(&x, &x).await.unwrap_err()
        } else {
            p.input(0, Some(&[Fp::ONE]), 1).await.unwrap_err()
        };
        assert!(
            matches!(e, OnlineError::InconsistentPreprocessing { .. }),
            "{case}: {e:?}"
        );
        assert_poisoned(&mut p, AbortReason::Preprocessing).await;
    }
}

#[test]
fn preprocessing_for_another_party_is_refused() {
    let mut mesh = MemoryTransport::mesh(2);
    let t1 = mesh.pop().unwrap();
    let d0 = insecure_dealer::<Fp>(2, 1).into_iter().next().unwrap();
    assert!(matches!(
        Party::new(t1, d0, &mut rng()),
        Err(OnlineError::ApiMisuse { .. })
    ));
}
