//! The PostgreSQL side of [`Db`](super::Db): a connection made from a
//! Catalog resource as bacula-dir 9.6.7 reads it (cats/postgresql.c
//! `bdb_open_database`), Bacula's schema checked or created, statements
//! with their `?` placeholders rewritten to `$N` and kept prepared,
//! values converted to and from [`Value`], and `COPY … FROM STDIN`'s text
//! form for the batch writer.
//!
//! The session is set up as bacula-dir sets up its own: `client_encoding`
//! SQL_ASCII (so names are bytes, passed through unconverted), `datestyle`
//! ISO, YMD, and standard conforming strings.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::io::Write;
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use postgres::types::{FromSql, IsNull, ToSql, Type};
use postgres::{Client, Config, NoTls, Statement};

use super::{Db, DbError, Row, Value};
use crate::catalog::schema::BACULA_VERSION_ID;
use crate::config::Resource;

/// Bacula 9.6.7's PostgreSQL tables, from its `make_postgresql_tables`.
const MAKE_POSTGRESQL_TABLES: &str = include_str!("make_postgresql_tables.sql");

/// PostgreSQL's port when the Catalog names none (libpq's default, which
/// bacula-dir falls back on by passing no port).
pub const DEFAULT_PORT: u16 = 5432;

/// Where libpq (Debian's build, which bacula-dir links) looks for the
/// server's socket when the Catalog names no address.
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// How long the connection at start waits for the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept a connection; past this the cache starts
/// again (statements built with their values inline would otherwise
/// grow it without bound).
const STATEMENTS_KEPT: usize = 256;

/// Where and as whom to reach the server: a Catalog resource's `DB
/// Address`, `DB Port`, `DB Socket`, `DB Name`, `DB User` and `DB
/// Password`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// A host name or address, or (starting with `/`) the directory of
    /// the server's Unix socket, as libpq reads `host`.
    pub host: String,
    pub port: u16,
    pub dbname: String,
    /// `None`: the name of the user rdird runs as, as libpq does.
    pub user: Option<String>,
    pub password: Option<String>,
}

