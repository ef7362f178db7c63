//! The SPDZ online phase (Damgård–Pastro–Smart–Zakarias, CRYPTO 2012).
//!
//! Will contain: authenticated share vectors, input with a broadcast consistency check, linear
//! operations, Beaver multiplication, opening with deferred batched MAC checks, and fixed-point
//! arithmetic (probabilistic truncation, comparison, reciprocal, exp, sigmoid). See
//! `papers/spdz.md`.
#![forbid(unsafe_code)]
