//! **INSECURE** ideal preprocessing, for testing the online phase alone. Never use it for
//! anything else.
//!
//! This crate is a dev-dependency of the workspace's tests and benches only; the `spdz` command
//! and the `spdz` facade do not depend on it, so it cannot be reached from them.
//!
//! Every party's source is seeded with the same public `seed` and derives *all* parties' MAC
//! keys and shares from it, keeping only its own: anyone who knows the seed knows every
//! secret. Real preprocessing comes from MASCOT in `spdz_offline`.
//!
//! Unlike an up-front dealer it produces material lazily, on request, from independent
//! streams per kind (triples, squares, bits, masks per owner), so parties that request the
//! same amounts in the same order per kind get matching shares, and tests of 10^4-element
//! fixed-point functions do not hold gigabytes of material.

#![forbid(unsafe_code)]

use rand_chacha::ChaCha12Rng;
use rand_core::{Rng, SeedableRng};
use spdz_field::Field;
use spdz_net::PartyId;
use spdz_offline::{AuthShares, InputMasks, MacKeyShare, OfflineError, Preprocessing, Triples};

const STREAM_KEYS: u64 = 1;
const STREAM_TRIPLES: u64 = 2;
const STREAM_SQUARES: u64 = 3;
const STREAM_BITS: u64 = 4;
const STREAM_MASKS: u64 = 16;

/// INSECURE preprocessing source of one party (see the module docs).
pub struct InsecureDealerSource<F: Field> {
    party: PartyId,
    parties: usize,
    key: MacKeyShare<F>,
    alpha: F,
    triples: ChaCha12Rng,
    squares: ChaCha12Rng,
    bits: ChaCha12Rng,
    masks: Vec<ChaCha12Rng>,
    prefetched: Triples<F>,
    coupling: Coupling<F>,
    /// How many of each kind were dealt so far (triples, squares, masks per owner).
    dealt: (usize, usize, Vec<usize>),
}

/// INSECURE test aid: additive shifts of dealt *clear* values, absorbed into this party's own
/// shares (and MAC shares, with the global key this dealer knows).
///
/// This makes the simulation argument executable: for two honest inputs `x` and `x'`, the
/// preprocessing shifted by the coupling that maps `x` to `x'` (input masks `r' = r + Δ`,
/// triples `a' = a + Δ` with `c' = a'b'`, squares likewise) has the same distribution as the
/// unshifted one, and under it every value the other parties receive is *identical*. A test
/// that finds the cheater's received bytes equal in both runs has shown that its view does
/// not depend on the honest input.
#[derive(Clone, Debug, Default)]
pub struct Coupling<F: Field> {
    /// `(owner, index among that owner's masks, Δ)`: `r ← r + Δ`.
    pub masks: Vec<(PartyId, usize, F)>,
    /// `(index, Δ)`: `a ← a + Δ`, `a² ← (a + Δ)²`.
    pub squares: Vec<(usize, F)>,
    /// `(index, Δa, Δb)`: `a ← a + Δa`, `b ← b + Δb`, `c ← (a + Δa)(b + Δb)`.
    pub triples: Vec<(usize, F, F)>,
}

/// Adds `(dv, α·dv)` to element `e` of `s`.
fn shift_at<F: Field>(
    s: AuthShares<F>,
    shifts: &[(usize, F)],
    alpha: F,
) -> Result<AuthShares<F>, OfflineError> {
    if shifts.is_empty() {
        return Ok(s);
    }
    let (mut v, mut m) = s.into_parts();
    for &(e, d) in shifts {
        if let (Some(v), Some(m)) = (v.get_mut(e), m.get_mut(e)) {
            *v += d;
            *m += alpha * d;
        }
    }
    AuthShares::new(v, m)
}

impl<F: Field> core::fmt::Debug for InsecureDealerSource<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InsecureDealerSource")
            .field("party", &self.party)
            .finish_non_exhaustive()
    }
}

fn stream(seed: u64, s: u64) -> ChaCha12Rng {
    let mut r = ChaCha12Rng::seed_from_u64(seed);
    r.set_stream(s);
    r
}

/// INSECURE: one source per party for `parties` parties, all derived from the public `seed`.
///
/// # Panics
/// If `parties == 0`.
#[must_use]
pub fn insecure_dealer<F: Field>(parties: usize, seed: u64) -> Vec<InsecureDealerSource<F>> {
    assert!(parties > 0, "at least one party");
    let mut keys = stream(seed, STREAM_KEYS);
    let alphas: Vec<F> = (0..parties).map(|_| F::random(&mut keys)).collect();
    let alpha = alphas.iter().fold(F::ZERO, |a, &b| a + b);
    (0..parties)
        .map(|party| InsecureDealerSource {
            party,
            parties,
            key: MacKeyShare::dangerous_from_value(alphas[party]),
            alpha,
            triples: stream(seed, STREAM_TRIPLES),
            squares: stream(seed, STREAM_SQUARES),
            bits: stream(seed, STREAM_BITS),
            masks: (0..parties as u64)
                .map(|j| stream(seed, STREAM_MASKS + j))
                .collect(),
            prefetched: Triples::default(),
            coupling: Coupling::default(),
            dealt: (0, 0, vec![0; parties]),
        })
        .collect()
}

/// Shares `x` (and `α·x`) among all parties from `rng`; returns this party's pair.
fn share_one<F: Field>(
    rng: &mut ChaCha12Rng,
    parties: usize,
    me: PartyId,
    alpha: F,
    x: F,
) -> (F, F) {
    let (mut sv, mut sm) = (F::ZERO, F::ZERO);
    let mut mine = None;
    for j in 0..parties - 1 {
        let (v, m) = (F::random(rng), F::random(rng));
        sv += v;
        sm += m;
        if j == me {
            mine = Some((v, m));
        }
    }
    mine.unwrap_or((x - sv, alpha * x - sm))
}

