//! Fixed-point accuracy against f64 over 10,000 random inputs per function (2 parties), and
//! the exact preprocessing budget of every operation. The bounds asserted here are the ones
//! stated in `papers/spdz.md` and the function docs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may unwrap

mod online_common;

use online_common::{TestParty, make_parties, run_all};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use spdz::field::{FixedPoint, Fp};
use spdz::online::{Budget, FixedParams, OnlineError, Shared};

const N: usize = 10_000;

#[derive(Clone, Copy, Debug)]
enum Op {
    Mul,
    Div,
    Exp,
    Sigmoid,
    Ltz,
    Lt,
    Eq,
    Relu,
    Recip,
}

fn cost(op: Op, p: &FixedParams) -> Budget {
    match op {
        Op::Mul => p.cost_fx_mul(),
        Op::Div => p.cost_div(),
        Op::Exp => p.cost_exp(),
        Op::Sigmoid => p.cost_sigmoid(),
        Op::Ltz | Op::Lt => p.cost_ltz(),
        Op::Eq => p.cost_eqz(),
        Op::Relu => p.cost_relu(),
        Op::Recip => p.cost_reciprocal(),
    }
}

/// Party 0 inputs `xs`, party 1 inputs `ys`; returns the revealed results (decoded) and
/// checks that exactly the predicted budget was drawn for the operation.
async fn run(op: Op, xs: Vec<f64>, ys: Vec<f64>) -> Vec<f64> {
    let n = xs.len();
    let results = run_all(make_parties(2, 4242, None), move |mut p: TestParty| {
        let (xs, ys) = (xs.clone(), ys.clone());
        async move {
            let me = p.id();
            // Comparisons are tested up to |x̃| < 2^(k−1), beyond any input bound K ≤ k − f:
            // their inputs enter unchecked, as raw field elements (the integer path).
            let raw = matches!(op, Op::Ltz | Op::Lt | Op::Eq | Op::Relu | Op::Recip);
            let (x, y) = if raw {
                let enc = FixedPoint::default();
                let ex = enc.encode_slice(&xs).unwrap();
                let ey = enc.encode_slice(&ys).unwrap();
                let x = p.input(0, (me == 0).then_some(&ex[..]), n).await?;
                let y = p.input(1, (me == 1).then_some(&ey[..]), n).await?;
                (x, y)
            } else {
                let x = p.input_fixed(0, (me == 0).then_some(&xs[..]), n).await?;
                let y = p.input_fixed(1, (me == 1).then_some(&ys[..]), n).await?;
                (x, y)
            };
            let before = p.consumed().clone();
            let z: Shared<Fp> = match op {
                Op::Mul => p.fx_mul(&x, &y).await?,
                Op::Div => p.div(&x, &y).await?,
                Op::Exp => p.exp(&x).await?,
                Op::Sigmoid => p.sigmoid(&x).await?,
                Op::Ltz => p.ltz(&x).await?,
                Op::Lt => p.lt(&x, &y).await?,
                Op::Eq => p.eq(&x, &y).await?,
                Op::Relu => p.relu(&x).await?,
                Op::Recip => p.reciprocal(&x).await?,
            };
            let used = p.consumed().clone();
            online_common::assert_checked_before_masked(p.trace());
            assert_eq!(
                used,
                before + cost(op, &p.fixed_params()) * n,
                "{op:?}: budget"
            );
            let out = match op {
                // Bits are integers: reveal them raw.
                Op::Ltz | Op::Lt | Op::Eq => {
                    let v = p.reveal(&z).await?;
                    v.values().iter().map(|&b| b.to_u128() as f64).collect()
                }
                _ => p.reveal_fixed(&z).await?,
            };
            Ok::<_, OnlineError>((out, p))
        }
    })
    .await;
    let mut outs = Vec::new();
    for r in results {
        outs.push(r.unwrap().0);
    }
    assert_eq!(outs[0], outs[1]);
    outs.swap_remove(0)
}

