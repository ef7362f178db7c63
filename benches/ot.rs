//! OT benchmarks: 128 base OTs (Masny–Rindal, ristretto255), KOS and SoftSpokenOT (k = 2, 4, 8)
//! random-OT throughput for one sender/receiver pair, over the in-memory transport and over TCP + mutual TLS on
//! loopback. Each party runs in its own tokio task on a 2-worker runtime. Bytes per OT come
//! from the transport's counters.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_net::{MemoryTransport, TlsOptions, TlsTransport, Transport};
use spdz_ot::softspoken::SoftSpoken;
use spdz_ot::{RotExtension, RotReceiver, RotSender, base, kos};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn memory_pair() -> (MemoryTransport, MemoryTransport) {
    let mut m = MemoryTransport::mesh(2).into_iter();
    (m.next().unwrap(), m.next().unwrap())
}

async fn tls_pair() -> (TlsTransport, TlsTransport) {
    let mut mesh = TlsTransport::loopback_mesh(2, 4242, TlsOptions::default())
        .await
        .unwrap()
        .into_iter();
    (mesh.next().unwrap(), mesh.next().unwrap())
}

/// Runs `iters` base-OT batches of 128 between the pair; returns the elapsed time.
async fn base_ots<T: Transport + Clone + 'static>(t0: T, t1: T, iters: u64) -> Duration {
    let start = Instant::now();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for _ in 0..iters {
            base::send(&t0, 1, 128, &mut rng).await.unwrap();
        }
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let choices = vec![true; 128];
        for _ in 0..iters {
            base::receive(&t1, 0, &choices, &mut rng).await.unwrap();
        }
    });
    s.await.unwrap();
    r.await.unwrap();
    start.elapsed()
}

/// Sets up KOS once, then times `iters` random-OT calls of `n` OTs each.
async fn kos_random<T: Transport + Clone + 'static>(
    t0: T,
    t1: T,
    n: usize,
    iters: u64,
) -> Duration {
    let c0 = t0.clone();
    let c1 = t1.clone();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        kos::Sender::setup(&c0, 1, &mut rng).await.unwrap()
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        kos::Receiver::setup(&c1, 0, &mut rng).await.unwrap()
    });
    let (mut sender, mut receiver) = (s.await.unwrap(), r.await.unwrap());
    let choices: Vec<bool> = (0..n).map(|i| (i * 7 + i / 3) % 2 == 1).collect();
    let start = Instant::now();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for _ in 0..iters {
            std::hint::black_box(sender.send_random(&t0, n, &mut rng).await.unwrap());
        }
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for _ in 0..iters {
            std::hint::black_box(
                receiver
                    .receive_random(&t1, &choices, &mut rng)
                    .await
                    .unwrap(),
            );
        }
    });
    s.await.unwrap();
    r.await.unwrap();
    start.elapsed()
}

fn report_bytes<T: Transport>(label: &str, t_sender: &T, t_receiver: &T, ots: u64) {
    let s = t_sender.stats().total;
    let r = t_receiver.stats().total;
    eprintln!(
        "{label}: {:.2} bytes/OT receiver→sender, {:.4} bytes/OT sender→receiver, rounds {}",
        r.bytes_sent as f64 / ots as f64,
        s.bytes_sent as f64 / ots as f64,
        t_receiver.stats().rounds
    );
}

