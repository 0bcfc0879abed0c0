//! The listings of `list`/`llist` about where backups go: pools,
//! volumes (all, by pool, by name, by job), clients, filesets, and the
//! volume the next run of a job would write (`nextvol`), with the
//! columns of bacula-dir 9.6.7's cats/sql_list.c.
//!
//! A restricted console sees the pools and volumes of its PoolACL and
//! the clients and filesets of its ClientACL and FileSetACL only.

use rusqlite::types::Value as SqlValue;

use super::{show_query, Layout};
use crate::config::Kind;
use crate::console::acl::names_filter;
use crate::console::login::Acl;
use crate::console::{Ctx, Reply};

/// `list pools` or `list pool=NAME`.
pub fn pools(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout, name: Option<&str>) -> Vec<usize> {
    let columns = match layout {
        Layout::Table => "PoolId,Name,NumVols,MaxVols,MaxVolBytes,VolRetention,Enabled,PoolType,LabelFormat",
        Layout::Long => "PoolId,Name,NumVols,MaxVols,UseOnce,UseCatalog,AcceptAnyVolume,VolRetention,VolUseDuration,MaxVolJobs,MaxVolBytes,AutoPrune,Recycle,PoolType,LabelFormat,Enabled,ScratchPoolId,RecyclePoolId,LabelType,ActionOnPurge,CacheRetention",
    };
    let mut params = Vec::new();
    let mut where_ = String::from(" WHERE 1");
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        where_.push_str(" AND Name = ?");
        params.push(SqlValue::Text(n.to_string()));
    }
    where_.push_str(&names_filter("Name", &ctx.login.acl.pools, &mut params));
    let sql = format!("SELECT {columns} FROM Pool{where_} ORDER BY PoolId");
    show_query(ctx, out, layout, "pools", &sql, &params, 0);
    Vec::new()
}

/// `list clients`.
pub fn clients(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout) -> Vec<usize> {
    let columns = match layout {
        Layout::Table => "ClientId,Name,FileRetention,JobRetention",
        Layout::Long => "ClientId,Name,Uname,AutoPrune,FileRetention,JobRetention",
    };
    let mut params = Vec::new();
    let acl = names_filter("Name", &ctx.login.acl.clients, &mut params);
    let sql = format!("SELECT {columns} FROM Client WHERE 1{acl} ORDER BY ClientId");
    show_query(ctx, out, layout, "clients", &sql, &params, 0);
    Vec::new()
}

/// `list filesets`: the FileSet records (bacula-dir 9.6.7 has no such
/// listing; later Bacula versions list the same columns).
pub fn filesets(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout) -> Vec<usize> {
    let mut params = Vec::new();
    let acl = names_filter("FileSet", &ctx.login.acl.filesets, &mut params);
    let sql = format!(
        "SELECT FileSetId, FileSet, MD5, CreateTime FROM FileSet WHERE 1{acl} ORDER BY FileSetId"
    );
    show_query(ctx, out, layout, "filesets", &sql, &params, 0);
    Vec::new()
}

/// Seconds left of a volume's retention, counted from its last write
/// (sql_cmds.c expires_in for SQLite).
const EXPIRES_IN: &str = "MAX(0, (strftime('%s', LastWritten) + Media.VolRetention - strftime('%s', datetime('now', 'localtime'))))";

