//! Authenticated share vectors `[[x]]` and opened (public) values.
//!
//! A party's part of `[[x]]` is its additive share `x_i` and its MAC share `m_i`, with
//! `Σ x_i = x` and `Σ m_i = α·x` for the global MAC key `α = Σ α_i`. Linear operations are
//! local: they act on values and MACs alike. Adding a public constant needs the MAC-key share
//! and therefore lives on [`crate::Party::add_public`].

use core::ops::{Add, Neg, Sub};

use spdz_field::Field;

/// One party's shares of a vector of authenticated secrets `[[x]]` (values and MAC shares).
///
/// Scalars are vectors of length 1. `Debug` prints only the length. On drop the shares are
/// overwritten with zero (best effort: `Field` does not promise `Zeroize`, so the writes are
/// plain stores kept alive with `black_box`).
pub struct Shared<F: Field> {
    values: Vec<F>,
    macs: Vec<F>,
}

impl<F: Field> Shared<F> {
    /// Assemble from a party's value shares and MAC shares (equal lengths; checked by callers
    /// inside the crate).
    pub(crate) fn from_parts(values: Vec<F>, macs: Vec<F>) -> Self {
        debug_assert_eq!(values.len(), macs.len());
        Self { values, macs }
    }

    /// This party's value shares and MAC shares, to keep a secret across sessions (a model
    /// kept in shares, written to the party's own file). Named `dangerous_` because both are
    /// secret: never log or send them.
    #[must_use]
    pub fn dangerous_parts(&self) -> (&[F], &[F]) {
        (&self.values, &self.macs)
    }

    /// A vector from a party's value shares and MAC shares, as [`Shared::dangerous_parts`]
    /// gave them in an earlier session. Valid only if that session's global MAC key is this
    /// session's (the preprocessing made under the same key shares); shares or MACs that do
    /// not fit are caught by the next MAC check, like any other wrong share.
    ///
    /// # Errors
    /// [`crate::OnlineError::ApiMisuse`] if the two lengths differ.
    pub fn try_from_parts(values: Vec<F>, macs: Vec<F>) -> Result<Self, crate::OnlineError> {
        if values.len() != macs.len() {
            return Err(crate::OnlineError::ApiMisuse {
                what: "value and MAC shares of different lengths",
            });
        }
        Ok(Self { values, macs })
    }

    /// Shares of the public vector 0 of length `n` (valid: its MAC is 0).
    #[must_use]
    pub fn zeros(n: usize) -> Self {
        Self {
            values: vec![F::ZERO; n],
            macs: vec![F::ZERO; n],
        }
    }

    /// Number of secrets in the vector.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the vector is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// This party's value shares (secret: never log them).
    pub(crate) fn values(&self) -> &[F] {
        &self.values
    }

    /// This party's MAC shares (secret: never log them).
    pub(crate) fn macs(&self) -> &[F] {
        &self.macs
    }

    /// The sub-vector `start..start + len`.
    ///
    /// # Panics
    /// If the range is out of bounds (a caller mistake, never caused by peers).
    #[must_use]
    pub fn slice(&self, start: usize, len: usize) -> Self {
        Self {
            values: self.values[start..start + len].to_vec(),
            macs: self.macs[start..start + len].to_vec(),
        }
    }

    /// The secrets at the given indices, in that order.
    ///
    /// # Panics
    /// If an index is out of bounds (a caller mistake).
    #[must_use]
    pub fn gather(&self, indices: &[usize]) -> Self {
        Self {
            values: indices.iter().map(|&i| self.values[i]).collect(),
            macs: indices.iter().map(|&i| self.macs[i]).collect(),
        }
    }

    /// Concatenate vectors (to batch independent operations into one round).
    #[must_use]
    pub fn concat(parts: &[&Self]) -> Self {
        let n = parts.iter().map(|p| p.len()).sum();
        let mut values = Vec::with_capacity(n);
        let mut macs = Vec::with_capacity(n);
        for p in parts {
            values.extend_from_slice(&p.values);
            macs.extend_from_slice(&p.macs);
        }
        Self { values, macs }
    }

    /// Multiply every secret by the public `c` (local).
    #[must_use]
    pub fn scale(&self, c: F) -> Self {
        Self {
            values: self.values.iter().map(|&v| v * c).collect(),
            macs: self.macs.iter().map(|&m| m * c).collect(),
        }
    }

