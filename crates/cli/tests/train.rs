//! `spdz train` as a user runs it: bad files are exit 2 with file, line and column; small
//! runs with real MASCOT agree with the plaintext trainer.

// A test crate: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn spdz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spdz"))
        .args(args)
        .output()
        .expect("spawn spdz")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `rows` rows of two features and a label that a line separates.
fn separable(rows: usize, offset: usize) -> String {
    let mut s = String::from("a,b,label\n");
    for i in 0..rows {
        #[allow(clippy::cast_precision_loss)]
        let x = ((i + offset) % 7) as f64 - 3.0;
        #[allow(clippy::cast_precision_loss)]
        let y = ((i * 3 + offset) % 5) as f64 - 2.0;
        let label = u8::from(x + 0.5 * y > 0.0);
        s.push_str(&format!("{x},{y},{label}\n"));
    }
    s
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_cell_is_exit_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.csv", &separable(10, 0));
    let bad = write(dir.path(), "bad.csv", "a,b,label\n1,2,0\n1,oops,1\n");
    let data = format!("{},{}", good.display(), bad.display());
    let out = spdz(&["train", "--data", &data]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(msg.contains("bad.csv:3:2:"), "{msg}");

    let nan = write(dir.path(), "nan.csv", "a,b,label\n1,NaN,0\n");
    let out = spdz(&[
        "train",
        "--data",
        &format!("{},{}", good.display(), nan.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nan.csv:2:2:"), "{}", stderr(&out));

    let out = spdz(&[
        "train",
        "--data",
        &format!("{},{}", good.display(), good.display()),
        "--input-bound",
        "2.5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("good.csv:2:1:"), "{}", stderr(&out));

    let label = write(dir.path(), "label.csv", "a,b,label\n1,2,0\n1,2,3\n");
    let out = spdz(&[
        "train",
        "--data",
        &format!("{},{}", good.display(), label.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("label.csv:3:3:"), "{}", stderr(&out));
}

#[test]
fn different_columns_are_refused_before_preprocessing() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", &separable(10, 0));
    let b = write(
        dir.path(),
        "b.csv",
        &separable(10, 1).replacen("a,b,", "b,a,", 1),
    );
    let out = spdz(&[
        "train",
        "--data",
        &format!("{},{}", a.display(), b.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("header digest"), "{}", stderr(&out));
    let out = spdz(&[
        "train",
        "--data",
        &format!("{},{}", a.display(), a.display()),
        "--reveal-model",
        "7",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

fn run_json(args: &[&str]) -> Value {
    let out = spdz(args);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn small_rows_run_with_mascot_matches_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", &separable(12, 0));
    let b = write(dir.path(), "b.csv", &separable(10, 5));
    let t = write(dir.path(), "t.csv", &separable(15, 2));
    let v = run_json(&[
        "train",
        "--data",
        &format!("{},{}", a.display(), b.display()),
        "--test",
        &t.display().to_string(),
        "--epochs",
        "2",
        "--batch",
        "8",
        "--model-out",
        &dir.path().join("m").display().to_string(),
        "--json",
    ]);
    assert_eq!(v["parties"], 2);
    // The written model scores the test file as the summary said.
    let model = v["model_file"].as_str().unwrap().to_string();
    let p = run_json(&[
        "predict",
        "--model",
        &model,
        "--data",
        &t.display().to_string(),
        "--json",
    ]);
    assert_eq!(p["rows"], 15);
    assert_eq!(p["accuracy"], v["secure_test_accuracy"]);
    let out = spdz(&[
        "predict",
        "--model",
        &t.display().to_string(),
        "--data",
        &t.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2), "a CSV is not a model file");
    assert_eq!(v["train_rows"], 22);
    assert_eq!(v["secure_test_accuracy"], v["plaintext_test_accuracy"]);
    assert_eq!(
        v["secure_inference_test_accuracy"],
        v["secure_test_accuracy"]
    );
    assert!(v["max_weight_difference"].as_f64().unwrap() < 0.005, "{v}");
    assert!(v["preprocessing"]["triples"].as_u64().unwrap() > 0);
    assert!(v["offline_seconds"].as_f64().unwrap() > 0.0);
    assert!(v["per_party"][1]["online_rounds"].as_u64().unwrap() > 0);
}

#[test]
fn small_columns_run_with_mascot_reveals_to_one_party() {
    let dir = tempfile::tempdir().unwrap();
    let full = separable(16, 0);
    let (mut left, mut right) = (String::new(), String::new());
    for line in full.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        left.push_str(&format!("{}\n", cells[0]));
        right.push_str(&format!("{},{}\n", cells[1], cells[2]));
    }
    let a = write(dir.path(), "left.csv", &left);
    let b = write(dir.path(), "right.csv", &right);
    let v = run_json(&[
        "train",
        "--data",
        &format!("{},{}", a.display(), b.display()),
        "--partition",
        "columns",
        "--epochs",
        "1",
        "--batch",
        "8",
        "--reveal-model",
        "1",
        "--json",
    ]);
    assert_eq!(v["partition"], "columns");
    assert_eq!(
        v["preprocessing"]["input_masks_per_owner"][1]
            .as_u64()
            .unwrap(),
        // 16 rows of one feature and the label, each value range-proven with K = 32 bits (a
        // mask per bit), and the 3 weights revealed to party 1 through its masks.
        32 * 16 * 2 + 3
    );
    assert_eq!(v["secure_train_accuracy"], v["plaintext_train_accuracy"]);
}

#[test]
fn three_classes_one_vs_rest_with_mascot() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,label\n");
    for i in 0..18 {
        let c = i % 3;
        #[allow(clippy::cast_precision_loss)]
        let (x, y) = (c as f64 * 2.0 + (i % 2) as f64 * 0.3, (i % 4) as f64 * 0.1);
        text.push_str(&format!("{x},{y},{c}\n"));
    }
    let a = write(dir.path(), "a.csv", &text);
    let v = run_json(&[
        "train",
        "--data",
        &format!("{},{}", a.display(), a.display()),
        "--classes",
        "3",
        "--test",
        &a.display().to_string(),
        "--epochs",
        "1",
        "--batch",
        "12",
        "--json",
    ]);
    assert_eq!(v["classes"], 3);
    // Secure argmax inference labels = the revealed model's predictions.
    assert_eq!(
        v["secure_inference_test_accuracy"],
        v["secure_test_accuracy"]
    );
    assert_eq!(v["secure_train_accuracy"], v["plaintext_train_accuracy"]);
    assert!(v["max_weight_difference"].as_f64().unwrap() < 0.005, "{v}");
    let out = spdz(&[
        "train",
        "--data",
        &format!("{},{}", a.display(), a.display()),
    ]);
    assert_eq!(out.status.code(), Some(2), "labels 2 in a binary run");
    assert!(stderr(&out).contains("a.csv:4:3:"), "{}", stderr(&out));
}

#[test]
fn a_cheating_party_makes_every_honest_party_abort() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", &separable(12, 0));
    let b = write(dir.path(), "b.csv", &separable(10, 5));
    let data = format!("{},{}", a.display(), b.display());
    for (cheat, reason) in [
        ("online-wrong-share-on-open", "MacCheckFailed"),
        ("online-equivocate-input", "BroadcastInconsistent"),
    ] {
        let out = spdz(&[
            "train",
            "--data",
            &data,
            "--epochs",
            "1",
            "--batch",
            "8",
            "--cheat",
            cheat,
            "--cheater",
            "1",
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(3), "{cheat}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["aborted"][0]["party"], 0, "{v}");
        assert_eq!(v["aborted"][0]["reason"], reason, "{v}");
        assert!(v.get("secure_test_accuracy").is_none());
    }
}
