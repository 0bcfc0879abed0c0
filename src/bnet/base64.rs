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
}
