//! The crate's one error type.

use std::fmt;
use std::sync::Arc;

use crate::{PartyId, Step};

/// Everything that can go wrong on a link between parties.
///
/// Variants caused by a peer name that peer; caller mistakes ([`NetError::InvalidPeer`],
/// [`NetError::Config`]) are kept apart from failures a peer caused. The type is `Clone` so that
/// the failure of a link can be handed to every logical channel that was waiting on it.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum NetError {
    /// The peer closed its connection (or dropped its in-memory handle), possibly in the middle
    /// of a frame.
    #[error("party {peer} disconnected")]
    PeerDisconnected {
        /// The party whose link closed.
        peer: PartyId,
    },
    /// Nothing (or not the rest of a frame) arrived from the peer within the configured timeout,
    /// or the peer could not be reached during connection setup.
    #[error("timed out waiting for party {peer}")]
    Timeout {
        /// The party we were waiting for.
        peer: PartyId,
    },
    /// A frame's length prefix (received, or of a payload we were asked to send) exceeds the
    /// configured maximum.
    #[error("frame for/from party {peer} carries {len} payload bytes, above the limit of {max}")]
    FrameTooLarge {
        /// The peer that announced the frame (or the destination of an oversized send).
        peer: PartyId,
        /// Announced payload length in bytes.
        len: u64,
        /// Configured maximum payload length in bytes.
        max: u64,
    },
    /// Bytes from the peer are not a valid frame (bad version or kind, impossible length,
    /// unexpected control frame).
    #[error("malformed frame from party {peer}: {reason}")]
    MalformedFrame {
        /// The party that sent the bytes.
        peer: PartyId,
        /// Which rule of the frame format was broken.
        reason: &'static str,
    },
    /// The next frame on a channel carries a different protocol step than the one the receiver
    /// asked for.
    #[error("party {peer} sent step {got} on channel {channel} where step {expected} was expected")]
    UnexpectedStep {
        /// The sender.
        peer: PartyId,
        /// The logical channel.
        channel: u16,
        /// Step the receiver asked for.
        expected: Step,
        /// Step the frame carried.
        got: Step,
    },
    /// The frame's sequence number is not the next one on its channel (replayed, dropped or
    /// reordered frame).
    #[error(
        "frame from party {peer} on channel {channel} has sequence number {got}, expected {expected}"
    )]
    OutOfSequence {
        /// The sender.
        peer: PartyId,
        /// The logical channel.
        channel: u16,
        /// Next sequence number the receiver expected.
        expected: u64,
        /// Sequence number the frame carried.
        got: u64,
    },
    /// The frame belongs to another session.
    #[error("frame from party {peer} belongs to session {got:#018x}, not {expected:#018x}")]
    WrongSession {
        /// The sender.
        peer: PartyId,
        /// This transport's session id.
        expected: u64,
        /// The frame's session id.
        got: u64,
    },
    /// The peer sent more bytes than may wait unreceived (all channels together); the link is
    /// closed so that a peer cannot exhaust our memory.
    #[error("party {peer} sent more than {max} bytes that were not received yet")]
    QueueOverflow {
        /// The sender.
        peer: PartyId,
        /// The configured limit in bytes.
        max: u64,
    },
    /// The TLS handshake or the party-id handshake after it failed; `reason` says which rule.
    #[error("TLS authentication with {} refused: {reason}", fmt_peer(*peer))]
    TlsAuthentication {
        /// The party the connection was meant to be with (the id we dialed, or the id the
        /// dialer claimed), when known.
        peer: Option<PartyId>,
        /// Why the connection was refused.
        reason: TlsRefusal,
    },
    /// An operating-system I/O error that is not a plain disconnect.
    #[error("I/O error with {}: {source}", fmt_peer(*peer))]
    Io {
        /// The party on the other side, when known.
        peer: Option<PartyId>,
        /// The underlying error.
        source: Arc<std::io::Error>,
    },
    /// Caller mistake: a peer id that is out of range or is this party itself.
    #[error("invalid peer {peer}: this is party {me} of {parties}")]
    InvalidPeer {
        /// The id that was passed.
        peer: PartyId,
        /// This party's id.
        me: PartyId,
        /// Number of parties.
        parties: usize,
    },
    /// The deployment configuration is invalid; `field` names the offending field.
    #[error("invalid deployment configuration: {field}: {reason}")]
    Config {
        /// The offending field, e.g. `parties[2].address`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Key or certificate generation, or reading a PEM file, failed.
    #[error("key material: {0}")]
    KeyMaterial(String),
}

