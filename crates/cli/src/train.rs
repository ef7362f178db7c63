//! `spdz train` and `spdz demo`: secure logistic regression between parties in this process.
//!
//! 1. Every party's file is loaded and checked (exit 2 with file, line and column); the
//!    parties' headers are compared (a digest of the column names, rows partition) before
//!    any preprocessing.
//! 2. The training run's exact preprocessing is computed ([`spdz_model::training_budget`]);
//!    MASCOT makes exactly that (`spdz_offline::generate_with_progress`), then the online
//!    phase trains ([`spdz_model::secure::train`]). Offline and online time, bytes and rounds
//!    are measured apart.
//! 3. The plaintext `f64` trainer runs the same algorithm on the same rows; both accuracies
//!    are printed side by side.
//!
//! In this process every party's task reads only its own entry of the loaded data.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use spdz::AbortKind;
use spdz_field::Fp;
use spdz_model::data::{DataError, Dataset, LabelSpec, Table, split_rows};
use spdz_model::plain::{
    Model, Multiclass, Sigmoid, Standardizer, TrainConfig, batches, train as plain_train,
};
use spdz_model::secure::{
    Layout, LocalData, ModelError, Reveal, agree, infer, inference_budget, session_digest, train,
    training_budget, weight_frac_bits,
};
use spdz_model::share_file::{ModelShares, model_id};
use spdz_net::{PartyId, Transport};
use spdz_offline::{Params, Preprocessing as _, generate_with_progress};
use spdz_online::{Budget, FixedParams, Party};

use crate::exit::Failure;
use crate::local::{TransportKind, honest_aborts, report_aborts, run_local};
use crate::mul::AnyCheat;
use crate::predict::ModelFile;
use crate::progress::Phases;

/// The bundled breast cancer data (`data/breast_cancer.csv`, see `data/README.md`), compiled
/// into the binary so that `spdz demo` needs no file.
const BREAST_CANCER: &[u8] = include_bytes!("../../../data/breast_cancer.csv");

/// How the data is split among the parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Partition {
    /// Each party holds some rows (all columns).
    Rows,
    /// Each party holds some columns of the same rows; one of them holds the label.
    Columns,
}

/// Training options of every run: local (`spdz train`, `spdz demo`) and deployment
/// (`spdz party ... train`).
#[derive(Debug, clap::Args)]
pub(crate) struct Hyper {
    /// Passes over the training rows.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.1)]
    lr: f64,
    /// Sigmoid: clamped (0.5 + x/4 cut at 0 and 1), linear (0.5 + x/4) or exact (exp and
    /// reciprocal; about 6× the preprocessing). See papers/model.md.
    #[arg(long, default_value = "clamped", value_parser = ["clamped", "linear", "exact"])]
    sigmoid: String,
    /// Who learns the trained model: all, a party id, or none (kept in shares).
    #[arg(long, default_value = "all")]
    reveal_model: String,
    /// Offline workers per party.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// Triples per offline batch.
    #[arg(long, default_value_t = 1024)]
    offline_batch: usize,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    /// Write the model to DIR: a revealed model to DIR/model.json (features, standardisation,
    /// weights) for `spdz predict --model`; with `--reveal-model none`, each party's shares
    /// to DIR/model-share-P.spdz for `spdz predict --model-shares` (rows partition). Nothing
    /// is written unless training succeeds.
    #[arg(long)]
    model_out: Option<PathBuf>,
}

/// Options of the in-process runs (`spdz train`, `spdz demo`).
#[derive(Debug, clap::Args)]
pub(crate) struct TrainOpts {
    #[command(flatten)]
    hyper: Hyper,
    /// How the parties talk.
    #[arg(long, value_enum, default_value_t = TransportKind::Memory)]
    transport: TransportKind,
    /// Make one party deviate, offline (the `spdz triples` cheats) or online (`online-*`):
    /// every honest party must abort and nothing is released (exit 3).
    #[cfg(feature = "adversarial")]
    #[arg(long, value_parser = crate::mul::all_cheat_names(), requires = "cheater")]
    cheat: Option<String>,
    /// The id of the cheating party (0-based), with `--cheat`.
    #[cfg(feature = "adversarial")]
    #[arg(long, requires = "cheat")]
    cheater: Option<usize>,
}

/// Arguments of `spdz train`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// One CSV file per party, comma-separated (party 0 first).
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Rows: every file has the same columns; columns: every file has some columns of the same
    /// rows, and the file with the label column holds the labels.
    #[arg(long, value_enum, default_value_t = Partition::Rows)]
    partition: Partition,
    /// The label column (default: the last column; with `--partition columns`: `label`).
    #[arg(long)]
    label: Option<String>,
    /// A CSV file to measure test accuracy on (features found by name).
    #[arg(long)]
    test: Option<PathBuf>,
    /// `binary` (labels 0/1), or the number of classes N (labels 0..N, trained one-vs-rest:
    /// N output rows).
    #[arg(long, default_value = "binary")]
    classes: String,
    /// The declared input range: every feature must satisfy |x| ≤ BOUND (a file with a value
    /// beyond it is refused, exit 2, with its line and column).
    #[arg(long)]
    input_bound: Option<f64>,
    #[command(flatten)]
    opts: TrainOpts,
}

/// Arguments of `spdz demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Number of parties (the training rows are cut into this many blocks).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(2..=16))]
    parties: u16,
    #[command(flatten)]
    opts: TrainOpts,
}

/// One party's data, owned.
#[derive(Clone, Debug)]
struct Local {
    x: Vec<f64>,
    y: Option<Vec<usize>>,
}

