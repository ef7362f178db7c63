//! Secure training of logistic regression on `spdz_online::Party` (public API only): binary
//! (one output row), and for more classes one output row per class trained together
//! one-vs-rest ([`Multiclass::OneVsRest`]; the plaintext trainer runs the same).
//!
//! Every party runs [`train`] with the same public [`Layout`] (who holds how many rows or
//! which columns) and [`TrainConfig`], and its own [`LocalData`]. The algorithm is the
//! plaintext trainer's ([`crate::plain`]): same standardisation, same batches, same update
//! rule, same sigmoid approximation; only fixed-point rounding (`f = 16` bits, probabilistic
//! truncation) separates the two.
//!
//! Steps (rows partition; the columns partition skips step 1):
//! 1. **Standardisation, secure aggregate.** Each party inputs its per-feature sums `Σx` and
//!    `Σx²` (`2d` values); the sums over parties are revealed, and everyone derives the mean and
//!    population standard deviation. Revealed: exactly the pooled per-feature mean and standard
//!    deviation (the row counts are public in the layout). Each party then standardises its own
//!    rows with those public values. Columns partition: a party holds entire columns, so it
//!    standardises them locally, exactly, and nothing is revealed.
//! 2. **Input.** Each party inputs its standardised features (and labels, rows partition: its
//!    own; columns partition: the label owner's) in one `input_fixed` call. The bias column is
//!    a public constant 1.
//! 3. **Training.** Weights `[[w]]` start at 0, kept at `3f` fractional bits
//!    ([`weight_frac_bits`]). Per batch of `m` rows: `z = X_B·w` (`m(d+1)` products, one
//!    round), one truncation per row (from `4f` bits); `σ̂(z)`; `e = σ̂(z) − y`;
//!    `g = X_Bᵀe` (`m(d+1)` products, one round, `2f` bits); `w ← w − round(lr/m·2^f)·g`
//!    (exact, `3f` bits: no truncation of the update at all). The weights stay secret-shared
//!    throughout; nothing is opened but masked values.
//! 4. **Output.** The model is revealed to all, to one party, or kept in shares ([`Reveal`]).
//!
//! The preprocessing a run consumes is computed beforehand by [`training_budget`]; every
//! input's cost goes through [`input_cost`] (the single place that follows `input_fixed`'s
//! cost when it gains a range proof).
//!
//! Bound (the truncation width [`FORWARD_BITS`]): standardised features and weights must
//! keep `|z| = |x·w| < 2^15`; for standardised data (a population z-score is at most
//! `√(n−1)`) that holds with a wide margin.

use std::sync::atomic::{AtomicUsize, Ordering};

use spdz_field::Fp;
use spdz_net::{PartyId, Transport};
use spdz_offline::Preprocessing;
use spdz_online::{Budget, FixedParams, OnlineError, Party, Shared};

pub use crate::inference::{infer, inference_budget};
use crate::plain::{Multiclass, Sigmoid, Standardizer, TrainConfig, batches};

/// Fractional bits of the secret weights: `3f` (48 with the defaults). The update
/// `round(lr/m·2^f)·Σ e x` (f + 2f bits) is added to them exactly, without a truncation; the
/// forward product `x·w` then has `4f` bits and is truncated once per row.
#[must_use]
pub fn weight_frac_bits(params: &FixedParams) -> u32 {
    3 * params.frac_bits()
}

/// Bit bound `k` of the per-row truncation of `z = x·w` (`4f` = 64 fractional bits):
/// `|z| < 2^15`. `k + s = 120 ≤ 126`.
pub const FORWARD_BITS: u32 = 80;
/// Bit bound `k` of the comparisons of the clamped sigmoid (f fractional bits): `|u| < 2^15`
/// (they run with `FixedParams(f, 32, s)`: `2·30` triples and `32 + s` bits per comparison
/// instead of `2·62` and `64 + s`).
pub const COMPARE_BITS: u32 = 32;

