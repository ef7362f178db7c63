//! Secure inference: a linear model and records, both secret, scored by the parties; the
//! predicted labels revealed to the records' owner only.
//!
//! Where the model comes from:
//! - **kept in shares** from [`crate::secure::train`] ([`crate::Trained::shares`], at
//!   [`weight_frac_bits`] fractional bits), possibly across sessions through each party's
//!   [`crate::share_file`]; the records' owner standardises its rows with the model's public
//!   standardisation (rows partition: the pooled mean and deviation) and inputs them as
//!   fixed point ([`Records::Fixed`]);
//! - **one party's plaintext model** ([`input_model`]): the model's owner folds its
//!   standardisation into the weights ([`fold`]: `w'_j = w_j/σ_j`, `b' = b − Σ_j w_j μ_j/σ_j`)
//!   and inputs them range-proven at [`MODEL_INPUT_FRAC_BITS`]; the records' owner inputs its
//!   raw rows, as fixed point or, for integer features such as pixels, as range-proven
//!   unsigned integers ([`Records::Uint`], `bits` squares per value instead of `K`).
//!
//! Scoring ([`score`]): `z = W·[x, 1]` (one product per weight and row, one Beaver round),
//! one probabilistic truncation per score to `f` fractional bits, then the decision: binary
//! `z > 0` by one comparison; more classes the first highest score by a tournament of
//! comparisons (ties keep the lower class, as the plaintext [`crate::Model::predict`]). Every
//! record and weight is range-proven before its product is truncated, so the truncation's
//! and the comparisons' statistical masking holds whatever a cheating owner inputs.

use spdz_field::{Field, Fp};
use spdz_net::{PartyId, Transport};
use spdz_offline::Preprocessing;
use spdz_online::{Budget, FixedParams, Party, Shared};

use crate::plain::{Model, Standardizer};
use crate::secure::{COMPARE_BITS, FORWARD_BITS, ModelError, weight_frac_bits};

/// Fractional bits of a plaintext model input by its owner ([`input_model`]).
pub const MODEL_INPUT_FRAC_BITS: u32 = 32;
/// The range proof of a plaintext model's weights: `|w̃| < 2^(K−1)` at
/// [`MODEL_INPUT_FRAC_BITS`], i.e. `|w'| < 2^15` for every folded weight.
pub const MODEL_INPUT_BITS: u32 = 48;

/// How the records' owner inputs its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Records {
    /// Fixed point at `f` fractional bits, each value range-proven with the party's input
    /// bound `K` (`|x| < 2^(K−1−f)`).
    Fixed,
    /// Unsigned integers `0 ≤ x < 2^bits` (pixels: 8), range-proven with `bits` squares each.
    Uint {
        /// Bits per value (1..=32).
        bits: u32,
    },
}

impl Records {
    fn frac_bits(self, params: &FixedParams) -> u32 {
        match self {
            Records::Fixed => params.frac_bits(),
            Records::Uint { .. } => 0,
        }
    }

    fn cost(self, params: &FixedParams, owner: PartyId, n: usize) -> Budget {
        match self {
            Records::Fixed => params.cost_input_fixed(owner, n),
            Records::Uint { bits } => params.cost_input_uint(owner, n, bits),
        }
    }
}

/// Number of weight rows of a model of `classes` classes (binary: one).
#[must_use]
pub fn outputs(classes: usize) -> usize {
    if classes == 2 { 1 } else { classes }
}

/// The model's weights on raw features: its standardisation folded in
/// (`w'_j = w_j/σ_j`, `b' = b − Σ_j w_j μ_j/σ_j`, per output row). `W'·[x, 1]` equals
/// `W·[(x − μ)/σ, 1]` up to `f64` rounding.
#[must_use]
pub fn fold(model: &Model, st: &Standardizer) -> Vec<f64> {
    let d = model.features;
    let w1 = d + 1;
    let mut out = Vec::with_capacity(model.weights.len());
    for row in model.weights.chunks_exact(w1) {
        let mut bias = row[d];
        for ((w, m), s) in row[..d].iter().zip(&st.mean).zip(&st.std) {
            let w = w / s;
            bias -= w * m;
            out.push(w);
        }
        out.push(bias);
    }
    out
}

