//! The file daemon, as the Director speaks to it.

use std::time::Duration;

use super::{status_report, Daemon};
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
        // The file daemon wants a job before it answers; a console one.
        let now = crate::clock::local(crate::clock::now());
        conn.send(format!(
            "JobId=0 Job=-Console-.{}_01 SDid=0 SDtime=0 Authorization=dummy\n",
            now.job_name()
        ))
        .map_err(|e| e.to_string())?;
        let job_ok = conn.recv_text().map_err(|e| e.to_string())?;
        if job_ok.starts_with("2000 OK Job") {
            Ok(())
        } else {
            Err(format!(
                "{what} refused the status job: {:?}",
                job_ok.trim_end()
            ))
        }
    })
}
