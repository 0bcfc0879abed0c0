//! `label`, `update volume=… volstatus=…`, `delete volume=…` and
//! `delete jobid=…`: volume and job records in the catalog.

use super::login::Acl;
use super::{Ctx, Reply};
use crate::catalog::VOL_STATUSES;
use crate::config::Kind;
use crate::python::names::is_legal_volume_name;

/// `label volume=NAME pool=POOL [storage=STORAGE]`: the catalog record.
pub fn label(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let Some(volume) = ctx.args.get("volume") else {
        out.line("label needs volume=<Volume name> pool=<Pool>");
        return;
    };
    if !is_legal_volume_name(volume) {
        out.line(format!(
            "Illegal volume name \"{volume}\": use 1 to 127 letters, digits and :.-_"
        ));
        return;
    }
    let Some(pool) = ctx.args.get("pool").and_then(|p| cfg.find(Kind::Pool, p)) else {
        out.line("label needs pool=<Pool> naming a Pool of the configuration");
        return;
    };
    if !Acl::allows(&ctx.login.acl.pools, &pool.name) {
        out.line(format!("Pool \"{}\" not found.", pool.name));
        return;
    }
    let storage = ctx
        .args
        .get("storage")
        .and_then(|s| cfg.find(Kind::Storage, s))
        .or_else(|| cfg.all(Kind::Storage).next());
    let media_type = storage.and_then(|s| s.str("MediaType")).unwrap_or("File");
    let catalog = ctx.director.catalog();
    if catalog.volume_exists(volume).unwrap_or(false) {
        out.line(format!(
            "Media record for new Volume \"{volume}\" already exists."
        ));
        return;
    }
    match catalog.create_volume(volume, pool, media_type) {
        Ok(_) => {
            out.line("Writing the label on the volume needs the storage daemon, which this Director does not drive yet.");
            out.line(format!(
                "Catalog record for Volume \"{volume}\", Slot 0 successfully created."
            ));
        }
        Err(e) => out.line(format!("Label failed: {e}")),
    }
}

/// `update volume=NAME volstatus=STATUS`.
pub fn update(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let (Some(volume), Some(status)) = (ctx.args.get("volume"), ctx.args.get("volstatus")) else {
        out.line("update needs volume=<Volume name> volstatus=<status>");
        return;
    };
    let Some(status) = VOL_STATUSES.iter().find(|s| s.eq_ignore_ascii_case(status)) else {
        out.line(format!(
            "Invalid volstatus \"{status}\": use one of {}",
            VOL_STATUSES.join(", ")
        ));
        return;
    };
    match ctx.director.catalog().set_volume_status(volume, status) {
        Ok(true) => out.line(format!("New Volume status is: {status}")),
        Ok(false) => out.line(format!("Volume \"{volume}\" not found.")),
        Err(e) => out.line(format!("Update failed: {e}")),
    }
}

/// `delete volume=NAME [yes]` or `delete jobid=N`.
pub fn delete(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if let Some(volume) = ctx.args.get("volume") {
        if !ctx.args.has("yes") {
            let q = format!(
                "This command will delete volume {volume}\nand all Jobs saved on that volume from the Catalog\nAre you sure you want to delete Volume \"{volume}\"? (yes/no): "
            );
            if !ctx
                .ask(out, &q)
                .is_some_and(|a| a.trim().eq_ignore_ascii_case("yes"))
            {
                out.line("Volume not deleted.");
                return;
            }
        }
        match ctx.director.catalog().delete_volume(volume) {
            Ok(true) => out.line(format!("Volume \"{volume}\" deleted from the catalog.")),
            Ok(false) => out.line(format!("Volume \"{volume}\" not found.")),
            Err(e) => out.line(format!("Delete failed: {e}")),
        }
        return;
    }
    if let Some(id) = ctx.args.get("jobid") {
        let Ok(id) = id.parse::<i64>() else {
            out.line(format!("Invalid JobId \"{id}\""));
            return;
        };
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
        return;
    }
    out.line("delete needs volume=<Volume name> or jobid=<JobId>");
}
