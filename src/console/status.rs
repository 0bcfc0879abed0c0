//! `status dir` and `.status dir running`: the Director's state as
//! bacula-dir prints it.
//!
//! A restricted console sees the scheduled, running and terminated jobs
//! of its JobACL on clients of its ClientACL; bacula-dir 9.6.7 filters
//! them by JobACL alone (ua_status.c list_scheduled_jobs,
//! list_running_jobs, list_terminated_jobs; dot_status_cmd).

use rusqlite::types::Value as SqlValue;

use super::{Ctx, Reply};
use crate::config::Kind;

/// The jobs in flight the console may see: JobId, unique name, status
/// and type letters.
fn running_jobs(ctx: &Ctx<'_, '_>) -> Vec<(i64, String, char, char)> {
    let jobs = ctx.director.jobs();
    jobs.running()
        .into_iter()
        .filter(|(id, ..)| {
            jobs.owner(*id)
                .is_some_and(|(job, client)| ctx.login.may_see_job(&job, &client))
        })
        .collect()
}

/// The ten most recent finished jobs the console may see, as `columns`,
/// newest first.
fn terminated(ctx: &Ctx<'_, '_>, columns: &str) -> Result<super::list::Rows, String> {
    let mut params: Vec<SqlValue> = Vec::new();
    let acl = super::acl::jobs_filter("Job", &ctx.login.acl, &mut params);
    let catalog = ctx.director.catalog();
    super::list::query(
        catalog.db(),
        &format!(
            "SELECT {columns} FROM Job WHERE JobStatus NOT IN ('C', 'R'){acl} ORDER BY JobId DESC LIMIT 10"
        ),
        &params,
    )
}

/// `26-Nov-26 07:11` from seconds since the epoch, in local time as the
/// catalog's `localtime` does.
pub(super) fn short_time(secs: i64) -> String {
    let t = crate::clock::local(secs);
    bacula_date(&format!(
        "{:02}-{:02}-{:04} {:02}:{:02}",
        t.day, t.month, t.year, t.hour, t.minute
    ))
}

/// `01-Dec-2026 18:13:23` from seconds since the epoch, in local time
/// (bacula-dir's bstrftimes).
fn long_time(secs: i64) -> String {
    let t = crate::clock::local(secs);
    let short = bacula_date(&format!("{:02}-{:02}-{:04} 00:00", t.day, t.month, t.year));
    let month = short.get(3..6).unwrap_or_default();
    format!(
        "{:02}-{month}-{:04} {:02}:{:02}:{:02}",
        t.day, t.year, t.hour, t.minute, t.second
    )
}

/// `26-11-2026 07:11` → `26-Nov-26 07:11`.
fn bacula_date(s: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (date, time) = s.split_once(' ').unwrap_or((s, ""));
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() != 3 {
        return s.to_string();
    }
    let m: usize = parts[1].parse().unwrap_or(1);
    let yy = parts[2].get(2..).unwrap_or(parts[2]);
    format!(
        "{}-{}-{} {time}",
        parts[0],
        MONTHS[(m.max(1) - 1).min(11)],
        yy
    )
}

/// The first lines of `status dir` (list_dir_status_header).
fn header(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let dir = cfg.director();
    out.line(format!(
        "{} Version: {} ({}) rdird {}-{}",
        dir.name,
        env!("CARGO_PKG_VERSION"),
        env!("RDIRD_BUILD_DATE"),
        std::env::consts::ARCH,
        std::env::consts::OS
    ));
    out.line(format!(
        "Daemon started {}, conf reloaded {}",
        short_time(ctx.director.started),
        long_time(ctx.director.reloaded())
    ));
    out.line(format!(
        " Jobs: run={}, running={} mode=0,0",
        jobs_run(ctx),
        ctx.director.jobs().running().len()
    ));
    let m = crate::memory::usage();
    let c = |v: u64| super::list::commas(&v.to_string());
    out.line(format!(
        " Heap: heap={} smbytes={} max_bytes={} bufs={} max_bufs={}",
        c(m.heap),
        c(m.bytes),
        c(m.max_bytes),
        c(m.bufs),
        c(m.max_bufs)
    ));
    let n = |k: Kind| cfg.all(k).count();
    out.line(format!(
        " Res: njobs={} nclients={} nstores={} npools={} ncats={} nfsets={} nscheds={}",
        n(Kind::Job),
        n(Kind::Client),
        n(Kind::Storage),
        n(Kind::Pool),
        n(Kind::Catalog),
        n(Kind::Fileset),
        n(Kind::Schedule)
    ));
}

