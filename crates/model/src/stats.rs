//! Federated statistics over rows that stay with their holders (rows partition).
//!
//! Every party holds some rows of the same columns. For `d` chosen columns the parties learn
//! the count, sum, mean, sample variance and standard deviation, minimum and maximum,
//! histograms over public bin edges, and the covariance and correlation matrices, and nothing
//! else: only the aggregates are revealed (to all, or to one party).
//!
//! | step | what | preprocessing |
//! |---|---|---|
//! | 1 | every party inputs its rows' `d` values, each range-proven (`|x| < 2^(K−1−f)`, `Party::input_fixed_many`) | `K` squares + `K` masks per value |
//! | 2 | every party inputs its own per-column minimum and maximum (range-proven) and, per histogram, its per-bin counts (`Party::input_uint`, proven below `2^b` with `2^b > ` its row count) | as step 1; `b` per count |
//! | 3 | `S_c = Σ_rows x_c` (local) and `Q_ab = Σ_rows x_a·x_b` for `a ≤ b`: one Beaver round for all `N·d(d+1)/2` products, no truncation (exact at `2f` bits) | `N·d(d+1)/2` triples |
//! | 4 | global min and max: a tournament over the parties' extremes (`lt`, then a product to select), all columns and both extremes in one call per level | `(n−1)·2d` comparisons and products |
//! | 5 | histogram counts: `Σ_parties` (local); each party's counts must add up to its (public) row count: the differences are revealed and must be 0 | none |
//! | 6 | reveal `S`, `Q`, min, max, counts (after the MAC checks); mean, variance, covariance and correlation follow in public from `N`, `S`, `Q` (a bijection: nothing more is revealed than those aggregates) | |
//!
//! The sums and co-moments are computed from range-proven rows, so a holder can misstate its
//! data only row by row within the declared range, as it could by editing its file. The
//! minimum, maximum and histogram counts come from each holder's own extremes and counts
//! (range-proven, and the counts checked against its row count), since a per-row comparison
//! would cost `N` comparisons per column and edge: a holder can misstate those within range
//! too. Precision: inputs are rounded to `f = 16` fractional bits; `S` and `Q` are then exact,
//! so every statistic equals the plaintext one on the rounded data up to `f64` rounding.

use spdz_field::{Field, Fp};
use spdz_net::{PartyId, Transport};
use spdz_offline::Preprocessing;
use spdz_online::{Budget, FixedParams, OnlineError, Opened, Party, Shared};

use crate::secure::Reveal;

/// Errors of the statistics protocol.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The online phase failed (an abort names its check).
    #[error(transparent)]
    Online(#[from] OnlineError),
    /// A row of party `from` is not in exactly one group (its one-hot group vector is not).
    #[error("a row of party {from} is not in exactly one group")]
    InvalidGroup {
        /// The party.
        from: PartyId,
    },
    /// Party `from` claimed more rows in its histogram bins than it holds.
    #[error("party {from}'s histogram counts exceed its rows")]
    InconsistentCounts {
        /// The party.
        from: PartyId,
    },
    /// A caller mistake (a spec or data that does not fit).
    #[error("invalid use: {what}")]
    ApiMisuse {
        /// What was wrong.
        what: &'static str,
    },
}

/// What to compute (public, the same at every party).
#[derive(Clone, Debug, PartialEq)]
pub struct StatsSpec {
    /// Rows held by each party.
    pub rows: Vec<usize>,
    /// Number of chosen columns `d`.
    pub columns: usize,
    /// Histograms: (chosen column index, increasing bin edges); bin `i` is
    /// `[edges[i], edges[i+1])`, values outside every bin are not counted.
    pub histograms: Vec<(usize, Vec<f64>)>,
    /// Group by a categorical column with this many groups (0: no grouping). Each row's
    /// group id is in `0..groups`.
    pub groups: usize,
    /// Who learns the statistics (`All` or `To(id)`).
    pub reveal: Reveal,
}

