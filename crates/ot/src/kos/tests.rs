use super::*;
use crate::base;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// Sets up a sender and receiver core through the real base-OT cores, in one thread.
fn setup(rng: &mut ChaCha20Rng) -> (SenderCore, ReceiverCore) {
    let mut d = [0u8; 16];
    rng.fill_bytes(&mut d);
    let delta = Block::from_bytes(d);
    let bits: Vec<bool> = (0..KAPPA).map(|i| bool::from(delta.bit(i))).collect();
    let sid = [1u8; 32];
    let (bs, bsmsg) = base::Sender::new(sid, KAPPA, rng, None).unwrap();
    let (br, brmsg) = base::Receiver::new(sid, &bits, rng, None).unwrap();
    let pairs = bs
        .finish(
            base::ReceiverMsg::decode(&brmsg.encode(), KAPPA, 0).unwrap(),
            0,
        )
        .unwrap();
    let keys = br
        .finish(
            &base::SenderMsg::decode(&bsmsg.encode(), KAPPA, 1).unwrap(),
            1,
        )
        .unwrap();
    (
        SenderCore::new(delta, &keys).unwrap(),
        ReceiverCore::new(&pairs).unwrap(),
    )
}

fn random_choices(rng: &mut ChaCha20Rng, n: usize) -> Vec<bool> {
    (0..n).map(|_| rng.next_u32() & 1 == 1).collect()
}

type Extended = Result<(Vec<Block>, Vec<Block>), OtError>;

/// One extension; `tamper_u` and `tamper_check` may alter the messages in transit.
fn extend(
    s: &mut SenderCore,
    r: &mut ReceiverCore,
    choices: &[bool],
    rng: &mut ChaCha20Rng,
    cheat: Option<OtCheat>,
    tamper_u: impl FnOnce(&mut Vec<u8>),
    tamper_check: impl FnOnce(&mut Vec<u8>),
) -> Extended {
    let (rp, mut msg) = r.extend(choices, rng, cheat)?;
    tamper_u(&mut msg);
    let (sp, seed) = s.extend(choices.len(), &msg, 1, rng)?;
    let (mut check, t, first_r) = rp.finish(&seed, 0)?;
    tamper_check(&mut check);
    let (q, first_s) = sp.finish(&check)?;
    assert_eq!(first_r, first_s);
    Ok((q, t))
}

fn assert_cot(delta: Block, q: &[Block], t: &[Block], choices: &[bool]) {
    assert_eq!(q.len(), choices.len());
    assert_eq!(t.len(), choices.len());
    for ((q, t), &c) in q.iter().zip(t).zip(choices) {
        let expected = if c { *q ^ delta } else { *q };
        assert_eq!(*t, expected);
    }
}

#[test]
fn correlated_relation_for_edge_sizes() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (mut s, mut r) = setup(&mut rng);
    let delta = s.dangerous_delta();
    for n in [
        0usize, 1, 63, 64, 65, 127, 128, 129, 191, 192, 193, 1000, 4096,
    ] {
        let choices = random_choices(&mut rng, n);
        let (q, t) = extend(&mut s, &mut r, &choices, &mut rng, None, |_| {}, |_| {}).unwrap();
        assert_cot(delta, &q, &t, &choices);
    }
}

