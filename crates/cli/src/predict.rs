//! Model files and `spdz predict`.
//!
//! - **Revealed models.** A revealed model is public to whoever learnt it: `model.json`
//!   (`spdz train --model-out DIR`) holds the feature names, the standardisation the parties
//!   applied, the classes and the weights. `spdz predict --model model.json --data x.csv`
//!   scores a file with it in the clear (the model holder's own data).
//! - **Secure inference of a plaintext model** (`--secure`, and `spdz party ... predict
//!   --model`): one party's `model.json` against another party's records, both secret; the
//!   model's owner folds its standardisation into the weights and inputs them
//!   (`spdz_model::inference::input_model`), the records' owner inputs its rows (as fixed
//!   point, or as proven integers with `--integer-bits`), and only the records' owner learns
//!   the labels.
//! - **A model kept in shares** (`spdz train --reveal-model none --model-out DIR` writes one
//!   `model-share-P.spdz` per party, `spdz_model::share_file`): `--model-shares` (local) or
//!   `spdz party ... predict --model-share FILE` (each party its own file). The parties make
//!   MASCOT preprocessing under the MAC-key shares kept in their files, so the kept shares'
//!   MACs stay valid; the model is never opened. After any failure that follows the first
//!   message, every party marks its file spent.
//!
//! Before any preprocessing the parties exchange what is public ([`Announce`]): who holds a
//! model and of which shape (and the model id of share files), who holds the records, how
//! many and how encoded, and a digest of the feature names. The records' columns are their
//! file's columns in order (a `label` column, or `--label`, excepted), and must be the
//! model's; everything else that does not fit is refused before any preprocessing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use spdz::AbortKind;
use spdz_field::Fp;
use spdz_model::data::{Dataset, LabelSpec, Table, header_digest};
use spdz_model::inference::{
    MODEL_INPUT_FRAC_BITS, Records, fold, input_model, model_input_cost, score, score_budget,
};
use spdz_model::plain::{Model, Standardizer};
use spdz_model::share_file::{ModelShares, mark_spent};
use spdz_net::{PartyId, Transport};
use spdz_offline::{Params, generate_under_key};
use spdz_online::{Budget, FixedParams, Party};

use crate::exit::Failure;
use crate::local::{TransportKind, honest_aborts, report_aborts, run_local};

/// The format tag of `model.json`.
const FORMAT: &str = "spdz-model logistic regression v1";

/// `model.json`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ModelFile {
    format: String,
    features: Vec<String>,
    classes: usize,
    mean: Vec<f64>,
    std: Vec<f64>,
    /// Row-major, one row of `features + 1` per output (bias last).
    weights: Vec<f64>,
    sigmoid: String,
    /// Who learnt the model in training.
    revealed_to: String,
}

impl ModelFile {
    pub(crate) fn new(
        features: &[String],
        st: &Standardizer,
        model: &Model,
        sigmoid: &str,
        revealed_to: String,
    ) -> Self {
        Self {
            format: FORMAT.to_string(),
            features: features.to_vec(),
            classes: model.classes,
            mean: st.mean.clone(),
            std: st.std.clone(),
            weights: model.weights.clone(),
            sigmoid: sigmoid.to_string(),
            revealed_to,
        }
    }

