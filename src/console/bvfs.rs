//! The `.bvfs_*` commands restore browsers send (bat, Baculum, Bareos'
//! web UI): build the directory cache, list directories, files and
//! versions, and build the restore table a `restore file=?b2NNN` then
//! reads. Arguments, messages and the tab-separated lines are bacula-dir
//! 9.6.7's (ua_dotcmds.c dot_bvfs_*, bvfs_result_handler); the SQL is in
//! catalog/bvfs.rs.
//!
//! Where 9.6.7 lets a restricted console out of its ACLs (`.bvfs_versions`
//! and `.bvfs_get_volumes` check none, `.bvfs_restore fileid=`/`hardlink=`
//! take records of any job, `.bvfs_get_jobs` checks no JobACL), rdird
//! keeps every command to the jobs the console may see.

use super::login::Acl;
use super::{Ctx, Reply};
use crate::catalog::bvfs::{basename_dir, is_restore_table, Entry, JobFilter, Selection};
use crate::catalog::Catalog;

/// The stat bacula-dir prints for a directory no job saved.
const NO_LSTAT: &str = "A A A A A A A A A A A A A A";

/// The most entries one listing holds, whatever `limit=` asks: a page
/// of that many lines already nears the 64 MB a reply may hold, and a
/// browser asks for the next page with `offset=`. (bacula-dir 9.6.7
/// sends as many as asked.)
const MAX_PAGE: i64 = 500_000;

/// bacula-dir's is_a_number_list: digits, each group ended by one comma.
fn number_list(s: &str) -> Option<Vec<i64>> {
    if s.is_empty() || s.starts_with(',') || s.contains(",,") {
        return None;
    }
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| p.parse::<i64>().ok())
                .flatten()
        })
        .collect()
}

/// A count or id given as digits; anything else is not one (as 9.6.7's
/// is_a_number checks leave the default). Past i64 it is the largest.
fn number(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse::<i64>().unwrap_or(i64::MAX))
}

/// What bacula-dir's bvfs_parse_arg reads.
struct Browse {
    path_id: i64,
    path: Option<String>,
    jobs: Option<Vec<i64>>,
    limit: i64,
    offset: i64,
}

fn parse(ctx: &Ctx<'_, '_>) -> Browse {
    let a = ctx.args;
    let mut b = Browse {
        path_id: 0,
        path: None,
        jobs: None,
        limit: 2000,
        offset: 0,
    };
    for (k, v) in a.keys.iter().zip(&a.values).skip(1) {
        let Some(v) = v else { continue };
        match k.to_ascii_lowercase().as_str() {
            "pathid" => b.path_id = number(v).unwrap_or(b.path_id),
            "path" => b.path = Some(v.clone()),
            "jobid" => b.jobs = number_list(v).or(b.jobs.take()),
            "ujobid" => b.jobs = unique_job(ctx, v).map(|id| vec![id]),
            "limit" => b.limit = number(v).unwrap_or(b.limit).min(MAX_PAGE),
            // An offset past 64 bits starts at the beginning, as
            // bacula-dir 9.6.7 lists it (its str_to_int64 wraps).
            "offset" => {
                b.offset = number(v).map_or(b.offset, |n| if n == i64::MAX { 0 } else { n })
            }
            _ => {}
        }
    }
    b
}

/// The JobId of the job named `job` (its unique name), if the console
/// may see it.
fn unique_job(ctx: &Ctx<'_, '_>, job: &str) -> Option<i64> {
    let db = ctx.director.catalog();
    let (id, name): (i64, String) = db
        .db()
        .query_row("SELECT JobId, Name FROM Job WHERE Job = ?1", [job], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .ok()?;
    Acl::allows(&ctx.login.acl.jobs, &name).then_some(id)
}

/// The jobs of `ids` the console may see, as bacula-dir's
/// Bvfs::filter_jobid keeps them: with no JobACL, ClientACL, FileSetACL
/// or PoolACL, the list as given.
fn visible(ctx: &Ctx<'_, '_>, db: &Catalog, ids: &[i64]) -> Vec<i64> {
    let acl = &ctx.login.acl;
    if [&acl.jobs, &acl.clients, &acl.filesets, &acl.pools]
        .iter()
        .all(|l| l.is_none())
    {
        return ids.to_vec();
    }
    db.bvfs_job_names(ids)
        .unwrap_or_default()
        .into_iter()
        .filter(|j| {
            Acl::allows(&acl.jobs, &j.name)
                && Acl::allows(&acl.clients, &j.client)
                && Acl::allows(&acl.filesets, &j.fileset)
                && Acl::allows(&acl.pools, &j.pool)
        })
        .map(|j| j.job_id)
        .collect()
}

fn join(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    list.join(",")
}

/// One line of a listing, as bacula-dir's bvfs_result_handler prints it.
fn dir_line(out: &mut Reply, e: &Entry) {
    let (file_id, job_id, lstat) = match &e.lstat {
        Some(l) => (e.file_id, e.job_id, l.as_str()),
        None => (0, 0, NO_LSTAT),
    };
    out.line(format!(
        "{}\t0\t{file_id}\t{job_id}\t{lstat}\t{}",
        e.path_id,
        basename_dir(&e.name)
    ));
}

fn file_line(out: &mut Reply, e: &Entry) {
    out.line(format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        e.path_id,
        e.filename_id,
        e.file_id,
        e.job_id,
        e.lstat.as_deref().unwrap_or(NO_LSTAT),
        e.name
    ));
}

