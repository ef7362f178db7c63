//! Oblivious transfer.
//!
//! Will contain: a 128-bit `Block`, fixed-key AES as a correlation-robust hash and an AES-CTR
//! PRG, maliciously secure base OT over ristretto255, and IKNP OT extension with the KOS
//! consistency check (correlated and random OT) behind role traits. See `papers/ot.md`.
#![forbid(unsafe_code)]