/// Everything a run needs, checked.
struct Setup {
    layout: Layout,
    locals: Vec<Local>,
    /// Feature names in the model's order.
    features: Vec<String>,
    /// The pooled train rows (for the plaintext trainer): row-major, model order.
    plain_x: Vec<f64>,
    plain_y: Vec<usize>,
    /// Test rows (model order), if any.
    test: Option<Dataset>,
    source: String,
    /// Number of classes.
    classes: usize,
    /// Each party's header digest (rows partition; `None` for columns).
    headers: Vec<Option<[u8; 32]>>,
}

fn data_error(e: &DataError) -> Failure {
    Failure::Usage(anyhow::anyhow!("{e}"))
}

fn load(path: &Path) -> Result<Table, Failure> {
    Table::load(path).map_err(|e| data_error(&e))
}

fn spec(label: Option<String>, classes: usize, bound: Option<f64>) -> LabelSpec {
    LabelSpec {
        label,
        classes,
        bound,
    }
}

/// Every cell of a label-less table within `|x| ≤ bound`.
fn check_bound(t: &Table, bound: Option<f64>) -> Result<(), Failure> {
    let Some(bound) = bound else { return Ok(()) };
    for r in 0..t.rows() {
        if let Some(j) = t.row(r).iter().position(|v| v.abs() > bound) {
            return Err(data_error(&DataError::OutOfBound {
                file: t.name().to_string(),
                line: r + 2,
                column: j + 1,
                name: t.columns()[j].clone(),
                bound,
            }));
        }
    }
    Ok(())
}

fn parse_classes(s: &str) -> Result<usize, Failure> {
    match s {
        "binary" => Ok(2),
        n => match n.parse::<usize>() {
            Ok(k) if (2..=1000).contains(&k) => Ok(k),
            _ => Err(Failure::Usage(anyhow::anyhow!(
                "--classes: binary or a number of classes in 2..=1000, not {n:?}"
            ))),
        },
    }
}

/// The test file's features in the model's order, found by name.
fn test_set(
    path: &Path,
    features: &[String],
    label: Option<&str>,
    classes: usize,
) -> Result<Dataset, Failure> {
    let t = load(path)?;
    let label = label.map_or_else(
        || t.columns().last().cloned().unwrap_or_default(),
        str::to_string,
    );
    let ds =
        Dataset::from_table(&t, &spec(Some(label), classes, None)).map_err(|e| data_error(&e))?;
    let idx = features
        .iter()
        .map(|f| {
            ds.features().iter().position(|c| c == f).ok_or_else(|| {
                data_error(&DataError::Mismatch {
                    file: path.display().to_string(),
                    what: format!("no feature column {f:?}"),
                })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ds.select_features(&idx))
}

fn setup_rows(
    parts: Vec<Dataset>,
    headers: Vec<Option<[u8; 32]>>,
    test: Option<Dataset>,
    source: String,
) -> Result<Setup, Failure> {
    let pooled = Dataset::concat_rows(&parts).map_err(|e| data_error(&e))?;
    Ok(Setup {
        layout: Layout::Rows {
            rows: parts.iter().map(Dataset::rows).collect(),
            features: pooled.width(),
        },
        locals: parts
            .iter()
            .map(|p| Local {
                x: p.x().to_vec(),
                y: Some(p.y().to_vec()),
            })
            .collect(),
        features: pooled.features().to_vec(),
        plain_x: pooled.x().to_vec(),
        plain_y: pooled.y().to_vec(),
        test,
        source,
        classes: pooled.classes(),
        headers,
    })
}

fn setup_train(args: &Args) -> Result<Setup, Failure> {
    if args.data.len() < 2 {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--data needs one file per party (at least 2)"
        )));
    }
    let classes = parse_classes(&args.classes)?;
    let tables = args
        .data
        .iter()
        .map(|p| load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let source = args
        .data
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    match args.partition {
        Partition::Rows => {
            // Refused before any preprocessing: every party's header digest must match party
            // 0's (column names and order).
            let first = tables[0].header_digest();
            for t in &tables[1..] {
                if t.header_digest() != first {
                    return Err(data_error(&DataError::Mismatch {
                        file: t.name().to_string(),
                        what: format!("columns differ from {}'s (header digest)", tables[0].name()),
                    }));
                }
            }
            let parts = tables
                .iter()
                .map(|t| {
                    Dataset::from_table(t, &spec(args.label.clone(), classes, args.input_bound))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| data_error(&e))?;
            let test = match &args.test {
                Some(p) => Some(test_set(
                    p,
                    parts[0].features(),
                    args.label.as_deref(),
                    classes,
                )?),
                None => None,
            };
            let headers = tables.iter().map(|t| Some(t.header_digest())).collect();
            setup_rows(parts, headers, test, source)
        }
        Partition::Columns => {
            let label = args.label.clone().unwrap_or_else(|| "label".to_string());
            let owners: Vec<usize> = (0..tables.len())
                .filter(|&i| tables[i].column_index(&label).is_some())
                .collect();
            let [owner] = owners[..] else {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "--partition columns: exactly one file must have the label column {label:?} ({} do)",
                    owners.len()
                )));
            };
            let rows = tables[0].rows();
            let mut features = Vec::new();
            let mut locals = Vec::new();
            let mut widths = Vec::new();
            let mut y = Vec::new();
            for (i, t) in tables.iter().enumerate() {
                if t.rows() != rows {
                    return Err(data_error(&DataError::Mismatch {
                        file: t.name().to_string(),
                        what: format!("{} rows, {} has {rows}", t.rows(), tables[0].name()),
                    }));
                }
                let (names, x, labels) = if i == owner {
                    let d = Dataset::from_table(
                        t,
                        &spec(Some(label.clone()), classes, args.input_bound),
                    )
                    .map_err(|e| data_error(&e))?;
                    y = d.y().to_vec();
                    (d.features().to_vec(), d.x().to_vec(), Some(d.y().to_vec()))
                } else {
                    check_bound(t, args.input_bound)?;
                    (
                        t.columns().to_vec(),
                        (0..rows).flat_map(|r| t.row(r).to_vec()).collect(),
                        None,
                    )
                };
                for n in &names {
                    if features.contains(n) {
                        return Err(data_error(&DataError::Mismatch {
                            file: t.name().to_string(),
                            what: format!("column {n:?} is also in another party's file"),
                        }));
                    }
                }
                widths.push(names.len());
                features.extend(names);
                locals.push(Local { x, y: labels });
            }
            let d: usize = widths.iter().sum();
            let mut plain_x = Vec::with_capacity(rows * d);
            for r in 0..rows {
                for (l, &w) in locals.iter().zip(&widths) {
                    plain_x.extend_from_slice(&l.x[r * w..(r + 1) * w]);
                }
            }
            let test = match &args.test {
                Some(p) => Some(test_set(p, &features, Some(&label), classes)?),
                None => None,
            };
            Ok(Setup {
                layout: Layout::Columns {
                    rows,
                    features: widths,
                    label_owner: owner,
                },
                locals,
                features,
                plain_x,
                plain_y: y,
                test,
                source,
                classes,
                headers: vec![None; tables.len()],
            })
        }
    }
}

