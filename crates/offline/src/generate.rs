//! The library entry point: run the MASCOT offline phase with the other parties and collect
//! triples, square pairs, random bits and input masks ([`generate`]).
//!
//! Work is split into batches of [`Params::batch_size`] triples (memory is bounded by the
//! batch: a batch of N triples holds about N·(τ·k) OT outputs per peer). Batches run on
//! [`Params::threads`] independent workers; each worker has its own logical channels
//! ([`Transport::channel`]), its own COPEe and KOS setups, and runs its batches one after the
//! other. Material of a batch is added to the output only after every check of that batch
//! passed; after any failure nothing more is returned.
//!
//! Per batch (one worker), in order:
//!
//! | step | what | timed as |
//! |---|---|---|
//! | Multiply | KOS random OTs (τ·k per triple per ordered pair) | `ot_extension` |
//! | Multiply | Gilboa messages d, shares of c_h = a_h·b | `multiply` |
//! | Combine | F_Rand coins r, r̂; τ triples into (a, b, c) and (â, b, ĉ) | `multiply` |
//! | Authenticate | Π_⟦·⟧ on (a, b, c, â, ĉ) and the input masks; its check | `authenticate` |
//! | Sacrifice | open ρ = s·a − â, check s·c − ĉ − ρ·b = 0 | `sacrifice` |
//! | squares, bits | open e = x − y, then a² | `sacrifice` |
//! | Π_MACCheck | on every value opened in the batch | `mac_check` |

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use spdz_net::{PartyId, Transport};
use spdz_ot::{RotExtension, RotReceiver, RotSender, kos};

use crate::auth::Inputs;
use crate::field_ext::MascotField;
use crate::join::{collect, join_all};
use crate::mac_check::{self, CheckKind};
use crate::preprocessing::MemoryPreprocessing;
use crate::shares::{AuthShares, MacKeyShare, Triples};
use crate::triple::{self, DEFAULT_TAU, TAU_RANGE};
use crate::{Cheat, OfflineError, coin, copee, steps};

/// What to generate, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Authenticated triples.
    pub triples: usize,
    /// Square pairs (⟦a⟧, ⟦a²⟧).
    pub squares: usize,
    /// Random bits.
    pub bits: usize,
    /// Input masks per party (each party owns this many).
    pub input_masks: usize,
    /// Triples per batch (those turned into squares and bits included). Memory is bounded by
    /// the batch.
    pub batch_size: usize,
    /// Independent workers (threads when the runtime has them), each on its own channels.
    pub threads: usize,
    /// τ: triples combined into each output triple (and into its sacrificed twin), in
    /// [`TAU_RANGE`]. The default [`DEFAULT_TAU`] = 4 meets 2^−64 by the two-output
    /// leftover-hash count (about 2^−95); [`triple::MP_SPDZ_TAU`] = 3, the paper's and
    /// MP-SPDZ's setting, gives only about 2^−31.5 by that count (see `papers/mascot.md`).
    /// Cost: τ·k random OTs and Gilboa messages per triple and ordered pair.
    pub tau: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            triples: 0,
            squares: 0,
            bits: 0,
            input_masks: 0,
            batch_size: 1024,
            threads: 1,
            tau: DEFAULT_TAU,
        }
    }
}

/// Time per protocol step, summed over workers (workers overlap, so the sum can exceed the
/// wall-clock time).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepTimes {
    /// Base OTs: COPEe Initialize and KOS setup.
    pub base_ot: Duration,
    /// KOS random-OT extension for Multiply.
    pub ot_extension: Duration,
    /// Gilboa multiplication and Combine.
    pub multiply: Duration,
    /// Π_⟦·⟧: COPEe Extend and the authentication check.
    pub authenticate: Duration,
    /// Sacrifice, square and bit openings.
    pub sacrifice: Duration,
    /// The final Π_MACCheck of every batch.
    pub mac_check: Duration,
}

impl StepTimes {
    fn add(&mut self, o: &StepTimes) {
        self.base_ot += o.base_ot;
        self.ot_extension += o.ot_extension;
        self.multiply += o.multiply;
        self.authenticate += o.authenticate;
        self.sacrifice += o.sacrifice;
        self.mac_check += o.mac_check;
    }
}

