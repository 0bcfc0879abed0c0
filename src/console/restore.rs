//! `restore`: the forms administrators script — `restore client=… jobid=…
//! all done yes`, `restore client=… current [before=…] all done yes`, with
//! `file=`/`dir=` lists instead of `all`, and `where=`, `regexwhere=`,
//! `strip_prefix=`, `add_prefix=`, `add_suffix=`, `replace=`,
//! `restoreclient=`, `fileset=`, `restorejob=`. The Director picks the
//! backups and files, refuses a placement that would leave the restore
//! root before anything is sent, writes the bootstrap and queues the job.
//! Without `all`, `file=` or `dir=` it enters bconsole's file selection
//! mode (restore/tree.rs); without `jobid=`, `current` or `before=`,
//! bacula-dir's menu of ways to choose the backups (restore/menu.rs).
//! Before "OK to run?" it shows the Run Restore job summary.

use std::sync::Arc;

use rusqlite::types::Value as SqlValue;

use super::login::Acl;
use super::{Ctx, Reply};
use crate::catalog::{SourceFile, SourceJob};
use crate::config::{Kind, Resource, Value};
use crate::job::{RestoreSpec, RunRequest};
use crate::restore::place::{PlaceArgs, Placement, Target};
use crate::restore::tree::Tree;

mod menu;
mod tree;

/// The restore Job: `restorejob=`, else the configuration's only one.
fn restore_job<'a>(
    ctx: &Ctx<'_, '_>,
    cfg: &'a crate::config::Config,
) -> Result<&'a Resource, String> {
    let restores: Vec<&Resource> = cfg
        .all(Kind::Job)
        .filter(|j| j.str("Type") == Some("Restore"))
        .filter(|j| Acl::allows(&ctx.login.acl.jobs, &j.name))
        .collect();
    match ctx.args.get("restorejob") {
        Some(name) => restores
            .into_iter()
            .find(|j| j.name == name)
            .ok_or_else(|| format!("Restore Job \"{name}\" not found.")),
        None => match restores.as_slice() {
            [one] => Ok(one),
            [] => Err("No Restore Job resource found in the configuration.".into()),
            _ => Err("Several Restore Jobs: say which with restorejob=<name>.".into()),
        },
    }
}

fn client<'a>(
    ctx: &Ctx<'_, '_>,
    cfg: &'a crate::config::Config,
    key: &str,
) -> Result<Option<&'a Resource>, String> {
    match ctx.args.get(key) {
        None => Ok(None),
        Some(name) => cfg
            .find(Kind::Client, name)
            .filter(|c| Acl::allows(&ctx.login.acl.clients, &c.name))
            .map(Some)
            .ok_or_else(|| format!("Client \"{name}\" not found.")),
    }
}

/// The selected files: all, or those named by `file=` and under `dir=`,
/// or those marked in the tree; whether the tree was shown.
fn select(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    files: Vec<SourceFile>,
) -> Result<(Vec<SourceFile>, bool), String> {
    // As bacula-dir (ua_restore.c): `all` marks everything, and without
    // `done` the console may still unmark in the tree.
    if ctx.args.has("all") {
        if ctx.args.has("done") {
            return Ok((files, false));
        }
        return Ok((tree_mode(ctx, out, files, true)?, true));
    }
    let names = ctx.args.all("file");
    let dirs: Vec<String> = ctx
        .args
        .all("dir")
        .into_iter()
        .map(|d| format!("{}/", d.trim_end_matches('/')))
        .collect();
    if names.is_empty() && dirs.is_empty() {
        if ctx.args.has("done") {
            return Ok((Vec::new(), false));
        }
        return Ok((tree_mode(ctx, out, files, false)?, true));
    }
    for n in &names {
        if !files.iter().any(|f| f.full_name() == *n) {
            return Err(format!("No file \"{n}\" in the selected backups."));
        }
    }
    let files = files
        .into_iter()
        .filter(|f| {
            let full = f.full_name();
            names.contains(&full.as_str()) || dirs.iter().any(|d| full.starts_with(d.as_str()))
        })
        .collect();
    Ok((files, false))
}

