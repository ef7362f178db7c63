//! Bytes and time of the offline phase per OT extension: `cargo run --release -p spdz-offline
//! --example triples_ot -- EXT N COUNT [TAU] [BATCH]` with EXT one of `kos`, `ss2`, `ss4`,
//! `ss8` (SoftSpokenOT with k = 2, 4, 8), N parties in one process over the in-memory
//! transport; prints triples/s and bytes sent per triple per party.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use spdz_field::Fp;
use spdz_net::MemoryTransport;
use spdz_offline::{Params, Report, generate_with_extension};
use spdz_ot::RotExtension;
use spdz_ot::kos::Kos;
use spdz_ot::softspoken::SoftSpoken;

fn run<E>(n: usize, params: &Params) -> Vec<Report>
where
    E: RotExtension + Send + 'static,
    E::Sender: 'static,
    E::Receiver: 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let hs: Vec<_> = MemoryTransport::mesh(n)
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let params = params.clone();
                tokio::spawn(async move {
                    let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
                    generate_with_extension::<Fp, _, _, E>(&t, &params, None, &mut rng, None)
                        .await
                        .map(|(_, r)| r)
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap().unwrap());
        }
        out
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ext = args.first().map_or("kos", String::as_str).to_owned();
    let num = |i: usize, d: usize| args.get(i).map_or(d, |a| a.parse().expect("a number"));
    let n = num(1, 2);
    let count = num(2, 10_000);
    let params = Params {
        triples: count,
        tau: num(3, Params::default().tau),
        batch_size: num(4, 1024),
        ..Params::default()
    };
    let started = Instant::now();
    let reports = match ext.as_str() {
        "kos" => run::<Kos>(n, &params),
        "ss2" => run::<SoftSpoken<2>>(n, &params),
        "ss4" => run::<SoftSpoken<4>>(n, &params),
        "ss8" => run::<SoftSpoken<8>>(n, &params),
        other => panic!("unknown extension {other}: kos, ss2, ss4 or ss8"),
    };
    let secs = started.elapsed().as_secs_f64();
    let r = &reports[0];
    println!(
        "ext={ext} parties={n} count={count} tau={} batch={} seconds={secs:.3} triples/s={:.0} bytes/triple/party={:.0}",
        params.tau,
        params.batch_size,
        count as f64 / secs,
        r.bytes_sent as f64 / count as f64,
    );
}
