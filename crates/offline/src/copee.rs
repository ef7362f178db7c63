//! COPEe: correlated oblivious product evaluation with errors (MASCOT, ePrint 2016/505,
//! "Protocol Π_COPEe", Initialize and Extend).
//!
//! Between a sender P_A (holds inputs x) and a receiver P_B (holds Δ = its MAC-key share α_B):
//!
//! **Initialize** ([`setup_sender`], [`setup_receiver`]): k base OTs (k = [`MascotField::BITS`])
//! with P_B's choice bits Δ_l; P_A inputs random seed pairs (k_0^l, k_1^l) and P_B learns
//! k_{Δ_l}^l. Each seed keys an AES-CTR PRF ([`spdz_ot::prg::Prg`]).
//!
//! **Extend** ([`Sender::extend`], [`Receiver::extend`]) on x ∈ F^m:
//! 1. t_b^l = PRF(k_b^l) (the next m outputs, mapped to F), for l < k, b ∈ {0, 1}.
//! 2. P_A sends u^l = t_0^l − t_1^l + x.
//! 3. P_B computes q^l = t_{Δ_l}^l + Δ_l·u^l = t_0^l + Δ_l·x, and q = Σ_l 2^l·q^l.
//! 4. P_A sets t = Σ_l 2^l·t_0^l, so q − t = x·Δ. It outputs −t, so the outputs of the two
//!    parties add up to x·Δ.
//!
//! "With errors": a corrupt P_A may use a different x in each position l; then
//! q − t = Σ_l 2^l·Δ_l·x^l, which is not a multiple of Δ. COPEe does not detect this; the check
//! of Π_⟦·⟧ ([`crate::auth`]) does, except with probability 2^−k·(guessable bits).
//!
//! The selection by Δ_l is done with `conditional_select` (Δ is secret).

use spdz_net::{PartyId, Transport};
use spdz_ot::prg::Prg;
use spdz_ot::{Block, OtCheat};
use subtle::Choice;

use crate::OfflineError;
use crate::field_ext::MascotField;
use crate::shares::MacKeyShare;

/// Inputs per tile of Extend: the PRF outputs of one bit position for a tile (2 KiB per stream)
/// and the tile's accumulators stay in L1 while all k positions are processed.
const TILE: usize = 128;

/// COPEe sender P_A: holds both seeds of every base OT.
pub struct Sender<F: MascotField> {
    peer: PartyId,
    prgs: Vec<[Prg; 2]>,
    _f: core::marker::PhantomData<F>,
}

impl<F: MascotField> core::fmt::Debug for Sender<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("copee::Sender")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl<F: MascotField> Sender<F> {
    /// The sender's state from the k base-OT seed pairs it sent.
    ///
    /// # Errors
    ///
    /// [`OfflineError::ApiMisuse`] if there are not exactly k pairs.
    pub fn new(peer: PartyId, seeds: &[[Block; 2]]) -> Result<Self, OfflineError> {
        if seeds.len() != F::BITS {
            return Err(OfflineError::ApiMisuse("COPEe sender needs k seed pairs"));
        }
        Ok(Self {
            peer,
            prgs: seeds
                .iter()
                .map(|s| [Prg::new(s[0]), Prg::new(s[1])])
                .collect(),
            _f: core::marker::PhantomData,
        })
    }

    /// Extend, steps 1, 2 and 4: returns this party's additive share of x·Δ_B (that is, −t)
    /// and the message u (k·m field elements, position l first).
    ///
    /// With `cheat` = `Cheat::CopeeInconsistentInput` (feature `adversarial`), the
    /// first input uses x + 1 in every position l ≠ 0; every other value (and `None`) runs
    /// honestly.
    pub fn extend(&mut self, x: &[F], cheat: Option<crate::Cheat>) -> (Vec<F>, Vec<u8>) {
        let m = x.len();
        let k = F::BITS;
        let mut out = Vec::with_capacity(m);
        let mut msg = vec![0u8; k * m * F::BYTES];
        let mut t0 = [[0u8; 16]; TILE];
        let mut t1 = [[0u8; 16]; TILE];
        let mut acc = [F::Pow2Acc::default(); TILE];
        // Tiles of TILE inputs, every bit position l within a tile: the PRF outputs and the
        // accumulators stay in L1, one pass over the message.
        for (tile, xs) in x.chunks(TILE).enumerate() {
            let n = xs.len();
            let acc = &mut acc[..n];
            acc.fill(F::Pow2Acc::default());
            for l in 0..k {
                // Extend, step 1: t_b^l = PRF(k_b^l), the next n outputs of each stream.
                let [p0, p1] = &mut self.prgs[l];
                p0.fill_bytes_blocks(&mut t0[..n]);
                p1.fill_bytes_blocks(&mut t1[..n]);
                let start = (l * m + tile * TILE) * F::BYTES;
                let row = &mut msg[start..start + n * F::BYTES];
                for (i, (chunk, ((a, b), (&xi, s)))) in row
                    .chunks_exact_mut(F::BYTES)
                    .zip(t0.iter().zip(&t1).zip(xs.iter().zip(acc.iter_mut())))
                    .enumerate()
                {
                    let a = F::from_block(u128::from_le_bytes(*a));
                    let b = F::from_block(u128::from_le_bytes(*b));
                    #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
                    let mut xv = xi;
                    crate::cheat::deviate!(
                        cheat.filter(|_| tile == 0 && i == 0 && l != 0),
                        CopeeInconsistentInput,
                        {
                            xv += F::ONE;
                        }
                    );
                    // Extend, step 2: u^l = t_0^l − t_1^l + x.
                    (a - b + xv).write_le(chunk);
                    // Extend, step 4: t = Σ_l 2^l·t_0^l (reduced once per input).
                    F::pow2_add(s, a, l);
                }
            }
            out.extend(acc.iter().map(|&s| -F::pow2_finish(s)));
        }
        zeroize::Zeroize::zeroize(&mut t0);
        zeroize::Zeroize::zeroize(&mut t1);
        // The accumulators held partial sums of the shares.
        acc.fill(F::Pow2Acc::default());
        core::hint::black_box(&mut acc);
        (out, msg)
    }
}