/// Jobs whose File records retention pruned: as bacula-dir's
/// select_files offers it, every file of the selected jobs, by its
/// FileIndex (1 to the job's JobFiles) where its record is gone, from the
/// volumes the jobs' JobMedia name. No file selection is possible.
fn whole_jobs(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    jobs: &[SourceJob],
    mut files: Vec<SourceFile>,
) -> Result<Vec<SourceFile>, String> {
    // `all` asked for every file already: nothing to ask.
    if !ctx.args.has("all") {
        out.line("");
        out.line("For one or more of the JobIds selected, no files were found,");
        out.line("so file selection is not possible.");
        out.line("Most likely your retention policy pruned the files.");
        let question = "\nDo you want to restore all the files? (yes|no): ";
        if !super::prune::confirmed(ctx, out, question) {
            return Err("Restore not done.".into());
        }
    }
    let known: std::collections::HashSet<(i64, i64)> =
        files.iter().map(|f| (f.job_id, f.file_index)).collect();
    for j in jobs {
        for index in 1..=j.files {
            if !known.contains(&(j.job_id, index)) {
                files.push(SourceFile::new(
                    j.job_id,
                    index,
                    String::new(),
                    String::new(),
                    "",
                ));
            }
        }
    }
    Ok(files)
}

/// "N files inserted into the tree", as build_directory_tree says it
/// (directories are not counted; a purged record, with no path, is a
/// file).
fn inserted(out: &mut Reply, files: &[SourceFile], marked: bool) {
    let regular = files
        .iter()
        .filter(|f| !f.name.is_empty() || f.path.is_empty())
        .count();
    out.line(format!(
        "{} files inserted into the tree{}.",
        super::list::commas(&regular.to_string()),
        if marked {
            " and marked for extraction"
        } else {
            ""
        }
    ));
}

/// The tree of `files` and bconsole's file selection mode on it
/// (restore/tree.rs); the files marked when the console says `done`.
fn tree_mode(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    files: Vec<SourceFile>,
    all: bool,
) -> Result<Vec<SourceFile>, String> {
    // Only a regular file's size counts in `estimate` (ua_tree.c
    // estimatecmd).
    let mut tree = Tree::new(files.iter().map(|f| {
        let regular = f.mode & libc::S_IFMT == libc::S_IFREG;
        (f.full_name(), if regular { f.size } else { 0 })
    }));
    if all {
        // Every name, also one outside `/` (a Windows client's `C:/`).
        tree.mark_all();
    }
    inserted(out, &files, all);
    if !tree::select_files(ctx, out, &mut tree, &files) {
        return Err("Restore not done.".into());
    }
    let mut files: Vec<Option<SourceFile>> = files.into_iter().map(Some).collect();
    Ok(tree
        .selected()
        .into_iter()
        .filter_map(|i| files[i].take())
        .collect())
}

pub(super) fn jobs_table(ctx: &Ctx<'_, '_>, jobs: &[SourceJob], out: &mut Reply) {
    let ids: Vec<String> = jobs.iter().map(|j| j.job_id.to_string()).collect();
    let db = ctx.director.catalog();
    let rows = super::list::query(
        db.db(),
        "SELECT CAST(Job.JobId AS TEXT) AS JobId, Job.Level, CAST(Job.JobFiles AS TEXT) AS JobFiles,
                CAST(Job.JobBytes AS TEXT) AS JobBytes, Job.StartTime, Media.VolumeName
         FROM Job JOIN JobMedia ON JobMedia.JobId = Job.JobId JOIN Media ON Media.MediaId = JobMedia.MediaId
         WHERE instr(',' || ?1 || ',', ',' || Job.JobId || ',') > 0
         GROUP BY Job.JobId, Media.MediaId ORDER BY Job.StartTime, Job.JobId, Media.MediaId",
        &[SqlValue::Text(ids.join(","))],
    );
    drop(db);
    if let Ok(rows) = rows {
        super::list::table(&rows, out);
    }
}

