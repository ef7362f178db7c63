//! The on-disk store of one party's preprocessing, and a [`Preprocessing`] source reading it
//! that never hands material out twice, also across crashes.
//!
//! # File format (version 1), all integers little-endian
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `SPDZPREP` |
//! | 8 | 2 | format version (1) |
//! | 10 | 2 | element size in bytes E (`Field::BYTES`, 16 for F_p) |
//! | 12 | 2 | length L of the field name |
//! | 14 | L | field name (`Field::NAME`, UTF-8) |
//! | 14+L | 4 | number of parties n |
//! | 18+L | 4 | party id |
//! | 22+L | 32 | session id (a coin toss of the generating run, the same at every party) |
//! | 54+L | 32 | key fingerprint: SHA-256("spdz-offline/store/key-fingerprint/v1" ‖ α_i) |
//! | 86+L | 8 | T: triples |
//! | 94+L | 8 | S: square pairs |
//! | 102+L | 8 | B: bits |
//! | 110+L | 8·n | M_0..M_{n−1}: input masks per owner |
//! | H = 110+L+8n | | body: E-byte canonical elements, in this order: α_i; a values, a MACs, b values, b MACs, c values, c MACs (T each); a, a² values and MACs (S each); bit values, MACs (B); for every owner j: mask values, MACs (M_j); the clear masks of this party (M_party) |
//! | end − 32 | 32 | tag: HMAC-SHA256(K, everything before), K = SHA-256("spdz-offline/store/tag-key/v1" ‖ α_i) |
//!
//! **Why this tag is sound for the threat it meets.** The file holds α_i (the online phase needs
//! it), so no tag stops someone who can *read* the file: file permissions (0600 on Unix) are
//! the control there — and even such a party cannot forge authenticated values, because a
//! forged share needs a MAC under the global α, which the online MAC check verifies. The tag
//! meets the other threats: accidental corruption and truncation (as any hash would), and
//! edits or swaps by someone who can write but not read the file (they cannot compute K).
//! HMAC rather than SHA-256(K ‖ m) avoids length extension.
//!
//! # Consumption watermark
//!
//! Next to the file, `<file>.used` records how many of each kind have been handed out:
//! magic `SPDZUSED`, version, the file's tag (binding the watermark to this file), the counts
//! (u64 each: triples, squares, bits, masks per owner) and a SHA-256 checksum of all that.
//! [`FileStore`] writes the new watermark — to a temporary file, fsync, rename, fsync of the
//! directory — *before* it returns material. A crash after the write and before the use loses
//! that material (never reuses it); a torn write is detected by the checksum.
//!
//! # Spent stores
//!
//! After an abort a cheater may know the global MAC key α (a failed Π_MACCheck reveals
//! Σ_honest α_i·δ), so the store must never be used again. [`Preprocessing::mark_spent`] on a
//! [`FileStore`] wipes the memory copy, replaces the watermark by a *spent watermark* (magic
//! `SPDZSPNT`, version, the file's tag, SHA-256 of those) and overwrites the file in place
//! with zeros and then a *spent record*: magic `SPDZSPNT`, version, E, L, field name, n, party,
//! session, key fingerprint, the old tag, and a SHA-256 of all that — no key and no material.
//! Either record alone makes [`FileStore::open`] and [`verify`] return [`StoreError::Spent`].
//!
//! # Writing over a store
//!
//! [`write()`] with [`WriteMode::CreateNew`] refuses an existing file or watermark: replacing a
//! store resets its watermark and could re-issue used material. [`WriteMode::Replace`] is the
//! explicit choice (`spdz triples --out DIR --force`).
//!
//! The layout is pinned in `papers/mascot.md` ("Store format") for independent readers.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use spdz_field::Field;
use spdz_net::PartyId;

use crate::OfflineError;
use crate::preprocessing::{MemoryPreprocessing, Preprocessing, Used};
use crate::shares::{AuthShares, InputMasks, MacKeyShare, Triples};

const MAGIC: &[u8; 8] = b"SPDZPREP";
const USED_MAGIC: &[u8; 8] = b"SPDZUSED";
/// Magic of a spent store file and of a spent watermark (see "Spent stores" above).
const SPENT_MAGIC: &[u8; 8] = b"SPDZSPNT";
const VERSION: u16 = 1;
const TAG_BYTES: usize = 32;

/// A 32-byte session id: identifies one generating run, the same at every party.
pub type SessionId = [u8; 32];

