//! The database under the catalog: one connection type, [`Db`], that is
//! either SQLite (rusqlite, the embedded default) or PostgreSQL (the
//! synchronous `postgres` crate, pure Rust), with the few operations the
//! catalog's queries need: a statement run for its count, one row, rows
//! (collected or streamed), several statements at once, a transaction,
//! an insert that returns its id, and a batch writer for File rows
//! (`COPY … FROM STDIN` on PostgreSQL). Statements are written once, with
//! SQLite's `?` / `?N` placeholders; the PostgreSQL side rewrites them to
//! `$N` and keeps each prepared statement, as rusqlite's
//! `prepare_cached` does. Values are [`Value`]s (integer, real, text,
//! bytes, null): Bacula's PostgreSQL catalog is SQL_ASCII, so a file or
//! path name is bytes there, and a name that is not UTF-8 comes back
//! exactly as it went in ([`Value::Blob`], read as `Vec<u8>`).
//!
//! This module is not for the catalog's queries themselves (they stay in
//! `catalog/*.rs`, grouped by table) nor for choosing the backend from
//! the configuration beyond opening it ([`postgres::open`]).
//!
//! # Moving the catalog onto this layer
//!
//! Today `Catalog` holds a `rusqlite::Connection`, and `Catalog::db()`
//! hands it to the query modules and to about ten files outside
//! `catalog/` (console/list.rs, list/jobs.rs, list/media.rs, status.rs,
//! update.rs, restore.rs, restart.rs, acl.rs, dot/catalog.rs,
//! peer/catreq.rs). The move goes file by file, each step building and
//! passing its tests on its own:
//!
//! 1. `Catalog` holds a [`Db`] (opened by [`Db::open_sqlite`], which
//!    keeps the busy timeout and the flags `Catalog::open` uses), and
//!    gains `Catalog::sql(&self) -> &Db`; `db()` stays, returning the
//!    SQLite connection (`Db::as_sqlite`) for the callers not yet moved.
//! 2. Each caller then changes in the same few mechanical ways:
//!    `use rusqlite::{params, OptionalExtension}` becomes
//!    `use crate::catalog::db::{db_params, Value}`; `params![a, b]`
//!    becomes `db_params![a, b]`; `.query_row(sql, p, |r| r.get(0))`
//!    keeps its shape on `Db` (the closure gets a [`Row`], `get`
//!    returns `Result<T, DbError>`); `.query_row(..).optional()`
//!    becomes `.query_opt(..)`; `prepare` + `query_map` + `collect`
//!    becomes `.query_map(sql, p, |r| ..)`; a loop over rows that must
//!    not hold them all (restore preparation, bvfs) becomes
//!    `.for_each`; `unchecked_transaction()` becomes `.transaction()`;
//!    `last_insert_rowid()` after an INSERT becomes
//!    `.insert_returning(sql, p, "JobId")` (both databases support
//!    `RETURNING`); `rusqlite::types::Value` (list.rs, acl.rs, status.rs)
//!    becomes [`Value`], whose variants have the same names.
//!    `Catalog::err` takes a [`DbError`].
//! 3. SQL that differs between the two is asked of [`Db::dialect`] at
//!    the call site, never guessed: `datetime('now','localtime')` against
//!    `LOCALTIMESTAMP(0)`, `strftime('%s', …)` against `EXTRACT(EPOCH
//!    FROM …)`, `GROUP_CONCAT` against `string_agg`, `INSERT OR IGNORE`
//!    against `ON CONFLICT DO NOTHING`, `sqlite_master` against
//!    `pg_tables`, `PRAGMA`s (SQLite only). `ON CONFLICT … DO UPDATE`,
//!    `LIMIT`/`OFFSET`, `COALESCE` and `RETURNING` are written once.
//! 4. Attributes (catalog/file.rs, backup.rs) move last, onto
//!    [`Db::batch`]: rows into a `batch` table through the writer, then
//!    Path and Filename resolved set-wise and File filled with one
//!    `INSERT … SELECT`, as bacula-dir's `bdb_write_batch_file_records`
//!    (cats/sql_create.c) does, on a connection of their own.
//! 5. When nothing calls `Catalog::db()` any more, it and `as_sqlite`
//!    go, `Catalog::open` chooses the backend from the Catalog resource's
//!    `dbdriver`, and config/validate.rs stops refusing "postgresql".

pub mod postgres;
mod sqlite;

use std::fmt;