/// This process's user + system CPU time (Linux `/proc/self/stat`, clock ticks of 10 ms).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command name: field 3 is state, so utime/stime (fields 14/15) are at 11/12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Wall-clock and CPU time of `total` random OTs in calls of `n`, in-memory. On a shared,
/// loaded machine the CPU time per OT is the more stable figure: sender and receiver each
/// keep one core busy, so with two idle cores throughput ≈ 2 / (CPU time per OT).
fn cpu_profile(rt: &Runtime, n: usize, calls: u64) {
    let cpu0 = cpu_time();
    let wall = rt.block_on(async {
        let (a, z) = memory_pair();
        kos_random(a, z, n, calls).await
    });
    let cpu1 = cpu_time();
    let ots = n as f64 * calls as f64;
    eprintln!(
        "KOS random OT, in-memory, {} OTs: wall {:.2} s = {:.2} M OT/s",
        ots,
        wall.as_secs_f64(),
        ots / wall.as_secs_f64() / 1e6
    );
    if let (Some(c0), Some(c1)) = (cpu0, cpu1) {
        let cpu = (c1 - c0).as_secs_f64();
        eprintln!(
            "  CPU {:.2} s (both parties, incl. setup) = {:.1} ns CPU/OT; two idle cores ≈ {:.2} M OT/s",
            cpu,
            cpu * 1e9 / ots,
            2.0 * ots / cpu / 1e6
        );
    }
}

/// CPU time of one 128-OT base-OT batch (both parties), averaged over `batches`.
fn base_cpu_profile(rt: &Runtime, batches: u64) {
    let cpu0 = cpu_time();
    let wall = rt.block_on(async {
        let (a, z) = memory_pair();
        base_ots(a, z, batches).await
    });
    let cpu1 = cpu_time();
    if let (Some(c0), Some(c1)) = (cpu0, cpu1) {
        eprintln!(
            "base OT, 128 OTs, in-memory: wall {:.1} ms/batch, CPU {:.1} ms/batch (both parties)",
            wall.as_secs_f64() * 1e3 / batches as f64,
            (c1 - c0).as_secs_f64() * 1e3 / batches as f64
        );
    }
}

fn bench_ot(c: &mut Criterion) {
    let rt = runtime();

    let mut g = c.benchmark_group("ot/base");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(128));
    g.bench_function("128 base OTs, memory", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let (a, z) = memory_pair();
                base_ots(a, z, iters).await
            })
        })
    });
    let (ta, tb) = rt.block_on(tls_pair());
    g.bench_function("128 base OTs, TLS loopback", |b| {
        b.iter_custom(|iters| rt.block_on(base_ots(ta.clone(), tb.clone(), iters)))
    });
    g.finish();

    let n: usize = 1 << 22;
    let mut g = c.benchmark_group("ot/kos-random");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("4M random OTs, memory", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let (a, z) = memory_pair();
                kos_random(a, z, n, iters).await
            })
        })
    });
    let (ta, tb) = rt.block_on(tls_pair());
    g.bench_function("4M random OTs, TLS loopback", |b| {
        b.iter_custom(|iters| rt.block_on(kos_random(ta.channel(1), tb.channel(1), n, iters)))
    });
    g.finish();

    // Bytes per OT for one 4M-OT call (setup traffic excluded).
    rt.block_on(async {
        let (a, z) = memory_pair();
        let (a2, z2) = (a.clone(), z.clone());
        let s = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(7);
            kos::Sender::setup(&a2, 1, &mut rng).await.unwrap()
        });
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let mut receiver = kos::Receiver::setup(&z2, 0, &mut rng).await.unwrap();
        let mut sender = s.await.unwrap();
        a.reset_stats();
        z.reset_stats();
        let choices = vec![false; n];
        let (a3, z3) = (a.clone(), z.clone());
        let s = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(9);
            sender.send_random(&a3, n, &mut rng).await.unwrap();
        });
        receiver
            .receive_random(&z3, &choices, &mut rng)
            .await
            .unwrap();
        s.await.unwrap();
        report_bytes("KOS random OT (4M)", &a, &z, n as u64);
    });
    cpu_profile(&rt, n, 4);
    base_cpu_profile(&rt, 50);
}