fn model_params(params: &FixedParams) -> Result<FixedParams, ModelError> {
    FixedParams::new(
        MODEL_INPUT_FRAC_BITS,
        MODEL_INPUT_FRAC_BITS + MODEL_INPUT_BITS,
        params.stat_bits(),
    )
    .map(|p| p.with_input_bits(MODEL_INPUT_BITS))
    .and_then(|p| p)
    .map_err(|_| ModelError::ApiMisuse {
        what: "fixed-point parameters leave no room for the model's input",
    })
}

/// The preprocessing of [`input_model`]: `classes` classes over `features` features.
///
/// # Errors
/// [`ModelError::ApiMisuse`] for unusable fixed-point parameters.
pub fn model_input_cost(
    params: &FixedParams,
    owner: PartyId,
    features: usize,
    classes: usize,
) -> Result<Budget, ModelError> {
    let p = model_params(params)?;
    Ok(p.cost_input_fixed(owner, outputs(classes) * (features + 1)))
}

/// `owner` inputs folded weights ([`fold`]; `Some` exactly at the owner) of a model of
/// `classes` classes over `features` raw features, range-proven (`|w'| < 2^15`); returns the
/// shares at [`MODEL_INPUT_FRAC_BITS`] fractional bits, for [`score`].
///
/// # Errors
/// [`ModelError::ApiMisuse`] for sizes that do not fit; [`ModelError::Online`] for any
/// failure of the online phase (a weight out of range aborts with `InputOutOfRange`).
pub async fn input_model<T: Transport, P: Preprocessing<Fp>>(
    party: Party<T, P, Fp>,
    owner: PartyId,
    folded: Option<&[f64]>,
    features: usize,
    classes: usize,
) -> Result<(Party<T, P, Fp>, Shared<Fp>), ModelError> {
    let n = outputs(classes) * (features + 1);
    if classes < 2 || owner >= party.parties() || folded.is_some_and(|w| w.len() != n) {
        return Err(ModelError::ApiMisuse {
            what: "the model's weights do not fit its classes and features",
        });
    }
    let params = party.fixed_params();
    let mut party = party.with_fixed_params(model_params(&params)?);
    let w = party.input_fixed(owner, folded, n).await;
    Ok((party.with_fixed_params(params), w?))
}

fn compare_params(params: &FixedParams, bits: u32) -> Result<FixedParams, ModelError> {
    FixedParams::new(params.frac_bits(), bits, params.stat_bits()).map_err(|_| {
        ModelError::ApiMisuse {
            what: "fixed-point parameters leave no room for the comparisons",
        }
    })
}

/// The shift that brings a score from `weight_bits + record bits` to `f` fractional bits.
fn shift(params: &FixedParams, weight_bits: u32, records: Records) -> Result<u32, ModelError> {
    let total = weight_bits + records.frac_bits(params);
    // |z| < 2^15 with `total` fractional bits must fit the truncation's bound.
    if total <= params.frac_bits() || total + 15 > FORWARD_BITS {
        return Err(ModelError::ApiMisuse {
            what: "the weights' and records' scales do not fit the truncation",
        });
    }
    Ok(total - params.frac_bits())
}

/// The preprocessing of [`score`]: `owner` inputs `rows` rows of `features` values encoded
/// as `records`, scored against a model of `classes` classes, labels revealed to `owner`.
///
/// # Errors
/// [`ModelError::ApiMisuse`] for parameters without room for the comparisons.
pub fn score_budget(
    params: &FixedParams,
    rows: usize,
    features: usize,
    classes: usize,
    owner: PartyId,
    records: Records,
) -> Result<Budget, ModelError> {
    let k = outputs(classes);
    let decide = if k == 1 {
        compare_params(params, COMPARE_BITS)?.cost_ltz() * rows
    } else {
        // A tournament: K − 1 comparisons and 2 products each per row.
        (compare_params(params, COMPARE_BITS + 1)?.cost_ltz() + Budget::triples(2))
            * (rows * (k - 1))
    };
    Ok(records.cost(params, owner, rows * features)
        + Budget::triples(rows * k * (features + 1))
        + params.cost_trunc(FORWARD_BITS) * (rows * k)
        + decide
        + Budget::input_masks(owner, rows))
}