    /// Writes `dir/model.json` (creating `dir`).
    pub(crate) fn write(&self, dir: &Path) -> Result<PathBuf, Failure> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Usage(anyhow::anyhow!("{}: {e}", dir.display())))?;
        let path = dir.join("model.json");
        let text = serde_json::to_string_pretty(self).map_err(|e| Failure::Internal(e.into()))?;
        std::fs::write(&path, text)
            .map_err(|e| Failure::Usage(anyhow::anyhow!("{}: {e}", path.display())))?;
        Ok(path)
    }

    pub(crate) fn read(path: &Path) -> Result<Self, Failure> {
        let bad = |what: String| Failure::Usage(anyhow::anyhow!("{}: {what}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let m: Self = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let d = m.features.len();
        let rows = if m.classes == 2 { 1 } else { m.classes };
        if m.format != FORMAT
            || m.classes < 2
            || m.mean.len() != d
            || m.std.len() != d
            || m.weights.len() != rows * (d + 1)
            || m.std.iter().any(|s| !(s.is_finite() && *s > 0.0))
            || m.mean.iter().chain(&m.weights).any(|v| !v.is_finite())
        {
            return Err(bad("not a valid model file".to_string()));
        }
        Ok(m)
    }
}

impl ModelFile {
    fn standardizer(&self) -> Standardizer {
        Standardizer {
            mean: self.mean.clone(),
            std: self.std.clone(),
        }
    }

    fn model(&self) -> Model {
        Model {
            weights: self.weights.clone(),
            features: self.features.len(),
            classes: self.classes,
        }
    }
}

/// Options of every secure inference run (local and deployment).
#[derive(Debug, clap::Args)]
pub(crate) struct SecureOpts {
    /// The records are integers `0 ≤ x < 2^BITS` (pixels: 8), each proven with BITS squares
    /// instead of the fixed-point bound's 32 (plaintext models only: a model kept in shares
    /// needs standardised records).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub(crate) integer_bits: Option<u32>,
    /// Offline workers per party.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) threads: u16,
    /// Triples per offline batch.
    #[arg(long, default_value_t = 1024)]
    pub(crate) offline_batch: usize,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `spdz predict`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A `model.json` written by `spdz train --model-out DIR` (a revealed model).
    #[arg(
        long,
        required_unless_present = "model_shares",
        conflicts_with = "model_shares"
    )]
    model: Option<PathBuf>,
    /// The parties' share files of a model kept in shares (`model-share-P.spdz` from
    /// `spdz train --reveal-model none --model-out DIR`), comma-separated, one per party.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    model_shares: Vec<PathBuf>,
    /// The rows to score: the model's feature columns in its order, and optionally a label
    /// column (which gives the accuracy).
    #[arg(long)]
    data: PathBuf,
    /// The label column, if the file has one (default `label` when present).
    #[arg(long)]
    label: Option<String>,
    /// With `--model`: score securely, the model input by party 0 and the rows by `--owner`
    /// (default 1), both secret; only the owner learns the labels.
    #[arg(long)]
    secure: bool,
    /// Parties of a secure run with `--model --secure`.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..=16))]
    parties: u16,
    /// The party that holds the rows and learns the labels (default: 1 with `--model`, 0
    /// with `--model-shares`).
    #[arg(long)]
    owner: Option<usize>,
    /// How the parties talk (secure runs).
    #[arg(long, value_enum, default_value_t = TransportKind::Memory)]
    transport: TransportKind,
    #[command(flatten)]
    opts: SecureOpts,
    /// Make one party deviate in the online phase (`online-*`): every honest party aborts,
    /// no label is revealed, and share files are marked spent (exit 3).
    #[cfg(feature = "adversarial")]
    #[arg(long, requires = "cheater")]
    cheat: Option<String>,
    /// The id of the cheating party, with `--cheat`.
    #[cfg(feature = "adversarial")]
    #[arg(long, requires = "cheat")]
    cheater: Option<usize>,
}

fn usage(e: impl std::fmt::Display) -> Failure {
    Failure::Usage(anyhow::anyhow!("{e}"))
}

/// The records of one file: its columns but the label, row-major; the label column's values
/// if there is one.
pub(crate) struct RecordsFile {
    names: Vec<String>,
    x: Vec<f64>,
    labels: Option<Vec<f64>>,
    rows: usize,
}

impl RecordsFile {
    pub(crate) fn load(
        path: &Path,
        label: Option<&str>,
        integer_bits: Option<u32>,
    ) -> Result<Self, Failure> {
        let table = Table::load(path).map_err(usage)?;
        let label_at =
            match label {
                Some(name) => Some(table.column_index(name).ok_or_else(|| {
                    usage(format!("{}: no label column {name:?}", path.display()))
                })?),
                None => table.column_index("label"),
            };
        let keep: Vec<usize> = (0..table.columns().len())
            .filter(|&j| Some(j) != label_at)
            .collect();
        if keep.is_empty() || table.rows() == 0 {
            return Err(usage(format!(
                "{}: no feature columns or rows",
                path.display()
            )));
        }
        let mut x = Vec::with_capacity(table.rows() * keep.len());
        for r in 0..table.rows() {
            let row = table.row(r);
            for &j in &keep {
                let v = row[j];
                if let Some(bits) = integer_bits
                    && !(v >= 0.0 && v < f64::from(bits).exp2() && v.fract() == 0.0)
                {
                    return Err(usage(format!(
                        "{}:{}:{}: {v} in column {:?} is not an integer in 0..2^{bits} (--integer-bits)",
                        path.display(),
                        r + 2,
                        j + 1,
                        table.columns()[j]
                    )));
                }
                x.push(v);
            }
        }
        Ok(Self {
            names: keep.iter().map(|&j| table.columns()[j].clone()).collect(),
            x,
            labels: label_at.map(|j| (0..table.rows()).map(|r| table.row(r)[j]).collect()),
            rows: table.rows(),
        })
    }