/// What can go wrong with a store file. Each way a file can be wrong has its own variant.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The operating system refused a read or write.
    #[error("store I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is shorter than its header says (or than a header).
    #[error("store file is truncated: {len} bytes, {expected} expected")]
    Truncated {
        /// Actual length.
        len: u64,
        /// Length the header implies (or the minimum header length).
        expected: u64,
    },
    /// The file is longer than its header says.
    #[error("store file has {extra} trailing bytes")]
    TrailingBytes {
        /// Bytes after the tag.
        extra: u64,
    },
    /// Not a store file.
    #[error("not a preprocessing store file (bad magic)")]
    BadMagic,
    /// A format version this code does not read.
    #[error("unsupported store format version {0}")]
    UnsupportedVersion(u16),
    /// The file holds elements of another field.
    #[error("store file is for field {found:?}, expected {expected:?}")]
    WrongField {
        /// Field of this code.
        expected: &'static str,
        /// Field named in the file.
        found: String,
    },
    /// The file belongs to another party.
    #[error("store file belongs to party {found}, expected party {expected}")]
    WrongParty {
        /// Party asked for.
        expected: PartyId,
        /// Party in the file.
        found: u64,
    },
    /// The file belongs to another session.
    #[error("store file belongs to another session")]
    WrongSession,
    /// The integrity tag does not match: the file was altered (a flipped bit, an edit).
    #[error("store file integrity tag mismatch (altered or corrupted)")]
    TagMismatch,
    /// The key fingerprint in the header does not match the key in the body.
    #[error("store file key fingerprint mismatch")]
    KeyMismatch,
    /// A header field is impossible (too many parties, counts that overflow).
    #[error("store file header field {0} is invalid")]
    BadHeader(&'static str),
    /// The consumption watermark is unreadable, belongs to another file, or claims more than
    /// the file holds.
    #[error("store consumption watermark is corrupt or belongs to another file")]
    BadWatermark,
    /// The store was marked spent after an abort ([`crate::Preprocessing::mark_spent`]): its
    /// MAC-key share and material were erased, and it is refused for good. After a failed
    /// check a cheater may have learned the global MAC key α, so nothing made with it may be
    /// used again; run the offline phase anew.
    #[error(
        "store {path} was marked spent after an abort (the MAC key may be known to a cheater); \
         it is never used again: generate fresh preprocessing"
    )]
    Spent {
        /// The store file.
        path: PathBuf,
    },
    /// [`write()`] in [`WriteMode::CreateNew`] found a store file or watermark already there.
    #[error("{path} already exists; refusing to overwrite a store (replace it explicitly)")]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
}

/// Whether [`write()`] may replace an existing store of the same party in the same folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Refuse ([`StoreError::Exists`]) if the store file or its watermark exists.
    CreateNew,
    /// Replace the file and delete its old watermark (`spdz triples --out DIR --force`). The
    /// old material is gone; the caller must make sure no party still uses it.
    Replace,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// SHA-256 fingerprint of a MAC-key share, domain separated. Never the key itself.
pub fn key_fingerprint<F: Field>(key: &MacKeyShare<F>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-offline/store/key-fingerprint/v1");
    h.update(F::encode_slice(&[key.dangerous_value()]));
    h.finalize().into()
}

fn hmac(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    zeroize::Zeroize::zeroize(&mut k);
    outer.finalize().into()
}

fn tag_key<F: Field>(key: &MacKeyShare<F>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"spdz-offline/store/tag-key/v1");
    h.update(F::encode_slice(&[key.dangerous_value()]));
    h.finalize().into()
}

fn fsync_dir(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        // Directories can be opened for fsync on Unix; elsewhere this is best effort.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    {
        let mut opts = OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io(path))?;
    fsync_dir(path)
}

/// The path of the store file of `party` in `dir`.
pub fn file_path(dir: &Path, party: PartyId) -> PathBuf {
    dir.join(format!("party-{party}.spdzprep"))
}

fn watermark_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".used");
    PathBuf::from(p)
}

/// The fields every store file (live or spent) starts with: magic, version, element size,
/// field name, n, party, session, key fingerprint.
fn header_prefix<F: Field>(
    magic: &[u8; 8],
    parties: usize,
    party: PartyId,
    session: &SessionId,
    fingerprint: &[u8; 32],
) -> Vec<u8> {
    let mut buf = Vec::new();
    buf.extend_from_slice(magic);
    buf.extend_from_slice(&VERSION.to_le_bytes());
    let name = F::NAME.as_bytes();
    #[allow(clippy::cast_possible_truncation)] // element sizes and names are small constants
    {
        buf.extend_from_slice(&(F::BYTES as u16).to_le_bytes());
        buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
    }
    buf.extend_from_slice(name);
    #[allow(clippy::cast_possible_truncation)] // party counts are small (≤ 2^16, checked)
    {
        buf.extend_from_slice(&(parties as u32).to_le_bytes());
        buf.extend_from_slice(&(party as u32).to_le_bytes());
    }
    buf.extend_from_slice(session);
    buf.extend_from_slice(fingerprint);
    buf
}