/// The columns of a volume listing: `one` is a listing of one volume by
/// name, which has no LastWritten in the table form.
fn volume_columns(layout: Layout, one: bool) -> String {
    match layout {
        Layout::Table if one => format!("MediaId,VolumeName,VolStatus,Media.Enabled,VolBytes,VolFiles,Media.VolRetention,Media.Recycle,Slot,InChanger,MediaType,VolType,VolParts,{EXPIRES_IN} AS ExpiresIn"),
        Layout::Table => format!("MediaId,VolumeName,VolStatus,Media.Enabled,VolBytes,VolFiles,Media.VolRetention,Media.Recycle,Slot,InChanger,MediaType,VolType,VolParts,LastWritten,{EXPIRES_IN} AS ExpiresIn"),
        Layout::Long => format!("MediaId,VolumeName,Slot,PoolId,MediaType,MediaTypeId,FirstWritten,LastWritten,LabelDate,VolJobs,VolFiles,VolBlocks,VolParts,VolCloudParts,Media.CacheRetention,VolMounts,VolBytes,VolABytes,VolAPadding,VolHoleBytes,VolHoles,LastPartBytes,VolErrors,VolWrites,VolCapacityBytes,VolStatus,Media.Enabled,Media.Recycle,Media.VolRetention,Media.VolUseDuration,Media.MaxVolJobs,Media.MaxVolFiles,Media.MaxVolBytes,InChanger,EndFile,EndBlock,VolType,Media.LabelType,StorageId,DeviceId,MediaAddressing,VolReadTime,VolWriteTime,LocationId,RecycleCount,InitialWrite,Media.ScratchPoolId,Media.RecyclePoolId,Media.ActionOnPurge,{EXPIRES_IN} AS ExpiresIn,Comment"),
    }
}

