//! Model files of revealed models (`spdz train --model-out DIR`) and `spdz predict`.
//!
//! A revealed model is public to whoever learnt it: `model.json` holds the feature names,
//! the standardisation the parties applied, the classes and the weights. `spdz predict`
//! scores a CSV file with it in the clear (the model holder's own data). Secure inference,
//! with the model kept in shares and the rows secret, runs inside `spdz train`/`spdz demo`
//! (`spdz_model::secure::infer`); a kept-in-shares model file needs the session's MAC key
//! and is not written yet.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use spdz_model::data::{Dataset, LabelSpec, Table};
use spdz_model::plain::{Model, Standardizer};

use crate::exit::Failure;

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

    fn read(path: &Path) -> Result<Self, Failure> {
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

/// Arguments of `spdz predict`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A `model.json` written by `spdz train --model-out DIR`.
    #[arg(long)]
    model: PathBuf,
    /// The rows to score (features found by name; a `label` column, if present, gives the
    /// accuracy).
    #[arg(long)]
    data: PathBuf,
    /// The label column, if the file has one (default `label` when present).
    #[arg(long)]
    label: Option<String>,
    /// Print one JSON object (predictions and accuracy) instead of one prediction per line.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let m = ModelFile::read(&args.model)?;
    let table = Table::load(&args.data).map_err(|e| Failure::Usage(anyhow::anyhow!("{e}")))?;
    let label = args
        .label
        .clone()
        .or_else(|| table.column_index("label").map(|_| "label".to_string()));
    let idx = m
        .features
        .iter()
        .map(|f| {
            table.column_index(f).ok_or_else(|| {
                Failure::Usage(anyhow::anyhow!(
                    "{}: no feature column {f:?}",
                    args.data.display()
                ))
            })
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
            .map_err(|e| Failure::Usage(anyhow::anyhow!("{e}")))?
            .y()
            .to_vec(),
        ),
        None => None,
    };
    let st = Standardizer {
        mean: m.mean.clone(),
        std: m.std.clone(),
    };
    let model = Model {
        weights: m.weights.clone(),
        features: m.features.len(),
        classes: m.classes,
    };
    let xs = st.apply(&x);
    let predictions: Vec<usize> = xs
        .chunks_exact(model.features.max(1))
        .map(|r| model.predict(r))
        .collect();
    let accuracy = labels.as_ref().map(|y| model.accuracy(&xs, y));
    if args.json {
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
