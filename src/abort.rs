//! One classification of every way a run can stop, across all crates.
//!
//! Each crate has its own error enum with one variant per check; [`AbortKind`] folds them into
//! the reasons a user acts on. The `spdz` command maps it to its exit code and prints its
//! [`AbortKind::name`]; the adversarial suite asserts it.

use spdz_net::{NetError, PartyId};
use spdz_offline::OfflineError;
use spdz_online::OnlineError;
use spdz_ot::OtError;

/// Why a protocol run stopped, named after the check (and its protocol) that failed.
///
/// Variants carry public context only: the id of a party when the failure belongs to that
/// party's own messages (a commitment it opened wrongly, a frame it sent), never a share or key.
/// A failed MAC, sacrifice or authentication check cannot be pinned on anyone and names nobody.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortKind {
    /// Π_MACCheck: an opened value's MAC did not verify.
    MacCheckFailed,
    /// Π_Triple, Sacrifice: s·c − ĉ − ρ·b ≠ 0.
    SacrificeFailed,
    /// Π_[[·]]: the check on a random combination of COPEe-authenticated values failed.
    AuthenticationCheckFailed,
    /// OT extension: the KOS or SoftSpokenOT consistency check (or SoftSpokenOT's PPRF check) failed.
    OtConsistencyFailed,
    /// A commitment (coin toss, MAC check) was opened to something else.
    CommitmentMismatch {
        /// The party whose opening was wrong.
        from: PartyId,
    },
    /// A broadcast was inconsistent: some party told different parties different things.
    BroadcastInconsistent,
    /// A fixed-point input's range proof failed: its owner input a value outside the
    /// declared range.
    InputOutOfRange {
        /// The input's owner.
        from: PartyId,
    },
    /// Random-bit generation: an opened square had no root.
    BitGenerationFailed,
    /// A peer sent bytes that do not decode (bad frame, length, field element, point, step).
    MalformedMessage {
        /// The sender.
        from: PartyId,
    },
    /// A peer closed its connection.
    PeerDisconnected {
        /// The peer.
        peer: PartyId,
    },
    /// A peer did not answer in time.
    Timeout {
        /// The peer.
        peer: PartyId,
    },
    /// A TLS connection was refused: unknown certificate, or a certificate that does not match
    /// the party id claimed.
    TlsAuthentication,
    /// Another network failure (I/O).
    Network,
    /// Preprocessing ran out or was refused (material is never handed out twice).
    PreprocessingExhausted,
    /// A component was used after it had aborted; it releases nothing.
    Poisoned,
    /// A peer runs with other parameters than this party (counts, batch size, workers).
    ParamsMismatch {
        /// The peer.
        from: PartyId,
    },
    /// The caller's mistake (bad parameters, bad configuration): not caused by a peer.
    ApiMisuse,
}

/// What a caller should do about an [`AbortKind`]; the `spdz` command's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortClass {
    /// A protocol check failed or a peer sent garbage: someone cheated (exit code 3).
    Protocol,
    /// The network failed (exit code 4).
    Network,
    /// Bad usage or configuration (exit code 2).
    Usage,
}

impl AbortKind {
    /// The variant's name, stable, for JSON reports (`"SacrificeFailed"`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            AbortKind::MacCheckFailed => "MacCheckFailed",
            AbortKind::SacrificeFailed => "SacrificeFailed",
            AbortKind::AuthenticationCheckFailed => "AuthenticationCheckFailed",
            AbortKind::OtConsistencyFailed => "OtConsistencyFailed",
            AbortKind::CommitmentMismatch { .. } => "CommitmentMismatch",
            AbortKind::BroadcastInconsistent => "BroadcastInconsistent",
            AbortKind::InputOutOfRange { .. } => "InputOutOfRange",
            AbortKind::BitGenerationFailed => "BitGenerationFailed",
            AbortKind::MalformedMessage { .. } => "MalformedMessage",
            AbortKind::PeerDisconnected { .. } => "PeerDisconnected",
            AbortKind::Timeout { .. } => "Timeout",
            AbortKind::TlsAuthentication => "TlsAuthentication",
            AbortKind::Network => "Network",
            AbortKind::PreprocessingExhausted => "PreprocessingExhausted",
            AbortKind::Poisoned => "Poisoned",
            AbortKind::ParamsMismatch { .. } => "ParamsMismatch",
            AbortKind::ApiMisuse => "ApiMisuse",
        }
    }

    /// The party this abort blames, where the failure belongs to one party's own messages.
    #[must_use]
    pub const fn blamed(self) -> Option<PartyId> {
        match self {
            AbortKind::CommitmentMismatch { from }
            | AbortKind::MalformedMessage { from }
            | AbortKind::InputOutOfRange { from }
            | AbortKind::ParamsMismatch { from } => Some(from),
            AbortKind::PeerDisconnected { peer } | AbortKind::Timeout { peer } => Some(peer),
            _ => None,
        }
    }

    /// Whether this is a cheat, a network failure or a caller mistake.
    #[must_use]
    pub const fn class(self) -> AbortClass {
        match self {
            AbortKind::PeerDisconnected { .. }
            | AbortKind::Timeout { .. }
            | AbortKind::TlsAuthentication
            | AbortKind::Network => AbortClass::Network,
            AbortKind::ApiMisuse | AbortKind::ParamsMismatch { .. } => AbortClass::Usage,
            _ => AbortClass::Protocol,
        }
    }
}

