//! The MASCOT offline phase (Keller–Orsini–Scholl, CCS 2016, ePrint 2016/505).
//!
//! Produces MAC-authenticated Beaver triples, square pairs, random bits and input masks between
//! the parties themselves, through oblivious transfer, with every check of the paper, so that a
//! cheating party is caught before any of its material is used. There is no trusted dealer.
//!
//! | paper object | module |
//! |---|---|
//! | F_Commit (hash commitments) | [`commit`] |
//! | F_Rand (coin tossing) | [`coin`] |
//! | Π_MACCheck (reused by the online phase) | [`mac_check`] |
//! | Π_COPEe (Initialize, Extend) | [`copee`] |
//! | Π_⟦·⟧ (authentication and its check) | [`auth`] |
//! | Π_Triple (Multiply, Combine, Sacrifice), squares, bits | [`triple`] |
//! | batches, workers, the entry point [`generate()`] | [`mod@generate`] |
//! | shares, triples, masks; the [`Preprocessing`] trait | [`shares`], [`preprocessing`] |
//! | the on-disk store and its consumption watermark | [`store`] |
//! | named cheating strategies (feature `adversarial`) | [`cheat`] |
//!
//! Parameters: k = 127 (bits of F_p), κ = 128, s = 64, τ = [`Params::tau`] (default 4, which
//! meets 2^−64 in Combine by the two-output leftover-hash count; τ = 3, MP-SPDZ's setting,
//! gives about 2^−31.5 by that count). Each module states the bound its check gives.
//!
//! The protocol map with figure numbers is in `papers/mascot.md` of the repository.
//!
//! Protocol cores are sans-IO state machines (typestate: each round consumes the state);
//! `async` drivers move their messages over a [`spdz_net::Transport`].
#![forbid(unsafe_code)]

pub mod auth;
pub mod cheat;
pub mod coin;
pub mod commit;
pub mod copee;
mod error;
pub mod field_ext;
pub mod generate;
mod join;
pub mod mac_check;
pub mod preprocessing;
pub mod shares;
pub mod store;
#[cfg(test)]
mod testing;
pub mod triple;

pub use cheat::Cheat;
#[cfg(feature = "adversarial")]
pub use cheat::ExpectedAbort;
pub use error::OfflineError;
pub use field_ext::MascotField;
pub use generate::{
    DefaultExtension, Params, Report, StepTimes, generate, generate_under_key,
    generate_with_extension, generate_with_progress,
};
pub use preprocessing::{MemoryPreprocessing, Preprocessing, Used};
pub use shares::{AuthShares, InputMasks, MacKeyShare, Triples};
pub use store::{FileStore, SessionId, StoreError, StoreSummary, WriteMode};

/// Protocol step tags of this crate (range 0x0200_0000..).
pub mod steps {
    use spdz_net::Step;

    /// F_Rand round 1: seed commitments.
    pub const COIN_COMMIT: Step = Step::new(0x0200_0001);
    /// F_Rand round 2: seed openings.
    pub const COIN_OPEN: Step = Step::new(0x0200_0002);
    /// Setup: the digest of the parameters, compared before anything else.
    pub const PARAMS: Step = Step::new(0x0200_0003);
    /// Π_MACCheck round 1: commitments to σ_i.
    pub const MAC_COMMIT: Step = Step::new(0x0200_0011);
    /// Π_MACCheck round 2: openings of σ_i.
    pub const MAC_OPEN: Step = Step::new(0x0200_0012);
    /// Π_Triple, Multiply: the Gilboa messages d.
    pub const MULTIPLY_D: Step = Step::new(0x0200_0021);
    /// COPEe Extend: the messages u.
    pub const COPEE_U: Step = Step::new(0x0200_0031);
    /// Π_⟦·⟧ check: the y_j.
    pub const AUTH_Y: Step = Step::new(0x0200_0032);
    /// Sacrifice: opening ρ.
    pub const SACRIFICE_RHO: Step = Step::new(0x0200_0041);
    /// Sacrifice: opening s·c − ĉ − ρ·b.
    pub const SACRIFICE_ZERO: Step = Step::new(0x0200_0042);
    /// Squares: opening e = x − y.
    pub const SQUARE_E: Step = Step::new(0x0200_0051);
    /// Bits: opening a².
    pub const BIT_SQUARE: Step = Step::new(0x0200_0052);
}
