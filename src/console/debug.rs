//! `setdebug` and `trace`: the debug level of the Director, of a file
//! daemon, of a storage daemon, or of all of them (bacula-dir 9.6.7:
//! ua_cmds.c setdebug_cmd, do_dir_setdebug, do_client_setdebug,
//! do_storage_setdebug, do_all_setdebug, trace_cmd).
//!
//! The Director's own level maps onto its tracing filter as `-d` does
//! (logging.rs: 0 info, 1 to 99 debug, 100 and above trace); tags and
//! options are checked and passed to the daemons, which use them.

use super::{daemons, select, Ctx, Reply};
use crate::config::{Config, Kind, Resource};
use crate::peer::Answer;

/// bacula-dir's debug tags (lib/message.c debug_tags), which `.tags`
/// lists.
pub(super) const TAGS: [&str; 13] = [
    "lock",
    "network",
    "plugin",
    "volume",
    "sql",
    "bvfs",
    "memory",
    "scheduler",
    "protocol",
    "snapshot",
    "record",
    "asx",
    "all",
];

/// What is set, on whichever daemons.
struct Setting {
    level: i64,
    trace: i64,
    hangup: i64,
    blowup: i64,
    options: String,
    tags: String,
}

impl Setting {
    /// The line both daemons read (`setdebug=%ld trace=%d hangup=%d
    /// blowup=%d options=%s tags=%s`).
    fn line(&self) -> String {
        format!(
            "setdebug={} trace={} hangup={} blowup={} options={} tags={}\n",
            self.level as i32, self.trace, self.hangup, self.blowup, self.options, self.tags
        )
    }
}

/// Whether `tags` reads as debug_parse_tags reads it: tag names joined by
/// `,`, `+`, `-` or `!`.
fn tags_valid(tags: &str) -> bool {
    tags.split([',', '+', '-', '!'])
        .all(|t| t.is_empty() || TAGS.iter().any(|k| k.eq_ignore_ascii_case(t)))
}

fn flag(ctx: &Ctx<'_, '_>, key: &str) -> i64 {
    ctx.args
        .get(key)
        .map(|v| v.trim().parse::<i64>().unwrap_or(0))
        .unwrap_or(-1)
}

pub fn setdebug(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let options = ctx.args.get("options").unwrap_or("").to_string();
    // The options go to the daemons inside their command line: letters
    // and digits only (bacula-dir passes whatever was typed).
    if options.len() > 59 || !options.chars().all(|c| c.is_ascii_alphanumeric()) {
        return out.line(format!("Incorrect options found on command line {options}"));
    }
    let level = match ctx.args.get("level").map(|v| v.trim().parse::<i64>()) {
        Some(Ok(n)) if n >= 0 => n,
        _ => match select::number(ctx, out, "Enter new debug level: ") {
            Some(n) => n,
            None => return,
        },
    };
    let tags = ctx.args.get("tags").unwrap_or("").to_string();
    if !tags_valid(&tags) {
        return out.line(format!("Incorrect tags found on command line {tags}"));
    }
    let trace = match ctx.args.get("trace") {
        Some(v) => i64::from(v.trim().parse::<i64>().unwrap_or(0) > 0),
        None => -1,
    };
    let s = Setting {
        level,
        trace,
        hangup: flag(ctx, "hangup"),
        blowup: flag(ctx, "blowup"),
        options,
        tags,
    };
    let cfg = ctx.director.config();
    for key in ctx.args.keys.iter().skip(1) {
        match key.to_ascii_lowercase().as_str() {
            "all" => return all(ctx, out, &cfg, &s),
            "dir" | "director" => return director(ctx, out, &s),
            "client" | "fd" => {
                if let Some(c) = daemons::pick(ctx, out, &cfg, Kind::Client, &["client", "fd"]) {
                    client(out, &cfg, c, &s);
                }
                return;
            }
            "store" | "storage" | "sd" => {
                if let Some(st) =
                    daemons::pick(ctx, out, &cfg, Kind::Storage, &["storage", "store", "sd"])
                {
                    storage(out, &cfg, st, &s);
                }
                return;
            }
            _ => {}
        }
    }
    let kinds = ["Director", "Storage", "Client", "All"].map(String::from);
    let chosen = select::choose(
        ctx,
        out,
        "Available daemons are: ",
        "",
        "Select daemon type to set debug level",
        &kinds,
    );
    match chosen {
        Some(0) => director(ctx, out, &s),
        Some(1) => {
            if let Some(st) = select::resource(ctx, out, &cfg, Kind::Storage) {
                storage(out, &cfg, st, &s);
            }
        }
        Some(2) => {
            if let Some(c) = select::resource(ctx, out, &cfg, Kind::Client) {
                client(out, &cfg, c, &s);
            }
        }
        Some(_) => all(ctx, out, &cfg, &s),
        None => {}
    }
}

