//! The Director's side of the file daemon and storage daemon protocols:
//! connecting, the Hello, CRAM-MD5 both ways, and what the Director asks
//! of each daemon. Today: their status, for `status client` and `status
//! storage`.

pub mod fd;
pub mod sd;

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::bnet::{cram, BnetError, Connection, Packet, Signal};

/// How long a status exchange may wait for the daemon.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Connects to a daemon; `what` names it in errors ("Client web-fd").
pub fn connect(what: &str, host: &str, port: u16, timeout: Duration) -> Result<Connection, String> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{what}: cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{what}: no address for {host}");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                return Ok(Connection::new(
                    s,
                    format!("{what} at {host}:{port}"),
                    READ_TIMEOUT,
                ))
            }
            Err(e) => last = format!("{what} at {host}:{port}: cannot connect: {e}"),
        }
    }
    Err(last)
}

/// The Hello, then the daemon's challenge and ours, both with `password`.
pub fn hello(
    conn: &mut Connection,
    hello: &str,
    my_name: &str,
    password: &str,
) -> Result<(), BnetError> {
    let key = cram::password_key(password);
    conn.send(hello)?;
    cram::answer_peer(conn, &key)?;
    cram::challenge_peer(conn, my_name, &key)
}

/// Reads text packets up to the end of data, each without its NUL.
pub fn read_until_eod(conn: &mut Connection) -> Result<Vec<String>, BnetError> {
    let mut out = Vec::new();
    loop {
        match conn.recv()? {
            p @ Packet::Data(_) => out.push(p.text()),
            Packet::Signal(Signal::Eod) => return Ok(out),
            Packet::Signal(_) => {}
        }
    }
}
