//! `mod` at `run`'s "OK to run? (yes/mod/no):", as bacula-dir's ua_run.c
//! takes it: the "Parameters to modify:" menu (modify_job_parameters),
//! each entry with its own question or selection list, or `mod` followed
//! by `run` arguments (`mod level=Full pool=Small`) that replace those
//! given before. `run` then shows the job again and asks again.

use super::select;
use super::{Args, Ctx, Reply};
use crate::config::Kind;
use crate::job::{self, JobData, RunRequest};

/// `mod` with `run` arguments: `req` with the arguments `answer` gives
/// in place of its own, and whether they end with `yes` (then the job
/// runs without being shown again, as bacula-dir's run_cmd finds `yes`
/// among the arguments it has just read).
pub fn amend(req: &RunRequest, answer: &str) -> Result<(RunRequest, bool), String> {
    let mut args = Args::parse(answer);
    if !args.has("job") && !args.has("jobname") {
        args.keys.push("job".into());
        args.values.push(Some(req.job.clone()));
    }
    let new = RunRequest::parse(&args)?;
    let (pool, pool_source) = match new.pool {
        Some(p) => (Some(p), new.pool_source),
        None => (req.pool.clone(), req.pool_source),
    };
    let (storage, storage_source) = match new.storage {
        Some(s) => (Some(s), new.storage_source),
        None => (req.storage.clone(), req.storage_source),
    };
    let amended = RunRequest {
        job: new.job,
        level: new.level.or_else(|| req.level.clone()),
        priority: new.priority.or(req.priority),
        pool,
        pool_source,
        storage,
        storage_source,
        sched_time: new.sched_time.or(req.sched_time),
        client: new.client.or_else(|| req.client.clone()),
        fileset: new.fileset.or_else(|| req.fileset.clone()),
        where_to: new.where_to.or_else(|| req.where_to.clone()),
        spool_data: new.spool_data.or(req.spool_data),
        accurate: new.accurate.or(req.accurate),
        comment: new.comment.or_else(|| req.comment.clone()),
        ..req.clone()
    };
    Ok((amended, args.has("yes")))
}

/// The menu's entries for a job of type `job_type`, in bacula-dir's
/// order (modify_job_parameters' add_prompt calls).
fn entries(job_type: char) -> Vec<&'static str> {
    let mut e = vec![
        "Level", "Storage", "Job", "FileSet", "Client", "When", "Priority",
    ];
    match job_type {
        'B' => e.extend(["Pool", "Plugin Options"]),
        'V' => e.extend(["Pool", "Verify Job"]),
        _ => {}
    }
    e
}

/// The levels `mod`'s Level entry offers for a job of `job_type`, each
/// as the list shows it and as `run level=` names it
/// (ua_run.c select_job_level); none for a job that has no level.
fn levels(job_type: char) -> &'static [(&'static str, &'static str)] {
    match job_type {
        'B' => &[
            ("Full", "Full"),
            ("Incremental", "Incremental"),
            ("Differential", "Differential"),
            ("Since", "Since"),
            ("VirtualFull", "VirtualFull"),
        ],
        'V' => &[
            ("Initialize Catalog", "InitCatalog"),
            ("Verify Catalog", "Catalog"),
            ("Verify Volume to Catalog", "VolumeToCatalog"),
            ("Verify Disk to Catalog", "DiskToCatalog"),
            ("Verify Volume Data", "Data"),
        ],
        _ => &[],
    }
}