    /// Multiply element `j` by the public `c[j]` (local).
    ///
    /// # Panics
    /// If `c.len() != self.len()` (a caller mistake).
    #[must_use]
    pub fn scale_each(&self, c: &[F]) -> Self {
        assert_eq!(c.len(), self.len(), "scale_each: length mismatch");
        Self {
            values: self.values.iter().zip(c).map(|(&v, &c)| v * c).collect(),
            macs: self.macs.iter().zip(c).map(|(&m, &c)| m * c).collect(),
        }
    }

    /// Sum of all secrets of the vector, as a length-1 vector (local).
    #[must_use]
    pub fn sum(&self) -> Self {
        let mut v = F::ZERO;
        let mut m = F::ZERO;
        for (&a, &b) in self.values.iter().zip(&self.macs) {
            v += a;
            m += b;
        }
        Self {
            values: vec![v],
            macs: vec![m],
        }
    }

    /// `Σ c_j · x_j` for public coefficients `c` (local), as a length-1 vector.
    ///
    /// # Panics
    /// If `c.len() != self.len()` (a caller mistake).
    #[must_use]
    pub fn linear_combination(&self, c: &[F]) -> Self {
        assert_eq!(c.len(), self.len(), "linear_combination: length mismatch");
        Self {
            values: vec![F::inner_product(&self.values, c)],
            macs: vec![F::inner_product(&self.macs, c)],
        }
    }

    fn zip_with(&self, other: &Self, f: impl Fn(F, F) -> F) -> Self {
        assert_eq!(
            self.len(),
            other.len(),
            "length mismatch between share vectors"
        );
        Self {
            values: self
                .values
                .iter()
                .zip(&other.values)
                .map(|(&a, &b)| f(a, b))
                .collect(),
            macs: self
                .macs
                .iter()
                .zip(&other.macs)
                .map(|(&a, &b)| f(a, b))
                .collect(),
        }
    }
}

impl<F: Field> Clone for Shared<F> {
    fn clone(&self) -> Self {
        Self {
            values: self.values.clone(),
            macs: self.macs.clone(),
        }
    }
}

impl<F: Field> Drop for Shared<F> {
    fn drop(&mut self) {
        wipe(&mut self.values);
        wipe(&mut self.macs);
    }
}

/// Overwrite secret field elements with zero before their memory is released (best effort).
pub(crate) fn wipe<F: Field>(v: &mut [F]) {
    for x in v.iter_mut() {
        *x = F::ZERO;
    }
    core::hint::black_box(v);
}

impl<F: Field> core::fmt::Debug for Shared<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shared")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// `[[x]] + [[y]]` element-wise. Panics if the lengths differ (a caller mistake).
impl<F: Field> Add for &Shared<F> {
    type Output = Shared<F>;
    fn add(self, rhs: Self) -> Shared<F> {
        self.zip_with(rhs, |a, b| a + b)
    }
}

/// `[[x]] − [[y]]` element-wise. Panics if the lengths differ (a caller mistake).
impl<F: Field> Sub for &Shared<F> {
    type Output = Shared<F>;
    fn sub(self, rhs: Self) -> Shared<F> {
        self.zip_with(rhs, |a, b| a - b)
    }
}

/// `−[[x]]`.
impl<F: Field> Neg for &Shared<F> {
    type Output = Shared<F>;
    fn neg(self) -> Shared<F> {
        Shared {
            values: self.values.iter().map(|&v| -v).collect(),
            macs: self.macs.iter().map(|&m| -m).collect(),
        }
    }
}

impl<F: Field> Add for Shared<F> {
    type Output = Shared<F>;
    fn add(self, rhs: Self) -> Shared<F> {
        &self + &rhs
    }
}

impl<F: Field> Sub for Shared<F> {
    type Output = Shared<F>;
    fn sub(self, rhs: Self) -> Shared<F> {
        &self - &rhs
    }
}

impl<F: Field> Neg for Shared<F> {
    type Output = Shared<F>;
    fn neg(self) -> Shared<F> {
        -&self
    }
}

/// Values that were opened **and** passed the MAC check (and the broadcast consistency check)
/// — the only way the online phase releases a result. Public, so `Debug` prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened<F: Field>(Vec<F>);

impl<F: Field> Opened<F> {
    /// Built only by [`crate::Party::reveal`] after a passed check.
    pub(crate) fn checked(values: Vec<F>) -> Self {
        Self(values)
    }

    /// The values.
    #[must_use]
    pub fn values(&self) -> &[F] {
        &self.0
    }

    /// The values, owned.
    #[must_use]
    pub fn into_vec(self) -> Vec<F> {
        self.0
    }
}