/// What a run cost this party.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// This party's id.
    pub party: PartyId,
    /// Number of parties.
    pub parties: usize,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// Time per step, summed over workers.
    pub steps: StepTimes,
    /// Frame bytes this party sent (headers included), from the transport's counters.
    pub bytes_sent: u64,
    /// Frame bytes this party received.
    pub bytes_received: u64,
    /// Frames this party sent.
    pub messages_sent: u64,
    /// Rounds, summed over logical channels (see `spdz_net::Stats`).
    pub rounds_total: u64,
    /// Batches run.
    pub batches: usize,
    /// Triples produced.
    pub triples: usize,
    /// Square pairs produced.
    pub squares: usize,
    /// Bits produced.
    pub bits: usize,
    /// Input masks produced per owner.
    pub input_masks: usize,
    /// The session id of this run (a coin toss, the same at every party); store files carry it.
    pub session: crate::store::SessionId,
}

/// One batch's plan; identical at every party (derived from [`Params`] only).
#[derive(Clone, Copy, Debug)]
struct Plan {
    triples: usize,
    squares: usize,
    bits: usize,
    masks: usize,
}

impl Plan {
    fn total(&self) -> usize {
        self.triples + self.squares + self.bits
    }
}

fn plan(p: &Params) -> Vec<Plan> {
    let size = p.batch_size.max(1);
    let total = p.triples + p.squares + p.bits;
    let batches = total.div_ceil(size).max(usize::from(p.input_masks > 0));
    let mut out = Vec::with_capacity(batches);
    let (mut t, mut s, mut b, mut m) = (p.triples, p.squares, p.bits, p.input_masks);
    for i in 0..batches {
        let mut room = size;
        let tt = t.min(room);
        room -= tt;
        let ss = s.min(room);
        room -= ss;
        let bb = b.min(room);
        let left = batches - i;
        let mm = m.div_ceil(left);
        t -= tt;
        s -= ss;
        b -= bb;
        m -= mm;
        out.push(Plan {
            triples: tt,
            squares: ss,
            bits: bb,
            masks: mm,
        });
    }
    out
}

/// The outputs of one batch that passed every check.
struct BatchOut<F: MascotField> {
    triples: Triples<F>,
    squares: (AuthShares<F>, AuthShares<F>),
    bits: AuthShares<F>,
    /// Per owner: shares, and clear values at the owner.
    masks: Vec<(AuthShares<F>, Option<Vec<F>>)>,
}

/// The random-OT extension MASCOT's Multiply runs on by default ([`generate`],
/// [`generate_with_progress`]). Everything below is generic over [`RotExtension`];
/// [`generate_with_extension`] takes another one (e.g. `spdz_ot::softspoken::SoftSpoken<4>`).
pub type DefaultExtension = kos::Kos;

/// A worker's links and OT state with one peer.
struct Peer<F: MascotField, T, E: RotExtension> {
    id: PartyId,
    copee_sender: copee::Sender<F>,
    copee_receiver: copee::Receiver<F>,
    rot_sender: E::Sender,
    rot_receiver: E::Receiver,
    /// Channel of the OT-extension instance in which we are the sender.
    ch_rot_sender: T,
    /// Channel of the OT-extension instance in which we are the receiver.
    ch_rot_receiver: T,
}

/// Logical channel of a pairwise sub-protocol: `kind` 0 = COPEe, 1 = KOS; the direction bit
/// says whether the sender of the sub-protocol has the lower id (both ends compute the same).
fn pair_channel(base: u16, kind: u16, sender: PartyId, receiver: PartyId) -> u16 {
    base + 1 + kind * 2 + u16::from(sender < receiver)
}

/// SHA-256 of everything that shapes the run (the field, the party count and [`Params`]).
fn params_digest<F>(params: &Params, parties: usize, extension: &str) -> [u8; 32]
where
    F: MascotField,
{
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"spdz/mascot/params/v3");
    h.update(F::NAME.as_bytes());
    // The OT extension: parties running different ones would wait for messages never sent.
    h.update((extension.len() as u64).to_le_bytes());
    h.update(extension.as_bytes());
    for x in [
        parties,
        params.triples,
        params.squares,
        params.bits,
        params.input_masks,
        params.batch_size,
        params.threads,
        params.tau,
    ] {
        h.update((x as u64).to_le_bytes());
    }
    h.finalize().into()
}

fn fresh_rng<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let r = ChaCha20Rng::from_seed(seed);
    zeroize::Zeroize::zeroize(&mut seed);
    r
}

