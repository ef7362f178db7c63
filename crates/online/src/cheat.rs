//! Named cheating strategies for the adversarial suite and the `spdz --cheat` option.
//!
//! A [`crate::Party`] built with `Party::with_cheat` (feature `adversarial`) deviates from the
//! protocol in exactly the named way; every other party stays honest. Each strategy is caught
//! by one check, and the adversarial tests assert that every honest party then aborts with
//! that check's error, outputs nothing, and (for the strategies that aim at privacy) that it
//! stopped before sending anything that the deviation could have made depend on its secrets.
//!
//! Without the `adversarial` feature the type exists only inside the crate and no party ever
//! deviates: every `cheats(..)` test is the constant `false`.
#![cfg_attr(not(feature = "adversarial"), allow(unreachable_pub, dead_code))]

use spdz_field::{Field, Fp};

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
    /// In every Beaver multiplication outside a comparison, add the known error
    /// `E = 2^100` to this party's share of ε (first element), and use the shifted ε itself.
    /// Everyone then holds `z' = x·y + E·y`: a truncation of `z'` would open
    /// `c ≈ E·y + r` and show the cheater `y`. Caught by the Π_MACCheck that runs before every
    /// statistically masked opening → [`crate::OnlineError::MacCheckFailed`], before any
    /// honest party sends its share of `c`.
    ShiftEpsilon,
    /// As [`Cheat::ShiftEpsilon`] on δ: `z' = x·y + E·x` would show `x`.
    ShiftDelta,
    /// In every Beaver multiplication inside a comparison (LTZ's BitLT carry tree, EQZ's
    /// product tree), add `E = 2^100` to this party's share of ε: the comparison's result is
    /// then not a bit but `b + E·(…)`, and a later product with an honest value, truncated,
    /// would show that value. Caught by the Π_MACCheck before the next statistically masked
    /// opening → [`crate::OnlineError::MacCheckFailed`].
    ShiftComparison,
    /// As the owner of a fixed-point input, input `2^105` in place of the first value (its
    /// "bits" no longer bits), so that a product with an honest value would open
    /// `c ≈ 2^105·y + r`. Caught by the input range proof →
    /// [`crate::OnlineError::InputOutOfRange`] naming the cheater, before the value enters
    /// any masked opening.
    InputOutOfRange,
}

/// The known error of the shift cheats, `E = 2^100`.
pub(crate) fn shift_error<F: Field>() -> F {
    // 2^100 = (2^50)^2, built from the trait's u64 constructor.
    let half = F::from_u64(1u64 << 50);
    half * half
}

/// The out-of-range value of [`Cheat::InputOutOfRange`], as a field element: `2^105`.
pub(crate) fn out_of_range_value() -> Fp {
    Fp::from_u128(1u128 << 105)
}

impl Cheat {
    /// Every strategy, for test matrices and `--cheat` help text.
    pub const ALL: [Cheat; 8] = [
        Cheat::WrongShareOnOpen,
        Cheat::WrongMacShareInCheck,
        Cheat::EquivocateInput,
        Cheat::EquivocateInputAndDigest,
        Cheat::ShiftEpsilon,
        Cheat::ShiftDelta,
        Cheat::ShiftComparison,
        Cheat::InputOutOfRange,
    ];

    /// Stable kebab-case name (for the command line, which prefixes `online-`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Cheat::WrongShareOnOpen => "wrong-share-on-open",
            Cheat::WrongMacShareInCheck => "wrong-mac-share",
            Cheat::EquivocateInput => "equivocate-input",
            Cheat::EquivocateInputAndDigest => "equivocate-input-and-digest",
            Cheat::ShiftEpsilon => "shift-epsilon",
            Cheat::ShiftDelta => "shift-delta",
            Cheat::ShiftComparison => "shift-comparison",
            Cheat::InputOutOfRange => "input-out-of-range",
        }
    }

    /// One line for help texts.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Cheat::WrongShareOnOpen => "open a wrong share",
            Cheat::WrongMacShareInCheck => "use a wrong MAC share in Π_MACCheck",
            Cheat::EquivocateInput => "send different input broadcasts to different peers",
            Cheat::EquivocateInputAndDigest => {
                "equivocate an input and lie in the broadcast digest to match one peer"
            }
            Cheat::ShiftEpsilon => "add 2^100 to its share of Beaver's ε before a truncation",
            Cheat::ShiftDelta => "add 2^100 to its share of Beaver's δ before a truncation",
            Cheat::ShiftComparison => "add 2^100 to its share of ε inside a comparison",
            Cheat::InputOutOfRange => "input 2^105 as a fixed-point value",
        }
    }

    /// Whether the strategy deviates in a program of integer inputs and products only (no
    /// fixed-point input, no comparison): the last two need those to apply.
    #[must_use]
    pub fn applies_to_integer_programs(self) -> bool {
        !matches!(self, Cheat::ShiftComparison | Cheat::InputOutOfRange)
    }

    /// Parse a [`Cheat::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}
