//! The script host's handle, the side of it the rest of the Director
//! calls: every event of a job goes to the job's interpreter process
//! (pool.rs, worker.rs), and the caller waits for its end at most the
//! event's time limit (counted from the end of the event queued ahead of
//! it there) and a second. A handler still running then is given up on:
//! its process is killed, with everything it started, and the job goes on
//! with the timeout in its report. Loading at start-up, `python restart`,
//! the memory limit (memory.rs) and Exit at shutdown are bounded the same
//! way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::load::STARTUP_MODULE;
use super::memory::MemoryLimit;
use super::module::DirectorInfo;
use super::pool::{Pool, GRACE};
use super::worker::{Context, Delivery, Spawner, Worker};
use crate::job::events::{EventOutcome, ScriptCalls, ScriptEvents};
use crate::job::{JobEvent, JobState};

impl HostConfig {
    /// The settings of a configuration's Director resource.
    pub fn from_config(cfg: &crate::config::Config) -> HostConfig {
        let dir = cfg.director();
        HostConfig {
            info: DirectorInfo {
                name: dir.name.clone(),
                version: crate::VERSION.to_string(),
                config_file: cfg.path.display().to_string(),
                working_dir: dir.str("WorkingDirectory").unwrap_or_default().to_string(),
            },
            script: dir
                .str("ScriptsDirectory")
                .map(|d| Path::new(d).join(format!("{STARTUP_MODULE}.py"))),
            event_timeout: Duration::from_secs(
                dir.int("PythonEventTimeout").unwrap_or(30).max(1) as u64
            ),
            legacy_syntax: dir.bool("PythonLegacySyntax").unwrap_or(true),
            memory_limit: dir.int("PythonMemoryLimit").unwrap_or(0).max(0) as u64,
            program: own_binary(),
        }
    }
}

/// The running Director's own binary, to start interpreter processes
/// from. `/proc/self/exe` rather than the path it names: exec'd in the
/// forked child it is still the Director's image, even once a package
/// upgrade has replaced (and so unlinked) the file.
pub(crate) fn own_binary() -> PathBuf {
    let proc = PathBuf::from("/proc/self/exe");
    if proc.exists() {
        proc
    } else {
        std::env::current_exe().unwrap_or(proc)
    }
}

/// How the host is set up, from the Director resource.
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub info: DirectorInfo,
    /// The startup script, `<Scripts Directory>/DirStartUp.py`; scripting
    /// is off without it. Its directory comes first on `sys.path`.
    pub script: Option<PathBuf>,
    /// `Python Event Timeout`.
    pub event_timeout: Duration,
    /// `Python Legacy Syntax`.
    pub legacy_syntax: bool,
    /// `Python Memory Limit` in bytes (0: none), per interpreter process:
    /// past it the process takes no new job and goes once its jobs end;
    /// past twice it, or over it for longer than the event time limit, it
    /// is killed.
    pub memory_limit: u64,
    /// The rdird binary whose hidden `script-host` subcommand runs one
    /// interpreter (a test that builds a host in its own process names
    /// the rdird it built).
    pub program: PathBuf,
}

/// The most Exit may take at shutdown, whatever `Python Event Timeout`
/// says: with the grace a caller gives a handler and a process's start,
/// the whole stop stays within 10 s.
const EXIT_LIMIT: Duration = Duration::from_secs(4);

/// How many times an event that never started (its process was killed
/// while it waited there) is delivered again in another process.
const MAX_REDELIVERIES: usize = 3;

/// The handle the Director keeps: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct ScriptHost {
    pool: Arc<Pool>,
    memory: Arc<MemoryLimit>,
}

impl ScriptHost {
    /// Starts the host and loads the startup script, waiting for the load
    /// (at most the time limit and a second). A script that fails to load
    /// is logged; the Director goes on without scripting.
    pub fn start(
        cfg: HostConfig,
        director: Arc<dyn ScriptCalls>,
    ) -> (ScriptHost, Result<(), String>) {
        let (host, first) = ScriptHost::begin(cfg, director);
        let loaded = first.and_then(|w| host.settle(&w));
        (host, loaded)
    }

    /// Starts the host and loads the startup script in the background:
    /// the Director serves consoles meanwhile, and a job that needs an
    /// event before the load is done waits for it up to the time limit.
    pub fn start_in_background(cfg: HostConfig, director: Arc<dyn ScriptCalls>) -> ScriptHost {
        let (host, first) = ScriptHost::begin(cfg, director);
        if let Ok(w) = first {
            let h = host.clone();
            let spawned = std::thread::Builder::new()
                .name("script-load".into())
                .spawn(move || {
                    let _ = h.settle(&w);
                });
            if let Err(e) = spawned {
                host.pool
                    .disable(format!("cannot start loading the script: {e}"));
            }
        }
        host
    }

