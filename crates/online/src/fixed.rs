//! Fixed-point arithmetic, comparison and nonlinear functions on authenticated shares.
//!
//! A real `x` is the field element `x̃ = round(x·2^f)` in the signed range of `F_p`
//! (`spdz_field::FixedPoint`). Defaults: `f = 16` fractional bits, `k = 64` (every value
//! passed to a truncation or comparison satisfies `|x̃| < 2^(k−1)`), and statistical masking
//! parameter `s = 40` (MP-SPDZ's default): an opened masked value `x̃ + 2^(k−1) + r` with
//! `r < 2^(k+s)` is within statistical distance `2^−s` of independent of `x̃`. No wrap-around
//! mod p requires `k + s ≤ 126`, so with `k = 64`, `s ≤ 62`. (The MAC checks are separate and
//! keep their `≥ 2^−126` soundness.)
//!
//! Random bits are the expensive preprocessing, so every protocol uses exactly as many as its
//! masking bound needs: `k + s` bits for a truncation or comparison of a `k`-bit value (the
//! `m` low bits of the mask must be bits; the `k + s − m` high bits mask statistically and
//! are bits too, since MASCOT offers no cheaper bounded randomness). Internal truncations of
//! values with a smaller bound use that smaller bound. Exact counts per element are computed
//! by the `cost_*` functions of [`FixedParams`] and asserted against what the handle actually
//! draws in the tests.
//!
//! | operation | paper / algorithm | bits / element (defaults) | triples | rounds |
//! |---|---|---|---|---|
//! | [`Party::input_fixed`] | owner's bits + zero test of `b² − b` (range proof) | 0 (32 squares, 32 masks) | 0 | 3 + check |
//! | [`Party::trunc_pr`] | Catrina–Saxena 2010, TruncPR | `k + s` = 104 | 0 | 1 + check |
//! | [`Party::fx_mul`] | product + TruncPR | 104 | 1 | 6 |
//! | [`Party::ltz`] | Catrina–de Hoogh 2010, LTZ = −Trunc(a, k−1) via Mod2m + BitLT | 104 | 124 | 7 + check |
//! | [`Party::eqz`] | Catrina–de Hoogh 2010, EQZ (bits of `c − r` and a product tree) | 104 | 63 | 7 + check |
//! | [`Party::relu`] | `x − x·LTZ(x)` | 104 | 125 | 8 + check |
//! | [`Party::reciprocal`] | sign, BitDec + prefix-OR normalisation, Newton–Raphson (4 it.) | see `cost_reciprocal` | | |
//! | [`Party::exp`] | clamp; `2^(x log2 e)`: integer part by BitDec, fraction by degree-9 Taylor | see `cost_exp` | | |
//! | [`Party::sigmoid`] | `1/(1+e^−|x|)` with a clamp, Newton–Raphson on [1, 2], sign fix | see `cost_sigmoid` | | 120 |
//!
//! "check" is the Π_MACCheck (4 rounds) that runs before every opening that is not uniformly
//! masked whenever values were opened since the last one (`papers/spdz.md`, "Which openings
//! are masked how"): a cheater who shifted an earlier opening could otherwise read honest
//! secrets from a statistically masked `c`.
//!
//! Accuracy (measured against f64 over 10,000 random inputs each, asserted by
//! `tests/online_fixed.rs`; see `papers/spdz.md`): products within 1 unit (`2^−16`);
//! comparisons exact; reciprocal and division, exp and sigmoid within the bounds stated on
//! each function.

use spdz_field::{Field, FixedPoint, Fp};
use spdz_net::Transport;
use spdz_offline::Preprocessing;

use spdz_net::PartyId;

use crate::budget::Budget;
use crate::cheat::Cheat;
use crate::error::OnlineError;
use crate::party::Party;
use crate::share::Shared;
use crate::trace::Masking;

/// Newton–Raphson iterations of the general reciprocal (initial relative error ≤ 0.0858,
/// squared each iteration: 2^−56 after four, so the working precision limits the result).
pub const RECIPROCAL_ITERATIONS: usize = 4;
/// Newton–Raphson iterations of the reciprocal inside the sigmoid (on [1, 2]; 2^−28 after 3).
pub const SIGMOID_ITERATIONS: usize = 3;
/// Degree of the Taylor polynomial of `2^t` on `t ∈ (−1, 1)` in [`Party::exp`]
/// (remainder ≤ 2·(ln 2)^10/10! ≈ 1.4·10^−8).
pub const EXP_DEGREE: usize = 9;
/// Bits of `|x·log2 e|` for the exp domain (`< 2^6`), plus a sign bit.
const EXP_INT_BITS: u32 = 7;
/// Sigmoid clamps `|x|` to this (σ(11) = 1 − 1.7·10^−5, within about one unit of 1).
pub const SIGMOID_CLAMP: u128 = 11;

/// Fixed-point parameters of the online phase (validated by [`FixedParams::new`] and
/// [`FixedParams::with_input_bits`]; the fields are private so every instance satisfies
/// `1 ≤ f < k`, `k + s ≤ 126` and `2 ≤ K ≤ k − f`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedParams {
    /// `f`: fractional bits (default 16).
    frac_bits: u32,
    /// `k`: bound on values given to truncation and comparison, `|x̃| < 2^(k−1)` (default 64).
    int_bits: u32,
    /// `s`: statistical masking parameter of truncation and comparison (default 40).
    stat_bits: u32,
    /// `K`: the proven bound of fixed-point inputs, `|x̃| < 2^(K−1)` (default 32).
    input_bits: u32,
}

/// Default input bound `K = 32`: `|x| < 2^(K−1−f) = 2^15` with `f = 16`, and the product of
/// two inputs stays below `2^(2K−2) = 2^62 < 2^(k−1)`.
pub const DEFAULT_INPUT_BITS: u32 = 32;

impl Default for FixedParams {
    fn default() -> Self {
        Self {
            frac_bits: 16,
            int_bits: 64,
            stat_bits: 40,
            input_bits: DEFAULT_INPUT_BITS,
        }
    }
}

pub(crate) fn pow2(m: u32) -> Fp {
    debug_assert!(m <= 126);
    Fp::from_u128(1u128 << m)
}

/// `2^−m = 2^(127−m)` in `F_p` since `2^127 ≡ 1 (mod 2^127 − 1)`.
pub(crate) fn inv_pow2(m: u32) -> Fp {
    if m == 0 { Fp::ONE } else { pow2(127 - m) }
}

fn low_bits(c: Fp, m: u32) -> u128 {
    c.to_u128() & ((1u128 << m) - 1)
}

fn bit_fp(c: u128, j: u32) -> Fp {
    Fp::from_u128((c >> j) & 1)
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]
fn round_scaled(x: f64, bits: u32) -> Fp {
    // Public constants only; 0 ≤ x·2^bits < 2^100 here.
    Fp::from_u128((x * 2f64.powi(bits as i32)).round() as u128)
}

impl FixedParams {
    /// Validated parameters.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] unless `1 ≤ f < k`, `s ≥ 1` and `k + s ≤ 126`.
    pub fn new(frac_bits: u32, int_bits: u32, stat_bits: u32) -> Result<Self, OnlineError> {
        if frac_bits == 0 || frac_bits >= int_bits || stat_bits == 0 || int_bits + stat_bits > 126 {
            return Err(OnlineError::ApiMisuse {
                what: "fixed-point parameters need 1 ≤ f < k and k + s ≤ 126",
            });
        }
        Ok(Self {
            frac_bits,
            int_bits,
            stat_bits,
            input_bits: DEFAULT_INPUT_BITS.min(int_bits - frac_bits).max(2),
        })
    }

    /// The same parameters with the input bound `K`: every fixed-point input is proven to
    /// satisfy `|x̃| < 2^(K−1)`, i.e. `|x| < 2^(K−1−f)`. The computation must choose `K` so
    /// that every value it truncates or compares stays below `2^(k−1)` for all inputs in
    /// range (a product of two inputs needs `2K − 2 ≤ k − 1`; a product of an input and a
    /// value of magnitude at most 1 needs `K ≤ k − f`). The proof costs `K` squares and `K`
    /// input masks of the owner per input.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] unless `2 ≤ K ≤ k − f`.
    pub fn with_input_bits(mut self, input_bits: u32) -> Result<Self, OnlineError> {
        if input_bits < 2 || input_bits > self.int_bits - self.frac_bits {
            return Err(OnlineError::ApiMisuse {
                what: "the input bound needs 2 ≤ K ≤ k − f",
            });
        }
        self.input_bits = input_bits;
        Ok(self)
    }

