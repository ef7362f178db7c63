//! The privacy matrix: a cheater must learn nothing before the abort.
//!
//! For the four cheats that aim at honest secrets through the fixed-point API
//! (`ShiftEpsilon`, `ShiftDelta`, `ShiftComparison`, `InputOutOfRange`), every cheater seat and
//! n ∈ {2, 3}, this asserts:
//! 1. every honest party aborts with the check that catches the cheat (`MacCheckFailed`, or
//!    `InputOutOfRange` naming the cheater), outputs nothing and stays poisoned;
//! 2. **where** it stopped: it never sent its share of the statistically masked value that the
//!    cheat aimed at (the transport's record of its frames has nothing on that step, taken from
//!    an honest run of the same program), and, for the out-of-range input, it sent no masked
//!    opening and no Beaver opening at all after the input;
//! 3. the cheater's whole view — every frame it received, byte for byte — is identical for two
//!    different inputs of an honest party, run with the same seeds, the preprocessing of the
//!    second run being shifted by the simulation coupling (`spdz_insecure_test_dealer::Coupling`:
//!    the honest owner's masks `r' = r + Δ`, squares and triples likewise, so the shifted
//!    preprocessing has the same distribution). A control run without the coupling shows that
//!    the views do differ then, so the comparison is not vacuous.
//!
//! Deleting the check that runs before every statistically masked opening (`check_pending` in
//! `Party::open_raw`) or the range proof's zero test makes these tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::future::Future;
use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz::field::{FixedPoint, Fp};
use spdz::net::{MemoryTransport, NetError, Stats, Step, Transport};
use spdz::online::{Cheat, FixedParams, Masking, OnlineError, Party, TraceEvent};
use spdz_insecure_test_dealer::{Coupling, InsecureDealerSource, insecure_dealer};

mod online_common;
use online_common::assert_checked_before_masked;

/// One frame: (peer, step tag, payload).
type Frame = (usize, u32, Vec<u8>);

/// Everything one party sent and received.
#[derive(Clone, Default)]
struct Log {
    sent: Arc<Mutex<Vec<Frame>>>,
    received: Arc<Mutex<Vec<Frame>>>,
}

impl Log {
    fn sent(&self) -> Vec<Frame> {
        self.sent.lock().unwrap().clone()
    }
    fn received(&self) -> Vec<Frame> {
        self.received.lock().unwrap().clone()
    }
}

/// A transport that records every frame it carries (test instrumentation).
struct Recording {
    inner: MemoryTransport,
    log: Log,
}

impl Recording {
    fn note_sent(&self, to: usize, step: Step, payload: &[u8]) {
        self.log
            .sent
            .lock()
            .unwrap()
            .push((to, step.tag(), payload.to_vec()));
    }
    fn note_received(&self, from: usize, step: Step, payload: &[u8]) {
        self.log
            .received
            .lock()
            .unwrap()
            .push((from, step.tag(), payload.to_vec()));
    }
    fn peers(&self) -> impl Iterator<Item = usize> + '_ {
        let me = self.inner.id();
        (0..self.inner.parties()).filter(move |&j| j != me)
    }
}

