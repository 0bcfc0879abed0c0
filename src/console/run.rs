//! `run`, `wait` and `cancel`.

use super::login::Acl;
use super::{Ctx, Reply};
use crate::job::{self, RunRequest};

/// `run job=NAME [level=…] [priority=…] [yes]`: without `yes` the console
/// is asked first.
pub fn run(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let req = match RunRequest::parse(ctx.args) {
        Ok(r) => r,
        Err(e) => {
            out.line(e);
            return;
        }
    };
    if !Acl::allows(&ctx.login.acl.jobs, &req.job) {
        out.line(format!("Job \"{}\" not found.", req.job));
        return;
    }
    let cfg = ctx.director.config();
    if let Some(cat) = cfg.all(crate::config::Kind::Catalog).next() {
        out.line(format!("Using Catalog \"{}\"", cat.name));
    }
    if !ctx.args.has("yes") {
        let Some(res) = cfg.find(crate::config::Kind::Job, &req.job) else {
            out.line(format!("Job \"{}\" not found.", req.job));
            return;
        };
        out.line(format!("Run {} job", res.str("Type").unwrap_or("Backup")));
        out.line(format!("JobName:  {}", res.name));
        out.line(format!(
            "Priority: {}",
            req.priority
                .unwrap_or_else(|| res.int("Priority").unwrap_or(10))
        ));
        let answer = ctx.ask(out, "OK to run? (yes/mod/no): ");
        if !answer.is_some_and(|a| a.trim().eq_ignore_ascii_case("yes")) {
            out.line("Job not run.");
            return;
        }
    }
    match job::start(ctx.director, &req) {
        Ok(id) => out.line(format!("Job queued. JobId={id}")),
        Err(e) => out.line(e),
    }
}

/// `wait` (every job) or `wait jobid=N`.
pub fn wait(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let id = ctx.args.get("jobid").and_then(|v| v.parse().ok());
    ctx.director.jobs().wait(id);
    if ctx.director.has_messages() {
        out.line("You have messages.");
    }
}

/// `cancel jobid=N`.
pub fn cancel(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(id) = ctx.args.get("jobid").and_then(|v| v.parse::<i64>().ok()) else {
        out.line("cancel needs jobid=<JobId>");
        return;
    };
    match ctx.director.jobs().cancel(id) {
        Some(name) => out.line(format!(
            "3000 JobId={id} Job=\"{name}\" marked to be canceled."
        )),
        None => out.line(format!("Warning Job JobId={id} is not running.")),
    }
}
