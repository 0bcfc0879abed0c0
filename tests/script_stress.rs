//! A script that misbehaves in every event, job after job: it keeps what
//! it allocates and it spins. rdird's memory, with its interpreter
//! processes', stays bounded (Python Memory Limit retires an interpreter
//! process past it) and every job ends.

use std::process::Child;
use std::time::{Duration, Instant};

mod common;
use common::procfs::rss_with_children;

struct Director {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Director {
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl Director {
    fn console(&self, input: &str) -> String {
        let conf = self.dir.path().join("bconsole.conf");
        std::fs::write(
            &conf,
            format!(
                "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"console-secret\"\n}}\n",
                self.port
            ),
        )
        .unwrap();
        common::bconsole(&conf, input)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dir.log")).unwrap_or_default()
    }
}

fn start(script: &str, director_extra: &str) -> Director {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("scripts")).unwrap();
    std::fs::write(d.join("scripts/DirStartUp.py"), script).unwrap();
    let port = common::free_port();
    let conf = d.join("dir.conf");
    std::fs::write(
        &conf,
        format!(
            "Director {{\n  Name = test-dir\n  DIRport = {port}\n  DirAddress = 127.0.0.1\n  Password = \"console-secret\"\n  QueryFile = \"/etc/bacula/scripts/query.sql\"\n  WorkingDirectory = \"{0}\"\n  PidDirectory = \"{0}\"\n  Scripts Directory = \"{0}/scripts\"\n  Messages = Daemon\n{director_extra}}}\n\
             Catalog {{ Name = MyCatalog; DB Name = cat }}\n\
             Messages {{ Name = Daemon; Console = all }}\n\
             Client {{ Name = none-fd; Address = 127.0.0.1; Password = x; Catalog = MyCatalog }}\n\
             FileSet {{ Name = \"Set\"; Include {{ File = /etc }} }}\n\
             Storage {{ Name = File; Address = 127.0.0.1; Password = x; Device = Dev; Media Type = File }}\n\
             Pool {{ Name = Default; Pool Type = Backup }}\n\
             Job {{ Name = Tick; Type = Admin; Client = none-fd; FileSet = \"Set\"; Storage = File; Pool = Default; Messages = Daemon }}\n",
            d.display()
        ),
    )
    .unwrap();
    let child = common::spawn_daemon(env!("CARGO_BIN_EXE_rdird"), &conf, &d.join("dir.log"));
    let director = Director { child, dir, port };
    let started = Instant::now();
    while !director.log().contains("Python script loaded") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            director.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    director
}

/// Keeps a megabyte from every event and spins for 20 ms in it.
const GREEDY: &str = "import bacula, time\n\
kept = []\n\
def greedy(job):\n\
\x20   kept.append(b'x' * 1000000)\n\
\x20   t = time.time()\n\
\x20   while time.time() < t + 0.02:\n\
\x20       pass\n\
class JobEvents:\n\
\x20   def JobInit(self, job): greedy(job)\n\
\x20   def JobRun(self, job): greedy(job)\n\
\x20   def JobEnd(self, job): greedy(job)\n\
class Events:\n\
\x20   def JobStart(self, job):\n\
\x20       job.set_events(JobEvents())\n\
\x20       greedy(job)\n\
bacula.set_events(Events())\n";

fn jobs() -> usize {
    std::env::var("RDIRD_STRESS_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

/// The limit is per interpreter process: the Director and all of its
/// interpreters together stay under what the script would hold without it.
#[test]
fn a_greedy_spinning_script_leaves_the_director_bounded_for_two_hundred_jobs() {
    let jobs = jobs();
    let d = start(GREEDY, "  Python Memory Limit = 40 MB\n");
    let pid = d.child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                peak = peak.max(rss_with_children(pid));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };
    // Ten at a time, so that later jobs start in fresh interpreters.
    for _ in 0..jobs.div_ceil(10) {
        d.console(&format!("{}wait\n", "run job=Tick yes\n".repeat(10)));
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let peak_mib = sampler.join().unwrap() >> 20;
    let jobs = jobs.div_ceil(10) * 10;
    let out = d.console("list jobs\n");
    let db = rusqlite::Connection::open(d.dir.path().join("cat.db")).unwrap();
    let ended: i64 = db
        .query_row("SELECT COUNT(*) FROM Job WHERE JobStatus = 'T'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(ended as usize, jobs, "{out}");
    // Without the limit the script would hold 4 MB a job (800 MB for 200).
    assert!(
        peak_mib < 400,
        "the Director and its interpreters peaked at {peak_mib} MiB\n{}",
        d.log()
    );
    assert!(d.log().contains("over Python Memory Limit"), "{}", d.log());
    // The script still runs in fresh interpreters.
    let out = d.console("run job=Tick yes\nwait\nmessages\n");
    assert!(out.contains("Termination:            Admin OK"), "{out}");
}
