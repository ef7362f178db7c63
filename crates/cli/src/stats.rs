//! `spdz stats`: federated statistics over rows held by the parties (rows partition).
//!
//! 1. Every party's CSV is loaded and checked (exit 2 with file, line and column), the chosen
//!    columns found by name, and every value checked against the input range.
//! 2. The parties exchange a digest of their columns and the job's parameters, and their row
//!    counts (public), before any preprocessing: a party with other columns is refused.
//! 3. The exact preprocessing is computed (`spdz_model::stats::stats_budget`); MASCOT makes it;
//!    then the online phase computes and reveals the aggregates
//!    (`spdz_model::stats::run_stats`). Offline and online time, bytes and rounds apart.
//!
//! Locally (`spdz stats --data a.csv,b.csv,...`) every party's task reads only its own file's
//! rows; deployed (`spdz party --config FILE stats --data mine.csv ...`) each process has one.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use spdz::AbortKind;
use spdz_field::Fp;
use spdz_model::data::{DataError, Table, header_digest};
use spdz_model::secure::Reveal;
use spdz_model::stats::{Stats, StatsError, StatsSpec, plain_stats, run_stats, stats_budget};
use spdz_net::{PartyId, Step, Transport};
use spdz_offline::{Params, generate_with_progress};
use spdz_online::{Budget, FixedParams, Party};

use crate::exit::Failure;
use crate::local::{TransportKind, honest_aborts, report_aborts, run_local};
use crate::progress::Progress;

/// An online cheat (no values without the `adversarial` feature).
#[cfg(feature = "adversarial")]
pub(crate) type OnlineCheat = spdz_online::Cheat;
/// An online cheat (no values without the `adversarial` feature).
#[cfg(not(feature = "adversarial"))]
pub(crate) type OnlineCheat = std::convert::Infallible;

/// The setup exchange of `spdz stats`: a digest of the job and this party's row count.
const STEP_SETUP: Step = Step::new(0x0400_0001);

/// Options of `spdz stats` (local and deployed).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StatsOpts {
    /// Columns to describe, by name, comma-separated (default: every column).
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// A histogram `COLUMN:E0,E1,...` over the bins [E0, E1), [E1, E2), ... (repeatable).
    #[arg(long)]
    histogram: Vec<String>,
    /// Also give count, means and variances per group of this categorical column, whose
    /// values must be integers in 0..MAX_GROUPS.
    #[arg(long, requires = "max_groups")]
    group_by: Option<String>,
    /// The number of groups of `--group-by` (at most 64).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    max_groups: Option<u16>,
    /// Reveal the statistics to this party only (default: to all).
    #[arg(long)]
    reveal_to: Option<usize>,
    /// Offline workers per party.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// Triples per offline batch.
    #[arg(long, default_value_t = 1024)]
    offline_batch: usize,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub(crate) json: bool,
}

impl StatsOpts {
    pub(crate) fn threads(&self) -> u16 {
        self.threads
    }
    pub(crate) fn offline_batch(&self) -> usize {
        self.offline_batch
    }
}

/// Arguments of `spdz stats`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// One CSV file per party, comma-separated (party 0 first); the same columns in each.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// How the parties talk.
    #[arg(long, value_enum, default_value_t = TransportKind::Memory)]
    transport: TransportKind,
    #[command(flatten)]
    opts: StatsOpts,
    /// Make one party deviate in the online phase (`online-*`, see `spdz mul --help`).
    #[cfg(feature = "adversarial")]
    #[arg(long, requires = "cheater")]
    cheat: Option<String>,
    /// The cheating party.
    #[cfg(feature = "adversarial")]
    #[arg(long, requires = "cheat")]
    cheater: Option<usize>,
}

/// One party's prepared data.
#[derive(Clone, Debug)]
pub(crate) struct Local {
    /// Its rows, restricted to the chosen columns (row-major).
    x: Vec<f64>,
    rows: usize,
    /// Each row's group (when grouped).
    groups: Vec<usize>,
}

/// What every party must agree on.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    columns: Vec<String>,
    histograms: Vec<(usize, Vec<f64>)>,
    groups: usize,
    reveal: Reveal,
    digest: [u8; 32],
}

fn usage(e: impl std::fmt::Display) -> Failure {
    Failure::Usage(anyhow::anyhow!("{e}"))
}