impl From<&NetError> for AbortKind {
    fn from(err: &NetError) -> Self {
        match err {
            NetError::PeerDisconnected { peer } => AbortKind::PeerDisconnected { peer: *peer },
            NetError::Timeout { peer } => AbortKind::Timeout { peer: *peer },
            NetError::FrameTooLarge { peer, .. }
            | NetError::MalformedFrame { peer, .. }
            | NetError::UnexpectedStep { peer, .. }
            | NetError::OutOfSequence { peer, .. }
            | NetError::WrongSession { peer, .. } => AbortKind::MalformedMessage { from: *peer },
            NetError::TlsAuthentication { .. } => AbortKind::TlsAuthentication,
            NetError::Io { .. } => AbortKind::Network,
            _ => AbortKind::ApiMisuse,
        }
    }
}

impl From<&OtError> for AbortKind {
    fn from(err: &OtError) -> Self {
        match err {
            OtError::OtConsistencyFailed => AbortKind::OtConsistencyFailed,
            // SoftSpokenOT's setup check of the same extension: the same kind of abort.
            OtError::PprfConsistencyFailed => AbortKind::OtConsistencyFailed,
            OtError::CommitmentMismatch { from } => AbortKind::CommitmentMismatch { from: *from },
            OtError::MalformedMessage { from, .. } => AbortKind::MalformedMessage { from: *from },
            OtError::Poisoned => AbortKind::Poisoned,
            OtError::Net(e) => e.into(),
            _ => AbortKind::ApiMisuse,
        }
    }
}

impl From<&OfflineError> for AbortKind {
    fn from(err: &OfflineError) -> Self {
        match err {
            OfflineError::MacCheckFailed => AbortKind::MacCheckFailed,
            OfflineError::SacrificeFailed => AbortKind::SacrificeFailed,
            OfflineError::AuthenticationCheckFailed => AbortKind::AuthenticationCheckFailed,
            OfflineError::CommitmentMismatch { from } => {
                AbortKind::CommitmentMismatch { from: *from }
            }
            OfflineError::BroadcastInconsistent { .. } => AbortKind::BroadcastInconsistent,
            OfflineError::BitGenerationFailed => AbortKind::BitGenerationFailed,
            OfflineError::MalformedMessage { from, .. } => {
                AbortKind::MalformedMessage { from: *from }
            }
            OfflineError::Exhausted { .. }
            | OfflineError::Spent
            | OfflineError::Store(spdz_offline::StoreError::Spent { .. }) => {
                AbortKind::PreprocessingExhausted
            }
            OfflineError::ParamsMismatch { from } => AbortKind::ParamsMismatch { from: *from },
            OfflineError::Ot(e) => e.into(),
            OfflineError::Net(e) => e.into(),
            OfflineError::Aborted(_) => AbortKind::Poisoned,
            _ => AbortKind::ApiMisuse,
        }
    }
}

impl From<&OnlineError> for AbortKind {
    fn from(err: &OnlineError) -> Self {
        match err {
            OnlineError::MacCheckFailed { .. } => AbortKind::MacCheckFailed,
            OnlineError::BroadcastInconsistent { .. } => AbortKind::BroadcastInconsistent,
            OnlineError::InputOutOfRange { from } => AbortKind::InputOutOfRange { from: *from },
            OnlineError::MalformedMessage { from, .. } => {
                AbortKind::MalformedMessage { from: *from }
            }
            OnlineError::Net(e) => e.into(),
            OnlineError::Offline(e) => e.into(),
            OnlineError::Preprocessing(_) | OnlineError::InconsistentPreprocessing { .. } => {
                AbortKind::PreprocessingExhausted
            }
            OnlineError::Aborted { .. } => AbortKind::Poisoned,
            _ => AbortKind::ApiMisuse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_exit_codes() {
        assert_eq!(AbortKind::SacrificeFailed.class(), AbortClass::Protocol);
        assert_eq!(
            AbortKind::MalformedMessage { from: 1 }.class(),
            AbortClass::Protocol
        );
        assert_eq!(
            AbortKind::PeerDisconnected { peer: 0 }.class(),
            AbortClass::Network
        );
        assert_eq!(AbortKind::ApiMisuse.class(), AbortClass::Usage);
    }

    #[test]
    fn spent_preprocessing_is_refused_preprocessing() {
        assert_eq!(
            AbortKind::from(&OfflineError::Spent),
            AbortKind::PreprocessingExhausted
        );
        let err = OfflineError::Store(spdz_offline::StoreError::Spent {
            path: "party-0.spdzprep".into(),
        });
        assert_eq!(AbortKind::from(&err), AbortKind::PreprocessingExhausted);
    }

    #[test]
    fn nested_errors_keep_their_check() {
        let err = OfflineError::Ot(OtError::OtConsistencyFailed);
        assert_eq!(AbortKind::from(&err), AbortKind::OtConsistencyFailed);
        let err = OnlineError::Offline(OfflineError::CommitmentMismatch { from: 2 });
        assert_eq!(
            AbortKind::from(&err),
            AbortKind::CommitmentMismatch { from: 2 }
        );
        assert_eq!(AbortKind::from(&err).blamed(), Some(2));
        let err = OfflineError::Net(NetError::Timeout { peer: 1 });
        assert_eq!(AbortKind::from(&err), AbortKind::Timeout { peer: 1 });
    }
}
