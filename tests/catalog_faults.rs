//! Catalog writes that fail during a backup: the job never ends "Backup
//! OK" with records missing, the catalog stays consistent, and the
//! Director keeps serving (and backs up and restores again once the
//! catalog accepts writes).

mod common;
use common::site::*;
use common::tree::snapshot;

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

/// A Restore Job, as Bacula's default configuration has one.
fn restore_job(_: &Place<'_>) -> String {
    "Job { Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }\n"
        .to_string()
}

/// What `PRAGMA integrity_check` says, and how many File rows name a
/// Path or Filename row that does not exist.
fn consistency(s: &Setup) -> (String, i64) {
    let db = s.catalog();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let dangling: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM File LEFT JOIN Path USING (PathId) LEFT JOIN Filename USING (FilenameId)
             WHERE Path.PathId IS NULL OR Filename.FilenameId IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (check, dangling)
}

/// A backup of the site's data, then a restore of it compared byte for
/// byte: what a Director that keeps serving still does.
fn backup_and_restore_work(s: &Setup, target: &Path) {
    let out = s.console("run job=Backup level=Full yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let job_id = report_line(&out, "JobId:").to_string();
    let out = s.console(&format!(
        "restore client=test-fd jobid={job_id} all where={} done yes\nwait\nmessages\n",
        target.display()
    ));
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let data = s.root.path().join("data");
    let restored = target.join(data.strip_prefix("/").unwrap());
    assert_eq!(snapshot(&restored), snapshot(&data));
}

#[test]
fn attributes_the_catalog_refuses_fail_the_backup_and_say_how_many_files_are_missing() {
    let s = setup_conf("fd-secret", None, restore_job);
    s.catalog()
        .execute_batch(
            "CREATE TRIGGER refuse_b BEFORE INSERT ON File
               WHEN NEW.FilenameId IN (SELECT FilenameId FROM Filename WHERE Name = 'b.txt')
             BEGIN SELECT RAISE(ABORT, 'b.txt is refused'); END",
        )
        .unwrap();
    let out = s.console("run job=Backup level=Full yes\nwait\nmessages\n");
    let termination = report_line(&out, "Termination:");
    assert!(!termination.starts_with("Backup OK"), "{out}");
    assert!(
        out.contains("file(s) backed up have no attributes in the catalog"),
        "{out}"
    );
    assert!(out.contains("b.txt is refused"), "{out}");
    let status = s.job_status(1);
    assert_eq!(status, "f");
    assert_eq!(consistency(&s), ("ok".to_string(), 0));
    s.catalog().execute_batch("DROP TRIGGER refuse_b").unwrap();
    backup_and_restore_work(&s, &s.root.path().join("restored"));
    assert_eq!(consistency(&s), ("ok".to_string(), 0));
}

/// Fills the file system holding `dir` with one file there, but for
/// `leave` bytes; its path.
fn fill(dir: &Path, leave: u64) -> std::path::PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0x5a_u8; 4096];
    while f.write_all(&block).is_ok() {}
    let len = f.metadata().unwrap().len();
    f.set_len(len.saturating_sub(leave)).unwrap();
    path
}

/// Many files with long names, whose attributes need more room in the
/// catalog than a few job records do.
fn many_files(s: &Setup) {
    let dir = s.root.path().join("data/many");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..2000 {
        std::fs::write(
            dir.join(format!("{i:04}-{}", "n".repeat(100))),
            i.to_string(),
        )
        .unwrap();
    }
}

#[test]
fn a_full_disk_under_the_catalog_fails_the_backup_and_the_director_recovers_when_space_returns() {
    let disk = RefCell::new(None);
    let s = setup_conf("fd-secret", None, |p| {
        *disk.borrow_mut() = Some(SmallDisk::mount(&p.root.join("dir"), "4m"));
        restore_job(p)
    });
    many_files(&s);
    let filler = fill(&s.root.path().join("dir"), 200_000);
    let out = s.console("run job=Backup level=Full yes\nwait\nmessages\n");
    assert_ne!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(out.contains("database or disk is full"), "{out}");
    assert!(
        out.contains("file(s) backed up have no attributes in the catalog"),
        "{out}"
    );
    let out = s.console("list jobs\n");
    assert!(out.contains("| Backup "), "{out}");
    assert_eq!(consistency(&s), ("ok".to_string(), 0));
    std::fs::remove_file(filler).unwrap();
    let status = s.job_status(1);
    assert_eq!(status, "f");
    backup_and_restore_work(&s, &s.root.path().join("restored"));
    assert_eq!(consistency(&s), ("ok".to_string(), 0));
    drop(s);
    drop(disk);
}

/// Runs a Full with `trigger` in the catalog; the console's output, after
/// checking that the job failed, its status is `f`, and the catalog is
/// sound; the trigger is then dropped.
fn backup_against(s: &Setup, trigger: &str) -> String {
    s.catalog()
        .execute_batch(&format!("CREATE TRIGGER refuse {trigger}"))
        .unwrap();
    let out = s.console("run job=Backup level=Full yes\nwait\nmessages\n");
    assert_eq!(
        report_line(&out, "Termination:"),
        "*** Backup Error ***",
        "{out}"
    );
    let job_id: i64 = report_line(&out, "JobId:").parse().unwrap();
    let status: String = s
        .catalog()
        .query_row(
            "SELECT JobStatus FROM Job WHERE JobId = ?1",
            [job_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "f");
    assert_eq!(consistency(s), ("ok".to_string(), 0));
    s.catalog().execute_batch("DROP TRIGGER refuse").unwrap();
    out
}

#[test]
fn a_jobmedia_record_the_catalog_refuses_is_an_error_to_the_storage_daemon_and_fails_the_job() {
    let s = setup_conf("fd-secret", None, restore_job);
    let out = backup_against(
        &s,
        "BEFORE INSERT ON JobMedia BEGIN SELECT RAISE(ABORT, 'no JobMedia today'); END",
    );
    assert!(
        out.contains("Catalog error creating JobMedia record: no JobMedia today"),
        "{out}"
    );
    backup_and_restore_work(&s, &s.root.path().join("restored"));
}

#[test]
fn a_media_update_the_catalog_refuses_is_an_error_to_the_storage_daemon_and_fails_the_job() {
    let s = setup_conf("fd-secret", None, restore_job);
    let out = backup_against(
        &s,
        "BEFORE UPDATE OF VolJobs ON Media WHEN NEW.VolJobs > 0 BEGIN SELECT RAISE(ABORT, 'no Media update today'); END",
    );
    assert!(
        out.contains("Catalog error updating Media record of \"Vol-0001\": no Media update today"),
        "{out}"
    );
    backup_and_restore_work(&s, &s.root.path().join("restored"));
}
