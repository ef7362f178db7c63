//! Adapters between the offline crate's preprocessing types and this crate's [`Shared`].
//!
//! Every length is checked: a preprocessing source that hands out the wrong amount is an
//! error, never a panic.

use spdz_field::Field;
use spdz_net::Transport;
use spdz_offline::{AuthShares, InputMasks, MacKeyShare, OfflineError, Triples};

use crate::error::OnlineError;
use crate::share::Shared;

/// The MAC-key share α_i as a field element (kept inside the crate, never logged).
pub(crate) fn alpha<F: Field>(key: &MacKeyShare<F>) -> F {
    key.dangerous_value()
}

/// A triple batch, split into this party's value and MAC shares.
pub(crate) struct TripleParts<F: Field> {
    pub(crate) a: Vec<F>,
    pub(crate) ma: Vec<F>,
    pub(crate) b: Vec<F>,
    pub(crate) mb: Vec<F>,
    pub(crate) c: Vec<F>,
    pub(crate) mc: Vec<F>,
}

impl<F: Field> Drop for TripleParts<F> {
    fn drop(&mut self) {
        for v in [
            &mut self.a,
            &mut self.ma,
            &mut self.b,
            &mut self.mb,
            &mut self.c,
            &mut self.mc,
        ] {
            crate::share::wipe(v);
        }
    }
}

fn parts<F: Field>(s: AuthShares<F>, n: usize) -> Result<(Vec<F>, Vec<F>), OnlineError> {
    if s.len() != n || s.values().len() != s.macs().len() {
        return Err(OnlineError::InconsistentPreprocessing {
            what: "wrong amount of material",
        });
    }
    Ok(s.into_parts())
}

pub(crate) fn triple_parts<F: Field>(
    mut t: Triples<F>,
    n: usize,
) -> Result<TripleParts<F>, OnlineError> {
    let (a, ma) = parts(core::mem::take(&mut t.a), n)?;
    let (b, mb) = parts(core::mem::take(&mut t.b), n)?;
    let (c, mc) = parts(core::mem::take(&mut t.c), n)?;
    Ok(TripleParts {
        a,
        ma,
        b,
        mb,
        c,
        mc,
    })
}

pub(crate) fn shared<F: Field>(s: AuthShares<F>, n: usize) -> Result<Shared<F>, OnlineError> {
    let (v, m) = parts(s, n)?;
    Ok(Shared::from_parts(v, m))
}

pub(crate) fn mask_parts<F: Field>(
    m: InputMasks<F>,
    n: usize,
    is_owner: bool,
) -> Result<(Shared<F>, Option<Vec<F>>), OnlineError> {
    let (s, clear) = m.into_parts();
    let s = shared(s, n)?;
    match (&clear, is_owner) {
        (Some(c), true) if c.len() == n => Ok((s, clear)),
        (None, false) => Ok((s, None)),
        _ => Err(OnlineError::InconsistentPreprocessing {
            what: "input mask clear values do not match the owner",
        }),
    }
}

/// Π_MACCheck from the offline crate.
pub(crate) async fn mac_check<F: Field, T: Transport, R: rand_core::CryptoRng + Send>(
    t: &T,
    key: &MacKeyShare<F>,
    opened: &[F],
    macs: &[F],
    rng: &mut R,
) -> Result<(), OfflineError> {
    spdz_offline::mac_check::check(t, key, opened, macs, rng).await
}

/// Whether the offline error is the MAC check's own failure (not a commitment or network
/// problem inside it).
pub(crate) fn is_mac_failure(e: &OfflineError) -> bool {
    matches!(e, OfflineError::MacCheckFailed)
}
