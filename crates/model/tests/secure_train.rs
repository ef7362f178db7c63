//! Secure training against the plaintext trainer, on the bundled breast cancer data, with the
//! INSECURE test dealer standing in for MASCOT (tests only; the CLI uses MASCOT).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::Fp;
use spdz_insecure_test_dealer::insecure_dealer;
use spdz_model::data::{Dataset, LabelSpec, column_blocks, split_rows};
use spdz_model::plain::{Model, Sigmoid, Standardizer, TrainConfig, train as plain_train};
use spdz_model::secure::{
    Layout, LocalData, Reveal, infer, inference_budget, train, training_budget,
};
use spdz_net::{MemoryTransport, Transport as _};
use spdz_online::{FixedParams, Party};

fn breast_cancer() -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/breast_cancer.csv");
    Dataset::load(&path, &LabelSpec::default()).unwrap()
}

/// One party's features and (if it holds them) labels.
type Local = (Vec<f64>, Option<Vec<usize>>);

struct Outcome {
    secure: Model,
    plain: Model,
    secure_acc: f64,
    plain_acc: f64,
    max_weight_diff: f64,
    /// Secure inference on the test rows (input by party 0, labels revealed to party 0).
    inferred: Option<Vec<usize>>,
}

/// Runs the secure trainer for `parties` parties on the rule's split, checks the budget
/// against what every party consumed, and compares with the plaintext trainer.
fn run(parties: usize, columns: bool, cfg: TrainConfig, reveal: Reveal) -> Outcome {
    run_with(parties, columns, cfg, reveal, false)
}

