//! The file daemon, as the Director speaks to it.

use std::time::Duration;

use super::{status_report, Daemon};
use crate::bnet::{Connection, Packet, Signal};
use crate::config::Resource;

/// The file daemon of a Client resource.
pub fn daemon<'a>(director_name: &str, client: &'a Resource) -> Daemon<'a> {
    Daemon {
        what: format!("Client \"{}\"", client.name),
        resource: client,
        port_directive: "FdPort",
        default_port: 9102,
        hello: format!("Hello Director {director_name} calling 103\n"),
        hello_ok: "2000 OK Hello",
    }
}

/// How long a running job waits for a word from the file daemon: when
/// the Client resource sets Heartbeat Interval, three intervals (and at
/// least 15 s; a file daemon sends its heartbeats at most every 5 s),
/// after which the file daemon is taken for stalled or gone and the job
/// fails. Without it, as long as the job takes. The file daemon's own
/// Heartbeat Interval must be set too, no longer than the Client's.
pub fn silence_limit(client: &Resource) -> Option<Duration> {
    match client.get("HeartbeatInterval") {
        Some(crate::config::Value::Int(n)) if *n > 0 => {
            Some(Duration::from_secs((*n as u64).saturating_mul(3).max(15)))
        }
        _ => None,
    }
}

/// `status client`: the file daemon's own status report, line by line.
pub fn status(
    director_name: &str,
    client: &Resource,
    connect_timeout: Duration,
) -> Result<Vec<String>, String> {
    let d = daemon(director_name, client);
    let what = d.what.clone();
    status_report(&d, director_name, connect_timeout, |conn| {
        console_job(conn, &what)
    })
}

/// Gives the file daemon the job it wants before any command: a console
/// one (JobId 0, `-Console-`), as bacula-dir's connect_to_file_daemon
/// does for the console's own jcr.
fn console_job(conn: &mut Connection, what: &str) -> Result<(), String> {
    conn.send(format!(
        "JobId=0 Job={} SDid=0 SDtime=0 Authorization=dummy\n",
        crate::job::names::unique("-Console-")
    ))
    .map_err(|e| e.to_string())?;
    let job_ok = conn.recv_text().map_err(|e| e.to_string())?;
    if job_ok.starts_with("2000 OK Job") {
        Ok(())
    } else {
        Err(format!(
            "{what} refused the console job: {:?}",
            job_ok.trim_end()
        ))
    }
}

/// A console session with the file daemon: logged in, with its job.
pub fn session(
    director_name: &str,
    client: &Resource,
    connect_timeout: Duration,
) -> Result<Connection, String> {
    let d = daemon(director_name, client);
    let mut conn = d.login(director_name, connect_timeout)?;
    console_job(&mut conn, &d.what)?;
    Ok(conn)
}

/// What `estimate` asks of the file daemon.
pub struct EstimateRequest<'a> {
    pub fileset: &'a Resource,
    /// `F`, `I` or `D`.
    pub level: char,
    /// For Incremental and Differential: the prior job's start (unix
    /// time) and unique name.
    pub since: Option<(i64, String)>,
    pub accurate: bool,
    /// For an accurate Incremental or Differential: the files the
    /// catalog holds for the jobs it builds on, as the file daemon reads
    /// them (`path+name NUL lstat NUL digest NUL deltaseq`).
    pub accurate_files: Vec<Vec<u8>>,
    /// Whether the file daemon lists each file it would back up.
    pub listing: bool,
}

/// `estimate`: the level, the FileSet (and for an accurate job the files
/// already backed up), then `estimate listing=N`; every line the file
/// daemon answers goes to `on_line`, as bacula-dir relays them
/// (ua_cmds.c estimate_cmd), up to its end of data.
pub fn estimate(
    director_name: &str,
    client: &Resource,
    req: &EstimateRequest<'_>,
    connect_timeout: Duration,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let mut conn = session(director_name, client, connect_timeout)?;
    let result = (|| {
        let say = |_: &str| {};
        super::backup::send_level(&mut conn, req.level, req.since.as_ref(), req.accurate, &say)?;
        super::backup::send_fileset(&mut conn, req.fileset, &say)?;
        if req.accurate && req.level != 'F' {
            super::backup::send_accurate(&mut conn, &req.accurate_files)?;
        }
        listing(&mut conn, req.listing, on_line)
    })();
    let _ = conn.signal(Signal::Terminate);
    conn.close();
    result
}

/// `.ls client= path=`: the file daemon lists one directory (its
/// entries, not below), with the FileSet bacula-dir's send_ls_fileset
/// sends and no level, as ua_dotcmds.c dot_ls_cmd does.
pub fn ls(
    director_name: &str,
    client: &Resource,
    path: &str,
    connect_timeout: Duration,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let mut conn = session(director_name, client, connect_timeout)?;
    let result = (|| {
        let say = |_: &str| {};
        conn.send_then_eod(&ls_fileset(path))
            .map_err(|e| e.to_string())?;
        super::backup::expect(&mut conn, "2000 OK include", "the FileSet", &say)?;
        listing(&mut conn, true, on_line)
    })();
    let _ = conn.signal(Signal::Terminate);
    conn.close();
    result
}

/// The FileSet of bacula-dir's send_ls_fileset (fd_cmds.c): the path,
/// not descending into the directories below it.
fn ls_fileset(path: &str) -> Vec<String> {
    vec![
        "fileset\n".into(),
        "I\n".into(),
        "O h\n".into(),
        "N\n".into(),
        format!("F {path}\n"),
        "N\n".into(),
    ]
}

/// Sends `estimate listing=N` and relays every line up to the end of data.
fn listing(
    conn: &mut Connection,
    listing: bool,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    conn.send(format!("estimate listing={}\n", u8::from(listing)))
        .map_err(|e| e.to_string())?;
    loop {
        match conn.recv().map_err(|e| e.to_string())? {
            Packet::Data(d) => on_line(&crate::bnet::rawtext::decode(&d)),
            Packet::Signal(Signal::Eod) | Packet::Signal(Signal::Terminate) => return Ok(()),
            Packet::Signal(_) => {}
        }
    }
}
