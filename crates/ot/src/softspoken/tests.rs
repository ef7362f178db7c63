use super::*;
use crate::base;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// The base OTs of a SoftSpokenOT pair through the real base-OT cores: S (base-OT receiver,
/// choices ¬Δ) gets K_i^{¬Δ_i}, R (base-OT sender) gets both keys.
fn base_ots(rng: &mut ChaCha20Rng) -> (Block, Vec<Block>, Vec<[Block; 2]>) {
    let mut d = [0u8; 16];
    rng.fill_bytes(&mut d);
    let delta = Block::from_bytes(d);
    let bits: Vec<bool> = (0..KAPPA).map(|i| !bool::from(delta.bit(i))).collect();
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
    (delta, keys, pairs)
}

/// Setup of both cores; `tamper` may alter R's setup message in transit.
fn try_setup(
    k: usize,
    rng: &mut ChaCha20Rng,
    cheat: Option<OtCheat>,
    tamper: impl FnOnce(&mut Vec<u8>, Block),
) -> (Result<SenderCore, OtError>, ReceiverCore) {
    let (delta, keys, pairs) = base_ots(rng);
    let (r, mut msg) = ReceiverCore::new(k, &pairs, rng, cheat).unwrap();
    tamper(&mut msg, delta);
    (SenderCore::new(k, delta, &keys, &msg, 1), r)
}

fn setup(k: usize, rng: &mut ChaCha20Rng) -> (SenderCore, ReceiverCore) {
    let (s, r) = try_setup(k, rng, None, |_, _| {});
    (s.unwrap(), r)
}

fn random_choices(rng: &mut ChaCha20Rng, n: usize) -> Vec<bool> {
    (0..n).map(|_| rng.next_u32() & 1 == 1).collect()
}

type Extended = Result<(Vec<Block>, Vec<Block>), OtError>;

