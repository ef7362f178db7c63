//! Online Beaver multiplication throughput: 2 parties in memory, one round per vector,
//! preprocessing dealt before timing (INSECURE test dealer: it only feeds the online phase,
//! whose cost is what is measured). Prints multiplications per second, bytes per
//! multiplication per party and rounds from the transport's counters.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may unwrap

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz::field::{Field, Fp};
use spdz::net::{MemoryTransport, Transport};
use spdz::online::{Party, Shared};
use spdz_insecure_test_dealer::{InsecureDealerSource, insecure_dealer};

type P = Party<MemoryTransport, InsecureDealerSource<Fp>, Fp>;

/// Process CPU seconds (user + system, all threads) from `/proc/self/stat`; 0 elsewhere.
/// The machine is shared, so wall time alone understates what two dedicated cores do.
fn cpu_seconds() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let f: Vec<&str> = s
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

/// Two parties with `n` triples prefetched each and two public-valued operand vectors.
fn setup(n: usize) -> Vec<(P, Shared<Fp>, Shared<Fp>)> {
    let mesh = MemoryTransport::mesh(2);
    let dealer = insecure_dealer::<Fp>(2, 7);
    mesh.into_iter()
        .zip(dealer)
        .map(|(t, mut d)| {
            d.prefetch_triples(n).unwrap();
            let p = Party::new(t, d, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
            let xs: Vec<Fp> = (0..n as u64).map(|i| Fp::from_u64(i + 1)).collect();
            let x = p.public(&xs).unwrap();
            let y = p.public(&xs).unwrap();
            (p, x, y)
        })
        .collect()
}

/// Multiply (one round), then optionally run the batched MAC check over the 2n opened values.
fn run(
    rt: &tokio::runtime::Runtime,
    parties: Vec<(P, Shared<Fp>, Shared<Fp>)>,
    check: bool,
) -> Vec<P> {
    rt.block_on(async move {
        let handles: Vec<_> = parties
            .into_iter()
            .map(|(mut p, x, y)| {
                tokio::spawn(async move {
                    let z = p.mul(&x, &y).await.unwrap();
                    if check {
                        p.check().await.unwrap();
                    }
                    black_box(z);
                    p
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("online_beaver_mul_2p_memory");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for &n in &[10_000usize, 100_000, 1_000_000] {
        // Runs outside criterion for the counters, wall clock and CPU time (best of 3).
        let (mut best_mul, mut best_chk, mut cpu_mul, mut cpu_chk) =
            (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
        let mut stats = None;
        for _ in 0..3 {
            for check in [false, true] {
                let parties = setup(n);
                let (c0, start) = (cpu_seconds(), Instant::now());
                let done = run(&rt, parties, check);
                let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - c0);
                if check {
                    best_chk = best_chk.min(wall);
                    cpu_chk = cpu_chk.min(cpu);
                    stats = Some((done[0].transport().stats(), done[1].transport().stats()));
                } else {
                    best_mul = best_mul.min(wall);
                    cpu_mul = cpu_mul.min(cpu);
                }
            }
        }
        let (s0, _) = stats.unwrap();
        let per_cpu = |cpu: f64| {
            if cpu > 0.0 {
                n as f64 / (cpu / 2.0) / 1e6
            } else {
                f64::NAN
            }
        };
        println!(
            "n = {n} (load average {}): mul wall {:.3} s = {:.2} M mults/s, process CPU {:.2} s = {:.2} M mults per CPU-second per party; \
             mul + Π_MACCheck wall {:.3} s = {:.2} M/s, CPU {:.2} s = {:.2} M per CPU-second per party; \
             party 0 sent {:.1} bytes/mult, {} rounds in total ({} for the multiplication)",
            load_average(),
            best_mul,
            n as f64 / best_mul / 1e6,
            cpu_mul,
            per_cpu(cpu_mul),
            best_chk,
            n as f64 / best_chk / 1e6,
            cpu_chk,
            per_cpu(cpu_chk),
            s0.total.bytes_sent as f64 / n as f64,
            s0.rounds,
            s0.per_step
                .iter()
                .filter(|(k, _)| k.tag() == 0x0300_0000)
                .map(|(_, c)| c.rounds)
                .sum::<u64>(),
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("mul/{n}"), |b| {
            b.iter_batched(|| setup(n), |p| run(&rt, p, false), BatchSize::PerIteration)
        });
        g.bench_function(format!("mul_and_mac_check/{n}"), |b| {
            b.iter_batched(|| setup(n), |p| run(&rt, p, true), BatchSize::PerIteration)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
