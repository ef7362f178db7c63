//! Input of private values through input masks, and the broadcast consistency check.
//!
//! Protocol (SPDZ, DPSZ 2012, input phase; masks from MASCOT's input tuples):
//!
//! | step | what | where |
//! |------|------|-------|
//! | 1 | take `[[r]]` with `r` known to the owner `j` | [`crate::Party::input`] via `Preprocessing::input_masks` |
//! | 2 | owner broadcasts `d = x − r` | `masked`, [`crate::Party::input`] |
//! | 3 | everyone sets `[[x]] = [[r]] + d` (public-constant addition with `α_i·d`) | [`crate::Party::input`] |
//! | 4 | everyone appends `(step, owner, d)` to a running SHA-256 digest | `BroadcastLog::record` |
//! | 5 | before any output, all exchange digests and compare (`ct_eq`) | [`crate::Party::check`], `BroadcastLog::compare` |
//!
//! Step 5 turns the point-to-point sends of step 2 into a broadcast with abort: an owner who
//! sends different `d` to different parties makes two honest digests differ, and every
//! honest party aborts with [`crate::OnlineError::BroadcastInconsistent`] before any value is
//! released. The digest is collision resistant, so equal digests mean equal views.

use sha2::{Digest, Sha256};
use spdz_field::Field;
use spdz_net::PartyId;
use subtle::{Choice, ConstantTimeEq};

use crate::error::OnlineError;

/// Length of a broadcast digest.
pub const DIGEST_BYTES: usize = 32;

/// Step 2: the owner's masked inputs `d = x − r`.
pub(crate) fn masked<F: Field>(x: &[F], r: &[F]) -> Vec<F> {
    x.iter().zip(r).map(|(&x, &r)| x - r).collect()
}

/// A running digest of every value this party saw broadcast (hash chain).
#[derive(Clone)]
pub(crate) struct BroadcastLog {
    chain: [u8; DIGEST_BYTES],
    /// Broadcasts recorded since the last comparison (public, the same at every party).
    pending: usize,
}

impl BroadcastLog {
    pub(crate) fn new() -> Self {
        Self {
            chain: [0; DIGEST_BYTES],
            pending: 0,
        }
    }

    /// Step 4: `chain ← SHA-256(chain ‖ step ‖ owner ‖ payload)`.
    pub(crate) fn record(&mut self, step: u32, owner: PartyId, payload: &[u8]) {
        let mut h = Sha256::new();
        h.update(b"spdz-online/input-broadcast/v1");
        h.update(self.chain);
        h.update(step.to_le_bytes());
        h.update((owner as u64).to_le_bytes());
        h.update((payload.len() as u64).to_le_bytes());
        h.update(payload);
        self.chain.copy_from_slice(&h.finalize());
        self.pending += 1;
    }

    /// Whether anything was broadcast since the last comparison.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending > 0
    }

    /// This party's digest, to send to the others.
    pub(crate) fn digest(&self) -> Vec<u8> {
        self.chain.to_vec()
    }

    /// Step 5: compare every peer's digest with ours, all in constant time, branching once.
    ///
    /// # Errors
    /// [`OnlineError::MalformedMessage`] if a digest has the wrong length;
    /// [`OnlineError::BroadcastInconsistent`] if any digest differs.
    pub(crate) fn compare(
        &mut self,
        received: &[Vec<u8>],
        me: PartyId,
        check: u64,
    ) -> Result<(), OnlineError> {
        let mut all_equal = Choice::from(1u8);
        for (from, d) in received.iter().enumerate() {
            if from == me {
                continue;
            }
            if d.len() != DIGEST_BYTES {
                return Err(OnlineError::MalformedMessage {
                    from,
                    what: "broadcast digest",
                });
            }
            all_equal &= d.as_slice().ct_eq(&self.chain[..]);
        }
        if bool::from(all_equal) {
            self.pending = 0;
            Ok(())
        } else {
            Err(OnlineError::BroadcastInconsistent { check })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(entries: &[(u32, usize, &[u8])]) -> BroadcastLog {
        let mut l = BroadcastLog::new();
        for &(s, o, p) in entries {
            l.record(s, o, p);
        }
        l
    }

    #[test]
    fn equal_views_pass_and_reset() {
        let mut a = log_of(&[(1, 0, b"abc"), (2, 1, b"de")]);
        let b = log_of(&[(1, 0, b"abc"), (2, 1, b"de")]);
        assert!(a.has_pending());
        let received = vec![a.digest(), b.digest(), b.digest()];
        assert!(a.compare(&received, 0, 1).is_ok());
        assert!(!a.has_pending());
    }

    #[test]
    fn any_difference_is_inconsistent() {
        let base = log_of(&[(1, 0, b"abc")]);
        for other in [
            log_of(&[(1, 0, b"abd")]),              // different payload
            log_of(&[(2, 0, b"abc")]),              // different step
            log_of(&[(1, 1, b"abc")]),              // different owner
            log_of(&[(1, 0, b"ab"), (1, 0, b"c")]), // different framing
        ] {
            let mut mine = base.clone();
            let received = vec![mine.digest(), other.digest()];
            assert!(matches!(
                mine.compare(&received, 0, 7),
                Err(OnlineError::BroadcastInconsistent { check: 7 })
            ));
        }
    }

    #[test]
    fn wrong_digest_length_is_malformed() {
        let mut a = log_of(&[(1, 0, b"x")]);
        let mut short = a.digest();
        short.pop();
        let received = vec![short, a.digest()];
        assert!(matches!(
            a.compare(&received, 1, 1),
            Err(OnlineError::MalformedMessage { from: 0, .. })
        ));
    }
}