/// The "Parameters to modify:" menu for the job `plan` shows; the entry
/// chosen changes `req`. False when the console gave up (a list or a
/// question abandoned), which ends the run, as bacula-dir's bail_out.
pub fn menu(ctx: &Ctx<'_, '_>, out: &mut Reply, plan: &JobData, req: &mut RunRequest) -> bool {
    let items = entries(plan.job_type);
    let Some(i) = select::choose(
        ctx,
        out,
        "Parameters to modify:",
        "parameter",
        "Select parameter to modify",
        &items,
    ) else {
        return false;
    };
    let cfg = ctx.director.config();
    let chosen = |kind: Kind, out: &mut Reply| {
        select::resource(ctx, out, &cfg, kind).map(|r| r.name.clone())
    };
    match items[i] {
        "Level" => level(ctx, out, plan.job_type, req),
        "Storage" => match chosen(Kind::Storage, out) {
            Some(s) => {
                req.storage = Some(s);
                req.storage_source = Some("user selection");
                true
            }
            None => false,
        },
        // The new Job's own resources, overrides kept. (bacula-dir 9.6.7
        // keeps the first Job's Client, FileSet, Pool and Storage, which
        // the summary then shows beside the new Job's name.)
        "Job" => match chosen(Kind::Job, out) {
            Some(j) => {
                req.job = j;
                req.level = None;
                req.priority = None;
                true
            }
            None => false,
        },
        "FileSet" => chosen(Kind::Fileset, out)
            .map(|f| req.fileset = Some(f))
            .is_some(),
        "Client" => chosen(Kind::Client, out)
            .map(|c| req.client = Some(c))
            .is_some(),
        "When" => when(ctx, out, req),
        "Priority" => priority(ctx, out, req),
        "Pool" => match chosen(Kind::Pool, out) {
            Some(p) => {
                req.pool = Some(p);
                req.pool_source = Some("User input");
                true
            }
            None => false,
        },
        "Plugin Options" => plugin_options(ctx, out),
        _ => {
            out.line("Verify Job: this Director verifies against the Job resource's Verify Job; change it in the configuration.");
            true
        }
    }
}

/// The Priority entry, in the backup's menu and the restore's; false
/// when the console gave up.
pub(super) fn priority(ctx: &Ctx<'_, '_>, out: &mut Reply, req: &mut RunRequest) -> bool {
    let Some(p) = select::number(ctx, out, "Enter new Priority: ") else {
        return false;
    };
    if p == 0 {
        out.line("Priority must be a positive integer.");
    } else {
        req.priority = Some(p);
    }
    true
}

/// The Plugin Options entry: asked, then answered as bacula-dir's own
/// `run pluginoptions=` answers (the file daemon's plugins are given no
/// options by this Director); false when the console gave up.
pub(super) fn plugin_options(ctx: &Ctx<'_, '_>, out: &mut Reply) -> bool {
    if ctx.ask(out, "Please Plugin Options string: ").is_none() {
        return false;
    }
    out.line("Plugin Options not yet implemented.");
    true
}

/// The Level entry: the job type's levels, or bacula-dir's warning for a
/// job that has none; back to the summary either way.
fn level(ctx: &Ctx<'_, '_>, out: &mut Reply, job_type: char, req: &mut RunRequest) -> bool {
    let offered = levels(job_type);
    if offered.is_empty() {
        out.line("Level not appropriate for this Job. Cannot be changed.");
        return true;
    }
    let shown: Vec<&str> = offered.iter().map(|(shown, _)| *shown).collect();
    if let Some(i) = select::choose(ctx, out, "Levels:", "level", "Select level", &shown) {
        req.level = Some(offered[i].1.to_string());
    }
    true
}

/// The When entry: a time or a duration from now, or now for an empty
/// answer; what cannot be read is now, as bacula-dir says it.
pub(super) fn when(ctx: &Ctx<'_, '_>, out: &mut Reply, req: &mut RunRequest) -> bool {
    let Some(answer) = ctx.ask(
        out,
        "Please enter start time as a duration or YYYY-MM-DD HH:MM:SS or return for now: ",
    ) else {
        return false;
    };
    let answer = answer.trim();
    let now = crate::clock::now();
    req.sched_time = Some(if answer.is_empty() {
        now
    } else {
        match job::parse_when(answer) {
            Some(t) => t,
            None => {
                out.line("Invalid time, using current time.");
                now
            }
        }
    });
    true
}
