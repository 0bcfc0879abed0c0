//! Benchmarks of the script host (make bench): NewVolume event round trips
//! with the example script (to an interpreter process and back), start-up
//! to "script loaded", the memory of the host and of its interpreter
//! processes, and the JobStart latency of a job while another job's JobEnd
//! takes 5 s.
//!
//! Prints one `name value unit` line per figure; bench/run.sh puts them
//! beside CPython's in bench/results.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdird::job::events::{ScriptCalls, ScriptEvents};
use rdird::job::{JobData, JobEvent, JobState};
use rdird::python::module::DirectorInfo;
use rdird::python::{HostConfig, ScriptHost};

/// Answers like a catalog with a fixed number of volumes.
struct Catalog;

impl ScriptCalls for Catalog {
    fn num_vols(&self, _pool: &str) -> i64 {
        7
    }
    fn volume_exists(&self, _name: &str) -> bool {
        false
    }
    fn run(&self, _from: &JobState, _command: &str) -> Result<i64, String> {
        Ok(0)
    }
    fn cancel(&self, _job_id: i64) -> bool {
        false
    }
    fn level_changed(&self, _job: &JobState) {}
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The memory of the interpreter processes this process started (its
/// children), summed as their proportional set sizes: the binary's pages
/// they share are counted once, not once per process.
fn interpreters_pss_kib() -> u64 {
    let me = std::process::id().to_string();
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().trim_end_matches("kB").trim().to_string())
    };
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/status"))
                        .is_ok_and(|st| field(&st, "PPid:").as_deref() == Some(me.as_str()))
                })
                .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
                .filter_map(|st| field(&st, "Pss:")?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// A script host on `source`, written to a scratch folder named after
/// `tag`; the folder is removed by the caller once the host has exited.
fn scratch_host(tag: &str, source: &str) -> (ScriptHost, PathBuf) {
    let dir = std::env::temp_dir().join(format!("rdird-bench-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("DirStartUp.py");
    std::fs::write(&script, source).unwrap();
    let cfg = HostConfig {
        info: DirectorInfo::default(),
        script: Some(script),
        event_timeout: Duration::from_secs(30),
        legacy_syntax: false,
        memory_limit: 0,
        program: env!("CARGO_BIN_EXE_rdird").into(),
    };
    let (host, loaded) = ScriptHost::start(cfg, Arc::new(Catalog));
    loaded.unwrap_or_else(|e| panic!("the {tag} script loads: {e}"));
    (host, dir)
}

/// The same round trip to a handler that does nothing: the cost of
/// dispatch alone.
fn noop_dispatch(events: usize) -> (f64, f64) {
    let (host, dir) = scratch_host(
        "noop",
        "import bacula\nclass J:\n    def NewVolume(self, job): pass\nclass E:\n    def JobStart(self, job): job.set_events(J())\nbacula.set_events(E())\n",
    );
    let job = JobState::new(JobData::default());
    host.event(&job, JobEvent::JobStart);
    let mut times = Vec::with_capacity(events);
    for _ in 0..events {
        let t = Instant::now();
        host.event(&job, JobEvent::NewVolume);
        times.push(t.elapsed());
    }
    host.exit();
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    (
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
    )
}

/// The JobStart round trip of a job while another job's JobEnd sleeps
/// 5 s (a slow webhook), in milliseconds: the median of `rounds`.
fn concurrent_job_start(rounds: usize) -> f64 {
    let (host, dir) = scratch_host(
        "slow-jobend",
        "import bacula, time\nclass E:\n    def JobStart(self, job): pass\n    def JobEnd(self, job):\n        if job.JobId % 2: time.sleep(5)\nbacula.set_events(E())\n",
    );
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds as i64 {
        let slow = JobState::new(JobData {
            job_id: 2 * round + 1,
            ..JobData::default()
        });
        host.event(&slow, JobEvent::JobStart);
        let h = host.clone();
        let ending = std::thread::spawn(move || h.event(&slow, JobEvent::JobEnd));
        std::thread::sleep(Duration::from_millis(200));
        let other = JobState::new(JobData {
            job_id: 2 * round + 2,
            ..JobData::default()
        });
        let t = Instant::now();
        host.event(&other, JobEvent::JobStart);
        times.push(t.elapsed());
        host.event(&other, JobEvent::JobEnd);
        ending.join().unwrap();
    }
    host.exit();
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    percentile(&times, 0.5).as_secs_f64() * 1e3
}

fn main() {
    let events: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let script = PathBuf::from("examples/scripts/DirStartUp.py");
    let cfg = HostConfig {
        info: DirectorInfo {
            name: "bench-dir".into(),
            version: rdird::VERSION.into(),
            config_file: "examples/bacula-dir.conf".into(),
            working_dir: "/tmp".into(),
        },
        script: Some(script),
        event_timeout: Duration::from_secs(30),
        legacy_syntax: true,
        memory_limit: 0,
        program: env!("CARGO_BIN_EXE_rdird").into(),
    };
    let t0 = Instant::now();
    let (host, loaded) = ScriptHost::start(cfg, Arc::new(Catalog));
    let startup = t0.elapsed();
    loaded.expect("the example script loads");

    let job = JobState::new(JobData {
        job: "NightlySave".into(),
        job_id: 1,
        level: 'I',
        client: "web-fd".into(),
        pool: "Inc".into(),
        ..JobData::default()
    });
    host.event(&job, JobEvent::JobStart);
    for _ in 0..1000 {
        host.event(&job, JobEvent::NewVolume);
    }
    let mut times = Vec::with_capacity(events);
    for _ in 0..events {
        let t = Instant::now();
        let out = host.event(&job, JobEvent::NewVolume);
        times.push(t.elapsed());
        assert!(out.error.is_none());
    }
    times.sort();
    println!(
        "newvolume_median_us {:.2}",
        percentile(&times, 0.5).as_secs_f64() * 1e6
    );
    println!(
        "newvolume_p99_us {:.2}",
        percentile(&times, 0.99).as_secs_f64() * 1e6
    );
    println!(
        "startup_to_script_loaded_ms {:.1}",
        startup.as_secs_f64() * 1e3
    );
    println!("peak_rss_mib {:.1}", peak_rss_kib() as f64 / 1024.0);
    // The interpreters run in processes of their own (the loaded one and
    // the spare).
    println!(
        "interpreters_pss_mib {:.1}",
        interpreters_pss_kib() as f64 / 1024.0
    );
    host.exit();
    let (noop_median, noop_p99) = noop_dispatch(events);
    println!("noop_event_median_us {noop_median:.2}");
    println!("noop_event_p99_us {noop_p99:.2}");
    println!("concurrent_job_start_ms {:.3}", concurrent_job_start(3));
}
