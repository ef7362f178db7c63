//! Field arithmetic throughput: `Fp` (p = 2^127 − 1) mul, add, inverse, inner product, and
//! `Gf128` multiplication on the PCLMULQDQ and portable paths.
//!
//! Run: `cargo bench --bench field -- --warm-up-time 1 --measurement-time 3`.
//! Throughput is in field elements per second (for inner products: terms per second).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use spdz::field::{Field, Fp, Gf128};

const N: usize = 1024;

fn vectors<F: Field>(n: usize, seed: u64) -> (Vec<F>, Vec<F>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let a = (0..n).map(|_| F::random(&mut rng)).collect();
    let b = (0..n).map(|_| F::random(&mut rng)).collect();
    (a, b)
}

fn fp(c: &mut Criterion) {
    let mut g = c.benchmark_group("fp");
    let (a, b) = vectors::<Fp>(N, 1);
    let mut out = vec![Fp::ZERO; N];

    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("mul", |bch| {
        bch.iter(|| {
            for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                *o = *x * *y;
            }
            black_box(&out);
        });
    });
    g.bench_function("mul_dependent_chain", |bch| {
        bch.iter(|| {
            let mut acc = black_box(a[0]);
            for x in black_box(&b) {
                acc *= *x;
            }
            black_box(acc)
        });
    });
    g.bench_function("add", |bch| {
        bch.iter(|| {
            for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                *o = *x + *y;
            }
            black_box(&out);
        });
    });
    g.bench_function("axpy", |bch| {
        bch.iter_batched_ref(
            || b.clone(),
            |y| Fp::axpy(y, black_box(a[1]), black_box(&a)),
            BatchSize::SmallInput,
        );
    });

    g.throughput(Throughput::Elements(1));
    g.bench_function("inverse", |bch| {
        bch.iter(|| black_box(black_box(a[3]).inverse()));
    });
    g.bench_function("sqrt", |bch| {
        bch.iter(|| black_box(black_box(a[3]).sqrt()));
    });

    for n in [1024usize, 65_536] {
        let (x, y) = vectors::<Fp>(n, 2);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("inner_product/{n}"), |bch| {
            bch.iter(|| black_box(Fp::inner_product(black_box(&x), black_box(&y))));
        });
    }
    g.finish();
}

fn gf128(c: &mut Criterion) {
    let mut g = c.benchmark_group("gf128");
    let (a, b) = vectors::<Gf128>(N, 3);
    let mut out = vec![Gf128::ZERO; N];
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("mul", |bch| {
        bch.iter(|| {
            for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                *o = *x * *y;
            }
            black_box(&out);
        });
    });
    if Gf128::accelerated() {
        g.bench_function("mul_pclmul", |bch| {
            bch.iter(|| {
                for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                    *o = x.mul_accelerated(*y).unwrap_or_default();
                }
                black_box(&out);
            });
        });
    }
    g.bench_function("mul_portable", |bch| {
        bch.iter(|| {
            for ((o, x), y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                *o = x.mul_portable(*y);
            }
            black_box(&out);
        });
    });
    let n = 65_536;
    let (x, y) = vectors::<Gf128>(n, 4);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("inner_product/{n}"), |bch| {
        bch.iter(|| black_box(Gf128::inner_product(black_box(&x), black_box(&y))));
    });
    g.bench_function(format!("inner_product_portable/{n}"), |bch| {
        bch.iter(|| black_box(Gf128::inner_product_portable(black_box(&x), black_box(&y))));
    });
    g.finish();
}

criterion_group!(benches, fp, gf128);
criterion_main!(benches);
