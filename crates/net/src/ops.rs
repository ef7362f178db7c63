//! What both transports share: the per-handle core (ids, inboxes, counters, limits) and the
//! send/receive/broadcast/exchange logic on top of a transport's raw frame send.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::frame::HEADER_LEN;
use crate::join::try_join_all;
use crate::link::Inbox;
use crate::stats::Recorder;
use crate::{NetError, PartyId, Stats, Step};

/// Per-handle state common to both transports.
#[derive(Clone)]
pub(crate) struct Core {
    pub(crate) id: PartyId,
    pub(crate) parties: usize,
    pub(crate) channel: u16,
    /// `inboxes[p]`: frames from `p` (`None` at our own index).
    pub(crate) inboxes: Arc<Vec<Option<Arc<Inbox>>>>,
    pub(crate) recorder: Arc<Recorder>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_frame: usize,
}

impl Core {
    pub(crate) fn check_peer(&self, peer: PartyId) -> Result<(), NetError> {
        if peer >= self.parties || peer == self.id {
            return Err(NetError::InvalidPeer {
                peer,
                me: self.id,
                parties: self.parties,
            });
        }
        Ok(())
    }

    fn check_len(&self, to: PartyId, len: usize) -> Result<(), NetError> {
        if len > self.max_frame {
            return Err(NetError::FrameTooLarge {
                peer: to,
                len: len as u64,
                max: self.max_frame as u64,
            });
        }
        Ok(())
    }

    fn peers(&self) -> Vec<PartyId> {
        (0..self.parties).filter(|&p| p != self.id).collect()
    }

    pub(crate) fn stats(&self) -> Stats {
        self.recorder.snapshot()
    }
}

/// A transport's way of putting one frame on the link to `to`.
pub(crate) trait RawSend: Sync {
    fn core(&self) -> &Core;

    /// Sends one data frame; assigns the sequence number. Counts the bytes on success.
    fn send_raw<'a>(
        &'a self,
        to: PartyId,
        step: Step,
        payload: Cow<'a, [u8]>,
    ) -> impl Future<Output = Result<(), NetError>> + Send + 'a;
}

pub(crate) async fn recv_raw(core: &Core, from: PartyId, step: Step) -> Result<Vec<u8>, NetError> {
    core.check_peer(from)?;
    let inbox = core
        .inboxes
        .get(from)
        .and_then(Option::as_ref)
        .ok_or(NetError::InvalidPeer {
            peer: from,
            me: core.id,
            parties: core.parties,
        })?;
    let got = inbox.recv(core.channel, step, core.timeout).await?;
    core.recorder.received(from, step, got.wire_bytes);
    core.recorder.received_from(core.channel, from);
    Ok(got.payload)
}

pub(crate) fn count_sent(core: &Core, to: PartyId, step: Step, payload_len: usize) {
    core.recorder
        .sent(to, step, (HEADER_LEN + payload_len) as u64);
}

pub(crate) async fn send<T: RawSend>(
    t: &T,
    to: PartyId,
    step: Step,
    payload: Vec<u8>,
) -> Result<(), NetError> {
    let core = t.core();
    core.check_peer(to)?;
    core.check_len(to, payload.len())?;
    core.recorder.begin_send(core.channel, step, &[to]);
    t.send_raw(to, step, Cow::Owned(payload)).await
}

pub(crate) async fn recv<T: RawSend>(
    t: &T,
    from: PartyId,
    step: Step,
) -> Result<Vec<u8>, NetError> {
    recv_raw(t.core(), from, step).await
}

pub(crate) async fn broadcast<T: RawSend>(
    t: &T,
    step: Step,
    payload: Vec<u8>,
) -> Result<(), NetError> {
    let core = t.core();
    let peers = core.peers();
    for &p in &peers {
        core.check_len(p, payload.len())?;
    }
    core.recorder.begin_send(core.channel, step, &peers);
    let sends = peers
        .iter()
        .map(|&p| t.send_raw(p, step, Cow::Borrowed(&payload)))
        .collect();
    try_join_all(sends).await.map(|_| ())
}

pub(crate) async fn exchange_all<T: RawSend>(
    t: &T,
    step: Step,
    payload: Vec<u8>,
) -> Result<Vec<Vec<u8>>, NetError> {
    let core = t.core();
    let peers = core.peers();
    for &p in &peers {
        core.check_len(p, payload.len())?;
    }
    core.recorder.begin_send(core.channel, step, &peers);
    let received = {
        let sends = try_join_all(
            peers
                .iter()
                .map(|&p| t.send_raw(p, step, Cow::Borrowed(&payload)))
                .collect(),
        );
        let recvs = try_join_all(peers.iter().map(|&p| recv_raw(core, p, step)).collect());
        let ((), received) = tokio::try_join!(async { sends.await.map(|_| ()) }, recvs)?;
        received
    };
    Ok(assemble(core.id, payload, received))
}

pub(crate) async fn exchange<T: RawSend>(
    t: &T,
    step: Step,
    mut payloads: Vec<Vec<u8>>,
) -> Result<Vec<Vec<u8>>, NetError> {
    let core = t.core();
    if payloads.len() != core.parties {
        return Err(NetError::InvalidPeer {
            peer: payloads.len(),
            me: core.id,
            parties: core.parties,
        });
    }
    let peers = core.peers();
    for &p in &peers {
        core.check_len(p, payloads[p].len())?;
    }
    let own = std::mem::take(&mut payloads[core.id]);
    core.recorder.begin_send(core.channel, step, &peers);
    let mut outgoing: Vec<Option<Vec<u8>>> = payloads.into_iter().map(Some).collect();
    let sends = try_join_all(
        peers
            .iter()
            .map(|&p| {
                let body = outgoing[p].take().unwrap_or_default();
                t.send_raw(p, step, Cow::Owned(body))
            })
            .collect(),
    );
    let recvs = try_join_all(peers.iter().map(|&p| recv_raw(core, p, step)).collect());
    let ((), received) = tokio::try_join!(async { sends.await.map(|_| ()) }, recvs)?;
    Ok(assemble(core.id, own, received))
}

/// Puts `own` at index `me` among the peers' payloads (given in increasing id order).
fn assemble(me: PartyId, own: Vec<u8>, received: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(received.len() + 1);
    let mut own = Some(own);
    for (p, r) in received.into_iter().enumerate() {
        if p == me {
            out.extend(own.take());
        }
        out.push(r);
    }
    out.extend(own.take());
    out
}
