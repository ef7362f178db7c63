//! Async drivers of SoftSpokenOT over a [`Transport`], with poisoning after any error.
//!
//! `K` is the paper's k (bits per small-field VOLE). The drivers are those of
//! [`crate::kos`] with one more setup message (R's GGM corrections and PPRF check) and the
//! SoftSpokenOT cores; batches of [`BATCH`] OTs overlap the same way.

use super::{DEFAULT_K, KAPPA, ReceiverCore, SenderCore, check_k};
use crate::block::Block;
use crate::error::{OtCheat, OtError};
use crate::hash::FixedKeyHash;
use crate::traits::{CotReceiver, CotSender, Malicious, RotExtension, RotReceiver, RotSender};
use crate::{PartyId, base, steps};
use spdz_net::Transport;
use zeroize::Zeroize;

/// OTs per extension in the drivers (larger requests are split), as in [`crate::kos::BATCH`].
pub const BATCH: usize = 1 << 15;

/// The core is boxed: it holds an AES key schedule, and the aborted state holds nothing.
enum SenderState {
    Ready(Box<SenderCore>),
    Aborted,
}

/// SoftSpokenOT extension sender over a transport: correlated OT with a fixed Δ, and random
/// OT.
pub struct Sender<const K: usize = DEFAULT_K> {
    peer: PartyId,
    state: SenderState,
    hash: FixedKeyHash,
}

impl<const K: usize> core::fmt::Debug for Sender<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("softspoken::Sender")
            .field("k", &K)
            .field("peer", &self.peer)
            .field("aborted", &matches!(self.state, SenderState::Aborted))
            .finish_non_exhaustive()
    }
}

impl<const K: usize> Sender<K> {
    /// Runs the 128 base OTs (as base-OT receiver, with the complement of the bits of a fresh
    /// random Δ) and receives R's PPRF setup message.
    ///
    /// # Errors
    /// As [`base::receive`]; [`OtError::MalformedMessage`] or
    /// [`OtError::PprfConsistencyFailed`] for a bad setup message.
    pub async fn setup<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        rng: &mut R,
    ) -> Result<Self, OtError> {
        Self::setup_with_cheat(t, peer, rng, None).await
    }

    /// Setup, optionally cheating in the base OT (tests and `--cheat` only).
    ///
    /// # Errors
    /// As [`Sender::setup`].
    pub async fn setup_with_cheat<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<Self, OtError> {
        let mut d = [0u8; 16];
        rng.fill_bytes(&mut d);
        let delta = Block::from_bytes(d);
        d.zeroize();
        Self::setup_with_delta(t, peer, delta, rng, cheat).await
    }

    /// Setup with a caller-chosen Δ, optionally cheating in the base OT.
    ///
    /// # Errors
    /// As [`Sender::setup`]; [`OtError::ApiMisuse`] for an unsupported `K`.
    pub async fn setup_with_delta<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        delta: Block,
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<Self, OtError> {
        check_k(K)?;
        // S learns the GGM side off the path to Δ_v: its base-OT choices are ¬Δ's bits.
        let mut bits: Vec<bool> = (0..KAPPA).map(|i| !bool::from(delta.bit(i))).collect();
        let received = base::receive_with_cheat(t, peer, &bits, rng, cheat).await;
        bits.zeroize();
        let mut keys = received?;
        let msg = t.recv(peer, steps::SOFTSPOKEN_SETUP).await;
        let core = msg
            .map_err(OtError::from)
            .and_then(|m| SenderCore::new(K, delta, &keys, &m, peer));
        keys.zeroize();
        Ok(Self {
            peer,
            state: SenderState::Ready(Box::new(core?)),
            hash: FixedKeyHash::new(),
        })
    }

    /// The peer (extension receiver).
    #[must_use]
    pub fn peer(&self) -> PartyId {
        self.peer
    }

    /// Δ, or `None` after an abort.
    #[must_use]
    pub fn dangerous_delta(&self) -> Option<Block> {
        match &self.state {
            SenderState::Ready(core) => Some(core.dangerous_delta()),
            SenderState::Aborted => None,
        }
    }

    /// `n` correlated OTs: returns q_j with the receiver holding t_j = q_j ⊕ b_j·Δ.
    ///
    /// # Errors
    /// [`OtError::OtConsistencyFailed`], [`OtError::CommitmentMismatch`],
    /// [`OtError::MalformedMessage`], [`OtError::Net`]; afterwards [`OtError::Poisoned`].
    pub async fn send_correlated<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
    ) -> Result<Vec<Block>, OtError> {
        Ok(self.extend(t, n, rng, false).await?.0)
    }

    /// `n` random OTs: both messages of every OT.
    ///
    /// # Errors
    /// As [`Sender::send_correlated`].
    pub async fn send_random<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
    ) -> Result<Vec<[Block; 2]>, OtError> {
        Ok(self.extend(t, n, rng, true).await?.1)
    }

    async fn extend<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
        random: bool,
    ) -> Result<(Vec<Block>, Vec<[Block; 2]>), OtError> {
        let result = self.extend_inner(t, n, rng, random).await;
        if result.is_err() {
            // Poison: drop Δ and the seeds now.
            self.state = SenderState::Aborted;
        }
        result
    }

    async fn extend_inner<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
        random: bool,
    ) -> Result<(Vec<Block>, Vec<[Block; 2]>), OtError> {
        let SenderState::Ready(core) = &mut self.state else {
            return Err(OtError::Poisoned);
        };
        let peer = self.peer;
        let mut correlated = Vec::new();
        let mut rot = Vec::new();
        if random {
            rot.reserve_exact(n);
        } else {
            correlated.reserve_exact(n);
        }
        let delta = core.dangerous_delta();
        let hash = &self.hash;
        let mut emit = |mut q: Vec<Block>, first: u128| {
            if random {
                hash.tccr_pairs_into(&q, delta, first, &mut rot);
            } else {
                correlated.extend_from_slice(&q);
            }
            q.zeroize();
        };
        // Batch k's outputs are produced while the receiver works on batch k+1.
        let mut deferred = None;
        let mut done = 0;
        while done < n {
            let m = (n - done).min(BATCH);
            let msg = t.recv(peer, steps::SOFTSPOKEN_EXTEND).await?;
            let (pending, seed) = core.extend(m, &msg, peer, rng)?;
            drop(msg);
            t.send(peer, steps::SOFTSPOKEN_SEED, seed).await?;
            if let Some((q, first)) = deferred.take() {
                emit(q, first);
            }
            let check = t.recv(peer, steps::SOFTSPOKEN_CHECK).await?;
            deferred = Some(pending.finish(&check)?);
            done += m;
        }
        if let Some((q, first)) = deferred.take() {
            emit(q, first);
        }
        tracing::debug!(peer, n, random, k = K, "SoftSpokenOT sender extended");
        Ok((correlated, rot))
    }
}