/// Sets up extension `E` once (through [`RotExtension`], as MASCOT does), then times `iters`
/// random-OT calls of `n` OTs each. Returns the elapsed time and the bytes each side sent
/// during the timed calls (setup excluded).
async fn ext_random<E>(n: usize, iters: u64) -> (Duration, u64, u64)
where
    E: RotExtension + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let (t0, t1) = memory_pair();
    let (c0, c1) = (t0.clone(), t1.clone());
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        E::setup_sender(&c0, 1, &mut rng, None).await.unwrap()
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        E::setup_receiver(&c1, 0, &mut rng, None).await.unwrap()
    });
    let (mut sender, mut receiver) = (s.await.unwrap(), r.await.unwrap());
    t0.reset_stats();
    t1.reset_stats();
    let choices: Vec<bool> = (0..n).map(|i| (i * 7 + i / 3) % 2 == 1).collect();
    let (c0, c1) = (t0.clone(), t1.clone());
    let start = Instant::now();
    let s = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for _ in 0..iters {
            std::hint::black_box(sender.send_random(&c0, n, &mut rng).await.unwrap());
        }
    });
    let r = tokio::spawn(async move {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for _ in 0..iters {
            std::hint::black_box(
                receiver
                    .receive_random(&c1, &choices, &mut rng)
                    .await
                    .unwrap(),
            );
        }
    });
    s.await.unwrap();
    r.await.unwrap();
    let elapsed = start.elapsed();
    (
        elapsed,
        t1.stats().total.bytes_sent,
        t0.stats().total.bytes_sent,
    )
}

/// Wall clock, CPU time (both parties) and bytes per OT of `calls` calls of `n` random OTs.
fn ext_profile<E>(rt: &Runtime, label: &str, n: usize, calls: u64)
where
    E: RotExtension + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let cpu0 = cpu_time();
    let (wall, r_bytes, s_bytes) = rt.block_on(ext_random::<E>(n, calls));
    let cpu1 = cpu_time();
    let ots = n as f64 * calls as f64;
    eprintln!(
        "{label} random OT, in-memory, {ots} OTs: wall {:.2} s = {:.2} M OT/s; {:.3} bytes/OT receiver→sender, {:.4} sender→receiver",
        wall.as_secs_f64(),
        ots / wall.as_secs_f64() / 1e6,
        r_bytes as f64 / ots,
        s_bytes as f64 / ots,
    );
    if let (Some(c0), Some(c1)) = (cpu0, cpu1) {
        let cpu = (c1 - c0).as_secs_f64();
        eprintln!(
            "  CPU {:.2} s (both parties, incl. setup) = {:.1} ns CPU/OT; two idle cores ≈ {:.2} M OT/s",
            cpu,
            cpu * 1e9 / ots,
            2.0 * ots / cpu / 1e6
        );
    }
}

/// SoftSpokenOT for k = 2, 4, 8 against KOS through the same [`RotExtension`] path.
fn bench_softspoken(c: &mut Criterion) {
    let rt = runtime();
    let n: usize = 1 << 22;
    let mut g = c.benchmark_group("ot/softspoken-random");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("KOS, 4M random OTs, memory", |b| {
        b.iter_custom(|iters| rt.block_on(ext_random::<kos::Kos>(n, iters)).0)
    });
    g.bench_function("k=2, 4M random OTs, memory", |b| {
        b.iter_custom(|iters| rt.block_on(ext_random::<SoftSpoken<2>>(n, iters)).0)
    });
    g.bench_function("k=4, 4M random OTs, memory", |b| {
        b.iter_custom(|iters| rt.block_on(ext_random::<SoftSpoken<4>>(n, iters)).0)
    });
    g.bench_function("k=8, 4M random OTs, memory", |b| {
        b.iter_custom(|iters| rt.block_on(ext_random::<SoftSpoken<8>>(n, iters)).0)
    });
    g.finish();
    ext_profile::<kos::Kos>(&rt, "KOS", n, 4);
    ext_profile::<SoftSpoken<2>>(&rt, "SoftSpokenOT k=2", n, 4);
    ext_profile::<SoftSpoken<4>>(&rt, "SoftSpokenOT k=4", n, 4);
    ext_profile::<SoftSpoken<8>>(&rt, "SoftSpokenOT k=8", n, 4);
}

criterion_group!(benches, bench_ot, bench_softspoken);
criterion_main!(benches);