/// Loads one party's file and prepares its rows for `plan` (exit 2 on any bad cell or a value
/// beyond the input range).
pub(crate) fn prepare(path: &Path, opts: &StatsOpts) -> Result<(Local, Plan), Failure> {
    let table = Table::load(path).map_err(|e| usage(&e))?;
    let file = path.display().to_string();
    let columns: Vec<String> = if opts.columns.is_empty() {
        table.columns().to_vec()
    } else {
        opts.columns.clone()
    };
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            table.column_index(c).ok_or_else(|| {
                usage(DataError::Mismatch {
                    file: file.clone(),
                    what: format!("no column {c:?}"),
                })
            })
        })
        .collect::<Result<_, _>>()?;
    let mut histograms = Vec::new();
    for h in &opts.histogram {
        let (col, edges) = h
            .split_once(':')
            .ok_or_else(|| usage(format!("--histogram {h:?}: want COLUMN:E0,E1,...")))?;
        let c = columns
            .iter()
            .position(|x| x == col)
            .ok_or_else(|| usage(format!("--histogram: {col:?} is not a chosen column")))?;
        let edges: Vec<f64> = edges
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| usage(format!("--histogram {h:?}: edges must be numbers")))?;
        if edges.len() < 2
            || edges
                .windows(2)
                .any(|w| w[0].partial_cmp(&w[1]) != Some(core::cmp::Ordering::Less))
        {
            return Err(usage(format!(
                "--histogram {h:?}: at least two increasing edges"
            )));
        }
        histograms.push((c, edges));
    }
    let limit = FixedParams::default().input_limit();
    let mut x = Vec::with_capacity(table.rows() * idx.len());
    for r in 0..table.rows() {
        let row = table.row(r);
        for &c in &idx {
            let v = row[c];
            if v.abs() > limit {
                // Line 1 is the header.
                return Err(usage(format!(
                    "{file}:{}:{}: value {v} beyond the input range ±{limit}",
                    r + 2,
                    c + 1
                )));
            }
            x.push(v);
        }
    }
    let groups = usize::from(opts.max_groups.unwrap_or(0));
    let mut group_ids = Vec::new();
    if let Some(g) = &opts.group_by {
        let gc = table.column_index(g).ok_or_else(|| {
            usage(DataError::Mismatch {
                file: file.clone(),
                what: format!("no column {g:?} to group by"),
            })
        })?;
        for r in 0..table.rows() {
            let v = table.row(r)[gc];
            #[allow(clippy::cast_precision_loss)]
            let ok = v.fract() == 0.0 && v >= 0.0 && v < groups as f64;
            if !ok {
                return Err(usage(format!(
                    "{file}:{}:{}: group {v} is not an integer in 0..{groups}",
                    r + 2,
                    gc + 1
                )));
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            group_ids.push(v as usize); // an integer in 0..64, checked above
        }
    }
    let reveal = opts.reveal_to.map_or(Reveal::All, Reveal::To);
    let mut described: Vec<String> = columns.clone();
    described.extend(
        histograms
            .iter()
            .map(|(c, e)| format!("histogram {c}: {e:?}")),
    );
    described.push(format!("reveal {reveal:?}"));
    described.push(format!("groups {:?} {groups}", opts.group_by));
    let plan = Plan {
        columns,
        histograms,
        groups,
        reveal,
        digest: header_digest(&described),
    };
    Ok((
        Local {
            rows: table.rows(),
            x,
            groups: group_ids,
        },
        plan,
    ))
}

/// What one party measured.
pub(crate) struct PartyReport {
    offline_seconds: f64,
    offline_bytes: u64,
    offline_rounds: u64,
    online_seconds: f64,
    online_bytes: u64,
    online_rounds: u64,
    budget: Budget,
    stats: Option<Stats>,
}

/// One party's run: the setup exchange, MASCOT for exactly the budget, the statistics.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) locals: Arc<Vec<Local>>,
    /// Which entry of `locals` is this party's: `None` = the transport's id (local runs).
    pub(crate) own: Option<usize>,
    pub(crate) plan: Plan,
    pub(crate) threads: u16,
    pub(crate) offline_batch: usize,
    #[cfg_attr(not(feature = "adversarial"), allow(dead_code))]
    pub(crate) cheat: Option<(OnlineCheat, PartyId)>,
    pub(crate) progress: Option<Arc<std::sync::atomic::AtomicUsize>>,
}

fn stats_abort(e: &StatsError) -> AbortKind {
    match e {
        StatsError::Online(e) => AbortKind::from(e),
        StatsError::InconsistentCounts { from } | StatsError::InvalidGroup { from } => {
            AbortKind::InputOutOfRange { from: *from }
        }
        _ => AbortKind::ApiMisuse,
    }
}

impl crate::local::PartyJob for Job {
    type Output = PartyReport;

