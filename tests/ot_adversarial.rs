//! OT adversarial matrix: every named OT cheat × the role that can apply it × cheater id ∈ {0, 1},
//! for both extensions (KOS and SoftSpokenOT with k = 4).
//! The honest party must abort with the exact error and output nothing; nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_net::MemoryTransport;
use spdz_ot::softspoken::SoftSpoken;
use spdz_ot::{OtCheat, OtError, RotExtension, RotReceiver, RotSender, kos};

#[derive(Clone, Copy, Debug)]
enum Role {
    /// The cheater is the KOS extension receiver (base-OT sender).
    Receiver,
    /// The cheater is the KOS extension sender (base-OT receiver).
    Sender,
}

fn expected(cheat: OtCheat, cheater: usize, err: &OtError) -> bool {
    match cheat {
        OtCheat::InconsistentChoiceBits => matches!(err, OtError::OtConsistencyFailed),
        OtCheat::PprfInconsistentCorrection => matches!(err, OtError::PprfConsistencyFailed),
        _ => matches!(err, OtError::MalformedMessage { from, .. } if *from == cheater),
    }
}

/// Runs setup + 2000 random OTs of extension `E`; returns the honest party's result.
async fn run<E>(cheat: OtCheat, role: Role, cheater: usize) -> Result<usize, OtError>
where
    E: RotExtension + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let honest = 1 - cheater;
    let mesh = MemoryTransport::mesh(2);
    let (tc, th) = (mesh[cheater].clone(), mesh[honest].clone());
    let n = 2000;
    let choices = vec![true; n];
    match role {
        Role::Receiver => {
            let bad = tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(1);
                let mut r = E::setup_receiver(&tc, honest, &mut rng, Some(cheat)).await?;
                r.receive_random(&tc, &choices, &mut rng).await
            });
            let mut rng = ChaCha20Rng::seed_from_u64(2);
            let out = async {
                let mut s = E::setup_sender(&th, cheater, &mut rng, None).await?;
                s.send_random(&th, n, &mut rng).await
            }
            .await;
            bad.abort();
            out.map(|v| v.len())
        }
        Role::Sender => {
            let bad = tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(3);
                let mut s = E::setup_sender(&tc, honest, &mut rng, Some(cheat)).await?;
                s.send_random(&tc, n, &mut rng).await
            });
            let mut rng = ChaCha20Rng::seed_from_u64(4);
            let out = async {
                let mut r = E::setup_receiver(&th, cheater, &mut rng, None).await?;
                r.receive_random(&th, &choices, &mut rng).await
            }
            .await;
            bad.abort();
            out.map(|v| v.len())
        }
    }
}

/// The matrix for one extension; `applies` says which cheats it has a message for.
async fn matrix<E>(applies: impl Fn(OtCheat) -> bool) -> usize
where
    E: RotExtension + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let mut cases = 0;
    for cheat in OtCheat::ALL.into_iter().filter(|c| applies(*c)) {
        let roles: &[Role] = match cheat {
            OtCheat::NonCanonicalPoint | OtCheat::IdentityPoint => &[Role::Receiver, Role::Sender],
            _ => &[Role::Receiver],
        };
        for &role in roles {
            for cheater in [0usize, 1] {
                let got = run::<E>(cheat, role, cheater).await;
                match got {
                    Err(e) => assert!(
                        expected(cheat, cheater, &e),
                        "{cheat:?} by {role:?} {cheater}: {e:?}"
                    ),
                    Ok(len) => {
                        panic!("{cheat:?} by {role:?} {cheater}: honest party output {len} OTs")
                    }
                }
                cases += 1;
            }
        }
    }
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ot_cheat_is_caught_with_its_error() {
    // KOS has no PPRF setup message: that cheat does not apply to it.
    let kos = matrix::<kos::Kos>(|c| c != OtCheat::PprfInconsistentCorrection).await;
    assert_eq!(kos, 14);
    let softspoken = matrix::<SoftSpoken<4>>(|_| true).await;
    assert_eq!(softspoken, 16);
}

#[test]
fn cheat_names_round_trip() {
    for cheat in OtCheat::ALL {
        assert_eq!(OtCheat::from_name(cheat.name()), Some(cheat));
    }
    assert_eq!(OtCheat::from_name("no-such-cheat"), None);
}
