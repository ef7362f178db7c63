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
    /// `n` square pairs ([[a]], [[a²]]).
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
}

/// Preprocessed material held in memory, as [`crate::generate`] produces it.
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
        })
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

    /// Adds triples (from a batch that passed every check).
    #[allow(dead_code)] // used by the dealer feature and by generate
    pub(crate) fn add_triples(&mut self, t: &Triples<F>) {
        self.triples.extend_from(t);
    }
    /// Adds square pairs.
    #[allow(dead_code)] // used by the dealer feature, generate and the store
    pub(crate) fn add_squares(&mut self, a: &AuthShares<F>, a2: &AuthShares<F>) {
        self.squares.0.extend_from(a);
        self.squares.1.extend_from(a2);
    }
    /// Adds bits.
    #[allow(dead_code)] // used by the dealer feature, generate and the store
    pub(crate) fn add_bits(&mut self, b: &AuthShares<F>) {
        self.bits.extend_from(b);
    }
    /// Adds input masks of `owner`.
    #[allow(dead_code)] // used by the dealer feature, generate and the store
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
    #[allow(dead_code)] // used by the dealer feature, generate and the store
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
        ensure("squares", n, self.squares_left())?;
        let at = self.used.squares;
        self.used.squares += n;
        Ok((
            self.squares.0.take_range(at, n),
            self.squares.1.take_range(at, n),
        ))
    }
    fn bits(&mut self, n: usize) -> Result<AuthShares<F>, OfflineError> {
        ensure("bits", n, self.bits_left())?;
        let at = self.used.bits;
        self.used.bits += n;
        Ok(self.bits.take_range(at, n))
    }
    fn input_masks(&mut self, owner: PartyId, n: usize) -> Result<InputMasks<F>, OfflineError> {
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
}