/// COPEe receiver P_B: holds Δ and one seed per base OT.
pub struct Receiver<F: MascotField> {
    peer: PartyId,
    delta_bits: Vec<Choice>,
    prgs: Vec<Prg>,
    _f: core::marker::PhantomData<F>,
}

impl<F: MascotField> Drop for Receiver<F> {
    fn drop(&mut self) {
        // The bits of α_i: overwrite them before the memory is freed (the PRGs zeroize their
        // own key schedules). `Choice` has no `Zeroize`; black_box keeps the stores alive.
        for bit in &mut self.delta_bits {
            *bit = Choice::from(0);
        }
        core::hint::black_box(&mut self.delta_bits);
    }
}

impl<F: MascotField> core::fmt::Debug for Receiver<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("copee::Receiver")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl<F: MascotField> Receiver<F> {
    /// The receiver's state from its key share Δ and the k seeds it chose with Δ's bits.
    ///
    /// # Errors
    ///
    /// [`OfflineError::ApiMisuse`] if there are not exactly k seeds.
    pub fn new(
        peer: PartyId,
        delta: &MacKeyShare<F>,
        seeds: &[Block],
    ) -> Result<Self, OfflineError> {
        if seeds.len() != F::BITS {
            return Err(OfflineError::ApiMisuse("COPEe receiver needs k seeds"));
        }
        let d = delta.dangerous_value();
        Ok(Self {
            peer,
            delta_bits: (0..F::BITS).map(|l| d.bit(l)).collect(),
            prgs: seeds.iter().map(|&s| Prg::new(s)).collect(),
            _f: core::marker::PhantomData,
        })
    }

    /// Extend, step 3, on the sender's message for `m` inputs: returns this party's additive
    /// share q of x·Δ.
    ///
    /// # Errors
    ///
    /// [`OfflineError::MalformedMessage`] if the message is not k·m canonical field elements.
    pub fn extend(&mut self, m: usize, msg: &[u8]) -> Result<Vec<F>, OfflineError> {
        let k = F::BITS;
        let what = "COPEe extend message";
        // The expected length, computed without overflow: an impossible `m` (from the caller)
        // cannot match any message.
        let expected = k.checked_mul(m).and_then(|x| x.checked_mul(F::BYTES));
        if expected != Some(msg.len()) {
            return Err(OfflineError::MalformedMessage {
                from: self.peer,
                what,
            });
        }
        let mut out = Vec::with_capacity(m);
        let mut t = [[0u8; 16]; TILE];
        let mut acc = [F::Pow2Acc::default(); TILE];
        let peer = self.peer;
        for tile in 0..m.div_ceil(TILE) {
            let n = TILE.min(m - tile * TILE);
            let acc = &mut acc[..n];
            acc.fill(F::Pow2Acc::default());
            for l in 0..k {
                self.prgs[l].fill_bytes_blocks(&mut t[..n]);
                let start = (l * m + tile * TILE) * F::BYTES;
                let row = &msg[start..start + n * F::BYTES];
                let bit = self.delta_bits[l];
                for ((s, tl), chunk) in acc.iter_mut().zip(&t).zip(row.chunks_exact(F::BYTES)) {
                    // u is the peer's message, public to us: the vartime decoder is fine.
                    // Lazy on purpose: the error enum has drop glue, and an eager value per element was
                    // built and dropped in this inner loop (visible in the profile).
                    #[allow(clippy::unnecessary_lazy_evaluations)]
                    let u = F::decode_public_vartime(chunk)
                        .ok_or_else(|| OfflineError::MalformedMessage { from: peer, what })?;
                    // Extend, step 3: q^l = t_{Δ_l}^l + Δ_l·u^l, selected in constant time
                    // (the two terms summed lazily, q = Σ_l 2^l·q^l reduced once).
                    F::pow2_add(s, F::from_block(u128::from_le_bytes(*tl)), l);
                    F::pow2_add(s, F::conditional_select(&F::ZERO, &u, bit), l);
                }
            }
            out.extend(acc.iter().map(|&s| F::pow2_finish(s)));
        }
        zeroize::Zeroize::zeroize(&mut t);
        // The accumulators held partial sums of the shares.
        acc.fill(F::Pow2Acc::default());
        core::hint::black_box(&mut acc);
        Ok(out)
    }
}