/// Decodes `len` field elements from a peer's message.
fn decode_vec<F: MascotField>(
    bytes: &[u8],
    len: usize,
    from: PartyId,
    what: &'static str,
) -> Result<Vec<F>, OfflineError> {
    if bytes.len() != len * F::BYTES {
        return Err(OfflineError::MalformedMessage { from, what });
    }
    F::decode_slice(bytes).map_err(|_| OfflineError::MalformedMessage { from, what })
}

/// Opens shared values: broadcasts our shares, returns the sums.
async fn open<F: MascotField, T: Transport>(
    t: &T,
    step: spdz_net::Step,
    shares: &[F],
    what: &'static str,
) -> Result<Vec<F>, OfflineError> {
    let me = t.id();
    let received = t.exchange_all(step, F::encode_slice(shares)).await?;
    let mut sum = shares.to_vec();
    for (j, msg) in received.iter().enumerate() {
        if j == me {
            continue;
        }
        let v: Vec<F> = decode_vec(msg, shares.len(), j, what)?;
        for (s, x) in sum.iter_mut().zip(v) {
            *s += x;
        }
    }
    Ok(sum)
}

struct Worker<F: MascotField, T: Transport, E: RotExtension> {
    me: PartyId,
    n: usize,
    main: T,
    key: MacKeyShare<F>,
    cheat: Option<Cheat>,
    /// τ of [`Params::tau`].
    tau: usize,
    rng: ChaCha20Rng,
    peers: Vec<Peer<F, T, E>>,
    times: StepTimes,
}

impl<F: MascotField, T: Transport, E: RotExtension> Worker<F, T, E> {
    /// COPEe Initialize and KOS setup with every peer, all concurrently.
    async fn setup(
        t: &T,
        base: u16,
        key: MacKeyShare<F>,
        cheat: Option<Cheat>,
        tau: usize,
        mut rng: ChaCha20Rng,
    ) -> Result<Self, OfflineError> {
        let started = Instant::now();
        let (me, n) = (t.id(), t.parties());
        let ot_cheat = cheat.and_then(Cheat::ot);
        let main = t.channel(base);
        let futures: Vec<_> = (0..n)
            .filter(|&j| j != me)
            .map(|j| {
                let mut rngs: Vec<ChaCha20Rng> = (0..4).map(|_| fresh_rng(&mut rng)).collect();
                let key = key.clone();
                let ch_cs = t.channel(pair_channel(base, 0, me, j));
                let ch_cr = t.channel(pair_channel(base, 0, j, me));
                let ch_ks = t.channel(pair_channel(base, 1, me, j));
                let ch_kr = t.channel(pair_channel(base, 1, j, me));
                async move {
                    let [r0, r1, r2, r3] = &mut rngs[..] else {
                        return Err(OfflineError::ApiMisuse("rng count"));
                    };
                    let (cs, cr, ks, kr) = tokio::join!(
                        copee::setup_sender::<F, T, _>(&ch_cs, j, ot_cheat, r0),
                        copee::setup_receiver::<F, T, _>(&ch_cr, j, &key, ot_cheat, r1),
                        E::setup_sender(&ch_ks, j, r2, ot_cheat),
                        E::setup_receiver(&ch_kr, j, r3, ot_cheat),
                    );
                    let (cs, cr) = match (cs, cr) {
                        (Ok(a), Ok(b)) => (a, b),
                        (Err(e), _) | (_, Err(e)) => return Err(e),
                    };
                    let (ks, kr) = match (ks, kr) {
                        (Ok(a), Ok(b)) => (a, b),
                        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
                    };
                    Ok(Peer {
                        id: j,
                        copee_sender: cs,
                        copee_receiver: cr,
                        rot_sender: ks,
                        rot_receiver: kr,
                        ch_rot_sender: ch_ks,
                        ch_rot_receiver: ch_kr,
                    })
                }
            })
            .collect();
        let peers = collect(join_all(futures).await)?;
        let times = StepTimes {
            base_ot: started.elapsed(),
            ..StepTimes::default()
        };
        Ok(Self {
            me,
            n,
            main,
            key,
            cheat,
            tau,
            rng,
            peers,
            times,
        })
    }