/// Statistics of one group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupStats {
    /// Rows in the group.
    pub count: u64,
    /// Per column: the mean (0 for an empty group).
    pub mean: Vec<f64>,
    /// Per column: the sample variance (0 for fewer than 2 rows).
    pub variance: Vec<f64>,
}

/// The revealed statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// Number of rows.
    pub count: usize,
    /// Per column: the sum.
    pub sum: Vec<f64>,
    /// Per column: the mean.
    pub mean: Vec<f64>,
    /// Per column: the sample variance (divided by `count − 1`).
    pub variance: Vec<f64>,
    /// Per column: the sample standard deviation.
    pub std: Vec<f64>,
    /// Per column: the minimum.
    pub min: Vec<f64>,
    /// Per column: the maximum.
    pub max: Vec<f64>,
    /// Per histogram: the count in each bin.
    pub histograms: Vec<Vec<u64>>,
    /// The `d × d` sample covariance matrix, row-major.
    pub covariance: Vec<f64>,
    /// The `d × d` correlation matrix, row-major.
    pub correlation: Vec<f64>,
    /// Per group (if grouped): count, means and variances.
    pub groups: Vec<GroupStats>,
}

impl StatsSpec {
    fn check(&self) -> Result<(), StatsError> {
        let n = self.rows.len();
        let bad = n < 2
            || self.columns == 0
            || self.rows.iter().sum::<usize>() < 2
            || matches!(self.reveal, Reveal::To(p) if p >= n)
            || self.reveal == Reveal::None
            || self.histograms.iter().any(|(c, e)| {
                *c >= self.columns
                    || e.len() < 2
                    || e.windows(2)
                        .any(|w| w[0].partial_cmp(&w[1]) != Some(core::cmp::Ordering::Less))
            });
        if bad {
            return Err(StatsError::ApiMisuse {
                what: "stats: at least 2 parties and 2 rows, columns > 0, histogram edges increasing, reveal to all or to a party",
            });
        }
        Ok(())
    }

    /// Bits of the proven per-bin counts: enough for the largest party's row count.
    fn count_bits(&self) -> u32 {
        let most = self.rows.iter().copied().max().unwrap_or(0) as u64;
        (64 - most.leading_zeros()).max(1)
    }

    fn bins(&self) -> usize {
        self.histograms.iter().map(|(_, e)| e.len() - 1).sum()
    }

    fn pairs(&self) -> usize {
        self.columns * (self.columns + 1) / 2
    }
}

/// The preprocessing one party's [`run_stats`] consumes (the same at every party).
///
/// # Errors
/// [`StatsError::ApiMisuse`] for a spec [`run_stats`] refuses.
pub fn stats_budget(params: &FixedParams, spec: &StatsSpec) -> Result<Budget, StatsError> {
    spec.check()?;
    let d = spec.columns;
    let n = spec.rows.len();
    let total: usize = spec.rows.iter().sum();
    let mut b = Budget::zero();
    for (p, &r) in spec.rows.iter().enumerate() {
        b += &params.cost_input_fixed(p, r * d + 2 * d);
        b += &params.cost_input_uint(p, spec.bins(), spec.count_bits());
    }
    b += &Budget::triples(total * spec.pairs());
    if spec.groups > 0 {
        for (p, &r) in spec.rows.iter().enumerate() {
            b += &params.cost_input_uint(p, r * spec.groups, 1);
        }
        // Σ b_g·x and Σ b_g·x² per group and column.
        b += &Budget::triples(2 * total * spec.groups * d);
    }
    // The tournament runs over the parties that hold rows (row counts are public).
    let holders = spec.rows.iter().filter(|&&r| r > 0).count();
    b += &((params.cost_ltz() + Budget::triples(1)) * (2 * d * holders.saturating_sub(1)));
    b += &(params.cost_ltz() * (n * spec.histograms.len()));
    if let Reveal::To(p) = spec.reveal {
        let opened = d + spec.pairs() + 2 * d + spec.bins() + spec.groups * (1 + 2 * d);
        b += &Budget::input_masks(p, opened);
    }
    Ok(b)
}