/// Errors of the secure trainer.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The online phase failed (an abort names its check).
    #[error(transparent)]
    Online(#[from] OnlineError),
    /// A caller mistake: sizes that do not fit the layout, bad parameters.
    #[error("invalid use: {what}")]
    ApiMisuse {
        /// What was wrong.
        what: &'static str,
    },
    /// A peer runs with other columns (its file's header digest), another layout or other
    /// training parameters ([`agree`]); found before any preprocessing.
    #[error("party {from} runs with other columns or training parameters")]
    SessionMismatch {
        /// The peer whose digest differs.
        from: PartyId,
    },
    /// The transport failed during [`agree`].
    #[error(transparent)]
    Net(#[from] spdz_net::NetError),
}

/// Step tag of [`agree`] (the model crate's range `0x04xx_xxxx`).
pub const STEP_AGREE: u32 = 0x0400_0001;

/// SHA-256 over everything the parties of a training run must share: the header digest of
/// the party's file (rows partition: every party's file has the same columns; `None` for the
/// columns partition, where each party's columns differ), the layout, the classes, the
/// configuration and where the model goes.
#[must_use]
pub fn session_digest(
    header: Option<&[u8; 32]>,
    layout: &Layout,
    classes: usize,
    cfg: &TrainConfig,
    reveal: Reveal,
) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"spdz-model session v1");
    h.update(header.copied().unwrap_or([0; 32]));
    let put = |h: &mut Sha256, v: usize| h.update((v as u64).to_le_bytes());
    match layout {
        Layout::Rows { rows, features } => {
            h.update([0]);
            put(&mut h, *features);
            put(&mut h, rows.len());
            rows.iter().for_each(|&r| put(&mut h, r));
        }
        Layout::Columns {
            rows,
            features,
            label_owner,
        } => {
            h.update([1]);
            put(&mut h, *rows);
            put(&mut h, *label_owner);
            put(&mut h, features.len());
            features.iter().for_each(|&f| put(&mut h, f));
        }
    }
    put(&mut h, classes);
    put(&mut h, cfg.epochs);
    put(&mut h, cfg.batch);
    h.update(cfg.lr.to_le_bytes());
    h.update(cfg.sigmoid.name().as_bytes());
    h.update([u8::from(cfg.multiclass == Multiclass::OneVsRest)]);
    match reveal {
        Reveal::All => h.update([0]),
        Reveal::To(p) => {
            h.update([1]);
            put(&mut h, p);
        }
        Reveal::None => h.update([2]),
    }
    h.finalize().into()
}

/// Compares this party's [`session_digest`] with every peer's (one exchange), so that files
/// with other columns or runs with other parameters are refused before any preprocessing (as
/// MASCOT's `generate` does for its parameters).
///
/// # Errors
/// [`ModelError::SessionMismatch`] naming the first peer whose digest differs;
/// [`ModelError::Net`] if the exchange fails.
pub async fn agree<T: Transport>(transport: &T, digest: &[u8; 32]) -> Result<(), ModelError> {
    let me = transport.id();
    let all = transport
        .exchange_all(spdz_net::Step::new(STEP_AGREE), digest.to_vec())
        .await?;
    match (0..all.len()).find(|&j| j != me && all[j].as_slice() != digest.as_slice()) {
        Some(from) => Err(ModelError::SessionMismatch { from }),
        None => Ok(()),
    }
}

/// Who holds what (public; identical at every party).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Each party holds some rows with all `features`; `rows[p]` rows at party `p`, and the
    /// rows of party 0 come first in the training order, then party 1's, and so on.
    Rows {
        /// Rows per party.
        rows: Vec<usize>,
        /// Features (the same columns everywhere).
        features: usize,
    },
    /// Each party holds some features of the same `rows`; `features[p]` columns at party `p`
    /// (in the model's feature order: party 0's columns first), the labels at `label_owner`.
    Columns {
        /// Rows (the same rows everywhere, in the same order).
        rows: usize,
        /// Features per party.
        features: Vec<usize>,
        /// The party that holds the labels.
        label_owner: PartyId,
    },
}

