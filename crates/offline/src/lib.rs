//! The MASCOT offline phase (Keller–Orsini–Scholl, CCS 2016, ePrint 2016/505).
//!
//! Will contain: coin tossing (F_Rand) by hash commitments, COPEe, authentication Π_[[·]],
//! Π_Triple (Multiply, Combine, Authenticate, Sacrifice), the batched Π_MACCheck, input masks,
//! random bits, the on-disk store and the preprocessing-source trait the online phase consumes.
//! See `papers/mascot.md`.
#![forbid(unsafe_code)]
