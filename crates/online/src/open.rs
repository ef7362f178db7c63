//! Opening `[[x]]` and the deferred, batched MAC check.
//!
//! | step | what | where |
//! |------|------|-------|
//! | 1 | every party sends its value shares to every peer (one `exchange_all`) | [`crate::Party`]'s opening |
//! | 2 | parse each peer's shares (length, each element < p) and add them up | `sum_shares` |
//! | 3 | append `(x, m_i)` to the pending list; **nothing opened is trusted yet** | `Pending` |
//! | 4 | before any output, and whenever the pending list exceeds the bound, run the broadcast digest comparison and Π_MACCheck (MASCOT, ePrint 2016/505, Fig. "Π_MACCheck") over the whole list | [`crate::Party::check`] |
//!
//! Π_MACCheck itself lives in the offline crate (`mac_check::check`): random coefficients by
//! coin tossing, each party commits to `σ_i = Σ r_j m_{ij} − α_i Σ r_j x_j`, opens, and all
//! check `Σ σ_i = 0`; a wrong opened value or MAC share passes with probability ≤ 2/p ≈ 2^-126.

use spdz_field::Field;
use spdz_net::PartyId;

use crate::error::OnlineError;
use crate::share::wipe;

/// Step 2: add up everyone's shares of the opened vector (our own at index `me`).
///
/// # Errors
/// [`OnlineError::MalformedMessage`] if a peer's payload has the wrong length or contains an
/// element ≥ p.
pub(crate) fn sum_shares<F: Field>(
    received: &[Vec<u8>],
    own: Vec<F>,
    me: PartyId,
    what: &'static str,
) -> Result<Vec<F>, OnlineError> {
    let mut sum = own;
    for (from, bytes) in received.iter().enumerate() {
        if from == me {
            continue;
        }
        if bytes.len() != sum.len() * F::BYTES {
            return Err(OnlineError::MalformedMessage { from, what });
        }
        // Decode and add in one pass (no intermediate vector); every element is checked < p.
        for (s, chunk) in sum.iter_mut().zip(bytes.chunks_exact(F::BYTES)) {
            *s += F::read_le(chunk).map_err(|_| OnlineError::MalformedMessage { from, what })?;
        }
    }
    Ok(sum)
}

/// Step 3: values opened since the last check, with this party's MAC shares of them.
pub(crate) struct Pending<F: Field> {
    pub(crate) values: Vec<F>,
    pub(crate) macs: Vec<F>,
}

impl<F: Field> Pending<F> {
    pub(crate) fn new() -> Self {
        Self {
            values: Vec::new(),
            macs: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// Appends opened values and takes over the MAC shares (moved in when the list is
    /// empty, so a large batch is not copied).
    pub(crate) fn push(&mut self, values: &[F], mut macs: Vec<F>) {
        self.values.extend_from_slice(values);
        if self.macs.is_empty() {
            self.macs = macs;
        } else {
            self.macs.extend_from_slice(&macs);
            wipe(&mut macs);
        }
    }

    /// Take the list out (the handle clears it whether or not the check passes).
    pub(crate) fn take(&mut self) -> (Vec<F>, Vec<F>) {
        (
            core::mem::take(&mut self.values),
            core::mem::take(&mut self.macs),
        )
    }
}

impl<F: Field> Drop for Pending<F> {
    fn drop(&mut self) {
        wipe(&mut self.macs);
    }
}
