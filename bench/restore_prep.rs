//! Restore preparation (make bench): how long `restore client=… jobid=…
//! all done yes` takes to choose the files, build the tree and the
//! bootstrap and queue the job, for a backup of 1,000,000 files in the
//! catalog; rdird against Debian's bacula-dir 9.6.7 on copies of the same
//! catalog, in the same run. (The queued jobs then fail: no daemon runs.)
//!
//! Prints `name rdird anchor` lines for bench/run.sh. BENCH_RESTORE_FILES
//! changes the number of files.

use std::path::Path;
use std::time::Instant;

#[path = "common.rs"]
mod common;
use common::{command, director_dir, login, start, stop, wait_listening};

const PASSWORD: &str = "bench-secret";

fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "Director {{ Name = bench-dir; DIRport = {port}; DirAddress = 127.0.0.1; Password = \"{PASSWORD}\"; QueryFile = \"/etc/bacula/scripts/query.sql\"; WorkingDirectory = \"{d}\"; PidDirectory = \"{d}\"; Messages = Daemon }}\n\
         Catalog {{ Name = MyCatalog; DB Name = bench; DB User = \"\"; DB Password = \"\" }}\n\
         Messages {{ Name = Daemon; Console = all }}\n\
         Client {{ Name = web-fd; Address = 127.0.0.1; FD Port = 1; Password = fdpw; Catalog = MyCatalog }}\n\
         Storage {{ Name = File; Address = 127.0.0.1; SD Port = 1; Password = sdpw; Device = Dev; Media Type = File }}\n\
         Pool {{ Name = Full; Pool Type = Backup }}\n\
         FileSet {{ Name = \"Set\"; Include {{ File = /srv }} }}\n\
         Job {{ Name = WebBackup; Type = Backup; Client = web-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n\
         Job {{ Name = RestoreFiles; Type = Restore; Client = web-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }}\n"
    )
}

/// A catalog with one Full backup of `files` files on one volume.
fn make_catalog(path: &Path, files: i64) {
    let c = rdird::catalog::Catalog::open(path).expect("catalog");
    let tx = c.db().unchecked_transaction().unwrap();
    tx.execute_batch(
        "INSERT INTO Client (Name, Uname) VALUES ('web-fd', '');
         INSERT INTO Pool (Name, PoolType, LabelFormat) VALUES ('Full', 'Backup', '*');
         INSERT INTO FileSet (FileSet, MD5, CreateTime) VALUES ('Set', 'x', '2026-11-26 01:00:00');
         INSERT INTO Media (VolumeName, PoolId, MediaType, VolStatus, VolBytes) VALUES ('Vol-0001', 1, 'File', 'Full', 1);",
    )
    .unwrap();
    tx.execute(
        "INSERT INTO Job (Job, Name, Type, Level, ClientId, JobStatus, SchedTime, StartTime, EndTime, JobTDate, JobFiles, JobBytes, PoolId, FileSetId, VolSessionId, VolSessionTime)
         VALUES ('WebBackup.2026-11-26_01.00.00_01', 'WebBackup', 'B', 'F', 1, 'T', '2026-11-26 01:00:00', '2026-11-26 01:00:00', '2026-11-26 01:05:00', 1795600000, ?1, ?1, 1, 1, 1, 1795600000)",
        [files],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO JobMedia (JobId, MediaId, FirstIndex, LastIndex, StartFile, EndFile, StartBlock, EndBlock, VolIndex) VALUES (1, 1, 1, ?1, 0, 0, 200, 999999999, 1)",
        [files],
    )
    .unwrap();
    {
        let mut path = tx
            .prepare("INSERT INTO Path (PathId, Path) VALUES (?1, ?2)")
            .unwrap();
        for d in 0..=(files / 1000) {
            path.execute(rusqlite::params![d + 1, format!("/srv/data/d{d:04}/")])
                .unwrap();
        }
        let mut name = tx
            .prepare("INSERT INTO Filename (FilenameId, Name) VALUES (?1, ?2)")
            .unwrap();
        let mut file = tx
            .prepare("INSERT INTO File (FileIndex, JobId, PathId, FilenameId, LStat, MD5) VALUES (?1, 1, ?2, ?1, 'P4A mMz9 IGk B A A A LJ BAA I BrB7to BrB7g6 BrB7g6 A A C', '8M8qklFgRQJKDJkUeyjwWw')")
            .unwrap();
        for i in 1..=files {
            name.execute(rusqlite::params![i, format!("f{i:07}.dat")])
                .unwrap();
            file.execute(rusqlite::params![i, (i - 1) / 1000 + 1])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn main() {
    let files: i64 = std::env::var("BENCH_RESTORE_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let base = tempfile::tempdir().unwrap();
    let seed = base.path().join("seed.db");
    make_catalog(&seed, files);
    let mut seconds = Vec::new();
    for (who, program, args) in [
        ("rdird", env!("CARGO_BIN_EXE_rdird"), &["-f"][..]),
        ("bacula-dir", "/usr/sbin/bacula-dir", &["-f"][..]),
    ] {
        let (dir, port, conf) = director_dir(base.path(), who, &seed, config);
        let d = start(program, args, &conf, Some(&dir.join("log")));
        wait_listening(port);
        let mut console = login(port, PASSWORD);
        let t = Instant::now();
        let answer = command(&mut console, "restore client=web-fd jobid=1 all done yes");
        let took = t.elapsed().as_secs_f64();
        assert!(answer.contains("Job queued."), "{who}: {answer}");
        eprintln!("{who}: {took:.3} s to prepare the restore of {files} files");
        seconds.push(took);
        stop(d);
    }
    println!(
        "restore_prepare_{files}_files_s {:.3} {:.3}",
        seconds[0], seconds[1]
    );
}
