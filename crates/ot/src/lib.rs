//! Oblivious transfer for the SPDZ/MASCOT engine.
//!
//! - [`Block`]: 128 bits, the unit of OT messages.
//! - [`hash::FixedKeyHash`]: fixed-key AES as a tweakable circular correlation-robust hash
//!   (Guo–Katz–Wang–Yu, ePrint 2019/074 §7.4) and [`prg::Prg`], an AES-CTR PRG.
//! - [`base`]: maliciously secure base OT, Masny–Rindal endemic OT (ePrint 2019/706) over
//!   ristretto255.
//! - [`kos`]: IKNP OT extension with the KOS consistency check (ePrint 2015/546) in GF(2^128),
//!   giving correlated OT with the sender's fixed Δ and random OT, behind the role traits of
//!   [`traits`].
//! - [`transpose`]: the bit-matrix transpose IKNP needs.
//!
//! See `papers/ot.md` for the protocols as implemented.
#![forbid(unsafe_code)]

pub mod base;
mod block;
mod error;
pub mod hash;
pub mod prg;
pub mod transpose;

pub use block::Block;
pub use error::{OtCheat, OtError};

/// A party's index in the computation.
pub type PartyId = usize;
