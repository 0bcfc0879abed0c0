//! The job listings of `list`/`llist`: jobs (and one job by `jobid=`,
//! `job=`, `jobname=`, `ujobid=`), jobtotals, files, basefiles,
//! jobmedia, joblog, copies and pluginrestoreconf, with the columns of
//! bacula-dir 9.6.7's cats/sql_list.c.
//!
//! A restricted console sees only the jobs of its JobACL run on clients
//! of its ClientACL, and only those jobs' files, media, log and copies.
//! bacula-dir 9.6.7 filters none of these (ua_output.c do_list_cmd), so
//! any console lists the whole catalog.

use rusqlite::types::Value as SqlValue;

use super::{show_query, Layout};
use crate::console::acl::jobs_filter;
use crate::console::{Ctx, Reply};

/// The filters `list jobs` takes, read before any listing as do_list_cmd
/// reads them. bacula-dir 9.6.7 reads `level=` and filters nothing by
/// it (sql_list.c bdb_list_job_records has no level condition); here
/// it filters, and a level it does not know is refused.
pub struct Filters {
    errors: bool,
    descending: bool,
    limit: Option<i64>,
    status: Option<String>,
    job_type: Option<String>,
    level: Option<String>,
    client: Option<String>,
    /// Jobs that started within the last this many seconds (`days=`,
    /// `hours=`: later Bacula versions read them; bacula-dir 9.6.7
    /// ignores both).
    within: Option<i64>,
}

impl Filters {
    pub fn parse(ctx: &Ctx<'_, '_>) -> Result<Filters, String> {
        let a = ctx.args;
        let descending = match a.get("order").map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") | Some("ascending") => false,
            Some("desc") | Some("descending") => true,
            Some(_) => {
                return Err(format!(
                    "Unknown order type {}",
                    a.get("order").unwrap_or("")
                ))
            }
        };
        let limit = match a.get("limit") {
            None => None,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                Ok(_) => None,
                Err(_) => return Err(format!("\"{v}\" is not a valid limit.")),
            },
        };
        // A status or type is one letter: bacula-dir takes the first of
        // what is given when it is a letter.
        let letter = |k: &str| {
            a.get(k)
                .and_then(|v| v.chars().next())
                .filter(char::is_ascii_alphabetic)
                .map(String::from)
        };
        Ok(Filters {
            errors: a.has("joberrors"),
            descending,
            limit,
            status: letter("jobstatus"),
            job_type: letter("jobtype"),
            level: match a.get("level") {
                None => None,
                Some(v) => Some(level_code(v).ok_or_else(|| format!("Unknown level \"{v}\""))?),
            },
            client: a.get("client").map(String::from),
            within: within(a)?,
        })
    }
}

/// `days=N` and `hours=N` as seconds, added together.
fn within(a: &crate::console::Args) -> Result<Option<i64>, String> {
    let mut total = None;
    for (key, unit) in [("days", 86_400), ("hours", 3_600)] {
        if let Some(v) = a.get(key) {
            let n: i64 = v
                .trim()
                .parse()
                .ok()
                .filter(|n| (0..=100_000).contains(n))
                .ok_or_else(|| format!("\"{v}\" is not a number of {key}."))?;
            total = Some(total.unwrap_or(0) + n * unit);
        }
    }
    Ok(total)
}

/// The catalog's one-letter code for a level given by name or code.
fn level_code(v: &str) -> Option<String> {
    let named = [
        ("full", "F"),
        ("incremental", "I"),
        ("differential", "D"),
        ("since", "S"),
        ("verifycatalog", "C"),
        ("initcatalog", "V"),
        ("volumetocatalog", "O"),
        ("disktocatalog", "d"),
        ("data", "A"),
        ("base", "B"),
        ("virtualfull", "f"),
    ];
    if let Some((_, code)) = named.iter().find(|(n, _)| n.eq_ignore_ascii_case(v)) {
        return Some(code.to_string());
    }
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c.to_string()),
        _ => None,
    }
}

/// The columns of `list jobs` and `llist jobs` (sql_list.c
/// bdb_list_job_records).
const JOBS_TABLE: &str =
    "SELECT JobId,Name,StartTime,Type,Level,JobFiles,JobBytes,JobStatus FROM Job";
