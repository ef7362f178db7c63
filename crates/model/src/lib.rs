//! Logistic regression on data split among parties.
//!
//! | module | what |
//! |---|---|
//! | [`data`] | CSV tables, labelled datasets, the train/test split rule, row and column partitions |
//!
//! The crate uses only `spdz-online`'s public API (design §3).
#![forbid(unsafe_code)]

pub mod data;

pub use data::{DataError, Dataset, LabelSpec, Table};
