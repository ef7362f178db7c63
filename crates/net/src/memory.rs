//! The in-memory transport: all parties in one process, each party's handle usable from its own
//! tokio task. Frames travel as [`Frame`] values (no encoding, no copy of the payload) through
//! per-channel queues and are checked on receipt exactly as on the TLS transport.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[cfg(test)]
use crate::Counters;
use crate::frame::{
    DEFAULT_MAX_FRAME, DEFAULT_MAX_QUEUED, Frame, FrameError, FrameHeader, FrameKind, decode_frame,
};
use crate::link::Inbox;
use crate::ops::{self, Core, RawSend};
use crate::stats::Recorder;
use crate::{NetError, PartyId, Stats, Step, Transport};

/// Options of an in-memory mesh.
#[derive(Clone, Debug)]
pub struct MemoryOptions {
    /// Session id carried by every frame (random in [`MemoryTransport::mesh`]).
    pub session: u64,
    /// How long a receive waits before [`NetError::Timeout`]; `None` waits forever (a peer
    /// that drops its handle is still noticed: receives return [`NetError::PeerDisconnected`]).
    pub timeout: Option<Duration>,
    /// Maximum payload length of one frame.
    pub max_frame: usize,
    /// Frame bytes from one peer that may wait unreceived before that link fails with
    /// [`NetError::QueueOverflow`].
    pub max_queued: u64,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            session: rand::random(),
            timeout: None,
            max_frame: DEFAULT_MAX_FRAME,
            max_queued: DEFAULT_MAX_QUEUED,
        }
    }
}

struct Mesh {
    session: u64,
    /// `inbox[to][from]`.
    inbox: Vec<Vec<Option<Arc<Inbox>>>>,
    alive: Vec<AtomicBool>,
}

/// One party's shared state; dropping the last handle of a party disconnects it.
struct PartyState {
    mesh: Arc<Mesh>,
    id: PartyId,
    /// Next sequence number per (peer, channel).
    send_seq: Mutex<HashMap<(PartyId, u16), u64>>,
}

impl Drop for PartyState {
    fn drop(&mut self) {
        if let Some(a) = self.mesh.alive.get(self.id) {
            a.store(false, Ordering::SeqCst);
        }
        for row in &self.mesh.inbox {
            if let Some(Some(inbox)) = row.get(self.id) {
                inbox.fail(NetError::PeerDisconnected { peer: self.id });
            }
        }
    }
}

/// One party's end of an in-memory mesh.
///
/// Cloning gives another handle on the same channel (sharing its sequence numbers); use
/// [`Transport::channel`] for an independent logical channel. When every handle of a party is
/// dropped, its peers' receives from it return [`NetError::PeerDisconnected`].
#[derive(Clone)]
pub struct MemoryTransport {
    party: Arc<PartyState>,
    core: Core,
}

impl std::fmt::Debug for MemoryTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTransport")
            .field("id", &self.core.id)
            .field("parties", &self.core.parties)
            .field("channel", &self.core.channel)
            .finish_non_exhaustive()
    }
}

impl MemoryTransport {
    /// A fully connected mesh of `n` parties with a random session id and no receive timeout;
    /// element `i` is party `i`.
    pub fn mesh(n: usize) -> Vec<MemoryTransport> {
        Self::mesh_with(n, MemoryOptions::default())
    }

