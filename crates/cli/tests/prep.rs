//! `spdz prep` (any mix of preprocessing) and `spdz bench offline`, as a user runs them.

// A test crate: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

fn spdz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spdz"))
        .args(args)
        .output()
        .expect("spawn spdz")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn prep_makes_the_mix_asked_for() {
    let v = json(&spdz(&[
        "prep",
        "--triples",
        "150",
        "--squares",
        "70",
        "--bits",
        "60",
        "--masks",
        "5",
        "--batch",
        "128",
        "--json",
    ]));
    assert_eq!(v["parties"], 2);
    assert_eq!(v["triples"], 150);
    assert_eq!(v["squares"], 70);
    assert_eq!(v["bits"], 60);
    assert_eq!(v["masks"], 5);
    assert!(v["seconds"].as_f64().unwrap() > 0.0);
    assert!(v["bytes_sent_per_party"].as_u64().unwrap() > 0);
}

#[test]
fn prep_stores_every_party_of_three() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("prep");
    let v = json(&spdz(&[
        "prep",
        "--parties",
        "3",
        "--bits",
        "40",
        "--masks",
        "3",
        "--out",
        out_dir.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["bits"], 40);
    assert_eq!(v["triples"], 0);
    assert_eq!(v["stored"].as_array().unwrap().len(), 3);
    for id in 0..3 {
        assert!(out_dir.join(format!("party-{id}.spdzprep")).is_file());
    }
    // A second run into the same folder is refused (exit 2) without --force.
    let again = spdz(&["prep", "--bits", "4", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn prep_with_nothing_to_make_is_usage() {
    let out = spdz(&["prep"]);
    assert_eq!(out.status.code(), Some(2));
    let out = spdz(&["prep", "--triples", "5", "--batch", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bench_offline_reports_every_figure() {
    let v = json(&spdz(&[
        "bench", "offline", "--count", "40", "--ots", "4096", "--json",
    ]));
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    for (row, (n, item)) in rows.iter().zip([
        (2, "triple"),
        (2, "square"),
        (2, "bit"),
        (3, "triple"),
        (3, "square"),
        (3, "bit"),
    ]) {
        assert_eq!(row["parties"], n);
        assert_eq!(row["item"], item);
        assert!(row["per_second"].as_f64().unwrap() > 0.0, "{row}");
        assert!(
            row["bytes_per_item_per_party"].as_f64().unwrap() > 0.0,
            "{row}"
        );
    }
    assert!(v["kos_random_ot_per_second_per_pair"].as_f64().unwrap() > 0.0);
}