/// The jobs run since the Director started (bacula-dir's num_jobs_run),
/// from the catalog.
fn jobs_run(ctx: &Ctx<'_, '_>) -> i64 {
    let catalog = ctx.director.catalog();
    catalog
        .db()
        .query_row(
            "SELECT COUNT(*) FROM Job WHERE Type <> 'c' AND CAST(strftime('%s', SchedTime, 'utc') AS INTEGER) >= ?1",
            [ctx.director.started],
            |r| r.get(0),
        )
        .unwrap_or(0)
}

pub fn status(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let what = ctx.args.word(0).unwrap_or("dir").to_ascii_lowercase();
    if what == "schedule" || what == "scheduled" {
        super::schedule::status_schedule(ctx, out);
        return;
    }
    if what == "client" || what == "storage" {
        let kind = if what == "client" {
            Kind::Client
        } else {
            Kind::Storage
        };
        return super::daemon_status::status(ctx, out, kind);
    }
    if what == "network" {
        return super::daemon_status::network(ctx, out);
    }
    if what != "dir" && what != "director" {
        out.line(format!(
            "status {what}: use status dir, status client=<Client> or status storage=<Storage>"
        ));
        return;
    }
    header(ctx, out);
    out.line("");
    scheduled_section(ctx, out);
    out.line("");
    running(ctx, out);
    out.line("====");
    out.line("");
    terminated_section(ctx, out);
    out.line("");
    out.line("====");
}

fn scheduled_section(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("Scheduled Jobs:");
    out.line("Level          Type     Pri  Scheduled          Job Name           Volume");
    out.line("===================================================================================");
    scheduled(ctx, out);
    out.line("====");
}

/// A finished job's status as `status dir` words it.
fn termination(status: &str) -> &'static str {
    match status {
        "C" => "Created",
        "E" | "f" => "Error",
        "D" => "Diffs",
        "A" => "Cancel",
        "T" => "OK",
        "W" => "OK -- with warnings",
        "I" => "Incomplete",
        _ => "Other",
    }
}

/// `6.005 K` for 6005, as bacula-dir's edit_uint64_with_suffix: the
/// first group of digits and the next, the suffix for how many followed.
fn with_suffix(digits: &str) -> String {
    const SUFFIX: [&str; 9] = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"];
    let grouped = super::list::commas(digits);
    let groups: Vec<&str> = grouped.split(',').collect();
    let shown = match groups.as_slice() {
        [one] => one.to_string(),
        [first, second, ..] => format!("{first}.{second}").chars().take(5).collect(),
        [] => String::new(),
    };
    format!(
        "{shown} {}",
        SUFFIX[(groups.len() - 1).min(SUFFIX.len() - 1)]
    )
}

/// A level as the terminated list shows it: `Full`, `Incr`, `Diff`, or
/// the job type for jobs without a level.
fn short_level(level: &str, job_type: &str) -> String {
    match job_type {
        "D" => "Admin".into(),
        "R" => "Restore".into(),
        _ => crate::job::names::level_name(level.chars().next().unwrap_or(' '))
            .chars()
            .take(4)
            .collect(),
    }
}

/// The columns `terminated` reads for both layouts.
const TERMINATED: &str = "JobId, Level, Type, JobFiles, JobBytes, JobStatus, EndTime, Name";

