//! The frame format (sans-IO): encoding and validating decoding of frame headers and frames.
//!
//! Every message between two parties is one frame: a fixed 32-byte header followed by the
//! payload. All integers are little-endian.
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0  | 4 | body length `B` = 28 + payload length (bytes that follow this field) |
//! | 4  | 1 | format version, [`VERSION`] |
//! | 5  | 1 | kind ([`FrameKind`]) |
//! | 6  | 2 | logical channel |
//! | 8  | 8 | session id |
//! | 16 | 4 | protocol step tag ([`Step`]) |
//! | 20 | 8 | sequence number (per sender, receiver and channel, from 0) |
//! | 28 | 4 | reserved, must be zero |
//! | 32 | B − 28 | payload |
//!
//! The decoder rejects (never panics on) every byte sequence that is not a frame: see
//! [`FrameHeader::decode`] and [`decode_frame`]. `papers/wire.md` repeats this layout.

use crate::Step;

/// Length of the length prefix.
pub const LENGTH_PREFIX_LEN: usize = 4;
/// Length of a full frame header, length prefix included.
pub const HEADER_LEN: usize = 32;
/// Header bytes counted by the length prefix (everything after it).
const HEADER_BODY_LEN: usize = HEADER_LEN - LENGTH_PREFIX_LEN;
/// Frame format version.
pub const VERSION: u8 = 1;
/// Default maximum payload length of one frame: 256 MiB.
pub const DEFAULT_MAX_FRAME: usize = 256 << 20;
/// Default limit of frame bytes from one peer that may wait unreceived: 4 GiB.
pub const DEFAULT_MAX_QUEUED: u64 = 4 << 30;
/// Largest payload the 32-bit length prefix can describe.
pub const ABSOLUTE_MAX_FRAME: usize = (u32::MAX as usize) - HEADER_BODY_LEN;

/// What a frame is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    /// Protocol data, delivered to [`Transport::recv`](crate::Transport::recv).
    Data = 0,
    /// Party-id handshake: the dialer's hello (TLS transport only).
    Hello = 1,
    /// Party-id handshake: the listener's acceptance.
    HelloAck = 2,
    /// Party-id handshake: the listener's refusal; the payload is a UTF-8 reason.
    Refusal = 3,
}

impl FrameKind {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(FrameKind::Data),
            1 => Some(FrameKind::Hello),
            2 => Some(FrameKind::HelloAck),
            3 => Some(FrameKind::Refusal),
            _ => None,
        }
    }
}

/// A decoded, validated frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Frame kind.
    pub kind: FrameKind,
    /// Logical channel.
    pub channel: u16,
    /// Session id.
    pub session: u64,
    /// Protocol step.
    pub step: Step,
    /// Sequence number on (sender, receiver, channel).
    pub seq: u64,
    /// Payload length in bytes.
    pub payload_len: usize,
}

/// Why bytes are not a valid frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The announced payload length exceeds the maximum.
    TooLarge {
        /// Announced payload length.
        len: u64,
        /// Maximum.
        max: u64,
    },
    /// A rule of the format is broken; the string names it.
    Malformed(&'static str),
}

impl FrameHeader {
    /// Encodes the header (length prefix included).
    ///
    /// # Errors
    /// [`FrameError::TooLarge`] when `payload_len` exceeds [`ABSOLUTE_MAX_FRAME`].
    pub fn encode(&self) -> Result<[u8; HEADER_LEN], FrameError> {
        let body =
            u32::try_from(self.payload_len.saturating_add(HEADER_BODY_LEN)).map_err(|_| {
                FrameError::TooLarge {
                    len: self.payload_len as u64,
                    max: ABSOLUTE_MAX_FRAME as u64,
                }
            })?;
        let mut out = [0u8; HEADER_LEN];
        out[0..4].copy_from_slice(&body.to_le_bytes());
        out[4] = VERSION;
        out[5] = self.kind as u8;
        out[6..8].copy_from_slice(&self.channel.to_le_bytes());
        out[8..16].copy_from_slice(&self.session.to_le_bytes());
        out[16..20].copy_from_slice(&self.step.tag().to_le_bytes());
        out[20..28].copy_from_slice(&self.seq.to_le_bytes());
        // out[28..32]: reserved, zero.
        Ok(out)
    }

