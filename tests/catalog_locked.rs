//! A catalog another connection keeps locked: a Director script that
//! holds a write transaction on the SQLite catalog (`BEGIN EXCLUSIVE`
//! kept in a global, as a cached connection would be) leaves the
//! consoles answering, with an error naming the lock where a command
//! has to write (`delete`, `run`), and the command changes nothing.

mod common;

use common::site::*;
use std::time::{Duration, Instant};

/// JobStart of the Admin job Locker takes the catalog's write lock and
/// keeps it for the interpreter's life.
const LOCKER: &str = r#"
import bacula, os, sqlite3

HELD = []

class Events:
    def JobStart(self, job):
        if job.Job.startswith("Locker"):
            path = os.path.join(bacula.WorkingDir, job.CatalogRes[0] + ".db")
            c = sqlite3.connect(path, isolation_level=None)
            c.execute("BEGIN EXCLUSIVE")
            HELD.append(c)

bacula.set_events(Events())
"#;

fn locker_job(_: &Place<'_>) -> String {
    "Job { Name = Locker; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n"
        .to_string()
}

/// Whether another connection holds the catalog's write lock.
fn write_locked(s: &Setup) -> bool {
    let db = s.catalog();
    db.busy_timeout(Duration::ZERO).unwrap();
    match db.execute_batch("BEGIN IMMEDIATE; ROLLBACK") {
        Ok(()) => false,
        Err(e) => e.to_string().contains("locked"),
    }
}

#[test]
fn a_script_holding_the_catalogs_write_lock_leaves_consoles_answering_with_the_lock_named() {
    let s = setup_conf("fd-secret", Some(LOCKER), locker_job);
    let out = s.console_within("run job=Backup yes\nwait\n", Duration::from_secs(60));
    assert_eq!(s.job_status(1), "T", "{out}\n{}", s.log());
    s.console("run job=Locker yes\n");
    let started = Instant::now();
    while !write_locked(&s) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the script never took the lock: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Before, every statement waited 30 s for the lock with the catalog
    // held, and the commands behind it longer still.
    let out = s.console_or_kill(
        "status dir\nlist jobs\ndelete jobid=1\nrun job=Backup yes\n",
        Duration::from_secs(40),
    );
    assert!(out.contains("Daemon started"), "status dir: {out}");
    assert!(
        out.lines()
            .any(|l| l.contains("| Backup") && l.contains("| T ")),
        "list jobs: {out}"
    );
    let refused = out
        .lines()
        .find(|l| l.starts_with("Delete failed:"))
        .unwrap_or_else(|| panic!("delete jobid=1: {out}"));
    assert!(
        refused.contains("database is locked") && refused.contains("write lock"),
        "{refused}"
    );
    let not_run = out
        .lines()
        .skip_while(|l| !l.starts_with("run job=Backup"))
        .find(|l| l.contains("database is locked"))
        .unwrap_or_else(|| panic!("run job=Backup: {out}"));
    assert!(not_run.contains("write lock"), "{not_run}");
    assert!(write_locked(&s));
    assert_eq!(s.job_status(1), "T", "the refused delete removed the job");
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs, 2, "a job was created while the catalog was locked");
    // Locker's own end could not be recorded: its report says so.
    let out = s.console_or_kill("wait\nmessages\n", Duration::from_secs(30));
    let warning = out
        .lines()
        .find(|l| l.contains("JobId 2: Warning: Error updating job record."))
        .unwrap_or_else(|| panic!("Locker's report: {out}"));
    assert!(warning.contains("write lock"), "{warning}");
}

/// docs/python.md's read-only connection, at JobEnd: it counts the Job
/// rows, and a write through it is refused.
const READER: &str = r#"
import bacula, os, sqlite3

def catalog(job):
    path = os.path.join(bacula.WorkingDir, job.CatalogRes[0] + ".db")
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True)

class Events:
    def JobEnd(self, job):
        with catalog(job) as db:
            (n,) = db.execute("SELECT COUNT(*) FROM Job").fetchone()
        job.JobReport = "the catalog holds %d jobs" % n
        try:
            catalog(job).execute("DELETE FROM Job")
        except sqlite3.OperationalError as e:
            job.JobReport = "write refused: %s" % e

bacula.set_events(Events())
"#;

#[test]
fn a_script_reads_the_catalog_through_a_read_only_connection_and_cannot_write_it() {
    let s = setup_with("fd-secret", Some(READER));
    let out = s.console_within(
        "run job=Backup yes\nwait\nrun job=Backup yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert!(out.contains(": the catalog holds 1 jobs"), "{out}");
    assert!(out.contains(": the catalog holds 2 jobs"), "{out}");
    assert!(
        out.contains(": write refused: attempt to write a readonly database"),
        "{out}"
    );
    assert_eq!(s.job_status(1), "T");
    assert_eq!(s.job_status(2), "T");
}
