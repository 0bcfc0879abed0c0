//! bconsole's numbered selection lists, as bacula-dir's ua_select.c
//! (`start_prompt`, `add_prompt`, `do_prompt`) shows them when a command
//! is given a keyword without its value: a heading, one numbered line
//! per choice, and `Select … (1-N): ` until a number in range (or `.`)
//! is answered.

use super::login::Acl;
use super::{Ctx, Reply};
use crate::config::{Config, Kind, Resource};

/// How many answers out of range are taken before the selection is
/// given up (bacula-dir asks forever; a script feeding bad lines would
/// keep the session busy for nothing).
pub const MAX_TRIES: usize = 10;

/// Asks the console to choose one of `items` under `heading`; `what`
/// names the kind of choice ("Job"), `prompt` is the question without
/// its range. One choice is taken without asking, as bacula-dir does.
/// None when the list is empty or the console gave up (both said).
pub fn select(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    heading: &str,
    items: &[String],
    what: &str,
    prompt: &str,
) -> Option<String> {
    match items {
        [] => {
            out.line(format!("Selection list for \"{what}\" is empty!"));
            return None;
        }
        [only] => {
            out.line(format!("Automatically selected {what}: {only}"));
            return Some(only.clone());
        }
        _ => {}
    }
    out.line(heading);
    for (i, item) in items.iter().enumerate() {
        out.line(format!("{:6}: {item}", i + 1));
    }
    for _ in 0..MAX_TRIES {
        let answer = ctx.ask(out, &format!("{prompt} (1-{}): ", items.len()));
        let answer = match answer.as_deref().map(str::trim) {
            None | Some(".") => break,
            Some(a) => a.to_string(),
        };
        match answer.parse::<usize>() {
            Ok(n) if (1..=items.len()).contains(&n) => return Some(items[n - 1].clone()),
            _ => out.line(format!(
                "Please enter a number between 1 and {}",
                items.len()
            )),
        }
    }
    out.line("Selection aborted, nothing done.");
    None
}

/// The resource of `kind` that `key=` names, or the one the console
/// chooses from those its ACL `list` allows; a name given that is not
/// there (or not the console's) is said, then the list is offered, as
/// bacula-dir's get_storage_resource does.
pub fn resource<'c>(
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
    let names: Vec<String> = cfg
        .all(kind)
        .filter(|r| Acl::allows(list, &r.name) && r.bool("Enabled").unwrap_or(true))
        .map(|r| r.name.clone())
        .collect();
    let heading = format!("The defined {what} resources are:");
    let name = select(
        ctx,
        out,
        &heading,
        &names,
        what,
        &format!("Select {what} resource"),
    )?;
    cfg.find(kind, &name)
}