    /// `K`, the proven bound of fixed-point inputs (`|x̃| < 2^(K−1)`).
    #[must_use]
    pub fn input_bits(&self) -> u32 {
        self.input_bits
    }

    /// The largest real a fixed-point input may have: `2^(K−1−f) − 2^−f`.
    #[must_use]
    pub fn input_limit(&self) -> f64 {
        let k = i32::try_from(self.input_bits).unwrap_or(i32::MAX);
        let f = i32::try_from(self.frac_bits).unwrap_or(i32::MAX);
        2f64.powi(k - 1 - f) - 2f64.powi(-f)
    }

    /// Preprocessing of `n` range-proven unsigned inputs of `owner` below `2^bits`
    /// ([`Party::input_uint`]): `bits` input masks of the owner and `bits` squares per input.
    #[must_use]
    pub fn cost_input_uint(&self, owner: PartyId, n: usize, bits: u32) -> Budget {
        let b = n * bits as usize;
        Budget::input_masks(owner, b) + Budget::squares(b)
    }

    /// Preprocessing of `n` fixed-point inputs of `owner` proven below `2^(K−1)` for the bound
    /// `K = input_bits` ([`Party::input_fixed_many_bounded`]).
    #[must_use]
    pub fn cost_input_fixed_bounded(&self, owner: PartyId, n: usize, input_bits: u32) -> Budget {
        self.cost_input_uint(owner, n, input_bits)
    }

    /// Preprocessing of `n` range-proven fixed-point inputs of `owner`
    /// ([`Party::input_fixed`]): `K` input masks of the owner and `K` squares per input.
    #[must_use]
    pub fn cost_input_fixed(&self, owner: PartyId, n: usize) -> Budget {
        let bits = n * self.input_bits as usize;
        Budget::input_masks(owner, bits) + Budget::squares(bits)
    }

    /// `f`, fractional bits.
    #[must_use]
    pub fn frac_bits(&self) -> u32 {
        self.frac_bits
    }

    /// `k`, the bit bound of values given to truncation and comparison.
    #[must_use]
    pub fn int_bits(&self) -> u32 {
        self.int_bits
    }

    /// `s`, the statistical masking parameter.
    #[must_use]
    pub fn stat_bits(&self) -> u32 {
        self.stat_bits
    }

    /// The matching encoder/decoder of `spdz_field`.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if the field crate rejects the parameters.
    pub fn encoding(&self) -> Result<FixedPoint, OnlineError> {
        FixedPoint::new(self.frac_bits, self.int_bits).map_err(|_| OnlineError::ApiMisuse {
            what: "fixed-point parameters",
        })
    }

    fn check_trunc(&self, k: u32, m: u32) -> Result<(), OnlineError> {
        if k == 0 || m >= k || k + self.stat_bits > 126 {
            return Err(OnlineError::ApiMisuse {
                what: "truncation needs m < k and k + s ≤ 126",
            });
        }
        Ok(())
    }

    /// `K = k − f`: magnitude bits of a divisor (`|ỹ| < 2^K`).
    fn recip_bits(&self) -> u32 {
        self.int_bits - self.frac_bits
    }

    /// Working precision of the reciprocal's Newton–Raphson (37 with the defaults).
    fn recip_precision(&self) -> Option<u32> {
        let p = (125 - self.stat_bits)
            .checked_sub(self.recip_bits())?
            .min(40);
        (p >= 20
            && 2 * p + 3 + self.stat_bits <= 126
            && p + self.recip_bits() >= 2 * self.frac_bits)
            .then_some(p)
    }

    /// Working precision `2f` of exp and sigmoid, the largest integer part `i_max` of
    /// `x·log2 e + f` that exp supports, and the bit length of `i_max`.
    fn exp_layout(&self) -> Option<(u32, u32, u32)> {
        let f2 = 2 * self.frac_bits;
        let i_max = (126 - self.stat_bits).checked_sub(f2 + 2)?;
        if i_max <= self.frac_bits
            || 2 * f2 + 3 + self.stat_bits > 126
            || f2 + self.frac_bits + EXP_INT_BITS + self.stat_bits > 126
        {
            return None;
        }
        let ei = 32 - i_max.leading_zeros();
        Some((f2, i_max, ei))
    }

    /// Per element: TruncPR of a `k`-bit value (`m > 0`).
    #[must_use]
    pub fn cost_trunc(&self, k: u32) -> Budget {
        Budget::bits((k + self.stat_bits) as usize)
    }

    /// Per element: BitLT of an `m`-bit public value and `m` secret bits.
    #[must_use]
    pub fn cost_bitlt(&self, m: u32) -> Budget {
        Budget::triples(2 * (m as usize).saturating_sub(1))
    }

    /// Per element: fixed-point multiplication.
    #[must_use]
    pub fn cost_fx_mul(&self) -> Budget {
        Budget::triples(1) + self.cost_trunc(self.int_bits)
    }

    /// A fixed-point dot product of length `n` ([`Party::fx_dot`]; not per element).
    #[must_use]
    pub fn cost_fx_dot(&self, n: usize) -> Budget {
        Budget::triples(n) + self.cost_trunc(self.int_bits)
    }

    /// Per element: multiplication by a public real ([`Party::fx_scale`]).
    #[must_use]
    pub fn cost_fx_scale(&self) -> Budget {
        self.cost_trunc(self.int_bits)
    }

    /// Per element: less-than-zero (also [`Party::lt`]).
    #[must_use]
    pub fn cost_ltz(&self) -> Budget {
        self.cost_trunc(self.int_bits) + self.cost_bitlt(self.int_bits - 1)
    }

    /// Per element: equality with zero (also [`Party::eq`]).
    #[must_use]
    pub fn cost_eqz(&self) -> Budget {
        self.cost_trunc(self.int_bits) + Budget::triples((self.int_bits - 1) as usize)
    }

    /// Per element: ReLU.
    #[must_use]
    pub fn cost_relu(&self) -> Budget {
        self.cost_ltz() + Budget::triples(1)
    }

    /// Per element: bit decomposition of a `bits`-bit non-negative value.
    #[must_use]
    pub fn cost_bitdec(&self, bits: u32) -> Budget {
        self.cost_trunc(bits) + Budget::triples((bits - 1) as usize)
    }

    /// Per element: reciprocal (zero for parameters it does not support).
    #[must_use]
    pub fn cost_reciprocal(&self) -> Budget {
        let Some(p) = self.recip_precision() else {
            return Budget::zero();
        };
        let kk = self.recip_bits();
        let mut b = self.cost_ltz()
            + Budget::triples(1)
            + self.cost_ltz()
            + Budget::triples(1)
            + self.cost_bitdec(kk)
            + Budget::triples(kk as usize - 1);
        b += &Budget::triples(1);
        if kk > p {
            b += &self.cost_trunc(kk + 1);
        }
        b += &((Budget::triples(2) + self.cost_trunc(2 * p + 3) * 2) * RECIPROCAL_ITERATIONS);
        b += &(Budget::triples(1) + self.cost_trunc(p + kk + 1) + Budget::triples(1));
        b
    }

    /// Extra fractional bits of the reciprocal inside a division: `126 − s − k`, capped so the
    /// reciprocal's final shift stays non-negative.
    fn div_extra_bits(&self) -> u32 {
        let room = (126 - self.stat_bits).saturating_sub(self.int_bits);
        match self.recip_precision() {
            Some(p) => room.min(p + self.recip_bits() - 2 * self.frac_bits),
            None => 0,
        }
    }

    /// Per element: division.
    #[must_use]
    pub fn cost_div(&self) -> Budget {
        self.cost_reciprocal()
            + Budget::triples(1)
            + self.cost_trunc(self.int_bits + self.div_extra_bits())
    }

    /// Per element: exp, including the clamp of its argument to the supported domain (zero
    /// for parameters it does not support).
    #[must_use]
    pub fn cost_exp(&self) -> Budget {
        if self.exp_layout().is_none() {
            return Budget::zero();
        }
        self.cost_clamp() + self.cost_exp_unclamped()
    }

