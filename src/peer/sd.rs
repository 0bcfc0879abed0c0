//! The storage daemon, as the Director speaks to it.

use std::time::Duration;

use crate::bnet::Signal;
use crate::config::Resource;

/// `status storage`: the storage daemon's own status report.
pub fn status(
    director_name: &str,
    storage: &Resource,
    connect_timeout: Duration,
) -> Result<Vec<String>, String> {
    let host = storage.str("Address").unwrap_or("localhost");
    let port = storage.int("SdPort").unwrap_or(9103) as u16;
    let what = format!("Storage \"{}\"", storage.name);
    let mut conn = super::connect(&what, host, port, connect_timeout)?;
    let password = storage.str("Password").unwrap_or_default();
    super::hello(
        &mut conn,
        &format!("Hello SD: Bacula Director {director_name} calling 103\n"),
        director_name,
        password,
    )
    .map_err(|e| e.to_string())?;
    let ok = conn.recv_text().map_err(|e| e.to_string())?;
    if !ok.starts_with("3000 OK Hello") {
        return Err(format!(
            "{what} answered the Hello with {:?}",
            ok.trim_end()
        ));
    }
    conn.send("status\n").map_err(|e| e.to_string())?;
    let lines = super::read_until_eod(&mut conn).map_err(|e| e.to_string())?;
    let _ = conn.signal(Signal::Terminate);
    conn.close();
    Ok(lines)
}