    /// The labels as classes `0..classes`, if every one is one.
    fn classes(&self, classes: usize) -> Option<Vec<usize>> {
        #[allow(clippy::cast_precision_loss)]
        let top = classes as f64;
        self.labels.as_ref().and_then(|l| {
            l.iter()
                .map(|&v| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    (v >= 0.0 && v < top && v.fract() == 0.0).then_some(v as usize)
                })
                .collect()
        })
    }
}

/// What this party brings to a secure inference.
#[derive(Clone, Default)]
pub(crate) struct Side {
    /// Its share file of a model kept in shares.
    pub(crate) share_file: Option<PathBuf>,
    /// A plaintext model it inputs.
    pub(crate) model: Option<Arc<ModelFile>>,
    /// The records it scores.
    pub(crate) records: Option<Arc<RecordsFile>>,
    /// Bits of integer records (`None`: fixed point).
    pub(crate) integer_bits: Option<u32>,
}

/// What each party announces before any preprocessing (public), 99 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Announce {
    /// 0: no model; 1: a share file; 2: a plaintext model.
    model: u8,
    model_id: [u8; 32],
    /// Digest of the model's feature names, or of the records' (the records' owner).
    model_names: [u8; 32],
    records_names: [u8; 32],
    features: u64,
    classes: u64,
    rows: u64,
    /// 0: no records; 1: fixed point; 2 + bits − 1: integers of `bits` bits.
    records: u8,
    parties: u64,
}

const ANNOUNCE_LEN: usize = 1 + 32 + 32 + 32 + 8 + 8 + 8 + 1 + 8;
/// The model crate's step range `0x04xx_xxxx`; 0x0400_0001 is training's agreement.
const STEP_ANNOUNCE: u32 = 0x0400_0010;

impl Announce {
    fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(ANNOUNCE_LEN);
        b.push(self.model);
        b.extend_from_slice(&self.model_id);
        b.extend_from_slice(&self.model_names);
        b.extend_from_slice(&self.records_names);
        for v in [self.features, self.classes, self.rows] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(self.records);
        b.extend_from_slice(&self.parties.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<Self> {
        if b.len() != ANNOUNCE_LEN {
            return None;
        }
        let arr = |at: usize| -> [u8; 32] {
            let mut a = [0u8; 32];
            a.copy_from_slice(&b[at..at + 32]);
            a
        };
        let u64at = |at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[at..at + 8]);
            u64::from_le_bytes(a)
        };
        let a = Self {
            model: b[0],
            model_id: arr(1),
            model_names: arr(33),
            records_names: arr(65),
            features: u64at(97),
            classes: u64at(105),
            rows: u64at(113),
            records: b[121],
            parties: u64at(122),
        };
        (a.model <= 2 && a.records <= 33).then_some(a)
    }
}

/// The public plan every party derives from the announcements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    /// `Some(p)`: party `p` inputs a plaintext model; `None`: the model is in shares.
    model_owner: Option<PartyId>,
    owner: PartyId,
    rows: usize,
    features: usize,
    classes: usize,
    records: Records,
}

