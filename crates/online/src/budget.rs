//! Preprocessing budget: what each online operation consumes.
//!
//! Every operation of [`crate::Party`] draws a fixed amount of preprocessing that depends only
//! on public sizes (vector length, fixed-point parameters). The functions here compute that
//! amount *before* running anything, so that the offline phase can produce exactly that; the
//! handle also counts what it actually drew ([`crate::Party::consumed`]) and the tests check
//! that the two agree.

use core::ops::{Add, AddAssign, Mul};

use spdz_net::PartyId;

/// Amounts of preprocessing material.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Beaver triples `([[a]], [[b]], [[ab]])`.
    pub triples: usize,
    /// Square pairs `([[a]], [[a²]])`.
    pub squares: usize,
    /// Random authenticated bits `[[b]]`, `b ∈ {0, 1}`.
    pub bits: usize,
    /// Input masks per owner: `input_masks[j]` masks for party `j` (index = party id; the
    /// vector is only as long as the highest owner used).
    pub input_masks: Vec<usize>,
}

impl Budget {
    /// Nothing.
    #[must_use]
    pub fn zero() -> Self {
        Self::default()
    }

    /// `n` triples.
    #[must_use]
    pub fn triples(n: usize) -> Self {
        Self {
            triples: n,
            ..Self::default()
        }
    }

    /// `n` square pairs.
    #[must_use]
    pub fn squares(n: usize) -> Self {
        Self {
            squares: n,
            ..Self::default()
        }
    }

    /// `n` random bits.
    #[must_use]
    pub fn bits(n: usize) -> Self {
        Self {
            bits: n,
            ..Self::default()
        }
    }

    /// `n` input masks for `owner`.
    #[must_use]
    pub fn input_masks(owner: PartyId, n: usize) -> Self {
        let mut input_masks = vec![0; owner + 1];
        input_masks[owner] = n;
        Self {
            input_masks,
            ..Self::default()
        }
    }

    /// Input masks for `owner` in this budget.
    #[must_use]
    pub fn masks_for(&self, owner: PartyId) -> usize {
        self.input_masks.get(owner).copied().unwrap_or(0)
    }

    /// The largest number of input masks any one owner needs (MASCOT's `generate` makes the
    /// same number for every owner).
    #[must_use]
    pub fn max_input_masks(&self) -> usize {
        self.input_masks.iter().copied().max().unwrap_or(0)
    }

    /// MASCOT's parameters for exactly this budget (`spdz_offline::generate`; the other
    /// parameters at their defaults: override batch size, workers or τ with struct update).
    #[must_use]
    pub fn mascot_params(&self) -> spdz_offline::Params {
        spdz_offline::Params {
            triples: self.triples,
            squares: self.squares,
            bits: self.bits,
            input_masks: self.max_input_masks(),
            ..spdz_offline::Params::default()
        }
    }
}

impl AddAssign<&Budget> for Budget {
    fn add_assign(&mut self, rhs: &Budget) {
        self.triples += rhs.triples;
        self.squares += rhs.squares;
        self.bits += rhs.bits;
        if self.input_masks.len() < rhs.input_masks.len() {
            self.input_masks.resize(rhs.input_masks.len(), 0);
        }
        for (a, b) in self.input_masks.iter_mut().zip(&rhs.input_masks) {
            *a += b;
        }
    }
}

impl Add for Budget {
    type Output = Budget;
    fn add(mut self, rhs: Budget) -> Budget {
        self += &rhs;
        self
    }
}

/// The budget of `k` repetitions.
impl Mul<usize> for Budget {
    type Output = Budget;
    fn mul(self, k: usize) -> Budget {
        Budget {
            triples: self.triples * k,
            squares: self.squares * k,
            bits: self.bits * k,
            input_masks: self.input_masks.iter().map(|m| m * k).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_add_and_scale_per_owner() {
        let b = Budget::triples(2)
            + Budget::input_masks(2, 3)
            + Budget::bits(5)
            + Budget::input_masks(0, 1);
        assert_eq!(b.input_masks, vec![1, 0, 3]);
        assert_eq!(b.masks_for(2), 3);
        assert_eq!(b.masks_for(7), 0);
        assert_eq!(b.max_input_masks(), 3);
        let b4 = b.clone() * 4;
        assert_eq!((b4.triples, b4.bits, b4.squares), (8, 20, 0));
        assert_eq!(b4.input_masks, vec![4, 0, 12]);
        assert_eq!(Budget::zero() * 9, Budget::zero());
    }
}
