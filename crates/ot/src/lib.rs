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
//! - [`softspoken`]: SoftSpokenOT (Roy, ePrint 2022/192), OT extension from small-field
//!   subspace VOLE with its malicious checks, a drop-in [`RotExtension`] with 128/k bits per OT.
//! - [`transpose`]: the bit-matrix transpose IKNP needs.
//!
//! See `papers/ot.md` for the protocols as implemented.
#![forbid(unsafe_code)]

pub mod base;
mod block;
mod error;
pub mod hash;
pub mod kos;
pub mod prg;
pub mod softspoken;
pub mod traits;
pub mod transpose;

pub use block::Block;
pub use error::{OtCheat, OtError};
pub use traits::{CotReceiver, CotSender, Malicious, RotExtension, RotReceiver, RotSender};

pub use spdz_net::PartyId;

/// Step tags of this crate (the range `0x0100_0000..` is reserved for OT).
pub mod steps {
    use spdz_net::Step;
    /// Base OT: the sender's point A.
    pub const BASE_SENDER: Step = Step::new(0x0100_0001);
    /// Base OT: the receiver's point pairs.
    pub const BASE_RECEIVER: Step = Step::new(0x0100_0002);
    /// KOS extension: the receiver's matrix u and its coin-toss commitment.
    pub const KOS_EXTEND: Step = Step::new(0x0100_0011);
    /// KOS extension: the sender's coin-toss seed.
    pub const KOS_SEED: Step = Step::new(0x0100_0012);
    /// KOS extension: the receiver's opening and check values (x, t).
    pub const KOS_CHECK: Step = Step::new(0x0100_0013);
    /// SoftSpokenOT setup: the receiver's GGM corrections and PPRF check.
    pub const SOFTSPOKEN_SETUP: Step = Step::new(0x0100_0021);
    /// SoftSpokenOT extension: the receiver's corrections c_v and its coin-toss commitment.
    pub const SOFTSPOKEN_EXTEND: Step = Step::new(0x0100_0022);
    /// SoftSpokenOT extension: the sender's coin-toss seed.
    pub const SOFTSPOKEN_SEED: Step = Step::new(0x0100_0023);
    /// SoftSpokenOT extension: the receiver's opening and check values (x̃, t̃).
    pub const SOFTSPOKEN_CHECK: Step = Step::new(0x0100_0024);
}