    /// Runs one batch; returns its material only if every check passed.
    #[allow(clippy::too_many_lines)]
    async fn batch(&mut self, plan: Plan) -> Result<BatchOut<F>, OfflineError> {
        let (me, n, tau) = (self.me, self.n, self.tau);
        let big_n = plan.total();
        let k = F::BITS;
        let alpha = self.key.dangerous_value();

        // Π_Triple, Multiply, step 1: sample a^(i) ∈ F^{N·τ}, b^(i) ∈ F^N.
        let mut a: Vec<F> = (0..big_n * tau).map(|_| F::random(&mut self.rng)).collect();
        let mut b: Vec<F> = (0..big_n).map(|_| F::random(&mut self.rng)).collect();
        let mut choices = triple::gilboa_choices(&a);

        // Multiply, step 2: τ·k random OTs per triple and ordered pair (KOS).
        let started = Instant::now();
        let ot_count = big_n * tau * k;
        let futures: Vec<_> = self
            .peers
            .iter_mut()
            .map(|p| {
                let mut r1 = fresh_rng(&mut self.rng);
                let mut r2 = fresh_rng(&mut self.rng);
                let choices = &choices;
                async move {
                    let (s, r) = tokio::join!(
                        p.rot_sender
                            .send_random(&p.ch_rot_sender, ot_count, &mut r1),
                        p.rot_receiver
                            .receive_random(&p.ch_rot_receiver, choices, &mut r2),
                    );
                    match (s, r) {
                        (Ok(s), Ok(r)) => Ok((s, r)),
                        (Err(e), _) | (_, Err(e)) => Err(OfflineError::from(e)),
                    }
                }
            })
            .collect();
        let rots = collect(join_all(futures).await)?;
        zeroize::Zeroize::zeroize(&mut choices);
        self.times.ot_extension += started.elapsed();

        // Multiply, step 3: Gilboa messages d and the shares of the cross products.
        let started = Instant::now();
        let mut c: Vec<F> = a.iter().enumerate().map(|(g, &x)| x * b[g / tau]).collect();
        let mut msgs = vec![Vec::new(); n];
        for (p, (sent, _)) in self.peers.iter().zip(&rots) {
            let (shares, d) = triple::gilboa_send(&b, sent, tau)?;
            for (ci, s) in c.iter_mut().zip(shares) {
                *ci += s;
            }
            msgs[p.id] = d;
        }
        let received = self.main.exchange(steps::MULTIPLY_D, msgs).await?;
        for (p, (_, chosen)) in self.peers.iter().zip(&rots) {
            let msg = received.get(p.id).ok_or(OfflineError::MalformedMessage {
                from: p.id,
                what: "Multiply message d",
            })?;
            let shares = triple::gilboa_receive(&a, chosen, msg, p.id)?;
            for (ci, s) in c.iter_mut().zip(shares) {
                *ci += s;
            }
        }
        drop(rots);

        // Combine: public r, r̂ from F_Rand, after the products are fixed.
        let mut coins = coin::toss(&self.main, b"combine", self.cheat, &mut self.rng).await?;
        let r: Vec<F> = coins.field_vec(big_n * tau);
        let r_hat: Vec<F> = coins.field_vec(big_n * tau);
        #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
        let mut combined = triple::combine(&a, &b, &c, &r, &r_hat, tau)?;
        crate::shares::wipe(&mut c);
        crate::shares::wipe(&mut a);
        crate::shares::wipe(&mut b);
        crate::cheat::deviate!(self.cheat, WrongTripleShare, {
            // Cheat: a wrong share of c before Sacrifice.
            if let Some(c0) = combined.c.first_mut() {
                *c0 += F::ONE;
            }
        });
        self.times.multiply += started.elapsed();

        // Authenticate: Π_[[·]] on (a, b, c, â, ĉ) and our input masks.
        let started = Instant::now();
        let mut masks_clear: Vec<F> = (0..plan.masks).map(|_| F::random(&mut self.rng)).collect();
        let mut x = Vec::with_capacity(5 * big_n + plan.masks + 1);
        for v in [
            &combined.a,
            &combined.b,
            &combined.c,
            &combined.a_hat,
            &combined.c_hat,
        ] {
            x.extend_from_slice(v);
        }
        x.extend_from_slice(&masks_clear);
        let len = x.len();
        let mut inputs = Inputs::new(me, n, x, &mut self.rng);
        let (senders, receivers): (Vec<_>, Vec<_>) = self
            .peers
            .iter_mut()
            .map(|p| ((p.id, &mut p.copee_sender), (p.id, &mut p.copee_receiver)))
            .unzip();
        // COPEe Extend with every peer, both directions in one exchange.
        let msgs = inputs.extend_messages(&self.key, senders, self.cheat);
        let received = self.main.exchange(steps::COPEE_U, msgs).await?;
        inputs.receive(receivers, &received)?;
        drop(received);
        // Check, step 3: coefficients (and the sacrifice challenge s) after COPEe.
        let mut coins = coin::toss(&self.main, b"authenticate", self.cheat, &mut self.rng).await?;
        let coeffs: Vec<Vec<F>> = (0..n).map(|_| coins.field_vec(len + 1)).collect();
        let s: F = coins.field();
        let (y, m) = inputs.combine(&coeffs)?;
        let ys = open(&self.main, steps::AUTH_Y, &[y], "authentication y").await?;
        mac_check::check_as(
            &self.main,
            CheckKind::Authentication,
            &self.key,
            &ys,
            &[m],
            self.cheat,
            &mut self.rng,
        )
        .await?;
        let (own, macs) = inputs.into_outputs();
        // [[x]] for the triple part: our share, and the sum of every party's MAC shares.
        let seg = |i: usize| -> AuthShares<F> {
            let range = i * big_n..(i + 1) * big_n;
            let mut out = AuthShares::with_capacity(big_n);
            for pos in range {
                let mac = macs.iter().fold(F::ZERO, |acc, m| acc + m[pos]);
                out.push(own[pos], mac);
            }
            out
        };
        let (sa, sb, sc, sah, sch) = (seg(0), seg(1), seg(2), seg(3), seg(4));
        let masks: Vec<(AuthShares<F>, Option<Vec<F>>)> = (0..n)
            .map(|owner| {
                let mut sh = AuthShares::with_capacity(plan.masks);
                for q in 0..plan.masks {
                    let pos = 5 * big_n + q;
                    let v = if owner == me { own[pos] } else { F::ZERO };
                    sh.push(v, macs[owner][pos]);
                }
                (sh, (owner == me).then(|| masks_clear.clone()))
            })
            .collect();
        let (mut own, mut macs) = (own, macs);
        crate::shares::wipe(&mut own);
        for m in &mut macs {
            crate::shares::wipe(m);
        }
        crate::shares::wipe(&mut masks_clear);
        drop(combined);
        self.times.authenticate += started.elapsed();

        // Sacrifice, step 1: open ρ = s·a − â.
        let started = Instant::now();
        let rho_v = triple::sacrifice_rho(s, sa.values(), sah.values());
        let rho_m = triple::sacrifice_rho(s, sa.macs(), sah.macs());
        let rho = open(&self.main, steps::SACRIFICE_RHO, &rho_v, "sacrifice ρ").await?;
        // Sacrifice, step 2: s·c − ĉ − ρ·b must open to zero.
        let z_v = triple::sacrifice_zero(s, sc.values(), sch.values(), &rho, sb.values());
        let z_m = triple::sacrifice_zero(s, sc.macs(), sch.macs(), &rho, sb.macs());
        let z = open(&self.main, steps::SACRIFICE_ZERO, &z_v, "sacrifice zero").await?;
        // Public values: one decision for the whole batch.
        let all_zero = z
            .iter()
            .fold(subtle::Choice::from(1u8), |acc, v| acc & v.is_zero());
        if !bool::from(all_zero) {
            return Err(OfflineError::SacrificeFailed);
        }
        let mut opened: Vec<F> = rho;
        opened.extend_from_slice(&z);
        let mut opened_macs: Vec<F> = rho_m;
        opened_macs.extend_from_slice(&z_m);

        // Squares from the triples after the first `plan.triples`: open e = x − y.
        let sq_from = plan.triples;
        let sq_n = plan.squares + plan.bits;
        let e_v: Vec<F> = (sq_from..sq_from + sq_n)
            .map(|t| sa.values()[t] - sb.values()[t])
            .collect();
        let e_m: Vec<F> = (sq_from..sq_from + sq_n)
            .map(|t| sa.macs()[t] - sb.macs()[t])
            .collect();
        let e = open(&self.main, steps::SQUARE_E, &e_v, "square e").await?;
        let mut sq_a = AuthShares::with_capacity(sq_n);
        let mut sq_a2 = AuthShares::with_capacity(sq_n);
        for (q, &eq) in e.iter().enumerate() {
            let t = sq_from + q;
            let (va, va2) = triple::square_from_triple(sa.values()[t], sc.values()[t], eq);
            let (ma, ma2) = triple::square_from_triple(sa.macs()[t], sc.macs()[t], eq);
            sq_a.push(va, ma);
            sq_a2.push(va2, ma2);
        }
        opened.extend_from_slice(&e);
        opened_macs.extend_from_slice(&e_m);

        // Bits from the last `plan.bits` squares: open A = a².
        let bit_from = plan.squares;
        let a2_v: Vec<F> = sq_a2.values()[bit_from..].to_vec();
        let a2_m: Vec<F> = sq_a2.macs()[bit_from..].to_vec();
        let big_a = open(&self.main, steps::BIT_SQUARE, &a2_v, "bit a²").await?;
        opened.extend_from_slice(&big_a);
        opened_macs.extend_from_slice(&a2_m);
        self.times.sacrifice += started.elapsed();

        // Π_MACCheck on everything opened in this batch.
        let started = Instant::now();
        mac_check::check_as(
            &self.main,
            CheckKind::Mac,
            &self.key,
            &opened,
            &opened_macs,
            self.cheat,
            &mut self.rng,
        )
        .await?;
        self.times.mac_check += started.elapsed();

        // Bits: b = (a/√A + 1)/2, after the MAC check vouched for A.
        let mut bits = AuthShares::with_capacity(plan.bits);
        for (q, &aa) in big_a.iter().enumerate() {
            let i = bit_from + q;
            if let Some((mul, add)) = triple::bit_from_square(aa)? {
                let v = mul * sq_a.values()[i] + if me == 0 { add } else { F::ZERO };
                let m = mul * sq_a.macs()[i] + add * alpha;
                bits.push(v, m);
            }
        }
        let squares = (sq_a.slice(0..plan.squares), sq_a2.slice(0..plan.squares));
        let triples = Triples {
            a: sa.slice(0..plan.triples),
            b: sb.slice(0..plan.triples),
            c: sc.slice(0..plan.triples),
        };
        Ok(BatchOut {
            triples,
            squares,
            bits,
            masks,
        })
    }
}

