//! The party handle: one party's view of an SPDZ online computation.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use spdz_field::{Field, Fp};
use spdz_net::{PartyId, Step, Transport};
use spdz_offline::Preprocessing;

use crate::budget::Budget;
use crate::cheat::Cheat;
use crate::error::{AbortReason, OnlineError};
use crate::fixed::FixedParams;
use crate::input::{BroadcastLog, masked};
use crate::mul::{combine, combine_square, mask};
use crate::open::{Pending, sum_shares};
use crate::prep;
use crate::share::{Opened, Shared, wipe};
use crate::trace::{Masking, Trace, TraceEvent};

/// First step tag of the online phase (`0x03xx_xxxx`, see `spdz_net`'s step ranges).
pub const STEP_BASE: u32 = 0x0300_0000;

/// Default bound on the pending list: when more values than this have been opened since the
/// last check, the next opening runs Π_MACCheck.
pub const DEFAULT_CHECK_BOUND: usize = 1 << 22;

/// Secret state of a live handle; dropped (and its buffers wiped) at the first abort.
struct Live<P, F: Field> {
    prep: P,
    rng: ChaCha20Rng,
    pending: Pending<F>,
    log: BroadcastLog,
}

/// One party of an SPDZ online computation over the transport `T`, consuming preprocessing
/// from `P`.
///
/// - Linear operations are local ([`Shared`]'s operators, [`Party::add_public`]).
/// - [`Party::mul`] multiplies whole vectors in one round; [`Party::square`], [`Party::dot`].
/// - [`Party::input`] takes a party's private values in (input masks + broadcast check).
/// - Opened values wait on a pending list; [`Party::check`] (run by [`Party::reveal`] before
///   it returns, and automatically when the list passes the bound) compares the input
///   broadcast digests and runs Π_MACCheck over the whole list.
/// - After any error caused by peers the handle is **poisoned**: its secret state is dropped
///   and every later call returns [`OnlineError::Aborted`].
/// - Fixed-point arithmetic and comparisons are in [`crate::fixed`] (methods on
///   `Party<T, P, Fp>`).
pub struct Party<T: Transport, P: Preprocessing<F>, F: Field = Fp> {
    pub(crate) transport: T,
    id: PartyId,
    parties: usize,
    live: Option<Live<P, F>>,
    aborted: Option<AbortReason>,
    #[cfg(feature = "adversarial")]
    cheat: Option<Cheat>,
    /// Depth of comparison protocols being run (for `Cheat::ShiftComparison`).
    pub(crate) in_comparison: u32,
    trace: Option<Trace>,
    check_bound: usize,
    pub(crate) fixed: FixedParams,
    consumed: Budget,
    round: u32,
    checks: u64,
}

impl<T: Transport, P: Preprocessing<F>, F: Field> core::fmt::Debug for Party<T, P, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Party")
            .field("id", &self.id)
            .field("parties", &self.parties)
            .field("aborted", &self.aborted)
            .finish_non_exhaustive()
    }
}

impl<T: Transport, P: Preprocessing<F>, F: Field> Party<T, P, F> {
    /// A handle for the party `transport.id()`, drawing preprocessing from `prep` and
    /// private randomness (for the MAC check's commitments) from a ChaCha20 seeded by `rng`.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if the preprocessing belongs to another party id or party
    /// count than the transport.
    pub fn new<R: CryptoRng + ?Sized>(
        transport: T,
        prep: P,
        rng: &mut R,
    ) -> Result<Self, OnlineError> {
        if prep.party() != transport.id() || prep.parties() != transport.parties() {
            return Err(OnlineError::ApiMisuse {
                what: "preprocessing is for another party or party count",
            });
        }
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let live = Live {
            prep,
            rng: ChaCha20Rng::from_seed(seed),
            pending: Pending::new(),
            log: BroadcastLog::new(),
        };
        zeroize::Zeroize::zeroize(&mut seed);
        Ok(Self {
            id: transport.id(),
            parties: transport.parties(),
            transport,
            live: Some(live),
            aborted: None,
            #[cfg(feature = "adversarial")]
            cheat: None,
            in_comparison: 0,
            trace: None,
            check_bound: DEFAULT_CHECK_BOUND,
            fixed: FixedParams::default(),
            consumed: Budget::zero(),
            round: 0,
            checks: 0,
        })
    }

