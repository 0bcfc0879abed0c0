//! Text that keeps every byte. File names reach the Director from file
//! daemons, storage daemons and consoles as bytes, and on Unix they need
//! not be UTF-8. The Director keeps them as Rust strings: each byte of an
//! invalid sequence becomes one private-use character (U+10FF00 plus the
//! byte), and turns back into that byte when the text leaves the
//! Director. Names that are UTF-8 are unchanged, so two names that differ
//! only in their invalid bytes stay two names in the catalog, and a console
//! user can select either.

/// The first of the 256 characters that stand for raw bytes.
const BASE: u32 = 0x10_FF00;

/// Bytes as text, each byte of an invalid sequence kept as its stand-in.
pub fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push(char::from_u32(BASE + u32::from(*b)).unwrap_or('\u{fffd}'));
        }
    }
    out
}

/// Text as bytes, each stand-in turned back into its byte.
pub fn encode(text: &str) -> Vec<u8> {
    if !text.chars().any(is_stand_in) {
        return text.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if is_stand_in(c) {
            out.push((u32::from(c) - BASE) as u8);
        } else {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

fn is_stand_in(c: char) -> bool {
    byte_of(c).is_some()
}

/// The raw byte `c` stands for, if it is a stand-in.
pub fn byte_of(c: char) -> Option<u8> {
    u32::from(c)
        .checked_sub(BASE)
        .and_then(|b| u8::try_from(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_comes_back() {
        for name in [
            &b"plain.txt"[..],
            b"caf\xc3\xa9",
            b"odd\xff",
            b"odd\xfe",
            b"\xc3",
            b"mid\x80dle\xe2\x82",
        ] {
            assert_eq!(encode(&decode(name)), name);
        }
        assert_eq!(decode(b"caf\xc3\xa9"), "café");
        assert_ne!(decode(b"odd\xff"), decode(b"odd\xfe"));
        assert!(!decode(b"odd\xff").contains('\u{fffd}'));
    }
}
