//! Running all parties in this process: the embedded default of the `spdz` subcommands.
//!
//! Each party gets its own transport (in-memory channels, or real TCP + mutual TLS on
//! loopback with a freshly generated certificate per party) and its own tokio task; the parties
//! share nothing else. What one party computes is returned to the caller only through that
//! party's own result.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use spdz::{AbortClass, AbortKind};
use spdz_net::{MemoryTransport, PartyId, TlsOptions, TlsTransport, Transport};

use crate::exit::Failure;

/// Which transport the in-process parties talk over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TransportKind {
    /// In-memory channels (no encryption: all parties are in this process anyway).
    Memory,
    /// TCP on 127.0.0.1 with mutual TLS and one certificate per party, as in a deployment.
    Tls,
}

impl TransportKind {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            TransportKind::Memory => "memory",
            TransportKind::Tls => "tls",
        }
    }
}

/// The arguments every in-process subcommand shares (`spdz triples`, `spdz mul`).
#[derive(Debug, clap::Args)]
pub(crate) struct LocalArgs {
    /// Number of parties (all run in this process).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..=64))]
    pub(crate) parties: u16,
    /// Number of triples to make (for `mul`, also the number of multiplications).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) count: usize,
    /// How the parties talk.
    #[arg(long, value_enum, default_value_t = TransportKind::Memory)]
    pub(crate) transport: TransportKind,
    /// Independent offline batches run on this many workers per party. Two overlap one
    /// batch's computation with another's communication (measured: about 1.4× one worker on
    /// 2 cores).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) threads: u16,
    /// Triples per offline batch (memory is bounded by the batch). Smaller batches pipeline
    /// better between workers; 1024 measured fastest on 2 cores.
    #[arg(long, default_value_t = 1024)]
    pub(crate) batch: usize,
    /// MASCOT's τ: triples combined into each output triple. 4 meets 2^-64 by the two-output
    /// leftover-hash count (about 2^-95); 3 is the paper's and MP-SPDZ's setting, about
    /// 2^-31.5 by that count, and costs a quarter fewer OTs (papers/mascot.md).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(3..=8))]
    pub(crate) tau: u8,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub(crate) json: bool,
    /// The id of the cheating party (0-based), with `--cheat`.
    #[cfg(feature = "adversarial")]
    #[arg(long, requires = "cheat")]
    pub(crate) cheater: Option<usize>,
}

impl LocalArgs {
    /// The number of parties.
    pub(crate) fn n(&self) -> usize {
        usize::from(self.parties)
    }

    /// Checks the counts and resolves `--cheat NAME --cheater ID` with `parse`.
    pub(crate) fn validate<C>(
        &self,
        cheat: Option<&str>,
        parse: impl Fn(&str) -> Option<C>,
    ) -> Result<Option<(C, PartyId)>, Failure> {
        if self.count == 0 || self.batch == 0 {
            return Err(Failure::Usage(anyhow::anyhow!(
                "--count and --batch must be positive"
            )));
        }
        let n = self.n();
        #[cfg(feature = "adversarial")]
        let cheater = self.cheater;
        // A build without the feature has no `--cheat` and no `--cheater`.
        #[cfg(not(feature = "adversarial"))]
        let cheater: Option<usize> = None;
        match (cheat, cheater) {
            (Some(name), Some(who)) => {
                if who >= n {
                    return Err(Failure::Usage(anyhow::anyhow!(
                        "--cheater {who} is not a party id (0..{n})"
                    )));
                }
                let cheat = parse(name)
                    .ok_or_else(|| Failure::Usage(anyhow::anyhow!("unknown cheat {name}")))?;
                Ok(Some((cheat, who)))
            }
            _ => Ok(None),
        }
    }

    /// What a summary of this run is about.
    pub(crate) fn view(&self) -> crate::triples::View<'static> {
        crate::triples::View {
            parties: self.n(),
            count: self.count,
            transport: self.transport.name(),
            threads: self.threads,
            tau: self.tau,
            json: self.json,
        }
    }
}

/// One party's outcome: its value, or why it stopped.
pub(crate) type Outcome<V> = (PartyId, Result<V, AbortKind>);

/// Builds `n` TLS transports connected over loopback, each with its own certificate.
async fn tls_mesh(n: usize) -> anyhow::Result<Vec<TlsTransport>> {
    let options = TlsOptions {
        connect_timeout: Duration::from_secs(30),
        timeout: Some(Duration::from_secs(120)),
        ..TlsOptions::default()
    };
    TlsTransport::loopback_mesh(n, rand::random(), options)
        .await
        .context("connecting the parties over TLS loopback")
}