fn uniform(rng: &mut ChaCha20Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Inputs as the parties will hold them (rounded to the fixed-point grid).
fn grid(xs: &[f64]) -> Vec<f64> {
    let enc = FixedPoint::default();
    xs.iter()
        .map(|&x| enc.decode(enc.encode(x).unwrap()))
        .collect()
}

fn max_err(got: &[f64], want: impl Fn(usize) -> f64, scale: impl Fn(usize) -> f64) -> (f64, usize) {
    let mut worst = (0.0f64, 0usize);
    for (i, &g) in got.iter().enumerate() {
        let e = (g - want(i)).abs() / scale(i);
        if e > worst.0 {
            worst = (e, i);
        }
    }
    worst
}

const ULP: f64 = 1.0 / 65536.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiplication_within_one_unit() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let xs = grid(
        &(0..N)
            .map(|_| uniform(&mut rng, -1000.0, 1000.0))
            .collect::<Vec<_>>(),
    );
    let ys = grid(
        &(0..N)
            .map(|_| uniform(&mut rng, -1000.0, 1000.0))
            .collect::<Vec<_>>(),
    );
    let got = run(Op::Mul, xs.clone(), ys.clone()).await;
    let (e, i) = max_err(&got, |i| xs[i] * ys[i], |_| ULP);
    eprintln!(
        "fx_mul: max error {e:.3} units (at x = {}, y = {})",
        xs[i], ys[i]
    );
    assert!(e <= 1.0 + 1e-6, "fx_mul error {e} units");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn division_accuracy() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let xs = grid(
        &(0..N)
            .map(|_| uniform(&mut rng, -100.0, 100.0))
            .collect::<Vec<_>>(),
    );
    let ys = grid(
        &(0..N)
            .map(|_| {
                let m = 2f64.powf(uniform(&mut rng, -6.0, 12.0));
                if rng.next_u32() % 2 == 0 { m } else { -m }
            })
            .collect::<Vec<_>>(),
    );
    let got = run(Op::Div, xs.clone(), ys.clone()).await;
    // Absolute error in units, relative to max(1, |x/y|).
    let (e, i) = max_err(
        &got,
        |i| xs[i] / ys[i],
        |i| ULP * (xs[i] / ys[i]).abs().max(1.0),
    );
    eprintln!(
        "div: max error {e:.3} units·max(1,|q|) (at x = {}, y = {}, got {})",
        xs[i], ys[i], got[i]
    );
    assert!(e <= 1.5, "div error {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exp_accuracy() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let xs = grid(
        &(0..N)
            .map(|_| uniform(&mut rng, -11.0, 24.0))
            .collect::<Vec<_>>(),
    );
    let got = run(Op::Exp, xs.clone(), vec![0.0; N]).await;
    let (e, i) = max_err(&got, |i| xs[i].exp(), |i| ULP * xs[i].exp().max(1.0));
    eprintln!(
        "exp: max error {e:.3} units·max(1,e^x) (at x = {}, got {}, want {})",
        xs[i],
        got[i],
        xs[i].exp()
    );
    assert!(e <= 1.5, "exp error {e}");
}

/// The reciprocal range-reduces |y| before its bit decomposition: far outside its domain
/// (up to |ỹ| < 2^(k−1)) the result is 1/y rounded to f bits, i.e. 0, and the run succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reciprocal_reduces_huge_divisors() {
    let xs = grid(&[
        2f64.powi(35),
        -(2f64.powi(40)),
        2f64.powi(46) + 3.0,
        4.0,
        -0.5,
    ]);
    let got = run(Op::Recip, xs.clone(), vec![0.0; xs.len()]).await;
    for (x, g) in xs.iter().zip(&got) {
        let want = 1.0 / x;
        assert!((g - want).abs() <= 1.5 * ULP, "1/{x} = {g}, want {want}");
    }
}

