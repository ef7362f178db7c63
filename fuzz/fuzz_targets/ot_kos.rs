//! spdz-ot KOS OT extension: the sans-IO cores fed arbitrary bytes as the peer's messages.
//!
//! The cores are set up from fixed base-OT keys (the base OTs are fuzzed by `ot_base`), then:
//! - sender side: `SenderCore::extend(m, msg)` with the receiver's extension message `msg`
//!   (m small, from the input), then `SenderPending::finish` with a 64-byte check message;
//! - receiver side: `ReceiverCore::extend` with honest choices, then
//!   `ReceiverPending::finish` with the input as the sender's coin-toss seed.
//!
//! Checks: no panic; only the exact lengths are accepted; an arbitrary check message is
//! rejected (its commitment opening cannot match, except by a SHA-256 collision); outputs
//! have m entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_ot::Block;
use spdz_ot::kos::{CHECK_MSG_BYTES, KAPPA, ReceiverCore, SenderCore, extend_msg_bytes};

fn keys() -> (Block, Vec<Block>, Vec<[Block; 2]>) {
    let delta = Block::from_bytes([0x5a; 16]);
    let pairs: Vec<[Block; 2]> = (0..KAPPA)
        .map(|i| {
            let i = u8::try_from(i).unwrap_or(0);
            [Block::from_bytes([i; 16]), Block::from_bytes([!i; 16])]
        })
        .collect();
    let chosen = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| p[usize::from(bool::from(delta.bit(i)))])
        .collect();
    (delta, chosen, pairs)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(ctl));
    let (delta, chosen, pairs) = keys();
    let from = 1;
    // m ∈ 0..64: one 128-row word column block (m + 192 padding rows ≤ 256 rows, 2 words).
    let m = usize::from(ctl & 0x3f);

    if ctl & 0x40 == 0 {
        let mut sender = SenderCore::new(delta, &chosen).expect("128 keys");
        // The receiver's extension message: either the raw input, or (to get past the length
        // check) the input cycled to the exact length, with the last 64 bytes of the input
        // kept apart as the check message.
        let (ext, check) = if ctl & 0x80 == 0 {
            (rest.to_vec(), &[][..])
        } else {
            let split = rest.len().saturating_sub(CHECK_MSG_BYTES);
            let (body, check) = rest.split_at(split);
            let want = extend_msg_bytes(m);
            let ext: Vec<u8> = if body.is_empty() {
                vec![0; want]
            } else {
                body.iter().copied().cycle().take(want).collect()
            };
            (ext, check)
        };
        match sender.extend(m, &ext, from, &mut rng) {
            Ok((pending, seed)) => {
                assert_eq!(ext.len(), extend_msg_bytes(m));
                assert_eq!(seed.len(), 16);
                let r = pending.finish(check);
                if check.len() != CHECK_MSG_BYTES {
                    assert!(r.is_err());
                }
                if let Ok((out, _first)) = r {
                    assert_eq!(out.len(), m);
                }
            }
            Err(_) => assert_ne!(ext.len(), extend_msg_bytes(m)),
        }
    } else {
        let mut receiver = ReceiverCore::new(&pairs).expect("128 pairs");
        let choices: Vec<bool> = (0..m).map(|j| (ctl >> (j % 8)) & 1 == 1).collect();
        let (pending, msg) = receiver
            .extend(&choices, &mut rng, None)
            .expect("small extension");
        assert_eq!(msg.len(), extend_msg_bytes(m));
        match pending.finish(rest, from) {
            Ok((check, out, _first)) => {
                assert_eq!(rest.len(), 16);
                assert_eq!(check.len(), CHECK_MSG_BYTES);
                assert_eq!(out.len(), m);
            }
            Err(_) => assert_ne!(rest.len(), 16),
        }
    }
});
