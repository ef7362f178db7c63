//! Named cheating strategies for the adversarial suite and the `spdz --cheat` option.
//!
//! A [`crate::Party`] built with [`crate::Party::with_cheat`] deviates from the protocol in
//! exactly the named way; every other party stays honest. Each strategy is caught by one
//! check, and the adversarial tests assert that every honest party then aborts with that
//! check's error and outputs nothing.

/// A deviation from the SPDZ online protocol applied by one (corrupt) party.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cheat {
    /// When opening (partial openings in multiplications and fixed-point protocols, and
    /// outputs), add 1 to the first share sent to every peer. Every honest party then opens
    /// a wrong value; caught by Π_MACCheck → [`crate::OnlineError::MacCheckFailed`].
    WrongShareOnOpen,
    /// In Π_MACCheck, add 1 to the first MAC share checked, so the party's σ is wrong. Caught
    /// by Π_MACCheck → [`crate::OnlineError::MacCheckFailed`].
    WrongMacShareInCheck,
    /// As an input owner, send `x − r` to the lowest-numbered peer and `x − r + 1` to all
    /// others (with two parties: `x − r + 1` to the only peer), while recording `x − r` as what
    /// was broadcast. Caught by the broadcast digest comparison before any output →
    /// [`crate::OnlineError::BroadcastInconsistent`].
    EquivocateInput,
    /// As [`Cheat::EquivocateInput`], but the cheater records in its own digest what the
    /// lowest peer received, so its digest agrees with that peer's. With three or more
    /// parties two honest digests still differ → [`crate::OnlineError::BroadcastInconsistent`];
    /// with two parties the digests agree, and the inconsistent MACs of the input (the peer
    /// added `α_i(d + 1)`) fail Π_MACCheck at the first output →
    /// [`crate::OnlineError::MacCheckFailed`]. Either way nothing is output.
    EquivocateInputAndDigest,
}

impl Cheat {
    /// Every strategy, for test matrices and `--cheat` help text.
    pub const ALL: [Cheat; 4] = [
        Cheat::WrongShareOnOpen,
        Cheat::WrongMacShareInCheck,
        Cheat::EquivocateInput,
        Cheat::EquivocateInputAndDigest,
    ];

    /// Stable kebab-case name (for the command line).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Cheat::WrongShareOnOpen => "wrong-share-on-open",
            Cheat::WrongMacShareInCheck => "wrong-mac-share",
            Cheat::EquivocateInput => "equivocate-input",
            Cheat::EquivocateInputAndDigest => "equivocate-input-and-digest",
        }
    }

    /// Parse a [`Cheat::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}
