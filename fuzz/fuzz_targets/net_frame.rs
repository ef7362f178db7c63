//! spdz-net frame decoding: `decode_frame` and `FrameHeader::decode` on arbitrary bytes.
//!
//! Checks: no panic; the payload bound is respected (a small `max_payload` chosen by the
//! input, so a huge length prefix can never make the decoder allocate); an accepted frame
//! re-encodes to exactly the bytes consumed; every strict prefix of an accepted frame is
//! "need more bytes" (`Ok(None)`), never an error or a different frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spdz_net::frame::{FrameHeader, HEADER_LEN, decode_frame};

fuzz_target!(|data: &[u8]| {
    let Some((&m, buf)) = data.split_first() else {
        return;
    };
    // Small maxima only (0..=255 bytes, or 4 KiB): the property is "no huge allocation from a
    // small input", and a real peer's limit is checked by the same comparison.
    let max = if m == 0xff { 4096 } else { usize::from(m) };

    if let Some(head) = buf.get(..HEADER_LEN) {
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(head);
        if let Ok(header) = FrameHeader::decode(&h, max) {
            assert!(header.payload_len <= max);
            // A valid header re-encodes to the same 32 bytes.
            assert_eq!(header.encode().ok(), Some(h));
        }
    }

    match decode_frame(buf, max) {
        Ok(Some((frame, used))) => {
            assert!(used <= buf.len());
            assert!(frame.payload.len() <= max);
            assert_eq!(frame.payload.len(), frame.header.payload_len);
            assert_eq!(frame.encode().ok().as_deref(), Some(&buf[..used]));
            // Truncations of an accepted frame are "need more".
            for cut in [0, used / 2, used.saturating_sub(1)] {
                if cut < used {
                    assert!(matches!(decode_frame(&buf[..cut], max), Ok(None)));
                }
            }
        }
        Ok(None) => {
            // Incomplete: either less than a header, or the header is valid and the payload
            // is not all there.
            if let Some(head) = buf.get(..HEADER_LEN) {
                let mut h = [0u8; HEADER_LEN];
                h.copy_from_slice(head);
                let header = FrameHeader::decode(&h, max).ok();
                assert!(header.is_some_and(|hd| HEADER_LEN + hd.payload_len > buf.len()));
            }
        }
        Err(_) => {}
    }
});
