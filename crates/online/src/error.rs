//! Errors of the online phase: one variant per check, public context only.

use spdz_net::{NetError, PartyId};
use spdz_offline::OfflineError;

/// Why a [`crate::Party`] stopped. Kept (it is `Copy`) after the first error, and returned as
/// [`OnlineError::Aborted`] by every later call: a poisoned handle releases nothing.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortReason {
    /// The batched Π_MACCheck over the opened values failed.
    MacCheckFailed,
    /// The input broadcast consistency check failed (some party equivocated).
    BroadcastInconsistent,
    /// A peer sent a message that does not parse.
    MalformedMessage {
        /// The peer that sent it.
        from: PartyId,
    },
    /// The network failed (disconnect, timeout, framing).
    Network,
    /// The preprocessing source failed or ran out.
    Preprocessing,
    /// Another check of the offline crate's MAC check (e.g. a commitment that does not open).
    OfflineCheck,
    /// A fixed-point input failed its range proof.
    InputOutOfRange {
        /// The input's owner.
        from: PartyId,
    },
}

/// Errors of the SPDZ online phase.
///
/// Variants caused by peers abort the computation (the handle is poisoned afterwards); a
/// [`OnlineError::ApiMisuse`] found before anything was sent leaves the handle usable.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    /// Π_MACCheck (batched, over all values opened since the previous check) failed: some
    /// party opened a wrong share or sent a wrong MAC share. Cannot be pinned on one party.
    #[error("Π_MACCheck failed over {opened} opened values (check #{check})")]
    MacCheckFailed {
        /// How many opened values the failed batch covered.
        opened: usize,
        /// Sequence number of the check in this session.
        check: u64,
    },
    /// The parties' digests of everything broadcast so far differ: an input owner told
    /// different parties different masked values (or a party lied about its digest).
    #[error("input broadcast consistency check failed (check #{check})")]
    BroadcastInconsistent {
        /// Sequence number of the check in this session.
        check: u64,
    },
    /// A fixed-point input of party `from` is not in the declared range `|x̃| < 2^(K−1)`: its
    /// range proof (the owner's bits of `x̃ + 2^(K−1)` are not all bits) failed, after
    /// Π_MACCheck had confirmed that the test was computed correctly. The input never entered
    /// any masked opening.
    #[error("fixed-point input of party {from} is out of range (range proof failed)")]
    InputOutOfRange {
        /// The input's owner.
        from: PartyId,
    },
    /// A peer's message had a wrong length or a field element ≥ p.
    #[error("malformed {what} from party {from}")]
    MalformedMessage {
        /// The peer that sent it.
        from: PartyId,
        /// Which message.
        what: &'static str,
    },
    /// The transport failed.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The offline crate's MAC check failed for a reason other than a wrong MAC (a commitment
    /// that does not open, a malformed message inside the check, ...).
    #[error(transparent)]
    Offline(#[from] OfflineError),
    /// The preprocessing source failed (exhausted, or refused to hand material out twice).
    #[error("preprocessing source failed: {0}")]
    Preprocessing(#[source] OfflineError),
    /// The preprocessing source handed out material that cannot be right (e.g. an input mask
    /// without its clear value at the owner).
    #[error("inconsistent preprocessing: {what}")]
    InconsistentPreprocessing {
        /// What was wrong.
        what: &'static str,
    },
    /// The caller asked for something impossible (lengths differ, wrong input owner, bad
    /// parameters). Detected before anything was sent; the handle stays usable.
    #[error("API misuse: {what}")]
    ApiMisuse {
        /// What was wrong.
        what: &'static str,
    },
    /// The handle aborted earlier for `reason` and releases nothing any more.
    #[error("the computation aborted earlier: {reason:?}")]
    Aborted {
        /// The first error's kind.
        reason: AbortReason,
    },
}

impl OnlineError {
    /// The abort kind this error poisons the handle with (`None` for caller mistakes).
    #[must_use]
    pub fn abort_reason(&self) -> Option<AbortReason> {
        match self {
            Self::MacCheckFailed { .. } => Some(AbortReason::MacCheckFailed),
            Self::BroadcastInconsistent { .. } => Some(AbortReason::BroadcastInconsistent),
            Self::MalformedMessage { from, .. } => {
                Some(AbortReason::MalformedMessage { from: *from })
            }
            Self::InputOutOfRange { from } => Some(AbortReason::InputOutOfRange { from: *from }),
            Self::Net(_) => Some(AbortReason::Network),
            Self::Offline(_) => Some(AbortReason::OfflineCheck),
            Self::Preprocessing(_) | Self::InconsistentPreprocessing { .. } => {
                Some(AbortReason::Preprocessing)
            }
            Self::ApiMisuse { .. } => None,
            Self::Aborted { reason } => Some(*reason),
        }
    }
}
