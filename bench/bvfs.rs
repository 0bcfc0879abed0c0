//! The restore browser's commands (make bench): `.bvfs_update` of a
//! backup of 1,000,000 files (its PathHierarchy and PathVisibility cache
//! built from nothing), then `.bvfs_lsdirs` of the largest directory
//! (/srv/data/, 1,000 subdirectories) and `.bvfs_lsfiles` of a directory
//! of 1,000 files; rdird beside Debian's bacula-dir 9.6.7 on copies of the
//! same catalog, in the same run.
//!
//! Prints `name rdird anchor` lines for bench/run.sh. BENCH_RESTORE_FILES
//! changes the number of files (as for bench/restore_prep.rs).

use std::time::Instant;

#[path = "common.rs"]
mod common;
use common::{
    command, director_dir, login, make_catalog, start, stop, wait_listening, web_config, PASSWORD,
};

/// The best of `n` runs of `cmd`, in seconds, and the last answer.
fn best_of(console: &mut rdird::bnet::Connection, cmd: &str, n: usize) -> (f64, String) {
    let mut best = f64::MAX;
    let mut answer = String::new();
    for _ in 0..n {
        let t = Instant::now();
        answer = command(console, cmd);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, answer)
}

fn main() {
    let files: i64 = std::env::var("BENCH_RESTORE_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dirs = (files + 999) / 1000;
    let base = tempfile::tempdir().unwrap();
    let seed = base.path().join("seed.db");
    make_catalog(&seed, files);
    let mut figures: Vec<[f64; 3]> = Vec::new();
    for (who, program) in [
        ("rdird", env!("CARGO_BIN_EXE_rdird")),
        ("bacula-dir", "/usr/sbin/bacula-dir"),
    ] {
        let (dir, port, conf) = director_dir(base.path(), who, &seed, web_config);
        let d = start(program, &["-f"], &conf, Some(&dir.join("log")));
        wait_listening(port);
        let mut console = login(port, PASSWORD);
        let t = Instant::now();
        let answer = command(&mut console, ".bvfs_update jobid=1");
        let update = t.elapsed().as_secs_f64();
        assert!(!answer.contains("ERROR"), "{who}: {answer}");
        let (lsdirs, answer) = best_of(&mut console, ".bvfs_lsdirs jobid=1 path=/srv/data/", 5);
        // `.`, `..` and every subdirectory.
        let listed = answer.lines().filter(|l| l.contains('\t')).count() as i64;
        assert_eq!(listed, dirs + 2, "{who}: {answer}");
        let (lsfiles, answer) = best_of(
            &mut console,
            ".bvfs_lsfiles jobid=1 path=/srv/data/d0000/",
            5,
        );
        let listed = answer.lines().filter(|l| l.contains('\t')).count() as i64;
        assert_eq!(listed, files.min(1000), "{who}: {answer}");
        eprintln!(
            "{who}: .bvfs_update {update:.3} s, .bvfs_lsdirs of {dirs} directories {lsdirs:.4} s, .bvfs_lsfiles of a directory {lsfiles:.4} s"
        );
        figures.push([update, lsdirs, lsfiles]);
        stop(d);
    }
    let (ours, theirs) = (figures[0], figures[1]);
    println!(
        "bvfs_update_{files}_files_s {:.3} {:.3}",
        ours[0], theirs[0]
    );
    println!(
        "bvfs_lsdirs_{dirs}_dirs_ms {:.2} {:.2}",
        ours[1] * 1000.0,
        theirs[1] * 1000.0
    );
    println!(
        "bvfs_lsfiles_1000_files_ms {:.2} {:.2}",
        ours[2] * 1000.0,
        theirs[2] * 1000.0
    );
}
