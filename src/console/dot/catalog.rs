//! The dot commands that read the catalog: `.media`, `.mediatypes`,
//! `.locations` (one value per line, as ua_dotcmds.c one_handler sends
//! them) and `.backups client= fileset=` (a client's good backups of one
//! FileSet, for a restore form). Names reach SQL as bound parameters
//! (bacula-dir 9.6.7 pastes `.backups`' names into its query).

use rusqlite::types::Value as SqlValue;

use super::super::login::Acl;
use super::super::{list, Ctx, Reply};

/// Sends the first column of each row of `sql`, one per line; `what`
/// names the list in an error, as bacula-dir's "List Media failed".
fn one_per_line(ctx: &Ctx<'_, '_>, out: &mut Reply, what: &str, sql: &str, params: &[SqlValue]) {
    ctx.using_catalog(out);
    let catalog = ctx.director.catalog();
    match list::query(catalog.db(), sql, params) {
        Ok(rows) => {
            for r in &rows.rows {
                out.line(r.first().cloned().flatten().unwrap_or_default());
            }
            list::note_if_cut(&rows, out);
        }
        Err(e) => out.error(format!("List {what} failed: ERR={e}")),
    }
}

/// `.media`: every volume name. A restricted console sees the volumes
/// of its PoolACL; bacula-dir 9.6.7 (mediacmd) lists every volume to
/// every console.
pub fn media(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mut params = Vec::new();
    let pools = super::super::acl::names_filter("Pool.Name", &ctx.login.acl.pools, &mut params);
    one_per_line(
        ctx,
        out,
        "Media",
        &format!(
            "SELECT DISTINCT Media.VolumeName FROM Media LEFT JOIN Pool USING (PoolId) WHERE 1{pools} ORDER BY VolumeName"
        ),
        &params,
    );
}

pub fn mediatypes(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    one_per_line(
        ctx,
        out,
        "MediaType",
        "SELECT DISTINCT MediaType FROM MediaType ORDER BY MediaType",
        &[],
    );
}

pub fn locations(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    one_per_line(
        ctx,
        out,
        "Location",
        "SELECT DISTINCT Location FROM Location ORDER BY Location",
        &[],
    );
}

/// `.backups client=C fileset=F` (exactly these two, in this order, as
/// backupscmd wants them): `| JobId | Client | Level | StartTime |
/// JobFiles | JobBytes | VolumeName | MediaType |` per job and volume.
pub fn backups(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    ctx.using_catalog(out);
    let a = ctx.args;
    if a.keys.len() != 3 || a.keys[1] != "client" || a.keys[2] != "fileset" {
        return;
    }
    let (Some(client), Some(fileset)) = (a.values[1].as_deref(), a.values[2].as_deref()) else {
        return;
    };
    let acl = &ctx.login.acl;
    if !Acl::allows(&acl.clients, client) || !Acl::allows(&acl.filesets, fileset) {
        out.error("Access to specified Client or FileSet not allowed.");
        return;
    }
    let sql = "SELECT DISTINCT Job.JobId, Client.Name AS Client, Level, StartTime, JobFiles, JobBytes, VolumeName, MediaType \
               FROM Client, Job, JobMedia, Media, FileSet \
               WHERE Client.Name = ?1 AND FileSet = ?2 AND Client.ClientId = Job.ClientId \
               AND JobStatus IN ('T','W') AND Type = 'B' \
               AND JobMedia.JobId = Job.JobId AND JobMedia.MediaId = Media.MediaId \
               AND Job.FileSetId = FileSet.FileSetId ORDER BY Job.StartTime";
    let params = [
        SqlValue::Text(client.to_string()),
        SqlValue::Text(fileset.to_string()),
    ];
    let catalog = ctx.director.catalog();
    match list::query(catalog.db(), sql, &params) {
        Ok(rows) => {
            for r in &rows.rows {
                let fields: Vec<String> = r.iter().map(|v| v.clone().unwrap_or_default()).collect();
                out.line(format!("| {} |", fields.join(" | ")));
            }
            list::note_if_cut(&rows, out);
        }
        Err(e) => out.error(format!("Query failed: .backups. ERR={e}")),
    }
}