fn setup_demo(parties: usize) -> Result<Setup, Failure> {
    let t =
        Table::parse("breast_cancer.csv (bundled)", BREAST_CANCER).map_err(|e| data_error(&e))?;
    let d = Dataset::from_table(&t, &LabelSpec::default()).map_err(|e| data_error(&e))?;
    let split = split_rows(&d, parties).map_err(|e| data_error(&e))?;
    let headers = vec![Some(t.header_digest()); parties];
    setup_rows(
        split.parties,
        headers,
        Some(split.test),
        format!("bundled breast_cancer.csv, {parties} parties (row i is test iff i % 5 == 4)"),
    )
}

fn config(opts: &Hyper, parties: usize) -> Result<(TrainConfig, Reveal), Failure> {
    let sigmoid = Sigmoid::from_name(&opts.sigmoid)
        .ok_or_else(|| Failure::Usage(anyhow::anyhow!("unknown sigmoid {}", opts.sigmoid)))?;
    let reveal = match opts.reveal_model.as_str() {
        "all" => Reveal::All,
        "none" => Reveal::None,
        id => match id.parse::<usize>() {
            Ok(p) if p < parties => Reveal::To(p),
            _ => {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "--reveal-model: all, none or a party id in 0..{parties}, not {id:?}"
                )));
            }
        },
    };
    if opts.epochs == 0 || opts.batch == 0 || opts.offline_batch == 0 {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--epochs, --batch and --offline-batch must be positive"
        )));
    }
    if !(opts.lr.is_finite() && opts.lr > 0.0 && opts.lr <= 10.0) {
        return Err(Failure::Usage(anyhow::anyhow!("--lr must be in (0, 10]")));
    }
    Ok((
        TrainConfig {
            epochs: opts.epochs,
            batch: opts.batch,
            lr: opts.lr,
            sigmoid,
            multiclass: Multiclass::OneVsRest,
        },
        reveal,
    ))
}

/// What one party measured.
struct PartyReport {
    offline_seconds: f64,
    offline_bytes: u64,
    offline_rounds: u64,
    online_seconds: f64,
    online_bytes: u64,
    online_rounds: u64,
    weights: Option<Vec<f64>>,
    /// Party 0's labels from secure inference on the test rows.
    inferred: Option<Vec<usize>>,
    standardizer: Standardizer,
    consumed: Budget,
    /// The layout the parties agreed on.
    layout: Layout,
    /// This party's part of the model kept in shares (with `keep`), to write once every
    /// party has succeeded.
    kept: Option<ModelShares>,
}

#[derive(Clone)]
struct Job {
    /// `Some`: the layout is known to this process (local runs); `None`: derived from the
    /// parties' announcements (deployment).
    layout: Option<Layout>,
    partition: Partition,
    /// This party's features per row (deployment, with `layout: None`).
    width: Option<usize>,
    classes: usize,
    cfg: TrainConfig,
    reveal: Reveal,
    /// Indexed by party id; with `own`, this process's single party at index 0.
    locals: Arc<Vec<Local>>,
    own: bool,
    threads: u16,
    offline_batch: usize,
    cheat: Option<(AnyCheat, PartyId)>,
    /// Test rows (raw) that party 0 scores by secure inference after training, and their
    /// count (public); rows partition.
    infer: Option<(Arc<Vec<f64>>, usize)>,
    /// Each party's header digest (rows partition), part of the session digest compared
    /// between the parties before any preprocessing.
    headers: Arc<Vec<Option<[u8; 32]>>>,
    /// Feature names: keep the model in shares and return each party's share file contents.
    keep: Option<Arc<Vec<String>>>,
    /// Party 0's offline triples and training batches, for the bar.
    progress: Option<(Arc<AtomicUsize>, Arc<AtomicUsize>)>,
}