/// Runs the MASCOT offline phase as this party of `t` and returns its preprocessing.
///
/// Every party must call this with the same `params` at the same time. `cheat` makes this
/// party deviate (tests and `spdz triples --cheat` only; `None` for honest runs). With
/// `params.threads > 1`, batches run on that many tokio tasks (which needs a multi-thread tokio
/// runtime to use several cores); each task uses its own logical channels.
///
/// Nothing of a batch is returned unless all of its checks passed; on any failure the whole
/// call fails and returns no material.
///
/// # Errors
///
/// The check that failed ([`OfflineError::SacrificeFailed`],
/// [`OfflineError::AuthenticationCheckFailed`], [`OfflineError::MacCheckFailed`],
/// [`OfflineError::CommitmentMismatch`], [`OfflineError::BroadcastInconsistent`],
/// [`OfflineError::Ot`] for the OT layer's checks), [`OfflineError::MalformedMessage`] for bad
/// peer bytes, [`OfflineError::Net`] for a failed link, [`OfflineError::ApiMisuse`] for bad
/// parameters.
pub async fn generate<F, T, R>(
    t: &T,
    params: &Params,
    cheat: Option<Cheat>,
    rng: &mut R,
) -> Result<(MemoryPreprocessing<F>, Report), OfflineError>
where
    F: MascotField,
    T: Transport + 'static,
    R: rand_core::CryptoRng + Send + ?Sized,
{
    generate_with_progress(t, params, cheat, rng, None).await
}