/// Runs the statistics protocol on `party` with this party's rows `x` (row-major, `d` values
/// per row, already restricted to the chosen columns). Returns the statistics where this
/// party learns them (`None` elsewhere).
///
/// # Errors
/// [`StatsError::ApiMisuse`] for a bad spec or data that does not fit it; the online phase's
/// errors ([`OnlineError::InputOutOfRange`] for a value beyond the declared input range,
/// [`OnlineError::MacCheckFailed`] for a cheat, ...); [`StatsError::InconsistentCounts`] if a
/// party's histogram counts exceed its rows.
pub async fn run_stats<T: Transport, P: Preprocessing<Fp>>(
    party: &mut Party<T, P, Fp>,
    spec: &StatsSpec,
    x: &[f64],
    groups: &[usize],
) -> Result<Option<Stats>, StatsError> {
    spec.check()?;
    let me = party.id();
    let d = spec.columns;
    let n = spec.rows.len();
    let g_n = spec.groups;
    let wrong_groups = if g_n == 0 {
        !groups.is_empty()
    } else {
        groups.len() != spec.rows[me] || groups.iter().any(|&g| g >= g_n)
    };
    if n != party.parties() || x.len() != spec.rows[me] * d || wrong_groups {
        return Err(StatsError::ApiMisuse {
            what: "stats: the data does not fit the spec",
        });
    }
    let enc = party.fixed_params().encoding()?;
    // This party's extremes and histogram counts, in the clear (its own data).
    let my_rows = spec.rows[me];
    let mut extremes = Vec::with_capacity(2 * d);
    for c in 0..d {
        let col = (0..my_rows).map(|r| x[r * d + c]);
        extremes.push(col.clone().fold(f64::INFINITY, f64::min));
    }
    for c in 0..d {
        let col = (0..my_rows).map(|r| x[r * d + c]);
        extremes.push(col.fold(f64::NEG_INFINITY, f64::max));
    }
    if my_rows == 0 {
        // No rows: placeholders (finite, in range), left out of the tournament below, since
        // every party's row count is public.
        extremes.iter_mut().for_each(|v| *v = 0.0);
    }
    let mut counts: Vec<u64> = Vec::with_capacity(spec.bins());
    for (c, edges) in &spec.histograms {
        for w in edges.windows(2) {
            let k = (0..my_rows)
                .filter(|&r| (w[0]..w[1]).contains(&x[r * d + c]))
                .count();
            counts.push(k as u64);
        }
    }

    // Steps 1–2: rows and extremes (one range proof), counts.
    let mine: Vec<f64> = x.iter().chain(&extremes).copied().collect();
    let specs: Vec<_> = (0..n)
        .map(|p| (p, (p == me).then_some(&mine[..]), spec.rows[p] * d + 2 * d))
        .collect();
    let inputs = party.input_fixed_many(&specs).await?;
    let mut hist_in = Vec::with_capacity(n);
    for p in 0..n {
        let v = party
            .input_uint(
                p,
                (p == me).then_some(&counts[..]),
                spec.bins(),
                spec.count_bits(),
            )
            .await?;
        hist_in.push(v);
    }
    // Group membership: one-hot per row, proven bits.
    let mut onehot_in = Vec::with_capacity(n);
    if g_n > 0 {
        let mine: Vec<u64> = groups
            .iter()
            .flat_map(|&g| (0..g_n).map(move |j| u64::from(j == g)))
            .collect();
        for p in 0..n {
            let v = party
                .input_uint(p, (p == me).then_some(&mine[..]), spec.rows[p] * g_n, 1)
                .await?;
            onehot_in.push(v);
        }
    }

    // Step 3: sums and co-moments.
    let rows_of = |p: usize| inputs[p].slice(0, spec.rows[p] * d);
    let all_rows = Shared::concat(
        &(0..n)
            .map(rows_of)
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>(),
    );
    let total: usize = spec.rows.iter().sum();
    let column = |c: usize| {
        let idx: Vec<usize> = (0..total).map(|r| r * d + c).collect();
        all_rows.gather(&idx)
    };
    let cols: Vec<Shared<Fp>> = (0..d).map(column).collect();
    let sums: Vec<Shared<Fp>> = cols.iter().map(Shared::sum).collect();
    // Group indicators as columns: member[g][r].
    let onehot = Shared::concat(&onehot_in.iter().collect::<Vec<_>>());
    let member: Vec<Shared<Fp>> = (0..g_n)
        .map(|g| onehot.gather(&(0..total).map(|r| r * g_n + g).collect::<Vec<_>>()))
        .collect();
    let mut lhs = Vec::with_capacity(spec.pairs() + g_n * d);
    let mut rhs = Vec::with_capacity(spec.pairs() + g_n * d);
    for a in 0..d {
        for b in a..d {
            lhs.push(&cols[a]);
            rhs.push(&cols[b]);
        }
    }
    for m in &member {
        for c in &cols {
            lhs.push(m);
            rhs.push(c);
        }
    }
    // One round: every co-moment term and every group's b_g·x.
    let prods = party
        .mul(&Shared::concat(&lhs), &Shared::concat(&rhs))
        .await?;
    let q: Vec<Shared<Fp>> = (0..spec.pairs())
        .map(|i| prods.slice(i * total, total).sum())
        .collect();
    let mut group_out = Vec::new();
    if g_n > 0 {
        // Every row in exactly one group: Σ_g b_rg − 1 = 0 for every row, revealed (zero for
        // an honest party).
        let mut row_sum = Shared::zeros(total);
        for m in &member {
            row_sum = &row_sum + m;
        }
        let off = party.add_public_scalar(&row_sum, -Fp::ONE)?;
        let off = party.reveal(&off).await?;
        if let Some(r) = off.values().iter().position(|&v| v != Fp::ZERO) {
            let mut end = 0;
            let from = spec
                .rows
                .iter()
                .position(|&k| {
                    end += k;
                    r < end
                })
                .unwrap_or(0);
            return Err(StatsError::InvalidGroup { from });
        }
        // Second round: Σ b_g·x² from the per-row squares of the first.
        let diag = |c: usize| c * d - c * (c.saturating_sub(1)) / 2; // index of pair (c, c)
        let squares: Vec<Shared<Fp>> = (0..d)
            .map(|c| prods.slice(diag(c) * total, total))
            .collect();
        let mut l2 = Vec::with_capacity(g_n * d);
        let mut r2 = Vec::with_capacity(g_n * d);
        for m in &member {
            for sq in &squares {
                l2.push(m);
                r2.push(sq);
            }
        }
        let sq_prods = party
            .mul(&Shared::concat(&l2), &Shared::concat(&r2))
            .await?;
        let base = spec.pairs() * total;
        let counts: Vec<Shared<Fp>> = member.iter().map(Shared::sum).collect();
        let sums: Vec<Shared<Fp>> = (0..g_n * d)
            .map(|i| prods.slice(base + i * total, total).sum())
            .collect();
        let sqs: Vec<Shared<Fp>> = (0..g_n * d)
            .map(|i| sq_prods.slice(i * total, total).sum())
            .collect();
        group_out = counts.into_iter().chain(sums).chain(sqs).collect();
    }

    // Step 4: the tournament over the parties' extremes (mins and maxes together: for the
    // maxes the comparison is flipped by negating).
    let mut cands: Vec<Shared<Fp>> = (0..n)
        .filter(|&p| spec.rows[p] > 0)
        .map(|p| {
            let e = inputs[p].slice(spec.rows[p] * d, 2 * d);
            Shared::concat(&[&e.slice(0, d), &-&e.slice(d, d)])
        })
        .collect();
    while cands.len() > 1 {
        let pairs = cands.len() / 2;
        let a: Vec<&Shared<Fp>> = (0..pairs).map(|i| &cands[2 * i]).collect();
        let b: Vec<&Shared<Fp>> = (0..pairs).map(|i| &cands[2 * i + 1]).collect();
        let (a, b) = (Shared::concat(&a), Shared::concat(&b));
        let a_lt_b = party.lt(&a, &b).await?;
        let pick = party.mul(&a_lt_b, &(&a - &b)).await?;
        let best = &b + &pick;
        let mut next: Vec<Shared<Fp>> = (0..pairs).map(|i| best.slice(i * 2 * d, 2 * d)).collect();
        if cands.len() % 2 == 1
            && let Some(last) = cands.pop()
        {
            next.push(last);
        }
        cands = next;
    }
    let ext = cands.pop().unwrap_or_else(|| Shared::zeros(2 * d));

    // Step 5: counts; no party may count more rows than it holds (one comparison per party,
    // its bit revealed to all: 0 for an honest party).
    let mut hist = Shared::zeros(spec.bins());
    for h in &hist_in {
        hist = &hist + h;
    }
    let hists = spec.histograms.len();
    if hists > 0 {
        // Per party and histogram: rows < Σ bins would be a lie.
        let mut held = Vec::with_capacity(n * hists);
        let mut counted = Vec::with_capacity(n * hists);
        for (p, h) in hist_in.iter().enumerate() {
            let mut at = 0;
            for (_, edges) in &spec.histograms {
                let bins = edges.len() - 1;
                held.push(Fp::from_u64(spec.rows[p] as u64));
                counted.push(h.slice(at, bins).sum());
                at += bins;
            }
        }
        let counted = Shared::concat(&counted.iter().collect::<Vec<_>>());
        let over = party.lt(&party.public(&held)?, &counted).await?;
        let over = party.reveal(&over).await?;
        if let Some(i) = over.values().iter().position(|&b| b != Fp::ZERO) {
            return Err(StatsError::InconsistentCounts { from: i / hists });
        }
    }

    // Step 6: reveal.
    let out = Shared::concat(
        &sums
            .iter()
            .chain(&q)
            .chain(std::iter::once(&ext))
            .chain(std::iter::once(&hist))
            .chain(&group_out)
            .collect::<Vec<_>>(),
    );
    let opened: Option<Opened<Fp>> = match spec.reveal {
        Reveal::All => Some(party.reveal(&out).await?),
        Reveal::To(p) => party.reveal_to(p, &out).await?,
        Reveal::None => None,
    };
    let Some(opened) = opened else {
        return Ok(None);
    };
    let v = opened.values();
    let f = party.fixed_params().frac_bits();
    let scale2 = 2f64.powi(2 * i32::try_from(f).unwrap_or(16));
    let sum: Vec<f64> = enc.decode_slice(&v[..d]);
    #[allow(clippy::cast_precision_loss)]
    let qv: Vec<f64> = v[d..d + spec.pairs()]
        .iter()
        .map(|x| x.to_i128() as f64 / scale2)
        .collect();
    let ext_v = enc.decode_slice(&v[d + spec.pairs()..d + spec.pairs() + 2 * d]);
    let min = ext_v[..d].to_vec();
    let max: Vec<f64> = ext_v[d..].iter().map(|x| -x).collect();
    let mut histograms = Vec::with_capacity(spec.histograms.len());
    let mut at = d + spec.pairs() + 2 * d;
    for (_, edges) in &spec.histograms {
        let bins = edges.len() - 1;
        histograms.push(
            v[at..at + bins]
                .iter()
                .map(|c| u64::try_from(c.to_i128()).unwrap_or(u64::MAX))
                .collect(),
        );
        at += bins;
    }
    let mut stats = finish(total, d, sum, &qv, min, max, histograms);
    if g_n > 0 {
        let counts: Vec<u64> = v[at..at + g_n]
            .iter()
            .map(|c| u64::try_from(c.to_i128()).unwrap_or(u64::MAX))
            .collect();
        at += g_n;
        let sums = enc.decode_slice(&v[at..at + g_n * d]);
        at += g_n * d;
        #[allow(clippy::cast_precision_loss)]
        let sqs: Vec<f64> = v[at..at + g_n * d]
            .iter()
            .map(|x| x.to_i128() as f64 / scale2)
            .collect();
        stats.groups = group_stats(&counts, &sums, &sqs, d);
    }
    Ok(Some(stats))
}

