//! Async driver of the base OT over a [`Transport`]: both messages go out at once.

use super::{Receiver, ReceiverMsg, Sender, SenderMsg, SessionId};
use crate::PartyId;
use crate::block::Block;
use crate::error::{OtCheat, OtError};
use crate::steps;
use sha2::{Digest, Sha256};
use spdz_net::Transport;

/// The session id of a base-OT batch: binds the sender, the receiver, the step and the
/// transport channel, so runs between other pairs, directions or channels never share hashes.
#[must_use]
pub fn session_id(sender: PartyId, receiver: PartyId, tag: u32, channel: u16) -> SessionId {
    let mut h = Sha256::new();
    h.update(b"spdz-ot/base/session/v1");
    h.update((sender as u64).to_le_bytes());
    h.update((receiver as u64).to_le_bytes());
    h.update(tag.to_le_bytes());
    h.update(channel.to_le_bytes());
    h.finalize().into()
}

fn check_peer<T: Transport>(t: &T, peer: PartyId) -> Result<(), OtError> {
    if peer == t.id() || peer >= t.parties() {
        return Err(OtError::ApiMisuse {
            what: "base OT peer must be another party of the transport",
        });
    }
    Ok(())
}

/// Runs `count` base OTs as the sender with `peer`; returns both keys of every OT.
///
/// # Errors
/// [`OtError::MalformedMessage`] for a bad receiver message, [`OtError::Net`] on transport
/// failure, [`OtError::ApiMisuse`] for a bad peer or count.
pub async fn send<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    peer: PartyId,
    count: usize,
    rng: &mut R,
) -> Result<Vec<[Block; 2]>, OtError> {
    send_with_cheat(t, peer, count, rng, None).await
}

/// [`send`], applying a named cheating strategy (tests and `--cheat` only).
///
/// # Errors
/// As [`send`].
pub async fn send_with_cheat<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    peer: PartyId,
    count: usize,
    rng: &mut R,
    cheat: Option<OtCheat>,
) -> Result<Vec<[Block; 2]>, OtError> {
    check_peer(t, peer)?;
    let sid = session_id(t.id(), peer, steps::BASE_SENDER.tag(), t.channel_index());
    let (state, msg) = Sender::new(sid, count, rng, cheat)?;
    let (sent, received) = tokio::join!(
        t.send(peer, steps::BASE_SENDER, msg.encode()),
        t.recv(peer, steps::BASE_RECEIVER)
    );
    sent?;
    let bytes = received?;
    let valid = ReceiverMsg::decode(&bytes, count, peer)?;
    tracing::debug!(peer, count, "base OT sender finished");
    state.finish(valid, peer)
}

/// Runs base OTs as the receiver with `peer`, one per choice bit; returns the chosen keys.
///
/// # Errors
/// [`OtError::MalformedMessage`] for a bad sender point, [`OtError::Net`] on transport
/// failure, [`OtError::ApiMisuse`] for a bad peer or too many choices.
pub async fn receive<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    peer: PartyId,
    choices: &[bool],
    rng: &mut R,
) -> Result<Vec<Block>, OtError> {
    receive_with_cheat(t, peer, choices, rng, None).await
}

/// [`receive`], applying a named cheating strategy (tests and `--cheat` only).
///
/// # Errors
/// As [`receive`].
pub async fn receive_with_cheat<T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    peer: PartyId,
    choices: &[bool],
    rng: &mut R,
    cheat: Option<OtCheat>,
) -> Result<Vec<Block>, OtError> {
    check_peer(t, peer)?;
    let sid = session_id(peer, t.id(), steps::BASE_SENDER.tag(), t.channel_index());
    let (state, msg) = Receiver::new(sid, choices, rng, cheat)?;
    let (sent, received) = tokio::join!(
        t.send(peer, steps::BASE_RECEIVER, msg.encode()),
        t.recv(peer, steps::BASE_SENDER)
    );
    sent?;
    let bytes = received?;
    let valid = SenderMsg::decode(&bytes, choices.len(), peer)?;
    tracing::debug!(peer, count = choices.len(), "base OT receiver finished");
    state.finish(&valid, peer)
}
