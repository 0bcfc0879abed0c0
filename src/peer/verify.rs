//! A verify job's conversation with the daemons, as bacula-dir 9.6.7
//! holds it. At the levels that need no storage daemon (InitCatalog,
//! Catalog, DiskToCatalog) the file daemon gets the job, the FileSet and
//! `verify level=…`. At VolumeToCatalog and Data the storage daemon first
//! gets a job that reads the backup through its bootstrap, and the file
//! daemon also gets the storage daemon's address. Then
//! the file daemon sends one attributes record per file (with its digest
//! when there is one) until the end of the job; at Data it compares the
//! data itself and reports differences as job messages.

use std::sync::Mutex;

use super::backup::{bnet, expect, fileset_lines, FdReport, Outcome, CONNECT_TIMEOUT};
use super::catreq::Handler;
use super::fd;
use super::job::{converse, open_fd_job, open_sd_read, tell_fd_storage, Parties, ReadOnly, SdJob};
use crate::bnet::{rawtext, Connection, Packet, Signal};
use crate::config::Resource;
use crate::director::Director;

/// One file as the file daemon saw it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    pub file_index: i64,
    /// The full name; directories end in `/`.
    pub name: String,
    /// Bacula's encoded stat.
    pub lstat: String,
    /// The digest, base64, when the FileSet asks for one.
    pub digest: Option<String>,
    /// The Verify options the FileSet gives (`pins5`; `V` for none).
    pub opts: String,
}

/// What the file daemon reported.
pub struct VerifyOutcome {
    pub seen: Vec<Seen>,
    pub fd: FdReport,
}

/// Asks the client's file daemon for the attributes of the FileSet's
/// files at `level` (`init`, `catalog`, `disk_to_catalog`).
pub fn run(
    director_name: &str,
    client: &Resource,
    fileset: &Resource,
    (job_id, job_name): (i64, &str),
    level: &str,
    say: &dyn Fn(&str),
) -> Result<VerifyOutcome, String> {
    let mut fd = fd::daemon(director_name, client).login(director_name, CONNECT_TIMEOUT)?;
    fd.send(format!(
        "JobId={job_id} Job={job_name} SDid=0 SDtime=0 Authorization=dummy\n"
    ))
    .map_err(bnet)?;
    expect(&mut fd, "2000 OK Job", "the job", say)?;
    send_fileset(&mut fd, fileset, say)?;
    fd.send(format!("verify level={level}\n")).map_err(bnet)?;
    expect(&mut fd, "2000 OK verify", "the verify", say)?;
    let (seen, fd_report) = read_records(&mut fd, client, say)?;
    Ok(VerifyOutcome {
        seen,
        fd: fd_report,
    })
}

/// A VolumeToCatalog or Data verify: what it reads and from where.
pub struct FromVolume<'a> {
    pub parties: Parties<'a>,
    /// The verify Job resource.
    pub job: &'a Resource,
    pub fileset: &'a Resource,
    /// `volume` or `data`.
    pub level: &'a str,
    /// Bacula's level letter, `O` or `A`.
    pub level_letter: char,
    pub pool_name: &'a str,
    /// The bootstrap that reads the backup, one line per packet.
    pub bootstrap: &'a [String],
    pub messages: Option<String>,
}

/// Runs a verify that reads a backup through the storage daemon: what
/// the file daemon saw on the volume, and both daemons' ends.
pub fn run_from_volume(
    director: &Director,
    v: &FromVolume<'_>,
    say: &dyn Fn(&str),
) -> (Vec<Seen>, Outcome) {
    let p = &v.parties;
    let mut out = Outcome::default();
    let job = SdJob {
        job_resource: &v.job.name,
        job_type: 'V',
        level: v.level_letter,
        fileset: &v.fileset.name,
        fileset_md5: "**Dummy**",
        spool_attributes: false,
        spool_data: false,
    };
    let sd = match open_sd_read(p, &job, v.pool_name, v.bootstrap, &mut out) {
        Ok(c) => c,
        Err(e) => {
            out.fatal = Some(e);
            return (Vec::new(), out);
        }
    };
    let mut volumes = ReadOnly;
    let handler = Handler::new(director, p.job_id, v.messages.clone(), &mut volumes);
    let mut seen = Vec::new();
    converse(p, sd, handler, &mut out, |out, closers| {
        let (s, report) = fd_from_volume(v, out, say, closers)?;
        seen = s;
        Ok(report)
    });
    (seen, out)
}