#[test]
fn random_ot_outputs_follow_choices() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (mut s, mut r) = setup(&mut rng);
    let hash = FixedKeyHash::new();
    let choices = random_choices(&mut rng, 3000);
    let (rp, msg) = r.extend(&choices, &mut rng, None).unwrap();
    let (sp, seed) = s.extend(choices.len(), &msg, 1, &mut rng).unwrap();
    let (check, t, first) = rp.finish(&seed, 0).unwrap();
    let (q, _) = sp.finish(&check).unwrap();
    let sent = random_sender_outputs(&hash, &q, s.dangerous_delta(), first);
    let got = random_receiver_outputs(&hash, &t, first);
    for ((pair, g), &c) in sent.iter().zip(&got).zip(&choices) {
        assert_eq!(*g, pair[usize::from(c)]);
        assert_ne!(*g, pair[usize::from(!c)]);
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[test]
fn inconsistent_choice_bits_caught_in_every_seeded_run() {
    for seed in 0..24u64 {
        let mut rng = ChaCha20Rng::seed_from_u64(1000 + seed);
        let (mut s, mut r) = setup(&mut rng);
        let choices = random_choices(&mut rng, 500);
        let e = extend(
            &mut s,
            &mut r,
            &choices,
            &mut rng,
            Some(OtCheat::InconsistentChoiceBits),
            |_| {},
            |_| {},
        );
        assert!(
            matches!(e, Err(OtError::OtConsistencyFailed)),
            "seed {seed}: {e:?}"
        );
    }
}

#[test]
fn one_byte_tamper_of_u_is_caught_or_without_effect() {
    // Flipping a byte of column i only changes the sender's q when Δ_i = 1 (q_i = G(k) ⊕ Δ_i·u_i);
    // then the check must catch it, otherwise the outputs must still be correct.
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (mut s, mut r) = setup(&mut rng);
    let delta = s.dangerous_delta();
    let n = 700;
    let words = words_for(n);
    let mut caught = 0;
    for column in [0usize, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 127] {
        let choices = random_choices(&mut rng, n);
        let offset = column * words * 16 + 3;
        let e = extend(
            &mut s,
            &mut r,
            &choices,
            &mut rng,
            None,
            |m| m[offset] ^= 0x10,
            |_| {},
        );
        if bool::from(delta.bit(column)) {
            assert!(
                matches!(e, Err(OtError::OtConsistencyFailed)),
                "column {column}: {e:?}"
            );
            caught += 1;
            break;
        }
        let (q, t) = e.unwrap();
        assert_cot(delta, &q, &t, &choices);
    }
    assert_eq!(caught, 1, "some tampered column has Δ_i = 1");
}

#[test]
fn tampered_commitment_is_commitment_mismatch() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let (mut s, mut r) = setup(&mut rng);
    let choices = random_choices(&mut rng, 10);
    let e = extend(
        &mut s,
        &mut r,
        &choices,
        &mut rng,
        None,
        |m| {
            let last = m.len() - 1;
            m[last] ^= 1;
        },
        |_| {},
    );
    assert!(
        matches!(e, Err(OtError::CommitmentMismatch { from: 1 })),
        "{e:?}"
    );
    // Tampering the opened seed instead is the same failure.
    let (mut s, mut r) = setup(&mut rng);
    let e = extend(
        &mut s,
        &mut r,
        &choices,
        &mut rng,
        None,
        |_| {},
        |c| c[0] ^= 1,
    );
    assert!(
        matches!(e, Err(OtError::CommitmentMismatch { from: 1 })),
        "{e:?}"
    );
}

#[test]
fn tampered_check_values_fail_the_check() {
    // x̃, t̃ of the first and of the last column.
    for (k, byte) in [(2usize, 0usize), (3, 15), (3 + KAPPA - 1, 7)] {
        let mut rng = ChaCha20Rng::seed_from_u64(5 + k as u64);
        let (mut s, mut r) = setup(&mut rng);
        let choices = random_choices(&mut rng, 300);
        let e = extend(
            &mut s,
            &mut r,
            &choices,
            &mut rng,
            None,
            |_| {},
            |c| c[16 * k + byte] ^= 0x80,
        );
        assert!(matches!(e, Err(OtError::OtConsistencyFailed)), "{e:?}");
    }
}

