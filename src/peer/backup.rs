//! A backup job's conversation with the storage daemon and the file
//! daemon, in the order bacula-dir 9.6.7 holds it: the storage daemon is
//! told about the job and its device, it finds its volume through the
//! Director's catalog, then the file daemon is given the level, the
//! FileSet and the storage daemon's address and told to back up; the
//! storage daemon's catalog requests are answered on their own thread
//! until both daemons report the end of the job.

use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use md5::{Digest, Md5};

use super::catreq::{self, Handler, SdReport};
use super::fd;
use super::job::{converse, open_sd_job, Parties, SdJob};
use crate::bnet::conn::Closer;
use crate::bnet::{BnetError, Connection, Packet, Signal};
use crate::config::{IncExe, Resource, Value};
use crate::director::Director;

/// How long a daemon may take to accept the connection.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What a backup needs to know before it talks to the daemons.
pub struct Plan<'a> {
    /// The job, its daemons and its cancel flag.
    pub parties: Parties<'a>,
    pub job: &'a Resource,
    pub pool: &'a Resource,
    pub fileset: &'a Resource,
    /// The FileSet's fingerprint (`fileset_md5`), as its catalog record has it.
    pub fileset_md5: &'a str,
    /// The level to send: `F`, `I` or `D`.
    pub level: char,
    /// For Incremental and Differential: the prior job's start (unix
    /// time) and unique name.
    pub since: Option<(i64, String)>,
    /// Whether the backup is accurate, and for an accurate Incremental
    /// or Differential the files the catalog holds for the jobs it
    /// builds on (as `EstimateRequest::accurate_files`).
    pub accurate: bool,
    pub accurate_files: &'a [Vec<u8>],
    /// Whether the storage daemon spools the job's data before it
    /// writes it to the volume.
    pub spool_data: bool,
    pub messages: Option<String>,
    /// Sets the job's status letter: `S` while it waits for the storage
    /// daemon, `F` for the file daemon, `R` once both have taken it.
    pub status: &'a (dyn Fn(char) + Sync),
}

/// What the file daemon reported at the end of the job.
#[derive(Debug, Default, Clone)]
pub struct FdReport {
    pub status: char,
    pub files: i64,
    pub read_bytes: i64,
    pub bytes: i64,
    pub errors: i64,
}

impl FdReport {
    /// The figures of the file daemon's `2800 End Job TermCode=… …`.
    pub fn from_end_line(end: &str) -> FdReport {
        let n = |k: &str| catreq::field(end, k).unwrap_or(0);
        FdReport {
            status: u8::try_from(n("TermCode")).map(char::from).unwrap_or('f'),
            files: n("JobFiles"),
            read_bytes: n("ReadBytes"),
            bytes: n("JobBytes"),
            errors: n("Errors"),
        }
    }
}

/// How a job went, daemon by daemon.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub sd: SdReport,
    pub fd: FdReport,
    pub vol_session_id: i64,
    pub vol_session_time: i64,
    /// The storage daemon's key for this job, which the file daemon shows.
    pub(super) job_key: String,
    /// Why the job could not run to its end, for the job report.
    pub fatal: Option<String>,
}

impl Outcome {
    /// Takes the session and the job's key from the storage daemon's
    /// `3000 OK Job SDid=… SDtime=… Authorization=…`.
    pub(super) fn take_job_answer(&mut self, answer: &str) {
        self.vol_session_id = catreq::field(answer, "SDid").unwrap_or(0);
        self.vol_session_time = catreq::field(answer, "SDtime").unwrap_or(0);
        self.job_key = answer
            .split_whitespace()
            .find_map(|w| w.strip_prefix("Authorization="))
            .unwrap_or("")
            .to_string();
    }

    /// Puts both daemons' figures where scripts and the report read them.
    pub fn record_in(&self, d: &mut crate::job::JobData) {
        d.files = self.fd.files;
        d.bytes = self.fd.bytes;
        d.read_bytes = self.fd.read_bytes;
        d.sd_files = self.sd.files;
        d.sd_errors = self.sd.errors;
        d.errors += self.fd.errors;
        d.fd_status = self.fd.status;
        d.sd_status = self.sd.status;
    }

