//! `spdz party`: this process is one party of a deployment, over mutually authenticated TLS.
//!
//! Every party runs the same command with its own configuration file (see `spdz keygen`); the
//! parties connect by the rule of `papers/wire.md`, then run the job. A cheat given here is
//! applied by this party itself, so that a deployment can rehearse an attack.

use std::path::PathBuf;
use std::time::Instant;

use spdz::AbortKind;
use spdz_net::{DeploymentConfig, TlsTransport};
use spdz_offline::{Cheat, Params};

use crate::exit::Failure;
use crate::local::{PartyJob, report_aborts};
use crate::progress::Progress;
use crate::{mul, triples};

/// Arguments of `spdz party`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// This party's deployment configuration (TOML; see `spdz keygen --parties`).
    #[arg(long)]
    config: PathBuf,
    #[command(subcommand)]
    job: Job,
}

/// What the deployment computes.
#[derive(Debug, clap::Subcommand)]
enum Job {
    /// MASCOT triples (as `spdz triples`).
    Triples(JobArgs),
    /// MASCOT triples, then online multiplications (as `spdz mul`).
    Mul(JobArgs),
    /// Federated statistics over this party's rows and the others' (as `spdz stats`).
    Stats(StatsArgs),
    /// Secure logistic regression on this party's file and the others' (as `spdz train`).
    Train(crate::train::PartyArgs),
    /// Secure inference: a model (this party's `model.json`, or every party's share file)
    /// against one party's records; only that party learns the labels.
    Predict(crate::predict::PartyArgs),
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    /// This party's CSV file (the same columns at every party).
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    opts: crate::stats::StatsOpts,
    /// Make THIS party deviate in the online phase (`online-*`, a rehearsal of an attack).
    #[cfg(feature = "adversarial")]
    #[arg(long)]
    cheat: Option<String>,
}

