//! spdz-offline sans-IO message consumers, fed tampered or arbitrary peer messages.
//!
//! - `coin`: F_Rand's commit-then-open coin toss (`CoinToss::open`, `CoinCommitted::finish`)
//!   among 2..=4 honest parties, where the input tampers with what party 0 receives (flip a
//!   byte, cut, extend, drop or add an entry);
//! - `mac`: Π_MACCheck (`MacCommitted::open`, `MacOpened::finish`) on correct shares of 0..=3
//!   opened values, tampered the same way;
//! - `copee`: COPEe's receiver (`copee::Receiver::extend`) and Gilboa multiplication's
//!   receiver (`triple::gilboa_receive`) with arbitrary bytes as the peer's message.
//!
//! Checks: no panic; with nothing tampered the protocol succeeds (and all parties agree on the
//! coin); with anything tampered, party 0 aborts with an error (the commitments and the
//! view hash bind every byte); the decoders accept only the exact length of canonical
//! elements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::{Field, Fp};
use spdz_offline::coin::{CoinToss, PublicPrg};
use spdz_offline::mac_check::{CheckKind, MacCheck};
use spdz_offline::{MacKeyShare, MascotField, copee, triple};
use spdz_ot::Block;

/// Reads bytes from the input, zeros once it is exhausted.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
}

/// Applies the input's edits to the messages party 0 receives; true if anything changed.
fn tamper(inp: &mut Input<'_>, received: &mut Vec<Vec<u8>>) -> bool {
    let mut changed = false;
    for j in 1..received.len() {
        let op = inp.byte();
        let msg = &mut received[j];
        match op % 8 {
            1 if !msg.is_empty() => {
                let at = usize::from(inp.byte()) % msg.len();
                msg[at] ^= inp.byte() | 1;
                changed = true;
            }
            2 if !msg.is_empty() => {
                let len = usize::from(inp.byte()) % msg.len();
                msg.truncate(len);
                changed = true;
            }
            3 => {
                msg.push(inp.byte());
                changed = true;
            }
            _ => {}
        }
    }
    match inp.byte() {
        0xfe => {
            received.pop();
            changed = true;
        }
        0xff => {
            received.push(vec![0; 80]);
            changed = true;
        }
        _ => {}
    }
    changed
}

fn coin(inp: &mut Input<'_>, rng: &mut ChaCha20Rng) {
    let n = 2 + usize::from(inp.byte() % 3);
    let label: &'static [u8] = b"fuzz";
    let (states, commits): (Vec<_>, Vec<_>) = (0..n)
        .map(|i| CoinToss::start(i, n, label, None, rng))
        .unzip();
    let mut opened = Vec::new();
    let mut openings = Vec::new();
    let mut tampered = false;
    for (i, st) in states.into_iter().enumerate() {
        let mut rx = commits.clone();
        if i == 0 {
            tampered |= tamper(inp, &mut rx);
        }
        match st.open(rx) {
            Ok((c, msg)) => {
                opened.push(c);
                openings.push(msg);
            }
            Err(_) => {
                assert!(i == 0 && tampered);
                return;
            }
        }
    }
    let mut seeds = Vec::new();
    for (i, c) in opened.into_iter().enumerate() {
        let mut rx = openings.clone();
        if i == 0 {
            tampered |= tamper(inp, &mut rx);
        }
        let r = c.finish(rx);
        if i == 0 {
            assert_eq!(r.is_ok(), !tampered, "coin toss: tampering must abort");
        } else if !tampered {
            assert!(r.is_ok());
        }
        if let Ok(s) = r {
            seeds.push(s);
        }
    }
    if !tampered {
        assert!(seeds.windows(2).all(|w| w[0] == w[1]));
    }
}