enum ReceiverState {
    Ready(Box<ReceiverCore>),
    Aborted,
}

/// SoftSpokenOT extension receiver over a transport.
pub struct Receiver<const K: usize = DEFAULT_K> {
    peer: PartyId,
    state: ReceiverState,
    hash: FixedKeyHash,
    cheat: Option<OtCheat>,
}

impl<const K: usize> core::fmt::Debug for Receiver<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("softspoken::Receiver")
            .field("k", &K)
            .field("peer", &self.peer)
            .field("aborted", &matches!(self.state, ReceiverState::Aborted))
            .finish_non_exhaustive()
    }
}

impl<const K: usize> Receiver<K> {
    /// Runs the 128 base OTs (as base-OT sender) and sends the PPRF setup message.
    ///
    /// # Errors
    /// As [`base::send`]; [`OtError::ApiMisuse`] for an unsupported `K`.
    pub async fn setup<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        rng: &mut R,
    ) -> Result<Self, OtError> {
        Self::setup_with_cheat(t, peer, rng, None).await
    }

    /// Setup of a receiver that applies `cheat` (in the base OT, the PPRF setup or every
    /// extension; tests and `--cheat` only).
    ///
    /// # Errors
    /// As [`Receiver::setup`].
    pub async fn setup_with_cheat<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<Self, OtError> {
        check_k(K)?;
        let mut keys = base::send_with_cheat(t, peer, KAPPA, rng, cheat).await?;
        let core = ReceiverCore::new(K, &keys, rng, cheat);
        for pair in &mut keys {
            pair.zeroize();
        }
        let (core, msg) = core?;
        t.send(peer, steps::SOFTSPOKEN_SETUP, msg).await?;
        Ok(Self {
            peer,
            state: ReceiverState::Ready(Box::new(core)),
            hash: FixedKeyHash::new(),
            cheat,
        })
    }

    /// The peer (extension sender).
    #[must_use]
    pub fn peer(&self) -> PartyId {
        self.peer
    }

    /// Correlated OTs with the given choices: returns t_j = q_j ⊕ b_j·Δ.
    ///
    /// # Errors
    /// [`OtError::MalformedMessage`], [`OtError::Net`]; afterwards [`OtError::Poisoned`].
    pub async fn receive_correlated<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
    ) -> Result<Vec<Block>, OtError> {
        self.extend(t, choices, rng, false).await
    }

    /// Random OTs with the given choices: returns the chosen message of every OT.
    ///
    /// # Errors
    /// As [`Receiver::receive_correlated`].
    pub async fn receive_random<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
    ) -> Result<Vec<Block>, OtError> {
        self.extend(t, choices, rng, true).await
    }

    async fn extend<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
        random: bool,
    ) -> Result<Vec<Block>, OtError> {
        let result = self.extend_inner(t, choices, rng, random).await;
        if result.is_err() {
            self.state = ReceiverState::Aborted;
        }
        result
    }

    async fn extend_inner<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
        random: bool,
    ) -> Result<Vec<Block>, OtError> {
        let ReceiverState::Ready(core) = &mut self.state else {
            return Err(OtError::Poisoned);
        };
        let peer = self.peer;
        let mut out = Vec::with_capacity(choices.len());
        let hash = &self.hash;
        let mut emit = |mut rows: Vec<Block>, first: u128| {
            if random {
                hash.tccr_many(&mut rows, first);
            }
            out.extend_from_slice(&rows);
            rows.as_mut_slice().zeroize();
        };
        let mut deferred = None;
        for chunk in choices.chunks(BATCH) {
            let (pending, msg) = core.extend(chunk, rng, self.cheat)?;
            t.send(peer, steps::SOFTSPOKEN_EXTEND, msg).await?;
            if let Some((rows, first)) = deferred.take() {
                emit(rows, first);
            }
            let seed = t.recv(peer, steps::SOFTSPOKEN_SEED).await?;
            let (check, rows, first) = pending.finish(&seed, peer)?;
            t.send(peer, steps::SOFTSPOKEN_CHECK, check).await?;
            deferred = Some((rows, first));
        }
        if let Some((rows, first)) = deferred.take() {
            emit(rows, first);
        }
        tracing::debug!(
            peer,
            n = choices.len(),
            random,
            k = K,
            "SoftSpokenOT receiver extended"
        );
        Ok(out)
    }
}

