//! A model kept in shares, saved by each party to its own file, for a later secure
//! inference (`spdz predict --model-shares`) that never reveals it.
//!
//! A party's file holds exactly what that party held at the end of training: its shares of
//! the weights and their MAC shares, its MAC-key share `α_i` (the later session's
//! preprocessing is made under the same key shares, `spdz_offline::generate_under_key`, so
//! the MACs stay valid), and the model's public description (feature names, classes, the
//! public standardisation, the weights' scale). Nothing of another party.
//!
//! **Bound to the session.** Every party's file carries the same [`model_id`], derived from
//! the training run's session digest and MASCOT's coin-tossed session id; the parties of a
//! later session compare it (with the model's shape) before any preprocessing, so files of
//! two trainings cannot be mixed.
//!
//! **Integrity-tagged.** The file ends with SHA-256 over everything before it (domain
//! separated). The tag finds a corrupted or truncated file before anything is sent. It is
//! not a defence against the file's own holder, who can read and rewrite the file: a holder
//! that changes its shares is caught by the MAC check of the next session, because the
//! other parties' MAC shares are under a key it does not know.
//!
//! **Spent after an abort.** A session that aborts may have shown a cheater the global MAC
//! key; every honest party then overwrites its file with a spent record ([`mark_spent`]),
//! and a spent file is refused from then on.
//!
//! Layout (little-endian): magic `SPDZMSH1`, version `u32`, party `u32`, parties `u32`,
//! model id (32 bytes), weight fractional bits `u32`, classes `u32`, features `u32`, then per
//! feature its name (`u32` length, at most [`MAX_NAME`] bytes of UTF-8), the means and
//! deviations (`f64` each), `α_i` (16 bytes), the number of weights `u32`
//! (`outputs · (features + 1)`), the value shares and the MAC shares (16 bytes each), and the
//! tag (32 bytes). A spent record is the magic `SPDZMSPT` and the model id.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use spdz_field::{Field, Fp};
use spdz_net::PartyId;
use spdz_offline::MacKeyShare;
use spdz_online::Shared;
use zeroize::Zeroize;

use crate::inference::outputs;
use crate::plain::Standardizer;

const MAGIC: &[u8; 8] = b"SPDZMSH1";
const SPENT: &[u8; 8] = b"SPDZMSPT";
const VERSION: u32 = 1;
const TAG_DOMAIN: &[u8] = b"spdz model shares tag v1";
/// Longest feature name accepted.
pub const MAX_NAME: usize = 4096;
/// Most features accepted.
pub const MAX_FEATURES: usize = 1 << 20;
/// Most classes accepted.
pub const MAX_CLASSES: usize = 1000;

/// What can be wrong with a share file.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ShareFileError {
    /// The operating system refused a read or write.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not a share file, a corrupted or truncated one, or one whose fields do not fit.
    #[error("{path}: not a valid model share file ({what})")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What did not fit.
        what: &'static str,
    },
    /// The file was marked spent after an aborted session.
    #[error(
        "{path}: spent (a session that used it aborted, so its MAC key may be known to a cheater)"
    )]
    Spent {
        /// The file.
        path: PathBuf,
    },
    /// A file is already there (share files are never overwritten).
    #[error("{path}: exists (share files are never overwritten)")]
    Exists {
        /// The file.
        path: PathBuf,
    },
}

/// The id binding every party's file of one trained model: SHA-256 over the training
/// session's digest ([`crate::secure::session_digest`]) and MASCOT's session id of that run
/// (a coin toss, fresh per run).
#[must_use]
pub fn model_id(session_digest: &[u8; 32], offline_session: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz model id v1");
    h.update(session_digest);
    h.update(offline_session);
    h.finalize().into()
}

/// One party's part of a model kept in shares. `Debug` shows only public fields; the shares
/// and the key share are wiped on drop.
pub struct ModelShares {
    /// This party's id.
    pub party: PartyId,
    /// Number of parties.
    pub parties: usize,
    /// The model's id ([`model_id`]; the same in every party's file).
    pub model_id: [u8; 32],
    /// Feature names, in the model's order.
    pub features: Vec<String>,
    /// Number of classes.
    pub classes: usize,
    /// The public standardisation the records' owner applies before input.
    pub standardizer: Standardizer,
    /// Fractional bits of the weights.
    pub weight_bits: u32,
    key: MacKeyShare<Fp>,
    values: Vec<Fp>,
    macs: Vec<Fp>,
}