fn mac(inp: &mut Input<'_>, rng: &mut ChaCha20Rng) {
    let n = 2 + usize::from(inp.byte() % 3);
    let len = usize::from(inp.byte() % 4);
    let keys: Vec<Fp> = (0..n).map(|_| Fp::random(rng)).collect();
    let alpha = keys.iter().fold(Fp::ZERO, |a, &k| a + k);
    let opened: Vec<Fp> = (0..len).map(|_| Fp::random(rng)).collect();
    // MAC shares of α·x: n − 1 random, the last fixes the sum.
    let mut macs = vec![vec![Fp::ZERO; len]; n];
    for (j, x) in opened.iter().enumerate() {
        let mut rest = alpha * *x;
        for m in macs.iter_mut().take(n - 1) {
            m[j] = Fp::random(rng);
            rest -= m[j];
        }
        macs[n - 1][j] = rest;
    }
    let mut committed = Vec::new();
    let mut commits = Vec::new();
    for i in 0..n {
        let key = MacKeyShare::dangerous_from_value(keys[i]);
        let mut coins = PublicPrg::from_seed([3; 32]);
        let check = MacCheck::new(i, n, CheckKind::Mac, &key, &opened, &macs[i], Some(&mut coins), None)
            .expect("consistent inputs");
        let (c, msg) = check.commit(None, rng);
        committed.push(c);
        commits.push(msg);
    }
    let mut tampered = false;
    let mut opened_states = Vec::new();
    let mut openings = Vec::new();
    for (i, c) in committed.into_iter().enumerate() {
        let mut rx = commits.clone();
        if i == 0 {
            tampered |= tamper(inp, &mut rx);
        }
        match c.open(rx) {
            Ok((o, msg)) => {
                opened_states.push(o);
                openings.push(msg);
            }
            Err(_) => {
                assert!(i == 0 && tampered);
                return;
            }
        }
    }
    for (i, o) in opened_states.into_iter().enumerate() {
        let mut rx = openings.clone();
        if i == 0 {
            tampered |= tamper(inp, &mut rx);
        }
        let r = o.finish(rx);
        if i == 0 {
            assert_eq!(r.is_ok(), !tampered, "MAC check: tampering must abort");
        } else if !tampered {
            assert!(r.is_ok());
        }
    }
}

fn copee_and_gilboa(inp: &mut Input<'_>) {
    let m = usize::from(inp.byte() % 4);
    let k = <Fp as MascotField>::BITS;
    let mut delta = [0u8; 16];
    for d in &mut delta {
        *d = inp.byte();
    }
    delta[15] &= 0x3f;
    let delta = Fp::read_le(&delta).unwrap_or(Fp::ONE);
    let seeds: Vec<Block> = (0..k)
        .map(|l| Block::new(u128::try_from(l).unwrap_or(0)))
        .collect();
    let mut receiver =
        copee::Receiver::<Fp>::new(1, &MacKeyShare::dangerous_from_value(delta), &seeds)
            .expect("k seeds");
    let raw = inp.0;
    // Either the raw bytes, or cycled to the exact length k·m·16.
    let exact = k * m * Fp::BYTES;
    let msg: Vec<u8> = if inp.byte() & 1 == 0 || raw.is_empty() {
        raw.to_vec()
    } else {
        // Top bit cleared, so that almost every element is canonical (< 2^127 − 1).
        let mut v: Vec<u8> = raw.iter().copied().cycle().take(exact).collect();
        for c in v.chunks_exact_mut(16) {
            c[15] &= 0x7f;
        }
        v
    };
    match receiver.extend(m, &msg) {
        Ok(q) => {
            assert_eq!(msg.len(), exact);
            assert!(msg.chunks_exact(16).all(|c| Fp::read_le(c).is_ok()));
            assert_eq!(q.len(), m);
        }
        Err(_) => assert!(
            msg.len() != exact || msg.chunks_exact(16).any(|c| Fp::read_le(c).is_err())
        ),
    }
    // Gilboa: a has `m` elements, k random OTs each.
    let a: Vec<Fp> = (0..m).map(|i| Fp::from_u64(u64::try_from(i).unwrap_or(0) + 1)).collect();
    let rots: Vec<Block> = (0..m * k)
        .map(|i| Block::new(u128::try_from(i).unwrap_or(0)))
        .collect();
    match triple::gilboa_receive(&a, &rots, &msg, 1) {
        Ok(out) => {
            assert_eq!(msg.len(), m * k * Fp::BYTES);
            assert_eq!(out.len(), m);
        }
        Err(_) => assert!(
            msg.len() != m * k * Fp::BYTES
                || msg.chunks_exact(16).any(|c| Fp::read_le(c).is_err())
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let ctl = inp.byte();
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(ctl));
    match ctl % 3 {
        0 => coin(&mut inp, &mut rng),
        1 => mac(&mut inp, &mut rng),
        _ => copee_and_gilboa(&mut inp),
    }
});
