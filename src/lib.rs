//! `spdz`: a malicious-secure multi-party computation engine.
//!
//! Two parties, two secret numbers, `(a·b) − 5·(a + b)`, reconstructed to party 0 only
//! (preprocessing made by MASCOT between the parties first; `examples/five_lines.rs`):
//!
//! ```
//! use spdz::online::expr::{Builder, Revealed, run_local};
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let out = run_local(2, |me, b: &mut Builder| {
//!     let a = b.input_int(0, (me == 0).then(|| vec![25]), 1);
//!     let c = b.input_int(1, (me == 1).then(|| vec![50]), 1);
//!     b.reveal_to(0, &((&a * &c) - 5 * (&a + &c)));
//! });
//! assert_eq!(out.await.unwrap()[0], vec![Some(Revealed::Int(vec![875]))]);
//! # });
//! ```
//!
//! Several parties who do not trust each other compute on the union of their private data and
//! learn only the result. Preprocessing comes from MASCOT (oblivious-transfer based, no trusted
//! dealer), the online phase is SPDZ with MAC checks before any output, and a cheating party makes
//! every honest party abort rather than output a wrong value.
//!
//! This crate re-exports the workspace's crates under short names and gives one
//! classification of aborts, [`AbortKind`], that every crate's errors map to.
#![forbid(unsafe_code)]

mod abort;

pub use abort::{AbortClass, AbortKind};

pub use spdz_field as field;
pub use spdz_model as model;
pub use spdz_net as net;
pub use spdz_offline as offline;
pub use spdz_online as online;
pub use spdz_ot as ot;
