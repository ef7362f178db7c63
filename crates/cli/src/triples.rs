//! `spdz triples`: MASCOT preprocessing between N parties in this process.
//!
//! Every party runs the real offline phase (base OTs, KOS extension, Gilboa multiplication,
//! COPEe authentication, sacrifice, MAC checks) over its own transport; nothing is dealt.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

#[cfg(feature = "adversarial")]
use clap::builder::{PossibleValue, PossibleValuesParser};
use spdz::AbortKind;
use spdz_field::Fp;
use spdz_net::{PartyId, Transport};
use spdz_offline::{Cheat, Params, Report, WriteMode};

use crate::exit::Failure;
use crate::local::{LocalArgs, PartyJob, honest_aborts, report_aborts, run_local};
use crate::progress::Progress;

/// Arguments of `spdz triples`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    local: LocalArgs,
    /// Write each party's triples to DIR/party-<id>.spdzprep (versioned, integrity-tagged).
    /// The consumption watermark DIR/party-<id>.spdzprep.used appears when material is first
    /// handed out. Refuses a DIR that already holds store files, unless --force.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out: delete every store file and watermark already in DIR (all parties, so no
    /// folder mixes two sessions) before writing. Their material is lost.
    #[arg(long, requires = "out")]
    force: bool,
    /// Make one party deviate from the protocol, to watch the honest parties catch it.
    #[cfg(feature = "adversarial")]
    #[arg(long, value_parser = cheat_names(), requires = "cheater")]
    cheat: Option<String>,
}

#[cfg(feature = "adversarial")]
pub(crate) fn cheat_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        Cheat::ALL.map(|c| PossibleValue::new(c.name()).help(c.description())),
    )
}

/// One party's MASCOT run.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) params: Params,
    pub(crate) cheat: Option<(Cheat, PartyId)>,
    /// Where to store the material, if anywhere (the folder was checked or cleared first).
    pub(crate) out: Option<PathBuf>,
    /// Which party reports its triples done so far, and where (for a progress bar).
    pub(crate) progress: Option<(PartyId, Arc<AtomicUsize>)>,
}

/// One party's result: its report, and where its material went (or why it could not be
/// written).
pub(crate) struct Made {
    pub(crate) report: Report,
    pub(crate) stored: Option<Result<PathBuf, String>>,
}

impl PartyJob for Job {
    type Output = Made;

    async fn run<T: Transport + 'static>(self, transport: T) -> Result<Made, AbortKind> {
        let cheat = self
            .cheat
            .and_then(|(c, who)| (who == transport.id()).then_some(c));
        let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
        let progress = self
            .progress
            .and_then(|(who, counter)| (who == transport.id()).then_some(counter));
        let (material, report) = spdz_offline::generate_with_progress::<Fp, _, _>(
            &transport,
            &self.params,
            cheat,
            &mut rng,
            progress,
        )
        .await
        .map_err(|e| AbortKind::from(&e))?;
        // Only material whose every check passed gets here; it is written to this party's own
        // file, or dropped (and zeroized) when only measuring.
        let stored = self.out.map(|dir| {
            spdz_offline::store::write(&dir, &material, &report.session, WriteMode::CreateNew)
                .map_err(|e| format!("party {}: {e}", transport.id()))
        });
        drop(material);
        Ok(Made { report, stored })
    }
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let local = &args.local;
    let n = local.n();
    #[cfg(feature = "adversarial")]
    let cheat = local.validate(args.cheat.as_deref(), Cheat::from_name)?;
    #[cfg(not(feature = "adversarial"))]
    let cheat = local.validate(None, |_| None::<Cheat>)?;
    if let Some(dir) = &args.out {
        prepare_out_dir(dir, args.force)?;
    }
    let bar = Progress::start(local.count, "triples");
    let job = Job {
        params: Params {
            triples: local.count,
            batch_size: local.batch,
            threads: usize::from(local.threads),
            tau: usize::from(local.tau),
            ..Params::default()
        },
        cheat,
        out: args.out.clone(),
        progress: bar.as_ref().map(|b| (0, b.counter())),
    };
    let start = Instant::now();
    let outcomes = run_local(local.transport, n, job)?;
    drop(bar);
    let seconds = start.elapsed().as_secs_f64();

    let aborts = honest_aborts(&outcomes, cheat.map(|(_, who)| who));
    if !aborts.is_empty() {
        return Err(report_aborts(&aborts, local.json));
    }
    if let Some((c, who)) = cheat {
        // Every honest party finished: the cheat went unnoticed. That must never happen.
        return Err(Failure::Internal(anyhow::anyhow!(
            "cheat {c:?} by party {who} was not detected"
        )));
    }
    let made: Vec<Made> = outcomes.into_iter().filter_map(|(_, r)| r.ok()).collect();
    let mut stored = Vec::new();
    for m in &made {
        match &m.stored {
            Some(Ok(path)) => stored.push(path.clone()),
            Some(Err(e)) => {
                return Err(Failure::Usage(anyhow::anyhow!("writing the store: {e}")));
            }
            None => {}
        }
    }
    let reports: Vec<Report> = made.into_iter().map(|m| m.report).collect();
    print_summary(&local.view(), seconds, &reports, &stored);
    Ok(())
}