impl Target {
    /// The server as a message names it: `127.0.0.1:5432`, or the socket.
    pub fn server(&self) -> String {
        if self.host.starts_with('/') {
            format!("{}/.s.PGSQL.{}", self.host, self.port)
        } else if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The server, the database and the user, for messages.
    pub fn describe(&self) -> String {
        let user = self.user.as_deref().unwrap_or("(the Director's own user)");
        format!(
            "PostgreSQL server {}, database \"{}\", user \"{user}\"",
            self.server(),
            self.dbname
        )
    }

    /// Reads a Catalog resource. `DB Address` is used as libpq uses
    /// `host`; with none, `DB Socket` (the socket's directory, or the
    /// socket file itself) and then libpq's own default, the socket in
    /// /var/run/postgresql. bacula-dir 9.6.7 passes `DB Socket` only to
    /// MySQL (cats/postgresql.c gives libpq host, port, dbname, user,
    /// password and the TLS settings), so a PostgreSQL site that sets it
    /// reaches its socket through `DB Address` or the default; rdird
    /// takes it as the administrator wrote it. TLS to the server is not
    /// spoken yet: a Catalog that asks for it (`dbsslmode` require,
    /// verify-ca or verify-full, or a key, certificate or CA) is refused
    /// rather than connected in the clear.
    pub fn from_catalog(r: &Resource) -> Result<Target, DbError> {
        let at = |m: String| {
            DbError(format!(
                "Catalog \"{}\" ({}:{}): {m}",
                r.name, r.at.file, r.at.line
            ))
        };
        let mode = r.str("dbsslmode").unwrap_or("prefer");
        match mode {
            "disable" | "allow" | "prefer" => {}
            "require" | "verify-ca" | "verify-full" => {
                return Err(at(format!(
                    "dbsslmode = \"{mode}\" asks for TLS to PostgreSQL, which rdird does not speak yet; \
                     it refuses to start rather than send the catalog in the clear"
                )))
            }
            other => {
                return Err(at(format!(
                    "dbsslmode = \"{other}\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )))
            }
        }
        for d in ["dbsslkey", "dbsslcert", "dbsslca", "dbsslcapath"] {
            if r.str(d).is_some() {
                return Err(at(format!(
                    "{d} is set for TLS to PostgreSQL, which rdird does not speak yet; \
                     it refuses to start rather than send the catalog in the clear"
                )));
            }
        }
        let port = match r.int("DbPort") {
            None | Some(0) => DEFAULT_PORT,
            Some(p) => {
                u16::try_from(p).map_err(|_| at(format!("DB Port {p} is not a TCP port")))?
            }
        };
        let socket_dir = |s: &str| match s.rsplit_once("/.s.PGSQL.") {
            Some((dir, _)) => dir.to_string(),
            None => s.trim_end_matches('/').to_string(),
        };
        let host = match (r.str("Address"), r.str("DbSocket")) {
            (Some(a), _) if !a.is_empty() => a.to_string(),
            (_, Some(s)) if !s.is_empty() => socket_dir(s),
            _ => DEFAULT_SOCKET_DIR.to_string(),
        };
        Ok(Target {
            host,
            port,
            dbname: r.str("DbName").unwrap_or("bacula").to_string(),
            user: r.str("User").filter(|u| !u.is_empty()).map(str::to_string),
            password: r.str("Password").map(str::to_string),
        })
    }
}

/// Opens the catalog a Catalog resource names in PostgreSQL: connects,
/// then checks Bacula's schema, or creates it in a database that has no
/// tables. Every error names the Catalog, where it is written, the
/// server, and what PostgreSQL said; a database rdird refuses is left as
/// it was.
pub fn open(catalog: &Resource) -> Result<Db, DbError> {
    let target = Target::from_catalog(catalog)?;
    let named = |m: String| {
        DbError(format!(
            "Catalog \"{}\" ({}:{}), {}: {m}",
            catalog.name,
            catalog.at.file,
            catalog.at.line,
            target.describe()
        ))
    };
    let conn = PgConnection::connect(&target).map_err(|e| named(e.0))?;
    conn.check_or_create_schema().map_err(|e| named(e.0))?;
    Ok(Db::Postgres(conn))
}

/// One session with the server. The client is behind a `RefCell`, as
/// rusqlite's connection is used through `&self`: the catalog's lock is
/// what keeps one statement at a time.
pub struct PgConnection {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
}

/// What a `postgres` error says, with PostgreSQL's own message, detail
/// and hint when the server sent one, else the cause (refused, timed out).
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut m = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            m += &format!(" ({d})");
        }
        if let Some(h) = db.hint() {
            m += &format!("; hint: {h}");
        }
        return m;
    }
    let mut m = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !m.contains(&s) {
            m += &format!(": {s}");
        }
        cause = c.source();
    }
    m
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError(describe(&e))
    }
}

impl PgConnection {
    /// Connects and sets the session up as bacula-dir does; a database
    /// that is not SQL_ASCII is refused (see `check_encoding`).
    pub fn connect(t: &Target) -> Result<PgConnection, DbError> {
        let mut config = Config::new();
        if t.host.starts_with('/') {
            config.host_path(&t.host);
        } else {
            config.host(&t.host);
        }
        config
            .port(t.port)
            .dbname(&t.dbname)
            .application_name("rdird")
            .connect_timeout(CONNECT_TIMEOUT)
            .ssl_mode(postgres::config::SslMode::Disable);
        if let Some(u) = &t.user {
            config.user(u);
        }
        if let Some(p) = &t.password {
            config.password(p);
        }
        let client = config
            .connect(NoTls)
            .map_err(|e| DbError(format!("cannot connect: {}", describe(&e))))?;
        let conn = PgConnection {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        };
        conn.check_encoding()?;
        conn.execute_batch(
            "SET client_encoding TO 'SQL_ASCII'; SET datestyle TO 'ISO, YMD'; \
             SET cursor_tuple_fraction = 1; SET standard_conforming_strings = on",
        )?;
        Ok(conn)
    }

