//! Authenticated transports between the parties of a computation.
//!
//! - [`Transport`]: send, receive, broadcast and concurrent exchange of byte payloads between
//!   parties `0..n`, each message a length-prefixed [`frame`] tagged with a session id, a
//!   logical channel, a protocol [`Step`] and a sequence number, all checked on receipt.
//! - [`MemoryTransport`]: all parties in one process (tests and the single-process default).
//! - [`TlsTransport`]: TCP with mutual TLS and pinned per-party certificates ([`tls`], [`keys`]).
//! - Counters ([`Stats`]): bytes, messages and rounds per peer and per step.
//! - Deployment files ([`DeploymentConfig`], TOML) and key generation ([`keygen`]).
//!
//! # Example
//! ```
//! use spdz_net::{MemoryTransport, Step, Transport};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), spdz_net::NetError> {
//! let tasks: Vec<_> = MemoryTransport::mesh(3)
//!     .into_iter()
//!     .map(|t| {
//!         tokio::spawn(async move {
//!             let mine = vec![u8::try_from(t.id()).unwrap_or(0)];
//!             t.exchange_all(Step::new(0x0000_0001), mine).await
//!         })
//!     })
//!     .collect();
//! for task in tasks {
//!     assert_eq!(task.await.unwrap()?, vec![vec![0], vec![1], vec![2]]);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Receiving
//! Frames from one peer on one logical channel form a FIFO queue. `recv(from, step)` takes the
//! *next* frame on this handle's channel from `from` and checks, in this order, that it is a
//! data frame, belongs to this session ([`NetError::WrongSession`]), carries the next sequence
//! number ([`NetError::OutOfSequence`]) and carries `step` ([`NetError::UnexpectedStep`]). A
//! failed check poisons that channel from that peer: every later receive returns the same error.
//! Receivers therefore must receive a peer's frames in the order that peer sent them on the
//! channel, which deterministic protocol drivers do.
//!
//! # Logical channels
//! [`Transport::channel`] returns a handle on another logical channel of the same links, with its
//! own sequence numbers and queues, so that independent protocol instances (parallel batches) can
//! run at once from different tasks. One channel should be driven by one task at a time.
//!
//! # Step tags
//! Tags are partitioned per crate so they never collide: `0x0000_xxxx` net, `0x01xx_xxxx` ot,
//! `0x02xx_xxxx` offline, `0x03xx_xxxx` online, `0x04xx_xxxx` model.
//!
//! See `papers/wire.md` for the byte-level format.
#![forbid(unsafe_code)]

pub mod config;
mod error;
pub mod frame;
mod join;
pub mod keys;
mod link;
mod memory;
mod ops;
mod stats;
pub mod tls;

use std::fmt;
use std::future::Future;

pub use config::{DeploymentConfig, OptionsConfig, PartyConfig};
pub use error::{NetError, TlsRefusal};
pub use keys::{GeneratedKeys, Identity, keygen, keygen_to_files};
pub use memory::{MemoryOptions, MemoryTransport};
pub use stats::{Counters, Stats};
pub use tls::{PeerInfo, TlsEndpoint, TlsOptions, TlsSetup, TlsTransport};

/// A party's index, `0..n`.
pub type PartyId = usize;

/// A protocol step tag. Every frame carries one, and a receive names the step it expects, so a
/// message of one step is never taken for a message of another.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Step(u32);

impl Step {
    /// A step with the given tag (see the crate docs for the tag ranges).
    pub const fn new(tag: u32) -> Self {
        Step(tag)
    }

    /// The tag.
    pub const fn tag(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

/// Links from one party to all others.
///
/// All methods take `&self`; a handle is `Send + Sync`. Futures are `Send` so drivers can run in
/// spawned tokio tasks.
pub trait Transport: Send + Sync {
    /// This party's id.
    fn id(&self) -> PartyId;

    /// Number of parties.
    fn parties(&self) -> usize;

    /// Sends `payload` to `to` as one frame tagged `step`.
    ///
    /// # Errors
    /// [`NetError::InvalidPeer`] for a bad `to`; [`NetError::FrameTooLarge`] for a payload above
    /// the maximum; [`NetError::PeerDisconnected`] or [`NetError::Io`] when the link is down.
    fn send(
        &self,
        to: PartyId,
        step: Step,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), NetError>> + Send;

    /// Receives the next frame from `from` on this channel, which must carry `step`.
    ///
    /// # Errors
    /// See the crate docs ("Receiving"); also [`NetError::Timeout`] and the link's failure.
    fn recv(
        &self,
        from: PartyId,
        step: Step,
    ) -> impl Future<Output = Result<Vec<u8>, NetError>> + Send;

    /// Sends `payload` to every other party.
    ///
    /// # Errors
    /// As [`Transport::send`], for any peer.
    fn broadcast(
        &self,
        step: Step,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<(), NetError>> + Send;

    /// Send `payload` to every peer and receive one payload from every peer, concurrently.
    /// Result indexed by party id; the entry for `self.id()` is our own payload.
    ///
    /// # Errors
    /// The first error of any send or receive.
    fn exchange_all(
        &self,
        step: Step,
        payload: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<Vec<u8>>, NetError>> + Send;

    /// Like exchange_all but a distinct payload per peer (`payloads[self.id()]` is ignored/empty).
    /// The result's entry for `self.id()` is `payloads[self.id()]`.
    ///
    /// # Errors
    /// [`NetError::InvalidPeer`] when `payloads.len() != self.parties()`; otherwise as
    /// [`Transport::exchange_all`].
    fn exchange(
        &self,
        step: Step,
        payloads: Vec<Vec<u8>>,
    ) -> impl Future<Output = Result<Vec<Vec<u8>>, NetError>> + Send;

    /// A snapshot of this party's counters (all channels).
    fn stats(&self) -> Stats;

    /// Resets this party's counters to zero.
    fn reset_stats(&self);

    /// This handle's logical channel.
    fn channel_index(&self) -> u16;

    /// A handle on logical channel `index` of the same links, with its own sequence numbers and
    /// queues.
    fn channel(&self, index: u16) -> Self
    where
        Self: Sized;
}
