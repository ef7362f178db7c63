//! The plaintext `f64` trainer: the same algorithm as the secure trainer ([`crate::secure`]),
//! on the same rows in the same order, so that the accuracy gap and the weight difference
//! of every secure run can be shown beside it.
//!
//! Algorithm (both trainers):
//! - features standardised with the TRAIN mean and population standard deviation (a
//!   deviation below [`MIN_STD`] is replaced by 1); a constant 1 appended (the bias, last);
//! - weights start at zero; for each epoch, the train rows in order (no shuffling) are cut
//!   into consecutive batches of `batch` rows (the last one shorter, [`batches`]);
//! - binary: `w ← w − (lr/|B|)·Σ_{i∈B} (σ̂(x_i·w) − y_i)·x_i` with the sigmoid (or its
//!   approximation, [`Sigmoid`]) `σ̂`;
//! - multinomial: one weight row per class, `p_i = softmax(W x_i)`,
//!   `W ← W − (lr/|B|)·Σ_{i∈B} (p_i − onehot(y_i)) x_iᵀ` (the cross-entropy gradient).

use std::ops::Range;

/// Standard deviations below this are replaced by 1 (constant columns, e.g. digits' corners).
pub const MIN_STD: f64 = 1e-9;

/// The sigmoid or one of its approximations (see `papers/model.md` for the costs and errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sigmoid {
    /// `1/(1 + e^−x)`: the online phase's exact [`spdz_online::Party::sigmoid`]
    /// (2216 bits + 276 triples per element with the default parameters).
    Exact,
    /// `0.5 + x/4`, the first-order Taylor polynomial: no preprocessing beyond the product's
    /// truncation (the `/4` is folded into it); unbounded error for large `|x|`.
    Linear,
    /// `clamp(0.5 + x/4, 0, 1)`: the Taylor line cut at 0 and 1 (a 3-piece linear function):
    /// two comparisons and one product per element; error ≤ 0.12 (at `|x| = 2`).
    Clamped,
}

impl Sigmoid {
    /// The function in `f64`.
    #[must_use]
    pub fn eval(self, x: f64) -> f64 {
        match self {
            Sigmoid::Exact => 1.0 / (1.0 + (-x).exp()),
            Sigmoid::Linear => 0.5 + x / 4.0,
            Sigmoid::Clamped => (0.5 + x / 4.0).clamp(0.0, 1.0),
        }
    }

    /// Its name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Sigmoid::Exact => "exact",
            Sigmoid::Linear => "linear",
            Sigmoid::Clamped => "clamped",
        }
    }

    /// The approximation called `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Sigmoid::Exact, Sigmoid::Linear, Sigmoid::Clamped]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// Training hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the train rows.
    pub epochs: usize,
    /// Rows per batch (the last batch of an epoch may be shorter).
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// The sigmoid used by binary training (and per class by [`Multiclass::OneVsRest`]).
    pub sigmoid: Sigmoid,
    /// How more than two classes are trained.
    pub multiclass: Multiclass,
}

/// The output layer of multinomial training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiclass {
    /// `p = softmax(W x)`, the cross-entropy gradient `(p − onehot(y)) xᵀ` (plaintext only:
    /// its exp and division cost more than 2,700 bits per class and row in secure form).
    Softmax,
    /// One sigmoid per class, `p_c = σ̂(w_c·x)` with the configured [`Sigmoid`], the same
    /// gradient form `(p − onehot(y)) xᵀ`: K binary regressions trained together, predicting
    /// the highest score. What the secure trainer runs for more than two classes.
    OneVsRest,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch: 32,
            lr: 0.1,
            sigmoid: Sigmoid::Clamped,
            multiclass: Multiclass::OneVsRest,
        }
    }
}

/// The batches of one epoch over `rows` rows: consecutive, `batch` long, the last shorter.
#[must_use]
pub fn batches(rows: usize, batch: usize) -> Vec<Range<usize>> {
    let batch = batch.max(1);
    (0..rows.div_ceil(batch))
        .map(|b| b * batch..((b + 1) * batch).min(rows))
        .collect()
}

/// Per-feature mean and population standard deviation of the train rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    /// Means.
    pub mean: Vec<f64>,
    /// Standard deviations (≥ [`MIN_STD`], or 1 for a constant column).
    pub std: Vec<f64>,
}

