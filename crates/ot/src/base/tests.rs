use super::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

const SID: SessionId = [7u8; 32];

type Outcome = (
    Result<Vec<[Block; 2]>, OtError>,
    Result<Vec<Block>, OtError>,
);

fn run(
    choices: &[bool],
    seed: u64,
    sender_cheat: Option<OtCheat>,
    receiver_cheat: Option<OtCheat>,
) -> Outcome {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (s, smsg) = Sender::new(SID, choices.len(), &mut rng, sender_cheat).unwrap();
    let (r, rmsg) = Receiver::new(SID, choices, &mut rng, receiver_cheat).unwrap();
    let sender_out =
        ReceiverMsg::decode(&rmsg.encode(), choices.len(), 1).and_then(|m| s.finish(m, 1));
    let receiver_out =
        SenderMsg::decode(&smsg.encode(), choices.len(), 0).and_then(|m| r.finish(&m, 0));
    (sender_out, receiver_out)
}

#[test]
fn keys_match_choices_for_128_ots() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let choices: Vec<bool> = (0..128).map(|_| rng.next_u32() & 1 == 1).collect();
    let (s, r) = run(&choices, 2, None, None);
    let (s, r) = (s.unwrap(), r.unwrap());
    assert_eq!(s.len(), 128);
    for ((pair, got), &c) in s.iter().zip(&r).zip(&choices) {
        assert_eq!(*got, pair[usize::from(c)]);
        assert_ne!(*got, pair[usize::from(!c)]);
    }
    // All sender keys distinct.
    let mut all: Vec<u128> = s
        .iter()
        .flat_map(|p| [p[0].to_u128(), p[1].to_u128()])
        .collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 256);
}

#[test]
fn sizes_zero_and_one() {
    let (s, r) = run(&[], 3, None, None);
    assert!(s.unwrap().is_empty() && r.unwrap().is_empty());
    let (s, r) = run(&[true], 4, None, None);
    assert_eq!(r.unwrap()[0], s.unwrap()[0][1]);
}

#[test]
fn session_id_separates_keys() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (s, smsg) = Sender::new(SID, 1, &mut rng, None).unwrap();
    let (r, rmsg) = Receiver::new([8u8; 32], &[false], &mut rng, None).unwrap();
    let sk = s
        .finish(ReceiverMsg::decode(&rmsg.encode(), 1, 1).unwrap(), 1)
        .unwrap();
    let rk = r
        .finish(&SenderMsg::decode(&smsg.encode(), 1, 0).unwrap(), 0)
        .unwrap();
    assert_ne!(rk[0], sk[0][0]);
    assert_ne!(rk[0], sk[0][1]);
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[test]
fn cheating_sender_points_are_malformed() {
    for cheat in [OtCheat::NonCanonicalPoint, OtCheat::IdentityPoint] {
        let (s, r) = run(&[true, false], 6, Some(cheat), None);
        assert!(s.is_ok());
        assert!(
            matches!(
                r,
                Err(OtError::MalformedMessage {
                    from: 0,
                    what: "base-OT sender point A"
                })
            ),
            "{cheat:?}: {r:?}"
        );
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[test]
fn cheating_receiver_points_are_malformed() {
    for cheat in [OtCheat::NonCanonicalPoint, OtCheat::IdentityPoint] {
        let (s, r) = run(&[true, false], 7, None, Some(cheat));
        assert!(r.is_ok());
        assert!(
            matches!(
                s,
                Err(OtError::MalformedMessage {
                    from: 1,
                    what: "base-OT receiver point"
                })
            ),
            "{cheat:?}: {s:?}"
        );
    }
}

#[test]
fn wrong_lengths_are_malformed_never_panic() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let (_, smsg) = Sender::new(SID, 3, &mut rng, None).unwrap();
    let (_, rmsg) = Receiver::new(SID, &[true, false, true], &mut rng, None).unwrap();
    let s = smsg.encode();
    let r = rmsg.encode();
    for bad in [
        &s[..s.len() - 1],
        &[s.clone(), vec![0]].concat()[..],
        &s[..32],
        &[][..],
    ] {
        assert!(matches!(
            SenderMsg::decode(bad, 3, 0),
            Err(OtError::MalformedMessage {
                from: 0,
                what: "base-OT sender message length"
            })
        ));
    }
    for bad in [
        &r[..r.len() - 1],
        &[r.clone(), vec![0]].concat()[..],
        &r[..64],
    ] {
        assert!(matches!(
            ReceiverMsg::decode(bad, 3, 1),
            Err(OtError::MalformedMessage {
                from: 1,
                what: "base-OT receiver message length"
            })
        ));
    }
    // A count whose byte length overflows is rejected, not allocated.
    assert!(ReceiverMsg::decode(&r, usize::MAX, 1).is_err());
    assert!(SenderMsg::decode(&s, usize::MAX, 0).is_err());
}

#[test]
fn random_bytes_in_points_never_panic() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut rejected = 0;
    for _ in 0..200 {
        let mut bytes = [0u8; 64];
        rng.fill_bytes(&mut bytes);
        match ReceiverMsg::decode(&bytes, 1, 1) {
            Err(OtError::MalformedMessage { .. }) => rejected += 1,
            Ok(_) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
        let _ = SenderMsg::decode(&bytes[..32], 1, 0);
    }
    // Most random strings are not canonical ristretto encodings.
    assert!(rejected > 150, "{rejected}");
}

#[test]
fn too_many_is_api_misuse() {
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    assert!(matches!(
        Sender::new(SID, MAX_BASE_OTS + 1, &mut rng, None),
        Err(OtError::ApiMisuse { .. })
    ));
}
