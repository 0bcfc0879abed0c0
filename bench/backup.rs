//! Backup benchmarks (make bench): the same jobs through the same Debian
//! bacula-fd and bacula-sd 9.6.7, driven once by rdird and once by
//! Debian's bacula-dir 9.6.7 (SQLite catalog), in the same run: a Full of
//! 20,000 files / 400 MB, an Incremental with no change, a Full of 10
//! files, and the restore of the 20,000 files (`restore … current all done
//! yes`). For each: wall time from `run` to the job's end in the catalog,
//! the Director's CPU seconds over the job, and its peak RSS during it;
//! each job runs several times, and the median wall time and CPU seconds
//! and the highest peak RSS are reported.
//!
//! Prints `name rdird anchor` lines for bench/run.sh.
//! BENCH_BACKUP_FILES changes the size of the big tree (20,000 files of
//! 20,000 bytes); BENCH_LOG_DIR keeps the Directors' logs there.

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "common.rs"]
mod common;
use common::{command, free_port, login, start, stop, wait_listening};

const PASSWORD: &str = "bench-secret";
const FILE_SIZE: usize = 20_000;

/// Incompressible bytes, a different run for each seed.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

fn make_tree(dir: &Path, files: usize, seed: u64) {
    for i in 0..files {
        let sub = dir.join(format!("d{:03}", i / 200));
        if i % 200 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(
            sub.join(format!("f{i:05}.dat")),
            noise(seed + i as u64, FILE_SIZE),
        )
        .unwrap();
    }
}

