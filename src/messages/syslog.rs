//! The `syslog` destination: each line of a message as one datagram to
//! the local syslog socket, with the facility and priorities bacula-dir's
//! send_to_syslog gives (daemon; err, notice or info by type).
//!
//! The socket is /dev/log, as syslog(3) uses it. `RDIRD_SYSLOG_SOCKET`
//! names another one; it is for tests, which listen on a socket of their
//! own; a site has no reason to set it.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use super::Type;
use crate::clock;

/// LOG_DAEMON.
const FACILITY: u8 = 3 << 3;
/// Bacula splits a message in lines of at most 1024 bytes for syslog.
const MOST: usize = 1023;

fn severity(ty: Type) -> u8 {
    match ty {
        Type::ErrorTerm | Type::Abort => 3,
        Type::Fatal | Type::Error | Type::Warning | Type::Security => 5,
        _ => 6,
    }
}

/// Sends `text` to syslog, one record a line, tagged `rdird` (the
/// program's name, as syslog(3) tags bacula-dir's `bacula-dir`).
pub(super) fn send(ty: Type, text: &str) {
    let socket_path =
        std::env::var("RDIRD_SYSLOG_SOCKET").unwrap_or_else(|_| "/dev/log".to_string());
    let socket = match UnixDatagram::unbound() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("Message delivery ERROR: no socket for syslog: {e}");
            return;
        }
    };
    // A syslog daemon that stops reading fills the socket's queue; a
    // message then waits this long at most, so jobs never hang on it.
    let _ = socket.set_write_timeout(Some(Duration::from_secs(2)));
    let now = clock::local(clock::now());
    let stamp = format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        now.month_name(),
        now.day,
        now.hour,
        now.minute,
        now.second
    );
    for line in text.lines() {
        let mut end = line.len().min(MOST);
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        let record = format!(
            "<{}>{stamp} rdird: {}",
            FACILITY | severity(ty),
            &line[..end]
        );
        if let Err(e) = socket.send_to(record.as_bytes(), &socket_path) {
            tracing::error!("Message delivery ERROR: syslog at {socket_path}: {e}");
            return;
        }
    }
}