fn plan(all: &[Announce], n: usize) -> Result<Plan, AbortKind> {
    let bad = |from| AbortKind::ParamsMismatch { from };
    let size = |v: u64, from| usize::try_from(v).map_err(|_| AbortKind::MalformedMessage { from });
    let owners: Vec<_> = (0..n).filter(|&p| all[p].records != 0).collect();
    let [owner] = owners[..] else {
        return Err(bad(owners.get(1).copied().unwrap_or(0)));
    };
    let plain: Vec<_> = (0..n).filter(|&p| all[p].model == 2).collect();
    let shares: Vec<_> = (0..n).filter(|&p| all[p].model == 1).collect();
    let (source, model_owner) = match (plain.len(), shares.len()) {
        (1, 0) => (plain[0], Some(plain[0])),
        (0, s) if s == n => (0, None),
        _ => return Err(bad((0..n).find(|&p| all[p].model != 1).unwrap_or(0))),
    };
    let m = &all[source];
    for (p, a) in all.iter().enumerate() {
        if a.parties != n as u64 {
            return Err(bad(p));
        }
        if model_owner.is_none()
            && (a.model_id != m.model_id || a.features != m.features || a.classes != m.classes)
        {
            return Err(bad(p));
        }
    }
    let r = &all[owner];
    if r.records_names != m.model_names || r.features != m.features {
        return Err(bad(owner));
    }
    let records = match r.records {
        1 => Records::Fixed,
        b => Records::Uint {
            bits: u32::from(b - 1),
        },
    };
    if model_owner.is_none() && records != Records::Fixed {
        return Err(bad(owner));
    }
    let classes = size(m.classes, source)?;
    let features = size(m.features, source)?;
    if !(2..=1000).contains(&classes) || features == 0 || r.rows == 0 {
        return Err(AbortKind::MalformedMessage { from: source });
    }
    Ok(Plan {
        model_owner,
        owner,
        rows: size(r.rows, owner)?,
        features,
        classes,
        records,
    })
}

fn budget(plan: &Plan) -> Result<Budget, AbortKind> {
    let p = FixedParams::default();
    let mut b = score_budget(
        &p,
        plan.rows,
        plan.features,
        plan.classes,
        plan.owner,
        plan.records,
    )
    .map_err(|_| AbortKind::ApiMisuse)?;
    if let Some(o) = plan.model_owner {
        b += &model_input_cost(&p, o, plan.features, plan.classes)
            .map_err(|_| AbortKind::ApiMisuse)?;
    }
    Ok(b)
}

/// What one party of a secure inference measured (and, at the owner, learnt).
pub(crate) struct PartyReport {
    pub(crate) labels: Option<Vec<usize>>,
    /// The model's classes (public, from the announcements).
    classes: usize,
    offline_seconds: f64,
    offline_bytes: u64,
    online_seconds: f64,
    online_bytes: u64,
    online_rounds: u64,
    budget: Budget,
}

/// One secure inference, for every party (in-process) or this one (deployment).
#[derive(Clone)]
pub(crate) struct Job {
    /// Indexed by party id (`own`: this process's single side at index 0).
    pub(crate) sides: Arc<Vec<Side>>,
    pub(crate) own: bool,
    pub(crate) threads: u16,
    pub(crate) offline_batch: usize,
    pub(crate) cheat: Option<(crate::stats::OnlineCheat, PartyId)>,
}

impl crate::local::PartyJob for Job {
    type Output = PartyReport;

    async fn run<T: Transport + 'static>(self, transport: T) -> Result<PartyReport, AbortKind> {
        let me = transport.id();
        let side = self
            .sides
            .get(if self.own { 0 } else { me })
            .ok_or(AbortKind::ApiMisuse)?;
        let shares = match &side.share_file {
            Some(p) => Some(ModelShares::read(p).map_err(|_| AbortKind::ApiMisuse)?),
            None => None,
        };
        let (result, used_key) = self.run_with(transport, side, shares.as_ref()).await;
        if result.is_err()
            && used_key
            && let (Some(path), Some(s)) = (&side.share_file, &shares)
        {
            // The key share may be known to a cheater now: the file must never serve again.
            if let Err(e) = mark_spent(path, &s.model_id) {
                tracing::warn!(error = %e, "could not mark the share file spent");
            }
        }
        result
    }
}

