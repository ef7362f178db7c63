//! Online Beaver multiplication throughput: 2 parties in memory, one round per vector,
//! preprocessing dealt before timing (INSECURE test dealer: it only feeds the online phase,
//! whose cost is what is measured). Prints multiplications per second, bytes per
//! multiplication per party and rounds from the transport's counters.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz::field::{Field, Fp};
use spdz::net::{MemoryTransport, Transport};
use spdz::online::insecure_test_dealer::{InsecureDealerSource, insecure_dealer};
use spdz::online::{Party, Shared};

type P = Party<MemoryTransport, InsecureDealerSource<Fp>, Fp>;

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
        // One run outside criterion for the counters and a plain wall-clock figure.
        let parties = setup(n);
        let start = Instant::now();
        let done = run(&rt, parties, false);
        let mul = start.elapsed().as_secs_f64();
        let s = done[0].transport().stats();
        let parties = setup(n);
        let start = Instant::now();
        let done2 = run(&rt, parties, true);
        let with_check = start.elapsed().as_secs_f64();
        let s2 = done2[0].transport().stats();
        println!(
            "n = {n}: mul {:.3} s ({:.2} M mults/s), mul + MAC check {:.3} s ({:.2} M mults/s); \
             party 0 sent {:.1} bytes/mult in {} round(s) for the multiplication, {:.1} bytes/mult and {} rounds with the check",
            mul,
            n as f64 / mul / 1e6,
            with_check,
            n as f64 / with_check / 1e6,
            s.total.bytes_sent as f64 / n as f64,
            s.rounds,
            s2.total.bytes_sent as f64 / n as f64,
            s2.rounds,
        );
        drop((done, done2));
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
