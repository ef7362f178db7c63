//! Four voters, three candidates: each voter inputs a ballot of three entries, each proven to
//! be a bit; the parties reveal, per ballot, whether it is valid (exactly one 1) and the tally
//! of the valid ballots, and nothing else about any ballot. A voter who ticks two candidates is
//! seen as invalid and not counted; one who inputs 5 for a candidate is caught by the range
//! proof (`InputOutOfRange`), before anything is computed.
//!
//! `cargo run --release --example votes` prints the validity of every ballot and the tally.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spdz::online::expr::{Builder, Expr, Revealed, run_local};

/// Ballots: voter 3 ticks two candidates.
const BALLOTS: [[u64; 3]; 4] = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 1]];

#[tokio::main]
async fn main() -> Result<(), spdz::online::OnlineError> {
    let voters = BALLOTS.len();
    let outputs = run_local(voters, |me, b: &mut Builder| {
        let mut tally: Option<Expr> = None;
        let mut valid = Vec::new();
        for (j, ballot) in BALLOTS.iter().enumerate() {
            let v = b.input_uint(j, (me == j).then(|| ballot.to_vec()), 3, 1);
            let ok = (v.sum() - 1).is_zero(); // exactly one bit set
            let counted = &v * &ok.repeat(3);
            tally = Some(match tally {
                None => counted,
                Some(t) => &t + &counted,
            });
            valid.push(ok);
        }
        for ok in &valid {
            b.reveal(ok);
        }
        if let Some(t) = &tally {
            b.reveal(t);
        }
    })
    .await?;
    let outs = &outputs[0];
    for (j, o) in outs.iter().take(voters).enumerate() {
        if let Some(Revealed::Int(v)) = o {
            println!(
                "ballot {j}: {}",
                if v[0] == 1 { "valid" } else { "invalid" }
            );
        }
    }
    if let Some(Some(Revealed::Int(t))) = outs.get(voters) {
        println!("tally: {t:?}");
    }
    Ok(())
}
