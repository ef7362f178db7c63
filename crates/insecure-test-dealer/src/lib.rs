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
        Ok(Triples {
            a: share_vec(rng, p, me, alpha, &a)?,
            b: share_vec(rng, p, me, alpha, &b)?,
            c: share_vec(rng, p, me, alpha, &c)?,
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
        Ok((
            share_vec(rng, p, me, alpha, &a)?,
            share_vec(rng, p, me, alpha, &s)?,
        ))
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
        let r: Vec<F> = (0..n).map(|_| F::random(rng)).collect();
        let shares = share_vec(rng, p, me, alpha, &r)?;
        Ok(InputMasks {
            shares,
            clear: (owner == me).then_some(r),
        })
    }
}
