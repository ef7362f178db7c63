//! Rounds per fixed-point operation, counted on the transport (every round, the checks' own
//! included), for the figures in `papers/spdz.md`. Each operation starts from a checked state
//! (nothing pending) on freshly input values, as in a program's first layer, and is followed by
//! nothing: what it costs on its own, including the checks it runs before its masked openings.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod online_common;

use online_common::{TestParty, make_parties, run_all};
use spdz::net::Transport;
use spdz::online::OnlineError;

#[derive(Clone, Copy, Debug)]
enum Op {
    FxMul,
    FxMulTwice,
    Ltz,
    Sigmoid,
}

async fn rounds(op: Op) -> u64 {
    let results = run_all(
        make_parties(2, 11, None),
        move |mut p: TestParty| async move {
            let me = p.id();
            let xs = [0.75, -1.5, 2.0, 3.25];
            let x = p.input_fixed(0, (me == 0).then_some(&xs[..]), 4).await?;
            let y = p.input_fixed(1, (me == 1).then_some(&xs[..]), 4).await?;
            p.check().await?;
            let before = p.transport().stats().rounds_total;
            let z = match op {
                Op::FxMul => p.fx_mul(&x, &y).await?,
                Op::FxMulTwice => {
                    let z = p.fx_mul(&x, &y).await?;
                    p.fx_mul(&z, &y).await?
                }
                Op::Ltz => p.ltz(&x).await?,
                Op::Sigmoid => p.sigmoid(&x).await?,
            };
            let r = p.transport().stats().rounds_total - before;
            drop(z);
            Ok::<_, OnlineError>(r)
        },
    )
    .await;
    let r: Vec<u64> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(r[0], r[1]);
    r[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rounds_per_operation() {
    let fx_mul = rounds(Op::FxMul).await;
    let twice = rounds(Op::FxMulTwice).await;
    let ltz = rounds(Op::Ltz).await;
    let sigmoid = rounds(Op::Sigmoid).await;
    eprintln!("rounds: fx_mul {fx_mul}, two fx_mul in a row {twice}, ltz {ltz}, sigmoid {sigmoid}");
    // fx_mul: Beaver (1), Π_MACCheck over ε‖δ before TruncPR's masked c (coins 2 + σ 2), c (1).
    assert_eq!(fx_mul, 6);
    assert_eq!(twice, 12);
    // ltz on checked values: its masked c needs no check before it (1), BitLT's carry tree
    // over 63 bits (6).
    assert_eq!(ltz, 7);
    assert!(sigmoid < 200, "sigmoid {sigmoid}");
}
