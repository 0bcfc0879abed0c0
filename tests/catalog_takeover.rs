//! The catalog of a site that ran stock bacula-dir 9.6.7 (its SQLite
//! backend), taken over by rdird and given back: the same configuration,
//! the same daemons, the same catalog file, nothing lost either way.

mod common;
use common::site::*;
use common::tree::snapshot;

use std::time::Duration;

/// A Restore Job both Directors read the same way.
fn restore_job(_: &Place<'_>) -> String {
    "Job { Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }\n"
        .to_string()
}

/// A site whose Director is bacula-dir, on a catalog made by Debian's
/// make_sqlite3_tables in its Working Directory.
fn bacula_site() -> Setup {
    setup_site_for(
        Director::BaculaDir,
        "fd-secret",
        None,
        "",
        |p| {
            make_bacula_catalog(&p.root.join("dir/cat.db"));
            restore_job(p)
        },
        &[],
        |_| String::new(),
    )
}

/// Restores the most recent backups of the client to `target`; the
/// console's output.
fn restore_current(s: &Setup, target: &std::path::Path) -> String {
    s.console(&format!(
        "restore client=test-fd fileset=Set current select all where={} done yes\nwait\nmessages\n",
        target.display()
    ))
}

#[test]
fn rdird_takes_over_bacula_dirs_catalog_and_bacula_dir_takes_back_rdirds_backups() {
    let mut s = bacula_site();
    let data = s.root.path().join("data");
    let out = s.console("run job=Backup level=Full yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("a.txt"), "changed after bacula-dir's Full\n").unwrap();
    std::fs::write(data.join("sub/c.txt"), "new in bacula-dir's Incremental\n").unwrap();
    let out = s.console("run job=Backup level=Incremental yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Incremental"),
        "{out}"
    );
    let by_bacula = snapshot(&data);

    // rdird on the same configuration and catalog.
    s.switch_director(Director::Rdird);
    let out = s.console("list jobs\nlist volumes\nlist files jobid=2\n");
    assert!(out.contains("| Backup "), "{out}");
    let listed_job = |id: i64| {
        out.lines()
            .any(|l| l.split('|').nth(1).map(str::trim) == Some(&id.to_string()))
    };
    assert!(listed_job(1) && listed_job(2), "{out}");
    assert!(out.contains("Vol-0001"), "{out}");
    assert!(
        out.contains(&format!("{}/sub/c.txt", data.display())),
        "{out}"
    );
    let target = s.root.path().join("by-rdird");
    let out = restore_current(&s, &target);
    assert!(
        out.contains("You have selected the following JobIds: 1,2"),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let restored = target.join(data.strip_prefix("/").unwrap());
    assert_eq!(snapshot(&restored), by_bacula);

    // rdird's Incremental builds on bacula-dir's Full, on bacula-dir's
    // volume, with the next JobId.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("sub/d.txt"), "new in rdird's Incremental\n").unwrap();
    let out = s.console("run job=Backup level=Incremental yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Incremental"),
        "{out}"
    );
    assert_eq!(report_line(&out, "JobId:"), "4", "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Vol-0001", "{out}");
    let names: Vec<String> = s.files(4).into_iter().map(|(_, n)| n).collect();
    assert!(names.contains(&"d.txt".to_string()), "{names:?}");
    assert!(!names.contains(&"a.txt".to_string()), "{names:?}");
    let by_rdird = snapshot(&data);
    let out = s.console("label volume=Extra-1 pool=Full storage=File\n");
    let media_id: i64 = s
        .catalog()
        .query_row(
            "SELECT MediaId FROM Media WHERE VolumeName = 'Extra-1'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(media_id, 2, "{out}");

    // And back: bacula-dir restores rdird's backup with bacula-dir's.
    s.switch_director(Director::BaculaDir);
    let out = s.console("list volumes\n");
    assert!(out.contains("Vol-0001") && out.contains("Extra-1"), "{out}");
    let target = s.root.path().join("by-bacula-dir");
    let out = restore_current(&s, &target);
    assert!(
        out.contains("You have selected the following JobIds: 1,2,4"),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let restored = target.join(data.strip_prefix("/").unwrap());
    assert_eq!(snapshot(&restored), by_rdird);
}

/// Starts rdird on `conf` and waits for it to stop by itself (killing it
/// after 10 seconds); what it said.
fn refused_start(root: &std::path::Path, conf: &std::path::Path) -> String {
    let log = root.join("refused.log");
    let mut child = Proc(common::spawn_daemon(
        env!("CARGO_BIN_EXE_rdird"),
        conf,
        &log,
    ));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "rdird started: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn a_catalog_of_another_bacula_schema_version_is_refused_and_left_as_it_was() {
    let root = tempfile::tempdir().unwrap();
    let conf = lone_director_conf(root.path(), common::free_port(), "");
    let db = root.path().join("dir/cat.db");
    make_bacula_catalog(&db);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("UPDATE Version SET VersionId = 15")
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let said = refused_start(root.path(), &conf);
    assert!(
        said.contains(&format!(
            "catalog {}: its Bacula schema version is 15, and rdird reads and writes only version 16",
            db.display()
        )),
        "{said}"
    );
    assert!(said.contains("nothing in it was changed"), "{said}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_catalog_on_another_database_driver_stops_rdird_naming_the_resource_and_its_line() {
    let root = tempfile::tempdir().unwrap();
    let conf = lone_director_conf(
        root.path(),
        common::free_port(),
        "Catalog {\n  Name = PgCatalog\n  DB Name = bacula\n  dbdriver = \"postgresql\"\n}\n",
    );
    let said = refused_start(root.path(), &conf);
    let line = std::fs::read_to_string(&conf)
        .unwrap()
        .lines()
        .position(|l| l.contains("dbdriver"))
        .unwrap()
        + 1;
    assert!(
        said.contains(&format!("{}:{line}:", conf.display())),
        "{said}"
    );
    assert!(
        said.contains("Catalog \"PgCatalog\" asks for the database driver \"postgresql\""),
        "{said}"
    );
    let made: Vec<_> = std::fs::read_dir(root.path().join("dir"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(made.is_empty(), "{made:?}");
}

/// A catalog's tables (columns with type, NOT NULL, default and primary
/// key; declared references) and indexes (unique, columns), one line
/// each, types in lower case; rdird's own migrations table left out.
fn schema_lines(db: &std::path::Path) -> Vec<String> {
    let db = rusqlite::Connection::open(db).unwrap();
    let lines = |sql: &str| -> Vec<String> {
        let mut q = db.prepare(sql).unwrap();
        q.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut out = lines(
        "SELECT m.name || '.' || c.name || ' ' || lower(c.type) || ' notnull=' || c.\"notnull\" || ' default=' || ifnull(c.dflt_value, '-') || ' pk=' || c.pk
         FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name <> 'rdird_migrations'",
    );
    out.extend(lines(
        "SELECT m.name || '.' || f.\"from\" || ' references ' || f.\"table\"
         FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
    ));
    out.extend(lines(
        "SELECT 'index ' || i.name || ' on ' || m.name || ' unique=' || i.\"unique\" || ' (' || (SELECT group_concat(name) FROM pragma_index_info(i.name)) || ')'
         FROM sqlite_master m, pragma_index_list(m.name) i WHERE m.type = 'table' AND i.origin = 'c'",
    ));
    out.extend(lines(
        "SELECT 'status ' || JobStatus || ' ' || JobStatusLong || ' ' || ifnull(Severity, '-') FROM Status",
    ));
    out.extend(lines("SELECT 'version ' || VersionId FROM Version"));
    out.sort();
    out
}

#[test]
fn rdird_creates_the_tables_and_indexes_of_baculas_make_sqlite3_tables() {
    let root = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    let rdird = Proc(common::spawn_daemon(
        env!("CARGO_BIN_EXE_rdird"),
        &conf,
        &root.path().join("dir.log"),
    ));
    wait_log(&root.path().join("dir.log"), "listening for consoles");
    drop(rdird);
    let bacula = root.path().join("bacula.db");
    make_bacula_catalog(&bacula);
    let ours = schema_lines(&root.path().join("dir/cat.db"));
    // Bacula declares Snapshot's key `serial`, which SQLite does not make
    // the rowid: bacula-dir's SnapshotId stays NULL (sql_create.c takes the
    // rowid as the id). rdird's is the rowid, so the id it reads is the key.
    let theirs: Vec<String> = schema_lines(&bacula)
        .into_iter()
        .map(|l| l.replace("Snapshot.SnapshotId serial", "Snapshot.SnapshotId integer"))
        .collect();
    assert_eq!(ours, theirs);
}

/// A pool whose volumes take one job and expire a second after it, and
/// a job writing to it; both Directors read them the same way.
fn short_pool(p: &Place<'_>) -> String {
    make_bacula_catalog(&p.root.join("dir/cat.db"));
    "Pool {\n  Name = Short\n  Pool Type = Backup\n  Label Format = \"Short-\"\n  Maximum Volume Jobs = 1\n  Volume Retention = 1 sec\n  AutoPrune = yes\n  Recycle = yes\n}\n\
     Job { Name = ShortJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Short; Messages = Daemon }\n"
        .to_string()
}

#[test]
fn bacula_dirs_expired_volume_is_pruned_and_recycled_by_rdird() {
    let mut s = setup_site_for(
        Director::BaculaDir,
        "fd-secret",
        None,
        "",
        short_pool,
        &[],
        |_| String::new(),
    );
    let out = s.console("run job=ShortJob yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Short-0001", "{out}");
    let status = |s: &Setup| -> String {
        s.catalog()
            .query_row(
                "SELECT VolStatus FROM Media WHERE VolumeName = 'Short-0001'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(status(&s), "Used", "bacula-dir left its volume Used");

    s.switch_director(Director::Rdird);
    std::thread::sleep(Duration::from_millis(2100));
    let out = s.console("run job=ShortJob yes\nwait\nmessages\nlist volumes pool=Short\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    // No new volume: bacula-dir's, past its retention, was pruned of its
    // job and recycled, as next_vol.c does before labelling another.
    assert_eq!(report_line(&out, "Volume name(s):"), "Short-0001", "{out}");
    assert!(!out.contains("Short-0002"), "{out}");
    let db = s.catalog();
    let jobs_on_it: Vec<i64> = db
        .prepare("SELECT DISTINCT JobId FROM JobMedia JOIN Media USING (MediaId) WHERE VolumeName = 'Short-0001'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        jobs_on_it,
        [2],
        "only rdird's job is on the recycled volume"
    );
    let (recycles, jobs): (i64, i64) = db
        .query_row(
            "SELECT RecycleCount, VolJobs FROM Media WHERE VolumeName = 'Short-0001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((recycles, jobs), (1, 1), "{out}");
}