    /// A mesh with explicit options.
    pub fn mesh_with(n: usize, options: MemoryOptions) -> Vec<MemoryTransport> {
        let inbox = (0..n)
            .map(|to| {
                (0..n)
                    .map(|from| {
                        (from != to).then(|| {
                            Arc::new(Inbox::new(from, options.session, options.max_queued))
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        let mesh = Arc::new(Mesh {
            session: options.session,
            inbox,
            alive: (0..n).map(|_| AtomicBool::new(true)).collect(),
        });
        (0..n)
            .map(|id| MemoryTransport {
                core: Core {
                    id,
                    parties: n,
                    channel: 0,
                    inboxes: Arc::new(mesh.inbox[id].clone()),
                    recorder: Arc::new(Recorder::new(n)),
                    timeout: options.timeout,
                    max_frame: options.max_frame,
                },
                party: Arc::new(PartyState {
                    mesh: Arc::clone(&mesh),
                    id,
                    send_seq: Mutex::new(HashMap::new()),
                }),
            })
            .collect()
    }

    /// The session id of this mesh.
    pub fn session(&self) -> u64 {
        self.party.mesh.session
    }

    /// **Misbehaviour, for the adversarial suite only**: puts `bytes` on the link to `to` as if
    /// written raw to a socket, outside the frame discipline (no sequence numbering, any
    /// header). The receiver treats them exactly as the TLS transport's reader would: complete
    /// frames are queued (and fail its checks), bytes that are not a frame fail the link with
    /// [`NetError::MalformedFrame`] or [`NetError::FrameTooLarge`], an incomplete tail is
    /// ignored (the reader would still be waiting for it).
    ///
    /// # Errors
    /// [`NetError::InvalidPeer`] for a bad `to`.
    pub fn dangerous_send_raw(&self, to: PartyId, bytes: &[u8]) -> Result<(), NetError> {
        self.core.check_peer(to)?;
        let Some(Some(inbox)) = self
            .party
            .mesh
            .inbox
            .get(to)
            .and_then(|r| r.get(self.core.id))
        else {
            return Err(NetError::PeerDisconnected { peer: to });
        };
        let me = self.core.id;
        let mut rest = bytes;
        loop {
            match decode_frame(rest, self.core.max_frame) {
                Ok(Some((frame, used))) => {
                    if frame.header.kind != FrameKind::Data {
                        inbox.fail(NetError::MalformedFrame {
                            peer: me,
                            reason: "handshake frame after the handshake",
                        });
                        return Ok(());
                    }
                    inbox.deliver(frame);
                    rest = rest.get(used..).unwrap_or_default();
                }
                Ok(None) => return Ok(()),
                Err(FrameError::TooLarge { len, max }) => {
                    inbox.fail(NetError::FrameTooLarge { peer: me, len, max });
                    return Ok(());
                }
                Err(FrameError::Malformed(reason)) => {
                    inbox.fail(NetError::MalformedFrame { peer: me, reason });
                    return Ok(());
                }
            }
        }
    }

    /// Puts a frame with explicit header fields into `to`'s queue from this party, bypassing
    /// sequence numbering; for tests that tamper with messages.
    #[cfg(test)]
    pub(crate) fn inject(&self, to: PartyId, frame: Frame) {
        if let Some(Some(inbox)) = self
            .party
            .mesh
            .inbox
            .get(to)
            .and_then(|r| r.get(self.core.id))
        {
            inbox.deliver(frame);
        }
    }
}

impl RawSend for MemoryTransport {
    fn core(&self) -> &Core {
        &self.core
    }

    async fn send_raw<'a>(
        &'a self,
        to: PartyId,
        step: Step,
        payload: Cow<'a, [u8]>,
    ) -> Result<(), NetError> {
        let mesh = &self.party.mesh;
        let alive = mesh.alive.get(to).is_some_and(|a| a.load(Ordering::SeqCst));
        let inbox = mesh
            .inbox
            .get(to)
            .and_then(|r| r.get(self.core.id))
            .and_then(Option::as_ref);
        let (true, Some(inbox)) = (alive, inbox) else {
            return Err(NetError::PeerDisconnected { peer: to });
        };
        let payload = payload.into_owned();
        let len = payload.len();
        {
            let mut seqs = self
                .party
                .send_seq
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let seq = seqs.entry((to, self.core.channel)).or_insert(0);
            // Deliver while holding the counter so frames enter the queue in sequence order.
            inbox.deliver(Frame {
                header: FrameHeader {
                    kind: FrameKind::Data,
                    channel: self.core.channel,
                    session: mesh.session,
                    step,
                    seq: *seq,
                    payload_len: len,
                },
                payload,
            });
            *seq += 1;
        }
        ops::count_sent(&self.core, to, step, len);
        Ok(())
    }
}

impl Transport for MemoryTransport {
    fn id(&self) -> PartyId {
        self.core.id
    }

    fn parties(&self) -> usize {
        self.core.parties
    }

    async fn send(&self, to: PartyId, step: Step, payload: Vec<u8>) -> Result<(), NetError> {
        ops::send(self, to, step, payload).await
    }

    async fn recv(&self, from: PartyId, step: Step) -> Result<Vec<u8>, NetError> {
        ops::recv(self, from, step).await
    }

    async fn broadcast(&self, step: Step, payload: Vec<u8>) -> Result<(), NetError> {
        ops::broadcast(self, step, payload).await
    }

    async fn exchange_all(&self, step: Step, payload: Vec<u8>) -> Result<Vec<Vec<u8>>, NetError> {
        ops::exchange_all(self, step, payload).await
    }

    async fn exchange(&self, step: Step, payloads: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, NetError> {
        ops::exchange(self, step, payloads).await
    }

    fn stats(&self) -> Stats {
        self.core.stats()
    }

    fn reset_stats(&self) {
        self.core.recorder.reset();
    }

    fn channel_index(&self) -> u16 {
        self.core.channel
    }

    fn channel(&self, index: u16) -> Self {
        let mut t = self.clone();
        t.core.channel = index;
        t
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // small test values
mod tests {
    use super::*;

    const A: Step = Step::new(1);
    const B: Step = Step::new(2);

    fn data(channel: u16, session: u64, step: Step, seq: u64, payload: Vec<u8>) -> Frame {
        Frame {
            header: FrameHeader {
                kind: FrameKind::Data,
                channel,
                session,
                step,
                seq,
                payload_len: payload.len(),
            },
            payload,
        }
    }

    async fn run_all<F, Fut, R>(mesh: Vec<MemoryTransport>, f: F) -> Vec<R>
    where
        F: Fn(MemoryTransport) -> Fut,
        Fut: std::future::Future<Output = R> + Send + 'static,
        R: Send + 'static,
    {
        let handles: Vec<_> = mesh.into_iter().map(|t| tokio::spawn(f(t))).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn exchange_all_sizes_and_parties() {
        for n in [2usize, 3, 4] {
            for len in [0usize, 1, 1000] {
                let res = run_all(MemoryTransport::mesh(n), move |t| async move {
                    let me = t.id();
                    t.exchange_all(A, vec![me as u8; len]).await.unwrap()
                })
                .await;
                for got in res {
                    assert_eq!(got.len(), n);
                    for (p, v) in got.iter().enumerate() {
                        assert_eq!(v, &vec![p as u8; len]);
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn exchange_distinct_payloads() {
        let res = run_all(MemoryTransport::mesh(3), |t| async move {
            let me = t.id();
            let out: Vec<Vec<u8>> = (0..3).map(|to| vec![(10 * me + to) as u8]).collect();
            t.exchange(A, out).await.unwrap()
        })
        .await;
        for (me, got) in res.iter().enumerate() {
            for (from, v) in got.iter().enumerate() {
                // From peer `from` we got what it addressed to us; our own slot is ours.
                let expect = if from == me {
                    10 * me + me
                } else {
                    10 * from + me
                };
                assert_eq!(v, &vec![expect as u8]);
            }
        }
    }

    #[tokio::test]
    async fn send_recv_broadcast_in_order() {
        let mut m = MemoryTransport::mesh(3);
        let t2 = m.pop().unwrap();
        let t1 = m.pop().unwrap();
        let t0 = m.pop().unwrap();
        t0.send(1, A, b"first".to_vec()).await.unwrap();
        t0.send(1, B, b"second".to_vec()).await.unwrap();
        t0.broadcast(A, b"all".to_vec()).await.unwrap();
        assert_eq!(t1.recv(0, A).await.unwrap(), b"first");
        assert_eq!(t1.recv(0, B).await.unwrap(), b"second");
        assert_eq!(t1.recv(0, A).await.unwrap(), b"all");
        assert_eq!(t2.recv(0, A).await.unwrap(), b"all");
    }

    #[tokio::test]
    async fn wrong_step_is_unexpected_step_and_poisons_the_channel() {
        let m = MemoryTransport::mesh(2);
        m[0].send(1, A, vec![1]).await.unwrap();
        m[0].send(1, B, vec![2]).await.unwrap();
        let e = m[1].recv(0, B).await.unwrap_err();
        assert!(matches!(
            e,
            NetError::UnexpectedStep { peer: 0, channel: 0, expected, got } if expected == B && got == A
        ));
        // Poisoned: the next (otherwise fine) frame is not handed out.
        assert!(matches!(
            m[1].recv(0, B).await,
            Err(NetError::UnexpectedStep { .. })
        ));
    }

    #[tokio::test]
    async fn replayed_or_skipped_sequence_number_is_refused() {
        let m = MemoryTransport::mesh(2);
        let s = m[0].session();
        m[0].inject(1, data(0, s, A, 1, vec![0]));
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::OutOfSequence {
                peer: 0,
                channel: 0,
                expected: 0,
                got: 1
            })
        ));
        let m = MemoryTransport::mesh(2);
        m[0].send(1, A, vec![0]).await.unwrap();
        m[0].inject(1, data(0, m[0].session(), A, 0, vec![0])); // replay of seq 0
        assert_eq!(m[1].recv(0, A).await.unwrap(), vec![0]);
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::OutOfSequence {
                expected: 1,
                got: 0,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn other_session_is_refused() {
        let m = MemoryTransport::mesh(2);
        let s = m[0].session();
        m[0].inject(1, data(0, s ^ 1, A, 0, vec![0]));
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::WrongSession { peer: 0, expected, got }) if expected == s && got == s ^ 1
        ));
    }

    #[tokio::test]
    async fn handshake_frame_as_data_is_malformed() {
        let m = MemoryTransport::mesh(2);
        let mut f = data(0, m[0].session(), A, 0, vec![]);
        f.header.kind = FrameKind::Hello;
        m[0].inject(1, f);
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::MalformedFrame { peer: 0, .. })
        ));
    }

    #[tokio::test]
    async fn channels_are_independent_queues_with_own_sequence_numbers() {
        let m = MemoryTransport::mesh(2);
        let (a0, a1) = (m[0].channel(1), m[1].channel(1));
        // Channel 0 frame first, then a channel 1 frame: channel 1's receive must not take the
        // channel 0 frame.
        m[0].send(1, A, vec![0]).await.unwrap();
        a0.send(1, B, vec![1]).await.unwrap();
        assert_eq!(a1.recv(0, B).await.unwrap(), vec![1]);
        assert_eq!(m[1].recv(0, A).await.unwrap(), vec![0]);
        assert_eq!(a1.channel_index(), 1);

        // Parallel instances on 8 channels, from separate tasks.
        let mut tasks = Vec::new();
        for c in 0..8u16 {
            let (x, y) = (m[0].channel(c + 10), m[1].channel(c + 10));
            tasks.push(tokio::spawn(async move {
                for i in 0..50u8 {
                    let got = tokio::try_join!(
                        x.exchange_all(Step::new(u32::from(c)), vec![i, 0]),
                        y.exchange_all(Step::new(u32::from(c)), vec![i, 1])
                    )
                    .unwrap();
                    assert_eq!(got.0[1], vec![i, 1]);
                    assert_eq!(got.1[0], vec![i, 0]);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }

    #[tokio::test]
    async fn dropped_peer_is_disconnected_after_its_queued_frames() {
        let mut m = MemoryTransport::mesh(3);
        let t2 = m.pop().unwrap();
        let t1 = m.pop().unwrap();
        let t0 = m.pop().unwrap();
        t0.send(1, A, vec![7]).await.unwrap();
        let extra = t0.channel(3);
        drop(t0);
        // Another handle of party 0 is still alive: not disconnected yet.
        assert_eq!(t1.recv(0, A).await.unwrap(), vec![7]);
        drop(extra);
        assert!(matches!(
            t1.recv(0, A).await,
            Err(NetError::PeerDisconnected { peer: 0 })
        ));
        assert!(matches!(
            t2.channel(5).recv(0, A).await,
            Err(NetError::PeerDisconnected { peer: 0 })
        ));
        assert!(matches!(
            t1.send(0, A, vec![]).await,
            Err(NetError::PeerDisconnected { peer: 0 })
        ));
        assert!(matches!(
            t2.exchange_all(A, vec![]).await,
            Err(NetError::PeerDisconnected { peer: 0 })
        ));
    }

    #[tokio::test]
    async fn receive_times_out() {
        let m = MemoryTransport::mesh_with(
            2,
            MemoryOptions {
                timeout: Some(Duration::from_millis(20)),
                ..MemoryOptions::default()
            },
        );
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::Timeout { peer: 0 })
        ));
        // A timeout does not poison: a late frame is still received.
        m[0].send(1, A, vec![3]).await.unwrap();
        assert_eq!(m[1].recv(0, A).await.unwrap(), vec![3]);
    }

    #[tokio::test]
    async fn raw_misbehaviour_is_seen_as_on_a_socket() {
        let m = MemoryTransport::mesh(2);
        m[0].dangerous_send_raw(1, &[0xff; 64]).unwrap();
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::MalformedFrame {
                peer: 0,
                reason: "unknown frame version"
            })
        ));
        let m = MemoryTransport::mesh(2);
        let good = data(0, m[0].session(), A, 0, vec![5]).encode().unwrap();
        let replay = [good.clone(), good].concat();
        m[0].dangerous_send_raw(1, &replay).unwrap();
        assert_eq!(m[1].recv(0, A).await.unwrap(), vec![5]);
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::OutOfSequence {
                peer: 0,
                expected: 1,
                got: 0,
                ..
            })
        ));
        let m = MemoryTransport::mesh(2);
        let mut huge = data(0, m[0].session(), A, 0, vec![]).encode().unwrap();
        huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        m[0].dangerous_send_raw(1, &huge).unwrap();
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::FrameTooLarge { peer: 0, .. })
        ));
        assert!(matches!(
            m[0].dangerous_send_raw(0, &[]),
            Err(NetError::InvalidPeer { .. })
        ));
    }

