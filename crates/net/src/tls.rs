//! TCP with mutual TLS between the parties of a deployment.
//!
//! # Trust model: pinned certificates
//! Every party has its own key and self-signed certificate ([`crate::keys`]). Every party's
//! [`TlsSetup`] lists every party's certificate (index = party id). A connection is accepted only
//! when the peer presents **exactly** the pinned certificate of the party id it claims (byte
//! equality of the end-entity DER certificate), and proves possession of its key in the TLS 1.3
//! handshake. There is no CA, so no third party can mint an identity.
//!
//! # Connection rule
//! Party `i` dials every party `j < i` and accepts connections from every `j > i` on its listening
//! address. Dials are retried with exponential backoff (25 ms doubling to 1 s) while the peer is
//! not yet listening; setup gives up with [`NetError::Timeout`] for the first missing peer after
//! [`TlsOptions::connect_timeout`].
//!
//! # Handshake (per connection)
//! 1. TLS 1.3 with client authentication (rustls, `ring` provider only). The listener's verifier
//!    accepts any certificate pinned for some party ([`TlsRefusal::UnknownCertificate`] otherwise,
//!    or [`TlsRefusal::NoCertificate`]); the dialer's verifier accepts only the pinned certificate
//!    of the party it dials ([`TlsRefusal::CertificateMismatch`]). Certificate names and validity
//!    dates are not used: the pinned bytes are the identity.
//! 2. The dialer sends a `Hello` frame (kind 1, channel 0, step 0, sequence 0, the session id)
//!    whose payload is `"SPDZHELO"`, its claimed id (u32 LE), the id it meant to dial (u32 LE) and
//!    the number of parties (u32 LE).
//! 3. The listener checks: session id and number of parties equal its own
//!    ([`TlsRefusal::SessionMismatch`]); the target is itself ([`TlsRefusal::WrongTarget`]); the
//!    claimed id `c` satisfies `me < c < n` ([`TlsRefusal::InvalidClaim`]); the presented
//!    certificate is the pinned certificate of `c` ([`TlsRefusal::CertificateMismatch`]); `c` is
//!    not already connected ([`TlsRefusal::DuplicateConnection`]). It answers with a `HelloAck`
//!    frame (kind 2, payload `"SPDZACK!"`, its id, the dialer's id) or a `Refusal` frame (kind 3,
//!    payload: the reason in UTF-8) and closes. A refused connection does not stop the listener
//!    from waiting for the real peers.
//! 4. From then on only `Data` frames flow, with sequence numbers from 0 per direction and
//!    channel. See `papers/wire.md`.
//!
//! # After setup
//! Per peer, a reader task reads frames and queues them per channel (it always drains the
//! socket, so exchanges of any size cannot deadlock); once a frame has begun, its remaining
//! bytes must arrive within [`TlsOptions::timeout`] ([`NetError::Timeout`]), EOF mid-frame is
//! [`NetError::PeerDisconnected`], bytes that are not a frame are [`NetError::MalformedFrame`]
//! or [`NetError::FrameTooLarge`]; the first such failure ends the link and every receive from
//! that peer returns it. Sends write the frame under a per-peer lock from the calling task.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::BufReader;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_rustls::{TlsAcceptor, TlsConnector, TlsStream};

use crate::frame::{
    DEFAULT_MAX_FRAME, DEFAULT_MAX_QUEUED, FrameError, FrameHeader, FrameKind, HEADER_LEN,
};
use crate::keys::{Identity, party_name};
use crate::link::Inbox;
use crate::ops::{self, Core, RawSend};
use crate::stats::Recorder;
use crate::{NetError, PartyId, Stats, Step, TlsRefusal, Transport};

const HELLO_MAGIC: &[u8; 8] = b"SPDZHELO";
const ACK_MAGIC: &[u8; 8] = b"SPDZACK!";
const HELLO_LEN: usize = 20;
/// Largest handshake payload accepted (a refusal reason).
const MAX_HANDSHAKE_PAYLOAD: usize = 1024;
/// Payloads up to this size are written together with their header in one TLS write.
const COALESCE_LIMIT: usize = 16 * 1024;
/// Receive buffers grow to the announced length only after this many bytes arrived, so a peer
/// announcing a huge frame cannot make us allocate it without sending it.
const EAGER_ALLOC: usize = 16 << 20;

/// The byte stream under TLS: TCP with a user-space read buffer, so that rustls' small (4 KiB)
/// reads do not each cost a system call. Writes pass straight through (a write buffer would
/// hold back the TLS alert of a refused handshake).
type Io = BufReader<TcpStream>;

const READ_BUFFER: usize = 256 * 1024;

fn buffered(tcp: TcpStream) -> Io {
    BufReader::with_capacity(READ_BUFFER, tcp)
}

/// One party of a deployment as seen by everyone: where it listens and its certificate.
#[derive(Clone, Debug)]
pub struct PeerInfo {
    /// `host:port` that party listens on (and others dial).
    pub address: String,
    /// Its pinned end-entity certificate.
    pub certificate: CertificateDer<'static>,
}

/// Timeouts and limits of the TLS transport.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    /// How long connection setup may take, for dialing (with retries) and for waiting for the
    /// peers that dial us. Also the limit of one connection's TLS + hello handshake.
    pub connect_timeout: Duration,
    /// How long a receive waits for a frame, how long the rest of a begun frame may take to
    /// arrive, and how long one frame's write may take; `None` waits forever.
    pub timeout: Option<Duration>,
    /// Maximum payload length of one frame.
    pub max_frame: usize,
    /// Frame bytes from one peer that may wait unreceived before that link fails with
    /// [`NetError::QueueOverflow`].
    pub max_queued: u64,
    /// Address [`TlsTransport::connect`] binds, if not this party's own `address` (e.g.
    /// `0.0.0.0:7000` behind NAT).
    pub listen: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            connect_timeout: Duration::from_secs(30),
            timeout: Some(Duration::from_secs(120)),
            max_frame: DEFAULT_MAX_FRAME,
            max_queued: DEFAULT_MAX_QUEUED,
            listen: None,
        }
    }
}

/// Everything one party needs to join a TLS mesh.
#[derive(Clone, Debug)]
pub struct TlsSetup {
    /// This party's id.
    pub me: PartyId,
    /// Session id: every party of one computation must use the same value, and frames of other
    /// sessions are refused. Use a fresh value per computation.
    pub session: u64,
    /// All parties, indexed by id (this party included).
    pub parties: Vec<PeerInfo>,
    /// This party's certificate and key.
    pub identity: Identity,
    /// Timeouts and limits.
    pub options: TlsOptions,
}

/// The rustls provider: `ring` only.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn rustls_refusal(peer: Option<PartyId>, e: &rustls::Error) -> TlsRefusal {
    match e {
        // Only the dialer's verifier uses this error: the server is not the party we dialed.
        rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure) => {
            match peer {
                Some(claimed) => TlsRefusal::CertificateMismatch { claimed },
                None => TlsRefusal::UnknownCertificate,
            }
        }
        rustls::Error::NoCertificatesPresented => TlsRefusal::NoCertificate,
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            TlsRefusal::UnknownCertificate
        }
        rustls::Error::AlertReceived(alert) => {
            TlsRefusal::RefusedByPeer(format!("TLS alert {alert:?}"))
        }
        other => TlsRefusal::Handshake(other.to_string()),
    }
}