/// exp clamps its argument to its domain: far outside it the result is e^lo or e^hi (and no
/// internal step runs outside its bound: the budget is the documented one, the run succeeds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exp_clamps_outside_its_domain() {
    let (lo, hi) = FixedParams::default().exp_domain().unwrap();
    let xs = grid(&[-30000.0, -1000.0, -11.5, lo, hi, 25.0, 1000.0, 32000.0]);
    let got = run(Op::Exp, xs.clone(), vec![0.0; xs.len()]).await;
    for (x, g) in xs.iter().zip(&got) {
        let want = x.clamp(lo, hi).exp();
        let tol = 1.5 * ULP * want.max(1.0);
        assert!((g - want).abs() <= tol, "exp({x}) = {g}, want {want}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigmoid_accuracy() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let xs = grid(
        &(0..N)
            .map(|_| uniform(&mut rng, -20.0, 20.0))
            .collect::<Vec<_>>(),
    );
    let got = run(Op::Sigmoid, xs.clone(), vec![0.0; N]).await;
    let (e, i) = max_err(&got, |i| 1.0 / (1.0 + (-xs[i]).exp()), |_| ULP);
    eprintln!(
        "sigmoid: max error {e:.3} units (at x = {}, got {})",
        xs[i], got[i]
    );
    assert!(e <= 2.5, "sigmoid error {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comparisons_are_exact() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut xs: Vec<f64> = (0..N).map(|_| uniform(&mut rng, -1e9, 1e9)).collect();
    xs[0] = 0.0;
    xs[1] = -ULP;
    xs[2] = ULP;
    xs[3] = -(2f64.powi(47)) + 1.0;
    xs[4] = 2f64.powi(47) - 1.0;
    let xs = grid(&xs);
    let ys = grid(
        &(0..N)
            .map(|i| {
                if i % 2 == 0 {
                    xs[i]
                } else {
                    xs[i] + uniform(&mut rng, -3.0, 3.0)
                }
            })
            .collect::<Vec<_>>(),
    );
    let ltz = run(Op::Ltz, xs.clone(), ys.clone()).await;
    let lt = run(Op::Lt, xs.clone(), ys.clone()).await;
    let eq = run(Op::Eq, xs.clone(), ys.clone()).await;
    let relu = run(Op::Relu, xs.clone(), ys.clone()).await;
    for i in 0..N {
        assert_eq!(ltz[i], f64::from(u8::from(xs[i] < 0.0)), "ltz({})", xs[i]);
        assert_eq!(
            lt[i],
            f64::from(u8::from(xs[i] < ys[i])),
            "lt({}, {})",
            xs[i],
            ys[i]
        );
        assert_eq!(
            eq[i],
            f64::from(u8::from(xs[i] == ys[i])),
            "eq({}, {})",
            xs[i],
            ys[i]
        );
        assert_eq!(relu[i], xs[i].max(0.0), "relu({})", xs[i]);
    }
    eprintln!("comparisons: 0 errors over {N} inputs each (ltz, lt, eq, relu)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_product_and_public_scaling() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let n = 1000;
    let xs = grid(
        &(0..n)
            .map(|_| uniform(&mut rng, -10.0, 10.0))
            .collect::<Vec<_>>(),
    );
    let ys = grid(
        &(0..n)
            .map(|_| uniform(&mut rng, -10.0, 10.0))
            .collect::<Vec<_>>(),
    );
    let (xs2, ys2) = (xs.clone(), ys.clone());
    let results = run_all(make_parties(2, 99, None), move |mut p: TestParty| {
        let (xs, ys) = (xs2.clone(), ys2.clone());
        async move {
            let me = p.id();
            let x = p.input_fixed(0, (me == 0).then_some(&xs[..]), n).await?;
            let y = p.input_fixed(1, (me == 1).then_some(&ys[..]), n).await?;
            let before = p.consumed().clone();
            let d = p.fx_dot(&x, &y).await?;
            let s = p.fx_scale(&x, -2.5).await?;
            let fx = p.fixed_params();
            assert_eq!(
                p.consumed().clone(),
                before + fx.cost_fx_dot(n) + fx.cost_fx_scale() * n
            );
            let out = p.reveal_fixed(&Shared::concat(&[&d, &s])).await?;
            Ok::<_, OnlineError>((out, p))
        }
    })
    .await;
    let out = &results[0].as_ref().unwrap().0;
    let dot: f64 = xs.iter().zip(&ys).map(|(a, b)| a * b).sum();
    assert!((out[0] - dot).abs() <= ULP, "dot {} vs {dot}", out[0]);
    for i in 0..n {
        assert!(
            (out[1 + i] + 2.5 * xs[i]).abs() <= ULP,
            "scale {} vs {}",
            out[1 + i],
            -2.5 * xs[i]
        );
    }
}
