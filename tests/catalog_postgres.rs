//! The PostgreSQL catalog's foundation against a real PostgreSQL 15 server
//! (tests/common/postgres.rs) and stock bacula-dir 9.6.7 with its
//! PostgreSQL backend: the database layer (bytes that are not UTF-8,
//! COPY batches, placeholders, transactions), Bacula's schema created by
//! rdird and opened by bacula-dir, a make_postgresql_tables database
//! opened by rdird, and the errors at open.

mod common;

use std::process::{Command, Stdio};

use common::postgres::{bacula_pgsql_libs, PgServer, PASSWORD};
use common::site::{lone_director_conf, wait_director, write, Proc};
use rdird::catalog::db::{db_params, postgres, Db, Value};

/// The Catalog resource `name` from a configuration holding only it and
/// what a Director configuration needs around it.
fn catalog_resource(catalog: &str) -> rdird::config::Config {
    let root = tempfile::tempdir().unwrap();
    let conf = lone_director_conf(root.path(), 1, "");
    let text = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("Catalog { Name = MyCatalog; DB Name = cat }\n", catalog);
    rdird::config::Config::parse_text(&conf.display().to_string(), text.as_bytes()).unwrap()
}

fn open(catalog: &str) -> Result<Db, String> {
    let config = catalog_resource(catalog);
    let r = config.all(rdird::config::Kind::Catalog).next().unwrap();
    postgres::open(r).map_err(|e| e.0)
}

