//! Named cheating strategies, for the adversarial suite and the `spdz triples --cheat` flag.
//!
//! Each strategy is one deviation from the protocol that the party configured with it applies;
//! every other party runs honestly. Every strategy targets one check, and
//! `Cheat::expected_abort` names the error every honest party must return.
//!
//! **Only with the cargo feature `adversarial`** (off by default; the `spdz` command and the
//! test suites turn it on). Without it [`Cheat`] is an enum with no variants: an
//! `Option<Cheat>` can only be `None`, and every deviation in the protocol code sits inside
//! `deviate!`, which compiles its body only with the feature. A service that embeds the
//! library without the feature has no code path that deviates.

#[cfg(feature = "adversarial")]
use crate::OfflineError;

/// Applies a deviation: `deviate!(cheat, Variant, { body })` runs `body` iff `cheat` (an
/// `Option<Cheat>`) is `Some(Cheat::Variant)`. Without the feature `adversarial` the body is
/// not compiled at all.
macro_rules! deviate {
    ($cheat:expr, $which:ident, $body:block) => {
        #[cfg(feature = "adversarial")]
        if $cheat == Some($crate::Cheat::$which) $body
        #[cfg(not(feature = "adversarial"))]
        let _ = &$cheat;
    };
}
pub(crate) use deviate;

/// A deviation from MASCOT: none in this build. Without the feature `adversarial` this type has
/// no values, so `Option<Cheat>` is always `None` and no code path deviates.
#[cfg(not(feature = "adversarial"))]
// `non_exhaustive` as with the feature, so that turning it on breaks no downstream match.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cheat {}

#[cfg(not(feature = "adversarial"))]
impl Cheat {
    /// The OT-layer strategy inside: there is none.
    pub const fn ot(self) -> Option<spdz_ot::OtCheat> {
        match self {}
    }
}

/// A deviation from MASCOT by one party (feature `adversarial`).
#[cfg(feature = "adversarial")]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cheat {
    /// Π_Triple: add 1 to this party's share of c (of the first triple of the batch) after
    /// Combine, before Sacrifice. Caught by the sacrifice check ([`OfflineError::SacrificeFailed`]).
    WrongTripleShare,
    /// COPEe Extend: use a different x (x + 1) in bit position 0 than in the other positions
    /// for the first value this party authenticates. Caught by the Π_⟦·⟧ check
    /// ([`OfflineError::AuthenticationCheckFailed`]).
    CopeeInconsistentInput,
    /// Π_MACCheck: open a σ_i different from the one committed to. Caught by the commitment
    /// check ([`OfflineError::CommitmentMismatch`] naming the cheater).
    MacCheckOpenDifferent,
    /// Π_MACCheck: use a wrong MAC share (m_i + 1) in σ_i. Caught by the sum check
    /// ([`OfflineError::MacCheckFailed`]).
    WrongMacShare,
    /// F_Rand: open a coin-toss seed different from the committed one. Caught by the commitment
    /// check ([`OfflineError::CommitmentMismatch`] naming the cheater).
    CoinSeedMismatch,
    /// A cheating strategy of the OT layer (crates/ot), applied by this party in the base OTs
    /// of COPEe Initialize or in the KOS extension of Π_Triple Multiply.
    Ot(spdz_ot::OtCheat),
}

/// Which check every honest party must report for a cheat (feature `adversarial`).
#[cfg(feature = "adversarial")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedAbort {
    /// [`OfflineError::SacrificeFailed`].
    SacrificeFailed,
    /// [`OfflineError::AuthenticationCheckFailed`].
    AuthenticationCheckFailed,
    /// [`OfflineError::CommitmentMismatch`] naming the cheater.
    CommitmentMismatchFromCheater,
    /// [`OfflineError::MacCheckFailed`].
    MacCheckFailed,
    /// The KOS consistency check, inside [`OfflineError::Ot`].
    OtConsistencyFailed,
    /// A malformed OT message from the cheater, inside [`OfflineError::Ot`].
    OtMalformedFromCheater,
}

#[cfg(feature = "adversarial")]
impl Cheat {
    /// Every strategy, in a stable order.
    pub const ALL: [Cheat; 10] = [
        Cheat::WrongTripleShare,
        Cheat::CopeeInconsistentInput,
        Cheat::MacCheckOpenDifferent,
        Cheat::WrongMacShare,
        Cheat::CoinSeedMismatch,
        Cheat::Ot(spdz_ot::OtCheat::InconsistentChoiceBits),
        Cheat::Ot(spdz_ot::OtCheat::NonCanonicalPoint),
        Cheat::Ot(spdz_ot::OtCheat::IdentityPoint),
        Cheat::Ot(spdz_ot::OtCheat::TruncatedExtension),
        Cheat::Ot(spdz_ot::OtCheat::OverlongExtension),
    ];