fn terminated_section(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("Terminated Jobs:");
    out.line(" JobId  Level      Files    Bytes   Status   Finished        Name ");
    out.line("====================================================================");
    match terminated(ctx, TERMINATED) {
        Ok(rows) => {
            for r in rows.rows.into_iter().rev() {
                let f = |i: usize| r[i].clone().unwrap_or_default();
                out.line(format!(
                    "{:>6}  {:<7} {:>8} {:>10}  {:<7}  {:<8} {}",
                    f(0),
                    short_level(&f(1), &f(2)),
                    super::list::commas(&f(3)),
                    with_suffix(&f(4)),
                    termination(&f(5)),
                    finished(&f(6)),
                    f(7),
                ));
            }
        }
        Err(e) => out.error(format!("Query failed: {e}")),
    }
}

/// `2026-11-26 07:18:19` (the catalog) → `26-Nov-26 07:18`.
fn finished(sql: &str) -> String {
    let (date, time) = sql.split_once(' ').unwrap_or((sql, ""));
    let p: Vec<&str> = date.split('-').collect();
    if p.len() != 3 {
        return sql.to_string();
    }
    bacula_date(&format!(
        "{}-{}-{} {}",
        p[2],
        p[1],
        p[0],
        time.get(..5).unwrap_or(time)
    ))
}

/// A job the scheduler starts in the next day, as the console may see it.
struct Upcoming {
    level: String,
    job_type: String,
    priority: i64,
    at: i64,
    job: String,
    client: String,
    fileset: String,
}

/// What the scheduler starts in the next day.
fn upcoming(ctx: &Ctx<'_, '_>) -> Vec<Upcoming> {
    let cfg = ctx.director.config();
    let now = crate::clock::now();
    let mut list = Vec::new();
    for s in crate::job::schedule::runs_between(&cfg, now + 1, now + 86_400) {
        let Some(job) = cfg.find(Kind::Job, &s.job) else {
            continue;
        };
        let client = job.str("Client").unwrap_or_default();
        if !ctx.login.may_see_job(&job.name, client) {
            continue;
        }
        list.push(Upcoming {
            level: s
                .run
                .level
                .clone()
                .or_else(|| job.str("Level").map(str::to_string))
                .unwrap_or_default(),
            job_type: job.str("Type").unwrap_or("Backup").to_string(),
            priority: s
                .run
                .priority
                .map(i64::from)
                .unwrap_or_else(|| job.int("Priority").unwrap_or(10)),
            at: s.at,
            job: s.job.clone(),
            client: client.to_string(),
            fileset: job.str("FileSet").unwrap_or_default().to_string(),
        });
    }
    list
}

fn scheduled(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    for u in upcoming(ctx) {
        out.line(format!(
            "{:<14} {:<8} {:>3}  {:<18} {:<18} *unknown*",
            u.level,
            u.job_type,
            u.priority,
            short_time(u.at),
            u.job
        ));
    }
}

/// `.api 2`'s scheduled group: one object per upcoming job.
fn dot_scheduled(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mut w = super::output::Writer::of(ctx.login);
    out.push(w.start_group("scheduled").take());
    for u in upcoming(ctx) {
        let level = crate::job::names::level_for_type(&u.level, 'B')
            .map(String::from)
            .unwrap_or_default();
        let type_letter = crate::job::names::type_letter(&u.job_type)
            .map(String::from)
            .unwrap_or_default();
        w.start_object()
            .str("level", level)
            .str("type", type_letter)
            .str("name", &u.job)
            .str("client", &u.client)
            .str("fileset", &u.fileset)
            .time("schedtime", u.at)
            .str("priority", u.priority)
            .end_object();
        out.push(w.take());
    }
    out.push(w.end_group().take());
}