/// Writes the material `pre` has not handed out yet to `dir`, as the file of its party, with
/// `session` (from [`crate::Report::session`]).
///
/// With [`WriteMode::CreateNew`] an existing file or watermark of that party is an error:
/// replacing it would reset the watermark and could hand out material that was already used.
/// With [`WriteMode::Replace`] the file is replaced and its old watermark deleted.
///
/// # Errors
///
/// [`StoreError::Exists`] (mode `CreateNew`), [`StoreError::Spent`] if `pre` was marked spent,
/// [`StoreError::Io`] if the file cannot be written.
pub fn write<F: Field>(
    dir: &Path,
    pre: &MemoryPreprocessing<F>,
    session: &SessionId,
    mode: WriteMode,
) -> Result<PathBuf, StoreError> {
    let path = file_path(dir, pre.party);
    if pre.is_spent() {
        return Err(StoreError::Spent { path });
    }
    if mode == WriteMode::CreateNew {
        for p in [path.clone(), watermark_path(&path)] {
            // `symlink_metadata`: a dangling link counts as existing too.
            if fs::symlink_metadata(&p).is_ok() {
                return Err(StoreError::Exists { path: p });
            }
        }
    }
    let (triples, squares, bits, masks) = pre.parts();
    let used = pre.used();
    let n = pre.parties;
    let t0 = used.triples;
    let s0 = used.squares;
    let b0 = used.bits;
    let mut buf = header_prefix::<F>(MAGIC, n, pre.party, session, &key_fingerprint(&pre.key));
    let counts = [triples.len() - t0, squares.0.len() - s0, bits.len() - b0];
    for c in counts {
        buf.extend_from_slice(&(c as u64).to_le_bytes());
    }
    for (owner, m) in masks.iter().enumerate() {
        buf.extend_from_slice(&((m.len() - used.masks[owner]) as u64).to_le_bytes());
    }
    let mut put = |xs: &[F]| buf.extend_from_slice(&F::encode_slice(xs));
    put(&[pre.key.dangerous_value()]);
    for s in [&triples.a, &triples.b, &triples.c] {
        put(&s.values()[t0..]);
        put(&s.macs()[t0..]);
    }
    for s in [&squares.0, &squares.1] {
        put(&s.values()[s0..]);
        put(&s.macs()[s0..]);
    }
    put(&bits.values()[b0..]);
    put(&bits.macs()[b0..]);
    for (owner, m) in masks.iter().enumerate() {
        let u = used.masks[owner];
        put(&m.shares.values()[u..]);
        put(&m.shares.macs()[u..]);
    }
    if let Some(clear) = masks[pre.party].clear.as_ref() {
        put(&clear[used.masks[pre.party]..]);
    }
    let tag = hmac(&tag_key(&pre.key), &buf);
    buf.extend_from_slice(&tag);
    write_atomic(&path, &buf)?;
    crate::shares::wipe_bytes(&mut buf);
    // A fresh file starts with nothing consumed (in mode `Replace` an old watermark may be
    // there; left in place it would not match the new tag and the file would not open).
    match fs::remove_file(watermark_path(&path)) {
        Ok(()) => fsync_dir(&path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&watermark_path(&path))(e)),
    }
    Ok(path)
}

/// A reader of bytes with bounds checks that report truncation.
struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or(StoreError::BadHeader("length"))?;
        let s = self.buf.get(self.at..end).ok_or(StoreError::Truncated {
            len: self.buf.len() as u64,
            expected: end as u64,
        })?;
        self.at = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, StoreError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, StoreError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

/// Preprocessing read from a store file; consumption is persisted before material is handed
/// out, so nothing is ever handed out twice, also after a crash.
pub struct FileStore<F: Field> {
    inner: MemoryPreprocessing<F>,
    path: PathBuf,
    watermark: PathBuf,
    tag: [u8; 32],
    session: SessionId,
    fingerprint: [u8; 32],
    spent: bool,
}

/// What [`verify`] found in a sound store file (public header fields and counts only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSummary {
    /// The party the file belongs to.
    pub party: PartyId,
    /// Number of parties of the session.
    pub parties: usize,
    /// The session id (public: agreed by coin tossing).
    pub session: SessionId,
    /// The key fingerprint of the header (a hash of α_i, never α_i).
    pub key_fingerprint: [u8; 32],
    /// Whether a consumption watermark exists (it does once anything was handed out).
    pub watermark: bool,
    /// Triples left after the watermark.
    pub triples: usize,
    /// Square pairs left.
    pub squares: usize,
    /// Bits left.
    pub bits: usize,
    /// Input masks left, per owner.
    pub input_masks: Vec<usize>,
}

/// Checks a store file without knowing whose it is: header, lengths, every element's range,
/// the integrity tag, the key fingerprint and the watermark (that it belongs to this file and
/// claims no more than it holds), and that the store was not marked spent. Hands nothing out
/// and writes nothing (`spdz store verify`).
///
/// # Errors
///
/// The [`StoreError`] that [`FileStore::open`] would return, [`StoreError::Spent`] included.
pub fn verify<F: Field>(path: &Path) -> Result<StoreSummary, StoreError> {
    let mut buf = fs::read(path).map_err(io(path))?;
    let r = FileStore::<F>::parse(&buf, path, None);
    crate::shares::wipe_bytes(&mut buf);
    let store = r?;
    let m = &store.inner;
    Ok(StoreSummary {
        party: m.party,
        parties: m.parties,
        session: store.session,
        key_fingerprint: store.fingerprint,
        watermark: fs::symlink_metadata(&store.watermark).is_ok(),
        triples: m.triples_left(),
        squares: m.squares_left(),
        bits: m.bits_left(),
        input_masks: (0..m.parties).map(|j| m.input_masks_left(j)).collect(),
    })
}

impl<F: Field> core::fmt::Debug for FileStore<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileStore")
            .field("party", &self.inner.party)
            .field("watermark", &self.watermark)
            .finish_non_exhaustive()
    }
}

