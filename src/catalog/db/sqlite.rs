//! The SQLite side of [`Db`](super::Db): rusqlite with each statement
//! kept prepared (`prepare_cached`), values converted to and from
//! [`Value`].

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};

use super::{DbError, Row, Value};

pub(super) fn open(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let c = Connection::open_with_flags(path, flags)?;
    c.busy_timeout(crate::catalog::BUSY_TIMEOUT)?;
    Ok(c)
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        // SQLite's text is whatever bytes were stored as text: a name that
        // is not UTF-8 stays bytes rather than being replaced.
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Value::Text(s.to_string()),
            Err(_) => Value::Blob(t.to_vec()),
        },
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn row(r: &rusqlite::Row<'_>, width: usize) -> Result<Row, DbError> {
    (0..width)
        .map(|i| Ok(value(r.get_ref(i)?)))
        .collect::<Result<_, DbError>>()
        .map(Row)
}

pub(super) fn execute(c: &Connection, sql: &str, params: &[Value]) -> Result<u64, DbError> {
    let mut q = c.prepare_cached(sql)?;
    Ok(q.execute(rusqlite::params_from_iter(params))? as u64)
}

pub(super) fn for_each(
    c: &Connection,
    sql: &str,
    params: &[Value],
    f: &mut dyn FnMut(Row) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let mut q = c.prepare_cached(sql)?;
    let width = q.column_count();
    let mut rows = q.query(rusqlite::params_from_iter(params))?;
    while let Some(r) = rows.next()? {
        f(row(r, width)?)?;
    }
    Ok(())
}

pub(super) fn query_table(
    c: &Connection,
    sql: &str,
    params: &[Value],
) -> Result<(Vec<String>, Vec<Row>), DbError> {
    let mut q = c.prepare_cached(sql)?;
    let names: Vec<String> = q.column_names().iter().map(|n| n.to_string()).collect();
    let width = names.len();
    let mut rows = q.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(row(r, width)?);
    }
    Ok((names, out))
}

#[cfg(test)]
mod tests {
    use super::super::{db_params, Db, Dialect, Row, Value};

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("t.db")).unwrap();
        db.execute_batch(
            "CREATE TABLE Path (PathId INTEGER PRIMARY KEY, Path BLOB NOT NULL, Depth INTEGER)",
        )
        .unwrap();
        (dir, db)
    }

    #[test]
    fn a_name_that_is_not_utf8_comes_back_byte_for_byte() {
        let (_d, db) = db();
        let name: &[u8] = b"/tmp/caf\xe9/\xff\xfe/";
        // Stored as TEXT, as a name written through a text parameter is.
        db.execute(
            "INSERT INTO Path (Path) VALUES (CAST(?1 AS TEXT))",
            db_params![name],
        )
        .unwrap();
        let kind: String = db
            .query_row("SELECT typeof(Path) FROM Path", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(kind, "text");
        let back: Vec<u8> = db
            .query_row("SELECT Path FROM Path", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(back, name);
        let as_text = db.query_row("SELECT Path FROM Path", &[], |r| r.get::<String>(0));
        assert!(as_text.is_err(), "bytes that are not UTF-8 are not text");
    }

    #[test]
    fn insert_returning_gives_the_new_rows_id() {
        let (_d, db) = db();
        let a = db
            .insert_returning(
                "INSERT INTO Path (Path) VALUES (?)",
                db_params!["/a/"],
                "PathId",
            )
            .unwrap();
        let b = db
            .insert_returning(
                "INSERT INTO Path (Path) VALUES (?)",
                db_params!["/b/"],
                "PathId",
            )
            .unwrap();
        assert_eq!((a, b), (1, 2));
        assert_eq!(db.dialect(), Dialect::Sqlite);
    }

    #[test]
    fn a_transaction_dropped_uncommitted_changes_nothing() {
        let (_d, db) = db();
        {
            let tx = db.transaction().unwrap();
            tx.execute("INSERT INTO Path (Path) VALUES ('/x/')", &[])
                .unwrap();
        }
        let n: i64 = db
            .query_row("SELECT COUNT(*) FROM Path", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        let tx = db.transaction().unwrap();
        tx.execute("INSERT INTO Path (Path) VALUES ('/y/')", &[])
            .unwrap();
        tx.commit().unwrap();
        let n: i64 = db
            .query_row("SELECT COUNT(*) FROM Path", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn a_batch_writes_every_row_and_nulls_stay_null() {
        let (_d, db) = db();
        let tx = db.transaction().unwrap();
        let mut w = tx.batch("Path", &["Path", "Depth"]).unwrap();
        for i in 0..1000 {
            let depth = if i % 2 == 0 { Some(i) } else { None };
            w.write(db_params![format!("/d{i}/"), depth]).unwrap();
        }
        assert!(
            w.write(db_params!["/short/"]).is_err(),
            "a row of the wrong width is refused"
        );
        assert_eq!(w.finish().unwrap(), 1000);
        tx.commit().unwrap();
        let rows = db
            .query_map(
                "SELECT Path, Depth FROM Path WHERE PathId <= 2 ORDER BY PathId",
                &[],
                |r| Ok((r.get::<String>(0)?, r.get::<Option<i64>>(1)?)),
            )
            .unwrap();
        assert_eq!(
            rows,
            [("/d0/".to_string(), Some(0)), ("/d1/".to_string(), None)]
        );
    }

    #[test]
    fn query_table_names_the_columns_and_query_opt_finds_none() {
        let (_d, db) = db();
        db.execute("INSERT INTO Path (Path, Depth) VALUES ('/a/', 1)", &[])
            .unwrap();
        let (names, rows) = db
            .query_table("SELECT PathId, Path AS Name, Depth * 1.5 FROM Path", &[])
            .unwrap();
        assert_eq!(names, ["PathId", "Name", "Depth * 1.5"]);
        assert_eq!(
            rows,
            [Row(vec![
                Value::Integer(1),
                Value::Text("/a/".into()),
                Value::Real(1.5)
            ])]
        );
        let none = db
            .query_opt(
                "SELECT PathId FROM Path WHERE Path = ?",
                db_params!["/b/"],
                |r| r.get::<i64>(0),
            )
            .unwrap();
        assert_eq!(none, None);
    }
}
