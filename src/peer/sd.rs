//! The storage daemon, as the Director speaks to it.

use std::time::Duration;

use super::{status_report, Daemon};
use crate::config::Resource;

/// The storage daemon of a Storage resource.
pub fn daemon<'a>(director_name: &str, storage: &'a Resource) -> Daemon<'a> {
    Daemon {
        what: format!("Storage \"{}\"", storage.name),
        resource: storage,
        port_directive: "SdPort",
        default_port: 9103,
        hello: format!("Hello SD: Bacula Director {director_name} calling 103\n"),
        hello_ok: "3000 OK Hello",
    }
}

/// `status storage`: the storage daemon's own status report.
pub fn status(
    director_name: &str,
    storage: &Resource,
    connect_timeout: Duration,
) -> Result<Vec<String>, String> {
    status_report(
        &daemon(director_name, storage),
        director_name,
        connect_timeout,
        |_| Ok(()),
    )
}
