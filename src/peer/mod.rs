//! The Director's side of the file daemon and storage daemon protocols:
//! connecting, the Hello, CRAM-MD5 both ways, and what the Director asks
//! of each daemon: their status (`status client`, `status storage`), the
//! console's commands that reach them (`command`: setdebug, mount,
//! statistics, …) and backups (`backup`, with the storage daemon's
//! requests in `catreq`).

pub mod backup;
pub mod catreq;
pub mod fd;
pub mod job;
pub mod network;
pub mod restore;
pub mod sd;
pub mod verify;

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::bnet::{cram, BnetError, Connection, Packet, Signal};
use crate::config::Resource;

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
                let mut c = Connection::new(s, format!("{what} at {host}:{port}"), READ_TIMEOUT);
                c.set_quick_ack();
                return Ok(c);
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

/// Where a daemon is and how to greet it.
pub struct Daemon<'a> {
    /// `Client "web-fd"`, for messages.
    pub what: String,
    pub resource: &'a Resource,
    pub port_directive: &'static str,
    pub default_port: u16,
    /// The Hello line the daemon expects from the Director.
    pub hello: String,
    /// How the daemon's answer to the Hello starts (`2000 OK Hello`).
    pub hello_ok: &'static str,
}

impl Daemon<'_> {
    /// Its `Address`, or localhost.
    pub fn host(&self) -> &str {
        self.resource.str("Address").unwrap_or("localhost")
    }

    /// Its port directive, or the default port.
    pub fn port(&self) -> u16 {
        self.resource
            .int(self.port_directive)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(self.default_port)
    }

    /// Connects, greets and authenticates both ways; the connection once
    /// the daemon has accepted the Hello.
    pub fn login(
        &self,
        director_name: &str,
        connect_timeout: Duration,
    ) -> Result<Connection, String> {
        let mut conn = connect(&self.what, self.host(), self.port(), connect_timeout)?;
        // A daemon that accepts and then says nothing is taken for gone
        // once the connect timeout has passed, not after a full read
        // timeout at each step of the handshake.
        conn.set_deadline(Some(std::time::Instant::now() + connect_timeout));
        let password = self.resource.str("Password").unwrap_or_default();
        hello(&mut conn, &self.hello, director_name, password).map_err(|e| e.to_string())?;
        let ok = conn.recv_text().map_err(|e| e.to_string())?;
        conn.set_deadline(None);
        if ok.starts_with(self.hello_ok) {
            Ok(conn)
        } else {
            Err(format!(
                "{} answered the Hello with {:?}",
                self.what,
                ok.trim_end()
            ))
        }
    }
}

/// Logs in to a daemon, runs `before_status` (a job line for the file
/// daemon), asks for `status`, and returns the report line by line.
pub fn status_report(
    d: &Daemon<'_>,
    director_name: &str,
    connect_timeout: Duration,
    before_status: impl FnOnce(&mut Connection) -> Result<(), String>,
) -> Result<Vec<String>, String> {
    let mut conn = d.login(director_name, connect_timeout)?;
    before_status(&mut conn)?;
    conn.send("status\n").map_err(|e| e.to_string())?;
    let lines = read_until_eod(&mut conn).map_err(|e| e.to_string())?;
    let _ = conn.signal(Signal::Terminate);
    conn.close();
    Ok(lines)
}

impl Daemon<'_> {
    /// Tells the daemon to cancel the job named `job_name`; its answer
    /// (`2001 Job … marked to be canceled.`, `3000 JobId=… marked …`).
    pub fn cancel(
        &self,
        director_name: &str,
        job_name: &str,
        connect_timeout: Duration,
    ) -> Result<String, String> {
        self.tell_job("cancel", director_name, job_name, connect_timeout)
    }

    /// Tells the daemon to stop the job named `job_name` so that it ends
    /// Incomplete (`2001 Job … marked to be stopped.`).
    pub fn stop(
        &self,
        director_name: &str,
        job_name: &str,
        connect_timeout: Duration,
    ) -> Result<String, String> {
        self.tell_job("stop", director_name, job_name, connect_timeout)
    }

    /// Sends `verb Job=<job_name>` and returns the daemon's one-line answer.
    fn tell_job(
        &self,
        verb: &str,
        director_name: &str,
        job_name: &str,
        connect_timeout: Duration,
    ) -> Result<String, String> {
        let mut conn = self.login(director_name, connect_timeout)?;
        conn.send(format!("{verb} Job={job_name}\n"))
            .map_err(|e| e.to_string())?;
        let answer = conn.recv_text().map_err(|e| e.to_string());
        let _ = conn.signal(Signal::Terminate);
        conn.close();
        answer.map(|a| a.trim_end_matches(['\n', '\0']).to_string())
    }
}

/// How much of a daemon's answer a command waits for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Answer {
    /// One line (`2000 OK setdebug=…`).
    Line,
    /// Every line up to the end of data (`mount`, `statistics`).
    UpToEod,
}

/// Sends `command` on an open session, gives the daemon's answer to
/// `on_line` line by line, and ends the session. An answer that stops
/// short (the daemon went away, or said nothing for the connection's
/// timeout) is an error naming the daemon.
pub fn command(
    mut conn: Connection,
    command: &str,
    answer: Answer,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let result = (|| {
        conn.send(command).map_err(|e| e.to_string())?;
        loop {
            match conn.recv().map_err(|e| e.to_string())? {
                Packet::Data(d) => {
                    on_line(&crate::bnet::rawtext::decode(&d));
                    if answer == Answer::Line {
                        return Ok(());
                    }
                }
                Packet::Signal(Signal::Eod) if answer == Answer::UpToEod => return Ok(()),
                Packet::Signal(Signal::Terminate) => {
                    return Err(format!("{} ended the session", conn.peer()))
                }
                Packet::Signal(_) => {}
            }
        }
    })();
    let _ = conn.signal(Signal::Terminate);
    conn.close();
    result
}
