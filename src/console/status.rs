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
fn short_time(secs: i64) -> String {
    let t = crate::clock::local(secs);
    bacula_date(&format!(
        "{:02}-{:02}-{:04} {:02}:{:02}",
        t.day, t.month, t.year, t.hour, t.minute
    ))
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
        "Daemon started {}",
        short_time(ctx.director.started)
    ));
    out.line(" Jobs: run=0, running=0 mode=0,0");
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
    out.line("");
    out.line("Scheduled Jobs:");
    out.line("Level          Type     Pri  Scheduled          Job Name           Volume");
    out.line("===================================================================================");
    scheduled(ctx, out);
    out.line("====");
    out.line("");
    running(ctx, out);
    out.line("====");
    out.line("");
    out.line("Terminated Jobs:");
    out.line(" JobId  Level      Files    Bytes   Status   Finished        Name ");
    out.line("====================================================================");
    let rows = terminated(
        ctx,
        "JobId, Level, JobFiles, JobBytes, JobStatus, EndTime, Name",
    );
    match rows {
        Ok(rows) => {
            for r in rows.rows.into_iter().rev() {
                let f = |i: usize| r[i].clone().unwrap_or_default();
                let status = match f(4).as_str() {
                    "T" => "OK",
                    "E" | "f" => "Error",
                    "A" => "Cancel",
                    "W" => "OK -- with warnings",
                    _ => "Other",
                };
                out.line(format!(
                    "{:>6}  {:<6} {:>8} {:>8}   {status:<8} {:<15} {}",
                    f(0),
                    crate::job::names::level_name(f(1).chars().next().unwrap_or(' ')),
                    super::list::commas(&f(2)),
                    super::list::commas(&f(3)),
                    finished(&f(5)),
                    f(6),
                ));
            }
        }
        Err(e) => out.line(format!("Query failed: {e}")),
    }
    out.line("");
    out.line("====");
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

/// What the scheduler starts in the next day.
fn scheduled(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let now = crate::clock::now();
    for s in crate::job::schedule::runs_between(&cfg, now + 1, now + 86_400) {
        let Some(job) = cfg.find(Kind::Job, &s.job) else {
            continue;
        };
        if !ctx
            .login
            .may_see_job(&job.name, job.str("Client").unwrap_or_default())
        {
            continue;
        }
        let level = s
            .run
            .level
            .clone()
            .or_else(|| job.str("Level").map(str::to_string))
            .unwrap_or_default();
        let priority = s
            .run
            .priority
            .map(i64::from)
            .unwrap_or_else(|| job.int("Priority").unwrap_or(10));
        let when = short_time(s.at);
        out.line(format!(
            "{level:<14} {:<8} {priority:>3}  {when:<18} {:<18} *unknown*",
            job.str("Type").unwrap_or("Backup"),
            s.job
        ));
    }
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
        let state = match status {
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
        };
        let type_name = crate::job::names::type_name(job_type);
        out.line(format!(
            "{id:>6}  {type_name:<5}                        {name} {state}"
        ));
    }
}

/// `.status dir header|running|terminated|scheduled`, for tools. With
/// `.api 2` the answers are `key=value` lines, a blank line between jobs.
pub fn dot_status(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    match ctx.args.word(0).map(str::to_ascii_lowercase).as_deref() {
        Some("client") => return super::daemon_status::dot_status(ctx, out, Kind::Client),
        Some("storage") => return super::daemon_status::dot_status(ctx, out, Kind::Storage),
        _ => {}
    }
    let dir_word = ctx
        .args
        .word(0)
        .is_some_and(|d| d.eq_ignore_ascii_case("dir"));
    if !dir_word {
        out.line(
            ".status: only \".status dir [header|running|terminated|scheduled]\" is available",
        );
        return;
    }
    let key_values = ctx.login.api.get() == super::login::Api::KeyValue;
    match ctx.args.word(1).map(str::to_ascii_lowercase).as_deref() {
        Some("running") if key_values => {
            for (id, name, status, _) in running_jobs(ctx) {
                out.line(format!("jobid={id}"));
                out.line(format!("job={name}"));
                out.line(format!("jobstatus={status}"));
                out.line("");
            }
        }
        Some("running") => running(ctx, out),
        Some("header") if key_values => {
            let cfg = ctx.director.config();
            out.line(format!("name={}", cfg.director().name));
            out.line(format!(
                "version={} ({})",
                env!("CARGO_PKG_VERSION"),
                env!("RDIRD_BUILD_DATE")
            ));
            out.line(format!(
                "uname={}-{}",
                std::env::consts::ARCH,
                std::env::consts::OS
            ));
            out.line(format!("started_epoch={}", ctx.director.started));
            out.line(format!("jobs_running={}", running_jobs(ctx).len()));
            out.line(format!("nclients={}", cfg.all(Kind::Client).count()));
            out.line(format!("njobs={}", cfg.all(Kind::Job).count()));
        }
        Some("terminated") if key_values => {
            let rows = terminated(
                ctx,
                "JobId, Job, Name, Type, Level, JobStatus, JobFiles, JobBytes, JobErrors, StartTime, EndTime",
            );
            match rows {
                Ok(r) => super::list::key_values(&r, out),
                Err(e) => out.line(format!("Query failed: {e}")),
            }
        }
        Some("scheduled") if key_values => {}
        _ => status(ctx, out),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_read_as_bacula_prints_them() {
        assert_eq!(super::bacula_date("26-11-2026 07:11"), "26-Nov-26 07:11");
    }
}