fn model_abort(e: &ModelError) -> AbortKind {
    match e {
        ModelError::Online(e) => AbortKind::from(e),
        ModelError::Net(e) => AbortKind::from(e),
        ModelError::SessionMismatch { from } => AbortKind::ParamsMismatch { from: *from },
        _ => AbortKind::ApiMisuse,
    }
}

/// The step of the layout announcement (the model crate's range `0x04xx_xxxx`).
const STEP_LAYOUT: u32 = 0x0400_0020;

/// Every party announces its file's shape (partition, header digest, rows, columns, whether
/// it holds the labels); every party derives the same layout, or refuses a peer whose file
/// does not fit before any preprocessing.
async fn announce_layout<T: Transport>(
    t: &T,
    partition: Partition,
    header: Option<&[u8; 32]>,
    local: &Local,
    width: usize,
) -> Result<Layout, AbortKind> {
    let rows = local
        .y
        .as_ref()
        .map_or_else(|| local.x.len().checked_div(width).unwrap_or(0), Vec::len);
    let mut msg = vec![u8::from(partition == Partition::Columns)];
    msg.extend_from_slice(header.unwrap_or(&[0; 32]));
    msg.extend_from_slice(&(rows as u64).to_le_bytes());
    msg.extend_from_slice(&(width as u64).to_le_bytes());
    msg.push(u8::from(local.y.is_some()));
    let all = t
        .exchange_all(spdz_net::Step::new(STEP_LAYOUT), msg.clone())
        .await
        .map_err(|e| AbortKind::from(&e))?;
    let mut parsed = Vec::with_capacity(all.len());
    for (from, m) in all.iter().enumerate() {
        if m.len() != msg.len() {
            return Err(AbortKind::MalformedMessage { from });
        }
        let u = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&m[at..at + 8]);
            usize::try_from(u64::from_le_bytes(b)).map_err(|_| AbortKind::MalformedMessage { from })
        };
        // Partition and header (rows) must be ours.
        if m[0] != msg[0] || (partition == Partition::Rows && m[1..33] != msg[1..33]) {
            return Err(AbortKind::ParamsMismatch { from });
        }
        parsed.push((u(33)?, u(41)?, m[49] == 1));
    }
    let bad = |from| AbortKind::ParamsMismatch { from };
    match partition {
        Partition::Rows => {
            if let Some(from) = (0..parsed.len()).find(|&p| !parsed[p].2 || parsed[p].1 != width) {
                return Err(bad(from));
            }
            Ok(Layout::Rows {
                rows: parsed.iter().map(|p| p.0).collect(),
                features: width,
            })
        }
        Partition::Columns => {
            let labels: Vec<_> = (0..parsed.len()).filter(|&p| parsed[p].2).collect();
            let [label_owner] = labels[..] else {
                return Err(bad(labels.get(1).copied().unwrap_or(0)));
            };
            let rows = parsed[0].0;
            if let Some(from) = (0..parsed.len()).find(|&p| parsed[p].0 != rows || parsed[p].1 == 0)
            {
                return Err(bad(from));
            }
            Ok(Layout::Columns {
                rows,
                features: parsed.iter().map(|p| p.1).collect(),
                label_owner,
            })
        }
    }
}

/// The preprocessing a run consumes: training, and the secure inference of `infer_rows`
/// test rows by party 0.
fn plan_budget(
    layout: &Layout,
    classes: usize,
    cfg: &TrainConfig,
    reveal: Reveal,
    infer_rows: Option<usize>,
) -> Result<Budget, ModelError> {
    let fixed = FixedParams::default();
    let mut budget = training_budget(&fixed, layout, classes, cfg, reveal)?;
    if let Some(rows) = infer_rows {
        budget += &inference_budget(&fixed, rows, layout.features(), classes, 0)?;
    }
    Ok(budget)
}

impl crate::local::PartyJob for Job {
    type Output = PartyReport;

