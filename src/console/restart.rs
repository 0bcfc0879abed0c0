//! `restart` and `resume` (one command in bacula-dir, ua_run.c
//! restart_cmd): run again a job that ended Incomplete, Canceled or
//! Failed. The termination code is a keyword (`incomplete`, `canceled`,
//! `failed`, `all`) or asked for; `jobid=` names the jobs, else those of
//! that code (`job=` narrows them to one Job resource, `limit=` caps the
//! list, 100) are listed and their JobIds asked for. Each is started
//! with its Job, Level and Pool at once, as bacula-dir starts them.
//!
//! `stop` (bacula-dir's cancel_cmd for "stop", job.c cancel_job with
//! cancel=false): a running Backup is told `stop Job=` on the file and
//! storage daemons, whose answers are shown; the file daemon ends it
//! Incomplete (`I`) with what it sent kept in the catalog. A job still
//! waiting ends Incomplete at once.
//!
//! An Incomplete job is run again whole: bacula-dir 9.6.7 runs it on
//! under the same JobId with the files it holds given to the file daemon
//! as an accurate list; rdird starts a new job of the same Job and Level.

use rusqlite::types::Value as SqlValue;

use super::acl::jobs_filter;
use super::daemons::connect_timeout;
use super::login::Acl;
use super::select::choose;
use super::{Ctx, Reply};
use crate::config::Kind;
use crate::job::{self, RunRequest};
use crate::peer::{fd, sd};

/// The termination codes the console may choose, and the JobStatus
/// letters each takes.
const CODES: [(&str, &str); 4] = [
    ("Incomplete", "I"),
    ("Canceled", "A"),
    ("Failed", "f"),
    ("All", "IAf"),
];

/// The most jobs listed when `limit=` is not given.
const DEFAULT_LIMIT: i64 = 100;

/// The JobIds of a list such as `3,5-7`; None (said) when it is not one.
fn jobid_list(text: &str, out: &mut Reply) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let range = match part.split_once('-') {
            Some((a, b)) => a
                .trim()
                .parse::<i64>()
                .ok()
                .zip(b.trim().parse::<i64>().ok()),
            None => part.parse::<i64>().ok().map(|n| (n, n)),
        };
        match range {
            Some((a, b)) if a > 0 && a <= b && b - a < 10_000 => ids.extend(a..=b),
            _ => {
                out.line(format!("Invalid JobId list: \"{text}\"."));
                return None;
            }
        }
    }
    if ids.is_empty() {
        out.line("No JobId specified.");
        return None;
    }
    Some(ids)
}

/// One job to run again: its JobId, Job name, Level and Pool.
struct Ended {
    job_id: i64,
    name: String,
    level: String,
    pool: Option<String>,
}