fn run_with(
    parties: usize,
    columns: bool,
    cfg: TrainConfig,
    reveal: Reveal,
    infer_test: bool,
) -> Outcome {
    let data = breast_cancer();
    let split = split_rows(&data, parties).unwrap();
    let train_set = Dataset::concat_rows(&split.parties).unwrap();
    let d = data.width();
    let (layout, locals): (Layout, Vec<Local>) = if columns {
        let cols = column_blocks(d, parties);
        let layout = Layout::Columns {
            rows: train_set.rows(),
            features: cols.iter().map(Vec::len).collect(),
            label_owner: parties - 1,
        };
        let locals = cols
            .iter()
            .enumerate()
            .map(|(p, c)| {
                let part = train_set.select_features(c);
                let y = (p == parties - 1).then(|| part.y().to_vec());
                (part.x().to_vec(), y)
            })
            .collect();
        (layout, locals)
    } else {
        let layout = Layout::Rows {
            rows: split.parties.iter().map(Dataset::rows).collect(),
            features: d,
        };
        let locals = split
            .parties
            .iter()
            .map(|p| (p.x().to_vec(), Some(p.y().to_vec())))
            .collect();
        (layout, locals)
    };
    let mut budget = training_budget(&FixedParams::default(), &layout, 2, &cfg, reveal).unwrap();
    let test_rows = split.test.rows();
    if infer_test {
        budget += &inference_budget(&FixedParams::default(), test_rows, d, 2, 0).unwrap();
    }
    let test_raw = split.test.x().to_vec();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let results = runtime.block_on(async {
        let mesh = MemoryTransport::mesh(parties);
        let dealer = insecure_dealer::<Fp>(parties, 7);
        let mut tasks = Vec::new();
        for (i, ((t, prep), (x, y))) in mesh.into_iter().zip(dealer).zip(locals).enumerate() {
            let layout = layout.clone();
            let test_raw = test_raw.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(100 + i as u64);
                let party = Party::new(t, prep, &mut rng).unwrap();
                let local = LocalData {
                    x: &x,
                    y: y.as_deref(),
                };
                let (mut party, trained) = train(party, &layout, 2, local, &cfg, reveal, None)
                    .await
                    .unwrap();
                let mut inferred = None;
                if infer_test {
                    // Party 0 standardises its test rows with the public pooled statistics.
                    let x = (i == 0).then(|| trained.standardizer.apply(&test_raw));
                    let (p, labels) = infer(party, &trained.shares, 2, 0, x.as_deref(), test_rows)
                        .await
                        .unwrap();
                    assert_eq!(labels.is_some(), i == 0);
                    party = p;
                    inferred = labels;
                }
                (party.consumed().clone(), trained, inferred)
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    for (p, (consumed, _, _)) in results.iter().enumerate() {
        assert_eq!(consumed, &budget, "party {p}: consumed ≠ planned budget");
    }
    let weights = match reveal {
        Reveal::To(p) => results[p].1.weights.clone().unwrap(),
        _ => results[0].1.weights.clone().unwrap(),
    };
    if reveal == Reveal::All {
        for (_, t, _) in &results {
            assert_eq!(t.weights.as_ref(), Some(&weights));
        }
    }

    // The plaintext trainer, same rows in the same order, same standardisation.
    let st = Standardizer::fit(train_set.x(), d);
    let plain = plain_train(&st.apply(train_set.x()), train_set.y(), d, 2, &cfg);
    let test_x = st.apply(split.test.x());
    let secure = Model {
        weights,
        features: d,
        classes: 2,
    };
    let max_weight_diff = secure
        .weights
        .iter()
        .zip(&plain.weights)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Outcome {
        secure_acc: secure.accuracy(&test_x, split.test.y()),
        plain_acc: plain.accuracy(&test_x, split.test.y()),
        secure,
        plain,
        max_weight_diff,
        inferred: results[0].2.clone(),
    }
}

/// Stated tolerance on every weight (features and bias) after the run: fixed-point rounding
/// (f = 16, one probabilistic truncation per update and per row) and the step constant
/// `lr/m` rounded to 16 bits.
const WEIGHT_TOLERANCE: f64 = 0.005;

fn report(name: &str, o: &Outcome) {
    eprintln!(
        "{name}: secure {:.4} plaintext {:.4}, max |Δw| = {:.5} (bias {:.4} vs {:.4})",
        o.secure_acc,
        o.plain_acc,
        o.max_weight_diff,
        o.secure.weights.last().unwrap(),
        o.plain.weights.last().unwrap()
    );
}

/// The acceptance configuration: 3 parties, rows, 10 epochs, batch 32, lr 0.1 (about 1 s with
/// the test dealer).
#[test]
fn acceptance_rows_three_parties_ten_epochs() {
    let o = run(3, false, TrainConfig::default(), Reveal::All);
    report("rows, 3 parties, 10 epochs", &o);
    assert!((o.secure_acc - o.plain_acc).abs() <= 0.01 + 1e-9);
    assert!(o.max_weight_diff < WEIGHT_TOLERANCE);
    // Within one point of the exact-sigmoid plaintext reference (112/113 ≈ 99.1 %).
    assert!(o.secure_acc >= 112.0 / 113.0 - 0.01, "{}", o.secure_acc);
    assert_eq!(o.plain.weights.len(), 31);
    assert_eq!(TrainConfig::default().sigmoid, Sigmoid::Clamped);
}

#[test]
fn rows_two_parties_ten_epochs() {
    let o = run(2, false, TrainConfig::default(), Reveal::All);
    report("rows, 2 parties, 10 epochs", &o);
    assert!((o.secure_acc - o.plain_acc).abs() <= 0.01 + 1e-9);
    assert!(o.max_weight_diff < WEIGHT_TOLERANCE);
}

#[test]
fn columns_three_parties_ten_epochs_revealed_to_one() {
    let o = run(3, true, TrainConfig::default(), Reveal::To(1));
    report("columns, 3 parties, 10 epochs", &o);
    assert!((o.secure_acc - o.plain_acc).abs() <= 0.01 + 1e-9);
    assert!(o.max_weight_diff < WEIGHT_TOLERANCE);
}

#[test]
fn linear_sigmoid_two_parties_two_epochs() {
    let cfg = TrainConfig {
        epochs: 2,
        sigmoid: Sigmoid::Linear,
        ..TrainConfig::default()
    };
    let o = run(2, false, cfg, Reveal::All);
    report("rows, linear sigmoid, 2 parties, 2 epochs", &o);
    assert!((o.secure_acc - o.plain_acc).abs() <= 0.01 + 1e-9);
    assert!(o.max_weight_diff < WEIGHT_TOLERANCE);
}

/// The exact sigmoid (the online phase's `sigmoid`), one epoch: the same algorithm, the cost
/// that rules it out for training (2216 bits + 276 triples per row and epoch).
#[test]
fn exact_sigmoid_three_parties_one_epoch() {
    let cfg = TrainConfig {
        epochs: 1,
        sigmoid: Sigmoid::Exact,
        ..TrainConfig::default()
    };
    let o = run(3, false, cfg, Reveal::All);
    report("rows, exact sigmoid, 3 parties, 1 epoch", &o);
    assert!((o.secure_acc - o.plain_acc).abs() <= 0.01 + 1e-9);
    assert!(o.max_weight_diff < WEIGHT_TOLERANCE);
}

/// Digits (10 classes, 64 features), one-vs-rest with the clamped sigmoid, 3 parties, rows
/// partition, 1 epoch (about 3.6 M triples and 3.8 M bits per party; see papers/model.md):
/// the secure weights follow the plaintext trainer's.
#[test]
fn digits_one_vs_rest_three_parties_one_epoch() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/digits.csv");
    let data = Dataset::load(
        &path,
        &LabelSpec {
            classes: 10,
            ..LabelSpec::default()
        },
    )
    .unwrap();
    let parties = 3;
    let cfg = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let split = split_rows(&data, parties).unwrap();
    let train_set = Dataset::concat_rows(&split.parties).unwrap();
    let d = data.width();
    let layout = Layout::Rows {
        rows: split.parties.iter().map(Dataset::rows).collect(),
        features: d,
    };
    let test_rows = split.test.rows();
    let budget = training_budget(&FixedParams::default(), &layout, 10, &cfg, Reveal::All).unwrap()
        + inference_budget(&FixedParams::default(), test_rows, d, 10, 0).unwrap();
    let test_raw = split.test.x().to_vec();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let locals: Vec<Local> = split
        .parties
        .iter()
        .map(|p| (p.x().to_vec(), Some(p.y().to_vec())))
        .collect();
    let results = runtime.block_on(async {
        let mesh = MemoryTransport::mesh(parties);
        let dealer = insecure_dealer::<Fp>(parties, 11);
        let mut tasks = Vec::new();
        for (i, ((t, prep), (x, y))) in mesh.into_iter().zip(dealer).zip(locals).enumerate() {
            let layout = layout.clone();
            let test_raw = test_raw.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(200 + i as u64);
                let party = Party::new(t, prep, &mut rng).unwrap();
                let local = LocalData {
                    x: &x,
                    y: y.as_deref(),
                };
                let (party, trained) = train(party, &layout, 10, local, &cfg, Reveal::All, None)
                    .await
                    .unwrap();
                let x = (i == 0).then(|| trained.standardizer.apply(&test_raw));
                let (party, labels) = infer(party, &trained.shares, 10, 0, x.as_deref(), test_rows)
                    .await
                    .unwrap();
                (party.consumed().clone(), trained, labels)
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    for (consumed, _, _) in &results {
        assert_eq!(consumed, &budget);
    }
    let st = Standardizer::fit(train_set.x(), d);
    let plain = plain_train(&st.apply(train_set.x()), train_set.y(), d, 10, &cfg);
    let secure = Model {
        weights: results[0].1.weights.clone().unwrap(),
        features: d,
        classes: 10,
    };
    let test_x = st.apply(split.test.x());
    let (sa, pa) = (
        secure.accuracy(&test_x, split.test.y()),
        plain.accuracy(&test_x, split.test.y()),
    );
    let dw = secure
        .weights
        .iter()
        .zip(&plain.weights)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "digits one-vs-rest, 3 parties, 1 epoch: secure {sa:.4} plaintext {pa:.4}, max |Δw| = {dw:.5}; budget {} triples {} bits",
        budget.triples, budget.bits
    );
    assert!((sa - pa).abs() <= 0.01 + 1e-9);
    assert!(dw < WEIGHT_TOLERANCE);
    // Secure multiclass inference (argmax tournament) = the revealed model's predictions.
    let inferred = results[0].2.clone().unwrap();
    let expected: Vec<usize> = test_x.chunks_exact(d).map(|r| secure.predict(r)).collect();
    let agree = inferred
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a == b)
        .count();
    eprintln!("digits secure inference: {agree}/{} agree", expected.len());
    assert!(agree + 2 >= expected.len(), "{agree}/{}", expected.len());
}

/// Secure inference after secure training: party 0's test rows against the model in shares;
/// the labels, revealed to party 0 only, are the plaintext predictions of the same weights.
#[test]
fn secure_inference_matches_the_model_on_the_test_rows() {
    let o = run_with(3, false, TrainConfig::default(), Reveal::All, true);
    let data = breast_cancer();
    let split = split_rows(&data, 3).unwrap();
    let train_set = Dataset::concat_rows(&split.parties).unwrap();
    let st = Standardizer::fit(train_set.x(), data.width());
    let test_x = st.apply(split.test.x());
    let inferred = o.inferred.unwrap();
    let expected: Vec<usize> = test_x
        .chunks_exact(data.width())
        .map(|r| o.secure.predict(r))
        .collect();
    let agree = inferred
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a == b)
        .count();
    let right = inferred
        .iter()
        .zip(split.test.y())
        .filter(|(a, b)| a == b)
        .count();
    eprintln!(
        "secure inference: {agree}/{} agree with the revealed model, {right} right",
        expected.len()
    );
    assert_eq!(agree, expected.len());
}

/// Parties whose files have other columns (or who run other parameters) are refused by the
/// digest exchange before any preprocessing.
#[test]
fn session_digests_must_agree() {
    use spdz_model::data::header_digest;
    use spdz_model::secure::{ModelError, agree, session_digest};
    let layout = Layout::Rows {
        rows: vec![10, 10, 10],
        features: 2,
    };
    let cfg = TrainConfig::default();
    let good = header_digest(&["a".into(), "b".into(), "label".into()]);
    let bad = header_digest(&["b".into(), "a".into(), "label".into()]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let results = runtime.block_on(async {
        let mesh = MemoryTransport::mesh(3);
        let mut tasks = Vec::new();
        for (i, t) in mesh.into_iter().enumerate() {
            let h = if i == 2 { bad } else { good };
            let d = session_digest(Some(&h), &layout, 2, &cfg, Reveal::All);
            tasks.push(tokio::spawn(async move { agree(&t, &d).await }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    assert!(matches!(
        results[0],
        Err(ModelError::SessionMismatch { from: 2 })
    ));
    assert!(matches!(
        results[1],
        Err(ModelError::SessionMismatch { from: 2 })
    ));
    assert!(matches!(
        results[2],
        Err(ModelError::SessionMismatch { from: 0 })
    ));
    let other = TrainConfig { epochs: 9, ..cfg };
    assert_ne!(
        session_digest(Some(&good), &layout, 2, &cfg, Reveal::All),
        session_digest(Some(&good), &layout, 2, &other, Reveal::All)
    );
}

/// MNIST training on a subset (issue: "training measured on a subset you choose"): the first
/// 300 training images, 3 parties (100 each), 10 classes one-vs-rest, 1 epoch, batch 32; the
/// test dealer stands in for MASCOT, so this measures the online phase and the accuracy (the
/// offline cost is the printed budget at MASCOT's rate). Ignored by default (about 7.5 M
/// squares for the range proofs of 238,200 inputs); run with
/// `cargo test -p spdz-model --test secure_train -- --ignored --nocapture mnist`.
#[test]
#[ignore = "benchmark-sized: 238,200 range-proven inputs"]
fn mnist_subset_three_parties_one_epoch() {
    let load = |name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data")
            .join(name);
        Dataset::load(
            &path,
            &LabelSpec {
                classes: 10,
                ..LabelSpec::default()
            },
        )
        .unwrap()
    };
    let all = load("mnist_train_4000.csv");
    let test = load("mnist_test_1000.csv");
    let parties = 3;
    let per = 100;
    let parts: Vec<Dataset> = (0..parties)
        .map(|p| all.select_rows(&(p * per..(p + 1) * per).collect::<Vec<_>>()))
        .collect();
    let train_set = Dataset::concat_rows(&parts).unwrap();
    let d = all.width();
    let cfg = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let layout = Layout::Rows {
        rows: vec![per; parties],
        features: d,
    };
    let budget = training_budget(&FixedParams::default(), &layout, 10, &cfg, Reveal::All).unwrap();
    let locals: Vec<Local> = parts
        .iter()
        .map(|p| (p.x().to_vec(), Some(p.y().to_vec())))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    let results = runtime.block_on(async {
        let mesh = MemoryTransport::mesh(parties);
        let dealer = insecure_dealer::<Fp>(parties, 13);
        let mut tasks = Vec::new();
        for (i, ((t, prep), (x, y))) in mesh.into_iter().zip(dealer).zip(locals).enumerate() {
            let layout = layout.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(300 + i as u64);
                let party = Party::new(t, prep, &mut rng).unwrap();
                let local = LocalData {
                    x: &x,
                    y: y.as_deref(),
                };
                let before = party.transport().stats();
                let t0 = std::time::Instant::now();
                let (party, trained) = train(party, &layout, 10, local, &cfg, Reveal::All, None)
                    .await
                    .unwrap();
                let after = party.transport().stats();
                (
                    party.consumed().clone(),
                    trained,
                    t0.elapsed().as_secs_f64(),
                    after.total.bytes_sent - before.total.bytes_sent,
                    after.rounds - before.rounds,
                )
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let wall = start.elapsed().as_secs_f64();
    for r in &results {
        assert_eq!(r.0, budget);
    }
    let st = Standardizer::fit(train_set.x(), d);
    let plain = plain_train(&st.apply(train_set.x()), train_set.y(), d, 10, &cfg);
    let secure = Model {
        weights: results[0].1.weights.clone().unwrap(),
        features: d,
        classes: 10,
    };
    let test_x = st.apply(test.x());
    let (sa, pa) = (
        secure.accuracy(&test_x, test.y()),
        plain.accuracy(&test_x, test.y()),
    );
    eprintln!(
        "MNIST subset (300 images, 3 parties, 1 epoch): test accuracy secure {:.2} %, plaintext {:.2} %; online {:.1} s (party 0; {wall:.1} s with the dealer's setup), {:.1} MB sent, {} rounds per party; budget {} triples, {} bits, {} squares, masks/owner {:?}",
        100.0 * sa,
        100.0 * pa,
        results[0].2,
        results[0].3 as f64 / 1e6,
        results[0].4,
        budget.triples,
        budget.bits,
        budget.squares,
        budget.input_masks
    );
    assert!((sa - pa).abs() <= 0.02 + 1e-9, "{sa} vs {pa}");
}
