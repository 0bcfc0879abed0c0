//! `restore` with nothing on its line saying which backups: bacula-dir's
//! menu "To select the JobIds, you have the following choices:"
//! (ua_restore.c user_select_jobids_or_files, its `list[]`), each item
//! asking what it needs as bconsole asks it: the Client from the
//! catalog's clients the console may use (ua_select.c select_client_dbr),
//! its FileSet when it has several, a date, JobIds, file or directory
//! names. Items 1, 2, 4, 9 and 10 list and come back to the menu; the
//! others end in the JobIds whose files go into the tree, or in files
//! chosen by name, restored without a tree.

use rusqlite::types::Value as SqlValue;

use super::super::login::Acl;
use super::super::{list, select, Ctx, Reply};
use crate::catalog::{SourceFile, SourceJob};

/// ua_restore.c `list[]`.
const ITEMS: [&str; 13] = [
    "List last 20 Jobs run",
    "List Jobs where a given File is saved",
    "Enter list of comma separated JobIds to select",
    "Enter SQL list command",
    "Select the most recent backup for a client",
    "Select backup for a client before a specified time",
    "Enter a list of files to restore",
    "Enter a list of files to restore before a specified time",
    "Find the JobIds of the most recent backup for a client",
    "Find the JobIds for a backup for a client before a specified time",
    "Enter a list of directories to restore for found JobIds",
    "Select full restore to a specified Job date",
    "Cancel",
];

/// What the menu chose.
pub enum Chosen {
    /// JobIds typed or found from a job: their files go into the tree.
    JobIds(Vec<i64>),
    /// A Client's backups found before a date, ready to use.
    Jobs(Vec<SourceJob>),
    /// Files named one by one, or the files under directories named.
    Files(Vec<SourceFile>),
}