/// The Director's own level (and trace file); bacula-dir prints nothing.
fn director(ctx: &Ctx<'_, '_>, out: &mut Reply, s: &Setting) {
    crate::logging::set_debug_level(u32::try_from(s.level).unwrap_or(u32::MAX));
    tracing::info!(
        "debug level set to {} by console {}",
        s.level,
        ctx.login.name
    );
    if s.trace >= 0 {
        if let Some(e) = set_trace(ctx, s.trace > 0) {
            out.line(e);
        }
    }
}

fn client(out: &mut Reply, cfg: &Config, c: &Resource, s: &Setting) {
    out.line(daemons::connecting("Client", c));
    let dir = &cfg.director().name;
    let result = crate::peer::fd::session(dir, c, daemons::connect_timeout(cfg, Kind::Client))
        .and_then(|conn| {
            crate::peer::command(conn, &s.line(), Answer::Line, &mut daemons::relay(out))
        });
    if let Err(e) = result {
        tracing::warn!("setdebug: {e}");
        out.line(format!("Failed to connect to Client {}: {e}", c.name));
    }
}

fn storage(out: &mut Reply, cfg: &Config, st: &Resource, s: &Setting) {
    out.line(daemons::connecting("Storage daemon", st));
    let dir = &cfg.director().name;
    let result = crate::peer::sd::daemon(dir, st)
        .login(dir, daemons::connect_timeout(cfg, Kind::Storage))
        .and_then(|conn| {
            crate::peer::command(conn, &s.line(), Answer::Line, &mut daemons::relay(out))
        });
    if let Err(e) = result {
        tracing::warn!("setdebug: {e}");
        out.line(format!(
            "Failed to connect to Storage daemon {}: {e}",
            st.name
        ));
    }
}

/// The Director, then each storage daemon and each file daemon once (by
/// address and port), of those the console's ACLs let it reach.
fn all(ctx: &Ctx<'_, '_>, out: &mut Reply, cfg: &Config, s: &Setting) {
    director(ctx, out, s);
    let unique = |kind: Kind, acl: &Option<Vec<String>>, port: &str| {
        let mut seen = Vec::new();
        let mut list = Vec::new();
        for r in select::allowed(cfg, kind, acl) {
            let at = (r.str("Address").unwrap_or("localhost"), r.int(port));
            if !seen.contains(&at) {
                seen.push(at);
                list.push(r);
            }
        }
        list
    };
    for st in unique(Kind::Storage, &ctx.login.acl.storages, "SdPort") {
        storage(out, cfg, st, s);
    }
    for c in unique(Kind::Client, &ctx.login.acl.clients, "FdPort") {
        client(out, cfg, c, s);
    }
}

/// Turns the Director's trace file on or off: `<Working Directory>/<Director
/// name>.trace`, as bacula-dir names it.
fn set_trace(ctx: &Ctx<'_, '_>, on: bool) -> Option<String> {
    let path = on.then(|| {
        let cfg = ctx.director.config();
        let d = cfg.director();
        std::path::Path::new(d.str("WorkingDirectory").unwrap_or("."))
            .join(format!("{}.trace", d.name))
    });
    crate::logging::trace_to(path.clone()).err().map(|e| {
        format!(
            "Cannot open the trace file {}: {e}",
            path.unwrap_or_default().display()
        )
    })
}

/// `trace on|off`.
pub fn trace(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let answer;
    let word = match ctx.args.word(0) {
        Some(w) if ctx.args.keys.len() == 2 => w,
        _ => match ctx.ask(out, "Turn on or off? ") {
            Some(a) => {
                answer = a;
                answer.trim()
            }
            None => return,
        },
    };
    if let Some(e) = set_trace(ctx, !word.eq_ignore_ascii_case("off")) {
        out.line(e);
    }
}
