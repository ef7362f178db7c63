//! Yao's millionaires: two parties learn who is richer and nothing else (one secure
//! comparison on fixed-point inputs, each range-proven).
//!
//! `cargo run --release --example millionaires -- 1250000.5 980000` prints who is richer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spdz::online::expr::{Builder, Revealed, run_local};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    // Millions, so that the default input bound (|x| < 2^15) holds.
    let alice = args.first().copied().unwrap_or(1_250_000.5) / 1e6;
    let bob = args.get(1).copied().unwrap_or(980_000.0) / 1e6;
    let outputs = run_local(2, |me, b: &mut Builder| {
        let a = b.input_fixed(0, (me == 0).then(|| vec![alice]), 1);
        let c = b.input_fixed(1, (me == 1).then(|| vec![bob]), 1);
        b.reveal(&a.gt(&c));
    })
    .await?;
    match &outputs[0][0] {
        Some(Revealed::Int(v)) if v[0] == 1 => println!("Alice is richer"),
        Some(Revealed::Int(_)) => println!("Bob is at least as rich"),
        other => println!("unexpected output {other:?}"),
    }
    Ok(())
}
