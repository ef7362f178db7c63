//! The `spdz` command: runs the MASCOT offline phase and the SPDZ online phase, either with all
//! parties in this process (the embedded default) or as one party of a deployment.
//!
//! Exit codes: 0 success, 2 bad usage or bad input file, 3 protocol abort (cheating detected),
//! 4 network failure.
#![forbid(unsafe_code)]

mod exit;
mod keygen;
mod local;
mod mul;
mod party;
mod predict;
mod prep;
mod progress;
mod selftest;
mod stats;
mod store;
mod train;
mod triples;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Malicious-secure multi-party computation (MASCOT offline phase, SPDZ online phase).
#[derive(Debug, Parser)]
#[command(name = "spdz", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure field arithmetic throughput on this machine (F_p with p = 2^127 − 1, GF(2^128)).
    Selftest(selftest::Args),
    /// Make MAC-authenticated Beaver triples with MASCOT between N parties in this process.
    Triples(triples::Args),
    /// Make any mix of MASCOT preprocessing (triples, square pairs, random bits, input masks)
    /// between N parties in this process.
    Prep(prep::Args),
    /// Benchmarks (`bench offline`: the offline phase's figures for n = 2 and 3).
    Bench(prep::BenchArgs),
    /// Make M triples with MASCOT, then run M multiplications online; offline and online
    /// costs are reported apart.
    Mul(mul::Args),
    /// Generate keys, pinned certificates and configuration files for a deployment.
    Keygen(keygen::Args),
    /// Run as one party of a deployment, over mutually authenticated TLS.
    Party(party::Args),
    /// Federated statistics over rows held by N parties in this process (count, mean,
    /// variance, min, max, histograms, covariance and correlation; only aggregates revealed).
    Stats(stats::Args),
    /// Inspect preprocessing store files (`store verify FILE...`).
    Store(store::Args),
    /// Train a logistic regression on CSV files split among N parties in this process
    /// (MASCOT preprocessing planned for exactly the run, then SPDZ).
    Train(train::Args),
    /// The main job: 3 parties train on the bundled breast cancer data, secure accuracy
    /// beside the plaintext one.
    Demo(train::DemoArgs),
    /// Score a CSV file with a model written by `spdz train --model-out` (in the clear, by
    /// the party that learnt the model).
    Predict(predict::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Selftest(args) => selftest::run(&args),
        Command::Triples(args) => triples::run(&args),
        Command::Prep(args) => prep::run(&args),
        Command::Bench(args) => prep::bench(&args),
        Command::Mul(args) => mul::run(&args),
        Command::Keygen(args) => keygen::run(&args),
        Command::Party(args) => party::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Store(args) => store::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Demo(args) => train::demo(&args),
        Command::Predict(args) => predict::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