/// The directory a listing is of: `pathid=`, else `path=`'s PathId.
fn pwd(db: &Catalog, b: &Browse) -> Option<i64> {
    if b.path_id > 0 {
        return Some(b.path_id);
    }
    db.bvfs_path_id(b.path.as_deref()?).ok().flatten()
}

fn catalog_error(out: &mut Reply, e: crate::catalog::CatalogError) {
    out.line(format!("ERROR: {e}"));
}

/// What `.bvfs_lsdirs` and `.bvfs_lsfiles` list from: their arguments,
/// the jobs of `jobid=` the console may see, and the directory. None when
/// there is nothing to list (said when an argument is missing).
fn listing(ctx: &Ctx<'_, '_>, out: &mut Reply, db: &Catalog) -> Option<(Browse, Vec<i64>, i64)> {
    let b = parse(ctx);
    let Some(ids) = b
        .jobs
        .as_deref()
        .filter(|_| b.path_id > 0 || b.path.is_some())
    else {
        out.line("Can't find jobid, pathid or path argument");
        return None;
    };
    let jobs = visible(ctx, db, ids);
    let pwd = pwd(db, &b).filter(|_| !jobs.is_empty())?;
    Some((b, jobs, pwd))
}

/// `.bvfs_lsdirs jobid=1,2 path=/etc/ | pathid=N [pattern=] [limit=]
/// [offset=] [dironly]`: `.`, `..` and the subdirectories.
pub fn lsdirs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let db = ctx.director.catalog();
    let Some((b, jobs, pwd)) = listing(ctx, out, &db) else {
        return;
    };
    let listed = db.bvfs_special_dirs(&jobs, pwd).and_then(|mut dirs| {
        if !ctx.args.has("dironly") {
            dirs.extend(db.bvfs_dirs(&jobs, pwd, ctx.args.get("pattern"), b.limit, b.offset)?);
        }
        Ok(dirs)
    });
    match listed {
        Ok(dirs) => dirs.iter().for_each(|d| dir_line(out, d)),
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_lsfiles jobid=1,2 path=… | pathid=N [pattern=] [filename=]
/// [limit=] [offset=]`: the newest version of each file.
pub fn lsfiles(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let db = ctx.director.catalog();
    let Some((b, jobs, pwd)) = listing(ctx, out, &db) else {
        return;
    };
    let pattern = ctx.args.get("pattern");
    let filename = ctx.args.get("filename").filter(|_| pattern.is_none());
    match db.bvfs_files(&jobs, pwd, (pattern, filename), b.limit, b.offset) {
        Ok(files) => files.iter().for_each(|f| file_line(out, f)),
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_versions pathid=N fnid=N client=… | clients=a,b [copies]
/// [versions] [limit=] [offset=]`: every saved version of one file.
pub fn versions(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let b = parse(ctx);
    if b.path_id == 0 && b.path.is_none() {
        out.line("Can't find pathid or path argument");
        return;
    }
    let a = ctx.args;
    let fnid = a.get("fnid").and_then(number).unwrap_or(0);
    let mut clients: Vec<String> = a.all("client").iter().map(|c| c.to_string()).collect();
    for list in a.all("clients") {
        clients.extend(
            list.split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string),
        );
    }
    if clients.is_empty() || fnid == 0 {
        out.line("Can't find client or fnid argument");
        return;
    }
    clients.retain(|c| Acl::allows(&ctx.login.acl.clients, c));
    let db = ctx.director.catalog();
    let found = match db.bvfs_versions(b.path_id, fnid, &clients, a.has("copies")) {
        Ok(v) => v,
        Err(e) => return catalog_error(out, e),
    };
    let mut ids: Vec<i64> = found.iter().map(|v| v.job_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let allowed = visible(ctx, &db, &ids);
    for v in found
        .iter()
        .filter(|v| allowed.contains(&v.job_id))
        .skip(b.offset.try_into().unwrap_or(usize::MAX))
        .take(b.limit.try_into().unwrap_or(usize::MAX))
    {
        out.line(format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            v.path_id,
            v.filename_id,
            v.file_id,
            v.job_id,
            v.lstat.as_deref().unwrap_or(NO_LSTAT),
            v.md5,
            v.volume,
            v.in_changer
        ));
    }
}

/// `.bvfs_update [jobid=1,2,3]`: builds the cache of those jobs, or of
/// every backup that has none.
pub fn update(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let db = ctx.director.catalog();
    let given = ctx.args.get("jobid");
    let result = match given.and_then(number_list) {
        Some(ids) => {
            let ids = visible(ctx, &db, &ids);
            db.bvfs_update(&ids).map(|ok| {
                if !ok {
                    // The list as given, cut: a list of 100,000 JobIds
                    // is not sent back whole (9.6.7 sends it).
                    let given = given.unwrap_or_default();
                    let shown: String = given.chars().take(100).collect();
                    let more = if shown.len() < given.len() { "..." } else { "" };
                    out.line(format!("ERROR: BVFS reported a problem for {shown}{more}"));
                }
            })
        }
        None => db.bvfs_uncached_jobs().and_then(|ids| {
            let ids = visible(ctx, &db, &ids);
            db.bvfs_update(&ids)?;
            db.bvfs_drop_gone_jobs().map(drop)
        }),
    };
    if let Err(e) = result {
        catalog_error(out, e);
    }
}

/// `.bvfs_update_fv jobid=1,2`: the cache, then each directory's file
/// count and size (PathVisibility's Files and Size).
///
/// bacula-dir 9.6.7 computes them with base64_decode_lstat(), a function
/// only its PostgreSQL catalog has: on SQLite the figures stay 0. rdird
/// decodes the stat itself and fills them.
pub fn update_fv(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(ids) = ctx.args.get("jobid").and_then(number_list) else {
        out.line("Expecting to find jobid=1,2,3 argument");
        return;
    };
    let db = ctx.director.catalog();
    let ids = visible(ctx, &db, &ids);
    match db
        .bvfs_update(&ids)
        .and_then(|_| db.bvfs_update_sizes(&ids))
    {
        Ok(()) => out.line("OK"),
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_clear_cache yes`: empties PathHierarchy and PathVisibility.
pub fn clear_cache(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if !ctx.args.has("yes") {
        out.line("Can't find 'yes' argument");
        return;
    }
    match ctx.director.catalog().bvfs_clear_cache() {
        Ok(()) => out.line("OK"),
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_restore path=b2NNN jobid=1,2 [fileid=] [dirid=] [hardlink=]`:
/// the restore table of the newest version of each chosen file.
pub fn restore(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let b = parse(ctx);
    let (Some(ids), Some(table)) = (b.jobs.as_deref(), b.path.as_deref()) else {
        out.line("Can't find jobid, pathid or path argument");
        return;
    };
    let list = |key: &str| match ctx.args.get(key) {
        None => Some(Vec::new()),
        Some(v) => number_list(v),
    };
    let (Some(file_ids), Some(dir_ids), Some(links)) =
        (list("fileid"), list("dirid"), list("hardlink"))
    else {
        out.line("Cannot create restore list.");
        return;
    };
    if !is_restore_table(table)
        || links.len() % 2 != 0
        || file_ids.is_empty() && dir_ids.is_empty() && links.is_empty()
    {
        out.line("Cannot create restore list.");
        return;
    }
    let db = ctx.director.catalog();
    let file_jobs = match db.bvfs_file_jobs(&file_ids) {
        Ok(jobs) => visible(ctx, &db, &jobs),
        Err(e) => return catalog_error(out, e),
    };
    let sel = Selection {
        file_ids,
        file_jobs,
        dir_ids,
        hardlinks: links.chunks(2).map(|p| (p[0], p[1])).collect(),
    };
    let jobs = visible(ctx, &db, ids);
    match db.bvfs_restore_table(table, &jobs, &sel) {
        Ok(()) => out.line("OK"),
        Err(e) => {
            tracing::warn!("{e}");
            out.line("Cannot create restore list.");
        }
    }
}

/// `.bvfs_cleanup path=b2NNN`: drops the restore table.
pub fn cleanup(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if let Some(table) = ctx.args.get("path") {
        if let Err(e) = ctx.director.catalog().bvfs_drop_table(table) {
            catalog_error(out, e);
        }
    }
}

/// `.bvfs_get_volumes fileid=N`: the volumes a file record lies on.
pub fn get_volumes(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let b = parse(ctx);
    if ctx.args.get("filename").is_some() {
        // bacula-dir 9.6.7 answers this form with nothing (a TODO).
        if b.jobs.is_none() || (b.path.is_none() && b.path_id == 0) {
            out.line("Can't find jobid, pathid or path argument");
        }
        return;
    }
    let file_id = match ctx.args.get("fileid") {
        None => return,
        Some(v) => match number(v) {
            Some(n) => n,
            None => {
                out.line(format!("Expecting integer for FileId, got {v}"));
                return;
            }
        },
    };
    let db = ctx.director.catalog();
    let Some(job) = db.bvfs_file_job(file_id).ok().flatten() else {
        return;
    };
    if visible(ctx, &db, &[job]).is_empty() {
        return;
    }
    match db.bvfs_volumes(file_id, b.limit, 0) {
        Ok(vols) => vols
            .iter()
            .for_each(|(v, changer)| out.line(format!("{v}\t{changer}"))),
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_get_delta fileid=N`: the pieces of a file saved in parts.
pub fn get_delta(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(v) = ctx.args.get("fileid") else {
        out.line("Expecting FileId");
        return;
    };
    let Some(file_id) = number(v) else {
        out.line(format!("Expecting integer for FileId, got {v}"));
        return;
    };
    let db = ctx.director.catalog();
    let Some(job) = db.bvfs_file_job(file_id).ok().flatten() else {
        return;
    };
    if visible(ctx, &db, &[job]).is_empty() {
        return;
    }
    match db.bvfs_delta(file_id) {
        Ok(parts) => {
            for (e, seq, tdate) in parts {
                out.line(format!(
                    "{}\t0\t{}\t{}\t{}\t{seq}\t{tdate}",
                    e.path_id,
                    e.file_id,
                    e.job_id,
                    e.lstat.as_deref().unwrap_or(NO_LSTAT)
                ));
            }
        }
        Err(e) => catalog_error(out, e),
    }
}

/// bacula-dir's bvfs_get_filter: `jobname=`, `fileset=` (globs, `*` for
/// any), `jobid=`, `ujobid=`, `start=`, `end=`; values past 127 bytes are
/// ignored, as 9.6.7's get_argument ignores them.
fn job_filter(ctx: &Ctx<'_, '_>) -> (JobFilter, Option<i64>) {
    let arg = |k: &str| {
        ctx.args
            .get(k)
            .filter(|v| v.len() <= crate::config::MAX_NAME_LENGTH)
            .map(str::to_string)
    };
    let glob = |k: &str| arg(k).map(|v| v.replace('*', "%"));
    let limit = arg("limit").and_then(|v| number(&v));
    (
        JobFilter {
            job_like: glob("jobname"),
            fileset_like: glob("fileset"),
            job_id: arg("jobid"),
            job: arg("ujobid"),
            start: arg("start"),
            end: arg("end"),
        },
        limit,
    )
}

/// `.bvfs_get_jobs client=… [filters]`: `JobId JobTDate HasCache Job`,
/// newest first.
pub fn get_jobs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(client) = ctx
        .args
        .get("client")
        .filter(|c| c.len() <= crate::config::MAX_NAME_LENGTH)
    else {
        return;
    };
    if !Acl::allows(&ctx.login.acl.clients, client) {
        return;
    }
    let (filter, limit) = job_filter(ctx);
    let db = ctx.director.catalog();
    match db.bvfs_client_jobs(client, &filter) {
        Ok(jobs) => {
            for j in jobs
                .into_iter()
                .filter(|j| Acl::allows(&ctx.login.acl.jobs, &j.name))
                .take(limit.unwrap_or(i64::MAX).try_into().unwrap_or(usize::MAX))
            {
                out.line(format!(
                    "{} {} {} {}",
                    j.job_id, j.tdate, j.has_cache, j.job
                ));
            }
        }
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_get_jobids jobid=N [only|jobname|all] | job=Name | ujobid=… |
/// client=a[,b] [count] [filters]`: the JobIds a restore as of that job
/// reads (Full, Differential, Incrementals), or a client's backups.
pub fn get_jobids(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let a = ctx.args;
    let db = ctx.director.catalog();
    let job_id: Option<i64> = if let Some(v) = a.get("jobid") {
        Some(v.trim().parse().unwrap_or(0))
    } else if let Some(name) = a.get("job") {
        let cfg = ctx.director.config();
        let Some(job) = cfg.find(crate::config::Kind::Job, name) else {
            out.line(format!("Unable to get Job record for Job={name}"));
            return;
        };
        let client = job.str("Client").unwrap_or_default();
        let fileset = job.str("FileSet").unwrap_or_default();
        Some(
            db.db()
                .query_row(
                    "SELECT JobId FROM Job JOIN FileSet ON FileSet.FileSetId = Job.FileSetId
                     JOIN Client ON Client.ClientId = Job.ClientId
                     WHERE Client.Name = ?1 AND FileSet.FileSet = ?2 AND Job.Type = 'B' AND Job.JobStatus IN ('T', 'W')
                     ORDER BY JobTDate DESC LIMIT 1",
                    [client, fileset],
                    |r| r.get(0),
                )
                .unwrap_or(0),
        )
    } else {
        a.get("ujobid").map(|job| {
            db.db()
                .query_row("SELECT JobId FROM Job WHERE Job = ?1", [job], |r| r.get(0))
                .unwrap_or(0)
        })
    };
    let Some(job_id) = job_id else {
        let Some(list) = a.get("client").or_else(|| a.get("clients")) else {
            out.line(format!(
                "Unable to get Job record for JobId={}: ERR=No Job found.",
                a.keys.join(" ")
            ));
            return;
        };
        let clients: Vec<String> = list
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let (filter, limit) = job_filter(ctx);
        let mut ids = match db.bvfs_clients_jobids(&clients, &filter) {
            Ok(ids) => ids,
            Err(e) => return catalog_error(out, e),
        };
        ids.truncate(limit.unwrap_or(i64::MAX).try_into().unwrap_or(usize::MAX));
        let ids = visible(ctx, &db, &ids);
        if a.has("count") {
            out.line(ids.len().to_string());
        } else {
            out.line(join(&ids));
        }
        return;
    };
    let record: Option<(String, String, i64)> = db
        .db()
        .query_row(
            "SELECT Job, Level, COALESCE(ClientId, 0) FROM Job WHERE JobId = ?1",
            [job_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok();
    let Some((job, level, client_id)) = record else {
        out.line(format!(
            "Unable to get Job record for JobId={}: ERR=No Job found for JobId {job_id}",
            a.keys.join(" ")
        ));
        return;
    };
    if a.has("only") || level == "B" {
        out.line(join(&visible(ctx, &db, &[job_id])));
        return;
    }
    if a.has("jobname") {
        if visible(ctx, &db, &[job_id]).first() == Some(&job_id) {
            out.line(job);
        }
        return;
    }
    let filesets = if a.has("all") {
        db.client_fileset_ids(client_id)
            .map(|f| f.into_iter().map(Some).collect())
    } else {
        Ok(vec![None])
    };
    let ids: Result<Vec<i64>, _> = filesets.and_then(|filesets| {
        let mut ids = Vec::new();
        for fs in filesets {
            ids.extend(db.accurate_jobids(job_id, fs)?);
        }
        Ok(ids)
    });
    match ids {
        Ok(ids) => out.line(join(&visible(ctx, &db, &ids))),
        Err(e) => catalog_error(out, e),
    }
}

/// `.bvfs_get_bootstrap path=b2NNN`: the bootstrap the restore table
/// reads.
pub fn get_bootstrap(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(table) = ctx.args.get("path") else {
        out.line("ERROR: Unable to get path argument");
        return;
    };
    let db = ctx.director.catalog();
    let files = match db.restore_table_files(table) {
        Ok(Some(f)) if !f.is_empty() => f,
        Ok(_) => {
            out.line("ERROR: Unable to find files to restore");
            return;
        }
        Err(e) => return catalog_error(out, e),
    };
    let jobs = match super::restore::table_jobs(&db, &files) {
        Ok(jobs) => jobs,
        Err(why) => {
            // ua_dotcmds.c dot_bvfs_get_bootstrap prefixes its own last
            // line, not the catalog's.
            let (first, last) = why.rsplit_once('\n').unwrap_or(("", &why));
            first.lines().for_each(|l| out.line(l));
            out.line(format!("ERROR: {last}"));
            return;
        }
    };
    let ids: Vec<i64> = jobs.iter().map(|j| j.job_id).collect();
    let ids = visible(ctx, &db, &ids);
    let jobs: Vec<_> = jobs
        .into_iter()
        .filter(|j| ids.contains(&j.job_id))
        .collect();
    let files: Vec<_> = files
        .into_iter()
        .filter(|f| ids.contains(&f.job_id))
        .collect();
    let records =
        crate::restore::bsr::build(&jobs, &files, &|id| db.extents(id).unwrap_or_default());
    drop(db);
    if records.is_empty() {
        out.line("ERROR: No files selected to be restored.");
        return;
    }
    // The storage a restore would read with: the first Storage of the
    // media type the console may use.
    let cfg = ctx.director.config();
    let storage = cfg.all(crate::config::Kind::Storage).find(|s| {
        Acl::allows(&ctx.login.acl.storages, &s.name)
            && s.str("MediaType") == Some(records[0].media_type.as_str())
    });
    let (name, device) = match storage {
        Some(s) => (s.name.clone(), crate::peer::sd::device(s)),
        None => (String::new(), String::new()),
    };
    for line in crate::restore::bsr::lines(&records, &name, &device) {
        out.push(line);
    }
}

/// `.bvfs_decode_lstat lstat="…"`: the fields of an encoded stat.
pub fn decode_lstat(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(lstat) = ctx.args.get("lstat") else {
        return;
    };
    if let Some(c) = lstat
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || c.is_ascii_whitespace() || "/+-".contains(*c)))
    {
        out.line(format!("Can't accept {c} in lstat"));
        return;
    }
    let f: Vec<i64> = lstat
        .split_whitespace()
        .map(crate::bnet::base64::decode_int)
        .collect();
    let n = |i: usize| f.get(i).copied().unwrap_or(0);
    let mode = n(2) as u32;
    for (k, v) in [
        ("st_nlink", n(3).to_string()),
        ("st_mode", mode.to_string()),
        ("perm", perm(mode)),
        ("st_uid", n(4).to_string()),
        ("st_gid", n(5).to_string()),
        ("st_size", n(7).to_string()),
        ("st_blocks", n(9).to_string()),
        ("st_ino", n(1).to_string()),
        ("st_ctime", n(12).to_string()),
        ("st_mtime", n(11).to_string()),
        ("st_atime", n(10).to_string()),
        ("st_dev", n(0).to_string()),
        ("LinkFI", n(13).to_string()),
    ] {
        out.line(format!("{k}={v}"));
    }
}

/// A mode as `ls -l` shows it (bacula's encode_mode).
pub(super) fn perm(mode: u32) -> String {
    let kind = match mode & libc::S_IFMT {
        libc::S_IFDIR => 'd',
        libc::S_IFBLK => 'b',
        libc::S_IFCHR => 'c',
        libc::S_IFLNK => 'l',
        libc::S_IFIFO => 'f',
        libc::S_IFSOCK => 's',
        _ => '-',
    };
    let bit = |b: u32, c: char| if mode & b != 0 { c } else { '-' };
    let special = |s: u32, x: u32, on: char, off: char| match (mode & s != 0, mode & x != 0) {
        (true, true) => on,
        (true, false) => off,
        (false, true) => 'x',
        (false, false) => '-',
    };
    [
        kind,
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        special(0o4000, 0o100, 's', 'S'),
        bit(0o40, 'r'),
        bit(0o20, 'w'),
        special(0o2000, 0o10, 's', 'S'),
        bit(0o4, 'r'),
        bit(0o2, 'w'),
        special(0o1000, 0o1, 't', 'T'),
    ]
    .iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_lists_as_bacula_accepts_them() {
        assert_eq!(number_list("1,2,3"), Some(vec![1, 2, 3]));
        assert_eq!(number_list("7,"), Some(vec![7]));
        assert_eq!(number_list(",1"), None);
        assert_eq!(number_list("1,,2"), None);
        assert_eq!(number_list("1;DROP"), None);
        assert_eq!(number_list("99999999999999999999"), None);
        assert_eq!(number_list(""), None);
    }

    #[test]
    fn modes_read_as_ls_shows_them() {
        assert_eq!(perm(0o40755), "drwxr-xr-x");
        assert_eq!(perm(0o100644), "-rw-r--r--");
        assert_eq!(perm(0o104755), "-rwsr-xr-x");
        assert_eq!(perm(0o41777), "drwxrwxrwt");
        assert_eq!(perm(0o120777), "lrwxrwxrwx");
    }
}