fn running(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("Running Jobs:");
    let jobs = running_jobs(ctx);
    if jobs.is_empty() {
        out.line("No Jobs running.");
        return;
    }
    out.line(" JobId  Type Level     Files     Bytes  Name              Status");
    out.line("======================================================================");
    for (id, name, status, job_type) in jobs {
        let state = running_state(status);
        let type_name = crate::job::names::type_name(job_type);
        out.line(format!(
            "{id:>6}  {type_name:<5}                        {name} {state}"
        ));
    }
}

/// What a job in flight is doing, as list_running_jobs says it.
fn running_state(status: char) -> &'static str {
    match status {
        'C' => "is waiting execution",
        'R' => "is running",
        'd' => "is waiting on max total jobs",
        'j' => "is waiting on max Job jobs",
        'c' => "is waiting on max Client jobs",
        's' => "is waiting on max Storage jobs",
        'p' => "is waiting for higher priority jobs to finish",
        'm' => "is waiting for an appendable Volume",
        'F' => "is waiting on Client",
        'S' => "is waiting on Storage",
        _ => "is ending",
    }
}

/// `.status dir header|running|terminated|scheduled`, for tools: that
/// part of `status dir` alone (dot_status_cmd). In `.api 2` each is a
/// group of key=value objects as bacula-dir's OutputWriter writes them,
/// with the session's api_opts. `.status client=…|storage=… …` asks the
/// daemon, as `status client`/`status storage` do.
pub fn dot_status(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    match ctx.args.word(0).map(str::to_ascii_lowercase).as_deref() {
        Some("client") => return super::daemon_status::dot_status(ctx, out, Kind::Client),
        Some("storage") => return super::daemon_status::dot_status(ctx, out, Kind::Storage),
        _ => {}
    }
    let (Some(what), Some(part)) = (ctx.args.word(0), ctx.args.word(1)) else {
        out.line("1900 Bad .status command, missing arguments.");
        out.failed = true;
        return;
    };
    let what = what.to_ascii_lowercase();
    let api = ctx.login.api.get();
    let key_values = api == super::login::Api::KeyValue;
    match (what.as_str(), part.to_ascii_lowercase().as_str()) {
        ("dir", "header") if key_values => {
            let cfg = ctx.director.config();
            let n = |k: Kind| cfg.all(k).count();
            let mut w = super::output::Writer::of(ctx.login);
            w.start_group("header")
                .str("name", &cfg.director().name)
                .str(
                    "version",
                    format!(
                        "{} ({})",
                        env!("CARGO_PKG_VERSION"),
                        env!("RDIRD_BUILD_DATE")
                    ),
                )
                .str(
                    "uname",
                    format!("{}-{} rdird", std::env::consts::ARCH, std::env::consts::OS),
                )
                .time("started", ctx.director.started)
                .time("reloaded", ctx.director.reloaded())
                .str("pid", std::process::id())
                .str("jobs_run", jobs_run(ctx))
                .str("jobs_running", ctx.director.jobs().running().len())
                .str("nclients", n(Kind::Client))
                .str("nstores", n(Kind::Storage))
                .str("npools", n(Kind::Pool))
                .str("ncats", n(Kind::Catalog))
                .str("nfset", n(Kind::Fileset))
                .str("nscheds", n(Kind::Schedule))
                .str("plugins", "")
                .end_group();
            out.push(w.take());
        }
        ("dir", "header") => header(ctx, out),
        ("dir", "running") if api.signals() => dot_running(ctx, out, key_values),
        ("dir", "running") => running(ctx, out),
        ("dir", "terminated") if api.signals() => dot_terminated(ctx, out, key_values),
        ("dir", "scheduled") if key_values => dot_scheduled(ctx, out),
        ("dir", "scheduled") => scheduled_section(ctx, out),
        ("dir", "terminated") => terminated_section(ctx, out),
        _ => {
            out.line("1900 Bad .status command, wrong argument.");
            out.failed = true;
        }
    }
}

