//! `spdz prep`: any mix of MASCOT preprocessing (triples, square pairs, random bits, input
//! masks) between N parties in this process; and `spdz bench offline`, the offline phase's
//! headline figures for n = 2 and n = 3 in one run.
//!
//! Both run the real offline phase (nothing is dealt), exactly as `spdz triples` does; `spdz
//! triples --count N` is `spdz prep --triples N`.
//!
//! CPU time is the process's user + system time (all parties and all their threads, read from
//! `/proc/self/stat` on Linux): on a shared machine it is the figure that does not depend on
//! what else runs, where wall-clock throughput does.

use std::path::PathBuf;
use std::time::Instant;

use spdz_net::MemoryTransport;
use spdz_offline::{Params, Report};

use crate::exit::Failure;
use crate::local::{TransportKind, honest_aborts, report_aborts, run_local, runtime};
use crate::triples::{Job, Made, prepare_out_dir};

/// Arguments of `spdz prep`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Beaver triples to make.
    #[arg(long, default_value_t = 0)]
    triples: usize,
    /// Square pairs (⟦a⟧, ⟦a²⟧) to make.
    #[arg(long, default_value_t = 0)]
    squares: usize,
    /// Random bits ⟦b⟧, b ∈ {0, 1}, to make.
    #[arg(long, default_value_t = 0)]
    bits: usize,
    /// Input masks to make per party (each party owns this many).
    #[arg(long, default_value_t = 0)]
    masks: usize,
    #[command(flatten)]
    run: RunArgs,
    /// Write each party's material to DIR/party-<id>.spdzprep (versioned, integrity-tagged).
    /// Refuses a DIR that already holds store files, unless --force.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// With --out: delete every store file and watermark already in DIR first.
    #[arg(long, requires = "out")]
    force: bool,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
}

/// How the parties run (shared by `prep` and `bench offline`).
#[derive(Debug, Clone, clap::Args)]
struct RunArgs {
    /// Number of parties (all run in this process).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..=64))]
    parties: u16,
    /// How the parties talk.
    #[arg(long, value_enum, default_value_t = TransportKind::Memory)]
    transport: TransportKind,
    /// Independent offline batches per party.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// Triples per offline batch (squares and bits count as triples here).
    #[arg(long, default_value_t = 1024)]
    batch: usize,
    /// MASCOT's τ (see `spdz triples --help`).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(3..=8))]
    tau: u8,
}