/// The Client the selected jobs backed up, when `restore` names none
/// (`restore jobid=1,2 all done yes`). bacula-dir 9.6.7 asks for a Client
/// here (ua_restore.c get_client_name, ua_select.c select_client_dbr,
/// which picks the only one of a catalog by itself) and never checks
/// that the JobIds are its backups; rdird takes the jobs' own Client and
/// refuses jobs of several Clients, so a restore never sends one
/// client's files to another without restoreclient= saying so.
fn jobs_client<'a>(
    ctx: &Ctx<'_, '_>,
    cfg: &'a crate::config::Config,
    jobs: &[SourceJob],
) -> Result<&'a Resource, String> {
    let mut names: Vec<String> = Vec::new();
    for j in jobs {
        let name: String = ctx
            .director
            .catalog()
            .db()
            .query_row(
                "SELECT Name FROM Client WHERE ClientId = ?1",
                [j.client_id],
                |r| r.get(0),
            )
            .map_err(|_| format!("JobId {} names no Client in the catalog.", j.job_id))?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    match names.as_slice() {
        [one] => cfg
            .find(Kind::Client, one)
            .filter(|c| Acl::allows(&ctx.login.acl.clients, &c.name))
            .ok_or_else(|| format!("Client \"{one}\" not found.")),
        _ => Err(format!(
            "The selected JobIds are backups of Clients {}: restore one Client's at a time (client=).",
            names.join(", ")
        )),
    }
}

pub fn restore(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if let Err(e) = prepare_and_queue(ctx, out) {
        out.line(e);
    }
}