    async fn run<T: Transport + 'static>(self, transport: T) -> Result<PartyReport, AbortKind> {
        let me = transport.id();
        let n = transport.parties();
        let local = self
            .locals
            .get(self.own.unwrap_or(me))
            .ok_or(AbortKind::ApiMisuse)?;
        // Setup: the job's digest and the row count, compared / collected before anything.
        let mut msg = self.plan.digest.to_vec();
        msg.extend_from_slice(&(local.rows as u64).to_le_bytes());
        let all = transport
            .exchange_all(STEP_SETUP, msg)
            .await
            .map_err(|e| AbortKind::from(&e))?;
        let mut rows = Vec::with_capacity(n);
        for (from, m) in all.iter().enumerate() {
            if m.len() != 40 {
                return Err(AbortKind::MalformedMessage { from });
            }
            if m[..32] != self.plan.digest {
                return Err(AbortKind::ParamsMismatch { from });
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&m[32..]);
            rows.push(
                usize::try_from(u64::from_le_bytes(b))
                    .map_err(|_| AbortKind::MalformedMessage { from })?,
            );
        }
        let spec = StatsSpec {
            rows,
            columns: self.plan.columns.len(),
            histograms: self.plan.histograms.clone(),
            groups: self.plan.groups,
            reveal: self.plan.reveal,
        };
        let budget = stats_budget(&FixedParams::default(), &spec).map_err(|e| stats_abort(&e))?;
        let params = Params {
            batch_size: self.offline_batch,
            threads: usize::from(self.threads),
            ..budget.mascot_params()
        };
        let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
        let start = Instant::now();
        let counter = if me == 0 { self.progress.clone() } else { None };
        let (prep, report) =
            generate_with_progress::<Fp, _, _>(&transport, &params, None, &mut rng, counter)
                .await
                .map_err(|e| AbortKind::from(&e))?;
        let offline_seconds = start.elapsed().as_secs_f64();
        let mut party = Party::new(transport, prep, &mut rng).map_err(|e| AbortKind::from(&e))?;
        #[cfg(feature = "adversarial")]
        if let Some((c, who)) = self.cheat
            && who == me
        {
            party = party.with_cheat(c);
        }
        let before = party.transport().stats();
        let start = Instant::now();
        let stats = run_stats(&mut party, &spec, &local.x, &local.groups)
            .await
            .map_err(|e| stats_abort(&e))?;
        let online_seconds = start.elapsed().as_secs_f64();
        let (online_bytes, online_rounds) =
            crate::local::sent_since(&before, &party.transport().stats());
        if party.consumed() != &budget {
            return Err(AbortKind::ApiMisuse);
        }
        Ok(PartyReport {
            offline_seconds,
            offline_bytes: report.bytes_sent,
            offline_rounds: report.rounds_total,
            online_seconds,
            online_bytes,
            online_rounds,
            budget,
            stats,
        })
    }
}

#[cfg(feature = "adversarial")]
fn parse_online_cheat(args: &Args) -> Result<Option<(spdz_online::Cheat, PartyId)>, Failure> {
    match (&args.cheat, args.cheater) {
        (Some(name), Some(who)) => {
            let c = name
                .strip_prefix("online-")
                .and_then(spdz_online::Cheat::from_name)
                .ok_or_else(|| usage(format!("--cheat {name}: not an online cheat")))?;
            if who >= args.data.len() {
                return Err(usage("--cheater is not a party"));
            }
            Ok(Some((c, who)))
        }
        _ => Ok(None),
    }
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    if args.data.len() < 2 {
        return Err(usage("--data: one file per party, at least two"));
    }
    let mut locals = Vec::with_capacity(args.data.len());
    let mut plan: Option<Plan> = None;
    for path in &args.data {
        let (l, p) = prepare(path, &args.opts)?;
        if let Some(first) = &plan
            && first.digest != p.digest
        {
            return Err(usage(format!(
                "{}: its columns differ from the first file's",
                path.display()
            )));
        }
        plan.get_or_insert(p);
        locals.push(l);
    }
    let plan = plan.ok_or_else(|| usage("no data"))?;
    let n = locals.len();
    if matches!(plan.reveal, Reveal::To(p) if p >= n) {
        return Err(usage("--reveal-to is not a party"));
    }
    #[cfg(feature = "adversarial")]
    let cheat = parse_online_cheat(args)?;
    #[cfg(not(feature = "adversarial"))]
    let cheat: Option<(OnlineCheat, PartyId)> = None;
    let spec = StatsSpec {
        rows: locals.iter().map(|l| l.rows).collect(),
        columns: plan.columns.len(),
        histograms: plan.histograms.clone(),
        groups: plan.groups,
        reveal: plan.reveal,
    };
    let budget = stats_budget(&FixedParams::default(), &spec).map_err(|e| usage(&e))?;
    let bar = if args.opts.json {
        None
    } else {
        Progress::start(
            budget.triples + budget.squares,
            "offline: MASCOT triples and squares",
        )
    };
    let job = Job {
        locals: Arc::new(locals.clone()),
        own: None,
        plan: plan.clone(),
        threads: args.opts.threads,
        offline_batch: args.opts.offline_batch,
        cheat,
        progress: bar.as_ref().map(Progress::counter),
    };
    let outcomes = run_local(args.transport, n, job)?;
    drop(bar);
    let aborts = honest_aborts(&outcomes, cheat.map(|(_, w)| w));
    if !aborts.is_empty() {
        return Err(report_aborts(&aborts, args.opts.json));
    }
    let reports: Vec<PartyReport> = outcomes.into_iter().filter_map(|(_, r)| r.ok()).collect();
    let pooled: Vec<f64> = locals.iter().flat_map(|l| l.x.clone()).collect();
    let pooled_groups: Vec<usize> = locals.iter().flat_map(|l| l.groups.clone()).collect();
    let plain = plain_stats(
        &pooled,
        plan.columns.len(),
        &plan.histograms,
        (plan.groups > 0).then_some((&pooled_groups[..], plan.groups)),
    );
    print(&plan, &reports, Some(&plain), args.opts.json);
    Ok(())
}