impl Transport for Recording {
    fn id(&self) -> usize {
        self.inner.id()
    }
    fn parties(&self) -> usize {
        self.inner.parties()
    }
    fn send(
        &self,
        to: usize,
        step: Step,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), NetError>> + Send {
        self.note_sent(to, step, &payload);
        self.inner.send(to, step, payload)
    }
    async fn recv(&self, from: usize, step: Step) -> Result<Vec<u8>, NetError> {
        let r = self.inner.recv(from, step).await;
        if let Ok(b) = &r {
            self.note_received(from, step, b);
        }
        r
    }
    fn broadcast(
        &self,
        step: Step,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), NetError>> + Send {
        for j in self.peers() {
            self.note_sent(j, step, &payload);
        }
        self.inner.broadcast(step, payload)
    }
    async fn exchange_all(&self, step: Step, payload: Vec<u8>) -> Result<Vec<Vec<u8>>, NetError> {
        for j in self.peers() {
            self.note_sent(j, step, &payload);
        }
        let r = self.inner.exchange_all(step, payload).await;
        if let Ok(all) = &r {
            for j in self.peers() {
                self.note_received(j, step, &all[j]);
            }
        }
        r
    }
    async fn exchange(&self, step: Step, payloads: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, NetError> {
        for j in self.peers() {
            if let Some(p) = payloads.get(j) {
                self.note_sent(j, step, p);
            }
        }
        let r = self.inner.exchange(step, payloads).await;
        if let Ok(all) = &r {
            for j in self.peers() {
                self.note_received(j, step, &all[j]);
            }
        }
        r
    }
    fn stats(&self) -> Stats {
        self.inner.stats()
    }
    fn reset_stats(&self) {
        self.inner.reset_stats();
    }
    fn channel_index(&self) -> u16 {
        self.inner.channel_index()
    }
    fn channel(&self, index: u16) -> Self {
        Recording {
            inner: self.inner.channel(index),
            log: self.log.clone(),
        }
    }
}

type TestParty = Party<Recording, InsecureDealerSource<Fp>, Fp>;

/// Values per input vector.
const L: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prog {
    /// `fx_mul(x_c, x_h)`: a shifted ε would expose the honest right operand.
    MulHonestRight,
    /// `fx_mul(x_h, x_c)`: a shifted δ would expose the honest left operand.
    MulHonestLeft,
    /// `l = ltz(x_c)`, then `fx_mul(l·2^f, x_h)`: a non-bit `l` would expose `x_h`.
    CompareThenMul,
    /// `z = x_h·x_c` (a plain product), revealed to the cheater only: a shifted δ would give
    /// it `z + E·x_h`, masked by an `r` it knows.
    RevealToCheater,
}

fn prog_for(cheat: Cheat) -> Prog {
    match cheat {
        Cheat::ShiftDelta => Prog::MulHonestLeft,
        Cheat::ShiftComparison => Prog::CompareThenMul,
        _ => Prog::MulHonestRight,
    }
}

/// Every party inputs its vector (range-proven), then the program runs and reveals.
async fn program(
    mut p: TestParty,
    prog: Prog,
    h: usize,
    c: usize,
    inputs: Vec<Vec<f64>>,
) -> (Result<Vec<f64>, OnlineError>, TestParty) {
    let r = async {
        let me = p.id();
        let specs: Vec<(usize, Option<&[f64]>, usize)> = (0..p.parties())
            .map(|j| (j, (j == me).then_some(&inputs[j][..]), L))
            .collect();
        let xs = p.input_fixed_many(&specs).await?;
        let out = match prog {
            Prog::MulHonestRight => p.fx_mul(&xs[c], &xs[h]).await?,
            Prog::MulHonestLeft => p.fx_mul(&xs[h], &xs[c]).await?,
            Prog::CompareThenMul => {
                let l = p.ltz(&xs[c]).await?;
                let one = Fp::from_u128(1 << p.fixed_params().frac_bits());
                p.fx_mul(&l.scale(one), &xs[h]).await?
            }
            Prog::RevealToCheater => {
                let z = p.mul(&xs[h], &xs[c]).await?;
                let got = p.reveal_to(c, &z).await?;
                return Ok(got.map_or_else(Vec::new, |v| {
                    v.values().iter().map(|&x| x.to_i128() as f64).collect()
                }));
            }
        };
        p.reveal_fixed(&out).await
    }
    .await;
    (r, p)
}

type Outcome = Vec<(Result<Vec<f64>, OnlineError>, TestParty, Log)>;

async fn run(
    n: usize,
    prog: Prog,
    h: usize,
    c: usize,
    inputs: &[Vec<f64>],
    cheat: Option<Cheat>,
    coupling: Option<Coupling<Fp>>,
) -> Outcome {
    let seed = 7000 + n as u64;
    let mesh = MemoryTransport::mesh(n);
    let dealer = insecure_dealer::<Fp>(n, seed);
    let mut handles = Vec::new();
    let mut logs = Vec::new();
    for (i, (t, mut d)) in mesh.into_iter().zip(dealer).enumerate() {
        if i == h
            && let Some(cp) = coupling.clone()
        {
            d = d.with_coupling(cp);
        }
        let log = Log::default();
        logs.push(log.clone());
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ (0x5EED_0000 + i as u64));
        let mut p = Party::new(Recording { inner: t, log }, d, &mut rng)
            .unwrap()
            .with_trace();
        if i == c
            && let Some(ch) = cheat
        {
            p = p.with_cheat(ch);
        }
        let inputs = inputs.to_vec();
        handles.push(tokio::spawn(program(p, prog, h, c, inputs)));
    }
    let mut out = Vec::new();
    for (hd, log) in handles.into_iter().zip(logs) {
        let (r, p) = hd.await.unwrap();
        out.push((r, p, log));
    }
    out
}

