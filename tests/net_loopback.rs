//! Acceptance tests of the party network (issue 3), through the public API: 3 parties exchange
//! 100 MB each way intact in memory and over TLS loopback; certificates outside the deployment,
//! and a party's certificate claiming another id, are refused with the named variant; a wrong
//! step tag and a peer that goes away are reported, never hang.

#![allow(clippy::unwrap_used)] // tests may unwrap (helpers outside #[test] fns included)

use std::time::{Duration, Instant};

use spdz::net::{
    DeploymentConfig, MemoryTransport, NetError, PeerInfo, Step, TlsEndpoint, TlsOptions,
    TlsRefusal, TlsSetup, TlsTransport, Transport, keygen, keygen_to_files,
};
use tokio::net::TcpListener;

const BIG: usize = 100_000_000;
const STEP: Step = Step::new(0x0000_0100);

/// Deterministic content for the payload of `party`, so the receiver can check every byte.
fn pattern(party: usize, len: usize) -> Vec<u8> {
    let salt = u32::try_from(party).unwrap().wrapping_mul(0x9e37_79b9);
    (0..len)
        .map(|i| {
            (u32::try_from(i % (1 << 31))
                .unwrap()
                .wrapping_mul(2_654_435_761)
                ^ salt)
                .to_le_bytes()[3]
        })
        .collect()
}