/// The process's CPU time (user + system, every thread) in seconds, if the platform tells.
fn cpu_seconds() -> Option<f64> {
    // /proc/self/stat: fields 14 and 15 (utime, stime) in clock ticks, after the command name
    // in parentheses (which may itself hold spaces). USER_HZ is 100 on every Linux ABI.
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// One measured run of the offline phase.
struct Measured {
    seconds: f64,
    cpu: Option<f64>,
    reports: Vec<Report>,
    stored: Vec<PathBuf>,
}

impl Measured {
    /// The most bytes any party sent.
    fn bytes_sent(&self) -> u64 {
        self.reports.iter().map(|r| r.bytes_sent).max().unwrap_or(0)
    }
}

/// Runs the offline phase for `params` between `run.parties` parties.
fn measure(run: &RunArgs, params: Params, out: Option<PathBuf>) -> Result<Measured, Failure> {
    let n = usize::from(run.parties);
    let job = Job {
        params,
        cheat: None,
        out,
        progress: None,
    };
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let outcomes = run_local(run.transport, n, job)?;
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let aborts = honest_aborts(&outcomes, None);
    if !aborts.is_empty() {
        return Err(report_aborts(&aborts, false));
    }
    let mut reports = Vec::new();
    let mut stored = Vec::new();
    for (_, made) in outcomes {
        let Made { report, stored: s } =
            made.map_err(|k| Failure::Internal(anyhow::anyhow!("a party stopped: {}", k.name())))?;
        match s {
            Some(Ok(path)) => stored.push(path),
            Some(Err(e)) => return Err(Failure::Usage(anyhow::anyhow!("writing the store: {e}"))),
            None => {}
        }
        reports.push(report);
    }
    Ok(Measured {
        seconds,
        cpu,
        reports,
        stored,
    })
}

fn params(run: &RunArgs, triples: usize, squares: usize, bits: usize, masks: usize) -> Params {
    Params {
        triples,
        squares,
        bits,
        input_masks: masks,
        batch_size: run.batch,
        threads: usize::from(run.threads),
        tau: usize::from(run.tau),
    }
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    if args.run.batch == 0 {
        return Err(Failure::Usage(anyhow::anyhow!("--batch must be positive")));
    }
    let items = args.triples + args.squares + args.bits + args.masks;
    if items == 0 {
        return Err(Failure::Usage(anyhow::anyhow!(
            "nothing to make: give --triples, --squares, --bits or --masks"
        )));
    }
    if let Some(dir) = &args.out {
        prepare_out_dir(dir, args.force)?;
    }
    let p = params(&args.run, args.triples, args.squares, args.bits, args.masks);
    let m = measure(&args.run, p, args.out.clone())?;
    let n = usize::from(args.run.parties);
    let r0 = m.reports.first();
    let made = |f: fn(&Report) -> usize| r0.map_or(0, f);
    let bytes = m.bytes_sent() as f64;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "parties": n,
                "transport": args.run.transport.name(),
                "threads": args.run.threads,
                "tau": args.run.tau,
                "triples": made(|r| r.triples),
                "squares": made(|r| r.squares),
                "bits": made(|r| r.bits),
                "masks": made(|r| r.input_masks),
                "seconds": m.seconds,
                "cpu_seconds": m.cpu,
                "bytes_sent_per_party": m.bytes_sent(),
                "bytes_per_item": bytes / items as f64,
                "stored": m.stored,
            })
        );
    } else {
        println!(
            "MASCOT (τ = {}): {} triples, {} squares, {} bits, {} masks per party between {n} \
             parties over {} in {:.2} s",
            args.run.tau,
            made(|r| r.triples),
            made(|r| r.squares),
            made(|r| r.bits),
            made(|r| r.input_masks),
            args.run.transport.name(),
            m.seconds
        );
        if let Some(cpu) = m.cpu {
            println!("  cpu (all parties) {cpu:>12.2} s");
        }
        println!("  sent per party    {:>12.0} bytes", bytes);
        println!("  per item          {:>12.0} bytes", bytes / items as f64);
        for path in &m.stored {
            println!("  stored {}", path.display());
        }
    }
    Ok(())
}

/// Arguments of `spdz bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Debug, clap::Subcommand)]
enum BenchWhat {
    /// The offline phase for n = 2 and n = 3 over in-memory channels: CPU µs per triple per
    /// party, triples/s, squares/s, bits/s, bytes per item, and KOS random OT/s per pair.
    Offline(OfflineArgs),
}

