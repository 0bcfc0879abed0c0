//! The catalog side of bvfs, the view of backups that restore browsers
//! (bat, Baculum, Bareos' web UI) read through the `.bvfs_*` commands:
//! the PathHierarchy table (each directory's parent) and PathVisibility
//! (which directories each job can show), filled as bacula-dir 9.6.7's
//! cats/bvfs.c fills them so that either Director reads the cache the
//! other built; the listings of directories, files and versions; and the
//! restore tables (`b2NNN`) a browser builds before it runs `restore
//! file=?b2NNN`.
//!
//! JobId lists reach SQL as one JSON array bound as a parameter
//! (`json_each`), never as text in the statement: a list of 100,000
//! JobIds is one parameter and cannot inject anything.

use std::collections::{HashMap, HashSet};

use super::file::Name;
use rusqlite::{params, OptionalExtension};

use super::{Catalog, CatalogError};

/// One line of a listing: a directory, a file, a version or a volume.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    pub path_id: i64,
    pub filename_id: i64,
    /// 0 for a directory no job saved a record of.
    pub file_id: i64,
    pub job_id: i64,
    /// None for a directory no job saved a record of.
    pub lstat: Option<String>,
    /// The directory's full path, or the file's name.
    pub name: String,
    pub md5: String,
    pub volume: String,
    pub in_changer: i64,
}

/// A catalog job as the console's ACLs see it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobNames {
    pub job_id: i64,
    pub name: String,
    pub client: String,
    pub fileset: String,
    pub pool: String,
}

/// What `.bvfs_restore` selects: files by FileId, directories by PathId
/// (with everything under them), hard links by (JobId, FileIndex).
#[derive(Debug, Default)]
pub struct Selection {
    pub file_ids: Vec<i64>,
    /// The jobs a file chosen by FileId may come from: any the console
    /// may see, not only the jobid= list (a browser's versions pane
    /// offers every version of the client's file).
    pub file_jobs: Vec<i64>,
    pub dir_ids: Vec<i64>,
    pub hardlinks: Vec<(i64, i64)>,
}

/// Whether `table` is a restore table's name as bacula-dir accepts it
/// (cats/bvfs.c check_temp): `b2` and digits.
pub fn is_restore_table(table: &str) -> bool {
    table.len() > 2 && table.starts_with("b2") && table[2..].bytes().all(|b| b.is_ascii_digit())
}

/// The parent of a directory, with its trailing `/`, as bacula-dir's
/// bvfs_parent_dir gives it: `/a/b/` → `/a/`, `/` → ``, `C:/` → ``.
pub fn parent_dir(path: &str) -> String {
    let b = path.as_bytes();
    if b.len() == 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        return String::new();
    }
    let mut v = b.to_vec();
    let last = v.len() as isize - 1;
    if last >= 0 && v[last as usize] == b'/' {
        v.truncate(last as usize);
    }
    if last > 0 {
        let mut i = last as usize;
        while i > 0 && v.get(i) != Some(&b'/') {
            i -= 1;
        }
        v.truncate(i + 1);
    }
    // Cut at an ASCII '/' or the first byte: the first character of a
    // name that is not ASCII is kept whole.
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => {
            let mut v = e.into_bytes();
            while std::str::from_utf8(&v).is_err() {
                v.push(b[v.len()]);
            }
            String::from_utf8(v).unwrap_or_default()
        }
    }
}

/// A directory's last component with its trailing `/`, as bacula-dir's
/// bvfs_basename_dir gives it: `/a/b/` → `b/`, `/` → `/`, `..` → `..`.
pub fn basename_dir(path: &str) -> &str {
    let b = path.as_bytes();
    if b.is_empty() {
        return path;
    }
    let mut len = b.len() as isize - 1;
    if b[len as usize] == b'/' {
        len -= 1;
    }
    if len > 0 {
        let mut i = len as usize;
        while i > 0 && b[i] != b'/' {
            i -= 1;
        }
        if b[i] == b'/' {
            i += 1;
        }
        return &path[i..];
    }
    path
}

/// The smallest string above every string that starts with `prefix`
/// (None when there is none: a prefix of only U+10FFFF).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, stepping over the surrogates.
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn json_ids(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", list.join(","))
}

/// The jobs of a JobId list, as SQL sees them.
const IN_JOBS: &str = "IN (SELECT value FROM json_each(?1))";

