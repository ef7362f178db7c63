//! The source of preprocessed material that the online phase consumes, and its in-memory
//! implementation.

use spdz_field::Field;
use spdz_net::PartyId;

use crate::OfflineError;
use crate::shares::{AuthShares, InputMasks, MacKeyShare, Triples};

/// What the online phase consumes. Material is handed out once: a second call never returns
/// what an earlier call returned.
pub trait Preprocessing<F: Field>: Send {
    /// This party's id.
    fn party(&self) -> PartyId;
    /// Number of parties.
    fn parties(&self) -> usize;
    /// This party's MAC-key share α_i.
    fn mac_key_share(&self) -> &MacKeyShare<F>;
    /// `n` authenticated triples.
    ///
    /// # Errors
    ///
    /// [`OfflineError::Exhausted`] if fewer than `n` are left (nothing is consumed then); store
    /// errors for disk-backed sources.
    fn triples(&mut self, n: usize) -> Result<Triples<F>, OfflineError>;
    /// `n` square pairs (⟦a⟧, ⟦a²⟧).
    ///
    /// # Errors
    ///
    /// As [`Preprocessing::triples`].
    fn squares(&mut self, n: usize) -> Result<(AuthShares<F>, AuthShares<F>), OfflineError>;
    /// `n` authenticated random bits.
    ///
    /// # Errors
    ///
    /// As [`Preprocessing::triples`].
    fn bits(&mut self, n: usize) -> Result<AuthShares<F>, OfflineError>;
    /// `n` input masks owned by `owner` (clear values included iff `owner == self.party()`).
    ///
    /// # Errors
    ///
    /// [`OfflineError::ApiMisuse`] for an owner out of range; otherwise as
    /// [`Preprocessing::triples`].
    fn input_masks(&mut self, owner: PartyId, n: usize) -> Result<InputMasks<F>, OfflineError>;
    /// Called by the online phase when it aborts: after a failed check a cheater may have
    /// learned the global MAC key, so nothing of this source may ever be used again. A
    /// disk-backed source marks itself spent (so that no later process reopens it); every
    /// source stops handing out material.
    ///
    /// # Errors
    ///
    /// Store errors (I/O) for disk-backed sources.
    fn mark_spent(&mut self) -> Result<(), OfflineError> {
        Ok(())
    }
}

/// Preprocessed material held in memory, as [`crate::generate()`] produces it.
pub struct MemoryPreprocessing<F: Field> {
    pub(crate) party: PartyId,
    pub(crate) parties: usize,
    pub(crate) key: MacKeyShare<F>,
    pub(crate) triples: Triples<F>,
    pub(crate) squares: (AuthShares<F>, AuthShares<F>),
    pub(crate) bits: AuthShares<F>,
    /// Per owner: the shares, and the clear values at the owner.
    pub(crate) masks: Vec<InputMasks<F>>,
    /// Cursors: how many of each kind were handed out (triples, squares, bits, masks per owner).
    pub(crate) used: Used,
    /// Set by [`Preprocessing::mark_spent`]: the material and the key are wiped and every
    /// later hand-out is refused with [`OfflineError::Spent`].
    pub(crate) spent: bool,
}

/// How much of each kind of material has been handed out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Used {
    /// Triples handed out.
    pub triples: usize,
    /// Square pairs handed out.
    pub squares: usize,
    /// Bits handed out.
    pub bits: usize,
    /// Input masks handed out, per owner.
    pub masks: Vec<usize>,
}

impl<F: Field> MemoryPreprocessing<F> {
    /// An empty source for `party` of `parties` with key share `key`.
    ///
    /// # Errors
    ///
    /// [`OfflineError::ApiMisuse`] if `party >= parties` or `parties < 2`.
    pub fn new(party: PartyId, parties: usize, key: MacKeyShare<F>) -> Result<Self, OfflineError> {
        if parties < 2 || party >= parties {
            return Err(OfflineError::ApiMisuse(
                "party id out of range or fewer than 2 parties",
            ));
        }
        let masks = (0..parties)
            .map(|owner| InputMasks {
                shares: AuthShares::empty(),
                clear: (owner == party).then(Vec::new),
            })
            .collect();
        Ok(Self {
            party,
            parties,
            key,
            triples: Triples::default(),
            squares: (AuthShares::empty(), AuthShares::empty()),
            bits: AuthShares::empty(),
            masks,
            used: Used {
                masks: vec![0; parties],
                ..Used::default()
            },
            spent: false,
        })
    }

    /// `true` once [`Preprocessing::mark_spent`] was called: nothing is handed out any more.
    pub fn is_spent(&self) -> bool {
        self.spent
    }

    fn refuse_if_spent(&self) -> Result<(), OfflineError> {
        if self.spent {
            Err(OfflineError::Spent)
        } else {
            Ok(())
        }
    }