/// Store files and watermarks (`party-<id>.spdzprep`, `.used`, `.tmp`) in `dir`.
fn store_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Failure::Usage(anyhow::anyhow!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let store = name.strip_prefix("party-").is_some_and(|rest| {
            [".spdzprep", ".spdzprep.used", ".spdzprep.used.tmp", ".tmp"]
                .iter()
                .any(|ext| rest.ends_with(ext))
        });
        if store {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Creates `dir`; refuses one that holds store files (writing over a store would reset its
/// watermark and could re-issue used material, and a partial overwrite would leave a folder
/// mixing two sessions), or with `force` deletes them all first.
pub(crate) fn prepare_out_dir(dir: &Path, force: bool) -> Result<(), Failure> {
    let existing = store_files(dir)?;
    if !existing.is_empty() && !force {
        let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::Usage(anyhow::anyhow!(
            "{} already holds preprocessing stores ({}); refusing to overwrite them \
             (--force deletes them first, and their material is lost)",
            dir.display(),
            names.join(", ")
        )));
    }
    for p in existing {
        std::fs::remove_file(&p)
            .map_err(|e| Failure::Usage(anyhow::anyhow!("cannot delete {}: {e}", p.display())))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Usage(anyhow::anyhow!("cannot create {}: {e}", dir.display())))
}

/// What a summary is about.
pub(crate) struct View<'a> {
    pub(crate) parties: usize,
    pub(crate) count: usize,
    pub(crate) transport: &'a str,
    pub(crate) threads: u16,
    /// MASCOT's τ.
    pub(crate) tau: u8,
    pub(crate) json: bool,
}

/// Per-step time: the slowest party's, since parties wait for each other.
fn step_seconds(reports: &[Report], step: impl Fn(&Report) -> Duration) -> f64 {
    reports
        .iter()
        .map(|r| step(r).as_secs_f64())
        .fold(0.0, f64::max)
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
pub(crate) fn print_summary(view: &View<'_>, seconds: f64, reports: &[Report], stored: &[PathBuf]) {
    let n = view.parties;
    let count = view.count as f64;
    let bytes_sent = reports.iter().map(|r| r.bytes_sent).max().unwrap_or(0) as f64;
    let rounds = reports.iter().map(|r| r.rounds_total).max().unwrap_or(0);
    // The session id is public (agreed by coin tossing); a stored file opens only with it.
    let session: String = reports
        .first()
        .map(|r| r.session.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default();
    let steps = [
        ("base_ot", step_seconds(reports, |r| r.steps.base_ot)),
        (
            "ot_extension",
            step_seconds(reports, |r| r.steps.ot_extension),
        ),
        ("multiply", step_seconds(reports, |r| r.steps.multiply)),
        (
            "authenticate",
            step_seconds(reports, |r| r.steps.authenticate),
        ),
        ("sacrifice", step_seconds(reports, |r| r.steps.sacrifice)),
        ("mac_check", step_seconds(reports, |r| r.steps.mac_check)),
    ];
    if view.json {
        let steps: serde_json::Map<_, _> = steps
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "parties": n,
                "count": view.count,
                "transport": view.transport,
                "threads": view.threads,
                "tau": view.tau,
                "seconds": seconds,
                "triples_per_second": count / seconds,
                "bytes_per_triple": bytes_sent / count,
                "rounds": rounds,
                "steps": steps,
                "session": session,
                "stored": stored,
            })
        );
    } else {
        println!(
            "MASCOT (τ = {}): {} triples between {n} parties over {} in {seconds:.2} s",
            view.tau, view.count, view.transport
        );
        println!("  throughput        {:>12.0} triples/s", count / seconds);
        println!(
            "  sent per party    {:>12.0} bytes/triple",
            bytes_sent / count
        );
        println!("  rounds per party  {rounds:>12}");
        println!("  time per step (slowest party, summed over workers):");
        for (name, s) in steps {
            println!("    {name:<14} {s:>8.3} s");
        }
        for path in stored {
            println!("  stored {}", path.display());
        }
        if !stored.is_empty() {
            println!("  session {session}");
        }
    }
}