/// Secure inference: party `owner` inputs `rows` rows (`x`, row-major, `Some` only at the
/// owner) encoded as `records`, scored against `weights` (this party's shares, at
/// `weight_bits` fractional bits: [`weight_frac_bits`] for a trained model kept in shares,
/// [`MODEL_INPUT_FRAC_BITS`] from [`input_model`]) of `classes` classes. Neither the model
/// nor the rows are opened; the predicted labels are revealed to `owner` only, after the
/// checks. Every party calls it with the same public sizes.
///
/// # Errors
/// [`ModelError::ApiMisuse`] for sizes that do not fit, or a value of [`Records::Uint`] that
/// is not an integer in range (at the owner, before anything is sent);
/// [`ModelError::Online`] for any failure of the online phase (an abort releases nothing).
#[allow(clippy::too_many_arguments)] // the public sizes of one call, all needed
pub async fn score<T: Transport, P: Preprocessing<Fp>>(
    mut party: Party<T, P, Fp>,
    weights: &Shared<Fp>,
    weight_bits: u32,
    classes: usize,
    owner: PartyId,
    x: Option<&[f64]>,
    rows: usize,
    records: Records,
) -> Result<(Party<T, P, Fp>, Option<Vec<usize>>), ModelError> {
    let k = outputs(classes.max(2));
    let w1 = weights.len() / k;
    let d = w1.saturating_sub(1);
    if classes < 2 || w1 < 2 || weights.len() != k * w1 || owner >= party.parties() || rows == 0 {
        return Err(ModelError::ApiMisuse {
            what: "inference needs a model of its classes, a party as owner and rows",
        });
    }
    if (party.id() == owner) != x.is_some() || x.is_some_and(|x| x.len() != rows * d) {
        return Err(ModelError::ApiMisuse {
            what: "rows must be given (rows × features) exactly at the owner",
        });
    }
    let params = party.fixed_params();
    let cmp = compare_params(&params, COMPARE_BITS)?;
    let cmp2 = compare_params(&params, COMPARE_BITS + 1)?;
    let by = shift(&params, weight_bits, records)?;
    let xs = match records {
        Records::Fixed => party.input_fixed(owner, x, rows * d).await?,
        Records::Uint { bits } => {
            if !(1..=32).contains(&bits) {
                return Err(ModelError::ApiMisuse {
                    what: "integer records need 1..=32 bits",
                });
            }
            let limit = f64::from(bits).exp2();
            let ints = match x {
                Some(x) => Some(
                    x.iter()
                        .map(|&v| {
                            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                            let i = v as u64; // checked to be exact just below
                            #[allow(clippy::cast_precision_loss)]
                            let exact = v >= 0.0 && v < limit && i as f64 == v;
                            exact.then_some(i).ok_or(ModelError::ApiMisuse {
                                what: "an integer record is not an integer in 0..2^bits",
                            })
                        })
                        .collect::<Result<Vec<u64>, _>>()?,
                ),
                None => None,
            };
            party
                .input_uint(owner, ints.as_deref(), rows * d, bits)
                .await?
        }
    };
    // The bias's constant 1 at the records' scale.
    let one = match records {
        Records::Fixed => party.public_fixed(&vec![1.0; rows])?,
        Records::Uint { .. } => party.public(&vec![Fp::ONE; rows])?,
    };
    // Element (i, c, j): x_ij (x_i0..x_i(d−1), then 1) times w_cj.
    let cat = Shared::concat(&[&xs, &one]);
    let xi: Vec<usize> = (0..rows * k * w1)
        .map(|t| {
            let (i, j) = (t / (k * w1), t % w1);
            if j < d { i * d + j } else { rows * d + i }
        })
        .collect();
    let wi: Vec<usize> = (0..rows * k * w1).map(|t| t % (k * w1)).collect();
    let prod = party.mul(&cat.gather(&xi), &weights.gather(&wi)).await?;
    let z4: Vec<Shared<Fp>> = (0..rows * k)
        .map(|t| prod.slice(t * w1, w1).sum())
        .collect();
    let z4 = Shared::concat(&z4.iter().collect::<Vec<_>>());
    let z = party.trunc_pr(&z4, FORWARD_BITS, by).await?;
    let label = if k == 1 {
        party = party.with_fixed_params(cmp);
        let neg = party.ltz(&z).await;
        party = party.with_fixed_params(params);
        // label = 1 − [z < 0]
        party.add_public_scalar(&(-&neg?), Fp::ONE)?
    } else {
        let (p, best) = argmax(party, &z, rows, k, cmp2, params).await?;
        party = p;
        best
    };
    let out = party.reveal_to(owner, &label).await?;
    let labels = out.map(|o| {
        o.values()
            .iter()
            .map(|v| usize::try_from(v.to_i128()).unwrap_or(usize::MAX))
            .collect()
    });
    Ok((party, labels))
}