/// Maps an I/O error on a TLS stream: rustls errors become [`NetError::TlsAuthentication`].
fn map_io(peer: Option<PartyId>, e: std::io::Error) -> NetError {
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return NetError::TlsAuthentication {
            peer,
            reason: rustls_refusal(peer, tls),
        };
    }
    match peer {
        Some(p) => NetError::io(p, e),
        None => NetError::Io {
            peer: None,
            source: Arc::new(e),
        },
    }
}

/// The listener's client-certificate verifier: any pinned certificate of the deployment.
#[derive(Debug)]
struct PinnedClients {
    pinned: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClients {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        tls12_refused()
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13(&self.provider, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Only TLS 1.3 is enabled: a TLS 1.2 signature is never accepted (both verifiers).
fn tls12_refused() -> Result<HandshakeSignatureValid, rustls::Error> {
    Err(rustls::Error::PeerIncompatible(
        rustls::PeerIncompatible::Tls12NotOffered,
    ))
}

/// A TLS 1.3 handshake signature, checked with the provider's algorithms (both verifiers).
fn verify_tls13(
    provider: &CryptoProvider,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls13_signature(
        message,
        cert,
        dss,
        &provider.signature_verification_algorithms,
    )
}

/// The dialer's server-certificate verifier: exactly the pinned certificate of the dialed party.
#[derive(Debug)]
struct PinnedServer {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.expected.as_ref() == end_entity.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        tls12_refused()
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13(&self.provider, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// An authenticated connection to one peer, after the hello exchange.
pub struct Authenticated {
    /// The peer's (verified) party id.
    pub peer: PartyId,
    stream: TlsStream<Io>,
}

impl std::fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticated")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

struct EndpointInner {
    me: PartyId,
    session: u64,
    parties: Vec<PeerInfo>,
    identity: Identity,
    options: TlsOptions,
    provider: Arc<CryptoProvider>,
    acceptor: TlsAcceptor,
    /// Ids that completed an incoming handshake (duplicate detection).
    connected: Mutex<Vec<bool>>,
}

/// One party's TLS endpoint: dials and accepts single authenticated connections.
/// [`TlsTransport::connect`] uses it to build the whole mesh; tests use it directly.
#[derive(Clone)]
pub struct TlsEndpoint {
    inner: Arc<EndpointInner>,
}

impl std::fmt::Debug for TlsEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsEndpoint")
            .field("me", &self.inner.me)
            .field("parties", &self.inner.parties.len())
            .finish_non_exhaustive()
    }
}

fn config_err(field: &str, reason: impl Into<String>) -> NetError {
    NetError::Config {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

impl TlsEndpoint {
    /// Validates the setup and builds the TLS configurations.
    ///
    /// # Errors
    /// [`NetError::Config`] when `me` is out of range or there are fewer than 2 parties or two
    /// parties share a certificate; [`NetError::KeyMaterial`] when the key is unusable or does
    /// not match the certificate.
    pub fn new(setup: TlsSetup) -> Result<Self, NetError> {
        let n = setup.parties.len();
        if n < 2 {
            return Err(config_err(
                "parties",
                format!("need at least 2 parties, got {n}"),
            ));
        }
        if setup.me >= n {
            return Err(config_err(
                "me",
                format!("{} is not a party id below {n}", setup.me),
            ));
        }
        for (i, p) in setup.parties.iter().enumerate() {
            if let Some(j) = setup.parties[..i]
                .iter()
                .position(|q| q.certificate == p.certificate)
            {
                return Err(config_err(
                    &format!("parties[{i}].certificate"),
                    format!("same certificate as party {j}"),
                ));
            }
        }
        let provider = provider();
        let verifier = Arc::new(PinnedClients {
            pinned: setup
                .parties
                .iter()
                .map(|p| p.certificate.clone())
                .collect(),
            provider: Arc::clone(&provider),
        });
        let server = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| NetError::KeyMaterial(format!("TLS configuration: {e}")))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![setup.identity.certificate.clone()],
                setup.identity.key.clone_key(),
            )
            .map_err(|e| NetError::KeyMaterial(format!("own key and certificate: {e}")))?;
        let mut server = server;
        // Links are never resumed.
        server.send_tls13_tickets = 0;
        Ok(TlsEndpoint {
            inner: Arc::new(EndpointInner {
                me: setup.me,
                session: setup.session,
                acceptor: TlsAcceptor::from(Arc::new(server)),
                connected: Mutex::new(vec![false; n]),
                parties: setup.parties,
                identity: setup.identity,
                options: setup.options,
                provider,
            }),
        })
    }

    /// This party's id.
    pub fn me(&self) -> PartyId {
        self.inner.me
    }

    fn connector(&self, peer: PartyId) -> Result<TlsConnector, NetError> {
        let inner = &self.inner;
        let expected = inner
            .parties
            .get(peer)
            .ok_or(NetError::InvalidPeer {
                peer,
                me: inner.me,
                parties: inner.parties.len(),
            })?
            .certificate
            .clone();
        let client = rustls::ClientConfig::builder_with_provider(Arc::clone(&inner.provider))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| NetError::KeyMaterial(format!("TLS configuration: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedServer {
                expected,
                provider: Arc::clone(&inner.provider),
            }))
            .with_client_auth_cert(
                vec![inner.identity.certificate.clone()],
                inner.identity.key.clone_key(),
            )
            .map_err(|e| NetError::KeyMaterial(format!("own key and certificate: {e}")))?;
        let mut client = client;
        client.resumption = rustls::client::Resumption::disabled();
        Ok(TlsConnector::from(Arc::new(client)))
    }

    /// Dials `peer` (retrying while it is not listening), runs the TLS handshake and the hello
    /// exchange claiming to be `self.me()`.
    ///
    /// # Errors
    /// [`NetError::Timeout`] when the peer cannot be reached within the connect timeout;
    /// [`NetError::TlsAuthentication`] when either side refuses the other (the reason says why).
    pub async fn dial(&self, peer: PartyId) -> Result<Authenticated, NetError> {
        let inner = &self.inner;
        let connector = self.connector(peer)?;
        let address = &inner.parties[peer].address;
        let deadline = Instant::now() + inner.options.connect_timeout;
        let mut backoff = Duration::from_millis(25);
        let tcp = loop {
            match tokio::time::timeout_at(deadline, TcpStream::connect(address.as_str())).await {
                Err(_) => return Err(NetError::Timeout { peer }),
                Ok(Ok(tcp)) => break tcp,
                Ok(Err(e)) => {
                    tracing::debug!(peer, error = %e, "dial failed, retrying");
                    if Instant::now() + backoff >= deadline {
                        return Err(NetError::Timeout { peer });
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        };
        let _ = tcp.set_nodelay(true);
        let handshake = async {
            let name = ServerName::try_from(party_name(peer))
                .map_err(|_| config_err("parties", "party name is not a DNS name"))?;
            let mut stream = connector
                .connect(name, buffered(tcp))
                .await
                .map_err(|e| map_io(Some(peer), e))?;
            let mut hello = Vec::with_capacity(HELLO_LEN);
            hello.extend_from_slice(HELLO_MAGIC);
            hello.extend_from_slice(&id_u32(inner.me).to_le_bytes());
            hello.extend_from_slice(&id_u32(peer).to_le_bytes());
            hello.extend_from_slice(&id_u32(inner.parties.len()).to_le_bytes());
            write_control(&mut stream, FrameKind::Hello, inner.session, &hello)
                .await
                .map_err(|e| map_io(Some(peer), e))?;
            // A listener that refuses our certificate sends a TLS alert and closes; the close
            // can overtake the alert (a reset), so a close here also counts as a refusal.
            let (header, payload) =
                read_control(&mut stream, Some(peer))
                    .await
                    .map_err(|e| match e {
                        NetError::PeerDisconnected { peer } => NetError::TlsAuthentication {
                            peer: Some(peer),
                            reason: TlsRefusal::RefusedByPeer(
                                "connection closed before the party-id handshake completed".into(),
                            ),
                        },
                        other => other,
                    })?;
            match header.kind {
                FrameKind::HelloAck => {
                    let mut expect = Vec::with_capacity(16);
                    expect.extend_from_slice(ACK_MAGIC);
                    expect.extend_from_slice(&id_u32(peer).to_le_bytes());
                    expect.extend_from_slice(&id_u32(inner.me).to_le_bytes());
                    if payload != expect || header.session != inner.session {
                        return Err(NetError::TlsAuthentication {
                            peer: Some(peer),
                            reason: TlsRefusal::BadHello("acknowledgement does not match"),
                        });
                    }
                    Ok(Authenticated {
                        peer,
                        stream: TlsStream::Client(stream),
                    })
                }
                FrameKind::Refusal => Err(NetError::TlsAuthentication {
                    peer: Some(peer),
                    reason: TlsRefusal::RefusedByPeer(
                        String::from_utf8_lossy(&payload).into_owned(),
                    ),
                }),
                _ => Err(NetError::TlsAuthentication {
                    peer: Some(peer),
                    reason: TlsRefusal::BadHello("expected an acknowledgement"),
                }),
            }
        };
        tokio::time::timeout(inner.options.connect_timeout, handshake)
            .await
            .map_err(|_| NetError::Timeout { peer })?
    }

    /// Accepts one TCP connection from `listener` and authenticates it (TLS handshake, hello
    /// checks); refused dialers get a refusal frame with the reason.
    ///
    /// # Errors
    /// [`NetError::TlsAuthentication`] naming the broken rule; [`NetError::Timeout`] if the
    /// handshake does not finish within the connect timeout; [`NetError::Io`] if accepting fails.
    pub async fn accept(&self, listener: &TcpListener) -> Result<Authenticated, NetError> {
        let (tcp, from) = listener.accept().await.map_err(|e| NetError::Io {
            peer: None,
            source: Arc::new(e),
        })?;
        self.authenticate_incoming(tcp, from).await
    }

    async fn authenticate_incoming(
        &self,
        tcp: TcpStream,
        from: SocketAddr,
    ) -> Result<Authenticated, NetError> {
        let _ = tcp.set_nodelay(true);
        let timeout = self.inner.options.connect_timeout;
        match tokio::time::timeout(timeout, self.handshake_incoming(tcp)).await {
            Ok(Ok(a)) => Ok(a),
            Ok(Err(e)) => {
                tracing::warn!(%from, error = %e, "refused an incoming connection");
                Err(e)
            }
            Err(_) => {
                tracing::warn!(%from, "incoming handshake timed out");
                Err(NetError::TlsAuthentication {
                    peer: None,
                    reason: TlsRefusal::BadHello("handshake timed out"),
                })
            }
        }
    }

    async fn handshake_incoming(&self, tcp: TcpStream) -> Result<Authenticated, NetError> {
        let inner = &self.inner;
        let mut stream = inner
            .acceptor
            .accept(buffered(tcp))
            .await
            .map_err(|e| map_io(None, e))?;
        let presented = stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .cloned()
            .ok_or(NetError::TlsAuthentication {
                peer: None,
                reason: TlsRefusal::NoCertificate,
            })?;
        let (header, payload) = read_control(&mut stream, None).await?;
        let verdict = self.judge_hello(&header, &payload, &presented);
        match verdict {
            Ok(claimed) => {
                let mut ack = Vec::with_capacity(16);
                ack.extend_from_slice(ACK_MAGIC);
                ack.extend_from_slice(&id_u32(inner.me).to_le_bytes());
                ack.extend_from_slice(&id_u32(claimed).to_le_bytes());
                write_control(&mut stream, FrameKind::HelloAck, inner.session, &ack)
                    .await
                    .map_err(|e| map_io(Some(claimed), e))?;
                Ok(Authenticated {
                    peer: claimed,
                    stream: TlsStream::Server(stream),
                })
            }
            Err((peer, reason)) => {
                let why = reason.to_string();
                // Best effort: the dialer learns why; our error does not depend on it.
                let _ = write_control(
                    &mut stream,
                    FrameKind::Refusal,
                    inner.session,
                    why.as_bytes(),
                )
                .await;
                let _ = stream.shutdown().await;
                Err(NetError::TlsAuthentication { peer, reason })
            }
        }
    }

    /// Step 3 of the handshake: the listener's checks of the hello.
    fn judge_hello(
        &self,
        header: &FrameHeader,
        payload: &[u8],
        presented: &CertificateDer<'_>,
    ) -> Result<PartyId, (Option<PartyId>, TlsRefusal)> {
        let inner = &self.inner;
        let n = inner.parties.len();
        if header.kind != FrameKind::Hello {
            return Err((None, TlsRefusal::BadHello("first frame is not a hello")));
        }
        if payload.len() != HELLO_LEN || &payload[..8] != HELLO_MAGIC {
            return Err((
                None,
                TlsRefusal::BadHello("hello has the wrong size or magic"),
            ));
        }
        let field = |i: usize| {
            u32::from_le_bytes([payload[i], payload[i + 1], payload[i + 2], payload[i + 3]])
        };
        let (claimed, target, parties) = (field(8), field(12), field(16));
        if header.session != inner.session || usize::try_from(parties).ok() != Some(n) {
            return Err((None, TlsRefusal::SessionMismatch));
        }
        if usize::try_from(target).ok() != Some(inner.me) {
            return Err((
                None,
                TlsRefusal::WrongTarget {
                    target: u64::from(target),
                },
            ));
        }
        let claimed_id = match usize::try_from(claimed) {
            Ok(c) if c > inner.me && c < n => c,
            _ => {
                return Err((
                    None,
                    TlsRefusal::InvalidClaim {
                        claimed: u64::from(claimed),
                    },
                ));
            }
        };
        if inner.parties[claimed_id].certificate.as_ref() != presented.as_ref() {
            let reason = if inner
                .parties
                .iter()
                .any(|p| p.certificate.as_ref() == presented.as_ref())
            {
                TlsRefusal::CertificateMismatch {
                    claimed: claimed_id,
                }
            } else {
                TlsRefusal::UnknownCertificate
            };
            return Err((Some(claimed_id), reason));
        }
        let mut connected = inner
            .connected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if connected[claimed_id] {
            return Err((
                Some(claimed_id),
                TlsRefusal::DuplicateConnection {
                    claimed: claimed_id,
                },
            ));
        }
        connected[claimed_id] = true;
        Ok(claimed_id)
    }

    /// Accepts until every party `j > me` is connected, skipping refused connections.
    async fn accept_all(&self, listener: TcpListener) -> Result<Vec<Authenticated>, NetError> {
        let inner = &self.inner;
        let n = inner.parties.len();
        let mut missing: Vec<PartyId> = ((inner.me + 1)..n).collect();
        let mut out = Vec::new();
        let deadline = Instant::now() + inner.options.connect_timeout;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut pending = tokio::task::JoinSet::new();
        while !missing.is_empty() {
            tokio::select! {
                accepted = listener.accept() => {
                    match accepted {
                        Ok((tcp, from)) => {
                            let me = self.clone();
                            let tx = tx.clone();
                            pending.spawn(async move {
                                let _ = tx.send(me.authenticate_incoming(tcp, from).await);
                            });
                        }
                        Err(e) => tracing::warn!(error = %e, "accept failed"),
                    }
                }
                Some(result) = rx.recv() => {
                    if let Ok(a) = result {
                        missing.retain(|&p| p != a.peer);
                        out.push(a);
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    let peer = missing.first().copied().unwrap_or(inner.me);
                    return Err(NetError::Timeout { peer });
                }
            }
        }
        pending.abort_all();
        Ok(out)
    }
}

fn id_u32(id: usize) -> u32 {
    // Party counts are validated small (config) but never panic: saturate.
    u32::try_from(id).unwrap_or(u32::MAX)
}

async fn write_control<S: AsyncWrite + Unpin>(
    stream: &mut S,
    kind: FrameKind,
    session: u64,
    payload: &[u8],
) -> std::io::Result<()> {
    let header = FrameHeader {
        kind,
        channel: 0,
        session,
        step: Step::new(0),
        seq: 0,
        payload_len: payload.len(),
    }
    .encode()
    .map_err(|_| std::io::Error::other("handshake payload too large"))?;
    let mut buf = Vec::with_capacity(HEADER_LEN + payload.len());
    buf.extend_from_slice(&header);
    buf.extend_from_slice(payload);
    stream.write_all(&buf).await?;
    stream.flush().await
}

async fn read_control<S: AsyncRead + Unpin>(
    stream: &mut S,
    peer: Option<PartyId>,
) -> Result<(FrameHeader, Vec<u8>), NetError> {
    let mut h = [0u8; HEADER_LEN];
    stream
        .read_exact(&mut h)
        .await
        .map_err(|e| map_io(peer, e))?;
    let header = FrameHeader::decode(&h, MAX_HANDSHAKE_PAYLOAD).map_err(|_| {
        NetError::TlsAuthentication {
            peer,
            reason: TlsRefusal::BadHello("not a handshake frame"),
        }
    })?;
    let mut payload = vec![0u8; header.payload_len];
    stream
        .read_exact(&mut payload)
        .await
        .map_err(|e| map_io(peer, e))?;
    Ok((header, payload))
}

/// Reads frames from one peer until the link fails; the failure goes to every channel.
async fn read_loop<R: AsyncRead + Unpin>(
    mut rd: R,
    inbox: Arc<Inbox>,
    peer: PartyId,
    max_frame: usize,
    timeout: Option<Duration>,
) {
    let err = loop {
        match read_frame(&mut rd, peer, max_frame, timeout).await {
            Ok((header, payload)) => inbox.deliver(crate::frame::Frame { header, payload }),
            Err(e) => break e,
        }
    };
    tracing::debug!(peer, error = %err, "link closed");
    inbox.fail(err);
}

/// Reads one data frame. Waiting for its first byte has no limit (a receive's own timeout
/// covers an idle peer); the rest must arrive within `timeout`.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
    rd: &mut R,
    peer: PartyId,
    max_frame: usize,
    timeout: Option<Duration>,
) -> Result<(FrameHeader, Vec<u8>), NetError> {
    let mut h = [0u8; HEADER_LEN];
    rd.read_exact(&mut h[..1])
        .await
        .map_err(|e| map_io(Some(peer), e))?;
    let rest = async {
        rd.read_exact(&mut h[1..])
            .await
            .map_err(|e| map_io(Some(peer), e))?;
        let header = FrameHeader::decode(&h, max_frame).map_err(|e| match e {
            FrameError::TooLarge { len, max } => NetError::FrameTooLarge { peer, len, max },
            FrameError::Malformed(reason) => NetError::MalformedFrame { peer, reason },
        })?;
        if header.kind != FrameKind::Data {
            return Err(NetError::MalformedFrame {
                peer,
                reason: "handshake frame after the handshake",
            });
        }
        let len = header.payload_len;
        let mut payload = Vec::with_capacity(len.min(EAGER_ALLOC));
        let first = len.min(EAGER_ALLOC) as u64;
        (&mut *rd)
            .take(first)
            .read_to_end(&mut payload)
            .await
            .map_err(|e| map_io(Some(peer), e))?;
        if payload.len() < len {
            payload.reserve_exact(len - payload.len());
            (&mut *rd)
                .take((len - payload.len()) as u64)
                .read_to_end(&mut payload)
                .await
                .map_err(|e| map_io(Some(peer), e))?;
        }
        if payload.len() != len {
            // EOF in the middle of the payload.
            return Err(NetError::PeerDisconnected { peer });
        }
        Ok((header, payload))
    };
    match timeout {
        Some(d) => tokio::time::timeout(d, rest)
            .await
            .map_err(|_| NetError::Timeout { peer })?,
        None => rest.await,
    }
}

struct Writer {
    half: WriteHalf<TlsStream<Io>>,
    next_seq: HashMap<u16, u64>,
    /// Set while a frame is being written (a cancelled write leaves a partial frame) and after
    /// a write failed: the link can no longer carry frames.
    broken: Option<NetError>,
}

struct Links {
    session: u64,
    writers: Vec<Option<tokio::sync::Mutex<Writer>>>,
    /// Reader tasks by peer; `close` waits for them, drop aborts them.
    readers: Mutex<Vec<(PartyId, JoinHandle<()>)>>,
    close_timeout: Duration,
}

impl Drop for Links {
    fn drop(&mut self) {
        let readers = self
            .readers
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (_, r) in readers.iter() {
            r.abort();
        }
    }
}

/// One party's end of a TCP + mutual-TLS mesh.
///
/// Cloning gives another handle on the same channel; [`Transport::channel`] an independent
/// logical channel. Dropping every handle closes all links.
#[derive(Clone)]
pub struct TlsTransport {
    links: Arc<Links>,
    core: Core,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport")
            .field("id", &self.core.id)
            .field("parties", &self.core.parties)
            .field("channel", &self.core.channel)
            .finish_non_exhaustive()
    }
}

impl TlsTransport {
    /// Binds this party's address (if any party dials it) and connects the mesh by the
    /// connection rule.
    ///
    /// # Errors
    /// As [`TlsTransport::connect_with_listener`]; [`NetError::Io`] if binding fails.
    pub async fn connect(setup: TlsSetup) -> Result<Self, NetError> {
        let listener = if setup.me + 1 < setup.parties.len() {
            let address = match &setup.options.listen {
                Some(l) => l.clone(),
                None => setup
                    .parties
                    .get(setup.me)
                    .map(|p| p.address.clone())
                    .unwrap_or_default(),
            };
            Some(
                TcpListener::bind(address.as_str())
                    .await
                    .map_err(|e| NetError::Io {
                        peer: None,
                        source: Arc::new(e),
                    })?,
            )
        } else {
            None
        };
        Self::connect_with_listener(setup, listener).await
    }

    /// All `n` parties of a deployment in this process, over TCP on 127.0.0.1 with mutual TLS:
    /// a fresh key and pinned certificate per party, ephemeral ports, one `session`. The real
    /// handshake and record layer run, so this measures the cost of the secure channel (the
    /// `--transport tls` of the CLI, and the benches). Returned in party order.
    ///
    /// # Errors
    /// [`NetError::Io`] if a port cannot be bound; [`NetError::KeyMaterial`] if key generation
    /// fails; anything [`TlsTransport::connect_with_listener`] returns.
    pub async fn loopback_mesh(
        n: usize,
        session: u64,
        options: TlsOptions,
    ) -> Result<Vec<Self>, NetError> {
        let io = |e: std::io::Error| NetError::Io {
            peer: None,
            source: Arc::new(e),
        };
        let mut listeners = Vec::with_capacity(n);
        let mut identities = Vec::with_capacity(n);
        let mut parties = Vec::with_capacity(n);
        for i in 0..n {
            let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io)?;
            let keys = crate::keys::keygen(i)?;
            parties.push(PeerInfo {
                address: listener.local_addr().map_err(io)?.to_string(),
                certificate: keys.identity.certificate.clone(),
            });
            identities.push(keys.identity);
            listeners.push(Some(listener));
        }
        let tasks: Vec<_> = identities
            .into_iter()
            .zip(listeners)
            .enumerate()
            .map(|(me, (identity, listener))| {
                let setup = TlsSetup {
                    me,
                    session,
                    parties: parties.clone(),
                    identity,
                    options: options.clone(),
                };
                tokio::spawn(Self::connect_with_listener(setup, listener))
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for task in tasks {
            let joined = task
                .await
                .map_err(|e| io(std::io::Error::other(format!("setup task failed: {e}"))))?;
            out.push(joined?);
        }
        Ok(out)
    }

    /// Connects the mesh using an already bound listener (e.g. bound to port 0 before the
    /// addresses were known). `listener` may be `None` only for the last party, which accepts
    /// no connections.
    ///
    /// # Errors
    /// [`NetError::Config`]/[`NetError::KeyMaterial`] for a bad setup; [`NetError::Timeout`]
    /// naming a peer that did not connect in time; [`NetError::TlsAuthentication`] when a peer
    /// we dial refuses us or is not who it should be.
    pub async fn connect_with_listener(
        setup: TlsSetup,
        listener: Option<TcpListener>,
    ) -> Result<Self, NetError> {
        let endpoint = TlsEndpoint::new(setup)?;
        let inner = Arc::clone(&endpoint.inner);
        let (me, n) = (inner.me, inner.parties.len());
        let accept = async {
            match listener {
                Some(l) => endpoint.accept_all(l).await,
                None if me + 1 >= n => Ok(Vec::new()),
                None => Err(config_err(
                    "listener",
                    "parties above this one must be able to dial it",
                )),
            }
        };
        let dial = crate::join::try_join_all((0..me).map(|j| endpoint.dial(j)).collect());
        let (accepted, dialed) = tokio::try_join!(accept, dial)?;
        tracing::info!(me, parties = n, "TLS mesh connected");
        Ok(Self::from_links(&inner, accepted.into_iter().chain(dialed)))
    }

    fn from_links(inner: &EndpointInner, links: impl Iterator<Item = Authenticated>) -> Self {
        let n = inner.parties.len();
        let opts = &inner.options;
        let mut writers: Vec<Option<tokio::sync::Mutex<Writer>>> = (0..n).map(|_| None).collect();
        let mut inboxes: Vec<Option<Arc<Inbox>>> = vec![None; n];
        let mut readers = Vec::new();
        for a in links {
            let (rd, wr) = tokio::io::split(a.stream);
            let inbox = Arc::new(Inbox::new(a.peer, inner.session, opts.max_queued));
            readers.push((
                a.peer,
                tokio::spawn(read_loop(
                    rd,
                    Arc::clone(&inbox),
                    a.peer,
                    opts.max_frame,
                    opts.timeout,
                )),
            ));
            inboxes[a.peer] = Some(inbox);
            writers[a.peer] = Some(tokio::sync::Mutex::new(Writer {
                half: wr,
                next_seq: HashMap::new(),
                broken: None,
            }));
        }
        TlsTransport {
            links: Arc::new(Links {
                session: inner.session,
                writers,
                readers: Mutex::new(readers),
                close_timeout: opts.connect_timeout,
            }),
            core: Core {
                id: inner.me,
                parties: n,
                channel: 0,
                inboxes: Arc::new(inboxes),
                recorder: Arc::new(Recorder::new(n)),
                timeout: opts.timeout,
                max_frame: opts.max_frame,
            },
        }
    }

    /// The session id.
    pub fn session(&self) -> u64 {
        self.links.session
    }

    /// **Misbehaviour, for the adversarial suite only**: writes `bytes` to the TLS stream to
    /// `to` as they are, outside the frame discipline (the peer sees garbage, a forged header,
    /// a replay...). Frames this party sends afterwards keep their own sequence numbers.
    ///
    /// # Errors
    /// [`NetError::InvalidPeer`] for a bad `to`; the link's write errors.
    pub async fn dangerous_send_raw(&self, to: PartyId, bytes: &[u8]) -> Result<(), NetError> {
        self.core.check_peer(to)?;
        let w = self
            .links
            .writers
            .get(to)
            .and_then(Option::as_ref)
            .ok_or(NetError::PeerDisconnected { peer: to })?;
        let mut w = w.lock().await;
        if let Some(e) = &w.broken {
            return Err(e.clone());
        }
        let res = async {
            w.half.write_all(bytes).await?;
            w.half.flush().await
        }
        .await;
        res.map_err(|e| map_io(Some(to), e))
    }

    /// Closes every link gracefully: sends TLS `close_notify` and a TCP FIN to every peer, then
    /// waits until every peer has closed its side as well (each reader sees the end of its
    /// stream), at most the connect timeout. Unlike a plain drop, this never cuts off frames
    /// still in flight with a reset. All handles (channels) of this party stop working.
    ///
    /// # Errors
    /// [`NetError::Timeout`] naming a peer that did not close in time (the links are closed on
    /// our side anyway).
    pub async fn close(self) -> Result<(), NetError> {
        for w in self.links.writers.iter().flatten() {
            let mut w = w.lock().await;
            if w.broken.is_none() {
                let _ = w.half.shutdown().await;
            }
            w.broken = Some(NetError::Io {
                peer: None,
                source: Arc::new(std::io::Error::other("transport closed")),
            });
        }
        let readers = std::mem::take(
            &mut *self
                .links
                .readers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let aborts: Vec<_> = readers.iter().map(|(_, r)| r.abort_handle()).collect();
        let deadline = Instant::now() + self.links.close_timeout;
        let mut result = Ok(());
        for (peer, r) in readers {
            if tokio::time::timeout_at(deadline, r).await.is_err() {
                result = Err(NetError::Timeout { peer });
                break;
            }
        }
        for a in aborts {
            a.abort();
        }
        result
    }
}

impl RawSend for TlsTransport {
    fn core(&self) -> &Core {
        &self.core
    }

    async fn send_raw<'a>(
        &'a self,
        to: PartyId,
        step: Step,
        payload: Cow<'a, [u8]>,
    ) -> Result<(), NetError> {
        let w =
            self.links
                .writers
                .get(to)
                .and_then(Option::as_ref)
                .ok_or(NetError::InvalidPeer {
                    peer: to,
                    me: self.core.id,
                    parties: self.core.parties,
                })?;
        let mut w = w.lock().await;
        if let Some(e) = &w.broken {
            return Err(e.clone());
        }
        let channel = self.core.channel;
        let seq = w.next_seq.get(&channel).copied().unwrap_or(0);
        let header = FrameHeader {
            kind: FrameKind::Data,
            channel,
            session: self.links.session,
            step,
            seq,
            payload_len: payload.len(),
        }
        .encode()
        .map_err(|_| NetError::FrameTooLarge {
            peer: to,
            len: payload.len() as u64,
            max: self.core.max_frame as u64,
        })?;
        // If this future is dropped mid-write, the peer has a partial frame: the link is
        // unusable from then on.
        w.broken = Some(NetError::Io {
            peer: Some(to),
            source: Arc::new(std::io::Error::other(
                "an earlier send to this peer was cancelled in the middle of a frame",
            )),
        });
        let write = async {
            if payload.len() <= COALESCE_LIMIT {
                let mut buf = Vec::with_capacity(HEADER_LEN + payload.len());
                buf.extend_from_slice(&header);
                buf.extend_from_slice(&payload);
                w.half.write_all(&buf).await?;
            } else {
                w.half.write_all(&header).await?;
                w.half.write_all(&payload).await?;
            }
            w.half.flush().await
        };
        let result = match self.core.timeout {
            Some(d) => tokio::time::timeout(d, write)
                .await
                .unwrap_or(Err(std::io::ErrorKind::TimedOut.into())),
            None => write.await,
        };
        match result {
            Ok(()) => {
                w.broken = None;
                w.next_seq.insert(channel, seq + 1);
                ops::count_sent(&self.core, to, step, payload.len());
                Ok(())
            }
            Err(e) => {
                let e = if e.kind() == std::io::ErrorKind::TimedOut {
                    NetError::Timeout { peer: to }
                } else {
                    map_io(Some(to), e)
                };
                w.broken = Some(e.clone());
                Err(e)
            }
        }
    }
}

impl Transport for TlsTransport {
    fn id(&self) -> PartyId {
        self.core.id
    }

    fn parties(&self) -> usize {
        self.core.parties
    }

    async fn send(&self, to: PartyId, step: Step, payload: Vec<u8>) -> Result<(), NetError> {
        ops::send(self, to, step, payload).await
    }

    async fn recv(&self, from: PartyId, step: Step) -> Result<Vec<u8>, NetError> {
        ops::recv(self, from, step).await
    }

    async fn broadcast(&self, step: Step, payload: Vec<u8>) -> Result<(), NetError> {
        ops::broadcast(self, step, payload).await
    }

    async fn exchange_all(&self, step: Step, payload: Vec<u8>) -> Result<Vec<Vec<u8>>, NetError> {
        ops::exchange_all(self, step, payload).await
    }

    async fn exchange(&self, step: Step, payloads: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, NetError> {
        ops::exchange(self, step, payloads).await
    }

    fn stats(&self) -> Stats {
        self.core.stats()
    }

    fn reset_stats(&self) {
        self.core.recorder.reset();
    }

    fn channel_index(&self) -> u16 {
        self.core.channel
    }

    fn channel(&self, index: u16) -> Self {
        let mut t = self.clone();
        t.core.channel = index;
        t
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // small test values
mod tests {
    use super::*;
    use crate::keys::keygen;

    const A: Step = Step::new(1);

    struct Deployment {
        setups: Vec<TlsSetup>,
        listeners: Vec<Option<TcpListener>>,
    }

    async fn deployment(n: usize, options: TlsOptions) -> Deployment {
        let mut listeners = Vec::new();
        let mut ids = Vec::new();
        let mut peers = Vec::new();
        for i in 0..n {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let keys = keygen(i).unwrap();
            peers.push(PeerInfo {
                address: l.local_addr().unwrap().to_string(),
                certificate: keys.identity.certificate.clone(),
            });
            ids.push(keys.identity);
            listeners.push(Some(l));
        }
        let setups = ids
            .into_iter()
            .enumerate()
            .map(|(me, identity)| TlsSetup {
                me,
                session: 77,
                parties: peers.clone(),
                identity,
                options: options.clone(),
            })
            .collect();
        Deployment { setups, listeners }
    }

    fn quick() -> TlsOptions {
        TlsOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Some(Duration::from_secs(5)),
            ..TlsOptions::default()
        }
    }

    async fn mesh(d: Deployment) -> Vec<TlsTransport> {
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

    #[tokio::test]
    async fn three_party_mesh_exchanges_on_several_channels() {
        let m = mesh(deployment(3, quick()).await).await;
        let tasks: Vec<_> = m
            .into_iter()
            .map(|t| {
                tokio::spawn(async move {
                    let me = t.id();
                    for len in [0usize, 1, 20_000, 1 << 20] {
                        let got = t.exchange_all(A, vec![me as u8; len]).await.unwrap();
                        for (p, v) in got.iter().enumerate() {
                            assert_eq!(v, &vec![p as u8; len]);
                        }
                    }
                    let c = t.channel(9);
                    let (x, y) = tokio::join!(
                        c.exchange_all(Step::new(2), vec![1]),
                        t.exchange_all(Step::new(3), vec![2])
                    );
                    assert_eq!(x.unwrap()[(me + 1) % 3], vec![1]);
                    assert_eq!(y.unwrap()[(me + 2) % 3], vec![2]);
                    t.stats()
                })
            })
            .collect();
        for t in tasks {
            let s = t.await.unwrap();
            assert_eq!(s.total.messages_sent, 2 * 4 + 2 * 2);
            assert_eq!(s.rounds, 5);
        }
    }

    /// An endpoint whose deployment view lists `identity` as party `me`.
    fn impostor(d: &Deployment, me: usize, identity: Identity, session: u64) -> TlsEndpoint {
        let mut parties = d.setups[0].parties.clone();
        parties[me].certificate = identity.certificate.clone();
        TlsEndpoint::new(TlsSetup {
            me,
            session,
            parties,
            identity,
            options: quick(),
        })
        .unwrap()
    }

    async fn refused(
        listener: TlsEndpoint,
        l: TcpListener,
        dialer: TlsEndpoint,
        target: PartyId,
    ) -> (NetError, NetError) {
        let (a, b) = tokio::join!(listener.accept(&l), dialer.dial(target));
        (a.unwrap_err(), b.unwrap_err())
    }

    #[tokio::test]
    async fn outsider_certificate_is_refused() {
        let mut d = deployment(2, quick()).await;
        let l = d.listeners[0].take().unwrap();
        let outsider = impostor(&d, 1, keygen(1).unwrap().identity, 77);
        let party0 = TlsEndpoint::new(d.setups[0].clone()).unwrap();
        let (at_listener, at_dialer) = refused(party0, l, outsider, 0).await;
        assert!(
            matches!(
                at_listener,
                NetError::TlsAuthentication {
                    peer: None,
                    reason: TlsRefusal::UnknownCertificate
                }
            ),
            "{at_listener:?}"
        );
        assert!(
            matches!(
                at_dialer,
                NetError::TlsAuthentication {
                    peer: Some(0),
                    reason: TlsRefusal::RefusedByPeer(_)
                }
            ),
            "{at_dialer:?}"
        );
    }

    #[tokio::test]
    async fn party_one_claiming_id_two_is_refused() {
        let mut d = deployment(3, quick()).await;
        let l = d.listeners[0].take().unwrap();
        // Party 1's real key and certificate, but it says it is party 2.
        let liar = TlsEndpoint::new(TlsSetup {
            me: 2,
            ..d.setups[1].clone()
        })
        .unwrap();
        let party0 = TlsEndpoint::new(d.setups[0].clone()).unwrap();
        let (at_listener, at_dialer) = refused(party0, l, liar, 0).await;
        assert!(
            matches!(
                at_listener,
                NetError::TlsAuthentication {
                    peer: Some(2),
                    reason: TlsRefusal::CertificateMismatch { claimed: 2 }
                }
            ),
            "{at_listener:?}"
        );
        match at_dialer {
            NetError::TlsAuthentication {
                peer: Some(0),
                reason: TlsRefusal::RefusedByPeer(why),
            } => {
                assert!(why.contains("party 2"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn impostor_listener_is_refused_by_the_dialer() {
        let mut d = deployment(2, quick()).await;
        let l = d.listeners[0].take().unwrap();
        // Someone else listens on party 0's address with its own certificate.
        let fake0 = impostor(&d, 0, keygen(0).unwrap().identity, 77);
        let party1 = TlsEndpoint::new(d.setups[1].clone()).unwrap();
        let (_, at_dialer) = refused(fake0, l, party1, 0).await;
        assert!(
            matches!(
                at_dialer,
                NetError::TlsAuthentication {
                    peer: Some(0),
                    reason: TlsRefusal::CertificateMismatch { claimed: 0 }
                }
            ),
            "{at_dialer:?}"
        );
    }

    #[tokio::test]
    async fn hello_rules_are_enforced() {
        // Other session.
        let mut d = deployment(3, quick()).await;
        let party0 = TlsEndpoint::new(d.setups[0].clone()).unwrap();
        let l = d.listeners[0].take().unwrap();
        let other = TlsEndpoint::new(TlsSetup {
            session: 78,
            ..d.setups[1].clone()
        })
        .unwrap();
        let (e, _) = refused(party0.clone(), l, other, 0).await;
        assert!(matches!(
            e,
            NetError::TlsAuthentication {
                reason: TlsRefusal::SessionMismatch,
                ..
            }
        ));
        // Wrong direction: party 1 may not be dialed by party 0 (0 dials nobody).
        let l1 = d.listeners[1].take().unwrap();
        let party1 = TlsEndpoint::new(d.setups[1].clone()).unwrap();
        let (e, _) = refused(party1, l1, party0.clone(), 1).await;
        assert!(matches!(
            e,
            NetError::TlsAuthentication {
                reason: TlsRefusal::InvalidClaim { claimed: 0 },
                ..
            }
        ));
        // Duplicate: party 2 connects twice.
        let d2 = deployment(3, quick()).await;
        let party0 = TlsEndpoint::new(d2.setups[0].clone()).unwrap();
        let party2 = TlsEndpoint::new(d2.setups[2].clone()).unwrap();
        let l = d2.listeners.into_iter().next().flatten().unwrap();
        let (a, b) = tokio::join!(party0.accept(&l), party2.dial(0));
        assert_eq!(a.unwrap().peer, 2);
        assert_eq!(b.unwrap().peer, 0);
        let (e, _) = refused(party0, l, party2, 0).await;
        assert!(matches!(
            e,
            NetError::TlsAuthentication {
                reason: TlsRefusal::DuplicateConnection { claimed: 2 },
                ..
            }
        ));
    }

    #[tokio::test]
    async fn unreachable_or_silent_peers_time_out() {
        let opts = TlsOptions {
            connect_timeout: Duration::from_millis(300),
            ..quick()
        };
        let mut d = deployment(3, opts).await;
        // Nobody listens on party 0's port.
        drop(d.listeners[0].take());
        let s1 = d.setups[1].clone();
        let l1 = d.listeners[1].take();
        assert!(matches!(
            TlsTransport::connect_with_listener(s1, l1).await,
            Err(NetError::Timeout { peer: 0 })
        ));
        // Party 0 listens, nobody dials.
        let s0 = d.setups[0].clone();
        let l0 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        assert!(matches!(
            TlsTransport::connect_with_listener(s0, Some(l0)).await,
            Err(NetError::Timeout { peer: 1 })
        ));
    }

    /// Party 0 as a real transport; party 1 as a raw authenticated stream the test writes to.
    async fn raw_pair(options: TlsOptions) -> (TlsTransport, TlsStream<Io>) {
        let mut d = deployment(2, options).await;
        let l = d.listeners[0].take();
        let s0 = d.setups[0].clone();
        let party1 = TlsEndpoint::new(d.setups[1].clone()).unwrap();
        let (t0, a1) = tokio::join!(TlsTransport::connect_with_listener(s0, l), party1.dial(0));
        (t0.unwrap(), a1.unwrap().stream)
    }

    fn header(len: u32, step: Step, seq: u64) -> [u8; HEADER_LEN] {
        let mut h = FrameHeader {
            kind: FrameKind::Data,
            channel: 0,
            session: 77,
            step,
            seq,
            payload_len: 0,
        }
        .encode()
        .unwrap();
        h[0..4].copy_from_slice(&len.to_le_bytes());
        h
    }

    #[tokio::test]
    async fn disconnect_mid_frame_is_peer_disconnected() {
        let (t0, mut s1) = raw_pair(quick()).await;
        s1.write_all(&header(28 + 1000, A, 0)).await.unwrap();
        s1.write_all(&[0u8; 10]).await.unwrap();
        s1.flush().await.unwrap();
        drop(s1);
        let e = t0.recv(1, A).await.unwrap_err();
        assert!(matches!(e, NetError::PeerDisconnected { peer: 1 }), "{e:?}");
        // Sticky, on every channel.
        assert!(matches!(
            t0.channel(4).recv(1, A).await,
            Err(NetError::PeerDisconnected { peer: 1 })
        ));
    }

    #[tokio::test]
    async fn stall_mid_frame_times_out() {
        let (t0, mut s1) = raw_pair(TlsOptions {
            timeout: Some(Duration::from_millis(200)),
            ..quick()
        })
        .await;
        s1.write_all(&header(28 + 1000, A, 0)[..10]).await.unwrap();
        s1.flush().await.unwrap();
        let e = t0.recv(1, A).await.unwrap_err();
        assert!(matches!(e, NetError::Timeout { peer: 1 }), "{e:?}");
        drop(s1);
    }

    #[tokio::test]
    async fn oversized_length_prefix_is_frame_too_large() {
        let (t0, mut s1) = raw_pair(quick()).await;
        s1.write_all(&header(u32::MAX, A, 0)).await.unwrap();
        s1.flush().await.unwrap();
        let e = t0.recv(1, A).await.unwrap_err();
        assert!(
            matches!(e, NetError::FrameTooLarge { peer: 1, max, .. } if max == DEFAULT_MAX_FRAME as u64),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn random_bytes_after_handshake_are_malformed() {
        use rand::{Rng, SeedableRng};
        for seed in 0..4u64 {
            let (t0, mut s1) = raw_pair(quick()).await;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut junk = [0u8; 64];
            rng.fill_bytes(&mut junk);
            if junk[4] == 1 {
                junk[4] = 0xff; // make it certainly not a version-1 header
            }
            s1.write_all(&junk).await.unwrap();
            s1.flush().await.unwrap();
            let e = t0.recv(1, A).await.unwrap_err();
            assert!(
                matches!(e, NetError::MalformedFrame { peer: 1, .. }),
                "{e:?}"
            );
        }
    }

    #[tokio::test]
    async fn close_delivers_frames_in_flight_then_ends_the_links() {
        let m = mesh(deployment(3, quick()).await).await;
        let mut it = m.into_iter();
        let (p0, p1, p2) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        let big = vec![9u8; 10 << 20];
        p1.send(0, A, big.clone()).await.unwrap();
        p2.send(0, A, vec![2]).await.unwrap();
        let closing = tokio::spawn(async move {
            let (a, b) = tokio::join!(p1.close(), p2.close());
            a.unwrap();
            b.unwrap();
        });
        assert_eq!(p0.recv(1, A).await.unwrap(), big);
        assert_eq!(p0.recv(2, A).await.unwrap(), vec![2]);
        assert!(matches!(
            p0.recv(1, A).await,
            Err(NetError::PeerDisconnected { peer: 1 })
        ));
        let q = p0.channel(3);
        p0.close().await.unwrap();
        closing.await.unwrap();
        assert!(q.send(1, A, vec![]).await.is_err());
    }

    #[tokio::test]
    async fn peer_that_stops_reading_makes_sends_time_out_and_breaks_the_link() {
        let (t0, s1) = raw_pair(TlsOptions {
            timeout: Some(Duration::from_millis(300)),
            ..quick()
        })
        .await;
        // Party 1 never reads: socket buffers fill and the write cannot finish.
        let e = t0.send(1, A, vec![1u8; 64 << 20]).await.unwrap_err();
        assert!(matches!(e, NetError::Timeout { peer: 1 }), "{e:?}");
        // The partial frame makes the link unusable.
        assert!(matches!(
            t0.send(1, A, vec![]).await,
            Err(NetError::Timeout { peer: 1 })
        ));
        drop(s1);
    }

    #[tokio::test]
    async fn close_times_out_on_a_peer_that_stays() {
        let opts = TlsOptions {
            connect_timeout: Duration::from_millis(300),
            ..quick()
        };
        let (t0, _s1) = raw_pair(opts).await;
        assert!(matches!(
            t0.close().await,
            Err(NetError::Timeout { peer: 1 })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(10_000))]

        /// The socket reader's frame decoding (not just the pure codec) never panics on random
        /// or truncated input: it returns a frame or an error, and truncation is a disconnect.
        #[test]
        fn socket_reader_never_panics(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            valid_len in 0usize..40,
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
            rt.block_on(async {
                let mut r: &[u8] = &bytes;
                let _ = read_frame(&mut r, 1, 64, Some(Duration::from_secs(1))).await;
                // A valid frame cut short anywhere after its first byte: PeerDisconnected.
                let mut frame = header(u32::try_from(28 + valid_len).unwrap(), A, 0).to_vec();
                frame.extend(std::iter::repeat_n(7u8, valid_len));
                let c = 1 + cut.index(frame.len() - 1);
                let mut r: &[u8] = &frame[..c];
                let got = read_frame(&mut r, 1, 64, Some(Duration::from_secs(1))).await;
                let disconnected = matches!(got, Err(NetError::PeerDisconnected { peer: 1 }));
                proptest::prop_assert!(disconnected, "{:?}", got);
                let mut r: &[u8] = &frame;
                let (h, p) = read_frame(&mut r, 1, 64, None).await.unwrap();
                proptest::prop_assert_eq!(h.payload_len, valid_len);
                proptest::prop_assert_eq!(p, vec![7u8; valid_len]);
                Ok(())
            })?;
        }
    }

    #[tokio::test]
    async fn flooding_peer_overflows_the_queue() {
        let (t0, mut s1) = raw_pair(TlsOptions {
            max_queued: 1500,
            ..quick()
        })
        .await;
        // A frame received in time frees its budget; one that cannot fit fails the link.
        s1.write_all(&header(28 + 1000, A, 0)).await.unwrap();
        s1.write_all(&[0u8; 1000]).await.unwrap();
        s1.flush().await.unwrap();
        assert_eq!(t0.recv(1, A).await.unwrap(), vec![0u8; 1000]);
        s1.write_all(&header(28 + 1500, A, 1)).await.unwrap();
        s1.write_all(&[0u8; 1500]).await.unwrap();
        s1.flush().await.unwrap();
        let e = t0.recv(1, A).await.unwrap_err();
        assert!(
            matches!(e, NetError::QueueOverflow { peer: 1, max: 1500 }),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn handshake_frame_after_handshake_is_malformed() {
        let (t0, mut s1) = raw_pair(quick()).await;
        let mut h = header(28, A, 0);
        h[5] = FrameKind::Hello as u8;
        s1.write_all(&h).await.unwrap();
        s1.flush().await.unwrap();
        assert!(matches!(
            t0.recv(1, A).await,
            Err(NetError::MalformedFrame {
                peer: 1,
                reason: "handshake frame after the handshake"
            })
        ));
    }

    #[tokio::test]
    async fn raw_frames_are_checked_for_step_sequence_and_session() {
        let (t0, mut s1) = raw_pair(quick()).await;
        // A good frame, then one with a skipped sequence number.
        s1.write_all(&header(28, A, 0)).await.unwrap();
        s1.write_all(&header(28, A, 2)).await.unwrap();
        s1.flush().await.unwrap();
        assert_eq!(t0.recv(1, A).await.unwrap(), Vec::<u8>::new());
        assert!(matches!(
            t0.recv(1, A).await,
            Err(NetError::OutOfSequence {
                peer: 1,
                expected: 1,
                got: 2,
                ..
            })
        ));
        let c = t0.channel(1);
        let mut h = header(28, Step::new(5), 0);
        h[6] = 1; // channel 1
        s1.write_all(&h).await.unwrap();
        s1.flush().await.unwrap();
        assert!(matches!(
            c.recv(1, A).await,
            Err(NetError::UnexpectedStep {
                peer: 1,
                channel: 1,
                ..
            })
        ));
        let c2 = t0.channel(2);
        let mut h = header(28, A, 0);
        h[6] = 2;
        h[8] ^= 1; // session 77 -> 76
        s1.write_all(&h).await.unwrap();
        s1.flush().await.unwrap();
        assert!(matches!(
            c2.recv(1, A).await,
            Err(NetError::WrongSession {
                peer: 1,
                expected: 77,
                got: 76
            })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn loopback_mesh_connects_every_party_in_order() {
        let mesh = TlsTransport::loopback_mesh(3, 77, TlsOptions::default())
            .await
            .unwrap();
        assert_eq!(mesh.len(), 3);
        let tasks: Vec<_> = mesh
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                assert_eq!(t.id(), i);
                assert_eq!(t.session(), 77);
                tokio::spawn(async move { t.exchange_all(A, vec![i as u8]).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(
                task.await.unwrap().unwrap(),
                vec![vec![0], vec![1], vec![2]]
            );
        }
    }
}
