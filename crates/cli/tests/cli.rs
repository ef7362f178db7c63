//! The `spdz` binary as a user runs it: exit codes, JSON reports, cheats caught, a TLS
//! deployment of separate processes.

// A test crate: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn spdz(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spdz"))
        .args(args)
        .output()
        .expect("spawn spdz")
}

fn json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn triples_help_lists_every_cheat() {
    let out = spdz(&["triples", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for cheat in spdz_offline::Cheat::ALL {
        assert!(
            help.contains(cheat.name()),
            "{} missing from --help",
            cheat.name()
        );
    }
}

#[test]
fn triples_reports_throughput_and_bytes() {
    let out = spdz(&[
        "triples",
        "--parties",
        "2",
        "--count",
        "600",
        "--batch",
        "256",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["parties"], 2);
    assert_eq!(v["count"], 600);
    assert!(v["seconds"].as_f64().unwrap() > 0.0);
    assert!(v["triples_per_second"].as_f64().unwrap() > 0.0);
    // MASCOT with k = 127 and the default τ = 4: about 26.4 kB per party per triple for two
    // parties (22.4 kB with τ = 3); a batch of 256 adds the per-batch setup on top.
    let bytes = v["bytes_per_triple"].as_f64().unwrap();
    assert!(
        (15_000.0..40_000.0).contains(&bytes),
        "bytes/triple {bytes}"
    );
    for step in [
        "base_ot",
        "ot_extension",
        "multiply",
        "authenticate",
        "sacrifice",
        "mac_check",
    ] {
        assert!(v["steps"][step].is_number(), "step {step} missing");
    }
}

#[test]
fn triples_cheat_is_caught_by_every_honest_party() {
    let out = spdz(&[
        "triples",
        "--parties",
        "3",
        "--count",
        "200",
        "--batch",
        "200",
        "--json",
        "--cheat",
        "wrong-triple-share",
        "--cheater",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    let aborted = v["aborted"].as_array().unwrap();
    let parties: Vec<u64> = aborted
        .iter()
        .map(|a| a["party"].as_u64().unwrap())
        .collect();
    assert_eq!(parties, vec![0, 2]);
    assert!(
        aborted.iter().all(|a| a["reason"] == "SacrificeFailed"),
        "{v}"
    );
}

#[test]
fn triples_out_stores_each_party_and_a_cheat_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = spdz(&[
        "triples", "--count", "100", "--batch", "100", "--json", "--out", d,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["session"].as_str().unwrap().len(), 64);
    assert_eq!(v["stored"].as_array().unwrap().len(), 2);
    for party in 0..2 {
        let file = dir.path().join(format!("party-{party}.spdzprep"));
        assert!(
            file.metadata().unwrap().len() > 100 * 6 * 16,
            "{file:?} too small"
        );
    }

    let tainted = tempfile::tempdir().unwrap();
    let t = tainted.path().to_str().unwrap();
    let out = spdz(&[
        "triples",
        "--count",
        "100",
        "--batch",
        "100",
        "--out",
        t,
        "--cheat",
        "wrong-mac-share",
        "--cheater",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(std::fs::read_dir(tainted.path()).unwrap().count(), 0);
}

#[test]
fn mul_reports_offline_and_online_apart() {
    let out = spdz(&[
        "mul",
        "--parties",
        "2",
        "--count",
        "500",
        "--batch",
        "500",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    for key in [
        "offline_seconds",
        "online_seconds",
        "offline_bytes_per_party",
        "online_bytes_per_party",
        "online_rounds",
        "mults_per_second_online",
    ] {
        assert!(v[key].is_number(), "{key} missing: {v}");
    }
    // Beaver: each party sends its shares of ε and δ (2 × 16 bytes) per multiplication.
    let per_mult = v["online_bytes_per_party"].as_f64().unwrap() / 500.0;
    assert!(
        (32.0..40.0).contains(&per_mult),
        "online bytes/mult {per_mult}"
    );
}

#[test]
fn mul_online_cheat_is_caught() {
    let out = spdz(&[
        "mul",
        "--parties",
        "2",
        "--count",
        "100",
        "--batch",
        "100",
        "--json",
        "--cheat",
        "online-wrong-share-on-open",
        "--cheater",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let v = json(&out);
    assert_eq!(v["aborted"][0]["party"], 1);
    assert_eq!(v["aborted"][0]["reason"], "MacCheckFailed");
}

#[test]
fn mul_catches_every_online_cheat_from_every_position() {
    for cheat in spdz_online::Cheat::ALL
        .into_iter()
        .filter(|c| c.applies_to_integer_programs())
    {
        let name = format!("online-{}", cheat.name());
        for cheater in 0..3 {
            let out = spdz(&[
                "mul",
                "--parties",
                "3",
                "--count",
                "50",
                "--batch",
                "50",
                "--json",
                "--cheat",
                &name,
                "--cheater",
                &cheater.to_string(),
            ]);
            assert_eq!(out.status.code(), Some(3), "{name} by {cheater}: {:?}", out);
            let v = json(&out);
            let aborted = v["aborted"].as_array().unwrap();
            assert_eq!(aborted.len(), 2, "{name} by {cheater}: {v}");
            assert!(aborted.iter().all(|a| a["party"] != cheater), "{v}");
        }
    }
}

#[test]
fn bad_usage_exits_2() {
    let out = spdz(&[
        "triples",
        "--parties",
        "2",
        "--cheat",
        "wrong-mac-share",
        "--cheater",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = spdz(&["triples", "--cheat", "no-such-cheat", "--cheater", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = spdz(&["party", "--config", "/nonexistent/party0.toml", "triples"]);
    assert_eq!(out.status.code(), Some(2));
}

fn free_ports(n: usize) -> Vec<String> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect()
}

fn deployment(dir: &Path, n: usize) {
    let hosts = free_ports(n).join(",");
    let out = spdz(&[
        "keygen",
        "--parties",
        &n.to_string(),
        "--hosts",
        &hosts,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn party(dir: &Path, me: usize, extra: &[&str]) -> std::process::Child {
    let config = dir.join(format!("party{me}.toml"));
    Command::new(env!("CARGO_BIN_EXE_spdz"))
        .args(["party", "--config", config.to_str().unwrap()])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn tls_deployment_of_separate_processes_catches_a_cheat() {
    let dir = tempfile::tempdir().unwrap();
    deployment(dir.path(), 2);
    let job = ["triples", "--count", "200", "--batch", "200", "--json"];
    let honest = party(dir.path(), 0, &job);
    let mut cheating = job.to_vec();
    cheating.extend(["--cheat", "wrong-triple-share"]);
    let cheater = party(dir.path(), 1, &cheating);
    let honest = honest.wait_with_output().unwrap();
    let _ = cheater.wait_with_output().unwrap();
    assert_eq!(
        honest.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&honest.stderr)
    );
    let v = json(&honest);
    assert_eq!(v["aborted"][0]["reason"], "SacrificeFailed");
}

#[test]
fn tls_deployment_succeeds_and_a_missing_peer_is_a_network_failure() {
    let dir = tempfile::tempdir().unwrap();
    deployment(dir.path(), 2);
    let job = ["mul", "--count", "300", "--batch", "300", "--json"];
    let p0 = party(dir.path(), 0, &job);
    let p1 = party(dir.path(), 1, &job);
    for out in [
        p0.wait_with_output().unwrap(),
        p1.wait_with_output().unwrap(),
    ] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(json(&out)["count"], 300);
    }
    // Party 1 alone, with a short connection timeout: its peer never comes.
    let config = dir.path().join("party1.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("connect_timeout_secs = 30", "connect_timeout_secs = 1"),
    )
    .unwrap();
    let out = party(dir.path(), 1, &job).wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
