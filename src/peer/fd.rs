//! The file daemon, as the Director speaks to it.

use std::time::Duration;

use crate::bnet::Signal;
use crate::config::Resource;

/// `status client`: the file daemon's own status report, line by line.
pub fn status(
    director_name: &str,
    client: &Resource,
    connect_timeout: Duration,
) -> Result<Vec<String>, String> {
    let host = client.str("Address").unwrap_or("localhost");
    let port = client.int("FdPort").unwrap_or(9102) as u16;
    let what = format!("Client \"{}\"", client.name);
    let mut conn = super::connect(&what, host, port, connect_timeout)?;
    let password = client.str("Password").unwrap_or_default();
    super::hello(
        &mut conn,
        &format!("Hello Director {director_name} calling 103\n"),
        director_name,
        password,
    )
    .map_err(|e| e.to_string())?;
    let ok = conn.recv_text().map_err(|e| e.to_string())?;
    if !ok.starts_with("2000 OK Hello") {
        return Err(format!(
            "{what} answered the Hello with {:?}",
            ok.trim_end()
        ));
    }
    let now = crate::clock::local(crate::clock::now());
    conn.send(format!(
        "JobId=0 Job=-Console-.{}_01 SDid=0 SDtime=0 Authorization=dummy\n",
        now.job_name()
    ))
    .map_err(|e| e.to_string())?;
    let job_ok = conn.recv_text().map_err(|e| e.to_string())?;
    if !job_ok.starts_with("2000 OK Job") {
        return Err(format!(
            "{what} refused the status job: {:?}",
            job_ok.trim_end()
        ));
    }
    conn.send("status\n").map_err(|e| e.to_string())?;
    let lines = super::read_until_eod(&mut conn).map_err(|e| e.to_string())?;
    let _ = conn.signal(Signal::Terminate);
    conn.close();
    Ok(lines)
}
