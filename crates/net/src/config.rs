//! The deployment configuration file (TOML).
//!
//! ```toml
//! # What party 0 needs. Every party's file lists the same parties; `me` and `key` differ.
//! me = 0
//! key = "party0.key"            # this party's private key (PEM); keep it on this host only
//! session = 1                   # optional (default 0): same value at every party, fresh per run
//! listen = "0.0.0.0:7000"       # optional: bind here instead of party[me].address
//!
//! [options]                     # optional
//! connect_timeout_secs = 30     # connection setup, dialing with retries and waiting for dialers
//! timeout_secs = 120            # per receive / per frame; omit to wait forever
//! max_frame_bytes = 268435456   # largest accepted payload
//! max_queued_bytes = 4294967296 # bytes from one peer that may wait unreceived
//!
//! [[party]]
//! id = 0
//! address = "10.0.0.1:7000"     # host:port
//! certificate = "party0.crt"    # that party's certificate (PEM), pinned
//!
//! [[party]]
//! id = 1
//! address = "10.0.0.2:7000"
//! certificate = "party1.crt"
//! ```
//!
//! Relative paths are relative to the directory of the configuration file. Every error is a
//! [`NetError::Config`] whose `field` names the offending field (`party[2].address`, `key`, ...).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::frame::{ABSOLUTE_MAX_FRAME, DEFAULT_MAX_FRAME, DEFAULT_MAX_QUEUED};
use crate::keys::{Identity, certificate_from_pem, key_from_pem};
use crate::tls::{PeerInfo, TlsOptions, TlsSetup};
use crate::{NetError, PartyId};

/// One party of the deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyConfig {
    /// Party id, `0..n`.
    pub id: PartyId,
    /// `host:port` the party listens on.
    pub address: String,
    /// Path of the party's certificate (PEM).
    pub certificate: PathBuf,
}

/// Timeouts and limits (all optional in the file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptionsConfig {
    /// Connection setup timeout in seconds.
    pub connect_timeout_secs: u64,
    /// Receive / frame timeout in seconds; `None` waits forever.
    pub timeout_secs: Option<u64>,
    /// Maximum payload of one frame in bytes.
    pub max_frame_bytes: usize,
    /// Bytes from one peer that may wait unreceived.
    pub max_queued_bytes: u64,
}

impl Default for OptionsConfig {
    fn default() -> Self {
        OptionsConfig {
            connect_timeout_secs: 30,
            timeout_secs: Some(120),
            max_frame_bytes: DEFAULT_MAX_FRAME,
            max_queued_bytes: DEFAULT_MAX_QUEUED,
        }
    }
}

/// A party's view of the deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    /// This party's id.
    pub me: PartyId,
    /// Path of this party's private key (PEM).
    pub key: PathBuf,
    /// Session id shared by all parties of one computation.
    #[serde(default)]
    pub session: u64,
    /// Address to bind, if not `party[me].address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Timeouts and limits.
    #[serde(default)]
    pub options: OptionsConfig,
    /// All parties (TOML `[[party]]` tables).
    #[serde(rename = "party")]
    pub parties: Vec<PartyConfig>,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> NetError {
    NetError::Config {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Checks `host:port` syntax (port 1..=65535, non-empty host; `[v6]:port` allowed).
fn check_address(field: &str, address: &str) -> Result<(), NetError> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| err(field, format!("{address:?} is not host:port")))?;
    match port.parse::<u16>() {
        Ok(p) if p > 0 => {}
        _ => {
            return Err(err(
                field,
                format!("{port:?} is not a port number 1..=65535"),
            ));
        }
    }
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty()
        || host.contains(char::is_whitespace)
        || (host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err())
    {
        return Err(err(
            field,
            format!("{host:?} is not a host name or IP address"),
        ));
    }
    Ok(())
}

