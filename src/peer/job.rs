//! What a job's conversation with both daemons shares, backup or restore:
//! who takes part, telling both daemons to cancel, and the watcher that
//! does it when the job is canceled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::backup::{sd_loop, FdReport, Outcome, CONNECT_TIMEOUT};
use super::catreq::{Handler, SdReport, Volumes};
use super::{fd, sd};
use crate::bnet::conn::Closer;
use crate::bnet::spaces::{bash_spaces, unbash_spaces};
use crate::bnet::{Connection, Signal};
use crate::config::Resource;

/// How long the daemons have to end a canceled job before the Director
/// closes its connections to them.
const CANCEL_GRACE: Duration = Duration::from_secs(30);

/// The job and the two daemons it talks to.
pub struct Parties<'a> {
    pub director_name: &'a str,
    pub job_id: i64,
    /// The unique job name.
    pub job_name: &'a str,
    pub client: &'a Resource,
    pub storage: &'a Resource,
    /// Set when the job is canceled (by a console, a script or a time
    /// limit): the daemons are told, and the job ends.
    pub canceled: &'a AtomicBool,
}

impl<'a> Parties<'a> {
    /// The parties of the job `d` describes.
    pub fn new(
        director_name: &'a str,
        d: &'a crate::job::JobData,
        (client, storage): (&'a Resource, &'a Resource),
        canceled: &'a AtomicBool,
    ) -> Parties<'a> {
        Parties {
            director_name,
            job_id: d.job_id,
            job_name: &d.job_name,
            client,
            storage,
            canceled,
        }
    }
}

/// Tells the storage daemon to cancel the job (when the file daemon
/// failed and the storage daemon would otherwise wait for it).
pub fn cancel_on_sd(p: &Parties<'_>) {
    let _ =
        sd::daemon(p.director_name, p.storage).cancel(p.director_name, p.job_name, CONNECT_TIMEOUT);
}

/// Waits until the job has finished or is canceled; on cancel tells both
/// daemons, as bacula-dir does, and if they have not ended the job after
/// `CANCEL_GRACE`, closes the connections so that the job ends.
pub fn watch(p: &Parties<'_>, finished: &AtomicBool, closers: &Mutex<Vec<Closer>>) {
    while !p.canceled.load(Ordering::SeqCst) {
        if finished.load(Ordering::SeqCst) {
            return;
        }
        // Woken at once when the job finishes.
        std::thread::park_timeout(Duration::from_millis(50));
    }
    for d in [
        fd::daemon(p.director_name, p.client),
        sd::daemon(p.director_name, p.storage),
    ] {
        match d.cancel(p.director_name, p.job_name, CONNECT_TIMEOUT) {
            Ok(answer) => tracing::info!("JobId {}: {}: {answer}", p.job_id, d.what),
            Err(e) => tracing::warn!("JobId {}: cancel: {e}", p.job_id),
        }
    }
    let asked = Instant::now();
    while !finished.load(Ordering::SeqCst) {
        if asked.elapsed() > CANCEL_GRACE {
            for c in closers.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                c.close();
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The part of a job both daemons take part in, once the storage daemon
/// has accepted it: its catalog requests are answered on their own thread
/// while `fd_part` talks to the file daemon (registering its connection in
/// the closers), a watcher carries out a cancel, and both daemons' ends go
/// into `out`. A file daemon failure tells the storage daemon to cancel.
pub fn converse(
    p: &Parties<'_>,
    mut sd: Connection,
    mut handler: Handler<'_>,
    out: &mut Outcome,
    fd_part: impl FnOnce(&Outcome, &Mutex<Vec<Closer>>) -> Result<FdReport, String>,
) {
    if p.canceled.load(Ordering::SeqCst) {
        // Canceled while the storage daemon prepared: the file daemon is
        // never started.
        cancel_on_sd(p);
        sd.close();
        return;
    }
    let closers = Mutex::new(sd.closer().into_iter().collect::<Vec<_>>());
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Out of threads: the job fails; the Director goes on.
        let out_of_threads = |e: std::io::Error| format!("cannot start a thread for the job: {e}");
        let watcher = match std::thread::Builder::new()
            .spawn_scoped(scope, || watch(p, &finished, &closers))
        {
            Ok(w) => w,
            Err(e) => {
                out.fatal = Some(out_of_threads(e));
                cancel_on_sd(p);
                return;
            }
        };
        let sd_thread = std::thread::Builder::new().spawn_scoped(scope, move || {
            let end = sd_loop(&mut sd, &mut handler);
            let _ = sd.signal(Signal::Terminate);
            sd.close();
            (handler.report, end)
        });
        let sd_thread = match sd_thread {
            Ok(t) => t,
            Err(e) => {
                out.fatal = Some(out_of_threads(e));
                cancel_on_sd(p);
                finished.store(true, Ordering::SeqCst);
                watcher.thread().unpark();
                return;
            }
        };
        match fd_part(out, &closers) {
            Ok(r) => out.fd = r,
            Err(e) => {
                out.fd.status = 'f';
                if !p.canceled.load(Ordering::SeqCst) {
                    out.fatal = Some(e);
                    cancel_on_sd(p);
                }
            }
        }
        let (report, end) = sd_thread.join().unwrap_or_else(|_| {
            (
                SdReport::default(),
                Err("the storage daemon's thread failed".to_string()),
            )
        });
        out.sd = report;
        if let Err(e) = end {
            out.fatal.get_or_insert(e);
        }
        finished.store(true, Ordering::SeqCst);
        watcher.thread().unpark();
    });
}

/// The job as the storage daemon is told it (bacula-dir 9.6.7
/// msgchan.c `start_storage_daemon_job`): the Job resource's, the
/// Client's and the FileSet's names go with their spaces bashed; the
/// unique job name has none.
pub struct SdJob<'a> {
    /// The Job resource's name.
    pub job_resource: &'a str,
    /// Bacula's job type letter: `B`, `R`, `V`.
    pub job_type: char,
    /// Bacula's level letter (`F`, `I`, `D`, `O`, `A`; a space for a restore).
    pub level: char,
    pub fileset: &'a str,
    /// The FileSet's fingerprint, or `**Dummy**` when the job reads.
    pub fileset_md5: &'a str,
    pub spool_attributes: bool,
    pub spool_data: bool,
}