impl Standardizer {
    /// From per-feature sums `Σx` and `Σx²` over `n` rows (what the parties compute securely).
    #[must_use]
    pub fn from_sums(sum: &[f64], sum_sq: &[f64], n: usize) -> Self {
        #[allow(clippy::cast_precision_loss)] // row counts are far below 2^52
        let n = n.max(1) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sum_sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| {
                let var = (q / n - m * m).max(0.0);
                let s = var.sqrt();
                if s < MIN_STD { 1.0 } else { s }
            })
            .collect();
        Self { mean, std }
    }

    /// Sums `Σx` and `Σx²` per feature of row-major `x` with `width` features.
    #[must_use]
    pub fn sums(x: &[f64], width: usize) -> (Vec<f64>, Vec<f64>) {
        let mut s = vec![0.0; width];
        let mut q = vec![0.0; width];
        for row in x.chunks_exact(width.max(1)) {
            for j in 0..width {
                s[j] += row[j];
                q[j] += row[j] * row[j];
            }
        }
        (s, q)
    }

    /// From row-major `x` with `width` features.
    #[must_use]
    pub fn fit(x: &[f64], width: usize) -> Self {
        let (s, q) = Self::sums(x, width);
        Self::from_sums(&s, &q, x.len() / width.max(1))
    }

    /// `(x − mean)/std` for every row.
    #[must_use]
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let w = self.mean.len().max(1);
        x.chunks_exact(w)
            .flat_map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(j, v)| (v - self.mean[j]) / self.std[j])
            })
            .collect()
    }
}

/// A linear model: `classes == 2` is one weight row (binary logistic regression), more is one
/// row per class (multinomial). Each row has `features + 1` weights, the bias last.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Weights, row-major.
    pub weights: Vec<f64>,
    /// Number of features.
    pub features: usize,
    /// Number of classes.
    pub classes: usize,
}

impl Model {
    fn rows(&self) -> usize {
        if self.classes == 2 { 1 } else { self.classes }
    }

    /// The scores `W·[x, 1]` of one standardised row.
    #[must_use]
    pub fn scores(&self, x: &[f64]) -> Vec<f64> {
        let w = self.features + 1;
        (0..self.rows())
            .map(|c| {
                let row = &self.weights[c * w..(c + 1) * w];
                row[..self.features]
                    .iter()
                    .zip(x)
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    + row[self.features]
            })
            .collect()
    }

    /// The predicted class of one standardised row.
    #[must_use]
    pub fn predict(&self, x: &[f64]) -> usize {
        let s = self.scores(x);
        if self.classes == 2 {
            usize::from(s.first().is_some_and(|&v| v > 0.0))
        } else {
            s.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (c, &v)| {
                    if v > best.1 { (c, v) } else { best }
                })
                .0
        }
    }

    /// Fraction of the rows (standardised, row-major) predicted right.
    #[must_use]
    pub fn accuracy(&self, x: &[f64], y: &[usize]) -> f64 {
        let right = x
            .chunks_exact(self.features.max(1))
            .zip(y)
            .filter(|(row, l)| self.predict(row) == **l)
            .count();
        #[allow(clippy::cast_precision_loss)]
        let acc = right as f64 / y.len().max(1) as f64;
        acc
    }
}

