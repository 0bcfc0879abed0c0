//! `enable` and `disable` of a Job, a Client or a Schedule (bacula-dir's
//! ua_cmds.c do_enable_disable_cmd): a disabled Job is not scheduled, a
//! disabled Client's jobs are not scheduled, a disabled Schedule starts
//! nothing; a job named in `run` still runs, as in bacula-dir. What is
//! set is kept across reload and restart (job/enabled.rs).
//! `storage=` (a device in the storage daemon) is not sent yet: it says
//! so.

use super::login::Acl;
use super::{select::choose, Ctx, Reply};
use crate::config::Kind;

pub fn enable(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    switch(ctx, out, true);
}

pub fn disable(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    switch(ctx, out, false);
}

fn switch(ctx: &Ctx<'_, '_>, out: &mut Reply, on: bool) {
    let abled = if on { "enabled" } else { "disabled" };
    if ctx.args.has("batch") {
        // bacula-dir turns its batch insert of file attributes off;
        // rdird has only the batch insert.
        out.line(format!(
            "Job Attributes Insertion is always batched in rdird: \"batch\" cannot be {abled}."
        ));
        return;
    }
    let acl = &ctx.login.acl;
    let kinds = [
        ("job", Kind::Job, "Job", &acl.jobs),
        ("client", Kind::Client, "Client", &acl.clients),
        ("schedule", Kind::Schedule, "Schedule", &acl.schedules),
    ];
    let mut any = false;
    for (key, kind, what, list) in kinds {
        if !ctx.args.has(key) {
            continue;
        }
        any = true;
        let name = match ctx.args.get(key) {
            Some(n) => n.to_string(),
            None => {
                let cfg = ctx.director.config();
                let names: Vec<String> = cfg
                    .all(kind)
                    .filter(|r| Acl::allows(list, &r.name))
                    .filter(|r| r.bool("Enabled").unwrap_or(true) != on)
                    .map(|r| r.name.clone())
                    .collect();
                let heading = format!(
                    "The {} {what} resources are:",
                    if on { "disabled" } else { "enabled" }
                );
                match choose(
                    ctx,
                    out,
                    &heading,
                    what,
                    &format!("Select {what} resource"),
                    &names,
                ) {
                    Some(i) => names[i].clone(),
                    None => return,
                }
            }
        };
        // bacula-dir answers a name outside the console's ACL with
        // "Unauthorized command from this console.", which tells that it
        // exists; rdird answers it as a name that does not.
        let known = ctx.director.config().find(kind, &name).is_some();
        if !known || !Acl::allows(list, &name) {
            out.line(format!("{what} \"{name}\" not found."));
            return;
        }
        let kept = ctx.director.set_enabled(kind, &name, on);
        out.line(format!("{what} \"{name}\" {abled}"));
        if let Err(e) = kept {
            tracing::error!("{what} \"{name}\" {abled}, but not for the next start: {e}");
            out.line(format!(
                "Warning: this is not kept for the next start of the Director: {e}"
            ));
        }
    }
    if ctx.args.has("storage") {
        any = true;
        out.line(format!(
            "A storage device cannot be {abled} from rdird's console yet."
        ));
    }
    if !any {
        out.line(
            "You must enter one of the following keywords: job, client, schedule, or storage.",
        );
    }
}
