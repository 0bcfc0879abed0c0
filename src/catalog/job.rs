//! Job and Log records.

use rusqlite::{params, OptionalExtension};

use super::{Catalog, CatalogError};

/// What a new Job record says.
pub struct NewJob<'a> {
    /// The unique job name.
    pub job: &'a str,
    /// The Job resource's name.
    pub name: &'a str,
    pub job_type: char,
    pub level: char,
    pub client: &'a str,
    pub pool: &'a str,
    /// `run comment=`, if given.
    pub comment: Option<&'a str>,
    /// `2026-11-26 07:30:00`.
    pub sched_time: &'a str,
    pub job_tdate: i64,
}

impl Catalog {
    fn id_of(&self, table: &str, name: &str) -> Result<i64, CatalogError> {
        let sql = format!("SELECT {table}Id FROM {table} WHERE Name = ?1");
        Ok(self
            .db()
            .query_row(&sql, params![name], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .unwrap_or(0))
    }

    /// Creates the Job record (status C); its JobId.
    pub fn create_job(&self, j: &NewJob<'_>) -> Result<i64, CatalogError> {
        let client = self.id_of("Client", j.client)?;
        let pool = self.id_of("Pool", j.pool)?;
        self.db()
            .execute(
                "INSERT INTO Job (Job, Name, Type, Level, ClientId, JobStatus, SchedTime, JobTDate, PoolId, Comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'C', ?6, ?7, ?8, ?9)",
                params![
                    j.job,
                    j.name,
                    j.job_type.to_string(),
                    j.level.to_string(),
                    client,
                    j.sched_time,
                    j.job_tdate,
                    pool,
                    j.comment
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.db().last_insert_rowid())
    }

    /// The job started running.
    pub fn job_started(&self, job_id: i64, start: &str) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET JobStatus = 'R', StartTime = ?2 WHERE JobId = ?1",
                params![job_id, start],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The job's level changed (a script set it before the job ran).
    pub fn job_level(&self, job_id: i64, level: char) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET Level = ?2 WHERE JobId = ?1",
                params![job_id, level.to_string()],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The job's pool changed (a level's own pool): its PoolId follows.
    pub fn job_pool(&self, job_id: i64, pool: &str) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET PoolId = COALESCE((SELECT PoolId FROM Pool WHERE Name = ?2), 0) WHERE JobId = ?1",
                params![job_id, pool],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The job ended with `status`.
    pub fn job_ended(
        &self,
        job_id: i64,
        status: char,
        end: &str,
        errors: i64,
    ) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "UPDATE Job SET JobStatus = ?2, EndTime = ?3, RealEndTime = ?3, JobErrors = ?4 WHERE JobId = ?1",
                params![job_id, status.to_string(), end, errors],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// One message of a job's log (Messages destination Catalog).
    pub fn insert_log(&self, job_id: i64, time: &str, text: &str) -> Result<(), CatalogError> {
        self.db()
            .execute(
                "INSERT INTO Log (JobId, Time, LogText) VALUES (?1, ?2, ?3)",
                params![job_id, time, text],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }
}

/// Who a catalog job belongs to, for the console's ACLs: its Job
/// resource's name, its Client's and its Pool's.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOwner {
    pub job_id: i64,
    pub name: String,
    pub client: String,
    pub pool: String,
}

const OWNER: &str = "SELECT Job.JobId, Job.Name, COALESCE(Client.Name, ''), COALESCE(Pool.Name, '')
     FROM Job LEFT JOIN Client ON Client.ClientId = Job.ClientId LEFT JOIN Pool ON Pool.PoolId = Job.PoolId";

fn owner(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobOwner> {
    Ok(JobOwner {
        job_id: r.get(0)?,
        name: r.get(1)?,
        client: r.get(2)?,
        pool: r.get(3)?,
    })
}

impl Catalog {
    /// The job's owner; None when there is no such job.
    pub fn job_owner(&self, job_id: i64) -> Result<Option<JobOwner>, CatalogError> {
        self.db()
            .query_row(
                &format!("{OWNER} WHERE Job.JobId = ?1"),
                params![job_id],
                owner,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The owners of the jobs that have data on the volume.
    pub fn volume_job_owners(&self, volume: &str) -> Result<Vec<JobOwner>, CatalogError> {
        let mut q = self
            .db()
            .prepare(&format!(
                "{OWNER} WHERE Job.JobId IN (SELECT JobMedia.JobId FROM JobMedia JOIN Media ON Media.MediaId = JobMedia.MediaId WHERE Media.VolumeName = ?1) ORDER BY Job.JobId"
            ))
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map(params![volume], owner)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

impl Catalog {
    /// `update jobid=…`: moves a job's times so that it started at
    /// `start` (its scheduled and end times and JobTDate move as much),
    /// gives it to `client`, and moves it and the volumes it wrote to
    /// `pool`; the volumes moved.
    pub fn update_job(
        &self,
        job_id: i64,
        start: Option<i64>,
        client: Option<&str>,
        pool: Option<&str>,
    ) -> Result<Vec<String>, CatalogError> {
        let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
        if let Some(start) = start {
            let text = crate::clock::local(start).sql();
            tx.execute(
                "UPDATE Job SET SchedTime = datetime(SchedTime, d || ' seconds'), EndTime = datetime(EndTime, d || ' seconds'),
                   JobTDate = JobTDate + d, StartTime = ?2
                 FROM (SELECT strftime('%s', ?2) - strftime('%s', StartTime) AS d FROM Job WHERE JobId = ?1)
                 WHERE JobId = ?1",
                params![job_id, text],
            )
            .map_err(|e| self.err(e))?;
        }
        if let Some(c) = client {
            let id = self.id_of("Client", c)?;
            tx.execute(
                "UPDATE Job SET ClientId = ?2 WHERE JobId = ?1",
                params![job_id, id],
            )
            .map_err(|e| self.err(e))?;
        }
        let mut moved = Vec::new();
        if let Some(p) = pool {
            let id = self.id_of("Pool", p)?;
            tx.execute(
                "UPDATE Job SET PoolId = ?2 WHERE JobId = ?1",
                params![job_id, id],
            )
            .map_err(|e| self.err(e))?;
            {
                let mut q = tx
                    .prepare("SELECT DISTINCT Media.VolumeName FROM Media JOIN JobMedia USING (MediaId) WHERE JobId = ?1")
                    .map_err(|e| self.err(e))?;
                let rows = q
                    .query_map(params![job_id], |r| r.get(0))
                    .map_err(|e| self.err(e))?;
                moved = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
            }
            tx.execute(
                "UPDATE Media SET PoolId = ?2 WHERE MediaId IN (SELECT MediaId FROM JobMedia WHERE JobId = ?1)",
                params![job_id, id],
            )
            .map_err(|e| self.err(e))?;
            tx.execute(
                "UPDATE Pool SET NumVols = (SELECT COUNT(*) FROM Media WHERE Media.PoolId = Pool.PoolId)",
                [],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(moved)
    }
}