impl<F: Field> FileStore<F> {
    /// Opens the store file at `path` as `party` of `session`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Truncated`], [`StoreError::TagMismatch`], [`StoreError::WrongParty`],
    /// [`StoreError::WrongSession`], [`StoreError::WrongField`], and the other variants of
    /// [`StoreError`] for a file that is not exactly what this party wrote in that session.
    pub fn open(path: &Path, party: PartyId, session: &SessionId) -> Result<Self, StoreError> {
        let mut buf = fs::read(path).map_err(io(path))?;
        let r = Self::parse(&buf, path, Some((party, session)));
        crate::shares::wipe_bytes(&mut buf);
        r
    }

    /// Parses a whole file; `expect` is the party and session the caller opens it as (`None`
    /// for [`verify`], which takes both from the header).
    #[allow(clippy::too_many_lines)]
    fn parse(
        buf: &[u8],
        path: &Path,
        expect: Option<(PartyId, &SessionId)>,
    ) -> Result<Self, StoreError> {
        let mut c = Cursor { buf, at: 0 };
        let magic = c.take(8)?;
        if magic == SPENT_MAGIC {
            return Err(check_spent_file::<F>(buf, path));
        }
        if magic != MAGIC {
            return Err(StoreError::BadMagic);
        }
        let version = c.u16()?;
        if version != VERSION {
            return Err(StoreError::UnsupportedVersion(version));
        }
        let e = usize::from(c.u16()?);
        let name_len = usize::from(c.u16()?);
        let name = c.take(name_len)?;
        if name != F::NAME.as_bytes() || e != F::BYTES {
            return Err(StoreError::WrongField {
                expected: F::NAME,
                found: String::from_utf8_lossy(name).into_owned(),
            });
        }
        let n = c.u32()? as usize;
        let p = c.u32()?;
        if !(2..=1 << 16).contains(&n) {
            return Err(StoreError::BadHeader("parties"));
        }
        let party = match expect {
            Some((party, _)) if p as usize != party => {
                return Err(StoreError::WrongParty {
                    expected: party,
                    found: u64::from(p),
                });
            }
            Some((party, _)) => party,
            None => p as usize,
        };
        if party >= n {
            return Err(StoreError::BadHeader("party"));
        }
        let file_session: SessionId = c
            .take(32)?
            .try_into()
            .map_err(|_| StoreError::BadHeader("session"))?;
        if let Some((_, session)) = expect
            && !bool::from(file_session.ct_eq(session))
        {
            return Err(StoreError::WrongSession);
        }
        let fingerprint: [u8; 32] = c
            .take(32)?
            .try_into()
            .map_err(|_| StoreError::BadHeader("fingerprint"))?;
        let to_usize = |x: u64| usize::try_from(x).map_err(|_| StoreError::BadHeader("count"));
        let t = to_usize(c.u64()?)?;
        let s = to_usize(c.u64()?)?;
        let b = to_usize(c.u64()?)?;
        let mut m = Vec::with_capacity(n);
        for _ in 0..n {
            m.push(to_usize(c.u64()?)?);
        }
        // Body length from the counts, with overflow checks.
        let elements = [
            Some(1usize),
            t.checked_mul(6),
            s.checked_mul(4),
            b.checked_mul(2),
            m.iter()
                .try_fold(0usize, |acc, &x| acc.checked_add(x.checked_mul(2)?)),
            Some(m[party]),
        ]
        .into_iter()
        .try_fold(0usize, |acc, x| acc.checked_add(x?))
        .ok_or(StoreError::BadHeader("counts"))?;
        let body_len = elements
            .checked_mul(F::BYTES)
            .ok_or(StoreError::BadHeader("counts"))?;
        let expected =
            c.at.checked_add(body_len)
                .and_then(|x| x.checked_add(TAG_BYTES))
                .ok_or(StoreError::BadHeader("counts"))?;
        if buf.len() < expected {
            return Err(StoreError::Truncated {
                len: buf.len() as u64,
                expected: expected as u64,
            });
        }
        if buf.len() > expected {
            return Err(StoreError::TrailingBytes {
                extra: (buf.len() - expected) as u64,
            });
        }
        let body = c.take(body_len)?;
        let tag: [u8; 32] = c
            .take(TAG_BYTES)?
            .try_into()
            .map_err(|_| StoreError::BadHeader("tag"))?;
        let key_bytes = &body[..F::BYTES];
        let key = F::read_le(key_bytes).map_err(|_| StoreError::TagMismatch)?;
        let key = MacKeyShare::dangerous_from_value(key);
        let expected_tag = hmac(&tag_key(&key), &buf[..buf.len() - TAG_BYTES]);
        if !bool::from(expected_tag.ct_eq(&tag)) {
            return Err(StoreError::TagMismatch);
        }
        if !bool::from(key_fingerprint(&key).ct_eq(&fingerprint)) {
            return Err(StoreError::KeyMismatch);
        }
        // The tag vouches for the body; every element is still decoded with its range check.
        let mut at = F::BYTES;
        let mut next = |len: usize| -> Result<Vec<F>, StoreError> {
            let bytes = &body[at..at + len * F::BYTES];
            at += len * F::BYTES;
            F::decode_slice(bytes).map_err(|_| StoreError::TagMismatch)
        };
        let mut pair = |len: usize| -> Result<AuthShares<F>, StoreError> {
            let v = next(len)?;
            let mac = next(len)?;
            AuthShares::new(v, mac).map_err(|_| StoreError::BadHeader("lengths"))
        };
        let triples = Triples {
            a: pair(t)?,
            b: pair(t)?,
            c: pair(t)?,
        };
        let squares = (pair(s)?, pair(s)?);
        let bits = pair(b)?;
        let mut mask_shares = Vec::with_capacity(n);
        for &mj in &m {
            mask_shares.push(pair(mj)?);
        }
        let clear = next(m[party])?;
        let mut inner =
            MemoryPreprocessing::new(party, n, key).map_err(|_| StoreError::BadHeader("party"))?;
        inner.add_triples(&triples);
        inner.add_squares(&squares.0, &squares.1);
        inner.add_bits(&bits);
        for (owner, sh) in mask_shares.iter().enumerate() {
            inner.add_masks(owner, sh, (owner == party).then_some(clear.as_slice()));
        }
        let mut store = Self {
            inner,
            path: path.to_path_buf(),
            watermark: watermark_path(path),
            tag,
            session: file_session,
            fingerprint,
            spent: false,
        };
        store.load_watermark()?;
        Ok(store)
    }

