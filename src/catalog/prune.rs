//! Volume pruning for the volume search: the jobs on a volume older than
//! its Volume Retention are removed from the catalog (Job, File, JobMedia
//! and Log rows), and a volume left with no job is marked Purged.

use rusqlite::params;

use super::{Catalog, CatalogError};

/// A Full or Used volume of a pool that may be pruned.
#[derive(Debug, Clone, PartialEq)]
pub struct Prunable {
    pub name: String,
    pub media_id: i64,
    /// Its Volume Retention in seconds.
    pub retention: i64,
}

impl Catalog {
    /// The pool's Full and Used volumes that may be recycled, least
    /// recently written first.
    pub fn prunable_volumes(&self, pool: &str) -> Result<Vec<Prunable>, CatalogError> {
        let mut q = self
            .db()
            .prepare(
                "SELECT Media.VolumeName, Media.MediaId, Media.VolRetention FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId
                 WHERE Pool.Name = ?1 AND Media.VolStatus IN ('Full', 'Used') AND Media.Recycle = 1 AND Media.Enabled = 1
                 ORDER BY Media.LastWritten IS NOT NULL, Media.LastWritten, Media.MediaId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![pool], |r| {
                Ok(Prunable {
                    name: r.get(0)?,
                    media_id: r.get(1)?,
                    retention: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Removes the jobs on the volume that started before `cutoff` (unix
    /// time; `i64::MAX` for all of them) and marks the volume Purged when
    /// no job is left on it. Whether it was purged.
    pub fn prune_volume(&self, v: &Prunable, cutoff: i64) -> Result<bool, CatalogError> {
        let jobs: Vec<i64> = {
            let mut q = self
                .db()
                .prepare(
                    "SELECT DISTINCT JobMedia.JobId FROM JobMedia JOIN Job ON Job.JobId = JobMedia.JobId
                     WHERE JobMedia.MediaId = ?1 AND Job.JobTDate < ?2 AND Job.JobStatus NOT IN ('C', 'R')",
                )
                .map_err(|e| self.err(e))?;
            let rows = q
                .query_map(params![v.media_id, cutoff], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        for job in jobs {
            self.delete_job(job)?;
        }
        let left: i64 = self
            .db()
            .query_row(
                "SELECT COUNT(*) FROM JobMedia WHERE MediaId = ?1",
                params![v.media_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if left > 0 {
            return Ok(false);
        }
        self.set_volume_status(&v.name, "Purged")?;
        Ok(true)
    }
}

impl Catalog {
    /// Removes the File rows of the client's jobs that started before
    /// `cutoff` (unix time) and marks those jobs PurgedFiles; how many
    /// jobs lost their files.
    pub fn prune_files(&self, client: &str, cutoff: i64) -> Result<usize, CatalogError> {
        let jobs = self.jobs_with_files_before(client, cutoff)?;
        self.purge_files(&jobs)?;
        Ok(jobs.len())
    }

    /// The client's finished jobs that started before `cutoff` and still
    /// have their File rows.
    pub fn jobs_with_files_before(
        &self,
        client: &str,
        cutoff: i64,
    ) -> Result<Vec<i64>, CatalogError> {
        let mut q = self
            .db()
            .prepare(
                "SELECT JobId FROM Job WHERE ClientId = (SELECT ClientId FROM Client WHERE Name = ?1)
                 AND JobTDate < ?2 AND PurgedFiles = 0 AND JobStatus NOT IN ('C', 'R') ORDER BY JobId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![client, cutoff], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Removes the File rows of the jobs (and what a restore browser
    /// shows of them, PathVisibility, as ua_purge.c purge_files_from_jobs
    /// does) and marks them PurgedFiles, in one transaction.
    pub fn purge_files(&self, jobs: &[i64]) -> Result<(), CatalogError> {
        let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
        for id in jobs {
            tx.execute("DELETE FROM File WHERE JobId = ?1", params![id])
                .map_err(|e| self.err(e))?;
            tx.execute("DELETE FROM PathVisibility WHERE JobId = ?1", params![id])
                .map_err(|e| self.err(e))?;
            tx.execute(
                "UPDATE Job SET PurgedFiles = 1 WHERE JobId = ?1",
                params![id],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The client's finished jobs that started before `cutoff`.
    pub fn jobs_before(&self, client: &str, cutoff: i64) -> Result<Vec<i64>, CatalogError> {
        let mut q = self
            .db()
            .prepare(
                "SELECT JobId FROM Job WHERE ClientId = (SELECT ClientId FROM Client WHERE Name = ?1)
                 AND JobTDate < ?2 AND JobStatus NOT IN ('C', 'R') ORDER BY JobId",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![client, cutoff], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The volume's MediaId, status and Volume Retention, if it exists.
    pub fn prunable_volume(&self, name: &str) -> Result<Option<(Prunable, String)>, CatalogError> {
        use rusqlite::OptionalExtension;
        self.db()
            .query_row(
                "SELECT VolumeName, MediaId, VolRetention, VolStatus FROM Media WHERE VolumeName = ?1",
                params![name],
                |r| {
                    Ok((
                        Prunable {
                            name: r.get(0)?,
                            media_id: r.get(1)?,
                            retention: r.get(2)?,
                        },
                        r.get(3)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

impl Catalog {
    /// Moves a volume into another pool, keeping both pools' NumVols.
    pub fn move_volume(&self, name: &str, pool: &str) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Media SET PoolId = (SELECT PoolId FROM Pool WHERE Name = ?2) WHERE VolumeName = ?1
                   AND EXISTS (SELECT 1 FROM Pool WHERE Name = ?2)",
                params![name, pool],
            )
            .map_err(|e| self.err(e))?;
        self.db()
            .execute(
                "UPDATE Pool SET NumVols = (SELECT COUNT(*) FROM Media WHERE Media.PoolId = Pool.PoolId)",
                [],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }
}