/// Initialize as P_A with `peer`: k base OTs as the base-OT sender.
///
/// # Errors
///
/// [`OfflineError::Ot`] if the base OT fails.
pub async fn setup_sender<F: MascotField, T: Transport, R: rand_core::CryptoRng + Send + ?Sized>(
    t: &T,
    peer: PartyId,
    cheat: Option<OtCheat>,
    rng: &mut R,
) -> Result<Sender<F>, OfflineError> {
    let mut seeds = spdz_ot::base::send_with_cheat(t, peer, F::BITS, rng, cheat).await?;
    let sender = Sender::new(peer, &seeds);
    zeroize::Zeroize::zeroize(&mut seeds);
    sender
}

/// Initialize as P_B with `peer`: k base OTs as the base-OT receiver, choosing with the bits of
/// this party's MAC-key share.
///
/// # Errors
///
/// [`OfflineError::Ot`] if the base OT fails.
pub async fn setup_receiver<
    F: MascotField,
    T: Transport,
    R: rand_core::CryptoRng + Send + ?Sized,
>(
    t: &T,
    peer: PartyId,
    key: &MacKeyShare<F>,
    cheat: Option<OtCheat>,
    rng: &mut R,
) -> Result<Receiver<F>, OfflineError> {
    let d = key.dangerous_value();
    // Choice bits for the base OT (secret; the base OT keeps them so).
    let mut choices: Vec<bool> = (0..F::BITS).map(|l| bool::from(d.bit(l))).collect();
    let received = spdz_ot::base::receive_with_cheat(t, peer, &choices, rng, cheat).await;
    zeroize::Zeroize::zeroize(&mut choices);
    let mut seeds = received?;
    let receiver = Receiver::new(peer, key, &seeds);
    zeroize::Zeroize::zeroize(&mut seeds);
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};
    use spdz_field::{Field, Fp};

    /// A COPEe pair with an in-test base-OT setup (the OTs are replaced by their ideal outputs).
    fn pair(rng: &mut ChaCha20Rng) -> (Sender<Fp>, Receiver<Fp>, Fp) {
        let key = MacKeyShare::<Fp>::random(rng);
        let delta = key.dangerous_value();
        let seeds: Vec<[Block; 2]> = (0..Fp::BITS)
            .map(|_| {
                [
                    Block::new(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())),
                    Block::new(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())),
                ]
            })
            .collect();
        let chosen: Vec<Block> = seeds
            .iter()
            .enumerate()
            .map(|(l, s)| s[usize::from(bool::from(delta.bit(l)))])
            .collect();
        (
            Sender::new(0, &seeds).unwrap(),
            Receiver::new(1, &key, &chosen).unwrap(),
            delta,
        )
    }

    #[test]
    fn outputs_add_up_to_x_delta() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (mut s, mut r, delta) = pair(&mut rng);
        for m in [0, 1, 5, 64] {
            let x: Vec<Fp> = (0..m).map(|_| Fp::random(&mut rng)).collect();
            let (ts, msg) = s.extend(&x, None);
            let qs = r.extend(m, &msg).unwrap();
            for i in 0..m {
                assert_eq!(ts[i] + qs[i], x[i] * delta);
            }
        }
    }

    #[cfg(feature = "adversarial")] // a named cheat: needs the feature
    #[test]
    fn inconsistent_input_breaks_the_correlation() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let (mut s, mut r, delta) = pair(&mut rng);
        let x: Vec<Fp> = (0..3).map(|_| Fp::random(&mut rng)).collect();
        let (ts, msg) = s.extend(&x, Some(crate::Cheat::CopeeInconsistentInput));
        let qs = r.extend(3, &msg).unwrap();
        // The receiver's share is off by Σ_{l≠0} 2^l·Δ_l = Δ − Δ_0, which is non-zero unless
        // Δ < 2.
        assert_ne!(ts[0] + qs[0], x[0] * delta);
        assert_eq!(ts[1] + qs[1], x[1] * delta);
    }

    #[test]
    fn malformed_messages_are_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (mut s, mut r, _) = pair(&mut rng);
        let x = vec![Fp::ONE; 2];
        let (_, mut msg) = s.extend(&x, None);
        msg.pop();
        assert!(matches!(
            r.extend(2, &msg),
            Err(OfflineError::MalformedMessage { from: 1, .. })
        ));
        let (_, mut msg) = s.extend(&x, None);
        msg[..16].copy_from_slice(&[0xff; 16]);
        assert!(matches!(
            r.extend(2, &msg),
            Err(OfflineError::MalformedMessage { from: 1, .. })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Arbitrary peer bytes are an error or a result, never a panic.
        #[test]
        fn arbitrary_messages_never_panic(
            m in 0usize..4,
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..9000),
        ) {
            let mut rng = ChaCha20Rng::seed_from_u64(4);
            let (_, mut r, _) = pair(&mut rng);
            let _ = r.extend(m, &bytes);
        }
    }
}
