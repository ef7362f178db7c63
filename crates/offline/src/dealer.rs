//! INSECURE: an ideal dealer of preprocessing, for testing the online phase alone.
//!
//! One process samples α and every share, so it knows everything: there is no security at all.
//! It exists behind the `insecure-test-dealer` cargo feature, which is never enabled by default
//! or by the CLI. Real preprocessing comes from [`crate::generate()`].

use spdz_field::Field;

use crate::OfflineError;
use crate::preprocessing::MemoryPreprocessing;
use crate::shares::{AuthShares, MacKeyShare, Triples};

/// How much material [`insecure_deal`] makes.
#[derive(Clone, Copy, Debug, Default)]
pub struct DealCounts {
    /// Triples.
    pub triples: usize,
    /// Square pairs.
    pub squares: usize,
    /// Random bits.
    pub bits: usize,
    /// Input masks per owner.
    pub masks_per_party: usize,
}

/// Shares `x` with MACs under α among `n` parties: returns per party (share, MAC share).
fn share<F: Field, R: rand_core::CryptoRng + ?Sized>(
    n: usize,
    alpha: F,
    x: F,
    rng: &mut R,
) -> Vec<(F, F)> {
    let mut out = Vec::with_capacity(n);
    let (mut sx, mut sm) = (F::ZERO, F::ZERO);
    for _ in 0..n - 1 {
        let (v, m) = (F::random(rng), F::random(rng));
        sx += v;
        sm += m;
        out.push((v, m));
    }
    out.push((x - sx, alpha * x - sm));
    out
}

fn push_shared<F: Field, R: rand_core::CryptoRng + ?Sized>(
    dst: &mut [AuthShares<F>],
    alpha: F,
    x: F,
    rng: &mut R,
) {
    let shares = share(dst.len(), alpha, x, rng);
    for (d, (v, m)) in dst.iter_mut().zip(shares) {
        d.push(v, m);
    }
}

/// INSECURE: deals preprocessing for `n` parties from one process (see the module docs).
///
/// # Errors
///
/// [`OfflineError::ApiMisuse`] if `n < 2`.
pub fn insecure_deal<F: Field, R: rand_core::CryptoRng + ?Sized>(
    n: usize,
    counts: DealCounts,
    rng: &mut R,
) -> Result<Vec<MemoryPreprocessing<F>>, OfflineError> {
    if n < 2 {
        return Err(OfflineError::ApiMisuse(
            "insecure_deal: fewer than 2 parties",
        ));
    }
    let keys: Vec<MacKeyShare<F>> = (0..n).map(|_| MacKeyShare::random(rng)).collect();
    let alpha = keys
        .iter()
        .fold(F::ZERO, |acc, k| acc + k.dangerous_value());
    let mut out = keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| MemoryPreprocessing::new(i, n, k))
        .collect::<Result<Vec<_>, _>>()?;
    let empty = || (0..n).map(|_| AuthShares::empty()).collect::<Vec<_>>();
    let (mut a, mut b, mut c) = (empty(), empty(), empty());
    for _ in 0..counts.triples {
        let (x, y) = (F::random(rng), F::random(rng));
        push_shared(&mut a, alpha, x, rng);
        push_shared(&mut b, alpha, y, rng);
        push_shared(&mut c, alpha, x * y, rng);
    }
    let (mut s, mut s2) = (empty(), empty());
    for _ in 0..counts.squares {
        let x = F::random(rng);
        push_shared(&mut s, alpha, x, rng);
        push_shared(&mut s2, alpha, x * x, rng);
    }
    let mut bits = empty();
    for _ in 0..counts.bits {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        push_shared(&mut bits, alpha, F::from_u64(u64::from(byte[0] & 1)), rng);
    }
    for (i, p) in out.iter_mut().enumerate() {
        p.add_triples(&Triples {
            a: a[i].clone(),
            b: b[i].clone(),
            c: c[i].clone(),
        });
        p.add_squares(&s[i], &s2[i]);
        p.add_bits(&bits[i]);
    }
    for owner in 0..n {
        let mut masks = empty();
        let mut clear = Vec::with_capacity(counts.masks_per_party);
        for _ in 0..counts.masks_per_party {
            let r = F::random(rng);
            clear.push(r);
            push_shared(&mut masks, alpha, r, rng);
        }
        for (i, p) in out.iter_mut().enumerate() {
            p.add_masks(owner, &masks[i], (i == owner).then_some(clear.as_slice()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Preprocessing;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use spdz_field::Fp;

    #[test]
    fn dealt_material_is_consistent() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let counts = DealCounts {
            triples: 5,
            squares: 3,
            bits: 7,
            masks_per_party: 2,
        };
        let mut ps = insecure_deal::<Fp, _>(3, counts, &mut rng).unwrap();
        let alpha: Fp = ps.iter().map(|p| p.mac_key_share().dangerous_value()).sum();
        let ts: Vec<_> = ps.iter_mut().map(|p| p.triples(5).unwrap()).collect();
        for h in 0..5 {
            let sum = |f: &dyn Fn(&Triples<Fp>) -> Fp| ts.iter().map(f).sum::<Fp>();
            let a = sum(&|t| t.a.values()[h]);
            let b = sum(&|t| t.b.values()[h]);
            let c = sum(&|t| t.c.values()[h]);
            assert_eq!(a * b, c);
            assert_eq!(sum(&|t| t.c.macs()[h]), alpha * c);
        }
        assert!(matches!(
            ps[0].triples(1),
            Err(OfflineError::Exhausted { .. })
        ));
        let m: Vec<_> = ps
            .iter_mut()
            .map(|p| p.input_masks(1, 2).unwrap())
            .collect();
        let r: Fp = m.iter().map(|x| x.shares.values()[1]).sum();
        assert_eq!(r, m[1].clear.as_ref().unwrap()[1]);
        assert!(m[0].clear.is_none());
        let bits: Vec<_> = ps.iter_mut().map(|p| p.bits(7).unwrap()).collect();
        for h in 0..7 {
            let b: Fp = bits.iter().map(|x| x.values()[h]).sum();
            assert!(b == Fp::ZERO || b == Fp::ONE);
        }
    }
}
