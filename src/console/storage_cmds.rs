//! `mount`, `unmount` (`umount`) and `release`: the storage daemon opens,
//! closes or lets go of a device, and its answer is relayed as bacula-dir
//! 9.6.7 relays it (ua_cmds.c do_storage_cmd): `3001 Device … is mounted
//! with Volume …`, `3002 Device … unmounted.`, `3022 Device … released.`,
//! `3906 File device … is always mounted.`

use super::{daemons, Ctx, Reply};
use crate::config::{Config, Kind, Resource};

pub fn mount(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    device_command(ctx, out, "mount");
}

pub fn unmount(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    device_command(ctx, out, "unmount");
}

pub fn release(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    device_command(ctx, out, "release");
}

/// The words that are not a storage's name when typed alone
/// (ua_select.c get_storage_resource).
const NOT_A_STORAGE: [&str; 4] = ["scan", "barcode", "barcodes", "slots"];

/// The Storage the command names: `storage=`, a running job's
/// (`jobid=`, `job=`, `ujobid=`), a bare name (`mount File`), else the
/// selection list. Each is held to the console's StorageACL, and a job
/// to its JobACL and ClientACL, before the daemon is contacted.
fn storage<'a>(ctx: &Ctx<'_, '_>, out: &mut Reply, cfg: &'a Config) -> Option<&'a Resource> {
    if let Some(name) = running_job_storage(ctx, out)? {
        let found = cfg
            .find(Kind::Storage, &name)
            .filter(|s| super::login::Acl::allows(&ctx.login.acl.storages, &s.name));
        if found.is_none() {
            out.line(format!("Storage \"{name}\" not found."));
        }
        return found;
    }
    let bare = ctx
        .args
        .keys
        .iter()
        .zip(&ctx.args.values)
        .skip(1)
        .find(|(k, v)| v.is_none() && !NOT_A_STORAGE.iter().any(|w| k.eq_ignore_ascii_case(w)))
        .map(|(k, _)| k.as_str());
    match bare {
        Some(name) if ctx.args.get("storage").is_none() && ctx.args.get("sd").is_none() => {
            let found = cfg
                .find(Kind::Storage, name)
                .filter(|s| super::login::Acl::allows(&ctx.login.acl.storages, &s.name));
            if found.is_none() {
                out.line(format!("Storage \"{name}\" not found."));
            }
            found
        }
        _ => daemons::pick(ctx, out, cfg, Kind::Storage, &["storage", "sd"]),
    }
}

/// With `jobid=`, `job=` or `ujobid=`: the storage of that running job
/// (`Some(None)`: none was named; `None`: the command ends, said why).
fn running_job_storage(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<Option<String>> {
    let jobs = ctx.director.jobs();
    let visible = |id: i64| {
        jobs.data(id)
            .filter(|d| ctx.login.may_see_job(&d.job, &d.client))
    };
    if let Some(v) = ctx.args.get("jobid") {
        let id = v.trim().parse::<i64>().unwrap_or(0);
        if id <= 0 {
            out.line(format!("Expecting jobid=nn command, got: {v}"));
            return None;
        }
        let Some(d) = visible(id) else {
            out.line(format!("JobId {id} is not running."));
            return None;
        };
        return Some(Some(d.storage));
    }
    for (key, partial) in [("job", true), ("jobname", true), ("ujobid", false)] {
        let Some(name) = ctx.args.get(key) else {
            continue;
        };
        let found = jobs.running().into_iter().find_map(|(id, unique, ..)| {
            let matches = if partial {
                unique.starts_with(name)
            } else {
                unique == name
            };
            matches.then(|| visible(id)).flatten()
        });
        let Some(d) = found else {
            out.line(format!("Job \"{name}\" is not running."));
            return None;
        };
        return Some(Some(d.storage));
    }
    Some(None)
}

/// Sends `verb device drive=N slot=N` to the storage daemon and relays
/// its answer. Without `drive=` or `slot=` both are -1 (a file device has
/// neither; bacula-dir asks an autochanger for them, which rdird's
/// file-based storage has not); `unmount` sends slot 0, as there.
fn device_command(ctx: &Ctx<'_, '_>, out: &mut Reply, verb: &str) {
    let cfg = ctx.director.config();
    let Some(storage) = storage(ctx, out, &cfg) else {
        return;
    };
    let number = |key: &str, default: i64| match ctx.args.get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("Invalid {key} \"{v}\": a number is expected.")),
    };
    let slot_default = if verb == "unmount" { 0 } else { -1 };
    let (drive, slot) = match (number("drive", -1), number("slot", slot_default)) {
        (Ok(d), Ok(s)) => (d, s),
        (Err(e), _) | (_, Err(e)) => return out.line(e),
    };
    let device = match ctx.args.get("device") {
        Some(d) if is_name_valid(d) => d.to_string(),
        Some(_) => {
            return out.line(
                "Invalid device name. Illegal character in name: letters, digits and \" :.-_\" only, at most 127.",
            )
        }
        None => crate::peer::sd::device(storage),
    };
    let dir = cfg.director().name.clone();
    let timeout = daemons::connect_timeout(&cfg, Kind::Storage);
    let result = crate::peer::sd::device_command(
        &dir,
        storage,
        verb,
        &device,
        (drive, slot),
        timeout,
        &mut daemons::relay(out),
    );
    if let Err(e) = result {
        tracing::warn!("{verb}: {e}");
        out.line(format!(
            "Failed to connect to Storage daemon \"{}\": {e}",
            storage.name
        ));
    }
}

/// Bacula's is_name_valid (lib/util.c): 1 to 127 letters, digits, spaces
/// and `:.-_`.
fn is_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":.-_ ".contains(c))
}