const JOBS_LONG: &str = "SELECT JobId,Job,Job.Name,PurgedFiles,Type,Level,Job.ClientId,Client.Name AS ClientName,JobStatus,SchedTime,StartTime,EndTime,RealEndTime,JobTDate,VolSessionId,VolSessionTime,JobFiles,JobBytes,ReadBytes,JobErrors,JobMissingFiles,Job.PoolId,Pool.Name AS PoolName,PriorJobId,Job.FileSetId,FileSet.FileSet,Job.HasBase,Job.HasCache,Job.Comment FROM Job JOIN Client USING (ClientId) LEFT JOIN Pool USING (PoolId) LEFT JOIN FileSet USING (FileSetId)";

/// `list jobs` with the filters; `one` is the keyword naming one job
/// (`jobid=`, `job=`, `jobname=`, `ujobid=`) when the listing is that.
/// With `jobs`, those keywords that follow narrow the listing and are
/// read as its own (bacula-dir lists every job, then the one named).
pub fn jobs(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    layout: Layout,
    f: &Filters,
    one: Option<(&str, Option<&str>)>,
) -> Vec<usize> {
    let a = ctx.args;
    let mut named: Vec<(String, String)> = Vec::new();
    let mut used = Vec::new();
    match one {
        Some((k, Some(v))) => named.push((k.to_string(), v.to_string())),
        Some((_, None)) => return used,
        None => {
            for (j, k) in a.keys.iter().enumerate().skip(1) {
                let k = k.to_ascii_lowercase();
                if let ("jobid" | "job" | "jobname" | "ujobid", Some(v)) =
                    (k.as_str(), &a.values[j])
                {
                    named.push((k, v.clone()));
                    used.push(j);
                }
            }
        }
    }
    let mut params = Vec::new();
    let mut where_ = String::from(" WHERE 1");
    for (k, v) in &named {
        match k.as_str() {
            // `jobid=1,2` lists both jobs; bacula-dir 9.6.7 reads it as
            // JobId 1 and drops the rest unsaid (ua_output.c do_list_cmd,
            // str_to_int64 stops at the comma).
            "jobid" => match jobid_list(v) {
                Some(ids) if ids.iter().all(|id| *id > 0) => {
                    let marks = vec!["?"; ids.len()].join(",");
                    where_.push_str(&format!(" AND Job.JobId IN ({marks})"));
                    params.extend(ids.into_iter().map(SqlValue::Integer));
                }
                _ => {
                    out.line(format!("\"{v}\" is not a valid JobId."));
                    return used;
                }
            },
            "ujobid" => {
                where_.push_str(" AND Job.Job = ?");
                params.push(SqlValue::Text(v.clone()));
            }
            _ => {
                where_.push_str(" AND Job.Name = ?");
                params.push(SqlValue::Text(v.clone()));
            }
        }
    }
    for (cond, v) in [
        (" AND Job.JobStatus = ?", &f.status),
        (" AND Job.Type = ?", &f.job_type),
        (" AND Job.Level = ?", &f.level),
    ] {
        if let Some(v) = v {
            where_.push_str(cond);
            params.push(SqlValue::Text(v.clone()));
        }
    }
    if f.errors {
        where_.push_str(" AND Job.JobErrors > 0");
    }
    if let Some(secs) = f.within {
        where_.push_str(" AND Job.JobTDate >= ?");
        params.push(SqlValue::Integer(crate::clock::now() - secs));
    }
    if let Some(c) = &f.client {
        where_.push_str(" AND Job.ClientId IN (SELECT ClientId FROM Client WHERE Client.Name = ?)");
        params.push(SqlValue::Text(c.clone()));
    }
    where_.push_str(&jobs_filter("Job", &ctx.login.acl, &mut params));
    let order = if f.descending { "DESC" } else { "ASC" };
    let limit = f.limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let sql = match layout {
        Layout::Table => {
            format!("{JOBS_TABLE}{where_} ORDER BY StartTime {order}, JobId {order}{limit}")
        }
        Layout::Long => format!("{JOBS_LONG}{where_} ORDER BY StartTime {order}{limit}"),
    };
    show_query(ctx, out, layout, "jobs", &sql, &params, 0);
    used
}