    /// The domain `[lo, hi]` to which [`Party::exp`] clamps its argument: `lo = −(f − ¼)·ln 2`
    /// (so `x·log2 e + f > 0`: the integer part stays non-negative) and
    /// `hi = (i_max − f − 1)·ln 2` (so the integer part stays below its `BitDec` bound and
    /// `e^hi·2^f < 2^(k−1)`). `None` for parameters exp does not support.
    #[must_use]
    pub fn exp_domain(&self) -> Option<(f64, f64)> {
        let (_, i_max, _) = self.exp_layout()?;
        let f = f64::from(self.frac_bits);
        let top = i_max
            .saturating_sub(self.frac_bits + 1)
            .min(self.int_bits.saturating_sub(self.frac_bits + 2));
        let ln2 = core::f64::consts::LN_2;
        Some((-(f - 0.25) * ln2, f64::from(top) * ln2))
    }

    /// Per element: clamping to a public interval (two comparisons, two products).
    fn cost_clamp(&self) -> Budget {
        self.cost_ltz() * 2 + Budget::triples(2)
    }

    /// Per element: exp of an argument already in its domain.
    fn cost_exp_unclamped(&self) -> Budget {
        let Some((f2, _, ei)) = self.exp_layout() else {
            return Budget::zero();
        };
        self.cost_trunc(f2 + self.frac_bits + EXP_INT_BITS)
            + self.cost_trunc(ei + f2 + 1)
            + self.cost_bitdec(ei)
            + Budget::triples(ei as usize - 1)
            + (Budget::triples(1) + self.cost_trunc(2 * f2 + 1)) * (EXP_DEGREE - 1)
            + self.cost_trunc(2 * f2 + 2)
            + Budget::triples(1)
            + self.cost_trunc(126 - self.stat_bits)
    }

    /// Per element: sigmoid.
    #[must_use]
    pub fn cost_sigmoid(&self) -> Budget {
        let f3 = 2 * self.frac_bits;
        self.cost_ltz() * 2
            + Budget::triples(2)
            + self.cost_exp_unclamped()
            + (Budget::triples(2) + self.cost_trunc(2 * f3 + 3) * 2) * SIGMOID_ITERATIONS
            + self.cost_trunc(f3 + 2)
            + Budget::triples(1)
    }
}

/// `n` elements' worth of `width` random bits each, element `e`'s bit `j` at `e·width + j`.
struct BitBlock {
    bits: Shared<Fp>,
    n: usize,
    width: usize,
}

impl BitBlock {
    /// Bit `j` of every element.
    fn bit(&self, j: u32) -> Shared<Fp> {
        let idx: Vec<usize> = (0..self.n).map(|e| e * self.width + j as usize).collect();
        self.bits.gather(&idx)
    }

    /// `Σ_{i < len} 2^i · bit(start + i)` for every element.
    fn int(&self, start: u32, len: u32) -> Shared<Fp> {
        let (vs, ms) = (self.bits.values(), self.bits.macs());
        let mut values = Vec::with_capacity(self.n);
        let mut macs = Vec::with_capacity(self.n);
        for e in 0..self.n {
            let base = e * self.width + start as usize;
            let (mut v, mut m) = (Fp::ZERO, Fp::ZERO);
            for i in (0..len as usize).rev() {
                v = v + v + vs[base + i];
                m = m + m + ms[base + i];
            }
            values.push(v);
            macs.push(m);
        }
        Shared::from_parts(values, macs)
    }
}

/// Splits the concatenation of `parts` equal-length vectors back into its parts.
fn split(x: &Shared<Fp>, parts: usize) -> Vec<Shared<Fp>> {
    let n = x.len() / parts.max(1);
    (0..parts).map(|i| x.slice(i * n, n)).collect()
}

macro_rules! guarded {
    ($self:ident, $inner:expr) => {{
        $self.ensure_live()?;
        let r = $inner.await;
        $self.finish(r)
    }};
}

impl<T: Transport, P: Preprocessing<Fp>> Party<T, P, Fp> {
    /// Use these fixed-point parameters (default [`FixedParams::default`]).
    #[must_use]
    pub fn with_fixed_params(mut self, params: FixedParams) -> Self {
        self.fixed = params;
        self
    }

    /// The fixed-point parameters.
    #[must_use]
    pub fn fixed_params(&self) -> FixedParams {
        self.fixed
    }

