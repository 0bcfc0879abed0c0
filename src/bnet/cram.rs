//! CRAM-MD5 as Bacula does it, in both directions: the listener challenges
//! first, then the connector. The key is the lowercase hex MD5 of the
//! password (configuration passwords are stored hashed); the response is
//! HMAC-MD5 over the challenge in Bacula's base64, followed by a NUL.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};

use super::base64;
use super::conn::{BnetError, Connection};

pub const AUTH_OK: &str = "1000 OK auth\n";
pub const AUTH_FAILED: &str = "1999 Authorization failed.\n";

/// Bytes from the kernel's random source.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    let mut filled = 0;
    while filled < N {
        // SAFETY: getrandom writes at most the given length into the buffer.
        let n = unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), N - filled, 0) };
        if n > 0 {
            filled += n as usize;
        } else if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // No random source: never fall back to a key someone could
            // compute.
            panic!(
                "the kernel's random source failed: {}",
                std::io::Error::last_os_error()
            );
        }
    }
    buf
}

/// A key no one can answer with: 128 random bits, new for each call.
/// A login under a name with no password of its own is challenged with
/// it, so that it fails as a wrong password does, after the same work.
pub fn unguessable_key() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key a password gives: its lowercase hex MD5, or the hex itself for
/// a password written `[md5]<hex>`.
pub fn password_key(password: &str) -> String {
    if let Some(hex) = password.strip_prefix("[md5]") {
        return hex.to_ascii_lowercase();
    }
    Md5::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The response to `challenge` (with its angle brackets) under `key`.
pub fn response(challenge: &str, key: &str) -> String {
    let mut mac =
        <Hmac<Md5> as KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(challenge.as_bytes());
    base64::encode(&mac.finalize().into_bytes())
}

/// A fresh challenge: `<RANDOM.UNIXTIME@NAME>`.
pub fn challenge(name: &str) -> String {
    let random = u32::from_be_bytes(random_bytes());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("<{random}.{now}@{name}>")
}

/// Compares two responses in constant time.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Challenges the peer; it must answer with `key`.
pub fn challenge_peer(conn: &mut Connection, my_name: &str, key: &str) -> Result<(), BnetError> {
    let c = challenge(my_name);
    conn.send(format!("auth cram-md5 {c} ssl=0\n"))?;
    let answer = conn.recv_text()?;
    if same(answer.trim_end_matches(['\0', '\n']), &response(&c, key)) {
        conn.send(AUTH_OK)?;
        Ok(())
    } else {
        conn.send(AUTH_FAILED)?;
        Err(BnetError::Protocol {
            peer: conn.peer().to_string(),
            what: "authorization failed (wrong password?)".into(),
        })
    }
}

/// Answers the peer's challenge with `key`.
pub fn answer_peer(conn: &mut Connection, key: &str) -> Result<(), BnetError> {
    let line = conn.recv_text()?;
    let peer = conn.peer().to_string();
    let protocol = |what: String| BnetError::Protocol {
        peer: peer.clone(),
        what,
    };
    let c = line
        .strip_prefix("auth cram-md5 ")
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| {
            protocol(format!(
                "expected a CRAM-MD5 challenge, got {:?}",
                line.trim_end()
            ))
        })?
        .to_string();
    conn.send(format!("{}\0", response(&c, key)))?;
    let verdict = conn.recv_text()?;
    if verdict.starts_with("1000 OK auth") {
        Ok(())
    } else {
        Err(protocol(format!(
            "refused our password: {}",
            verdict.trim_end()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hex_md5_of_the_password() {
        assert_eq!(password_key("secret"), "5ebe2294ecd0e0f08eab7690d2a6ee69");
        assert_eq!(password_key("[md5]ABCDEF"), "abcdef");
    }

    #[test]
    fn responses_are_22_characters_of_bacula_base64() {
        let r = response("<1.2@dir>", &password_key("secret"));
        assert_eq!(r.len(), 22);
        assert_eq!(r, response("<1.2@dir>", &password_key("secret")));
        assert_ne!(r, response("<1.3@dir>", &password_key("secret")));
    }

    #[test]
    fn unguessable_keys_differ_each_time_and_look_like_password_keys() {
        let (a, b) = (unguessable_key(), unguessable_key());
        assert_ne!(a, b);
        assert_eq!(a.len(), password_key("").len());
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    }

    #[test]
    fn challenges_name_the_speaker() {
        let c = challenge("example-dir");
        assert!(c.starts_with('<') && c.ends_with("@example-dir>"), "{c}");
    }
}
