//! Shared helpers of the online-phase integration tests: n parties over an in-memory mesh,
//! with the INSECURE test dealer (tests only).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz::field::Fp;
use spdz::net::MemoryTransport;
use spdz::online::{Cheat, Masking, Party, TraceEvent};
use spdz_insecure_test_dealer::{InsecureDealerSource, insecure_dealer};

pub type TestParty = Party<MemoryTransport, InsecureDealerSource<Fp>, Fp>;

/// `n` parties sharing a fresh mesh and a dealer seeded with `seed`; `cheat` = (cheater, how).
pub fn make_parties(n: usize, seed: u64, cheat: Option<(usize, Cheat)>) -> Vec<TestParty> {
    let mesh = MemoryTransport::mesh(n);
    let dealer = insecure_dealer::<Fp>(n, seed);
    mesh.into_iter()
        .zip(dealer)
        .enumerate()
        .map(|(i, (t, d))| {
            let mut rng = ChaCha20Rng::seed_from_u64(seed ^ (0x5EED_0000 + i as u64));
            let p = Party::new(t, d, &mut rng).unwrap().with_trace();
            match cheat {
                Some((who, c)) if who == i => p.with_cheat(c),
                _ => p,
            }
        })
        .collect()
}

/// Runs `f` for every party in its own task; results indexed by party id.
pub async fn run_all<R, F, Fut>(parties: Vec<TestParty>, f: F) -> Vec<R>
where
    R: Send + 'static,
    F: Fn(TestParty) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let handles: Vec<_> = parties
        .into_iter()
        .map(|p| tokio::spawn((f.clone())(p)))
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// The schedule every party must keep (issue: nothing leaks before a check): before any opening
/// that is not uniformly masked, nothing is pending (no opening or input since the last check).
pub fn assert_checked_before_masked(trace: &[TraceEvent]) {
    let mut dirty = false;
    for (i, e) in trace.iter().enumerate() {
        match e {
            TraceEvent::Checked { .. } => dirty = false,
            TraceEvent::Input { .. } => dirty = true,
            TraceEvent::Opened { masking, what, .. } => {
                assert!(
                    *masking == Masking::Uniform || !dirty,
                    "event {i} ({what}, {masking:?}) opened with unchecked values pending"
                );
                dirty = true;
            }
        }
    }
}