impl core::fmt::Debug for ModelShares {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ModelShares")
            .field("party", &self.party)
            .field("parties", &self.parties)
            .field("features", &self.features.len())
            .field("classes", &self.classes)
            .finish_non_exhaustive()
    }
}

impl Drop for ModelShares {
    fn drop(&mut self) {
        for v in self.values.iter_mut().chain(self.macs.iter_mut()) {
            *v = Fp::ZERO;
        }
        core::hint::black_box(&self.values);
        core::hint::black_box(&self.macs);
    }
}

/// The file name of party `party`'s share file in `dir`.
#[must_use]
pub fn file_path(dir: &Path, party: PartyId) -> PathBuf {
    dir.join(format!("model-share-{party}.spdz"))
}

impl ModelShares {
    /// This party's part of a trained model: its shares of the weights, under its MAC-key
    /// share `key` (the one its preprocessing was made under).
    ///
    /// # Errors
    /// [`ShareFileError::Invalid`] (with an empty path) if the sizes do not fit.
    #[allow(clippy::too_many_arguments)] // the fields of the file, each needed
    pub fn new(
        party: PartyId,
        parties: usize,
        model_id: [u8; 32],
        features: Vec<String>,
        classes: usize,
        standardizer: Standardizer,
        weight_bits: u32,
        key: MacKeyShare<Fp>,
        weights: &Shared<Fp>,
    ) -> Result<Self, ShareFileError> {
        let (values, macs) = weights.dangerous_parts();
        let m = Self {
            party,
            parties,
            model_id,
            features,
            classes,
            standardizer,
            weight_bits,
            key,
            values: values.to_vec(),
            macs: macs.to_vec(),
        };
        m.validate().map_err(|what| ShareFileError::Invalid {
            path: PathBuf::new(),
            what,
        })?;
        Ok(m)
    }