/// The menu until an item chooses; None when the console cancels or
/// gives up (what it was told says why).
pub fn choose(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<Chosen> {
    out.line("");
    out.line("First you select one or more JobIds that contain files");
    out.line("to be restored. You will be presented several methods");
    out.line("of specifying the JobIds. Then you will be allowed to");
    out.line("select which files from those JobIds are to be restored.");
    out.line("");
    // What items 9 and 10 found, for item 11, and the Client an item
    // chose, which later items take without asking again (rx->ClientName).
    let mut found: Vec<i64> = Vec::new();
    let mut known: Option<String> = None;
    let mut client = |ctx: &Ctx<'_, '_>, out: &mut Reply| -> Option<String> {
        if known.is_none() {
            known = Some(client(ctx, out)?);
        }
        known.clone()
    };
    loop {
        let item = select::choose(
            ctx,
            out,
            "To select the JobIds, you have the following choices:",
            "",
            "Select item: ",
            &ITEMS,
        )?;
        match item {
            0 => {
                if !sql_allowed(ctx, out) {
                    return None;
                }
                last_jobs(ctx, out);
            }
            1 => {
                let client = client(ctx, out)?;
                let name = ctx.ask(out, "Enter Filename (no path):")?;
                jobs_with_file(ctx, out, &client, name.trim_end_matches(['\r', '\n']));
            }
            2 => {
                let ids = ctx.ask(out, "Enter JobId(s), comma separated, to restore: ")?;
                return job_ids(out, &ids).map(Chosen::JobIds);
            }
            3 => {
                if !sql_allowed(ctx, out) {
                    return None;
                }
                let sql = ctx.ask(out, "Enter SQL list command: ")?;
                sql_list(ctx, out, &sql);
            }
            4 | 5 | 8 | 9 => {
                let date = match item {
                    4 | 8 => None,
                    _ => Some(date(ctx, out)?),
                };
                let who = client(ctx, out)?;
                let jobs = before_date(ctx, out, &who, date.as_deref())?;
                super::jobs_table(ctx, &jobs, out);
                if item < 8 {
                    return Some(Chosen::Jobs(jobs));
                }
                found = jobs.iter().map(|j| j.job_id).collect();
            }
            6 | 7 => {
                let date = match item {
                    6 => None,
                    _ => Some(date(ctx, out)?),
                };
                let client = client(ctx, out)?;
                out.line("Enter file names with paths, or < to enter a filename");
                out.line("containing a list of file names with paths, and terminate");
                out.line("them with a blank line.");
                return names(ctx, out, "Enter full filename: ", |ctx, out, name| {
                    file_by_name(ctx, out, &client, name, date.as_deref())
                })
                .map(Chosen::Files);
            }
            10 => {
                let ids = match found.is_empty() {
                    false => {
                        let list: Vec<String> = found.iter().map(i64::to_string).collect();
                        out.line(format!(
                            "You have already selected the following JobIds: {}",
                            list.join(",")
                        ));
                        found.clone()
                    }
                    true => {
                        let typed =
                            ctx.ask(out, "Enter JobId(s), comma separated, to restore: ")?;
                        if typed.trim().is_empty() || typed.trim() == "." {
                            return None;
                        }
                        job_ids(out, &typed)?
                    }
                };
                let client = client(ctx, out)?;
                out.line("Enter full directory names or start the name");
                out.line("with a < to indicate it is a filename containing a list");
                out.line("of directories and terminate them with a blank line.");
                return names(ctx, out, "Enter directory name: ", |ctx, out, name| {
                    files_under(ctx, out, &client, &ids, name)
                })
                .map(Chosen::Files);
            }
            11 => {
                let typed = ctx.ask(out, "Enter JobId to get the state to restore: ")?;
                let Some(id) = typed.trim().parse::<i64>().ok().filter(|n| *n > 0) else {
                    out.error(format!("Invalid JobId: {}", typed.trim()));
                    return None;
                };
                return state_at(ctx, out, id).map(Chosen::JobIds);
            }
            _ => return None,
        }
    }
}

/// Items 1 and 4 show what `sqlquery` would (ua_restore.c: they need
/// that command in the CommandACL).
fn sql_allowed(ctx: &Ctx<'_, '_>, out: &mut Reply) -> bool {
    let ok = ctx.login.may_run("sqlquery");
    if !ok {
        out.error("SQL query not authorized.");
    }
    ok
}

/// An ACL as SQL sees it: NULL for no restriction, else the JSON array
/// of the names it allows.
fn acl_json(acl: &Option<Vec<String>>) -> SqlValue {
    match acl {
        None => SqlValue::Null,
        Some(names) => SqlValue::Text(serde_json::json!(names).to_string()),
    }
}

/// The SQL condition that `column` is one of the names of the JSON ACL
/// parameter `n` (matched without case, as Acl::allows does).
fn within(column: &str, n: usize) -> String {
    format!("(?{n} IS NULL OR lower({column}) IN (SELECT lower(value) FROM json_each(?{n})))")
}

fn show(ctx: &Ctx<'_, '_>, out: &mut Reply, sql: &str, params: &[SqlValue]) {
    let rows = list::query(ctx.director.catalog().db(), sql, params);
    match rows {
        Ok(rows) => list::table(&rows, out),
        Err(e) => out.error(format!("Query failed: {e}")),
    }
}

/// Item 1, sql_cmds.c uar_list_jobs. bacula-dir 9.6.7 lists every
/// client's jobs whatever the console's JobACL and ClientACL; rdird only
/// those the console may see.
fn last_jobs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    ctx.using_catalog(out);
    let sql = format!(
        "SELECT JobId, Client.Name AS Client, StartTime, Level AS JobLevel, JobFiles, JobBytes
         FROM Client, Job WHERE Client.ClientId = Job.ClientId AND JobStatus IN ('T', 'W')
           AND Type = 'B' AND {} AND {}
         ORDER BY StartTime DESC LIMIT 20",
        within("Job.Name", 1),
        within("Client.Name", 2)
    );
    let acl = &ctx.login.acl;
    show(
        ctx,
        out,
        &sql,
        &[acl_json(&acl.jobs), acl_json(&acl.clients)],
    );
}

