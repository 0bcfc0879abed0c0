//! `run`, `wait`, `cancel` and `stop` (one command in bacula-dir,
//! ua_cmds.c cancel_cmd: `stop` leaves a backup Incomplete, restart.rs).

use super::login::{Acl, Api};
use super::{Ctx, Reply};
use crate::bnet::Signal;
use crate::clock;
use crate::config::{Config, Kind};
use crate::job::{self, JobData, RunRequest};

/// The resources the job would run with (its own or those a `run`
/// argument or `mod` chose), each checked against its ACL as bacula-dir's
/// ua_run.c does (get_pool, get_storage, get_fileset, get_client, and
/// start_job's last check of the Client after `mod`). A refused name is
/// answered as a missing one, so that a console learns nothing of
/// resources outside its ACLs. Then what the job engine does not apply
/// to a run (`RunRequest::unsupported`).
fn refused(ctx: &Ctx<'_, '_>, plan: &JobData, req: &RunRequest) -> Option<String> {
    let acl = &ctx.login.acl;
    let checks = [
        ("Pool", &plan.pool, &acl.pools),
        ("Storage", &plan.storage, &acl.storages),
        ("FileSet", &plan.fileset, &acl.filesets),
        ("Client", &plan.client, &acl.clients),
    ];
    for (what, name, list) in checks {
        if !name.is_empty() && !Acl::allows(list, name) {
            return Some(format!("{what} \"{name}\" not found."));
        }
    }
    req.unsupported()
}

/// The resources a `run` argument names that are not in the
/// configuration, said as bacula-dir's get_pool, get_storage, get_client
/// and get_fileset say them; a name outside the console's ACLs is said
/// the same way. A `where=` outside WhereACL is refused.
fn unknown(ctx: &Ctx<'_, '_>, cfg: &Config, req: &RunRequest) -> Option<String> {
    let acl = &ctx.login.acl;
    // WhereACL first, as scan_run_command_line_arguments checks it.
    for key in ["where", "regexwhere"] {
        if ctx
            .args
            .get(key)
            .is_some_and(|w| !Acl::allows(&acl.wheres, w))
        {
            return Some(format!("No authorization for \"{key}\" specification."));
        }
    }
    let named = [
        (Kind::Pool, "Pool", &req.pool, &acl.pools),
        (Kind::Storage, "Storage", &req.storage, &acl.storages),
        (Kind::Client, "Client", &req.client, &acl.clients),
        (Kind::Fileset, "FileSet", &req.fileset, &acl.filesets),
    ];
    named.into_iter().find_map(|(kind, what, name, list)| {
        let name = name.as_ref()?;
        let found = cfg.find(kind, name).is_some() && Acl::allows(list, name);
        (!found).then(|| format!("{what} \"{name}\" not found."))
    })
}