/// One extension; `tamper_c` and `tamper_check` may alter the messages in transit.
fn extend(
    s: &mut SenderCore,
    r: &mut ReceiverCore,
    choices: &[bool],
    rng: &mut ChaCha20Rng,
    cheat: Option<OtCheat>,
    tamper_c: impl FnOnce(&mut Vec<u8>),
    tamper_check: impl FnOnce(&mut Vec<u8>),
) -> Extended {
    let (rp, mut msg) = r.extend(choices, rng, cheat)?;
    tamper_c(&mut msg);
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
fn punctured_prf_gives_the_sender_every_seed_but_one() {
    // S's position y of VOLE v holds R's seed of leaf y ⊕ Δ_v; R's leaf Δ_v is the one S lacks.
    for k in SUPPORTED_K {
        let mut rng = ChaCha20Rng::seed_from_u64(k as u64);
        let (s, r) = setup(k, &mut rng);
        let n = 1usize << k;
        for v in 0..voles(k) {
            let dv = usize::try_from(delta_v(s.delta, k, v)).unwrap();
            for y in 1..n {
                assert_eq!(
                    s.seeds[v * (n - 1) + y - 1],
                    r.seeds[v * n + (y ^ dv)],
                    "k {k} vole {v} y {y}"
                );
            }
            let missing = r.seeds[v * n + dv];
            assert!(
                s.seeds[v * (n - 1)..(v + 1) * (n - 1)]
                    .iter()
                    .all(|x| *x != missing)
            );
        }
    }
}

#[test]
fn correlated_relation_for_every_k_and_edge_sizes() {
    for k in SUPPORTED_K {
        let mut rng = ChaCha20Rng::seed_from_u64(10 + k as u64);
        let (mut s, mut r) = setup(k, &mut rng);
        let delta = s.dangerous_delta();
        // Several extensions in a row: the PRG word index moves on between them.
        for n in [0usize, 1, 63, 127, 128, 129, 255, 257, 1000] {
            let choices = random_choices(&mut rng, n);
            let (q, t) = extend(&mut s, &mut r, &choices, &mut rng, None, |_| {}, |_| {}).unwrap();
            assert_cot(delta, &q, &t, &choices);
        }
    }
}

#[test]
fn extensions_do_not_repeat_outputs() {
    // The same choices twice give fresh correlations (the PRG word index is global).
    let mut rng = ChaCha20Rng::seed_from_u64(20);
    let (mut s, mut r) = setup(4, &mut rng);
    let choices = random_choices(&mut rng, 300);
    let (q1, _) = extend(&mut s, &mut r, &choices, &mut rng, None, |_| {}, |_| {}).unwrap();
    let (q2, _) = extend(&mut s, &mut r, &choices, &mut rng, None, |_| {}, |_| {}).unwrap();
    assert!(q1.iter().zip(&q2).all(|(a, b)| a != b));
}

#[test]
fn random_ot_outputs_follow_choices() {
    for k in [2usize, 4, 8] {
        let mut rng = ChaCha20Rng::seed_from_u64(30 + k as u64);
        let (mut s, mut r) = setup(k, &mut rng);
        let hash = FixedKeyHash::new();
        for n in [1usize, 129, 3000] {
            let choices = random_choices(&mut rng, n);
            let (rp, msg) = r.extend(&choices, &mut rng, None).unwrap();
            let (sp, seed) = s.extend(n, &msg, 1, &mut rng).unwrap();
            let (check, t, first) = rp.finish(&seed, 0).unwrap();
            let (q, _) = sp.finish(&check).unwrap();
            let sent = crate::kos::random_sender_outputs(&hash, &q, s.dangerous_delta(), first);
            let got = crate::kos::random_receiver_outputs(&hash, &t, first);
            assert_eq!((sent.len(), got.len()), (n, n));
            for ((pair, g), &c) in sent.iter().zip(&got).zip(&choices) {
                assert_eq!(*g, pair[usize::from(c)]);
                assert_ne!(*g, pair[usize::from(!c)]);
                assert_ne!(pair[0], pair[1]);
            }
        }
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[test]
fn inconsistent_choice_bits_caught_in_every_seeded_run() {
    for k in [1usize, 2, 4, 8] {
        for seed in 0..8u64 {
            let mut rng = ChaCha20Rng::seed_from_u64(1000 + seed + 100 * k as u64);
            let (mut s, mut r) = setup(k, &mut rng);
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
                "k {k} seed {seed}: {e:?}"
            );
        }
    }
}

#[cfg(feature = "adversarial")] // a named cheat: needs the feature
#[test]
fn inconsistent_pprf_correction_is_caught_at_setup() {
    for k in SUPPORTED_K {
        let mut rng = ChaCha20Rng::seed_from_u64(40 + k as u64);
        let (s, _) = try_setup(
            k,
            &mut rng,
            Some(OtCheat::PprfInconsistentCorrection),
            |_, _| {},
        );
        assert!(
            matches!(s, Err(OtError::PprfConsistencyFailed)),
            "k {k}: {s:?}"
        );
    }
}

#[test]
fn tampered_setup_message_fails_the_pprf_check() {
    let k = 4;
    let per_vole = k * 32 + 64;
    // The correction S uses at level d of VOLE v is the one on side ¬Δ_{v,d}; a flipped bit
    // there, in σ_v or in D_v is caught. The correction on side Δ_{v,d} is never used.
    for (v, what) in [
        (0usize, "used"),
        (3, "sigma"),
        (31, "digest"),
        (5, "unused"),
    ] {
        let mut rng = ChaCha20Rng::seed_from_u64(50 + v as u64);
        let (s, _) = try_setup(k, &mut rng, None, |m, delta| {
            let d = 2; // level
            let side_used = usize::from(!bool::from(delta.bit(v * k + d)));
            let offset = match what {
                "used" => v * per_vole + (2 * d + side_used) * 16,
                "unused" => v * per_vole + (2 * d + (1 - side_used)) * 16,
                "sigma" => v * per_vole + k * 32 + 7,
                _ => v * per_vole + k * 32 + 32 + 31,
            };
            m[offset] ^= 0x40;
        });
        if what == "unused" {
            assert!(s.is_ok(), "{what}: {s:?}");
        } else {
            assert!(
                matches!(s, Err(OtError::PprfConsistencyFailed)),
                "{what}: {s:?}"
            );
        }
    }
}

#[test]
fn one_byte_tamper_of_a_correction_is_caught_or_without_effect() {
    // c_v enters q_{v,j} only where Δ_{v,j} = 1: a tamper is caught unless Δ_v = 0, and then
    // it has no effect.
    let k = 2;
    let mut rng = ChaCha20Rng::seed_from_u64(60);
    let (mut s, mut r) = setup(k, &mut rng);
    let delta = s.dangerous_delta();
    let n = 700;
    let words = words_for(n);
    let (mut caught, mut harmless) = (0, 0);
    for v in 0..voles(k) {
        let choices = random_choices(&mut rng, n);
        let offset = v * words * 16 + 5;
        let e = extend(
            &mut s,
            &mut r,
            &choices,
            &mut rng,
            None,
            |m| m[offset] ^= 0x02,
            |_| {},
        );
        if delta_v(delta, k, v) != 0 {
            assert!(matches!(e, Err(OtError::OtConsistencyFailed)), "vole {v}");
            caught += 1;
            // A failed check leaves the cores usable in this test (the drivers poison).
        } else {
            let (q, t) = e.unwrap();
            assert_cot(delta, &q, &t, &choices);
            harmless += 1;
        }
    }
    assert!(caught > 0 && caught + harmless == voles(k));
}

#[test]
fn tampered_commitment_is_commitment_mismatch() {
    let mut rng = ChaCha20Rng::seed_from_u64(70);
    let (mut s, mut r) = setup(4, &mut rng);
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
    let (mut s, mut r) = setup(4, &mut rng);
    let e = extend(
        &mut s,
        &mut r,
        &choices,
        &mut rng,
        None,
        |_| {},
        |c| c[16] ^= 1, // the nonce
    );
    assert!(
        matches!(e, Err(OtError::CommitmentMismatch { from: 1 })),
        "{e:?}"
    );
}

#[test]
fn tampered_check_values_fail_the_check() {
    // x̃, t̃ of the first and of the last column.
    for (i, (kk, byte)) in [(2usize, 0usize), (3, 15), (3 + KAPPA - 1, 7)]
        .into_iter()
        .enumerate()
    {
        let mut rng = ChaCha20Rng::seed_from_u64(80 + i as u64);
        let (mut s, mut r) = setup(8, &mut rng);
        let choices = random_choices(&mut rng, 300);
        let e = extend(
            &mut s,
            &mut r,
            &choices,
            &mut rng,
            None,
            |_| {},
            |c| c[16 * kk + byte] ^= 0x80,
        );
        assert!(matches!(e, Err(OtError::OtConsistencyFailed)), "{e:?}");
    }
}

#[test]
fn wrong_lengths_are_malformed() {
    let mut rng = ChaCha20Rng::seed_from_u64(90);
    #[cfg(feature = "adversarial")]
    for cheat in [OtCheat::TruncatedExtension, OtCheat::OverlongExtension] {
        let (mut s, mut r) = setup(4, &mut rng);
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
                    what: "SoftSpokenOT extension message length"
                })
            ),
            "{cheat:?}: {e:?}"
        );
    }
    // Setup message one byte short or long, or of another k.
    for (k, delta_len) in [(4usize, -1i64), (4, 1), (2, 0)] {
        let (s, _) = try_setup(k, &mut rng, None, |m, _| {
            if delta_len < 0 {
                m.pop();
            } else if delta_len > 0 {
                m.push(0);
            } else {
                m.truncate(setup_msg_bytes(4));
            }
        });
        assert!(
            matches!(
                s,
                Err(OtError::MalformedMessage {
                    from: 1,
                    what: "SoftSpokenOT setup message length"
                })
            ),
            "{s:?}"
        );
    }
    // Sender expecting a different count.
    let (mut s, mut r) = setup(4, &mut rng);
    let (_, msg) = r.extend(&[true; 100], &mut rng, None).unwrap();
    assert!(matches!(
        s.extend(400, &msg, 1, &mut rng),
        Err(OtError::MalformedMessage { .. })
    ));
    // Short seed and short check messages.
    let (mut s, mut r) = setup(4, &mut rng);
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
    // A correct check message with one byte appended is refused, not read as a prefix.
    let (rp, msg) = r.extend(&[true; 5], &mut rng, None).unwrap();
    let (sp, seed) = s.extend(5, &msg, 1, &mut rng).unwrap();
    let (mut check, _, _) = rp.finish(&seed, 0).unwrap();
    check.push(0);
    assert!(matches!(
        sp.finish(&check),
        Err(OtError::MalformedMessage {
            from: 1,
            what: "SoftSpokenOT check message length"
        })
    ));
}

