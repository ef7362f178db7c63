//! MASCOT over SoftSpokenOT through the selection hook (`generate_with_extension`): the
//! material is correct (checked by reconstructing it here, in the test only), an OT cheat is
//! caught through MASCOT, and parties that disagree on the extension stop at the parameter
//! agreement.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap (developer guide)

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use spdz::field::Fp;
use spdz::net::MemoryTransport;
use spdz::offline::{
    AuthShares, Cheat, MemoryPreprocessing, OfflineError, Params, Preprocessing,
    generate_with_extension,
};
use spdz::ot::softspoken::SoftSpoken;
use spdz::ot::{OtCheat, OtError, kos};

type Outcome = Result<MemoryPreprocessing<Fp>, OfflineError>;

/// Runs 2 parties; party 1 may cheat, and party 1 may use extension `E1` instead of `E0`.
fn run<E0, E1>(params: &Params, cheat: Option<Cheat>) -> Vec<Outcome>
where
    E0: spdz::ot::RotExtension + Send + 'static,
    E0::Sender: 'static,
    E0::Receiver: 'static,
    E1: spdz::ot::RotExtension + Send + 'static,
    E1::Sender: 'static,
    E1::Receiver: 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut mesh = MemoryTransport::mesh(2).into_iter();
        let (t0, t1) = (mesh.next().unwrap(), mesh.next().unwrap());
        let (p0, p1) = (params.clone(), params.clone());
        let h0 = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            generate_with_extension::<Fp, _, _, E0>(&t0, &p0, None, &mut rng, None).await
        });
        let h1 = tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(2);
            generate_with_extension::<Fp, _, _, E1>(&t1, &p1, cheat, &mut rng, None).await
        });
        vec![
            h0.await.unwrap().map(|(p, _)| p),
            h1.await.unwrap().map(|(p, _)| p),
        ]
    })
}

fn open(parts: &[AuthShares<Fp>], alpha: Fp, h: usize) -> Fp {
    let x: Fp = parts.iter().map(|p| p.values()[h]).sum();
    let m: Fp = parts.iter().map(|p| p.macs()[h]).sum();
    assert_eq!(m, alpha * x, "MAC relation at position {h}");
    x
}

#[test]
fn triples_over_softspoken_are_correct() {
    let params = Params {
        triples: 300,
        batch_size: 128,
        ..Params::default()
    };
    let mut ps: Vec<_> = run::<SoftSpoken<4>, SoftSpoken<4>>(&params, None)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let alpha: Fp = ps.iter().map(|p| p.mac_key_share().dangerous_value()).sum();
    let ts: Vec<_> = ps.iter_mut().map(|p| p.triples(300).unwrap()).collect();
    let a: Vec<_> = ts.iter().map(|t| t.a.clone()).collect();
    let b: Vec<_> = ts.iter().map(|t| t.b.clone()).collect();
    let c: Vec<_> = ts.iter().map(|t| t.c.clone()).collect();
    for h in 0..300 {
        assert_eq!(
            open(&a, alpha, h) * open(&b, alpha, h),
            open(&c, alpha, h),
            "triple {h}"
        );
    }
}

#[test]
fn ot_cheats_are_caught_through_mascot() {
    let params = Params {
        triples: 50,
        batch_size: 50,
        ..Params::default()
    };
    for (cheat, expect) in [
        (OtCheat::InconsistentChoiceBits, "consistency"),
        (OtCheat::PprfInconsistentCorrection, "pprf"),
    ] {
        let out = run::<SoftSpoken<8>, SoftSpoken<8>>(&params, Some(Cheat::Ot(cheat)));
        let honest = &out[0];
        let ok = match expect {
            "pprf" => matches!(
                honest,
                Err(OfflineError::Ot(OtError::PprfConsistencyFailed))
            ),
            _ => matches!(honest, Err(OfflineError::Ot(OtError::OtConsistencyFailed))),
        };
        assert!(ok, "{cheat:?}: {:?}", honest.as_ref().err());
    }
}

#[test]
fn parties_on_different_extensions_stop_at_the_parameters() {
    let params = Params {
        triples: 10,
        batch_size: 10,
        ..Params::default()
    };
    let out = run::<kos::Kos, SoftSpoken<4>>(&params, None);
    assert!(
        matches!(out[0], Err(OfflineError::ParamsMismatch { from: 1 })),
        "{:?}",
        out[0].as_ref().err()
    );
    assert!(
        matches!(out[1], Err(OfflineError::ParamsMismatch { from: 0 })),
        "{:?}",
        out[1].as_ref().err()
    );
}