    /// Decodes and validates a header. `max_payload` is the configured maximum payload length.
    ///
    /// # Errors
    /// [`FrameError::Malformed`] for an unknown version or kind, non-zero reserved bytes or a
    /// body length shorter than the header (checked in this order);
    /// then [`FrameError::TooLarge`] for a payload longer than `max_payload`.
    pub fn decode(bytes: &[u8; HEADER_LEN], max_payload: usize) -> Result<Self, FrameError> {
        // Structure first, length last: random bytes are "malformed" (with probability
        // 1 - 2^-8 at least), a well-formed header with a huge length is "too large".
        if bytes[4] != VERSION {
            return Err(FrameError::Malformed("unknown frame version"));
        }
        let kind =
            FrameKind::from_byte(bytes[5]).ok_or(FrameError::Malformed("unknown frame kind"))?;
        if bytes[28..32] != [0u8; 4] {
            return Err(FrameError::Malformed("reserved header bytes are not zero"));
        }
        let body = u32::from_le_bytes(le4(&bytes[0..4])) as usize;
        let payload_len = body
            .checked_sub(HEADER_BODY_LEN)
            .ok_or(FrameError::Malformed(
                "length prefix shorter than the header",
            ))?;
        if payload_len > max_payload {
            return Err(FrameError::TooLarge {
                len: payload_len as u64,
                max: max_payload as u64,
            });
        }
        Ok(FrameHeader {
            kind,
            channel: u16::from_le_bytes([bytes[6], bytes[7]]),
            session: u64::from_le_bytes(le8(&bytes[8..16])),
            step: Step::new(u32::from_le_bytes(le4(&bytes[16..20]))),
            seq: u64::from_le_bytes(le8(&bytes[20..28])),
            payload_len,
        })
    }
}

fn le4(b: &[u8]) -> [u8; 4] {
    let mut out = [0u8; 4];
    out.copy_from_slice(b);
    out
}

fn le8(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(b);
    out
}

/// A whole frame: header and payload.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    /// The header.
    pub header: FrameHeader,
    /// The payload (`payload.len() == header.payload_len`).
    pub payload: Vec<u8>,
}

impl core::fmt::Debug for Frame {
    // Payloads may be shares: print only their length.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Frame")
            .field("header", &self.header)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

impl Frame {
    /// Encodes the frame into one buffer.
    ///
    /// # Errors
    /// [`FrameError::TooLarge`] when the payload exceeds [`ABSOLUTE_MAX_FRAME`].
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        let mut header = self.header;
        header.payload_len = self.payload.len();
        let h = header.encode()?;
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.extend_from_slice(&h);
        out.extend_from_slice(&self.payload);
        Ok(out)
    }
}

