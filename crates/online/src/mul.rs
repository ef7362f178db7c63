//! Beaver multiplication and squaring: the local halves around the one opening round.
//!
//! Beaver (CRYPTO 1991), as used by SPDZ (DPSZ 2012, online phase):
//!
//! | step | what | where |
//! |------|------|-------|
//! | 1 | take a triple `([[a]], [[b]], [[c = ab]])` per element | [`crate::Party::mul`] |
//! | 2 | local: `[[ε]] = [[x]] − [[a]]`, `[[δ]] = [[y]] − [[b]]` | `mask` |
//! | 3 | open `ε ‖ δ` for the whole vector in **one** exchange; MAC shares go to the pending list | [`crate::Party::mul`] |
//! | 4 | local: `[[z]] = [[c]] + ε[[b]] + δ[[a]] + εδ` | `combine` |
//!
//! Squaring uses a square pair `([[a]], [[a²]])`: open `ε = x − a`, then
//! `[[x²]] = [[a²]] + 2ε[[a]] + ε²` (`combine_square`).

use spdz_field::Field;

/// Step 2: this party's shares (values, MACs) of `x − a`.
pub(crate) fn mask<F: Field>(x: &[F], a: &[F], out: &mut Vec<F>) {
    out.extend(x.iter().zip(a).map(|(&x, &a)| x - a));
}

/// Step 4 for one element: value share and MAC share of `z = c + εb + δa + εδ`, where the
/// public term `εδ` is added to the value by party 0 only and to every MAC share as `α_i·εδ`.
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn combine<F: Field>(
    eps: F,
    del: F,
    (a, ma): (F, F),
    (b, mb): (F, F),
    (c, mc): (F, F),
    alpha_i: F,
    is_first: bool,
) -> (F, F) {
    let ed = eps * del;
    let mut z = c + eps * b + del * a;
    if is_first {
        z += ed;
    }
    let mz = mc + eps * mb + del * ma + alpha_i * ed;
    (z, mz)
}

/// Squaring, step 4 for one element: `[[x²]] = [[a²]] + 2ε[[a]] + ε²`.
#[inline]
pub(crate) fn combine_square<F: Field>(
    eps: F,
    (a, ma): (F, F),
    (s, ms): (F, F),
    alpha_i: F,
    is_first: bool,
) -> (F, F) {
    let two_eps = eps + eps;
    let ee = eps * eps;
    let mut z = s + two_eps * a;
    if is_first {
        z += ee;
    }
    (z, ms + two_eps * ma + alpha_i * ee)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use spdz_field::Fp;

    /// Shares of `x` under `alpha` for `n` parties: (value share, MAC share) per party.
    fn share(x: Fp, alphas: &[Fp], rng: &mut ChaCha20Rng) -> Vec<(Fp, Fp)> {
        let alpha = alphas.iter().fold(Fp::ZERO, |a, &b| a + b);
        let n = alphas.len();
        let mut out: Vec<(Fp, Fp)> = (0..n - 1)
            .map(|_| (Fp::random(rng), Fp::random(rng)))
            .collect();
        let (sv, sm) = out
            .iter()
            .fold((Fp::ZERO, Fp::ZERO), |(a, b), &(v, m)| (a + v, b + m));
        out.push((x - sv, alpha * x - sm));
        out
    }

    #[test]
    fn beaver_and_square_recombine_with_valid_macs() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for n in [2usize, 3] {
            let alphas: Vec<Fp> = (0..n).map(|_| Fp::random(&mut rng)).collect();
            let alpha = alphas.iter().fold(Fp::ZERO, |a, &b| a + b);
            let (x, y, a, b) = (
                Fp::random(&mut rng),
                Fp::random(&mut rng),
                Fp::random(&mut rng),
                Fp::random(&mut rng),
            );
            let (sx, sy, sa, sb, sc) = (
                share(x, &alphas, &mut rng),
                share(y, &alphas, &mut rng),
                share(a, &alphas, &mut rng),
                share(b, &alphas, &mut rng),
                share(a * b, &alphas, &mut rng),
            );
            let (eps, del) = (x - a, y - b);
            let (mut z, mut mz) = (Fp::ZERO, Fp::ZERO);
            for i in 0..n {
                let (v, m) = combine(eps, del, sa[i], sb[i], sc[i], alphas[i], i == 0);
                z += v;
                mz += m;
            }
            assert_eq!(z, x * y);
            assert_eq!(mz, alpha * x * y);
            let sq = share(a * a, &alphas, &mut rng);
            let (mut s, mut ms) = (Fp::ZERO, Fp::ZERO);
            for i in 0..n {
                let (v, m) = combine_square(eps, sa[i], sq[i], alphas[i], i == 0);
                s += v;
                ms += m;
            }
            assert_eq!(s, x * x);
            assert_eq!(ms, alpha * x * x);
            let _ = (sx, sy);
        }
    }
}
