//! `label`, `truncate` and `delete` (volume, pool, jobid, client):
//! volume, pool, job and client records in the catalog.

use super::login::Acl;
use super::select::{allowed, choose, named};
use super::{Ctx, Reply};
use crate::catalog::Truncatable;
use crate::config::Kind;

/// `label [storage=STORAGE] [volume=NAME] [pool=POOL] [slot=N] [drive=N]`:
/// what is left out is asked for in ua_label.c do_label's order (the
/// Storage, "Enter new Volume name: ", the Pool); the storage daemon
/// writes the label, then the catalog record is made, then (automount
/// on) the storage daemon mounts the volume.
pub fn label(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    ctx.using_catalog(out);
    let cfg = ctx.director.config();
    let acl = &ctx.login.acl;
    // A Storage or Pool named but not found (or outside the console's
    // ACL) ends the command here. bacula-dir 9.6.7 (ua_select.c
    // get_storage_resource, select_pool_dbr) says so and then offers the
    // list, whose one entry it takes without asking: a volume would be
    // labeled on a Storage or in a Pool the administrator did not name.
    if let Some(s) = ctx.args.get("storage") {
        if cfg
            .find(Kind::Storage, s)
            .filter(|r| Acl::allows(&acl.storages, &r.name))
            .is_none()
        {
            out.line(format!("Storage resource \"{s}\": not found"));
            return;
        }
    }
    let Some(storage) = named(ctx, out, &cfg, Kind::Storage, "storage", &acl.storages) else {
        return;
    };
    let Some(volume) = new_volume_name(ctx, out) else {
        return;
    };
    let volume = volume.as_str();
    let Some(pool) = catalog_pool(ctx, out, &cfg) else {
        return;
    };
    let media_type = storage.str("MediaType").unwrap_or("File");
    let number = |k: &str| ctx.args.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
    let (slot, drive) = (number("slot").max(0), number("drive"));
    let Some(mut session) = sd_session(&cfg, storage, out) else {
        out.line(format!("Label command failed for Volume {volume}."));
        out.line(MOUNT_REMINDER);
        return;
    };
    out.line(format!(
        "Sending label command for Volume \"{volume}\" Slot {slot} ..."
    ));
    let req = crate::peer::sd::LabelRequest {
        volume,
        old: None,
        pool: &pool.name,
        media_type,
        slot,
        drive,
    };
    let catalog = ctx.director.catalog();
    let created = session.label(&req, &mut |l| out.line(l)).and_then(|label| {
        catalog
            .create_volume(volume, pool, media_type, &storage.name)
            .and_then(|_| catalog.labeled(volume, label, slot, &storage.name))
            .map_err(|e| e.to_string())
    });
    drop(catalog);
    match created {
        Ok(()) => out.line(format!(
            "Catalog record for Volume \"{volume}\", Slot {slot}  successfully created."
        )),
        Err(e) => {
            tracing::warn!("label {volume}: {e}");
            out.line(format!("Label command failed for Volume {volume}."));
            out.line(MOUNT_REMINDER);
            return;
        }
    }
    mount_after_label(ctx, &mut session, storage, (drive, slot), out);
}

/// What bacula-dir says when the volume it labeled is not known to be
/// mounted (ua_label.c do_label).
pub(super) const MOUNT_REMINDER: &str = "Do not forget to mount the drive!!!";

/// A session with the Storage's daemon for labelling, said as bacula-dir's
/// open_sd_bsock says it; None (and why) when it cannot be had.
pub(super) fn sd_session<'a>(
    cfg: &crate::config::Config,
    storage: &'a crate::config::Resource,
    out: &mut Reply,
) -> Option<crate::peer::sd::LabelSession<'a>> {
    let director = &cfg.director().name;
    let sd = crate::peer::sd::daemon(director, storage);
    out.line(format!(
        "Connecting to Storage daemon {} at {}:{} ...",
        storage.name,
        sd.host(),
        sd.port()
    ));
    match crate::peer::sd::LabelSession::open(director, storage, LABEL_CONNECT_TIMEOUT) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("label on {}: {e}", storage.name);
            out.line(format!("Failed to connect to Storage daemon: {e}"));
            None
        }
    }
}

