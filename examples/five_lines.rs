//! Two parties, two secret numbers, `(a·b) − 5·(a + b)`, reconstructed to party 0 only.
//! MASCOT makes the preprocessing between the two parties first (no dealer); then the online
//! phase evaluates the expression in one Beaver round.
//!
//! `cargo run --release --example five_lines` prints `875`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spdz::online::expr::{Builder, Revealed, run_local};

#[tokio::main]
async fn main() -> Result<(), spdz::online::OnlineError> {
    let outputs = run_local(2, |me, b: &mut Builder| {
        let a = b.input_int(0, (me == 0).then(|| vec![25]), 1); // Alice's secret
        let c = b.input_int(1, (me == 1).then(|| vec![50]), 1); // Bob's secret
        b.reveal_to(0, &((&a * &c) - 5 * (&a + &c)));
    })
    .await?;
    if let Some(Revealed::Int(v)) = &outputs[0][0] {
        println!("{}", v[0]);
    }
    Ok(())
}
