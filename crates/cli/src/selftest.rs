//! `spdz selftest`: field arithmetic throughput on this machine, single core.
//!
//! This is a quick sanity figure, not a benchmark: `cargo bench --bench field` is the careful
//! measurement. Each operation runs for about `--millis` milliseconds over data that the
//! compiler cannot fold away.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use spdz_field::{Field, Fp, Gf128};

use crate::exit::Failure;

/// Arguments of `spdz selftest`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Approximate time spent on each operation, in milliseconds.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    millis: u64,
}

/// One measured operation.
struct Measurement {
    name: &'static str,
    unit: &'static str,
    per_second: f64,
}

const VECTOR: usize = 1 << 12;

/// Repeats `round` (which processes `items` items) until `budget` has passed; returns items/s.
fn measure(budget: Duration, items: usize, mut round: impl FnMut()) -> f64 {
    round(); // warm-up
    let start = Instant::now();
    let mut rounds = 0u64;
    while start.elapsed() < budget {
        round();
        rounds += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    // Precision loss converting counts to f64 is irrelevant for a throughput figure.
    #[allow(clippy::cast_precision_loss)]
    let total = (rounds as f64) * (items as f64);
    total / seconds
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let budget = Duration::from_millis(args.millis);
    // Public, non-secret benchmark data: a fixed seed keeps runs comparable.
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
    let xs: Vec<Fp> = (0..VECTOR).map(|_| Fp::random(&mut rng)).collect();
    let ys: Vec<Fp> = (0..VECTOR).map(|_| Fp::random(&mut rng)).collect();
    let gx: Vec<Gf128> = xs.iter().map(|x| Gf128::from(x.to_u128())).collect();
    let gy: Vec<Gf128> = ys
        .iter()
        .map(|y| Gf128::from(y.to_u128() << 1 | 1))
        .collect();

    let mut out = vec![Fp::ZERO; VECTOR];
    let mut gout = vec![Gf128::ZERO; VECTOR];
    let results = [
        Measurement {
            name: "fp_mul",
            unit: "mul/s",
            per_second: measure(budget, VECTOR, || {
                for ((o, x), y) in out.iter_mut().zip(&xs).zip(&ys) {
                    *o = *x * *y;
                }
                black_box(&mut out);
            }),
        },
        Measurement {
            name: "fp_add",
            unit: "add/s",
            per_second: measure(budget, VECTOR, || {
                for ((o, x), y) in out.iter_mut().zip(&xs).zip(&ys) {
                    *o = *x + *y;
                }
                black_box(&mut out);
            }),
        },
        Measurement {
            name: "fp_inner_product",
            unit: "elements/s",
            per_second: measure(budget, VECTOR, || {
                black_box(Fp::inner_product(black_box(&xs), black_box(&ys)));
            }),
        },
        Measurement {
            name: "fp_inverse",
            unit: "inv/s",
            per_second: measure(budget, 64, || {
                for x in &xs[..64] {
                    black_box(x.inverse());
                }
            }),
        },
        Measurement {
            name: "gf128_mul",
            unit: "mul/s",
            per_second: measure(budget, VECTOR, || {
                for ((o, x), y) in gout.iter_mut().zip(&gx).zip(&gy) {
                    *o = *x * *y;
                }
                black_box(&mut gout);
            }),
        },
    ];

    if args.json {
        let map: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|m| {
                (
                    format!("{}_per_second", m.name),
                    serde_json::json!(m.per_second.round()),
                )
            })
            .collect();
        println!("{}", serde_json::Value::Object(map));
    } else {
        println!(
            "field throughput, one core ({} ms per operation)",
            args.millis
        );
        for m in &results {
            println!("  {:<18} {:>10.1} M {}", m.name, m.per_second / 1e6, m.unit);
        }
    }
    Ok(())
}