/// `list jobtotals`: jobs, files and bytes per Job name, then in all.
pub fn totals(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Vec<usize> {
    let mut params = Vec::new();
    let acl = jobs_filter("Job", &ctx.login.acl, &mut params);
    let per_job = format!("SELECT count(*) AS Jobs,sum(JobFiles) AS Files,sum(JobBytes) AS Bytes,Name AS Job FROM Job WHERE 1{acl} GROUP BY Name");
    let all = format!(
        "SELECT count(*) AS Jobs,sum(JobFiles) AS Files,sum(JobBytes) AS Bytes FROM Job WHERE 1{acl}"
    );
    show_query(ctx, out, Layout::Table, "jobtotals", &per_job, &params, 0);
    show_query(ctx, out, Layout::Table, "total", &all, &params, 0);
    Vec::new()
}

/// The JobIds named by `jobid=` or `ujobid=` after keyword `i`, with the
/// indexes read; an unreadable JobId is told and ends the listing.
fn job_args(ctx: &Ctx<'_, '_>, i: usize) -> Result<(Vec<i64>, Vec<usize>), String> {
    let a = ctx.args;
    let mut ids = Vec::new();
    let mut used = Vec::new();
    for j in i + 1..a.keys.len() {
        let Some(v) = &a.values[j] else {
            continue;
        };
        match a.keys[j].to_ascii_lowercase().as_str() {
            "jobid" => {
                let id = v
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| format!("\"{v}\" is not a valid JobId."))?;
                ids.push(id);
                used.push(j);
            }
            "ujobid" => {
                let found: Option<i64> = ctx
                    .director
                    .catalog()
                    .db()
                    .query_row("SELECT JobId FROM Job WHERE Job = ?1", [v], |r| r.get(0))
                    .ok();
                ids.push(found.unwrap_or(0));
                used.push(j);
            }
            _ => {}
        }
    }
    Ok((ids, used))
}

/// ` AND column IN (the jobs the console may see)`.
fn visible_jobs(ctx: &Ctx<'_, '_>, column: &str, params: &mut Vec<SqlValue>) -> String {
    let jobs = jobs_filter("Job", &ctx.login.acl, params);
    if jobs.is_empty() {
        return String::new();
    }
    format!(" AND {column} IN (SELECT Job.JobId FROM Job WHERE 1{jobs})")
}

/// Runs `each` for every JobId named after keyword `i` (`jobid=`,
/// `ujobid=`), or once with None when none is; the indexes read.
fn per_job(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    i: usize,
    mut each: impl FnMut(&mut Reply, Option<i64>),
) -> Vec<usize> {
    match job_args(ctx, i) {
        Ok((ids, used)) => {
            if ids.is_empty() {
                each(out, None);
            }
            for id in ids {
                each(out, Some(id));
            }
            used
        }
        Err(e) => {
            out.line(e);
            (i + 1..ctx.args.keys.len()).collect()
        }
    }
}

/// `list files [type=deleted|all] jobid=N`: the job's files (and those
/// its Base jobs hold) in the order they were backed up, one column at
/// least 80 wide as bacula-dir's streamed listing prints it (a longer
/// name widens it here, where bacula-dir's overflows its frame);
/// nothing without a JobId.
pub fn files(ctx: &Ctx<'_, '_>, out: &mut Reply, i: usize) -> Vec<usize> {
    let deleted = match ctx.args.get("type").map(str::to_ascii_lowercase).as_deref() {
        Some("deleted") => " AND FileIndex <= 0",
        Some("all") => "",
        _ => " AND FileIndex > 0",
    };
    let mut used = per_job(ctx, out, i, |out, id| {
        let Some(id) = id.filter(|id| *id > 0) else {
            return;
        };
        let mut params = vec![SqlValue::Integer(id), SqlValue::Integer(id)];
        let acl = visible_jobs(ctx, "F.JobId", &mut params);
        let sql = format!("SELECT Path.Path||Filename.Name AS Filename FROM (SELECT FileId, PathId, FilenameId, JobId FROM File WHERE JobId = ?{deleted} UNION ALL SELECT File.FileId, File.PathId, File.FilenameId, BaseFiles.JobId FROM BaseFiles JOIN File ON (BaseFiles.FileId = File.FileId) WHERE BaseFiles.JobId = ?) AS F JOIN Filename ON Filename.FilenameId = F.FilenameId JOIN Path ON Path.PathId = F.PathId WHERE 1{acl} ORDER BY F.FileId");
        show_query(ctx, out, Layout::Table, "files", &sql, &params, 80);
    });
    used.extend(
        ctx.args
            .keys
            .iter()
            .enumerate()
            .skip(i + 1)
            .filter(|(_, k)| k.eq_ignore_ascii_case("type"))
            .map(|(j, _)| j),
    );
    used
}

/// `list basefiles jobid=N`: the files a job took from its Base jobs.
pub fn basefiles(ctx: &Ctx<'_, '_>, out: &mut Reply, i: usize) -> Vec<usize> {
    per_job(ctx, out, i, |out, id| {
        let Some(id) = id.filter(|id| *id > 0) else {
            return;
        };
        let mut params = vec![SqlValue::Integer(id)];
        let acl = visible_jobs(ctx, "BaseFiles.JobId", &mut params);
        let sql = format!("SELECT Path.Path||Filename.Name AS Filename FROM BaseFiles JOIN File ON (BaseFiles.FileId = File.FileId) JOIN Filename ON (File.FilenameId = Filename.FilenameId) JOIN Path ON (File.PathId = Path.PathId) WHERE BaseFiles.JobId = ?{acl}");
        show_query(ctx, out, Layout::Table, "files", &sql, &params, 80);
    })
}