impl SdJob<'_> {
    /// The `JobId=… job=… job_name=…` line for the job of `p`.
    pub(super) fn line(&self, p: &Parties<'_>) -> String {
        format!(
            "JobId={} job={} job_name={} client_name={} type={} level={} FileSet={} NoAttr=0 SpoolAttr={} FileSetMD5={} SpoolData={} WritePartAfterJob=1 PreferMountedVols=1 SpoolSize=0 rerunning=0 VolSessionId=0 VolSessionTime=0 sd_client=0 Authorization=dummy\n",
            p.job_id,
            p.job_name,
            bash_spaces(self.job_resource),
            bash_spaces(&p.client.name),
            u32::from(self.job_type),
            u32::from(self.level),
            bash_spaces(self.fileset),
            u8::from(self.spool_attributes),
            self.fileset_md5,
            u8::from(self.spool_data),
        )
    }
}

/// Logs in to the storage daemon and gives it the job and the storage,
/// pool and device to use, for writing (`append`) or reading; the
/// connection and the device's name. The job's session and key go into
/// `out`.
pub fn open_sd_job(
    p: &Parties<'_>,
    job: &SdJob<'_>,
    (pool_name, pool_type): (&str, &str),
    append: bool,
    out: &mut Outcome,
) -> Result<(Connection, String), String> {
    let bnet = |e: crate::bnet::BnetError| e.to_string();
    let mut sd = sd::daemon(p.director_name, p.storage).login(p.director_name, CONNECT_TIMEOUT)?;
    sd.send(job.line(p)).map_err(bnet)?;
    let answer = sd.recv_text().map_err(bnet)?;
    if !answer.starts_with("3000 OK Job") {
        return Err(format!(
            "{} refused the job: {}",
            sd.peer(),
            unbash_spaces(answer.trim_end())
        ));
    }
    out.take_job_answer(&answer);
    let media_type = p.storage.str("MediaType").unwrap_or_default();
    let device = sd::device(p.storage);
    sd.send_all(&[
        format!(
            "use storage={} media_type={} pool_name={} pool_type={} append={} copy=0 stripe=0\n",
            bash_spaces(&p.storage.name),
            bash_spaces(media_type),
            bash_spaces(pool_name),
            bash_spaces(pool_type),
            u8::from(append),
        ),
        format!("use device={}\n", bash_spaces(&device)),
    ])
    .map_err(bnet)?;
    sd.signal(Signal::Eod).map_err(bnet)?;
    sd.signal(Signal::Eod).map_err(bnet)?;
    Ok((sd, device))
}

/// Volumes for reading: the storage daemon only asks about the ones the
/// bootstrap names, which the catalog answers.
pub struct ReadOnly;

impl Volumes for ReadOnly {
    fn find(&mut self, _pool: &str) -> Result<String, String> {
        Err("a job that reads does not write to a volume".into())
    }

    fn full(&mut self, _volume: &str) {}
}

