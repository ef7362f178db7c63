//! Secure inference of one record against a secret linear model: party 0 holds the weights and
//! the bias, party 1 holds the record; party 1 alone learns the score `w·x + b` and whether it
//! is positive. Neither sees the other's numbers.
//!
//! `cargo run --release --example inference` prints party 1's result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spdz::online::expr::{Builder, Revealed, run_local};

const WEIGHTS: [f64; 4] = [0.8, -1.25, 0.5, 2.0];
const BIAS: f64 = -0.75;
const RECORD: [f64; 4] = [1.5, 0.25, -2.0, 0.6];

#[tokio::main]
async fn main() -> Result<(), spdz::online::OnlineError> {
    let outputs = run_local(2, |me, b: &mut Builder| {
        let w = b.input_fixed(0, (me == 0).then(|| WEIGHTS.to_vec()), 4);
        let bias = b.input_fixed(0, (me == 0).then(|| vec![BIAS]), 1);
        let x = b.input_fixed(1, (me == 1).then(|| RECORD.to_vec()), 4);
        let score = (&w * &x).sum() + bias;
        let positive = score.is_positive();
        b.reveal_to(1, &score);
        b.reveal_to(1, &positive);
    })
    .await?;
    if let [Some(Revealed::Fixed(s)), Some(Revealed::Int(p))] = &outputs[1][..] {
        println!("score {:.4}, class {}", s[0], p[0]);
    }
    Ok(())
}
