//! Media (volume) records, and deleting what hangs off them.

use rusqlite::{params, OptionalExtension};

use super::{Catalog, CatalogError};
use crate::config::Resource;

/// A Purged volume that the storage daemon may truncate.
#[derive(Debug, Clone, PartialEq)]
pub struct Truncatable {
    pub name: String,
    pub pool: String,
    pub media_type: String,
    pub slot: i64,
}

/// What `relabel` needs to know of a volume.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeState {
    pub status: String,
    /// Its pool's name ('' when the pool is gone).
    pub pool: String,
    pub bytes: i64,
}

/// A volume's use against its limits.
struct VolumeUse {
    status: String,
    bytes: i64,
    max_bytes: i64,
    jobs: i64,
    max_jobs: i64,
    files: i64,
    max_files: i64,
    duration: i64,
    /// Seconds since it was first written, if it was.
    used_for: Option<i64>,
}

/// Volume statuses a console may set.
pub const VOL_STATUSES: [&str; 10] = [
    "Append",
    "Archive",
    "Disabled",
    "Full",
    "Used",
    "Cleaning",
    "Recycle",
    "Read-Only",
    "Error",
    "Purged",
];

impl Catalog {
    /// Creates a Media record in `pool` with the pool's limits, on the
    /// Storage named `storage` (its catalog StorageId, as bacula-dir's
    /// set_storageid_in_mr gives it); its MediaId. LabelDate stays 0 as
    /// bacula-dir leaves it (sql_create.c bdb_create_media_record sets it
    /// only when asked): the first job that writes on the volume sets it.
    pub fn create_volume(
        &self,
        name: &str,
        pool: &Resource,
        media_type: &str,
        storage: &str,
    ) -> Result<i64, CatalogError> {
        let pool_id: i64 = self
            .db()
            .query_row(
                "SELECT PoolId FROM Pool WHERE Name = ?1",
                params![pool.name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        self.db()
            .execute(
                "INSERT INTO Media (VolumeName, PoolId, MediaType, VolStatus, Recycle, VolRetention, VolUseDuration, MaxVolJobs, MaxVolFiles, MaxVolBytes, StorageId, Enabled)
                 VALUES (?1, ?2, ?3, 'Append', ?4, ?5, ?6, ?7, ?8, ?9, COALESCE((SELECT StorageId FROM Storage WHERE Name = ?10), 0), 1)",
                params![
                    name,
                    pool_id,
                    media_type,
                    i64::from(pool.bool("Recycle").unwrap_or(true)),
                    pool.int("VolumeRetention").unwrap_or(0),
                    pool.int("VolumeUseDuration").unwrap_or(0),
                    match pool.int("MaximumVolumeJobs").unwrap_or(0) {
                        0 if pool.bool("UseVolumeOnce").unwrap_or(false) => 1,
                        n => n,
                    },
                    pool.int("MaximumVolumeFiles").unwrap_or(0),
                    pool.int("MaximumVolumeBytes").unwrap_or(0),
                    storage,
                ],
            )
            .map_err(|e| self.err(e))?;
        let id = self.db().last_insert_rowid();
        self.db()
            .execute(
                "UPDATE Pool SET NumVols = (SELECT COUNT(*) FROM Media WHERE PoolId = ?1) WHERE PoolId = ?1",
                params![pool_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Bacula's volume limits on an Append volume: Maximum Volume Bytes
    /// reached marks it Full; Maximum Volume Jobs or Files, or Volume Use
    /// Duration since it was first written, mark it Used. The message
    /// saying so, when it changed.
    pub fn check_volume_limits(&self, name: &str) -> Result<Option<String>, CatalogError> {
        let row: Option<VolumeUse> = self
            .db()
            .query_row(
                "SELECT VolStatus, VolBytes, MaxVolBytes, VolJobs, MaxVolJobs, VolFiles, MaxVolFiles, VolUseDuration,
                        CASE WHEN FirstWritten IS NULL OR FirstWritten = 0 THEN NULL
                             ELSE CAST(strftime('%s', 'now', 'localtime') AS INTEGER) - CAST(strftime('%s', FirstWritten) AS INTEGER) END
                 FROM Media WHERE VolumeName = ?1",
                params![name],
                |r| {
                    Ok(VolumeUse {
                        status: r.get(0)?,
                        bytes: r.get(1)?,
                        max_bytes: r.get(2)?,
                        jobs: r.get(3)?,
                        max_jobs: r.get(4)?,
                        files: r.get(5)?,
                        max_files: r.get(6)?,
                        duration: r.get(7)?,
                        used_for: r.get(8)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(VolumeUse {
            status,
            bytes,
            max_bytes,
            jobs,
            max_jobs,
            files,
            max_files,
            duration,
            used_for,
        }) = row
        else {
            return Ok(None);
        };
        if status != "Append" {
            return Ok(None);
        }
        let c = |n: i64| crate::console::list::commas(&n.to_string());
        let (new_status, msg) = if max_bytes > 0 && bytes >= max_bytes {
            (
                "Full",
                format!(
                    "Max Volume bytes={} exceeded. Marking Volume \"{name}\" as Full.",
                    c(max_bytes)
                ),
            )
        } else if max_jobs > 0 && jobs >= max_jobs {
            (
                "Used",
                format!(
                    "Max Volume jobs={} exceeded. Marking Volume \"{name}\" as Used.",
                    c(max_jobs)
                ),
            )
        } else if max_files > 0 && files >= max_files {
            (
                "Used",
                format!(
                    "Max Volume files={} exceeded. Marking Volume \"{name}\" as Used.",
                    c(max_files)
                ),
            )
        } else if duration > 0 && used_for.is_some_and(|u| u >= duration) {
            ("Used", format!("Max configured use duration={} sec. exceeded. Marking Volume \"{name}\" as Used.", c(duration)))
        } else {
            return Ok(None);
        };
        self.set_volume_status(name, new_status)?;
        Ok(Some(msg))
    }

    /// The storage daemon wrote a label on the volume, in `slot` of the
    /// Storage named `storage`: its bytes and device type as the SD gave
    /// them, InChanger when in a slot (ua_label.c send_label_request).
    pub fn labeled(
        &self,
        name: &str,
        label: crate::peer::sd::Labeled,
        slot: i64,
        storage: &str,
    ) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Media SET VolBytes = ?2, VolType = ?3, Slot = ?4, InChanger = ?4 > 0, LabelType = 0,
                   StorageId = COALESCE((SELECT StorageId FROM Storage WHERE Name = ?5), 0)
                 WHERE VolumeName = ?1",
                params![name, label.bytes, label.vol_type, slot, storage],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Purged volumes worth truncating (recyclable, enabled, more than
    /// 10,000 bytes), of one pool and one name when given.
    pub fn truncatable_volumes(
        &self,
        pool: Option<&str>,
        volume: Option<&str>,
    ) -> Result<Vec<Truncatable>, CatalogError> {
        let mut q = self
            .db()
            .prepare(
                "SELECT Media.VolumeName, Pool.Name, Media.MediaType, Media.Slot FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId
                 WHERE Media.VolStatus = 'Purged' AND Media.Recycle = 1 AND Media.Enabled = 1 AND Media.VolBytes > 10000
                 AND (?1 IS NULL OR Pool.Name = ?1) AND (?2 IS NULL OR Media.VolumeName = ?2)
                 ORDER BY Media.MediaId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![pool, volume], |r| {
                Ok(Truncatable {
                    name: r.get(0)?,
                    pool: r.get(1)?,
                    media_type: r.get(2)?,
                    slot: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records that the storage daemon cut a volume back to its label of
    /// `bytes`.
    pub fn truncated(&self, name: &str, bytes: i64) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Media SET VolBytes = ?2, VolABytes = 0, VolFiles = 0, VolBlocks = 0, VolHoleBytes = 0, VolHoles = 0 WHERE VolumeName = ?1",
                params![name, bytes],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The name of the pool a volume is in; None when there is no such
    /// volume.
    pub fn volume_pool(&self, name: &str) -> Result<Option<String>, CatalogError> {
        self.db()
            .query_row(
                "SELECT COALESCE(Pool.Name, '') FROM Media LEFT JOIN Pool ON Pool.PoolId = Media.PoolId WHERE Media.VolumeName = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The volume's status, pool and bytes; None when there is no such
    /// volume.
    pub fn volume_state(&self, name: &str) -> Result<Option<VolumeState>, CatalogError> {
        self.db()
            .query_row(
                "SELECT Media.VolStatus, COALESCE(Pool.Name, ''), Media.VolBytes FROM Media LEFT JOIN Pool ON Pool.PoolId = Media.PoolId WHERE Media.VolumeName = ?1",
                params![name],
                |r| {
                    Ok(VolumeState {
                        status: r.get(0)?,
                        pool: r.get(1)?,
                        bytes: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Whether the catalog has a Pool record called `name`.
    pub fn pool_exists(&self, name: &str) -> Result<bool, CatalogError> {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM Pool WHERE Name = ?1",
                params![name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// How many jobs still have data on the volume.
    pub fn volume_job_count(&self, name: &str) -> Result<i64, CatalogError> {
        self.db()
            .query_row(
                "SELECT COUNT(DISTINCT JobMedia.JobId) FROM JobMedia JOIN Media ON Media.MediaId = JobMedia.MediaId WHERE Media.VolumeName = ?1",
                params![name],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Sets the pool a volume goes to when it is recycled (`None`: its
    /// own pool's setting).
    pub fn set_recycle_pool(&self, name: &str, pool: Option<&str>) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Media SET RecyclePoolId = COALESCE((SELECT PoolId FROM Pool WHERE Name = ?2), 0) WHERE VolumeName = ?1",
                params![name, pool],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Sets a volume's status; false when there is no such volume.
    pub fn set_volume_status(&self, name: &str, status: &str) -> Result<bool, CatalogError> {
        self.db()
            .execute(
                "UPDATE Media SET VolStatus = ?2 WHERE VolumeName = ?1",
                params![name, status],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// Deletes a volume and every job saved on it (their Job, File,
    /// JobMedia and Log rows, on whatever volumes they are), as bacula-dir
    /// does; false when there is no such volume.
    pub fn delete_volume(&self, name: &str) -> Result<bool, CatalogError> {
        let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
        let id: Option<(i64, i64)> = tx
            .query_row(
                "SELECT MediaId, PoolId FROM Media WHERE VolumeName = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((media, pool)) = id else {
            return Ok(false);
        };
        let jobs: Vec<i64> = {
            let mut q = tx
                .prepare("SELECT DISTINCT JobId FROM JobMedia WHERE MediaId = ?1")
                .map_err(|e| self.err(e))?;
            let rows = q
                .query_map(params![media], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        for job in jobs {
            delete_job_rows(&tx, job).map_err(|e| self.err(e))?;
        }
        tx.execute("DELETE FROM JobMedia WHERE MediaId = ?1", params![media])
            .map_err(|e| self.err(e))?;
        tx.execute("DELETE FROM Media WHERE MediaId = ?1", params![media])
            .map_err(|e| self.err(e))?;
        tx.execute(
            "UPDATE Pool SET NumVols = (SELECT COUNT(*) FROM Media WHERE PoolId = ?1) WHERE PoolId = ?1",
            params![pool],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Deletes a job and its File, JobMedia and Log rows; false when there
    /// is no such job.
    pub fn delete_job(&self, job_id: i64) -> Result<bool, CatalogError> {
        let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
        let n = delete_job_rows(&tx, job_id).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(n > 0)
    }
}

/// Deletes a job's rows from every table that names it; how many Job rows
/// went (0 or 1).
fn delete_job_rows(tx: &rusqlite::Transaction<'_>, job_id: i64) -> rusqlite::Result<usize> {
    for table in [
        "File",
        "JobMedia",
        "Log",
        "BaseFiles",
        "RestoreObject",
        "UnsavedFiles",
        "PathVisibility",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE JobId = ?1"),
            params![job_id],
        )?;
    }
    tx.execute("DELETE FROM Job WHERE JobId = ?1", params![job_id])
}

/// A number of a volume's record that `update volume=…` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeNumber {
    Retention,
    UseDuration,
    MaxJobs,
    MaxFiles,
    MaxBytes,
    Recycle,
    InChanger,
    Slot,
    Enabled,
    ActionOnPurge,
    CacheRetention,
    Files,
}

impl VolumeNumber {
    /// Every number, in the order `volume_settings` reads them.
    pub const ALL: [VolumeNumber; 12] = [
        VolumeNumber::Retention,
        VolumeNumber::UseDuration,
        VolumeNumber::MaxJobs,
        VolumeNumber::MaxFiles,
        VolumeNumber::MaxBytes,
        VolumeNumber::Recycle,
        VolumeNumber::InChanger,
        VolumeNumber::Slot,
        VolumeNumber::Enabled,
        VolumeNumber::ActionOnPurge,
        VolumeNumber::CacheRetention,
        VolumeNumber::Files,
    ];

    fn column(self) -> &'static str {
        match self {
            VolumeNumber::Retention => "VolRetention",
            VolumeNumber::UseDuration => "VolUseDuration",
            VolumeNumber::MaxJobs => "MaxVolJobs",
            VolumeNumber::MaxFiles => "MaxVolFiles",
            VolumeNumber::MaxBytes => "MaxVolBytes",
            VolumeNumber::Recycle => "Recycle",
            VolumeNumber::InChanger => "InChanger",
            VolumeNumber::Slot => "Slot",
            VolumeNumber::Enabled => "Enabled",
            VolumeNumber::ActionOnPurge => "ActionOnPurge",
            VolumeNumber::CacheRetention => "CacheRetention",
            VolumeNumber::Files => "VolFiles",
        }
    }
}

/// What `update volume=…` shows of a volume before it asks for a new
/// value.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSettings {
    pub name: String,
    pub status: String,
    pub pool: String,
    pub recycle_pool: Option<String>,
    pub numbers: Vec<(VolumeNumber, i64)>,
}

impl VolumeSettings {
    pub fn number(&self, what: VolumeNumber) -> i64 {
        self.numbers
            .iter()
            .find(|(w, _)| *w == what)
            .map_or(0, |(_, v)| *v)
    }
}

/// The columns a pool's record gives its volumes (db_update_media_defaults).
const DEFAULTS_FROM_POOL: &str = "ActionOnPurge = Pool.ActionOnPurge, Recycle = Pool.Recycle, VolRetention = Pool.VolRetention, VolUseDuration = Pool.VolUseDuration, MaxVolJobs = Pool.MaxVolJobs, MaxVolFiles = Pool.MaxVolFiles, MaxVolBytes = Pool.MaxVolBytes, RecyclePoolId = Pool.RecyclePoolId, CacheRetention = Pool.CacheRetention";

impl Catalog {
    /// Sets one number of a volume's record; false when there is no such
    /// volume.
    pub fn set_volume_number(
        &self,
        name: &str,
        what: VolumeNumber,
        value: i64,
    ) -> Result<bool, CatalogError> {
        let sql = format!(
            "UPDATE Media SET {} = ?2 WHERE VolumeName = ?1",
            what.column()
        );
        self.db()
            .execute(&sql, params![name, value])
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// The settings of a volume, None when there is no such volume.
    pub fn volume_settings(&self, name: &str) -> Result<Option<VolumeSettings>, CatalogError> {
        let numbers = VolumeNumber::ALL;
        let columns: Vec<String> = numbers
            .iter()
            .map(|n| format!("Media.{}", n.column()))
            .collect();
        let sql = format!(
            "SELECT Media.VolumeName, Media.VolStatus, COALESCE(Pool.Name, ''), Recycle.Name, {} FROM Media LEFT JOIN Pool ON Pool.PoolId = Media.PoolId LEFT JOIN Pool AS Recycle ON Recycle.PoolId = Media.RecyclePoolId WHERE Media.VolumeName = ?1",
            columns.join(", ")
        );
        self.db()
            .query_row(&sql, params![name], |r| {
                let mut values = Vec::new();
                for (i, n) in numbers.iter().enumerate() {
                    values.push((*n, r.get::<_, Option<i64>>(4 + i)?.unwrap_or(0)));
                }
                Ok(VolumeSettings {
                    name: r.get(0)?,
                    status: r.get(1)?,
                    pool: r.get(2)?,
                    recycle_pool: r.get(3)?,
                    numbers: values,
                })
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Gives the volume `name` (or every volume of the pool `pool`) its
    /// pool record's retention, limits, recycling and action on purge;
    /// how many volumes changed.
    pub fn volume_defaults_from_pool(
        &self,
        name: Option<&str>,
        pool: Option<&str>,
    ) -> Result<usize, CatalogError> {
        let sql = format!(
            "UPDATE Media SET {DEFAULTS_FROM_POOL} FROM Pool WHERE Pool.PoolId = Media.PoolId AND (?1 IS NULL OR Media.VolumeName = ?1) AND (?2 IS NULL OR Pool.Name = ?2)"
        );
        self.db()
            .execute(&sql, params![name, pool])
            .map_err(|e| self.err(e))
    }

    /// Copies the ended jobs older than `before` (a JobTDate) that are
    /// not there yet into JobHisto, the long term statistics; how many.
    pub fn update_job_history(&self, before: i64) -> Result<usize, CatalogError> {
        self.db()
            .execute(
                "INSERT INTO JobHisto (JobId, Job, Name, Type, Level, ClientId, JobStatus, SchedTime, StartTime, EndTime, RealEndTime, JobTDate, VolSessionId, VolSessionTime, JobFiles, JobBytes, ReadBytes, JobErrors, JobMissingFiles, PoolId, FileSetId, PriorJobId, PurgedFiles, HasBase, Reviewed, Comment)
                 SELECT JobId, Job, Name, Type, Level, ClientId, JobStatus, SchedTime, StartTime, EndTime, RealEndTime, JobTDate, VolSessionId, VolSessionTime, JobFiles, JobBytes, ReadBytes, JobErrors, JobMissingFiles, PoolId, FileSetId, PriorJobId, PurgedFiles, HasBase, Reviewed, Comment
                 FROM Job WHERE JobStatus IN ('T','W','f','A','E')
                   AND NOT EXISTS (SELECT JobHisto.JobId FROM JobHisto WHERE JobHisto.JobId = Job.JobId)
                   AND JobTDate < ?1",
                params![before],
            )
            .map_err(|e| self.err(e))
    }
}

impl Catalog {
    /// The name of the volume with this MediaId.
    pub fn volume_name(&self, media_id: i64) -> Result<Option<String>, CatalogError> {
        self.db()
            .query_row(
                "SELECT VolumeName FROM Media WHERE MediaId = ?1",
                params![media_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

impl Catalog {
    /// Deletes a Pool record that holds no volume; the number of volumes
    /// it holds (then nothing is deleted), None when there is no such
    /// pool.
    pub fn delete_pool(&self, name: &str) -> Result<Option<i64>, CatalogError> {
        let volumes: Option<i64> = self
            .db()
            .query_row(
                "SELECT (SELECT COUNT(*) FROM Media WHERE Media.PoolId = Pool.PoolId) FROM Pool WHERE Name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if volumes == Some(0) {
            self.db()
                .execute("DELETE FROM Pool WHERE Name = ?1", params![name])
                .map_err(|e| self.err(e))?;
        }
        Ok(volumes)
    }

    /// The JobIds of a client's jobs, None when there is no such client.
    pub fn client_jobs(&self, name: &str) -> Result<Option<Vec<i64>>, CatalogError> {
        let id: Option<i64> = self
            .db()
            .query_row(
                "SELECT ClientId FROM Client WHERE Name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(id) = id else {
            return Ok(None);
        };
        let mut q = self
            .db()
            .prepare("SELECT JobId FROM Job WHERE ClientId = ?1 ORDER BY JobId")
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![id], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(Some(
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?,
        ))
    }

    /// Deletes a client's record and all its jobs.
    pub fn delete_client(&self, name: &str) -> Result<(), CatalogError> {
        let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
        let ids: Vec<i64> = {
            let mut q = tx
                .prepare(
                    "SELECT JobId FROM Job JOIN Client USING (ClientId) WHERE Client.Name = ?1",
                )
                .map_err(|e| self.err(e))?;
            let rows = q
                .query_map(params![name], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        for id in ids {
            delete_job_rows(&tx, id).map_err(|e| self.err(e))?;
        }
        tx.execute("DELETE FROM Client WHERE Name = ?1", params![name])
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }
}