/// The index of the first highest of `k` scores per row (`z` row-major, `rows × k`), by a
/// tournament over the classes of (score, index) pairs: the right one wins a pair only if its
/// score is strictly higher, so ties keep the lower index, as in plaintext.
async fn argmax<T: Transport, P: Preprocessing<Fp>>(
    mut party: Party<T, P, Fp>,
    z: &Shared<Fp>,
    rows: usize,
    k: usize,
    cmp: FixedParams,
    params: FixedParams,
) -> Result<(Party<T, P, Fp>, Shared<Fp>), ModelError> {
    let mut cand: Vec<(Shared<Fp>, Shared<Fp>)> = (0..k)
        .map(|c| {
            let idx: Vec<usize> = (0..rows).map(|i| i * k + c).collect();
            let c = Fp::from_u64(c as u64);
            Ok((z.gather(&idx), party.public(&vec![c; rows])?))
        })
        .collect::<Result<_, ModelError>>()?;
    while cand.len() > 1 {
        let pairs = cand.len() / 2;
        let diffs: Vec<Shared<Fp>> = (0..pairs)
            .map(|p| &cand[2 * p].0 - &cand[2 * p + 1].0)
            .collect();
        party = party.with_fixed_params(cmp);
        let right = party
            .ltz(&Shared::concat(&diffs.iter().collect::<Vec<_>>()))
            .await;
        party = party.with_fixed_params(params);
        let right = right?;
        let mut lhs = Vec::with_capacity(2 * pairs);
        let mut rhs = Vec::with_capacity(2 * pairs);
        for p in 0..pairs {
            let b = right.slice(p * rows, rows);
            let (l, r) = (&cand[2 * p], &cand[2 * p + 1]);
            lhs.push(b.clone());
            rhs.push(&r.0 - &l.0);
            lhs.push(b);
            rhs.push(&r.1 - &l.1);
        }
        let prod = party
            .mul(
                &Shared::concat(&lhs.iter().collect::<Vec<_>>()),
                &Shared::concat(&rhs.iter().collect::<Vec<_>>()),
            )
            .await?;
        let mut next = Vec::with_capacity(pairs + 1);
        for p in 0..pairs {
            let l = &cand[2 * p];
            let ds = prod.slice(2 * p * rows, rows);
            let di = prod.slice((2 * p + 1) * rows, rows);
            next.push((&l.0 + &ds, &l.1 + &di));
        }
        if cand.len() % 2 == 1
            && let Some(last) = cand.pop()
        {
            next.push(last);
        }
        cand = next;
    }
    let best = cand
        .pop()
        .map(|c| c.1)
        .ok_or(ModelError::ApiMisuse { what: "no classes" })?;
    Ok((party, best))
}

