//! What a restore reads from the catalog: the backups to restore from
//! (chosen by JobId or as a client's most recent Full, Differential and
//! Incrementals), the newest version of each file among them, and where
//! each job's data lies on its volumes.

use super::file::Name;
use rusqlite::{params, OptionalExtension};

use super::{Catalog, CatalogError};

/// A backup job a restore reads from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceJob {
    pub job_id: i64,
    pub level: String,
    pub files: i64,
    pub bytes: i64,
    pub start: String,
    pub client_id: i64,
    pub vol_session_id: i64,
    pub vol_session_time: i64,
}

/// One file to restore: the newest version among the source jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    pub job_id: i64,
    pub file_index: i64,
    /// The directory, ending in `/`.
    pub path: String,
    /// The name in it; empty for the directory itself.
    pub name: String,
    /// Its size in bytes, from the encoded stat.
    pub size: i64,
    /// Its st_mode, from the encoded stat.
    pub mode: u32,
    /// Its st_mtime, from the encoded stat.
    pub mtime: i64,
    /// Its st_ctime, st_nlink, st_uid and st_gid (what the restore
    /// tree's `dir` shows).
    pub ctime: i64,
    pub nlink: i64,
    pub uid: u32,
    pub gid: u32,
    /// For a hard link saved as a link: the FileIndex, in the same job,
    /// of the file it links to (0 otherwise).
    pub link_fi: i64,
}

impl SourceFile {
    /// A file record with what its encoded stat says.
    pub fn new(job_id: i64, file_index: i64, path: String, name: String, lstat: &str) -> Self {
        // Bacula's encode_stat order: mode is the 3rd field, nlink,
        // uid and gid the 4th to 6th, size the 8th, mtime and ctime the
        // 12th and 13th, LinkFI the 14th.
        let field = |n: usize| {
            lstat
                .split_whitespace()
                .nth(n)
                .map(crate::bnet::base64::decode_int)
                .unwrap_or(0)
        };
        SourceFile {
            job_id,
            file_index,
            path,
            name,
            size: field(7),
            mode: field(2) as u32,
            mtime: field(11),
            ctime: field(12),
            nlink: field(3),
            uid: field(4) as u32,
            gid: field(5) as u32,
            link_fi: field(13),
        }
    }

    /// The full name as it was backed up.
    pub fn full_name(&self) -> String {
        format!("{}{}", self.path, self.name)
    }

    /// Whether it was backed up as a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFLNK
    }
}

/// Where part of a job's data lies on a volume (a JobMedia row).
#[derive(Debug, Clone, PartialEq)]
pub struct Extent {
    pub volume: String,
    pub media_type: String,
    pub first_index: i64,
    pub last_index: i64,
    pub start_addr: u64,
    pub end_addr: u64,
}

const JOB_COLUMNS: &str = "JobId, Level, JobFiles, JobBytes, COALESCE(StartTime, ''), COALESCE(ClientId, 0), VolSessionId, VolSessionTime";

