//! Models kept in shares and secure inference as a user runs them: `spdz train --reveal-model
//! none --model-out DIR` writes one share file per party, `spdz predict --model-shares` scores
//! with them (local) and `spdz party ... train|predict` over mutual TLS; every online cheat,
//! from every seat, inside training and inside inference, exits 3 and leaves no model file
//! and no prediction, and inference spends the honest parties' share files.

// A test crate: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

fn json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Party files (`n` parties, a few rows each) and a test file, in `dir`.
fn files(dir: &Path, n: usize) -> (String, PathBuf) {
    let data: Vec<String> = (0..n)
        .map(|p| {
            write(dir, &format!("p{p}.csv"), &separable(8, 3 * p))
                .display()
                .to_string()
        })
        .collect();
    // Test rows away from the separating line (margins ≥ 1.5).
    let test = "a,b,label\n-3,-1,0\n-2,1,0\n2,0,1\n3,-2,1\n-1,-2,0\n1,2,1\n";
    (data.join(","), write(dir, "test.csv", test))
}

const TRAIN: [&str; 6] = ["--epochs", "1", "--batch", "8", "--lr", "1"];

/// Trains with the model kept in shares; returns the share files.
fn train_kept(dir: &Path, data: &str, n: usize) -> Vec<PathBuf> {
    let out_dir = dir.join("kept");
    let out = spdz(
        &[
            &["train", "--data", data][..],
            &TRAIN,
            &[
                "--reveal-model",
                "none",
                "--model-out",
                out_dir.to_str().unwrap(),
                "--json",
            ],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["secure_test_accuracy"].is_null(), "{v}");
    (0..n)
        .map(|p| out_dir.join(format!("model-share-{p}.spdz")))
        .inspect(|f| assert!(f.exists(), "{}", f.display()))
        .collect()
}

fn join(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Kept in shares, then used: the labels go to the owner, the separable test rows are
/// predicted right; a file of another training is refused before any preprocessing (and
/// stays usable); a flipped byte is exit 2.
#[test]
fn a_model_kept_in_shares_predicts_and_its_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (data, test) = files(dir.path(), 2);
    let kept = train_kept(dir.path(), &data, 2);
    let out = spdz(&[
        "predict",
        "--model-shares",
        &join(&kept),
        "--data",
        test.to_str().unwrap(),
        "--owner",
        "1",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["owner"], 1);
    assert_eq!(v["rows"], 6);
    assert!(v["accuracy"].as_f64().unwrap() >= 0.8, "{v}");
    assert!(v["preprocessing"]["squares"].as_u64().unwrap() > 0);

    // Another training's file for party 1: a different model id, refused (exit 2) before
    // any preprocessing, and neither file is spent by that.
    let other = tempfile::tempdir().unwrap();
    let kept2 = train_kept(other.path(), &data, 2);
    let mixed = join(&[kept[0].clone(), kept2[1].clone()]);
    let out = spdz(&[
        "predict",
        "--model-shares",
        &mixed,
        "--data",
        test.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(json(&out)["aborted"][0]["reason"] == "ParamsMismatch");
    let again = spdz(&[
        "predict",
        "--model-shares",
        &join(&kept),
        "--data",
        test.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", stderr(&again));

    // A flipped byte: exit 2, naming the file.
    let mut bytes = std::fs::read(&kept[1]).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x10;
    let bad = dir.path().join("bad.spdz");
    std::fs::write(&bad, &bytes).unwrap();
    let out = spdz(&[
        "predict",
        "--model-shares",
        &join(&[kept[0].clone(), bad]),
        "--data",
        test.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.spdz"), "{}", stderr(&out));
    assert!(stderr(&out).contains("integrity"), "{}", stderr(&out));
}

/// One party's plaintext model against another party's records: the secure labels equal the
/// plaintext model's (the summary's agreement), and only the owner's labels are printed.
#[test]
fn a_plaintext_model_scores_another_partys_records_securely() {
    let dir = tempfile::tempdir().unwrap();
    let (data, test) = files(dir.path(), 2);
    let model_dir = dir.path().join("revealed");
    let out = spdz(
        &[
            &["train", "--data", &data][..],
            &TRAIN,
            &["--model-out", model_dir.to_str().unwrap(), "--json"],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let model = model_dir.join("model.json");
    let plain = json(&spdz(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        test.to_str().unwrap(),
        "--json",
    ]));
    for parties in ["2", "3"] {
        let out = spdz(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            test.to_str().unwrap(),
            "--secure",
            "--parties",
            parties,
            "--json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v = json(&out);
        assert_eq!(v["owner"], 1);
        assert_eq!(v["agreement_with_plaintext"], 1.0, "{v}");
        assert_eq!(v["predictions"], plain["predictions"]);
    }
}

/// Every online cheat, from every seat, with 2 and 3 parties: inside training (exit 3, no
/// model file written), and inside inference with the model kept in shares (exit 3, no
/// prediction printed, and every honest party's share file spent).
#[test]
fn every_online_cheat_from_every_seat_in_training_and_inference() {
    let cheats = [
        "online-wrong-share-on-open",
        "online-wrong-mac-share",
        "online-equivocate-input",
        "online-equivocate-input-and-digest",
        "online-shift-epsilon",
        "online-shift-delta",
        "online-shift-comparison",
        "online-input-out-of-range",
    ];
    // Only the records' owner inputs anything in inference from shares: the input cheats
    // are rehearsed by the owner.
    let inputs = [
        "online-equivocate-input",
        "online-equivocate-input-and-digest",
        "online-input-out-of-range",
    ];
    for n in [2usize, 3] {
        let dir = tempfile::tempdir().unwrap();
        let (data, test) = files(dir.path(), n);
        let kept = train_kept(dir.path(), &data, n);
        for cheat in cheats {
            for seat in 0..n {
                let who = seat.to_string();
                let label = format!("{cheat} by {seat} of {n}");
                // Inside training.
                let out_dir = dir.path().join(format!("t-{cheat}-{seat}"));
                let out = spdz(
                    &[
                        &["train", "--data", &data][..],
                        &TRAIN,
                        &[
                            "--reveal-model",
                            "none",
                            "--model-out",
                            out_dir.to_str().unwrap(),
                            "--cheat",
                            cheat,
                            "--cheater",
                            &who,
                            "--json",
                        ],
                    ]
                    .concat(),
                );
                assert_eq!(out.status.code(), Some(3), "{label}: {}", stderr(&out));
                let v = json(&out);
                assert!(!v["aborted"].as_array().unwrap().is_empty(), "{label}");
                assert!(
                    !out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none(),
                    "{label}: a model file was written"
                );

                // Inside inference, on copies of the share files.
                let copy = dir.path().join(format!("i-{cheat}-{seat}"));
                std::fs::create_dir_all(&copy).unwrap();
                let files: Vec<PathBuf> = kept
                    .iter()
                    .map(|f| {
                        let to = copy.join(f.file_name().unwrap());
                        std::fs::copy(f, &to).unwrap();
                        to
                    })
                    .collect();
                let owner = if inputs.contains(&cheat) {
                    seat
                } else {
                    (seat + 1) % n
                };
                let out = spdz(&[
                    "predict",
                    "--model-shares",
                    &join(&files),
                    "--data",
                    test.to_str().unwrap(),
                    "--owner",
                    &owner.to_string(),
                    "--cheat",
                    cheat,
                    "--cheater",
                    &who,
                    "--json",
                ]);
                assert_eq!(out.status.code(), Some(3), "{label}: {}", stderr(&out));
                let v = json(&out);
                assert!(v.get("predictions").is_none(), "{label}: {v}");
                for (p, f) in files.iter().enumerate() {
                    if p != seat {
                        let b = std::fs::read(f).unwrap();
                        assert!(b.starts_with(b"SPDZMSPT"), "{label}: party {p}'s file");
                    }
                }
            }
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

fn run_parties(dir: &Path, per_party: &dyn Fn(usize) -> Vec<String>) -> Vec<Output> {
    let children: Vec<_> = (0..3)
        .map(|me| {
            let config = dir.join(format!("party{me}.toml"));
            Command::new(env!("CARGO_BIN_EXE_spdz"))
                .args(["party", "--config", config.to_str().unwrap()])
                .args(per_party(me))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

/// Three `spdz party ... train` processes over mutual TLS, each given only its own CSV,
/// train the model of the local run (the same accuracy on the test rows, weights within the
/// fixed-point tolerance); the model kept in shares then serves `spdz party ... predict`
/// with the records at party 2 only; a cheating process makes the others exit 3.
#[test]
fn deployed_training_and_inference_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (data, test) = files(dir.path(), 3);
    let paths: Vec<String> = data.split(',').map(str::to_string).collect();
    let out = spdz(&[
        "keygen",
        "--parties",
        "3",
        "--hosts",
        &free_ports(3).join(","),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The local run, its model revealed.
    let local_dir = dir.path().join("local");
    let out = spdz(
        &[
            &["train", "--data", &data][..],
            &TRAIN,
            &["--model-out", local_dir.to_str().unwrap(), "--json"],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let local: Value =
        serde_json::from_slice(&std::fs::read(local_dir.join("model.json")).unwrap()).unwrap();

    // The deployment, revealed to all: every party writes the same model.
    let outs = run_parties(dir.path(), &|me| {
        let mut a: Vec<String> = ["train", "--data", &paths[me]]
            .iter()
            .chain(TRAIN.iter())
            .map(|s| (*s).to_string())
            .collect();
        a.extend([
            "--model-out".to_string(),
            dir.path().join(format!("d{me}")).display().to_string(),
            "--json".to_string(),
        ]);
        a
    });
    let mut weights = Vec::new();
    for (me, out) in outs.iter().enumerate() {
        assert!(out.status.success(), "party {me}: {}", stderr(out));
        let v = json(out);
        assert_eq!(v["train_rows"], 24, "{v}");
        let m: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("d{me}/model.json"))).unwrap(),
        )
        .unwrap();
        weights.push(m["weights"].clone());
        assert_eq!(m["mean"], local["mean"], "the pooled standardisation");
    }
    assert_eq!(weights[0], weights[1]);
    assert_eq!(weights[1], weights[2]);
    for (a, b) in weights[0]
        .as_array()
        .unwrap()
        .iter()
        .zip(local["weights"].as_array().unwrap())
    {
        assert!(
            (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.005,
            "deployment {a} vs local {b}"
        );
    }
    let acc = |model: &Path| {
        json(&spdz(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--data",
            test.to_str().unwrap(),
            "--json",
        ]))["accuracy"]
            .as_f64()
            .unwrap()
    };
    assert!(
        (acc(&dir.path().join("d0/model.json")) - acc(&local_dir.join("model.json"))).abs() < 0.01
    );

    // Kept in shares in the deployment, then inference with the records at party 2 only.
    let outs = run_parties(dir.path(), &|me| {
        let mut a: Vec<String> = ["train", "--data", &paths[me]]
            .iter()
            .chain(TRAIN.iter())
            .map(|s| (*s).to_string())
            .collect();
        a.extend([
            "--reveal-model".to_string(),
            "none".to_string(),
            "--model-out".to_string(),
            dir.path().join(format!("k{me}")).display().to_string(),
        ]);
        a
    });
    for (me, out) in outs.iter().enumerate() {
        assert!(out.status.success(), "party {me}: {}", stderr(out));
    }
    let share = |me: usize| {
        dir.path()
            .join(format!("k{me}/model-share-{me}.spdz"))
            .display()
            .to_string()
    };
    let predict = |cheater: Option<usize>| {
        run_parties(dir.path(), &|me| {
            let mut a = vec![
                "predict".to_string(),
                "--model-share".to_string(),
                share(me),
                "--json".to_string(),
            ];
            if me == 2 {
                a.extend(["--data".to_string(), test.display().to_string()]);
            }
            if cheater == Some(me) {
                a.extend(["--cheat".to_string(), "online-shift-delta".to_string()]);
            }
            a
        })
    };
    let outs = predict(None);
    for (me, out) in outs.iter().enumerate() {
        assert!(out.status.success(), "party {me}: {}", stderr(out));
        let v = json(out);
        assert_eq!(v["predictions"].is_array(), me == 2, "party {me}: {v}");
    }
    assert!(json(&outs[2])["accuracy"].as_f64().unwrap() >= 0.8);
    // A cheater in inference: the honest parties exit 3 and their files are spent.
    let outs = predict(Some(0));
    for me in [1, 2] {
        assert_eq!(
            outs[me].status.code(),
            Some(3),
            "party {me}: {}",
            stderr(&outs[me])
        );
        assert!(json(&outs[me]).get("predictions").is_none());
        assert!(std::fs::read(share(me)).unwrap().starts_with(b"SPDZMSPT"));
    }
}
