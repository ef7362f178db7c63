//! Federated statistics against plaintext `f64`, on the bundled breast cancer table split
//! among 2, 3 and 5 parties by contiguous blocks, with the INSECURE test dealer standing in
//! for MASCOT (tests only; `spdz stats` uses MASCOT).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::{FixedPoint, Fp};
use spdz_insecure_test_dealer::insecure_dealer;
use spdz_model::data::{Table, blocks};
use spdz_model::secure::Reveal;
use spdz_model::stats::{Stats, StatsError, StatsSpec, plain_stats, run_stats, stats_budget};
use spdz_net::MemoryTransport;
use spdz_online::{Cheat, FixedParams, OnlineError, Party};

/// Columns 0..6 of the table (mean radius … mean compactness) and worst area (23).
const COLUMNS: [usize; 7] = [0, 1, 2, 3, 4, 5, 23];

fn table() -> (Vec<f64>, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/breast_cancer.csv");
    let t = Table::load(&path).unwrap();
    let enc = FixedPoint::default();
    let mut x = Vec::new();
    for r in 0..t.rows() {
        for &c in &COLUMNS {
            // The parties input values rounded to f bits; compare on the same values.
            x.push(enc.decode(enc.encode(t.row(r)[c]).unwrap()));
        }
    }
    (x, t.rows())
}

/// Grouped by the label (0 malignant, 1 benign).
fn labels() -> Vec<usize> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/breast_cancer.csv");
    let t = Table::load(&path).unwrap();
    let l = t.column_index("label").unwrap();
    (0..t.rows())
        .map(|r| usize::from(t.row(r)[l] == 1.0))
        .collect()
}

fn histograms() -> Vec<(usize, Vec<f64>)> {
    vec![
        (0, vec![5.0, 10.0, 15.0, 20.0, 25.0, 30.0]),
        (6, vec![0.0, 500.0, 1000.0, 2000.0, 5000.0]),
    ]
}

fn run(
    parties: usize,
    reveal: Reveal,
    cheat: Option<(usize, Cheat)>,
) -> Vec<Result<Option<Stats>, StatsError>> {
    let (x, rows) = table();
    let groups = labels();
    let d = COLUMNS.len();
    let parts = blocks(rows, parties);
    let spec = StatsSpec {
        rows: parts.iter().map(|r| r.len()).collect(),
        columns: d,
        histograms: histograms(),
        groups: 2,
        reveal,
    };
    let budget = stats_budget(&FixedParams::default(), &spec).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        let mesh = MemoryTransport::mesh(parties);
        let dealer = insecure_dealer::<Fp>(parties, 11);
        for (i, ((t, prep), range)) in mesh.into_iter().zip(dealer).zip(parts).enumerate() {
            let mine = x[range.start * d..range.end * d].to_vec();
            let my_groups = groups[range.clone()].to_vec();
            let spec = spec.clone();
            let budget = budget.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(300 + i as u64);
                let mut party = Party::new(t, prep, &mut rng).unwrap();
                if let Some((who, c)) = cheat
                    && who == i
                {
                    party = party.with_cheat(c);
                }
                let r = run_stats(&mut party, &spec, &mine, &my_groups).await;
                if r.is_ok() {
                    assert_eq!(party.consumed(), &budget, "party {i}: the announced budget");
                }
                r
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

#[test]
fn statistics_equal_plaintext_for_two_three_and_five_parties() {
    let (x, _) = table();
    let d = COLUMNS.len();
    let ids = labels();
    let want = plain_stats(&x, d, &histograms(), Some((&ids[..], 2)));
    for parties in [2, 3, 5] {
        for r in run(parties, Reveal::All, None) {
            let got = r.unwrap().unwrap();
            // Exact: count, min, max, histogram counts.
            assert_eq!(got.count, want.count);
            assert_eq!(got.min, want.min, "{parties} parties: min");
            assert_eq!(got.max, want.max, "{parties} parties: max");
            assert_eq!(got.histograms, want.histograms, "{parties} parties");
            assert_eq!(got.groups.len(), 2);
            for (g, w) in got.groups.iter().zip(&want.groups) {
                assert_eq!(g.count, w.count, "{parties} parties: group count");
                for (a, b) in g
                    .mean
                    .iter()
                    .zip(&w.mean)
                    .chain(g.variance.iter().zip(&w.variance))
                {
                    assert!(close(*a, *b, 1e-9), "{parties} parties: group {a} vs {b}");
                }
            }
            // Within 1e-9 relative: the secure sums are exact on the rounded inputs.
            for (name, g, w) in [
                ("sum", &got.sum, &want.sum),
                ("mean", &got.mean, &want.mean),
                ("variance", &got.variance, &want.variance),
                ("std", &got.std, &want.std),
                ("covariance", &got.covariance, &want.covariance),
                ("correlation", &got.correlation, &want.correlation),
            ] {
                for (a, b) in g.iter().zip(w) {
                    assert!(close(*a, *b, 1e-9), "{parties} parties: {name} {a} vs {b}");
                }
            }
        }
    }
}

#[test]
fn revealed_to_one_party_only() {
    let out = run(3, Reveal::To(2), None);
    assert!(out[0].as_ref().unwrap().is_none());
    assert!(out[1].as_ref().unwrap().is_none());
    assert!(out[2].as_ref().unwrap().is_some());
}

#[test]
fn a_cheater_at_every_seat_makes_everyone_abort() {
    for parties in [2, 3] {
        for cheater in 0..parties {
            for cheat in [
                Cheat::WrongShareOnOpen,
                Cheat::ShiftEpsilon,
                Cheat::InputOutOfRange,
            ] {
                let out = run(parties, Reveal::All, Some((cheater, cheat)));
                for (i, r) in out.into_iter().enumerate() {
                    if i == cheater {
                        continue;
                    }
                    let ok = match cheat {
                        Cheat::InputOutOfRange => matches!(
                            r,
                            Err(StatsError::Online(OnlineError::InputOutOfRange { from })) if from == cheater
                        ),
                        _ => matches!(
                            r,
                            Err(StatsError::Online(OnlineError::MacCheckFailed { .. }))
                        ),
                    };
                    assert!(
                        ok,
                        "{cheat:?} by {cheater} of {parties}: party {i} got {r:?}"
                    );
                }
            }
        }
    }
}

/// A party without rows takes part but its placeholder extremes are not compared: the minimum
/// of values all ≥ 1 stays ≥ 1.
#[test]
fn a_party_without_rows_does_not_enter_the_extremes() {
    let parts: [Vec<f64>; 3] = [vec![1.0, 2.0, 3.0], vec![], vec![4.0, 5.0]];
    let spec = StatsSpec {
        rows: parts.iter().map(Vec::len).collect(),
        columns: 1,
        histograms: vec![],
        groups: 0,
        reveal: Reveal::All,
    };
    let budget = stats_budget(&FixedParams::default(), &spec).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let out = runtime.block_on(async {
        let mut tasks = Vec::new();
        let mesh = MemoryTransport::mesh(3);
        let dealer = insecure_dealer::<Fp>(3, 12);
        for (i, ((t, prep), x)) in mesh.into_iter().zip(dealer).zip(parts).enumerate() {
            let spec = spec.clone();
            let budget = budget.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(400 + i as u64);
                let mut party = Party::new(t, prep, &mut rng).unwrap();
                let r = run_stats(&mut party, &spec, &x, &[])
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(party.consumed(), &budget);
                r
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    for s in out {
        assert_eq!((s.count, s.min[0], s.max[0]), (5, 1.0, 5.0));
        assert!((s.mean[0] - 3.0).abs() < 1e-9);
    }
}