/// Per-group means and variances from counts, sums and sums of squares (public).
fn group_stats(counts: &[u64], sums: &[f64], sqs: &[f64], d: usize) -> Vec<GroupStats> {
    counts
        .iter()
        .enumerate()
        .map(|(g, &k)| {
            #[allow(clippy::cast_precision_loss)]
            let kf = k as f64;
            let s = &sums[g * d..(g + 1) * d];
            let q = &sqs[g * d..(g + 1) * d];
            GroupStats {
                count: k,
                mean: s.iter().map(|x| if k > 0 { x / kf } else { 0.0 }).collect(),
                variance: s
                    .iter()
                    .zip(q)
                    .map(|(x, x2)| {
                        if k > 1 {
                            (x2 - x * x / kf) / (kf - 1.0)
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Mean, variance, covariance and correlation from `N`, `S` and `Q` (public).
fn finish(
    count: usize,
    d: usize,
    sum: Vec<f64>,
    q: &[f64],
    min: Vec<f64>,
    max: Vec<f64>,
    histograms: Vec<Vec<u64>>,
) -> Stats {
    #[allow(clippy::cast_precision_loss)]
    let nf = count as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / nf).collect();
    let mut covariance = vec![0.0; d * d];
    let mut i = 0;
    for a in 0..d {
        for b in a..d {
            let c = (q[i] - sum[a] * sum[b] / nf) / (nf - 1.0);
            covariance[a * d + b] = c;
            covariance[b * d + a] = c;
            i += 1;
        }
    }
    let variance: Vec<f64> = (0..d).map(|a| covariance[a * d + a]).collect();
    let std: Vec<f64> = variance.iter().map(|v| v.max(0.0).sqrt()).collect();
    let correlation = (0..d * d)
        .map(|i| {
            let (a, b) = (i / d, i % d);
            let den = std[a] * std[b];
            if den > 0.0 { covariance[i] / den } else { 0.0 }
        })
        .collect();
    Stats {
        count,
        sum,
        mean,
        variance,
        std,
        min,
        max,
        histograms,
        covariance,
        correlation,
        groups: Vec::new(),
    }
}

/// The same statistics in plaintext `f64`, for the tests and for printing beside a secure
/// run (`x` row-major, `d` values per row).
#[must_use]
pub fn plain_stats(
    x: &[f64],
    d: usize,
    histograms: &[(usize, Vec<f64>)],
    groups: Option<(&[usize], usize)>,
) -> Stats {
    let rows = x.len().checked_div(d).unwrap_or(0);
    let sum: Vec<f64> = (0..d)
        .map(|c| (0..rows).map(|r| x[r * d + c]).sum())
        .collect();
    let mut q = Vec::with_capacity(d * (d + 1) / 2);
    for a in 0..d {
        for b in a..d {
            q.push((0..rows).map(|r| x[r * d + a] * x[r * d + b]).sum());
        }
    }
    let min = (0..d)
        .map(|c| {
            (0..rows)
                .map(|r| x[r * d + c])
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let max = (0..d)
        .map(|c| {
            (0..rows)
                .map(|r| x[r * d + c])
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let hist = histograms
        .iter()
        .map(|(c, edges)| {
            edges
                .windows(2)
                .map(|w| {
                    (0..rows)
                        .filter(|&r| (w[0]..w[1]).contains(&x[r * d + c]))
                        .count() as u64
                })
                .collect()
        })
        .collect();
    let mut st = finish(rows, d, sum, &q, min, max, hist);
    if let Some((ids, g_n)) = groups {
        let mut counts = vec![0u64; g_n];
        let mut sums = vec![0.0; g_n * d];
        let mut sqs = vec![0.0; g_n * d];
        for (r, &g) in ids.iter().enumerate().take(rows) {
            if g < g_n {
                counts[g] += 1;
                for c in 0..d {
                    sums[g * d + c] += x[r * d + c];
                    sqs[g * d + c] += x[r * d + c] * x[r * d + c];
                }
            }
        }
        st.groups = group_stats(&counts, &sums, &sqs, d);
    }
    st
}