fn inputs(n: usize, h: usize, honest: &[f64; L]) -> Vec<Vec<f64>> {
    (0..n)
        .map(|j| {
            if j == h {
                honest.to_vec()
            } else {
                vec![1.5 + j as f64, -2.0, 0.75, 3.0 - j as f64]
            }
        })
        .collect()
}

/// The coupling that maps party `h`'s input `x` to `x2` (see the module docs).
fn coupling(n: usize, h: usize, prog: Prog, x: &[f64], x2: &[f64]) -> Coupling<Fp> {
    let fx = FixedParams::default();
    let kk = fx.input_bits();
    let enc = FixedPoint::default();
    let offset = 1i128 << (kk - 1);
    let mut cp = Coupling::default();
    for e in 0..L {
        let (a, b) = (enc.encode(x[e]).unwrap(), enc.encode(x2[e]).unwrap());
        let (ua, ub) = (a.to_i128() + offset, b.to_i128() + offset);
        for i in 0..kk {
            let d = ((ub >> i) & 1) - ((ua >> i) & 1);
            let idx = e * kk as usize + i as usize;
            let d = Fp::from_i128(d);
            cp.masks.push((h, idx, d));
            cp.squares.push((h * L * kk as usize + idx, d));
        }
        let dx = b - a;
        let zero = Fp::from_u128(0);
        match prog {
            Prog::MulHonestRight => cp.triples.push((e, zero, dx)),
            Prog::MulHonestLeft | Prog::RevealToCheater => cp.triples.push((e, dx, zero)),
            Prog::CompareThenMul => {
                let before = fx.cost_ltz().triples * L;
                cp.triples.push((before + e, zero, dx));
            }
        }
    }
    let _ = n;
    cp
}

fn statistical_steps(events: &[TraceEvent]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Opened {
                step,
                masking: Masking::Statistical,
                ..
            } => Some(*step),
            _ => None,
        })
        .collect()
}

fn expected(cheat: Cheat, cheater: usize, e: &OnlineError) -> bool {
    match cheat {
        Cheat::InputOutOfRange => {
            matches!(e, OnlineError::InputOutOfRange { from } if *from == cheater)
        }
        _ => matches!(e, OnlineError::MacCheckFailed { .. }),
    }
}

/// The step of the opening the cheat aims at, from an honest party's trace of an honest run.
fn target_step(prog: Prog, trace: &[TraceEvent]) -> Option<u32> {
    if prog == Prog::RevealToCheater {
        return trace.iter().find_map(|e| match e {
            TraceEvent::Opened { step, what, .. } if *what == "private output shares" => {
                Some(*step)
            }
            _ => None,
        });
    }
    let k = usize::from(prog == Prog::CompareThenMul);
    statistical_steps(trace).get(k).copied()
}

async fn case(n: usize, cheat: Cheat, c: usize) {
    case_with(n, cheat, c, prog_for(cheat)).await;
}