fn prepare_and_queue(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Result<(), String> {
    let cfg = ctx.director.config();
    let job = restore_job(ctx, &cfg)?;
    let named_client = client(ctx, &cfg, "client")?.or(client(ctx, &cfg, "backupclient")?);
    let restore_client = client(ctx, &cfg, "restoreclient")?;
    let replace_word = ctx
        .args
        .get("replace")
        .or_else(|| job.str("Replace"))
        .unwrap_or("Always");
    let replace = crate::restore::replace_letter(replace_word)
        .ok_or_else(|| format!("replace={replace_word}: use always, ifnewer, ifolder or never"))?;
    if let Some(name) = ctx.args.get("fileset") {
        cfg.find(Kind::Fileset, name)
            .filter(|f| Acl::allows(&ctx.login.acl.filesets, &f.name))
            .ok_or_else(|| format!("FileSet \"{name}\" not found."))?;
    }
    // The command line's placement, else the Restore Job's (its Where,
    // RegexWhere and prefixes), never a mix: the Job's Where is no root
    // for a regexwhere the file daemon is given instead.
    let keys = [
        "where",
        "regexwhere",
        "strip_prefix",
        "add_prefix",
        "add_suffix",
    ];
    let directives = [
        "Where",
        "RegexWhere",
        "StripPrefix",
        "AddPrefix",
        "AddSuffix",
    ];
    let from_command = keys.iter().any(|k| ctx.args.get(k).is_some());
    let pick = |i: usize| match from_command {
        true => ctx.args.get(keys[i]),
        false => job.str(directives[i]),
    };
    let placement = Placement::new(&PlaceArgs {
        where_: pick(0),
        regexwhere: pick(1),
        strip_prefix: pick(2),
        add_prefix: pick(3),
        add_suffix: pick(4),
    })
    .map_err(|e| format!("Restore refused: {e}. Nothing was restored."))?;
    // What the WhereACL refuses whatever the files are, before any
    // selection.
    if let Some(why) = placement.refuse(&[], &ctx.login.acl.wheres) {
        return Err(format!("Restore refused: {why}. Nothing was restored."));
    }
    let storage_name = ctx
        .args
        .get("storage")
        .map(str::to_string)
        .or_else(|| match job.get("Storage") {
            Some(Value::ResList(l)) => l.first().map(|r| r.name.clone()),
            _ => None,
        })
        .ok_or("the Restore Job has no Storage")?;
    let storage = cfg
        .find(Kind::Storage, &storage_name)
        .filter(|s| Acl::allows(&ctx.login.acl.storages, &s.name))
        .ok_or_else(|| format!("Storage \"{storage_name}\" not found."))?;
    ctx.using_catalog(out);
    // What a restore browser chose with `.bvfs_restore`: `file=?b2NNN`
    // names the table (ua_restore.c insert_table_into_findex_list, which
    // takes any table name; rdird only a restore table's).
    // Files the console named at the menu: bacula-dir builds no tree
    // for them (user_select_jobids_or_files returns 2) and says nothing
    // of one.
    let mut typed = false;
    let mut chosen = match ctx
        .args
        .all("file")
        .iter()
        .find_map(|f| f.strip_prefix('?'))
    {
        None => None,
        Some(table) => Some(
            ctx.director
                .catalog()
                .restore_table_files(table)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("No table found: {table}"))?,
        ),
    };
    let jobs: Vec<SourceJob> = if let Some(files) = &chosen {
        if files.is_empty() {
            return Err("No files selected to be restored.".into());
        }
        table_jobs(&ctx.director.catalog(), files)?
    } else if let Some(list) = ctx.args.get("jobid") {
        let ids: Vec<i64> = list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| format!("\"{}\" is not a valid JobId.", s.trim()))
            })
            .collect::<Result<_, _>>()?;
        backups(ctx, &ids)?
    } else if ctx.args.has("current") || ctx.args.has("before") {
        let backup_client =
            named_client.ok_or("restore needs client=<Client whose backups to restore>")?;
        let before = ctx.args.get("before");
        let jobs = ctx
            .director
            .catalog()
            .current_backup(&backup_client.name, ctx.args.get("fileset"), before)
            .map_err(|e| e.to_string())?;
        if jobs.is_empty() {
            return Err(format!(
                "No Full backup before the given time for Client \"{}\".",
                backup_client.name
            ));
        }
        jobs_table(ctx, &jobs, out);
        jobs
    } else if ctx.args.has("file") || ctx.args.has("dir") {
        return Err(
            "restore needs jobid=<JobIds> or current (with before=<date> if wanted)".into(),
        );
    } else {
        match menu::choose(ctx, out) {
            // Cancelled, or given up: what was asked says why.
            None => return Ok(()),
            Some(menu::Chosen::Jobs(jobs)) => jobs,
            Some(menu::Chosen::JobIds(ids)) => backups(ctx, &ids)?,
            Some(menu::Chosen::Files(files)) => {
                if files.is_empty() {
                    return Err("No files selected to be restored.".into());
                }
                let jobs = table_jobs(&ctx.director.catalog(), &files)?;
                chosen = Some(files);
                typed = true;
                jobs
            }
        }
    };
    let backup_client = match named_client {
        Some(c) => c,
        None => jobs_client(ctx, &cfg, &jobs)?,
    };
    let target = restore_client.unwrap_or(backup_client);
    if let Some(j) = jobs.iter().find(|j| {
        ctx.director
            .catalog()
            .db()
            .query_row(
                "SELECT Name FROM Client WHERE ClientId = ?1",
                [j.client_id],
                |r| r.get::<_, String>(0),
            )
            .map(|n| n != backup_client.name)
            .unwrap_or(true)
    }) {
        return Err(format!(
            "JobId {} is not a backup of Client \"{}\".",
            j.job_id, backup_client.name
        ));
    }
    // As bacula-dir's select_backups_before_date and jobid= checks, but
    // a job outside the JobACL refuses the restore instead of leaving
    // a partial selection.
    for j in &jobs {
        let name: String = ctx
            .director
            .catalog()
            .db()
            .query_row("SELECT Name FROM Job WHERE JobId = ?1", [j.job_id], |r| {
                r.get(0)
            })
            .map_err(|e| e.to_string())?;
        if !Acl::allows(&ctx.login.acl.jobs, &name) {
            return Err(format!(
                "Access to JobId={} (Job \"{name}\") not authorized. Nothing was restored.",
                j.job_id
            ));
        }
    }
    let ids: Vec<String> = jobs.iter().map(|j| j.job_id.to_string()).collect();
    let ids = ids.join(",");
    if !typed {
        out.line(format!(
            "You have selected the following JobId{}: {ids}",
            if jobs.len() == 1 { "" } else { "s" }
        ));
        out.line("");
        out.line(format!("Building directory tree for JobId(s) {ids} ...  "));
    }
    let named = chosen.is_some();
    let files = match chosen {
        Some(files) => files,
        None => ctx
            .director
            .catalog()
            .newest_files(&jobs)
            .map_err(|e| e.to_string())?,
    };
    let mut by_index: std::collections::HashMap<(i64, i64), String> = files
        .iter()
        .map(|f| ((f.job_id, f.file_index), f.full_name()))
        .collect();
    // A job whose files count but have no File record left (not one
    // whose files later jobs replaced).
    let pruned = !named
        && jobs.iter().any(|j| {
            j.files > 0
                && !ctx
                    .director
                    .catalog()
                    .has_file_records(j.job_id)
                    .unwrap_or(true)
        });
    let (mut files, in_tree) = match (named, pruned) {
        (true, _) => (files, false),
        (false, true) => (whole_jobs(ctx, out, &jobs, files)?, false),
        (false, false) => select(ctx, out, files)?,
    };
    if files.is_empty() {
        return Err("No files selected to be restored.".into());
    }
    // A hard link is restored by linking to the file it was saved with,
    // so that file comes too, as bacula-dir's tree marks it (ua_tree.c
    // set_extract); it is of the same job, one the console may use. A
    // restore browser choosing a directory whole sends no hardlink= for
    // a link whose file lies outside it.
    let chosen_ids: std::collections::HashSet<(i64, i64)> =
        files.iter().map(|f| (f.job_id, f.file_index)).collect();
    let mut masters: Vec<(i64, i64)> = files
        .iter()
        .filter(|f| f.link_fi > 0 && !chosen_ids.contains(&(f.job_id, f.link_fi)))
        .map(|f| (f.job_id, f.link_fi))
        .collect();
    masters.sort_unstable();
    masters.dedup();
    for (job_id, index) in masters {
        let record = ctx
            .director
            .catalog()
            .file_record(job_id, index)
            .map_err(|e| e.to_string())?;
        if let Some(m) = record {
            by_index.insert((job_id, index), m.full_name());
            files.push(m);
        }
    }
    files.sort_by_key(|f| (f.job_id, f.file_index));
    // Nothing is sent anywhere unless every file provably lands inside
    // the root and the console's WhereACL. The file daemon rewrites a
    // hard link's target name as it rewrites the link's own (lib/attr.c),
    // so the target's destination is checked too.
    let names: Vec<String> = files.iter().map(SourceFile::full_name).collect();
    let mut targets: Vec<Target<'_>> = files
        .iter()
        .zip(&names)
        .map(|(f, name)| Target {
            name,
            mtime: f.mtime,
            symlink: f.is_symlink(),
        })
        .collect();
    // A chosen file whose File record was purged since the table was
    // built is restored by its FileIndex, its name unknown: it lands
    // inside where= whatever it is, but where a RegexWhere puts it cannot
    // be told.
    if let Some(f) = files.iter().find(|f| f.path.is_empty()) {
        if placement.rewrites() {
            return Err(format!(
                "Restore refused: the File record of FileIndex {} of JobId {} is gone, so where the RegexWhere puts it cannot be checked. Nothing was restored.",
                f.file_index, f.job_id
            ));
        }
    }
    targets.iter_mut().for_each(|t| {
        if t.name.is_empty() {
            t.name = "/";
        }
    });
    for f in files.iter().filter(|f| f.link_fi > 0) {
        let name = by_index.get(&(f.job_id, f.link_fi)).ok_or_else(|| {
            format!(
                "Restore refused: the hard link \"{}\" links to FileIndex {} of JobId {}, which is not among the files to restore from, so where it points cannot be checked. Nothing was restored.",
                f.full_name(),
                f.link_fi,
                f.job_id
            )
        })?;
        targets.push(Target {
            name,
            mtime: f.mtime,
            symlink: false,
        });
    }
    if let Some(why) = placement.refuse(&targets, &ctx.login.acl.wheres) {
        return Err(format!("Restore refused: {why}. Nothing was restored."));
    }
    if !in_tree && !typed {
        inserted(out, &files, true);
    }
    let records = {
        let cat = ctx.director.catalog();
        crate::restore::bsr::build(&jobs, &files, &|id| cat.extents(id).unwrap_or_default())
    };
    let device = crate::peer::sd::device(storage);
    let bootstrap = crate::restore::bsr::lines(&records, &storage.name, &device);
    let volumes = crate::restore::bsr::volumes(&records);
    let bsr_path = ctx.director.next_restore_bsr_path();
    crate::files::write(
        &bsr_path,
        crate::files::Write::Replace,
        bootstrap.concat().as_bytes(),
    )
    .map_err(|e| format!("cannot write the bootstrap: {e}"))?;
    out.line(format!(
        "Bootstrap records written to {}",
        bsr_path.display()
    ));
    out.line("");
    out.line("The Job will require the following (*=>InChanger):");
    out.line("   Volume(s)                 Storage(s)                SD Device(s)");
    out.line("===========================================================================");
    out.line("   ");
    for v in &volumes {
        out.line(format!("    {v:<25} {:<25} {device:<25}", storage.name));
    }
    out.line("");
    out.line("Volumes marked with \"*\" are in the Autochanger.");
    out.line("");
    out.line("");
    out.line(format!(
        "{} file{} selected to be restored.",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
    out.line("");
    let mut edit = Edit {
        target,
        placement,
        where_: pick(0).map(str::to_string),
        regexwhere: pick(1).map(str::to_string),
        replace,
        req: RunRequest {
            job: job.name.clone(),
            ..RunRequest::default()
        },
    };
    if !ctx.args.has("yes") {
        // The run command bacula-dir hands the restore to says which
        // catalog it uses again.
        ctx.announce_catalog(out);
        loop {
            let shown = Shown {
                job,
                bootstrap: &bsr_path.display().to_string(),
                regexwhere: edit.regexwhere.as_deref(),
                where_: edit.where_.as_deref(),
                replace: crate::restore::replace_word(edit.replace),
                backup_client: &backup_client.name,
                restore_client: &edit.target.name,
                storage: &storage.name,
                when: edit.req.sched_time,
                priority: edit.req.priority,
            };
            summary(ctx, &cfg, &shown, out);
            let Some(answer) = ctx.ask(out, "OK to run? (yes/mod/no): ") else {
                return Err("Job not run.".into());
            };
            // As run_cmd reads it: any beginning of the word, empty is yes.
            let a = answer.trim().to_ascii_lowercase();
            if "yes".starts_with(&a) {
                break;
            } else if "no".starts_with(&a) {
                return Err("Job not run.".into());
            } else if "mod".starts_with(&a) {
                if !modify_restore(ctx, out, &cfg, &targets, &mut edit) {
                    return Err("Job not run.".into());
                }
            } else {
                // A blank line before as well, as bacula-dir prints it
                // after the restore's summary.
                out.line("");
                out.line(format!(
                    "Bad response: {}. You must answer yes, mod, or no.",
                    answer.trim()
                ));
                out.line("");
            }
        }
    }
    ctx.using_catalog(out);
    let spec = RestoreSpec {
        client: edit.target.name.clone(),
        storage: storage.name.clone(),
        source_ids: ids,
        files: files.len(),
        bootstrap,
        placement: edit.placement,
        replace: edit.replace,
    };
    let req = RunRequest {
        restore: Some(Arc::new(spec)),
        ..edit.req
    };
    let id = crate::job::start(ctx.director, &req)?;
    out.line(format!("Job queued. JobId={id}"));
    Ok(())
}

/// What `mod` at the restore's "OK to run?" may change.
struct Edit<'a> {
    target: &'a Resource,
    placement: Placement,
    where_: Option<String>,
    regexwhere: Option<String>,
    replace: char,
    /// The When and Priority chosen.
    req: RunRequest,
}

