//! The public trace of a party's steps: what was opened, how it was masked, and when the
//! checks ran.
//!
//! Everything recorded here is public (step tags, lengths, labels, counts), never a share or
//! an opened value. The adversarial tests read it to assert *where* an honest party stopped:
//! that it aborted before it sent its share of a value that is masked only statistically.

use spdz_net::PartyId;

/// How an opened value hides the secrets it depends on (see `papers/spdz.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Masking {
    /// Uniform in F_p, whatever the other parties did: Beaver's ε = x − a and δ = y − b, a
    /// square's ε = x − a. Such an opening needs no check before it.
    Uniform,
    /// Masked by a bounded random `r < 2^(k'+s)` (TruncPR, LTZ/Mod2m, EQZ, BitDec): hides `x`
    /// only while `|x| < 2^(k'−1)`. Every earlier opening passes Π_MACCheck first.
    Statistical,
    /// A value that is zero in an honest run (the input range proof's bit test): not masked
    /// at all, so every earlier opening passes Π_MACCheck first.
    ZeroTest,
    /// An output: public, or private to one party (`x − r` with the owner's mask `r`, which is
    /// an output to the owner). Every earlier opening passes Π_MACCheck first (SPDZ's output
    /// phase), and the output's own MACs are checked before it is released.
    Output,
}

/// One public event of a [`crate::Party`]'s run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// An input: the owner's masked values `d = x − r` (uniformly masked) went out on `step`.
    Input {
        /// The step tag.
        step: u32,
        /// Who input.
        owner: PartyId,
        /// How many values.
        len: usize,
    },
    /// This party sent its shares of `len` values on `step`, to be opened.
    Opened {
        /// The step tag.
        step: u32,
        /// Which protocol step opened them.
        what: &'static str,
        /// How the opened values are masked.
        masking: Masking,
        /// How many values.
        len: usize,
    },
    /// The checks (broadcast digests, then Π_MACCheck over `opened` pending values) started.
    Checked {
        /// Sequence number of the check.
        check: u64,
        /// Values opened since the previous check.
        opened: usize,
    },
}

/// The recorded events.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    events: Vec<TraceEvent>,
}

impl Trace {
    pub(crate) fn push(&mut self, e: TraceEvent) {
        self.events.push(e);
    }

    pub(crate) fn events(&self) -> &[TraceEvent] {
        &self.events
    }
}