/// How long a console command waits to reach the storage daemon.
const LABEL_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// After a label or relabel the catalog took: with automount on,
/// bacula-dir asks the storage daemon to mount the volume and relays its
/// answer (ua_label.c do_label); the reminder unless it is mounted.
pub(super) fn mount_after_label(
    ctx: &Ctx<'_, '_>,
    session: &mut crate::peer::sd::LabelSession<'_>,
    storage: &crate::config::Resource,
    (drive, slot): (i64, i64),
    out: &mut Reply,
) {
    let mut mounted = false;
    if ctx.login.modes.automount.get() {
        out.line(format!(
            "Requesting to mount {} ...",
            crate::peer::sd::device(storage)
        ));
        match session.mount((drive, slot), &mut |l| out.line(l)) {
            Ok(m) => mounted = m,
            Err(e) => {
                tracing::warn!("mount on {}: {e}", storage.name);
                out.line(format!("Mount failed: {e}"));
            }
        }
    }
    if !mounted {
        out.line(MOUNT_REMINDER);
    }
}

/// The new volume's name: `volume=`, or the console's answer to "Enter
/// new Volume name: ", asked again while the name is illegal or taken
/// (ua_label.c do_label's loop).
fn new_volume_name(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<String> {
    let mut given = ctx.args.get("volume").map(str::to_string);
    loop {
        let name = match given.take() {
            Some(n) => n,
            None => ctx.ask(out, "Enter new Volume name: ")?.trim().to_string(),
        };
        if name == "." {
            return None;
        }
        if let Some(c) = name
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && !":.-_".contains(*c))
        {
            out.line(format!("Illegal character \"{c}\" in a volume name."));
        } else if name.len() >= 128 {
            out.line("Volume name too long.");
        } else if name.is_empty() {
            out.line("Volume name must be at least one character long.");
        } else if ctx.director.catalog().volume_exists(&name).unwrap_or(false) {
            out.line(format!(
                "Media record for new Volume \"{name}\" already exists."
            ));
        } else {
            return Some(name);
        }
    }
}

/// The Pool `pool=` names, or the one chosen from "Defined Pools:"
/// (ua_select.c select_pool_dbr), among those the console's PoolACL
/// allows; a name that is not one of those ends the command (see
/// `label`).
fn catalog_pool<'c>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    cfg: &'c crate::config::Config,
) -> Option<&'c crate::config::Resource> {
    let acl = &ctx.login.acl.pools;
    if let Some(p) = ctx.args.get("pool") {
        match cfg
            .find(Kind::Pool, p)
            .filter(|r| Acl::allows(acl, &r.name))
        {
            Some(r) => return Some(r),
            None => {
                out.line(format!("Could not find Pool \"{p}\"."));
                return None;
            }
        }
    }
    choose_pool(ctx, out, cfg)
}

/// The Pool the console picks from "Defined Pools:" (ua_select.c
/// select_pool_dbr), among those its PoolACL allows.
pub(super) fn choose_pool<'c>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    cfg: &'c crate::config::Config,
) -> Option<&'c crate::config::Resource> {
    let pools = allowed(cfg, Kind::Pool, &ctx.login.acl.pools);
    let names: Vec<&str> = pools.iter().map(|r| r.name.as_str()).collect();
    choose(
        ctx,
        out,
        "Defined Pools:",
        "Pool",
        "Select the Pool",
        &names,
    )
    .map(|i| pools[i])
}