fn fd_from_volume(
    v: &FromVolume<'_>,
    out: &Outcome,
    say: &dyn Fn(&str),
    closers: &Mutex<Vec<crate::bnet::conn::Closer>>,
) -> Result<(Vec<Seen>, FdReport), String> {
    let p = &v.parties;
    let mut fd = open_fd_job(p, out, say, closers)?;
    send_fileset(&mut fd, v.fileset, say)?;
    tell_fd_storage(&mut fd, p, Some(&out.job_key), say)?;
    fd.send(format!("verify level={}\n", v.level))
        .map_err(bnet)?;
    expect(&mut fd, "2000 OK verify", "the verify", say)?;
    read_records(&mut fd, p.client, say)
}

fn send_fileset(fd: &mut Connection, fileset: &Resource, say: &dyn Fn(&str)) -> Result<(), String> {
    let mut lines = vec!["fileset\n".to_string()];
    lines.extend(fileset_lines(fileset));
    fd.send_then_eod(&lines).map_err(bnet)?;
    expect(fd, "2000 OK include", "the FileSet", say).map(drop)
}

/// The file daemon's records until its `2800 End Job`; its job messages
/// go to `say`.
fn read_records(
    fd: &mut Connection,
    client: &Resource,
    say: &dyn Fn(&str),
) -> Result<(Vec<Seen>, FdReport), String> {
    fd.set_timeout(fd::silence_limit(client));
    let mut seen: Vec<Seen> = Vec::new();
    loop {
        match fd.recv().map_err(bnet)? {
            Packet::Data(d) => {
                let text = rawtext::decode(&d);
                if let Some(m) = super::catreq::job_message(text.trim_end_matches(['\n', '\0'])) {
                    say(m);
                    continue;
                }
                if text.starts_with("2800 End Job") {
                    let _ = fd.signal(Signal::Terminate);
                    fd.close();
                    return Ok((seen, FdReport::from_end_line(&text)));
                }
                if let Some(s) = parse_record(&d) {
                    seen.push(s);
                } else if let Some((index, digest)) = parse_digest(&text) {
                    if let Some(s) = seen.iter_mut().rev().find(|s| s.file_index == index) {
                        s.digest = Some(digest);
                    }
                }
            }
            Packet::Signal(_) => {}
        }
    }
}

/// `<FileIndex> 1 <opts> <name>\0<lstat>\0<link>\0`.
fn parse_record(d: &[u8]) -> Option<Seen> {
    let mut parts = d.split(|b| *b == 0);
    let head = rawtext::decode(parts.next()?);
    let mut words = head.splitn(4, ' ');
    let file_index = words.next()?.parse().ok()?;
    if words.next()? != "1" {
        return None;
    }
    let opts = words.next()?.to_string();
    let name = words.next()?.to_string();
    let lstat = rawtext::decode(parts.next()?);
    Some(Seen {
        file_index,
        name,
        lstat,
        digest: None,
        opts,
    })
}

/// `<FileIndex> <stream> <digest> *MD5-<FileIndex>*`.
fn parse_digest(text: &str) -> Option<(i64, String)> {
    let mut words = text.split_whitespace();
    let index = words.next()?.parse().ok()?;
    let stream: u32 = words.next()?.parse().ok()?;
    if stream == 1 {
        return None;
    }
    Some((index, words.next()?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_digests_are_read_as_the_file_daemon_sends_them() {
        let rec =
            b"3 1 pins5 /srv/a.txt\0P4A mMz9 IGk B A A A LJ BAA I BrB7to BrB7g6 BrB7g6 A A C\0\0";
        let s = parse_record(rec).unwrap();
        assert_eq!(s.file_index, 3);
        assert_eq!(s.name, "/srv/a.txt");
        assert_eq!(s.opts, "pins5");
        assert!(s.lstat.starts_with("P4A mMz9"));
        assert_eq!(
            parse_digest("3 3 7/txd+cjg5InNQ/vxml+6A *MD5-3*"),
            Some((3, "7/txd+cjg5InNQ/vxml+6A".to_string()))
        );
        assert_eq!(parse_record(b"2000 OK verify\n"), None);
    }
}