impl<const K: usize> Malicious for Sender<K> {}
impl<const K: usize> Malicious for Receiver<K> {}

/// SoftSpokenOT with parameter `K` as a [`RotExtension`]: what MASCOT is generic over.
/// `K` must be one of [`super::SUPPORTED_K`]; another value makes setup fail with
/// [`OtError::ApiMisuse`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SoftSpoken<const K: usize = DEFAULT_K>;

impl<const K: usize> RotExtension for SoftSpoken<K> {
    type Sender = Sender<K>;
    type Receiver = Receiver<K>;
    const NAME: &'static str = match K {
        1 => "softspoken-k1",
        2 => "softspoken-k2",
        4 => "softspoken-k4",
        8 => "softspoken-k8",
        _ => "softspoken-unsupported-k",
    };

    async fn setup_sender<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<Sender<K>, OtError> {
        Sender::setup_with_cheat(t, peer, rng, cheat).await
    }

    async fn setup_receiver<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        t: &T,
        peer: PartyId,
        rng: &mut R,
        cheat: Option<OtCheat>,
    ) -> Result<Receiver<K>, OtError> {
        Receiver::setup_with_cheat(t, peer, rng, cheat).await
    }
}

impl<const K: usize> CotSender for Sender<K> {
    fn dangerous_delta(&self) -> Option<Block> {
        Sender::dangerous_delta(self)
    }

    async fn send_correlated<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
    ) -> Result<Vec<Block>, OtError> {
        Sender::send_correlated(self, t, n, rng).await
    }
}

impl<const K: usize> RotSender for Sender<K> {
    async fn send_random<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        n: usize,
        rng: &mut R,
    ) -> Result<Vec<[Block; 2]>, OtError> {
        Sender::send_random(self, t, n, rng).await
    }
}

impl<const K: usize> CotReceiver for Receiver<K> {
    async fn receive_correlated<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
    ) -> Result<Vec<Block>, OtError> {
        Receiver::receive_correlated(self, t, choices, rng).await
    }
}

impl<const K: usize> RotReceiver for Receiver<K> {
    async fn receive_random<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
        &mut self,
        t: &T,
        choices: &[bool],
        rng: &mut R,
    ) -> Result<Vec<Block>, OtError> {
        Receiver::receive_random(self, t, choices, rng).await
    }
}
