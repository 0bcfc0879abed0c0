//! A throwaway PostgreSQL server for the PostgreSQL catalog's tests:
//! Debian's PostgreSQL 15 (package postgresql), its cluster made by
//! initdb in a temporary folder and run by pg_ctl as user postgres (the
//! tests run as root, which PostgreSQL refuses to run as), listening on
//! one loopback address and a free port, with password (SCRAM) logins
//! over TCP for the `bacula` user, stopped when dropped. Also bacula-dir
//! 9.6.7's PostgreSQL backend, unpacked by .ci/packages.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// The password of the `bacula` user every server here has.
pub const PASSWORD: &str = "pg-secret";

/// Where .ci/packages unpacks Debian's bacula-common-pgsql and
/// bacula-director-pgsql.
pub const BACULA_PGSQL: &str = "/var/cache/rdird-tests/bacula-pgsql";

/// A running server; stopped (immediately) and removed on drop.
pub struct PgServer {
    pub dir: tempfile::TempDir,
    pub addr: String,
    pub port: u16,
}

/// The uid and gid of the `postgres` user.
fn postgres_ids() -> (u32, u32) {
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: getpwnam returns a pointer to static storage or null; it is
    // read at once, before any other call could change it.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "no user postgres: the tests need Debian's postgresql (run .ci/packages)"
    );
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

/// `program` run as user postgres; panics with its output when it fails.
fn as_postgres(program: &str, args: &[&str]) -> Output {
    let (uid, gid) = postgres_ids();
    let out = Command::new(program)
        .args(args)
        .uid(uid)
        .gid(gid)
        .env_remove("PGPASSWORD")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (the tests need Debian's postgresql)"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl PgServer {
    /// A new cluster on `addr` (a 127.0.0.x address) and a free port, with
    /// a `bacula` user (password [`PASSWORD`]) that may create databases.
    pub fn start(addr: &str) -> PgServer {
        let dir = tempfile::tempdir().unwrap();
        let (uid, gid) = postgres_ids();
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        let data = dir.path().join("data");
        let data_s = data.to_str().unwrap();
        as_postgres(
            &format!("{BIN}/initdb"),
            &[
                "-D",
                data_s,
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        let port = super::free_port();
        let server = PgServer {
            addr: addr.to_string(),
            port,
            dir,
        };
        let options = format!(
            "-c listen_addresses={addr} -p {port} -k {} -c fsync=off",
            server.dir.path().display()
        );
        as_postgres(
            &format!("{BIN}/pg_ctl"),
            &[
                "-D",
                data_s,
                "-l",
                server.dir.path().join("log").to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        server.psql(
            "postgres",
            &format!("CREATE USER bacula PASSWORD '{PASSWORD}' CREATEDB"),
        );
        server
    }

    /// Runs `sql` as the superuser over the server's socket; what psql
    /// printed (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = as_postgres(
            "/usr/bin/psql",
            &[
                "-h",
                self.dir.path().to_str().unwrap(),
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-A",
                "-t",
                "-c",
                sql,
            ],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A new database owned by `bacula`, made as Bacula's
    /// create_postgresql_database makes it (SQL_ASCII, C collation).
    pub fn create_database(&self, name: &str) {
        self.psql(
            "postgres",
            &format!(
                "CREATE DATABASE \"{name}\" OWNER bacula ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            ),
        );
    }

    /// A Catalog resource for database `db` on this server, as `bacula`
    /// with `password`. It names no `dbdriver`: rdird's configuration
    /// check still refuses "postgresql" (the layer is reached through the
    /// library), and bacula-dir's PostgreSQL build needs none.
    pub fn catalog(&self, name: &str, db: &str, password: &str) -> String {
        format!(
            "Catalog {{\n  Name = {name}\n  DB Name = {db}\n  DB Address = {}\n  DB Port = {}\n  DB User = bacula\n  DB Password = \"{password}\"\n}}\n",
            self.addr, self.port
        )
    }

    /// The schema of database `db` as pg_dump prints it (tables, indexes,
    /// sequences, owners left out), to compare two databases' DDL.
    pub fn schema(&self, db: &str) -> String {
        let out = as_postgres(
            &format!("{BIN}/pg_dump"),
            &[
                "-h",
                self.dir.path().to_str().unwrap(),
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                db,
            ],
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            // pg_dump's \restrict lines carry a key new at each run.
            .filter(|l| !l.starts_with("--") && !l.starts_with("\\") && !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Runs Bacula's make_postgresql_tables (from its Debian package) on
    /// database `db`, as bacula-dir's administrator would.
    pub fn make_postgresql_tables(&self, db: &str) {
        let script =
            Path::new(BACULA_PGSQL).join("usr/share/bacula-director/make_postgresql_tables");
        let (uid, gid) = postgres_ids();
        let out = Command::new("sh")
            .arg(&script)
            .args(["-h", self.dir.path().to_str().unwrap()])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "bacula",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .env("db_name", db)
            .uid(uid)
            .gid(gid)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e} (run .ci/packages)", script.display()));
        assert!(
            out.status.success(),
            "make_postgresql_tables: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let (uid, gid) = postgres_ids();
        let _ = Command::new(format!("{BIN}/pg_ctl"))
            .args(["-D", self.dir.path().join("data").to_str().unwrap()])
            .args(["-m", "immediate", "-w", "stop"])
            .uid(uid)
            .gid(gid)
            .output();
    }
}

/// The folder bacula-dir must find its PostgreSQL catalog library in
/// (`LD_LIBRARY_PATH`, which wins over the binary's RUNPATH).
pub fn bacula_pgsql_libs() -> PathBuf {
    let libs = Path::new(BACULA_PGSQL).join("usr/lib/bacula");
    assert!(
        libs.join("libbaccats-9.6.7.so").exists(),
        "bacula-dir's PostgreSQL backend is not unpacked in {BACULA_PGSQL}: run .ci/packages as root"
    );
    libs
}
