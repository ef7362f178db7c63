//! `spdz mul`: MASCOT preprocessing for M triples, then M multiplications online.
//!
//! Offline and online are measured separately: time, bytes each party sent, and rounds. The
//! online part is one Beaver round for the whole vector, the output opening, and the checks that
//! must pass before that output is released (input broadcast consistency, Π_MACCheck).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

#[cfg(feature = "adversarial")]
use clap::builder::{PossibleValue, PossibleValuesParser};
use spdz::AbortKind;
use spdz_field::{Field, Fp};
use spdz_net::{PartyId, Transport};
use spdz_offline::{Params, generate_with_progress};
use spdz_online::{MulReport, Party, run_multiplications};

use crate::exit::Failure;
use crate::local::{LocalArgs, PartyJob, honest_aborts, report_aborts, run_local};
use crate::progress::Progress;
use crate::triples::View;

/// Arguments of `spdz mul`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    local: LocalArgs,
    /// Make one party deviate, offline (the `spdz triples` cheats) or online (`online-*`).
    #[cfg(feature = "adversarial")]
    #[arg(long, value_parser = cheat_names(), requires = "cheater")]
    cheat: Option<String>,
}

/// A cheat of either phase.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "adversarial"), allow(dead_code))] // no values without the feature
pub(crate) enum AnyCheat {
    Offline(spdz_offline::Cheat),
    #[cfg(feature = "adversarial")]
    Online(spdz_online::Cheat),
}

#[cfg(feature = "adversarial")]
const ONLINE_PREFIX: &str = "online-";

/// The cheats `spdz mul` accepts: it multiplies integers, so the fixed-point and comparison
/// cheats do not apply.
#[cfg(feature = "adversarial")]
pub(crate) fn cheat_names() -> PossibleValuesParser {
    cheat_names_where(spdz_online::Cheat::applies_to_integer_programs)
}

/// Every cheat of both phases (`spdz train`, whose program has fixed-point inputs and
/// comparisons).
#[cfg(feature = "adversarial")]
pub(crate) fn all_cheat_names() -> PossibleValuesParser {
    cheat_names_where(|_| true)
}

#[cfg(feature = "adversarial")]
fn cheat_names_where(online_applies: fn(spdz_online::Cheat) -> bool) -> PossibleValuesParser {
    let offline = spdz_offline::Cheat::ALL
        .map(|c| PossibleValue::new(c.name()).help(format!("offline: {}", c.description())));
    let online = spdz_online::Cheat::ALL
        .into_iter()
        .filter(|&c| online_applies(c))
        .map(|c| {
            PossibleValue::new(format!("{ONLINE_PREFIX}{}", c.name()))
                .help(format!("online: {}", c.description()))
        });
    PossibleValuesParser::new(offline.into_iter().chain(online))
}

#[cfg(feature = "adversarial")]
pub(crate) fn parse_cheat(name: &str) -> Option<AnyCheat> {
    match name.strip_prefix(ONLINE_PREFIX) {
        Some(rest) => spdz_online::Cheat::from_name(rest).map(AnyCheat::Online),
        None => spdz_offline::Cheat::from_name(name).map(AnyCheat::Offline),
    }
}

/// What one party measured.
pub(crate) struct PartyReport {
    offline_seconds: f64,
    offline_bytes: u64,
    online: MulReport,
    online_rounds: u64,
}

/// One party's run: MASCOT, then the online multiplications.
#[derive(Clone)]
pub(crate) struct Job {
    pub(crate) params: Params,
    pub(crate) count: usize,
    pub(crate) cheat: Option<(AnyCheat, PartyId)>,
    /// Which party reports its offline triples done so far, and where (for a progress bar).
    pub(crate) progress: Option<(PartyId, Arc<AtomicUsize>)>,
}

impl PartyJob for Job {
    type Output = PartyReport;

