//! Five colleagues learn their average salary and nothing else: each inputs its salary, the
//! sum is revealed (after the MAC checks), and divided by 5 in public.
//!
//! `cargo run --release --example average_salary` prints the average.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spdz::online::expr::{Builder, Revealed, run_local};

const SALARIES: [i64; 5] = [52_000, 61_500, 48_250, 75_000, 58_750];

#[tokio::main]
async fn main() -> Result<(), spdz::online::OnlineError> {
    let n = SALARIES.len();
    let outputs = run_local(n, |me, b: &mut Builder| {
        let mut total = b.input_int(0, (me == 0).then(|| vec![SALARIES[0]]), 1);
        for (j, &s) in SALARIES.iter().enumerate().skip(1) {
            let x = b.input_int(j, (me == j).then(|| vec![s]), 1);
            total = &total + &x;
        }
        b.reveal(&total);
    })
    .await?;
    if let Some(Revealed::Int(v)) = &outputs[0][0] {
        #[allow(clippy::cast_precision_loss)]
        let avg = v[0] as f64 / n as f64;
        println!("average salary of {n}: {avg:.2}");
    }
    Ok(())
}