/// `truncate [allpools | pool=POOL] [volume=NAME] [storage=STORAGE]
/// [drive=N] [yes]`: the storage daemon cuts Purged volumes back to their
/// label, and the catalog records their new size.
pub fn truncate(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    // bacula-dir asks the Storage first, then the Pool unless `allpools`
    // or `volume=` says which volumes (ua_select.c scan_storage_cmd).
    let cfg = ctx.director.config();
    let acl = &ctx.login.acl;
    let Some(storage) =
        super::select::named(ctx, out, &cfg, Kind::Storage, "storage", &acl.storages)
    else {
        out.line("No Volumes found to perform the command.");
        return;
    };
    let chosen_pool;
    let mut pool = ctx.args.get("pool");
    if pool.is_none() && !ctx.args.has("allpools") && ctx.args.get("volume").is_none() {
        let Some(p) = super::select::resource(ctx, out, &cfg, Kind::Pool) else {
            out.line("No Volumes found to perform the command.");
            return;
        };
        chosen_pool = p.name.clone();
        pool = Some(&chosen_pool);
    }
    if let Some(p) = pool {
        let known = ctx.director.config().find(Kind::Pool, p).is_some();
        if !known || !Acl::allows(&ctx.login.acl.pools, p) {
            out.line(format!("Pool \"{p}\" not found."));
            return;
        }
    }
    let found = ctx
        .director
        .catalog()
        .truncatable_volumes(pool, ctx.args.get("volume"));
    let volumes: Vec<Truncatable> = match found {
        Ok(v) => v
            .into_iter()
            .filter(|v| Acl::allows(&ctx.login.acl.pools, &v.pool))
            .collect(),
        Err(e) => {
            out.line(format!("Error: {e}"));
            return;
        }
    };
    if volumes.is_empty() {
        out.line("No Volumes found to perform the command.");
        return;
    }
    let names: Vec<&str> = volumes.iter().map(|v| v.name.as_str()).collect();
    let q = format!(
        "Purged Volume(s) to truncate: {}\nAre you sure? (yes/no): ",
        names.join(", ")
    );
    if !super::prune::confirmed(ctx, out, &q) {
        out.line("Nothing truncated.");
        return;
    }
    for v in &volumes {
        truncate_volume(ctx, out, v, Some(&storage.name));
    }
}

/// Has the storage daemon relabel one Purged volume in place, which
/// truncates it; whether it did.
pub fn truncate_volume(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    v: &Truncatable,
    storage: Option<&str>,
) -> bool {
    let cfg = ctx.director.config();
    let allowed = |s: &&crate::config::Resource| Acl::allows(&ctx.login.acl.storages, &s.name);
    let storage = match storage.or(ctx.args.get("storage")) {
        Some(name) => cfg.find(Kind::Storage, name).filter(allowed),
        None => cfg
            .all(Kind::Storage)
            .filter(allowed)
            .find(|s| s.str("MediaType") == Some(v.media_type.as_str())),
    };
    let Some(storage) = storage else {
        out.line(format!(
            "No Storage for Media Type \"{}\" to truncate Volume \"{}\".",
            v.media_type, v.name
        ));
        return false;
    };
    let req = crate::peer::sd::LabelRequest {
        volume: &v.name,
        old: Some(&v.name),
        pool: &v.pool,
        media_type: &v.media_type,
        slot: v.slot,
        drive: ctx
            .args
            .get("drive")
            .and_then(|d| d.parse().ok())
            .unwrap_or(0),
    };
    let Some(mut session) = sd_session(&cfg, storage, out) else {
        out.line(format!("Unable to truncate volume \"{}\"", v.name));
        return false;
    };
    let recorded = session.label(&req, &mut |l| out.line(l)).and_then(|label| {
        ctx.director
            .catalog()
            .truncated(&v.name, label.bytes)
            .map_err(|e| e.to_string())
    });
    match recorded {
        Ok(()) => {
            out.line(format!("The volume \"{}\" has been truncated", v.name));
            true
        }
        Err(e) => {
            tracing::warn!("truncate {}: {e}", v.name);
            out.line(format!("Unable to truncate volume \"{}\": {e}", v.name));
            false
        }
    }
}

/// A volume the console may delete or purge: it exists, its pool is in
/// the PoolACL, and every job on it is one the console may act on (the
/// jobs go with it). Otherwise what to answer.
pub(super) fn own_volume(ctx: &Ctx<'_, '_>, volume: &str, missing: &str) -> Result<(), String> {
    let catalog = ctx.director.catalog();
    let err = |e: crate::catalog::CatalogError| format!("Error: {e}");
    if ctx
        .login
        .visible_volume_pool(&catalog, volume)
        .map_err(err)?
        .is_none()
    {
        return Err(missing.to_string());
    }
    match ctx
        .login
        .foreign_job_on_volume(&catalog, volume)
        .map_err(err)?
    {
        None => Ok(()),
        Some(_) => Err(format!(
            "Volume \"{volume}\" holds jobs this console is not authorized to remove; nothing done."
        )),
    }
}