#[test]
fn wrong_lengths_are_malformed() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    #[cfg(feature = "adversarial")]
    for cheat in [OtCheat::TruncatedExtension, OtCheat::OverlongExtension] {
        let (mut s, mut r) = setup(&mut rng);
        let choices = random_choices(&mut rng, 129);
        let e = extend(
            &mut s,
            &mut r,
            &choices,
            &mut rng,
            Some(cheat),
            |_| {},
            |_| {},
        );
        assert!(
            matches!(
                e,
                Err(OtError::MalformedMessage {
                    from: 1,
                    what: "KOS extension message length"
                })
            ),
            "{cheat:?}: {e:?}"
        );
    }
    // Sender expecting a different count.
    let (mut s, mut r) = setup(&mut rng);
    let (_, msg) = r.extend(&[true; 100], &mut rng, None).unwrap();
    assert!(matches!(
        s.extend(400, &msg, 1, &mut rng),
        Err(OtError::MalformedMessage { .. })
    ));
    // Short seed and short check messages.
    let (mut s, mut r) = setup(&mut rng);
    let (rp, msg) = r.extend(&[true; 5], &mut rng, None).unwrap();
    let (sp, seed) = s.extend(5, &msg, 1, &mut rng).unwrap();
    assert!(matches!(
        rp.finish(&seed[..15], 0),
        Err(OtError::MalformedMessage { from: 0, .. })
    ));
    assert!(matches!(
        sp.finish(&[0u8; 63]),
        Err(OtError::MalformedMessage { from: 1, .. })
    ));
    // Garbage of random lengths never panics.
    for len in [0usize, 1, 31, 32, 33, 4096] {
        let (mut s, _) = setup(&mut rng);
        let junk = vec![0xa5u8; len];
        assert!(s.extend(1, &junk, 1, &mut rng).is_err());
    }
}

#[test]
fn core_needs_exactly_128_base_keys() {
    assert!(matches!(
        SenderCore::new(Block::ZERO, &[Block::ZERO; 127]),
        Err(OtError::ApiMisuse { .. })
    ));
    assert!(matches!(
        ReceiverCore::new(&[[Block::ZERO; 2]; 129]),
        Err(OtError::ApiMisuse { .. })
    ));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Arbitrary bytes as the extension, seed or check message: an error or (for a
        /// well-formed length) a failed check, never a panic and never acceptance.
        #[test]
        fn peer_bytes_never_panic_or_pass(
            m in 0usize..300,
            extra in -3i64..3,
            fill in any::<u8>(),
            check in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            let mut rng = ChaCha20Rng::seed_from_u64(u64::from(fill));
            let (mut s, mut r) = setup(&mut rng);
            let len = i64::try_from(extend_msg_bytes(m)).unwrap() + extra;
            let msg = vec![fill; usize::try_from(len.max(0)).unwrap()];
            match s.extend(m, &msg, 1, &mut rng) {
                Err(e) => prop_assert!(matches!(e, OtError::MalformedMessage { from: 1, .. }), "{e:?}"),
                Ok((pending, _seed)) => {
                    prop_assert_eq!(extra, 0);
                    let out = pending.finish(&check);
                    prop_assert!(
                        matches!(out, Err(OtError::MalformedMessage { .. } | OtError::CommitmentMismatch { .. })),
                        "{out:?}"
                    );
                }
            }
            let (rp, _) = r.extend(&vec![false; m], &mut rng, None).unwrap();
            let out = rp.finish(&check, 1);
            prop_assert_eq!(out.is_ok(), check.len() == 16);
        }
    }
}

#[test]
fn column_hash_matches_its_definition_across_chunks() {
    // h(v) = v_last + Σ_k χ_k·v_k, computed naively, for lengths around the 128-word chunk.
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    for n in [0usize, 1, 127, 128, 129, 300] {
        let chi: Vec<Gf128> = (0..n).map(|_| Gf128::new(rng.next_u64().into())).collect();
        let v: Vec<u128> = (0..=n)
            .map(|_| u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64()))
            .collect();
        let naive = chi
            .iter()
            .zip(&v)
            .fold(Gf128::new(v[n]), |acc, (c, w)| acc + *c * Gf128::new(*w));
        assert_eq!(column_hash(v.iter().copied(), &chi), naive, "n = {n}");
    }
    // The padding word enters with coefficient 1: whatever the challenges (even all zero, as
    // a sender who could pick them might), h(r') is masked by the uniform padding word.
    let pad = 0x0123_4567_89ab_cdef_u128;
    assert_eq!(
        column_hash([u128::MAX, pad].into_iter(), &[Gf128::new(0)]),
        Gf128::new(pad)
    );
}