    /// A backup that could not start.
    pub fn failed(why: String) -> Outcome {
        Outcome {
            fatal: Some(why),
            ..Outcome::default()
        }
    }
}

pub(super) fn bnet(e: BnetError) -> String {
    e.to_string()
}

/// Reads the daemon's answer to a command, passing on the job messages
/// it sends first; the answer, or an error naming the daemon when the
/// answer does not start with `ok`.
pub(super) fn expect(
    conn: &mut Connection,
    ok: &str,
    command: &str,
    on_message: &dyn Fn(&str),
) -> Result<String, String> {
    loop {
        match conn.recv().map_err(bnet)? {
            Packet::Data(d) => {
                let line = crate::bnet::rawtext::decode(&d)
                    .trim_end_matches(['\n', '\0'])
                    .to_string();
                if let Some(text) = catreq::job_message(&line) {
                    on_message(text);
                    continue;
                }
                if line.starts_with(ok) {
                    return Ok(line);
                }
                return Err(format!(
                    "{} refused {command}: {}",
                    conn.peer(),
                    line.trim_end()
                ));
            }
            Packet::Signal(Signal::Btime) => {
                // The file daemon syncing its clock with ours.
                let us = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_micros())
                    .unwrap_or(0);
                conn.send(format!("btime {us}\n")).map_err(bnet)?;
            }
            Packet::Signal(_) => {}
        }
    }
}

/// The FileSet as the file daemon reads it: `I`/`E`, `Z`, the options
/// with their patterns and `N`, `F` files, `N`, `P` plugins, `N`.
pub fn fileset_lines(fileset: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    for (directive, code) in [("Include", "I"), ("Exclude", "E")] {
        let Some(Value::IncExes(list)) = fileset.get(directive) else {
            continue;
        };
        for ie in list {
            incexe_lines(ie, code, &mut out);
        }
    }
    out
}

fn incexe_lines(ie: &IncExe, code: &str, out: &mut Vec<String>) {
    out.push(format!("{code}\n"));
    if let Some(z) = &ie.exclude_dir_containing {
        out.push(format!("Z {z}\n"));
    }
    for o in &ie.options {
        out.push(format!("O {}\n", o.opts));
        let lists: [(&str, &Vec<String>); 8] = [
            ("R", &o.regex),
            ("RD", &o.regex_dir),
            ("RF", &o.regex_file),
            ("W", &o.wild),
            ("WD", &o.wild_dir),
            ("WF", &o.wild_file),
            ("B", &o.base),
            ("X", &o.fs_type),
        ];
        for (c, items) in lists {
            out.extend(items.iter().map(|i| format!("{c} {i}\n")));
        }
        out.extend(o.drive_type.iter().map(|i| format!("XD {i}\n")));
        if let Some(p) = &o.plugin {
            out.push(format!("G {p}\n"));
        }
        out.push("N\n".into());
    }
    out.extend(ie.files.iter().map(|f| format!("F {f}")));
    out.push("N\n".into());
    out.extend(ie.plugins.iter().map(|p| format!("P {p}")));
    out.push("N\n".into());
}

/// The FileSet's fingerprint, as the catalog's FileSet.MD5 and the storage
/// daemon have it: Bacula's, so that a catalog bacula-dir wrote keeps its
/// FileSet records (and an Incremental finds bacula-dir's Full). Bacula
/// (dird/inc_conf.c `store_fname`, `store_plugin_name`; dird/job.c
/// `get_or_create_fileset_record`) hashes each `File =` and `Plugin =`
/// value as written, in the order read; here the Include blocks come
/// before the Exclude blocks and a block's files before its plugins,
/// which is that order for every FileSet that writes them so.
pub fn fileset_md5(fileset: &Resource) -> String {
    let mut h = Md5::new();
    for directive in ["Include", "Exclude"] {
        let Some(Value::IncExes(list)) = fileset.get(directive) else {
            continue;
        };
        for ie in list {
            for value in ie.files.iter().chain(&ie.plugins) {
                h.update(value.as_bytes());
            }
        }
    }
    crate::bnet::base64::encode(&h.finalize())
}