async fn case_with(n: usize, cheat: Cheat, c: usize, prog: Prog) {
    let h = (0..n).find(|&j| j != c).unwrap();
    let xa = [3.25, 42.123, -7.5, 0.5];
    let xb = [-100.0, 1.0, 12.0, -0.25];
    let (ia, ib) = (inputs(n, h, &xa), inputs(n, h, &xb));
    let ctx = format!("{cheat:?} by {c}, n = {n}, honest owner {h}");

    // The honest run: the program works, and gives the step tag of the statistically masked
    // opening the cheat aims at.
    let honest = run(n, prog, h, c, &ia, None, None).await;
    let target = target_step(prog, honest[h].1.trace())
        .unwrap_or_else(|| panic!("{ctx}: the honest run lacks the targeted opening"));
    for (r, p, _) in &honest {
        assert!(r.is_ok(), "{ctx}: honest run failed: {r:?}");
        assert_checked_before_masked(p.trace());
    }

    let a = run(n, prog, h, c, &ia, Some(cheat), None).await;
    let b = run(
        n,
        prog,
        h,
        c,
        &ib,
        Some(cheat),
        Some(coupling(n, h, prog, &xa, &xb)),
    )
    .await;
    for outcome in [&a, &b] {
        for (id, (r, p, log)) in outcome.iter().enumerate() {
            if id == c {
                continue;
            }
            match r {
                Ok(v) => panic!("{ctx}: honest party {id} output {v:?}"),
                Err(e) => assert!(expected(cheat, c, e), "{ctx}: party {id} got {e:?}"),
            }
            assert!(p.abort_reason().is_some(), "{ctx}: party {id} not poisoned");
            // It never sent its share of the targeted masked value...
            assert!(
                log.sent().iter().all(|(_, step, _)| *step != target),
                "{ctx}: party {id} sent its share on the targeted step {target:#x}"
            );
            let trace = p.trace();
            // ... and the last thing it did was a check.
            let last_open = trace
                .iter()
                .rposition(|e| matches!(e, TraceEvent::Opened { .. }));
            let last_check = trace
                .iter()
                .rposition(|e| matches!(e, TraceEvent::Checked { .. }));
            assert!(last_check > last_open, "{ctx}: party {id}: {trace:?}");
            if cheat == Cheat::InputOutOfRange {
                // Nothing but the input round, the square round and the zero test.
                for e in trace {
                    if let TraceEvent::Opened { masking, what, .. } = e {
                        assert!(
                            *masking == Masking::ZeroTest || *what == "square ε",
                            "{ctx}: party {id} opened {what}"
                        );
                    }
                }
            }
        }
    }
    // The cheater's view does not depend on the honest input...
    let (va, vb) = (a[c].2.received(), b[c].2.received());
    assert!(va.len() > 4, "{ctx}: the cheater saw almost nothing");
    assert!(
        va == vb,
        "{ctx}: the cheater's view depends on the honest input"
    );
    // ... while without the coupling it would differ (the comparison is not vacuous).
    let control = run(n, prog, h, c, &ib, Some(cheat), None).await;
    assert!(
        control[c].2.received() != va,
        "{ctx}: the control run is not sensitive to the input"
    );
}

async fn matrix(n: usize) {
    for cheat in [
        Cheat::ShiftEpsilon,
        Cheat::ShiftDelta,
        Cheat::ShiftComparison,
        Cheat::InputOutOfRange,
    ] {
        for c in 0..n {
            case(n, cheat, c).await;
        }
    }
}

/// A private output is an output to its owner (who knows its mask): a cheating owner that
/// shifted δ is caught before any honest party sends its share of `z − r`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_output_to_a_shifting_owner() {
    for n in [2, 3] {
        for c in 0..n {
            case_with(n, Cheat::ShiftDelta, c, Prog::RevealToCheater).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_matrix_two_parties() {
    matrix(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_matrix_three_parties() {
    matrix(3).await;
}