/// `run [job=]NAME [level=…] [client=…] [fileset=…] [pool=…] [storage=…]
/// [when=…] [priority=…] [spooldata=yes|no] [accurate=yes|no]
/// [comment=…] [yes]`: without `yes` the console is shown the job and
/// asked, and may change it (`mod`) before it runs, as bacula-dir's
/// run_cmd does.
pub fn run(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    // No job named: the Job resources to choose from, as bacula-dir's
    // select_job_resource offers them.
    let parsed = match RunRequest::parse(ctx.args) {
        Err(e) if e == job::NO_JOB => {
            let cfg = ctx.director.config();
            let Some(res) = super::select::resource(ctx, out, &cfg, Kind::Job) else {
                return not_run(out);
            };
            let mut args = ctx.args.clone();
            args.keys.push("job".into());
            args.values.push(Some(res.name.clone()));
            RunRequest::parse(&args)
        }
        r => r,
    };
    let mut req = match parsed {
        Ok(r) => r,
        Err(e) => {
            out.line(e);
            return not_run(out);
        }
    };
    if ctx.args.get("job").or(ctx.args.get("client")).is_some() {
        ctx.using_client_catalog(out);
    } else {
        ctx.using_catalog(out);
    }
    let mut yes = ctx.args.has("yes");
    loop {
        let cfg = ctx.director.config();
        if !Acl::allows(&ctx.login.acl.jobs, &req.job) || cfg.find(Kind::Job, &req.job).is_none() {
            out.line(format!("Job \"{}\" not found.", req.job));
            return not_run(out);
        }
        if let Some(why) = unknown(ctx, &cfg, &req) {
            out.line(why);
            return not_run(out);
        }
        // bacula-dir settles the job (level, pool, storage…) before it asks
        // (ua_run.c set_run_context_in_jcr), so a bad level is refused at once.
        let plan = match job::plan(&cfg, &req) {
            Ok(p) => p,
            Err(e) => {
                out.line(e);
                return not_run(out);
            }
        };
        if let Some(why) = refused(ctx, &plan, &req) {
            out.line(why);
            return not_run(out);
        }
        if yes {
            return start(ctx, &req, out);
        }
        summary(ctx, &plan, out);
        let Some(answer) = ctx.ask(out, "OK to run? (yes/mod/no): ") else {
            return not_run(out);
        };
        let answer = answer.trim();
        // bacula-dir takes any beginning of each word, and an empty
        // answer as yes (run_cmd, modify_job_parameters).
        let lower = answer.to_ascii_lowercase();
        let starts = |word: &str| word.starts_with(lower.as_str());
        if lower.starts_with(".mod ") || (lower.starts_with("mod ") && answer.len() > 6) {
            match super::modify::amend(&req, answer) {
                Ok((r, then_yes)) => (req, yes) = (r, then_yes),
                Err(e) => {
                    out.line(e);
                    return not_run(out);
                }
            }
        } else if !answer.is_empty() && starts("mod") {
            if !super::modify::menu(ctx, out, &plan, &mut req) {
                return not_run(out);
            }
        } else if answer.is_empty() || starts("yes") {
            return start(ctx, &req, out);
        } else if starts("no") {
            return not_run(out);
        } else {
            out.line("");
            out.line(format!(
                "Bad response: {answer}. You must answer yes, mod, or no."
            ));
            out.line("");
        }
    }
}

fn start(ctx: &Ctx<'_, '_>, req: &RunRequest, out: &mut Reply) {
    match job::start(ctx.director, req) {
        Ok(id) => out.line(format!("Job queued. JobId={id}")),
        Err(e) => out.line(e),
    }
}

fn not_run(out: &mut Reply) {
    out.line("Job not run.");
    out.failed = true;
}

/// What the job will run, as bacula-dir 9.6.7 shows it before "OK to
/// run?" (ua_run.c display_job_parameters). In api mode the summary
/// follows BNET_RUN_CMD and opens with `Type:` and `Title:` lines, which
/// bat's run dialog reads.
fn summary(ctx: &Ctx<'_, '_>, plan: &JobData, out: &mut Reply) {
    let api = ctx.login.api.get() != Api::Text;
    let kind = job::names::type_name(plan.job_type);
    let from = |source: &str| match source {
        "" => "Job resource".to_string(),
        s => s.to_string(),
    };
    let when = clock::local(plan.sched_time).sql();
    let (title, lines): (String, Vec<String>) = match plan.job_type {
        'B' => (
            format!("Run {kind} job"),
            vec![
                format!("JobName:  {}", plan.job),
                format!("Level:    {}", job::names::level_name(plan.level)),
                format!("Client:   {}", plan.client),
                format!("FileSet:  {}", plan.fileset),
                if api {
                    format!("Pool:     {}", plan.pool)
                } else {
                    format!("Pool:     {} (From {})", plan.pool, from(&plan.pool_source))
                },
                if api {
                    format!("Storage:  {}", plan.storage)
                } else {
                    format!(
                        "Storage:  {} (From {})",
                        plan.storage,
                        from(&plan.storage_source)
                    )
                },
                format!("When:     {when}"),
                format!("Priority: {}", plan.priority),
            ],
        ),
        'V' => (
            format!("Run {kind} Job"),
            vec![
                format!("JobName:     {}", plan.job),
                format!("Level:       {}", job::names::level_name(plan.level)),
                format!("Client:      {}", plan.client),
                format!("FileSet:     {}", plan.fileset),
                format!(
                    "Pool:        {} (From {})",
                    plan.pool,
                    from(&plan.pool_source)
                ),
                format!(
                    "Storage:     {} (From {})",
                    plan.storage,
                    from(&plan.storage_source)
                ),
                format!("When:        {when}"),
                format!("Priority:    {}", plan.priority),
            ],
        ),
        _ => (
            format!("Run {kind} Job"),
            vec![
                format!("JobName:  {}", plan.job),
                format!("FileSet:  {}", plan.fileset),
                format!("Client:   {}", plan.client),
                format!("Storage:  {}", plan.storage),
                format!("When:     {when}"),
                format!("Priority: {}", plan.priority),
            ],
        ),
    };
    if api {
        out.marked(Signal::RunCmd, &format!("Type: {kind}"));
        out.line(format!("Title: {}", title.replace(" job", " Job")));
    } else {
        out.line(title);
    }
    for l in lines {
        out.line(l);
    }
}