    fn load_watermark(&mut self) -> Result<(), StoreError> {
        let bytes = match fs::read(&self.watermark) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(&self.watermark)(e)),
        };
        if bytes.get(..8) == Some(SPENT_MAGIC.as_slice()) {
            // A spent watermark: magic, version, the file's tag, SHA-256 of those.
            if bytes.len() != 8 + 2 + 32 + 32 {
                return Err(StoreError::BadWatermark);
            }
            let (body, sum) = bytes.split_at(42);
            let digest: [u8; 32] = Sha256::digest(body).into();
            if digest != sum || body[8..10] != VERSION.to_le_bytes() || body[10..42] != self.tag {
                return Err(StoreError::BadWatermark);
            }
            return Err(StoreError::Spent {
                path: self.path.clone(),
            });
        }
        let n = self.inner.parties;
        let body_len = 8 + 2 + 32 + 8 * (3 + n);
        if bytes.len() != body_len + 32 {
            return Err(StoreError::BadWatermark);
        }
        let (body, sum) = bytes.split_at(body_len);
        let digest: [u8; 32] = Sha256::digest(body).into();
        if digest != sum || &body[..8] != USED_MAGIC || body[8..10] != VERSION.to_le_bytes() {
            return Err(StoreError::BadWatermark);
        }
        if body[10..42] != self.tag {
            return Err(StoreError::BadWatermark);
        }
        let mut c = Cursor {
            buf: &body[42..],
            at: 0,
        };
        let mut read = || -> Result<usize, StoreError> {
            usize::try_from(c.u64()?).map_err(|_| StoreError::BadWatermark)
        };
        let used = Used {
            triples: read()?,
            squares: read()?,
            bits: read()?,
            masks: (0..n).map(|_| read()).collect::<Result<_, _>>()?,
        };
        self.inner
            .set_used(used)
            .map_err(|_| StoreError::BadWatermark)
    }

    /// Persists `used` as the watermark (before material is handed out).
    fn persist(&self, used: &Used) -> Result<(), StoreError> {
        let mut body = Vec::with_capacity(8 + 2 + 32 + 8 * (3 + used.masks.len()) + 32);
        body.extend_from_slice(USED_MAGIC);
        body.extend_from_slice(&VERSION.to_le_bytes());
        body.extend_from_slice(&self.tag);
        for x in [used.triples, used.squares, used.bits]
            .into_iter()
            .chain(used.masks.iter().copied())
        {
            body.extend_from_slice(&(x as u64).to_le_bytes());
        }
        let digest: [u8; 32] = Sha256::digest(&body).into();
        body.extend_from_slice(&digest);
        write_atomic(&self.watermark, &body)
    }

    /// Material not yet handed out, of every kind.
    pub fn remaining(&self) -> &MemoryPreprocessing<F> {
        &self.inner
    }

    /// Marks everything as consumed, persisted (the store stays valid, with nothing left).
    /// After an abort use [`Preprocessing::mark_spent`] instead, which also erases the key.
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] if the watermark cannot be written; [`StoreError::Spent`] if the
    /// store was marked spent.
    pub fn consume_all(&mut self) -> Result<(), StoreError> {
        self.refuse_if_spent()?;
        let all = self.inner.all_used();
        self.persist(&all)?;
        self.inner
            .set_used(all)
            .map_err(|_| StoreError::BadWatermark)
    }

    /// Runs `take` on the in-memory material after persisting the watermark it will leave.
    /// `bump` must saturate: a request near `usize::MAX` then fails the check as exhausted
    /// instead of overflowing (found by the `offline_store_tagged` fuzz target).
    fn hand_out<X>(
        &mut self,
        bump: impl FnOnce(&mut Used),
        take: impl FnOnce(&mut MemoryPreprocessing<F>) -> Result<X, OfflineError>,
    ) -> Result<X, OfflineError> {
        // A spent store persists nothing more (a new watermark would hide the spent one).
        self.refuse_if_spent()?;
        let mut next = self.inner.used().clone();
        bump(&mut next);
        // Validate first (nothing is persisted for a request that cannot be served).
        self.inner.check_used(&next)?;
        self.persist(&next)?;
        take(&mut self.inner)
    }

    fn refuse_if_spent(&self) -> Result<(), StoreError> {
        if self.spent {
            Err(StoreError::Spent {
                path: self.path.clone(),
            })
        } else {
            Ok(())
        }
    }

    /// Writes the spent watermark: magic `SPDZSPNT`, version, the live file's tag, SHA-256.
    fn persist_spent_watermark(&self) -> Result<(), StoreError> {
        let mut body = Vec::with_capacity(8 + 2 + 32 + 32);
        body.extend_from_slice(SPENT_MAGIC);
        body.extend_from_slice(&VERSION.to_le_bytes());
        body.extend_from_slice(&self.tag);
        let digest: [u8; 32] = Sha256::digest(&body).into();
        body.extend_from_slice(&digest);
        write_atomic(&self.watermark, &body)
    }

    /// Overwrites the store file in place: zeros over its whole length (fsync), then the
    /// spent record at the front, truncated to it (fsync). In place rather than by rename so
    /// that the blocks holding α_i and the material are overwritten on file systems that
    /// write in place (copy-on-write file systems and SSD wear levelling may keep old blocks:
    /// file permissions remain the control there). A crash in between leaves zeros, which no
    /// open accepts either.
    fn overwrite_with_spent_record(&self) -> Result<(), StoreError> {
        use std::io::{Seek, SeekFrom};
        let path = &self.path;
        let mut record = header_prefix::<F>(
            SPENT_MAGIC,
            self.inner.parties,
            self.inner.party,
            &self.session,
            &self.fingerprint,
        );
        record.extend_from_slice(&self.tag);
        let digest: [u8; 32] = Sha256::digest(&record).into();
        record.extend_from_slice(&digest);
        let mut f = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io(path))?;
        let len = f.metadata().map_err(io(path))?.len();
        let zeros = [0u8; 1 << 14];
        let mut left = len;
        while left > 0 {
            let k = usize::try_from(left).map_or(zeros.len(), |l| l.min(zeros.len()));
            f.write_all(&zeros[..k]).map_err(io(path))?;
            left -= k as u64;
        }
        f.sync_all().map_err(io(path))?;
        f.seek(SeekFrom::Start(0)).map_err(io(path))?;
        f.write_all(&record).map_err(io(path))?;
        f.set_len(record.len() as u64).map_err(io(path))?;
        f.sync_all().map_err(io(path))?;
        Ok(())
    }
}