/// The jobs ended with one of `statuses` that the console may see, by
/// JobId (`ids`), else by Job name; printed with the columns bacula-dir's
/// db_list_job_records gives them.
fn ended(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    statuses: &str,
    ids: Option<&[i64]>,
    show: bool,
) -> Result<Vec<Ended>, String> {
    let acl = &ctx.login.acl;
    let mut params: Vec<SqlValue> = statuses
        .chars()
        .map(|c| SqlValue::Text(c.to_string()))
        .collect();
    let marks = vec!["?"; params.len()].join(",");
    let mut sql = format!(
        "SELECT Job.JobId, Job.Name, Job.StartTime, Job.Type, Job.Level, Job.JobFiles, Job.JobBytes, Job.JobStatus, COALESCE(Pool.Name, '') AS Pool
         FROM Job LEFT JOIN Pool ON Pool.PoolId = Job.PoolId WHERE Job.JobStatus IN ({marks}) AND Job.Type = 'B'"
    );
    if let Some(ids) = ids {
        sql.push_str(&format!(
            " AND Job.JobId IN ({})",
            vec!["?"; ids.len()].join(",")
        ));
        params.extend(ids.iter().map(|i| SqlValue::Integer(*i)));
    }
    if let Some(name) = ctx.args.get("job") {
        sql.push_str(" AND Job.Name = ?");
        params.push(SqlValue::Text(name.to_string()));
    }
    sql.push_str(&jobs_filter("Job", acl, &mut params));
    let limit = ctx
        .args
        .get("limit")
        .and_then(|l| l.trim().parse::<i64>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(DEFAULT_LIMIT);
    sql.push_str(&format!(" ORDER BY Job.StartTime LIMIT {limit}"));
    let mut rows = {
        let catalog = ctx.director.catalog();
        super::list::query(catalog.db(), &sql, &params)?
    };
    let found: Vec<Ended> = rows
        .rows
        .iter()
        .map(|r| {
            let text = |i: usize| r[i].clone().unwrap_or_default();
            Ended {
                job_id: text(0).parse().unwrap_or(0),
                name: text(1),
                level: text(4),
                pool: Some(text(8)).filter(|p| !p.is_empty()),
            }
        })
        .filter(|e| {
            e.pool
                .as_deref()
                .map_or(true, |p| Acl::allows(&acl.pools, p))
        })
        .collect();
    if show && !found.is_empty() {
        rows.columns.truncate(8);
        rows.numeric.truncate(8);
        rows.rows
            .retain(|r| found.iter().any(|e| Some(e.job_id.to_string()) == r[0]));
        for r in rows.rows.iter_mut() {
            r.truncate(8);
        }
        super::list::table(&rows, out);
    }
    Ok(found)
}

pub fn restart(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let given = CODES
        .iter()
        .find(|(name, _)| ctx.args.has(name))
        .map(|(_, s)| *s);
    let statuses = match given {
        Some(s) => s,
        None => {
            let names: Vec<String> = CODES.iter().map(|(n, _)| n.to_string()).collect();
            let heading = "You have the following choices:";
            let Some(i) = choose(ctx, out, heading, "", "Select termination code: ", &names) else {
                return;
            };
            CODES[i].1
        }
    };
    if let Some(name) = ctx.args.get("job") {
        let known = ctx
            .director
            .config()
            .find(crate::config::Kind::Job, name)
            .is_some();
        if !known || !Acl::allows(&ctx.login.acl.jobs, name) {
            out.line("Invalid or no Job name specified.");
            return;
        }
    }
    let chosen = match ctx.args.get("jobid") {
        Some(list) => jobid_list(list, out),
        None if ctx.args.has("jobid") => {
            out.line("No JobId specified.");
            None
        }
        None => match ended(ctx, out, statuses, None, true) {
            Ok(listed) if listed.is_empty() => {
                out.line("No results to list.");
                None
            }
            Ok(_) => ctx
                .ask(out, "Enter the JobId list to select: ")
                .and_then(|a| jobid_list(&a, out)),
            Err(e) => {
                out.line(format!("Error: {e}"));
                None
            }
        },
    };
    let Some(ids) = chosen else {
        return;
    };
    let jobs = match ended(ctx, out, statuses, Some(&ids), false) {
        Ok(j) => j,
        Err(e) => {
            out.line(format!("Error: {e}"));
            return;
        }
    };
    // A JobId that is not there, not of that code or not the console's
    // is answered alike.
    if let Some(missing) = ids.iter().find(|id| !jobs.iter().any(|j| j.job_id == **id)) {
        out.line(format!("JobId={missing} entered is not in the list."));
        return;
    }
    for e in jobs {
        run_again(ctx, out, &e);
    }
}

fn run_again(ctx: &Ctx<'_, '_>, out: &mut Reply, e: &Ended) {
    let cfg = ctx.director.config();
    let Some(res) = cfg.find(crate::config::Kind::Job, &e.name) else {
        out.line(format!(
            "JobId {}: Job \"{}\" is no longer in the configuration.",
            e.job_id, e.name
        ));
        return;
    };
    let level = crate::job::names::level_letter(&e.level)
        .or_else(|| e.level.chars().next())
        .map(|l| crate::job::names::level_name(l).to_string());
    // bacula-dir 9.6.7 queues the chosen jobs without asking again.
    let req = RunRequest {
        job: res.name.clone(),
        level,
        pool: e.pool.clone(),
        pool_source: Some("User input"),
        storage_source: Some("User input"),
        ..RunRequest::default()
    };
    match job::start(ctx.director, &req) {
        Ok(id) => out.line(format!("Job queued. JobId={id}")),
        Err(why) => out.line(why),
    }
}

/// Stops the job in flight `id` if the console may see it; one it may
/// not is answered as one that does not run, as `cancel` answers it.
pub(super) fn stop_one(ctx: &Ctx<'_, '_>, id: i64, out: &mut Reply) {
    let visible = super::run::may_see_running(ctx, id);
    let Some(d) = ctx.director.jobs().data(id).filter(|_| visible) else {
        out.line(format!("Warning Job JobId={id} is not running."));
        return;
    };
    if d.job_type != 'B' || d.level == 'V' {
        out.error(format!(
            "Cannot stop JobId {id}, Job {} is not a regular Backup Job",
            d.job_name
        ));
        return;
    }
    let Some(d) = ctx.director.jobs().stop(id) else {
        out.line(format!("Warning Job JobId={id} is not running."));
        return;
    };
    if d.status != 'R' {
        out.line(format!(
            "JobId {id}, Job {} marked to be stopped.",
            d.job_name
        ));
        return;
    }
    let cfg = ctx.director.config();
    let director = &cfg.director().name;
    for (kind, name) in [(Kind::Client, &d.client), (Kind::Storage, &d.storage)] {
        let Some(res) = cfg.find(kind, name) else {
            continue;
        };
        let daemon = if kind == Kind::Client {
            fd::daemon(director, res)
        } else {
            sd::daemon(director, res)
        };
        match daemon.stop(director, &d.job_name, connect_timeout(&cfg, kind)) {
            Ok(answer) => out.line(answer),
            Err(e) => out.error(e),
        }
    }
}