fn source_job(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceJob> {
    Ok(SourceJob {
        job_id: r.get(0)?,
        level: r.get(1)?,
        files: r.get(2)?,
        bytes: r.get(3)?,
        start: r.get(4)?,
        client_id: r.get(5)?,
        vol_session_id: r.get(6)?,
        vol_session_time: r.get(7)?,
    })
}

impl Catalog {
    /// A restore's figures at its end.
    pub fn restore_totals(
        &self,
        job_id: i64,
        files: i64,
        bytes: i64,
        errors: i64,
    ) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET JobFiles = ?2, JobBytes = ?3, JobErrors = ?4 WHERE JobId = ?1",
                params![job_id, files, bytes, errors],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Good backup jobs by JobId, in JobId order; the JobIds that are not.
    pub fn backup_jobs(&self, ids: &[i64]) -> Result<(Vec<SourceJob>, Vec<i64>), CatalogError> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut q = self
            .db()
            .prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM Job WHERE JobId = ?1 AND Type = 'B' AND JobStatus IN ('T', 'W')"
            ))
            .map_err(|e| self.err(e))?;
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let mut rows = q
                .query_map(params![id], source_job)
                .map_err(|e| self.err(e))?;
            match rows.next() {
                Some(j) => found.push(j.map_err(|e| self.err(e))?),
                None => missing.push(id),
            }
        }
        Ok((found, missing))
    }

    /// A client's most recent backup (of `fileset` when given) that
    /// started before `before` (SQL time, when given): its last Full, the
    /// last Differential after it, and the Incrementals after those.
    pub fn current_backup(
        &self,
        client: &str,
        fileset: Option<&str>,
        before: Option<&str>,
    ) -> Result<Vec<SourceJob>, CatalogError> {
        let before = before.unwrap_or("9999-12-31 23:59:59");
        let pick = |levels: &str, after: &str| -> Result<Vec<SourceJob>, CatalogError> {
            let mut q = self
                .db()
                .prepare_cached(&format!(
                    "SELECT {JOB_COLUMNS} FROM Job
                     WHERE Type = 'B' AND JobStatus IN ('T', 'W') AND instr(?1, Level) > 0
                       AND ClientId = (SELECT ClientId FROM Client WHERE Name = ?2)
                       AND (?3 IS NULL OR FileSetId IN (SELECT FileSetId FROM FileSet WHERE FileSet = ?3))
                       AND StartTime < ?4 AND StartTime > ?5
                     ORDER BY StartTime, JobId"
                ))
                .map_err(|e| self.err(e))?;
            let rows = q
                .query_map(params![levels, client, fileset, before, after], source_job)
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
        };
        let Some(full) = pick("F", "")?.pop() else {
            return Ok(Vec::new());
        };
        let mut jobs = vec![full];
        if let Some(diff) = pick("D", &jobs[0].start)?.pop() {
            jobs.push(diff);
        }
        let since = jobs.last().map(|j| j.start.clone()).unwrap_or_default();
        jobs.extend(pick("I", &since)?);
        Ok(jobs)
    }

    /// The newest version of each file among `jobs` (later jobs win), in
    /// path and name order.
    pub fn newest_files(&self, jobs: &[SourceJob]) -> Result<Vec<SourceFile>, CatalogError> {
        let mut newest: std::collections::BTreeMap<(String, String), SourceFile> =
            std::collections::BTreeMap::new();
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT File.FileIndex, Path.Path, Filename.Name, File.LStat FROM File
                 JOIN Path ON Path.PathId = File.PathId JOIN Filename ON Filename.FilenameId = File.FilenameId
                 WHERE File.JobId = ?1 AND File.FileIndex > 0",
            )
            .map_err(|e| self.err(e))?;
        for job in jobs {
            let rows = q
                .query_map(params![job.job_id], |r| {
                    Ok(SourceFile::new(
                        job.job_id,
                        r.get(0)?,
                        r.get::<_, Name>(1)?.0,
                        r.get::<_, Name>(2)?.0,
                        &r.get::<_, String>(3)?,
                    ))
                })
                .map_err(|e| self.err(e))?;
            for f in rows {
                let f = f.map_err(|e| self.err(e))?;
                newest.insert((f.path.clone(), f.name.clone()), f);
            }
        }
        Ok(newest.into_values().collect())
    }

    /// Whether job `job_id` still has File records (retention prunes
    /// them before the job).
    pub fn has_file_records(&self, job_id: i64) -> Result<bool, CatalogError> {
        self.db()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM File WHERE JobId = ?1)",
                [job_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// The saved file at `file_index` of job `job_id`, if its record is
    /// there.
    pub fn file_record(
        &self,
        job_id: i64,
        file_index: i64,
    ) -> Result<Option<SourceFile>, CatalogError> {
        self.db()
            .query_row(
                "SELECT Path.Path, Filename.Name, File.LStat FROM File
                 JOIN Path ON Path.PathId = File.PathId JOIN Filename ON Filename.FilenameId = File.FilenameId
                 WHERE File.JobId = ?1 AND File.FileIndex = ?2",
                params![job_id, file_index],
                |r| {
                    Ok(SourceFile::new(
                        job_id,
                        file_index,
                        r.get::<_, Name>(0)?.0,
                        r.get::<_, Name>(1)?.0,
                        &r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Where a job's data lies, volume by volume, in the order written.
    pub fn extents(&self, job_id: i64) -> Result<Vec<Extent>, CatalogError> {
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT Media.VolumeName, Media.MediaType, JobMedia.FirstIndex, JobMedia.LastIndex,
                        JobMedia.StartFile, JobMedia.StartBlock, JobMedia.EndFile, JobMedia.EndBlock
                 FROM JobMedia JOIN Media ON Media.MediaId = JobMedia.MediaId
                 WHERE JobMedia.JobId = ?1 AND JobMedia.LastIndex > 0 ORDER BY JobMedia.JobMediaId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![job_id], |r| {
                let addr = |file: i64, block: i64| ((file as u64) << 32) | (block as u64);
                Ok(Extent {
                    volume: r.get(0)?,
                    media_type: r.get(1)?,
                    first_index: r.get(2)?,
                    last_index: r.get(3)?,
                    start_addr: addr(r.get(4)?, r.get(5)?),
                    end_addr: addr(r.get(6)?, r.get(7)?),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

impl Catalog {
    /// The newest encoded stat and digest of each file among `jobs`, by
    /// full name (later jobs win).
    pub fn attributes(
        &self,
        jobs: &[i64],
    ) -> Result<std::collections::BTreeMap<String, (String, String)>, CatalogError> {
        let mut out = std::collections::BTreeMap::new();
        let mut q = self
            .db()
            .prepare_cached(
                "SELECT Path.Path || Filename.Name, File.LStat, File.MD5 FROM File
                 JOIN Path ON Path.PathId = File.PathId JOIN Filename ON Filename.FilenameId = File.FilenameId
                 WHERE File.JobId = ?1 AND File.FileIndex > 0",
            )
            .map_err(|e| self.err(e))?;
        for job in jobs {
            let rows = q
                .query_map(params![job], |r| {
                    Ok((
                        r.get::<_, Name>(0)?.0,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    ))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (name, lstat, md5) = row.map_err(|e| self.err(e))?;
                out.insert(name, (lstat, md5));
            }
        }
        Ok(out)
    }

    /// The last good job of this name and type at this level.
    pub fn last_job_id(
        &self,
        name: &str,
        job_type: char,
        level: char,
    ) -> Result<Option<(i64, String)>, CatalogError> {
        use rusqlite::OptionalExtension;
        self.db()
            .query_row(
                "SELECT JobId, Job FROM Job WHERE Name = ?1 AND Type = ?2 AND Level = ?3 AND JobStatus IN ('T', 'W')
                 ORDER BY JobId DESC LIMIT 1",
                params![name, job_type.to_string(), level.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The newest good backup a VolumeToCatalog or Data verify reads: of
    /// the Job named `name` when the verify names one, else of the client.
    pub fn last_backup(
        &self,
        name: Option<&str>,
        client: &str,
    ) -> Result<Option<(SourceJob, String)>, CatalogError> {
        use rusqlite::OptionalExtension;
        self.db()
            .query_row(
                &format!(
                    "SELECT {JOB_COLUMNS}, Job FROM Job WHERE Type = 'B' AND JobStatus IN ('T', 'W')
                     AND (Name = ?1 OR (?1 IS NULL AND ClientId = (SELECT ClientId FROM Client WHERE Name = ?2)))
                     ORDER BY StartTime DESC, JobId DESC LIMIT 1"
                ),
                params![name, client],
                |r| Ok((source_job(r)?, r.get(8)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}
