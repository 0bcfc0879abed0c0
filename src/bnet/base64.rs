//! Bacula's base64, as its CRAM-MD5 uses it: bytes are sign-extended into
//! the bit register, the last partial sextet is not shifted, and there is
//! no `=` padding. It is not RFC 4648 base64.

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `bin` the way Bacula's `bin_to_base64(…, compatible=false)` does.
pub fn encode(bin: &[u8]) -> String {
    let mut out = String::new();
    let mut reg: u32 = 0;
    let mut rem: u32 = 0;
    let mut i = 0;
    while i < bin.len() {
        if rem < 6 {
            reg <<= 8;
            reg |= bin[i] as i8 as i32 as u32;
            i += 1;
            rem += 8;
        }
        out.push(DIGITS[((reg >> (rem - 6)) & 0x3f) as usize] as char);
        rem -= 6;
    }
    if rem > 0 {
        let mask = (1u32 << rem) - 1;
        out.push(DIGITS[(reg & mask) as usize] as char);
    }
    out
}

/// Encodes `bin` as Bacula's `bin_to_base64(…, compatible=true)` does
/// for the catalog's digests: plain bytes and the last partial sextet
/// shifted into place, still without `=` padding.
pub fn encode_digest(bin: &[u8]) -> String {
    let mut out = String::new();
    let mut reg: u32 = 0;
    let mut rem: u32 = 0;
    let mut i = 0;
    while i < bin.len() {
        if rem < 6 {
            reg = (reg << 8) | u32::from(bin[i]);
            i += 1;
            rem += 8;
        }
        out.push(DIGITS[((reg >> (rem - 6)) & 0x3f) as usize] as char);
        rem -= 6;
    }
    if rem > 0 {
        let mask = (1u32 << rem) - 1;
        out.push(DIGITS[((reg & mask) << (6 - rem)) as usize] as char);
    }
    out
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