    /// Wipes every share, MAC share, clear mask and the key share, and refuses every later
    /// hand-out. Dropping the old vectors zeroizes them ([`AuthShares`] and [`InputMasks`]
    /// wipe on drop; [`MacKeyShare`] too).
    pub(crate) fn wipe_and_mark_spent(&mut self) {
        self.spent = true;
        self.triples = Triples::default();
        self.squares = (AuthShares::empty(), AuthShares::empty());
        self.bits = AuthShares::empty();
        for (owner, m) in self.masks.iter_mut().enumerate() {
            *m = InputMasks {
                shares: AuthShares::empty(),
                clear: (owner == self.party).then(Vec::new),
            };
        }
        self.used = Used {
            masks: vec![0; self.parties],
            ..Used::default()
        };
        self.key = MacKeyShare::dangerous_from_value(F::ZERO);
    }

    /// Number of triples left.
    pub fn triples_left(&self) -> usize {
        self.triples.len() - self.used.triples
    }
    /// Number of square pairs left.
    pub fn squares_left(&self) -> usize {
        self.squares.0.len() - self.used.squares
    }
    /// Number of bits left.
    pub fn bits_left(&self) -> usize {
        self.bits.len() - self.used.bits
    }
    /// Number of input masks of `owner` left (0 for an owner out of range).
    pub fn input_masks_left(&self, owner: PartyId) -> usize {
        match (self.masks.get(owner), self.used.masks.get(owner)) {
            (Some(m), Some(&u)) => m.len() - u,
            _ => 0,
        }
    }

    /// How much of each kind has been handed out.
    pub fn used(&self) -> &Used {
        &self.used
    }

    /// The cursors that mark everything as handed out.
    pub(crate) fn all_used(&self) -> Used {
        Used {
            triples: self.triples.len(),
            squares: self.squares.0.len(),
            bits: self.bits.len(),
            masks: self.masks.iter().map(InputMasks::len).collect(),
        }
    }

    /// Checks that `used` is reachable: no kind goes back and none beyond what exists.
    pub(crate) fn check_used(&self, used: &Used) -> Result<(), OfflineError> {
        let all = self.all_used();
        let pairs = [
            ("triples", self.used.triples, used.triples, all.triples),
            ("squares", self.used.squares, used.squares, all.squares),
            ("bits", self.used.bits, used.bits, all.bits),
        ];
        for (kind, now, next, total) in pairs {
            if next < now {
                return Err(OfflineError::ApiMisuse("consumption cannot go back"));
            }
            ensure(kind, next - now, total - now)?;
        }
        if used.masks.len() != all.masks.len() {
            return Err(OfflineError::ApiMisuse("mask owner count"));
        }
        for ((&now, &next), &total) in self.used.masks.iter().zip(&used.masks).zip(&all.masks) {
            if next < now {
                return Err(OfflineError::ApiMisuse("consumption cannot go back"));
            }
            ensure("input masks", next - now, total - now)?;
        }
        Ok(())
    }

    /// Moves the cursors to `used` (as loaded from a watermark), wiping what lies before them.
    pub(crate) fn set_used(&mut self, used: Used) -> Result<(), OfflineError> {
        self.check_used(&used)?;
        let wipe_to = |s: &mut AuthShares<F>, from: usize, to: usize| {
            drop(s.take_range(from, to - from));
        };
        wipe_to(&mut self.triples.a, self.used.triples, used.triples);
        wipe_to(&mut self.triples.b, self.used.triples, used.triples);
        wipe_to(&mut self.triples.c, self.used.triples, used.triples);
        wipe_to(&mut self.squares.0, self.used.squares, used.squares);
        wipe_to(&mut self.squares.1, self.used.squares, used.squares);
        wipe_to(&mut self.bits, self.used.bits, used.bits);
        for (owner, m) in self.masks.iter_mut().enumerate() {
            let (from, to) = (self.used.masks[owner], used.masks[owner]);
            wipe_to(&mut m.shares, from, to);
            if let Some(c) = m.clear.as_mut() {
                crate::shares::wipe(&mut c[from..to]);
            }
        }
        self.used = used;
        Ok(())
    }

    /// Adds triples (from a batch that passed every check).
    pub(crate) fn add_triples(&mut self, t: &Triples<F>) {
        self.triples.extend_from(t);
    }
    /// Adds square pairs.
    pub(crate) fn add_squares(&mut self, a: &AuthShares<F>, a2: &AuthShares<F>) {
        self.squares.0.extend_from(a);
        self.squares.1.extend_from(a2);
    }
    /// Adds bits.
    pub(crate) fn add_bits(&mut self, b: &AuthShares<F>) {
        self.bits.extend_from(b);
    }
    /// Adds input masks of `owner`.
    pub(crate) fn add_masks(
        &mut self,
        owner: PartyId,
        shares: &AuthShares<F>,
        clear: Option<&[F]>,
    ) {
        if let Some(m) = self.masks.get_mut(owner) {
            m.shares.extend_from(shares);
            if let (Some(dst), Some(src)) = (m.clear.as_mut(), clear) {
                dst.extend_from_slice(src);
            }
        }
    }