    async fn run<T: Transport + 'static>(self, transport: T) -> Result<PartyReport, AbortKind> {
        let me: PartyId = transport.id();
        let n = transport.parties();
        let at = if self.own { 0 } else { me };
        let local = self.locals.get(at).ok_or(AbortKind::ApiMisuse)?;
        let header = self.headers.get(at).ok_or(AbortKind::ApiMisuse)?.as_ref();
        let (offline_counter, online_counter) = match (&self.progress, me) {
            (Some((a, b)), 0) => (Some(Arc::clone(a)), Some(Arc::clone(b))),
            _ => (None, None),
        };
        let cheat = self.cheat.and_then(|(c, who)| (who == me).then_some(c));
        let offline_cheat = match cheat {
            Some(AnyCheat::Offline(c)) => Some(c),
            _ => None,
        };
        let layout = match (&self.layout, self.width) {
            (Some(l), _) => l.clone(),
            (None, Some(width)) => {
                announce_layout(&transport, self.partition, header, local, width).await?
            }
            (None, None) => return Err(AbortKind::ApiMisuse),
        };
        if layout.parties() != n {
            return Err(AbortKind::ApiMisuse);
        }
        // Refused before any preprocessing: other columns or other training parameters.
        let digest = session_digest(header, &layout, self.classes, &self.cfg, self.reveal);
        agree(&transport, &digest)
            .await
            .map_err(|e| model_abort(&e))?;
        let budget = plan_budget(
            &layout,
            self.classes,
            &self.cfg,
            self.reveal,
            self.infer.as_ref().map(|i| i.1),
        )
        .map_err(|e| model_abort(&e))?;
        let params = Params {
            batch_size: self.offline_batch,
            threads: usize::from(self.threads),
            ..budget.mascot_params()
        };
        let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
        let start = Instant::now();
        let (prep, report) = generate_with_progress::<Fp, _, _>(
            &transport,
            &params,
            offline_cheat,
            &mut rng,
            offline_counter,
        )
        .await
        .map_err(|e| AbortKind::from(&e))?;
        let offline_seconds = start.elapsed().as_secs_f64();
        let key = self.keep.as_ref().map(|_| prep.mac_key_share().clone());
        #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
        let mut party = Party::new(transport, prep, &mut rng).map_err(|e| AbortKind::from(&e))?;
        #[cfg(feature = "adversarial")]
        if let Some(AnyCheat::Online(c)) = cheat {
            party = party.with_cheat(c);
        }
        let before = party.transport().stats();
        let start = Instant::now();
        let (party, trained) = train(
            party,
            &layout,
            self.classes,
            LocalData {
                x: &local.x,
                y: local.y.as_deref(),
            },
            &self.cfg,
            self.reveal,
            online_counter.as_deref(),
        )
        .await
        .map_err(|e| model_abort(&e))?;
        let (party, inferred) = match &self.infer {
            Some((raw, rows)) => {
                // Party 0 standardises its rows with the public pooled statistics.
                let x = (me == 0).then(|| trained.standardizer.apply(raw));
                infer(party, &trained.shares, self.classes, 0, x.as_deref(), *rows)
                    .await
                    .map_err(|e| model_abort(&e))?
            }
            None => (party, None),
        };
        let online_seconds = start.elapsed().as_secs_f64();
        let (online_bytes, online_rounds) =
            crate::local::sent_since(&before, &party.transport().stats());
        if party.consumed() != &budget {
            return Err(AbortKind::ApiMisuse);
        }
        let kept = match (&self.keep, key) {
            (Some(names), Some(key)) => Some(
                ModelShares::new(
                    me,
                    n,
                    model_id(&digest, &report.session),
                    names.to_vec(),
                    self.classes,
                    trained.standardizer.clone(),
                    weight_frac_bits(&FixedParams::default()),
                    key,
                    &trained.shares,
                )
                .map_err(|_| AbortKind::ApiMisuse)?,
            ),
            _ => None,
        };
        Ok(PartyReport {
            offline_seconds,
            offline_bytes: report.bytes_sent,
            offline_rounds: report.rounds_total,
            online_seconds,
            online_bytes,
            online_rounds,
            weights: trained.weights,
            inferred,
            standardizer: trained.standardizer,
            consumed: budget,
            layout,
            kept,
        })
    }
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let setup = setup_train(args)?;
    execute(setup, &args.opts)
}

pub(crate) fn demo(args: &DemoArgs) -> Result<(), Failure> {
    let setup = setup_demo(usize::from(args.parties))?;
    execute(setup, &args.opts)
}

