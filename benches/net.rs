//! Transport throughput: exchange-all of 1 MiB vectors among 2 and 3 parties, in memory and
//! over TLS loopback (TCP + mutual TLS 1.3, AES-GCM from ring).
//!
//! Throughput is reported as the bytes one party sends per second (its payload to each of its
//! n − 1 peers; it receives as much at the same time). Each party runs in its own tokio task on
//! a 2-worker runtime; every iteration is one `exchange_all` round in every party. After the
//! criterion runs, one line per configuration prints the frame bytes per exchange and the round
//! count from the counting layer.

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench setup may unwrap

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spdz::net::{MemoryTransport, Step, TlsOptions, TlsTransport, Transport};
use tokio::runtime::Runtime;

const MIB: usize = 1 << 20;
const STEP: Step = Step::new(0x0000_0f00);

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn tls_mesh(n: usize) -> Vec<TlsTransport> {
    TlsTransport::loopback_mesh(n, 1, TlsOptions::default())
        .await
        .unwrap()
}

/// Runs `iters` exchange-all rounds of `len` bytes in every party; returns the wall time.
async fn run<T: Transport + Clone + 'static>(parties: &[T], len: usize, iters: u64) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = parties
        .iter()
        .cloned()
        .map(|t| {
            tokio::spawn(async move {
                let me = t.id();
                let mut payload = vec![0x5a; len];
                for _ in 0..iters {
                    let mut got = t.exchange_all(STEP, payload).await.unwrap();
                    // Our own payload comes back: reuse it, so no copy is timed.
                    payload = got.swap_remove(me);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed()
}

fn report<T: Transport>(label: &str, parties: &[T]) {
    let s = parties[0].stats();
    let exchanges = s.rounds.max(1);
    println!(
        "{label}: party 0 sent {} frame bytes per exchange ({} per peer), {} rounds for {} exchanges",
        s.total.bytes_sent / exchanges,
        s.total.bytes_sent / exchanges / (parties.len() as u64 - 1),
        s.rounds,
        exchanges
    );
}

fn exchange_all(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("net/exchange_all_1MiB");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_millis(500));
    for n in [2usize, 3] {
        group.throughput(Throughput::Bytes(((n - 1) * MIB) as u64));
        let mem = MemoryTransport::mesh(n);
        group.bench_function(BenchmarkId::new("memory", n), |b| {
            b.iter_custom(|iters| rt.block_on(run(&mem, MIB, iters)));
        });
        report(&format!("memory n={n}"), &mem);
        let tls = rt.block_on(tls_mesh(n));
        group.bench_function(BenchmarkId::new("tls", n), |b| {
            b.iter_custom(|iters| rt.block_on(run(&tls, MIB, iters)));
        });
        report(&format!("tls n={n}"), &tls);
    }
    group.finish();
}

criterion_group!(benches, exchange_all);
criterion_main!(benches);
