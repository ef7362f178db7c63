//! Logistic regression on data split among parties.
//!
//! Will contain: CSV loading and partitioning, secure training with the online phase's
//! fixed-point arithmetic, and secure inference.
#![forbid(unsafe_code)]