fn fmt_peer(peer: Option<PartyId>) -> String {
    match peer {
        Some(p) => format!("party {p}"),
        None => "an unidentified peer".to_owned(),
    }
}

impl NetError {
    /// Wraps an I/O error, turning the kinds that mean "the other side went away" into
    /// [`NetError::PeerDisconnected`].
    pub(crate) fn io(peer: PartyId, e: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::UnexpectedEof
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::NotConnected => NetError::PeerDisconnected { peer },
            _ => NetError::Io {
                peer: Some(peer),
                source: Arc::new(e),
            },
        }
    }

    /// The party this error blames or concerns, if any.
    pub fn peer(&self) -> Option<PartyId> {
        match self {
            NetError::PeerDisconnected { peer }
            | NetError::Timeout { peer }
            | NetError::FrameTooLarge { peer, .. }
            | NetError::MalformedFrame { peer, .. }
            | NetError::UnexpectedStep { peer, .. }
            | NetError::OutOfSequence { peer, .. }
            | NetError::WrongSession { peer, .. }
            | NetError::QueueOverflow { peer, .. } => Some(*peer),
            NetError::TlsAuthentication { peer, .. } | NetError::Io { peer, .. } => *peer,
            NetError::InvalidPeer { .. } | NetError::Config { .. } | NetError::KeyMaterial(_) => {
                None
            }
        }
    }
}

/// Why a TLS connection or its party-id handshake was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsRefusal {
    /// The peer presented no certificate.
    NoCertificate,
    /// The presented certificate is not the pinned certificate of any party of the deployment.
    UnknownCertificate,
    /// The presented certificate belongs to the deployment but is not the pinned certificate of
    /// the party id the peer claims (or that we dialed).
    CertificateMismatch {
        /// The id the peer claimed (or that we dialed).
        claimed: PartyId,
    },
    /// The claimed party id is out of range, is the listener's own id, or should not dial this
    /// party under the connection rule (party i dials every j < i).
    InvalidClaim {
        /// The claimed id.
        claimed: u64,
    },
    /// The dialer meant to reach another party than the listener.
    WrongTarget {
        /// The party the dialer meant to reach.
        target: u64,
    },
    /// The peer is configured for another session or another number of parties.
    SessionMismatch,
    /// A second connection claiming an id that is already connected.
    DuplicateConnection {
        /// The claimed id.
        claimed: PartyId,
    },
    /// The peer refused our connection with this reason (sent in its refusal frame).
    RefusedByPeer(String),
    /// The peer's hello or acknowledgement was not well-formed.
    BadHello(&'static str),
    /// The TLS handshake itself failed (rustls' message).
    Handshake(String),
}

impl fmt::Display for TlsRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsRefusal::NoCertificate => f.write_str("no client certificate presented"),
            TlsRefusal::UnknownCertificate => {
                f.write_str("certificate is not pinned for any party of the deployment")
            }
            TlsRefusal::CertificateMismatch { claimed } => write!(
                f,
                "certificate is not the pinned certificate of party {claimed}"
            ),
            TlsRefusal::InvalidClaim { claimed } => write!(
                f,
                "claimed party id {claimed} is out of range or may not dial this party"
            ),
            TlsRefusal::WrongTarget { target } => {
                write!(f, "dialer wanted party {target}, not this party")
            }
            TlsRefusal::SessionMismatch => {
                f.write_str("session id or number of parties differs from ours")
            }
            TlsRefusal::DuplicateConnection { claimed } => {
                write!(f, "party {claimed} is already connected")
            }
            TlsRefusal::RefusedByPeer(why) => write!(f, "peer refused us: {why}"),
            TlsRefusal::BadHello(why) => write!(f, "bad handshake message: {why}"),
            TlsRefusal::Handshake(why) => write!(f, "TLS handshake failed: {why}"),
        }
    }
}
