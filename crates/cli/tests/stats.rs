//! `spdz stats` as a user runs it: statistics equal to plaintext, a bad cell named by line and
//! column (exit 2), files with other columns refused (exit 2), a cheater caught (exit 3).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn spdz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spdz"))
        .args(args)
        .output()
        .expect("spawn spdz")
}

/// Writes `rows` (and the header `a,b,c`) to `dir/name`.
fn csv(dir: &Path, name: &str, header: &str, rows: &[&str]) -> PathBuf {
    let p = dir.join(name);
    let mut s = format!("{header}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    std::fs::write(&p, s).unwrap();
    p
}

fn files(dir: &Path) -> String {
    let a = csv(
        dir,
        "a.csv",
        "a,b,c",
        &["1.5,2,10", "2.5,-1,20", "4,0.25,30"],
    );
    let b = csv(dir, "b.csv", "a,b,c", &["-3,4,40", "0.5,1,50"]);
    let c = csv(dir, "c.csv", "a,b,c", &["6,-2,60", "1,3,70", "2,2,80"]);
    format!("{},{},{}", a.display(), b.display(), c.display())
}

#[test]
fn statistics_of_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = files(dir.path());
    let out = spdz(&[
        "stats",
        "--data",
        &data,
        "--columns",
        "a,b",
        "--histogram",
        "a:-5,0,2,10",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["statistics"];
    let a = [1.5, 2.5, 4.0, -3.0, 0.5, 6.0, 1.0, 2.0];
    let mean = a.iter().sum::<f64>() / 8.0;
    assert_eq!(s["count"], 8);
    assert!((s["mean"][0].as_f64().unwrap() - mean).abs() < 1e-9);
    assert_eq!(s["min"][0].as_f64().unwrap(), -3.0);
    assert_eq!(s["max"][0].as_f64().unwrap(), 6.0);
    assert_eq!(s["histograms"][0], serde_json::json!([1, 3, 4]));
    let var = a.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 7.0;
    assert!((s["variance"][0].as_f64().unwrap() - var).abs() < 1e-6);
    assert!(v["max_abs_difference_to_plaintext"].as_f64().unwrap() < 1e-6);
    assert!(v["preprocessing"]["squares"].as_u64().unwrap() > 0);
}

#[test]
fn a_bad_cell_is_named_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let a = csv(dir.path(), "a.csv", "a,b,c", &["1,2,3", "4,x,6"]);
    let b = csv(dir.path(), "b.csv", "a,b,c", &["1,2,3"]);
    let out = spdz(&[
        "stats",
        "--data",
        &format!("{},{}", a.display(), b.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.csv") && err.contains(":3:2"), "{err}");
    // A value beyond the input range, too.
    let big = csv(dir.path(), "big.csv", "a,b,c", &["1,2,3", "4,5,1e9"]);
    let out = spdz(&[
        "stats",
        "--data",
        &format!("{},{}", big.display(), b.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("big.csv:3:3") && err.contains("range"),
        "{err}"
    );
}

#[test]
fn files_with_other_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = csv(dir.path(), "a.csv", "a,b,c", &["1,2,3"]);
    let b = csv(dir.path(), "b.csv", "a,c,b", &["1,2,3"]);
    let out = spdz(&[
        "stats",
        "--data",
        &format!("{},{}", a.display(), b.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_cheater_at_every_seat_gives_exit_3_and_no_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let data = files(dir.path());
    for cheat in [
        "online-wrong-share-on-open",
        "online-shift-epsilon",
        "online-input-out-of-range",
    ] {
        for cheater in 0..3 {
            let out = spdz(&[
                "stats",
                "--data",
                &data,
                "--columns",
                "a,b",
                "--json",
                "--cheat",
                cheat,
                "--cheater",
                &cheater.to_string(),
            ]);
            assert_eq!(out.status.code(), Some(3), "{cheat} by {cheater}");
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let aborted = v["aborted"].as_array().unwrap();
            assert_eq!(aborted.len(), 2, "{cheat} by {cheater}: {v}");
            assert!(v.get("statistics").is_none(), "{v}");
        }
    }
}

fn free_ports(n: usize) -> Vec<String> {
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect()
}

/// Three `spdz party ... stats` processes over mutual TLS, each given only its own file, get
/// the statistics of the local run; one cheating process makes the other two exit 3.
#[test]
fn deployed_stats_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let data = files(dir.path());
    let paths: Vec<&str> = data.split(',').collect();
    let hosts = free_ports(3).join(",");
    let out = spdz(&[
        "keygen",
        "--parties",
        "3",
        "--hosts",
        &hosts,
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = |cheater: Option<usize>| -> Vec<Output> {
        let children: Vec<_> = (0..3)
            .map(|me| {
                let config = dir.path().join(format!("party{me}.toml"));
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_spdz"));
                cmd.args(["party", "--config", config.to_str().unwrap(), "stats"])
                    .args(["--data", paths[me], "--columns", "a,b", "--json"]);
                if cheater == Some(me) {
                    cmd.args(["--cheat", "online-shift-epsilon"]);
                }
                cmd.stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect()
    };
    let local = spdz(&["stats", "--data", &data, "--columns", "a,b", "--json"]);
    let want: Value = serde_json::from_slice(&local.stdout).unwrap();
    for out in run(None) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["statistics"], want["statistics"]);
    }
    let outs = run(Some(1));
    for (me, out) in outs.iter().enumerate() {
        if me != 1 {
            assert_eq!(
                out.status.code(),
                Some(3),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn grouped_by_a_categorical_column() {
    let dir = tempfile::tempdir().unwrap();
    let a = csv(dir.path(), "a.csv", "x,g", &["1,0", "3,1", "5,0"]);
    let b = csv(dir.path(), "b.csv", "x,g", &["7,1", "9,1"]);
    let data = format!("{},{}", a.display(), b.display());
    let out = spdz(&[
        "stats",
        "--data",
        &data,
        "--columns",
        "x",
        "--group-by",
        "g",
        "--max-groups",
        "2",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let g = &v["statistics"]["groups"];
    assert_eq!(g[0]["count"], 2);
    assert_eq!(g[1]["count"], 3);
    assert!((g[0]["mean"][0].as_f64().unwrap() - 3.0).abs() < 1e-9);
    assert!((g[1]["mean"][0].as_f64().unwrap() - 19.0 / 3.0).abs() < 1e-9);
    // Group 1: 3, 7, 9 → variance ((3−19/3)² + (7−19/3)² + (9−19/3)²)/2 = 28/3.
    assert!((g[1]["variance"][0].as_f64().unwrap() - 28.0 / 3.0).abs() < 1e-6);
    // A group id outside 0..2 is exit 2 with its line and column.
    let bad = csv(dir.path(), "bad.csv", "x,g", &["1,0", "2,2"]);
    let out = spdz(&[
        "stats",
        "--data",
        &format!("{},{}", bad.display(), b.display()),
        "--columns",
        "x",
        "--group-by",
        "g",
        "--max-groups",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3:2"), "{err}");
}
