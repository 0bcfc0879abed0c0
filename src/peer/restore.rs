//! A restore job's conversation with the storage daemon and the file
//! daemon, as bacula-dir 9.6.7 holds it: the storage daemon is told about
//! the job and its device for reading and given the bootstrap, the file
//! daemon is given the storage daemon's address and the `restore` command,
//! the storage daemon's catalog requests are answered on their own thread,
//! and `endrestore` ends the file daemon's part once it has read all.

use std::sync::atomic::Ordering;
use std::sync::Mutex;

use super::backup::{bnet, expect, FdReport, Outcome};
use super::catreq::Handler;
use super::fd;
use super::job::{converse, open_fd_job, open_sd_read, tell_fd_storage, Parties, ReadOnly, SdJob};
use crate::bnet::{Connection, Signal};
use crate::config::Resource;
use crate::director::Director;

/// What a restore needs to know before it talks to the daemons.
pub struct RestorePlan<'a> {
    pub parties: Parties<'a>,
    /// The restore Job resource.
    pub job: &'a Resource,
    pub pool_name: &'a str,
    /// The bootstrap, one line per packet.
    pub bootstrap: &'a [String],
    /// How many files the file daemon is to restore.
    pub files: usize,
    /// Bacula's letter for Replace: `a` always, `w` if newer, `o` if
    /// older, `n` never.
    pub replace: char,
    /// `where=…` or `regexwhere=…`.
    pub placement: &'a str,
    pub messages: Option<String>,
    pub status: &'a (dyn Fn(char) + Sync),
}

/// Runs the restore.
pub fn run(director: &Director, plan: &RestorePlan<'_>) -> Outcome {
    let mut out = Outcome::default();
    let p = &plan.parties;
    let say = |text: &str| director.daemon_message(p.job_id, plan.messages.as_deref(), text);
    let mut volumes = ReadOnly;
    let handler = Handler::new(director, p.job_id, plan.messages.clone(), &mut volumes);
    (plan.status)('S');
    let sd = match start_sd(plan, &mut out) {
        Ok(c) => c,
        Err(e) => {
            out.fatal = Some(e);
            return out;
        }
    };
    converse(p, sd, handler, &mut out, |out, closers| {
        (plan.status)('F');
        run_fd(plan, out, &say, closers)
    });
    out
}

fn start_sd(plan: &RestorePlan<'_>, out: &mut Outcome) -> Result<Connection, String> {
    let p = &plan.parties;
    let job = SdJob {
        job_resource: &plan.job.name,
        job_type: 'R',
        level: ' ',
        fileset: plan.job.str("Fileset").unwrap_or("*None*"),
        fileset_md5: "**Dummy**",
        spool_attributes: false,
        spool_data: false,
    };
    open_sd_read(p, &job, plan.pool_name, plan.bootstrap, out)
}

fn run_fd(
    plan: &RestorePlan<'_>,
    out: &Outcome,
    say: &dyn Fn(&str),
    closers: &Mutex<Vec<crate::bnet::conn::Closer>>,
) -> Result<FdReport, String> {
    let p = &plan.parties;
    let mut fd = open_fd_job(p, out, say, closers)?;
    (plan.status)('R');
    tell_fd_storage(&mut fd, p, Some(&out.job_key), say)?;
    if p.canceled.load(Ordering::SeqCst) {
        return Err("the job was canceled".into());
    }
    fd.send(format!(
        "restore files={} replace={} prelinks=0 {}\n",
        plan.files, plan.replace, plan.placement
    ))
    .map_err(bnet)?;
    expect(&mut fd, "2000 OK restore", "the restore", say)?;
    fd.set_timeout(fd::silence_limit(p.client));
    expect(&mut fd, "2000 OK storage end", "the end of reading", say)?;
    fd.send("endrestore").map_err(bnet)?;
    let end = expect(&mut fd, "2800 End Job", "the end of the job", say)?;
    let _ = fd.signal(Signal::Terminate);
    fd.close();
    Ok(FdReport::from_end_line(&end))
}