/// Prints the result of a run (the secure statistics where learnt, beside the plaintext ones
/// when known, and the costs).
pub(crate) fn print(plan: &Plan, reports: &[PartyReport], plain: Option<&Stats>, json: bool) {
    let stats = reports.iter().find_map(|r| r.stats.clone());
    let r0 = reports.first();
    let budget = r0.map(|r| r.budget.clone()).unwrap_or_default();
    let max_diff = match (&stats, plain) {
        (Some(s), Some(p)) => Some(
            s.mean
                .iter()
                .zip(&p.mean)
                .chain(s.std.iter().zip(&p.std))
                .chain(s.correlation.iter().zip(&p.correlation))
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max),
        ),
        _ => None,
    };
    if json {
        let per_party: Vec<_> = reports
            .iter()
            .map(|r| {
                serde_json::json!({
                    "offline_seconds": r.offline_seconds,
                    "offline_bytes_sent": r.offline_bytes,
                    "offline_rounds": r.offline_rounds,
                    "online_seconds": r.online_seconds,
                    "online_bytes_sent": r.online_bytes,
                    "online_rounds": r.online_rounds,
                })
            })
            .collect();
        let body = stats.as_ref().map(|s| {
            serde_json::json!({
                "count": s.count,
                "sum": s.sum, "mean": s.mean, "variance": s.variance, "std": s.std,
                "min": s.min, "max": s.max, "histograms": s.histograms,
                "covariance": s.covariance, "correlation": s.correlation,
                "groups": s.groups.iter().map(|g| serde_json::json!({
                    "count": g.count, "mean": g.mean, "variance": g.variance,
                })).collect::<Vec<_>>(),
            })
        });
        println!(
            "{}",
            serde_json::json!({
                "columns": plan.columns,
                "statistics": body,
                "max_abs_difference_to_plaintext": max_diff,
                "preprocessing": {
                    "triples": budget.triples, "squares": budget.squares,
                    "bits": budget.bits, "input_masks": budget.input_masks,
                },
                "parties": per_party,
            })
        );
        return;
    }
    match &stats {
        Some(s) => {
            println!("{} rows, {} columns", s.count, plan.columns.len());
            println!(
                "{:<28} {:>14} {:>14} {:>14} {:>14}",
                "column", "mean", "std", "min", "max"
            );
            for (i, c) in plan.columns.iter().enumerate() {
                println!(
                    "{c:<28} {:>14.6} {:>14.6} {:>14.6} {:>14.6}",
                    s.mean[i], s.std[i], s.min[i], s.max[i]
                );
            }
            for ((c, edges), counts) in plan.histograms.iter().zip(&s.histograms) {
                println!(
                    "histogram of {}: edges {edges:?}, counts {counts:?}",
                    plan.columns[*c]
                );
            }
            for (g, gs) in s.groups.iter().enumerate() {
                println!("group {g}: {} rows, means {:?}", gs.count, gs.mean);
            }
            if let Some(d) = max_diff {
                println!("max |secure − plaintext| over means, stds and correlations: {d:.3e}");
            }
        }
        None => println!("the statistics were revealed to another party"),
    }
    println!(
        "preprocessing: {} triples, {} squares, {} bits, input masks {:?}",
        budget.triples, budget.squares, budget.bits, budget.input_masks
    );
    for (i, r) in reports.iter().enumerate() {
        println!(
            "party {i}: offline {:.2} s, {:.1} MB, {} rounds; online {:.2} s, {:.1} MB, {} rounds",
            r.offline_seconds,
            r.offline_bytes as f64 / 1e6,
            r.offline_rounds,
            r.online_seconds,
            r.online_bytes as f64 / 1e6,
            r.online_rounds
        );
    }
}