impl Layout {
    /// Number of parties.
    #[must_use]
    pub fn parties(&self) -> usize {
        match self {
            Layout::Rows { rows, .. } => rows.len(),
            Layout::Columns { features, .. } => features.len(),
        }
    }

    /// Total train rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        match self {
            Layout::Rows { rows, .. } => rows.iter().sum(),
            Layout::Columns { rows, .. } => *rows,
        }
    }

    /// Total features.
    #[must_use]
    pub fn features(&self) -> usize {
        match self {
            Layout::Rows { features, .. } => *features,
            Layout::Columns { features, .. } => features.iter().sum(),
        }
    }

    /// The number of values party `p` inputs in step 2 (its features, and `k` label values
    /// per row if it holds labels: the label, or its one-hot encoding for `k > 1` outputs).
    fn inputs_of(&self, p: PartyId, k: usize) -> usize {
        match self {
            Layout::Rows { rows, features } => rows[p] * (features + k),
            Layout::Columns {
                rows,
                features,
                label_owner,
            } => rows * features[p] + if p == *label_owner { rows * k } else { 0 },
        }
    }
}

/// Where the trained model goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reveal {
    /// Opened to every party.
    All,
    /// Opened to this party only.
    To(PartyId),
    /// Kept in shares.
    None,
}

/// This party's raw (unstandardised) data: row-major features for its rows (rows partition)
/// or its columns of all rows (columns partition), and its labels if it holds them.
#[derive(Clone, Copy, Debug)]
pub struct LocalData<'a> {
    /// Features, row-major.
    pub x: &'a [f64],
    /// Labels (`0`/`1`), at the parties that hold labels.
    pub y: Option<&'a [usize]>,
}

/// What a party gets from [`train`].
#[derive(Debug)]
pub struct Trained {
    /// The weights (features then bias), if revealed to this party.
    pub weights: Option<Vec<f64>>,
    /// This party's shares of the weights, at [`weight_frac_bits`] fractional bits (always;
    /// the model kept in shares).
    pub shares: Shared<Fp>,
    /// The standardisation this party applied to its own features (rows partition: the pooled
    /// public mean and deviation; columns partition: its own columns').
    pub standardizer: Standardizer,
}

/// The preprocessing of one party's input of `n` fixed-point values owned by `owner`.
///
/// THE single place where the model crate follows `Party::input_fixed`'s cost: every input is
/// range-proven (`K` input masks of the owner and `K` squares per value, `K` =
/// `params.input_bits()`), and every budget below follows.
#[must_use]
pub fn input_cost(params: &FixedParams, owner: PartyId, n: usize) -> Budget {
    params.cost_input_fixed(owner, n)
}

/// The input bound of the local sums `Σx`, `Σx²` (rows partition): `K = k − f`, the largest
/// the online phase allows (`|Σ| < 2^(k−f−1−f)`, 2^31 with the defaults), since a sum of squares
/// over a party's rows far exceeds the bound of the standardised features.
fn sum_bits(params: &FixedParams) -> u32 {
    params.int_bits() - params.frac_bits()
}

/// The preprocessing of the local sums' input (see [`sum_bits`]).
fn sums_cost(params: &FixedParams, owner: PartyId, n: usize) -> Budget {
    params.cost_input_fixed_bounded(owner, n, sum_bits(params))
}

fn compare_params(params: &FixedParams) -> Result<FixedParams, ModelError> {
    FixedParams::new(params.frac_bits(), COMPARE_BITS, params.stat_bits()).map_err(|_| {
        ModelError::ApiMisuse {
            what: "fixed-point parameters leave no room for the comparisons",
        }
    })
}

/// Per row of a batch: the preprocessing of `σ̂` (beyond the forward truncation).
fn sigmoid_cost(params: &FixedParams, sigmoid: Sigmoid) -> Result<Budget, ModelError> {
    Ok(match sigmoid {
        Sigmoid::Exact => params.cost_sigmoid(),
        Sigmoid::Linear => Budget::zero(),
        Sigmoid::Clamped => compare_params(params)?.cost_ltz() * 2 + Budget::triples(1),
    })
}