fn execute(setup: Setup, opts: &TrainOpts) -> Result<(), Failure> {
    let n = setup.layout.parties();
    let hyper = &opts.hyper;
    let (cfg, reveal) = config(hyper, n)?;
    let keep = hyper.model_out.is_some() && reveal == Reveal::None;
    if keep && matches!(setup.layout, Layout::Columns { .. }) {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--model-out with --reveal-model none keeps the model in shares for the rows partition only (with columns, each party's standardisation is its own secret)"
        )));
    }
    #[cfg(feature = "adversarial")]
    let cheat = match (opts.cheat.as_deref(), opts.cheater) {
        (Some(name), Some(who)) => {
            if who >= n {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "--cheater {who} is not a party id (0..{n})"
                )));
            }
            let c = crate::mul::parse_cheat(name)
                .ok_or_else(|| Failure::Usage(anyhow::anyhow!("unknown cheat {name}")))?;
            Some((c, who))
        }
        _ => None,
    };
    #[cfg(not(feature = "adversarial"))]
    let cheat: Option<(AnyCheat, PartyId)> = None;
    // Secure inference of the test rows by party 0 (rows partition).
    let infer_rows = match (&setup.layout, &setup.test) {
        (Layout::Rows { .. }, Some(t)) => Some(t.rows()),
        _ => None,
    };
    let budget = plan_budget(&setup.layout, setup.classes, &cfg, reveal, infer_rows)
        .map_err(|e| Failure::Usage(anyhow::anyhow!("{e}")))?;
    if let Some(dir) = hyper.model_out.as_ref().filter(|_| keep) {
        // Refused before any preprocessing rather than after training.
        for p in 0..n {
            let f = spdz_model::share_file::file_path(dir, p);
            if f.exists() {
                return Err(Failure::Usage(anyhow::anyhow!(
                    "{}: exists (share files are never overwritten)",
                    f.display()
                )));
            }
        }
    }
    let total_batches = batches(setup.layout.rows(), cfg.batch).len() * cfg.epochs;
    let bar = if hyper.json {
        None
    } else {
        Phases::start(&[
            (
                budget.triples,
                "offline: MASCOT triples",
                "offline: MASCOT random bits and input masks (not counted)",
            ),
            (
                total_batches,
                "online: training batches",
                "online: output, checks, secure inference",
            ),
        ])
    };
    let job = Job {
        layout: Some(setup.layout.clone()),
        partition: match setup.layout {
            Layout::Rows { .. } => Partition::Rows,
            Layout::Columns { .. } => Partition::Columns,
        },
        width: None,
        classes: setup.classes,
        cfg,
        reveal,
        locals: Arc::new(setup.locals.clone()),
        own: false,
        threads: hyper.threads,
        offline_batch: hyper.offline_batch,
        cheat,
        infer: infer_rows
            .zip(setup.test.as_ref())
            .map(|(rows, t)| (Arc::new(t.x().to_vec()), rows)),
        headers: Arc::new(setup.headers.clone()),
        keep: keep.then(|| Arc::new(setup.features.clone())),
        progress: bar.as_ref().map(|b| (b.counter(0), b.counter(1))),
    };
    let outcomes = run_local(opts.transport, n, job)?;
    drop(bar);
    let aborts = honest_aborts(&outcomes, cheat.map(|(_, who)| who));
    if !aborts.is_empty() {
        return Err(report_aborts(&aborts, hyper.json));
    }
    if let Some((c, who)) = cheat {
        return Err(Failure::Internal(anyhow::anyhow!(
            "cheat {c:?} by party {who} was not detected"
        )));
    }
    let mut reports: Vec<PartyReport> = outcomes.into_iter().filter_map(|(_, r)| r.ok()).collect();
    if reports.iter().any(|r| r.consumed != budget) {
        return Err(Failure::Internal(anyhow::anyhow!(
            "a party consumed other preprocessing than planned"
        )));
    }

    // The plaintext trainer on the same rows, standardised in the clear.
    let d = setup.features.len();
    let st = Standardizer::fit(&setup.plain_x, d);
    let plain = plain_train(
        &st.apply(&setup.plain_x),
        &setup.plain_y,
        d,
        setup.classes,
        &cfg,
    );
    // The secure model (if anyone learnt it) with the standardisation the parties applied:
    // the pooled public one (rows), or each party's own columns' (columns).
    let weights = reports.iter().find_map(|r| r.weights.clone());
    let secure_st = match &setup.layout {
        Layout::Rows { .. } => reports.first().map(|r| r.standardizer.clone()),
        Layout::Columns { .. } => Some(Standardizer {
            mean: reports
                .iter()
                .flat_map(|r| r.standardizer.mean.clone())
                .collect(),
            std: reports
                .iter()
                .flat_map(|r| r.standardizer.std.clone())
                .collect(),
        }),
    };
    let secure = weights.map(|w| Model {
        weights: w,
        features: d,
        classes: setup.classes,
    });
    let acc = |m: &Model, s: &Standardizer, x: &[f64], y: &[usize]| m.accuracy(&s.apply(x), y);
    let plain_train_acc = acc(&plain, &st, &setup.plain_x, &setup.plain_y);
    let plain_test_acc = setup.test.as_ref().map(|t| acc(&plain, &st, t.x(), t.y()));
    let (secure_train_acc, secure_test_acc, max_dw) = match (&secure, &secure_st) {
        (Some(m), Some(s)) => (
            Some(acc(m, s, &setup.plain_x, &setup.plain_y)),
            setup.test.as_ref().map(|t| acc(m, s, t.x(), t.y())),
            Some(
                m.weights
                    .iter()
                    .zip(&plain.weights)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max),
            ),
        ),
        _ => (None, None, None),
    };
    let inferred_acc = match (
        reports.first().and_then(|r| r.inferred.as_ref()),
        &setup.test,
    ) {
        (Some(labels), Some(t)) => {
            let right = labels.iter().zip(t.y()).filter(|(a, b)| a == b).count();
            #[allow(clippy::cast_precision_loss)]
            let a = right as f64 / t.rows().max(1) as f64;
            Some(a)
        }
        _ => None,
    };
    let model_file = match (&hyper.model_out, &secure, &secure_st) {
        (Some(dir), _, _) if keep => {
            // Every party succeeded: each writes its own share file.
            let mut written = Vec::with_capacity(n);
            for r in &mut reports {
                if let Some(k) = r.kept.take() {
                    written.push(
                        k.write(dir)
                            .map_err(|e| Failure::Usage(e.into()))?
                            .display()
                            .to_string(),
                    );
                }
            }
            Some(written.join(","))
        }
        (Some(dir), Some(m), Some(st)) => {
            let who = match reveal {
                Reveal::To(p) => format!("party {p}"),
                _ => "all parties".to_string(),
            };
            let file = ModelFile::new(&setup.features, st, m, cfg.sigmoid.name(), who);
            Some(file.write(dir)?.display().to_string())
        }
        _ => None,
    };
    let summary = Summary {
        model_file,
        inferred_acc,
        setup: &setup,
        cfg: &cfg,
        reveal,
        opts,
        budget: &budget,
        reports: &reports,
        plain_train_acc,
        plain_test_acc,
        secure_train_acc,
        secure_test_acc,
        max_dw,
    };
    summary.print();
    Ok(())
}

struct Summary<'a> {
    setup: &'a Setup,
    cfg: &'a TrainConfig,
    reveal: Reveal,
    opts: &'a TrainOpts,
    budget: &'a Budget,
    reports: &'a [PartyReport],
    plain_train_acc: f64,
    plain_test_acc: Option<f64>,
    secure_train_acc: Option<f64>,
    secure_test_acc: Option<f64>,
    max_dw: Option<f64>,
    /// Accuracy of secure inference on the test rows (labels revealed to party 0).
    inferred_acc: Option<f64>,
    /// Where `--model-out` wrote the model.
    model_file: Option<String>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{:.2} %", 100.0 * v))
}

