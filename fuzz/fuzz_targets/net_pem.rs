//! spdz-net key-material files: `keys::certificate_from_pem` and `keys::key_from_pem` on
//! arbitrary bytes (the certificate and key files a deployment configuration points to).
//!
//! Checks: no panic. (An empty PEM block, e.g. `-----BEGIN PRIVATE KEY-----` directly followed
//! by its END line, parses as empty DER: not a crash, it is rejected later when the TLS
//! configuration is built, so empty DER is allowed here; see README.md.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use spdz_net::keys::{certificate_from_pem, key_from_pem};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = certificate_from_pem(data) {
        assert!(cert.len() <= data.len());
    }
    if let Ok(key) = key_from_pem(data) {
        assert!(key.secret_der().len() <= data.len());
    }
});
