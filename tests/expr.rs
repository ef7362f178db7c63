//! The expression API: batching by multiplicative depth, and the examples under `examples/`
//! (each run as the binary `cargo test` builds, its output checked).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod online_common;

use online_common::{TestParty, make_parties, run_all};
use spdz::online::expr::{Builder, Expr, Revealed};
use spdz::online::{OnlineError, TraceEvent};

/// A circuit of multiplicative depth `d` and width `w`: `w` independent product chains of
/// length `d` over vectors of 3, plus linear mixing between levels.
fn chains(me: usize, d: usize, w: usize) -> Builder {
    let mut b = Builder::new();
    let mut xs: Vec<Expr> = (0..w)
        .map(|i| {
            let v = vec![i as i64 + 1, 2, 3];
            b.input_int(i % 2, (me == i % 2).then_some(v), 3)
        })
        .collect();
    let y = b.input_int(1, (me == 1).then_some(vec![1, 1, 2]), 3);
    for _ in 0..d {
        xs = xs.iter().map(|x| &(x * &y) + &(2 * x)).collect();
    }
    let total = xs.iter().skip(1).fold(xs[0].clone(), |a, x| &a + x);
    b.reveal(&total);
    b
}

fn beaver_rounds(trace: &[TraceEvent]) -> usize {
    trace
        .iter()
        .filter(|e| {
            matches!(
                e,
                TraceEvent::Opened {
                    what: "Beaver ε‖δ",
                    ..
                }
            )
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_d_takes_d_beaver_rounds_whatever_the_width() {
    for d in 1..=4 {
        for w in [1usize, 16, 200] {
            let results = run_all(
                make_parties(2, 5, None),
                move |mut p: TestParty| async move {
                    let c = chains(p.id(), d, w).finish()?;
                    assert_eq!(c.depth(), d);
                    let before = p.consumed().clone();
                    let out = c.evaluate(&mut p).await?;
                    let used = p.consumed().clone();
                    let fx = p.fixed_params();
                    assert_eq!(used, before + c.budget(&fx), "budget, d = {d}, w = {w}");
                    Ok::<_, OnlineError>((out, beaver_rounds(p.trace())))
                },
            )
            .await;
            for r in results {
                let (out, rounds) = r.unwrap();
                assert_eq!(rounds, d, "d = {d}, w = {w}");
                // Each chain: x·(y + 2)^d per element; y + 2 = (3, 3, 4).
                let want: Vec<i128> = (0..3)
                    .map(|e| {
                        let f: i128 = [3, 3, 4][e];
                        (0..w)
                            .map(|i| [i as i128 + 1, 2, 3][e] * f.pow(u32::try_from(d).unwrap()))
                            .sum()
                    })
                    .collect();
                assert_eq!(out, vec![Some(Revealed::Int(want))]);
            }
        }
    }
}

/// The examples' binaries, as `cargo test` builds them next to the test binaries.
fn example(name: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let out = std::process::Command::new(&path)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn five_line_example_prints_875() {
    assert_eq!(example("five_lines").trim(), "875");
}

#[test]
fn millionaires_example() {
    assert_eq!(example("millionaires").trim(), "Alice is richer");
}

#[test]
fn average_salary_example() {
    assert_eq!(
        example("average_salary").trim(),
        "average salary of 5: 59100.00"
    );
}

#[test]
fn votes_example() {
    let out = example("votes");
    assert!(out.contains("ballot 3: invalid"), "{out}");
    assert!(out.contains("tally: [1, 2, 0]"), "{out}");
}

#[test]
fn inference_example() {
    assert_eq!(example("inference").trim(), "score 0.3375, class 1");
}