impl Summary<'_> {
    #[allow(clippy::cast_precision_loss)] // byte counts far below 2^52
    fn print(&self) {
        let s = self.setup;
        let n = s.layout.parties();
        let max = |f: &dyn Fn(&PartyReport) -> f64| self.reports.iter().map(f).fold(0.0, f64::max);
        let offline_seconds = max(&|r| r.offline_seconds);
        let online_seconds = max(&|r| r.online_seconds);
        let partition = match s.layout {
            Layout::Rows { .. } => "rows",
            Layout::Columns { .. } => "columns",
        };
        let reveal = match self.reveal {
            Reveal::All => "all".to_string(),
            Reveal::To(p) => format!("party {p}"),
            Reveal::None => "none (kept in shares)".to_string(),
        };
        if self.opts.hyper.json {
            let per_party: Vec<_> = self
                .reports
                .iter()
                .enumerate()
                .map(|(p, r)| {
                    serde_json::json!({
                        "party": p,
                        "offline_seconds": r.offline_seconds,
                        "offline_bytes_sent": r.offline_bytes,
                        "offline_rounds": r.offline_rounds,
                        "online_seconds": r.online_seconds,
                        "online_bytes_sent": r.online_bytes,
                        "online_rounds": r.online_rounds,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "data": s.source,
                    "parties": n,
                    "partition": partition,
                    "train_rows": s.layout.rows(),
                    "features": s.features.len(),
                    "classes": s.classes,
                    "test_rows": s.test.as_ref().map(Dataset::rows),
                    "epochs": self.cfg.epochs,
                    "batch": self.cfg.batch,
                    "lr": self.cfg.lr,
                    "sigmoid": self.cfg.sigmoid.name(),
                    "reveal_model": reveal,
                    "transport": self.opts.transport.name(),
                    "threads": self.opts.hyper.threads,
                    "preprocessing": {
                        "triples": self.budget.triples,
                        "squares": self.budget.squares,
                        "bits": self.budget.bits,
                        "input_masks_per_owner": self.budget.input_masks,
                    },
                    "offline_seconds": offline_seconds,
                    "online_seconds": online_seconds,
                    "per_party": per_party,
                    "secure_test_accuracy": self.secure_test_acc,
                    "secure_inference_test_accuracy": self.inferred_acc,
                    "plaintext_test_accuracy": self.plain_test_acc,
                    "secure_train_accuracy": self.secure_train_acc,
                    "plaintext_train_accuracy": self.plain_train_acc,
                    "max_weight_difference": self.max_dw,
                    "model_file": self.model_file,
                })
            );
            return;
        }
        println!("Secure logistic regression: {}", s.source);
        println!(
            "  {n} parties, {partition} partition, {} train rows × {} features{}; {} epochs, batch {}, lr {}, {} sigmoid; model revealed to {reveal}",
            s.layout.rows(),
            s.features.len(),
            s.test
                .as_ref()
                .map_or_else(String::new, |t| format!(", {} test rows", t.rows())),
            self.cfg.epochs,
            self.cfg.batch,
            self.cfg.lr,
            self.cfg.sigmoid.name()
        );
        println!(
            "  preprocessing per party (planned = consumed): {} triples, {} bits, {} squares, input masks per owner {:?}",
            self.budget.triples, self.budget.bits, self.budget.squares, self.budget.input_masks
        );
        println!("  accuracy            secure      plaintext f64");
        if self.setup.test.is_some() {
            println!(
                "    test            {:>9}   {:>9}",
                pct(self.secure_test_acc),
                pct(self.plain_test_acc)
            );
        }
        println!(
            "    train           {:>9}   {:>9}",
            pct(self.secure_train_acc),
            pct(Some(self.plain_train_acc))
        );
        if self.inferred_acc.is_some() {
            println!(
                "    test, secure inference {:>9}   (model in shares, test rows input by party 0, labels to party 0 only)",
                pct(self.inferred_acc)
            );
        }
        if let Some(dw) = self.max_dw {
            println!("    max |w_secure − w_plaintext| = {dw:.5}");
        }
        if let Some(f) = &self.model_file {
            println!("  model written to {f}");
        }
        println!(
            "  offline (MASCOT)  {offline_seconds:>8.2} s   online (SPDZ) {online_seconds:>8.2} s   over {}",
            self.opts.transport.name()
        );
        for (p, r) in self.reports.iter().enumerate() {
            println!(
                "    party {p}: offline {:>8.1} MB sent, {:>7} rounds; online {:>8.2} MB sent, {:>6} rounds",
                r.offline_bytes as f64 / 1e6,
                r.offline_rounds,
                r.online_bytes as f64 / 1e6,
                r.online_rounds
            );
        }
    }
}

/// Arguments of `spdz party ... train`: this party's file only; the layout (every party's
/// rows, or columns and the label's holder) is announced between the parties before any
/// preprocessing.
#[derive(Debug, clap::Args)]
pub(crate) struct PartyArgs {
    /// This party's CSV file (rows: the same columns at every party; columns: this party's
    /// columns of the same rows, the label column at one party).
    #[arg(long)]
    data: PathBuf,
    /// How the data is split among the parties (the same at every party).
    #[arg(long, value_enum, default_value_t = Partition::Rows)]
    partition: Partition,
    /// The label column (default: the last column; with `--partition columns`: `label`).
    #[arg(long)]
    label: Option<String>,
    /// `binary`, or the number of classes (the same at every party).
    #[arg(long, default_value = "binary")]
    classes: String,
    /// The declared input range |x| ≤ BOUND of this party's features.
    #[arg(long)]
    input_bound: Option<f64>,
    #[command(flatten)]
    hyper: Hyper,
    /// Make THIS party deviate (a rehearsal of an attack): offline or `online-*`.
    #[cfg(feature = "adversarial")]
    #[arg(long, value_parser = crate::mul::all_cheat_names())]
    cheat: Option<String>,
}

