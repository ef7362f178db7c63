//! OT adversarial matrix: every named OT cheat × the role that can apply it × cheater id ∈ {0, 1}.
//! The honest party must abort with the exact error and output nothing; nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_net::MemoryTransport;
use spdz_ot::{Block, OtCheat, OtError, kos};

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
        _ => matches!(err, OtError::MalformedMessage { from, .. } if *from == cheater),
    }
}

/// Runs setup + 2000 random OTs; returns the honest party's result.
async fn run(cheat: OtCheat, role: Role, cheater: usize) -> Result<usize, OtError> {
    let honest = 1 - cheater;
    let mesh = MemoryTransport::mesh(2);
    let (tc, th) = (mesh[cheater].clone(), mesh[honest].clone());
    let n = 2000;
    let choices = vec![true; n];
    match role {
        Role::Receiver => {
            let bad = tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(1);
                let mut r =
                    kos::Receiver::setup_with_cheat(&tc, honest, &mut rng, Some(cheat)).await?;
                r.receive_random(&tc, &choices, &mut rng).await
            });
            let mut rng = ChaCha20Rng::seed_from_u64(2);
            let out = async {
                let mut s = kos::Sender::setup(&th, cheater, &mut rng).await?;
                s.send_random(&th, n, &mut rng).await
            }
            .await;
            bad.abort();
            out.map(|v| v.len())
        }
        Role::Sender => {
            let bad = tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(3);
                let mut s = kos::Sender::setup_with_delta(
                    &tc,
                    honest,
                    Block::new(0x5eed),
                    &mut rng,
                    Some(cheat),
                )
                .await?;
                s.send_random(&tc, n, &mut rng).await
            });
            let mut rng = ChaCha20Rng::seed_from_u64(4);
            let out = async {
                let mut r = kos::Receiver::setup(&th, cheater, &mut rng).await?;
                r.receive_random(&th, &choices, &mut rng).await
            }
            .await;
            bad.abort();
            out.map(|v| v.len())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ot_cheat_is_caught_with_its_error() {
    let mut cases = 0;
    for cheat in OtCheat::ALL {
        let roles: &[Role] = match cheat {
            OtCheat::NonCanonicalPoint | OtCheat::IdentityPoint => &[Role::Receiver, Role::Sender],
            _ => &[Role::Receiver],
        };
        for &role in roles {
            for cheater in [0usize, 1] {
                let got = run(cheat, role, cheater).await;
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
    assert_eq!(cases, 14);
}

#[test]
fn cheat_names_round_trip() {
    for cheat in OtCheat::ALL {
        assert_eq!(OtCheat::from_name(cheat.name()), Some(cheat));
    }
    assert_eq!(OtCheat::from_name("no-such-cheat"), None);
}