/// One value of a row or of a statement's parameters. The variants are
/// named as rusqlite's `types::Value` is, so that callers move over by
/// changing the import.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    /// Bytes: a BLOB in SQLite; in PostgreSQL a `bytea`, or a `text`
    /// column's value that is not UTF-8 (names in the SQL_ASCII catalog).
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Integer(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Integer(v.into())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Integer(v.into())
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Integer(v.into())
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Blob(v.to_vec())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A statement's parameters, each converted to a [`Value`]:
/// `db_params![job_id, name]`.
#[macro_export]
macro_rules! db_params {
    ($($v:expr),* $(,)?) => {
        &[$($crate::catalog::db::Value::from($v)),*][..]
    };
}
pub use db_params;

/// What a database said, or what did not fit (a column of another type
/// than the caller reads).
#[derive(Debug, Clone, PartialEq)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError(crate::catalog::describe(&e))
    }
}

/// One row of a result, its values in the order of the columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i`, converted to `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, DbError> {
        let v = self.0.get(i).ok_or_else(|| {
            DbError(format!(
                "the row has {} columns, not {}",
                self.0.len(),
                i + 1
            ))
        })?;
        T::from_value(v).map_err(|want| {
            DbError(format!(
                "column {}: expected {want}, the database gave {}",
                i + 1,
                kind_of(v)
            ))
        })
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "text",
        Value::Blob(_) => "bytes",
    }
}

/// A Rust type a column can be read as; the error is what was expected.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self, &'static str>;
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Value, &'static str> {
        Ok(v.clone())
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<i64, &'static str> {
        match v {
            Value::Integer(i) => Ok(*i),
            _ => Err("an integer"),
        }
    }
}

impl FromValue for i32 {
    fn from_value(v: &Value) -> Result<i32, &'static str> {
        match v {
            Value::Integer(i) => i32::try_from(*i).map_err(|_| "a 32-bit integer"),
            _ => Err("an integer"),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<bool, &'static str> {
        match v {
            Value::Integer(i) => Ok(*i != 0),
            _ => Err("an integer (a yes/no)"),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<f64, &'static str> {
        match v {
            Value::Real(r) => Ok(*r),
            Value::Integer(i) => Ok(*i as f64),
            _ => Err("a number"),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<String, &'static str> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => Err("UTF-8 text"),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Vec<u8>, &'static str> {
        match v {
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            Value::Blob(b) => Ok(b.clone()),
            _ => Err("text or bytes"),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Option<T>, &'static str> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// Which SQL the database speaks, for the statements that must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection to the catalog's database.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::PgConnection),
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Db({:?})", self.dialect())
    }
}

impl Db {
    /// Opens (creating if needed) the SQLite file at `path`, as
    /// `Catalog::open` does: read-write, no mutex of SQLite's own (the
    /// Director serialises), never through a symbolic link at the last
    /// component, waiting at most `catalog::BUSY_TIMEOUT` for a lock.
    pub fn open_sqlite(path: &std::path::Path) -> Result<Db, DbError> {
        sqlite::open(path).map(Db::Sqlite)
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection, for the callers not yet moved onto `Db`.
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Db::Sqlite(c) => Some(c),
            Db::Postgres(_) => None,
        }
    }

    /// Runs one statement; how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            Db::Sqlite(c) => sqlite::execute(c, sql, params),
            Db::Postgres(c) => c.execute(sql, params),
        }
    }

