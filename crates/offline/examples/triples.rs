//! Measures the offline phase: `cargo run --release -p spdz-offline --example triples -- N COUNT
//! [BATCH] [THREADS]` runs N parties in one process over the in-memory transport and prints
//! triples/s, bytes sent per triple per party and time per step.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::Fp;
use spdz_net::MemoryTransport;
use spdz_offline::{Params, generate};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let n = args.first().copied().unwrap_or(2);
    let count = args.get(1).copied().unwrap_or(20_000);
    let batch = args.get(2).copied().unwrap_or(1024);
    let threads = args.get(3).copied().unwrap_or(1);
    let params = Params {
        triples: count,
        batch_size: batch,
        threads,
        ..Params::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let reports = rt.block_on(async {
        let hs: Vec<_> = MemoryTransport::mesh(n)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let params = params.clone();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    generate::<Fp, _, _>(&t, &params, None, &mut rng)
                        .await
                        .map(|(_, r)| r)
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap().unwrap());
        }
        out
    });
    let secs = started.elapsed().as_secs_f64();
    let r = &reports[0];
    println!(
        "parties={n} count={count} batch={batch} threads={threads} seconds={secs:.3} triples/s={:.0} bytes/triple/party={:.0} rounds_total={}",
        count as f64 / secs,
        r.bytes_sent as f64 / count as f64,
        r.rounds_total
    );
    println!("steps (party 0, summed over workers): {:?}", r.steps);
}
