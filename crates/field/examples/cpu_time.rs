//! Field throughput per second of *on-CPU* time, for shared machines where wall-clock
//! benchmarks (criterion, `benches/field.rs`) are distorted by other processes.
//!
//! Linux only: reads the thread's cumulative run time from `/proc/thread-self/schedstat`.
//! Run: `cargo run --release -p spdz-field --example cpu_time`.

use std::hint::black_box;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use spdz_field::{Field, Fp, Gf128};

/// Nanoseconds this thread has spent on a CPU.
fn cpu_ns() -> Result<u64, Box<dyn std::error::Error>> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let first = s.split_whitespace().next().ok_or("empty schedstat")?;
    Ok(first.parse()?)
}

/// Runs `f` (which processes `elems` elements) repeatedly for about 0.3 s of CPU time, five
/// times, and returns the best rate in million elements per CPU-second.
fn rate(elems: usize, mut f: impl FnMut()) -> Result<f64, Box<dyn std::error::Error>> {
    let mut best = 0f64;
    for _ in 0..5 {
        let start = cpu_ns()?;
        let mut reps = 0u64;
        while cpu_ns()? - start < 300_000_000 {
            for _ in 0..16 {
                f();
            }
            reps += 16;
        }
        let ns = (cpu_ns()? - start) as f64;
        best = best.max(reps as f64 * elems as f64 / ns * 1e3);
    }
    Ok(best)
}

fn vectors<F: Field>(n: usize, seed: u64) -> (Vec<F>, Vec<F>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let a = (0..n).map(|_| F::random(&mut rng)).collect();
    let b = (0..n).map(|_| F::random(&mut rng)).collect();
    (a, b)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const N: usize = 1024;
    let (a, b) = vectors::<Fp>(N, 1);
    let mut out = vec![Fp::ZERO; N];
    let row = |name: &str, r: f64| println!("| {name} | {r:.1} |");
    println!("| operation | M elements / CPU-second |");
    println!("|---|---|");
    row(
        "Fp mul (1024 independent)",
        rate(N, || {
            for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                *o = *x * *y;
            }
            black_box(&out);
        })?,
    );
    row(
        "Fp add (1024 independent)",
        rate(N, || {
            for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                *o = *x + *y;
            }
            black_box(&out);
        })?,
    );
    row(
        "Fp inverse",
        rate(1, || {
            black_box(black_box(a[3]).inverse());
        })?,
    );
    for n in [1024usize, 65_536] {
        let (x, y) = vectors::<Fp>(n, 2);
        row(
            &format!("Fp inner product (n = {n})"),
            rate(n, || {
                black_box(Fp::inner_product(black_box(&x), black_box(&y)));
            })?,
        );
    }
    let (ga, gb) = vectors::<Gf128>(N, 3);
    let mut gout = vec![Gf128::ZERO; N];
    if Gf128::accelerated() {
        row(
            "Gf128 mul, PCLMULQDQ",
            rate(N, || {
                for ((o, x), y) in gout.iter_mut().zip(black_box(&ga)).zip(black_box(&gb)) {
                    *o = *x * *y;
                }
                black_box(&gout);
            })?,
        );
    }
    row(
        "Gf128 mul, portable",
        rate(N, || {
            for ((o, x), y) in gout.iter_mut().zip(black_box(&ga)).zip(black_box(&gb)) {
                *o = x.mul_portable(*y);
            }
            black_box(&gout);
        })?,
    );
    let (gx, gy) = vectors::<Gf128>(65_536, 4);
    row(
        "Gf128 inner product (n = 65536)",
        rate(65_536, || {
            black_box(Gf128::inner_product(black_box(&gx), black_box(&gy)));
        })?,
    );
    row(
        "Gf128 inner product, portable (n = 65536)",
        rate(65_536, || {
            black_box(Gf128::inner_product_portable(
                black_box(&gx),
                black_box(&gy),
            ));
        })?,
    );
    Ok(())
}