impl DeploymentConfig {
    /// Parses and validates a configuration (file paths are not read; see
    /// [`DeploymentConfig::to_setup`]).
    ///
    /// # Errors
    /// [`NetError::Config`] naming the field: TOML syntax or unknown/missing fields (`toml`),
    /// duplicate or out-of-range ids (`party[i].id`), bad addresses, `me` not a party, bad
    /// options.
    pub fn from_toml(text: &str) -> Result<Self, NetError> {
        let config: DeploymentConfig =
            toml::from_str(text).map_err(|e| err("toml", e.message().to_owned()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a configuration file; relative paths in it become relative
    /// to the file's directory.
    ///
    /// # Errors
    /// As [`DeploymentConfig::from_toml`]; `file` when the file cannot be read.
    pub fn load(path: &Path) -> Result<Self, NetError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err("file", format!("cannot read {}: {e}", path.display())))?;
        let mut config = Self::from_toml(&text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.key = base.join(&config.key);
        for p in &mut config.parties {
            p.certificate = base.join(&p.certificate);
        }
        Ok(config)
    }

    /// The configuration as TOML.
    ///
    /// # Errors
    /// `toml` if serialisation fails.
    pub fn to_toml(&self) -> Result<String, NetError> {
        toml::to_string(self).map_err(|e| err("toml", e.to_string()))
    }

    /// Checks everything that does not need the files.
    ///
    /// # Errors
    /// [`NetError::Config`] naming the first offending field.
    pub fn validate(&self) -> Result<(), NetError> {
        let n = self.parties.len();
        if n < 2 {
            return Err(err("party", format!("need at least 2 parties, found {n}")));
        }
        let mut seen: Vec<Option<usize>> = vec![None; n];
        for (i, p) in self.parties.iter().enumerate() {
            let field = format!("party[{i}].id");
            let slot = seen.get_mut(p.id).ok_or_else(|| {
                err(
                    &field,
                    format!("id {} is out of range: ids must be 0..{n}", p.id),
                )
            })?;
            if let Some(j) = *slot {
                return Err(err(
                    field,
                    format!("duplicate id {} (also party[{j}])", p.id),
                ));
            }
            *slot = Some(i);
            check_address(&format!("party[{i}].address"), &p.address)?;
            if p.certificate.as_os_str().is_empty() {
                return Err(err(format!("party[{i}].certificate"), "empty path"));
            }
        }
        if self.me >= n {
            return Err(err(
                "me",
                format!("{} is not one of the party ids 0..{n}", self.me),
            ));
        }
        if self.key.as_os_str().is_empty() {
            return Err(err("key", "empty path"));
        }
        if let Some(l) = &self.listen {
            check_address("listen", l)?;
        }
        let o = &self.options;
        if o.connect_timeout_secs == 0 {
            return Err(err("options.connect_timeout_secs", "must be at least 1"));
        }
        if o.timeout_secs == Some(0) {
            return Err(err(
                "options.timeout_secs",
                "must be at least 1 (omit it to wait forever)",
            ));
        }
        if o.max_frame_bytes == 0 || o.max_frame_bytes > ABSOLUTE_MAX_FRAME {
            return Err(err(
                "options.max_frame_bytes",
                format!("must be in 1..={ABSOLUTE_MAX_FRAME}"),
            ));
        }
        if o.max_queued_bytes < (o.max_frame_bytes as u64).saturating_add(32) {
            return Err(err(
                "options.max_queued_bytes",
                "must be at least max_frame_bytes + 32 (one whole frame)",
            ));
        }
        Ok(())
    }

    /// Reads the certificate and key files and builds the [`TlsSetup`].
    ///
    /// # Errors
    /// [`NetError::Config`]: `party[i].certificate` or `key` when a file is missing or not PEM,
    /// `key` when it does not belong to this party's certificate, and anything
    /// [`DeploymentConfig::validate`] reports.
    pub fn to_setup(&self) -> Result<TlsSetup, NetError> {
        self.validate()?;
        let mut parties = self.parties.clone();
        parties.sort_by_key(|p| p.id);
        let mut infos = Vec::with_capacity(parties.len());
        for p in &parties {
            // Index in the file, for the error message.
            let i = self
                .parties
                .iter()
                .position(|q| q.id == p.id)
                .unwrap_or(p.id);
            let field = format!("party[{i}].certificate");
            let pem = std::fs::read(&p.certificate).map_err(|e| {
                err(
                    &field,
                    format!("cannot read {}: {e}", p.certificate.display()),
                )
            })?;
            let certificate = certificate_from_pem(&pem)
                .map_err(|e| err(&field, format!("{}: {e}", p.certificate.display())))?;
            if let Some(j) = infos
                .iter()
                .position(|q: &PeerInfo| q.certificate == certificate)
            {
                return Err(err(field, format!("same certificate as party {j}")));
            }
            infos.push(PeerInfo {
                address: p.address.clone(),
                certificate,
            });
        }
        let pem = zeroize::Zeroizing::new(
            std::fs::read(&self.key)
                .map_err(|e| err("key", format!("cannot read {}: {e}", self.key.display())))?,
        );
        let key =
            key_from_pem(&pem).map_err(|e| err("key", format!("{}: {e}", self.key.display())))?;
        let certificate = infos[self.me].certificate.clone();
        let provider = rustls::crypto::ring::default_provider();
        rustls::sign::CertifiedKey::from_der(vec![certificate.clone()], key.clone_key(), &provider)
            .map_err(|e| {
                err(
                    "key",
                    format!("does not match party {}'s certificate: {e}", self.me),
                )
            })?;
        let o = &self.options;
        Ok(TlsSetup {
            me: self.me,
            session: self.session,
            parties: infos,
            identity: Identity { certificate, key },
            options: TlsOptions {
                connect_timeout: Duration::from_secs(o.connect_timeout_secs),
                timeout: o.timeout_secs.map(Duration::from_secs),
                max_frame: o.max_frame_bytes,
                max_queued: o.max_queued_bytes,
                listen: self.listen.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::keygen_to_files;

    fn write_keys(dir: &Path, n: usize) {
        for i in 0..n {
            keygen_to_files(
                i,
                &dir.join(format!("p{i}.crt")),
                &dir.join(format!("p{i}.key")),
            )
            .unwrap();
        }
    }

    fn text(me: usize, n: usize) -> String {
        let mut s = format!("me = {me}\nkey = \"p{me}.key\"\nsession = 9\n");
        for i in 0..n {
            s += &format!(
                "\n[[party]]\nid = {i}\naddress = \"127.0.0.1:{}\"\ncertificate = \"p{i}.crt\"\n",
                7000 + i
            );
        }
        s
    }

    fn field_of(e: NetError) -> String {
        match e {
            NetError::Config { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_good_file_loads_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        write_keys(dir.path(), 3);
        let path = dir.path().join("deploy.toml");
        std::fs::write(&path, text(1, 3)).unwrap();
        let c = DeploymentConfig::load(&path).unwrap();
        assert_eq!(c.me, 1);
        assert_eq!(c.session, 9);
        assert_eq!(c.options, OptionsConfig::default());
        let setup = c.to_setup().unwrap();
        assert_eq!(setup.parties.len(), 3);
        assert_eq!(setup.parties[2].address, "127.0.0.1:7002");
        assert_eq!(setup.identity.certificate, setup.parties[1].certificate);
        let again = DeploymentConfig::from_toml(&c.to_toml().unwrap()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn each_invalid_field_is_named() {
        let good = text(0, 3);
        let cases: Vec<(String, &str)> = vec![
            (good.replace("id = 2", "id = 1"), "party[2].id"),
            (good.replace("id = 2", "id = 5"), "party[2].id"),
            (
                good.replace("127.0.0.1:7001", "127.0.0.1"),
                "party[1].address",
            ),
            (
                good.replace("127.0.0.1:7001", "127.0.0.1:99999"),
                "party[1].address",
            ),
            (good.replace("127.0.0.1:7001", ":7001"), "party[1].address"),
            (good.replace("me = 0", "me = 3"), "me"),
            (good.replace("key = \"p0.key\"\n", ""), "toml"),
            (
                good.replace("session = 9", "session = 9\ncolour = 1"),
                "toml",
            ),
            (
                good.replace("session = 9", "listen = \"nowhere\""),
                "listen",
            ),
            (good.replace("session = 9", "session = -1"), "toml"),
            (
                format!("{good}\n[options]\ntimeout_secs = 0\n"),
                "options.timeout_secs",
            ),
            (
                format!("{good}\n[options]\nmax_queued_bytes = 1000\n"),
                "options.max_queued_bytes",
            ),
            (
                format!("{good}\n[options]\nmax_frame_bytes = 0\n"),
                "options.max_frame_bytes",
            ),
            (
                format!("{good}\n[options]\nconnect_timeout_secs = 0\n"),
                "options.connect_timeout_secs",
            ),
            (
                "me = 0\nkey = \"k\"\n[[party]]\nid = 0\naddress = \"a:1\"\ncertificate = \"c\"\n"
                    .to_owned(),
                "party",
            ),
        ];
        for (t, field) in cases {
            let e = DeploymentConfig::from_toml(&t).unwrap_err();
            assert_eq!(field_of(e), field, "{t}");
        }
    }

    #[test]
    fn missing_or_wrong_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        write_keys(dir.path(), 2);
        let path = dir.path().join("deploy.toml");
        let load = |t: String| {
            std::fs::write(&path, t).unwrap();
            DeploymentConfig::load(&path)
                .unwrap()
                .to_setup()
                .unwrap_err()
        };
        assert_eq!(
            field_of(load(text(0, 2).replace("p1.crt", "nope.crt"))),
            "party[1].certificate"
        );
        assert_eq!(
            field_of(load(text(0, 2).replace("p1.crt", "p1.key"))),
            "party[1].certificate"
        );
        assert_eq!(
            field_of(load(text(0, 2).replace("p1.crt", "p0.crt"))),
            "party[1].certificate"
        );
        assert_eq!(
            field_of(load(text(0, 2).replace("p0.key", "nope.key"))),
            "key"
        );
        assert_eq!(
            field_of(load(text(0, 2).replace("p0.key", "p1.key"))),
            "key"
        );
        assert_eq!(
            field_of(load(text(0, 2).replace("p0.key", "p0.crt"))),
            "key"
        );
        assert!(matches!(
            DeploymentConfig::load(&dir.path().join("absent.toml")),
            Err(NetError::Config { field, .. }) if field == "file"
        ));
    }
}
