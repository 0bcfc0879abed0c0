//! Restore preparation (make bench): how long `restore client=… jobid=…
//! all done yes` takes to choose the files, build the tree and the
//! bootstrap and queue the job, for a backup of 1,000,000 files in the
//! catalog; rdird against Debian's bacula-dir 9.6.7 on copies of the same
//! catalog, in the same run. (The queued jobs then fail: no daemon runs.)
//!
//! Prints `name rdird anchor` lines for bench/run.sh. BENCH_RESTORE_FILES
//! changes the number of files.

use std::time::Instant;

#[path = "common.rs"]
mod common;
use common::{
    command, director_dir, login, make_catalog, start, stop, wait_listening, web_config, PASSWORD,
};

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
        let (dir, port, conf) = director_dir(base.path(), who, &seed, web_config);
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
