//! `show`: the configuration's resources as the Director holds them,
//! `show jobs`, `show job=NAME`, `show pools`, … or `show all`.
//!
//! No console sees a password. A restricted console sees the Clients,
//! Jobs, JobDefs, Storages, Catalogs, Schedules, FileSets and Pools of
//! its ACLs (a Job only when its Client is in the ClientACL too;
//! bacula-dir's dird_conf.c dump_resource checks the name alone), no
//! Console resource but its own, and Messages resources without their
//! commands: bacula-dir 9.6.7 lists every Console and prints `mailcmd=`
//! and `opcmd=` to any console.

use serde_json::Value as Json;

use super::login::{Acl, Login};
use super::{Ctx, Reply};
use crate::config::{json, Kind};

/// Whether the console may see the resource `name` of `kind` (`body`
/// is its settings). A Job is shown only when its Client is in the
/// ClientACL too, as `run` and `list` treat it.
fn may_see(login: &Login, kind: Kind, name: &str, body: &Json) -> bool {
    let acl = &login.acl;
    let list = match kind {
        Kind::Client => &acl.clients,
        Kind::Job => {
            let client = body.get("Client").map(value).unwrap_or_default();
            return login.may_see_job(name, &client);
        }
        Kind::JobDefs => &acl.jobs,
        Kind::Storage => &acl.storages,
        Kind::Catalog => &acl.catalogs,
        Kind::Schedule => &acl.schedules,
        Kind::Fileset => &acl.filesets,
        Kind::Pool => &acl.pools,
        Kind::Console if login.is_restricted() => return name == login.name,
        _ => return true,
    };
    Acl::allows(list, name)
}

/// Removes, at any depth, the settings no console is shown (passwords)
/// and those a restricted console is not shown (the commands Messages
/// resources run).
fn scrub(v: &mut Json, restricted: bool) {
    match v {
        Json::Object(map) => {
            map.retain(|k, _| {
                let k = k.to_ascii_lowercase();
                let command = ["mailcommand", "operatorcommand", "command"].contains(&k.as_str());
                !(k.contains("password") || restricted && command)
            });
            for v in map.values_mut() {
                scrub(v, restricted);
            }
        }
        Json::Array(list) => list.iter_mut().for_each(|v| scrub(v, restricted)),
        _ => {}
    }
}

fn kind_of(word: &str) -> Option<Kind> {
    let w = word.to_ascii_lowercase();
    let singular = w.strip_suffix('s').unwrap_or(&w);
    let alias = match singular {
        "dir" | "director" => Some(Kind::Director),
        "message" => Some(Kind::Messages),
        _ => None,
    };
    Kind::from_keyword(&w)
        .or_else(|| Kind::from_keyword(singular))
        .or(alias)
}

fn value(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn print(kind: Kind, body: &Json, out: &mut Reply) {
    let name = body.get("Name").map(value).unwrap_or_default();
    out.line(format!("{}: name={name}", kind.name()));
    if let Json::Object(map) = body {
        for (k, v) in map {
            if k == "Name" {
                continue;
            }
            out.line(format!("  {k} = {}", value(v)));
        }
    }
}

pub fn show(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let key = ctx.args.word(0).unwrap_or("all");
    let named = ctx
        .args
        .keys
        .get(1)
        .and_then(|_| ctx.args.values.get(1))
        .cloned()
        .flatten();
    let kinds: Vec<Kind> = if key.eq_ignore_ascii_case("all") {
        Kind::ALL.to_vec()
    } else {
        match kind_of(key) {
            Some(k) => vec![k],
            None => {
                out.line(format!("Keywords for the show command are: directors clients jobs jobdefs storages catalogs schedules filesets pools messages consoles all (not \"{key}\")"));
                return;
            }
        }
    };
    let mut shown = 0;
    for k in kinds {
        let dump = json::dump(&cfg, Some(k), None);
        for entry in dump.as_array().into_iter().flatten() {
            let Some(body) = entry.get(k.name()) else {
                continue;
            };
            let name = body.get("Name").map(value).unwrap_or_default();
            if named.as_ref().is_some_and(|n| *n != name) || !may_see(ctx.login, k, &name, body) {
                continue;
            }
            let mut body = body.clone();
            let restricted = ctx.login.is_restricted() && k == Kind::Messages;
            scrub(&mut body, restricted);
            print(k, &body, out);
            shown += 1;
        }
    }
    if shown == 0 {
        if let Some(n) = named {
            out.line(format!("Resource {key}={n} not found"));
        }
    }
}
