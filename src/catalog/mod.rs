//! The catalog: SQLite through rusqlite, in WAL mode, with Bacula 9.x's
//! tables. Queries are grouped here by table so that a second backend can
//! be added beside this one.

mod backup;
pub mod bvfs;
mod counter;
pub mod db;
mod file;
mod job;
mod media;
mod prune;
mod query;
mod restore;
pub mod schema;

pub use backup::{BackupOf, BackupTotals, MountedVolume, PriorJob};
pub use counter::CounterDef;
pub use file::{FileRecord, Name, NameCache};
pub use job::{JobOwner, NewJob};
pub use media::{Truncatable, VolumeNumber, VolumeSettings, VolumeState, VOL_STATUSES};
pub use prune::Prunable;
pub use query::QueryConnection;
pub use restore::{Extent, SourceFile, SourceJob};

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::config::{Config, Kind};

/// Our own schema changes, applied in order; the first creates Bacula's
/// tables.
const MIGRATIONS: &[&str] = &["bacula 9.6 tables"];

/// How long a statement waits for a lock another connection holds on the
/// catalog (a script's open transaction, a program writing the file)
/// before it fails. The Director's connection is shared by every job and
/// console behind one lock: a wait without bound there (bacula-dir 9.6.7's
/// busy handler in cats/sqlite.c retries for ever) stops them all.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What an SQLite error says, naming the lock when it is one.
pub(crate) fn describe(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => format!(
            "{e}: another connection has held the catalog's write lock for over {} s (a script's open transaction, or a program writing the file); the statement was not carried out",
            BUSY_TIMEOUT.as_secs()
        ),
        _ => e.to_string(),
    }
}

/// A catalog error, with the database it happened in.
#[derive(Debug)]
pub struct CatalogError {
    pub db: PathBuf,
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "catalog {}: {}", self.db.display(), self.message)
    }
}

impl std::error::Error for CatalogError {}

/// An open catalog.
pub struct Catalog {
    db: Connection,
    path: PathBuf,
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Where a configuration keeps its SQLite catalog:
/// `<WorkingDirectory>/<DB Name>.db`, the file bacula-dir's SQLite backend
/// opens for the same configuration (cats/sqlite.c joins the two with a
/// `/` even when DB Name is absolute, so the same is done here).
pub fn db_path(config: &Config) -> PathBuf {
    let dir = config.director().str("WorkingDirectory").unwrap_or(".");
    let name = config
        .all(Kind::Catalog)
        .next()
        .and_then(|c| c.str("DbName"))
        .unwrap_or("bacula");
    PathBuf::from(format!("{dir}/{name}.db"))
}

impl Catalog {
    /// Opens the catalog at `path`, creating it (and its tables) if needed;
    /// never through a symbolic link that leads out of the Director user's
    /// files (`files::catalog_target`).
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        let err = |e: rusqlite::Error| CatalogError {
            db: path.to_path_buf(),
            message: describe(&e),
        };
        let real = crate::files::catalog_target(path).map_err(|message| CatalogError {
            db: path.to_path_buf(),
            message,
        })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let db = Connection::open_with_flags(&real, flags).map_err(err)?;
        db.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let mut c = Catalog {
            db,
            path: path.to_path_buf(),
        };
        // Before anything is written (the journal mode is kept in the
        // file): a catalog rdird cannot use is left exactly as it was.
        let made_by_bacula = c.bacula_schema()?;
        c.db.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        c.db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        // Bacula's tables declare REFERENCES, yet write 0 for "none"
        // (Pool.ScratchPoolId, Job.PriorJobId): bacula-dir's SQLite never
        // enforces them, and the bundled SQLite would by default.
        c.db.pragma_update(None, "foreign_keys", "OFF")
            .map_err(err)?;
        c.migrate(made_by_bacula)?;
        Ok(c)
    }

    /// At a clean stop: the write-ahead log is folded into the file and
    /// the catalog goes back to the journal mode bacula-dir uses, so the
    /// one file holds everything (an administrator who copies `<name>.db`
    /// to go back to bacula-dir loses no job).
    pub fn close_cleanly(&self) -> Result<(), CatalogError> {
        let err = |e: rusqlite::Error| CatalogError {
            db: self.path.clone(),
            message: describe(&e),
        };
        self.db
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(err)?;
        self.db
            .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
            .map_err(err)
    }

