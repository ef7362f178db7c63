//! The receive side of a link from one peer, shared by both transports: frames are
//! demultiplexed by logical channel into per-channel FIFO queues, and a receive checks the
//! frame's session id, sequence number and step before handing the payload out.
//!
//! Queues are unbounded so that whoever feeds them (the in-memory sender, or the TLS reader task
//! that always drains its socket) never waits on the application: exchanges of any size cannot
//! deadlock. Memory is bounded by what the protocol itself sends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::frame::{Frame, FrameKind, HEADER_LEN};
use crate::{NetError, PartyId, Step};

enum Incoming {
    Frame(Frame),
    Failed(NetError),
}

struct Queue {
    tx: mpsc::UnboundedSender<Incoming>,
    rx: tokio::sync::Mutex<RxState>,
}

struct RxState {
    rx: mpsc::UnboundedReceiver<Incoming>,
    next_seq: u64,
    /// Once a channel has failed, every later receive returns this error.
    failed: Option<NetError>,
}

struct State {
    queues: HashMap<u16, Arc<Queue>>,
    failed: Option<NetError>,
    /// Frame bytes delivered but not yet received, over all channels.
    queued: u64,
}

/// Incoming frames from one peer.
pub(crate) struct Inbox {
    peer: PartyId,
    session: u64,
    max_queued: u64,
    state: Mutex<State>,
}

/// What a successful receive hands back, with the frame size for the counters.
pub(crate) struct Received {
    pub(crate) payload: Vec<u8>,
    pub(crate) wire_bytes: u64,
}

impl Inbox {
    /// `max_queued`: how many frame bytes from this peer may wait unreceived before the link
    /// fails with [`NetError::QueueOverflow`] (a peer must not be able to exhaust our memory).
    pub(crate) fn new(peer: PartyId, session: u64, max_queued: u64) -> Self {
        Inbox {
            peer,
            session,
            max_queued,
            state: Mutex::new(State {
                queues: HashMap::new(),
                failed: None,
                queued: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing in this module panics while holding the lock; recover anyway.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn queue_locked(state: &mut State, channel: u16) -> Arc<Queue> {
        let failed = state.failed.clone();
        state
            .queues
            .entry(channel)
            .or_insert_with(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                if let Some(e) = failed {
                    // The receiver is alive (held right here), so this cannot fail.
                    let _ = tx.send(Incoming::Failed(e));
                }
                Arc::new(Queue {
                    tx,
                    rx: tokio::sync::Mutex::new(RxState {
                        rx,
                        next_seq: 0,
                        failed: None,
                    }),
                })
            })
            .clone()
    }

    fn queue(&self, channel: u16) -> Arc<Queue> {
        Self::queue_locked(&mut self.lock(), channel)
    }

    /// Queues a frame for its channel. Frames arriving after the link failed are dropped; a
    /// frame that would take the unreceived bytes above the limit fails the link.
    pub(crate) fn deliver(&self, frame: Frame) {
        let mut st = self.lock();
        if st.failed.is_some() {
            return;
        }
        let bytes = (HEADER_LEN + frame.payload.len()) as u64;
        if st.queued.saturating_add(bytes) > self.max_queued {
            let err = NetError::QueueOverflow {
                peer: self.peer,
                max: self.max_queued,
            };
            Self::fail_locked(&mut st, err);
            return;
        }
        st.queued += bytes;
        let q = Self::queue_locked(&mut st, frame.header.channel);
        let _ = q.tx.send(Incoming::Frame(frame));
    }

    /// Marks the link failed: every channel receives `err` after the frames already queued.
    /// Only the first failure is kept.
    pub(crate) fn fail(&self, err: NetError) {
        Self::fail_locked(&mut self.lock(), err);
    }

    fn fail_locked(st: &mut State, err: NetError) {
        if st.failed.is_some() {
            return;
        }
        st.failed = Some(err.clone());
        for q in st.queues.values() {
            let _ = q.tx.send(Incoming::Failed(err.clone()));
        }
    }

    /// Receives the next frame on `channel`, which must carry `step`.
    ///
    /// On any check failure the channel is poisoned: later receives return the same error.
    pub(crate) async fn recv(
        &self,
        channel: u16,
        step: Step,
        timeout: Option<Duration>,
    ) -> Result<Received, NetError> {
        let peer = self.peer;
        let q = self.queue(channel);
        let mut rx = q.rx.lock().await;
        if let Some(e) = &rx.failed {
            return Err(e.clone());
        }
        let item = match timeout {
            Some(d) => tokio::time::timeout(d, rx.rx.recv())
                .await
                .map_err(|_| NetError::Timeout { peer })?,
            None => rx.rx.recv().await,
        };
        let result = match item {
            // The queue's sender lives in `q`; a closed queue cannot happen, but treat it as a
            // disconnect rather than trusting that.
            None => Err(NetError::PeerDisconnected { peer }),
            Some(Incoming::Failed(e)) => Err(e),
            Some(Incoming::Frame(frame)) => {
                let bytes = (HEADER_LEN + frame.payload.len()) as u64;
                {
                    let mut st = self.lock();
                    st.queued = st.queued.saturating_sub(bytes);
                }
                self.check(&frame, rx.next_seq, channel, step).map(|()| {
                    rx.next_seq += 1;
                    Received {
                        wire_bytes: (HEADER_LEN + frame.payload.len()) as u64,
                        payload: frame.payload,
                    }
                })
            }
        };
        if let Err(e) = &result
            && !matches!(e, NetError::Timeout { .. })
        {
            rx.failed = Some(e.clone());
        }
        result
    }

    fn check(
        &self,
        frame: &Frame,
        expected_seq: u64,
        channel: u16,
        step: Step,
    ) -> Result<(), NetError> {
        let peer = self.peer;
        let h = &frame.header;
        if h.kind != FrameKind::Data {
            return Err(NetError::MalformedFrame {
                peer,
                reason: "handshake frame after the handshake",
            });
        }
        if h.session != self.session {
            return Err(NetError::WrongSession {
                peer,
                expected: self.session,
                got: h.session,
            });
        }
        if h.seq != expected_seq {
            return Err(NetError::OutOfSequence {
                peer,
                channel,
                expected: expected_seq,
                got: h.seq,
            });
        }
        if h.step != step {
            return Err(NetError::UnexpectedStep {
                peer,
                channel,
                expected: step,
                got: h.step,
            });
        }
        Ok(())
    }
}