#[test]
fn cores_refuse_bad_parameters() {
    let mut rng = ChaCha20Rng::seed_from_u64(95);
    for k in [0usize, 3, 5, 16] {
        assert!(matches!(
            ReceiverCore::new(k, &[[Block::ZERO; 2]; 128], &mut rng, None),
            Err(OtError::ApiMisuse { .. })
        ));
        assert!(matches!(
            SenderCore::new(k, Block::ZERO, &[Block::ZERO; 128], &[], 1),
            Err(OtError::ApiMisuse { .. })
        ));
    }
    assert!(matches!(
        ReceiverCore::new(4, &[[Block::ZERO; 2]; 127], &mut rng, None),
        Err(OtError::ApiMisuse { .. })
    ));
    assert!(matches!(
        SenderCore::new(4, Block::ZERO, &[Block::ZERO; 129], &[], 1),
        Err(OtError::ApiMisuse { .. })
    ));
}

#[test]
fn debug_prints_no_secret() {
    let mut rng = ChaCha20Rng::seed_from_u64(96);
    let (s, r) = setup(2, &mut rng);
    let text = format!("{s:?} {r:?}");
    assert!(text.contains("k: 2") && !text.contains("seeds"), "{text}");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Arbitrary bytes as the setup, extension, seed or check message: an error or (for a
        /// well-formed length) a failed check, never a panic and never acceptance.
        #[test]
        fn peer_bytes_never_panic_or_pass(
            m in 0usize..300,
            extra in -3i64..3,
            fill in any::<u8>(),
            check in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            let mut rng = ChaCha20Rng::seed_from_u64(u64::from(fill));
            // Setup message of arbitrary bytes.
            let (s, _) = try_setup(2, &mut rng, None, |msg, _| {
                let len = i64::try_from(msg.len()).unwrap() + extra;
                *msg = vec![fill; usize::try_from(len.max(0)).unwrap()];
            });
            match s {
                Err(OtError::MalformedMessage { from: 1, .. }) => prop_assert!(extra != 0),
                Err(OtError::PprfConsistencyFailed) => prop_assert_eq!(extra, 0),
                other => prop_assert!(false, "{other:?}"),
            }
            let (mut s, mut r) = setup(4, &mut rng);
            let len = i64::try_from(extend_msg_bytes(4, m)).unwrap() + extra;
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
fn column_hash_matches_its_definition() {
    let mut rng = ChaCha20Rng::seed_from_u64(97);
    for n in [0usize, 1, 127, 128, 129, 300] {
        let chi: Vec<Gf128> = (0..n).map(|_| Gf128::new(rng.next_u64().into())).collect();
        let v: Vec<Block> = (0..=n)
            .map(|_| Block::new(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())))
            .collect();
        let naive = chi
            .iter()
            .zip(&v)
            .fold(Gf128::new(v[n].to_u128()), |acc, (c, w)| {
                acc + *c * Gf128::new(w.to_u128())
            });
        assert_eq!(column_hash(&v, &chi), naive, "n = {n}");
    }
}