    /// Party `owner` inputs `n` reals (`Some` only at the owner), each **proven** to lie in
    /// the declared input range `|x̃| < 2^(K−1)` ([`FixedParams::with_input_bits`]).
    ///
    /// The range proof (see `papers/spdz.md`, "Inputs in range"):
    /// 1. the owner inputs the `K` bits `b_i` of `u = x̃ + 2^(K−1) ∈ [0, 2^K)` through input
    ///    masks (uniformly masked), and everyone sets `[[x̃]] = Σ 2^i [[b_i]] − 2^(K−1)`;
    /// 2. everyone squares every `[[b_i]]` with a square pair (one uniformly masked opening)
    ///    and forms `[[w_i]] = [[b_i²]] − [[b_i]]`, zero iff `b_i ∈ {0, 1}`;
    /// 3. the checks run (input digests, Π_MACCheck over everything opened so far), then the
    ///    `w_i` are opened: all zero, or the checks run again (so that a cheater cannot frame
    ///    an honest owner by opening a wrong share) and the parties abort with
    ///    [`OnlineError::InputOutOfRange`] naming the owner.
    ///
    /// Sound with probability 1 given correct openings (`w_i = 0` exactly for bits; the
    /// openings are MAC-checked before the first masked opening or output, with error
    /// `≤ 2^−126`). An honest owner's `w_i` are all 0, so opening them shows nothing. The
    /// owner's own out-of-range value is refused before anything is sent.
    ///
    /// Consumes [`FixedParams::cost_input_fixed`]: `K` masks of `owner` and `K` squares per
    /// value. Several owners' inputs are cheaper together: [`Party::input_fixed_many`].
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if a value is not encodable or outside the input range (at
    /// the owner), or as [`Party::input`]; [`OnlineError::InputOutOfRange`] if the owner
    /// cheated; the check's errors.
    pub async fn input_fixed(
        &mut self,
        owner: PartyId,
        values: Option<&[f64]>,
        n: usize,
    ) -> Result<Shared<Fp>, OnlineError> {
        let mut out = self.input_fixed_many(&[(owner, values, n)]).await?;
        Ok(out.pop().unwrap_or_else(|| Shared::zeros(0)))
    }

    /// Several range-proven fixed-point inputs `(owner, values, n)` at once (values `Some`
    /// exactly at the owner): one input round per owner, then one square round, one check and
    /// one zero-test opening for all of them. See [`Party::input_fixed`].
    ///
    /// # Errors
    /// As [`Party::input_fixed`].
    pub async fn input_fixed_many(
        &mut self,
        inputs: &[(PartyId, Option<&[f64]>, usize)],
    ) -> Result<Vec<Shared<Fp>>, OnlineError> {
        let kk = self.fixed.input_bits;
        self.input_fixed_many_bounded(inputs, kk).await
    }

    /// As [`Party::input_fixed_many`], with the bound `K = input_bits` for these inputs only
    /// (`2 ≤ K ≤ k − f`; e.g. sums of many values need more room than the values): proven
    /// `|x̃| < 2^(K−1)`, at a cost of `K` masks and `K` squares per value
    /// ([`FixedParams::cost_input_fixed_bounded`]).
    ///
    /// # Errors
    /// As [`Party::input_fixed`]; [`OnlineError::ApiMisuse`] for `K` out of range.
    pub async fn input_fixed_many_bounded(
        &mut self,
        inputs: &[(PartyId, Option<&[f64]>, usize)],
        input_bits: u32,
    ) -> Result<Vec<Shared<Fp>>, OnlineError> {
        self.ensure_live()?;
        let kk = input_bits;
        if kk < 2 || kk > self.fixed.int_bits - self.fixed.frac_bits {
            return Err(OnlineError::ApiMisuse {
                what: "input_fixed: the input bound needs 2 ≤ K ≤ k − f",
            });
        }
        let enc = self.fixed.encoding()?;
        let offset = 1i128 << (kk - 1);
        // Caller mistakes first, before anything is sent.
        let mut bits: Vec<Option<Vec<Fp>>> = Vec::with_capacity(inputs.len());
        for &(owner, values, n) in inputs {
            if owner >= self.parties() {
                return Err(OnlineError::ApiMisuse {
                    what: "input_fixed: owner is not a party",
                });
            }
            match (owner == self.id(), values) {
                (true, Some(v)) if v.len() == n => {
                    let mut b = Vec::with_capacity(n * kk as usize);
                    for &x in v {
                        let e = enc.encode(x).map_err(|_| OnlineError::ApiMisuse {
                            what: "input_fixed: value not encodable",
                        })?;
                        let u = e.to_i128() + offset;
                        if !(0..2 * offset).contains(&u) {
                            return Err(OnlineError::ApiMisuse {
                                what: "input_fixed: value outside the declared input range",
                            });
                        }
                        #[allow(clippy::cast_sign_loss)] // 0 ≤ u < 2^K, checked above
                        let u = u as u128;
                        b.extend((0..kk).map(|i| bit_fp(u, i)));
                    }
                    bits.push(Some(b));
                }
                (false, None) => bits.push(None),
                _ => {
                    return Err(OnlineError::ApiMisuse {
                        what: "input_fixed: values must be given (with length n) exactly at the owner",
                    });
                }
            }
        }
        if self.cheats(Cheat::InputOutOfRange) {
            // Cheat::InputOutOfRange: the first value of each of its inputs becomes
            // x̃ + 2^105 ("bit" 0 is no longer a bit).
            for b in bits.iter_mut().flatten() {
                if let Some(b0) = b.first_mut() {
                    *b0 += crate::cheat::out_of_range_value();
                }
            }
        }
        let specs: Vec<(PartyId, usize, u32)> =
            inputs.iter().map(|&(o, _, n)| (o, n, kk)).collect();
        let r = async {
            let us = self.bounded_inner(&specs, bits).await?;
            // x̃ = u − 2^(K−1), local.
            us.iter()
                .map(|u| self.add_public_scalar(u, -pow2(kk - 1)))
                .collect()
        }
        .await;
        self.finish(r)
    }

    /// Party `owner` inputs `n` unsigned integers, each **proven** to satisfy
    /// `0 ≤ x < 2^bits` (`1 ≤ bits ≤ 64`): with `bits = 1`, proven bits (e.g. ballots). The same
    /// range proof as [`Party::input_fixed`], at width `bits`: `bits` input masks of the owner
    /// and `bits` squares per value ([`FixedParams::cost_input_uint`]).
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for a bad owner, `bits` or values (at the owner: a value
    /// `≥ 2^bits`); [`OnlineError::InputOutOfRange`] if the owner cheated; as [`Party::input`].
    pub async fn input_uint(
        &mut self,
        owner: PartyId,
        values: Option<&[u64]>,
        n: usize,
        bits: u32,
    ) -> Result<Shared<Fp>, OnlineError> {
        self.ensure_live()?;
        if owner >= self.parties() || !(1..=64).contains(&bits) {
            return Err(OnlineError::ApiMisuse {
                what: "input_uint: owner is not a party, or bits not in 1..=64",
            });
        }
        let mut b = match (owner == self.id(), values) {
            (true, Some(v)) if v.len() == n => {
                if v.iter().any(|&x| bits < 64 && x >> bits != 0) {
                    return Err(OnlineError::ApiMisuse {
                        what: "input_uint: value outside the declared range",
                    });
                }
                Some(
                    v.iter()
                        .flat_map(|&x| (0..bits).map(move |i| bit_fp(u128::from(x), i)))
                        .collect::<Vec<Fp>>(),
                )
            }
            (false, None) => None,
            _ => {
                return Err(OnlineError::ApiMisuse {
                    what: "input_uint: values must be given (with length n) exactly at the owner",
                });
            }
        };
        if self.cheats(Cheat::InputOutOfRange)
            && let Some(b0) = b.as_mut().and_then(|b| b.first_mut())
        {
            // Cheat::InputOutOfRange, as in `input_fixed_many`.
            *b0 += crate::cheat::out_of_range_value();
        }
        let r = self.bounded_inner(&[(owner, n, bits)], vec![b]).await;
        let r = r.map(|mut v| v.pop().unwrap_or_else(|| Shared::zeros(0)));
        self.finish(r)
    }

    /// The range proof: owners' bits in, squared, zero test; returns `Σ 2^i [[b_i]]` per input.
    async fn bounded_inner(
        &mut self,
        inputs: &[(PartyId, usize, u32)],
        mut bits: Vec<Option<Vec<Fp>>>,
    ) -> Result<Vec<Shared<Fp>>, OnlineError> {
        // Step 1: the owners input their bits (uniformly masked by input masks).
        let mut shared_bits = Vec::with_capacity(inputs.len());
        for (&(owner, n, kk), b) in inputs.iter().zip(bits.iter_mut()) {
            let r = self.input_inner(owner, b.as_deref(), n * kk as usize).await;
            if let Some(b) = b.as_mut() {
                crate::share::wipe(b);
            }
            shared_bits.push(r?);
        }
        // Step 2: w = b² − b for every bit, one square round for all inputs.
        let all = Shared::concat(&shared_bits.iter().collect::<Vec<_>>());
        let sq = self.square_inner(&all).await?;
        let w = &sq - &all;
        // Step 3: the checks (inside `open_raw`, since the opening is not masked), then w.
        let opened = self
            .open_raw(
                w.values().to_vec(),
                w.macs().to_vec(),
                "input range proof b² − b",
                Masking::ZeroTest,
            )
            .await?;
        if let Some(pos) = opened.iter().position(|&v| v != Fp::ZERO) {
            // Confirm that w was opened correctly before blaming its owner.
            self.check_inner().await?;
            let mut start = 0;
            for &(owner, n, kk) in inputs {
                start += n * kk as usize;
                if pos < start {
                    return Err(OnlineError::InputOutOfRange { from: owner });
                }
            }
        }
        // u = Σ 2^i b_i, local.
        Ok(shared_bits
            .iter()
            .zip(inputs)
            .map(|(b, &(_, n, kk))| {
                BitBlock {
                    bits: b.clone(),
                    n,
                    width: kk as usize,
                }
                .int(0, kk)
            })
            .collect())
    }

    /// Reveal (after the checks) and decode as reals.
    ///
    /// # Errors
    /// As [`Party::reveal`].
    pub async fn reveal_fixed(&mut self, x: &Shared<Fp>) -> Result<Vec<f64>, OnlineError> {
        let enc = self.fixed.encoding()?;
        let opened = self.reveal(x).await?;
        Ok(enc.decode_slice(opened.values()))
    }

    /// Authenticated shares of public reals.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if a value is not encodable.
    pub fn public_fixed(&self, c: &[f64]) -> Result<Shared<Fp>, OnlineError> {
        let enc = self.fixed.encoding()?;
        let v = enc.encode_slice(c).map_err(|_| OnlineError::ApiMisuse {
            what: "public_fixed: value not encodable",
        })?;
        self.public(&v)
    }

    // ---- truncation ------------------------------------------------------------------------

    /// Probabilistic truncation (Catrina–Saxena 2010, TruncPR): `⌊x̃ / 2^m⌋` or that plus one,
    /// rounding up with probability `(x̃ mod 2^m)/2^m`, for `|x̃| < 2^(k−1)`. One round,
    /// `k + s` random bits per element.
    ///
    /// Steps: (1) `r' = Σ_{i<m} 2^i b_i`, `r'' = Σ_{i<k+s−m} 2^i b_{m+i}` from random bits;
    /// (2) open `c = x̃ + 2^(k−1) + 2^m r'' + r'`; (3) `[[y]] = ([[x̃]] − (c mod 2^m) + [[r']]) ·
    /// 2^−m`.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] unless `m < k` and `k + s ≤ 126`; otherwise as [`Party::mul`].
    pub async fn trunc_pr(
        &mut self,
        x: &Shared<Fp>,
        k: u32,
        m: u32,
    ) -> Result<Shared<Fp>, OnlineError> {
        self.fixed.check_trunc(k, m)?;
        guarded!(self, self.trunc_inner(x, k, m))
    }

    async fn trunc_inner(
        &mut self,
        x: &Shared<Fp>,
        k: u32,
        m: u32,
    ) -> Result<Shared<Fp>, OnlineError> {
        self.fixed.check_trunc(k, m)?;
        let n = x.len();
        if n == 0 || m == 0 {
            return Ok(x.clone());
        }
        let s = self.fixed.stat_bits;
        let width = k + s;
        // TruncPR, step 1: the mask from k + s random bits.
        let blk = BitBlock {
            bits: self.draw_bits(n * width as usize)?,
            n,
            width: width as usize,
        };
        let r_low = blk.int(0, m);
        let r = &blk.int(m, width - m).scale(pow2(m)) + &r_low;
        // Step 2: open c = x + 2^(k−1) + r.
        let masked = self.add_public_scalar(&(x + &r), pow2(k - 1))?;
        let c = self
            .open_raw(
                masked.values().to_vec(),
                masked.macs().to_vec(),
                "TruncPR c",
                Masking::Statistical,
            )
            .await?;
        // Step 3: (x − c' + r') · 2^−m, with c' = c mod 2^m public.
        let neg_c: Vec<Fp> = c.iter().map(|&c| -Fp::from_u128(low_bits(c, m))).collect();
        Ok(self.add_public(&(x + &r_low), &neg_c)?.scale(inv_pow2(m)))
    }

    /// Fixed-point product `x·y` (truncated by `f`; error below one unit `2^−f`).
    ///
    /// # Errors
    /// As [`Party::mul`].
    pub async fn fx_mul(
        &mut self,
        x: &Shared<Fp>,
        y: &Shared<Fp>,
    ) -> Result<Shared<Fp>, OnlineError> {
        if x.len() != y.len() {
            return Err(OnlineError::ApiMisuse {
                what: "fx_mul: length mismatch",
            });
        }
        guarded!(self, self.fx_mul_inner(x, y))
    }

    async fn fx_mul_inner(
        &mut self,
        x: &Shared<Fp>,
        y: &Shared<Fp>,
    ) -> Result<Shared<Fp>, OnlineError> {
        let z = self.mul(x, y).await?;
        let (k, f) = (self.fixed.int_bits, self.fixed.frac_bits);
        self.trunc_inner(&z, k, f).await
    }

    /// Fixed-point dot product `Σ x_j·y_j` with a single truncation (error below one unit;
    /// the exact sum must satisfy `|Σ x̃_j ỹ_j| < 2^(k−1)`). `n` triples, `k + s` bits.
    ///
    /// # Errors
    /// As [`Party::fx_mul`].
    pub async fn fx_dot(
        &mut self,
        x: &Shared<Fp>,
        y: &Shared<Fp>,
    ) -> Result<Shared<Fp>, OnlineError> {
        if x.len() != y.len() {
            return Err(OnlineError::ApiMisuse {
                what: "fx_dot: length mismatch",
            });
        }
        guarded!(self, self.fx_dot_inner(x, y))
    }

    async fn fx_dot_inner(
        &mut self,
        x: &Shared<Fp>,
        y: &Shared<Fp>,
    ) -> Result<Shared<Fp>, OnlineError> {
        let z = self.mul(x, y).await?.sum();
        let (k, f) = (self.fixed.int_bits, self.fixed.frac_bits);
        self.trunc_inner(&z, k, f).await
    }

    /// `c·x` for a public real `c` (one truncation; error below one unit plus `c`'s own
    /// rounding to f bits). `k + s` bits per element, no triples.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if `c` is not encodable; otherwise as [`Party::trunc_pr`].
    pub async fn fx_scale(&mut self, x: &Shared<Fp>, c: f64) -> Result<Shared<Fp>, OnlineError> {
        let enc = self.fixed.encoding()?;
        let c = enc.encode(c).map_err(|_| OnlineError::ApiMisuse {
            what: "fx_scale: constant not encodable",
        })?;
        let (k, f) = (self.fixed.int_bits, self.fixed.frac_bits);
        self.trunc_pr(&x.scale(c), k, f).await
    }

    // ---- bitwise building blocks --------------------------------------------------------------

    /// Element-wise selection by public bits: `bits[e] ? if_one[e] : if_zero[e]` (linear).
    fn select_public(&self, bits: &[Fp], if_one: &Shared<Fp>, if_zero: &Shared<Fp>) -> Shared<Fp> {
        let not: Vec<Fp> = bits.iter().map(|&b| Fp::ONE - b).collect();
        &if_one.scale_each(bits) + &if_zero.scale_each(&not)
    }

    /// `[[1 − b]]`.
    fn one_minus(&self, b: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        self.add_public_scalar(&(-b), Fp::ONE)
    }

    /// BitLT (Catrina–de Hoogh 2010, via a carry-out): `[[c < r]]` for public `m`-bit `c` and
    /// secret bits `r_0..r_{m−1}` (bits `0..m` of `blk`). `c < r` iff adding `c + ¬r + 1`
    /// has no carry out of bit `m`; carries by a log-depth tree of (generate, propagate)
    /// pairs: `⌈log2 m⌉` rounds, `2(m − 1)` triples.
    async fn bitlt_inner(
        &mut self,
        c: &[u128],
        blk: &BitBlock,
        m: u32,
    ) -> Result<Shared<Fp>, OnlineError> {
        let n = c.len();
        let zero_n = Shared::zeros(n);
        let mut groups: Vec<(Shared<Fp>, Shared<Fp>)> = Vec::with_capacity(m as usize);
        for j in 0..m {
            let xj: Vec<Fp> = c.iter().map(|&c| bit_fp(c, j)).collect();
            let rj = blk.bit(j);
            let not_r = self.one_minus(&rj)?;
            // g = x ∧ ¬r, p = x ⊕ ¬r (linear, x public).
            let g = self.select_public(&xj, &not_r, &zero_n);
            let p = self.select_public(&xj, &rj, &not_r);
            if j == 0 {
                // Carry-in 1: position 0 generates iff g_0 ∨ p_0 (exclusive, so a sum).
                groups.push((&g + &p, Shared::zeros(n)));
            } else {
                groups.push((g, p));
            }
        }
        while groups.len() > 1 {
            let pairs = groups.len() / 2;
            let mut lhs: Vec<&Shared<Fp>> = Vec::with_capacity(2 * pairs);
            let mut rhs: Vec<&Shared<Fp>> = Vec::with_capacity(2 * pairs);
            for i in 0..pairs {
                lhs.push(&groups[2 * i + 1].1);
                rhs.push(&groups[2 * i].0);
            }
            for i in 0..pairs {
                lhs.push(&groups[2 * i + 1].1);
                rhs.push(&groups[2 * i].1);
            }
            let prod = self
                .mul(&Shared::concat(&lhs), &Shared::concat(&rhs))
                .await?;
            let prod = split(&prod, 2 * pairs);
            let mut next = Vec::with_capacity(pairs + 1);
            for i in 0..pairs {
                // (G, P) = (G_h + P_h·G_l, P_h·P_l)
                next.push((&groups[2 * i + 1].0 + &prod[i], prod[pairs + i].clone()));
            }
            if groups.len() % 2 == 1
                && let Some(last) = groups.pop()
            {
                next.push(last);
            }
            groups = next;
        }
        let carry = groups.pop().map_or_else(|| Shared::zeros(n), |g| g.0);
        self.one_minus(&carry)
    }

    /// Product of all vectors (a balanced tree: `len − 1` triples, `⌈log2 len⌉` rounds).
    async fn product_inner(&mut self, mut xs: Vec<Shared<Fp>>) -> Result<Shared<Fp>, OnlineError> {
        while xs.len() > 1 {
            let pairs = xs.len() / 2;
            let lhs: Vec<&Shared<Fp>> = (0..pairs).map(|i| &xs[2 * i]).collect();
            let rhs: Vec<&Shared<Fp>> = (0..pairs).map(|i| &xs[2 * i + 1]).collect();
            let prod = self
                .mul(&Shared::concat(&lhs), &Shared::concat(&rhs))
                .await?;
            let mut next = split(&prod, pairs);
            if xs.len() % 2 == 1
                && let Some(last) = xs.pop()
            {
                next.push(last);
            }
            xs = next;
        }
        Ok(xs.pop().unwrap_or_else(|| Shared::zeros(0)))
    }

    /// Bit decomposition of `0 ≤ a < 2^K` (Catrina–de Hoogh style): open `c = a + r` with
    /// `r = 2^K r'' + Σ 2^i r_i`, then the bits of `(c mod 2^K) − r'` by a ripple-borrow
    /// circuit with one product per bit. `K + s` bits, `K − 1` triples, `K` rounds.
    async fn bitdec_inner(
        &mut self,
        a: &Shared<Fp>,
        kk: u32,
    ) -> Result<Vec<Shared<Fp>>, OnlineError> {
        self.fixed.check_trunc(kk + 1, 1)?;
        let n = a.len();
        let s = self.fixed.stat_bits;
        let width = kk + s;
        let blk = BitBlock {
            bits: self.draw_bits(n * width as usize)?,
            n,
            width: width as usize,
        };
        let r = &blk.int(kk, s).scale(pow2(kk)) + &blk.int(0, kk);
        let masked = a + &r;
        let c = self
            .open_raw(
                masked.values().to_vec(),
                masked.macs().to_vec(),
                "BitDec c",
                Masking::Statistical,
            )
            .await?;
        let c: Vec<u128> = c.iter().map(|&c| low_bits(c, kk)).collect();
        let zero_n = Shared::zeros(n);
        let mut out = Vec::with_capacity(kk as usize);
        // (c mod 2^K) + ¬r + 1: sum_i = t_i ⊕ carry_i, carry_{i+1} = x_i·y_i + t_i·carry_i,
        // with x = c (public), y = ¬r, t = x ⊕ y.
        let mut carry: Option<Shared<Fp>> = None; // None = the public carry-in 1
        for i in 0..kk {
            let xi: Vec<Fp> = c.iter().map(|&c| bit_fp(c, i)).collect();
            let ri = blk.bit(i);
            let not_r = self.one_minus(&ri)?;
            let t = self.select_public(&xi, &ri, &not_r);
            let gen_ = self.select_public(&xi, &not_r, &zero_n);
            let (u, cin) = match &carry {
                None => (t.clone(), self.public(&vec![Fp::ONE; n])?),
                Some(cy) => (self.mul(&t, cy).await?, cy.clone()),
            };
            out.push(&(&t + &cin) - &u.scale(Fp::from_u64(2)));
            if i + 1 < kk {
                carry = Some(&gen_ + &u);
            }
        }
        Ok(out)
    }

    // ---- comparison ------------------------------------------------------------------------

    /// `[[x < 0]]` as a bit (Catrina–de Hoogh 2010, LTZ = −Trunc(x, k, k−1)), exact for
    /// `|x̃| < 2^(k−1)`. Mod2m: open `c = x̃ + 2^(k−1) + r` (`r'` from `k − 1` bits, `r''`
    /// from `s + 1` bits), `x mod 2^(k−1) = c' − r' + 2^(k−1)·BitLT(c', r')`, then
    /// `(x̃ − x mod 2^(k−1))·2^−(k−1) ∈ {−1, 0}`. `k + s` bits, `2(k − 2)` triples,
    /// `1 + ⌈log2(k − 1)⌉` rounds.
    ///
    /// # Errors
    /// As [`Party::mul`].
    pub async fn ltz(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        guarded!(self, self.ltz_inner(x))
    }

    async fn ltz_inner(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        let n = x.len();
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        let (k, s) = (self.fixed.int_bits, self.fixed.stat_bits);
        self.fixed.check_trunc(k, k - 1)?;
        let m = k - 1;
        let width = k + s;
        let blk = BitBlock {
            bits: self.draw_bits(n * width as usize)?,
            n,
            width: width as usize,
        };
        let r_low = blk.int(0, m);
        let r = &blk.int(m, width - m).scale(pow2(m)) + &r_low;
        let masked = self.add_public_scalar(&(x + &r), pow2(k - 1))?;
        let c = self
            .open_raw(
                masked.values().to_vec(),
                masked.macs().to_vec(),
                "LTZ c",
                Masking::Statistical,
            )
            .await?;
        let cm: Vec<u128> = c.iter().map(|&c| low_bits(c, m)).collect();
        self.in_comparison += 1;
        let u = self.bitlt_inner(&cm, &blk, m).await;
        self.in_comparison -= 1;
        let u = u?;
        // a' = c' − r' + 2^m·u = x mod 2^m.
        let cm_fp: Vec<Fp> = cm.iter().map(|&c| Fp::from_u128(c)).collect();
        let a_mod = self.add_public(&(&u.scale(pow2(m)) - &r_low), &cm_fp)?;
        // d = (x − a')·2^−m ∈ {−1, 0}; LTZ = −d.
        Ok(-&(x - &a_mod).scale(inv_pow2(m)))
    }

    /// `[[x < y]]` as a bit (`LTZ(x − y)`; needs `|x̃ − ỹ| < 2^(k−1)`).
    ///
    /// # Errors
    /// As [`Party::ltz`].
    pub async fn lt(&mut self, x: &Shared<Fp>, y: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        if x.len() != y.len() {
            return Err(OnlineError::ApiMisuse {
                what: "lt: length mismatch",
            });
        }
        self.ltz(&(x - y)).await
    }

    /// `[[x = 0]]` as a bit (Catrina–de Hoogh 2010, EQZ): open `c = x̃ + 2^(k−1) + r` with
    /// `r'` from `k` bits, then `x = 0` iff `r' = (c − 2^(k−1)) mod 2^k`, tested as the
    /// product of `k` bitwise equalities. `k + s` bits, `k − 1` triples, `1 + ⌈log2 k⌉` rounds.
    ///
    /// # Errors
    /// As [`Party::mul`].
    pub async fn eqz(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        guarded!(self, self.eqz_inner(x))
    }

    async fn eqz_inner(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        let n = x.len();
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        let (k, s) = (self.fixed.int_bits, self.fixed.stat_bits);
        self.fixed.check_trunc(k, k - 1)?;
        let width = k + s;
        let blk = BitBlock {
            bits: self.draw_bits(n * width as usize)?,
            n,
            width: width as usize,
        };
        let r = &blk.int(k, s).scale(pow2(k)) + &blk.int(0, k);
        let masked = self.add_public_scalar(&(x + &r), pow2(k - 1))?;
        let c = self
            .open_raw(
                masked.values().to_vec(),
                masked.macs().to_vec(),
                "EQZ c",
                Masking::Statistical,
            )
            .await?;
        let mask = (1u128 << k) - 1;
        let t: Vec<u128> = c
            .iter()
            .map(|&c| low_bits(c, k).wrapping_sub(1u128 << (k - 1)) & mask)
            .collect();
        let mut eq_bits = Vec::with_capacity(k as usize);
        for j in 0..k {
            let tj: Vec<Fp> = t.iter().map(|&t| bit_fp(t, j)).collect();
            let rj = blk.bit(j);
            let not_r = self.one_minus(&rj)?;
            eq_bits.push(self.select_public(&tj, &rj, &not_r));
        }
        self.in_comparison += 1;
        let r = self.product_inner(eq_bits).await;
        self.in_comparison -= 1;
        r
    }

    /// `[[x = y]]` as a bit.
    ///
    /// # Errors
    /// As [`Party::eqz`].
    pub async fn eq(&mut self, x: &Shared<Fp>, y: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        if x.len() != y.len() {
            return Err(OnlineError::ApiMisuse {
                what: "eq: length mismatch",
            });
        }
        self.eqz(&(x - y)).await
    }

    /// `max(x, 0)` = `x − x·LTZ(x)` (exact).
    ///
    /// # Errors
    /// As [`Party::ltz`].
    pub async fn relu(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        guarded!(self, self.relu_inner(x))
    }

    async fn relu_inner(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        let neg = self.ltz_inner(x).await?;
        let xn = self.mul(x, &neg).await?;
        Ok(x - &xn)
    }

    // ---- reciprocal and division ----------------------------------------------------------------

    /// `1/y` for `2^−f ≤ |y| < 2^(k−1−2f)` (defaults: `|y| < 2^31`); 0 for `y = 0`.
    ///
    /// 1. `σ = LTZ(y)`, `a = (1 − 2σ)·ỹ = |ỹ|`, reduced to `min(a, 2^K − 1)` (one more LTZ
    ///    and product) so that no step runs outside its bound whatever `y` is;
    /// 2. bits of `a` (BitDec, `K = k − f` bits), prefix-OR from the top, and
    ///    `v = 2^(K−1−msb(a))`, so `a·v ∈ [2^(K−1), 2^K)`: `n = a·v/2^K ∈ [0.5, 1)` at working
    ///    precision `F1` (37 with the defaults);
    /// 3. `w₀ = 2.9142 − 2n` (relative error ≤ 0.0858 on [0.5, 1)), then 4 Newton–Raphson steps
    ///    `w ← w(2 − n·w)`;
    /// 4. `1/y = (1 − 2σ)·w·v·2^(2f−K)`.
    ///
    /// Error bound asserted by the tests: see `papers/spdz.md`.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for parameters without room for the working precision;
    /// otherwise as [`Party::mul`].
    pub async fn reciprocal(&mut self, y: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        if self.fixed.recip_precision().is_none() {
            return Err(OnlineError::ApiMisuse {
                what: "reciprocal: parameters leave no working precision",
            });
        }
        guarded!(self, self.reciprocal_inner(y, 0))
    }

    /// `1/y` with `f + extra` fractional bits.
    async fn reciprocal_inner(
        &mut self,
        y: &Shared<Fp>,
        extra: u32,
    ) -> Result<Shared<Fp>, OnlineError> {
        let n = y.len();
        let p = self.fixed.recip_precision().ok_or(OnlineError::ApiMisuse {
            what: "reciprocal: parameters",
        })?;
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        let kk = self.fixed.recip_bits();
        let f = self.fixed.frac_bits;
        // Step 1: sign and magnitude.
        let sig = self.ltz_inner(y).await?;
        let sg = self.add_public_scalar(&sig.scale(-Fp::from_u64(2)), Fp::ONE)?;
        let a = self.mul(y, &sg).await?;
        // Range reduction: a = min(a, 2^K − 1), so BitDec's opening stays within its bound
        // whatever y is (a larger |y| has 1/y below 2^(−K+f), i.e. 0 at f bits, anyway).
        let cap = pow2(kk) - Fp::ONE;
        let room = self.add_public_scalar(&(-&a), cap)?; // 2^K − 1 − a < 0 ⇔ a too large
        let over = self.ltz_inner(&room).await?;
        let cut = self.mul(&over, &room).await?;
        let a = &a + &cut;
        // Step 2: normalisation.
        let bits = self.bitdec_inner(&a, kk).await?;
        let top = kk as usize - 1;
        let mut z = vec![Shared::zeros(n); kk as usize + 1];
        z[top] = bits[top].clone();
        for i in (0..top).rev() {
            let prod = self.mul(&z[i + 1], &bits[i]).await?;
            z[i] = &(&z[i + 1] + &bits[i]) - &prod;
        }
        let mut v = Shared::zeros(n);
        for i in 0..kk {
            // msb indicator e_i = z_i − z_{i+1}; v = Σ e_i 2^(K−1−i)
            let e = &z[i as usize] - &z[i as usize + 1];
            v = &v + &e.scale(pow2(kk - 1 - i));
        }
        let av = self.mul(&a, &v).await?;
        let nn = if kk > p {
            self.trunc_inner(&av, kk + 1, kk - p).await?
        } else {
            av.scale(pow2(p - kk))
        };
        // Step 3: Newton–Raphson.
        let c0 = round_scaled(2.9142, p);
        let mut w = self.add_public_scalar(&nn.scale(-Fp::from_u64(2)), c0)?;
        for _ in 0..RECIPROCAL_ITERATIONS {
            let nw = self.mul(&nn, &w).await?;
            let e = self.trunc_inner(&nw, 2 * p + 3, p).await?;
            let u = self.add_public_scalar(&(-&e), pow2(p + 1))?;
            let wu = self.mul(&w, &u).await?;
            w = self.trunc_inner(&wu, 2 * p + 3, p).await?;
        }
        // Step 4: scale back and restore the sign.
        let wv = self.mul(&w, &v).await?;
        let res = self
            .trunc_inner(&wv, p + kk + 1, p + kk - 2 * f - extra)
            .await?;
        self.mul(&res, &sg).await
    }

    /// `x / y` (see [`Party::reciprocal`] for the domain of `y`; `|x/y| < 2^(k−1−2f)`).
    ///
    /// The reciprocal is kept at `f + e` fractional bits, `e = 126 − s − k` (22 with the
    /// defaults), and the product `x·(1/y)` is truncated once by `f + e`: so a large `x` does
    /// not multiply the reciprocal's rounding error by `|x|`.
    ///
    /// # Errors
    /// As [`Party::reciprocal`].
    pub async fn div(&mut self, x: &Shared<Fp>, y: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        if x.len() != y.len() {
            return Err(OnlineError::ApiMisuse {
                what: "div: length mismatch",
            });
        }
        if self.fixed.recip_precision().is_none() {
            return Err(OnlineError::ApiMisuse {
                what: "div: parameters leave no working precision",
            });
        }
        guarded!(self, self.div_inner(x, y))
    }

    async fn div_inner(
        &mut self,
        x: &Shared<Fp>,
        y: &Shared<Fp>,
    ) -> Result<Shared<Fp>, OnlineError> {
        let e = self.fixed.div_extra_bits();
        let r = self.reciprocal_inner(y, e).await?;
        let q = self.mul(x, &r).await?;
        let (k, f) = (self.fixed.int_bits, self.fixed.frac_bits);
        self.trunc_inner(&q, k + e, f + e).await
    }

    // ---- exp and sigmoid ---------------------------------------------------------------------

    /// `e^x`, with `x` first clamped to the supported domain `[lo, hi]`
    /// ([`FixedParams::exp_domain`]; `[−10.92, 24.26]` with the defaults), so that no internal
    /// truncation or bit decomposition ever runs outside its bound, whatever `x` is (any
    /// `|x̃| < 2^(k−2)`). The clamp costs two comparisons and two products per element.
    ///
    /// `y = x·log2 e + f` at `2f` fractional bits (exact public product); `i = TruncPR(y, 2f)`
    /// (the integer part, possibly one too high) and `t = y − i ∈ (−1, 1)`; `2^i` as the exact
    /// integer `Π_j (1 + b_j(2^(2^j) − 1))` over the bits of `i` (BitDec); `2^t` by its
    /// degree-9 Taylor polynomial at `2f` bits; `e^x = 2^i · 2^t · 2^−f`, one final truncation.
    ///
    /// Error bound asserted by the tests: see `papers/spdz.md`.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for parameters without room; otherwise as [`Party::mul`].
    pub async fn exp(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        if self.fixed.exp_layout().is_none() {
            return Err(OnlineError::ApiMisuse {
                what: "exp: parameters leave no working precision",
            });
        }
        guarded!(self, self.exp_clamped(x))
    }

    async fn exp_clamped(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        let (lo, hi) = self.fixed.exp_domain().ok_or(OnlineError::ApiMisuse {
            what: "exp: parameters",
        })?;
        let xc = self.clamp_inner(x, lo, hi).await?;
        self.exp_inner(&xc).await
    }

    /// `min(max(x, lo), hi)` for public reals `lo < hi` (encoded at `f` bits): both
    /// comparisons in one LTZ of the concatenation, both corrections in one product round.
    async fn clamp_inner(
        &mut self,
        x: &Shared<Fp>,
        lo: f64,
        hi: f64,
    ) -> Result<Shared<Fp>, OnlineError> {
        let enc = self.fixed.encoding()?;
        let (lo, hi) = match (enc.encode(lo), enc.encode(hi)) {
            (Ok(l), Ok(h)) => (l, h),
            _ => {
                return Err(OnlineError::ApiMisuse {
                    what: "clamp: bounds not encodable",
                });
            }
        };
        let x_lo = self.add_public_scalar(x, -lo)?; // x − lo < 0 ⇔ x below
        let hi_x = self.add_public_scalar(&(-x), hi)?; // hi − x < 0 ⇔ x above
        let flags = self.ltz_inner(&Shared::concat(&[&x_lo, &hi_x])).await?;
        // x + [x < lo](lo − x) + [x > hi](hi − x): at most one flag is set.
        let prod = self
            .mul(&flags, &Shared::concat(&[&(-&x_lo), &hi_x]))
            .await?;
        let parts = split(&prod, 2);
        Ok(&(x + &parts[0]) + &parts[1])
    }

    async fn exp_inner(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        let n = x.len();
        let (f2, _i_max, ei) = self.fixed.exp_layout().ok_or(OnlineError::ApiMisuse {
            what: "exp: parameters",
        })?;
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        let f = self.fixed.frac_bits;
        let s = self.fixed.stat_bits;
        // y = x·log2(e) + f, with 2f fractional bits: log2(e) with 2f bits of its own (so its
        // rounding does not show in e^x), the product truncated back by f.
        let yl = x.scale(round_scaled(core::f64::consts::LOG2_E, 2 * f));
        let y = self.trunc_inner(&yl, f2 + f + EXP_INT_BITS, f).await?;
        let y = self.add_public_scalar(&y, Fp::from_u128(u128::from(f) << f2))?;
        let i = self.trunc_inner(&y, ei + f2 + 1, f2).await?;
        let t = &y - &i.scale(pow2(f2));
        // 2^i as an exact integer.
        let ibits = self.bitdec_inner(&i, ei).await?;
        let mut factors = Vec::with_capacity(ei as usize);
        for (j, b) in ibits.iter().enumerate() {
            let big = Fp::from_u128(1u128 << (1u32 << j)) - Fp::ONE;
            factors.push(self.add_public_scalar(&b.scale(big), Fp::ONE)?);
        }
        let p2 = self.product_inner(factors).await?;
        // Powers t^2..t^DEGREE at 2f bits, in ⌈log2 DEGREE⌉ levels.
        let mut pw: Vec<Shared<Fp>> = vec![Shared::zeros(n), t];
        while pw.len() <= EXP_DEGREE {
            let have = pw.len() - 1; // highest power computed
            let top = pw[have].clone();
            let upto = (2 * have).min(EXP_DEGREE);
            let lhs_n = upto - have;
            let lhs: Vec<&Shared<Fp>> = (0..lhs_n).map(|_| &top).collect();
            let rhs: Vec<&Shared<Fp>> = (1..=lhs_n).map(|j| &pw[j]).collect();
            let prod = self
                .mul(&Shared::concat(&lhs), &Shared::concat(&rhs))
                .await?;
            let tr = self.trunc_inner(&prod, 2 * f2 + 1, f2).await?;
            pw.extend(split(&tr, lhs_n));
        }
        // Σ c_j t^j with c_j = (ln 2)^j / j! at 2f bits, then one truncation.
        let mut acc = Shared::zeros(n);
        let mut coef = 1.0f64;
        for (j, pj) in pw.iter().enumerate().skip(1) {
            #[allow(clippy::cast_precision_loss)]
            let jf = j as f64;
            coef *= core::f64::consts::LN_2 / jf;
            acc = &acc + &pj.scale(round_scaled(coef, f2));
        }
        let acc = self.add_public_scalar(&acc, pow2(2 * f2))?;
        let pt = self.trunc_inner(&acc, 2 * f2 + 2, f2).await?;
        // e^x = 2^i · 2^t · 2^−f: the product has 2f + f fractional bits (2^t at 2f, and the
        // offset f in the exponent), so shift by 2f to land at f.
        let prod = self.mul(&p2, &pt).await?;
        self.trunc_inner(&prod, 126 - s, f2).await
    }

    /// The logistic function `1/(1 + e^−x)`, for all `|x̃| < 2^(k−1)`.
    ///
    /// `σ = LTZ(x)`, `a = |x|` clamped to 11 (one more LTZ), `d = 1 + e^−a ∈ [1, 2]` (exp),
    /// `1/d` by Newton–Raphson from `w₀ = 1.4571 − d/2` (3 steps at `2f` bits), and
    /// `σ(x) = σ ? 1 − 1/d : 1/d`.
    ///
    /// Error bound asserted by the tests: see `papers/spdz.md`.
    ///
    /// # Errors
    /// As [`Party::exp`].
    pub async fn sigmoid(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        if self.fixed.exp_layout().is_none() {
            return Err(OnlineError::ApiMisuse {
                what: "sigmoid: parameters leave no working precision",
            });
        }
        guarded!(self, self.sigmoid_inner(x))
    }

    async fn sigmoid_inner(&mut self, x: &Shared<Fp>) -> Result<Shared<Fp>, OnlineError> {
        let n = x.len();
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        let f = self.fixed.frac_bits;
        let f3 = 2 * f;
        let one = pow2(f);
        // |x|
        let sig = self.ltz_inner(x).await?;
        let sg = self.add_public_scalar(&sig.scale(-Fp::from_u64(2)), Fp::ONE)?;
        let a = self.mul(x, &sg).await?;
        // clamp to A = 11: a' = A + [a < A]·(a − A)
        let big_a = Fp::from_u128(SIGMOID_CLAMP << f);
        let am = self.add_public_scalar(&a, -big_a)?;
        let below = self.ltz_inner(&am).await?;
        let clipped = self.mul(&below, &am).await?;
        let a_clamped = self.add_public_scalar(&clipped, big_a)?;
        // e = exp(−a'), d = 1 + e at 2f bits.
        let e = self.exp_inner(&(-&a_clamped)).await?;
        let dd = self.add_public_scalar(&e.scale(pow2(f3 - f)), pow2(f3))?;
        let mut w = self.add_public_scalar(
            &e.scale(-pow2(f3 - f - 1)),
            round_scaled(1.4571, f3) - pow2(f3 - 1),
        )?;
        for _ in 0..SIGMOID_ITERATIONS {
            let dw = self.mul(&dd, &w).await?;
            let q = self.trunc_inner(&dw, 2 * f3 + 3, f3).await?;
            let u = self.add_public_scalar(&(-&q), pow2(f3 + 1))?;
            let wu = self.mul(&w, &u).await?;
            w = self.trunc_inner(&wu, 2 * f3 + 3, f3).await?;
        }
        let sa = self.trunc_inner(&w, f3 + 2, f3 - f).await?;
        // σ(x) = sa + σbit·(1 − 2 sa)
        let flip = self.add_public_scalar(&sa.scale(-Fp::from_u64(2)), one)?;
        let adj = self.mul(&sig, &flip).await?;
        Ok(&sa + &adj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_costs_per_element() {
        let p = FixedParams::default();
        let t = |b: Budget| (b.bits, b.triples, b.squares, b.input_masks.len());
        assert_eq!(t(p.cost_trunc(64)), (104, 0, 0, 0));
        assert_eq!(t(p.cost_fx_mul()), (104, 1, 0, 0));
        assert_eq!(t(p.cost_ltz()), (104, 124, 0, 0));
        assert_eq!(t(p.cost_eqz()), (104, 63, 0, 0));
        assert_eq!(t(p.cost_relu()), (104, 125, 0, 0));
        // reciprocal and div include the range reduction of |y| (one LTZ, one product).
        assert_eq!(t(p.cost_reciprocal()), (1447, 355, 0, 0));
        assert_eq!(t(p.cost_div()), (1573, 356, 0, 0));
        // exp: 1292 bits and 19 triples, plus the clamp's two comparisons and two products.
        assert_eq!(t(p.cost_exp()), (1500, 269, 0, 0));
        assert_eq!(t(p.cost_exp_unclamped()), (1292, 19, 0, 0));
        // K = 32 masks of the owner and 32 squares per range-proven input.
        let inp = p.cost_input_fixed(1, 3);
        assert_eq!((inp.squares, inp.input_masks.clone()), (96, vec![0, 96]));
        assert_eq!(t(p.cost_sigmoid()), (2216, 276, 0, 0));
    }

    #[test]
    fn inverse_powers_of_two() {
        for m in 0..=126 {
            assert_eq!(pow2(m) * inv_pow2(m), Fp::ONE, "m = {m}");
        }
    }

    #[test]
    fn parameters_are_validated() {
        assert!(FixedParams::new(16, 64, 40).is_ok());
        assert!(FixedParams::new(16, 64, 62).is_ok());
        assert!(matches!(
            FixedParams::new(16, 64, 63),
            Err(OnlineError::ApiMisuse { .. })
        ));
        assert!(matches!(
            FixedParams::new(0, 64, 40),
            Err(OnlineError::ApiMisuse { .. })
        ));
        assert!(matches!(
            FixedParams::new(64, 64, 40),
            Err(OnlineError::ApiMisuse { .. })
        ));
        // With s = 62 there is no room for the reciprocal's working precision: it is refused
        // (and costs nothing), never computed wrongly.
        let tight = FixedParams::new(16, 64, 62).unwrap_or_default();
        assert!(tight.recip_precision().is_none());
        assert_eq!(tight.cost_reciprocal(), Budget::zero());
    }
}
