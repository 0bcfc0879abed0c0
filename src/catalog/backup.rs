//! What a backup job reads and writes in the catalog beyond its Job
//! record: its FileSet record, the prior job it builds on, the volume it
//! appends to, and its figures at the end.

use rusqlite::{params, OptionalExtension};

use super::{Catalog, CatalogError};

/// The prior job an Incremental or Differential builds on.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorJob {
    pub job: String,
    /// Its start, unix time.
    pub start: i64,
}

/// The figures `.estimate` gives for a job and level.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JobStatistics {
    /// How many jobs the figures come from.
    pub jobs: i64,
    pub files: i64,
    pub bytes: i64,
    /// Bacula's correlation, in percent.
    pub correlation: i64,
}

/// A backup's figures, as both daemons reported them.
pub struct BackupTotals {
    pub files: i64,
    pub bytes: i64,
    pub read_bytes: i64,
    pub vol_session_id: i64,
    pub vol_session_time: i64,
}

/// A volume the storage daemon has mounted and asks to write on.
#[derive(Debug, Clone, PartialEq)]
pub struct MountedVolume {
    pub pool: String,
    pub media_type: String,
    pub status: String,
    pub recycle: bool,
    pub media_id: i64,
    /// Volume Retention, seconds.
    pub retention: i64,
    /// When it was last written (unix time; 0 for never).
    pub last_written: i64,
}

/// The Client and FileSet whose prior backup is asked for: by the
/// records a job has, or (for `estimate`, which makes no record) by the
/// Client's name and the FileSet's name and fingerprint.
#[derive(Debug, Clone, Copy)]
pub enum BackupOf<'a> {
    Records {
        client_id: i64,
        fileset_id: i64,
    },
    Names {
        client: &'a str,
        fileset: &'a str,
        md5: &'a str,
    },
}