    /// Make this party deviate from the protocol as `cheat` says (adversarial tests and the
    /// CLI's `--cheat`; never set by default). Only with the `adversarial` feature.
    #[cfg(feature = "adversarial")]
    #[must_use]
    pub fn with_cheat(mut self, cheat: Cheat) -> Self {
        self.cheat = Some(cheat);
        self
    }

    /// Whether this party applies `c` (always `false` without the `adversarial` feature, so
    /// the compiler removes every deviating branch).
    #[inline]
    pub(crate) fn cheats(&self, c: Cheat) -> bool {
        #[cfg(feature = "adversarial")]
        {
            self.cheat == Some(c)
        }
        #[cfg(not(feature = "adversarial"))]
        {
            let _ = c;
            false
        }
    }

    /// Record the public trace of this party's steps (what was opened, how it was masked,
    /// when the checks ran; see [`TraceEvent`]). Off by default; for tests and audits.
    #[must_use]
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Trace::default());
        self
    }

    /// The public trace recorded so far (empty unless [`Party::with_trace`]).
    #[must_use]
    pub fn trace(&self) -> &[TraceEvent] {
        self.trace.as_ref().map_or(&[], |t| t.events())
    }

    pub(crate) fn record(&mut self, e: TraceEvent) {
        if let Some(t) = self.trace.as_mut() {
            t.push(e);
        }
    }

    /// Run Π_MACCheck whenever more than `bound` opened values are pending (at least 1).
    #[must_use]
    pub fn with_check_bound(mut self, bound: usize) -> Self {
        self.check_bound = bound.max(1);
        self
    }

    /// This party's id.
    #[must_use]
    pub fn id(&self) -> PartyId {
        self.id
    }

    /// Number of parties.
    #[must_use]
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The transport (for its byte and round counters).
    #[must_use]
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Preprocessing drawn so far by this handle.
    #[must_use]
    pub fn consumed(&self) -> &Budget {
        &self.consumed
    }

    /// Communication rounds used by the online operations so far (not counting those inside
    /// Π_MACCheck; see the transport's counters for everything).
    #[must_use]
    pub fn rounds(&self) -> u32 {
        self.round
    }

    /// Number of opened values waiting for the next MAC check.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.live.as_ref().map_or(0, |l| l.pending.len())
    }

    /// The reason of the abort, if the handle is poisoned.
    #[must_use]
    pub fn abort_reason(&self) -> Option<AbortReason> {
        self.aborted
    }

    // ---- poisoning ------------------------------------------------------------------------

    pub(crate) fn ensure_live(&self) -> Result<(), OnlineError> {
        match (self.aborted, &self.live) {
            (Some(reason), _) => Err(OnlineError::Aborted { reason }),
            (None, Some(_)) => Ok(()),
            // Unreachable by construction (live is only dropped together with setting
            // `aborted`); reported rather than panicking.
            (None, None) => Err(OnlineError::Aborted {
                reason: AbortReason::Preprocessing,
            }),
        }
    }

    fn live_mut(&mut self) -> Result<&mut Live<P, F>, OnlineError> {
        self.ensure_live()?;
        self.live.as_mut().ok_or(OnlineError::Aborted {
            reason: AbortReason::Preprocessing,
        })
    }

    /// Poison on errors caused by peers: keep the reason, drop (and wipe) all secret state.
    pub(crate) fn finish<R>(&mut self, r: Result<R, OnlineError>) -> Result<R, OnlineError> {
        if let Err(e) = &r
            && let Some(reason) = e.abort_reason()
        {
            if self.aborted.is_none() {
                tracing::warn!(party = self.id, ?reason, "online phase aborted");
                self.aborted = Some(reason);
            }
            // The preprocessing (and with it α_i) is never used again: a failed MAC check may
            // have shown a cheater Σ_honest α_i·δ. A disk-backed source marks its file spent.
            if let Some(mut live) = self.live.take()
                && let Err(e) = live.prep.mark_spent()
            {
                tracing::error!(party = self.id, error = %e, "could not mark the preprocessing spent");
            }
        }
        r
    }

    fn next_step(&mut self) -> Step {
        let s = Step::new(STEP_BASE | (self.round & 0x00FF_FFFF));
        self.round = self.round.wrapping_add(1);
        s
    }

    fn mac_key(&self) -> Result<F, OnlineError> {
        let live = self.live.as_ref().ok_or(OnlineError::Aborted {
            reason: self.aborted.unwrap_or(AbortReason::Preprocessing),
        })?;
        Ok(prep::alpha(live.prep.mac_key_share()))
    }

    // ---- drawing preprocessing --------------------------------------------------------------

    pub(crate) fn draw_triples(&mut self, n: usize) -> Result<prep::TripleParts<F>, OnlineError> {
        let live = self.live_mut()?;
        let t = live.prep.triples(n).map_err(OnlineError::Preprocessing)?;
        let parts = prep::triple_parts(t, n)?;
        self.consumed.triples += n;
        Ok(parts)
    }

    pub(crate) fn draw_squares(&mut self, n: usize) -> Result<(Shared<F>, Shared<F>), OnlineError> {
        let live = self.live_mut()?;
        let (a, s) = live.prep.squares(n).map_err(OnlineError::Preprocessing)?;
        let out = (prep::shared(a, n)?, prep::shared(s, n)?);
        self.consumed.squares += n;
        Ok(out)
    }

    pub(crate) fn draw_bits(&mut self, n: usize) -> Result<Shared<F>, OnlineError> {
        let live = self.live_mut()?;
        let b = live.prep.bits(n).map_err(OnlineError::Preprocessing)?;
        let out = prep::shared(b, n)?;
        self.consumed.bits += n;
        Ok(out)
    }

    fn draw_input_masks(
        &mut self,
        owner: PartyId,
        n: usize,
    ) -> Result<(Shared<F>, Option<Vec<F>>), OnlineError> {
        let me = self.id;
        let live = self.live_mut()?;
        let m = live
            .prep
            .input_masks(owner, n)
            .map_err(OnlineError::Preprocessing)?;
        let out = prep::mask_parts(m, n, owner == me)?;
        self.consumed += &Budget::input_masks(owner, n);
        Ok(out)
    }

    // ---- local operations -----------------------------------------------------------------

    /// `[[x]] + c` for a public vector `c` (local): party 0 adds `c` to its value shares and
    /// every party adds `α_i·c` to its MAC shares.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if `c.len() != x.len()`; [`OnlineError::Aborted`] if the
    /// handle is poisoned.
    pub fn add_public(&self, x: &Shared<F>, c: &[F]) -> Result<Shared<F>, OnlineError> {
        self.ensure_live()?;
        if c.len() != x.len() {
            return Err(OnlineError::ApiMisuse {
                what: "add_public: length mismatch",
            });
        }
        let alpha = self.mac_key()?;
        let first = self.id == 0;
        let values = x
            .values()
            .iter()
            .zip(c)
            .map(|(&v, &c)| if first { v + c } else { v })
            .collect();
        let macs = x
            .macs()
            .iter()
            .zip(c)
            .map(|(&m, &c)| m + alpha * c)
            .collect();
        Ok(Shared::from_parts(values, macs))
    }

    /// `[[x]] + c` with the same public `c` for every element.
    ///
    /// # Errors
    /// As [`Party::add_public`].
    pub fn add_public_scalar(&self, x: &Shared<F>, c: F) -> Result<Shared<F>, OnlineError> {
        self.add_public(x, &vec![c; x.len()])
    }

    /// Authenticated shares of the public vector `c` (party 0 holds `c`, MACs `α_i·c`).
    ///
    /// # Errors
    /// [`OnlineError::Aborted`] if the handle is poisoned.
    pub fn public(&self, c: &[F]) -> Result<Shared<F>, OnlineError> {
        self.add_public(&Shared::zeros(c.len()), c)
    }

    // ---- opening and checking -------------------------------------------------------------

    /// Open `values` (this party's shares) to everyone in one round; the opened values and
    /// `macs` go on the pending list. Nothing opened here is released before a check.
    ///
    /// `masking` says how the opened value hides the secrets it depends on. Unless it is
    /// [`Masking::Uniform`] (uniform in F_p whatever the other parties did), every value
    /// opened before (and every input broadcast) must first pass the checks: a cheater who
    /// shifted an earlier opening by a known error could otherwise read honest secrets from
    /// a value that is masked only statistically (or not at all, for a zero-test or an
    /// output). Those checks run here, batched: one per opening, whatever its length.
    pub(crate) async fn open_raw(
        &mut self,
        values: Vec<F>,
        macs: Vec<F>,
        what: &'static str,
        masking: Masking,
    ) -> Result<Vec<F>, OnlineError> {
        if masking != Masking::Uniform {
            self.check_pending().await?;
        }
        let step = self.next_step();
        self.record(TraceEvent::Opened {
            step: step.tag(),
            what,
            masking,
            len: values.len(),
        });
        let payload = if self.cheats(Cheat::WrongShareOnOpen) && !values.is_empty() {
            // Cheat::WrongShareOnOpen: a wrong share goes to every peer.
            let mut v = values.to_vec();
            v[0] += F::ONE;
            F::encode_slice(&v)
        } else {
            F::encode_slice(&values)
        };
        let received = self.transport.exchange_all(step, payload).await?;
        if received.len() != self.parties {
            return Err(OnlineError::MalformedMessage {
                from: self.id,
                what: "exchange result (transport)",
            });
        }
        let opened = sum_shares(&received, values, self.id, what)?;
        drop(received);
        let over = {
            let live = self.live_mut()?;
            live.pending.push(&opened, macs);
            live.pending.len() > self.check_bound
        };
        if over {
            self.check_inner().await?;
        }
        Ok(opened)
    }

    /// Run the checks now: compare the input broadcast digests (if anything was broadcast
    /// since the last check) and run Π_MACCheck over every value opened since the last check.
    ///
    /// # Errors
    /// [`OnlineError::BroadcastInconsistent`], [`OnlineError::MacCheckFailed`],
    /// [`OnlineError::MalformedMessage`], [`OnlineError::Net`], [`OnlineError::Offline`];
    /// any of them poisons the handle.
    pub async fn check(&mut self) -> Result<(), OnlineError> {
        self.ensure_live()?;
        let r = self.check_inner().await;
        self.finish(r)
    }

    /// The checks, if anything was opened or broadcast since the last ones.
    pub(crate) async fn check_pending(&mut self) -> Result<(), OnlineError> {
        let live = self.live_mut()?;
        if live.pending.len() > 0 || live.log.has_pending() {
            self.check_inner().await?;
        }
        Ok(())
    }

    pub(crate) async fn check_inner(&mut self) -> Result<(), OnlineError> {
        self.checks += 1;
        let check = self.checks;
        let opened = self.pending_len();
        self.record(TraceEvent::Checked { check, opened });
        // Input consistency (see `input`): exchange and compare digests.
        if self.live_mut()?.log.has_pending() {
            let step = self.next_step();
            let digest = self.live_mut()?.log.digest();
            let received = self.transport.exchange_all(step, digest).await?;
            let me = self.id;
            self.live_mut()?.log.compare(&received, me, check)?;
        }
        // Π_MACCheck over the pending list.
        let wrong_mac = self.cheats(Cheat::WrongMacShareInCheck);
        let live = self.live.as_mut().ok_or(OnlineError::Aborted {
            reason: AbortReason::Preprocessing,
        })?;
        if live.pending.len() == 0 {
            return Ok(());
        }
        let (values, mut macs) = live.pending.take();
        if wrong_mac {
            // Cheat::WrongMacShareInCheck: σ_i computed from a wrong MAC share.
            macs[0] += F::ONE;
        }
        let opened = values.len();
        let r = prep::mac_check(
            &self.transport,
            live.prep.mac_key_share(),
            &values,
            &macs,
            &mut live.rng,
        )
        .await;
        wipe(&mut macs);
        match r {
            Ok(()) => Ok(()),
            Err(e) if prep::is_mac_failure(&e) => {
                Err(OnlineError::MacCheckFailed { opened, check })
            }
            Err(e) => Err(OnlineError::Offline(e)),
        }
    }

    /// Open `x` to every party and return it **after** the broadcast consistency check and
    /// Π_MACCheck over everything opened so far have passed.
    ///
    /// The checks run twice: before `x` is opened (as in SPDZ's output phase: an earlier
    /// opening shifted by a cheater would make `x` itself carry honest secrets), and after,
    /// over `x`'s own MACs.
    ///
    /// # Errors
    /// Any error of [`Party::check`] or of the opening round; the handle is then poisoned and
    /// nothing is released.
    pub async fn reveal(&mut self, x: &Shared<F>) -> Result<Opened<F>, OnlineError> {
        self.ensure_live()?;
        let r = self.reveal_inner(x).await;
        self.finish(r)
    }

    async fn reveal_inner(&mut self, x: &Shared<F>) -> Result<Opened<F>, OnlineError> {
        let v = self
            .open_raw(
                x.values().to_vec(),
                x.macs().to_vec(),
                "output shares",
                Masking::Output,
            )
            .await?;
        self.check_inner().await?;
        Ok(Opened::checked(v))
    }

    /// Reveal `x` to party `owner` only (private output): open `x − r` for input masks `[[r]]`
    /// of the owner, run the checks, and let the owner add its clear `r`. Returns
    /// `Some(values)` at the owner and `None` elsewhere, only after the checks passed.
    /// Consumes `x.len()` input masks of `owner`.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for a bad owner; otherwise as [`Party::reveal`].
    pub async fn reveal_to(
        &mut self,
        owner: PartyId,
        x: &Shared<F>,
    ) -> Result<Option<Opened<F>>, OnlineError> {
        self.ensure_live()?;
        if owner >= self.parties {
            return Err(OnlineError::ApiMisuse {
                what: "reveal_to: owner is not a party",
            });
        }
        let r = self.reveal_to_inner(owner, x).await;
        self.finish(r)
    }

    async fn reveal_to_inner(
        &mut self,
        owner: PartyId,
        x: &Shared<F>,
    ) -> Result<Option<Opened<F>>, OnlineError> {
        let n = x.len();
        let (mask, clear) = self.draw_input_masks(owner, n)?;
        let d = x - &mask;
        let opened = self
            .open_raw(
                d.values().to_vec(),
                d.macs().to_vec(),
                "private output shares",
                // Uniform to everyone but the owner, who knows r: to it this is an output,
                // so everything it depends on is checked first.
                Masking::Output,
            )
            .await?;
        self.check_inner().await?;
        Ok(clear.map(|mut r| {
            let v = opened.iter().zip(&r).map(|(&d, &r)| d + r).collect();
            wipe(&mut r);
            Opened::checked(v)
        }))
    }

    // ---- input ----------------------------------------------------------------------------

    /// Party `owner` inputs `n` private values: `values` is `Some` (of length `n`) at the owner
    /// and `None` elsewhere. One broadcast from the owner; the consistency of that broadcast
    /// is checked at the next [`Party::check`] (always before any output).
    ///
    /// **Unchecked:** the owner may input any field element. This is the path for integer
    /// programs; a program that truncates or compares its inputs must use the range-proven
    /// `Party::input_fixed` (fixed point) or `Party::input_uint` (bounded integers), or a
    /// cheater's out-of-range input could expose honest values through a masked opening.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] for a bad owner or a `values` that does not fit; otherwise
    /// [`OnlineError::MalformedMessage`] (wrong length or element ≥ p from the owner),
    /// [`OnlineError::Net`], [`OnlineError::Preprocessing`]; those poison the handle.
    pub async fn input(
        &mut self,
        owner: PartyId,
        values: Option<&[F]>,
        n: usize,
    ) -> Result<Shared<F>, OnlineError> {
        self.ensure_live()?;
        if owner >= self.parties {
            return Err(OnlineError::ApiMisuse {
                what: "input: owner is not a party",
            });
        }
        match (owner == self.id, values) {
            (true, Some(v)) if v.len() == n => {}
            (false, None) => {}
            _ => {
                return Err(OnlineError::ApiMisuse {
                    what: "input: values must be given (with length n) exactly at the owner",
                });
            }
        }
        let r = self.input_inner(owner, values, n).await;
        self.finish(r)
    }

    pub(crate) async fn input_inner(
        &mut self,
        owner: PartyId,
        values: Option<&[F]>,
        n: usize,
    ) -> Result<Shared<F>, OnlineError> {
        let (mask_shares, clear) = self.draw_input_masks(owner, n)?;
        if n == 0 {
            return Ok(mask_shares);
        }
        let step = self.next_step();
        self.record(TraceEvent::Input {
            step: step.tag(),
            owner,
            len: n,
        });
        let d: Vec<F> = if let Some(x) = values {
            // Input, step 2 (owner): d = x − r, sent to every peer.
            let r = clear.ok_or(OnlineError::InconsistentPreprocessing {
                what: "no clear input mask at its owner",
            })?;
            let d = masked(x, &r);
            let payload = F::encode_slice(&d);
            let equivocate =
                self.cheats(Cheat::EquivocateInput) || self.cheats(Cheat::EquivocateInputAndDigest);
            if equivocate {
                // Cheat::EquivocateInput{,AndDigest}: d to the lowest peer if n ≥ 3, d + 1 to
                // the rest; the first records d (its own view), the second what the lowest
                // peer received.
                let mut bad = d.clone();
                bad[0] += F::ONE;
                let bad = F::encode_slice(&bad);
                let first_peer = usize::from(self.id == 0);
                let to_first = if self.parties > 2 { &payload } else { &bad };
                let recorded = if self.cheats(Cheat::EquivocateInputAndDigest) {
                    to_first
                } else {
                    &payload
                };
                self.live_mut()?.log.record(step.tag(), owner, recorded);
                for to in (0..self.parties).filter(|&j| j != self.id) {
                    let p = if to == first_peer {
                        to_first.clone()
                    } else {
                        bad.clone()
                    };
                    self.transport.send(to, step, p).await?;
                }
            } else {
                self.live_mut()?.log.record(step.tag(), owner, &payload);
                self.transport.broadcast(step, payload).await?;
            }
            d
        } else {
            // Input, step 2 (others): receive d from the owner, parse, record.
            let bytes = self.transport.recv(owner, step).await?;
            if bytes.len() != n * F::BYTES {
                return Err(OnlineError::MalformedMessage {
                    from: owner,
                    what: "masked input",
                });
            }
            let d = F::decode_slice(&bytes).map_err(|_| OnlineError::MalformedMessage {
                from: owner,
                what: "masked input",
            })?;
            self.live_mut()?.log.record(step.tag(), owner, &bytes);
            d
        };
        // Input, step 3: [[x]] = [[r]] + d.
        self.add_public(&mask_shares, &d)
    }

    // ---- multiplication -------------------------------------------------------------------

    /// `[[x·y]]` element-wise by Beaver multiplication: one round for the whole vector.
    /// Consumes `x.len()` triples.
    ///
    /// # Errors
    /// [`OnlineError::ApiMisuse`] if the lengths differ; otherwise errors of the opening
    /// (which may run a check when the pending list is full); those poison the handle.
    pub async fn mul(&mut self, x: &Shared<F>, y: &Shared<F>) -> Result<Shared<F>, OnlineError> {
        self.ensure_live()?;
        if x.len() != y.len() {
            return Err(OnlineError::ApiMisuse {
                what: "mul: length mismatch",
            });
        }
        let r = self.mul_inner(x, y).await;
        self.finish(r)
    }

    async fn mul_inner(&mut self, x: &Shared<F>, y: &Shared<F>) -> Result<Shared<F>, OnlineError> {
        let n = x.len();
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        // Beaver, step 1.
        let t = self.draw_triples(n)?;
        // Step 2: [[ε]] = [[x]] − [[a]], [[δ]] = [[y]] − [[b]], as one vector ε ‖ δ.
        // (Our shares of ε, δ are sent to every peer: not secret, not wiped.)
        let mut send = Vec::with_capacity(2 * n);
        mask(x.values(), &t.a, &mut send);
        mask(y.values(), &t.b, &mut send);
        self.shift_beaver_share(&mut send, n);
        let mut macs = Vec::with_capacity(2 * n);
        mask(x.macs(), &t.ma, &mut macs);
        mask(y.macs(), &t.mb, &mut macs);
        // Step 3: open ε ‖ δ in one round.
        let opened = self
            .open_raw(send, macs, "Beaver ε‖δ", Masking::Uniform)
            .await?;
        // Step 4: [[z]] = [[c]] + ε[[b]] + δ[[a]] + εδ.
        let alpha = self.mac_key()?;
        let first = self.id == 0;
        let (eps, del) = opened.split_at(n);
        let mut z = Vec::with_capacity(n);
        let mut mz = Vec::with_capacity(n);
        #[allow(clippy::needless_range_loop)] // eight parallel slices
        for i in 0..n {
            let (v, m) = combine(
                eps[i],
                del[i],
                (t.a[i], t.ma[i]),
                (t.b[i], t.mb[i]),
                (t.c[i], t.mc[i]),
                alpha,
                first,
            );
            z.push(v);
            mz.push(m);
        }
        Ok(Shared::from_parts(z, mz))
    }

    /// The shift cheats: a known error on this party's share of ε (or δ) of the first
    /// element, applied consistently (the party uses the shifted ε itself), so everyone holds
    /// `z' = xy + E·y` (or `xy + E·x`) with valid-looking shares and inconsistent MACs.
    fn shift_beaver_share(&self, send: &mut [F], n: usize) {
        let in_cmp = self.in_comparison > 0;
        let eps = (self.cheats(Cheat::ShiftEpsilon) && !in_cmp)
            || (self.cheats(Cheat::ShiftComparison) && in_cmp);
        let del = self.cheats(Cheat::ShiftDelta) && !in_cmp;
        if n > 0 && eps {
            send[0] += crate::cheat::shift_error();
        }
        if n > 0 && del {
            send[n] += crate::cheat::shift_error();
        }
    }

    /// `[[x²]]` element-wise with square pairs: one round. Consumes `x.len()` squares.
    ///
    /// # Errors
    /// As [`Party::mul`].
    pub async fn square(&mut self, x: &Shared<F>) -> Result<Shared<F>, OnlineError> {
        self.ensure_live()?;
        let r = self.square_inner(x).await;
        self.finish(r)
    }

    pub(crate) async fn square_inner(&mut self, x: &Shared<F>) -> Result<Shared<F>, OnlineError> {
        let n = x.len();
        if n == 0 {
            return Ok(Shared::zeros(0));
        }
        let (a, s) = self.draw_squares(n)?;
        let d = x - &a;
        let eps = self
            .open_raw(
                d.values().to_vec(),
                d.macs().to_vec(),
                "square ε",
                Masking::Uniform,
            )
            .await?;
        let alpha = self.mac_key()?;
        let first = self.id == 0;
        let mut z = Vec::with_capacity(n);
        let mut mz = Vec::with_capacity(n);
        #[allow(clippy::needless_range_loop)] // five parallel slices
        for i in 0..n {
            let (v, m) = combine_square(
                eps[i],
                (a.values()[i], a.macs()[i]),
                (s.values()[i], s.macs()[i]),
                alpha,
                first,
            );
            z.push(v);
            mz.push(m);
        }
        Ok(Shared::from_parts(z, mz))
    }

    /// `[[Σ x_j y_j]]` (length 1): one round, `x.len()` triples.
    ///
    /// # Errors
    /// As [`Party::mul`].
    pub async fn dot(&mut self, x: &Shared<F>, y: &Shared<F>) -> Result<Shared<F>, OnlineError> {
        Ok(self.mul(x, y).await?.sum())
    }
}
