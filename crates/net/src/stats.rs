//! Byte, message and round counters.
//!
//! ## What is counted
//! - **Bytes** are frame bytes (32-byte header plus payload) as they would appear on the wire,
//!   for both transports, so in-memory and TLS runs report the same numbers (TLS record overhead
//!   is not included). Handshake frames are not counted.
//! - **Messages** are frames.
//! - **Rounds.** A *round* is one send-then-receive phase of one logical channel: a round begins
//!   when a party sends on a channel for the first time or after it has received on that channel
//!   since its last send. [`Transport::exchange_all`](crate::Transport::exchange_all),
//!   [`Transport::exchange`](crate::Transport::exchange) and
//!   [`Transport::broadcast`](crate::Transport::broadcast) follow the same rule (their sends all
//!   belong to one round). A round is attributed to the step of the send that began it
//!   ([`Counters::rounds`] in [`Stats::per_step`]) and, per peer, a round with peer `p` begins on
//!   a send to `p` after having received from `p` (or on the first send to `p`).
//!   [`Stats::rounds`] is the maximum over logical channels (channels run side by side, so the
//!   longest one is the latency-relevant count); [`Stats::rounds_total`] is their sum.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::{PartyId, Step};

/// Counters for one peer or one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Frame bytes sent.
    pub bytes_sent: u64,
    /// Frame bytes received (delivered to `recv`).
    pub bytes_received: u64,
    /// Frames sent.
    pub messages_sent: u64,
    /// Frames received.
    pub messages_received: u64,
    /// Rounds begun (see the module docs for the definition).
    pub rounds: u64,
}

/// A snapshot of a party's counters, over all its logical channels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Indexed by party id; the entry for this party stays zero.
    pub per_peer: Vec<Counters>,
    /// Per protocol step tag.
    pub per_step: BTreeMap<Step, Counters>,
    /// Sum over peers.
    pub total: Counters,
    /// Rounds of the busiest logical channel.
    pub rounds: u64,
    /// Rounds summed over logical channels.
    pub rounds_total: u64,
}

#[derive(Default)]
struct ChannelPhase {
    /// True while in the sending half of a round.
    sending: bool,
    /// Per peer: true while in the sending half of a round with that peer.
    peer_sending: Vec<bool>,
    rounds: u64,
}

/// Shared, thread-safe recorder behind [`Stats`].
pub(crate) struct Recorder {
    inner: Mutex<Inner>,
}

struct Inner {
    stats: Stats,
    channels: HashMap<u16, ChannelPhase>,
    parties: usize,
}

impl Recorder {
    pub(crate) fn new(parties: usize) -> Self {
        Recorder {
            inner: Mutex::new(Inner {
                stats: Stats {
                    per_peer: vec![Counters::default(); parties],
                    ..Stats::default()
                },
                channels: HashMap::new(),
                parties,
            }),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // A poisoned lock only means another thread panicked while counting; the counters are
        // still usable.
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g)
    }

    /// Begins the sending half of a round on `channel` towards `peers`, if not already in it.
    pub(crate) fn begin_send(&self, channel: u16, step: Step, peers: &[PartyId]) {
        self.with(|inner| {
            let parties = inner.parties;
            let ph = inner
                .channels
                .entry(channel)
                .or_insert_with(|| ChannelPhase {
                    peer_sending: vec![false; parties],
                    ..ChannelPhase::default()
                });
            if !ph.sending {
                ph.sending = true;
                ph.rounds += 1;
                inner.stats.per_step.entry(step).or_default().rounds += 1;
                inner.stats.rounds_total += 1;
                inner.stats.rounds = inner.stats.rounds.max(ph.rounds);
            }
            for &p in peers {
                if let Some(s) = ph.peer_sending.get_mut(p)
                    && !*s
                {
                    *s = true;
                    if let Some(c) = inner.stats.per_peer.get_mut(p) {
                        c.rounds += 1;
                    }
                    inner.stats.total.rounds += 1;
                }
            }
        });
    }

    /// Ends the sending half of the round on `channel` (we received from `peer`).
    pub(crate) fn received_from(&self, channel: u16, peer: PartyId) {
        self.with(|inner| {
            if let Some(ph) = inner.channels.get_mut(&channel) {
                ph.sending = false;
                if let Some(s) = ph.peer_sending.get_mut(peer) {
                    *s = false;
                }
            }
        });
    }

    pub(crate) fn sent(&self, peer: PartyId, step: Step, bytes: u64) {
        self.with(|inner| {
            for c in [
                inner.stats.per_peer.get_mut(peer),
                Some(inner.stats.per_step.entry(step).or_default()),
            ]
            .into_iter()
            .flatten()
            {
                c.bytes_sent += bytes;
                c.messages_sent += 1;
            }
            inner.stats.total.bytes_sent += bytes;
            inner.stats.total.messages_sent += 1;
        });
    }

    pub(crate) fn received(&self, peer: PartyId, step: Step, bytes: u64) {
        self.with(|inner| {
            for c in [
                inner.stats.per_peer.get_mut(peer),
                Some(inner.stats.per_step.entry(step).or_default()),
            ]
            .into_iter()
            .flatten()
            {
                c.bytes_received += bytes;
                c.messages_received += 1;
            }
            inner.stats.total.bytes_received += bytes;
            inner.stats.total.messages_received += 1;
        });
    }

    pub(crate) fn snapshot(&self) -> Stats {
        self.with(|inner| inner.stats.clone())
    }

    pub(crate) fn reset(&self) {
        self.with(|inner| {
            let parties = inner.parties;
            inner.stats = Stats {
                per_peer: vec![Counters::default(); parties],
                ..Stats::default()
            };
            inner.channels.clear();
        });
    }
}