    /// Bacula's catalog is SQL_ASCII (create_postgresql_database makes it
    /// so): file names are whatever bytes the file system holds. In a
    /// UTF-8 database the first name that is not UTF-8 fails its job
    /// halfway, so such a database is refused at start; bacula-dir 9.6.7
    /// only warns (cats/postgresql.c `pgsql_check_database_encoding`).
    fn check_encoding(&self) -> Result<(), DbError> {
        let encoding: String = self.query_first("SELECT getdatabaseencoding()", &[])?;
        if encoding != "SQL_ASCII" {
            let db: String = self.query_first("SELECT current_database()", &[])?;
            return Err(DbError(format!(
                "the database's encoding is {encoding}, and a Bacula catalog's is SQL_ASCII (file names are bytes); \
                 make it as Bacula's create_postgresql_database does: \
                 CREATE DATABASE \"{db}\" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            )));
        }
        Ok(())
    }

    fn query_first(&self, sql: &str, params: &[Value]) -> Result<String, DbError> {
        let mut got = None;
        self.for_each(sql, params, &mut |r| {
            got.get_or_insert(r.get::<String>(0)?);
            Ok(())
        })?;
        got.ok_or_else(|| DbError(format!("no row for: {sql}")))
    }

    /// An empty database gets Bacula's tables (in one transaction: a
    /// failure leaves it empty); one with Bacula's tables must be at
    /// schema version 16, as bacula-dir's `bdb_check_version`
    /// (cats/sql.c) requires; any other is refused unchanged.
    pub fn check_or_create_schema(&self) -> Result<(), DbError> {
        let mut tables: Vec<String> = Vec::new();
        self.for_each(
            "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY 1",
            &[],
            &mut |r| {
                tables.push(r.get(0)?);
                Ok(())
            },
        )?;
        let refuse = |m: String| DbError(format!("{m}; nothing in it was changed"));
        if tables.is_empty() {
            return self.create_schema();
        }
        if !tables.iter().any(|t| t == "version") {
            return Err(refuse(format!(
                "not a Bacula catalog: it has tables ({}) but no Version table",
                tables.join(", ")
            )));
        }
        let mut versions: Vec<i64> = Vec::new();
        self.for_each("SELECT VersionId FROM Version", &[], &mut |r| {
            versions.push(r.get(0)?);
            Ok(())
        })?;
        match versions[..] {
            [v] if v == BACULA_VERSION_ID => Ok(()),
            [v] => Err(refuse(format!(
                "its Bacula schema version is {v}, and rdird reads and writes only version {BACULA_VERSION_ID} (Bacula 9.x)"
            ))),
            _ => Err(refuse(format!(
                "its Version table should hold one row, it holds {}",
                versions.len()
            ))),
        }
    }

    fn create_schema(&self) -> Result<(), DbError> {
        self.execute_batch("BEGIN")?;
        let made = self
            .execute_batch(MAKE_POSTGRESQL_TABLES)
            .and_then(|()| self.execute_batch("COMMIT"));
        if let Err(e) = made {
            let _ = self.execute_batch("ROLLBACK");
            return Err(DbError(format!("creating Bacula's tables: {}", e.0)));
        }
        Ok(())
    }

    fn client(&self) -> Result<RefMut<'_, Client>, DbError> {
        self.client.try_borrow_mut().map_err(|_| {
            DbError(
                "a statement was run on the PostgreSQL connection while another's rows were being read"
                    .into(),
            )
        })
    }

    /// The prepared statement for `sql` (its placeholders rewritten),
    /// prepared on first use.
    fn statement(&self, client: &mut Client, sql: &str) -> Result<Statement, DbError> {
        let mut kept = self.statements.borrow_mut();
        if let Some(s) = kept.get(sql) {
            return Ok(s.clone());
        }
        let s = client
            .prepare(&placeholders(sql))
            .map_err(|e| DbError(format!("{} in {sql}", describe(&e))))?;
        if kept.len() >= STATEMENTS_KEPT {
            kept.clear();
        }
        kept.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    pub(super) fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut client = self.client()?;
        let s = self.statement(&mut client, sql)?;
        Ok(client.execute(&s, &refs(params))?)
    }

    pub(super) fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        Ok(self.client()?.batch_execute(sql)?)
    }

    pub(super) fn for_each(
        &self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(Row) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client()?;
        let s = self.statement(&mut client, sql)?;
        let mut rows = client.query_raw(&s, params.iter())?;
        while let Some(r) = rows.next()? {
            f(row(&r)?)?;
        }
        Ok(())
    }

    pub(super) fn query_table(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Row>), DbError> {
        let mut client = self.client()?;
        let s = self.statement(&mut client, sql)?;
        let names = s.columns().iter().map(|c| c.name().to_string()).collect();
        let rows = client.query(&s, &refs(params))?;
        Ok((names, rows.iter().map(row).collect::<Result<_, _>>()?))
    }

    /// Sends `data` (rows in COPY's text form) through `copy` (a `COPY …
    /// FROM STDIN` statement).
    pub(super) fn copy_in(&self, copy: &str, data: &[u8]) -> Result<u64, DbError> {
        let mut client = self.client()?;
        let mut w = client.copy_in(copy)?;
        w.write_all(data)
            .map_err(|e| DbError(format!("sending rows for {copy}: {e}")))?;
        Ok(w.finish()?)
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn row(r: &postgres::Row) -> Result<Row, DbError> {
    (0..r.len())
        .map(|i| {
            r.try_get::<_, Value>(i).map_err(|e| {
                DbError(format!(
                    "column \"{}\" ({}): {}",
                    r.columns()[i].name(),
                    r.columns()[i].type_(),
                    describe(&e)
                ))
            })
        })
        .collect::<Result<_, _>>()
        .map(Row)
}

/// `sql` with SQLite's placeholders in PostgreSQL's form: `?N` becomes
/// `$N`, and a bare `?` takes the number after the largest so far (as
/// SQLite numbers it). Quoted strings, quoted names and comments are
/// copied as they are.
pub fn placeholders(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest = 0u32;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i = (i + 1).min(b.len());
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            }
            b'?' => {
                i += 1;
                let digits = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let n = sql[digits..i].parse().unwrap_or(largest + 1);
                largest = largest.max(n);
                out.push_str(&format!("${n}"));
                continue;
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
        out.push_str(&sql[start..i]);
    }
    out
}

/// Appends one row in COPY's text form: tab-separated, `\N` for NULL,
/// backslash, tab, newline and carriage return escaped, every other byte
/// as it is (the session is SQL_ASCII: names that are not UTF-8 pass
/// through).
pub(super) fn copy_row(out: &mut Vec<u8>, row: &[Value]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        let bytes: std::borrow::Cow<'_, [u8]> = match v {
            Value::Null => {
                out.extend_from_slice(b"\\N");
                continue;
            }
            Value::Integer(n) => n.to_string().into_bytes().into(),
            Value::Real(r) => r.to_string().into_bytes().into(),
            Value::Text(s) => s.as_bytes().into(),
            Value::Blob(b) => b.as_slice().into(),
        };
        for &c in bytes.iter() {
            match c {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                c => out.push(c),
            }
        }
    }
    out.push(b'\n');
}

