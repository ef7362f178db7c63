//! Finite fields for the SPDZ/MASCOT engine.
//!
//! Will contain: the `Field` trait, `Fp` for p = 2^127 − 1, `Gf128` (GF(2^128) for the KOS
//! consistency check) and fixed-point encoding. See `papers/field.md`.
#![deny(unsafe_code)]