impl Catalog {
    /// The FileSet record for this name and fingerprint, created when the
    /// FileSet is new or changed: its FileSetId and creation time.
    pub fn fileset_record(&self, name: &str, md5: &str) -> Result<(i64, String), CatalogError> {
        let found = self
            .db()
            .query_row(
                "SELECT FileSetId, CreateTime FROM FileSet WHERE FileSet = ?1 AND MD5 = ?2",
                params![name, md5],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(f) = found {
            return Ok(f);
        }
        self.db()
            .execute(
                "INSERT INTO FileSet (FileSet, MD5, CreateTime) VALUES (?1, ?2, datetime('now', 'localtime'))",
                params![name, md5],
            )
            .map_err(|e| self.err(e))?;
        let id = self.db().last_insert_rowid();
        let time: String = self
            .db()
            .query_row(
                "SELECT CreateTime FROM FileSet WHERE FileSetId = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok((id, time))
    }

    /// The last good backup of this Job, Client and FileSet at one of
    /// `levels` (`"F"`, `"FD"`, `"FDI"`).
    pub fn prior_backup(
        &self,
        job: &str,
        of: BackupOf<'_>,
        levels: &str,
    ) -> Result<Option<PriorJob>, CatalogError> {
        const SELECT: &str =
            "SELECT Job, CAST(strftime('%s', StartTime, 'utc') AS INTEGER) FROM Job
                 WHERE Name = ?1 AND Type = 'B' AND JobStatus IN ('T', 'W')
                   AND instr(?2, Level) > 0 AND StartTime IS NOT NULL";
        const NEWEST: &str = "ORDER BY StartTime DESC, JobId DESC LIMIT 1";
        let row = |r: &rusqlite::Row<'_>| {
            Ok(PriorJob {
                job: r.get(0)?,
                start: r.get(1)?,
            })
        };
        match of {
            BackupOf::Records { client_id, fileset_id } => self.db().query_row(
                &format!("{SELECT} AND ClientId = ?3 AND FileSetId = ?4 {NEWEST}"),
                params![job, levels, client_id, fileset_id],
                row,
            ),
            BackupOf::Names { client, fileset, md5 } => self.db().query_row(
                &format!(
                    "{SELECT} AND ClientId = (SELECT ClientId FROM Client WHERE Name = ?3)
                       AND FileSetId IN (SELECT FileSetId FROM FileSet WHERE FileSet = ?4 AND MD5 = ?5) {NEWEST}"
                ),
                params![job, levels, client, fileset, md5],
                row,
            ),
        }
        .optional()
        .map_err(|e| self.err(e))
    }

    /// The files an accurate Incremental or Differential of this Job,
    /// Client and FileSet compares with, as bacula-dir's
    /// send_accurate_current_files sends them: the newest version of each
    /// file (deleted ones left out) over the last Full, the last
    /// Differential after it and, for an Incremental, the Incrementals
    /// after those (db_get_accurate_jobids); each as `path+name NUL lstat
    /// NUL NUL deltaseq`, with no digest.
    pub fn accurate_files(
        &self,
        job: &str,
        client: &str,
        fileset: &str,
        fileset_md5: &str,
        level: char,
    ) -> Result<Vec<Vec<u8>>, CatalogError> {
        let good = "Name = ?1 AND Type = 'B' AND JobStatus IN ('T', 'W')
             AND ClientId = (SELECT ClientId FROM Client WHERE Name = ?2)
             AND FileSetId IN (SELECT FileSetId FROM FileSet WHERE FileSet = ?3 AND MD5 = ?4)";
        let sql = format!(
            "WITH full AS (SELECT JobId, StartTime FROM Job WHERE {good} AND Level = 'F'
                           ORDER BY StartTime DESC, JobId DESC LIMIT 1),
                  diff AS (SELECT JobId, StartTime FROM Job WHERE {good} AND Level = 'D'
                           AND StartTime > (SELECT StartTime FROM full)
                           ORDER BY StartTime DESC, JobId DESC LIMIT 1),
                  base AS (SELECT * FROM full UNION ALL SELECT * FROM diff),
                  incr AS (SELECT JobId FROM Job WHERE {good} AND Level = 'I' AND ?5 = 'I'
                           AND StartTime > (SELECT MAX(StartTime) FROM base)),
                  jobs AS (SELECT JobId FROM base UNION SELECT JobId FROM incr),
                  newest AS (SELECT PathId, FilenameId, MAX(JobId) AS JobId FROM File
                             WHERE JobId IN (SELECT JobId FROM jobs)
                             GROUP BY PathId, FilenameId)
             SELECT Path.Path, Filename.Name, File.LStat, File.DeltaSeq
               FROM newest
               JOIN File ON File.JobId = newest.JobId AND File.PathId = newest.PathId
                        AND File.FilenameId = newest.FilenameId
               JOIN Path ON Path.PathId = File.PathId
               JOIN Filename ON Filename.FilenameId = File.FilenameId
              WHERE File.FileIndex > 0"
        );
        let mut q = self.db().prepare(&sql).map_err(|e| self.err(e))?;
        let rows = q
            .query_map(
                params![job, client, fileset, fileset_md5, level.to_string()],
                |r| {
                    let text = |i: usize| -> rusqlite::Result<Vec<u8>> {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Text(t) => t.to_vec(),
                            rusqlite::types::ValueRef::Blob(b) => b.to_vec(),
                            rusqlite::types::ValueRef::Integer(n) => n.to_string().into_bytes(),
                            _ => Vec::new(),
                        })
                    };
                    let mut line = text(0)?;
                    line.extend(text(1)?);
                    line.push(0);
                    line.extend(text(2)?);
                    line.extend([0, 0]);
                    line.extend(text(3)?);
                    Ok(line)
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// What the last good jobs of this name and level wrote, for
    /// `.estimate`: bacula-dir's bdb_get_job_statistics on SQLite (no
    /// regression there): the average files and bytes of the last four,
    /// a Differential's only since the last Full, how many were used, and
    /// a correlation of 10 (%) when there were any.
    pub fn job_statistics(&self, job: &str, level: char) -> Result<JobStatistics, CatalogError> {
        self.db()
            .query_row(
                "SELECT COUNT(*), CAST(AVG(JobFiles) AS INTEGER), CAST(AVG(JobBytes) AS INTEGER) FROM (
                   SELECT JobFiles, JobBytes FROM Job
                    WHERE Name = ?1 AND Level = ?2 AND JobStatus IN ('T', 'W')
                      AND (?2 <> 'D' OR StartTime > (SELECT StartTime FROM Job WHERE Name = ?1
                           AND Level = 'F' AND JobStatus IN ('T', 'W') ORDER BY StartTime DESC LIMIT 1))
                    ORDER BY StartTime DESC LIMIT 4)",
                params![job, level.to_string()],
                |r| {
                    let jobs: i64 = r.get(0)?;
                    Ok(JobStatistics {
                        jobs,
                        files: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                        bytes: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                        correlation: if jobs > 0 { 10 } else { 0 },
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// The job's ClientId.
    pub fn job_client_id(&self, job_id: i64) -> Result<i64, CatalogError> {
        self.db()
            .query_row(
                "SELECT COALESCE(ClientId, 0) FROM Job WHERE JobId = ?1",
                params![job_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Records the job's FileSet.
    pub fn job_fileset(&self, job_id: i64, fileset_id: i64) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET FileSetId = ?2 WHERE JobId = ?1",
                params![job_id, fileset_id],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The first volume of the pool, of this media type, that takes data.
    pub fn append_volume(
        &self,
        pool: &str,
        media_type: &str,
    ) -> Result<Option<String>, CatalogError> {
        // Bacula's order: the most recently written first, then unused
        // ones by MediaId; a volume past its limits is marked and skipped.
        loop {
            let found: Option<String> = self
                .db()
                .query_row(
                    "SELECT Media.VolumeName FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId
                     WHERE Pool.Name = ?1 AND Media.MediaType = ?2 AND Media.VolStatus = 'Append' AND Media.Enabled = 1
                     ORDER BY Media.LastWritten IS NULL, Media.LastWritten DESC, Media.MediaId LIMIT 1",
                    params![pool, media_type],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            match found {
                Some(name) if self.check_volume_limits(&name)?.is_some() => continue,
                other => return Ok(other),
            }
        }
    }

    /// A volume of the pool to recycle: one already marked Recycle, else
    /// the least recently written Purged one that may be recycled, which is
    /// then marked Recycle with its counts reset (the storage daemon
    /// relabels it). Its name, and whether it was just recycled.
    pub fn recycle_volume(
        &self,
        pool: &str,
        media_type: &str,
    ) -> Result<Option<(String, bool)>, CatalogError> {
        let pick = |status: &str| {
            self.db()
                .query_row(
                    "SELECT Media.VolumeName FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId
                     WHERE Pool.Name = ?1 AND Media.MediaType = ?2 AND Media.VolStatus = ?3 AND Media.Enabled = 1
                       AND (?3 = 'Recycle' OR Media.Recycle = 1)
                     ORDER BY Media.LastWritten IS NOT NULL, Media.LastWritten, Media.MediaId LIMIT 1",
                    params![pool, media_type, status],
                    |r| r.get::<_, String>(0),
                )
                .optional()
                .map_err(|e| self.err(e))
        };
        if let Some(name) = pick("Recycle")? {
            return Ok(Some((name, false)));
        }
        let Some(name) = pick("Purged")? else {
            return Ok(None);
        };
        self.mark_recycled(&name)?;
        Ok(Some((name, true)))
    }

    /// Marks a volume Recycle with its counts reset; the storage daemon
    /// relabels it before it writes.
    pub fn mark_recycled(&self, name: &str) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Media SET VolStatus = 'Recycle', VolJobs = 0, VolFiles = 0, VolBlocks = 0, VolBytes = 1,
                   VolMounts = 0, VolErrors = 0, VolWrites = 0, FirstWritten = NULL, RecycleCount = RecycleCount + 1
                 WHERE VolumeName = ?1",
                params![name],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// What the Director checks before the storage daemon writes on a
    /// volume it has mounted.
    pub fn mounted_volume(&self, name: &str) -> Result<Option<MountedVolume>, CatalogError> {
        self.db()
            .query_row(
                "SELECT Pool.Name, Media.MediaType, Media.VolStatus, Media.Recycle, Media.MediaId, Media.VolRetention,
                        COALESCE(CAST(strftime('%s', Media.LastWritten, 'utc') AS INTEGER), 0)
                 FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId WHERE Media.VolumeName = ?1",
                params![name],
                |r| {
                    Ok(MountedVolume {
                        pool: r.get(0)?,
                        media_type: r.get(1)?,
                        status: r.get(2)?,
                        recycle: r.get::<_, i64>(3)? != 0,
                        media_id: r.get(4)?,
                        retention: r.get(5)?,
                        last_written: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Moves a volume from the scratch pool into `pool` (taking the pool's
    /// retention and limits); its name, or None when the scratch pool has
    /// none to give.
    pub fn take_scratch_volume(
        &self,
        scratch: &str,
        pool: &crate::config::Resource,
        media_type: &str,
    ) -> Result<Option<String>, CatalogError> {
        let found: Option<String> = self
            .db()
            .query_row(
                "SELECT Media.VolumeName FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId
                 WHERE Pool.Name = ?1 AND Media.MediaType = ?2 AND Media.VolStatus IN ('Append', 'Recycle', 'Purged')
                   AND Media.Enabled = 1
                 ORDER BY Media.VolStatus <> 'Append', Media.MediaId LIMIT 1",
                params![scratch, media_type],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(name) = found else {
            return Ok(None);
        };
        self.db()
            .execute(
                "UPDATE Media SET PoolId = (SELECT PoolId FROM Pool WHERE Name = ?2),
                   VolStatus = CASE VolStatus WHEN 'Append' THEN 'Append' ELSE 'Recycle' END,
                   Recycle = ?3, VolRetention = ?4, VolUseDuration = ?5, MaxVolJobs = ?6, MaxVolFiles = ?7, MaxVolBytes = ?8
                 WHERE VolumeName = ?1",
                params![
                    name,
                    pool.name,
                    i64::from(pool.bool("Recycle").unwrap_or(true)),
                    pool.int("VolumeRetention").unwrap_or(0),
                    pool.int("VolumeUseDuration").unwrap_or(0),
                    pool.int("MaximumVolumeJobs").unwrap_or(0),
                    pool.int("MaximumVolumeFiles").unwrap_or(0),
                    pool.int("MaximumVolumeBytes").unwrap_or(0),
                ],
            )
            .map_err(|e| self.err(e))?;
        self.db()
            .execute(
                "UPDATE Pool SET NumVols = (SELECT COUNT(*) FROM Media WHERE Media.PoolId = Pool.PoolId)",
                [],
            )
            .map_err(|e| self.err(e))?;
        Ok(Some(name))
    }

    /// The highest MediaId in the catalog (0 when there is none).
    pub fn max_media_id(&self) -> Result<i64, CatalogError> {
        self.db()
            .query_row("SELECT COALESCE(MAX(MediaId), 0) FROM Media", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    /// A volume's VolBytes.
    pub fn volume_bytes(&self, name: &str) -> Result<i64, CatalogError> {
        self.db()
            .query_row(
                "SELECT VolBytes FROM Media WHERE VolumeName = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    /// Writes the backup's figures into its Job record.
    pub fn backup_totals(&self, job_id: i64, t: &BackupTotals) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET JobFiles = ?2, JobBytes = ?3, ReadBytes = ?4, VolSessionId = ?5, VolSessionTime = ?6 WHERE JobId = ?1",
                params![job_id, t.files, t.bytes, t.read_bytes, t.vol_session_id, t.vol_session_time],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }
}