/// Item 2, sql_cmds.c uar_file (its SQLite form), within the JobACL.
fn jobs_with_file(ctx: &Ctx<'_, '_>, out: &mut Reply, client: &str, name: &str) {
    let sql = format!(
        "SELECT Job.JobId AS JobId, Path.Path || Filename.Name AS Name, StartTime,
                Type AS JobType, JobStatus, JobFiles, JobBytes
         FROM Client, Job, File, Filename, Path WHERE Client.Name = ?1
           AND Client.ClientId = Job.ClientId AND Job.JobId = File.JobId AND File.FileIndex > 0
           AND Path.PathId = File.PathId AND Filename.FilenameId = File.FilenameId
           AND Filename.Name = ?2 AND {}
         ORDER BY StartTime DESC LIMIT 20",
        within("Job.Name", 3)
    );
    let params = [
        SqlValue::Text(client.to_string()),
        SqlValue::Text(name.to_string()),
        acl_json(&ctx.login.acl.jobs),
    ];
    show(ctx, out, &sql, &params);
}

/// Item 4: the console's own SQL, run as `sqlquery` runs it (read only).
fn sql_list(ctx: &Ctx<'_, '_>, out: &mut Reply, sql: &str) {
    let Some(q) = super::super::sql::connect(ctx, out) else {
        return;
    };
    match super::super::sql::run(&q, sql.trim().trim_end_matches(';')) {
        Ok(rows) => list::table(&rows, out),
        Err(e) => out.error(format!("Query failed: {e}")),
    }
}