/// Trains on standardised row-major `x` (`width` features) and labels `y` in `0..classes`:
/// binary logistic regression for 2 classes, multinomial otherwise.
#[must_use]
pub fn train(x: &[f64], y: &[usize], width: usize, classes: usize, cfg: &TrainConfig) -> Model {
    let rows = y.len();
    let w1 = width + 1;
    let k = if classes == 2 { 1 } else { classes };
    let mut weights = vec![0.0; k * w1];
    let mut xb = Vec::with_capacity(w1);
    for _ in 0..cfg.epochs {
        for b in batches(rows, cfg.batch) {
            #[allow(clippy::cast_precision_loss)]
            let step = cfg.lr / b.len() as f64;
            let mut grad = vec![0.0; k * w1];
            for i in b {
                xb.clear();
                xb.extend_from_slice(&x[i * width..(i + 1) * width]);
                xb.push(1.0);
                let z: Vec<f64> = (0..k)
                    .map(|c| {
                        weights[c * w1..(c + 1) * w1]
                            .iter()
                            .zip(&xb)
                            .map(|(a, b)| a * b)
                            .sum()
                    })
                    .collect();
                let err: Vec<f64> = if classes == 2 {
                    #[allow(clippy::cast_precision_loss)]
                    let yi = y[i] as f64;
                    vec![cfg.sigmoid.eval(z[0]) - yi]
                } else if cfg.multiclass == Multiclass::OneVsRest {
                    z.iter()
                        .enumerate()
                        .map(|(c, &v)| cfg.sigmoid.eval(v) - f64::from(u8::from(c == y[i])))
                        .collect()
                } else {
                    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                    let s: f64 = e.iter().sum();
                    e.iter()
                        .enumerate()
                        .map(|(c, v)| v / s - f64::from(u8::from(c == y[i])))
                        .collect()
                };
                for c in 0..k {
                    for j in 0..w1 {
                        grad[c * w1 + j] += err[c] * xb[j];
                    }
                }
            }
            for (w, g) in weights.iter_mut().zip(&grad) {
                *w -= step * g;
            }
        }
    }
    Model {
        weights,
        features: width,
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, LabelSpec, split_rows};
    use std::path::Path;

    fn bundled(name: &str, classes: usize) -> Dataset {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data")
            .join(name);
        Dataset::load(
            &path,
            &LabelSpec {
                classes,
                ..LabelSpec::default()
            },
        )
        .unwrap()
    }

    /// Train on the rule's train rows (party blocks concatenated = file order), test on the
    /// test rows.
    fn run(name: &str, classes: usize, cfg: &TrainConfig) -> f64 {
        let d = bundled(name, classes);
        let split = split_rows(&d, 3).unwrap();
        let tr = Dataset::concat_rows(&split.parties).unwrap();
        let st = Standardizer::fit(tr.x(), tr.width());
        let m = train(&st.apply(tr.x()), tr.y(), tr.width(), classes, cfg);
        m.accuracy(&st.apply(split.test.x()), split.test.y())
    }

    #[test]
    fn batches_cover_the_rows_in_order() {
        let b = batches(456, 32);
        assert_eq!(b.len(), 15);
        assert_eq!(b[14], 448..456);
        assert_eq!(batches(64, 32), vec![0..32, 32..64]);
        assert!(batches(0, 32).is_empty());
    }

    #[test]
    fn standardizer_from_sums_matches_fit() {
        let x = [1.0, 5.0, 3.0, 5.0, 5.0, 5.0];
        let s = Standardizer::fit(&x, 2);
        assert_eq!(s.mean, vec![3.0, 5.0]);
        assert!((s.std[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.std[1], 1.0);
    }

    #[test]
    fn breast_cancer_accuracy_per_sigmoid() {
        let mut cfg = TrainConfig {
            sigmoid: Sigmoid::Exact,
            ..TrainConfig::default()
        };
        let exact = run("breast_cancer.csv", 2, &cfg);
        cfg.sigmoid = Sigmoid::Clamped;
        let clamped = run("breast_cancer.csv", 2, &cfg);
        cfg.sigmoid = Sigmoid::Linear;
        let linear = run("breast_cancer.csv", 2, &cfg);
        eprintln!("breast cancer: exact {exact:.4} clamped {clamped:.4} linear {linear:.4}");
        // The reference: ≈ 99.1 % (112/113) with the exact sigmoid.
        assert!((exact - 112.0 / 113.0).abs() < 1e-9, "{exact}");
        assert!(clamped >= exact - 0.01, "{clamped}");
    }

    #[test]
    fn digits_multinomial_accuracy() {
        let mut cfg = TrainConfig {
            multiclass: Multiclass::Softmax,
            ..TrainConfig::default()
        };
        let softmax = run("digits.csv", 10, &cfg);
        cfg.multiclass = Multiclass::OneVsRest;
        let ovr_clamped = run("digits.csv", 10, &cfg);
        cfg.sigmoid = Sigmoid::Exact;
        let ovr_exact = run("digits.csv", 10, &cfg);
        cfg.sigmoid = Sigmoid::Linear;
        let ovr_linear = run("digits.csv", 10, &cfg);
        eprintln!(
            "digits: softmax {softmax:.4}, one-vs-rest clamped {ovr_clamped:.4} exact {ovr_exact:.4} linear {ovr_linear:.4}"
        );
        // The reference: ≈ 95.5 % with softmax.
        assert!(softmax > 0.95, "{softmax}");
    }
}