fn daemons_config(base: &Path, fd_port: u16, sd_port: u16) {
    let b = base.display();
    std::fs::write(
        base.join("fd.conf"),
        format!(
            "Director {{ Name = bench-dir; Password = \"fd-secret\" }}\n\
             FileDaemon {{ Name = bench-fd; FDport = {fd_port}; FDAddress = 127.0.0.1; WorkingDirectory = {b}/fd; Pid Directory = {b}/fd; Maximum Concurrent Jobs = 20 }}\n\
             Messages {{ Name = Standard; director = bench-dir = all, !skipped, !restored }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        base.join("sd.conf"),
        format!(
            "Storage {{ Name = bench-sd; SDPort = {sd_port}; SDAddress = 127.0.0.1; WorkingDirectory = {b}/sd; Pid Directory = {b}/sd; Maximum Concurrent Jobs = 20 }}\n\
             Director {{ Name = bench-dir; Password = \"sd-secret\" }}\n\
             Device {{ Name = FileDev; Media Type = File; Archive Device = {b}/volumes; LabelMedia = yes; Random Access = yes; AutomaticMount = yes; RemovableMedia = no; AlwaysOpen = no }}\n\
             Messages {{ Name = Standard; director = bench-dir = all }}\n"
        ),
    )
    .unwrap();
}

/// A Director configuration; `prefix` keeps the two Directors' volumes
/// apart on the one storage daemon.
fn director_config(base: &Path, work: &Path, ports: (u16, u16, u16), prefix: &str) -> String {
    let (dir_port, fd_port, sd_port) = ports;
    let (b, w) = (base.display(), work.display());
    format!(
        "Director {{ Name = bench-dir; DIRport = {dir_port}; DirAddress = 127.0.0.1; Password = \"{PASSWORD}\"; QueryFile = \"/etc/bacula/scripts/query.sql\"; WorkingDirectory = \"{w}\"; PidDirectory = \"{w}\"; Messages = Daemon; Maximum Concurrent Jobs = 10 }}\n\
         Catalog {{ Name = MyCatalog; DB Name = bench; DB User = \"\"; DB Password = \"\" }}\n\
         Messages {{ Name = Daemon; Console = all; Catalog = all }}\n\
         Client {{ Name = bench-fd; Address = 127.0.0.1; FD Port = {fd_port}; Password = \"fd-secret\"; Catalog = MyCatalog; Maximum Concurrent Jobs = 10 }}\n\
         Storage {{ Name = File; Address = 127.0.0.1; SD Port = {sd_port}; Password = \"sd-secret\"; Device = FileDev; Media Type = File; Maximum Concurrent Jobs = 10 }}\n\
         Pool {{ Name = Bench; Pool Type = Backup; Maximum Volume Bytes = 50G; Label Format = \"{prefix}-\" }}\n\
         FileSet {{ Name = Big; Include {{ Options {{ Signature = MD5 }}; File = {b}/big }} }}\n\
         FileSet {{ Name = Small; Include {{ Options {{ Signature = MD5 }}; File = {b}/small }} }}\n\
         Job {{ Name = Big; Type = Backup; Level = Full; Client = bench-fd; FileSet = Big; Storage = File; Pool = Bench; Messages = Daemon }}\n\
         Job {{ Name = Small; Type = Backup; Level = Full; Client = bench-fd; FileSet = Small; Storage = File; Pool = Bench; Messages = Daemon }}\n\
         Job {{ Name = RestoreFiles; Type = Restore; Client = bench-fd; FileSet = Big; Storage = File; Pool = Bench; Messages = Daemon; Where = \"{b}/restored-{prefix}\" }}\n"
    )
}

/// The process's user+system CPU seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Peak RSS in MiB since the last reset.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// One job's figures: wall seconds, Director CPU seconds, peak RSS MiB.
struct Figures {
    wall: f64,
    cpu: f64,
    rss: f64,
}

/// Runs `run_line` on the Director and waits, polling its catalog, for
/// the job to end there.
fn measure(port: u16, pid: u32, catalog: &Path, run_line: &str) -> Figures {
    let mut console = login(port, PASSWORD);
    reset_peak_rss(pid);
    let cpu0 = cpu_seconds(pid);
    let t = Instant::now();
    let answer = command(&mut console, run_line);
    let job_id: i64 = answer
        .split("JobId=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no JobId in {answer:?}"));
    let db =
        rusqlite::Connection::open_with_flags(catalog, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let status = loop {
        let s: Option<String> = db
            .query_row(
                "SELECT JobStatus FROM Job WHERE JobId = ?1",
                [job_id],
                |r| r.get(0),
            )
            .ok();
        if let Some(s) = s.filter(|s| "TEfAW".contains(s.as_str())) {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(1800),
            "{run_line} never ended"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = t.elapsed().as_secs_f64();
    // Let the Director finish the job's end (report, messages).
    std::thread::sleep(Duration::from_millis(300));
    let figures = Figures {
        wall,
        cpu: cpu_seconds(pid) - cpu0,
        rss: peak_rss_mib(pid),
    };
    assert_eq!(
        status,
        "T",
        "{run_line}: {}",
        command(&mut console, "messages")
    );
    figures
}

fn main() {
    let files: usize = std::env::var("BENCH_BACKUP_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    for d in ["fd", "sd", "volumes", "big", "small"] {
        std::fs::create_dir_all(b.join(d)).unwrap();
    }
    make_tree(&b.join("big"), files, 1);
    make_tree(&b.join("small"), 10, 1_000_000);
    let (fd_port, sd_port) = (free_port(), free_port());
    daemons_config(b, fd_port, sd_port);
    let fd = start("/usr/sbin/bacula-fd", &["-f"], &b.join("fd.conf"), None);
    let sd = start("/usr/sbin/bacula-sd", &["-f"], &b.join("sd.conf"), None);
    wait_listening(fd_port);
    wait_listening(sd_port);

    // Each job runs `n` times in a row; the median run is reported.
    let jobs = [
        ("full", "run job=Big yes", 3),
        (
            "incremental_no_change",
            "run job=Big level=Incremental yes",
            3,
        ),
        ("small_10_files", "run job=Small yes", 5),
        (
            "restore_full",
            "restore client=bench-fd fileset=Big select current all done yes",
            3,
        ),
    ];
    let mut results: Vec<Vec<Figures>> = Vec::new();
    // With BENCH_LOG_DIR, rdird's packet trace goes to its log there.
    let rdird_args: &[&str] = if std::env::var_os("BENCH_LOG_DIR").is_some() {
        &["-f", "-d", "200", "-dt"]
    } else {
        &["-f"]
    };
    for (who, program, args, prefix) in [
        ("rdird", env!("CARGO_BIN_EXE_rdird"), rdird_args, "R"),
        ("bacula-dir", "/usr/sbin/bacula-dir", &["-f"][..], "B"),
    ] {
        let work = b.join(who);
        std::fs::create_dir_all(&work).unwrap();
        let catalog = work.join("bench.db");
        // Both start from an empty catalog with Bacula's tables.
        drop(rdird::catalog::Catalog::open(&catalog).unwrap());
        let port = free_port();
        let conf = work.join("bacula-dir.conf");
        std::fs::write(
            &conf,
            director_config(b, &work, (port, fd_port, sd_port), prefix),
        )
        .unwrap();
        let log = std::env::var("BENCH_LOG_DIR")
            .map(|d| Path::new(&d).join(format!("{who}.log")))
            .unwrap_or_else(|_| work.join("log"));
        let dir = start(program, args, &conf, Some(&log));
        wait_listening(port);
        let pid = dir.id();
        let mut figures = Vec::new();
        for (name, line, n) in jobs {
            let mut runs: Vec<Figures> = (0..n)
                .map(|_| {
                    // Each job starts on an idle Director, as a job an
                    // administrator runs does.
                    std::thread::sleep(Duration::from_secs(3));
                    let f = measure(port, pid, &catalog, line);
                    eprintln!(
                        "{who} {name}: {:.3} s wall, {:.2} s CPU, {:.1} MiB peak RSS",
                        f.wall, f.cpu, f.rss
                    );
                    f
                })
                .collect();
            runs.sort_by(|a, b| a.wall.total_cmp(&b.wall));
            let mut cpu: Vec<f64> = runs.iter().map(|f| f.cpu).collect();
            cpu.sort_by(f64::total_cmp);
            let rss = runs.iter().map(|f| f.rss).fold(0.0, f64::max);
            figures.push(Figures {
                wall: runs[n / 2].wall,
                cpu: cpu[n / 2],
                rss,
            });
        }
        stop(dir);
        results.push(figures);
    }
    stop(fd);
    stop(sd);
    let mb = files * FILE_SIZE / 1_000_000;
    for (i, (name, _, _)) in jobs.iter().enumerate() {
        let (ours, theirs) = (&results[0][i], &results[1][i]);
        let label = if *name == "full" || *name == "restore_full" {
            format!("{name}_{files}_files_{mb}_mb")
        } else {
            name.to_string()
        };
        println!("backup_{label}_wall_s {:.3} {:.3}", ours.wall, theirs.wall);
        println!(
            "backup_{label}_director_cpu_s {:.3} {:.3}",
            ours.cpu, theirs.cpu
        );
        println!(
            "backup_{label}_director_peak_rss_mib {:.1} {:.1}",
            ours.rss, theirs.rss
        );
    }
}