    #[tokio::test]
    async fn unreceived_bytes_are_capped() {
        let m = MemoryTransport::mesh_with(
            2,
            MemoryOptions {
                max_queued: 100,
                ..MemoryOptions::default()
            },
        );
        // 72 wire bytes each: receiving frees the budget again.
        for _ in 0..3 {
            m[0].send(1, A, vec![0; 40]).await.unwrap();
            m[1].recv(0, A).await.unwrap();
        }
        m[0].send(1, A, vec![0; 40]).await.unwrap();
        m[0].send(1, A, vec![0; 40]).await.unwrap(); // 144 > 100: the link fails
        assert_eq!(m[1].recv(0, A).await.unwrap(), vec![0; 40]);
        assert!(matches!(
            m[1].recv(0, A).await,
            Err(NetError::QueueOverflow { peer: 0, max: 100 })
        ));
        assert!(matches!(
            m[1].channel(7).recv(0, A).await,
            Err(NetError::QueueOverflow { peer: 0, .. })
        ));
    }

    #[tokio::test]
    async fn oversized_send_and_bad_peers_are_refused() {
        let m = MemoryTransport::mesh_with(
            2,
            MemoryOptions {
                max_frame: 8,
                ..MemoryOptions::default()
            },
        );
        assert!(matches!(
            m[0].send(1, A, vec![0; 9]).await,
            Err(NetError::FrameTooLarge {
                peer: 1,
                len: 9,
                max: 8
            })
        ));
        m[0].send(1, A, vec![0; 8]).await.unwrap();
        assert!(matches!(
            m[0].send(0, A, vec![]).await,
            Err(NetError::InvalidPeer { .. })
        ));
        assert!(matches!(
            m[0].send(2, A, vec![]).await,
            Err(NetError::InvalidPeer { .. })
        ));
        assert!(matches!(
            m[0].recv(5, A).await,
            Err(NetError::InvalidPeer { .. })
        ));
        assert!(matches!(
            m[0].exchange(A, vec![vec![]]).await,
            Err(NetError::InvalidPeer { .. })
        ));
    }

