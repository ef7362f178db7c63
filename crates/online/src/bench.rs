//! `M` online multiplications with timing and counters: what `spdz mul` reports.

use std::time::Instant;

use spdz_field::Field;
use spdz_net::Transport;
use spdz_offline::Preprocessing;

use crate::error::OnlineError;
use crate::party::Party;

/// What one party measured while running [`run_multiplications`].
#[derive(Clone, Debug, PartialEq)]
pub struct MulReport {
    /// Multiplications performed.
    pub count: usize,
    /// Wall time of the whole online part: the multiplication round, the output opening and
    /// every check (broadcast digest, Π_MACCheck).
    pub online_seconds: f64,
    /// Wall time of the Beaver multiplication alone (one round for the whole vector).
    pub mul_seconds: f64,
    /// `count / online_seconds`.
    pub mults_per_second: f64,
    /// Frame bytes this party sent during the online part (transport counters).
    pub bytes_sent: u64,
    /// Frame bytes this party received during the online part.
    pub bytes_received: u64,
    /// Communication rounds of the online part (transport counters summed over logical
    /// channels, `Stats::rounds_total`; the online phase uses one channel, so this is its
    /// round count, including Π_MACCheck's).
    pub rounds: u64,
    /// Whether the revealed sum of the products equals the plaintext sum (it always does
    /// after a passed MAC check; `false` would be a bug, not an attack).
    pub verified: bool,
}

/// Run `count` Beaver multiplications online on `party` (all parties call this with the same
/// `count`), consuming exactly `count` triples: multiply two public-valued vectors
/// `x_j = j + 1`, `y_j = 2j + 3` (authenticated with the MAC-key shares, so the protocol's
/// work is exactly that of secret inputs), reveal the sum of the products, and check it.
///
/// # Errors
/// Any [`OnlineError`] of the multiplication, the output or the checks (an abort caused by a
/// cheating party is [`OnlineError::MacCheckFailed`] or another check's variant).
pub async fn run_multiplications<T: Transport, P: Preprocessing<F>, F: Field>(
    party: &mut Party<T, P, F>,
    count: usize,
) -> Result<MulReport, OnlineError> {
    let xs: Vec<F> = (0..count as u64).map(|j| F::from_u64(j + 1)).collect();
    let ys: Vec<F> = (0..count as u64).map(|j| F::from_u64(2 * j + 3)).collect();
    let expected = F::inner_product(&xs, &ys);
    let x = party.public(&xs)?;
    let y = party.public(&ys)?;
    drop((xs, ys));
    let before = party.transport().stats();
    let start = Instant::now();
    let z = party.mul(&x, &y).await?;
    let mul_seconds = start.elapsed().as_secs_f64();
    let total = party.reveal(&z.sum()).await?;
    let online_seconds = start.elapsed().as_secs_f64();
    let after = party.transport().stats();
    #[allow(clippy::cast_precision_loss)]
    let mults_per_second = if online_seconds > 0.0 {
        count as f64 / online_seconds
    } else {
        0.0
    };
    Ok(MulReport {
        count,
        online_seconds,
        mul_seconds,
        mults_per_second,
        bytes_sent: after
            .total
            .bytes_sent
            .saturating_sub(before.total.bytes_sent),
        bytes_received: after
            .total
            .bytes_received
            .saturating_sub(before.total.bytes_received),
        rounds: after.rounds_total.saturating_sub(before.rounds_total),
        verified: total.values().first() == Some(&expected),
    })
}