/// The jobs in flight in api mode: tab-separated lines (`.api 1`) or
/// one object each (`.api 2`) with list_running_jobs' keys, in its
/// order. rdird keeps no job comment (empty), and a job has the one
/// Storage it reads (a restore's `rstorage`) or writes (`storage`).
fn dot_running(ctx: &Ctx<'_, '_>, out: &mut Reply, key_values: bool) {
    let jobs = running_jobs(ctx);
    if jobs.is_empty() {
        out.push("No Jobs running.\n====\n".to_string());
        return;
    }
    let mut w = super::output::Writer::of(ctx.login);
    if key_values {
        out.push(w.start_group("running").take());
    }
    for (id, job, status, job_type) in jobs {
        let Some(d) = ctx.director.jobs().data(id) else {
            continue;
        };
        if key_values {
            let reads = job_type == 'R';
            let storage = |read: bool| {
                if read == reads {
                    d.storage.as_str()
                } else {
                    ""
                }
            };
            w.start_object()
                .str("jobid", id)
                .str("level", d.level)
                .str("type", job_type)
                .str("status", status)
                .str("status_desc", running_state(status))
                .str("comment", "")
                .str("jobbytes", d.bytes)
                .str("jobfiles", d.files)
                .str("job", &job)
                .str("name", &d.job)
                .str("clientname", &d.client)
                .str("fileset", &d.fileset)
                .str("storage", storage(false))
                .str("rstorage", storage(true))
                .time("schedtime", d.sched_time)
                .time("starttime", d.start_time)
                .str("priority", d.priority)
                .str("errors", d.errors)
                .end_object();
            out.push(w.take());
        } else {
            out.line(format!("{id:>6}\t{:<20}\t{status}", job));
        }
    }
    if key_values {
        out.push(w.end_group().take());
    }
}

/// The ten most recent finished jobs in api mode, from the catalog
/// (bacula-dir keeps its own list in memory and forgets it when it
/// restarts without its state file).
fn dot_terminated(ctx: &Ctx<'_, '_>, out: &mut Reply, key_values: bool) {
    let rows = match terminated(
        ctx,
        "JobId, Level, Type, JobStatus, JobBytes, JobFiles, Job, CAST(strftime('%s', StartTime, 'utc') AS INTEGER), CAST(strftime('%s', EndTime, 'utc') AS INTEGER), JobErrors, EndTime, Name",
    ) {
        Ok(rows) => rows,
        Err(e) => {
            out.error(format!("Query failed: {e}"));
            return;
        }
    };
    let mut w = super::output::Writer::of(ctx.login);
    for r in rows.rows.into_iter().rev() {
        let f = |i: usize| r[i].clone().unwrap_or_default();
        let epoch = |i: usize| f(i).parse::<i64>().unwrap_or(0);
        if key_values {
            w.start_object()
                .str("jobid", f(0))
                .str("level", f(1))
                .str("type", f(2))
                .str("status", f(3))
                .str("status_desc", termination(&f(3)))
                .str("jobbytes", f(4))
                .str("jobfiles", f(5))
                .str("job", f(6))
                .time("starttime", epoch(7))
                .time("endtime", epoch(8))
                .str("errors", f(9))
                .end_object();
            out.push(w.take());
        } else {
            out.line(format!(
                "{:>7}\t{:<6}\t{:>8}\t{:>10}\t{:<7}\t{:<8}\t{}",
                f(0),
                short_level(&f(1), &f(2)),
                super::list::commas(&f(5)),
                with_suffix(&f(4)),
                termination(&f(3)),
                finished(&f(10)),
                f(11)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_counts_read_as_bacula_prints_them() {
        assert_eq!(super::with_suffix("6005"), "6.005 K");
        assert_eq!(super::with_suffix("1234567"), "1.234 M");
        assert_eq!(super::with_suffix("123"), "123 ");
        assert_eq!(super::with_suffix("0"), "0 ");
    }

    #[test]
    fn dates_read_as_bacula_prints_them() {
        assert_eq!(super::bacula_date("26-11-2026 07:11"), "26-Nov-26 07:11");
    }
}