    fn validate(&self) -> Result<(), &'static str> {
        let d = self.features.len();
        if self.parties < 2 || self.party >= self.parties {
            return Err("party id");
        }
        if !(2..=MAX_CLASSES).contains(&self.classes) || d == 0 || d > MAX_FEATURES {
            return Err("classes or features");
        }
        if self.features.iter().any(|n| n.len() > MAX_NAME) {
            return Err("feature name too long");
        }
        if self.standardizer.mean.len() != d
            || self.standardizer.std.len() != d
            || self.standardizer.mean.iter().any(|v| !v.is_finite())
            || self
                .standardizer
                .std
                .iter()
                .any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err("standardisation");
        }
        if self.weight_bits == 0 || self.weight_bits > 64 {
            return Err("weight scale");
        }
        if self.values.len() != outputs(self.classes) * (d + 1)
            || self.macs.len() != self.values.len()
        {
            return Err("number of weights");
        }
        Ok(())
    }

    /// This party's MAC-key share, for the preprocessing of the next session.
    #[must_use]
    pub fn key(&self) -> MacKeyShare<Fp> {
        self.key.clone()
    }

    /// This party's shares of the weights (valid under [`ModelShares::key`]).
    ///
    /// # Errors
    /// Never for a validated file (the lengths are checked on read).
    pub fn weights(&self) -> Result<Shared<Fp>, spdz_online::OnlineError> {
        Shared::try_from_parts(self.values.clone(), self.macs.clone())
    }

    fn encode(&self) -> Vec<u8> {
        let d = self.features.len();
        let mut b = Vec::with_capacity(128 + d * 32 + self.values.len() * 32);
        let u32le = |b: &mut Vec<u8>, v: usize| {
            #[allow(clippy::cast_possible_truncation)] // validated below 2^32
            b.extend_from_slice(&(v as u32).to_le_bytes());
        };
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        u32le(&mut b, self.party);
        u32le(&mut b, self.parties);
        b.extend_from_slice(&self.model_id);
        b.extend_from_slice(&self.weight_bits.to_le_bytes());
        u32le(&mut b, self.classes);
        u32le(&mut b, d);
        for n in &self.features {
            u32le(&mut b, n.len());
            b.extend_from_slice(n.as_bytes());
        }
        for v in self.standardizer.mean.iter().chain(&self.standardizer.std) {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let mut key = [0u8; 16];
        self.key.dangerous_value().write_le(&mut key);
        b.extend_from_slice(&key);
        key.zeroize();
        u32le(&mut b, self.values.len());
        let mut e = [0u8; 16];
        for v in self.values.iter().chain(&self.macs) {
            v.write_le(&mut e);
            b.extend_from_slice(&e);
        }
        e.zeroize();
        let tag = tag(&b);
        b.extend_from_slice(&tag);
        b
    }

    fn decode(path: &Path, bytes: &[u8]) -> Result<Self, ShareFileError> {
        let bad = |what| ShareFileError::Invalid {
            path: path.to_path_buf(),
            what,
        };
        if bytes.starts_with(SPENT) {
            return Err(ShareFileError::Spent {
                path: path.to_path_buf(),
            });
        }
        if !bytes.starts_with(MAGIC) {
            return Err(bad("magic"));
        }
        let Some(body_len) = bytes.len().checked_sub(32) else {
            return Err(bad("truncated"));
        };
        let (body, got) = bytes.split_at(body_len);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&tag(body)[..], got)) {
            return Err(bad("integrity tag (corrupted or truncated)"));
        }
        let mut r = Reader { b: body, at: 8 };
        let take_u32 = |r: &mut Reader<'_>| r.u32().ok_or(bad("truncated"));
        if take_u32(&mut r)? != VERSION {
            return Err(bad("version"));
        }
        let party = take_u32(&mut r)? as usize;
        let parties = take_u32(&mut r)? as usize;
        let model_id: [u8; 32] = r
            .take(32)
            .and_then(|s| s.try_into().ok())
            .ok_or(bad("truncated"))?;
        let weight_bits = take_u32(&mut r)?;
        let classes = take_u32(&mut r)? as usize;
        let d = take_u32(&mut r)? as usize;
        if d == 0 || d > MAX_FEATURES || !(2..=MAX_CLASSES).contains(&classes) {
            return Err(bad("classes or features"));
        }
        let mut features = Vec::with_capacity(d);
        for _ in 0..d {
            let len = take_u32(&mut r)? as usize;
            if len > MAX_NAME {
                return Err(bad("feature name too long"));
            }
            let name = r.take(len).ok_or(bad("truncated"))?;
            features
                .push(String::from_utf8(name.to_vec()).map_err(|_| bad("feature name not UTF-8"))?);
        }
        let mut reals = |n: usize| -> Result<Vec<f64>, ShareFileError> {
            (0..n)
                .map(|_| {
                    r.take(8)
                        .and_then(|s| s.try_into().ok())
                        .map(f64::from_le_bytes)
                        .ok_or(bad("truncated"))
                })
                .collect()
        };
        let mean = reals(d)?;
        let std = reals(d)?;
        let key = Fp::read_le(r.take(16).ok_or(bad("truncated"))?).map_err(|_| bad("key"))?;
        let count = take_u32(&mut r)? as usize;
        if count != outputs(classes) * (d + 1) {
            return Err(bad("number of weights"));
        }
        let mut elems = |n: usize| -> Result<Vec<Fp>, ShareFileError> {
            (0..n)
                .map(|_| {
                    r.take(16)
                        .ok_or(bad("truncated"))
                        .and_then(|s| Fp::read_le(s).map_err(|_| bad("field element")))
                })
                .collect()
        };
        let values = elems(count)?;
        let macs = elems(count)?;
        if r.at != body.len() {
            return Err(bad("trailing bytes"));
        }
        let m = Self {
            party,
            parties,
            model_id,
            features,
            classes,
            standardizer: Standardizer { mean, std },
            weight_bits,
            key: MacKeyShare::dangerous_from_value(key),
            values,
            macs,
        };
        m.validate().map_err(bad)?;
        Ok(m)
    }

    /// Writes this party's file `dir/model-share-P.spdz` (creating `dir`; never overwriting):
    /// a temporary file, fsync, rename; readable by its owner only (Unix).
    ///
    /// # Errors
    /// [`ShareFileError::Exists`] if the file is there; [`ShareFileError::Io`].
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ShareFileError> {
        let path = file_path(dir, self.party);
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| ShareFileError::Io { path: p, source }
        };
        fs::create_dir_all(dir).map_err(io(dir))?;
        if path.exists() {
            return Err(ShareFileError::Exists { path });
        }
        let tmp = path.with_extension("spdz.tmp");
        let mut bytes = self.encode();
        let written = (|| {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()
        })();
        bytes.zeroize();
        written.map_err(io(&tmp))?;
        fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(path)
    }

    /// Reads and checks a share file (tag, every length and field element).
    ///
    /// # Errors
    /// [`ShareFileError::Invalid`], [`ShareFileError::Spent`], [`ShareFileError::Io`].
    pub fn read(path: &Path) -> Result<Self, ShareFileError> {
        let mut bytes = fs::read(path).map_err(|source| ShareFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let out = Self::decode(path, &bytes);
        bytes.zeroize();
        out
    }
}