/// `spdz party ... train`.
pub(crate) fn run_party(setup: spdz_net::TlsSetup, args: &PartyArgs) -> Result<(), Failure> {
    let (me, n) = (setup.me, setup.parties.len());
    let classes = parse_classes(&args.classes)?;
    let (cfg, reveal) = config(&args.hyper, n)?;
    let keep = args.hyper.model_out.is_some() && reveal == Reveal::None;
    if args.partition == Partition::Columns && args.hyper.model_out.is_some() {
        return Err(Failure::Usage(anyhow::anyhow!(
            "--model-out needs the rows partition in a deployment (with columns, the standardisation of other parties' columns is theirs)"
        )));
    }
    let table = load(&args.data)?;
    let (local, names, header) = match args.partition {
        Partition::Rows => {
            let ds =
                Dataset::from_table(&table, &spec(args.label.clone(), classes, args.input_bound))
                    .map_err(|e| data_error(&e))?;
            let local = Local {
                x: ds.x().to_vec(),
                y: Some(ds.y().to_vec()),
            };
            (local, ds.features().to_vec(), Some(table.header_digest()))
        }
        Partition::Columns => {
            let label = args.label.clone().unwrap_or_else(|| "label".to_string());
            if table.column_index(&label).is_some() {
                let ds = Dataset::from_table(&table, &spec(Some(label), classes, args.input_bound))
                    .map_err(|e| data_error(&e))?;
                let local = Local {
                    x: ds.x().to_vec(),
                    y: Some(ds.y().to_vec()),
                };
                (local, ds.features().to_vec(), None)
            } else {
                check_bound(&table, args.input_bound)?;
                let x = (0..table.rows())
                    .flat_map(|r| table.row(r).to_vec())
                    .collect();
                (Local { x, y: None }, table.columns().to_vec(), None)
            }
        }
    };
    if let Some(dir) = args.hyper.model_out.as_ref().filter(|_| keep) {
        let f = spdz_model::share_file::file_path(dir, me);
        if f.exists() {
            return Err(Failure::Usage(anyhow::anyhow!(
                "{}: exists (share files are never overwritten)",
                f.display()
            )));
        }
    }
    #[cfg(feature = "adversarial")]
    let cheat = match &args.cheat {
        None => None,
        Some(name) => Some((
            crate::mul::parse_cheat(name)
                .ok_or_else(|| Failure::Usage(anyhow::anyhow!("unknown cheat {name}")))?,
            me,
        )),
    };
    #[cfg(not(feature = "adversarial"))]
    let cheat: Option<(AnyCheat, PartyId)> = None;
    let job = Job {
        layout: None,
        partition: args.partition,
        width: Some(names.len()),
        classes,
        cfg,
        reveal,
        locals: Arc::new(vec![local]),
        own: true,
        threads: args.hyper.threads,
        offline_batch: args.hyper.offline_batch,
        cheat,
        infer: None,
        headers: Arc::new(vec![header]),
        keep: keep.then(|| Arc::new(names.clone())),
        progress: None,
    };
    let json = args.hyper.json;
    let mut report = crate::local::run_deployed(setup, job, json)?;
    // Training succeeded at this party: only now is anything written.
    let model_file = match (&args.hyper.model_out, report.kept.take(), &report.weights) {
        (Some(dir), Some(k), _) => Some(
            k.write(dir)
                .map_err(|e| Failure::Usage(e.into()))?
                .display()
                .to_string(),
        ),
        (Some(dir), None, Some(w)) => {
            let m = Model {
                weights: w.clone(),
                features: names.len(),
                classes,
            };
            let who = match reveal {
                Reveal::To(p) => format!("party {p}"),
                _ => "all parties".to_string(),
            };
            let file = ModelFile::new(&names, &report.standardizer, &m, cfg.sigmoid.name(), who);
            Some(file.write(dir)?.display().to_string())
        }
        _ => None,
    };
    print_party(me, &report, model_file.as_deref(), json);
    Ok(())
}

#[allow(clippy::cast_precision_loss)] // byte counts far below 2^52
fn print_party(me: PartyId, r: &PartyReport, model_file: Option<&str>, json: bool) {
    let partition = match r.layout {
        Layout::Rows { .. } => "rows",
        Layout::Columns { .. } => "columns",
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "party": me,
                "parties": r.layout.parties(),
                "partition": partition,
                "train_rows": r.layout.rows(),
                "features": r.layout.features(),
                "preprocessing": {
                    "triples": r.consumed.triples,
                    "squares": r.consumed.squares,
                    "bits": r.consumed.bits,
                    "input_masks_per_owner": r.consumed.input_masks,
                },
                "offline_seconds": r.offline_seconds,
                "offline_bytes_sent": r.offline_bytes,
                "offline_rounds": r.offline_rounds,
                "online_seconds": r.online_seconds,
                "online_bytes_sent": r.online_bytes,
                "online_rounds": r.online_rounds,
                "weights": r.weights,
                "model_file": model_file,
            })
        );
        return;
    }
    println!(
        "party {me}: trained with {} parties, {partition} partition, {} rows × {} features",
        r.layout.parties(),
        r.layout.rows(),
        r.layout.features()
    );
    println!(
        "  offline {:.2} s, {:.1} MB sent; online {:.2} s, {:.2} MB sent, {} rounds",
        r.offline_seconds,
        r.offline_bytes as f64 / 1e6,
        r.online_seconds,
        r.online_bytes as f64 / 1e6,
        r.online_rounds
    );
    match &r.weights {
        Some(w) => println!("  weights (features, then bias): {w:?}"),
        None => println!("  the model was not revealed to this party"),
    }
    if let Some(f) = model_file {
        println!("  model written to {f}");
    }
}
