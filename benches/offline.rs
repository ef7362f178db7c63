//! MASCOT offline-phase benchmarks: authenticated triples per second for 2 and 3 parties over
//! the in-memory transport, and for 2 parties over TCP + mutual TLS on loopback. All parties run
//! in one process, each in its own tokio task on a 2-worker runtime. Bytes sent per triple per
//! party come from the transport's counters (frame bytes, headers included) and are printed.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::Fp;
use spdz_net::{MemoryTransport, TlsOptions, TlsTransport, Transport};
use spdz_offline::{Params, Report, generate};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn params(count: usize) -> Params {
    Params {
        triples: count,
        batch_size: 1024,
        threads: 1,
        ..Params::default()
    }
}

/// Runs one generation on already connected transports; returns the wall time and party 0's
/// report.
async fn run_on<T: Transport + 'static>(ts: Vec<T>, count: usize) -> (Duration, Report) {
    let start = Instant::now();
    let hs: Vec<_> = ts
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let p = params(count);
            tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                generate::<Fp, _, _>(&t, &p, None, &mut rng)
                    .await
                    .unwrap()
                    .1
            })
        })
        .collect();
    let mut reports = Vec::new();
    for h in hs {
        reports.push(h.await.unwrap());
    }
    (start.elapsed(), reports.swap_remove(0))
}

async fn tls_mesh(n: usize) -> Vec<TlsTransport> {
    TlsTransport::loopback_mesh(n, 4343, TlsOptions::default())
        .await
        .unwrap()
}

fn print(label: &str, count: usize, secs: f64, r: &Report) {
    println!(
        "{label}: {count} triples in {secs:.3} s = {:.0} triples/s, {:.0} bytes sent per triple per party, steps {:?}",
        count as f64 / secs,
        r.bytes_sent as f64 / count as f64,
        r.steps
    );
}

fn bench_triples(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("mascot_triples");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (n, count) in [(2usize, 10_000usize), (3, 4_000)] {
        g.throughput(Throughput::Elements(count as u64));
        g.bench_function(format!("memory/{n}-parties/{count}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (d, r) = rt.block_on(run_on(MemoryTransport::mesh(n), count));
                    print(&format!("memory n={n}"), count, d.as_secs_f64(), &r);
                    total += d;
                }
                total
            });
        });
    }
    let count = 10_000;
    g.throughput(Throughput::Elements(count as u64));
    g.bench_function(format!("tls/2-parties/{count}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let ts = rt.block_on(tls_mesh(2));
                let (d, r) = rt.block_on(run_on(ts, count));
                print("tls n=2", count, d.as_secs_f64(), &r);
                total += d;
            }
            total
        });
    });
    g.finish();
}

criterion_group!(benches, bench_triples);
criterion_main!(benches);
