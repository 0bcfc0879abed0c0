//! `relabel storage=… oldvolume=… volume=… pool=… [slot=] [drive=]`
//! (bacula-dir's ua_label.c do_label with relabel): a Purged or Recycle
//! volume gets a new name. The storage daemon rewrites its label on the
//! device; then the catalog has a record for the new name in the chosen
//! pool and none for the old one, and (automount on) the storage daemon
//! mounts it. Each name left out is asked for, with bacula-dir's prompts.

use super::login::Acl;
use super::select::named;
use super::{Ctx, Reply};
use crate::config::Kind;
use crate::job::names::is_legal_volume_name;

/// The volume to relabel: `oldvolume=`, or asked for; it must be one the
/// console's PoolACL shows.
fn old_volume(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<(String, crate::catalog::VolumeState)> {
    let mut given = ctx.args.get("oldvolume").map(str::to_string);
    loop {
        let name = match given.take() {
            Some(n) => n,
            None => ctx
                .ask(out, "Enter *MediaId or Volume name: ")?
                .trim()
                .to_string(),
        };
        if name.is_empty() || name == "." {
            return None;
        }
        let state = ctx.director.catalog().volume_state(&name);
        match state {
            Ok(Some(s)) if Acl::allows(&ctx.login.acl.pools, &s.pool) => return Some((name, s)),
            Ok(_) => out.line(format!("Volume \"{name}\" not found.")),
            Err(e) => {
                out.line(format!("Error: {e}"));
                return None;
            }
        }
    }
}

/// The new name: `volume=`, or asked for until it is legal and free
/// (a record `add` made, never labeled, may take the label).
fn new_volume(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<(String, bool)> {
    let mut given = ctx.args.get("volume").map(str::to_string);
    loop {
        let name = match given.take() {
            Some(n) => n,
            None => ctx.ask(out, "Enter new Volume name: ")?.trim().to_string(),
        };
        if name == "." {
            return None;
        }
        if !is_legal_volume_name(&name) {
            out.line(format!(
                "Illegal volume name \"{name}\": use 1 to 127 letters, digits and :.-_"
            ));
            continue;
        }
        match ctx.director.catalog().volume_state(&name) {
            Ok(Some(s)) if s.bytes != 0 => out.line(format!(
                "Media record for new Volume \"{name}\" already exists."
            )),
            Ok(found) => return Some((name, found.is_some())),
            Err(e) => {
                out.line(format!("Error: {e}"));
                return None;
            }
        }
    }
}

pub fn relabel(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let acl = &ctx.login.acl;
    let Some(storage) = named(ctx, out, &cfg, Kind::Storage, "storage", &acl.storages) else {
        return;
    };
    let Some((old, state)) = old_volume(ctx, out) else {
        return;
    };
    if state.status != "Purged" && state.status != "Recycle" {
        out.line(format!(
            "Volume \"{old}\" has VolStatus {}. It must be Purged or Recycled before relabeling.",
            state.status
        ));
        return;
    }
    let Some((volume, has_record)) = new_volume(ctx, out) else {
        return;
    };
    let number = |k: &str| {
        ctx.args
            .get(k)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    };
    let slot = number("slot");
    let Some(pool) = named(ctx, out, &cfg, Kind::Pool, "pool", &acl.pools) else {
        return;
    };
    let media_type = storage.str("MediaType").unwrap_or("File");
    let drive = number("drive");
    let Some(mut session) = super::volume::sd_session(&cfg, storage, out) else {
        out.line(format!("Label command failed for Volume {volume}."));
        out.line(super::volume::MOUNT_REMINDER);
        return;
    };
    out.line(format!(
        "Sending relabel command from \"{old}\" to \"{volume}\" ..."
    ));
    let req = crate::peer::sd::LabelRequest {
        volume: &volume,
        old: Some(&old),
        pool: &pool.name,
        media_type,
        slot,
        drive,
    };
    let label = match session.label(&req, &mut |l| out.line(l)) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("relabel {old} to {volume}: {e}");
            out.line(format!("Label command failed for Volume {volume}."));
            out.line(super::volume::MOUNT_REMINDER);
            return;
        }
    };
    let catalog = ctx.director.catalog();
    let recorded = match has_record {
        true => catalog.labeled(&volume, label, slot, &storage.name),
        false => catalog
            .create_volume(&volume, pool, media_type, &storage.name)
            .and_then(|_| catalog.labeled(&volume, label, slot, &storage.name)),
    };
    match recorded {
        Ok(()) if !has_record => out.line(format!(
            "Catalog record for Volume \"{volume}\", Slot {slot}  successfully created."
        )),
        Ok(()) => {}
        Err(e) => {
            out.line(format!("Error: {e}"));
            out.line(format!("Label command failed for Volume {volume}."));
            out.line(super::volume::MOUNT_REMINDER);
            return;
        }
    }
    match catalog.delete_volume(&old) {
        Ok(_) => out.line(format!("Old volume \"{old}\" deleted from catalog.")),
        Err(e) => out.line(format!("Delete of Volume \"{old}\" failed. ERR={e}")),
    }
    drop(catalog);
    super::volume::mount_after_label(ctx, &mut session, storage, (drive, slot), out);
}