#[test]
fn the_layer_keeps_names_byte_for_byte_and_copies_batches_and_rolls_back() {
    let pg = PgServer::start("127.0.0.1");
    pg.create_database("layer");
    let db = open(&pg.catalog("MyCatalog", "layer", PASSWORD)).unwrap();

    // A path that is not UTF-8, through a prepared INSERT with `?` and
    // back through a SELECT with `?1` used twice.
    let name: &[u8] = b"/data/caf\xe9/\xff\x01'\"?/";
    let id = db
        .insert_returning(
            "INSERT INTO Path (Path) VALUES (?)",
            db_params![name],
            "PathId",
        )
        .unwrap();
    let back: Vec<u8> = db
        .query_row(
            "SELECT Path FROM Path WHERE PathId = ?1 AND PathId >= ?1 AND Path <> 'x?'",
            db_params![id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(back, name);
    assert_eq!(
        pg.psql("layer", "SELECT encode(Path::bytea, 'hex') FROM Path")
            .trim(),
        "2f646174612f636166e92fff0127223f2f",
        "the server holds the very bytes"
    );

    // A COPY batch: tabs, newlines, backslashes, NULLs and bytes that are
    // not UTF-8 arrive as written.
    db.execute_batch("CREATE TEMP TABLE batch (FileIndex integer, JobId integer, Path text, Name text, LStat text, MD5 text, DeltaSeq smallint)")
        .unwrap();
    let mut w = db
        .batch(
            "batch",
            &[
                "FileIndex",
                "JobId",
                "Path",
                "Name",
                "LStat",
                "MD5",
                "DeltaSeq",
            ],
        )
        .unwrap();
    for i in 0..20_000i64 {
        let name = format!("f\t{i}\n\\\u{e9}").into_bytes();
        let mut raw = name.clone();
        raw.push(0xff);
        w.write(db_params![
            i,
            7,
            name.as_slice(),
            raw,
            "P0C",
            Option::<String>::None,
            0
        ])
        .unwrap();
    }
    assert_eq!(w.finish().unwrap(), 20_000);
    let (count, nulls): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), SUM(CASE WHEN MD5 IS NULL THEN 1 ELSE 0 END) FROM batch WHERE JobId = ?",
            db_params![7],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (count, nulls),
        (20_000, 20_000),
        "SUM over integers reads as an integer"
    );
    let last: Vec<u8> = db
        .query_row(
            "SELECT Name FROM batch WHERE FileIndex = ?",
            db_params![19_999],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(last, b"f\t19999\n\\\xc3\xa9\xff");

    // A transaction rolled back (dropped) leaves nothing; one committed
    // keeps its rows.
    {
        let tx = db.transaction().unwrap();
        tx.execute(
            "INSERT INTO Pool (Name, PoolType, LabelFormat) VALUES (?1, ?2, '*')",
            db_params!["Gone", "Backup"],
        )
        .unwrap();
    }
    let tx = db.transaction().unwrap();
    tx.execute(
        "INSERT INTO Pool (Name, PoolType, LabelFormat) VALUES (?1, ?2, '*')",
        db_params!["Kept", "Backup"],
    )
    .unwrap();
    tx.commit().unwrap();
    let pools = db
        .query_map("SELECT Name FROM Pool ORDER BY Name", &[], |r| {
            r.get::<String>(0)
        })
        .unwrap();
    assert_eq!(pools, ["Kept"]);

    // A time written as text into a timestamp reads back as the server
    // prints it; a statement's error says what PostgreSQL said.
    db.execute(
        "INSERT INTO Job (Job, Name, Type, Level, JobStatus, SchedTime) VALUES (?, ?, 'B', 'F', 'T', ?)",
        db_params!["j.1", "j", "2026-12-01 10:20:30"],
    )
    .unwrap();
    let (sched, status): (String, String) = db
        .query_row("SELECT SchedTime, JobStatus FROM Job", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (sched.as_str(), status.as_str()),
        ("2026-12-01 10:20:30", "T")
    );
    let dup = db
        .execute("INSERT INTO Path (Path) VALUES (?)", db_params![name])
        .unwrap_err();
    assert!(dup.0.contains("duplicate key"), "{dup}");
    let (names, rows) = db
        .query_table("SELECT PoolId, Name AS PoolName FROM Pool", &[])
        .unwrap();
    assert_eq!(names, ["poolid", "poolname"]);
    assert_eq!(rows[0].0[1], Value::Text("Kept".into()));
}

#[test]
fn rdird_creates_bacula_s_own_schema_and_bacula_dir_9_6_7_opens_it() {
    let pg = PgServer::start("127.0.0.1");
    pg.create_database("made_by_rdird");
    pg.create_database("made_by_bacula");
    open(&pg.catalog("MyCatalog", "made_by_rdird", PASSWORD)).unwrap();
    pg.make_postgresql_tables("made_by_bacula");
    assert_eq!(
        pg.schema("made_by_rdird"),
        pg.schema("made_by_bacula"),
        "the DDL is make_postgresql_tables'"
    );
    let rows = |db: &str| {
        pg.psql(
            db,
            "SELECT VersionId FROM Version; SELECT JobStatus, JobStatusLong, Severity FROM Status ORDER BY JobStatus",
        )
    };
    assert_eq!(rows("made_by_rdird"), rows("made_by_bacula"));
    // Opening it again changes nothing.
    open(&pg.catalog("MyCatalog", "made_by_rdird", PASSWORD)).unwrap();
    assert_eq!(pg.schema("made_by_rdird"), pg.schema("made_by_bacula"));

    // Stock bacula-dir with its PostgreSQL backend starts on it, writes
    // its Pool and Client records and lists them.
    let root = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    let text = std::fs::read_to_string(&conf).unwrap().replace(
        "Catalog { Name = MyCatalog; DB Name = cat }\n",
        &pg.catalog("MyCatalog", "made_by_rdird", PASSWORD),
    );
    std::fs::write(&conf, text).unwrap();
    let log = root.path().join("bacula-dir.log");
    let out = std::fs::File::create(&log).unwrap();
    let dir = Proc(
        Command::new("/usr/sbin/bacula-dir")
            .args(["-f", "-c"])
            .arg(&conf)
            .env("LD_LIBRARY_PATH", bacula_pgsql_libs())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
    );
    wait_director(port, &log);
    let console = write(
        root.path(),
        "bconsole.conf",
        &format!("Director {{\n  Name = lone-dir\n  DIRport = {port}\n  address = 127.0.0.1\n  Password = \"p\"\n}}\n"),
    );
    let said = common::bconsole(&console, "list pools\nlist clients\nlist jobs\nquit\n");
    assert!(
        said.contains("| Full "),
        "bacula-dir lists the pool it wrote: {said}"
    );
    assert!(said.contains("lone-fd"), "and the client: {said}");
    drop(dir);
    let pools = pg.psql("made_by_rdird", "SELECT Name FROM Pool");
    assert_eq!(pools.trim(), "Full", "bacula-dir wrote into rdird's tables");
}

#[test]
fn a_make_postgresql_tables_catalog_opens_unchanged_and_another_version_is_refused() {
    let pg = PgServer::start("127.0.0.1");
    pg.create_database("bacula");
    pg.make_postgresql_tables("bacula");
    pg.psql(
        "bacula",
        "INSERT INTO Pool (Name, PoolType, LabelFormat) VALUES ('Site', 'Backup', '*')",
    );
    let before = pg.schema("bacula");
    let db = open(&pg.catalog("MyCatalog", "bacula", PASSWORD)).unwrap();
    let pool: String = db
        .query_row("SELECT Name FROM Pool", &[], |r| r.get(0))
        .unwrap();
    assert_eq!(pool, "Site");
    drop(db);
    assert_eq!(pg.schema("bacula"), before, "opened in place, unaltered");

    pg.psql("bacula", "UPDATE Version SET VersionId = 15");
    let e = open(&pg.catalog("MyCatalog", "bacula", PASSWORD)).unwrap_err();
    assert!(e.starts_with("Catalog \"MyCatalog\" ("), "{e}");
    assert!(e.contains("lone-dir.conf:"), "{e}");
    assert!(
        e.contains("schema version is 15") && e.contains("only version 16"),
        "{e}"
    );
    assert!(e.contains("nothing in it was changed"), "{e}");
    assert_eq!(
        pg.psql("bacula", "SELECT VersionId FROM Version").trim(),
        "15"
    );

    pg.create_database("other");
    pg.psql("other", "CREATE TABLE notes (t text)");
    let e = open(&pg.catalog("MyCatalog", "other", PASSWORD)).unwrap_err();
    assert!(
        e.contains("not a Bacula catalog") && e.contains("notes"),
        "{e}"
    );
}

#[test]
fn a_wrong_password_a_missing_database_or_an_unreachable_server_is_a_clear_error() {
    let pg = PgServer::start("127.0.0.3");
    pg.create_database("bacula");
    let server = format!("127.0.0.3:{}", pg.port);

    let e = open(&pg.catalog("MyCatalog", "bacula", "wrong")).unwrap_err();
    assert!(
        e.starts_with("Catalog \"MyCatalog\" ("),
        "names the Catalog: {e}"
    );
    assert!(e.contains("lone-dir.conf:"), "and where it is written: {e}");
    assert!(
        e.contains(&format!("PostgreSQL server {server}")),
        "and the server: {e}"
    );
    assert!(
        e.contains("password authentication failed for user \"bacula\""),
        "and what PostgreSQL said: {e}"
    );

    let e = open(&pg.catalog("MyCatalog", "nosuch", PASSWORD)).unwrap_err();
    assert!(e.contains("database \"nosuch\" does not exist"), "{e}");

    let closed = common::free_port();
    let e = open(
        &pg.catalog("MyCatalog", "bacula", PASSWORD)
            .replace(&pg.port.to_string(), &closed.to_string()),
    )
    .unwrap_err();
    assert!(e.contains(&format!("127.0.0.3:{closed}")), "{e}");
    assert!(e.contains("cannot connect") && e.contains("refused"), "{e}");

    // A database in UTF-8 would fail the first backup of a name that is
    // not UTF-8: refused at open, saying how Bacula makes one.
    pg.psql(
        "postgres",
        "CREATE DATABASE utf OWNER bacula ENCODING 'UTF8' TEMPLATE template0",
    );
    let e = open(&pg.catalog("MyCatalog", "utf", PASSWORD)).unwrap_err();
    assert!(
        e.contains("encoding is UTF8") && e.contains("ENCODING 'SQL_ASCII'"),
        "{e}"
    );
    assert_eq!(
        pg.psql(
            "utf",
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        .trim(),
        "0"
    );

    // TLS is refused rather than skipped.
    let tls = pg
        .catalog("MyCatalog", "bacula", PASSWORD)
        .replace("}\n", "  dbsslmode = require\n}\n");
    let e = open(&tls).unwrap_err();
    assert!(
        e.contains("dbsslmode = \"require\"") && e.contains("TLS"),
        "{e}"
    );
}