    /// Runs several statements separated by `;`, without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Db::Sqlite(c) => c.execute_batch(sql).map_err(DbError::from),
            Db::Postgres(c) => c.execute_batch(sql),
        }
    }

    /// Runs an INSERT and returns the value of its `id_column` in the new
    /// row (`RETURNING`, which SQLite has since 3.35).
    pub fn insert_returning(
        &self,
        sql: &str,
        params: &[Value],
        id_column: &str,
    ) -> Result<i64, DbError> {
        self.query_row(&format!("{sql} RETURNING {id_column}"), params, |r| {
            r.get(0)
        })
    }

    /// Calls `f` on each row of the result in turn, holding one row at a
    /// time; stops at the first error `f` returns. `f` runs no statement
    /// on this `Db`: a PostgreSQL connection reads one result at a time
    /// (such a statement fails, saying so).
    pub fn for_each(
        &self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(Row) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        match self {
            Db::Sqlite(c) => sqlite::for_each(c, sql, params, f),
            Db::Postgres(c) => c.for_each(sql, params, f),
        }
    }

    /// Each row of the result, mapped by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(&Row) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let mut out = Vec::new();
        self.for_each(sql, params, &mut |row| {
            out.push(f(&row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of the result mapped by `f`, if there is one.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&Row) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        let mut first = None;
        self.for_each(sql, params, &mut |row| {
            if first.is_none() {
                first = Some(row);
            }
            Ok(())
        })?;
        first.as_ref().map(f).transpose()
    }

    /// The first row of the result mapped by `f`; an error when there is
    /// none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[Value],
        f: impl FnOnce(&Row) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.query_opt(sql, params, f)?
            .ok_or_else(|| DbError(format!("no row for: {sql}")))
    }

    /// The column names of a query and its rows (the console's `list`
    /// and `sqlquery` print both).
    pub fn query_table(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Row>), DbError> {
        match self {
            Db::Sqlite(c) => sqlite::query_table(c, sql, params),
            Db::Postgres(c) => c.query_table(sql, params),
        }
    }

    /// Begins a transaction on this connection; it is rolled back unless
    /// [`Tx::commit`] is called. The statements in it go through `Db` as
    /// usual (the transaction is the connection's state, as in
    /// rusqlite's `unchecked_transaction`).
    pub fn transaction(&self) -> Result<Tx<'_>, DbError> {
        self.execute_batch("BEGIN")?;
        Ok(Tx {
            db: self,
            open: true,
        })
    }

    /// A writer of many rows into `table`'s `columns`: `COPY … FROM
    /// STDIN` on PostgreSQL, sent each time the rows written reach
    /// [`BATCH_BYTES`] and at [`BatchWriter::finish`]; a prepared INSERT
    /// a row on SQLite (put it in a transaction).
    pub fn batch<'a>(&'a self, table: &str, columns: &[&str]) -> Result<BatchWriter<'a>, DbError> {
        let names = columns.join(", ");
        let sql = match self {
            Db::Sqlite(_) => {
                let marks = vec!["?"; columns.len()].join(", ");
                format!("INSERT INTO {table} ({names}) VALUES ({marks})")
            }
            Db::Postgres(_) => format!("COPY {table} ({names}) FROM STDIN"),
        };
        Ok(BatchWriter {
            db: self,
            sql,
            width: columns.len(),
            buffer: Vec::new(),
            rows: 0,
        })
    }
}

/// An open transaction, rolled back when dropped uncommitted.
pub struct Tx<'a> {
    db: &'a Db,
    open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<(), DbError> {
        self.open = false;
        self.db.execute_batch("COMMIT")
    }

    pub fn rollback(mut self) -> Result<(), DbError> {
        self.open = false;
        self.db.execute_batch("ROLLBACK")
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the error that dropped the
            // transaction is the one the caller sees, and a connection
            // whose ROLLBACK fails fails its next statement too.
            let _ = self.db.execute_batch("ROLLBACK");
        }
    }
}

/// How many bytes of COPY rows a [`BatchWriter`] holds before it sends
/// them: large enough that a COPY carries thousands of File rows, small
/// enough that memory does not grow with the job.
pub const BATCH_BYTES: usize = 4 << 20;

/// Rows going into one table in bulk; see [`Db::batch`].
pub struct BatchWriter<'a> {
    db: &'a Db,
    sql: String,
    width: usize,
    /// PostgreSQL: COPY's text form of the rows not yet sent.
    buffer: Vec<u8>,
    rows: u64,
}

impl BatchWriter<'_> {
    /// Adds one row, its values in the order of the columns.
    pub fn write(&mut self, row: &[Value]) -> Result<(), DbError> {
        if row.len() != self.width {
            return Err(DbError(format!(
                "a row of {} values for {} columns ({})",
                row.len(),
                self.width,
                self.sql
            )));
        }
        self.rows += 1;
        match self.db {
            Db::Sqlite(c) => sqlite::execute(c, &self.sql, row).map(drop),
            Db::Postgres(_) => {
                postgres::copy_row(&mut self.buffer, row);
                if self.buffer.len() >= BATCH_BYTES {
                    self.send()?;
                }
                Ok(())
            }
        }
    }

    fn send(&mut self) -> Result<(), DbError> {
        if let Db::Postgres(c) = self.db {
            if !self.buffer.is_empty() {
                c.copy_in(&self.sql, &self.buffer)?;
                self.buffer.clear();
            }
        }
        Ok(())
    }

    /// Sends what is left; how many rows were written in all.
    pub fn finish(mut self) -> Result<u64, DbError> {
        self.send()?;
        Ok(self.rows)
    }
}
