//! The dot commands GUIs (bat, Baculum) send to fill their menus and
//! pages, as bacula-dir 9.6.7 answers them (ua_dotcmds.c): one name per
//! line in the configuration's order, as the console's ACLs allow, and
//! the fixed lists (`.types`, `.levels`, `.volstatus`, …). `.defaults`,
//! the catalog's lists and `.help` have files of their own under dot/.

mod catalog;
mod defaults;
mod help;

pub use catalog::{backups, locations, media, mediatypes};
pub use defaults::defaults;
pub use help::help;

use super::login::Acl;
use super::{Ctx, Reply};
use crate::config::{Kind, Resource};

/// The names of `kind` that pass `acl` and `keep`, in the order the
/// configuration gives them (bacula-dir's foreach_res).
fn names(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    kind: Kind,
    acl: &Option<Vec<String>>,
    keep: impl Fn(&Resource) -> bool,
) {
    let cfg = ctx.director.config();
    for r in cfg.all(kind) {
        if Acl::allows(acl, &r.name) && keep(r) {
            out.line(&r.name);
        }
    }
}

/// `.jobs [type=X|type=!X]`: the Job resources, of the type whose letter
/// is X (`R` restore, `B` backup, …) or of every other type.
pub fn jobs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let wanted = ctx.args.get("type").map(|t| match t.strip_prefix('!') {
        Some(rest) => (true, rest.chars().next()),
        None => (false, t.chars().next()),
    });
    let letter = |job: &Resource| {
        job.str("Type")
            .and_then(crate::job::names::type_letter)
            .unwrap_or('B')
    };
    names(
        ctx,
        out,
        Kind::Job,
        &ctx.login.acl.jobs,
        |job| match wanted {
            None | Some((_, None)) => true,
            Some((exclude, Some(t))) => (letter(job) == t) != exclude,
        },
    );
}

/// `.clients [address=IP]`: the clients, or the first whose address is
/// (or resolves to) IP.
pub fn clients(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(ip) = ctx.args.get("address") else {
        names(ctx, out, Kind::Client, &ctx.login.acl.clients, |_| true);
        return;
    };
    let cfg = ctx.director.config();
    let matches = |address: &str| {
        address == ip
            || std::net::ToSocketAddrs::to_socket_addrs(&(address, 0))
                .is_ok_and(|mut a| a.any(|a| a.ip().to_string() == ip))
    };
    let found = cfg.all(Kind::Client).find(|c| {
        Acl::allows(&ctx.login.acl.clients, &c.name)
            && matches(c.str("Address").unwrap_or_default())
    });
    if let Some(c) = found {
        out.line(&c.name);
    }
}

/// `.pools [type=T]`: the pools, of Pool Type T if given (bacula-dir
/// 9.6.7 has no `type=` and lists every pool; later versions filter).
pub fn pools(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let wanted = ctx.args.get("type");
    names(ctx, out, Kind::Pool, &ctx.login.acl.pools, |p| {
        wanted.map_or(true, |t| {
            p.str("PoolType")
                .unwrap_or("Backup")
                .eq_ignore_ascii_case(t)
        })
    });
}

/// `.storage [unique]`: the storages; with `unique`, one per address and
/// port.
pub fn storages(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let unique = ctx.args.has("unique");
    let seen = std::cell::RefCell::new(std::collections::HashSet::new());
    names(ctx, out, Kind::Storage, &ctx.login.acl.storages, |s| {
        let place = format!(
            "{}:{}",
            s.str("Address").unwrap_or_default(),
            s.int("SdPort").unwrap_or(9103)
        );
        !unique || seen.borrow_mut().insert(place)
    });
}

pub fn filesets(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Fileset, &ctx.login.acl.filesets, |_| true);
}

pub fn catalogs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Catalog, &ctx.login.acl.catalogs, |_| true);
}

pub fn schedules(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Schedule, &ctx.login.acl.schedules, |_| true);
}

/// `.msgs`: every Messages resource (no ACL covers them, as in bacula-dir).
pub fn msgs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Messages, &None, |_| true);
}

fn lines(out: &mut Reply, items: &[&str]) {
    for i in items {
        out.line(i);
    }
}

/// `.types`: the job types a GUI offers (typescmd).
pub fn types(_: &Ctx<'_, '_>, out: &mut Reply) {
    lines(
        out,
        &["Backup", "Restore", "Admin", "Verify", "Migrate", "Copy"],
    );
}

/// `.volstatus`: the statuses a volume may be given (volstatuscmd).
pub fn volstatus(_: &Ctx<'_, '_>, out: &mut Reply) {
    lines(
        out,
        &[
            "Append", "Full", "Used", "Recycle", "Purged", "Cleaning", "Error",
        ],
    );
}

/// `.actiononpurge`: what may happen to a purged volume (aopcmd).
pub fn actiononpurge(_: &Ctx<'_, '_>, out: &mut Reply) {
    lines(out, &["None", "Truncate"]);
}

/// `.tags`: the debug tags `setdebug tags=` knows (lib/message.c
/// debug_tags).
pub fn tags(_: &Ctx<'_, '_>, out: &mut Reply) {
    lines(out, &super::debug::TAGS);
}

/// The job levels and the job type each is for, in bacula-dir's order
/// (dird_conf.c joblevels; a blank name is "no level").
const LEVELS: &[(&str, &str)] = &[
    ("Full", "Backup"),
    ("Base", "Backup"),
    ("Incremental", "Backup"),
    ("Differential", "Backup"),
    ("Since", "Backup"),
    ("VirtualFull", "Backup"),
    ("Catalog", "Verify"),
    ("InitCatalog", "Verify"),
    ("VolumeToCatalog", "Verify"),
    ("DiskToCatalog", "Verify"),
    ("Data", "Verify"),
    ("Full", "Copy"),
    ("Incremental", "Copy"),
    ("Differential", "Copy"),
    ("Full", "Migrate"),
    ("Incremental", "Migrate"),
    ("Differential", "Migrate"),
];

/// `.levels [TYPE]`: every level (a name once per type it is for, as
/// bacula-dir lists them), or the levels of job type TYPE. More than one
/// word lists nothing, as in levelscmd.
pub fn levels(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let of_type = ctx.args.word(0);
    if ctx.args.word(1).is_some() {
        return;
    }
    for (level, job_type) in LEVELS {
        if of_type.map_or(true, |t| t.eq_ignore_ascii_case(job_type)) {
            out.line(level);
        }
    }
}

/// `.messages`: the queued messages, if any, and nothing otherwise
/// (getmsgscmd; `messages` says "You have no messages.").
pub fn messages(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let may_see = super::acl::message_filter(ctx.login, ctx.director);
    for m in ctx.director.take_messages(may_see) {
        out.push(if m.ends_with('\n') {
            m
        } else {
            format!("{m}\n")
        });
    }
}

/// `.jlist ARGS`: `list ARGS` as rdird's `.api json` gives it, whatever
/// the session's mode. bacula-dir 9.6.7 has no `.jlist` (later Bacula
/// versions do, with a JSON layout of their own); this one is rdird's.
pub fn jlist(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mode = ctx.login.api.replace(super::login::Api::Json);
    super::list::list(ctx, out);
    ctx.login.api.set(mode);
    let mut listed = std::mem::take(out);
    let begun = std::mem::take(&mut listed.marks);
    *out = super::json_reply("list", listed);
    out.ran = true;
    out.marks = begun;
}