/// A file that starts with the spent magic: [`StoreError::Spent`] if its record is intact,
/// [`StoreError::TagMismatch`] (corrupt) or [`StoreError::Truncated`] otherwise. Either way
/// the file is refused.
fn check_spent_file<F: Field>(buf: &[u8], path: &Path) -> StoreError {
    let name_len = F::NAME.len();
    let expected = 8 + 2 + 2 + 2 + name_len + 4 + 4 + 32 + 32 + 32 + 32;
    if buf.len() < expected {
        return StoreError::Truncated {
            len: buf.len() as u64,
            expected: expected as u64,
        };
    }
    if buf.len() > expected {
        return StoreError::TrailingBytes {
            extra: (buf.len() - expected) as u64,
        };
    }
    let (body, sum) = buf.split_at(expected - 32);
    let digest: [u8; 32] = Sha256::digest(body).into();
    if digest != sum {
        return StoreError::TagMismatch;
    }
    StoreError::Spent {
        path: path.to_path_buf(),
    }
}

impl<F: Field> Preprocessing<F> for FileStore<F> {
    fn party(&self) -> PartyId {
        self.inner.party
    }
    fn parties(&self) -> usize {
        self.inner.parties
    }
    fn mac_key_share(&self) -> &MacKeyShare<F> {
        &self.inner.key
    }
    fn triples(&mut self, n: usize) -> Result<Triples<F>, OfflineError> {
        self.hand_out(
            |u| u.triples = u.triples.saturating_add(n),
            |m| m.triples(n),
        )
    }
    fn squares(&mut self, n: usize) -> Result<(AuthShares<F>, AuthShares<F>), OfflineError> {
        self.hand_out(
            |u| u.squares = u.squares.saturating_add(n),
            |m| m.squares(n),
        )
    }
    fn bits(&mut self, n: usize) -> Result<AuthShares<F>, OfflineError> {
        self.hand_out(|u| u.bits = u.bits.saturating_add(n), |m| m.bits(n))
    }
    fn input_masks(&mut self, owner: PartyId, n: usize) -> Result<InputMasks<F>, OfflineError> {
        self.refuse_if_spent()?;
        if owner >= self.inner.parties {
            return Err(OfflineError::ApiMisuse("input mask owner out of range"));
        }
        self.hand_out(
            |u| u.masks[owner] = u.masks[owner].saturating_add(n),
            |m| m.input_masks(owner, n),
        )
    }
    /// Marks the store spent, durably, so that no process ever opens it again: the memory
    /// copy is wiped first (that cannot fail), then the spent watermark is written (atomic
    /// rename, fsync), then the file itself is overwritten in place with a spent record that
    /// holds no key and no material (fsync). Either of the two on disk suffices for
    /// [`FileStore::open`] and [`verify`] to return [`StoreError::Spent`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] (inside [`OfflineError::Store`]) if a write fails; the other step is
    /// still attempted, and the store refuses every hand-out in this process regardless.
    fn mark_spent(&mut self) -> Result<(), OfflineError> {
        self.inner.wipe_and_mark_spent();
        self.spent = true;
        let watermark = self.persist_spent_watermark();
        let file = self.overwrite_with_spent_record();
        watermark?;
        file?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use spdz_field::Fp;

    fn shares(rng: &mut ChaCha20Rng, n: usize) -> AuthShares<Fp> {
        let v = (0..n).map(|_| Fp::random(rng)).collect();
        let m = (0..n).map(|_| Fp::random(rng)).collect();
        AuthShares::new(v, m).unwrap()
    }

    /// A valid file's bytes (shares need not be consistent for the format).
    fn sample_file() -> (Vec<u8>, SessionId) {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let key = MacKeyShare::<Fp>::random(&mut rng);
        let mut pre = MemoryPreprocessing::new(1, 3, key).unwrap();
        pre.add_triples(&Triples {
            a: shares(&mut rng, 3),
            b: shares(&mut rng, 3),
            c: shares(&mut rng, 3),
        });
        pre.add_squares(&shares(&mut rng, 2), &shares(&mut rng, 2));
        pre.add_bits(&shares(&mut rng, 2));
        let clear: Vec<Fp> = (0..2).map(|_| Fp::random(&mut rng)).collect();
        for owner in 0..3 {
            pre.add_masks(
                owner,
                &shares(&mut rng, 2),
                (owner == 1).then_some(&clear[..]),
            );
        }
        let session = [9u8; 32];
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &pre, &session, WriteMode::CreateNew).unwrap();
        (fs::read(path).unwrap(), session)
    }