    /// Splits into its parts (used by the store).
    #[allow(clippy::type_complexity)]
    pub(crate) fn parts(
        &self,
    ) -> (
        &Triples<F>,
        &(AuthShares<F>, AuthShares<F>),
        &AuthShares<F>,
        &[InputMasks<F>],
    ) {
        (&self.triples, &self.squares, &self.bits, &self.masks)
    }
}

fn ensure(kind: &'static str, requested: usize, available: usize) -> Result<(), OfflineError> {
    if requested > available {
        Err(OfflineError::Exhausted {
            kind,
            requested,
            available,
        })
    } else {
        Ok(())
    }
}

impl<F: Field> Preprocessing<F> for MemoryPreprocessing<F> {
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
        self.refuse_if_spent()?;
        ensure("triples", n, self.triples_left())?;
        let at = self.used.triples;
        self.used.triples += n;
        Ok(Triples {
            a: self.triples.a.take_range(at, n),
            b: self.triples.b.take_range(at, n),
            c: self.triples.c.take_range(at, n),
        })
    }
    fn squares(&mut self, n: usize) -> Result<(AuthShares<F>, AuthShares<F>), OfflineError> {
        self.refuse_if_spent()?;
        ensure("squares", n, self.squares_left())?;
        let at = self.used.squares;
        self.used.squares += n;
        Ok((
            self.squares.0.take_range(at, n),
            self.squares.1.take_range(at, n),
        ))
    }
    fn bits(&mut self, n: usize) -> Result<AuthShares<F>, OfflineError> {
        self.refuse_if_spent()?;
        ensure("bits", n, self.bits_left())?;
        let at = self.used.bits;
        self.used.bits += n;
        Ok(self.bits.take_range(at, n))
    }
    fn input_masks(&mut self, owner: PartyId, n: usize) -> Result<InputMasks<F>, OfflineError> {
        self.refuse_if_spent()?;
        if owner >= self.parties {
            return Err(OfflineError::ApiMisuse("input mask owner out of range"));
        }
        ensure("input masks", n, self.input_masks_left(owner))?;
        let at = self.used.masks[owner];
        self.used.masks[owner] += n;
        let m = &mut self.masks[owner];
        let shares = m.shares.take_range(at, n);
        let clear = m.clear.as_mut().map(|c| {
            let head = c[at..at + n].to_vec();
            crate::shares::wipe(&mut c[at..at + n]);
            head
        });
        Ok(InputMasks { shares, clear })
    }
    /// Wipes all material and the key share; every later hand-out returns
    /// [`OfflineError::Spent`]. Infallible in memory.
    fn mark_spent(&mut self) -> Result<(), OfflineError> {
        self.wipe_and_mark_spent();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use spdz_field::{Field, Fp};

    fn shares(rng: &mut ChaCha20Rng, n: usize) -> AuthShares<Fp> {
        let v = (0..n).map(|_| Fp::random(rng)).collect();
        let m = (0..n).map(|_| Fp::random(rng)).collect();
        AuthShares::new(v, m).unwrap()
    }

    #[test]
    fn a_spent_source_hands_out_nothing_and_forgets_its_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut pre = MemoryPreprocessing::new(0, 2, MacKeyShare::<Fp>::random(&mut rng)).unwrap();
        pre.add_triples(&Triples {
            a: shares(&mut rng, 4),
            b: shares(&mut rng, 4),
            c: shares(&mut rng, 4),
        });
        pre.add_bits(&shares(&mut rng, 2));
        pre.add_masks(0, &shares(&mut rng, 2), Some(&[Fp::ONE, Fp::ONE]));
        assert_eq!(pre.triples(1).unwrap().len(), 1);
        pre.mark_spent().unwrap();
        assert!(pre.is_spent());
        assert!(matches!(pre.triples(1), Err(OfflineError::Spent)));
        assert!(matches!(pre.triples(0), Err(OfflineError::Spent)));
        assert!(matches!(pre.squares(0), Err(OfflineError::Spent)));
        assert!(matches!(pre.bits(1), Err(OfflineError::Spent)));
        assert!(matches!(pre.input_masks(0, 1), Err(OfflineError::Spent)));
        assert_eq!(
            pre.triples_left() + pre.bits_left() + pre.input_masks_left(0),
            0
        );
        assert_eq!(pre.mac_key_share().dangerous_value(), Fp::ZERO);
        // Idempotent.
        pre.mark_spent().unwrap();
    }
}
