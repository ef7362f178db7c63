//! spdz-ot base OT (Masny–Rindal over ristretto255): the peer's messages as arbitrary bytes.
//!
//! - `SenderMsg::decode` with a small expected count chosen by the input (the sender's points
//!   A_i, as seen by the receiver), then
//!   `Receiver::finish` with whatever decoded;
//! - `ReceiverMsg::decode` with a small expected count chosen by the input (the receiver's
//!   pairs (r_0, r_1), as seen by the sender), then `Sender::finish` with whatever decoded.
//!
//! Checks: no panic; the decoders accept only the exact length (32·count, resp. 64·count bytes) and
//! canonical non-identity points; `finish` yields one output per OT.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_ot::base::{
    MAX_BASE_OTS, POINT_BYTES, RECEIVER_BYTES_PER_OT, Receiver, ReceiverMsg, Sender, SenderMsg,
};

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, msg)) = data.split_first() else {
        return;
    };
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(ctl));
    let sid = [ctl; 32];
    // Bounded work per input: at most 8 OTs (each costs a few scalar multiplications).
    let count = usize::from(ctl & 7);
    let from = 1;

    if ctl & 0x80 == 0 {
        // The receiver's view of the sender's message.
        match SenderMsg::decode(msg, count, from) {
            Ok(valid) => {
                assert_eq!(msg.len(), count * POINT_BYTES);
                let choices: Vec<bool> = (0..count).map(|i| (ctl >> (i % 7)) & 1 == 1).collect();
                let (receiver, _out) =
                    Receiver::new(sid, &choices, &mut rng, None).expect("small batch");
                let keys = receiver.finish(&valid, from).expect("count matches");
                assert_eq!(keys.len(), count);
            }
            Err(_) => {}
        }
        assert!(SenderMsg::decode(msg, usize::MAX, from).is_err());
    } else {
        // The sender's view of the receiver's message, which must carry `count` pairs.
        match ReceiverMsg::decode(msg, count, from) {
            Ok(valid) => {
                assert_eq!(msg.len(), count * RECEIVER_BYTES_PER_OT);
                let (sender, _a) = Sender::new(sid, count, &mut rng, None).expect("small batch");
                let keys = sender.finish(valid, from).expect("count matches");
                assert_eq!(keys.len(), count);
            }
            Err(_) => {}
        }
        // A huge announced count (as from a confused caller) must not allocate: the length
        // check comes first.
        assert!(ReceiverMsg::decode(msg, MAX_BASE_OTS, from).is_err() || msg.len() == MAX_BASE_OTS * RECEIVER_BYTES_PER_OT);
        assert!(ReceiverMsg::decode(msg, usize::MAX, from).is_err());
    }
});