/// [`score`] of standardised fixed-point records against a trained model kept in shares
/// ([`weight_frac_bits`]).
///
/// # Errors
/// As [`score`].
pub async fn infer<T: Transport, P: Preprocessing<Fp>>(
    party: Party<T, P, Fp>,
    weights: &Shared<Fp>,
    classes: usize,
    owner: PartyId,
    x: Option<&[f64]>,
    rows: usize,
) -> Result<(Party<T, P, Fp>, Option<Vec<usize>>), ModelError> {
    let wf = weight_frac_bits(&party.fixed_params());
    score(party, weights, wf, classes, owner, x, rows, Records::Fixed).await
}

/// The preprocessing of [`infer`].
///
/// # Errors
/// As [`score_budget`].
pub fn inference_budget(
    params: &FixedParams,
    rows: usize,
    features: usize,
    classes: usize,
    owner: PartyId,
) -> Result<Budget, ModelError> {
    score_budget(params, rows, features, classes, owner, Records::Fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_the_standardisation_keeps_the_scores() {
        let model = Model {
            weights: vec![0.5, -1.25, 0.3, 2.0, 0.1, -0.7],
            features: 2,
            classes: 2,
        };
        let model3 = Model {
            weights: vec![0.5, -1.25, 0.3, 2.0, 0.1, -0.7, 1.0, 1.0, 1.0],
            features: 2,
            classes: 3,
        };
        let st = Standardizer {
            mean: vec![10.0, -3.0],
            std: vec![4.0, 0.5],
        };
        for m in [
            &Model {
                weights: model.weights[..3].to_vec(),
                ..model.clone()
            },
            &model3,
        ] {
            let folded = Model {
                weights: fold(m, &st),
                ..m.clone()
            };
            for x in [[0.0, 0.0], [12.0, -2.5], [-7.5, 100.0]] {
                let a = m.scores(&st.apply(&x));
                let b = folded.scores(&x);
                for (a, b) in a.iter().zip(&b) {
                    assert!((a - b).abs() < 1e-9, "{a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn scales_must_fit_the_truncation() {
        let p = FixedParams::default();
        assert_eq!(shift(&p, weight_frac_bits(&p), Records::Fixed).unwrap(), 48);
        assert_eq!(
            shift(&p, MODEL_INPUT_FRAC_BITS, Records::Fixed).unwrap(),
            32
        );
        assert_eq!(
            shift(&p, MODEL_INPUT_FRAC_BITS, Records::Uint { bits: 8 }).unwrap(),
            16
        );
        assert!(shift(&p, 16, Records::Uint { bits: 8 }).is_err());
        assert!(shift(&p, 70, Records::Fixed).is_err());
    }

    /// Budgets by hand: breast cancer's 113 test rows (binary) and digits' 359 (10 classes, 9
    /// comparisons per row); MNIST's 1,000 rows as 8-bit integers.
    #[test]
    fn score_budget_by_hand() {
        let p = FixedParams::default();
        let b = inference_budget(&p, 113, 30, 2, 0).unwrap();
        assert_eq!(b.triples, 113 * 31 + 113 * 60);
        assert_eq!(b.bits, 113 * 120 + 113 * 72);
        assert_eq!(b.input_masks, vec![32 * 113 * 30 + 113]);
        assert_eq!(b.squares, 32 * 113 * 30);
        let b = inference_budget(&p, 359, 64, 10, 1).unwrap();
        assert_eq!(b.triples, 359 * 10 * 65 + 359 * 9 * (62 + 2));
        assert_eq!(b.bits, 359 * 10 * 120 + 359 * 9 * 73);
        assert_eq!(b.input_masks, vec![0, 32 * 359 * 64 + 359]);
        let b = score_budget(&p, 1000, 784, 10, 1, Records::Uint { bits: 8 }).unwrap();
        assert_eq!(b.squares, 8 * 1000 * 784);
        assert_eq!(b.triples, 1000 * 10 * 785 + 1000 * 9 * 64);
        let m = model_input_cost(&p, 0, 784, 10).unwrap();
        assert_eq!(m.squares, 48 * 10 * 785);
        assert_eq!(m.input_masks, vec![48 * 10 * 785]);
    }
}