    /// The strategy's name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Cheat::WrongTripleShare => "wrong-triple-share",
            Cheat::CopeeInconsistentInput => "copee-inconsistent-input",
            Cheat::MacCheckOpenDifferent => "mac-check-open-different",
            Cheat::WrongMacShare => "wrong-mac-share",
            Cheat::CoinSeedMismatch => "coin-seed-mismatch",
            Cheat::Ot(c) => c.name(),
        }
    }

    /// One line for `--help`.
    pub const fn description(self) -> &'static str {
        match self {
            Cheat::WrongTripleShare => "add an error to the share of c before Sacrifice",
            Cheat::CopeeInconsistentInput => "use inconsistent x across bit positions in COPEe",
            Cheat::MacCheckOpenDifferent => "open a different σ than committed in the MAC check",
            Cheat::WrongMacShare => "use a wrong MAC share in the MAC check",
            Cheat::CoinSeedMismatch => "open a coin-toss seed different from its commitment",
            Cheat::Ot(spdz_ot::OtCheat::InconsistentChoiceBits) => {
                "OT extension: inconsistent choice bits across columns (KOS check)"
            }
            Cheat::Ot(spdz_ot::OtCheat::NonCanonicalPoint) => {
                "base OT: send a non-canonical point encoding"
            }
            Cheat::Ot(spdz_ot::OtCheat::IdentityPoint) => "base OT: send the identity point",
            Cheat::Ot(spdz_ot::OtCheat::TruncatedExtension) => {
                "OT extension: drop the last byte of the extension message"
            }
            Cheat::Ot(spdz_ot::OtCheat::OverlongExtension) => {
                "OT extension: append a byte to the extension message"
            }
            Cheat::Ot(_) => "a cheat of the OT layer",
        }
    }

    /// Parses a name from [`Cheat::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The OT-layer strategy inside, if this is one.
    pub const fn ot(self) -> Option<spdz_ot::OtCheat> {
        match self {
            Cheat::Ot(c) => Some(c),
            _ => None,
        }
    }

    /// The abort every honest party must report.
    pub const fn expected_abort(self) -> ExpectedAbort {
        match self {
            Cheat::WrongTripleShare => ExpectedAbort::SacrificeFailed,
            Cheat::CopeeInconsistentInput => ExpectedAbort::AuthenticationCheckFailed,
            Cheat::MacCheckOpenDifferent | Cheat::CoinSeedMismatch => {
                ExpectedAbort::CommitmentMismatchFromCheater
            }
            Cheat::WrongMacShare => ExpectedAbort::MacCheckFailed,
            Cheat::Ot(spdz_ot::OtCheat::InconsistentChoiceBits) => {
                ExpectedAbort::OtConsistencyFailed
            }
            Cheat::Ot(_) => ExpectedAbort::OtMalformedFromCheater,
        }
    }
}

#[cfg(feature = "adversarial")]
impl ExpectedAbort {
    /// `true` if `err` is this abort (with `cheater` blamed where the variant names a party).
    pub fn matches(self, err: &OfflineError, cheater: spdz_net::PartyId) -> bool {
        match self {
            ExpectedAbort::SacrificeFailed => matches!(err, OfflineError::SacrificeFailed),
            ExpectedAbort::AuthenticationCheckFailed => {
                matches!(err, OfflineError::AuthenticationCheckFailed)
            }
            ExpectedAbort::CommitmentMismatchFromCheater => {
                matches!(err, OfflineError::CommitmentMismatch { from } if *from == cheater)
            }
            ExpectedAbort::MacCheckFailed => matches!(err, OfflineError::MacCheckFailed),
            ExpectedAbort::OtConsistencyFailed => {
                matches!(err, OfflineError::Ot(spdz_ot::OtError::OtConsistencyFailed))
            }
            ExpectedAbort::OtMalformedFromCheater => matches!(
                err,
                OfflineError::Ot(spdz_ot::OtError::MalformedMessage { from, .. }) if *from == cheater
            ),
        }
    }
}

#[cfg(feature = "adversarial")]
impl core::fmt::Display for Cheat {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