async fn exchange_big<T: Transport + 'static>(parties: Vec<T>) {
    let start = Instant::now();
    let tasks: Vec<_> = parties
        .into_iter()
        .map(|t| {
            tokio::spawn(async move {
                let me = t.id();
                let got = t.exchange_all(STEP, pattern(me, BIG)).await.unwrap();
                assert_eq!(got.len(), 3);
                for (p, v) in got.iter().enumerate() {
                    assert_eq!(v.len(), BIG);
                    assert!(*v == pattern(p, BIG), "payload from party {p} damaged");
                }
                let s = t.stats();
                assert_eq!(s.total.bytes_received, 2 * (BIG as u64 + 32));
                assert_eq!(s.per_step[&STEP].bytes_sent, 2 * (BIG as u64 + 32));
                assert_eq!(s.rounds, 1);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_three_parties_exchange_100_mb_each_way() {
    exchange_big(MemoryTransport::mesh(3)).await;
}

struct Deployment {
    setups: Vec<TlsSetup>,
    listeners: Vec<Option<TcpListener>>,
}

async fn deployment(n: usize) -> Deployment {
    let mut listeners = Vec::new();
    let mut identities = Vec::new();
    let mut parties = Vec::new();
    for i in 0..n {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let keys = keygen(i).unwrap();
        parties.push(PeerInfo {
            address: l.local_addr().unwrap().to_string(),
            certificate: keys.identity.certificate.clone(),
        });
        identities.push(keys.identity);
        listeners.push(Some(l));
    }
    let options = TlsOptions {
        connect_timeout: Duration::from_secs(10),
        timeout: Some(Duration::from_secs(20)),
        ..TlsOptions::default()
    };
    let setups = identities
        .into_iter()
        .enumerate()
        .map(|(me, identity)| TlsSetup {
            me,
            session: 0x5eed,
            parties: parties.clone(),
            identity,
            options: options.clone(),
        })
        .collect();
    Deployment { setups, listeners }
}

async fn connect_all(d: Deployment) -> Vec<TlsTransport> {
    let tasks: Vec<_> = d
        .setups
        .into_iter()
        .zip(d.listeners)
        .map(|(s, l)| tokio::spawn(TlsTransport::connect_with_listener(s, l)))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_three_parties_exchange_100_mb_each_way() {
    let parties = connect_all(deployment(3).await).await;
    exchange_big(parties).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_outsider_certificate_is_refused() {
    let mut d = deployment(2).await;
    let listener = d.listeners[0].take().unwrap();
    let party0 = TlsEndpoint::new(d.setups[0].clone()).unwrap();
    // An outsider with its own key, pretending to be party 1 (it knows party 0's certificate).
    let outsider_identity = keygen(1).unwrap().identity;
    let mut parties = d.setups[1].parties.clone();
    parties[1].certificate = outsider_identity.certificate.clone();
    let outsider = TlsEndpoint::new(TlsSetup {
        parties,
        identity: outsider_identity,
        ..d.setups[1].clone()
    })
    .unwrap();
    let (at_party0, at_outsider) = tokio::join!(party0.accept(&listener), outsider.dial(0));
    assert!(matches!(
        at_party0,
        Err(NetError::TlsAuthentication {
            peer: None,
            reason: TlsRefusal::UnknownCertificate
        })
    ));
    assert!(matches!(
        at_outsider,
        Err(NetError::TlsAuthentication {
            peer: Some(0),
            reason: TlsRefusal::RefusedByPeer(_)
        })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_party_one_certificate_claiming_id_two_is_refused() {
    let mut d = deployment(3).await;
    let listener = d.listeners[0].take().unwrap();
    let party0 = TlsEndpoint::new(d.setups[0].clone()).unwrap();
    let liar = TlsEndpoint::new(TlsSetup {
        me: 2,
        ..d.setups[1].clone()
    })
    .unwrap();
    let (at_party0, at_liar) = tokio::join!(party0.accept(&listener), liar.dial(0));
    assert!(matches!(
        at_party0,
        Err(NetError::TlsAuthentication {
            peer: Some(2),
            reason: TlsRefusal::CertificateMismatch { claimed: 2 }
        })
    ));
    assert!(matches!(
        at_liar,
        Err(NetError::TlsAuthentication {
            peer: Some(0),
            reason: TlsRefusal::RefusedByPeer(_)
        })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_mesh_ignores_an_outsider_and_still_connects() {
    let mut d = deployment(2).await;
    let addr = d.setups[0].parties[0].address.clone();
    let setups = std::mem::take(&mut d.setups);
    let listeners = std::mem::take(&mut d.listeners);
    // The outsider dials party 0 first; party 0 refuses it and keeps waiting for party 1.
    let outsider_identity = keygen(1).unwrap().identity;
    let mut parties = setups[1].parties.clone();
    parties[1].certificate = outsider_identity.certificate.clone();
    parties[0].address = addr;
    let outsider = TlsEndpoint::new(TlsSetup {
        parties,
        identity: outsider_identity,
        ..setups[1].clone()
    })
    .unwrap();
    let mut it = setups.into_iter().zip(listeners);
    let (s0, l0) = it.next().unwrap();
    let (s1, l1) = it.next().unwrap();
    let p0 = tokio::spawn(TlsTransport::connect_with_listener(s0, l0));
    assert!(matches!(
        outsider.dial(0).await,
        Err(NetError::TlsAuthentication { peer: Some(0), .. })
    ));
    let p1 = TlsTransport::connect_with_listener(s1, l1).await.unwrap();
    let p0 = p0.await.unwrap().unwrap();
    let (a, b) = tokio::join!(
        p0.exchange_all(STEP, vec![0]),
        p1.exchange_all(STEP, vec![1])
    );
    assert_eq!(a.unwrap(), vec![vec![0], vec![1]]);
    assert_eq!(b.unwrap(), vec![vec![0], vec![1]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_wrong_step_and_departed_peer_are_reported() {
    let mut parties = connect_all(deployment(3).await).await;
    let p2 = parties.pop().unwrap();
    let p1 = parties.pop().unwrap();
    let p0 = parties.pop().unwrap();
    p1.send(0, Step::new(0x0000_0200), vec![1, 2, 3])
        .await
        .unwrap();
    assert!(matches!(
        p0.recv(1, STEP).await,
        Err(NetError::UnexpectedStep { peer: 1, channel: 0, expected, got })
            if expected == STEP && got == Step::new(0x0000_0200)
    ));
    drop(p2);
    let start = Instant::now();
    assert!(matches!(
        p0.recv(2, STEP).await,
        Err(NetError::PeerDisconnected { peer: 2 })
    ));
    assert!(matches!(
        p1.exchange_all(STEP, vec![0]).await,
        Err(NetError::PeerDisconnected { peer: 2 })
    ));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_mesh_from_configuration_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut listeners = Vec::new();
    let mut parties = String::new();
    for i in 0..3 {
        keygen_to_files(
            i,
            &dir.path().join(format!("p{i}.crt")),
            &dir.path().join(format!("p{i}.key")),
        )
        .unwrap();
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        parties += &format!(
            "\n[[party]]\nid = {i}\naddress = \"{}\"\ncertificate = \"p{i}.crt\"\n",
            l.local_addr().unwrap()
        );
        listeners.push(Some(l));
    }
    let mut tasks = Vec::new();
    for (me, l) in listeners.into_iter().enumerate() {
        let path = dir.path().join(format!("party{me}.toml"));
        std::fs::write(
            &path,
            format!("me = {me}\nkey = \"p{me}.key\"\nsession = 3\n{parties}"),
        )
        .unwrap();
        let setup = DeploymentConfig::load(&path).unwrap().to_setup().unwrap();
        tasks.push(tokio::spawn(async move {
            let t = TlsTransport::connect_with_listener(setup, l).await.unwrap();
            t.exchange_all(STEP, vec![u8::try_from(me).unwrap()])
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), vec![vec![0], vec![1], vec![2]]);
    }
}

/// A well-formed data header (channel 0, step `STEP`) announcing `payload_len` bytes.
fn header(session: u64, seq: u64, payload_len: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(32);
    h.extend_from_slice(&(28 + payload_len).to_le_bytes());
    h.extend_from_slice(&[1, 0, 0, 0]); // version 1, kind Data, channel 0
    h.extend_from_slice(&session.to_le_bytes());
    h.extend_from_slice(&STEP.tag().to_le_bytes());
    h.extend_from_slice(&seq.to_le_bytes());
    h.extend_from_slice(&[0; 4]);
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_garbage_oversized_and_truncated_frames_are_errors_not_hangs() {
    // Random bytes after the handshake.
    let mut parties = connect_all(deployment(3).await).await;
    let p2 = parties.pop().unwrap();
    let p1 = parties.pop().unwrap();
    let p0 = parties.pop().unwrap();
    let mut junk: Vec<u8> = (0..64u32)
        .map(|i| (i.wrapping_mul(97) ^ 0x3c).to_le_bytes()[0])
        .collect();
    junk[4] = 0xee; // not version 1
    p1.dangerous_send_raw(0, &junk).await.unwrap();
    assert!(matches!(
        p0.recv(1, STEP).await,
        Err(NetError::MalformedFrame { peer: 1, .. })
    ));
    // An oversized length prefix.
    let mut huge = header(p2.session(), 0, 0);
    huge[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    p2.dangerous_send_raw(0, &huge).await.unwrap();
    assert!(matches!(
        p0.recv(2, STEP).await,
        Err(NetError::FrameTooLarge { peer: 2, .. })
    ));
    // Disconnect in the middle of a frame: header announces 1000 bytes, 10 arrive.
    let mut partial = header(p2.session(), 0, 1000);
    partial.extend_from_slice(&[0; 10]);
    p2.dangerous_send_raw(1, &partial).await.unwrap();
    drop(p2);
    let start = Instant::now();
    assert!(matches!(
        p1.recv(2, STEP).await,
        Err(NetError::PeerDisconnected { peer: 2 })
    ));
    assert!(start.elapsed() < Duration::from_secs(5));
    drop(p0);
}