/// Decodes one frame from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` is a valid but incomplete prefix of a frame (more bytes are
/// needed), `Ok(Some((frame, consumed)))` otherwise.
///
/// # Errors
/// As [`FrameHeader::decode`].
pub fn decode_frame(buf: &[u8], max_payload: usize) -> Result<Option<(Frame, usize)>, FrameError> {
    let Some(head) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let mut h = [0u8; HEADER_LEN];
    h.copy_from_slice(head);
    let header = FrameHeader::decode(&h, max_payload)?;
    let end = HEADER_LEN
        .checked_add(header.payload_len)
        .ok_or(FrameError::Malformed("length overflows"))?;
    let Some(payload) = buf.get(HEADER_LEN..end) else {
        return Ok(None);
    };
    Ok(Some((
        Frame {
            header,
            payload: payload.to_vec(),
        },
        end,
    )))
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // small test values
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(len: usize) -> Frame {
        Frame {
            header: FrameHeader {
                kind: FrameKind::Data,
                channel: 7,
                session: 0x0123_4567_89ab_cdef,
                step: Step::new(0x0200_0001),
                seq: 42,
                payload_len: len,
            },
            payload: (0..len).map(|i| (i % 251) as u8).collect(),
        }
    }

    #[test]
    fn round_trip_sizes() {
        for len in [0usize, 1, 31, 32, 33, 1000] {
            let f = sample(len);
            let bytes = f.encode().unwrap();
            assert_eq!(bytes.len(), HEADER_LEN + len);
            let (g, used) = decode_frame(&bytes, DEFAULT_MAX_FRAME).unwrap().unwrap();
            assert_eq!(used, bytes.len());
            assert_eq!(g, f);
            // Every strict prefix is "need more".
            for cut in 0..bytes.len() {
                assert!(
                    decode_frame(&bytes[..cut], DEFAULT_MAX_FRAME)
                        .unwrap()
                        .is_none()
                );
            }
        }
    }

    #[test]
    fn layout_is_as_documented() {
        let bytes = sample(3).encode().unwrap();
        assert_eq!(&bytes[0..4], &(28u32 + 3).to_le_bytes());
        assert_eq!(bytes[4], VERSION);
        assert_eq!(bytes[5], 0);
        assert_eq!(&bytes[6..8], &7u16.to_le_bytes());
        assert_eq!(&bytes[8..16], &0x0123_4567_89ab_cdefu64.to_le_bytes());
        assert_eq!(&bytes[16..20], &0x0200_0001u32.to_le_bytes());
        assert_eq!(&bytes[20..28], &42u64.to_le_bytes());
        assert_eq!(&bytes[28..32], &[0, 0, 0, 0]);
        assert_eq!(&bytes[32..], &[0, 1, 2]);
    }

    #[test]
    fn oversized_length_prefix_is_too_large() {
        let mut bytes = sample(0).encode().unwrap();
        bytes[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            decode_frame(&bytes, DEFAULT_MAX_FRAME),
            Err(FrameError::TooLarge { .. })
        ));
        let bytes = sample(100).encode().unwrap();
        assert!(matches!(
            decode_frame(&bytes, 99),
            Err(FrameError::TooLarge { len: 100, max: 99 })
        ));
        assert!(decode_frame(&bytes, 100).unwrap().is_some());
    }

    #[test]
    fn each_malformation_is_named() {
        let good = sample(4).encode().unwrap();
        let mut short = good.clone();
        short[0..4].copy_from_slice(&27u32.to_le_bytes());
        let mut version = good.clone();
        version[4] = 2;
        let mut kind = good.clone();
        kind[5] = 4;
        let mut reserved = good.clone();
        reserved[31] = 1;
        for (bytes, why) in [
            (short, "length prefix shorter than the header"),
            (version, "unknown frame version"),
            (kind, "unknown frame kind"),
            (reserved, "reserved header bytes are not zero"),
        ] {
            assert_eq!(
                decode_frame(&bytes, DEFAULT_MAX_FRAME).unwrap_err(),
                FrameError::Malformed(why)
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Random bytes never panic the decoder, and whatever it accepts re-encodes to the
        /// same bytes.
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..96), max in 0usize..64) {
            if let Ok(Some((frame, used))) = decode_frame(&bytes, max) {
                prop_assert!(used <= bytes.len());
                prop_assert_eq!(frame.encode().unwrap(), bytes[..used].to_vec());
            }
        }

        /// Valid frames, truncated anywhere or with one byte flipped, never panic the decoder;
        /// truncations are always "need more".
        #[test]
        fn truncated_and_flipped_frames_never_panic(
            len in 0usize..80, channel: u16, session: u64, tag: u32, seq: u64,
            cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), bit in 0u8..8,
        ) {
            let f = Frame {
                header: FrameHeader { kind: FrameKind::Data, channel, session, step: Step::new(tag), seq, payload_len: len },
                payload: vec![0xa5; len],
            };
            let bytes = f.encode().unwrap();
            let c = cut.index(bytes.len());
            prop_assert!(decode_frame(&bytes[..c], DEFAULT_MAX_FRAME).unwrap().is_none());
            let mut flipped = bytes.clone();
            let i = flip.index(flipped.len());
            flipped[i] ^= 1 << bit;
            let _ = decode_frame(&flipped, DEFAULT_MAX_FRAME);
            let _ = decode_frame(&flipped[..c], DEFAULT_MAX_FRAME);
        }
    }
}