    /// Whether the file already holds Bacula's tables (a catalog that
    /// bacula-dir or an earlier rdird made), after checking that their
    /// schema version is the one rdird reads and writes; `false` for an
    /// empty file. Bacula's `bdb_check_version` (cats/sql.c) refuses a
    /// version other than its own the same way.
    fn bacula_schema(&self) -> Result<bool, CatalogError> {
        let refuse = |message: String| CatalogError {
            db: self.path.clone(),
            message: format!("{message}; nothing in it was changed"),
        };
        let tables: Vec<String> = {
            let mut q = self
                .db
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
                .map_err(|e| self.err(e))?;
            let rows = q.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        if tables.is_empty() {
            return Ok(false);
        }
        if !tables.iter().any(|t| t == "Version") {
            return Err(refuse(format!(
                "not a Bacula catalog: it has tables ({}) but no Version table",
                tables.join(", ")
            )));
        }
        let versions: Vec<i64> = {
            let mut q = self
                .db
                .prepare("SELECT VersionId FROM Version")
                .map_err(|e| self.err(e))?;
            let rows = q.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        match versions[..] {
            [v] if v == schema::BACULA_VERSION_ID => Ok(true),
            [v] => Err(refuse(format!(
                "its Bacula schema version is {v}, and rdird reads and writes only version {} (Bacula 9.x)",
                schema::BACULA_VERSION_ID
            ))),
            _ => Err(refuse(format!(
                "its Version table should hold one row, it holds {}",
                versions.len()
            ))),
        }
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> CatalogError {
        CatalogError {
            db: self.path.clone(),
            message: describe(&e),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the query modules.
    pub fn db(&self) -> &Connection {
        &self.db
    }

    /// Applies our schema changes not yet recorded; the first creates
    /// Bacula's tables unless the catalog already has them (one bacula-dir
    /// made), which are then taken as they are.
    fn migrate(&mut self, made_by_bacula: bool) -> Result<(), CatalogError> {
        self.db
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS rdird_migrations (Version INTEGER PRIMARY KEY, Name TEXT NOT NULL, Applied BIGINT NOT NULL)",
            )
            .map_err(|e| self.err(e))?;
        let done: i64 = self
            .db
            .query_row("SELECT COUNT(*) FROM rdird_migrations", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        for (i, name) in MIGRATIONS.iter().enumerate().skip(done as usize) {
            let tx = self.db.transaction().map_err(|e| CatalogError {
                db: self.path.clone(),
                message: describe(&e),
            })?;
            if i == 0 && !made_by_bacula {
                for stmt in schema::create_statements() {
                    tx.execute_batch(&stmt).map_err(|e| CatalogError {
                        db: self.path.clone(),
                        message: format!("{e} in {stmt}"),
                    })?;
                }
                for (status, long, severity) in schema::STATUSES {
                    tx.execute(
                        "INSERT INTO Status (JobStatus, JobStatusLong, Severity) VALUES (?1, ?2, ?3)",
                        params![status.to_string(), long, severity],
                    )
                    .map_err(|e| CatalogError {
                        db: self.path.clone(),
                        message: describe(&e),
                    })?;
                }
                tx.execute(
                    "INSERT INTO Version (VersionId) VALUES (?1)",
                    params![schema::BACULA_VERSION_ID],
                )
                .map_err(|e| CatalogError {
                    db: self.path.clone(),
                    message: describe(&e),
                })?;
            }
            tx.execute(
                "INSERT INTO rdird_migrations (Version, Name, Applied) VALUES (?1, ?2, ?3)",
                params![i as i64 + 1, name, now()],
            )
            .map_err(|e| CatalogError {
                db: self.path.clone(),
                message: describe(&e),
            })?;
            tx.commit().map_err(|e| CatalogError {
                db: self.path.clone(),
                message: describe(&e),
            })?;
        }
        Ok(())
    }

    /// Creates or updates the Pool record of one Pool resource (`update
    /// pool=…` does it for one pool).
    pub fn sync_pool(&self, p: &crate::config::Resource) -> Result<(), CatalogError> {
        let b = |d: &str| i64::from(p.bool(d).unwrap_or(false));
        self.db
            .execute(
                "INSERT INTO Pool (Name, MaxVols, UseOnce, UseCatalog, VolRetention, VolUseDuration, MaxVolJobs, MaxVolFiles, MaxVolBytes, AutoPrune, Recycle, PoolType, LabelFormat)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(Name) DO UPDATE SET MaxVols=excluded.MaxVols, UseOnce=excluded.UseOnce,
                   UseCatalog=excluded.UseCatalog, VolRetention=excluded.VolRetention,
                   VolUseDuration=excluded.VolUseDuration, MaxVolJobs=excluded.MaxVolJobs,
                   MaxVolFiles=excluded.MaxVolFiles, MaxVolBytes=excluded.MaxVolBytes,
                   AutoPrune=excluded.AutoPrune, Recycle=excluded.Recycle,
                   PoolType=excluded.PoolType, LabelFormat=excluded.LabelFormat",
                params![
                    p.name,
                    p.int("MaximumVolumes").unwrap_or(0),
                    b("UseVolumeOnce"),
                    b("UseCatalog"),
                    p.int("VolumeRetention").unwrap_or(0),
                    p.int("VolumeUseDuration").unwrap_or(0),
                    p.int("MaximumVolumeJobs").unwrap_or(0),
                    p.int("MaximumVolumeFiles").unwrap_or(0),
                    p.int("MaximumVolumeBytes").unwrap_or(0),
                    b("AutoPrune"),
                    b("Recycle"),
                    p.str("PoolType").unwrap_or("Backup"),
                    p.str("LabelFormat").unwrap_or("*"),
                ],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Creates or updates the Pool, Storage, MediaType and Client records
    /// of the configuration, as Bacula does at start (dird.c
    /// check_catalog): a volume records its Storage's StorageId.
    pub fn sync_resources(&self, config: &Config) -> Result<(), CatalogError> {
        for p in config.all(Kind::Pool) {
            self.sync_pool(p)?;
        }
        for s in config.all(Kind::Storage) {
            if let Some(media_type) = s.str("MediaType") {
                self.db
                    .execute(
                        "INSERT INTO MediaType (MediaType, ReadOnly) SELECT ?1, 0
                         WHERE NOT EXISTS (SELECT 1 FROM MediaType WHERE MediaType = ?1)",
                        params![media_type],
                    )
                    .map_err(|e| self.err(e))?;
            }
            let changer = i64::from(
                s.is_autochanger
                    || matches!(
                        s.get("Autochanger"),
                        Some(crate::config::Value::Autochanger(_))
                    ),
            );
            let updated = self
                .db
                .execute(
                    "UPDATE Storage SET AutoChanger = ?2 WHERE Name = ?1",
                    params![s.name, changer],
                )
                .map_err(|e| self.err(e))?;
            if updated == 0 {
                self.db
                    .execute(
                        "INSERT INTO Storage (Name, AutoChanger) VALUES (?1, ?2)",
                        params![s.name, changer],
                    )
                    .map_err(|e| self.err(e))?;
            }
        }
        for c in config.all(Kind::Client) {
            self.db
                .execute(
                    "INSERT INTO Client (Name, Uname, AutoPrune, FileRetention, JobRetention) VALUES (?1, '', ?2, ?3, ?4)
                     ON CONFLICT(Name) DO UPDATE SET AutoPrune=excluded.AutoPrune,
                       FileRetention=excluded.FileRetention, JobRetention=excluded.JobRetention",
                    params![
                        c.name,
                        i64::from(c.bool("AutoPrune").unwrap_or(true)),
                        c.int("FileRetention").unwrap_or(0),
                        c.int("JobRetention").unwrap_or(0),
                    ],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Jobs a crash left created or running are marked failed (`f`), as
    /// Bacula does at start, and lose their File rows: attributes can
    /// reach the catalog before the data they describe is on the volume,
    /// so none of them is trusted for a restore. Their log says why.
    /// Returns how many.
    pub fn fail_interrupted_jobs(&self) -> Result<usize, CatalogError> {
        let tx = self.db.unchecked_transaction().map_err(|e| self.err(e))?;
        let ids: Vec<i64> = {
            let mut q = tx
                .prepare("SELECT JobId FROM Job WHERE JobStatus IN ('C', 'R')")
                .map_err(|e| self.err(e))?;
            let rows = q.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        for id in &ids {
            tx.execute(
                "UPDATE Job SET JobStatus = 'f', EndTime = CASE WHEN EndTime = 0 THEN datetime('now', 'localtime') ELSE EndTime END WHERE JobId = ?1",
                params![id],
            )
            .map_err(|e| self.err(e))?;
            tx.execute("DELETE FROM File WHERE JobId = ?1", params![id])
                .map_err(|e| self.err(e))?;
            tx.execute(
                "INSERT INTO Log (JobId, Time, LogText) VALUES (?1, datetime('now', 'localtime'), ?2)",
                params![
                    id,
                    "The Director stopped while this job ran: it is marked failed and its File records are removed.\n"
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(ids.len())
    }

    /// Volumes in a pool.
    pub fn num_vols(&self, pool: &str) -> Result<i64, CatalogError> {
        self.db
            .query_row(
                "SELECT COUNT(*) FROM Media JOIN Pool ON Media.PoolId = Pool.PoolId WHERE Pool.Name = ?1",
                params![pool],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Whether a Media record of that name exists.
    pub fn volume_exists(&self, name: &str) -> Result<bool, CatalogError> {
        self.db
            .query_row(
                "SELECT 1 FROM Media WHERE VolumeName = ?1",
                params![name],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_catalog_has_bacula_tables_and_opens_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cat.db");
        {
            let c = Catalog::open(&path).unwrap();
            let n: i64 = c
                .db()
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n as usize, schema::TABLES.len() + 1);
            let v: i64 = c
                .db()
                .query_row("SELECT VersionId FROM Version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(v, 16);
        }
        let c = Catalog::open(&path).unwrap();
        let migrations: i64 = c
            .db()
            .query_row("SELECT COUNT(*) FROM rdird_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(migrations, 1);
    }
}