impl Catalog {
    /// The jobs of `ids` that exist, with the names the ACLs filter on,
    /// in JobId order.
    pub fn bvfs_job_names(&self, ids: &[i64]) -> Result<Vec<JobNames>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(&format!(
                "SELECT Job.JobId, Job.Name, COALESCE(Client.Name, ''), COALESCE(FileSet.FileSet, ''), COALESCE(Pool.Name, '')
                 FROM Job LEFT JOIN Client ON Client.ClientId = Job.ClientId
                 LEFT JOIN FileSet ON FileSet.FileSetId = Job.FileSetId LEFT JOIN Pool ON Pool.PoolId = Job.PoolId
                 WHERE Job.JobId {IN_JOBS} ORDER BY Job.JobId"
            ))
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![json_ids(ids)], |r| {
                Ok(JobNames {
                    job_id: r.get(0)?,
                    name: r.get(1)?,
                    client: r.get(2)?,
                    fileset: r.get(3)?,
                    pool: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The backups `.bvfs_update` without `jobid=` builds the cache for:
    /// good, failed or canceled backups that have none yet.
    pub fn bvfs_uncached_jobs(&self) -> Result<Vec<i64>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT JobId FROM Job WHERE HasCache = 0 AND Type IN ('B') AND JobStatus IN ('T', 'f', 'A') ORDER BY JobId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Forgets the visibility of jobs that are no longer in the catalog;
    /// how many rows went.
    pub fn bvfs_drop_gone_jobs(&self) -> Result<usize, CatalogError> {
        self.db()
            .execute(
                "DELETE FROM PathVisibility WHERE NOT EXISTS (SELECT 1 FROM Job WHERE JobId = PathVisibility.JobId)",
                [],
            )
            .map_err(|e| self.err(e))
    }

    /// Builds the PathHierarchy and PathVisibility rows of each job that
    /// has none yet (Job.HasCache = 0), one transaction a job; whether
    /// every job got its cache.
    pub fn bvfs_update(&self, job_ids: &[i64]) -> Result<bool, CatalogError> {
        // Directories whose parents are known, shared by the jobs.
        let mut linked: HashSet<i64> = HashSet::new();
        let mut all = true;
        for &id in job_ids {
            let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
            match self.bvfs_update_job(id, &mut linked) {
                Ok(true) => tx.commit().map_err(|e| self.err(e))?,
                Ok(false) => all = false,
                Err(e) => {
                    tracing::warn!("bvfs cache of JobId {id}: {e}");
                    all = false;
                }
            }
        }
        Ok(all)
    }

    /// One job's cache; false when the job does not exist or has not
    /// finished. A running job's File rows are not all in: marking its
    /// cache built would hide the rest for good. bacula-dir 9.6.7 builds
    /// it anyway when named by `jobid=` (bvfs.c update_path_hierarchy_cache
    /// checks HasCache only), a defect rdird does not copy.
    fn bvfs_update_job(&self, id: i64, linked: &mut HashSet<i64>) -> Result<bool, CatalogError> {
        let db = self.db();
        let e = |e| self.err(e);
        let has: Option<(i64, String)> = db
            .query_row(
                "SELECT HasCache, JobStatus FROM Job WHERE JobId = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(e)?;
        match has {
            None => return Ok(false),
            Some((1, _)) => return Ok(true),
            Some((_, status)) if !"TWfAEe".contains(status.as_str()) || status.len() != 1 => {
                return Ok(false)
            }
            Some(_) => {}
        }
        db.execute(
            // The job's directories from the (JobId, PathId, FilenameId)
            // index alone, then one saved file looked up in each.
            "INSERT OR IGNORE INTO PathVisibility (PathId, JobId)
             SELECT PathId, ?1 FROM (SELECT DISTINCT PathId FROM File WHERE JobId = ?1) AS D
             WHERE EXISTS (SELECT 1 FROM File WHERE JobId = ?1 AND PathId = D.PathId AND FileIndex > 0)
             UNION SELECT F.PathId, ?1 FROM BaseFiles JOIN File AS F USING (FileId) WHERE BaseFiles.JobId = ?1",
            [id],
        )
        .map_err(e)?;
        let unlinked: Vec<(i64, String)> = {
            let mut q = db
                .prepare_cached(
                    "SELECT PathVisibility.PathId, Path.Path FROM PathVisibility
                     JOIN Path ON Path.PathId = PathVisibility.PathId
                     LEFT JOIN PathHierarchy ON PathHierarchy.PathId = PathVisibility.PathId
                     WHERE PathVisibility.JobId = ?1 AND PathHierarchy.PathId IS NULL ORDER BY Path.Path",
                )
                .map_err(e)?;
            let rows = q
                .query_map([id], |r| Ok((r.get(0)?, r.get::<_, Name>(1)?.0)))
                .map_err(e)?;
            rows.collect::<Result<_, _>>().map_err(e)?
        };
        {
            let mut known = db
                .prepare_cached("SELECT 1 FROM PathHierarchy WHERE PathId = ?1")
                .map_err(e)?;
            let mut find = db
                .prepare_cached("SELECT PathId FROM Path WHERE Path = ?1")
                .map_err(e)?;
            let mut add_path = db
                .prepare_cached("INSERT INTO Path (Path) VALUES (?1)")
                .map_err(e)?;
            let mut link = db
                .prepare_cached("INSERT INTO PathHierarchy (PathId, PPathId) VALUES (?1, ?2)")
                .map_err(e)?;
            for (mut path_id, mut path) in unlinked {
                while !path.is_empty() && !linked.contains(&path_id) {
                    if known.exists([path_id]).map_err(e)? {
                        linked.insert(path_id);
                        break;
                    }
                    let parent = parent_dir(&path);
                    let parent_id: i64 = match find
                        .query_row([&parent], |r| r.get(0))
                        .optional()
                        .map_err(e)?
                    {
                        Some(p) => p,
                        None => {
                            add_path.execute([&parent]).map_err(e)?;
                            db.last_insert_rowid()
                        }
                    };
                    link.execute([path_id, parent_id]).map_err(e)?;
                    linked.insert(path_id);
                    path_id = parent_id;
                    path = parent;
                }
            }
        }
        // Every ancestor of a visible directory is visible: one walk up
        // from each, stopping at the first one already known.
        {
            let mut visible: HashSet<i64> = HashSet::new();
            let start: Vec<i64> = {
                let mut q = db
                    .prepare_cached("SELECT PathId FROM PathVisibility WHERE JobId = ?1")
                    .map_err(e)?;
                let rows = q.query_map([id], |r| r.get(0)).map_err(e)?;
                rows.collect::<Result<_, _>>().map_err(e)?
            };
            visible.extend(&start);
            let mut parent_of = db
                .prepare_cached("SELECT PPathId FROM PathHierarchy WHERE PathId = ?1")
                .map_err(e)?;
            let mut show = db
                .prepare_cached(
                    "INSERT OR IGNORE INTO PathVisibility (PathId, JobId) VALUES (?1, ?2)",
                )
                .map_err(e)?;
            for mut p in start {
                while let Some(pp) = parent_of
                    .query_row([p], |r| r.get::<_, i64>(0))
                    .optional()
                    .map_err(e)?
                {
                    if !visible.insert(pp) {
                        break;
                    }
                    show.execute([pp, id]).map_err(e)?;
                    p = pp;
                }
            }
        }
        db.execute("UPDATE Job SET HasCache = 1 WHERE JobId = ?1", [id])
            .map_err(e)?;
        Ok(true)
    }

    /// Empties the cache: every job is to be built again.
    pub fn bvfs_clear_cache(&self) -> Result<(), CatalogError> {
        self.db()
            .execute_batch(
                "BEGIN; UPDATE Job SET HasCache = 0; DELETE FROM PathHierarchy; DELETE FROM PathVisibility; COMMIT;",
            )
            .map_err(|e| self.err(e))
    }

    /// The PathId of `path` (`""` is the root above `/`).
    pub fn bvfs_path_id(&self, path: &str) -> Result<Option<i64>, CatalogError> {
        self.db()
            .prepare_cached("SELECT PathId FROM Path WHERE Path = ?1")
            .and_then(|mut q| q.query_row([path], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// The Filename row directories are saved under (the empty name).
    fn dir_filename_id(&self) -> Result<i64, CatalogError> {
        Ok(self
            .db()
            .prepare_cached("SELECT FilenameId FROM Filename WHERE Name = ''")
            .and_then(|mut q| q.query_row([], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?
            .unwrap_or(0))
    }

    /// Directories with the newest record of each among `jobs` (a
    /// directory saved by none keeps an empty one), in name order; one
    /// the newest job saw deleted (FileIndex 0) is left out.
    fn dirs_with_records(
        &self,
        jobs: &[i64],
        dirs: Vec<(i64, String)>,
    ) -> Result<Vec<Entry>, CatalogError> {
        let fnid = self.dir_filename_id()?;
        let mut q = self
            .db()
            .prepare_cached(&format!(
                "SELECT File.FileId, File.JobId, File.LStat, File.FileIndex FROM File JOIN Job ON Job.JobId = File.JobId
                 WHERE File.JobId {IN_JOBS} AND File.PathId = ?2 AND File.FilenameId = ?3
                 ORDER BY Job.JobTDate DESC LIMIT 1"
            ))
            .map_err(|e| self.err(e))?;
        let ids = json_ids(jobs);
        let mut out = Vec::new();
        for (path_id, name) in dirs {
            let newest: Option<(i64, i64, String, i64)> = q
                .query_row(params![ids, path_id, fnid], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
                .map_err(|e| self.err(e))?;
            let mut entry = Entry {
                path_id,
                name,
                ..Entry::default()
            };
            if let Some((file_id, job_id, lstat, index)) = newest {
                if index == 0 && file_id != 0 {
                    continue;
                }
                entry.file_id = file_id;
                entry.job_id = job_id;
                entry.lstat = Some(lstat);
            }
            out.push(entry);
        }
        Ok(out)
    }

    /// `.` and `..` of directory `pwd`, as `.bvfs_lsdirs` lists them first.
    pub fn bvfs_special_dirs(&self, jobs: &[i64], pwd: i64) -> Result<Vec<Entry>, CatalogError> {
        let up: Option<i64> = self
            .db()
            .prepare_cached(&format!(
                "SELECT PathHierarchy.PPathId FROM PathHierarchy JOIN PathVisibility ON PathVisibility.PathId = PathHierarchy.PathId
                 WHERE PathHierarchy.PathId = ?2 AND PathVisibility.JobId {IN_JOBS} LIMIT 1"
            ))
            .and_then(|mut q| q.query_row(params![json_ids(jobs), pwd], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        let mut dirs = vec![(pwd, ".".to_string())];
        dirs.extend(up.map(|p| (p, "..".to_string())));
        self.dirs_with_records(jobs, dirs)
    }

    /// The subdirectories of `pwd` visible in `jobs` (whose full path is
    /// LIKE `pattern`, when given), in name order, `limit` from `offset`.
    pub fn bvfs_dirs(
        &self,
        jobs: &[i64],
        pwd: i64,
        pattern: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Entry>, CatalogError> {
        let dirs: Vec<(i64, String)> = {
            let mut q = self
                .db()
                .prepare_cached(&format!(
                    "SELECT DISTINCT PathHierarchy.PathId, Path.Path FROM PathHierarchy
                     JOIN PathVisibility ON PathVisibility.PathId = PathHierarchy.PathId
                     JOIN Path ON Path.PathId = PathHierarchy.PathId
                     WHERE PathHierarchy.PPathId = ?2 AND PathVisibility.JobId {IN_JOBS}
                       AND (?3 IS NULL OR Path.Path LIKE ?3)
                     ORDER BY Path.Path LIMIT ?4 OFFSET ?5"
                ))
                .map_err(|e| self.err(e))?;
            let rows = q
                .query_map(params![json_ids(jobs), pwd, pattern, limit, offset], |r| {
                    Ok((r.get(0)?, r.get::<_, Name>(1)?.0))
                })
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        self.dirs_with_records(jobs, dirs)
    }

    /// The files of directory `pwd`: the newest version of each among
    /// `jobs`, unless that version records its deletion; those whose name
    /// is LIKE `pattern` or is `filename`, when given; in FilenameId
    /// order, `limit` from `offset`.
    pub fn bvfs_files(
        &self,
        jobs: &[i64],
        pwd: i64,
        name: (Option<&str>, Option<&str>),
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Entry>, CatalogError> {
        let (pattern, filename) = name;
        let mut q = self
            .db()
            .prepare_cached(&format!(
                "SELECT PathId, FilenameId, Name, JobId, LStat, FileId FROM (
                   SELECT File.PathId, File.FilenameId, Filename.Name, File.JobId, File.LStat, File.FileId,
                          File.FileIndex, MAX(Job.JobTDate)
                   FROM File JOIN Job ON Job.JobId = File.JobId JOIN Filename ON Filename.FilenameId = File.FilenameId
                   WHERE File.JobId {IN_JOBS} AND File.PathId = ?2 GROUP BY File.FilenameId)
                 WHERE FileIndex > 0 AND Name != '' AND (?3 IS NULL OR Name LIKE ?3) AND (?4 IS NULL OR Name = ?4)
                 ORDER BY FilenameId LIMIT ?5 OFFSET ?6"
            ))
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(
                params![json_ids(jobs), pwd, pattern, filename, limit, offset],
                |r| {
                    Ok(Entry {
                        path_id: r.get(0)?,
                        filename_id: r.get(1)?,
                        name: r.get::<_, Name>(2)?.0,
                        job_id: r.get(3)?,
                        lstat: Some(r.get(4)?),
                        file_id: r.get(5)?,
                        ..Entry::default()
                    })
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every saved version of one file by the backups (and copies, when
    /// asked) of `clients`, with the volume each lies on, in FileId order.
    pub fn bvfs_versions(
        &self,
        path_id: i64,
        filename_id: i64,
        clients: &[String],
        copies: bool,
    ) -> Result<Vec<Entry>, CatalogError> {
        let names = serde_json::to_string(clients).unwrap_or_else(|_| "[]".into());
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT File.PathId, File.FilenameId, File.JobId, File.LStat, File.FileId, File.MD5,
                        Media.VolumeName, Media.InChanger
                 FROM File JOIN Job ON Job.JobId = File.JobId JOIN Client ON Client.ClientId = Job.ClientId
                 JOIN JobMedia ON JobMedia.JobId = Job.JobId JOIN Media ON Media.MediaId = JobMedia.MediaId
                 WHERE File.FilenameId = ?1 AND File.PathId = ?2
                   AND File.FileIndex >= JobMedia.FirstIndex AND File.FileIndex <= JobMedia.LastIndex
                   AND Client.Name IN (SELECT value FROM json_each(?3))
                   AND (Job.Type = 'B' OR (?4 AND Job.Type = 'C'))
                 ORDER BY File.FileId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![filename_id, path_id, names, copies], |r| {
                Ok(Entry {
                    path_id: r.get(0)?,
                    filename_id: r.get(1)?,
                    job_id: r.get(2)?,
                    lstat: Some(r.get(3)?),
                    file_id: r.get(4)?,
                    md5: r.get(5)?,
                    volume: r.get(6)?,
                    in_changer: r.get(7)?,
                    ..Entry::default()
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The jobs the file records `file_ids` belong to, each once.
    pub fn bvfs_file_jobs(&self, file_ids: &[i64]) -> Result<Vec<i64>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT DISTINCT JobId FROM File WHERE FileId IN (SELECT value FROM json_each(?1)) ORDER BY JobId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([json_ids(file_ids)], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The JobId of a file record.
    pub fn bvfs_file_job(&self, file_id: i64) -> Result<Option<i64>, CatalogError> {
        self.db()
            .query_row("SELECT JobId FROM File WHERE FileId = ?1", [file_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The volumes a file record's data lies on, with InChanger.
    pub fn bvfs_volumes(
        &self,
        file_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(String, i64)>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT DISTINCT Media.VolumeName, Media.InChanger FROM File JOIN JobMedia ON JobMedia.JobId = File.JobId
                 JOIN Media ON Media.MediaId = JobMedia.MediaId
                 WHERE File.FileId = ?1 AND File.FileIndex >= JobMedia.FirstIndex AND File.FileIndex <= JobMedia.LastIndex
                 LIMIT ?2 OFFSET ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![file_id, limit, offset], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The backups a restore as of job `job_id` reads, as bacula-dir's
    /// db_get_accurate_jobids chooses them: the client's last good Full of
    /// the same FileSet name started before it (to the second after its
    /// start), the last Differential after that Full ended, and the
    /// Incrementals after those; in JobTDate order. With `fileset_id`,
    /// that FileSet instead of the job's.
    pub fn accurate_jobids(
        &self,
        job_id: i64,
        fileset_id: Option<i64>,
    ) -> Result<Vec<i64>, CatalogError> {
        let e = |e| self.err(e);
        let Some((client, fileset, start)): Option<(i64, i64, String)> = self
            .db()
            .query_row(
                "SELECT ClientId, FileSetId, datetime(COALESCE(NULLIF(StartTime, 0), datetime('now', 'localtime')), '+1 second') FROM Job WHERE JobId = ?1",
                [job_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(e)?
        else {
            return Ok(Vec::new());
        };
        let fileset = fileset_id.unwrap_or(fileset);
        let pick = |level: &str,
                    after: &str,
                    one: bool|
         -> Result<Vec<(i64, i64, String)>, CatalogError> {
            let mut q = self
                .db()
                .prepare_cached(
                    "SELECT JobId, JobTDate, COALESCE(EndTime, '') FROM Job JOIN FileSet ON FileSet.FileSetId = Job.FileSetId
                     WHERE ClientId = ?1 AND Level = ?2 AND JobStatus IN ('T', 'W') AND Type = 'B'
                       AND StartTime > ?3 AND StartTime < ?4
                       AND FileSet.FileSet = (SELECT FileSet FROM FileSet WHERE FileSetId = ?5)
                     ORDER BY Job.JobTDate DESC LIMIT ?6",
                )
                .map_err(e)?;
            let rows = q
                .query_map(
                    params![
                        client,
                        level,
                        after,
                        start,
                        fileset,
                        if one { 1 } else { -1 }
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .map_err(e)?;
            rows.collect::<Result<_, _>>().map_err(e)
        };
        let mut jobs = pick("F", "", true)?;
        let Some(full_end) = jobs.first().map(|j| j.2.clone()) else {
            return Ok(Vec::new());
        };
        jobs.extend(pick("D", &full_end, true)?);
        let last_end = jobs.iter().map(|j| j.2.clone()).max().unwrap_or_default();
        jobs.extend(pick("I", &last_end, false)?);
        jobs.sort_by_key(|j| j.1);
        Ok(jobs.into_iter().map(|j| j.0).collect())
    }

    /// The newest FileSetId of each FileSet name a client's jobs used.
    pub fn client_fileset_ids(&self, client_id: i64) -> Result<Vec<i64>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT MAX(FileSet.FileSetId) FROM FileSet JOIN Job ON Job.FileSetId = FileSet.FileSetId
                 WHERE Job.ClientId = ?1 GROUP BY FileSet.FileSet",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([client_id], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Builds restore table `table` (JobId, FileIndex, FileId), in place of
    /// any of that name: the newest version, among `jobs`, of each file
    /// the selection names; FileIds of the `file_jobs` only (bacula-dir
    /// 9.6.7 takes the FileIds and hard links of any job, whatever the
    /// console's ACLs).
    pub fn bvfs_restore_table(
        &self,
        table: &str,
        jobs: &[i64],
        sel: &Selection,
    ) -> Result<(), CatalogError> {
        assert!(is_restore_table(table), "checked by the caller");
        let e = |e| self.err(e);
        let db = self.db();
        let tmp = format!("btemp{table}");
        let tx = db.unchecked_transaction().map_err(e)?;
        db.execute_batch(&format!(
            "DROP TABLE IF EXISTS {tmp}; DROP TABLE IF EXISTS {table};
             CREATE TABLE {tmp} (JobId INTEGER, JobTDate BIGINT, FileIndex INTEGER, FilenameId INTEGER, PathId INTEGER, FileId INTEGER);"
        ))
        .map_err(e)?;
        let ids = json_ids(jobs);
        let columns =
            "Job.JobId, Job.JobTDate, File.FileIndex, File.FilenameId, File.PathId, File.FileId";
        db.execute(
            &format!(
                "INSERT INTO {tmp} SELECT {columns} FROM File JOIN Job ON Job.JobId = File.JobId
                 WHERE File.FileId IN (SELECT value FROM json_each(?1))
                   AND File.JobId IN (SELECT value FROM json_each(?2))"
            ),
            params![json_ids(&sel.file_ids), json_ids(&sel.file_jobs)],
        )
        .map_err(e)?;
        {
            // Everything under the directory: its path as a prefix, found
            // by a range of the Path index (no LIKE, so no escaping). The
            // range ends at the prefix with its last character raised by
            // one: no character can serve as a "highest" bound, since raw
            // bytes are stored as the highest code points (0xFF is
            // U+10FFFF).
            let mut under = db
                .prepare(&format!(
                    "INSERT INTO {tmp} SELECT {columns} FROM Path JOIN File ON File.PathId = Path.PathId
                     JOIN Job ON Job.JobId = File.JobId
                     WHERE Path.Path >= ?2 AND (?3 IS NULL OR Path.Path < ?3) AND File.JobId {IN_JOBS}"
                ))
                .map_err(e)?;
            for &dir in &sel.dir_ids {
                // As bvfs.c compute_restore_list: a PathId that names no
                // directory (or the empty root) fails the whole list.
                let path = db
                    .query_row("SELECT Path FROM Path WHERE PathId = ?1", [dir], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()
                    .map_err(e)?
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| CatalogError {
                        db: self.path().to_path_buf(),
                        message: format!("no directory has PathId {dir}"),
                    })?;
                under
                    .execute(params![ids, path, prefix_end(&path)])
                    .map_err(e)?;
            }
            let mut link = db
                .prepare(&format!(
                    "INSERT INTO {tmp} SELECT {columns} FROM File JOIN Job ON Job.JobId = File.JobId
                     WHERE File.JobId = ?2 AND File.FileIndex = ?3 AND File.JobId {IN_JOBS}"
                ))
                .map_err(e)?;
            for &(job, index) in &sel.hardlinks {
                link.execute(params![ids, job, index]).map_err(e)?;
            }
        }
        db.execute_batch(&format!(
            "CREATE TABLE {table} AS
             SELECT File.JobId, File.FileIndex, File.FileId FROM Job, File,
               (SELECT MAX(JobTDate) AS JobTDate, PathId, FilenameId FROM {tmp} GROUP BY PathId, FilenameId) AS T1
             WHERE T1.JobTDate = Job.JobTDate AND Job.JobId = File.JobId AND T1.PathId = File.PathId
               AND T1.FilenameId = File.FilenameId AND File.FileIndex > 0
               AND Job.JobId IN (SELECT DISTINCT JobId FROM {tmp});
             DROP TABLE {tmp};"
        ))
        .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Drops restore table `table`, if it is one.
    pub fn bvfs_drop_table(&self, table: &str) -> Result<(), CatalogError> {
        if !is_restore_table(table) {
            return Ok(());
        }
        self.db()
            .execute_batch(&format!("DROP TABLE IF EXISTS {table}"))
            .map_err(|e| self.err(e))
    }

    /// The files restore table `table` names, in JobId and FileIndex
    /// order; None when there is no such table. JobId and FileIndex come
    /// from the table, as bacula-dir reads them: a row whose File record
    /// has gone since (`purge files`) is still restored, with an empty
    /// path and name.
    pub fn restore_table_files(
        &self,
        table: &str,
    ) -> Result<Option<Vec<super::SourceFile>>, CatalogError> {
        if !is_restore_table(table) {
            return Ok(None);
        }
        let exists = self
            .db()
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .is_some();
        if !exists {
            return Ok(None);
        }
        let mut q = self
            .db()
            .prepare(&format!(
                "SELECT T.JobId, T.FileIndex, COALESCE(Path.Path, ''), COALESCE(Filename.Name, ''),
                   COALESCE(File.LStat, '') FROM {table} AS T
                 LEFT JOIN File ON File.FileId = T.FileId LEFT JOIN Path ON Path.PathId = File.PathId
                 LEFT JOIN Filename ON Filename.FilenameId = File.FilenameId
                 ORDER BY T.JobId, T.FileIndex"
            ))
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([], |r| {
                Ok(super::SourceFile::new(
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, Name>(2)?.0,
                    r.get::<_, Name>(3)?.0,
                    &r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut files: Vec<super::SourceFile> =
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        files.dedup_by_key(|f| (f.job_id, f.file_index));
        Ok(Some(files))
    }

    /// The parts of a file saved in pieces (DeltaSeq > 0, by plugins):
    /// the newest record of each piece among the backups a restore of the
    /// file's job reads, in DeltaSeq order. Empty for a whole file.
    pub fn bvfs_delta(&self, file_id: i64) -> Result<Vec<(Entry, i64, i64)>, CatalogError> {
        let e = |e| self.err(e);
        let Some((job, path_id, filename_id)): Option<(i64, i64, i64)> = self
            .db()
            .query_row(
                "SELECT JobId, PathId, FilenameId FROM File WHERE FileId = ?1 AND DeltaSeq > 0",
                [file_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(e)?
        else {
            return Ok(Vec::new());
        };
        let jobs = self.accurate_jobids(job, None)?;
        let mut q = self
            .db()
            .prepare_cached(&format!(
                "SELECT File.PathId, File.JobId, File.LStat, File.FileId, File.DeltaSeq, MAX(Job.JobTDate)
                 FROM File JOIN Job ON Job.JobId = File.JobId
                 WHERE File.JobId {IN_JOBS} AND File.PathId = ?2 AND File.FilenameId = ?3
                 GROUP BY File.DeltaSeq ORDER BY File.DeltaSeq"
            ))
            .map_err(e)?;
        let rows = q
            .query_map(params![json_ids(&jobs), path_id, filename_id], |r| {
                Ok((
                    Entry {
                        path_id: r.get(0)?,
                        job_id: r.get(1)?,
                        lstat: Some(r.get(2)?),
                        file_id: r.get(3)?,
                        ..Entry::default()
                    },
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .map_err(e)?;
        rows.collect::<Result<_, _>>().map_err(e)
    }

    /// File counts and sizes of each directory of each job, its
    /// subdirectories included, in PathVisibility's Files and Size.
    pub fn bvfs_update_sizes(&self, job_ids: &[i64]) -> Result<(), CatalogError> {
        let e = |e| self.err(e);
        let db = self.db();
        for &id in job_ids {
            let tx = db.unchecked_transaction().map_err(e)?;
            let mut own: HashMap<i64, (i64, i64)> = HashMap::new();
            {
                let mut q = db
                    .prepare_cached("SELECT PathId, LStat FROM File WHERE JobId = ?1")
                    .map_err(e)?;
                let mut rows = q.query([id]).map_err(e)?;
                while let Some(r) = rows.next().map_err(e)? {
                    let lstat: String = r.get(1).map_err(e)?;
                    let size = lstat
                        .split_whitespace()
                        .nth(7)
                        .map(crate::bnet::base64::decode_int)
                        .unwrap_or(0);
                    let t = own.entry(r.get(0).map_err(e)?).or_default();
                    t.0 += size;
                    t.1 += 1;
                }
            }
            let visible: Vec<(i64, Option<i64>)> = {
                let mut q = db
                    .prepare_cached(
                        "SELECT PathVisibility.PathId, PathHierarchy.PPathId FROM PathVisibility
                         LEFT JOIN PathHierarchy ON PathHierarchy.PathId = PathVisibility.PathId
                         WHERE PathVisibility.JobId = ?1",
                    )
                    .map_err(e)?;
                let rows = q
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(e)?;
                rows.collect::<Result<_, _>>().map_err(e)?
            };
            let parents: HashMap<i64, i64> = visible
                .iter()
                .filter_map(|(p, pp)| pp.map(|pp| (*p, pp)))
                .collect();
            let mut total: HashMap<i64, (i64, i64)> = HashMap::new();
            for (p, _) in &visible {
                let mine = own.get(p).copied().unwrap_or_default();
                let mut at = Some(*p);
                let mut seen = 0;
                // Add this directory's own figures to it and every
                // visible ancestor (the depth bound guards against a
                // PathHierarchy that loops).
                while let Some(d) = at {
                    let t = total.entry(d).or_default();
                    t.0 += mine.0;
                    t.1 += mine.1;
                    seen += 1;
                    at = parents.get(&d).copied().filter(|_| seen < 4096);
                }
            }
            let mut set = db
                .prepare_cached(
                    "UPDATE PathVisibility SET Size = ?3, Files = ?4 WHERE JobId = ?1 AND PathId = ?2",
                )
                .map_err(e)?;
            for (p, (size, files)) in total {
                set.execute(params![id, p, size, files]).map_err(e)?;
            }
            tx.commit().map_err(e)?;
        }
        Ok(())
    }

    /// `.bvfs_get_jobs`: a client's good backups, newest first.
    pub fn bvfs_client_jobs(
        &self,
        client: &str,
        filter: &JobFilter,
    ) -> Result<Vec<ClientJob>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT Job.JobId, Job.JobTDate, Job.HasCache, Job.Job, Job.Name
                 FROM Job JOIN Client ON Client.ClientId = Job.ClientId JOIN FileSet ON FileSet.FileSetId = Job.FileSetId
                 WHERE Client.Name IN (SELECT value FROM json_each(?1)) AND Job.Type = 'B' AND Job.JobStatus IN ('T', 'W')
                   AND (?2 IS NULL OR Job.Job LIKE ?2) AND (?3 IS NULL OR FileSet.FileSet LIKE ?3)
                   AND (?4 IS NULL OR Job.JobId = ?4) AND (?5 IS NULL OR Job.Job = ?5)
                   AND (?6 IS NULL OR Job.StartTime >= ?6) AND (?7 IS NULL OR Job.EndTime <= ?7)
                 ORDER BY Job.JobTDate DESC",
            )
            .map_err(|e| self.err(e))?;
        let clients = serde_json::to_string(&[client]).unwrap_or_default();
        let f = filter;
        let rows = q
            .query_map(
                params![
                    clients,
                    f.job_like,
                    f.fileset_like,
                    f.job_id,
                    f.job,
                    f.start,
                    f.end
                ],
                |r| {
                    Ok(ClientJob {
                        job_id: r.get(0)?,
                        tdate: r.get(1)?,
                        has_cache: r.get(2)?,
                        job: r.get(3)?,
                        name: r.get(4)?,
                    })
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// `.bvfs_get_jobids client=…`: the good backups of the clients,
    /// oldest first.
    pub fn bvfs_clients_jobids(
        &self,
        clients: &[String],
        filter: &JobFilter,
    ) -> Result<Vec<i64>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT Job.JobId FROM Job JOIN Client ON Client.ClientId = Job.ClientId
                 LEFT JOIN FileSet ON FileSet.FileSetId = Job.FileSetId
                 WHERE Client.Name IN (SELECT value FROM json_each(?1)) AND Job.Type = 'B' AND Job.JobStatus IN ('T', 'W')
                   AND (?2 IS NULL OR Job.Job LIKE ?2) AND (?3 IS NULL OR FileSet.FileSet LIKE ?3)
                   AND (?4 IS NULL OR Job.JobId = ?4) AND (?5 IS NULL OR Job.Job = ?5)
                   AND (?6 IS NULL OR Job.StartTime >= ?6) AND (?7 IS NULL OR Job.EndTime <= ?7)
                 ORDER BY Job.JobTDate ASC",
            )
            .map_err(|e| self.err(e))?;
        let names = serde_json::to_string(clients).unwrap_or_default();
        let f = filter;
        let rows = q
            .query_map(
                params![
                    names,
                    f.job_like,
                    f.fileset_like,
                    f.job_id,
                    f.job,
                    f.start,
                    f.end
                ],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

/// A backup as `.bvfs_get_jobs` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientJob {
    pub job_id: i64,
    pub tdate: i64,
    pub has_cache: i64,
    /// The unique name (`Backup.2026-12-01_10.00.00_03`).
    pub job: String,
    /// The Job resource's name.
    pub name: String,
}

/// The filters `.bvfs_get_jobs` and `.bvfs_get_jobids client=` take
/// (bacula-dir's bvfs_get_filter); the globs are already LIKE patterns.
#[derive(Debug, Default)]
pub struct JobFilter {
    pub job_like: Option<String>,
    pub fileset_like: Option<String>,
    pub job_id: Option<String>,
    pub job: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_basenames_as_bacula_computes_them() {
        assert_eq!(parent_dir("/srv/data/"), "/srv/");
        assert_eq!(parent_dir("/srv/"), "/");
        assert_eq!(parent_dir("/"), "");
        assert_eq!(parent_dir("C:/"), "");
        assert_eq!(parent_dir("C:/Users/"), "C:/");
        assert_eq!(basename_dir("/srv/data/"), "data/");
        assert_eq!(basename_dir("/"), "/");
        assert_eq!(basename_dir(".."), "..");
        assert_eq!(basename_dir("."), ".");
        assert_eq!(basename_dir("/a b/\u{10FFE9}t/"), "\u{10FFE9}t/");
    }

    #[test]
    fn only_b2_and_digits_name_a_restore_table() {
        assert!(is_restore_table("b2123"));
        assert!(!is_restore_table("b2"));
        assert!(!is_restore_table("b21x"));
        assert!(!is_restore_table("Job"));
        assert!(!is_restore_table("b21; DROP TABLE Job"));
    }

    #[test]
    fn a_directory_s_range_ends_above_every_name_under_it() {
        assert_eq!(prefix_end("/data/").as_deref(), Some("/data0"));
        let top = "/data/\u{10FFFF}start/";
        assert!(top > "/data/" && top < prefix_end("/data/").unwrap().as_str());
        assert_eq!(prefix_end("/a\u{10FFFF}").as_deref(), Some("/b"));
        assert_eq!(prefix_end("/\u{D7FF}").as_deref(), Some("/\u{E000}"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }
}