/// Whether the console may see the job in flight `id` (JobACL and
/// ClientACL); false when no such job is in flight.
pub(super) fn may_see_running(ctx: &Ctx<'_, '_>, id: i64) -> bool {
    ctx.director
        .jobs()
        .owner(id)
        .is_some_and(|(job, client)| ctx.login.may_see_job(&job, &client))
}

/// `wait` (every job the console may see) or `wait jobid=N`; a job
/// outside the console's ACLs is not waited for, as if it had ended.
pub fn wait(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let jobid = match ctx.args.jobid() {
        Ok(id) => id,
        Err(e) => {
            out.line(e);
            return;
        }
    };
    match jobid {
        Some(id) if may_see_running(ctx, id) => ctx.director.jobs().wait(id),
        Some(_) => {}
        None => ctx
            .director
            .jobs()
            .wait_for(|job, client| ctx.login.may_see_job(job, client)),
    }
}

/// The JobIds in flight the console may see.
fn visible_running(ctx: &Ctx<'_, '_>) -> Vec<i64> {
    ctx.director
        .jobs()
        .running()
        .into_iter()
        .map(|(id, ..)| id)
        .filter(|id| may_see_running(ctx, *id))
        .collect()
}

/// `cancel` alone while jobs run: bacula-dir's "Select Job(s):" list of
/// the running jobs (ua_select.c select_running_jobs, do_alist_prompt),
/// one or several chosen (`1,3`, `2-4`, `*` for all), then "Confirm
/// cancel of N Jobs (yes/no): " unless `yes` was given. bacula-dir lists
/// every running job whatever the console's JobACL and refuses the ones
/// outside it afterwards; rdird lists only the jobs the console may see.
fn chosen_running(ctx: &Ctx<'_, '_>, out: &mut Reply, verb: Verb) {
    let items: Vec<(i64, String)> = ctx
        .director
        .jobs()
        .running()
        .into_iter()
        .filter(|(id, ..)| may_see_running(ctx, *id))
        .map(|(id, unique, ..)| (id, format!("JobId={id} Job={unique}")))
        .collect();
    let chosen: Vec<usize> = match items.as_slice() {
        [] => return out.line("No Jobs running."),
        [(_, only)] => {
            out.line(format!("Automatically selected Job: {only}"));
            vec![0]
        }
        _ => {
            out.line("Select Job(s):");
            for (i, (_, item)) in items.iter().enumerate() {
                out.line(format!("{:>6}: {item}", i + 1));
            }
            let prompt = format!("Choose Job list to {} (1-{}): ", verb.word(), items.len());
            loop {
                let Some(answer) = ctx.ask(out, &prompt) else {
                    return;
                };
                if answer.trim() == "." {
                    return;
                }
                match selection(answer.trim(), items.len()) {
                    Some(list) => break list,
                    None => out.marked(
                        crate::bnet::Signal::WarningMsg,
                        &format!("Please enter a number between 1 and {}", items.len()),
                    ),
                }
            }
        }
    };
    if !ctx.args.has("yes") {
        for &i in &chosen {
            out.line(&items[i].1);
        }
        let question = format!(
            "Confirm {} of {} Job{} (yes/no): ",
            verb.word(),
            chosen.len(),
            if chosen.len() == 1 { "" } else { "s" }
        );
        if !super::prune::confirmed(ctx, out, &question) {
            return;
        }
    }
    for i in chosen {
        verb.apply(ctx, items[i].0, out);
    }
}

/// A selection list as bacula's sellist reads it: numbers and ranges
/// (`1,3-4`) from 1 to `n`, or `*` for all; None when any is out of
/// range or not a number.
fn selection(text: &str, n: usize) -> Option<Vec<usize>> {
    if text == "*" {
        return Some((0..n).collect());
    }
    let mut picked = Vec::new();
    for part in text.split(',').map(str::trim) {
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<usize>().ok()?,
                b.trim().parse::<usize>().ok()?,
            ),
            None => {
                let one = part.parse::<usize>().ok()?;
                (one, one)
            }
        };
        if lo < 1 || hi > n || lo > hi {
            return None;
        }
        for i in lo - 1..hi {
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
    }
    (!picked.is_empty()).then_some(picked)
}