    fn begin(
        cfg: HostConfig,
        director: Arc<dyn ScriptCalls>,
    ) -> (ScriptHost, Result<Arc<Worker>, String>) {
        let memory_limit = cfg.memory_limit;
        let pool = Arc::new(Pool::new(Arc::new(Context {
            cfg,
            director,
            spawner: Spawner::start(),
        })));
        let first = pool.start();
        if let Err(e) = &first {
            pool.disable(e.clone());
        }
        let memory = MemoryLimit::start(&pool, memory_limit);
        (ScriptHost { pool, memory }, first)
    }

    /// Waits for the first load and logs how it went.
    fn settle(&self, w: &Arc<Worker>) -> Result<(), String> {
        let cfg = &self.pool.context().cfg;
        match self.pool.wait_load(w, Instant::now() + cfg.event_timeout) {
            Ok(()) => {
                if let Some(p) = &cfg.script {
                    tracing::info!("Python script loaded from {}", p.display());
                }
                Ok(())
            }
            Err(msg) => {
                self.pool.startup_failed(msg.clone());
                Err(msg)
            }
        }
    }
}

impl ScriptEvents for ScriptHost {
    /// Delivers `event` for `job` in the job's interpreter process and
    /// waits until its handler returns, or its deadline and a second
    /// have passed.
    fn event(&self, job: &Arc<JobState>, event: JobEvent) -> EventOutcome {
        let limit = self.pool.context().cfg.event_timeout;
        let job_id = job.data().job_id;
        let mut redeliveries = 0;
        let (w, out) = loop {
            let Some((w, lost)) = self.pool.pick(job_id, Instant::now() + limit) else {
                return EventOutcome::default();
            };
            // Before JobStart has run the job has registered nothing.
            if let (Some(how), false) = (lost, event == JobEvent::JobStart) {
                let text = format!(
                    "Python: {how}; the events object this job registered there is gone, and its later events run in another interpreter process"
                );
                job.message(&text);
                tracing::warn!("JobId {job_id}: {text}");
            }
            match w.deliver(job, event, limit) {
                // Queued behind another job's handler when its process
                // was killed: it never ran, so it goes elsewhere.
                Delivery::NotStarted(how) if redeliveries < MAX_REDELIVERIES => {
                    redeliveries += 1;
                    self.pool.remove(&w, &how);
                    self.pool.done(&w);
                }
                delivery => break (w, delivery),
            }
        };
        let out = match out {
            Delivery::Done(out) => out,
            Delivery::TimedOut => {
                self.pool.remove(
                    &w,
                    &format!(
                        "JobId {job_id}'s {} handler did not stop at its time limit",
                        event.name()
                    ),
                );
                give_up(job, event, limit)
            }
            Delivery::Died(how) | Delivery::NotStarted(how) => {
                self.pool.remove(&w, &how);
                died(job, event, w.pid, &how)
            }
        };
        self.pool.done(&w);
        if event == JobEvent::JobEnd {
            self.pool.job_ended(job_id);
        }
        self.memory.check(&self.pool, &w);
        out
    }

    /// `python restart`: a new interpreter process replaces the current
    /// ones only if the startup script loads in it.
    fn restart(&self) -> Result<(), String> {
        self.pool.reload()
    }

    /// Delivers Exit, within [`EXIT_LIMIT`] at most, and stops the host:
    /// every interpreter process is killed.
    fn exit(&self) {
        let limit = self.pool.context().cfg.event_timeout.min(EXIT_LIMIT);
        self.memory.stop();
        self.pool.exit(limit);
    }
}

/// The report of an event whose handler did not return by its deadline
/// and the grace after it.
fn give_up(job: &Arc<JobState>, event: JobEvent, limit: Duration) -> EventOutcome {
    let name = event.name();
    let text = format!(
        "TimeoutError: Python event {name} exceeded {} and did not stop within {} more; the job goes on without it, and the interpreter process it ran in is killed with everything it started",
        show_timeout(limit),
        show_timeout(GRACE)
    );
    fail(job, event, text, limit + GRACE)
}

/// The report of an event whose interpreter process ended under it.
fn died(job: &Arc<JobState>, event: JobEvent, pid: u32, how: &str) -> EventOutcome {
    let text = format!(
        "the interpreter process {pid} running the Python event {} {how}; the job goes on without it",
        event.name()
    );
    fail(job, event, text, Duration::ZERO)
}

fn fail(job: &Arc<JobState>, event: JobEvent, text: String, elapsed: Duration) -> EventOutcome {
    let name = event.name();
    job.message(&format!("Python error in {name} event:\n{text}"));
    job.data().errors += 1;
    tracing::error!(
        "JobId {}: Python error in {name} event:\n{text}",
        job.data().job_id
    );
    EventOutcome {
        delivered: true,
        error: Some(text),
        elapsed,
    }
}

/// A time limit as the error message says it (`30 sec`).
pub(crate) fn show_timeout(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        format!("{} sec", ms / 1000)
    } else {
        format!("{:.1} sec", d.as_secs_f64())
    }
}
