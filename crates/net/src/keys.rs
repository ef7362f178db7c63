//! Party keys and certificates: generation (rcgen, ECDSA P-256) and PEM files.
//!
//! Each party has one key pair and one self-signed certificate whose subject alternative name is
//! `spdz-party-<id>`. Deployments pin certificates: every party's configuration lists every
//! party's certificate, and a peer is accepted only with exactly the pinned certificate of the id
//! it claims (see [`crate::tls`]). The name inside the certificate is informational; the bytes of
//! the certificate are what is compared.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use zeroize::{Zeroize, Zeroizing};

use crate::{NetError, PartyId};

/// A party's certificate and private key.
///
/// `Debug` prints neither (the key is secret; the certificate is long). The key bytes are
/// zeroized on drop (clones made by rustls for its own configuration are rustls' to manage).
pub struct Identity {
    /// The end-entity certificate (DER).
    pub certificate: CertificateDer<'static>,
    /// The private key (DER, PKCS#8).
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            certificate: self.certificate.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Drop for Identity {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").finish_non_exhaustive()
    }
}

/// A freshly generated key pair and certificate in PEM form.
pub struct GeneratedKeys {
    /// The certificate, PEM (`-----BEGIN CERTIFICATE-----`). Public: give it to every party.
    pub certificate_pem: String,
    /// The private key, PEM (`-----BEGIN PRIVATE KEY-----`). Secret: keep it on this party's
    /// host only. Zeroized on drop.
    pub key_pem: Zeroizing<String>,
    /// The same, parsed.
    pub identity: Identity,
}

impl std::fmt::Debug for GeneratedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKeys")
            .field("certificate_pem", &self.certificate_pem)
            .finish_non_exhaustive()
    }
}

/// The DNS name put in party `party`'s certificate.
pub fn party_name(party: PartyId) -> String {
    format!("spdz-party-{party}")
}

/// Generates a fresh ECDSA P-256 key pair and a self-signed certificate for `party`.
///
/// # Errors
/// [`NetError::KeyMaterial`] if rcgen fails.
pub fn keygen(party: PartyId) -> Result<GeneratedKeys, NetError> {
    let ck = rcgen::generate_simple_self_signed(vec![party_name(party)])
        .map_err(|e| NetError::KeyMaterial(format!("certificate generation failed: {e}")))?;
    let mut key_der = ck.signing_key.serialize_der();
    let key = PrivateKeyDer::Pkcs8(key_der.clone().into());
    key_der.zeroize();
    Ok(GeneratedKeys {
        certificate_pem: ck.cert.pem(),
        key_pem: Zeroizing::new(ck.signing_key.serialize_pem()),
        identity: Identity {
            certificate: ck.cert.der().clone(),
            key,
        },
    })
}

/// Generates keys for `party` and writes the certificate and key as PEM files. The key file is
/// created new (an existing file is not overwritten) and, on Unix, readable by its owner only.
///
/// # Errors
/// [`NetError::KeyMaterial`] if generation fails or a file cannot be written (or the key file
/// exists).
pub fn keygen_to_files(party: PartyId, certificate: &Path, key: &Path) -> Result<(), NetError> {
    use std::io::Write;
    let keys = keygen(party)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(key)
        .map_err(|e| NetError::KeyMaterial(format!("cannot create {}: {e}", key.display())))?;
    f.write_all(keys.key_pem.as_bytes())
        .map_err(|e| NetError::KeyMaterial(format!("cannot write {}: {e}", key.display())))?;
    std::fs::write(certificate, keys.certificate_pem.as_bytes()).map_err(|e| {
        NetError::KeyMaterial(format!("cannot write {}: {e}", certificate.display()))
    })?;
    Ok(())
}

/// Parses the first certificate of a PEM document.
///
/// # Errors
/// [`NetError::KeyMaterial`] when there is no valid PEM certificate.
pub fn certificate_from_pem(pem: &[u8]) -> Result<CertificateDer<'static>, NetError> {
    let der = CertificateDer::from_pem_slice(pem)
        .map_err(|e| NetError::KeyMaterial(format!("no PEM certificate: {e}")))?;
    if der.is_empty() {
        return Err(NetError::KeyMaterial("empty PEM certificate".into()));
    }
    Ok(der)
}

/// Parses the first private key of a PEM document.
///
/// # Errors
/// [`NetError::KeyMaterial`] when there is no valid PEM private key (the message never contains
/// key bytes).
pub fn key_from_pem(pem: &[u8]) -> Result<PrivateKeyDer<'static>, NetError> {
    let key = PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| NetError::KeyMaterial(format!("no PEM private key: {e}")))?;
    if key.secret_der().is_empty() {
        return Err(NetError::KeyMaterial("empty PEM private key".into()));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pem_round_trips_and_keys_differ() {
        let a = keygen(0).unwrap();
        let b = keygen(0).unwrap();
        assert_eq!(
            certificate_from_pem(a.certificate_pem.as_bytes()).unwrap(),
            a.identity.certificate
        );
        assert_eq!(
            key_from_pem(a.key_pem.as_bytes()).unwrap().secret_der(),
            a.identity.key.secret_der()
        );
        assert_ne!(a.identity.certificate, b.identity.certificate);
        assert!(!format!("{:?}", a.identity).contains("PRIVATE"));
        assert!(!format!("{a:?}").contains("PRIVATE KEY"));
        assert!(certificate_from_pem(a.key_pem.as_bytes()).is_err());
        assert!(key_from_pem(b"garbage").is_err());
    }

    #[test]
    fn files_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("p.crt"), dir.path().join("p.key"));
        keygen_to_files(3, &c, &k).unwrap();
        let cert = certificate_from_pem(&std::fs::read(&c).unwrap()).unwrap();
        assert!(!cert.is_empty());
        key_from_pem(&std::fs::read(&k).unwrap()).unwrap();
        assert!(matches!(
            keygen_to_files(3, &c, &k),
            Err(NetError::KeyMaterial(_))
        ));
    }

    /// Found by the `net_pem` fuzz target: an empty PEM block decoded to empty DER.
    #[test]
    fn empty_pem_blocks_are_refused() {
        let cert = b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            certificate_from_pem(cert),
            Err(NetError::KeyMaterial(_))
        ));
        let key = b"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n";
        assert!(matches!(key_from_pem(key), Err(NetError::KeyMaterial(_))));
    }
}