/// The restore's "Parameters to modify:" menu (ua_run.c
/// modify_job_parameters for JT_RESTORE), in bacula-dir's order. The
/// Restore Client, When, Priority, Where and Replace are changed; the
/// others, which would need the file selection or the bootstrap made
/// again, say so. A new Where is held to the console's WhereACL and to
/// every file's destination, as the first was. False when the console
/// gave up.
fn modify_restore<'a>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    cfg: &'a crate::config::Config,
    targets: &[Target<'_>],
    edit: &mut Edit<'a>,
) -> bool {
    const ITEMS: [&str; 13] = [
        "Level",
        "Storage",
        "Job",
        "FileSet",
        "Restore Client",
        "When",
        "Priority",
        "Bootstrap",
        "Where",
        "File Relocation",
        "Replace",
        "JobId",
        "Plugin Options",
    ];
    let Some(i) = super::select::choose(
        ctx,
        out,
        "Parameters to modify:",
        "parameter",
        "Select parameter to modify",
        &ITEMS,
    ) else {
        return false;
    };
    match ITEMS[i] {
        "Level" => out.line("Level not appropriate for this Job. Cannot be changed."),
        // Among the Clients the console's ClientACL allows.
        "Restore Client" => match super::select::resource(ctx, out, cfg, Kind::Client) {
            Some(c) => edit.target = c,
            None => return false,
        },
        "When" => return super::modify::when(ctx, out, &mut edit.req),
        "Priority" => return super::modify::priority(ctx, out, &mut edit.req),
        "Where" => {
            let Some(typed) = ctx.ask(
                out,
                "Please enter the full path prefix for restore (/ for none): ",
            ) else {
                return false;
            };
            let typed = typed.trim();
            let where_ = (typed != "/").then_some(typed);
            let placed = Placement::new(&PlaceArgs {
                where_,
                ..PlaceArgs::default()
            })
            .map_err(|e| e.to_string())
            .and_then(|p| match p.refuse(targets, &ctx.login.acl.wheres) {
                Some(why) => Err(why),
                None => Ok(p),
            });
            match placed {
                Ok(p) => {
                    edit.placement = p;
                    edit.where_ = where_.map(str::to_string);
                    edit.regexwhere = None;
                }
                Err(why) => out.line(format!("Where refused: {why}.")),
            }
        }
        "Replace" => {
            const WORDS: [&str; 4] = ["Always", "IfNewer", "IfOlder", "Never"];
            match super::select::choose(
                ctx,
                out,
                "Replace:",
                "replace option",
                "Select replace option",
                &WORDS,
            ) {
                Some(r) => {
                    edit.replace = crate::restore::replace_letter(WORDS[r]).unwrap_or('a');
                }
                None => return false,
            }
        }
        "Plugin Options" => return super::modify::plugin_options(ctx, out),
        other => out.line(format!(
            "{other}: not changed here; run restore again to choose another (the files and the bootstrap follow from it)."
        )),
    }
    true
}