/// `list jobmedia [jobid=N]`: where each job's data is.
pub fn jobmedia(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout, i: usize) -> Vec<usize> {
    per_job(ctx, out, i, |out, id| {
        let columns = match layout {
            Layout::Table => "JobId,Media.VolumeName,FirstIndex,LastIndex",
            Layout::Long => "JobMediaId,JobId,Media.MediaId,Media.VolumeName,FirstIndex,LastIndex,StartFile,JobMedia.EndFile,StartBlock,JobMedia.EndBlock",
        };
        let mut params = Vec::new();
        let mut where_ = String::from(" WHERE 1");
        if let Some(id) = id.filter(|id| *id > 0) {
            where_.push_str(" AND JobMedia.JobId = ?");
            params.push(SqlValue::Integer(id));
        }
        where_.push_str(&visible_jobs(ctx, "JobMedia.JobId", &mut params));
        let sql = format!(
            "SELECT {columns} FROM JobMedia JOIN Media USING (MediaId){where_} ORDER BY JobMediaId"
        );
        show_query(ctx, out, layout, "jobmedia", &sql, &params, 0);
    })
}

/// `list joblog jobid=N`: the job's log lines as they were written
/// (`llist` adds each line's time); nothing without a JobId.
pub fn joblog(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout, i: usize) -> Vec<usize> {
    per_job(ctx, out, i, |out, id| {
        let Some(id) = id.filter(|id| *id > 0) else {
            return;
        };
        let columns = match layout {
            Layout::Table => "LogText",
            Layout::Long => "Time,LogText",
        };
        let mut params = vec![SqlValue::Integer(id)];
        let acl = visible_jobs(ctx, "Log.JobId", &mut params);
        let sql = format!("SELECT {columns} FROM Log WHERE Log.JobId = ?{acl} ORDER BY LogId ASC");
        if layout == Layout::Long || ctx.login.api.get() != crate::console::login::Api::Text {
            show_query(ctx, out, layout, "joblog", &sql, &params, 0);
            return;
        }
        // The log as it was written: bacula-dir 9.6.7 boxes each entry in
        // a table cell, which breaks every entry of more than one line
        // out of its frame.
        let catalog = ctx.director.catalog();
        match super::query(catalog.db(), &sql, &params) {
            Ok(rows) if rows.rows.is_empty() => out.line("No results to list."),
            Ok(rows) => {
                super::note_if_cut(&rows, out);
                for r in rows.rows {
                    let text = r.into_iter().next().flatten().unwrap_or_default();
                    out.push(if text.ends_with('\n') {
                        text
                    } else {
                        format!("{text}\n")
                    });
                }
            }
            Err(e) => out.line(format!("Query failed: {e}")),
        }
    })
}

/// A `jobid=` value that is a list of JobIds ("1,2,5-7"), as SQL
/// integers; None when it is not one.
fn jobid_list(v: &str) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for part in v.split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (i64, i64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                if b < a || b - a > 100_000 {
                    return None;
                }
                ids.extend(a..=b);
            }
            None => ids.push(part.parse().ok()?),
        }
    }
    Some(ids)
}

