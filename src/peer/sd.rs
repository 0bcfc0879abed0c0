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

/// What the storage daemon's `3000 OK label.` says of the new label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labeled {
    pub bytes: i64,
    /// The device type the SD wrote it on (Bacula's B_FILE_DEV is 1).
    pub vol_type: i64,
}

/// A session with the storage daemon of one Storage for labelling: the
/// label, then (as bacula-dir's ua_label.c do_label does with automount
/// on) the mount, on the same connection. Ended when dropped.
pub struct LabelSession<'a> {
    conn: crate::bnet::Connection,
    storage: &'a Resource,
}

impl<'a> LabelSession<'a> {
    pub fn open(
        director_name: &str,
        storage: &'a Resource,
        connect_timeout: Duration,
    ) -> Result<Self, String> {
        let mut conn = daemon(director_name, storage).login(director_name, connect_timeout)?;
        // Labelling a tape can take minutes.
        conn.set_timeout(Some(Duration::from_secs(600)));
        Ok(LabelSession { conn, storage })
    }

    /// Asks the storage daemon to write the label on the Storage's
    /// device; each line it answers goes to `on_line`. What the label is,
    /// or the daemon's last word on why it failed.
    pub fn label(
        &mut self,
        req: &LabelRequest<'_>,
        on_line: &mut dyn FnMut(&str),
    ) -> Result<Labeled, String> {
        let device = bash_spaces(&device(self.storage));
        let names = match req.old {
            Some(old) => format!(
                "relabel {device} OldName={} NewName={}",
                bash_spaces(old),
                bash_spaces(req.volume)
            ),
            None => format!("label {device} VolumeName={}", bash_spaces(req.volume)),
        };
        let command = format!(
            "{names} PoolName={} MediaType={} Slot={} drive={}\n",
            bash_spaces(req.pool),
            bash_spaces(req.media_type),
            req.slot,
            req.drive
        );
        let mut labeled = None;
        let mut last = String::new();
        up_to_eod(&mut self.conn, &command, &mut |line| {
            on_line(line);
            if let Some(rest) = line.strip_prefix("3000 OK label.") {
                labeled = Some(Labeled {
                    bytes: super::catreq::field(rest, "VolBytes").unwrap_or(0),
                    vol_type: super::catreq::field(rest, "VolType").unwrap_or(0),
                });
            }
            last = line.to_string();
        })?;
        labeled.ok_or(last)
    }

    /// Asks the storage daemon to mount the device's volume; each line it
    /// answers goes to `on_line`. Whether it said the volume is mounted,
    /// or that a file device needs no mount (3001, 3002, 3906): when not,
    /// bacula-dir reminds the administrator to mount it.
    pub fn mount(
        &mut self,
        (drive, slot): (i64, i64),
        on_line: &mut dyn FnMut(&str),
    ) -> Result<bool, String> {
        let command = format!(
            "mount {} drive={drive} slot={slot}\n",
            bash_spaces(&device(self.storage))
        );
        let mut mounted = false;
        up_to_eod(&mut self.conn, &command, &mut |line| {
            on_line(line);
            mounted |= ["3001 ", "3002 ", "3906 "]
                .iter()
                .any(|p| line.starts_with(p));
        })?;
        Ok(mounted)
    }
}

impl Drop for LabelSession<'_> {
    fn drop(&mut self) {
        let _ = self.conn.signal(crate::bnet::Signal::Terminate);
        self.conn.close();
    }
}

/// Sends one command and gives each line of the answer to `on_line`, up
/// to the end of data the storage daemon sends after every command
/// (stored/dircmd.c); an answer cut short is an error naming the daemon.
fn up_to_eod(
    conn: &mut crate::bnet::Connection,
    command: &str,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    use crate::bnet::{Packet, Signal};
    conn.send(command).map_err(|e| e.to_string())?;
    loop {
        match conn.recv().map_err(|e| e.to_string())? {
            Packet::Data(data) => {
                on_line(crate::bnet::rawtext::decode(&data).trim_end_matches(['\n', '\0']))
            }
            Packet::Signal(Signal::Eod) => return Ok(()),
            Packet::Signal(Signal::Terminate) => {
                return Err(format!("{} ended the session", conn.peer()))
            }
            Packet::Signal(_) => {}
        }
    }
}
