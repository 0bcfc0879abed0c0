//! The storage daemon, as the Director speaks to it.

use std::time::Duration;

use super::{status_report, Daemon};
use crate::bnet::spaces::bash_spaces;
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

/// `mount`, `unmount` or `release` of a device: the storage daemon's
/// answer, line by line, as bacula-dir's do_storage_cmd relays it
/// (ua_cmds.c). `drive` and `slot` are -1 when not given, as there.
pub fn device_command(
    director_name: &str,
    storage: &Resource,
    verb: &str,
    device: &str,
    (drive, slot): (i64, i64),
    connect_timeout: Duration,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let conn = daemon(director_name, storage).login(director_name, connect_timeout)?;
    super::command(
        conn,
        &format!("{verb} {} drive={drive} slot={slot}\n", bash_spaces(device)),
        super::Answer::UpToEod,
        on_line,
    )
}

/// The device name a Storage resource gives (its first).
pub fn device(storage: &Resource) -> String {
    match storage.get("Device") {
        Some(crate::config::Value::StrList(l)) => l.first().cloned().unwrap_or_default(),
        Some(crate::config::Value::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

/// A `label` request for the storage daemon; with `old`, a `relabel` of
/// that volume (which truncates a disk volume to its label).
pub struct LabelRequest<'a> {
    pub volume: &'a str,
    pub old: Option<&'a str>,
    pub pool: &'a str,
    pub media_type: &'a str,
    pub slot: i64,
    pub drive: i64,
}

/// Asks the storage daemon to write a volume label on the Storage's
/// device; each line it answers goes to `on_line`. The volume's bytes
/// once labeled, or why it failed.
pub fn label(
    director_name: &str,
    storage: &Resource,
    req: &LabelRequest<'_>,
    connect_timeout: Duration,
    on_line: &mut dyn FnMut(&str),
) -> Result<i64, String> {
    let d = daemon(director_name, storage);
    let mut conn = d.login(director_name, connect_timeout)?;
    let device = device(storage);
    let names = match req.old {
        Some(old) => format!(
            "relabel {} OldName={} NewName={}",
            bash_spaces(&device),
            bash_spaces(old),
            bash_spaces(req.volume)
        ),
        None => format!(
            "label {} VolumeName={}",
            bash_spaces(&device),
            bash_spaces(req.volume)
        ),
    };
    conn.send(format!(
        "{names} PoolName={} MediaType={} Slot={} drive={}\n",
        bash_spaces(req.pool),
        bash_spaces(req.media_type),
        req.slot,
        req.drive
    ))
    .map_err(|e| e.to_string())?;
    // Labelling a tape can take minutes.
    conn.set_timeout(Some(Duration::from_secs(600)));
    let mut bytes = None;
    let mut last = String::new();
    loop {
        match conn.recv() {
            Ok(crate::bnet::Packet::Data(data)) => {
                let line = String::from_utf8_lossy(&data)
                    .trim_end_matches(['\n', '\0'])
                    .to_string();
                on_line(&line);
                if let Some(rest) = line.strip_prefix("3000 OK label.") {
                    bytes = Some(super::catreq::field(rest, "VolBytes").unwrap_or(0));
                    break;
                }
                if line.starts_with("39") {
                    last = line;
                    break;
                }
                last = line;
            }
            Ok(crate::bnet::Packet::Signal(crate::bnet::Signal::Eod)) => break,
            Ok(crate::bnet::Packet::Signal(crate::bnet::Signal::Terminate)) => break,
            Ok(crate::bnet::Packet::Signal(_)) => {}
            Err(e) => {
                last = e.to_string();
                break;
            }
        }
    }
    let _ = conn.signal(crate::bnet::Signal::Terminate);
    conn.close();
    bytes.ok_or(last)
}