/// The Client whose backups to restore: `client=` (or `backupclient=`)
/// on the command line, else chosen from the catalog's clients the
/// console's ClientACL allows (ua_restore.c get_client_name,
/// ua_select.c select_client_dbr: "Defined Clients:").
fn client(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<String> {
    ctx.using_catalog(out);
    let acl = &ctx.login.acl.clients;
    if let Some(name) = ctx.args.get("client").or(ctx.args.get("backupclient")) {
        if Acl::allows(acl, name) {
            return Some(name.to_string());
        }
        out.error(format!("Client \"{name}\" not found."));
        return None;
    }
    let names = select::catalog_names(ctx, "SELECT Name FROM Client ORDER BY Name", acl)?;
    if names.is_empty() {
        out.error("No clients defined. You must run a job before using this command.");
        return None;
    }
    let i = select::choose(
        ctx,
        out,
        "Defined Clients:",
        "Client",
        "Select the Client",
        &names,
    )?;
    Some(names[i].clone())
}

/// ua_restore.c get_date: a date the console types, asked again while it
/// is not one.
fn date(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<String> {
    out.line("The restored files will the most current backup");
    out.line("BEFORE the date you specify below.");
    out.line("");
    loop {
        let typed = ctx.ask(out, "Enter date as YYYY-MM-DD HH:MM:SS :")?;
        if typed.trim() == "." {
            return None;
        }
        if let Some(t) = crate::clock::parse_local(&typed) {
            return Some(crate::clock::local(t).sql());
        }
        out.error("Improper date format.");
    }
}

/// ua_restore.c select_backups_before_date: for the Client, its FileSet
/// (`fileset=`, else chosen among those its backups used that the
/// FileSetACL allows), then its last Full before `date` (now when None)
/// and the Differential and Incrementals after it.
fn before_date(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    client: &str,
    date: Option<&str>,
) -> Option<Vec<SourceJob>> {
    let fileset = match ctx.args.get("fileset") {
        Some(f) => f.to_string(),
        None => {
            let names: Vec<String> = {
                let db = ctx.director.catalog();
                let mut q = db
                    .db()
                    .prepare(
                        "SELECT DISTINCT FileSet.FileSet FROM Job, Client, FileSet
                         WHERE Job.FileSetId = FileSet.FileSetId AND Job.ClientId = Client.ClientId
                           AND Client.Name = ?1 ORDER BY FileSet.FileSet",
                    )
                    .ok()?;
                let rows = q.query_map([client], |r| r.get::<_, String>(0)).ok()?;
                rows.filter_map(Result::ok)
                    .filter(|f| Acl::allows(&ctx.login.acl.filesets, f))
                    .collect()
            };
            let chosen = match names.is_empty() {
                true => None,
                false => select::choose(
                    ctx,
                    out,
                    "The defined FileSet resources are:",
                    "FileSet",
                    "Select FileSet resource",
                    &names,
                ),
            };
            let Some(i) = chosen else {
                out.error(format!("No FileSet found for client \"{client}\"."));
                return None;
            };
            names[i].clone()
        }
    };
    if !Acl::allows(&ctx.login.acl.filesets, &fileset) {
        out.error(format!("FileSet \"{fileset}\" not found."));
        return None;
    }
    // bacula-dir adds a second to now, for a job that ended within it.
    let now = crate::clock::local(crate::clock::now() + 1).sql();
    let date = date.unwrap_or(&now);
    let jobs = ctx
        .director
        .catalog()
        .current_backup(client, Some(&fileset), Some(date));
    match jobs {
        Ok(jobs) if !jobs.is_empty() => Some(jobs),
        Ok(_) => {
            out.error(format!("No Full backup before {date} found."));
            None
        }
        Err(e) => {
            out.error(e.to_string());
            None
        }
    }
}

/// A comma separated list of JobIds (get_next_jobid_from_list).
fn job_ids(out: &mut Reply, typed: &str) -> Option<Vec<i64>> {
    let ids: Option<Vec<i64>> = typed
        .split(',')
        .map(|s| s.trim().parse::<i64>().ok().filter(|n| *n > 0))
        .collect();
    match ids {
        Some(ids) if !ids.is_empty() => Some(ids),
        _ => {
            out.error("Invalid JobId in list.");
            None
        }
    }
}

/// Item 12: the jobs that make up the Full state at JobId `id`'s start.
fn state_at(ctx: &Ctx<'_, '_>, out: &mut Reply, id: i64) -> Option<Vec<i64>> {
    let db = ctx.director.catalog();
    // bacula-dir 9.6.7 tells any console when any job started; rdird
    // answers for a job outside the console's JobACL or ClientACL as
    // for one that does not exist.
    let start: Option<String> = db
        .db()
        .query_row(
            "SELECT COALESCE(Job.StartTime, ''), Job.Name, COALESCE(Client.Name, '')
             FROM Job LEFT JOIN Client ON Client.ClientId = Job.ClientId WHERE JobId = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .ok()
        .filter(|(_, job, client)| ctx.login.may_see_job(job, client))
        .map(|(start, ..)| start);
    let Some(start) = start else {
        out.error(format!(
            "Unable to get Job record for JobId={id}: ERR=No Job found for JobId {id}"
        ));
        return None;
    };
    out.line(format!("Selecting jobs to build the Full state at {start}"));
    match db.accurate_jobids(id, None) {
        Ok(ids) if !ids.is_empty() => Some(ids),
        Ok(_) => {
            out.error("No Jobs selected.");
            None
        }
        Err(e) => {
            out.error(e.to_string());
            None
        }
    }
}

/// Names typed one a line until a blank one, each turned into files by
/// `add`. A `<file` line is bacula-dir's list read from a file on the
/// Director's host; rdird reads no file a console names.
fn names(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    prompt: &str,
    add: impl Fn(&Ctx<'_, '_>, &mut Reply, &str) -> Vec<SourceFile>,
) -> Option<Vec<SourceFile>> {
    let mut files: Vec<SourceFile> = Vec::new();
    loop {
        let typed = ctx.ask(out, prompt)?;
        let name = typed.trim_end_matches(['\r', '\n']);
        if name.is_empty() {
            break;
        }
        if let Some(file) = name.strip_prefix('<') {
            out.error(format!(
                "Cannot open file {file}: rdird reads no list of names from a file on the Director's host; type the names."
            ));
            continue;
        }
        for f in add(ctx, out, name) {
            if !files
                .iter()
                .any(|g| g.job_id == f.job_id && g.file_index == f.file_index)
            {
                files.push(f);
            }
        }
    }
    Some(files)
}

/// ua_restore.c insert_file_into_findex_list with sql_cmds.c
/// uar_jobid_fileindex: the newest backup of the Client before `date`
/// (now when None) that saved `name`.
fn file_by_name(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    client: &str,
    name: &str,
    date: Option<&str>,
) -> Vec<SourceFile> {
    let (path, file) = match name.rfind('/') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    };
    let now = crate::clock::local(crate::clock::now() + 1).sql();
    let db = ctx.director.catalog();
    let hit: Option<(i64, i64)> = db
        .db()
        .query_row(
            "SELECT Job.JobId, File.FileIndex FROM Job, File, Path, Filename, Client
             WHERE Job.JobId = File.JobId AND Job.StartTime <= ?1 AND Path.Path = ?2
               AND Filename.Name = ?3 AND Client.Name = ?4 AND Job.ClientId = Client.ClientId
               AND Path.PathId = File.PathId AND Filename.FilenameId = File.FilenameId
               AND JobStatus IN ('T', 'W') AND Type = 'B'
             ORDER BY Job.StartTime DESC LIMIT 1",
            rusqlite::params![date.unwrap_or(&now), path, file, client],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let record = hit.and_then(|(job, index)| db.file_record(job, index).ok().flatten());
    match record {
        Some(f) => vec![f],
        None => {
            out.error(format!("No database record found for: {name}"));
            Vec::new()
        }
    }
}

/// ua_restore.c insert_dir_into_findex_list with sql_cmds.c
/// uar_jobid_fileindex_from_dir: what the jobs `ids` of the Client saved
/// in directory `dir` (not below it), the newest version of each name;
/// bacula-dir groups its rows by FileIndex alone, which keeps one row of
/// the files of several jobs that share a FileIndex and drops the rest.
fn files_under(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    client: &str,
    ids: &[i64],
    dir: &str,
) -> Vec<SourceFile> {
    let dir = match dir.ends_with('/') {
        true => dir.to_string(),
        false => format!("{dir}/"),
    };
    let db = ctx.director.catalog();
    let hits: Vec<(i64, i64)> = (|| {
        let mut q = db
            .db()
            .prepare(
                "SELECT Job.JobId, File.FileIndex FROM Job, File, Path, Client
                 WHERE Job.JobId IN (SELECT value FROM json_each(?1)) AND Job.JobId = File.JobId
                   AND Path.Path = ?2 AND Client.Name = ?3
                   AND Job.ClientId = Client.ClientId AND Path.PathId = File.PathId
                   AND File.FileIndex > 0
                 ORDER BY Job.JobId, File.FileIndex",
            )
            .ok()?;
        let rows = q
            .query_map(
                rusqlite::params![serde_json::json!(ids).to_string(), dir, client],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok()?;
        Some(rows.filter_map(Result::ok).collect())
    })()
    .unwrap_or_default();
    let mut newest: std::collections::BTreeMap<String, SourceFile> = Default::default();
    for f in hits
        .into_iter()
        .filter_map(|(job, index)| db.file_record(job, index).ok().flatten())
    {
        newest.insert(f.full_name(), f);
    }
    let files: Vec<SourceFile> = newest.into_values().collect();
    if files.is_empty() {
        out.error(format!("No database record found for: {dir}"));
    }
    files
}
