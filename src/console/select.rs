//! bconsole's questions, as bacula-dir's ua_select.c asks them: a number
//! (`get_pint`), and the numbered selection list (`start_prompt`,
//! `add_prompt`, `do_prompt`: "The defined Storage resources are:", one
//! `     1: File` line per choice, "Select Storage resource (1-2): "),
//! with its shortcuts: one choice is taken without asking, none is said
//! to be empty, `.` gives up. In api mode the list is framed as
//! do_prompt frames it for a GUI's selection dialog: BNET_START_SELECT,
//! the heading, the bare items (no numbers, no newlines),
//! BNET_END_SELECT, and BNET_SELECT_INPUT before each question.

use super::login::Acl;
use super::{Ctx, Reply};
use crate::bnet::Signal;
use crate::config::{Config, Kind, Resource};

/// Asks for a number until one comes; None when the console gives up
/// (`.`, or the session ends). Every question asks until it is answered,
/// as bacula-dir's do: one that gave up after some bad answers would
/// have a script's next lines, meant as answers, run as commands.
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
/// selected Storage: File"); `prompt` is the question without its range.
pub fn choose<S: AsRef<str>>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    header: &str,
    what: &str,
    prompt: &str,
    items: &[S],
) -> Option<usize> {
    if let [only] = items {
        out.line(format!("Automatically selected {what}: {}", only.as_ref()));
        return Some(0);
    }
    let api = ctx.login.api.get().signals();
    out.signal(Signal::StartSelect);
    out.line(header);
    for (i, item) in items.iter().enumerate() {
        if api {
            out.push(item.as_ref().to_string());
        } else {
            out.line(format!("{:>6}: {}", i + 1, item.as_ref()));
        }
    }
    out.signal(Signal::EndSelect);
    if items.is_empty() {
        out.error(format!("Selection list for \"{what}\" is empty!"));
        return None;
    }
    let question = format!("{prompt} (1-{}): ", items.len());
    loop {
        out.signal(Signal::SelectInput);
        let Some(n) = number(ctx, out, &question) else {
            break;
        };
        match usize::try_from(n) {
            Ok(n) if (1..=items.len()).contains(&n) => return Some(n - 1),
            _ => out.marked(
                Signal::WarningMsg,
                &format!("Please enter a number between 1 and {}", items.len()),
            ),
        }
    }
    out.signal(Signal::InfoMsg);
    out.line("Selection aborted, nothing done.");
    None
}

/// `choose` among resources of one kind by name: "The defined Job
/// resources are:" … "Select Job resource (1-N): ".
pub fn among<S: AsRef<str>>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    kind: &str,
    names: &[S],
) -> Option<usize> {
    choose(
        ctx,
        out,
        &format!("The defined {kind} resources are:"),
        kind,
        &format!("Select {kind} resource"),
        names,
    )
}

/// The enabled resources of `kind` the console's `acl` lets it see, in
/// the configuration's order.
pub fn allowed<'a>(cfg: &'a Config, kind: Kind, acl: &Option<Vec<String>>) -> Vec<&'a Resource> {
    cfg.all(kind)
        .filter(|r| r.bool("Enabled").unwrap_or(true))
        .filter(|r| Acl::allows(acl, &r.name))
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
    let header = format!("The defined {what} resources are:");
    let names: Vec<&str> = found.iter().map(|r| r.name.as_str()).collect();
    choose(ctx, out, &header, what, prompt, &names).map(|i| found[i])
}

/// The resource of `kind` that `key=` names, or the one the console
/// chooses from those its ACL `list` allows; a name given that is not
/// there (or not the console's) is said, then the list is offered, as
/// bacula-dir's get_storage_resource does.
pub fn named<'c>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    cfg: &'c Config,
    kind: Kind,
    key: &str,
    list: &Option<Vec<String>>,
) -> Option<&'c Resource> {
    let what = kind.name();
    if let Some(name) = ctx.args.get(key) {
        match cfg.find(kind, name).filter(|r| Acl::allows(list, &r.name)) {
            Some(r) => return Some(r),
            None => out.line(format!("{what} resource \"{name}\": not found")),
        }
    }
    let found = allowed(cfg, kind, list);
    let names: Vec<&str> = found.iter().map(|r| r.name.as_str()).collect();
    among(ctx, out, what, &names).map(|i| found[i])
}

/// The names `sql` lists from the catalog that `acl` allows (the
/// catalog's Clients or Pools a selection list offers); None when the
/// catalog cannot be read.
pub fn catalog_names(
    ctx: &Ctx<'_, '_>,
    sql: &str,
    acl: &Option<Vec<String>>,
) -> Option<Vec<String>> {
    let db = ctx.director.catalog();
    let mut q = db.db().prepare(sql).ok()?;
    let rows = q.query_map([], |r| r.get::<_, String>(0)).ok()?;
    Some(
        rows.filter_map(Result::ok)
            .filter(|n| Acl::allows(acl, n))
            .collect(),
    )
}

/// The Volume a command acts on, as bacula-dir's select_media_dbr
/// chooses it: `volume=`, else the Pool (`pool=`, else "Defined Pools:"
/// from the catalog's pools the PoolACL allows, ua_select.c
/// select_pool_dbr), that pool's volumes listed as `list volumes pool=`
/// shows them, and "Enter a Volume name or *MediaId: ". The name typed
/// (the MediaId's volume for `*N`); None when the console gives up.
pub fn media(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<String> {
    if let Some(v) = ctx.args.get("volume").filter(|v| !v.is_empty()) {
        return Some(v.to_string());
    }
    ctx.using_catalog(out);
    let acl = &ctx.login.acl.pools;
    let pool = match ctx.args.get("pool").filter(|p| Acl::allows(acl, p)) {
        Some(p) => p.to_string(),
        None => {
            let names = catalog_names(ctx, "SELECT Name FROM Pool ORDER BY PoolId", acl)?;
            if names.is_empty() {
                out.error("No pools defined. Use the \"create\" command to create one.");
                return None;
            }
            let i = choose(
                ctx,
                out,
                "Defined Pools:",
                "Pool",
                "Select the Pool",
                &names,
            )?;
            names[i].clone()
        }
    };
    super::list::media::pool_volumes(ctx, out, &pool);
    let typed = ctx.ask(out, "Enter a Volume name or *MediaId: ")?;
    let typed = typed.trim();
    match typed.strip_prefix('*').map(str::parse::<i64>) {
        Some(Ok(id)) => {
            let name = ctx.director.catalog().db().query_row(
                "SELECT VolumeName FROM Media WHERE MediaId = ?1",
                [id],
                |r| r.get::<_, String>(0),
            );
            match name {
                Ok(n) => Some(n),
                Err(_) => {
                    out.error(format!("Media record for MediaId={id} not found."));
                    None
                }
            }
        }
        _ if typed.is_empty() || typed == "." => None,
        _ => Some(typed.to_string()),
    }
}