    fn parse(bytes: &[u8], session: &SessionId) -> Result<FileStore<Fp>, StoreError> {
        FileStore::parse(
            bytes,
            Path::new("/nonexistent/spdz-store-test"),
            Some((1, session)),
        )
    }

    #[test]
    fn sample_parses() {
        let (bytes, session) = sample_file();
        let fs = parse(&bytes, &session).unwrap();
        assert_eq!(fs.remaining().triples_left(), 3);
        assert_eq!(fs.remaining().input_masks_left(2), 2);
    }

    /// Regression (fuzz target `offline_store_tagged`): once anything was used, a request for
    /// `usize::MAX` overflowed the usage counter and panicked.
    #[test]
    fn a_request_near_usize_max_is_exhausted_not_an_overflow() {
        let (bytes, session) = sample_file();
        let dir = tempfile::tempdir().unwrap();
        let path = file_path(dir.path(), 1);
        fs::write(&path, &bytes).unwrap();
        let mut store = FileStore::<Fp>::open(&path, 1, &session).unwrap();
        store.triples(1).unwrap();
        assert!(matches!(
            store.triples(usize::MAX),
            Err(OfflineError::Exhausted { .. })
        ));
        store.input_masks(0, 1).unwrap();
        assert!(matches!(
            store.input_masks(0, usize::MAX),
            Err(OfflineError::Exhausted { .. })
        ));
        // What is left is still handed out, once.
        assert_eq!(store.triples(2).unwrap().a.len(), 2);
        assert!(store.triples(1).is_err());
    }

    fn sample_on_disk() -> (tempfile::TempDir, PathBuf, SessionId) {
        let (bytes, session) = sample_file();
        let dir = tempfile::tempdir().unwrap();
        let path = file_path(dir.path(), 1);
        fs::write(&path, &bytes).unwrap();
        (dir, path, session)
    }