/// `list copies [jobid=1,2,…] [limit=N]`: the Copy jobs and the jobs
/// they copied; nothing when there is none.
pub fn copies(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout, i: usize) -> Vec<usize> {
    let a = ctx.args;
    let mut used = Vec::new();
    let mut ids = None;
    let mut limit = String::new();
    for j in i + 1..a.keys.len() {
        let Some(v) = &a.values[j] else {
            continue;
        };
        match a.keys[j].to_ascii_lowercase().as_str() {
            "jobid" => {
                ids = jobid_list(v);
                used.push(j);
            }
            "limit" => {
                if let Ok(n) = v.trim().parse::<i64>() {
                    if n > 0 {
                        limit = format!(" LIMIT {n}");
                    }
                }
                used.push(j);
            }
            _ => {}
        }
    }
    let mut params = Vec::new();
    let mut where_ = String::new();
    if let Some(ids) = &ids {
        let marks = vec!["?"; ids.len()].join(",");
        where_ = format!(" AND (Job.PriorJobId IN ({marks}) OR Job.JobId IN ({marks}))");
        params.extend(ids.iter().map(|id| SqlValue::Integer(*id)));
        params.extend(ids.iter().map(|id| SqlValue::Integer(*id)));
    }
    where_.push_str(&jobs_filter("Job", &ctx.login.acl, &mut params));
    let sql = format!("SELECT DISTINCT Job.PriorJobId AS JobId, Job.Job, Job.JobId AS CopyJobId, Media.MediaType FROM Job JOIN JobMedia USING (JobId) JOIN Media USING (MediaId) WHERE Job.Type = 'c'{where_} ORDER BY Job.PriorJobId DESC{limit}");
    let any: bool = {
        let catalog = ctx.director.catalog();
        let count = format!("SELECT count(*) FROM ({sql})");
        catalog
            .db()
            .query_row(&count, rusqlite::params_from_iter(params.iter()), |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n > 0)
            .unwrap_or(true)
    };
    if any {
        out.line(if ids.is_some() {
            "These JobIds have copies as follows:"
        } else {
            "The catalog contains copies as follows:"
        });
        show_query(ctx, out, layout, "copies", &sql, &params, 0);
    }
    used
}

/// `list pluginrestoreconf jobid=N [objecttype=…] [id=K]`: the restore
/// objects a plugin left with its job, or one object's text.
pub fn restore_objects(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout, i: usize) -> Vec<usize> {
    let a = ctx.args;
    let used: Vec<usize> = (i + 1..a.keys.len()).collect();
    let Some(ids) = a.get("jobid").and_then(jobid_list) else {
        out.line("list pluginrestoreconf requires jobid argument");
        return used;
    };
    // FT_PLUGIN_CONFIG, FT_PLUGIN_CONFIG_FILLED, FT_RESTORE_FIRST.
    let object_type = match a.get("objecttype").map(str::to_ascii_uppercase).as_deref() {
        None | Some("PLUGIN_CONFIG") => Some(27),
        Some("PLUGIN_CONFIG_FILLED") => Some(29),
        Some("RESTORE_FIRST") => Some(25),
        Some("ALL") => None,
        Some(_) => {
            out.line(format!(
                "Unknown ObjectType {}",
                a.get("objecttype").unwrap_or("")
            ));
            return used;
        }
    };
    let marks = vec!["?"; ids.len()].join(",");
    let mut params: Vec<SqlValue> = ids.iter().map(|id| SqlValue::Integer(*id)).collect();
    let mut where_ = format!(" WHERE JobId IN ({marks})");
    if let Some(t) = object_type {
        where_.push_str(" AND ObjectType = ?");
        params.push(SqlValue::Integer(t));
    }
    where_.push_str(&visible_jobs(ctx, "JobId", &mut params));
    if let Some(id) = a.get("id").or(a.get("restoreobjectid")) {
        let Ok(id) = id.trim().parse::<i64>() else {
            out.line(format!("\"{id}\" is not a valid RestoreObjectId."));
            return used;
        };
        params.push(SqlValue::Integer(id));
        let sql =
            format!("SELECT RestoreObject FROM RestoreObject{where_} AND RestoreObjectId = ?");
        let catalog = ctx.director.catalog();
        if let Ok(rows) = super::query(catalog.db(), &sql, &params) {
            for r in rows.rows {
                out.line(r.into_iter().next().flatten().unwrap_or_default());
            }
        }
        return used;
    }
    let columns = match layout {
        Layout::Table => "JobId, RestoreObjectId, ObjectName, PluginName, ObjectType, ObjectLength",
        Layout::Long => "JobId, RestoreObjectId, ObjectName, PluginName, ObjectType",
    };
    let sql = format!("SELECT {columns} FROM RestoreObject JOIN Job USING (JobId){where_} ORDER BY JobTDate ASC, RestoreObjectId");
    show_query(ctx, out, layout, "restoreobjects", &sql, &params, 0);
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobid_lists_and_ranges_are_read_and_anything_else_refused() {
        assert_eq!(jobid_list("1,3-5,9"), Some(vec![1, 3, 4, 5, 9]));
        assert_eq!(jobid_list("1; DROP TABLE Job"), None);
        assert_eq!(jobid_list("5-1"), None);
        assert_eq!(jobid_list("1-99999999999"), None);
    }

    #[test]
    fn levels_are_read_by_name_or_code() {
        assert_eq!(level_code("Full").as_deref(), Some("F"));
        assert_eq!(level_code("i").as_deref(), Some("i"));
        assert_eq!(level_code("nonsense"), None);
    }
}
