//! The SPDZ online phase (Damgård–Pastro–Smart–Zakarias, CRYPTO 2012, ePrint 2011/535),
//! on preprocessing from MASCOT (Keller–Orsini–Scholl, CCS 2016, ePrint 2016/505).
//!
//! Users program against [`Party`]: authenticated share vectors [`Shared`] are the unit,
//! linear operations are local, [`Party::mul`] multiplies a whole vector in one round, and
//! nothing is released before the MAC check: [`Party::reveal`] returns [`Opened`] values only
//! after the input broadcast consistency check and the batched Π_MACCheck over every value
//! opened so far have passed. Any failure poisons the handle (it drops its secret state and
//! returns [`OnlineError::Aborted`] from then on).
//!
//! | module | what | paper step |
//! |---|---|---|
//! | [`share`] | `[[x]]` vectors, local linear operations, opened values | SPDZ, linear ops |
//! | [`input`] | input masks, broadcast digest check | SPDZ input; broadcast with abort |
//! | [`mul`] | Beaver multiplication and squaring (local halves) | Beaver 1991 / SPDZ |
//! | [`open`] | opening, pending list; Π_MACCheck from `spdz_offline::mac_check` | MASCOT Π_MACCheck |
//! | [`party`] | the driver: rounds, checks, poisoning, cheats | |
//! | [`trace`] | the public trace: what was opened, how it was masked, when checks ran | |
//! | [`fixed`] | TruncPR, LTZ, EQZ, ReLU, reciprocal, exp, sigmoid | Catrina–Saxena 2010, Catrina–de Hoogh 2010 |
//! | [`budget`] | preprocessing consumed per operation | |
//! | [`expr`] | expressions with operators, batched by multiplicative depth; `run_local` | |
//! | [`bench`](mod@bench) | `M` multiplications with timing and counters (for `spdz mul`) | |
//!
//! A party's program, in outline (every party runs the same program; `prep` comes from
//! `spdz_offline::generate` for the budget the program announces):
//!
//! ```text
//! let need = Budget::triples(n) + Budget::input_masks(0, n) + Budget::input_masks(1, n)
//!     + FixedParams::default().cost_ltz() * n;          // what the program below draws
//! let mut p = Party::new(transport, prep, &mut rng)?;   // prep: impl Preprocessing<Fp>
//! let x = p.input(0, mine_if_party_0, n).await?;        // [[x]], one broadcast from party 0
//! let y = p.input(1, mine_if_party_1, n).await?;
//! let z = &p.mul(&x, &y).await? + &x;                   // one round for the whole vector
//! let neg = p.ltz(&z).await?;                           // [[z < 0]] as bits
//! let out = p.reveal(&Shared::concat(&[&z, &neg])).await?; // only after the checks pass
//! ```
//!
//! For `spdz mul`: [`run_multiplications`] runs `M` multiplications on a [`Party`] and
//! reports online time, bytes and rounds ([`MulReport`]).
//!
//! The statistical and computational parameters, the MAC-check schedule and the measured
//! accuracy of every fixed-point function are in `papers/spdz.md`.
//!
//! An **insecure** ideal preprocessing source for testing the online phase alone lives in the
//! separate crate `spdz-insecure-test-dealer`, which only the workspace's tests and benches
//! depend on; the command-line tool cannot reach it.
#![forbid(unsafe_code)]

pub mod bench;
pub mod budget;
#[cfg(feature = "adversarial")]
pub mod cheat;
#[cfg(not(feature = "adversarial"))]
mod cheat;
pub mod error;
pub mod expr;
pub mod fixed;
pub mod input;
pub mod mul;
pub mod open;
pub mod party;
mod prep;
pub mod share;
pub mod trace;

pub use bench::{MulReport, run_multiplications};
pub use budget::Budget;
#[cfg(feature = "adversarial")]
pub use cheat::Cheat;
pub use error::{AbortReason, OnlineError};
pub use fixed::FixedParams;
pub use party::Party;
pub use share::{Opened, Shared};
pub use trace::{Masking, TraceEvent};
