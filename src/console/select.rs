//! bconsole's questions, as bacula-dir's ua_select.c asks them: a number
//! (`get_pint`), and the numbered selection list (`do_prompt`: "The
//! defined Storage resources are:", one `     1: File` line per choice,
//! "Select Storage resource (1-2): "), with its shortcuts: one choice is
//! taken without asking, none is said to be empty, `.` gives up.

use super::{Ctx, Reply};
use crate::config::{Config, Kind, Resource};

/// Asks for a number until one comes; None when the console gives up
/// (`.`, or the session ends), after saying so.
pub fn number(ctx: &Ctx<'_, '_>, out: &mut Reply, prompt: &str) -> Option<i64> {
    loop {
        let answer = ctx.ask(out, prompt)?;
        let answer = answer.trim();
        if answer == "." {
            return None;
        }
        match answer.parse::<i64>() {
            Ok(n) if n >= 0 => return Some(n),
            _ => out.line(format!("Expected a positive integer, got: {answer}")),
        }
    }
}

/// The numbered list of `items` under `header`; the index chosen. `what`
/// names the kind of choice in the shortcuts' lines ("Automatically
/// selected Storage: File").
pub fn choose(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    header: &str,
    what: &str,
    prompt: &str,
    items: &[String],
) -> Option<usize> {
    if items.len() == 1 {
        out.line(format!("Automatically selected {what}: {}", items[0]));
        return Some(0);
    }
    out.line(header);
    for (i, item) in items.iter().enumerate() {
        out.line(format!("{:>6}: {item}", i + 1));
    }
    if items.is_empty() {
        out.line(format!("Selection list for \"{what}\" is empty!"));
        return None;
    }
    loop {
        let Some(n) = number(ctx, out, &format!("{prompt} (1-{}): ", items.len())) else {
            out.line("Selection aborted, nothing done.");
            return None;
        };
        match usize::try_from(n) {
            Ok(n) if (1..=items.len()).contains(&n) => return Some(n - 1),
            _ => out.line(format!(
                "Please enter a number between 1 and {}",
                items.len()
            )),
        }
    }
}

/// The enabled resources of `kind` the console's `acl` lets it see, in
/// the configuration's order.
pub fn allowed<'a>(cfg: &'a Config, kind: Kind, acl: &Option<Vec<String>>) -> Vec<&'a Resource> {
    cfg.all(kind)
        .filter(|r| r.bool("Enabled").unwrap_or(true))
        .filter(|r| super::login::Acl::allows(acl, &r.name))
        .collect()
}

/// bacula-dir's select_client_resource, select_storage_resource and
/// select_job_resource: the list of the resources the console may use.
pub fn resource<'a>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    cfg: &'a Config,
    kind: Kind,
) -> Option<&'a Resource> {
    let acl = &ctx.login.acl;
    let (list, what, prompt) = match kind {
        Kind::Client => (
            &acl.clients,
            "Client",
            "Select Client (File daemon) resource",
        ),
        Kind::Storage => (&acl.storages, "Storage", "Select Storage resource"),
        Kind::Job => (&acl.jobs, "Job", "Select Job resource"),
        Kind::Fileset => (&acl.filesets, "FileSet", "Select FileSet resource"),
        Kind::Pool => (&acl.pools, "Pool", "Select Pool resource"),
        _ => (&None, kind.name(), "Select resource"),
    };
    let found = allowed(cfg, kind, list);
    let names: Vec<String> = found.iter().map(|r| r.name.clone()).collect();
    let header = format!("The defined {what} resources are:");
    choose(ctx, out, &header, what, prompt, &names).map(|i| found[i])
}
