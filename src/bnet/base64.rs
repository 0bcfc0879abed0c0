//! Bacula's base64, as its CRAM-MD5 uses it: bytes are sign-extended into
//! the bit register, the last partial sextet is not shifted, and there is
//! no `=` padding. It is not RFC 4648 base64.

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Bacula's `bin_to_base64`: with `compatible`, plain bytes and the last
/// partial sextet shifted into place; without, bytes sign-extended into
/// the register and the last sextet not shifted. Never `=` padding.
fn bin_to_base64(bin: &[u8], compatible: bool) -> String {
    let mut out = String::new();
    let mut reg: u32 = 0;
    let mut rem: u32 = 0;
    let mut i = 0;
    while i < bin.len() {
        if rem < 6 {
            let byte = if compatible {
                u32::from(bin[i])
            } else {
                bin[i] as i8 as i32 as u32
            };
            reg = (reg << 8) | byte;
            i += 1;
            rem += 8;
        }
        out.push(DIGITS[((reg >> (rem - 6)) & 0x3f) as usize] as char);
        rem -= 6;
    }
    if rem > 0 {
        let last = reg & ((1u32 << rem) - 1);
        let last = if compatible { last << (6 - rem) } else { last };
        out.push(DIGITS[last as usize] as char);
    }
    out
}

/// Encodes `bin` the way Bacula's `bin_to_base64(…, compatible=false)`
/// does (CRAM-MD5, the FileSet's fingerprint).
pub fn encode(bin: &[u8]) -> String {
    bin_to_base64(bin, false)
}

/// Encodes a file digest as the catalog holds it
/// (`bin_to_base64(…, compatible=true)`).
pub fn encode_digest(bin: &[u8]) -> String {
    bin_to_base64(bin, true)
}

/// Decodes one number of an encoded stat (`BrB7to`): base64 digits, most
/// significant first, with an optional leading `-`.
pub fn decode_int(s: &str) -> i64 {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes() {
        let d = DIGITS.iter().position(|c| *c == b).unwrap_or(0) as i64;
        v = v.wrapping_mul(64).wrapping_add(d);
    }
    if neg {
        -v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_encode_like_bacula() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0]), "AA");
        assert_eq!(encode(&[1]), "AB");
        assert_eq!(encode(&[0, 0, 0]), "AAAA");
        // 0xff sign-extends: the top bits of the register are set.
        assert_eq!(encode(&[0xff]), "/D");
    }

    #[test]
    fn sixteen_bytes_give_twenty_two_characters() {
        assert_eq!(encode(&[0x5a; 16]).len(), 22);
    }

    #[test]
    fn stat_numbers_decode() {
        assert_eq!(decode_int("A"), 0);
        assert_eq!(decode_int("B"), 1);
        assert_eq!(decode_int("BA"), 64);
        assert_eq!(decode_int("IGk"), 0o100644);
        assert_eq!(decode_int("-C"), -2);
    }

    #[test]
    fn digests_are_plain_base64_without_padding() {
        use md5::{Digest, Md5};
        let d = Md5::digest(b"beta\n");
        assert_eq!(encode_digest(&d), "8M8qklFgRQJKDJkUeyjwWw");
    }
}