/// [`generate`], adding to `progress` the number of triples of every batch as soon as that
/// batch has passed all its checks (for a progress display; the count is public).
///
/// # Errors
///
/// As [`generate`].
pub async fn generate_with_progress<F, T, R>(
    t: &T,
    params: &Params,
    cheat: Option<Cheat>,
    rng: &mut R,
    progress: Option<Arc<AtomicUsize>>,
) -> Result<(MemoryPreprocessing<F>, Report), OfflineError>
where
    F: MascotField,
    T: Transport + 'static,
    R: rand_core::CryptoRng + Send + ?Sized,
{
    generate_with_extension::<F, T, R, DefaultExtension>(t, params, cheat, rng, progress).await
}

/// [`generate_with_progress`] under a MAC-key share this party already holds (`Some`), or a
/// fresh one (`None`).
///
/// Material made under a kept key share is authenticated under the same global key
/// `α = Σ α_i` as material of an earlier session, so that values kept in shares across
/// sessions (a model kept in shares, `spdz_model::share_file`) stay valid. Reusing `α` is
/// what SPDZ deployments do (MP-SPDZ keeps `Player-MAC-Keys-*` between runs): `α` is never
/// opened, and a passed MAC check reveals nothing of it. After an abort it must be treated
/// as known to the cheater ([`crate::Preprocessing::mark_spent`]): whoever keeps the key
/// share must then discard it together with everything authenticated under it.
///
/// # Errors
///
/// As [`generate`].
pub async fn generate_under_key<F, T, R>(
    t: &T,
    params: &Params,
    key: Option<MacKeyShare<F>>,
    cheat: Option<Cheat>,
    rng: &mut R,
    progress: Option<Arc<AtomicUsize>>,
) -> Result<(MemoryPreprocessing<F>, Report), OfflineError>
where
    F: MascotField,
    T: Transport + 'static,
    R: rand_core::CryptoRng + Send + ?Sized,
{
    generate_inner::<F, T, R, DefaultExtension>(t, params, key, cheat, rng, progress).await
}

