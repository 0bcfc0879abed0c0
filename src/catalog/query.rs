//! SQL typed at a console (`sqlquery`, `.sql`): run on a connection of its
//! own that cannot change the catalog or touch another file. Three locks,
//! each enough for most statements: the file is opened read-only,
//! `query_only` is on, and an authorizer refuses everything but reading
//! (ATTACH, DETACH, writes, schema changes, transactions, pragmas other
//! than a few that only describe the schema, functions that reach files).
//! VACUUM passes no authorizer check, so a statement SQLite does not call
//! read-only is refused too.
//!
//! bacula-dir 9.6.7 runs these on its own catalog connection (ua_cmds.c
//! sqlquery_cmd, ua_dotcmds.c sql_cmd), with every right it has.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::{Connection, OpenFlags};

use super::CatalogError;

/// Pragmas a query may use: their argument is a table or index name and
/// they only describe it.
const READ_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
];

/// Functions that reach outside the database.
const FILE_FUNCTIONS: &[&str] = &[
    "load_extension",
    "readfile",
    "writefile",
    "edit",
    "fts3_tokenizer",
];

/// The longest a console query runs: past it SQLite stops it, so that no
/// query holds a reader (and with it the catalog's WAL) for ever.
/// bacula-dir 9.6.7 lets a query run as long as it likes.
pub const QUERY_TIME_LIMIT: Duration = Duration::from_secs(600);

/// The longest string or blob a console query may make, in bytes.
pub const MAX_VALUE_BYTES: i32 = 16 << 20;

/// A read-only connection to the catalog, for console SQL.
pub struct QueryConnection {
    db: Connection,
    /// What the authorizer last refused, for the message.
    refused: Arc<Mutex<Option<String>>>,
    /// When the statement `check` last accepted started.
    started: Arc<Mutex<Instant>>,
    /// The last statement was stopped at the time limit.
    timed_out: Arc<AtomicBool>,
    limit: Duration,
}

/// Why `action` is refused, or None when it only reads.
fn refusal(ctx: &AuthContext<'_>) -> Option<String> {
    match ctx.action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Recursive => None,
        AuthAction::Pragma { pragma_name, .. }
            if READ_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()) =>
        {
            None
        }
        AuthAction::Pragma { pragma_name, .. } => Some(format!("PRAGMA {pragma_name}")),
        AuthAction::Function { function_name } => FILE_FUNCTIONS
            .contains(&function_name.to_ascii_lowercase().as_str())
            .then(|| format!("the function {function_name}")),
        AuthAction::Attach { .. } => Some("ATTACH".into()),
        AuthAction::Detach { .. } => Some("DETACH".into()),
        // CREATE and DROP ask first to write the schema table; refused,
        // SQLite asks no more.
        AuthAction::Insert { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::Delete { table_name }
            if table_name.starts_with("sqlite_") =>
        {
            Some("a schema change (CREATE, DROP, ALTER)".into())
        }
        AuthAction::Insert { .. } => Some("INSERT".into()),
        AuthAction::Update { .. } => Some("UPDATE".into()),
        AuthAction::Delete { .. } => Some("DELETE".into()),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            Some("a transaction".into())
        }
        other => Some(sql_words(&format!("{other:?}"))),
    }
}