/// The preprocessing `σ̂` costs per element (beyond the forward truncation), for the docs and
/// the CLI.
///
/// # Errors
/// [`ModelError::ApiMisuse`] for parameters without room for the comparisons.
pub fn sigmoid_cost_per_element(
    params: &FixedParams,
    sigmoid: Sigmoid,
) -> Result<Budget, ModelError> {
    sigmoid_cost(params, sigmoid)
}

/// Output rows of the model: 1 for two classes, one per class (one-vs-rest) otherwise.
fn outputs(classes: usize) -> usize {
    if classes == 2 { 1 } else { classes }
}

fn check(
    layout: &Layout,
    classes: usize,
    cfg: &TrainConfig,
    reveal: Reveal,
) -> Result<(), ModelError> {
    if classes < 2 || (classes > 2 && cfg.multiclass != Multiclass::OneVsRest) {
        return Err(ModelError::ApiMisuse {
            what: "at least 2 classes; more than 2 are trained one-vs-rest (softmax is plaintext only)",
        });
    }
    let n = layout.parties();
    if n < 2 {
        return Err(ModelError::ApiMisuse {
            what: "at least two parties",
        });
    }
    if let Layout::Columns { label_owner, .. } = layout
        && *label_owner >= n
    {
        return Err(ModelError::ApiMisuse {
            what: "label owner is not a party",
        });
    }
    if let Reveal::To(p) = reveal
        && p >= n
    {
        return Err(ModelError::ApiMisuse {
            what: "model recipient is not a party",
        });
    }
    if cfg.batch == 0 || layout.rows() == 0 || layout.features() == 0 {
        return Err(ModelError::ApiMisuse {
            what: "batch, rows and features must be positive",
        });
    }
    if !(cfg.lr.is_finite() && cfg.lr > 0.0) {
        return Err(ModelError::ApiMisuse {
            what: "learning rate must be positive",
        });
    }
    Ok(())
}

/// The exact preprocessing one party's [`train`] run consumes (the same at every party), so
/// that MASCOT can make exactly that before the online phase starts.
///
/// # Errors
/// [`ModelError::ApiMisuse`] for a layout or configuration [`train`] refuses.
pub fn training_budget(
    params: &FixedParams,
    layout: &Layout,
    classes: usize,
    cfg: &TrainConfig,
    reveal: Reveal,
) -> Result<Budget, ModelError> {
    check(layout, classes, cfg, reveal)?;
    let d = layout.features();
    let k = outputs(classes);
    let w1 = d + 1;
    let mut b = Budget::zero();
    // Step 1: the sums Σx, Σx² of every party (rows partition).
    if let Layout::Rows { .. } = layout {
        for p in 0..layout.parties() {
            b += &sums_cost(params, p, 2 * d);
        }
    }
    // Step 2: the features (and labels).
    for p in 0..layout.parties() {
        b += &input_cost(params, p, layout.inputs_of(p, k));
    }
    // Step 3: per batch of m rows (m·k scores).
    let per_score = sigmoid_cost(params, cfg.sigmoid)?;
    let mut epoch = Budget::zero();
    for batch in batches(layout.rows(), cfg.batch) {
        let mk = batch.len() * k;
        epoch += &Budget::triples(2 * mk * w1);
        epoch += &(params.cost_trunc(FORWARD_BITS) * mk);
        epoch += &(per_score.clone() * mk);
    }
    b += &(epoch * cfg.epochs);
    // Step 4.
    if let Reveal::To(p) = reveal {
        b += &Budget::input_masks(p, k * w1);
    }
    Ok(b)
}

fn encode(params: &FixedParams, x: f64) -> Result<Fp, ModelError> {
    params
        .encoding()
        .and_then(|e| {
            e.encode(x).map_err(|_| OnlineError::ApiMisuse {
                what: "constant not encodable",
            })
        })
        .map_err(ModelError::from)
}