    #[tokio::test]
    async fn counters_count_bytes_messages_and_rounds() {
        let m = MemoryTransport::mesh(3);
        let res = run_all(m.clone(), |t| async move {
            t.exchange_all(A, vec![0; 100]).await.unwrap();
            t.exchange_all(B, vec![0; 10]).await.unwrap();
            t.stats()
        })
        .await;
        for s in res {
            assert_eq!(s.rounds, 2);
            assert_eq!(s.total.messages_sent, 4);
            assert_eq!(s.total.messages_received, 4);
            assert_eq!(s.total.bytes_sent, 2 * (32 + 100) + 2 * (32 + 10));
            assert_eq!(s.per_step[&A].bytes_sent, 2 * (32 + 100));
            assert_eq!(s.per_step[&A].rounds, 1);
            assert_eq!(s.per_step[&B].bytes_received, 2 * (32 + 10));
            assert_eq!(s.total.rounds, 4); // two rounds with each of two peers
        }
        // send, send, recv is one round; the send after the receive begins a second.
        let p = MemoryTransport::mesh(2);
        p[0].reset_stats();
        p[0].send(1, A, vec![]).await.unwrap();
        p[0].send(1, A, vec![]).await.unwrap();
        p[1].send(0, A, vec![]).await.unwrap();
        p[0].recv(1, A).await.unwrap();
        p[0].send(1, B, vec![]).await.unwrap();
        let s = p[0].stats();
        assert_eq!(s.rounds, 2);
        assert_eq!(s.per_peer[1].rounds, 2);
        assert_eq!(s.per_peer[1].messages_sent, 3);
        assert_eq!(s.per_peer[0], Counters::default());
        p[0].reset_stats();
        assert_eq!(p[0].stats().total, Counters::default());
        drop(m);
    }
}
