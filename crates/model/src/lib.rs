//! Logistic regression on data split among parties.
//!
//! | module | what |
//! |---|---|
//! | [`data`] | CSV tables, labelled datasets, the train/test split rule, row and column partitions |
//! | [`plain`] | the plaintext `f64` trainer (the same algorithm as the secure one) |
//! | [`secure`] | secure training on `spdz_online::Party`, its preprocessing budget, the parties' agreement on columns and parameters |
//! | [`inference`] | secure inference: a model kept in shares or input by its owner, records of another party, labels to that party only |
//! | [`share_file`] | a model kept in shares, saved by each party to its own file (integrity-tagged, bound to the training session) |
//! | [`stats`] | federated statistics (count, sum, mean, variance, min, max, histograms, covariance, correlation) |
//!
//! The crate uses only `spdz-online`'s public API (design §3), plus `spdz-field` for the
//! encoding, `spdz-net` for the `Transport` bound and `spdz-offline` for the `Preprocessing`
//! trait bound (not re-exported by `spdz-online`). Costs, accuracy and the choices made are in
//! `papers/model.md`.
#![forbid(unsafe_code)]

pub mod data;
pub mod inference;
pub mod plain;
pub mod secure;
pub mod share_file;
pub mod stats;

pub use data::{DataError, Dataset, LabelSpec, Table};
pub use inference::{Records, infer, inference_budget, score, score_budget};
pub use plain::{Model, Multiclass, Sigmoid, Standardizer, TrainConfig};
pub use secure::{Layout, LocalData, ModelError, Reveal, Trained, input_cost, training_budget};