/// The pools the console may see, by PoolId: `(PoolId, Name)`.
fn visible_pools(ctx: &Ctx<'_, '_>, name: Option<&str>) -> Result<Vec<(i64, String)>, String> {
    let mut params = Vec::new();
    let mut where_ = String::from(" WHERE 1");
    if let Some(n) = name {
        where_.push_str(" AND Name = ?");
        params.push(SqlValue::Text(n.to_string()));
    }
    where_.push_str(&names_filter("Name", &ctx.login.acl.pools, &mut params));
    let catalog = ctx.director.catalog();
    let sql = format!("SELECT PoolId, Name FROM Pool{where_} ORDER BY PoolId");
    let mut stmt = catalog.db().prepare(&sql).map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

/// `list volumes` (`media`, `volume`): each pool's volumes under its
/// name; `list volume=NAME` one volume; `list volumes pool=NAME` one
/// pool's; `list volumes jobid=N` (or `ujobid=`) the volumes a job used.
pub fn volumes(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout, i: usize) -> Vec<usize> {
    let a = ctx.args;
    let mut used = Vec::new();
    let mut by_job = false;
    for j in i + 1..a.keys.len() {
        let k = a.keys[j].to_ascii_lowercase();
        let Some(v) = a.values[j]
            .as_deref()
            .filter(|_| k == "jobid" || k == "ujobid")
        else {
            continue;
        };
        used.push(j);
        by_job = true;
        job_volumes(ctx, out, &k, v);
    }
    if by_job {
        return used;
    }
    if let Some(name) = a.values[i].as_deref().filter(|v| !v.is_empty()) {
        let mut params = vec![SqlValue::Text(name.to_string())];
        let acl = pool_acl(ctx, &mut params);
        let sql = format!(
            "SELECT {} FROM Media WHERE Media.VolumeName = ?{acl}",
            volume_columns(layout, true)
        );
        show_query(ctx, out, layout, "volumes", &sql, &params, 0);
        return used;
    }
    let pool = a
        .keys
        .iter()
        .position(|k| k.eq_ignore_ascii_case("pool"))
        .filter(|p| *p > 0);
    let pools = match pool {
        Some(p) => {
            used.push(p);
            let name = a.values[p].as_deref().unwrap_or("");
            match visible_pools(ctx, Some(name)) {
                Ok(found) if found.is_empty() => {
                    out.line(format!("Could not find Pool \"{name}\"."));
                    out.line("No Pool specified.");
                    return used;
                }
                other => other,
            }
        }
        None => visible_pools(ctx, None),
    };
    let pools = match pools {
        Ok(p) => p,
        Err(e) => {
            out.line(format!("Error obtaining pool ids. ERR={e}"));
            return used;
        }
    };
    let json = ctx.login.api.get() == crate::console::login::Api::Json;
    for (id, name) in pools {
        if pool.is_none() && !json {
            out.line(format!("Pool: {name}"));
        }
        let sql = format!(
            "SELECT {} FROM Media WHERE Media.PoolId = ? ORDER BY MediaId",
            volume_columns(layout, false)
        );
        show_query(
            ctx,
            out,
            layout,
            "volumes",
            &sql,
            &[SqlValue::Integer(id)],
            0,
        );
    }
    used
}

/// The volumes of one pool as `list volumes pool=…` shows them.
pub fn pool_volumes(ctx: &Ctx<'_, '_>, out: &mut Reply, pool: &str) {
    let sql = format!(
        "SELECT {} FROM Media JOIN Pool USING (PoolId) WHERE Pool.Name = ? ORDER BY MediaId",
        volume_columns(Layout::Table, false)
    );
    show_query(
        ctx,
        out,
        Layout::Table,
        "volumes",
        &sql,
        &[SqlValue::Text(pool.to_string())],
        0,
    );
}

/// ` AND` the volume's pool is one the console may see.
fn pool_acl(ctx: &Ctx<'_, '_>, params: &mut Vec<SqlValue>) -> String {
    let pools = names_filter("Pool.Name", &ctx.login.acl.pools, params);
    if pools.is_empty() {
        return String::new();
    }
    format!(" AND Media.PoolId IN (SELECT Pool.PoolId FROM Pool WHERE 1{pools})")
}

/// "Jobid N used K Volume(s): A|B", for a job the console may see.
fn job_volumes(ctx: &Ctx<'_, '_>, out: &mut Reply, key: &str, value: &str) {
    let catalog = ctx.director.catalog();
    let id: i64 = if key == "ujobid" {
        catalog
            .db()
            .query_row("SELECT JobId FROM Job WHERE Job = ?1", [value], |r| {
                r.get(0)
            })
            .unwrap_or(0)
    } else {
        match value.trim().parse() {
            Ok(id) => id,
            Err(_) => {
                out.line(format!("\"{value}\" is not a valid JobId."));
                return;
            }
        }
    };
    let visible = matches!(ctx.login.visible_job(&catalog, id), Ok(Some(_)));
    let names: Vec<String> = if visible {
        catalog
            .db()
            .prepare("SELECT DISTINCT VolumeName, FirstIndex FROM JobMedia JOIN Media USING (MediaId) WHERE JobId = ?1 ORDER BY JobMediaId")
            .and_then(|mut s| {
                s.query_map([id], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut unique: Vec<String> = Vec::new();
    for n in names {
        if !unique.contains(&n) {
            unique.push(n);
        }
    }
    out.line(format!(
        "Jobid {id} used {} Volume(s): {}",
        unique.len(),
        unique.join("|")
    ));
}

/// `list nextvol [job=NAME] [days=N]`: for each scheduled run of the
/// job in the next N days (1 unless given, 50 at most), the volume it
/// would write: an Append volume of its pool, else one to recycle, else
/// one from the scratch pool. Nothing is pruned, recycled, labeled or
/// created to answer (bacula-dir 9.6.7 prunes the pool's volumes to
/// answer: ua_output.c list_nextvol calls find_next_volume_for_append
/// with fnv_prune).
pub fn nextvol(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Vec<usize> {
    let used: Vec<usize> = (1..ctx.args.keys.len())
        .filter(|j| {
            ["job", "days"]
                .iter()
                .any(|k| ctx.args.keys[*j].eq_ignore_ascii_case(k))
        })
        .collect();
    nextvol_of(ctx, out);
    used
}

fn nextvol_of(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let mut days = 1;
    if let Some(d) = ctx.args.get("days") {
        match d.trim().parse::<i64>() {
            Ok(n) if (0..=50).contains(&n) => days = n,
            _ => out.line("Ignoring invalid value for days. Max is 50."),
        }
    }
    let may_see = |j: &&crate::config::Resource| {
        ctx.login
            .may_see_job(&j.name, j.str("Client").unwrap_or_default())
    };
    let job = match ctx.args.get("job") {
        Some(name) => match cfg.find(Kind::Job, name).filter(may_see) {
            Some(j) => Some(j),
            None => {
                out.line(format!("{name} is not a job name."));
                None
            }
        },
        None => None,
    };
    let job = match job {
        Some(j) => j,
        None => {
            let jobs: Vec<&crate::config::Resource> = cfg.all(Kind::Job).filter(may_see).collect();
            let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
            match crate::console::select::among(ctx, out, "Job", &names) {
                Some(n) => jobs[n],
                None => return,
            }
        }
    };
    let now = crate::clock::now();
    let runs: Vec<_> =
        crate::job::schedule::runs_between(&cfg, now + 1, now + days * 86_400 + 86_399)
            .into_iter()
            .filter(|r| r.job == job.name)
            .collect();
    // Each Run line once, at its first time in the window, as
    // find_next_run gives them.
    let mut lines: Vec<&crate::config::Run> = Vec::new();
    for r in &runs {
        if !lines.contains(&&r.run) {
            lines.push(&r.run);
        }
    }
    let mut found = false;
    for run in lines {
        let pool = run
            .pool
            .as_ref()
            .map(|r| r.name.clone())
            .or_else(|| job.str("Pool").map(String::from))
            .unwrap_or_default();
        let level = run
            .level
            .clone()
            .or_else(|| job.str("Level").map(String::from))
            .unwrap_or_else(|| "Incremental".into());
        let storage = run
            .storage
            .as_ref()
            .map(|r| r.name.clone())
            .or_else(|| match job.get("Storage") {
                Some(crate::config::Value::ResList(l)) => l.first().map(|r| r.name.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let media_type = cfg
            .find(Kind::Storage, &storage)
            .and_then(|s| s.str("MediaType"))
            .unwrap_or("File")
            .to_string();
        match next_volume(ctx, &cfg, &pool, &media_type) {
            Ok(Some(v)) => {
                out.line(format!(
                    "The next Volume to be used by Job \"{}\" (Pool={pool}, Level={level}) will be {v}",
                    job.name
                ));
                found = true;
            }
            Ok(None) => out.line(format!(
                "Could not find next Volume for Job {} (Pool={pool}, Level={level}). ",
                job.name
            )),
            Err(e) => out.line(format!(
                "Could not find next Volume for Job {} (Pool={pool}, Level={level}). {e}",
                job.name
            )),
        }
    }
    if !found {
        out.line(format!("Could not find next Volume for Job {}.", job.name));
    }
}

/// The volume a backup to `pool` would write, found without changing the
/// catalog: an Append volume, else a Recycle or Purged one, else one of
/// the scratch pool.
fn next_volume(
    ctx: &Ctx<'_, '_>,
    cfg: &crate::config::Config,
    pool: &str,
    media_type: &str,
) -> Result<Option<String>, String> {
    if !Acl::allows(&ctx.login.acl.pools, pool) {
        return Ok(None);
    }
    let catalog = ctx.director.catalog();
    if let Some(v) = catalog
        .append_volume(pool, media_type)
        .map_err(|e| e.to_string())?
    {
        return Ok(Some(v));
    }
    let scratch = cfg
        .find(Kind::Pool, pool)
        .and_then(|p| p.str("ScratchPool"))
        .unwrap_or("Scratch");
    let sql = "SELECT Media.VolumeName FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId
               WHERE Media.MediaType = ?2 AND Media.Enabled = 1 AND (
                 (Pool.Name = ?1 AND Media.VolStatus IN ('Recycle', 'Purged') AND Media.Recycle = 1)
                 OR (Pool.Name = ?3 AND Media.VolStatus IN ('Append', 'Recycle', 'Purged')))
               ORDER BY Pool.Name = ?1 DESC, Media.VolStatus = 'Recycle' DESC, Media.LastWritten, Media.MediaId LIMIT 1";
    let found = catalog
        .db()
        .query_row(sql, rusqlite::params![pool, media_type, scratch], |r| {
            r.get(0)
        });
    match found {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}