/// What `cancel` or `stop` does to the jobs chosen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Cancel,
    Stop,
}

impl Verb {
    fn word(self) -> &'static str {
        match self {
            Verb::Cancel => "cancel",
            Verb::Stop => "stop",
        }
    }

    fn apply(self, ctx: &Ctx<'_, '_>, id: i64, out: &mut Reply) {
        match self {
            Verb::Cancel => cancel_one(ctx, id, out),
            Verb::Stop => super::restart::stop_one(ctx, id, out),
        }
    }
}

/// Cancels the job in flight `id` the console may see, saying so.
fn cancel_one(ctx: &Ctx<'_, '_>, id: i64, out: &mut Reply) {
    // bacula-dir answers "Unauthorized command from this console" for a
    // job outside JobACL (ua_select.c select_running_jobs), which tells
    // that the job runs; here it is answered as a job that does not.
    let found = if may_see_running(ctx, id) {
        ctx.director.jobs().cancel(id)
    } else {
        None
    };
    match found {
        Some(name) => out.line(format!(
            "3000 JobId={id} Job=\"{name}\" marked to be canceled."
        )),
        None => out.line(format!("Warning Job JobId={id} is not running.")),
    }
}

/// `cancel all [yes]`: every job in flight the console may see, after
/// "Confirm cancel of N Jobs (yes/no):" unless `yes` is given; nothing
/// is said when none runs (ua_select.c select_running_jobs "all").
fn all_running(ctx: &Ctx<'_, '_>, out: &mut Reply, verb: Verb) {
    let ids = visible_running(ctx);
    if ids.is_empty() {
        return;
    }
    if !ctx.args.has("yes") {
        let n = ids.len();
        let prompt = format!(
            "Confirm {} of {n} Job{} (yes/no): ",
            verb.word(),
            if n > 1 { "s" } else { "" }
        );
        let answer = ctx.ask(out, &prompt);
        if !answer.is_some_and(|a| a.trim().eq_ignore_ascii_case("yes")) {
            return;
        }
    }
    for id in ids {
        verb.apply(ctx, id, out);
    }
}

/// `cancel all [yes]`, `cancel jobid=N`, `cancel job=NAME` (the first job in flight whose
/// unique name begins with NAME: `job=Nightly` finds
/// `Nightly.2026-12-01_01.00.00_03`) or `cancel ujobid=UNIQUE` (that
/// unique name exactly), as bacula-dir's select_running_jobs finds them
/// (get_jcr_by_partial_name, get_jcr_by_full_name).
pub fn cancel(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    on_running(ctx, out, Verb::Cancel);
}

/// `stop`, with `cancel`'s arguments and selection.
pub fn stop(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    on_running(ctx, out, Verb::Stop);
}

fn on_running(ctx: &Ctx<'_, '_>, out: &mut Reply, verb: Verb) {
    if ctx.args.has("all") {
        all_running(ctx, out, verb);
        return;
    }
    let named = |name: &str, exact: bool| {
        ctx.director
            .jobs()
            .running()
            .into_iter()
            .find(|(_, unique, _, _)| {
                if exact {
                    unique == name
                } else {
                    unique.starts_with(name)
                }
            })
            .map(|(id, ..)| id)
    };
    let id = match ctx.args.jobid() {
        Ok(Some(id)) => id,
        Ok(None) => {
            let (key, exact) = match (ctx.args.get("job"), ctx.args.get("ujobid")) {
                (Some(name), _) => (name, false),
                (None, Some(name)) => (name, true),
                // bacula-dir says "None of your jobs are running." when
                // only jobs outside the console's ACLs run
                // (ua_select.c count_running_jobs), which tells that
                // they run; rdird says no job runs.
                (None, None) if visible_running(ctx).is_empty() => {
                    out.line("No Jobs running.");
                    return;
                }
                (None, None) => {
                    chosen_running(ctx, out, verb);
                    return;
                }
            };
            match named(key, exact).filter(|id| may_see_running(ctx, *id)) {
                Some(id) => id,
                None => {
                    out.line(format!("Warning Job {key} is not running."));
                    return;
                }
            }
        }
        Err(e) => {
            out.line(e);
            return;
        }
    };
    verb.apply(ctx, id, out);
}
