//! The material the offline phase produces and the online phase consumes: the MAC-key share,
//! authenticated share vectors, triples and input masks.
//!
//! Everything here is secret: `Debug` prints lengths only, and the buffers are overwritten with
//! zeros when dropped (`wipe`).

use core::fmt;

use spdz_field::Field;

/// Overwrites `xs` with zeros in a way the optimiser may not remove.
///
/// `Field` does not require `zeroize::Zeroize`, so this writes `F::ZERO` into every element and
/// then passes the slice through [`core::hint::black_box`], which the compiler must treat as a
/// read of the memory: the writes cannot be elided as dead stores. (`zeroize` uses volatile
/// writes for the same purpose; those need `unsafe`, which this crate forbids.)
pub(crate) fn wipe<F: Field>(xs: &mut [F]) {
    for x in xs.iter_mut() {
        *x = F::ZERO;
    }
    core::hint::black_box(&*xs);
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// Overwrites a byte buffer with zeros (as [`wipe`]).
pub(crate) fn wipe_bytes(xs: &mut [u8]) {
    zeroize::Zeroize::zeroize(xs);
}

/// A party's share α_i of the global MAC key α = Σ α_i.
///
/// Secret: `Debug` is redacted, there is no `Display`, and the value is wiped on drop. It is
/// sampled fresh by each party ([`MacKeyShare::random`]) and never leaves the party; only a
/// domain-separated hash of it is ever written anywhere ([`crate::store`]).
pub struct MacKeyShare<F: Field>(F);

impl<F: Field> MacKeyShare<F> {
    /// A uniformly random key share.
    pub fn random<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(F::random(rng))
    }

    /// Wraps a known value. Named `dangerous_` because a caller that passes a key it did not
    /// sample at random breaks every MAC.
    pub fn dangerous_from_value(value: F) -> Self {
        Self(value)
    }

    /// The secret value α_i. Named `dangerous_` because it exports the key share; the protocols
    /// of this crate and the online phase's MAC arithmetic are the intended callers.
    pub fn dangerous_value(&self) -> F {
        self.0
    }
}

impl<F: Field> Clone for MacKeyShare<F> {
    fn clone(&self) -> Self {
        Self(self.0)
    }
}

impl<F: Field> fmt::Debug for MacKeyShare<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacKeyShare").finish_non_exhaustive()
    }
}

impl<F: Field> Drop for MacKeyShare<F> {
    fn drop(&mut self) {
        wipe(core::slice::from_mut(&mut self.0));
    }
}

/// A vector of authenticated shares ⟦x⟧: this party's shares x_i and MAC shares m_i, with
/// Σ_i m_i = α · Σ_i x_i for every position.
///
/// Secret: `Debug` shows the length only; buffers are wiped on drop.
pub struct AuthShares<F: Field> {
    values: Vec<F>,
    macs: Vec<F>,
}

impl<F: Field> AuthShares<F> {
    /// Pairs value shares with their MAC shares.
    ///
    /// # Errors
    ///
    /// [`crate::OfflineError::ApiMisuse`] if the two vectors differ in length.
    pub fn new(values: Vec<F>, macs: Vec<F>) -> Result<Self, crate::OfflineError> {
        if values.len() != macs.len() {
            return Err(crate::OfflineError::ApiMisuse(
                "AuthShares::new: values and macs differ in length",
            ));
        }
        Ok(Self { values, macs })
    }

    /// An empty vector.
    pub fn empty() -> Self {
        Self {
            values: Vec::new(),
            macs: Vec::new(),
        }
    }

    /// An empty vector with room for `n` shares (allocate once: growth leaves copies behind).
    pub fn with_capacity(n: usize) -> Self {
        Self {
            values: Vec::with_capacity(n),
            macs: Vec::with_capacity(n),
        }
    }

    /// This party's value shares x_i.
    pub fn values(&self) -> &[F] {
        &self.values
    }

    /// This party's MAC shares m_i.
    pub fn macs(&self) -> &[F] {
        &self.macs
    }

    /// Number of shared values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` if there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Appends one authenticated share.
    pub fn push(&mut self, value: F, mac: F) {
        self.values.push(value);
        self.macs.push(mac);
    }

    /// Appends all of `other`'s shares.
    pub fn extend_from(&mut self, other: &Self) {
        self.values.extend_from_slice(&other.values);
        self.macs.extend_from_slice(&other.macs);
    }