/// Trains a binary logistic regression (see the module docs). Every party calls it with the
/// same `layout`, `cfg` and `reveal`; `progress`, if given, counts the batches done. The
/// handle is taken and given back (the comparisons run with narrower fixed-point
/// parameters, set and reset on the handle).
///
/// # Errors
/// [`ModelError::ApiMisuse`] for sizes that do not fit the layout; [`ModelError::Online`] for
/// any failure of the online phase (an abort releases nothing).
pub async fn train<T: Transport, P: Preprocessing<Fp>>(
    mut party: Party<T, P, Fp>,
    layout: &Layout,
    classes: usize,
    local: LocalData<'_>,
    cfg: &TrainConfig,
    reveal: Reveal,
    progress: Option<&AtomicUsize>,
) -> Result<(Party<T, P, Fp>, Trained), ModelError> {
    check(layout, classes, cfg, reveal)?;
    let k = outputs(classes);
    if party.parties() != layout.parties() {
        return Err(ModelError::ApiMisuse {
            what: "layout is for another number of parties",
        });
    }
    let params = party.fixed_params();
    let cmp = compare_params(&params)?;
    let wf = weight_frac_bits(&params);
    let me = party.id();
    let d = layout.features();
    let w1 = d + 1;
    let n = layout.rows();
    let my_width = match layout {
        Layout::Rows { features, .. } => *features,
        Layout::Columns { features, .. } => features[me],
    };
    let my_rows = match layout {
        Layout::Rows { rows, .. } => rows[me],
        Layout::Columns { rows, .. } => *rows,
    };
    let holds_labels = match layout {
        Layout::Rows { .. } => true,
        Layout::Columns { label_owner, .. } => *label_owner == me,
    };
    if local.x.len() != my_rows * my_width
        || local.y.map(<[usize]>::len) != holds_labels.then_some(my_rows)
        || local.y.is_some_and(|y| y.iter().any(|&l| l >= classes))
    {
        return Err(ModelError::ApiMisuse {
            what: "local data does not fit the layout (or a label is not a class)",
        });
    }

    // Step 1: standardisation.
    let standardizer = match layout {
        Layout::Rows { .. } => {
            let (s, q) = Standardizer::sums(local.x, d);
            let mine: Vec<f64> = s.iter().chain(&q).copied().collect();
            let specs: Vec<_> = (0..layout.parties())
                .map(|p| (p, (p == me).then_some(&mine[..]), 2 * d))
                .collect();
            let sums_in = party
                .input_fixed_many_bounded(&specs, sum_bits(&params))
                .await?;
            let mut total = Shared::zeros(2 * d);
            for v in &sums_in {
                total = &total + v;
            }
            // Revealed on purpose: the pooled Σx and Σx² per feature (with the public row
            // count, the mean and deviation the standardisation needs).
            let sums = party.reveal_fixed(&total).await?;
            Standardizer::from_sums(&sums[..d], &sums[d..], n)
        }
        Layout::Columns { .. } => Standardizer::fit(local.x, my_width),
    };

    // Step 2: inputs.
    let mut mine = standardizer.apply(local.x);
    if let Some(y) = local.y {
        // Binary: the label; more classes: its one-hot encoding.
        for &l in y {
            if k == 1 {
                mine.push(f64::from(u8::from(l == 1)));
            } else {
                mine.extend((0..k).map(|c| f64::from(u8::from(c == l))));
            }
        }
    }
    // One range proof for everyone's inputs.
    let specs: Vec<_> = (0..layout.parties())
        .map(|p| (p, (p == me).then_some(&mine[..]), layout.inputs_of(p, k)))
        .collect();
    let parts = party.input_fixed_many(&specs).await?;
    drop(mine);
    let ones = party.public_fixed(&vec![1.0; n])?;
    let (x, y) = assemble(layout, k, &parts, &ones);
    drop(parts);

    // Step 3: training.
    let half = encode(&params, 0.5)?;
    let one = encode(&params, 1.0)?;
    let mut w = Shared::zeros(k * w1);
    for _ in 0..cfg.epochs {
        for batch in batches(n, cfg.batch) {
            let m = batch.len();
            let mk = m * k;
            let xb = x.slice(batch.start * w1, m * w1);
            let yb = y.slice(batch.start * k, mk);
            // Element (i, c, j) of both products: x_ij times w_cj (forward), e_ic (gradient).
            let xrep: Vec<usize> = (0..mk * w1).map(|t| (t / (k * w1)) * w1 + t % w1).collect();
            let xr = xb.gather(&xrep);
            let wrep: Vec<usize> = (0..mk * w1).map(|t| t % (k * w1)).collect();
            // z_ic = Σ_j x_ij w_cj (4f fractional bits), one truncation per score.
            let prod = party.mul(&xr, &w.gather(&wrep)).await?;
            let z4: Vec<Shared<Fp>> = (0..mk).map(|t| prod.slice(t * w1, w1).sum()).collect();
            let z4 = Shared::concat(&z4.iter().collect::<Vec<_>>());
            let s = match cfg.sigmoid {
                Sigmoid::Exact => {
                    let z = party.trunc_pr(&z4, FORWARD_BITS, wf).await?;
                    party.sigmoid(&z).await?
                }
                Sigmoid::Linear => {
                    // u = 0.5 + z/4: the /4 folded into the truncation.
                    let q = party.trunc_pr(&z4, FORWARD_BITS, wf + 2).await?;
                    party.add_public_scalar(&q, half)?
                }
                Sigmoid::Clamped => {
                    let q = party.trunc_pr(&z4, FORWARD_BITS, wf + 2).await?;
                    let u = party.add_public_scalar(&q, half)?;
                    let u1 = party.add_public_scalar(&u, -one)?;
                    // a = [u < 0], b = [u < 1] (a ⇒ b); clamp(u) = (b − a)·u + (1 − b).
                    party = party.with_fixed_params(cmp);
                    let bits = party.ltz(&Shared::concat(&[&u, &u1])).await;
                    party = party.with_fixed_params(params);
                    let bits = bits?;
                    let (a, b) = (bits.slice(0, mk), bits.slice(mk, mk));
                    let mid = party.mul(&(&b - &a), &u).await?;
                    let top = party.add_public_scalar(&(-&b).scale(one), one)?;
                    &mid + &top
                }
            };
            let e = &s - &yb;
            // G_cj = Σ_i e_ic x_ij (2f bits), then W ← W − c̃·G (3f bits, exact) with
            // c̃ = round(lr/m·2^f).
            let erep: Vec<usize> = (0..mk * w1).map(|t| t / w1).collect();
            let gp = party.mul(&xr, &e.gather(&erep)).await?;
            let g: Vec<Shared<Fp>> = (0..k * w1)
                .map(|cj| {
                    let (c, j) = (cj / w1, cj % w1);
                    let idx: Vec<usize> = (0..m).map(|i| (i * k + c) * w1 + j).collect();
                    gp.gather(&idx).sum()
                })
                .collect();
            let g = Shared::concat(&g.iter().collect::<Vec<_>>());
            #[allow(clippy::cast_precision_loss)]
            let c = encode(&params, cfg.lr / m as f64)?;
            w = &w - &g.scale(c);
            if let Some(p) = progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    // Step 4: output.
    let weights = match reveal {
        Reveal::All => Some(decode_weights(party.reveal(&w).await?.values(), wf)),
        Reveal::To(owner) => party
            .reveal_to(owner, &w)
            .await?
            .map(|o| decode_weights(o.values(), wf)),
        Reveal::None => {
            // Nothing is opened, but the checks still run so that the shares are known good.
            party.check().await?;
            None
        }
    };
    Ok((
        party,
        Trained {
            weights,
            shares: w,
            standardizer,
        },
    ))
}

/// Opened weights at `bits` fractional bits as reals.
fn decode_weights(values: &[Fp], bits: u32) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss)] // a real result is the point
    let scale = (1u128 << bits) as f64;
    #[allow(clippy::cast_precision_loss)]
    values.iter().map(|v| v.to_i128() as f64 / scale).collect()
}

