//! Role traits of OT extension, in the style of swanky's ocelot.
//!
//! Callers (MASCOT's COPEe and Gilboa multiplication) program against these, so the KOS
//! extension of [`crate::kos`] can be replaced (e.g. by SoftSpokenOT, ePrint 2022/192) without
//! touching them. Each method runs the protocol over a [`Transport`] with the peer fixed at
//! setup. After any error an implementation is poisoned and returns [`OtError::Poisoned`].

use crate::block::Block;
use crate::error::OtError;
use core::future::Future;
use spdz_net::Transport;

/// Marker: the protocol is secure against a malicious peer. Bound on it to refuse a
/// semi-honest component in a maliciously secure composition.
pub trait Malicious {}

/// Sender of correlated OT with a fixed global Δ: outputs q_j; the receiver gets
/// t_j = q_j ⊕ b_j·Δ.
pub trait CotSender {
    /// The sender's Δ (its own secret), `None` once poisoned.
    fn dangerous_delta(&self) -> Option<Block>;

    /// `n` correlated OTs.
    ///
    /// # Errors
    /// Any [`OtError`]; the KOS check fails as [`OtError::OtConsistencyFailed`].
    fn send_correlated<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
    ) -> impl Future<Output = Result<Vec<Block>, OtError>> + Send;
}

/// Receiver of correlated OT.
pub trait CotReceiver {
    /// Correlated OTs with these choices; returns t_j.
    ///
    /// # Errors
    /// Any [`OtError`].
    fn receive_correlated<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
    ) -> impl Future<Output = Result<Vec<Block>, OtError>> + Send;
}

/// Sender of random OT: both messages of each OT are random and output to the sender.
pub trait RotSender {
    /// `n` random OTs.
    ///
    /// # Errors
    /// Any [`OtError`].
    fn send_random<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
    ) -> impl Future<Output = Result<Vec<[Block; 2]>, OtError>> + Send;
}

/// Receiver of random OT: gets the message selected by each choice bit.
pub trait RotReceiver {
    /// Random OTs with these choices.
    ///
    /// # Errors
    /// Any [`OtError`].
    fn receive_random<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
    ) -> impl Future<Output = Result<Vec<Block>, OtError>> + Send;
}
