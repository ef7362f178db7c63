//! Π_⟦·⟧: authentication of every party's values through COPEe, with the random-combination
//! check (MASCOT, ePrint 2016/505, "Protocol Π_⟦·⟧", Input and its check).
//!
//! Every party P_j inputs a vector x^(j) ∈ F^L (the same L for all parties); the result is, for
//! every j, the authenticated ⟦x^(j)⟧ in which P_j holds the value shares x^(j) and every
//! other party holds value share 0 (so sums of these, e.g. Σ_j ⟦a^(j)⟧, are sharings of
//! Σ_j a^(j)). Steps:
//!
//! 1. P_j appends a random mask x_0^(j) ([`Inputs::new`]).
//! 2. For every ordered pair, COPEe Extend with P_j as sender on x^(j) and P_i as receiver with
//!    Δ = α_i ([`Inputs::extend_messages`], [`Inputs::receive`]). P_j's MAC share of its own
//!    input is x·α_j − Σ_i t^(i,j); P_i's is q^(i,j).
//! 3. Coefficients r^(j) ∈ F^{L+1} from F_Rand, after step 2.
//! 4. P_j broadcasts y_j = Σ_h r_h^(j)·x_h^(j) (the mask makes y_j uniform).
//! 5. Y = Σ_j y_j; every P_i sets M_i = Σ_j Σ_h r_h^(j)·m_i(x_h^(j)), and the parties run
//!    Π_MACCheck on (Y, M_i) ([`crate::mac_check`], failure =
//!    [`crate::OfflineError::AuthenticationCheckFailed`]).
//!
//! A P_j that used inconsistent x across bit positions in COPEe with an honest P_i shifts
//! P_i's MAC share by Σ_l 2^l·Δ_l·e_l, a value that depends on the honest Δ's bits; the check
//! passes only if the adversary guessed them (the paper's bound for the combined check).

use spdz_field::Field;
use spdz_net::PartyId;

use crate::OfflineError;
use crate::copee;
use crate::field_ext::MascotField;
use crate::shares::MacKeyShare;

/// One party's side of an authentication round: its inputs (with the mask) and MAC shares.
pub struct Inputs<F: Field> {
    me: PartyId,
    /// x^(me) followed by the mask x_0.
    x: Vec<F>,
    /// MAC shares, per party j, of x^(j) (length L + 1 each); filled by the steps.
    macs: Vec<Vec<F>>,
}

impl<F: MascotField> Inputs<F> {
    /// Step 1: our inputs plus a fresh random mask.
    pub fn new<R: rand_core::CryptoRng + ?Sized>(
        me: PartyId,
        parties: usize,
        mut x: Vec<F>,
        rng: &mut R,
    ) -> Self {
        x.push(F::random(rng));
        Self {
            me,
            macs: vec![Vec::new(); parties],
            x,
        }
    }

    /// Number of values per party, mask included.
    pub fn len_with_mask(&self) -> usize {
        self.x.len()
    }

    /// Step 2, as COPEe sender towards every peer: returns the messages (indexed by party, our
    /// own entry empty), and records our MAC shares of our own inputs.
    pub fn extend_messages(
        &mut self,
        key: &MacKeyShare<F>,
        senders: Vec<(PartyId, &mut copee::Sender<F>)>,
        cheat: Option<crate::Cheat>,
    ) -> Vec<Vec<u8>> {
        let alpha = key.dangerous_value();
        let mut own: Vec<F> = self.x.iter().map(|&x| x * alpha).collect();
        let mut msgs = vec![Vec::new(); self.macs.len()];
        for (j, s) in senders {
            let (shares, msg) = s.extend(&self.x, cheat);
            for (o, v) in own.iter_mut().zip(shares) {
                *o += v;
            }
            if let Some(slot) = msgs.get_mut(j) {
                *slot = msg;
            }
        }
        self.macs[self.me] = own;
        msgs
    }

    /// Step 2, as COPEe receiver of every peer's message.
    ///
    /// # Errors
    ///
    /// [`OfflineError::MalformedMessage`] for a bad message.
    pub fn receive(
        &mut self,
        receivers: Vec<(PartyId, &mut copee::Receiver<F>)>,
        msgs: &[Vec<u8>],
    ) -> Result<(), OfflineError> {
        let m = self.x.len();
        for (j, r) in receivers {
            let (Some(msg), true) = (msgs.get(j), j < self.macs.len()) else {
                return Err(OfflineError::MalformedMessage {
                    from: j,
                    what: "COPEe extend message",
                });
            };
            self.macs[j] = r.extend(m, msg)?;
        }
        Ok(())
    }

    /// Steps 3–4: our y_j under the coefficients for our inputs, and our contribution M_i to
    /// the MAC of Y under every party's coefficients `coeffs[j]`.
    ///
    /// # Errors
    ///
    /// [`OfflineError::ApiMisuse`] if a coefficient vector has the wrong length.
    pub fn combine(&self, coeffs: &[Vec<F>]) -> Result<(F, F), OfflineError> {
        if coeffs.len() != self.macs.len() || coeffs.iter().any(|c| c.len() != self.x.len()) {
            return Err(OfflineError::ApiMisuse("auth check: coefficient shape"));
        }
        let y = F::inner_product(&coeffs[self.me], &self.x);
        let m = coeffs
            .iter()
            .zip(&self.macs)
            .fold(F::ZERO, |acc, (c, m)| acc + F::inner_product(c, m));
        Ok((y, m))
    }

    /// After the check passed: per party j, the MAC shares of x^(j) without the mask, and our
    /// own values without the mask.
    pub fn into_outputs(mut self) -> (Vec<F>, Vec<Vec<F>>) {
        for m in &mut self.macs {
            m.pop();
        }
        self.x.pop();
        (
            core::mem::take(&mut self.x),
            core::mem::take(&mut self.macs),
        )
    }
}

impl<F: Field> Drop for Inputs<F> {
    fn drop(&mut self) {
        crate::shares::wipe(&mut self.x);
        for m in &mut self.macs {
            crate::shares::wipe(m);
        }
    }
}