#[derive(Debug, clap::Args)]
struct OfflineArgs {
    /// Triples per run (squares and bits: half as many each).
    #[arg(long, default_value_t = 20_000)]
    count: usize,
    /// KOS random OTs per timed extension (the ROT/s figure).
    #[arg(long, default_value_t = 1 << 20)]
    ots: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn bench(args: &BenchArgs) -> Result<(), Failure> {
    match &args.what {
        BenchWhat::Offline(a) => bench_offline(a),
    }
}

/// One row of the offline bench: a rate and its costs.
#[derive(serde::Serialize)]
struct Row {
    parties: usize,
    item: &'static str,
    count: usize,
    seconds: f64,
    per_second: f64,
    cpu_us_per_item_per_party: Option<f64>,
    bytes_per_item_per_party: f64,
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn bench_offline(a: &OfflineArgs) -> Result<(), Failure> {
    if a.count == 0 || a.ots == 0 {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--count and --ots must be positive"
        )));
    }
    let mut rows = Vec::new();
    for n in [2u16, 3] {
        let run = RunArgs {
            parties: n,
            transport: TransportKind::Memory,
            threads: 2,
            batch: 1024,
            tau: 4,
        };
        let half = a.count.div_ceil(2);
        let kinds: [(&'static str, usize, Params); 3] = [
            ("triple", a.count, params(&run, a.count, 0, 0, 0)),
            ("square", half, params(&run, 0, half, 0, 0)),
            ("bit", half, params(&run, 0, 0, half, 0)),
        ];
        for (item, count, p) in kinds {
            let m = measure(&run, p, None)?;
            let c = count as f64;
            rows.push(Row {
                parties: usize::from(n),
                item,
                count,
                seconds: m.seconds,
                per_second: c / m.seconds,
                cpu_us_per_item_per_party: m.cpu.map(|s| s * 1e6 / c / f64::from(n)),
                bytes_per_item_per_party: m.bytes_sent() as f64 / c,
            });
        }
    }
    let rot_per_second = kos_rate(a.ots)?;
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned));
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "rows": rows,
                "kos_random_ot_per_second_per_pair": rot_per_second,
                "load_average_1min": load,
            })
        );
    } else {
        println!("offline bench (memory, τ = 4, 2 workers per party, batch 1024)");
        println!(
            "  {:>2} {:<7} {:>8} {:>10} {:>12} {:>14}",
            "n", "item", "count", "items/s", "cpu µs/item", "bytes/item"
        );
        for r in &rows {
            let cpu = r
                .cpu_us_per_item_per_party
                .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}"));
            println!(
                "  {:>2} {:<7} {:>8} {:>10.0} {:>12} {:>14.0}",
                r.parties, r.item, r.count, r.per_second, cpu, r.bytes_per_item_per_party
            );
        }
        println!("  (cpu and bytes: per item per party; cpu includes the base OTs)");
        println!("  KOS random OT: {rot_per_second:.0} per second per pair (both sides)");
        if let Some(l) = load {
            println!("  load average (1 min) at the end: {l}");
        }
    }
    Ok(())
}

/// KOS random OTs per second between two parties over memory (one extension of `ots`,
/// after the base OTs, both sides running concurrently).
#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn kos_rate(ots: usize) -> Result<f64, Failure> {
    let abort = |e: spdz_ot::OtError| Failure::Internal(anyhow::anyhow!("KOS bench: {e}"));
    runtime()?.block_on(async move {
        let mut mesh = MemoryTransport::mesh(2).into_iter();
        let (Some(t0), Some(t1)) = (mesh.next(), mesh.next()) else {
            return Err(Failure::Internal(anyhow::anyhow!("a mesh of two")));
        };
        let sender = tokio::spawn(async move {
            let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
            let mut s = spdz_ot::kos::Sender::setup(&t0, 1, &mut rng).await?;
            let start = Instant::now();
            let out = s.send_random(&t0, ots, &mut rng).await?;
            drop(out);
            Ok::<_, spdz_ot::OtError>(start.elapsed())
        });
        let receiver = tokio::spawn(async move {
            let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
            let mut r = spdz_ot::kos::Receiver::setup(&t1, 0, &mut rng).await?;
            let mut word = 0u64;
            let choices: Vec<bool> = (0..ots)
                .map(|i| {
                    if i % 64 == 0 {
                        word = rand_core::Rng::next_u64(&mut rng);
                    }
                    (word >> (i % 64)) & 1 == 1
                })
                .collect();
            let start = Instant::now();
            let out = r.receive_random(&t1, &choices, &mut rng).await?;
            drop(out);
            Ok::<_, spdz_ot::OtError>(start.elapsed())
        });
        let joined = |r: Result<_, tokio::task::JoinError>| {
            r.map_err(|e| Failure::Internal(anyhow::anyhow!("KOS bench task: {e}")))
        };
        let ts = joined(sender.await)?.map_err(abort)?;
        let tr = joined(receiver.await)?.map_err(abort)?;
        Ok(ots as f64 / ts.max(tr).as_secs_f64())
    })
}