/// An authorizer action as the SQL that asks for it: `DropTable { .. }`
/// is "DROP TABLE".
fn sql_words(action: &str) -> String {
    let name = action.split([' ', '{', '(']).next().unwrap_or(action);
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl QueryConnection {
    /// Opens the catalog at `path` read-only, never through a symbolic link.
    pub fn open(path: &Path) -> Result<QueryConnection, CatalogError> {
        QueryConnection::open_with_limit(path, QUERY_TIME_LIMIT)
    }

    /// `open`, with each statement stopped after `limit`.
    fn open_with_limit(path: &Path, limit: Duration) -> Result<QueryConnection, CatalogError> {
        let err = |e: rusqlite::Error| CatalogError {
            db: path.to_path_buf(),
            message: super::describe(&e),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let real = crate::files::catalog_target(path).map_err(|message| CatalogError {
            db: path.to_path_buf(),
            message,
        })?;
        let db = Connection::open_with_flags(real, flags).map_err(err)?;
        db.busy_timeout(super::BUSY_TIMEOUT).map_err(err)?;
        db.pragma_update(None, "query_only", true).map_err(err)?;
        // One value is built whole before any cap on the reply can look at
        // it (`printf('%.900000000c', 'x')`): SQLite refuses to make a
        // string or blob longer than this ("string or blob too big").
        // SAFETY: the handle is this open connection's.
        unsafe {
            rusqlite::ffi::sqlite3_limit(
                db.handle(),
                rusqlite::ffi::SQLITE_LIMIT_LENGTH,
                MAX_VALUE_BYTES,
            )
        };
        let refused = Arc::new(Mutex::new(None));
        let seen = refused.clone();
        db.authorizer(Some(move |ctx: AuthContext<'_>| match refusal(&ctx) {
            None => Authorization::Allow,
            Some(why) => {
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(why);
                Authorization::Deny
            }
        }))
        .map_err(err)?;
        let started = Arc::new(Mutex::new(Instant::now()));
        let timed_out = Arc::new(AtomicBool::new(false));
        let (since, stopped) = (started.clone(), timed_out.clone());
        // Called every few thousand SQLite instructions; true stops the
        // statement with SQLITE_INTERRUPT.
        db.progress_handler(
            10_000,
            Some(move || {
                let late = since.lock().unwrap_or_else(|e| e.into_inner()).elapsed() > limit;
                if late {
                    stopped.store(true, Ordering::Relaxed);
                }
                late
            }),
        )
        .map_err(err)?;
        Ok(QueryConnection {
            db,
            refused,
            started,
            timed_out,
            limit,
        })
    }

    /// The connection, once `check` accepted the statement; the time
    /// limit counts from `check`.
    pub fn db(&self) -> &Connection {
        &self.db
    }

    /// Why the statement failed with `error`: the time limit, when that
    /// is what stopped it.
    pub fn failure(&self, error: String) -> String {
        if self.timed_out.load(Ordering::Relaxed) {
            format!(
                "the query ran for more than {} seconds, the most a console query may run; it was stopped",
                self.limit.as_secs_f64()
            )
        } else {
            error
        }
    }

    /// Whether `sql` may run here: one statement that only reads. The
    /// message names what was refused.
    pub fn check(&self, sql: &str) -> Result<(), String> {
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.timed_out.store(false, Ordering::Relaxed);
        self.refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let prepared = self.db.prepare(sql);
        let why = self
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let stmt = match (prepared, why) {
            (_, Some(why)) => {
                return Err(format!(
                    "{why} is not allowed: console SQL only reads the catalog"
                ))
            }
            (Err(e), None) => return Err(e.to_string()),
            (Ok(stmt), None) => stmt,
        };
        if !stmt.readonly() {
            return Err("this statement writes: console SQL only reads the catalog".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reading_statements_pass_and_a_refusal_names_what_it_refused() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("cat.db");
        drop(super::super::Catalog::open(&path).unwrap());
        let q = QueryConnection::open(&path).unwrap();
        assert_eq!(q.check("SELECT COUNT(*) FROM Job"), Ok(()));
        assert_eq!(q.check("PRAGMA table_info(Job)"), Ok(()));
        let attach = format!("ATTACH '{}' AS x", d.path().join("x.db").display());
        for (sql, named) in [
            (attach.as_str(), "ATTACH"),
            ("INSERT INTO Pool (Name) VALUES ('x')", "INSERT"),
            ("UPDATE Job SET Name = 'x'", "UPDATE"),
            ("DELETE FROM Job", "DELETE"),
            ("PRAGMA user_version = 3", "PRAGMA user_version"),
            ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode"),
            ("BEGIN", "a transaction"),
            ("DROP TABLE Job", "a schema change"),
            ("CREATE TEMP VIEW v AS SELECT 1", "a schema change"),
        ] {
            let e = q.check(sql).unwrap_err();
            assert!(e.starts_with(named), "{sql}: {e}");
        }
        let e = q.check("VACUUM INTO '/tmp/never'").unwrap_err();
        assert!(e.contains("writes"), "{e}");
        assert!(!d.path().join("x.db").exists());
    }

    #[test]
    fn a_query_that_never_ends_is_stopped_at_the_time_limit_and_says_so() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("cat.db");
        drop(super::super::Catalog::open(&path).unwrap());
        let q = QueryConnection::open_with_limit(&path, Duration::from_millis(300)).unwrap();
        let endless =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c";
        assert_eq!(q.check(endless), Ok(()));
        let e = q
            .db()
            .query_row(endless, [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        let why = q.failure(e.to_string());
        assert!(why.contains("more than 0.3 seconds"), "{why}");
        assert_eq!(q.check("SELECT 1"), Ok(()));
        let one: i64 = q.db().query_row("SELECT 1", [], |r| r.get(0)).unwrap();
        assert_eq!(one, 1);
        assert_eq!(q.failure("other".into()), "other");
    }
}