/// Opens a job that reads (a restore, or a verify of a volume) on the
/// storage daemon: the job, the device for reading, the bootstrap, then
/// `run`. The connection, ready for the job's catalog requests.
pub fn open_sd_read(
    p: &Parties<'_>,
    job: &SdJob<'_>,
    pool_name: &str,
    bootstrap: &[String],
    out: &mut Outcome,
) -> Result<Connection, String> {
    let bnet = |e: crate::bnet::BnetError| e.to_string();
    let (mut sd, device) = open_sd_job(p, job, (pool_name, "Backup"), false, out)?;
    let answer = sd.recv_text().map_err(bnet)?;
    if !answer.starts_with("3000 OK use device") {
        return Err(format!(
            "{} refused device \"{device}\": {}",
            sd.peer(),
            answer.trim_end_matches(['\n', '\0'])
        ));
    }
    let mut lines = vec!["bootstrap\n".to_string()];
    lines.extend(bootstrap.iter().cloned());
    sd.send_then_eod(&lines).map_err(bnet)?;
    let answer = sd.recv_text().map_err(bnet)?;
    if !answer.starts_with("3000 OK bootstrap") {
        return Err(format!(
            "{} refused the bootstrap: {}",
            sd.peer(),
            answer.trim_end_matches(['\n', '\0'])
        ));
    }
    sd.send("run").map_err(bnet)?;
    sd.set_timeout(None);
    Ok(sd)
}

/// Logs in to the file daemon for a job that works with the storage
/// daemon: its connection joins the ones a cancel closes, and the file
/// daemon gets the job with the storage daemon's session and key.
pub fn open_fd_job(
    p: &Parties<'_>,
    out: &Outcome,
    say: &dyn Fn(&str),
    closers: &Mutex<Vec<Closer>>,
) -> Result<Connection, String> {
    let bnet = |e: crate::bnet::BnetError| e.to_string();
    let mut fd = fd::daemon(p.director_name, p.client).login(p.director_name, CONNECT_TIMEOUT)?;
    if let Some(c) = fd.closer() {
        closers.lock().unwrap_or_else(|e| e.into_inner()).push(c);
    }
    fd.send(format!(
        "JobId={} Job={} SDid={} SDtime={} Authorization={}\n",
        p.job_id, p.job_name, out.vol_session_id, out.vol_session_time, out.job_key
    ))
    .map_err(bnet)?;
    super::backup::expect(&mut fd, "2000 OK Job", "the job", say)?;
    Ok(fd)
}

/// Tells the file daemon where the job's storage daemon listens (with the
/// job's key when it reads from it).
pub fn tell_fd_storage(
    fd: &mut Connection,
    p: &Parties<'_>,
    key: Option<&str>,
    say: &dyn Fn(&str),
) -> Result<(), String> {
    let sd = sd::daemon(p.director_name, p.storage);
    let key = key
        .map(|k| format!(" Authorization={k}"))
        .unwrap_or_default();
    fd.send(format!(
        "storage address={} port={} ssl=0{key}\n",
        sd.host(),
        sd.port()
    ))
    .map_err(|e| e.to_string())?;
    super::backup::expect(fd, "2000 OK storage", "the storage address", say).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Kind};

    #[test]
    fn the_storage_daemons_job_line_carries_each_name_with_spaces_as_one_word() {
        let cfg = Config::parse_text(
            "t.conf",
            b"Director { Name = d; Password = p; QueryFile = q; WorkingDirectory = /tmp; PidDirectory = /tmp; Messages = m }\n\
              Messages { Name = m }\n\
              Catalog { Name = c; DbName = b }\n\
              Client { Name = \"My Client\"; Address = h; Password = p; Catalog = c }\n\
              Storage { Name = \"My Storage\"; Address = h; Password = p; Device = \"My Dev\"; MediaType = \"My Media\" }\n\
              Pool { Name = po; PoolType = Backup }\n\
              FileSet { Name = \"Full Set\"; Include { File = /srv } }\n\
              Job { Name = \"My Job\"; Type = Backup; Client = \"My Client\"; FileSet = \"Full Set\"; Storage = \"My Storage\"; Pool = po; Messages = m }\n",
        )
        .unwrap();
        let client = cfg.find(Kind::Client, "My Client").unwrap();
        let storage = cfg.find(Kind::Storage, "My Storage").unwrap();
        let canceled = AtomicBool::new(false);
        let p = Parties {
            director_name: "d",
            job_id: 7,
            job_name: "My_Job.2026-12-01_10.00.00_03",
            client,
            storage,
            canceled: &canceled,
        };
        let line = SdJob {
            job_resource: "My Job",
            job_type: 'B',
            level: 'F',
            fileset: "Full Set",
            fileset_md5: "abc",
            spool_attributes: true,
            spool_data: false,
        }
        .line(&p);
        let words: Vec<&str> = line.trim_end().split(' ').collect();
        assert_eq!(words[2], "job_name=My\x01Job");
        assert_eq!(words[3], "client_name=My\x01Client");
        assert_eq!(words[4..7], ["type=66", "level=70", "FileSet=Full\x01Set"]);
        assert_eq!(words[8], "SpoolAttr=1");
        assert_eq!(words.len(), 19, "{line:?}");
    }
}