/// `delete volume=NAME | pool=NAME | jobid=LIST | client=NAME [yes]`,
/// or the choice of what to delete (ua_cmds.c delete_cmd).
pub fn delete(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let keywords = ["volume", "pool", "jobid", "snapshot", "client"];
    let chosen = keywords.iter().position(|k| ctx.args.has(k));
    let chosen = match chosen {
        Some(n) => n,
        None => {
            out.line("In general it is not a good idea to delete either a");
            out.line("Pool or a Volume since they may contain data.");
            out.line("");
            match super::select::choose(
                ctx,
                out,
                "You have the following choices:",
                "",
                "Choose catalog item to delete",
                &keywords,
            ) {
                Some(n) => n,
                None => {
                    out.line("Nothing done.");
                    return;
                }
            }
        }
    };
    match chosen {
        0 => delete_volume(ctx, out),
        1 => delete_pool(ctx, out),
        2 => delete_jobs(ctx, out),
        3 => out.line("Snapshots do not apply to this Director: it has no snapshot support."),
        _ => delete_client(ctx, out),
    }
}

/// The value of `key=`, or the console's answer to `prompt`.
fn named_or_asked(ctx: &Ctx<'_, '_>, out: &mut Reply, key: &str, prompt: &str) -> Option<String> {
    match ctx.args.get(key).filter(|v| !v.is_empty()) {
        Some(v) => Some(v.to_string()),
        None => ctx
            .ask(out, prompt)
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty() && a != "."),
    }
}

/// Whether the console said yes to `question` (or gave `yes`).
fn sure(ctx: &Ctx<'_, '_>, out: &mut Reply, question: &str) -> bool {
    ctx.args.has("yes")
        || ctx
            .ask(out, question)
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("yes"))
}

fn delete_volume(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(volume) = named_or_asked(ctx, out, "volume", "Enter Volume name: ") else {
        return;
    };
    if let Err(why) = own_volume(ctx, &volume, &format!("Volume \"{volume}\" not found.")) {
        out.line(why);
        return;
    }
    let q = format!(
        "This command will delete volume {volume}\nand all Jobs saved on that volume from the Catalog\nAre you sure you want to delete Volume \"{volume}\"? (yes/no): "
    );
    if !sure(ctx, out, &q) {
        out.line("Volume not deleted.");
        return;
    }
    match ctx.director.catalog().delete_volume(&volume) {
        Ok(true) => out.line(format!("Volume \"{volume}\" deleted from the catalog.")),
        Ok(false) => out.line(format!("Volume \"{volume}\" not found.")),
        Err(e) => out.line(format!("Delete failed: {e}")),
    }
}

/// `delete pool=NAME`: a Pool record of the PoolACL. bacula-dir 9.6.7
/// deletes the pool's Media records with it (sql_delete.c
/// bdb_delete_pool_record), leaving its jobs pointing at volumes the
/// catalog no longer knows; here a pool that still holds volumes is
/// kept.
fn delete_pool(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(pool) = named_or_asked(ctx, out, "pool", "Enter Pool name: ") else {
        return;
    };
    let visible = Acl::allows(&ctx.login.acl.pools, &pool);
    let q = format!("Are you sure you want to delete Pool \"{pool}\"? (yes/no): ");
    let exists = visible
        && matches!(
            ctx.director.catalog().db().query_row(
                "SELECT 1 FROM Pool WHERE Name = ?1",
                [&pool],
                |_| Ok(())
            ),
            Ok(())
        );
    if !exists {
        out.line(format!("Could not find Pool \"{pool}\"."));
        return;
    }
    if !sure(ctx, out, &q) {
        return;
    }
    match ctx.director.catalog().delete_pool(&pool) {
        Ok(Some(0)) => out.line(format!("Pool \"{pool}\" deleted from the catalog.")),
        Ok(Some(n)) => out.line(format!(
            "Pool \"{pool}\" still holds {n} volume(s): delete them or move them to another pool first; nothing deleted."
        )),
        Ok(None) => out.line(format!("Could not find Pool \"{pool}\".")),
        Err(e) => out.line(format!("Delete failed: {e}")),
    }
}