/// Runs `party` once per transport, each on its own task, and collects every party's outcome
/// in party order.
async fn run_all<T, V, F, Fut>(transports: Vec<T>, party: F) -> anyhow::Result<Vec<Outcome<V>>>
where
    T: Transport + 'static,
    V: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<V, AbortKind>> + Send + 'static,
{
    let tasks: Vec<_> = transports
        .into_iter()
        .map(|t| {
            let id = t.id();
            (id, tokio::spawn(party(t)))
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for (id, task) in tasks {
        out.push((id, task.await.context("party task panicked")?));
    }
    Ok(out)
}

/// A party's work, generic over the transport it is given.
pub(crate) trait PartyJob: Clone + Send + Sync + 'static {
    /// What a party returns on success.
    type Output: Send + 'static;
    /// Runs one party.
    fn run<T: Transport + 'static>(
        self,
        transport: T,
    ) -> impl Future<Output = Result<Self::Output, AbortKind>> + Send;
}

/// Runs `job` for `n` parties over `kind`, on a fresh multi-threaded runtime.
pub(crate) fn run_local<J: PartyJob>(
    kind: TransportKind,
    n: usize,
    job: J,
) -> Result<Vec<Outcome<J::Output>>, Failure> {
    runtime()?.block_on(async move {
        let outcomes = match kind {
            TransportKind::Memory => {
                run_all(MemoryTransport::mesh(n), |t| job.clone().run(t)).await
            }
            TransportKind::Tls => {
                let transports = tls_mesh(n).await.map_err(Failure::Network)?;
                run_all(transports, |t| job.clone().run(t)).await
            }
        };
        outcomes.map_err(Failure::Internal)
    })
}

/// The multi-threaded runtime every subcommand runs its parties on.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Internal(e.into()))
}

/// Bytes sent and rounds between two snapshots of a party's counters.
pub(crate) fn sent_since(before: &spdz_net::Stats, after: &spdz_net::Stats) -> (u64, u64) {
    (
        after
            .total
            .bytes_sent
            .saturating_sub(before.total.bytes_sent),
        after.rounds_total.saturating_sub(before.rounds_total),
    )
}

/// Splits outcomes into successes and honest parties' aborts (the cheater's own outcome is
/// left out of the aborts), and chooses the exit class.
pub(crate) fn honest_aborts<V>(
    outcomes: &[Outcome<V>],
    cheater: Option<PartyId>,
) -> Vec<(PartyId, AbortKind)> {
    outcomes
        .iter()
        .filter(|(id, _)| Some(*id) != cheater)
        .filter_map(|(id, r)| r.as_ref().err().map(|k| (*id, *k)))
        .collect()
}

/// Reports aborts of honest parties (human or JSON) and turns them into the failure whose exit
/// code fits: 3 for a detected cheat, 4 for a network failure, 2 for a usage error.
pub(crate) fn report_aborts(aborts: &[(PartyId, AbortKind)], json: bool) -> Failure {
    if json {
        let list: Vec<_> = aborts
            .iter()
            .map(|(party, kind)| {
                let mut entry = serde_json::json!({ "party": party, "reason": kind.name() });
                if let Some(blamed) = kind.blamed() {
                    entry["blamed"] = serde_json::json!(blamed);
                }
                entry
            })
            .collect();
        println!("{}", serde_json::json!({ "aborted": list }));
    } else {
        println!("ABORTED: the honest parties stopped without output");
        for (party, kind) in aborts {
            match kind.blamed() {
                Some(b) => println!("  party {party}: {} (blames party {b})", kind.name()),
                None => println!("  party {party}: {}", kind.name()),
            }
        }
    }
    let class = aborts
        .iter()
        .map(|(_, k)| k.class())
        .find(|c| *c == AbortClass::Protocol)
        .or_else(|| aborts.first().map(|(_, k)| k.class()))
        .unwrap_or(AbortClass::Protocol);
    match class {
        AbortClass::Protocol => Failure::Abort,
        AbortClass::Network => {
            Failure::Network(anyhow::anyhow!("{} party(ies) lost a peer", aborts.len()))
        }
        AbortClass::Usage => Failure::Usage(anyhow::anyhow!("invalid parameters")),
    }
}

/// Runs `job` as this process's party of a deployment: connects over mutual TLS, runs, and
/// closes the links gracefully (a plain drop could cut off a peer's last frames). An abort
/// is reported (human or JSON) and becomes the failure with its exit code.
pub(crate) fn run_deployed<J: PartyJob>(
    setup: spdz_net::TlsSetup,
    job: J,
    json: bool,
) -> Result<J::Output, Failure> {
    let me = setup.me;
    runtime()?.block_on(async {
        let transport = TlsTransport::connect(setup)
            .await
            .map_err(|e| Failure::Network(anyhow::Error::new(e).context("connecting")))?;
        let links = transport.clone();
        let out = job
            .run(transport)
            .await
            .map_err(|k| report_aborts(&[(me, k)], json))?;
        if let Err(e) = links.close().await {
            tracing::debug!(error = %e, "closing the links");
        }
        Ok(out)
    })
}