impl Job {
    /// The run, and whether it got as far as using the key share (a failure before that,
    /// in the announcements, leaves a share file usable).
    async fn run_with<T: Transport + 'static>(
        &self,
        transport: T,
        side: &Side,
        shares: Option<&ModelShares>,
    ) -> (Result<PartyReport, AbortKind>, bool) {
        let plan = match self.announce(&transport, side, shares).await {
            Ok(p) => p,
            Err(e) => return (Err(e), false),
        };
        (self.execute(transport, side, shares, plan).await, true)
    }

    async fn announce<T: Transport + 'static>(
        &self,
        transport: &T,
        side: &Side,
        shares: Option<&ModelShares>,
    ) -> Result<Plan, AbortKind> {
        let (me, n) = (transport.id(), transport.parties());
        if shares.is_some_and(|s| s.party != me || s.parties != n) {
            return Err(AbortKind::ApiMisuse);
        }
        let mine = Announce {
            model: if shares.is_some() {
                1
            } else {
                u8::from(side.model.is_some()) * 2
            },
            model_id: shares.map_or([0; 32], |s| s.model_id),
            model_names: shares.map_or_else(
                || {
                    side.model
                        .as_ref()
                        .map_or([0; 32], |m| header_digest(&m.features))
                },
                |s| header_digest(&s.features),
            ),
            records_names: side
                .records
                .as_ref()
                .map_or([0; 32], |r| header_digest(&r.names)),
            features: shares.map_or_else(
                || {
                    side.model.as_ref().map_or_else(
                        || side.records.as_ref().map_or(0, |r| r.names.len()),
                        |m| m.features.len(),
                    )
                },
                |s| s.features.len(),
            ) as u64,
            classes: shares.map_or_else(
                || side.model.as_ref().map_or(0, |m| m.classes),
                |s| s.classes,
            ) as u64,
            rows: side.records.as_ref().map_or(0, |r| r.rows) as u64,
            records: match (&side.records, side.integer_bits) {
                (None, _) => 0,
                (Some(_), None) => 1,
                #[allow(clippy::cast_possible_truncation)] // bits ≤ 32
                (Some(_), Some(b)) => 1 + b as u8,
            },
            parties: n as u64,
        };
        let all = transport
            .exchange_all(spdz_net::Step::new(STEP_ANNOUNCE), mine.encode())
            .await
            .map_err(|e| AbortKind::from(&e))?;
        let all = all
            .iter()
            .enumerate()
            .map(|(from, b)| Announce::decode(b).ok_or(AbortKind::MalformedMessage { from }))
            .collect::<Result<Vec<_>, _>>()?;
        plan(&all, n)
    }

    async fn execute<T: Transport + 'static>(
        &self,
        transport: T,
        side: &Side,
        shares: Option<&ModelShares>,
        plan: Plan,
    ) -> Result<PartyReport, AbortKind> {
        let me = transport.id();
        let budget = budget(&plan)?;
        let params = Params {
            batch_size: self.offline_batch,
            threads: usize::from(self.threads),
            ..budget.mascot_params()
        };
        let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
        let start = Instant::now();
        let (prep, report) = generate_under_key::<Fp, _, _>(
            &transport,
            &params,
            shares.map(ModelShares::key),
            None,
            &mut rng,
            None,
        )
        .await
        .map_err(|e| AbortKind::from(&e))?;
        let offline_seconds = start.elapsed().as_secs_f64();
        #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
        let mut party = Party::new(transport, prep, &mut rng).map_err(|e| AbortKind::from(&e))?;
        #[cfg(feature = "adversarial")]
        if let Some((c, who)) = self.cheat
            && who == me
        {
            party = party.with_cheat(c);
        }
        #[cfg(not(feature = "adversarial"))]
        let _ = self.cheat;
        let before = party.transport().stats();
        let start = Instant::now();
        let abort = |e: &spdz_model::ModelError| match e {
            spdz_model::ModelError::Online(e) => AbortKind::from(e),
            _ => AbortKind::ApiMisuse,
        };
        let (party, weights, weight_bits) = match (plan.model_owner, shares) {
            (None, Some(s)) => {
                let w = s.weights().map_err(|e| AbortKind::from(&e))?;
                (party, w, s.weight_bits)
            }
            (Some(o), _) => {
                let folded = side
                    .model
                    .as_ref()
                    .filter(|_| o == me)
                    .map(|m| fold(&m.model(), &m.standardizer()));
                let (party, w) =
                    input_model(party, o, folded.as_deref(), plan.features, plan.classes)
                        .await
                        .map_err(|e| abort(&e))?;
                (party, w, MODEL_INPUT_FRAC_BITS)
            }
            (None, None) => return Err(AbortKind::ApiMisuse),
        };
        let x = match (&side.records, shares) {
            (Some(r), Some(s)) if plan.owner == me => Some(s.standardizer.apply(&r.x)),
            (Some(r), None) if plan.owner == me => Some(r.x.clone()),
            _ => None,
        };
        let (party, labels) = score(
            party,
            &weights,
            weight_bits,
            plan.classes,
            plan.owner,
            x.as_deref(),
            plan.rows,
            plan.records,
        )
        .await
        .map_err(|e| abort(&e))?;
        let online_seconds = start.elapsed().as_secs_f64();
        let (online_bytes, online_rounds) =
            crate::local::sent_since(&before, &party.transport().stats());
        if party.consumed() != &budget {
            return Err(AbortKind::ApiMisuse);
        }
        Ok(PartyReport {
            labels,
            classes: plan.classes,
            offline_seconds,
            offline_bytes: report.bytes_sent,
            online_seconds,
            online_bytes,
            online_rounds,
            budget,
        })
    }
}