#[derive(Debug, clap::Args)]
struct JobArgs {
    /// Number of triples / multiplications (must be the same at every party).
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Offline workers (must be the same at every party).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// Offline triples per batch (must be the same at every party).
    #[arg(long, default_value_t = 1024)]
    batch: usize,
    /// MASCOT's τ: triples combined into each output triple. 4 meets 2^-64 by the two-output
    /// leftover-hash count (about 2^-95); 3 is the paper's and MP-SPDZ's setting, about
    /// 2^-31.5 by that count, and costs a quarter fewer OTs (papers/mascot.md).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(3..=8))]
    tau: u8,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    /// Make THIS party deviate from the protocol (a rehearsal of an attack).
    #[cfg(feature = "adversarial")]
    #[arg(long, value_parser = mul::cheat_names())]
    cheat: Option<String>,
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let config = DeploymentConfig::load(&args.config)
        .map_err(|e| Failure::Usage(anyhow::Error::new(e).context("configuration")))?;
    let setup = config
        .to_setup()
        .map_err(|e| Failure::Usage(anyhow::Error::new(e).context("configuration")))?;
    let (me, n) = (setup.me, setup.parties.len());
    let job_args = match &args.job {
        Job::Triples(a) | Job::Mul(a) => a,
        Job::Stats(s) => return run_stats(setup, s),
        Job::Train(t) => return crate::train::run_party(setup, t),
        Job::Predict(p) => return crate::predict::run_party(setup, p),
    };
    if job_args.count == 0 || job_args.batch == 0 {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--count and --batch must be positive"
        )));
    }
    #[cfg(not(feature = "adversarial"))]
    let cheat: Option<mul::AnyCheat> = None;
    #[cfg(feature = "adversarial")]
    let cheat = match &job_args.cheat {
        None => None,
        Some(name) => Some(
            mul::parse_cheat(name)
                .ok_or_else(|| Failure::Usage(anyhow::anyhow!("unknown cheat {name}")))?,
        ),
    };
    let params = Params {
        triples: job_args.count,
        input_masks: usize::from(matches!(args.job, Job::Mul(_))),
        batch_size: job_args.batch,
        threads: usize::from(job_args.threads),
        tau: usize::from(job_args.tau),
        ..Params::default()
    };
    let view = triples::View {
        parties: n,
        count: job_args.count,
        transport: "tls",
        threads: job_args.threads,
        tau: job_args.tau,
        json: job_args.json,
    };
    crate::local::runtime()?.block_on(async {
        let transport = TlsTransport::connect(setup)
            .await
            .map_err(|e| Failure::Network(anyhow::Error::new(e).context("connecting")))?;
        // A handle on the same links, kept to close them gracefully once the job is done: a
        // plain drop could cut off a peer's last frames with a TCP reset.
        let links = transport.clone();
        let bar = Progress::start(job_args.count, "triples");
        let start = Instant::now();
        match &args.job {
            Job::Triples(_) => {
                let offline_cheat = match cheat {
                    Some(mul::AnyCheat::Offline(c)) => Some((c, me)),
                    #[cfg(feature = "adversarial")]
                    Some(mul::AnyCheat::Online(_)) => {
                        return Err(Failure::Usage(anyhow::anyhow!(
                            "online cheats need the mul job"
                        )));
                    }
                    None => None::<(Cheat, usize)>,
                };
                let job = triples::Job {
                    params,
                    cheat: offline_cheat,
                    out: None,
                    progress: bar.as_ref().map(|b| (me, b.counter())),
                };
                let made = job.run(transport).await.map_err(|k| abort(me, k, &view))?;
                triples::print_summary(&view, start.elapsed().as_secs_f64(), &[made.report], &[]);
            }
            Job::Stats(_) | Job::Train(_) | Job::Predict(_) => {}
            Job::Mul(_) => {
                let job = mul::Job {
                    params,
                    count: job_args.count,
                    cheat: cheat.map(|c| (c, me)),
                    progress: bar.as_ref().map(|b| (me, b.counter())),
                };
                let report = job.run(transport).await.map_err(|k| abort(me, k, &view))?;
                mul::print_summary(&view, &[report]);
            }
        }
        if let Err(e) = links.close().await {
            // The result is already printed; a peer that is slow to close does not change it.
            tracing::debug!(error = %e, "closing the links");
        }
        Ok(())
    })
}

/// `spdz party ... stats`: this party's file only; the row counts and the job's digest are
/// exchanged with the peers before any preprocessing.
fn run_stats(setup: spdz_net::TlsSetup, args: &StatsArgs) -> Result<(), Failure> {
    let me = setup.me;
    let (local, plan) = crate::stats::prepare(&args.data, &args.opts)?;
    #[cfg(feature = "adversarial")]
    let cheat = match &args.cheat {
        None => None,
        Some(name) => Some((
            name.strip_prefix("online-")
                .and_then(spdz_online::Cheat::from_name)
                .ok_or_else(|| Failure::Usage(anyhow::anyhow!("{name}: not an online cheat")))?,
            me,
        )),
    };
    #[cfg(not(feature = "adversarial"))]
    let cheat = None;
    let job = crate::stats::Job {
        locals: std::sync::Arc::new(vec![local]),
        own: Some(0),
        plan: plan.clone(),
        threads: args.opts.threads(),
        offline_batch: args.opts.offline_batch(),
        cheat,
        progress: None,
    };
    crate::local::runtime()?.block_on(async {
        let transport = TlsTransport::connect(setup)
            .await
            .map_err(|e| Failure::Network(anyhow::Error::new(e).context("connecting")))?;
        let links = transport.clone();
        let report = job
            .run(transport)
            .await
            .map_err(|k| report_aborts(&[(me, k)], args.opts.json))?;
        crate::stats::print(&plan, &[report], None, args.opts.json);
        if let Err(e) = links.close().await {
            tracing::debug!(error = %e, "closing the links");
        }
        Ok(())
    })
}

fn abort(me: usize, kind: AbortKind, view: &triples::View<'_>) -> Failure {
    report_aborts(&[(me, kind)], view.json)
}