/// Whether the server's type is one PostgreSQL sends as the bytes of its
/// text (binary and text forms are the same).
fn is_text(ty: &Type) -> bool {
    [
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
        Type::UNKNOWN,
    ]
    .contains(ty)
}

type BoxError = Box<dyn StdError + Sync + Send>;

/// A parameter goes in PostgreSQL's binary form where it matches the
/// column's type (integers, reals, text and bytes), else in text form for
/// the server to parse: a time written as text into a `timestamp`, a
/// number into `numeric` or `text`.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if let Value::Null = self {
            return Ok(IsNull::Yes);
        }
        if matches!(self.encode_format(ty), postgres::types::Format::Text) {
            match self {
                Value::Integer(n) => out.put_slice(n.to_string().as_bytes()),
                Value::Real(r) => out.put_slice(r.to_string().as_bytes()),
                Value::Text(s) => out.put_slice(s.as_bytes()),
                Value::Blob(b) => out.put_slice(b),
                Value::Null => unreachable!("handled above"),
            }
            return Ok(IsNull::No);
        }
        match (self, ty) {
            (Value::Integer(n), t) if *t == Type::INT2 => out.put_i16(i16::try_from(*n)?),
            (Value::Integer(n), t) if *t == Type::INT4 => out.put_i32(i32::try_from(*n)?),
            (Value::Integer(n), t) if *t == Type::INT8 => out.put_i64(*n),
            (Value::Integer(n), t) if *t == Type::BOOL => out.put_u8(u8::from(*n != 0)),
            (Value::Real(r), t) if *t == Type::FLOAT4 => out.put_f32(*r as f32),
            (Value::Real(r), t) if *t == Type::FLOAT8 => out.put_f64(*r),
            (Value::Text(s), _) => out.put_slice(s.as_bytes()),
            (Value::Blob(b), _) => out.put_slice(b),
            (v, t) => return Err(format!("{v:?} for a parameter of type {t}").into()),
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> postgres::types::Format {
        use postgres::types::Format::{Binary, Text};
        let ints = [Type::INT2, Type::INT4, Type::INT8, Type::BOOL];
        match self {
            Value::Integer(_) if ints.contains(ty) => Binary,
            Value::Real(_) if *ty == Type::FLOAT4 || *ty == Type::FLOAT8 => Binary,
            Value::Text(_) | Value::Blob(_) if is_text(ty) || *ty == Type::BYTEA => Binary,
            _ => Text,
        }
    }

    postgres::types::to_sql_checked!();
}