/// What the restore summary shows.
struct Shown<'a> {
    job: &'a Resource,
    bootstrap: &'a str,
    regexwhere: Option<&'a str>,
    where_: Option<&'a str>,
    replace: &'a str,
    backup_client: &'a str,
    restore_client: &'a str,
    storage: &'a str,
    /// When and Priority changed by `mod`.
    when: Option<i64>,
    priority: Option<i64>,
}

/// The restore as bacula-dir shows it before "OK to run?" (ua_run.c
/// display_job_parameters, JT_RESTORE without a RestoreJobId): a
/// RegexWhere line instead of Where when there is one.
fn summary(ctx: &Ctx<'_, '_>, cfg: &crate::config::Config, s: &Shown<'_>, out: &mut Reply) {
    let catalog = cfg
        .all(Kind::Catalog)
        .find(|c| Acl::allows(&ctx.login.acl.catalogs, &c.name))
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let fileset = ctx
        .args
        .get("fileset")
        .map(str::to_string)
        .or_else(|| match s.job.get("FileSet") {
            Some(Value::ResList(l)) => l.first().map(|r| r.name.clone()),
            _ => s.job.str("FileSet").map(str::to_string),
        })
        .unwrap_or_default();
    let when = crate::clock::local(s.when.unwrap_or_else(crate::clock::now)).sql();
    out.line("Run Restore job");
    out.line(format!("JobName:         {}", s.job.name));
    out.line(format!("Bootstrap:       {}", s.bootstrap));
    match s.regexwhere {
        Some(r) => out.line(format!("RegexWhere:      {r}")),
        None => out.line(format!("Where:           {}", s.where_.unwrap_or(""))),
    }
    out.line(format!("Replace:         {}", s.replace));
    out.line(format!("FileSet:         {fileset}"));
    out.line(format!("Backup Client:   {}", s.backup_client));
    out.line(format!("Restore Client:  {}", s.restore_client));
    out.line(format!("Storage:         {}", s.storage));
    out.line(format!("When:            {when}"));
    out.line(format!("Catalog:         {catalog}"));
    out.line(format!(
        "Priority:        {}",
        s.priority.or(s.job.int("Priority")).unwrap_or(10)
    ));
    out.line("Plugin Options:  *None*");
}

