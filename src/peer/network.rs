//! `status network`: the file daemon sends bytes to the storage daemon
//! and reads them back, and says how fast each way went (bacula-dir
//! 9.6.7: ua_status.c do_network_status; the file daemon's
//! testnetwork). The storage daemon is given a console job, with no
//! device, for the file daemon to connect to.

use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::Duration;

use super::backup::Outcome;
use super::job::{Parties, SdJob};
use crate::bnet::{Packet, Signal};
use crate::config::Resource;

/// What the test runs between, and how much it sends.
pub struct NetworkTest<'a> {
    pub client: &'a Resource,
    pub storage: &'a Resource,
    /// A Job resource and its FileSet, which the storage daemon's job line
    /// must name (bacula-dir's console job takes its first Job's).
    pub job_resource: &'a str,
    pub fileset: &'a str,
    pub bytes: u64,
}

/// Runs the test; each line the file daemon reports goes to `on_line`.
pub fn test(
    director_name: &str,
    t: &NetworkTest<'_>,
    connect_timeout: Duration,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let bnet = |e: crate::bnet::BnetError| e.to_string();
    let canceled = AtomicBool::new(false);
    let job_name = crate::job::names::unique("-Console-");
    let p = Parties {
        director_name,
        job_id: 0,
        job_name: &job_name,
        client: t.client,
        storage: t.storage,
        canceled: &canceled,
    };
    let job = SdJob {
        job_resource: t.job_resource,
        // A console job (JT_CONSOLE), as bacula-dir's: the storage daemon
        // answers the file daemon's testnetwork only for such a job.
        job_type: 'U',
        level: ' ',
        fileset: t.fileset,
        fileset_md5: "**Dummy**",
        spool_attributes: false,
        spool_data: false,
    };
    let mut sd =
        super::sd::daemon(director_name, t.storage).login(director_name, connect_timeout)?;
    let mut out = Outcome::default();
    let result = (|| {
        sd.send(job.line(&p)).map_err(bnet)?;
        let answer = sd.recv_text().map_err(bnet)?;
        if !answer.starts_with("3000 OK Job") {
            return Err(format!(
                "{} refused the network test's job: {}",
                sd.peer(),
                answer.trim_end()
            ));
        }
        out.take_job_answer(&answer);
        sd.send("run").map_err(bnet)?;
        let say = |_: &str| {};
        let closers = Mutex::new(Vec::new());
        let mut fd = super::job::open_fd_job(&p, &out, &say, &closers)?;
        let key = out.job_key.clone();
        let tested = (|| {
            super::job::tell_fd_storage(&mut fd, &p, Some(&key), &say)?;
            fd.send(format!("testnetwork bytes={}\n", t.bytes))
                .map_err(bnet)?;
            loop {
                match fd.recv().map_err(bnet)? {
                    Packet::Data(d) => on_line(&crate::bnet::rawtext::decode(&d)),
                    Packet::Signal(_) => return Ok(()),
                }
            }
        })();
        let _ = fd.signal(Signal::Terminate);
        fd.close();
        tested
    })();
    let _ = sd.signal(Signal::Terminate);
    sd.close();
    result
}