/// Runs the backup; `volumes` names the volume for append in a pool
/// (creating it when needed) or says why there is none, and hears of
/// volumes that became Full.
pub fn run(director: &Director, plan: &Plan<'_>, volumes: &mut dyn catreq::Volumes) -> Outcome {
    let mut out = Outcome::default();
    let say =
        |text: &str| director.daemon_message(plan.parties.job_id, plan.messages.as_deref(), text);
    let mut handler = Handler::new(
        director,
        plan.parties.job_id,
        plan.messages.clone(),
        volumes,
    );
    (plan.status)('S');
    let sd = match start_sd(plan, &mut out, &mut handler) {
        Ok(c) => c,
        Err(e) => {
            out.fatal = Some(e);
            return out;
        }
    };
    converse(&plan.parties, sd, handler, &mut out, |out, closers| {
        (plan.status)('F');
        run_fd(plan, out, &say, closers)
    });
    out
}

fn start_sd(
    plan: &Plan<'_>,
    out: &mut Outcome,
    handler: &mut Handler<'_>,
) -> Result<Connection, String> {
    let job = SdJob {
        job_resource: &plan.job.name,
        job_type: 'B',
        level: plan.level,
        fileset: &plan.fileset.name,
        fileset_md5: plan.fileset_md5,
        spool_attributes: plan.job.bool("SpoolAttributes").unwrap_or(false),
        spool_data: plan.spool_data,
    };
    let pool = (
        plan.pool.name.as_str(),
        plan.pool.str("PoolType").unwrap_or("Backup"),
    );
    let (mut sd, device) = open_sd_job(&plan.parties, &job, pool, true, out)?;
    // The storage daemon asks for a volume before it accepts the device.
    loop {
        match sd.recv().map_err(bnet)? {
            Packet::Data(d) => {
                let line = String::from_utf8_lossy(&d).to_string();
                if line.starts_with("3000 OK use device") {
                    break;
                }
                if line.starts_with("CatReq") || line.starts_with("Jmsg") {
                    handler.handle(&mut sd, &d).map_err(bnet)?;
                    continue;
                }
                return Err(format!(
                    "{} refused device \"{device}\": {}",
                    sd.peer(),
                    line.trim_end_matches(['\n', '\0'])
                ));
            }
            Packet::Signal(_) => {}
        }
    }
    sd.send("run").map_err(bnet)?;
    sd.set_timeout(None);
    Ok(sd)
}