/// Prints the outcome of a secure inference: the owner's labels (one per line, or JSON) and
/// what the run cost. `plain`: the plaintext model's predictions, where this process knows
/// them (local runs of a plaintext model), for the agreement.
pub(crate) fn print_secure(
    reports: &[(PartyId, PartyReport)],
    records: Option<&RecordsFile>,
    classes: Option<usize>,
    plain: Option<&[usize]>,
    json: bool,
) {
    let labels = reports
        .iter()
        .find_map(|(p, r)| r.labels.as_ref().map(|l| (*p, l)));
    let classes = classes.or_else(|| reports.first().map(|(_, r)| r.classes));
    let truth = records.and_then(|r| classes.and_then(|c| r.classes(c)));
    let frac = |a: &[usize], b: &[usize]| {
        #[allow(clippy::cast_precision_loss)]
        let f = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len().max(1) as f64;
        f
    };
    let accuracy = labels.zip(truth.as_ref()).map(|((_, l), t)| frac(l, t));
    let agreement = labels.zip(plain).map(|((_, l), p)| frac(l, p));
    let max =
        |f: &dyn Fn(&PartyReport) -> f64| reports.iter().map(|(_, r)| f(r)).fold(0.0, f64::max);
    let budget = reports.first().map(|(_, r)| &r.budget);
    if json {
        let per_party: Vec<_> = reports
            .iter()
            .map(|(p, r)| {
                serde_json::json!({
                    "party": p,
                    "offline_seconds": r.offline_seconds,
                    "offline_bytes_sent": r.offline_bytes,
                    "online_seconds": r.online_seconds,
                    "online_bytes_sent": r.online_bytes,
                    "online_rounds": r.online_rounds,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "owner": labels.map(|(p, _)| p),
                "rows": labels.map(|(_, l)| l.len()),
                "predictions": labels.map(|(_, l)| l),
                "accuracy": accuracy,
                "agreement_with_plaintext": agreement,
                "preprocessing": budget.map(|b| serde_json::json!({
                    "triples": b.triples,
                    "squares": b.squares,
                    "bits": b.bits,
                    "input_masks_per_owner": b.input_masks,
                })),
                "offline_seconds": max(&|r| r.offline_seconds),
                "online_seconds": max(&|r| r.online_seconds),
                "per_party": per_party,
            })
        );
        return;
    }
    if let Some((_, l)) = labels {
        for p in l {
            println!("{p}");
        }
    }
    if let Some(a) = accuracy {
        eprintln!("accuracy {:.2} %", 100.0 * a);
    }
    if let Some(a) = agreement {
        eprintln!("agreement with the plaintext model {:.2} %", 100.0 * a);
    }
    #[allow(clippy::cast_precision_loss)]
    for (p, r) in reports {
        eprintln!(
            "party {p}: offline {:.2} s, {:.1} MB sent; online {:.2} s, {:.2} MB sent, {} rounds",
            r.offline_seconds,
            r.offline_bytes as f64 / 1e6,
            r.online_seconds,
            r.online_bytes as f64 / 1e6,
            r.online_rounds
        );
    }
}

#[cfg(feature = "adversarial")]
fn parse_online_cheat(name: &str) -> Result<spdz_online::Cheat, Failure> {
    name.strip_prefix("online-")
        .and_then(spdz_online::Cheat::from_name)
        .ok_or_else(|| usage(format!("{name}: not an online cheat (online-*)")))
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    if let (Some(model), false) = (&args.model, args.secure) {
        return run_plain(args, model);
    }
    #[cfg(feature = "adversarial")]
    let cheat = match (&args.cheat, args.cheater) {
        (Some(name), Some(who)) => Some((parse_online_cheat(name)?, who)),
        _ => None,
    };
    #[cfg(not(feature = "adversarial"))]
    let cheat: Option<(crate::stats::OnlineCheat, PartyId)> = None;
    let records = Arc::new(RecordsFile::load(
        &args.data,
        args.label.as_deref(),
        args.opts.integer_bits,
    )?);
    let (sides, plain, classes) = if let Some(path) = &args.model {
        let n = usize::from(args.parties);
        let owner = args.owner.unwrap_or(1);
        if owner == 0 || owner >= n {
            return Err(usage(format!(
                "--owner {owner}: the records' owner must be another party than the model's (0), in 1..{n}"
            )));
        }
        let m = ModelFile::read(path)?;
        if m.features != records.names {
            return Err(usage(format!(
                "{}: its columns are not the model's features (in the model's order)",
                args.data.display()
            )));
        }
        let model = m.model();
        let st = m.standardizer();
        let plain: Vec<usize> = st
            .apply(&records.x)
            .chunks_exact(m.features.len())
            .map(|r| model.predict(r))
            .collect();
        let classes = m.classes;
        let mut sides = vec![Side::default(); n];
        sides[0].model = Some(Arc::new(m));
        sides[owner].records = Some(Arc::clone(&records));
        sides[owner].integer_bits = args.opts.integer_bits;
        (sides, Some(plain), classes)
    } else {
        if args.opts.integer_bits.is_some() {
            return Err(usage(
                "--integer-bits is for plaintext models: a model kept in shares scores standardised records",
            ));
        }
        let n = args.model_shares.len();
        if n < 2 {
            return Err(usage(
                "--model-shares needs one file per party (at least 2)",
            ));
        }
        let owner = args.owner.unwrap_or(0);
        if owner >= n {
            return Err(usage(format!("--owner {owner} is not a party id (0..{n})")));
        }
        // Checked up front (each party's task reads its own file again).
        let mut files: Vec<Option<PathBuf>> = vec![None; n];
        let mut classes = 0;
        for path in &args.model_shares {
            let s = ModelShares::read(path).map_err(usage)?;
            if s.parties != n || files[s.party].is_some() {
                return Err(usage(format!(
                    "{}: a share file of party {} of {} parties (the files must be one per party, {n} in all)",
                    path.display(),
                    s.party,
                    s.parties
                )));
            }
            if s.features != records.names {
                return Err(usage(format!(
                    "{}: its columns are not the model's features (in the model's order)",
                    args.data.display()
                )));
            }
            classes = s.classes;
            files[s.party] = Some(path.clone());
        }
        let mut sides: Vec<Side> = files
            .into_iter()
            .map(|f| Side {
                share_file: f,
                ..Side::default()
            })
            .collect();
        sides[owner].records = Some(Arc::clone(&records));
        (sides, None, classes)
    };
    let n = sides.len();
    if let Some((_, who)) = cheat
        && who >= n
    {
        return Err(usage(format!("--cheater {who} is not a party id (0..{n})")));
    }
    let job = Job {
        sides: Arc::new(sides),
        own: false,
        threads: args.opts.threads,
        offline_batch: args.opts.offline_batch,
        cheat,
    };
    let outcomes = run_local(args.transport, n, job)?;
    let aborts = honest_aborts(&outcomes, cheat.map(|(_, who)| who));
    if !aborts.is_empty() {
        return Err(report_aborts(&aborts, args.opts.json));
    }
    if let Some((c, who)) = cheat {
        return Err(Failure::Internal(anyhow::anyhow!(
            "cheat {c:?} by party {who} was not detected"
        )));
    }
    let reports: Vec<(PartyId, PartyReport)> = outcomes
        .into_iter()
        .filter_map(|(p, r)| r.ok().map(|r| (p, r)))
        .collect();
    print_secure(
        &reports,
        Some(&records),
        Some(classes),
        plain.as_deref(),
        args.opts.json,
    );
    Ok(())
}

fn run_plain(args: &Args, model: &Path) -> Result<(), Failure> {
    let m = ModelFile::read(model)?;
    let table = Table::load(&args.data).map_err(usage)?;
    let label = args
        .label
        .clone()
        .or_else(|| table.column_index("label").map(|_| "label".to_string()));
    let idx = m
        .features
        .iter()
        .map(|f| {
            table
                .column_index(f)
                .ok_or_else(|| usage(format!("{}: no feature column {f:?}", args.data.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let x: Vec<f64> = (0..table.rows())
        .flat_map(|r| idx.iter().map(move |&j| (r, j)))
        .map(|(r, j)| table.row(r)[j])
        .collect();
    let labels = match &label {
        Some(name) => Some(
            Dataset::from_table(
                &table,
                &LabelSpec {
                    label: Some(name.clone()),
                    classes: m.classes,
                    bound: None,
                },
            )
            .map_err(usage)?
            .y()
            .to_vec(),
        ),
        None => None,
    };
    let st = m.standardizer();
    let model = m.model();
    let xs = st.apply(&x);
    let predictions: Vec<usize> = xs
        .chunks_exact(model.features.max(1))
        .map(|r| model.predict(r))
        .collect();
    let accuracy = labels.as_ref().map(|y| model.accuracy(&xs, y));
    if args.opts.json {
        println!(
            "{}",
            serde_json::json!({
                "rows": predictions.len(),
                "predictions": predictions,
                "accuracy": accuracy,
            })
        );
    } else {
        for p in &predictions {
            println!("{p}");
        }
        if let Some(a) = accuracy {
            eprintln!("accuracy {:.2} % on {} rows", 100.0 * a, predictions.len());
        }
    }
    Ok(())
}

/// Arguments of `spdz party ... predict`: what this party brings (any of a plaintext model,
/// its share file, the records); the others' parts are announced before any preprocessing.
#[derive(Debug, clap::Args)]
pub(crate) struct PartyArgs {
    /// This party's `model.json` (a revealed model it inputs, secret to the others).
    #[arg(long, conflicts_with = "model_share")]
    model: Option<PathBuf>,
    /// This party's share file of a model kept in shares (every party gives its own).
    #[arg(long)]
    model_share: Option<PathBuf>,
    /// The records this party scores (it alone learns the labels).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The label column of the records, if any (default `label` when present).
    #[arg(long)]
    label: Option<String>,
    #[command(flatten)]
    opts: SecureOpts,
    /// Make THIS party deviate in the online phase (`online-*`, a rehearsal of an attack).
    #[cfg(feature = "adversarial")]
    #[arg(long)]
    cheat: Option<String>,
}

/// `spdz party ... predict`.
pub(crate) fn run_party(setup: spdz_net::TlsSetup, args: &PartyArgs) -> Result<(), Failure> {
    let me = setup.me;
    let records = match &args.data {
        Some(p) => Some(Arc::new(RecordsFile::load(
            p,
            args.label.as_deref(),
            args.opts.integer_bits,
        )?)),
        None => None,
    };
    let model = match &args.model {
        Some(p) => Some(Arc::new(ModelFile::read(p)?)),
        None => None,
    };
    let mut classes = model.as_ref().map(|m| m.classes);
    if let Some(p) = &args.model_share {
        // Checked before connecting: a bad or spent file is this party's usage error.
        let s = ModelShares::read(p).map_err(usage)?;
        if s.party != me || s.parties != setup.parties.len() {
            return Err(usage(format!(
                "{}: the share file of party {} of {}, not of this party ({me} of {})",
                p.display(),
                s.party,
                s.parties,
                setup.parties.len()
            )));
        }
        classes = Some(s.classes);
    }
    #[cfg(feature = "adversarial")]
    let cheat = match &args.cheat {
        Some(name) => Some((parse_online_cheat(name)?, me)),
        None => None,
    };
    #[cfg(not(feature = "adversarial"))]
    let cheat: Option<(crate::stats::OnlineCheat, PartyId)> = None;
    let job = Job {
        sides: Arc::new(vec![Side {
            share_file: args.model_share.clone(),
            model,
            records: records.clone(),
            integer_bits: args.opts.integer_bits,
        }]),
        own: true,
        threads: args.opts.threads,
        offline_batch: args.opts.offline_batch,
        cheat,
    };
    let json = args.opts.json;
    let report = crate::local::run_deployed(setup, job, json)?;
    print_secure(&[(me, report)], records.as_deref(), classes, None, json);
    Ok(())
}