/// The good backups `ids` name; one that is not refuses the restore.
fn backups(ctx: &Ctx<'_, '_>, ids: &[i64]) -> Result<Vec<SourceJob>, String> {
    let (found, missing) = ctx
        .director
        .catalog()
        .backup_jobs(ids)
        .map_err(|e| e.to_string())?;
    match missing.first() {
        Some(m) => Err(format!("No good backup job with JobId {m}.")),
        None => Ok(found),
    }
}

/// The backups a restore table's files come from. A job that is gone
/// refuses the whole restore, as bacula-dir's bsr building does
/// (ua_bvfs.c/ua_restore.c: "Unable to get Job record"): never a restore
/// of fewer files than were chosen.
pub fn table_jobs(
    db: &crate::catalog::Catalog,
    files: &[SourceFile],
) -> Result<Vec<SourceJob>, String> {
    let ids: Vec<i64> = files.iter().map(|f| f.job_id).collect();
    let (found, missing) = db.backup_jobs(&ids).map_err(|e| e.to_string())?;
    let Some(&m) = missing.first() else {
        return Ok(found);
    };
    let exists = db
        .db()
        .query_row("SELECT 1 FROM Job WHERE JobId = ?1", [m], |_| Ok(()))
        .is_ok();
    Err(match exists {
        true => format!("No good backup job with JobId {m}."),
        false => format!(
            "Unable to get Job record. ERR=No Job found for JobId {m}\nUnable to construct a valid BSR. Cannot continue."
        ),
    })
}