/// Answers the storage daemon until it reports the end of the job.
pub(super) fn sd_loop(sd: &mut Connection, handler: &mut Handler<'_>) -> Result<(), String> {
    loop {
        match sd.recv() {
            Ok(Packet::Data(d)) => {
                if handler.handle(sd, &d).map_err(bnet)? {
                    return Ok(());
                }
            }
            Ok(Packet::Signal(Signal::Terminate)) => {
                return Err(format!("{} ended the job without a report", sd.peer()))
            }
            Ok(Packet::Signal(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn run_fd(
    plan: &Plan<'_>,
    out: &Outcome,
    say: &dyn Fn(&str),
    closers: &Mutex<Vec<Closer>>,
) -> Result<FdReport, String> {
    let mut fd = super::job::open_fd_job(&plan.parties, out, say, closers)?;
    (plan.status)('R');
    send_level(&mut fd, plan.level, plan.since.as_ref(), plan.accurate, say)?;
    send_fileset(&mut fd, plan.fileset, say)?;
    super::job::tell_fd_storage(&mut fd, &plan.parties, None, say)?;
    // As bacula-dir's send_accurate_current_files: a Full sends none.
    if plan.accurate && plan.level != 'F' {
        send_accurate(&mut fd, plan.accurate_files)?;
    }
    if plan.parties.canceled.load(Ordering::SeqCst) {
        return Err("the job was canceled".into());
    }
    fd.send("backup FileIndex=0\n").map_err(bnet)?;
    expect(&mut fd, "2000 OK backup", "the backup", say)?;
    fd.set_timeout(fd::silence_limit(plan.parties.client));
    let end = expect(&mut fd, "2800 End Job", "the end of the job", say)?;
    let _ = fd.signal(Signal::Terminate);
    fd.close();
    Ok(FdReport::from_end_line(&end))
}

/// Gives the file daemon the files an accurate job compares with
/// (`accurate files=N`, one packet each, end of data), as bacula-dir's
/// send_accurate_current_files does.
pub(super) fn send_accurate(fd: &mut Connection, files: &[Vec<u8>]) -> Result<(), String> {
    fd.send(format!("accurate files={}\n", files.len()))
        .map_err(bnet)?;
    fd.send_then_eod(files).map_err(bnet)
}

/// Tells the file daemon the level, as bacula-dir's send_level_command
/// does for a backup and for `estimate`: Incremental and Differential
/// with the prior job's start and name; `accurate` marks them so that
/// the file daemon compares with the list it is sent next.
pub(super) fn send_level(
    fd: &mut Connection,
    level: char,
    since: Option<&(i64, String)>,
    accurate: bool,
    say: &dyn Fn(&str),
) -> Result<(), String> {
    match (level, since) {
        ('I' | 'D', Some((since, prev))) => {
            let name = if level == 'I' {
                "incremental"
            } else {
                "differential"
            };
            let accurate = if accurate { "accurate_" } else { "" };
            fd.send_all(&[
                format!("level = {accurate}{name}  mtime_only=0 \n"),
                format!("level = since_utime {since} mtime_only=0 prev_job={prev}\n"),
            ])
            .map_err(bnet)?;
        }
        _ => fd.send("level = full  mtime_only=0 \n").map_err(bnet)?,
    }
    expect(fd, "2000 OK level", "the level", say).map(drop)
}

/// Sends the FileSet and reads the file daemon's acceptance.
pub(super) fn send_fileset(
    fd: &mut Connection,
    fileset: &Resource,
    say: &dyn Fn(&str),
) -> Result<(), String> {
    let vss = if fileset.bool("EnableVss").unwrap_or(true) {
        " vss=1"
    } else {
        ""
    };
    let mut lines = vec![format!("fileset{vss}\n")];
    lines.extend(fileset_lines(fileset));
    fd.send_then_eod(&lines).map_err(bnet)?;
    expect(fd, "2000 OK include", "the FileSet", say).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fileset_is_sent_as_bacula_sends_it() {
        let cfg = crate::config::Config::parse_text(
            "t.conf",
            b"Director { Name = d; Password = p; QueryFile = q; WorkingDirectory = /tmp; PidDirectory = /tmp; Messages = m }\n\
              Messages { Name = m }\n\
              Catalog { Name = c; DbName = b }\n\
              Client { Name = cl; Address = h; Password = p; Catalog = c }\n\
              Storage { Name = st; Address = h; Password = p; Device = d; MediaType = File }\n\
              Pool { Name = po; PoolType = Backup }\n\
              Job { Name = j; Type = Backup; Level = Full; Client = cl; FileSet = fs; Storage = st; Pool = po; Messages = m }\n\
              FileSet {\n Name = fs\n Include {\n  Options {\n   Signature = MD5\n   WildFile = \"*.o\"\n  }\n  File = /srv/a\n  File = /srv/b\n }\n Exclude {\n  File = /srv/a/tmp\n }\n}\n",
        )
        .unwrap();
        let fs = cfg.find(crate::config::Kind::Fileset, "fs").unwrap();
        assert_eq!(
            fileset_lines(fs),
            [
                "I\n",
                "O M\n",
                "WF *.o\n",
                "N\n",
                "F /srv/a",
                "F /srv/b",
                "N\n",
                "N\n",
                "E\n",
                "F /srv/a/tmp",
                "N\n",
                "N\n"
            ]
        );
    }
}