fn share_vec<F: Field>(
    rng: &mut ChaCha12Rng,
    parties: usize,
    me: PartyId,
    alpha: F,
    xs: &[F],
) -> Result<AuthShares<F>, OfflineError> {
    let mut values = Vec::with_capacity(xs.len());
    let mut macs = Vec::with_capacity(xs.len());
    for &x in xs {
        let (v, m) = share_one(rng, parties, me, alpha, x);
        values.push(v);
        macs.push(m);
    }
    AuthShares::new(values, macs)
}

impl<F: Field> InsecureDealerSource<F> {
    /// INSECURE test aid: shift the clear values this source deals as `coupling` says (see
    /// [`Coupling`]); only this party's shares change.
    #[must_use]
    pub fn with_coupling(mut self, coupling: Coupling<F>) -> Self {
        self.coupling = coupling;
        self
    }

    /// Make `n` triples now and serve later requests from them first (so that benchmarks of
    /// the online phase do not time the dealing).
    ///
    /// # Errors
    /// Never in practice (kept for the `Preprocessing` signature's error type).
    pub fn prefetch_triples(&mut self, n: usize) -> Result<(), OfflineError> {
        let t = self.deal_triples(n)?;
        self.prefetched.extend_from(&t);
        Ok(())
    }

    fn deal_triples(&mut self, n: usize) -> Result<Triples<F>, OfflineError> {
        let (p, me, alpha) = (self.parties, self.party, self.alpha);
        let rng = &mut self.triples;
        let a: Vec<F> = (0..n).map(|_| F::random(rng)).collect();
        let b: Vec<F> = (0..n).map(|_| F::random(rng)).collect();
        let c: Vec<F> = a.iter().zip(&b).map(|(&a, &b)| a * b).collect();
        let (sa, sb, sc) = (
            share_vec(rng, p, me, alpha, &a)?,
            share_vec(rng, p, me, alpha, &b)?,
            share_vec(rng, p, me, alpha, &c)?,
        );
        let start = self.dealt.0;
        self.dealt.0 += n;
        let mut da = Vec::new();
        let mut db = Vec::new();
        let mut dc = Vec::new();
        for &(i, x, y) in &self.coupling.triples {
            if let Some(e) = i.checked_sub(start).filter(|&e| e < n) {
                da.push((e, x));
                db.push((e, y));
                dc.push((e, x * b[e] + y * a[e] + x * y));
            }
        }
        Ok(Triples {
            a: shift_at(sa, &da, alpha)?,
            b: shift_at(sb, &db, alpha)?,
            c: shift_at(sc, &dc, alpha)?,
        })
    }
}

impl<F: Field> Preprocessing<F> for InsecureDealerSource<F> {
    fn party(&self) -> PartyId {
        self.party
    }

    fn parties(&self) -> usize {
        self.parties
    }

    fn mac_key_share(&self) -> &MacKeyShare<F> {
        &self.key
    }

    fn triples(&mut self, n: usize) -> Result<Triples<F>, OfflineError> {
        if self.prefetched.len() == n {
            return Ok(core::mem::take(&mut self.prefetched));
        }
        if self.prefetched.len() > n {
            return Ok(self.prefetched.take_front(n));
        }
        self.deal_triples(n)
    }

    fn squares(&mut self, n: usize) -> Result<(AuthShares<F>, AuthShares<F>), OfflineError> {
        let (p, me, alpha) = (self.parties, self.party, self.alpha);
        let rng = &mut self.squares;
        let a: Vec<F> = (0..n).map(|_| F::random(rng)).collect();
        let s: Vec<F> = a.iter().map(|&a| a * a).collect();
        let (sa, ss) = (
            share_vec(rng, p, me, alpha, &a)?,
            share_vec(rng, p, me, alpha, &s)?,
        );
        let start = self.dealt.1;
        self.dealt.1 += n;
        let mut da = Vec::new();
        let mut ds = Vec::new();
        for &(i, d) in &self.coupling.squares {
            if let Some(e) = i.checked_sub(start).filter(|&e| e < n) {
                da.push((e, d));
                ds.push((e, (a[e] + a[e]) * d + d * d));
            }
        }
        Ok((shift_at(sa, &da, alpha)?, shift_at(ss, &ds, alpha)?))
    }

    fn bits(&mut self, n: usize) -> Result<AuthShares<F>, OfflineError> {
        let (p, me, alpha) = (self.parties, self.party, self.alpha);
        let rng = &mut self.bits;
        let b: Vec<F> = (0..n)
            .map(|_| F::from_u64(u64::from(rng.next_u32() & 1)))
            .collect();
        share_vec(rng, p, me, alpha, &b)
    }

    fn input_masks(&mut self, owner: PartyId, n: usize) -> Result<InputMasks<F>, OfflineError> {
        let (p, me, alpha) = (self.parties, self.party, self.alpha);
        let rng = self
            .masks
            .get_mut(owner)
            .ok_or(OfflineError::ApiMisuse("input_masks: owner is not a party"))?;
        let mut r: Vec<F> = (0..n).map(|_| F::random(rng)).collect();
        let shares = share_vec(rng, p, me, alpha, &r)?;
        let start = self.dealt.2[owner];
        self.dealt.2[owner] += n;
        let mut dr = Vec::new();
        for &(o, i, d) in &self.coupling.masks {
            if let Some(e) = i.checked_sub(start).filter(|&e| e < n && o == owner) {
                dr.push((e, d));
                r[e] += d;
            }
        }
        Ok(InputMasks {
            shares: shift_at(shares, &dr, alpha)?,
            clear: (owner == me).then_some(r),
        })
    }
}