/// `delete client=NAME`: a Client record that no Client resource names
/// any more, with all its jobs.
fn delete_client(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(client) = named_or_asked(ctx, out, "client", "Enter Client name: ") else {
        return;
    };
    let jobs = if Acl::allows(&ctx.login.acl.clients, &client) {
        ctx.director.catalog().client_jobs(&client)
    } else {
        Ok(None)
    };
    let jobs = match jobs {
        Ok(Some(j)) => j,
        Ok(None) => {
            out.line(format!("Could not find Client \"{client}\"."));
            return;
        }
        Err(e) => {
            out.line(format!("Delete failed: {e}"));
            return;
        }
    };
    if ctx.director.config().find(Kind::Client, &client).is_some() {
        out.line(format!(
            "Unable to delete Client \"{client}\", the resource is still defined in the configuration."
        ));
        return;
    }
    // The client's jobs go with it: a console may delete it only when
    // every one of them is a job it may act on.
    let catalog = ctx.director.catalog();
    let foreign = jobs
        .iter()
        .any(|id| !matches!(ctx.login.visible_job(&catalog, *id), Ok(Some(_))));
    drop(catalog);
    if foreign {
        out.line(format!(
            "Client \"{client}\" has jobs this console is not authorized to remove; nothing done."
        ));
        return;
    }
    let q = if jobs.is_empty() {
        format!("Are you sure you want to delete Client \"{client}\"? (yes/no): ")
    } else {
        format!(
            "Are you sure you want to delete Client \"{client}\" and purge {} job(s)? (yes/no): ",
            jobs.len()
        )
    };
    if !sure(ctx, out, &q) {
        return;
    }
    if !jobs.is_empty() {
        out.line(format!("Purging {} job(s).", jobs.len()));
    }
    out.line(format!("Deleting client \"{client}\"."));
    if let Err(e) = ctx.director.catalog().delete_client(&client) {
        out.line(format!("Delete failed: {e}"));
    }
}

/// The JobIds of a `jobid=` value: `3`, `1,2,5`, `1-4,9`.
fn jobid_list(v: &str) -> Result<Vec<i64>, String> {
    let bad = || format!("\"{v}\" is not a valid JobId.");
    let mut ids = Vec::new();
    for part in v.split(',').map(str::trim) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (i64, i64) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                if a < 1 || b < a || b - a >= 100_000 {
                    return Err(bad());
                }
                ids.extend(a..=b);
            }
            None => ids.push(part.parse().map_err(|_| bad())?),
        }
    }
    Ok(ids)
}

/// `delete jobid=LIST` (each `jobid=` given), asking first when more
/// than 25 jobs would go.
fn delete_jobs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mut given: Vec<String> = ctx
        .args
        .all("jobid")
        .into_iter()
        .map(String::from)
        .collect();
    if given.is_empty() {
        match ctx.ask(out, "Enter JobId to delete: ") {
            Some(a) if !a.trim().is_empty() && a.trim() != "." => given.push(a.trim().to_string()),
            _ => return,
        }
    }
    for v in given {
        let ids = match jobid_list(&v) {
            Ok(ids) => ids,
            Err(e) => {
                out.line(e);
                return;
            }
        };
        if ids.len() > 25
            && !sure(
                ctx,
                out,
                &format!(
                    "Are you sure you want to delete {} JobIds ? (yes/no): ",
                    ids.len()
                ),
            )
        {
            return;
        }
        for id in ids {
            delete_job(ctx, out, id);
        }
    }
}

/// Deletes one job the console may see and that is not running.
/// bacula-dir 9.6.7 deletes any JobId (ua_cmds.c delete_job has no ACL
/// check); here a job outside JobACL or ClientACL is answered as one
/// that does not exist.
fn delete_job(ctx: &Ctx<'_, '_>, out: &mut Reply, id: i64) {
    let visible = ctx.login.visible_job(&ctx.director.catalog(), id);
    match visible {
        Ok(Some(_)) => {}
        Ok(None) => {
            out.line(format!("No Job found for JobId {id}"));
            return;
        }
        Err(e) => {
            out.line(format!("Delete failed: {e}"));
            return;
        }
    }
    if ctx.director.jobs().is_active(Some(id)) {
        out.line(format!("JobId={id} is running; cancel it first."));
        return;
    }
    match ctx.director.catalog().delete_job(id) {
        Ok(true) => out.line(format!(
            "JobId={id} and associated records deleted from the catalog."
        )),
        Ok(false) => out.line(format!("No Job found for JobId {id}")),
        Err(e) => out.line(format!("Delete failed: {e}")),
    }
}