    #[test]
    fn a_spent_store_is_refused_for_good_and_holds_no_key() {
        let (_dir, path, session) = sample_on_disk();
        let mut store = FileStore::<Fp>::open(&path, 1, &session).unwrap();
        let alpha = key_bytes(&store);
        store.triples(1).unwrap();
        store.mark_spent().unwrap();
        // In this process: nothing more, and no watermark that would hide the spent one.
        assert!(matches!(
            store.triples(1),
            Err(OfflineError::Store(StoreError::Spent { .. }))
        ));
        assert!(matches!(
            store.input_masks(0, 1),
            Err(OfflineError::Store(StoreError::Spent { .. }))
        ));
        assert!(matches!(store.consume_all(), Err(StoreError::Spent { .. })));
        drop(store);
        // Later opens (any party, any session) and verify refuse it by name.
        let r = FileStore::<Fp>::open(&path, 1, &session);
        assert!(matches!(r, Err(StoreError::Spent { .. })), "{r:?}");
        let r = FileStore::<Fp>::open(&path, 0, &[0u8; 32]);
        assert!(matches!(r, Err(StoreError::Spent { .. })), "{r:?}");
        assert!(matches!(verify::<Fp>(&path), Err(StoreError::Spent { .. })));
        // The file no longer holds α_i.
        let bytes = fs::read(&path).unwrap();
        assert!(!bytes.windows(alpha.len()).any(|w| w == alpha));
        assert_eq!(&bytes[..8], SPENT_MAGIC);
        // Each of the two records alone suffices: a live file with the spent watermark...
        let (fresh, _) = sample_file();
        fs::write(&path, &fresh).unwrap();
        let r = FileStore::<Fp>::open(&path, 1, &session);
        assert!(matches!(r, Err(StoreError::Spent { .. })), "{r:?}");
        // ... and the spent file with its watermark deleted.
        let mut store = {
            fs::remove_file(watermark_path(&path)).unwrap();
            FileStore::<Fp>::open(&path, 1, &session).unwrap()
        };
        store.mark_spent().unwrap();
        fs::remove_file(watermark_path(&path)).unwrap();
        let r = FileStore::<Fp>::open(&path, 1, &session);
        assert!(matches!(r, Err(StoreError::Spent { .. })), "{r:?}");
        // A damaged spent record is still refused.
        let mut bad = fs::read(&path).unwrap();
        bad[20] ^= 1;
        assert!(parse(&bad, &session).is_err());
        assert!(parse(&bad[..bad.len() - 1], &session).is_err());
    }

    fn key_bytes(store: &FileStore<Fp>) -> Vec<u8> {
        Fp::encode_slice(&[store.mac_key_share().dangerous_value()])
    }

    #[test]
    fn write_refuses_to_overwrite_unless_asked() {
        let (dir, path, session) = sample_on_disk();
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let mut pre = MemoryPreprocessing::new(1, 3, MacKeyShare::<Fp>::random(&mut rng)).unwrap();
        pre.add_bits(&shares(&mut rng, 1));
        let r = write(dir.path(), &pre, &session, WriteMode::CreateNew);
        assert!(matches!(r, Err(StoreError::Exists { .. })), "{r:?}");
        // A leftover watermark alone also blocks a new file.
        FileStore::<Fp>::open(&path, 1, &session)
            .unwrap()
            .triples(1)
            .unwrap();
        fs::remove_file(&path).unwrap();
        let r = write(dir.path(), &pre, &session, WriteMode::CreateNew);
        assert!(matches!(r, Err(StoreError::Exists { .. })), "{r:?}");
        // Replace: a new file, no old watermark.
        write(dir.path(), &pre, &session, WriteMode::Replace).unwrap();
        assert!(!watermark_path(&path).exists());
        let s = verify::<Fp>(&path).unwrap();
        assert_eq!((s.bits, s.triples, s.watermark), (1, 0, false));
        // A spent in-memory source is never written.
        pre.mark_spent().unwrap();
        let r = write(dir.path(), &pre, &session, WriteMode::Replace);
        assert!(matches!(r, Err(StoreError::Spent { .. })), "{r:?}");
    }

    #[test]
    fn verify_reports_the_header_and_catches_a_wrong_fingerprint() {
        let (_dir, path, session) = sample_on_disk();
        let s = verify::<Fp>(&path).unwrap();
        assert_eq!((s.party, s.parties, s.session), (1, 3, session));
        assert_eq!((s.triples, s.squares, s.bits), (3, 2, 2));
        assert_eq!(s.input_masks, vec![2, 2, 2]);
        // A fingerprint that is not the key's, under a valid tag (only someone holding α_i
        // can compute the tag): KeyMismatch.
        let mut bytes = fs::read(&path).unwrap();
        let store = FileStore::<Fp>::open(&path, 1, &session).unwrap();
        let at = 14 + Fp::NAME.len() + 4 + 4 + 32;
        bytes[at] ^= 1;
        let end = bytes.len() - TAG_BYTES;
        let tag = hmac(&tag_key(store.mac_key_share()), &bytes[..end]);
        bytes[end..].copy_from_slice(&tag);
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(verify::<Fp>(&path), Err(StoreError::KeyMismatch)));
        // Without the key, a changed fingerprint breaks the tag.
        bytes[end] ^= 1;
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(verify::<Fp>(&path), Err(StoreError::TagMismatch)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any change to a valid file is an error, never a panic and never accepted.
        #[test]
        fn altered_files_are_rejected(at in 0usize..4096, xor in 1u8..=255, cut in 0usize..4096) {
            let (bytes, session) = sample_file();
            let mut bad = bytes.clone();
            let i = at % bad.len();
            bad[i] ^= xor;
            prop_assert!(parse(&bad, &session).is_err());
            let cut = cut % bytes.len();
            prop_assert!(parse(&bytes[..cut], &session).is_err());
        }

        /// Arbitrary bytes never panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse(&bytes, &[0u8; 32]);
            let mut with_magic = MAGIC.to_vec();
            with_magic.extend_from_slice(&bytes);
            let _ = parse(&with_magic, &[0u8; 32]);
            // A spent record that is not intact is refused too, never accepted, never a panic.
            let mut spent = SPENT_MAGIC.to_vec();
            spent.extend_from_slice(&bytes);
            prop_assert!(parse(&spent, &[0u8; 32]).is_err());
        }
    }
}
