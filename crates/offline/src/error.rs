//! The crate's error type: one variant per check of the paper, peer faults apart from caller
//! mistakes.

use spdz_net::PartyId;

/// Everything that makes the offline phase stop.
///
/// Variants carry public context only (party ids, counts, step names), never a share, MAC,
/// key or seed. A failed MAC, authentication or sacrifice check cannot be pinned on one party,
/// so those variants name none; a bad commitment opening or a malformed message belongs to the
/// peer that sent it, so those variants do.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// Π_MACCheck: the opened σ_i do not sum to zero — some opened value or MAC share is wrong.
    #[error("Π_MACCheck failed: the MAC of an opened value does not verify")]
    MacCheckFailed,
    /// Π_Triple, Sacrifice: s·c − ĉ − ρ·b opened to a non-zero value for some triple.
    #[error("Π_Triple sacrifice check failed: s·c − ĉ − ρ·b ≠ 0")]
    SacrificeFailed,
    /// Π_⟦·⟧, Check: the MAC check on the random combination y = Σ r_h·x_h of the values
    /// authenticated through COPEe failed (a party used inconsistent inputs in COPEe, or
    /// changed its share of y).
    #[error("Π_[[·]] authentication check failed: the MAC on y = Σ r_h·x_h does not verify")]
    AuthenticationCheckFailed,
    /// A party opened a commitment to something else than it committed to.
    #[error("party {from} opened a commitment that does not match it")]
    CommitmentMismatch {
        /// The party whose opening is wrong.
        from: PartyId,
    },
    /// Two parties received different commitments from the same broadcast round (a party
    /// equivocated, telling different parties different things).
    #[error("broadcast inconsistent in {step}: parties saw different commitments")]
    BroadcastInconsistent {
        /// The protocol step whose broadcast was inconsistent.
        step: &'static str,
    },
    /// Random bits: the opened square a² has no square root, which cannot happen for an
    /// honestly made square.
    #[error("random-bit generation failed: opened a² is not a square")]
    BitGenerationFailed,
    /// A peer sent bytes that do not decode: wrong length, count, or a field element ≥ p.
    #[error("malformed {what} from party {from}")]
    MalformedMessage {
        /// The sender.
        from: PartyId,
        /// Which message.
        what: &'static str,
    },
    /// A peer runs with other parameters (counts, batch size, workers, field or party count):
    /// the runs cannot match, so this party stops before any protocol message.
    #[error("party {from} runs with other parameters")]
    ParamsMismatch {
        /// The peer whose parameter digest differs.
        from: PartyId,
    },
    /// Not enough preprocessed material of one kind is left.
    #[error("not enough {kind}: {requested} requested, {available} available")]
    Exhausted {
        /// Which kind of material (triples, squares, bits, input masks).
        kind: &'static str,
        /// How many were asked for.
        requested: usize,
        /// How many are left.
        available: usize,
    },
    /// This source of preprocessing was marked spent ([`crate::Preprocessing::mark_spent`])
    /// after an abort: a cheater may know the global MAC key, so it never hands anything out
    /// again. Generate fresh preprocessing.
    #[error("preprocessing was marked spent after an abort and is never used again")]
    Spent,
    /// The caller used the API wrongly (a bad party id, mismatched lengths, zero parties, a
    /// driver used after an abort). Never caused by a peer.
    #[error("API misuse: {0}")]
    ApiMisuse(&'static str),
    /// A preprocessing store could not be read or written, or is not the expected file.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The OT layer failed (including its own consistency check).
    #[error(transparent)]
    Ot(#[from] spdz_ot::OtError),
    /// The network failed.
    #[error(transparent)]
    Net(#[from] spdz_net::NetError),
    /// An earlier call failed with the given reason; this driver is poisoned and discards its
    /// secret state.
    #[error("aborted earlier: {0}")]
    Aborted(String),
}
