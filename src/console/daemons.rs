//! What the console's commands that reach a file or storage daemon share:
//! which Client or Storage they talk to (named on the command line, or
//! chosen from bconsole's selection list, always within the console's
//! ClientACL and StorageACL, before any daemon is contacted), how long
//! they wait for it, and the "Connecting to …" line bacula-dir prints.

use std::time::Duration;

use super::{select, Ctx, Reply};
use crate::config::{Config, Kind, Resource};

/// The Client or Storage named by the first of `keys` given a value
/// (`client=`, `fd=`; `storage=`, `sd=`), else chosen from the list. A
/// name that does not exist and one outside the console's ACL get the
/// same answer, so that a refusal tells nothing about the configuration
/// (bacula-dir 9.6.7, ua_select.c get_storage_resource, says "not found"
/// for the one and silently shows the list for the other).
pub fn pick<'a>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    cfg: &'a Config,
    kind: Kind,
    keys: &[&str],
) -> Option<&'a Resource> {
    let acl = acl_of(ctx, kind);
    match keys.iter().find_map(|k| ctx.args.get(k)) {
        Some(name) => {
            let found = cfg
                .find(kind, name)
                .filter(|r| super::login::Acl::allows(acl, &r.name));
            if found.is_none() {
                out.line(format!("{} \"{name}\" not found.", label(kind)));
            }
            found
        }
        None => select::resource(ctx, out, cfg, kind),
    }
}

fn acl_of<'a>(ctx: &'a Ctx<'_, '_>, kind: Kind) -> &'a Option<Vec<String>> {
    match kind {
        Kind::Client => &ctx.login.acl.clients,
        _ => &ctx.login.acl.storages,
    }
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Client => "Client",
        _ => "Storage",
    }
}

/// How long a console command waits for the daemon to accept the
/// connection: the Director's FD/SD Connect Timeout, at most 30 s (a
/// console waits on it; bacula-dir retries a refused connection for 15
/// s, and for the storage daemon's mount for the whole SD Connect
/// Timeout, 30 minutes by default).
pub fn connect_timeout(cfg: &Config, kind: Kind) -> Duration {
    let directive = match kind {
        Kind::Client => "FdConnectTimeout",
        _ => "SdConnectTimeout",
    };
    Duration::from_secs(cfg.director().int(directive).unwrap_or(180).clamp(1, 30) as u64)
}

/// `Connecting to Client test-fd at 127.0.0.1:9102`; `noun` is what
/// bacula-dir calls the daemon in this command ("Client", "Storage
/// daemon", "Storage").
pub fn connecting(noun: &str, res: &Resource) -> String {
    let (port_directive, default_port) = if res.kind == Kind::Client {
        ("FdPort", 9102)
    } else {
        ("SdPort", 9103)
    };
    format!(
        "Connecting to {noun} {} at {}:{}",
        res.name,
        res.str("Address").unwrap_or("localhost"),
        res.int(port_directive).unwrap_or(default_port)
    )
}

/// Relays a daemon's line to the console as it came (with its newline),
/// up to its first NUL: the daemons end some packets with the C string's
/// NUL (a file daemon's `.status` sends a lone one after each part), and
/// bacula-dir 9.6.7 relays each with `send_msg("%s", msg)`
/// (ua_status.c do_client_status, ua_dotcmds.c), which stops there. A
/// packet that held nothing before its NUL is left out.
pub fn relay(out: &mut Reply) -> impl FnMut(&str) + '_ {
    |packet: &str| {
        let line = match packet.split_once('\0') {
            Some(("", _)) => return,
            Some((text, _)) => text,
            None => packet,
        };
        if line.ends_with('\n') {
            out.push(line.to_string());
        } else {
            out.line(line);
        }
    }
}