/// [`generate_with_progress`] over the random-OT extension `E` (the selection hook: e.g.
/// `spdz_ot::softspoken::SoftSpoken<4>` instead of [`DefaultExtension`]). Every party must use
/// the same `E`: it is part of the parameters compared at the start
/// ([`OfflineError::ParamsMismatch`] otherwise).
///
/// # Errors
///
/// As [`generate`].
pub async fn generate_with_extension<F, T, R, E>(
    t: &T,
    params: &Params,
    cheat: Option<Cheat>,
    rng: &mut R,
    progress: Option<Arc<AtomicUsize>>,
) -> Result<(MemoryPreprocessing<F>, Report), OfflineError>
where
    F: MascotField,
    T: Transport + 'static,
    R: rand_core::CryptoRng + Send + ?Sized,
    E: RotExtension + Send + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    generate_inner::<F, T, R, E>(t, params, None, cheat, rng, progress).await
}

async fn generate_inner<F, T, R, E>(
    t: &T,
    params: &Params,
    key: Option<MacKeyShare<F>>,
    cheat: Option<Cheat>,
    rng: &mut R,
    progress: Option<Arc<AtomicUsize>>,
) -> Result<(MemoryPreprocessing<F>, Report), OfflineError>
where
    F: MascotField,
    T: Transport + 'static,
    R: rand_core::CryptoRng + Send + ?Sized,
    E: RotExtension + Send + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let started = Instant::now();
    let (me, n) = (t.id(), t.parties());
    if n < 2 || me >= n {
        return Err(OfflineError::ApiMisuse(
            "generate: needs at least 2 parties",
        ));
    }
    if params.threads == 0 || params.threads > 64 {
        return Err(OfflineError::ApiMisuse("generate: threads must be 1..=64"));
    }
    if !TAU_RANGE.contains(&params.tau) {
        return Err(OfflineError::ApiMisuse("generate: tau must be 3..=8"));
    }
    let before = t.stats();
    // Setup: agree on the parameters first. They fix every party's batch plan, channels and
    // steps; a party with other parameters would otherwise leave the rest waiting for
    // messages that never come, until a timeout. Parameters are public: plain comparison.
    let digest = params_digest::<F>(params, n, E::NAME);
    let digests = t.exchange_all(steps::PARAMS, digest.to_vec()).await?;
    if let Some(from) = (0..n).find(|&j| j != me && digests[j] != digest) {
        return Err(OfflineError::ParamsMismatch { from });
    }
    // A joint session id (F_Rand), so that store files of this run can be told apart.
    let session = coin::toss_seed(t, b"session", cheat, rng).await?;
    // Setup: each party's MAC-key share α_i, sampled locally (or kept from an earlier
    // session) and never sent.
    let key = key.unwrap_or_else(|| MacKeyShare::<F>::random(rng));
    let mut out = MemoryPreprocessing::new(me, n, key.clone())?;
    let plans = plan(params);
    let workers = params.threads.min(plans.len()).max(1);
    let mut times = StepTimes::default();
    // Channels: worker w uses base = first + 8·w (main) and base + 1..=4 (pairwise OT).
    let first = t.channel_index().wrapping_add(1);
    let batches_of =
        |w: usize| -> Vec<Plan> { plans.iter().skip(w).step_by(workers).copied().collect() };
    #[allow(clippy::cast_possible_truncation)] // workers ≤ 64
    let base_of = |w: usize| first.wrapping_add(8 * w as u16);
    let results: Vec<WorkerResult<F>> = if workers == 1 {
        vec![
            run_worker::<F, T, E>(
                t,
                base_of(0),
                key.clone(),
                cheat,
                params.tau,
                fresh_rng(rng),
                batches_of(0),
                progress.clone(),
            )
            .await,
        ]
    } else {
        let mut handles = Vec::with_capacity(workers);
        for w in 0..workers {
            let tw = t.channel(base_of(w));
            let key = key.clone();
            let rng_w = fresh_rng(rng);
            let my_plans = batches_of(w);
            let base = base_of(w);
            let progress = progress.clone();
            let tau = params.tau;
            handles.push(tokio::spawn(async move {
                run_worker::<F, T, E>(&tw, base, key, cheat, tau, rng_w, my_plans, progress).await
            }));
        }
        let mut results = Vec::with_capacity(workers);
        let mut failed = false;
        for i in 0..handles.len() {
            let r = match (&mut handles[i]).await {
                Ok(r) => r,
                Err(_) => Err(OfflineError::ApiMisuse("generate: a worker task panicked")),
            };
            if r.is_err() && !failed {
                failed = true;
                // Stop the other workers: their channels close, so peers do not wait on them.
                for other in &handles {
                    other.abort();
                }
            }
            results.push(r);
        }
        results
    };
    let per_worker = collect(results)?;
    let mut batches = 0;
    // Interleave in plan order so that every party orders its material identically.
    let mut iters: Vec<_> = per_worker
        .into_iter()
        .map(|(outs, tm)| {
            times.add(&tm);
            outs.into_iter()
        })
        .collect();
    'outer: loop {
        for it in &mut iters {
            match it.next() {
                Some(b) => {
                    batches += 1;
                    out.add_triples(&b.triples);
                    out.add_squares(&b.squares.0, &b.squares.1);
                    out.add_bits(&b.bits);
                    for (owner, (sh, clear)) in b.masks.iter().enumerate() {
                        out.add_masks(owner, sh, clear.as_deref());
                    }
                }
                None => break 'outer,
            }
        }
    }
    let after = t.stats();
    let report = Report {
        party: me,
        parties: n,
        elapsed: started.elapsed(),
        steps: times,
        bytes_sent: after.total.bytes_sent - before.total.bytes_sent,
        bytes_received: after.total.bytes_received - before.total.bytes_received,
        messages_sent: after.total.messages_sent - before.total.messages_sent,
        rounds_total: after.rounds_total - before.rounds_total,
        batches,
        triples: out.triples_left(),
        squares: out.squares_left(),
        bits: out.bits_left(),
        input_masks: out.input_masks_left(me),
        session,
    };
    tracing::info!(
        party = me,
        triples = report.triples,
        seconds = report.elapsed.as_secs_f64(),
        "MASCOT offline phase finished"
    );
    Ok((out, report))
}

/// What a worker returns: its batches' material and its step times.
type WorkerResult<F> = Result<(Vec<BatchOut<F>>, StepTimes), OfflineError>;

#[allow(clippy::too_many_arguments)] // one worker's whole configuration, passed once
async fn run_worker<F: MascotField, T: Transport, E: RotExtension>(
    t: &T,
    base: u16,
    key: MacKeyShare<F>,
    cheat: Option<Cheat>,
    tau: usize,
    rng: ChaCha20Rng,
    plans: Vec<Plan>,
    progress: Option<Arc<AtomicUsize>>,
) -> WorkerResult<F> {
    if plans.is_empty() {
        return Ok((Vec::new(), StepTimes::default()));
    }
    let mut w = Worker::<F, T, E>::setup(t, base, key, cheat, tau, rng).await?;
    let mut outs = Vec::with_capacity(plans.len());
    for p in plans {
        outs.push(w.batch(p).await?);
        if let Some(done) = &progress {
            done.fetch_add(p.triples, Ordering::Relaxed);
        }
    }
    Ok((outs, w.times))
}
