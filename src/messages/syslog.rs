//! The `syslog` destination: each line of a message as one record to the
//! local syslog socket, with the facility, priorities and tag bacula-dir's
//! send_to_syslog gives (daemon; err, notice or info by type; tagged
//! `bacula-dir`, the name syslog(3) gives bacula-dir's records, so that a
//! site's rsyslog rules for it keep matching).
//!
//! A syslog daemon that stops reading, or reads slowly, must not hold a
//! job: the socket never blocks, a record it cannot take at once is given
//! the short while the caller allows (a few seconds in all per job), and
//! after that syslog is left alone for `REST` (what comes meanwhile is
//! lost, counted by the caller). bacula-dir's syslog(3) waits for as long
//! as the socket stays full, on the job's thread.
//!
//! The socket is /dev/log, as syslog(3) uses it. `RDIRD_SYSLOG_SOCKET`
//! names another one; it is for tests, which listen on a socket of their
//! own; a site has no reason to set it.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{lock, Type};
use crate::clock;

/// LOG_DAEMON.
const FACILITY: u8 = 3 << 3;
/// The most of a line one record holds, as in Bacula's send_to_syslog; a
/// longer line goes on in the next records (Bacula drops the rest).
const MOST: usize = 1023;
/// How long syslog is left alone after it failed.
const REST: Duration = Duration::from_secs(30);

fn severity(ty: Type) -> u8 {
    match ty {
        Type::ErrorTerm | Type::Abort => 3,
        Type::Fatal | Type::Error | Type::Warning | Type::Security => 5,
        _ => 6,
    }
}

/// The socket, connected (so that a full one can be waited on), and when
/// syslog may be tried again after a failure.
struct State {
    socket: Option<UnixDatagram>,
    resting_until: Option<Instant>,
}

static STATE: Mutex<State> = Mutex::new(State {
    socket: None,
    resting_until: None,
});

/// The pieces of `line` one record each: at most `MOST` bytes, cut on a
/// character's boundary.
fn pieces(mut line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    loop {
        let mut end = line.len().min(MOST);
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        out.push(&line[..end]);
        line = &line[end..];
        if line.is_empty() {
            return out;
        }
    }
}

/// Waits `wait` at most for room in the socket.
fn room(socket: &UnixDatagram, wait: Duration) {
    let mut fd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: poll(2) on one descriptor this process owns.
    unsafe { libc::poll(&mut fd, 1, wait.as_millis() as i32) };
}

fn connect(path: &str) -> std::io::Result<UnixDatagram> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// Sends `text` to syslog, one record a line (a line longer than a record
/// goes on in the next ones, each after the first headed `...`), waiting
/// `allowed` at most in all for room in a full socket; with how long it
/// waited. An error says why the message was lost: syslog failed, or it
/// is resting after a failure.
pub(super) fn send(ty: Type, text: &str, allowed: Duration) -> (Result<(), String>, Duration) {
    let started = Instant::now();
    let sent = send_waiting(ty, text, started + allowed);
    (sent, started.elapsed())
}

fn send_waiting(ty: Type, text: &str, deadline: Instant) -> Result<(), String> {
    let path = std::env::var("RDIRD_SYSLOG_SOCKET").unwrap_or_else(|_| "/dev/log".to_string());
    let mut st = lock(&STATE);
    if let Some(until) = st.resting_until {
        if Instant::now() < until {
            return Err(format!("syslog at {path} is not tried again yet"));
        }
        st.resting_until = None;
    }
    let now = clock::local(clock::now());
    let stamp = format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        now.month_name(),
        now.day,
        now.hour,
        now.minute,
        now.second
    );
    let head = format!("<{}>{stamp} bacula-dir: ", FACILITY | severity(ty));
    for line in text.lines() {
        for (i, piece) in pieces(line).into_iter().enumerate() {
            let record = format!("{head}{}{piece}", if i > 0 { "..." } else { "" });
            if let Err(e) = send_record(&mut st, &path, record.as_bytes(), deadline) {
                st.socket = None;
                st.resting_until = Some(Instant::now() + REST);
                return Err(format!(
                    "syslog at {path}: {e}; syslog is left alone for {} s",
                    REST.as_secs()
                ));
            }
        }
    }
    Ok(())
}

fn send_record(
    st: &mut State,
    path: &str,
    record: &[u8],
    deadline: Instant,
) -> std::io::Result<()> {
    if st.socket.is_none() {
        st.socket = Some(connect(path)?);
    }
    let socket = st.socket.as_ref().expect("connected above");
    match socket.send(record) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            room(socket, deadline.saturating_duration_since(Instant::now()));
            socket.send(record).map(|_| ())
        }
        // A syslog daemon that was restarted has a new socket at the path.
        Err(_) => {
            let fresh = connect(path)?;
            fresh.send(record)?;
            st.socket = Some(fresh);
            Ok(())
        }
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{pieces, MOST};

    #[test]
    fn a_long_line_goes_on_in_the_next_records_whole() {
        let line = format!("{}é{}", "a".repeat(MOST - 1), "b".repeat(1500));
        let p = pieces(&line);
        assert!(p.iter().all(|r| r.len() <= MOST));
        assert_eq!(p.concat(), line);
        assert_eq!(pieces("short"), ["short"]);
    }
}