    async fn run<T: Transport + 'static>(self, transport: T) -> Result<PartyReport, AbortKind> {
        let me = transport.id();
        let cheat = self.cheat.and_then(|(c, who)| (who == me).then_some(c));
        let offline_cheat = match cheat {
            Some(AnyCheat::Offline(c)) => Some(c),
            _ => None,
        };
        let mut rng: rand_chacha::ChaCha20Rng = rand::make_rng();
        let start = Instant::now();
        let progress = self
            .progress
            .and_then(|(who, counter)| (who == me).then_some(counter));
        let (prep, report) = generate_with_progress::<Fp, _, _>(
            &transport,
            &self.params,
            offline_cheat,
            &mut rng,
            progress,
        )
        .await
        .map_err(|e| AbortKind::from(&e))?;
        let offline_seconds = start.elapsed().as_secs_f64();
        #[cfg_attr(not(feature = "adversarial"), allow(unused_mut))]
        let mut party = Party::new(transport, prep, &mut rng).map_err(|e| AbortKind::from(&e))?;
        #[cfg(feature = "adversarial")]
        if let Some(AnyCheat::Online(c)) = cheat {
            party = party.with_cheat(c);
        }
        // Every party inputs one private value, so that the input path (masks and the broadcast
        // consistency check) is part of every run and an equivocating input cheat applies
        // whoever cheats; the check happens before the output below.
        let value = [Fp::from_u64(me as u64 + 1)];
        for owner in 0..party.parties() {
            party
                .input(owner, (owner == me).then_some(&value[..]), 1)
                .await
                .map_err(|e| AbortKind::from(&e))?;
        }
        // Rounds summed over channels: the online phase runs on one channel, so the difference
        // is its round count (`Stats::rounds` is a maximum over channels, which the offline
        // phase's busier channels would hide).
        let rounds_before = party.transport().stats().rounds_total;
        let online = run_multiplications(&mut party, self.count)
            .await
            .map_err(|e| AbortKind::from(&e))?;
        let online_rounds = party
            .transport()
            .stats()
            .rounds_total
            .saturating_sub(rounds_before);
        Ok(PartyReport {
            offline_seconds,
            offline_bytes: report.bytes_sent,
            online,
            online_rounds,
        })
    }
}

pub(crate) fn run(args: &Args) -> Result<(), Failure> {
    let local = &args.local;
    let n = local.n();
    #[cfg(feature = "adversarial")]
    let cheat = local.validate(args.cheat.as_deref(), parse_cheat)?;
    #[cfg(not(feature = "adversarial"))]
    let cheat = local.validate(None, |_| None::<AnyCheat>)?;
    let bar = Progress::start(local.count, "offline triples");
    let job = Job {
        params: Params {
            triples: local.count,
            input_masks: 1,
            batch_size: local.batch,
            threads: usize::from(local.threads),
            tau: usize::from(local.tau),
            ..Params::default()
        },
        count: local.count,
        cheat,
        progress: bar.as_ref().map(|b| (0, b.counter())),
    };
    let outcomes = run_local(local.transport, n, job)?;
    drop(bar);
    let aborts = honest_aborts(&outcomes, cheat.map(|(_, who)| who));
    if !aborts.is_empty() {
        return Err(report_aborts(&aborts, local.json));
    }
    if let Some((c, who)) = cheat {
        return Err(Failure::Internal(anyhow::anyhow!(
            "cheat {c:?} by party {who} was not detected"
        )));
    }
    let reports: Vec<PartyReport> = outcomes.into_iter().filter_map(|(_, r)| r.ok()).collect();
    if reports.iter().any(|r| !r.online.verified) {
        return Err(Failure::Internal(anyhow::anyhow!(
            "the revealed result differs from the plaintext one"
        )));
    }
    print_summary(&local.view(), &reports);
    Ok(())
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
pub(crate) fn print_summary(view: &View<'_>, reports: &[PartyReport]) {
    let n = view.parties;
    let max = |f: &dyn Fn(&PartyReport) -> f64| reports.iter().map(f).fold(0.0, f64::max);
    let offline_seconds = max(&|r| r.offline_seconds);
    let online_seconds = max(&|r| r.online.online_seconds);
    let beaver_seconds = max(&|r| r.online.mul_seconds);
    let offline_bytes = max(&|r| r.offline_bytes as f64);
    let online_bytes = max(&|r| r.online.bytes_sent as f64);
    let rounds = reports.iter().map(|r| r.online_rounds).max().unwrap_or(0);
    let count = view.count as f64;
    if view.json {
        println!(
            "{}",
            serde_json::json!({
                "parties": n,
                "count": view.count,
                "transport": view.transport,
                "threads": view.threads,
                "tau": view.tau,
                "offline_seconds": offline_seconds,
                "online_seconds": online_seconds,
                "offline_bytes_per_party": offline_bytes,
                "online_bytes_per_party": online_bytes,
                "online_bytes_per_mult": online_bytes / count,
                "online_rounds": rounds,
                "mults_per_second_online": count / online_seconds,
                "beaver_seconds": beaver_seconds,
                "mults_per_second_beaver_round": count / beaver_seconds,
                "triples_per_second_offline": count / offline_seconds,
            })
        );
    } else {
        println!(
            "{} multiplications between {n} parties over {}",
            view.count, view.transport
        );
        println!(
            "  offline (MASCOT)  {offline_seconds:>9.3} s  {:>12.0} bytes/party  {:>10.0} triples/s",
            offline_bytes,
            count / offline_seconds
        );
        println!(
            "  online (SPDZ)     {online_seconds:>9.3} s  {:>12.0} bytes/party  {:>10.0} mults/s  {rounds} rounds",
            online_bytes,
            count / online_seconds
        );
        println!(
            "    of which the Beaver round {beaver_seconds:.3} s ({:.0} mults/s); the rest is the output and its checks",
            count / beaver_seconds
        );
    }
}
