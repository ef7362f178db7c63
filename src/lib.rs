//! `spdz`: a malicious-secure multi-party computation engine.
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
