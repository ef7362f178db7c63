//! Errors and named cheating strategies of the OT layer.

use crate::PartyId;

/// Why an OT protocol stopped. Every check of the protocols maps to one variant; context is
/// public only (party ids, what was malformed), never a key, a choice bit or Δ.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum OtError {
    /// KOS consistency check (ePrint 2015/546, the correlation check on the extended matrix),
    /// or SoftSpokenOT's subspace-VOLE check, which has the same form, failed: the extension
    /// receiver did not use one choice vector in all 128 columns, or its
    /// extension message was altered in transit. Raised by the extension sender.
    #[error("OT-extension consistency check failed (KOS or SoftSpokenOT)")]
    OtConsistencyFailed,
    /// SoftSpokenOT setup: the punctured-PRF consistency check failed (the receiver's GGM
    /// corrections do not rebuild the leaves its digest commits to, ePrint 2022/192 as
    /// implemented by libOTe's malicious small-field VOLE). Raised by the extension sender.
    #[error("SoftSpokenOT punctured-PRF consistency check failed")]
    PprfConsistencyFailed,
    /// A coin-toss opening did not match the commitment the peer sent earlier.
    #[error("coin-toss commitment of party {from} does not open to the revealed seed")]
    CommitmentMismatch {
        /// The peer whose opening failed.
        from: PartyId,
    },
    /// A message from a peer had the wrong length, a non-canonical point encoding, the identity
    /// where the protocol forbids it, or another structural defect.
    #[error("malformed {what} from party {from}")]
    MalformedMessage {
        /// The peer that sent it.
        from: PartyId,
        /// Which message or field.
        what: &'static str,
    },
    /// The caller used the API wrongly (not caused by a peer).
    #[error("OT API misuse: {what}")]
    ApiMisuse {
        /// What was wrong.
        what: &'static str,
    },
    /// An earlier call on this OT instance aborted; the instance is poisoned and its secret
    /// state has been dropped.
    #[error("OT instance unusable after an earlier abort")]
    Poisoned,
    /// The transport failed.
    #[error(transparent)]
    Net(#[from] spdz_net::NetError),
}

/// Named cheating strategies, for the adversarial tests and `spdz ... --cheat` (feature
/// `adversarial`).
///
/// A cheating party applies its strategy to the messages it sends; honest parties must abort
/// with the variant named below and never output a wrong value or panic.
#[cfg(feature = "adversarial")]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OtCheat {
    /// KOS extension receiver uses different choice bits in different columns of the IKNP
    /// matrix: in every odd column it encodes the complement of its choice bit for row 0 (the
    /// attack the KOS check exists for, which would let it learn bits of Δ). Caught by the
    /// extension sender as [`OtError::OtConsistencyFailed`] except with probability 2^-64 (the
    /// row differs in 64 columns; passing needs Δ to be 0 in all of them).
    /// SoftSpokenOT: the receiver flips row 0's bit in the correction c_v of every odd VOLE
    /// (again 64 bits of Δ), caught the same way by its subspace-VOLE check.
    InconsistentChoiceBits,
    /// Base OT: the party sends a non-canonical ristretto255 encoding (the field element p,
    /// a non-reduced encoding of 0) instead of its first point. Caught as
    /// [`OtError::MalformedMessage`].
    NonCanonicalPoint,
    /// Base OT: the party sends the identity point as its first point. Caught as
    /// [`OtError::MalformedMessage`].
    IdentityPoint,
    /// KOS or SoftSpokenOT extension receiver drops the last byte of its extension message.
    /// Caught as
    /// [`OtError::MalformedMessage`].
    TruncatedExtension,
    /// KOS or SoftSpokenOT extension receiver appends one byte to its extension message.
    /// Caught as
    /// [`OtError::MalformedMessage`].
    OverlongExtension,
    /// SoftSpokenOT receiver flips one bit of both level-0 GGM corrections of its first VOLE
    /// at setup, so the sender rebuilds leaves that differ from the ones the receiver's digest
    /// commits to. Caught by the extension sender as [`OtError::PprfConsistencyFailed`]
    /// (always, up to a SHA-256 collision). KOS has no such message and ignores it.
    PprfInconsistentCorrection,
}

#[cfg(feature = "adversarial")]
impl OtCheat {
    /// Every strategy, for test matrices and the CLI's list.
    pub const ALL: [Self; 6] = [
        Self::InconsistentChoiceBits,
        Self::NonCanonicalPoint,
        Self::IdentityPoint,
        Self::TruncatedExtension,
        Self::OverlongExtension,
        Self::PprfInconsistentCorrection,
    ];

    /// Stable kebab-case name (CLI `--cheat NAME`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::InconsistentChoiceBits => "ot-inconsistent-choice-bits",
            Self::NonCanonicalPoint => "ot-non-canonical-point",
            Self::IdentityPoint => "ot-identity-point",
            Self::TruncatedExtension => "ot-truncated-extension",
            Self::OverlongExtension => "ot-overlong-extension",
            Self::PprfInconsistentCorrection => "ot-pprf-inconsistent-correction",
        }
    }

    /// Parses a [`name`](Self::name).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Named cheating strategies: none in this build. Without the `adversarial` feature this type
/// has no values, so every `Option<OtCheat>` is `None` and no code path deviates from the
/// protocol; the deviations themselves are compiled out.
#[cfg(not(feature = "adversarial"))]
// `non_exhaustive` as with the feature, so that turning it on breaks no downstream match.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OtCheat {}