    /// Moves the first `n` shares out (or all if fewer); the rest stay.
    pub fn take_front(&mut self, n: usize) -> Self {
        let n = n.min(self.len());
        let mut out = Self::with_capacity(n);
        out.values.extend_from_slice(&self.values[..n]);
        out.macs.extend_from_slice(&self.macs[..n]);
        // Shift the remainder down in place, then wipe the vacated tail before truncating.
        self.values.copy_within(n.., 0);
        self.macs.copy_within(n.., 0);
        let keep = self.values.len() - n;
        wipe(&mut self.values[keep..]);
        wipe(&mut self.macs[keep..]);
        self.values.truncate(keep);
        self.macs.truncate(keep);
        out
    }

    /// Copies the shares at `start..start + n` out and wipes them in place (the caller keeps a
    /// cursor; the vector keeps its length so no reallocation copies secrets around).
    ///
    /// # Panics
    ///
    /// If `start + n > self.len()` (callers check first).
    pub(crate) fn take_range(&mut self, start: usize, n: usize) -> Self {
        let out = Self {
            values: self.values[start..start + n].to_vec(),
            macs: self.macs[start..start + n].to_vec(),
        };
        wipe(&mut self.values[start..start + n]);
        wipe(&mut self.macs[start..start + n]);
        out
    }

    /// The shares at positions `range`, copied.
    pub fn slice(&self, range: core::ops::Range<usize>) -> Self {
        Self {
            values: self.values[range.clone()].to_vec(),
            macs: self.macs[range].to_vec(),
        }
    }

    /// Splits into (values, macs), handing ownership (and the duty to wipe) to the caller.
    pub fn into_parts(mut self) -> (Vec<F>, Vec<F>) {
        (
            core::mem::take(&mut self.values),
            core::mem::take(&mut self.macs),
        )
    }
}

impl<F: Field> Clone for AuthShares<F> {
    fn clone(&self) -> Self {
        Self {
            values: self.values.clone(),
            macs: self.macs.clone(),
        }
    }
}

impl<F: Field> Default for AuthShares<F> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<F: Field> fmt::Debug for AuthShares<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthShares")
            .field("len", &self.values.len())
            .finish_non_exhaustive()
    }
}

impl<F: Field> Drop for AuthShares<F> {
    fn drop(&mut self) {
        wipe(&mut self.values);
        wipe(&mut self.macs);
    }
}

/// Authenticated Beaver triples: for every position h, c_h = a_h · b_h.
#[derive(Clone, Default)]
pub struct Triples<F: Field> {
    /// Shares of a.
    pub a: AuthShares<F>,
    /// Shares of b.
    pub b: AuthShares<F>,
    /// Shares of c = a·b.
    pub c: AuthShares<F>,
}

impl<F: Field> Triples<F> {
    /// Number of triples.
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// `true` if there are none.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// Moves the first `n` triples out.
    pub fn take_front(&mut self, n: usize) -> Self {
        Self {
            a: self.a.take_front(n),
            b: self.b.take_front(n),
            c: self.c.take_front(n),
        }
    }

    /// Appends `other`'s triples.
    pub fn extend_from(&mut self, other: &Self) {
        self.a.extend_from(&other.a);
        self.b.extend_from(&other.b);
        self.c.extend_from(&other.c);
    }
}

impl<F: Field> fmt::Debug for Triples<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Triples")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// Input masks ⟦r⟧ for one owner; the owner also gets the clear values r.
#[derive(Clone, Default)]
pub struct InputMasks<F: Field> {
    /// The authenticated shares of r.
    pub shares: AuthShares<F>,
    /// The clear r, only at the owner (`None` at every other party).
    pub clear: Option<Vec<F>>,
}

impl<F: Field> InputMasks<F> {
    /// Number of masks.
    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// `true` if there are none.
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }

    /// Splits into the shares and the clear values (the caller takes over wiping the latter).
    pub fn into_parts(mut self) -> (AuthShares<F>, Option<Vec<F>>) {
        (core::mem::take(&mut self.shares), self.clear.take())
    }
}

impl<F: Field> fmt::Debug for InputMasks<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputMasks")
            .field("len", &self.len())
            .field("owner", &self.clear.is_some())
            .finish_non_exhaustive()
    }
}

impl<F: Field> Drop for InputMasks<F> {
    fn drop(&mut self) {
        if let Some(clear) = self.clear.as_mut() {
            wipe(clear);
        }
    }
}