/// A column's value from PostgreSQL's binary form: integers, reals and
/// yes/no as numbers, `numeric` as an integer when it has no fraction
/// (a SUM over BIGINT is numeric), text as text or, when it is not UTF-8,
/// bytes; times as the text the server prints with datestyle ISO.
impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        let int = |n: usize| -> Result<i64, BoxError> {
            let b: [u8; 8] = {
                let mut b = [0u8; 8];
                if raw.len() != n {
                    return Err(format!("{} bytes for a {ty}", raw.len()).into());
                }
                b[8 - n..].copy_from_slice(raw);
                b
            };
            // Sign-extend from n bytes.
            let shift = 64 - 8 * n as u32;
            Ok(i64::from_be_bytes(b) << shift >> shift)
        };
        Ok(match ty {
            t if *t == Type::INT2 => Value::Integer(int(2)?),
            t if *t == Type::INT4 => Value::Integer(int(4)?),
            t if *t == Type::INT8 => Value::Integer(int(8)?),
            t if *t == Type::OID => Value::Integer(int(4)? & 0xffff_ffff),
            t if *t == Type::BOOL => Value::Integer(i64::from(raw != [0])),
            t if *t == Type::FLOAT4 => Value::Real(f32::from_be_bytes(raw.try_into()?).into()),
            t if *t == Type::FLOAT8 => Value::Real(f64::from_be_bytes(raw.try_into()?)),
            t if *t == Type::NUMERIC => numeric(raw)?,
            t if *t == Type::TIMESTAMP || *t == Type::TIMESTAMPTZ => {
                Value::Text(timestamp(int(8)?))
            }
            t if *t == Type::DATE => {
                let days = int(4)?;
                Value::Text(timestamp(days * 86_400_000_000)[..10].to_string())
            }
            t if *t == Type::BYTEA => Value::Blob(raw.to_vec()),
            t if is_text(t) || *t == Type::CHAR => match std::str::from_utf8(raw) {
                Ok(s) => Value::Text(s.to_string()),
                Err(_) => Value::Blob(raw.to_vec()),
            },
            t => return Err(format!("rdird does not read columns of type {t}").into()),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// `numeric`'s binary form: digit count, weight, sign, scale, then
/// base-10000 digits.
fn numeric(raw: &[u8]) -> Result<Value, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a short numeric".into())
    };
    let (ndigits, weight, sign, scale) = (word(0)?, word(1)? as i16, word(2)?, word(3)?);
    if sign == 0xC000 {
        return Ok(Value::Real(f64::NAN));
    }
    let digits = (0..ndigits as usize)
        .map(|i| word(4 + i))
        .collect::<Result<Vec<u16>, _>>()?;
    let negative = sign == 0x4000;
    let whole = i32::from(weight) + 1 >= i32::from(ndigits);
    if scale == 0 && whole {
        let mut n: i128 = 0;
        for d in &digits {
            n = n * 10_000 + i128::from(*d);
        }
        for _ in 0..(i32::from(weight) + 1 - i32::from(ndigits)) {
            n *= 10_000;
        }
        let n = if negative { -n } else { n };
        if let Ok(n) = i64::try_from(n) {
            return Ok(Value::Integer(n));
        }
    }
    let mut r = 0.0f64;
    for (i, d) in digits.iter().enumerate() {
        r += f64::from(*d) * 10_000f64.powi(i32::from(weight) - i as i32);
    }
    Ok(Value::Real(if negative { -r } else { r }))
}

