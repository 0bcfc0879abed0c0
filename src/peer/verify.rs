//! A verify job's conversation with the file daemon, as bacula-dir 9.6.7
//! holds it for the levels that need no storage daemon (InitCatalog,
//! Catalog, DiskToCatalog): the job, the FileSet, `verify level=…`, then
//! one attributes record per file (with its digest when the FileSet asks
//! for one) until the end of the job.

use super::backup::{bnet, expect, fileset_lines, FdReport, CONNECT_TIMEOUT};
use super::fd;
use crate::bnet::{Packet, Signal};
use crate::config::Resource;

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
    let mut lines = vec!["fileset\n".to_string()];
    lines.extend(fileset_lines(fileset));
    fd.send_then_eod(&lines).map_err(bnet)?;
    expect(&mut fd, "2000 OK include", "the FileSet", say)?;
    fd.send(format!("verify level={level}\n")).map_err(bnet)?;
    expect(&mut fd, "2000 OK verify", "the verify", say)?;
    fd.set_timeout(None);
    let mut seen: Vec<Seen> = Vec::new();
    loop {
        match fd.recv().map_err(bnet)? {
            Packet::Data(d) => {
                let text = String::from_utf8_lossy(&d).into_owned();
                if let Some(m) = super::catreq::job_message(text.trim_end_matches(['\n', '\0'])) {
                    say(m);
                    continue;
                }
                if text.starts_with("2800 End Job") {
                    let _ = fd.signal(Signal::Terminate);
                    fd.close();
                    return Ok(VerifyOutcome {
                        seen,
                        fd: FdReport::from_end_line(&text),
                    });
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
    let head = String::from_utf8_lossy(parts.next()?).into_owned();
    let mut words = head.splitn(4, ' ');
    let file_index = words.next()?.parse().ok()?;
    if words.next()? != "1" {
        return None;
    }
    let opts = words.next()?.to_string();
    let name = words.next()?.to_string();
    let lstat = String::from_utf8_lossy(parts.next()?).into_owned();
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