/// `X` (rows × (features + 1), the bias last) and `y` from the input parts and public ones.
fn assemble(
    layout: &Layout,
    k: usize,
    parts: &[Shared<Fp>],
    ones: &Shared<Fp>,
) -> (Shared<Fp>, Shared<Fp>) {
    let n = layout.rows();
    let d = layout.features();
    let mut all: Vec<&Shared<Fp>> = parts.iter().collect();
    all.push(ones);
    let cat = Shared::concat(&all);
    let offsets: Vec<usize> = parts
        .iter()
        .scan(0, |o, p| {
            let here = *o;
            *o += p.len();
            Some(here)
        })
        .collect();
    let ones_at = offsets.last().copied().unwrap_or(0) + parts.last().map_or(0, Shared::len);
    let mut xi = Vec::with_capacity(n * (d + 1));
    let mut yi = Vec::with_capacity(n);
    match layout {
        Layout::Rows { rows, features } => {
            let mut global = 0;
            for (p, &np) in rows.iter().enumerate() {
                for r in 0..np {
                    let base = offsets[p] + r * features;
                    xi.extend(base..base + features);
                    xi.push(ones_at + global);
                    let at = offsets[p] + np * features + r * k;
                    yi.extend(at..at + k);
                    global += 1;
                }
            }
        }
        Layout::Columns {
            rows,
            features,
            label_owner,
        } => {
            for r in 0..*rows {
                for (p, &dp) in features.iter().enumerate() {
                    let base = offsets[p] + r * dp;
                    xi.extend(base..base + dp);
                }
                xi.push(ones_at + r);
                let at = offsets[*label_owner] + rows * features[*label_owner] + r * k;
                yi.extend(at..at + k);
            }
        }
    }
    (cat.gather(&xi), cat.gather(&yi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The acceptance run's budget, counted by hand: 456 rows in 14 batches of 32 and one of
    /// 8, `d + 1 = 31`, 10 epochs, the clamped sigmoid.
    #[test]
    fn acceptance_budget_by_hand() {
        let p = FixedParams::default();
        let layout = Layout::Rows {
            rows: vec![152; 3],
            features: 30,
        };
        let b = training_budget(&p, &layout, 2, &TrainConfig::default(), Reveal::All).unwrap();
        // Products 2·456·31 per epoch; per row 2 comparisons (2·30 triples) + 1 product.
        assert_eq!(b.triples, 10 * (2 * 456 * 31 + 456 * 121));
        // Per row: forward TruncPR (80 + 40 bits), 2 comparisons (32 + 40); the updates are
        // exact (no truncation).
        assert_eq!(b.bits, 10 * (456 * 120 + 2 * 456 * 72));
        // The range proofs: K = 48 bits per local sum (2·30 per party), K = 32 per feature
        // and label (152·31 per party); a square and an input mask per bit.
        let proof = 3 * (48 * 2 * 30 + 32 * 152 * 31);
        assert_eq!(b.squares, proof);
        assert_eq!(b.input_masks, vec![48 * 2 * 30 + 32 * 152 * 31; 3]);
        assert_eq!((b.triples, b.bits), (834_480, 1_203_840));
        let to1 = training_budget(&p, &layout, 2, &TrainConfig::default(), Reveal::To(1)).unwrap();
        assert_eq!(to1.masks_for(1), b.masks_for(1) + 31);
        for s in [Sigmoid::Exact, Sigmoid::Linear, Sigmoid::Clamped] {
            let c = sigmoid_cost_per_element(&p, s).unwrap();
            eprintln!(
                "{}: {} bits, {} triples per element",
                s.name(),
                c.bits,
                c.triples
            );
        }
        assert!(matches!(
            training_budget(&p, &layout, 2, &TrainConfig::default(), Reveal::To(3)),
            Err(ModelError::ApiMisuse { .. })
        ));
    }
}