/// A `timestamp` (microseconds from 2000-01-01 00:00:00) as the server
/// prints it with datestyle ISO: `2026-12-01 10:00:00`, a fraction only
/// when there is one.
fn timestamp(micros: i64) -> String {
    match micros {
        i64::MAX => return "infinity".into(),
        i64::MIN => return "-infinity".into(),
        _ => {}
    }
    const EPOCH_2000: i64 = 10_957;
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400) + EPOCH_2000;
    let day_secs = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60
    );
    if frac != 0 {
        s += format!(".{frac:06}").trim_end_matches('0');
    }
    s
}

/// The date `days` after 1970-01-01 (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(catalog: &str) -> Result<Target, DbError> {
        let text = format!(
            "Director {{\n  Name = d\n  Password = p\n  QueryFile = /q\n  WorkingDirectory = /tmp\n  PidDirectory = /tmp\n  Messages = M\n}}\n\
             Messages {{ Name = M; Console = all }}\n\
             {catalog}\n\
             Client {{ Name = cl; Address = 127.0.0.1; Password = x; Catalog = C }}\n\
             Storage {{ Name = st; Address = 127.0.0.1; Password = y; Device = D; Media Type = File }}\n\
             Pool {{ Name = P; Pool Type = Backup }}\n\
             FileSet {{ Name = fs; Include {{\n  File = /etc\n}} }}\n\
             Job {{ Name = j; Type = Backup; Client = cl; FileSet = fs; Storage = st; Pool = P; Messages = M }}\n"
        );
        let config = crate::config::Config::parse_text("dir.conf", text.as_bytes()).unwrap();
        let r = config.all(crate::config::Kind::Catalog).next().unwrap();
        Target::from_catalog(r)
    }

    #[test]
    fn a_catalog_naming_no_server_reaches_libpq_s_default_socket_and_port() {
        let t = target("Catalog { Name = C; DB Name = bacula }").unwrap();
        assert_eq!(t.host, DEFAULT_SOCKET_DIR);
        assert_eq!(t.port, 5432);
        assert_eq!((&t.user, &t.password), (&None, &None));
        assert_eq!(t.server(), "/var/run/postgresql/.s.PGSQL.5432");
        let t = target(
            "Catalog { Name = C; DB Name = b; DB Socket = /run/pg/.s.PGSQL.5433; DB Port = 5433; user = u; password = \"s\" }",
        )
        .unwrap();
        assert_eq!((t.host.as_str(), t.port), ("/run/pg", 5433));
        assert_eq!(
            (t.user.as_deref(), t.password.as_deref()),
            (Some("u"), Some("s"))
        );
        let t =
            target("Catalog { Name = C; DB Name = b; DB Address = db.example; DB Socket = /x }")
                .unwrap();
        assert_eq!(
            t.server(),
            "db.example:5432",
            "an address wins over a socket"
        );
    }

    #[test]
    fn a_catalog_asking_for_tls_is_refused_with_its_place() {
        let e = target("Catalog { Name = C; DB Name = b; dbsslmode = verify-full }").unwrap_err();
        assert!(e.0.starts_with("Catalog \"C\" (dir.conf:"), "{e}");
        assert!(e.0.contains("verify-full") && e.0.contains("TLS"), "{e}");
        let e = target("Catalog { Name = C; DB Name = b; dbsslca = /ca.pem }").unwrap_err();
        assert!(e.0.contains("dbsslca"), "{e}");
        assert!(target("Catalog { Name = C; DB Name = b; dbsslmode = disable }").is_ok());
    }

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(
            placeholders("INSERT INTO t VALUES (?, ?, ?)"),
            "INSERT INTO t VALUES ($1, $2, $3)"
        );
        assert_eq!(placeholders("x = ?3 AND y = ?"), "x = $3 AND y = $4");
    }

    #[test]
    fn question_marks_in_strings_names_and_comments_are_kept() {
        let sql = "SELECT 'why?', \"odd?name\" FROM t -- really?\nWHERE a = ? /* b = ? */ AND c = 'it''s ?'";
        assert_eq!(
            placeholders(sql),
            "SELECT 'why?', \"odd?name\" FROM t -- really?\nWHERE a = $1 /* b = ? */ AND c = 'it''s ?'"
        );
        assert_eq!(placeholders("SELECT 'é?' || ?"), "SELECT 'é?' || $1");
    }

    #[test]
    fn copy_rows_escape_what_copy_reads_as_structure() {
        let mut out = Vec::new();
        copy_row(
            &mut out,
            &[
                Value::Integer(-7),
                Value::Blob(b"a\tb\nc\\d\re\xff".to_vec()),
                Value::Null,
                Value::Text("\\N".into()),
            ],
        );
        assert_eq!(out, b"-7\ta\\tb\\nc\\\\d\\re\xff\t\\N\t\\\\N\n");
    }

    #[test]
    fn timestamps_read_as_the_server_prints_them() {
        assert_eq!(timestamp(0), "2000-01-01 00:00:00");
        assert_eq!(timestamp(-1_000_000), "1999-12-31 23:59:59");
        // 2026-12-01 10:20:30.25
        let days = 9831; // 2000-01-01 to 2026-12-01
        let micros = (days * 86_400 + 10 * 3600 + 20 * 60 + 30) * 1_000_000 + 250_000;
        assert_eq!(timestamp(micros), "2026-12-01 10:20:30.25");
    }

    #[test]
    fn numerics_without_a_fraction_read_as_integers() {
        let n = |words: &[u16]| -> Vec<u8> { words.iter().flat_map(|w| w.to_be_bytes()).collect() };
        // 123456789 = 1|2345|6789, weight 2.
        assert_eq!(
            numeric(&n(&[3, 2, 0, 0, 1, 2345, 6789])).unwrap(),
            Value::Integer(123_456_789)
        );
        // -20000 = 2 at weight 1, trailing zero digit left out.
        assert_eq!(
            numeric(&n(&[1, 1, 0x4000, 0, 2])).unwrap(),
            Value::Integer(-20_000)
        );
        // 1.5 = 1|5000, weight 0, scale 1.
        assert_eq!(
            numeric(&n(&[2, 0, 0, 1, 1, 5000])).unwrap(),
            Value::Real(1.5)
        );
        assert_eq!(numeric(&n(&[0, 0, 0, 0])).unwrap(), Value::Integer(0));
    }
}
