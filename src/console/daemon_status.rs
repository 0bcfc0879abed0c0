//! `status client`, `status storage` and `.status client|storage …`: the
//! file or storage daemon's own report relayed as bacula-dir 9.6.7 relays
//! it (ua_status.c do_client_status, do_storage_status, dot_status_cmd),
//! after the "Connecting to …" line, with bconsole's selection list when
//! no daemon is named; and `status network`, the test of the network
//! between a file daemon and a storage daemon (do_network_status).

use super::{daemons, Ctx, Reply};
use crate::config::{Kind, Resource};

/// `status client[=NAME]` or `status storage[=NAME]`.
pub fn status(ctx: &Ctx<'_, '_>, out: &mut Reply, kind: Kind) {
    report(ctx, out, kind, None);
}

/// `.status client=NAME header|running|terminated` (and the storage
/// daemon's forms): the daemon's `.status` answer, shaped by the
/// console's api mode.
pub fn dot_status(ctx: &Ctx<'_, '_>, out: &mut Reply, kind: Kind) {
    let Some(what) = ctx.args.word(1) else {
        return out.line("1900 Bad .status command, missing arguments.");
    };
    // The word goes to the daemon inside its command line.
    if what.is_empty() || !what.chars().all(|c| c.is_ascii_alphanumeric()) {
        return out.line("1900 Bad .status command, wrong argument.");
    }
    report(ctx, out, kind, Some(&what.to_ascii_lowercase()));
}

fn report(ctx: &Ctx<'_, '_>, out: &mut Reply, kind: Kind, dot: Option<&str>) {
    let cfg = ctx.director.config();
    let keys: &[&str] = if kind == Kind::Client {
        &["client", "fd"]
    } else {
        &["storage", "sd"]
    };
    let Some(res) = daemons::pick(ctx, out, &cfg, kind, keys) else {
        return;
    };
    // A storage daemon reports on every job it has; bacula-dir keeps it
    // from a console limited to some clients or jobs.
    if kind == Kind::Storage && (ctx.login.acl.clients.is_some() || ctx.login.acl.jobs.is_some()) {
        return out.line("Restricted Client or Job does not permit access to  Storage daemons");
    }
    let text_mode = ctx.login.api.get() == super::login::Api::Text;
    let noun = if kind == Kind::Client {
        "Client"
    } else {
        "Storage daemon"
    };
    // bacula-dir leaves the line out in api mode.
    if text_mode {
        out.line(daemons::connecting(noun, res));
    }
    let command = match dot {
        None => "status".to_string(),
        Some(what) => {
            let api = match ctx.login.api.get() {
                super::login::Api::Text => 0,
                _ => 2,
            };
            format!(".status {what} api={api} api_opts=")
        }
    };
    if let Err(e) = relay(&cfg, res, &command, out) {
        tracing::warn!("{e}");
        out.line(format!("Failed to connect to {noun} {}: {e}", res.name));
        out.line("====");
    }
}

fn relay(
    cfg: &crate::config::Config,
    res: &Resource,
    command: &str,
    out: &mut Reply,
) -> Result<(), String> {
    let dir = &cfg.director().name;
    let timeout = daemons::connect_timeout(cfg, res.kind);
    let conn = if res.kind == Kind::Client {
        crate::peer::fd::session(dir, res, timeout)?
    } else {
        crate::peer::sd::daemon(dir, res).login(dir, timeout)?
    };
    crate::peer::command(
        conn,
        command,
        crate::peer::Answer::UpToEod,
        &mut daemons::relay(out),
    )
}

/// `status network [client=] [storage=] [bytes=N]`: 50 MB unless told.
pub fn network(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let bytes = match ctx.args.get("bytes") {
        None => 50 * 1024 * 1024,
        Some(b) => match crate::config::units::parse_size(b) {
            Some(n) if n > 0 => n,
            _ => return out.line(format!("Invalid bytes=\"{b}\": a size is expected.")),
        },
    };
    let cfg = ctx.director.config();
    let Some(client) = daemons::pick(ctx, out, &cfg, Kind::Client, &["client"]) else {
        return;
    };
    let Some(storage) = daemons::pick(ctx, out, &cfg, Kind::Storage, &["storage"]) else {
        return;
    };
    // The storage daemon's job line names a Job and its FileSet, as
    // bacula-dir's console job does with its first Job.
    let Some(job) = cfg.all(Kind::Job).next() else {
        return out.line("No Job resource to name in the storage daemon's job.");
    };
    out.line(daemons::connecting("Storage", storage));
    out.line(daemons::connecting("Client", client));
    out.line(format!(
        "Running network test between Client={} and Storage={} with {}B ...",
        client.name,
        storage.name,
        super::bandwidth::with_suffix(bytes)
    ));
    let t = crate::peer::network::NetworkTest {
        client,
        storage,
        job_resource: &job.name,
        fileset: job.str("FileSet").unwrap_or("*None*"),
        bytes,
    };
    let dir = &cfg.director().name;
    let timeout = daemons::connect_timeout(&cfg, Kind::Client);
    let result = crate::peer::network::test(dir, &t, timeout, &mut daemons::relay(out));
    if let Err(e) = result {
        tracing::warn!("status network: {e}");
        out.line(format!("Network test failed: {e}"));
    }
}
