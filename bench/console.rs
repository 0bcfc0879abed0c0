//! Console and catalog benchmarks (make bench): console round trips per
//! second for `status dir` and `list jobs` with 10,000 jobs in the catalog,
//! rdird against Debian's bacula-dir 9.6.7 on copies of the same catalog in
//! the same run; and File rows per second through the catalog's batch path.
//!
//! Prints `name rdird anchor` lines for bench/run.sh.

use std::path::Path;
use std::time::Instant;

use rdird::bnet::{Packet, Signal};
use rdird::catalog::{Catalog, FileRecord, NameCache};

#[path = "common.rs"]
mod common;
use common::{director_dir, login, start, stop, wait_listening};

const JOBS: i64 = 10_000;
const PASSWORD: &str = "bench-secret";

fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"Director {{
  Name = bench-dir
  DIRport = {port}
  DirAddress = 127.0.0.1
  Password = "{PASSWORD}"
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "{d}"
  PidDirectory = "{d}"
  Messages = Daemon
}}
Catalog {{ Name = MyCatalog; DB Name = bench }}
Messages {{ Name = Daemon; Console = all }}
Client {{ Name = web-fd; Address = 127.0.0.1; Password = fdpw; Catalog = MyCatalog }}
Storage {{ Name = File; Address = 127.0.0.1; Password = sdpw; Device = Dev; Media Type = File }}
Pool {{ Name = Full; Pool Type = Backup }}
FileSet {{ Name = "Set"; Include {{ File = /etc }} }}
Job {{ Name = WebBackup; Type = Backup; Client = web-fd; FileSet = "Set"; Storage = File; Pool = Full; Messages = Daemon }}
"#
    )
}

/// A catalog with `JOBS` finished jobs.
fn make_catalog(path: &Path) {
    let c = Catalog::open(path).expect("catalog");
    let tx = c.db().unchecked_transaction().unwrap();
    tx.execute("INSERT INTO Client (Name, Uname) VALUES ('web-fd', '')", [])
        .unwrap();
    tx.execute(
        "INSERT INTO Pool (Name, PoolType, LabelFormat) VALUES ('Full', 'Backup', '*')",
        [],
    )
    .unwrap();
    for i in 1..=JOBS {
        tx.execute(
            "INSERT INTO Job (Job, Name, Type, Level, ClientId, JobStatus, SchedTime, StartTime, EndTime, JobTDate, JobFiles, JobBytes, PoolId)
             VALUES (?1, 'WebBackup', 'B', 'F', 1, 'T', '2026-11-26 01:00:00', '2026-11-26 01:00:00', '2026-11-26 01:05:00', ?2, ?3, ?4, 1)",
            rusqlite::params![format!("WebBackup.2026-11-26_01.00.00_{i}"), 1_795_600_000 + i, i * 10, i * 12_345],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// Round trips per second for `command`, and the bytes of one answer.
fn round_trips(port: u16, command: &str, n: usize) -> (f64, usize) {
    let mut c = login(port, PASSWORD);
    let mut bytes = 0;
    let t = Instant::now();
    for _ in 0..n {
        c.send(command).unwrap();
        bytes = 0;
        loop {
            match c.recv().unwrap() {
                Packet::Data(d) => bytes += d.len(),
                Packet::Signal(Signal::Eod) => break,
                Packet::Signal(_) => {}
            }
        }
    }
    (n as f64 / t.elapsed().as_secs_f64(), bytes)
}

fn files_per_second() -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let c = Catalog::open(&dir.path().join("files.db")).unwrap();
    let mut cache = NameCache::default();
    let total = 500_000;
    let batch: Vec<FileRecord> = (0..10_000)
        .map(|i| FileRecord {
            file_index: i + 1,
            path: format!("/srv/data/dir{:04}/", i / 100),
            name: format!("file{i:05}.dat"),
            lstat: "P4A mMz9 IGk B A A A LJ BAA I BrB7to BrB7g6 BrB7g6 A A C".into(),
            md5: "7/txd+cjg5InNQ/vxml+6A".into(),
        })
        .collect();
    let t = Instant::now();
    for job in 0..(total / batch.len() as i64) {
        c.insert_files(job + 1, &batch, &mut cache).unwrap();
    }
    total as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let base = tempfile::tempdir().unwrap();
    let seed = base.path().join("seed.db");
    make_catalog(&seed);
    let mut results: Vec<(String, f64, f64)> = Vec::new();

    let mut ports = Vec::new();
    for who in ["rdird", "bacula-dir"] {
        let (_, port, conf) = director_dir(base.path(), who, &seed, config);
        ports.push((who, port, conf));
    }
    let rdird = start(
        env!("CARGO_BIN_EXE_rdird"),
        &["-f", "-P"],
        &ports[0].2,
        None,
    );
    let bacula = start("/usr/sbin/bacula-dir", &["-f"], &ports[1].2, None);
    wait_listening(ports[0].1);
    wait_listening(ports[1].1);
    for (command, n) in [("status dir", 200), ("list jobs", 10)] {
        let (ours, _) = round_trips(ports[0].1, command, n);
        let (theirs, _) = round_trips(ports[1].1, command, n);
        let name = format!("console_{}_per_s", command.replace(' ', "_"));
        results.push((name, ours, theirs));
    }
    stop(rdird);
    stop(bacula);
    results.push(("catalog_file_rows_per_s".into(), files_per_second(), 0.0));
    for (name, ours, theirs) in results {
        println!("{name} {ours:.1} {theirs:.1}");
    }
}