/// Overwrites the share file at `path` with a spent record (after an aborted session): its
/// key share and shares are gone, and reading it gives [`ShareFileError::Spent`].
///
/// # Errors
/// [`ShareFileError::Io`].
pub fn mark_spent(path: &Path, model_id: &[u8; 32]) -> Result<(), ShareFileError> {
    let io = |source| ShareFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = fs::metadata(path).map_err(io)?.len();
    let mut f = fs::OpenOptions::new().write(true).open(path).map_err(io)?;
    // Overwrite every byte in place (the key share included), then cut to the record.
    let zeros = vec![0u8; usize::try_from(len).unwrap_or(0).min(1 << 26)];
    f.write_all(&zeros).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    let mut record = SPENT.to_vec();
    record.extend_from_slice(model_id);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(io)?;
    f.write_all(&record).map_err(io)?;
    f.sync_all().map_err(io)
}

fn tag(body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(TAG_DOMAIN);
    h.update(body);
    h.finalize().into()
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ModelShares {
        let w = Shared::try_from_parts(
            (0..4).map(|i| Fp::from_u64(10 + i)).collect(),
            (0..4).map(|i| Fp::from_u64(20 + i)).collect(),
        )
        .unwrap();
        ModelShares::new(
            1,
            3,
            [7; 32],
            vec!["a".into(), "b".into(), "c".into()],
            2,
            Standardizer {
                mean: vec![0.5, 1.0, -2.0],
                std: vec![1.0, 2.0, 0.25],
            },
            48,
            MacKeyShare::dangerous_from_value(Fp::from_u64(99)),
            &w,
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_no_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let m = sample();
        let path = m.write(dir.path()).unwrap();
        let back = ModelShares::read(&path).unwrap();
        assert_eq!(back.encode(), m.encode());
        assert_eq!(back.key().dangerous_value(), Fp::from_u64(99));
        assert!(matches!(
            m.write(dir.path()),
            Err(ShareFileError::Exists { .. })
        ));
        assert!(!format!("{m:?}").contains("99"));
    }

    /// Every flipped byte and every truncation is refused (the tag, then the lengths), and no
    /// input panics.
    #[test]
    fn every_flipped_byte_and_truncation_is_refused() {
        let m = sample();
        let good = m.encode();
        let p = Path::new("x");
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0x01;
            assert!(ModelShares::decode(p, &b).is_err(), "byte {i}");
            assert!(ModelShares::decode(p, &good[..i]).is_err(), "length {i}");
        }
    }

    /// With a valid tag over wrong fields (as a holder could write), the fields are still
    /// checked and nothing panics.
    #[test]
    fn wrong_fields_under_a_valid_tag_are_refused() {
        let good = sample().encode();
        let body = &good[..good.len() - 32];
        let retag = |mut b: Vec<u8>| {
            let t = tag(&b);
            b.extend_from_slice(&t);
            b
        };
        let p = Path::new("x");
        // party id ≥ parties
        let mut b = body.to_vec();
        b[12..16].copy_from_slice(&5u32.to_le_bytes());
        assert!(ModelShares::decode(p, &retag(b)).is_err());
        // a huge feature count
        let mut b = body.to_vec();
        let at = 8 + 4 + 8 + 32 + 4 + 4;
        b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(ModelShares::decode(p, &retag(b)).is_err());
        // trailing bytes
        let mut b = body.to_vec();
        b.push(0);
        assert!(ModelShares::decode(p, &retag(b)).is_err());
        assert!(ModelShares::decode(p, &retag(body.to_vec())).is_ok());
    }

    #[test]
    fn a_spent_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let m = sample();
        let path = m.write(dir.path()).unwrap();
        mark_spent(&path, &m.model_id).unwrap();
        assert!(matches!(
            ModelShares::read(&path),
            Err(ShareFileError::Spent { .. })
        ));
        assert_eq!(fs::read(&path).unwrap().len(), 40);
    }

    #[test]
    fn model_ids_differ_per_offline_session() {
        assert_ne!(model_id(&[1; 32], &[2; 32]), model_id(&[1; 32], &[3; 32]));
    }
}
