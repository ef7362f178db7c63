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

/// An actively secure random-OT extension, as a caller sets it up with one peer: the piece a
/// protocol built on random OT (MASCOT's Gilboa multiplication) is generic over, so that
/// another extension (SoftSpokenOT) can replace [`crate::kos::Kos`] by implementing this.
pub trait RotExtension {
    /// The sender side after setup.
    type Sender: RotSender + Malicious + Send;
    /// The receiver side after setup.
    type Receiver: RotReceiver + Malicious + Send;

    /// A stable name of the extension and its parameters, which a caller can bind into its
    /// parameter agreement so that parties running different extensions stop at once.
    /// The default names KOS ([`crate::kos::Kos`] keeps it); other extensions override it.
    const NAME: &'static str = "kos";

    /// Sets up the sender side with `peer` (base OTs included), optionally applying a named
    /// cheat (tests and `--cheat` only).
    ///
    /// # Errors
    /// Any [`OtError`] of the setup (malformed base-OT messages, transport failure).
    fn setup_sender<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: crate::PartyId,
        rng: &mut R,
        cheat: Option<crate::OtCheat>,
    ) -> impl Future<Output = Result<Self::Sender, OtError>> + Send;

    /// Sets up the receiver side with `peer`, optionally applying a named cheat.
    ///
    /// # Errors
    /// As [`RotExtension::setup_sender`].
    fn setup_receiver<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: crate::PartyId,
        rng: &mut R,
        cheat: Option<crate::OtCheat>,
    ) -> impl Future<Output = Result<Self::Receiver, OtError>> + Send;
}
